//! The customer-portal wire format and envelopes, against mockito.

use mockito::{Matcher, Mock, Server};
use portal_contacts::{
    BodyEncoding, Client, ContactId, ContactUpdate, CustomerId, Error, ListContacts, NewContact, Secret,
};

const LIST: &str = include_str!("fixtures/list.json");
const AUTH: &str = "Bearer portal-token";
const FORM: &str = "application/x-www-form-urlencoded";

fn client(server: &Server) -> Client {
    Client::builder().base_url(server.url()).authorization(AUTH).build().unwrap()
}

fn nothing_sent(server: &mut Server) -> Vec<Mock> {
    ["GET", "POST"].into_iter().map(|m| server.mock(m, Matcher::Any).expect(0).create()).collect()
}

fn one_entity() -> String {
    let v: serde_json::Value = serde_json::from_str(LIST).unwrap();
    serde_json::json!({ "entity": v["entities"][0], "result": true }).to_string()
}

#[test]
fn list_sends_every_customer_id_and_decodes_the_documented_example() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/api/contact")
        .match_query(Matcher::Exact("customer_id[]=1&customer_id[]=22".into()))
        .match_header("authorization", AUTH)
        .match_header("user-agent", concat!("portal-contacts/", env!("CARGO_PKG_VERSION")))
        .with_body(LIST)
        .create();
    let client = Client::builder().base_url(format!("{}/api", server.url())).authorization(AUTH).build().unwrap();
    let all = client.contacts().list(&ListContacts::new().customer(CustomerId(1)).customer(22)).unwrap();
    mock.assert();
    assert_eq!(all.len(), 1);
    let c = &all[0];
    assert_eq!(c.id, ContactId::from("Internal Id"));
    assert_eq!(c.name, "Contact Name");
    assert_eq!(c.email.as_deref(), Some("Email Address"));
    assert_eq!((c.tel.as_deref(), c.tel1.as_deref()), (Some("123456789"), Some("1234567890")));
    assert_eq!((c.fax.as_deref(), c.mobile.as_deref()), (None, None), "empty strings are None");
    assert_eq!((c.role.as_deref(), c.department.as_deref()), (Some("User Role"), Some("Department name")));
    assert!(c.milestone && c.is_active && c.portal_active, "\"1\" is true");
    assert_eq!(c.cost_center_id, Some(0));
    assert_eq!((c.email2.as_deref(), c.email3.as_deref()), (None, None));
    assert_eq!(c.customer_portal_profile_id, Some(1));
    assert_eq!(c.customer_name.as_deref(), Some("Name of the Customer"));
    assert_eq!(c.customer_account.as_deref(), Some("Customer account number"));
    assert_eq!(c.customer_id, Some(1));
    assert_eq!(c.portal_profile.as_deref(), Some("Portal profile id"));
    assert_eq!(c.vendor_type, Some(1));
    assert_eq!((c.vendor_id.as_deref(), c.vendor_name.as_deref(), c.vendor_account.as_deref()), (None, None, None));
    assert_eq!(c.locale.as_deref(), Some("en_US"));
    assert_eq!(c.created_at.as_deref(), Some("Creation Date"));
    assert_eq!(c.updated_at.as_deref(), Some("Last Update Time"));
    assert_eq!(c.customer_portal_profile_name, None);
}

#[test]
fn list_needs_at_least_one_customer() {
    let mut server = Server::new();
    let guard = nothing_sent(&mut server);
    let err = client(&server).contacts().list(&ListContacts::new()).unwrap_err();
    assert!(matches!(err, Error::Validation(_)) && err.field() == Some("customer_id"));
    guard.iter().for_each(Mock::assert);
}

#[test]
fn get_reads_the_contact_from_the_envelope_or_the_bare_body() {
    let mut server = Server::new();
    let a = server.mock("GET", "/contact/7").match_header("authorization", AUTH).with_body(one_entity()).create();
    let bare = serde_json::json!({"id": 8, "name": "Bare", "is_active": "0", "cost_center_id": "-3"}).to_string();
    let b = server.mock("GET", "/contact/8").with_body(bare).create();
    let client = client(&server);
    assert_eq!(client.contacts().get(&ContactId::from("7")).unwrap().name, "Contact Name");
    let c = client.contacts().get(&ContactId::from("8")).unwrap();
    assert_eq!((c.id.as_str(), c.is_active, c.cost_center_id), ("8", false, Some(-3)));
    a.assert();
    b.assert();
}

