//! TheCleanLife through the shared `ContactsApi` trait.

use contacts_core::{ContactsApi, NewContact};
use mockito::{Matcher, Server};

fn api(server: &Server) -> Box<dyn ContactsApi> {
    Box::new(cleanlife_partners::Client::builder().api_key("k").base_url(server.url()).build().unwrap())
}

#[test]
fn find_or_create_and_get_map_to_the_unified_contact() {
    let mut server = Server::new();
    let data = r#"{"success":true,"data":{"id":"bbbbbbbb-0000-0000-0000-000000000002","name":"Ahmed Ali","phone":"+966500000000","isNewContact":true}}"#;
    let post = server
        .mock("POST", "/partners/contacts")
        .match_body(Matcher::Exact(r#"{"phone":"+966500000000","name":"Ahmed Ali"}"#.into()))
        .with_body(data)
        .create();
    let get = server.mock("GET", "/partners/contacts/bbbbbbbb-0000-0000-0000-000000000002").with_body(data).create();
    let api = api(&server);
    let found = api.find_or_create(&NewContact::new("Ahmed Ali").phone("0500000000")).unwrap();
    assert!(found.created);
    assert_eq!(found.contact.phone.as_deref(), Some("+966500000000"));
    assert_eq!(found.contact.raw["isNewContact"], true);
    let c = api.get(&found.contact.id).unwrap();
    assert_eq!(c.name, "Ahmed Ali");
    for m in [post, get] {
        m.assert();
    }
}

#[test]
fn a_malformed_id_or_missing_phone_is_refused_before_sending() {
    let mut server = Server::new();
    let guard: Vec<_> = ["GET", "POST"].into_iter().map(|m| server.mock(m, Matcher::Any).expect(0).create()).collect();
    let api = api(&server);
    assert!(
        api.get("../x")
            .as_ref()
            .is_err_and(|e| matches!(e, contacts_core::Error::Validation(_)) && e.field() == Some("id"))
    );
    let err = api.find_or_create(&NewContact::new("A")).unwrap_err();
    assert!(matches!(err, contacts_core::Error::Validation(_)) && err.field() == Some("phone"));
    let err = api.find_or_create(&NewContact::new("A").phone("0500000000").email("a@b.sa")).unwrap_err();
    assert!(matches!(err, contacts_core::Error::Validation(_)) && err.field() == Some("email"));
    guard.iter().for_each(mockito::Mock::assert);
}
