//! Levers through the shared `ContactsApi` trait.

use contacts_core::{Address, ContactsApi, NewContact};
use mockito::{Matcher, Server};

const DETAILS: &str = include_str!("fixtures/get_details.json");
const ID: &str = "5f0c6c3e-3b8a-4a53-9d55-0d6f3f1e2a10";

fn api(server: &Server) -> Box<dyn ContactsApi> {
    Box::new(
        levers_client::Client::builder()
            .token("t")
            .base_url(format!("{}/api-service/v1", server.url()))
            .build()
            .unwrap(),
    )
}

/// The unified contact as Levers' create body.
const ACME_UNIFIED_CREATE: &str = r#"{"name":"Acme","phoneNumber":"+966500000000","vatNumber":"300000000000003","email":"ap@acme.sa","street":"King Fahd Rd","city":"Riyadh","country":"SA","postalCode":"12211"}"#;

#[test]
fn create_update_get_and_list_map_both_ways() {
    let mut server = Server::new();
    let create =
        server.mock("POST", "/api-service/v1/contact").match_body(ACME_UNIFIED_CREATE).with_body(DETAILS).create();
    let update = server
        .mock("PUT", "/api-service/v1/contact")
        .match_body(Matcher::Exact(format!(r#"{{"uuid":"{ID}","name":"Acme Co","email":"x@acme.sa"}}"#)))
        .with_body(DETAILS)
        .create();
    let get = server.mock("GET", format!("/api-service/v1/contact/{ID}").as_str()).with_body(DETAILS).create();
    let list = server
        .mock("GET", "/api-service/v1/contact")
        .match_query(Matcher::Exact("page=1&size=10".into()))
        .with_body(format!(r#"{{"items":[{DETAILS}],"total":1,"page":1,"size":10,"pages":1}}"#))
        .create();
    let api = api(&server);
    let new = NewContact::new("Acme")
        .email("ap@acme.sa")
        .phone("+966500000000")
        .tax_id("300000000000003")
        .address(Address::new().street("King Fahd Rd").city("Riyadh").postal_code("12211").country("SA"));
    let c = api.create(&new).unwrap();
    assert_eq!(c.id, ID);
    assert_eq!(c.raw["nameAr"], "شركة أكمي للتجارة");
    api.update(ID, &contacts_core::ContactUpdate::new().name("Acme Co").email("x@acme.sa")).unwrap();
    assert_eq!(api.get(ID).unwrap().phone.as_deref(), Some("+966500000000"));
    let all: Vec<_> = api.list(&contacts_core::ListContacts::new().size(10)).collect::<Result<_, _>>().unwrap();
    assert_eq!(all.len(), 1);
    for m in [create, update, get, list] {
        m.assert();
    }
    assert!(matches!(api.get("not-a-uuid"), Err(contacts_core::Error::Validation(_))));
}

#[test]
fn a_search_is_refused_not_ignored_because_levers_cannot_search() {
    let mut server = Server::new();
    let nothing = server.mock("GET", Matcher::Any).expect(0).create();
    let first = api(&server).list(&contacts_core::ListContacts::new().search("acme")).next().unwrap();
    assert!(
        first.as_ref().is_err_and(|e| matches!(e, contacts_core::Error::Validation(_)) && e.field() == Some("search")),
        "{first:?}"
    );
    nothing.assert();
}
