//! Previsto's wire format, operation by operation, against mockito.

use std::time::Duration;

use mockito::{Matcher, Mock, Server};
use previsto::{
    AccountingMode, AccountingTime, Client, ContactId, ContactUpdate, Error, InvoiceDelivery, ListContacts, Location,
    NewContact, RetryPolicy,
};

const CONTACT: &str = include_str!("fixtures/contact.json");
/// base64("sk_12345:")
const AUTH: &str = "Basic c2tfMTIzNDU6";
const FORM: &str = "application/x-www-form-urlencoded";

#[derive(Debug)]
struct NoSleep;
impl contacts_core::Sleeper for NoSleep {
    fn sleep(&self, _: Duration) {}
}

fn client(server: &Server) -> Client {
    Client::builder().api_key("sk_12345").base_url(server.url()).sleeper(NoSleep).build().unwrap()
}

/// A mock that fails the test if any request reaches the server.
fn nothing_sent(server: &mut Server) -> Vec<Mock> {
    ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .map(|method| server.mock(method, Matcher::Any).expect(0).create())
        .collect()
}

fn anna() -> NewContact {
    NewContact::new("Anna Jensen").location(Location::new(10.5286863, 56.8039035))
}

/// Serves `pages` in order, each once, as `GET /contacts?size={size}&page={n}`, with an
/// `x-total-count` when `total` is given.
fn serve_pages(server: &mut Server, size: u32, total: Option<u32>, pages: &[&str]) -> Vec<Mock> {
    let mut mocks = Vec::new();
    for (n, body) in pages.iter().enumerate() {
        let mut mock = server.mock("GET", "/contacts").match_query(Matcher::Exact(format!("size={size}&page={n}")));
        if let Some(total) = total {
            mock = mock.with_header("x-total-count", &total.to_string());
        }
        mocks.push(mock.with_body(body).expect(1).create());
    }
    mocks
}

fn ids(client: &Client, size: u32) -> Vec<String> {
    client.contacts().iter(&ListContacts::new().size(size)).map(|c| c.unwrap().id.into_string()).collect()
}

fn page(ids: std::ops::Range<u32>) -> String {
    let items: Vec<String> = ids.map(|i| CONTACT.replace("con_123123123", &format!("con_{i}"))).collect();
    format!("[{}]", items.join(","))
}

#[test]
fn create_sends_the_documented_form_and_decodes_the_documented_contact() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/contacts")
        .match_header("authorization", AUTH)
        .match_header("content-type", FORM)
        .match_header("accept", "application/json")
        .match_header("user-agent", concat!("previsto/", env!("CARGO_PKG_VERSION")))
        .match_body(Matcher::Exact(
            "name=Anna%20Jensen&location[]=10.5286863&location[]=56.8039035&meta[hairColor]=Brown".into(),
        ))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(CONTACT)
        .create();
    let c = client(&server).contacts().create(&anna().meta("hairColor", "Brown")).unwrap();
    mock.assert();
    assert_eq!(c.id, ContactId::from("con_123123123"));
    assert_eq!(c.name, "Anna Jensen");
    assert_eq!(c.address.as_deref(), Some("Kundevej 2"));
    assert_eq!(c.apartment, None);
    assert_eq!(c.postal_code.as_deref(), Some("4321"));
    assert_eq!(c.city.as_deref(), Some("Kundeby"));
    assert_eq!(c.country_code.as_deref(), Some("DK"));
    assert_eq!(c.location, Some(Location { longitude: 10.5286863, latitude: 56.8039035 }));
    assert_eq!((c.number.as_deref(), c.remote_id.as_deref(), c.remote_order_id.as_deref()), (None, None, None));
    assert_eq!(c.phone.as_deref(), Some("+452209876543"));
    assert_eq!(c.email.as_deref(), Some("anna@jensen.dk"));
    assert_eq!((c.registration_no.as_deref(), c.ean.as_deref()), (None, None));
    assert_eq!((c.accounting_mode, c.accounting_time, c.invoice_delivery), (None, None, None));
    assert!(!c.notify_before_work && !c.archived);
    assert!(c.agent_ids.is_empty());
    assert_eq!(c.meta.get("hairColor").map(String::as_str), Some("Brown"));
}

#[test]
fn create_sends_every_documented_field_in_order() {
    let mut server = Server::new();
    let body = "name=Anna%20Jensen&address=Vesterbro%2011&appartment=1.%20th&postalCode=1620&city=K%C3%B8benhavn\
&countryCode=DK&location[]=12.5&location[]=55.6&number=42&phone=%2B4522123456&email=anna%40jensen.dk\
&registrationNo=DK12345678&ean=5790000000000&accountingMode=AddToInvoice&accountingTime=AfterWork\
&invoiceDelivery=Email&payingContactId=con_9&note=Ring%20p%C3%A5%20d%C3%B8ren&notifyBeforeWork=true\
&archived=false&meta[a]=1&meta[hairColor]=Brown";
    let mock = server.mock("POST", "/contacts").match_body(Matcher::Exact(body.into())).with_body(CONTACT).create();
    let contact = NewContact::new("Anna Jensen")
        .location(Location::new(12.5, 55.6))
        .address("Vesterbro 11")
        .apartment("1. th")
        .postal_code("1620")
        .city("København")
        .country_code("DK")
        .number(42)
        .phone("+4522123456")
        .email("anna@jensen.dk")
        .registration_no("DK12345678")
        .ean("5790000000000")
        .accounting_mode(AccountingMode::AddToInvoice)
        .accounting_time(AccountingTime::AfterWork)
        .invoice_delivery(InvoiceDelivery::Email)
        .paying_contact_id(ContactId::from("con_9"))
        .note("Ring på døren")
        .notify_before_work(true)
        .archived(false)
        .meta("hairColor", "Brown")
        .meta("a", "1");
    client(&server).contacts().create(&contact).unwrap();
    mock.assert();
}