#[test]
fn entity_not_found_is_not_found_on_get_update_and_delete() {
    let mut server = Server::new();
    let body = r#"{"msg":"Entity not found.","result":false}"#;
    server.mock("GET", "/contact/404").with_body(body).create();
    server.mock("POST", "/contact/404").with_body(body).create();
    server.mock("GET", "/contact/404/delete").with_body(body).create();
    let contacts = client(&server);
    let id = ContactId::from("404");
    assert!(contacts.contacts().get(&id).unwrap_err().is_not_found());
    assert!(contacts.contacts().update(&id, &ContactUpdate::new("Jane").tel("1")).unwrap_err().is_not_found());
    let err = contacts.contacts().delete(&id).unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.status(), Some(200));
}

#[test]
fn delete_success_is_recognised_although_result_is_false() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/contact/5/delete")
        .match_header("authorization", AUTH)
        .with_body(r#"{"msg":"Entity has been successfully deleted.","result":false}"#)
        .expect(2)
        .create();
    client(&server).contacts().delete(&ContactId::from("5")).unwrap();
    let said = client(&server).contacts().delete_with_meta(&ContactId::from("5")).unwrap();
    assert_eq!((said.meta.status, said.meta.attempts), (200, 1));
    mock.assert();
}

#[test]
fn delete_with_any_other_false_answer_is_an_error() {
    let mut server = Server::new();
    server.mock("GET", "/contact/5/delete").with_body(r#"{"msg":"Permission denied.","result":false}"#).create();
    let err = client(&server).contacts().delete(&ContactId::from("5")).unwrap_err();
    assert!(matches!(err, Error::Api(_)) && err.message() == "Permission denied.", "{err:?}");
    assert!(!err.is_not_found());
}

#[test]
fn delete_is_never_retried() {
    let mut server = Server::new();
    let mock = server.mock("GET", "/contact/5/delete").with_status(503).expect(1).create();
    let err = client(&server).contacts().delete(&ContactId::from("5")).unwrap_err();
    assert_eq!(err.status(), Some(503));
    mock.assert();
}

#[test]
fn create_sends_a_form_with_1_0_booleans_and_returns_the_new_id() {
    let mut server = Server::new();
    let body = "name=Jane%20Doe&is_active=1&email=jane%40example.com&tel=%2B4512345678&tel1=2&fax=3&mobile=4\
&role=Buyer&department=Sales&customer_portal_profile_id=4294967295&portal_password=s3cret-pass&portal_active=0\
&milestone=1&cost_center_id=-7&customer_custom_identifier=C-1&locale=da_DK";
    let mock = server
        .mock("POST", "/contact")
        .match_header("authorization", AUTH)
        .match_header("content-type", FORM)
        .match_body(Matcher::Exact(body.into()))
        .with_body(r#"{"msg":"Successfully created entity.","id":"1","result":true}"#)
        .create();
    let new = NewContact::new("Jane Doe")
        .is_active(true)
        .email("jane@example.com")
        .tel("+4512345678")
        .tel1("2")
        .fax("3")
        .mobile("4")
        .role("Buyer")
        .department("Sales")
        .customer_portal_profile_id(4_294_967_295u64)
        .portal_password("s3cret-pass")
        .portal_active(false)
        .milestone(true)
        .cost_center_id(-7)
        .customer_custom_identifier("C-1")
        .locale("da_DK");
    let id = client(&server).contacts().create(&new).unwrap();
    mock.assert();
    assert_eq!(id, ContactId::from("1"));
    assert!(!format!("{new:?}").contains("s3cret-pass"), "the portal password is a secret");
}

#[test]
fn create_can_send_json() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/contact")
        .match_header("content-type", "application/json")
        .match_body(Matcher::Exact(r#"{"name":"Jane","is_active":0,"cost_center_id":3}"#.into()))
        .with_body(r#"{"msg":"Successfully created entity.","id":2,"result":true}"#)
        .create();
    let client =
        Client::builder().base_url(server.url()).authorization(AUTH).body_encoding(BodyEncoding::Json).build().unwrap();
    let id = client.contacts().create(&NewContact::new("Jane").is_active(false).cost_center_id(3)).unwrap();
    assert_eq!(id.as_str(), "2");
    mock.assert();
}

#[test]
fn create_is_not_retried() {
    let mut server = Server::new();
    let mock = server.mock("POST", "/contact").with_status(502).expect(1).create();
    client(&server).contacts().create(&NewContact::new("Jane")).unwrap_err();
    mock.assert();
}

#[test]
fn field_errors_are_reported_per_field() {
    let mut server = Server::new();
    server
        .mock("POST", "/contact")
        .with_body(r#"{"errors":{"name":"Field is required.","email":["Invalid email.","Too long."]},"result":false}"#)
        .create();
    match client(&server).contacts().create(&NewContact::new("Jane")).unwrap_err() {
        e @ Error::Api(_) => {
            assert_eq!(e.status(), Some(200));
            assert!(e.is_input_rejected() && !e.is_validation(), "the provider rejected the input");
            // The portal sends no code: none is invented.
            assert_eq!(e.code(), None);
            let pairs: Vec<_> = e.field_errors().iter().map(|e| (e.field(), e.message())).collect();
            assert_eq!(pairs, [("email", "Invalid email."), ("email", "Too long."), ("name", "Field is required.")]);
            assert!(e.message().contains("name: Field is required."));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nothing_sent_for_request_is_an_api_error() {
    let mut server = Server::new();
    server.mock("POST", "/contact/1").with_body(r#"{"error":"Nothing sent for request.","result":false}"#).create();
    let err =
        client(&server).contacts().update(&ContactId::from("1"), &ContactUpdate::new("Jane").role("x")).unwrap_err();
    assert_eq!((err.code(), err.message()), (None, "Nothing sent for request."));
    let shown = err.to_string();
    assert!(shown.starts_with("api error (status 200): portal POST /contact/1 at 127.0.0.1:"), "{shown}");
    assert!(shown.ends_with(": Nothing sent for request."), "{shown}");
}

#[test]
fn update_sends_only_what_was_set_and_is_retried_as_idempotent() {
    let mut server = Server::new();
    let fail = server.mock("POST", "/contact/9").with_status(503).expect(1).create();
    let ok = server
        .mock("POST", "/contact/9")
        .match_header("content-type", FORM)
        .match_body(Matcher::Exact("name=Jane%20Doe&tel=%2B4512345678".into()))
        .with_body(r#"{"msg":"Successfully updated entity.","result":true}"#)
        .expect(1)
        .create();
    let client = Client::builder()
        .base_url(server.url())
        .authorization(AUTH)
        .retry_policy(portal_contacts::RetryPolicy::default().initial_backoff(std::time::Duration::ZERO))
        .build()
        .unwrap();
    client.contacts().update(&ContactId::from("9"), &ContactUpdate::new("Jane Doe").tel("+4512345678")).unwrap();
    fail.assert();
    ok.assert();
}

#[test]
fn a_result_true_without_an_id_is_a_decode_error() {
    let mut server = Server::new();
    server.mock("POST", "/contact").with_body(r#"{"result":true}"#).create();
    let err = client(&server).contacts().create(&NewContact::new("Jane")).unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[test]
fn the_authorization_provider_is_asked_on_every_call() {
    use std::sync::atomic::{AtomicU32, Ordering};
    let mut server = Server::new();
    let first =
        server.mock("GET", "/contact/1").match_header("authorization", "token-1").with_body(one_entity()).create();
    let second =
        server.mock("GET", "/contact/1").match_header("authorization", "token-2").with_body(one_entity()).create();
    let n = AtomicU32::new(0);
    let client = Client::builder()
        .base_url(server.url())
        .authorization_provider(move || Ok(Secret::new(format!("token-{}", n.fetch_add(1, Ordering::SeqCst) + 1))))
        .build()
        .unwrap();
    client.contacts().get(&ContactId::from("1")).unwrap();
    client.contacts().get(&ContactId::from("1")).unwrap();
    first.assert();
    second.assert();

    let failing = Client::builder()
        .base_url(server.url())
        .authorization_provider(|| Err(Error::config("login expired")))
        .build()
        .unwrap();
    assert!(matches!(failing.contacts().get(&ContactId::from("1")), Err(Error::Config(_))));
}

#[test]
fn a_base_url_and_an_authorization_are_required() {
    let no_url = Client::builder().authorization("x").build().unwrap_err();
    assert!(matches!(no_url, Error::Config(_)), "{no_url:?}");
    assert!(no_url.to_string().contains("base_url(…) or PORTAL_BASE_URL"), "says where to give it: {no_url}");
    assert!(matches!(Client::builder().base_url("https://p.example").build(), Err(Error::Config(_))));
    assert!(matches!(Client::builder().base_url("https://p.example").authorization("").build(), Err(Error::Config(_))));
    let c = Client::builder().base_url("https://p.example").authorization("Bearer TOPSECRET").build().unwrap();
    assert!(!format!("{c:?}").contains("TOPSECRET"));
}

fn assert_refused(field: &str, call: impl FnOnce(&Client) -> portal_contacts::Result<()>) {
    let mut server = Server::new();
    let guard = nothing_sent(&mut server);
    match call(&client(&server)) {
        Err(e @ Error::Validation(_)) => {
            assert_eq!(e.field().unwrap_or_default(), field, "{e}");
            assert!(!e.message().contains("s3cret"), "a refused password is not repeated");
        }
        other => panic!("expected a validation error on {field}, got {other:?}"),
    }
    guard.iter().for_each(Mock::assert);
}

/// Creates with one field set to `value`; `ok` says whether it must pass.
fn limit(field: &'static str, ok: bool, new: NewContact) {
    if ok {
        let mut server = Server::new();
        let mock = server.mock("POST", "/contact").with_body(r#"{"id":"1","result":true}"#).expect(1).create();
        client(&server).contacts().create(&new).unwrap_or_else(|e| panic!("{field} at the limit refused: {e}"));
        mock.assert();
    } else {
        assert_refused(field, |c| c.contacts().create(&new).map(drop));
    }
}

#[test]
fn every_documented_limit_holds_at_the_limit_and_fails_one_past_it() {
    let n = |c: usize| "x".repeat(c);
    let base = || NewContact::new("Jane");
    limit("name", true, NewContact::new("ن".repeat(64)));
    limit("name", false, NewContact::new("ن".repeat(65)));
    limit("name", false, NewContact::new(""));
    let email = |len: usize| format!("{}@example.com", "a".repeat(len - 12));
    limit("email", true, base().email(email(191)));
    limit("email", false, base().email(email(192)));
    limit("email", false, base().email("not-an-email"));
    for (field, set) in [
        ("tel", NewContact::tel as fn(NewContact, String) -> NewContact),
        ("tel1", NewContact::tel1),
        ("fax", NewContact::fax),
        ("mobile", NewContact::mobile),
        ("role", NewContact::role),
    ] {
        limit(field, true, set(base(), n(32)));
        limit(field, false, set(base(), n(33)));
    }
    limit("department", true, base().department(n(64)));
    limit("department", false, base().department(n(65)));
    limit("customer_portal_profile_id", true, base().customer_portal_profile_id(0u64));
    limit("customer_portal_profile_id", true, base().customer_portal_profile_id(4_294_967_295u64));
    limit("customer_portal_profile_id", false, base().customer_portal_profile_id(4_294_967_296u64));
    limit("portal_password", true, base().portal_password("s3cret-p"));
    limit("portal_password", false, base().portal_password("s3cret-"));
    limit("portal_password", true, base().portal_password(format!("s3cret{}", n(26))));
    limit("portal_password", false, base().portal_password(format!("s3cret{}", n(27))));
    limit("customer_custom_identifier", true, base().customer_custom_identifier(n(16)));
    limit("customer_custom_identifier", false, base().customer_custom_identifier(n(17)));
    for ok in ["en_US", "da_DK", "en", "fil_PH", "zh_Hant_TW", "es_419", "sr-Latn-RS"] {
        limit("locale", true, base().locale(ok));
    }
    for bad in ["english", "en US", "en__US", "en_", "e", "", "en_US\n"] {
        limit("locale", false, base().locale(bad));
    }
}

#[test]
fn update_refuses_an_empty_change_and_bad_ids_before_sending() {
    assert_refused("name", |c| c.contacts().update(&ContactId::from("1"), &ContactUpdate::new("")));
    assert_refused("name", |c| c.contacts().update(&ContactId::from("1"), &ContactUpdate::new("x".repeat(65))));
    assert_refused("id", |c| c.contacts().delete(&ContactId::from("")));
}

#[test]
fn hostile_ids_stay_inside_their_path_segment() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/contact/1%2F..%2F2%3Fx/delete")
        .with_body(r#"{"msg":"Entity has been successfully deleted.","result":false}"#)
        .create();
    client(&server).contacts().delete(&ContactId::from("1/../2?x")).unwrap();
    mock.assert();
}

#[test]
fn a_non_json_answer_is_a_decode_error() {
    let mut server = Server::new();
    server.mock("GET", "/contact/1").with_body("<html>login</html>").create();
    assert!(matches!(client(&server).contacts().get(&ContactId::from("1")), Err(Error::Decode(_))));
}

#[test]
fn get_reads_a_contact_sent_as_one_entities_object() {
    let mut server = Server::new();
    server
        .mock("GET", "/contact/7")
        .with_body(r#"{"entities": {"id": "7", "name": "Jane Doe", "is_active": "1"}, "result": true}"#)
        .create();
    let c = client(&server).contacts().get(&ContactId::from("7")).unwrap();
    assert_eq!((c.id.as_str(), c.name.as_str(), c.is_active), ("7", "Jane Doe", true));
}

#[test]
fn create_sends_a_customer_only_when_asked() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/contact")
        .match_body(Matcher::Exact("name=Jane&customer_id=3".into()))
        .with_body(r#"{"msg":"Successfully created entity.","id":"9","result":true}"#)
        .create();
    client(&server).contacts().create(&NewContact::new("Jane").customer_id(3)).unwrap();
    mock.assert();
    let plain = server
        .mock("POST", "/contact")
        .match_body(Matcher::Exact("name=Jane".into()))
        .with_body(r#"{"msg":"Successfully created entity.","id":"10","result":true}"#)
        .create();
    client(&server).contacts().create(&NewContact::new("Jane")).unwrap();
    plain.assert();
}

#[test]
fn an_update_always_carries_the_required_name() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/contact/1")
        .match_body(Matcher::Exact("name=Jane&role=x".into()))
        .with_body(r#"{"msg":"Successfully updated entity.","result":true}"#)
        .create();
    client(&server).contacts().update(&ContactId::from("1"), &ContactUpdate::new("Jane").role("x")).unwrap();
    mock.assert();
}

#[test]
fn per_call_options_and_metadata_work_as_in_every_crate() {
    let mut server = Server::new();
    let failing = server.mock("GET", "/contact/7").with_status(503).expect(1).create();
    let options = portal_contacts::CallOptions::new().retries(0);
    assert_eq!(client(&server).contacts().with(options).get(&ContactId::from("7")).unwrap_err().status(), Some(503));
    failing.assert();
    let mut server = Server::new();
    server
        .mock("POST", "/contact")
        .with_body(r#"{"msg":"Successfully created entity.","id":"9","result":true}"#)
        .create();
    let created = client(&server).contacts().create_with_meta(&NewContact::new("Jane")).unwrap();
    assert_eq!((created.value.as_str(), created.meta.status), ("9", 200));
}

#[test]
fn each_customer_id_form_is_read_by_a_server_that_reads_it_and_a_mismatch_is_caught() {
    // The document shows no form for "customer_id: array of customer IDs": the client's is a
    // setting, and the sandbox reads only the form it was set to, so a mismatch fails here
    // instead of passing unnoticed (it accepted both).
    use contacts_sandbox::{PortalListForm, Provider, Sandbox, credentials};
    use portal_contacts::CustomerIdForm;
    let sb = Sandbox::builder().seed(Provider::PORTAL, 6).start().unwrap();
    let client = |form| {
        Client::builder()
            .authorization(credentials::PORTAL_AUTHORIZATION)
            .base_url(sb.portal_base_url())
            .customer_id_form(form)
            .build()
            .unwrap()
    };
    let query = ListContacts::new().customer(1).customer(2);
    for (server, form) in [
        (PortalListForm::Brackets, CustomerIdForm::Brackets),
        (PortalListForm::Repeated, CustomerIdForm::Repeated),
        (PortalListForm::Comma, CustomerIdForm::Comma),
    ] {
        sb.portal_list_form(server);
        assert_eq!(client(form).contacts().list(&query).unwrap().len(), 4, "{form:?}");
        let sent = sb.requests().last().map(|r| r.query.clone()).unwrap_or_default();
        let wanted = match form {
            CustomerIdForm::Brackets => "customer_id[]=1&customer_id[]=2",
            CustomerIdForm::Repeated => "customer_id=1&customer_id=2",
            _ => "customer_id=1%2C2",
        };
        assert_eq!(sent, wanted, "{form:?}");
    }
    sb.portal_list_form(PortalListForm::Brackets);
    let err = client(CustomerIdForm::Repeated).contacts().list(&query).unwrap_err();
    assert!(err.is_input_rejected(), "a form the server does not read is caught: {err:?}");
}
