//! Levers' wire format: every field, Arabic text, the token flow and FastAPI errors,
//! against mockito.

use mockito::{Matcher, Mock, Server};
use serde_json::{Value, json};

use levers_client::{
    Client, ContactId, ContactUpdate, Date, EmailLanguage, EmailTone, Error, Gender, ListContacts, NewContact, Risk,
    Role, SecondaryContact, SmsLanguage, Uuid,
};

const SEED_CREATE: &str = include_str!("fixtures/create_request_seed.json");
const SEED_UPDATE: &str = include_str!("fixtures/update_request_seed.json");
const SEED_CONTACT: &str = include_str!("fixtures/contact_seed.json");
const DETAILS: &str = include_str!("fixtures/get_details.json");
const UUID: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
const API: &str = "/api-service/v1";

fn base(server: &Server) -> String {
    format!("{}{API}", server.url())
}

fn client(server: &Server) -> Client {
    Client::builder().token("tok-1").base_url(base(server)).build().unwrap()
}

fn uuid() -> Uuid {
    UUID.parse().unwrap()
}

/// The seed's request with its obfuscated `[email protected]` (a no-break space inside) made
/// a real address.
fn seed_json(text: &str) -> Value {
    serde_json::from_str(&text.replace("[email\u{a0}protected]", "ap@acme.sa")).unwrap()
}

macro_rules! all_fields {
    ($b:expr) => {{
        let s = "<string>";
        $b.name_ar(s)
            .first_name(s)
            .first_name_ar(s)
            .last_name(s)
            .last_name_ar(s)
            .phone_number(s)
            .vat_number(s)
            .email("ap@acme.sa")
            .building(s)
            .building_ar(s)
            .street(s)
            .street_ar(s)
            .district(s)
            .district_ar(s)
            .city(s)
            .city_ar(s)
            .country(s)
            .country_ar(s)
            .postal_code(s)
            .additional_number(s)
            .other_id(s)
            .bank_name(s)
            .bank_contact_name(s)
            .iban(s)
            .account_number(s)
            .email_tone(EmailTone::Friendly)
            .send_email_notif(true)
            .send_email_notif_lang(EmailLanguage::English)
            .send_sms_notif(true)
            .send_sms_notif_lang(SmsLanguage::English)
            .reminders_enabled(true)
            .ext_platform_id(s)
            .ext_company_id(s)
            .has_errors(true)
            .error_detail(serde_json::Map::new())
    }};
}

#[test]
fn create_round_trips_the_seed_example() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/api-service/v1/contact")
        .match_header("authorization", "Bearer tok-1")
        .match_header("content-type", "application/json")
        .match_header("user-agent", concat!("levers-client/", env!("CARGO_PKG_VERSION")))
        .match_body(Matcher::Json(seed_json(SEED_CREATE)))
        .with_body(SEED_CONTACT)
        .create();
    let secondary = all_fields!(SecondaryContact::new("<string>")).uuid(uuid());
    let create = all_fields!(NewContact::new("<string>"))
        .secondary_contact(secondary)
        .role(Role::Primary)
        .payment_instructions(uuid())
        .workflow_uuid(uuid())
        .custom_field("<unknown>");
    let sent = serde_json::to_value(&create).unwrap();
    let expected = seed_json(SEED_CREATE);
    for (k, v) in expected.as_object().unwrap() {
        assert_eq!(&sent[k.as_str()], v, "request field {k}");
    }
    assert_eq!(sent, expected);
    let c = client(&server).contacts().create(&create).unwrap();
    mock.assert();

    // The seed's response decodes with nothing lost: compare it with our model re-encoded.
    let ours: Value = serde_json::to_value(&c).unwrap();
    let seed: Value = serde_json::from_str(SEED_CONTACT).unwrap();
    for (key, value) in seed.as_object().unwrap() {
        match (value, &ours[key.as_str()]) {
            (Value::Number(a), Value::Number(b)) => assert_eq!(a.as_f64(), b.as_f64(), "field {key}"),
            (a, b) => assert_eq!(b, a, "field {key}"),
        }
    }
    assert_eq!(c.risk, Some(Risk::Low));
    assert_eq!(c.promise_to_pay_date, Some("2023-12-25".parse::<Date>().unwrap()));
    assert_eq!(c.payment_instructions.as_ref().unwrap().bank_company_address.as_deref(), Some("<string>"));
    assert_eq!(c.workflow.as_ref().unwrap().uuid, Some(uuid()));
    assert_eq!(c.secondary_contacts[0].uuid, Some(uuid()));
    assert_eq!((c.total_amount, c.total_invoices), (Some(123.0), Some(123)));
}