#[test]
fn get_fetches_by_id() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/contacts/con_123123123")
        .match_header("authorization", AUTH)
        .match_body(Matcher::Exact(String::new()))
        .with_body(CONTACT)
        .create();
    let c = client(&server).contacts().get(&ContactId::from("con_123123123")).unwrap();
    mock.assert();
    assert_eq!(c.name, "Anna Jensen");
}

#[test]
fn get_escapes_hostile_ids() {
    let mut server = Server::new();
    let mock = server.mock("GET", "/contacts/..%2Fadmin%3Fx%3D1").with_body(CONTACT).create();
    client(&server).contacts().get(&ContactId::from("../admin?x=1")).unwrap();
    mock.assert();
}

#[test]
fn update_sends_only_what_was_set() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/contacts/cot_123123123")
        .match_header("authorization", AUTH)
        .match_header("content-type", FORM)
        .match_body(Matcher::Exact("phone=%2B4522123456".into()))
        .with_body(CONTACT)
        .create();
    client(&server)
        .contacts()
        .update(&ContactId::from("cot_123123123"), &ContactUpdate::new().phone("+4522123456"))
        .unwrap();
    mock.assert();
}

#[test]
fn update_is_retried_on_503_because_it_is_idempotent() {
    let mut server = Server::new();
    let fail = server.mock("POST", "/contacts/con_1").with_status(503).expect(1).create();
    let ok = server.mock("POST", "/contacts/con_1").with_body(CONTACT).expect(1).create();
    let update = ContactUpdate::new().name("Anna").location(Location::new(1.0, 2.0));
    client(&server).contacts().update(&ContactId::from("con_1"), &update).unwrap();
    fail.assert();
    ok.assert();
}

#[test]
fn create_is_not_retried_on_503() {
    let mut server = Server::new();
    let mock = server.mock("POST", "/contacts").with_status(503).expect(1).create();
    let err = client(&server).contacts().create(&anna()).unwrap_err();
    mock.assert();
    assert_eq!(err.status(), Some(503));
}

#[test]
fn delete_sends_an_empty_delete_and_accepts_an_empty_answer() {
    let mut server = Server::new();
    let mock = server
        .mock("DELETE", "/contacts/con_123123123")
        .match_header("authorization", AUTH)
        .match_body(Matcher::Exact(String::new()))
        .with_status(200)
        .create();
    client(&server).contacts().delete(&ContactId::from("con_123123123")).unwrap();
    mock.assert();
}

#[test]
fn delete_of_a_missing_contact_is_not_found() {
    let mut server = Server::new();
    server
        .mock("DELETE", "/contacts/con_x")
        .with_status(404)
        .with_body(r#"{"type":"invalid_request_error","message":"No such contact: con_x","param":"id"}"#)
        .create();
    let err = client(&server).contacts().delete(&ContactId::from("con_x")).unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.code(), Some("invalid_request_error"), "Previsto's type stays on the error");
    let shown = err.to_string();
    assert!(shown.starts_with("not found: previsto DELETE /contacts/con_x at 127.0.0.1:"), "{shown}");
    assert!(shown.ends_with(": No such contact: con_x"), "{shown}");
}

#[test]
fn list_sends_size_page_and_search() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/contacts")
        .match_query(Matcher::Exact("size=50&page=2&search=anna%20j".into()))
        .with_header("x-total-count", "101")
        .with_body(format!("[{CONTACT}]"))
        .create();
    let client = client(&server);
    let q = ListContacts::new().search("anna j").size(50).page(2);
    let page = client.contacts().list_page(&q).unwrap();
    mock.assert();
    assert_eq!(page.contacts.len(), 1);
    assert_eq!(page.total, Some(101));
}

#[test]
fn list_sends_nearby_as_lon_comma_lat() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/contacts")
        .match_query(Matcher::UrlEncoded("nearby".into(), "-7.437336444854736,62.11042750510291".into()))
        .with_body("[]")
        .create();
    let q = ListContacts::new().nearby(Location::new(-7.437336444854736, 62.11042750510291));
    assert!(client(&server).contacts().list_page(&q).unwrap().contacts.is_empty());
    mock.assert();
}

#[test]
fn list_without_options_sends_no_query() {
    let mut server = Server::new();
    let mock = server.mock("GET", "/contacts").match_query(Matcher::Exact(String::new())).with_body("[]").create();
    client(&server).contacts().list_page(&ListContacts::new()).unwrap();
    mock.assert();
}

#[test]
fn iter_stops_after_a_short_page() {
    let mut server = Server::new();
    let mocks = serve_pages(&mut server, 2, None, &[&page(0..2), &page(2..3)]);
    assert_eq!(ids(&client(&server), 2), ["con_0", "con_1", "con_2"]);
    mocks.iter().for_each(Mock::assert);
}

#[test]
fn iter_stops_after_an_empty_page() {
    let mut server = Server::new();
    let mocks = serve_pages(&mut server, 2, None, &[&page(0..2), "[]"]);
    assert_eq!(client(&server).contacts().iter(&ListContacts::new().size(2)).count(), 2);
    mocks.iter().for_each(Mock::assert);
}

