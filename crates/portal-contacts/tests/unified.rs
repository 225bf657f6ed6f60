//! The customer portal through the shared `ContactsApi` trait.

use contacts_core::{Address, ContactsApi, NewContact};
use mockito::{Matcher, Server};

const LIST: &str = include_str!("fixtures/list.json");

fn api(server: &Server) -> Box<dyn ContactsApi> {
    Box::new(portal_contacts::Client::builder().base_url(server.url()).authorization("t").build().unwrap())
}

fn entity(id: &str, name: &str) -> String {
    serde_json::json!({"entity": {"id": id, "name": name, "tel": "+4512345678", "email": ""}, "result": true})
        .to_string()
}

#[test]
fn create_then_fetch_returns_the_stored_contact() {
    let mut server = Server::new();
    let create = server
        .mock("POST", "/contact")
        .match_body(Matcher::Exact("name=Jane&email=jane%40example.com&tel=%2B4512345678".into()))
        .with_body(r#"{"msg":"Successfully created entity.","id":"31","result":true}"#)
        .create();
    let get = server.mock("GET", "/contact/31").with_body(entity("31", "Jane")).create();
    let c = api(&server).create(&NewContact::new("Jane").email("jane@example.com").phone("+4512345678")).unwrap();
    create.assert();
    get.assert();
    assert_eq!(
        (c.id.as_str(), c.name.as_str(), c.phone.as_deref(), c.email.as_deref()),
        ("31", "Jane", Some("+4512345678"), None)
    );
    assert!(c.raw["entity"].is_null(), "raw is the contact itself, not the envelope");
    assert_eq!(c.raw["tel"], "+4512345678");
}

#[test]
fn fields_the_portal_cannot_store_are_refused() {
    let mut server = Server::new();
    let mock = server.mock("POST", Matcher::Any).expect(0).create();
    let api = api(&server);
    let err = api.create(&NewContact::new("Jane").address(Address::new().city("Aarhus"))).unwrap_err();
    assert!(matches!(err, contacts_core::Error::Validation(_)) && err.field() == Some("address"));
    let err = api.update("1", &contacts_core::ContactUpdate::new().tax_id("DK1")).unwrap_err();
    assert!(matches!(err, contacts_core::Error::Validation(_)) && err.field() == Some("tax_id"));
    mock.assert();
}

#[test]
fn list_takes_its_customers_from_the_query() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/contact")
        .match_query(Matcher::Exact("customer_id[]=1&customer_id[]=2".into()))
        .with_body(LIST)
        .create();
    let api = api(&server);
    let all: Vec<_> =
        api.list(&contacts_core::ListContacts::new().customer_ids([1, 2])).collect::<Result<_, _>>().unwrap();
    mock.assert();
    assert_eq!(all[0].name, "Contact Name");
    let first = api.list(&contacts_core::ListContacts::new()).next().unwrap().unwrap_err();
    assert!(matches!(first, contacts_core::Error::Validation(_)) && first.field() == Some("customer_id"));
}

#[test]
fn update_then_fetch_and_delete() {
    let mut server = Server::new();
    let update = server
        .mock("POST", "/contact/4")
        .match_body(Matcher::Exact("name=Janet".into()))
        .with_body(r#"{"msg":"Successfully updated entity.","result":true}"#)
        .create();
    let get = server.mock("GET", "/contact/4").with_body(entity("4", "Janet")).create();
    let delete = server
        .mock("GET", "/contact/4/delete")
        .with_body(r#"{"msg":"Entity has been successfully deleted.","result":false}"#)
        .create();
    let api = api(&server);
    assert_eq!(api.update("4", &contacts_core::ContactUpdate::new().name("Janet")).unwrap().name, "Janet");
    api.delete("4").unwrap();
    for m in [update, get, delete] {
        m.assert();
    }
}

#[test]
fn a_search_is_refused_not_ignored_because_the_portal_cannot_search() {
    let mut server = Server::new();
    let nothing = server.mock("GET", Matcher::Any).expect(0).create();
    let first = api(&server).list(&contacts_core::ListContacts::new().customer_ids([1]).search("jane")).next().unwrap();
    assert!(
        first.as_ref().is_err_and(|e| matches!(e, contacts_core::Error::Validation(_)) && e.field() == Some("search")),
        "{first:?}"
    );
    nothing.assert();
}

#[test]
fn an_update_without_a_name_reads_the_current_name_first() {
    // The portal's update requires the name: a patch without one sends the current name.
    let mut server = Server::new();
    let get = server.mock("GET", "/contact/4").with_body(entity("4", "Jane Doe")).expect(2).create();
    let update = server
        .mock("POST", "/contact/4")
        .match_body(Matcher::Exact("name=Jane%20Doe&tel=%2B4599999999".into()))
        .with_body(r#"{"msg":"Successfully updated entity.","result":true}"#)
        .expect(1)
        .create();
    api(&server).update("4", &contacts_core::ContactUpdate::new().phone("+4599999999")).unwrap();
    get.assert();
    update.assert();
}