#[test]
fn update_round_trips_the_seed_example_without_role() {
    let mut server = Server::new();
    let mock = server
        .mock("PUT", "/api-service/v1/contact")
        .match_header("authorization", "Bearer tok-1")
        .match_body(Matcher::Json(seed_json(SEED_UPDATE)))
        .with_body(SEED_CONTACT)
        .create();
    let secondary = all_fields!(SecondaryContact::new("<string>")).uuid(uuid());
    let update = all_fields!(ContactUpdate::new().name("<string>"))
        .secondary_contact(secondary)
        .payment_instructions(uuid())
        .workflow_uuid(uuid())
        .custom_field("<unknown>");
    client(&server).contacts().update(&ContactId::from(uuid()), &update).unwrap();
    mock.assert();
    assert!(seed_json(SEED_UPDATE).get("role").is_none(), "the update body has no role");
}

#[test]
fn an_existing_secondary_contact_is_updated_by_its_uuid_alone() {
    // Before: `SecondaryContact::new(name)` forced a name, so changing one field of an existing
    // secondary contact sent a name too.
    let mut server = Server::new();
    let body = json!({"uuid": uuid().to_string(), "secondaryContacts": [{"email": "new@acme.sa", "uuid": uuid().to_string()}]});
    let mock =
        server.mock("PUT", "/api-service/v1/contact").match_body(Matcher::Json(body)).with_body(SEED_CONTACT).create();
    let update = ContactUpdate::new().secondary_contact(SecondaryContact::existing(uuid()).email("new@acme.sa"));
    client(&server).contacts().update(&ContactId::from(uuid()), &update).unwrap();
    mock.assert();
}

/// The create body, byte for byte: Arabic as sent, no nulls.
const ACME_ARABIC_CREATE: &str = r#"{"name":"Acme Trading","nameAr":"شركة أكمي للتجارة","email":"ap@acme.sa","cityAr":"الرياض","emailTone":"FRIENDLY","gender":"female"}"#;

#[test]
fn create_sends_exact_json_with_arabic_intact_and_no_nulls() {
    let mut server = Server::new();
    let mock =
        server.mock("POST", "/api-service/v1/contact").match_body(ACME_ARABIC_CREATE).with_body(SEED_CONTACT).create();
    let create = NewContact::new("Acme Trading")
        .name_ar("شركة أكمي للتجارة")
        .city_ar("الرياض")
        .email("ap@acme.sa")
        .email_tone(EmailTone::Friendly)
        .gender(Gender::Female);
    client(&server).contacts().create(&create).unwrap();
    mock.assert();
}

