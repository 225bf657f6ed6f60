//! Previsto through the shared `ContactsApi` trait.

use contacts_core::{Address, ContactsApi, NewContact};
use mockito::{Matcher, Server};

const CONTACT: &str = include_str!("fixtures/contact.json");

fn api(server: &Server) -> Box<dyn ContactsApi> {
    Box::new(previsto::Client::builder().api_key("sk_12345").base_url(server.url()).build().unwrap())
}

/// The unified contact as Previsto's create form.
const ANNA_UNIFIED_FORM: &str = "name=Anna%20Jensen&address=Kundevej%202&postalCode=4321&city=Kundeby&countryCode=DK\
&location[]=10.5286863&location[]=56.8039035&phone=%2B452209876543&email=anna%40jensen.dk&registrationNo=DK1";

#[test]
fn create_maps_the_unified_contact_onto_the_form_and_back() {
    let mut server = Server::new();
    let mock = server.mock("POST", "/contacts").match_body(ANNA_UNIFIED_FORM).with_body(CONTACT).create();
    let new = NewContact::new("Anna Jensen")
        .email("anna@jensen.dk")
        .phone("+452209876543")
        .tax_id("DK1")
        .address(Address::new().street("Kundevej 2").postal_code("4321").city("Kundeby").country("DK"))
        .location(contacts_core::Location::new(10.5286863, 56.8039035));
    let c = api(&server).create(&new).unwrap();
    mock.assert();
    assert_eq!(c.id, "con_123123123");
    assert_eq!(c.email.as_deref(), Some("anna@jensen.dk"));
    assert_eq!(c.address.as_ref().and_then(|a| a.city.as_deref()), Some("Kundeby"));
    assert_eq!(c.raw["meta"]["hairColor"], "Brown", "the provider's own JSON is kept whole");
}

#[test]
fn create_without_a_location_sends_no_location_as_the_documents_example_does() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/contacts")
        .match_body(Matcher::Exact("name=Anna".into()))
        .with_body(r#"{"id":"con_1","name":"Anna"}"#)
        .expect(1)
        .create();
    let created = api(&server).create(&NewContact::new("Anna")).unwrap();
    assert_eq!(created.id, "con_1");
    mock.assert();
}

#[test]
fn update_get_delete_and_list_go_to_the_documented_routes() {
    let mut server = Server::new();
    let update = server
        .mock("POST", "/contacts/con_1")
        .match_body(Matcher::Exact("name=Anna%20J&city=Aarhus".into()))
        .with_body(CONTACT)
        .create();
    let get = server.mock("GET", "/contacts/con_1").with_body(CONTACT).create();
    let delete = server.mock("DELETE", "/contacts/con_1").create();
    let list = server
        .mock("GET", "/contacts")
        .match_query(Matcher::Exact("size=2&page=0&search=anna".into()))
        .with_body(format!("[{CONTACT}]"))
        .create();
    let api = api(&server);
    api.update("con_1", &contacts_core::ContactUpdate::new().name("Anna J").address(Address::new().city("Aarhus")))
        .unwrap();
    assert_eq!(api.get("con_1").unwrap().name, "Anna Jensen");
    api.delete("con_1").unwrap();
    let all: Vec<_> =
        api.list(&contacts_core::ListContacts::new().search("anna").size(2)).collect::<Result<_, _>>().unwrap();
    assert_eq!(all.len(), 1);
    for m in [update, get, delete, list] {
        m.assert();
    }
}

#[test]
fn an_apartment_without_an_address_is_kept_as_the_street() {
    // Before: the apartment was added to the address only when there was one, and was lost
    // from the unified contact otherwise.
    let mut server = Server::new();
    let get = server
        .mock("GET", "/contacts/con_7")
        .with_body(r#"{"id":"con_7","name":"Bo","address":null,"appartment":"2. tv","city":"Aarhus"}"#)
        .create();
    let c = api(&server).get("con_7").unwrap();
    get.assert();
    let address = c.address.unwrap();
    assert_eq!((address.street.as_deref(), address.city.as_deref()), (Some("2. tv"), Some("Aarhus")));
}

#[test]
fn code_that_reads_the_environment_runs_against_an_in_process_sandbox_without_set_var() {
    // Before: `from_env` code could be pointed at an in-process sandbox only with
    // `std::env::set_var`, which is unsafe in edition 2024.
    let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PREVISTO, 2).start().unwrap();
    let client = previsto::ClientBuilder::from_vars(|name| sandbox.var(name)).unwrap().build().unwrap();
    assert_eq!(client.base_url(), sandbox.previsto_base_url());
    assert_eq!(client.contacts().list(&previsto::ListContacts::new()).unwrap().len(), 2);
    // A name the lookup does not hold is the same error as a missing variable.
    let err = previsto::ClientBuilder::from_vars(|_| None).unwrap_err();
    assert!(err.to_string().contains("PREVISTO_API_KEY is not set"), "{err}");
}