#[test]
fn iter_reads_one_page_past_a_full_page_even_at_x_total_count() {
    let mut server = Server::new();
    // The total is a hint: a full last page is followed by one more request (the empty one).
    let mocks = serve_pages(&mut server, 2, Some(4), &[&page(0..2), &page(2..4), "[]"]);
    assert_eq!(client(&server).contacts().iter(&ListContacts::new().size(2)).count(), 4);
    mocks.iter().for_each(Mock::assert);
}

#[test]
fn iter_uses_pages_of_1000_by_default_and_yields_a_failed_page_once() {
    // developer.previsto.com: "you can go as high as 1000" (was 100: ten times the requests
    // under a 120-a-minute limit).
    let mut server = Server::new();
    let p0 = serve_pages(&mut server, 1000, None, &[&page(0..1000)]);
    let p1 = server
        .mock("GET", "/contacts")
        .match_query(Matcher::Exact("size=1000&page=1".into()))
        .with_status(401)
        .with_body(r#"{"type":"InvalidRequestError","message":"Bad credentials"}"#)
        .create();
    let results: Vec<_> = client(&server).contacts().iter(&ListContacts::new()).collect();
    assert_eq!(results.len(), 1001);
    assert!(results[..1000].iter().all(Result::is_ok));
    assert_eq!(results[1000].as_ref().unwrap_err().status(), Some(401));
    p0.iter().for_each(Mock::assert);
    p1.assert();
}

#[test]
fn a_server_that_caps_pages_at_100_is_still_read_whole_when_it_sends_its_total() {
    // Asked for 1000 a page, a server holding to the older 1..100 sends 100 and its total:
    // a short page is not the end while the total says there is more.
    let mut server = Server::new();
    let mocks = serve_pages(&mut server, 1000, Some(250), &[&page(0..100), &page(100..200), &page(200..250)]);
    let all = ids(&client(&server), 1000);
    assert_eq!(all.len(), 250);
    assert_eq!(all.iter().collect::<std::collections::HashSet<_>>().len(), 250, "nothing twice");
    mocks.iter().for_each(Mock::assert);
}

/// A transport that answers from a script, for what a server cannot be made to do on cue.
#[derive(Debug, Clone)]
struct Script(std::sync::Arc<std::sync::Mutex<Vec<Result<contacts_core::HttpResponse, Error>>>>);

impl contacts_core::Transport for Script {
    fn send(&self, _: &contacts_core::HttpRequest) -> Result<contacts_core::HttpResponse, Error> {
        self.0.lock().unwrap().remove(0)
    }
}

#[test]
fn a_delete_whose_answer_was_lost_and_whose_repeat_meets_404_succeeded() {
    // The first DELETE deleted the contact, its answer was lost; the repeat gets Previsto's
    // 404. Before: `delete` returned NotFound for a contact it deleted.
    let not_found =
        || Ok(contacts_core::HttpResponse::new(404, r#"{"type":"invalid_request_error","message":"No such contact"}"#));
    let lost = || Err(Error::transport(contacts_core::TransportKind::Io, true, "connection reset"));
    let build = |steps: Vec<Result<contacts_core::HttpResponse, Error>>| {
        Client::builder()
            .api_key("sk_test")
            .transport(Script(std::sync::Arc::new(std::sync::Mutex::new(steps))))
            .retry_policy(previsto::RetryPolicy::default().initial_backoff(Duration::ZERO))
            .build()
            .unwrap()
    };
    build(vec![lost(), not_found()]).contacts().delete(&ContactId::from("con_1")).unwrap();
    // And it says so: the 404 it met, on the second attempt.
    let said = build(vec![lost(), not_found()]).contacts().delete_with_meta(&ContactId::from("con_1")).unwrap();
    assert_eq!((said.meta.status, said.meta.attempts), (404, 2));
    let plain = build(vec![Ok(contacts_core::HttpResponse::new(204, ""))])
        .contacts()
        .delete_with_meta(&ContactId::from("con_1"))
        .unwrap();
    assert_eq!((plain.meta.status, plain.meta.attempts), (204, 1));
    // A 404 on the first attempt is still Previsto saying there is no such contact.
    let err = build(vec![not_found()]).contacts().delete(&ContactId::from("con_1")).unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[test]
fn bad_credentials_are_an_api_error_with_previstos_type() {
    let mut server = Server::new();
    server
        .mock("GET", "/contacts/con_1")
        .with_status(401)
        .with_body(r#"{"type":"InvalidRequestError","message":"Bad credentials"}"#)
        .create();
    match client(&server).contacts().get(&ContactId::from("con_1")).unwrap_err() {
        e @ Error::Api(_) => {
            assert_eq!((e.status(), e.code()), (Some(401), Some("InvalidRequestError")));
            let shown = e.to_string();
            assert!(shown.contains("previsto GET /contacts/con_1 at 127.0.0.1:"), "{shown}");
            assert_eq!(e.message(), "Bad credentials");
            assert_eq!(e.provider(), Some(contacts_core::Provider::PREVISTO));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_refused_field_is_reported_with_its_param() {
    let mut server = Server::new();
    server
        .mock("POST", "/contacts")
        .with_status(400)
        .with_body(r#"{"type":"invalid_request","message":"Invalid email","param":"email"}"#)
        .create();
    let err = client(&server).contacts().create(&anna().email("anna@jensen.dk")).unwrap_err();
    match err {
        e @ Error::Api(_) => {
            assert_eq!((e.status(), e.code()), (Some(400), Some("invalid_request")));
            assert!(e.is_input_rejected() && !e.is_validation(), "the provider rejected the input");
            let field_errors = e.field_errors();
            assert_eq!(field_errors.len(), 1);
            assert_eq!((field_errors[0].field(), field_errors[0].message()), ("email", "Invalid email"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn request_failed_402_and_forbidden_403_are_api_errors_not_retried() {
    for (status, kind) in [(402, "card_error"), (403, "InvalidRequestError")] {
        let mut server = Server::new();
        let mock = server
            .mock("GET", "/contacts/con_1")
            .with_status(status)
            .with_body(format!(r#"{{"type":"{kind}","message":"nope"}}"#))
            .expect(1)
            .create();
        let err = client(&server).contacts().get(&ContactId::from("con_1")).unwrap_err();
        mock.assert();
        assert_eq!((err.status(), err.code()), (Some(status as u16), Some(kind)));
    }
}

#[test]
fn rate_limited_reads_are_retried_and_creates_are_not() {
    let mut server = Server::new();
    let limited =
        server.mock("GET", "/contacts/con_1").with_status(429).with_header("retry-after", "1").expect(1).create();
    let ok = server.mock("GET", "/contacts/con_1").with_body(CONTACT).expect(1).create();
    client(&server).contacts().get(&ContactId::from("con_1")).unwrap();
    limited.assert();
    ok.assert();

    let mut server = Server::new();
    let create = server.mock("POST", "/contacts").with_status(429).expect(1).create();
    let err = client(&server).contacts().create(&anna()).unwrap_err();
    create.assert();
    assert_eq!(err.status(), Some(429));
    assert!(err.is_retryable());
}

#[test]
fn a_proxy_html_page_is_kept_in_the_error() {
    let mut server = Server::new();
    server.mock("GET", "/contacts/con_1").with_status(502).with_body("<html>Bad Gateway</html>").expect(3).create();
    match client(&server).contacts().get(&ContactId::from("con_1")).unwrap_err() {
        e @ Error::Api(_) => {
            assert_eq!((e.status(), e.code()), (Some(502), None));
            assert!(e.body().unwrap_or_default().contains("Bad Gateway"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_error_through_a_proxy_names_the_proxy_not_only_the_api_host() {
    // Before: a proxy that refused the connection read as "could not connect" to
    // api.previsto.invalid, a host that was never tried.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = closed.local_addr().unwrap();
    drop(closed);
    let client = Client::builder()
        .api_key("sk_test")
        .base_url("http://api.previsto.invalid")
        .allow_insecure_http(true)
        .proxy(format!("http://user:pw-SECRET@{proxy}"))
        .retry_policy(previsto::RetryPolicy::default().max_retries(0))
        .build()
        .unwrap();
    let err = client.contacts().get(&ContactId::from("con_1")).unwrap_err();
    let shown = err.to_string();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(shown.contains(&format!("through the proxy {proxy}")), "{shown}");
    assert!(!shown.contains("pw-SECRET"), "{shown}");
}

#[test]
fn a_malformed_success_body_is_a_decode_error() {
    let mut server = Server::new();
    server.mock("GET", "/contacts/con_1").with_body(r#"{"id":"con_1""#).create();
    let err = client(&server).contacts().get(&ContactId::from("con_1")).unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[test]
fn decoding_tolerates_nulls_numbers_and_new_fields() {
    let mut server = Server::new();
    let body = r#"{"id":"cont-7","name":"Firma ApS","number":1042,"postalCode":8000,"agentIds":null,"meta":null,
        "notifyBeforeWork":null,"archived":"1","accountingMode":"AddToDraft","accountingTime":"Sometimes",
        "invoiceDelivery":"Email","payingContactId":"con_2","note":"x","ean":"579","registrationNo":"DK1",
        "location":null,"brandNewField":{"x":1}}"#;
    server.mock("GET", "/contacts/cont-7").with_body(body).create();
    let c = client(&server).contacts().get(&ContactId::from("cont-7")).unwrap();
    assert_eq!(c.number.as_deref(), Some("1042"));
    assert_eq!(c.postal_code.as_deref(), Some("8000"));
    assert!(c.agent_ids.is_empty() && c.meta.is_empty());
    assert!(c.archived && !c.notify_before_work);
    assert_eq!(c.accounting_mode, Some(AccountingMode::AddToDraft));
    assert!(matches!(&c.accounting_time, Some(AccountingTime::Unknown(v)) if v.as_str() == "Sometimes"));
    assert_eq!(c.invoice_delivery, Some(InvoiceDelivery::Email));
    assert_eq!(c.paying_contact_id, Some(ContactId::from("con_2")));
    assert_eq!(c.location, None);
}

#[test]
fn a_429_without_retry_after_is_not_retried_into_the_same_window_and_says_how_long() {
    // Before: the default policy retried after ~0.5-1 s, into the same minute's window.
    let mut server = Server::new();
    let limited = server
        .mock("GET", "/contacts/con_1")
        .with_status(429)
        .with_body(r#"{"type":"invalid_request_error","message":"Too many requests"}"#)
        .expect(1)
        .create();
    let err = client(&server).contacts().get(&ContactId::from("con_1")).unwrap_err();
    limited.assert();
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(previsto::RATE_LIMIT_WINDOW));
    assert_eq!(previsto::RATE_LIMIT_WINDOW, Duration::from_secs(60));
}

#[test]
fn a_text_number_read_from_previsto_is_written_back_as_text() {
    // "Arbitrary number (or string)": before, requests took only an i64, so "A-17" could not be
    // written back.
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/contacts/cont-7")
        .match_body(Matcher::Exact("number=A-17".into()))
        .with_body(r#"{"id":"cont-7","name":"Firma ApS","number":"A-17"}"#)
        .create();
    let c =
        client(&server).contacts().update(&ContactId::from("cont-7"), &ContactUpdate::new().number("A-17")).unwrap();
    assert_eq!(c.number.as_deref(), Some("A-17"));
    mock.assert();
}

#[test]
fn a_value_previsto_sends_that_the_crate_does_not_know_is_written_back_unchanged() {
    let mut server = Server::new();
    let body = r#"{"id":"cont-7","name":"Firma ApS","accountingTime":"Sometimes","accountingMode":"Quarterly"}"#;
    server.mock("GET", "/contacts/cont-7").with_body(body).create();
    let c = client(&server).contacts().get(&ContactId::from("cont-7")).unwrap();
    let (time, mode) = (c.accounting_time.unwrap(), c.accounting_mode.unwrap());
    assert_eq!((time.as_str(), mode.as_str()), ("Sometimes", "Quarterly"));
    let update = server
        .mock("POST", "/contacts/cont-7")
        .match_body(Matcher::Exact("accountingMode=Quarterly&accountingTime=Sometimes".into()))
        .with_body(body)
        .create();
    let change = ContactUpdate::new().accounting_mode(mode).accounting_time(time);
    client(&server).contacts().update(&ContactId::from("cont-7"), &change).unwrap();
    update.assert();
}

#[test]
fn with_gives_a_new_handle_and_leaves_the_first_as_it_was() {
    let mut server = Server::new();
    let body = r#"{"id":"con_1","name":"Anna"}"#;
    let tagged = server.mock("GET", "/contacts/con_1").match_header("x-trace", "1").with_body(body).expect(1).create();
    let plain = server
        .mock("GET", "/contacts/con_1")
        .match_header("x-trace", Matcher::Missing)
        .with_body(body)
        .expect(2)
        .create();
    let client = client(&server);
    let contacts = client.contacts();
    let traced = contacts.with(previsto::CallOptions::new().header("x-trace", "1"));
    contacts.get(&ContactId::from("con_1")).unwrap();
    traced.get(&ContactId::from("con_1")).unwrap();
    // The first handle is still usable, with the client's own settings.
    contacts.get(&ContactId::from("con_1")).unwrap();
    tagged.assert();
    plain.assert();
}

fn assert_refused(field: &str, call: impl FnOnce(&Client) -> previsto::Result<()>) {
    let mut server = Server::new();
    let guard = nothing_sent(&mut server);
    match call(&client(&server)) {
        Err(e @ Error::Validation(_)) => assert_eq!(e.field().unwrap_or_default(), field),
        other => panic!("expected a validation error on {field}, got {other:?}"),
    }
    guard.iter().for_each(Mock::assert);
}

#[test]
fn documented_limits_are_checked_before_sending() {
    let create = |c: NewContact| move |cl: &Client| cl.contacts().create(&c).map(drop);
    assert_refused("size", |c| c.contacts().list_page(&ListContacts::new().size(0)).map(drop));
    assert_refused("size", |c| c.contacts().list_page(&ListContacts::new().size(1001)).map(drop));
    assert_refused("size", |c| c.contacts().iter(&ListContacts::new().size(1001)).next().unwrap().map(drop));
    let mut many = anna();
    for i in 0..21 {
        many = many.meta(format!("k{i}"), "v");
    }
    assert_refused("meta", create(many));
    assert_refused("meta key", create(anna().meta("k".repeat(41), "v")));
    assert_refused("meta key", create(anna().meta("", "v")));
    assert_refused("meta key", create(anna().meta("a]b", "v")));
    assert_refused("meta[k]", create(anna().meta("k", "v".repeat(501))));
    assert_refused("country_code", create(anna().country_code("XX")));
    assert_refused("country_code", create(anna().country_code("dk")));
    assert_refused("location", create(NewContact::new("A").location(Location::new(56.8, 100.0))));
    assert_refused("location", create(NewContact::new("A").location(Location::new(-181.0, 0.0))));
    assert_refused("location", create(NewContact::new("A").location(Location::new(f64::NAN, 0.0))));
    assert_refused("name", create(NewContact::new("  ").location(Location::new(1.0, 1.0))));
    assert_refused("filter", |c| c.contacts().list_page(&ListContacts::new().filter("location", "1,2")).map(drop));
    assert_refused("filter", |c| c.contacts().list_page(&ListContacts::new().filter("meta[a]b]", "x")).map(drop));
    assert_refused("id", |c| c.contacts().get(&ContactId::from("")).map(drop));
    assert_refused("id", |c| c.contacts().delete(&ContactId::from("")));
}

#[test]
fn limits_are_inclusive_at_the_boundary() {
    let mut server = Server::new();
    let mock = server.mock("POST", "/contacts").with_body(CONTACT).expect(1).create();
    let mut c = NewContact::new("A").location(Location::new(180.0, -90.0)).meta("k".repeat(40), "v".repeat(500));
    for i in 0..19 {
        c = c.meta(format!("k{i}"), "v");
    }
    client(&server).contacts().create(&c).unwrap();
    mock.assert();
    let list = server.mock("GET", "/contacts").match_query(Matcher::Any).with_body("[]").expect(2).create();
    client(&server).contacts().list_page(&ListContacts::new().size(1)).unwrap();
    client(&server).contacts().list_page(&ListContacts::new().size(100)).unwrap();
    list.assert();
}

#[test]
fn the_client_needs_a_key_and_never_shows_it() {
    assert!(matches!(Client::builder().build(), Err(Error::Config(_))));
    assert!(matches!(Client::new(""), Err(Error::Config(_))));
    let client = Client::new("sk_live_TOPSECRET").unwrap();
    assert_eq!(client.base_url(), "https://api.previsto.io");
    let debug = format!("{client:?}");
    assert!(!debug.contains("TOPSECRET") && !debug.contains("c2tfbGl2ZV9UT1BTRUNSRVQ6"), "{debug}");
    let err = Client::builder().api_key("sk_x").base_url("http://api.previsto.io").build().unwrap_err();
    assert!(matches!(err, Error::Config(_)), "plain http to a remote host must be refused");
}

#[test]
fn retry_policy_none_sends_once() {
    let mut server = Server::new();
    let mock = server.mock("GET", "/contacts/con_1").with_status(503).expect(1).create();
    let client =
        Client::builder().api_key("sk_12345").base_url(server.url()).retry_policy(RetryPolicy::none()).build().unwrap();
    client.contacts().get(&ContactId::from("con_1")).unwrap_err();
    mock.assert();
}

#[test]
fn a_public_key_may_only_create_and_is_refused_for_the_rest_before_sending() {
    let mut server = Server::new();
    let create = server
        .mock("POST", "/contacts")
        .match_header("authorization", "Basic cGtfMTIzNDU6") // base64("pk_12345:")
        .with_body(CONTACT)
        .expect(1)
        .create();
    let others: Vec<Mock> =
        ["GET", "DELETE"].into_iter().map(|m| server.mock(m, Matcher::Any).expect(0).create()).collect();
    let update = server.mock("POST", Matcher::Regex("^/contacts/".into())).expect(0).create();
    let client = Client::builder().api_key("pk_12345").base_url(server.url()).build().unwrap();
    client.contacts().create(&anna()).unwrap();
    let id = ContactId::from("con_1");
    let refused = [
        client.contacts().get(&id).map(drop),
        client.contacts().update(&id, &ContactUpdate::new().phone("+4522123456")).map(drop),
        client.contacts().delete(&id),
        client.contacts().list_page(&ListContacts::new()).map(drop),
        client.contacts().iter(&ListContacts::new()).next().unwrap().map(drop),
    ];
    for r in refused {
        assert!(
            r.as_ref().is_err_and(|e| matches!(e, Error::Config(_)) && e.message().contains("public key")),
            "{r:?}"
        );
    }
    create.assert();
    update.assert();
    others.iter().for_each(Mock::assert);
}

#[test]
fn the_documents_own_create_example_is_sent_as_is_without_a_location() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/contacts")
        .match_header("content-type", FORM)
        .match_body(Matcher::Exact("name=Anna%20Jensen&meta[hairColor]=Brown".into()))
        .with_body(CONTACT)
        .create();
    client(&server).contacts().create(&NewContact::new("Anna Jensen").meta("hairColor", "Brown")).unwrap();
    mock.assert();
}

#[test]
fn iter_follows_the_total_past_a_page_shorter_than_asked() {
    // A server that caps its pages below what was asked, and says how many there are.
    let mut server = Server::new();
    let mocks = serve_pages(&mut server, 3, Some(5), &[&page(0..2), &page(2..4), &page(4..5)]);
    assert_eq!(ids(&client(&server), 3).len(), 5);
    mocks.iter().for_each(Mock::assert);
}

#[test]
fn iter_stops_with_an_error_when_the_server_runs_out_before_its_total() {
    let mut server = Server::new();
    let mocks = serve_pages(&mut server, 2, Some(9), &[&page(0..2), "[]"]);
    let out: Vec<_> = client(&server).contacts().iter(&ListContacts::new().size(2)).collect();
    assert_eq!(out.len(), 3);
    assert!(matches!(out[2], Err(Error::Decode(_))), "{:?}", out[2]);
    mocks.iter().for_each(Mock::assert);
}

#[test]
fn iter_stops_with_an_error_when_the_server_ignores_the_page() {
    let mut server = Server::new();
    server.mock("GET", "/contacts").match_query(Matcher::Any).with_body(page(0..2)).expect(2).create();
    let out: Vec<_> = client(&server).contacts().iter(&ListContacts::new().size(2)).take(10).collect();
    assert_eq!(out.len(), 3, "two contacts, then the error: not the same two forever");
    assert!(out[2].as_ref().unwrap_err().to_string().contains("repeats a page served before"));
}

#[test]
fn iter_stops_with_an_error_when_pages_come_back_a_b_a_b() {
    // Before: only a page equal to the one just before was noticed, so A, B, A, B… was read
    // for ever (100,000 contacts from 2 pages).
    let mut server = Server::new();
    let (a, b) = (page(0..2), page(2..4));
    serve_pages(&mut server, 2, None, &[&a, &b, &a, &b]);
    let out: Vec<_> = client(&server).contacts().iter(&ListContacts::new().size(2)).take(100).collect();
    assert_eq!(out.len(), 5, "four contacts, then the error");
    assert!(out[4].as_ref().unwrap_err().to_string().contains("repeats a page served before"), "{:?}", out[4]);
}

#[test]
fn a_total_lower_than_the_list_does_not_cut_it_short() {
    // Before: x-total-count decided the end, so a server that under-counted lost contacts
    // (and a sync created them again on every run).
    let mut server = Server::new();
    serve_pages(&mut server, 2, Some(2), &[&page(0..2), &page(2..4), &page(4..5)]);
    assert_eq!(ids(&client(&server), 2), ["con_0", "con_1", "con_2", "con_3", "con_4"]);
}

#[test]
fn iter_refuses_a_page_larger_than_asked() {
    let mut server = Server::new();
    server.mock("GET", "/contacts").match_query(Matcher::Any).with_body(page(0..3)).create();
    let first = client(&server).contacts().iter(&ListContacts::new().size(2)).next().unwrap();
    assert!(matches!(first, Err(Error::Decode(_))), "{first:?}");
}

#[test]
fn nearby_coordinates_are_checked_like_a_location() {
    for (lon, lat) in [(f64::NAN, 56.0), (10.0, 500.0), (-181.0, 0.0), (f64::INFINITY, 0.0)] {
        assert_refused("nearby", |c| {
            c.contacts().list_page(&ListContacts::new().nearby(Location::new(lon, lat))).map(drop)
        });
    }
    // The iterator yields the error first and sends nothing.
    let mut server = Server::new();
    let guard = nothing_sent(&mut server);
    let first = client(&server).contacts().iter(&ListContacts::new().nearby(Location::new(f64::NAN, 0.0))).next();
    assert!(matches!(first, Some(Err(Error::Validation(_)))));
    guard.iter().for_each(Mock::assert);
}

#[test]
fn search_with_nearby_is_refused_before_anything_is_sent() {
    let q = ListContacts::new().search("anna").nearby(Location::new(10.5, 56.8));
    assert_refused("nearby", |c| c.contacts().list_page(&q).map(drop));
    let mut server = Server::new();
    let guard = nothing_sent(&mut server);
    assert!(matches!(client(&server).contacts().iter(&q).next(), Some(Err(Error::Validation(_)))));
    guard.iter().for_each(Mock::assert);
}

#[test]
fn the_paying_contact_can_be_cleared() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/contacts/con_1")
        .match_body(Matcher::Exact("payingContactId=".into()))
        .with_body(CONTACT)
        .create();
    client(&server)
        .contacts()
        .update(&ContactId::from("con_1"), &ContactUpdate::new().clear_paying_contact_id())
        .unwrap();
    mock.assert();
}

#[test]
fn lists_filter_by_any_documented_property_and_sort() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/contacts")
        .match_query(Matcher::Exact("size=10&city=Kundeby&postalCode=4321&sort=name%2Cdesc".into()))
        .with_body("[]")
        .create();
    let q = ListContacts::new()
        .size(10)
        .filter("city", "Kundeby")
        .filter("postal_code", "4321")
        .sort("name", previsto::Order::Desc);
    client(&server).contacts().list_page(&q).unwrap();
    mock.assert();
    assert_refused("filter", |c| c.contacts().list_page(&ListContacts::new().filter("hairColour", "x")).map(drop));
    assert_refused("sort", |c| {
        c.contacts().list_page(&ListContacts::new().sort("shoeSize", previsto::Order::Asc)).map(drop)
    });
}

#[test]
fn what_the_document_does_not_forbid_is_sent_as_given() {
    // Before: control characters, an email or a phone of an unexpected shape, and an empty
    // update were refused by rules no document states. Now the form encoding carries them
    // and Previsto's answer decides.
    assert_refused("name", |c| c.contacts().create(&NewContact::new("x".repeat(10_001))).map(drop));
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/contacts")
        .match_body(Matcher::Exact(
            "name=Anna%0D%0AX%3A%20y&address=abc%E2%80%AEgpj&phone=22%2012%2034%2056&email=anna%40".into(),
        ))
        .with_body(CONTACT)
        .create();
    let odd = NewContact::new("Anna\r\nX: y").address("abc\u{202E}gpj").phone("22 12 34 56").email("anna@");
    client(&server).contacts().create(&odd).unwrap();
    mock.assert();
    // Framed as an empty body (content-length: 0), never chunked: a server that reads no
    // chunked bodies refuses the update otherwise.
    let empty = server
        .mock("POST", "/contacts/con_1")
        .match_header("content-length", "0")
        .match_header("transfer-encoding", Matcher::Missing)
        .match_body(Matcher::Exact(String::new()))
        .with_body(CONTACT)
        .create();
    client(&server).contacts().update(&ContactId::from("con_1"), &ContactUpdate::new()).unwrap();
    empty.assert();
    let meta = server
        .mock("GET", "/contacts")
        .match_query(Matcher::UrlEncoded("meta[hairColor]".into(), "Brown".into()))
        .with_body("[]")
        .create();
    client(&server).contacts().list_page(&ListContacts::new().filter("meta[hairColor]", "Brown")).unwrap();
    meta.assert();
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/contacts")
        .match_body(Matcher::Exact("name=A&note=line%201%0Aline%202".into()))
        .with_body(CONTACT)
        .create();
    client(&server).contacts().create(&NewContact::new("A").note("line 1\nline 2")).unwrap();
    mock.assert();
}

#[test]
fn the_page_counter_ends_with_an_error_instead_of_overflowing() {
    let mut server = Server::new();
    server
        .mock("GET", "/contacts")
        .match_query(Matcher::Exact(format!("size=2&page={}", u64::MAX)))
        .with_header("x-total-count", "100")
        .with_body(page(0..2))
        .create();
    let out: Vec<_> = client(&server).contacts().iter(&ListContacts::new().size(2).page(u64::MAX)).collect();
    assert_eq!(out.len(), 3);
    assert!(
        out[2].as_ref().is_err_and(|e| matches!(e, Error::Validation(_)) && e.field() == Some("page")),
        "{:?}",
        out[2]
    );
}

#[test]
fn per_call_options_override_the_client_for_that_handle_only() {
    let mut server = Server::new();
    let failing = server.mock("GET", "/contacts/con_1").with_status(503).expect(1).create();
    let options = previsto::CallOptions::new().retries(0).header("x-trace-id", "t-1");
    let err = client(&server).contacts().with(options).get(&ContactId::from("con_1")).unwrap_err();
    assert_eq!(err.status(), Some(503));
    failing.assert();
    // The same client without options retries as its policy says (2 retries).
    let mut server = Server::new();
    let failing = server.mock("GET", "/contacts/con_1").with_status(503).expect(3).create();
    assert!(client(&server).contacts().get(&ContactId::from("con_1")).is_err());
    failing.assert();
    // Headers go out.
    let mut server = Server::new();
    let traced = server
        .mock("GET", "/contacts/con_1")
        .match_header("x-trace-id", "t-1")
        .match_header("authorization", AUTH)
        .with_body(CONTACT)
        .create();
    let options = previsto::CallOptions::new().header("x-trace-id", "t-1");
    client(&server).contacts().with(options).get(&ContactId::from("con_1")).unwrap();
    traced.assert();
    // Credentials, Host and the framing headers are the client's: a per-call one is refused
    // before anything is sent, as is a name that is not a header name.
    let mut server = Server::new();
    let nothing = server.mock("GET", mockito::Matcher::Any).expect(0).create();
    for (name, value) in [
        ("authorization", "Basic stolen"),
        ("Host", "evil.example"),
        ("content-length", "0"),
        ("transfer-encoding", "chunked"),
        ("bad name", "x"),
        ("x-ok", "a\r\nx-injected: 1"),
    ] {
        let options = previsto::CallOptions::new().header(name, value);
        let err = client(&server).contacts().with(options).get(&ContactId::from("con_1")).unwrap_err();
        assert!(err.is_validation() && !err.may_have_reached_server(), "{name}: {err:?}");
    }
    nothing.assert();
}

#[test]
fn a_per_call_timeout_ends_a_slow_call_and_a_deadline_bounds_the_retries() {
    // A server that accepts and never answers: the per-call timeout ends each attempt.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let _hold = std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(3).collect();
        std::thread::sleep(Duration::from_secs(3));
        drop(held);
    });
    let client = Client::builder().api_key("sk_12345").base_url(url).sleeper(NoSleep).build().unwrap();
    let started = std::time::Instant::now();
    let options = previsto::CallOptions::new().timeout(Duration::from_millis(200)).retries(0);
    let err = client.contacts().with(options).get(&ContactId::from("con_1")).unwrap_err();
    assert!(
        matches!(err, Error::Transport(_)) && err.transport_kind() == Some(contacts_core::TransportKind::Timeout),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2), "the client's 60 s timeout applied");
}

#[test]
fn a_successful_answer_keeps_its_status_headers_and_attempts() {
    let mut server = Server::new();
    server
        .mock("GET", "/contacts")
        .match_query(Matcher::Any)
        .with_header("x-total-count", "250")
        .with_body(page(0..2))
        .create();
    let page = client(&server).contacts().list_page_with_meta(&ListContacts::new().size(2)).unwrap();
    assert_eq!(page.value.total, Some(250));
    assert_eq!((page.meta.status, page.meta.header("x-total-count"), page.meta.attempts), (200, Some("250"), 1));
    server.mock("GET", "/contacts/con_1").with_body(CONTACT).create();
    let got = client(&server).contacts().get_with_meta(&ContactId::from("con_1")).unwrap();
    assert_eq!(got.meta.status, 200);
}

#[test]
fn the_raw_handle_reaches_any_endpoint_with_the_clients_auth() {
    let mut server = Server::new();
    let jobs = server
        .mock("GET", "/jobs/job%2F1")
        .match_header("authorization", AUTH)
        .match_header("user-agent", Matcher::Regex("^previsto/".into()))
        .with_body(r#"{"id":"job/1"}"#)
        .create();
    let job: serde_json::Value = client(&server).raw().get(&["jobs", "job/1"], &[]).unwrap();
    assert_eq!(job["id"], "job/1");
    jobs.assert();
    server
        .mock("POST", "/jobs")
        .with_status(404)
        .with_body(r#"{"type":"invalid_request_error","message":"nope"}"#)
        .create();
    let err = client(&server).raw().post::<_, serde_json::Value>(&["jobs"], &serde_json::json!({"a": 1})).unwrap_err();
    assert!(err.is_not_found(), "the provider's own errors, as for any call: {err:?}");
}

#[test]
fn an_empty_paying_contact_id_reads_as_none() {
    // Before: a cleared payer that came back as "" was read as Some(ContactId("")).
    let mut server = Server::new();
    server.mock("GET", "/contacts/con_1").with_body(r#"{"id":"con_1","name":"A","payingContactId":""}"#).create();
    let c = client(&server).contacts().get(&ContactId::from("con_1")).unwrap();
    assert_eq!(c.paying_contact_id, None);
}