#[test]
fn update_sends_the_uuid_and_only_what_changed() {
    let mut server = Server::new();
    let mock = server
        .mock("PUT", "/api-service/v1/contact")
        .match_body(Matcher::Exact(format!(r#"{{"uuid":"{UUID}","phoneNumber":"+966500000000"}}"#)))
        .with_body(SEED_CONTACT)
        .create();
    client(&server).contacts().update(&uuid().into(), &ContactUpdate::new().phone_number("+966500000000")).unwrap();
    mock.assert();
}

#[test]
fn get_decodes_the_details_answer_with_its_extra_and_missing_fields() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/api-service/v1/contact/5f0c6c3e-3b8a-4a53-9d55-0d6f3f1e2a10")
        .match_header("authorization", "Bearer tok-1")
        .with_body(DETAILS)
        .create();
    let c = client(&server).contacts().get(&"5f0c6c3e-3b8a-4a53-9d55-0d6f3f1e2a10".parse().unwrap()).unwrap();
    mock.assert();
    assert_eq!(c.name_ar.as_deref(), Some("شركة أكمي للتجارة"));
    assert_eq!(c.send_email_notif_lang, Some(EmailLanguage::EnglishArabic));
    assert_eq!((c.total_paid, c.average_delay), (Some(2500.0), Some(12.5)));
    assert_eq!(c.risk, Some(Risk::High));
    assert_eq!(c.promise_to_pay_switch_workflow_id, Some(17));
    assert_eq!(c.promise_to_pay_switch_workflow_uuid, None);
    assert_eq!(c.last_contacted.as_deref(), Some("2024-03-01T09:30:00Z"));
    assert!(c.secondary_contacts.is_empty() && c.payment_instructions.is_none());
    assert_eq!(c.workflow.unwrap().name.as_deref(), Some("Default"));
    assert_eq!(c.promise_to_pay_date.unwrap().to_string(), "2024-02-29");
}

#[test]
fn list_reads_a_fastapi_page_or_a_bare_array() {
    let mut server = Server::new();
    let contact: Value = serde_json::from_str(DETAILS).unwrap();
    let page = server
        .mock("GET", "/api-service/v1/contact")
        .match_query(Matcher::Exact("page=1&size=50".into()))
        .with_body(json!({"items": [contact], "total": 1, "page": 1, "size": 50, "pages": 1}).to_string())
        .create();
    let bare = server
        .mock("GET", "/api-service/v1/contact")
        .match_query(Matcher::Exact("page=2&size=50".into()))
        .with_body(json!([contact]).to_string())
        .create();
    let client = client(&server);
    let p = client.contacts().list_page(&ListContacts::new().page(1).size(50)).unwrap();
    assert_eq!((p.contacts.len(), p.total, p.pages), (1, Some(1), Some(1)));
    let p = client.contacts().list_page(&ListContacts::new().page(2).size(50)).unwrap();
    assert_eq!((p.contacts.len(), p.total), (1, None));
    page.assert();
    bare.assert();

    server
        .mock("GET", "/api-service/v1/contact")
        .match_query(Matcher::Exact("page=3".into()))
        .with_body(r#"{"detail":"x","n":1}"#)
        .create();
    let err = client.contacts().list_page(&ListContacts::new().page(3)).unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[test]
fn iter_walks_pages_from_one_and_stops_at_the_total() {
    let mut server = Server::new();
    let contact = |n: u32| {
        let mut c: Value = serde_json::from_str(DETAILS).unwrap();
        c["uuid"] = json!(format!("00000000-0000-4000-8000-00000000000{n}"));
        c
    };
    let p1 = server
        .mock("GET", "/api-service/v1/contact")
        .match_query(Matcher::Exact("page=1&size=2".into()))
        .with_body(json!({"items": [contact(1), contact(2)], "total": 3, "page": 1, "size": 2, "pages": 2}).to_string())
        .create();
    let p2 = server
        .mock("GET", "/api-service/v1/contact")
        .match_query(Matcher::Exact("page=2&size=2".into()))
        .with_body(json!({"items": [contact(3)], "total": 3, "page": 2, "size": 2, "pages": 2}).to_string())
        .create();
    let n = client(&server).contacts().iter(&ListContacts::new().size(2)).map(Result::unwrap).count();
    assert_eq!(n, 3);
    p1.assert();
    p2.assert();
}

fn exchange(server: &mut Server, token: &str, times: usize) -> Mock {
    server
        .mock("POST", "/auth/v1/api-key/auth")
        .match_header("content-type", "application/json")
        .match_header("authorization", Matcher::Missing)
        .match_body(Matcher::Exact(r#"{"clientId":"my-id","clientSecret":"my-secret"}"#.into()))
        .with_body(json!({"access_token": token}).to_string())
        .expect(times)
        .create()
}

fn credentials_client(server: &Server) -> Client {
    Client::builder().client_credentials("my-id", "my-secret").base_url(base(server)).build().unwrap()
}

#[test]
fn client_credentials_are_exchanged_once_and_the_token_cached() {
    let mut server = Server::new();
    let auth = exchange(&mut server, "jwt-A", 1);
    let get = server
        .mock("GET", format!("/api-service/v1/contact/{UUID}").as_str())
        .match_header("authorization", "Bearer jwt-A")
        .with_body(SEED_CONTACT)
        .expect(2)
        .create();
    let client = credentials_client(&server);
    client.contacts().get(&uuid().into()).unwrap();
    client.clone().contacts().get(&uuid().into()).unwrap();
    auth.assert();
    get.assert();
}

#[test]
fn an_expired_token_is_renewed_and_the_create_repeated_once() {
    let mut server = Server::new();
    let auth = server.mock("POST", "/auth/v1/api-key/auth").with_body(r#"{"access_token":"jwt-1"}"#).expect(1).create();
    let client = credentials_client(&server);
    let first = server
        .mock("GET", format!("/api-service/v1/contact/{UUID}").as_str())
        .match_header("authorization", "Bearer jwt-1")
        .with_body(SEED_CONTACT)
        .expect(1)
        .create();
    client.contacts().get(&uuid().into()).unwrap();
    auth.assert();
    first.assert();

    // The token expires: 401 once, a new exchange, and the same call again with the new token.
    let auth2 =
        server.mock("POST", "/auth/v1/api-key/auth").with_body(r#"{"access_token":"jwt-2"}"#).expect(1).create();
    let expired = server
        .mock("POST", "/api-service/v1/contact")
        .match_header("authorization", "Bearer jwt-1")
        .with_status(401)
        .with_body(r#"{"detail":"Signature has expired"}"#)
        .expect(1)
        .create();
    let renewed = server
        .mock("POST", "/api-service/v1/contact")
        .match_header("authorization", "Bearer jwt-2")
        .match_body(Matcher::Exact(r#"{"name":"A"}"#.into()))
        .with_body(SEED_CONTACT)
        .expect(1)
        .create();
    client.contacts().create(&NewContact::new("A")).unwrap();
    auth2.assert();
    expired.assert();
    renewed.assert();
}

#[test]
fn a_second_401_after_renewal_is_returned_not_looped() {
    let mut server = Server::new();
    let auth = exchange(&mut server, "jwt-bad", 2);
    let refused = server
        .mock("GET", format!("/api-service/v1/contact/{UUID}").as_str())
        .with_status(401)
        .with_body(r#"{"detail":"Not authenticated"}"#)
        .expect(2)
        .create();
    let err = credentials_client(&server).contacts().get(&uuid().into()).unwrap_err();
    assert_eq!(err.status(), Some(401));
    let shown = err.to_string();
    assert!(shown.starts_with(&format!("api error (status 401): levers GET /contact/{UUID} at 127.0.0.1:")), "{shown}");
    assert!(shown.ends_with(": Not authenticated"), "{shown}");
    auth.assert();
    refused.assert();
}

#[test]
fn a_fixed_token_is_never_exchanged() {
    let mut server = Server::new();
    let auth = server.mock("POST", "/auth/v1/api-key/auth").expect(0).create();
    server.mock("GET", Matcher::Any).with_status(401).with_body(r#"{"detail":"Not authenticated"}"#).create();
    let err = client(&server).contacts().get(&uuid().into()).unwrap_err();
    assert_eq!(err.status(), Some(401));
    auth.assert();
}

#[test]
fn a_refused_exchange_is_an_api_error_and_never_shows_the_secret() {
    let mut server = Server::new();
    server
        .mock("POST", "/auth/v1/api-key/auth")
        .with_status(401)
        .with_body(r#"{"detail":"Invalid credentials"}"#)
        .create();
    let err = credentials_client(&server).contacts().get(&uuid().into()).unwrap_err();
    assert_eq!(err.status(), Some(401));
    let text = format!("{err} {err:?} {:?}", credentials_client(&server));
    assert!(!text.contains("my-secret") && !text.contains("my-id"), "{text}");
}

#[test]
fn fastapi_validation_details_become_field_errors() {
    let mut server = Server::new();
    let body = json!({"detail": [
        {"loc": ["body", "email"], "msg": "value is not a valid email address", "type": "value_error.email"},
        {"loc": ["body", "secondaryContacts", 0, "name"], "msg": "field required", "type": "value_error.missing"}
    ]});
    server.mock("POST", "/api-service/v1/contact").with_status(422).with_body(body.to_string()).create();
    match client(&server).contacts().create(&NewContact::new("A")).unwrap_err() {
        e @ Error::Api(_) => {
            assert_eq!(e.status(), Some(422));
            assert!(e.is_input_rejected() && !e.is_validation(), "the provider rejected the input");
            // FastAPI sends no code: none is invented.
            assert_eq!(e.code(), None);
            let field_errors = e.field_errors();
            assert_eq!(field_errors[0].field(), "email");
            assert_eq!(field_errors[0].kind(), Some("value_error.email"));
            assert_eq!(field_errors[1].field(), "secondaryContacts.0.name");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn not_found_and_plain_details_are_mapped() {
    let mut server = Server::new();
    server
        .mock("GET", Matcher::Regex("/contact/".into()))
        .with_status(404)
        .with_body(r#"{"detail":"Contact not found"}"#)
        .create();
    let err = client(&server).contacts().get(&uuid().into()).unwrap_err();
    assert!(err.is_not_found());
    let shown = err.to_string();
    assert!(shown.starts_with("not found: levers GET /contact/") && shown.ends_with(": Contact not found"), "{shown}");

    let mut server = Server::new();
    server.mock("POST", Matcher::Any).with_status(400).with_body(r#"{"detail":"Duplicate VAT number"}"#).create();
    let err = client(&server).contacts().create(&NewContact::new("A")).unwrap_err();
    assert!(matches!(err, Error::Api(_)) && err.status() == Some(400) && err.message() == "Duplicate VAT number");
}

fn assert_refused(field: &str, call: impl FnOnce(&Client) -> levers_client::Result<()>) {
    let mut server = Server::new();
    let guard: Vec<Mock> =
        ["GET", "POST", "PUT"].into_iter().map(|m| server.mock(m, Matcher::Any).expect(0).create()).collect();
    match call(&client(&server)) {
        Err(e @ Error::Validation(_)) => assert_eq!(e.field().unwrap_or_default(), field),
        other => panic!("expected a validation error on {field}, got {other:?}"),
    }
    guard.iter().for_each(Mock::assert);
}

#[test]
fn strings_are_1_to_255_characters_counted_as_characters() {
    let mut server = Server::new();
    let mock = server.mock("POST", "/api-service/v1/contact").with_body(SEED_CONTACT).expect(1).create();
    let arabic = "ع".repeat(255);
    assert_eq!(arabic.len(), 510);
    client(&server).contacts().create(&NewContact::new(arabic.clone()).city_ar(arabic)).unwrap();
    mock.assert();

    let create = |c: NewContact| move |cl: &Client| cl.contacts().create(&c).map(drop);
    assert_refused("name", create(NewContact::new("ع".repeat(256))));
    assert_refused("name", create(NewContact::new("")));
    assert_refused("street_ar", create(NewContact::new("A").street_ar("")));
    assert_refused("iban", create(NewContact::new("A").iban("x".repeat(256))));
    assert_refused("email", create(NewContact::new("A").email("ap acme@x.sa")));
    assert_refused(
        "secondary_contacts[1].email",
        create(
            NewContact::new("A")
                .secondary_contact(SecondaryContact::new("B"))
                .secondary_contact(SecondaryContact::new("C").email("bad")),
        ),
    );
    // Sent as given (Before: refused by rules no document states): a line break in a name,
    // an empty external id, an update with nothing set.
    let mut server = Server::new();
    let sent = server
        .mock("POST", "/api-service/v1/contact")
        .match_body(Matcher::Json(serde_json::json!({"name": "A\r\nB", "extPlatformId": ""})))
        .with_body(SEED_CONTACT)
        .create();
    client(&server).contacts().create(&NewContact::new("A\r\nB").ext_platform_id("")).unwrap();
    sent.assert();
    let empty = server
        .mock("PUT", "/api-service/v1/contact")
        .match_body(Matcher::Json(serde_json::json!({"uuid": uuid().to_string()})))
        .with_body(SEED_CONTACT)
        .create();
    client(&server).contacts().update(&uuid().into(), &ContactUpdate::new()).unwrap();
    empty.assert();
    assert_refused("name", |c| c.contacts().update(&uuid().into(), &ContactUpdate::new().name("")).map(drop));
    assert_refused("page", |c| c.contacts().list_page(&ListContacts::new().page(0)).map(drop));
    assert_refused("size", |c| c.contacts().list_page(&ListContacts::new().size(101)).map(drop));
    // The lazy iterator yields the same refusal as its only item, having sent nothing.
    assert_refused("size", |c| {
        let mut pages = c.contacts().iter(&ListContacts::new().size(0));
        let first = pages.next().expect("the refusal is yielded");
        assert!(pages.next().is_none(), "nothing follows the refusal");
        first.map(drop)
    });
}

const BASE: &str = "https://levers.example.com/api-service/v1";

#[test]
fn builder_defaults_and_credentials() {
    assert_eq!(Client::new(BASE, "t").unwrap().base_url(), BASE);
    assert!(matches!(Client::builder().base_url(BASE).build(), Err(Error::Config(_))));
    assert!(matches!(Client::new(BASE, ""), Err(Error::Config(_))));
    assert!(matches!(Client::builder().base_url(BASE).client_credentials("", "s").build(), Err(Error::Config(_))));
    assert!(matches!(Client::new(BASE, "a\r\nb"), Err(Error::Validation(_))));
    assert!(!format!("{:?}", Client::new(BASE, "eyJTOPSECRET").unwrap()).contains("TOPSECRET"));
}

#[test]
fn there_is_no_default_host_and_the_refusal_names_the_variable_and_the_documented_host() {
    // The only host the public reference shows is Levers' development server: a production
    // token must never go there by default.
    for built in [Client::builder().token("eyJ").build(), Client::builder().client_credentials("id", "s").build()] {
        let e = built.expect_err("no base URL, no client");
        assert!(matches!(e, Error::Config(_)), "{e}");
        let text = e.to_string();
        assert!(text.contains("LEVERS_BASE_URL"), "{text}");
        assert!(text.contains(levers_client::DOCUMENTED_BASE_URL), "{text}");
    }
    assert_eq!(levers_client::DOCUMENTED_BASE_URL, "https://api.dev.uselevers.com/api-service/v1");
}

#[test]
fn the_token_url_is_refused_over_plain_http_to_another_host() {
    // The client secret goes to the token URL: it gets the same check as the base URL.
    let build = |auth_url: &str, insecure: bool| {
        Client::builder()
            .client_credentials("my-id", "my-secret")
            .base_url("https://api.example.com/api-service/v1")
            .auth_url(auth_url)
            .allow_insecure_http(insecure)
            .build()
    };
    let err = build("http://auth.example.com/auth/v1/api-key/auth", false).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("token URL"), "{err}");
    assert!(!err.to_string().contains("my-secret"));
    assert!(build("http://127.0.0.1:9/auth/v1/api-key/auth", false).is_ok(), "loopback may be plain http");
    assert!(build("http://auth.example.com/auth/v1/api-key/auth", true).is_ok(), "opted in");
    assert!(matches!(build("https://id:pw@auth.example.com/auth", false), Err(Error::Config(_))));
    // The default token URL sits beside the API, on the same checked host.
    let err = Client::builder()
        .client_credentials("my-id", "my-secret")
        .base_url("http://api.example.com/api-service/v1")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
}

#[test]
fn nested_objects_without_a_uuid_still_decode() {
    let mut server = Server::new();
    let mut c: Value = serde_json::from_str(DETAILS).unwrap();
    c["secondaryContacts"] = json!([{"name": "Sara"}]);
    c["paymentInstructions"] = json!({"bankName": "SNB"});
    c["workflow"] = json!({"name": "Default"});
    server.mock("GET", format!("{API}/contact/{UUID}").as_str()).with_body(c.to_string()).create();
    let c = client(&server).contacts().get(&uuid().into()).unwrap();
    assert_eq!((c.secondary_contacts[0].uuid, c.secondary_contacts[0].name.as_deref()), (None, Some("Sara")));
    assert_eq!(c.payment_instructions.unwrap().uuid, None);
    assert_eq!(c.workflow.unwrap().name.as_deref(), Some("Default"));
}

#[test]
fn bounds_the_document_does_not_give_are_not_invented() {
    let mut server = Server::new();
    let long = "x".repeat(300);
    let mock = server
        .mock("POST", format!("{API}/contact").as_str())
        .match_body(Matcher::Json(
            json!({"name": "A", "email": "ap@localhost", "extPlatformId": long, "extCompanyId": long}),
        ))
        .with_body(SEED_CONTACT)
        .create();
    let new = NewContact::new("A").email("ap@localhost").ext_platform_id(long.clone()).ext_company_id(long.clone());
    client(&server).contacts().create(&new).unwrap();
    mock.assert();
    // Our own generous bound still refuses a runaway value, before sending.
    assert_refused("ext_platform_id", |c| {
        c.contacts().create(&NewContact::new("A").ext_platform_id("x".repeat(10_001))).map(drop)
    });
}

#[test]
fn per_call_options_and_metadata_work_as_in_every_crate() {
    let mut server = Server::new();
    let failing = server.mock("GET", format!("{API}/contact/{UUID}").as_str()).with_status(503).expect(1).create();
    let options = levers_client::CallOptions::new().retries(0);
    assert_eq!(client(&server).contacts().with(options).get(&uuid().into()).unwrap_err().status(), Some(503));
    failing.assert();
    let mut server = Server::new();
    server.mock("GET", format!("{API}/contact/{UUID}").as_str()).with_body(DETAILS).create();
    let got = client(&server).contacts().get_with_meta(&uuid().into()).unwrap();
    assert_eq!((got.meta.status, got.meta.attempts), (200, 1));
}

#[test]
fn a_details_answer_without_a_top_level_uuid_takes_the_id_asked_for() {
    // The reference's own "Get Contact Details" example has no top-level `uuid`. Before: the
    // client required it and failed to decode such an answer, typed and unified alike.
    let mut details: serde_json::Value = serde_json::from_str(DETAILS).unwrap();
    details.as_object_mut().unwrap().remove("uuid");
    let mut server = Server::new();
    let mock =
        server.mock("GET", format!("{API}/contact/{UUID}").as_str()).with_body(details.to_string()).expect(2).create();
    let c = client(&server).contacts().get(&uuid().into()).unwrap();
    assert_eq!(c.id, uuid());
    assert_eq!(c.name, "Acme Trading");
    let unified = contacts_core::ContactsApi::get(&client(&server), UUID).unwrap();
    assert_eq!(unified.id, UUID);
    mock.assert();
}

#[test]
fn the_token_exchange_stays_inside_the_calls_deadline() {
    // A token endpoint that accepts the connection and never answers. Before: a 1 s deadline
    // took 5 s (the exchange ran on its own timeouts).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let auth_url = format!("http://{}/auth/v1/api-key/auth", silent.local_addr().unwrap());
    let client = Client::builder()
        .base_url(BASE.replace("https://levers.example.com", &format!("http://{}", silent.local_addr().unwrap())))
        .client_credentials("id", "secret")
        .auth_url(auth_url)
        .deadline(std::time::Duration::from_secs(1))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.contacts().get(&uuid().into()).unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(err.operation(), Some("token exchange"), "{err}");
    assert!(took < std::time::Duration::from_millis(2500), "took {took:?}");
}
