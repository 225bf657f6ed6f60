//! TheCleanLife partners wire format, every documented error code and every phone form,
//! against mockito.

use mockito::{Matcher, Mock, Server};

use cleanlife_partners::{Client, Environment, Error, NewContact, RetryPolicy, Uuid, normalize_saudi_phone};

const EXISTING: &str = r#"{
  "success": true,
  "data": {
    "id": "aaaaaaaa-0000-0000-0000-000000000001",
    "name": "Ahmed Ali",
    "phone": "+966500000000",
    "isNewContact": false
  }
}"#;
const CREATED: &str = r#"{
  "success": true,
  "data": {
    "id": "bbbbbbbb-0000-0000-0000-000000000002",
    "name": "Ahmed Ali",
    "phone": "+966500000000",
    "isNewContact": true
  }
}"#;
const KEY: &str = "pk_sandbox_abc123";

fn client(server: &Server) -> Client {
    Client::builder().api_key(KEY).base_url(format!("{}/v1", server.url())).build().unwrap()
}

fn nothing_sent(server: &mut Server) -> Vec<Mock> {
    ["GET", "POST"].into_iter().map(|m| server.mock(m, Matcher::Any).expect(0).create()).collect()
}

fn error(code: &str, message: &str) -> String {
    serde_json::json!({"success": false, "error": {"code": code, "message": message, "requestId": "req-srv-1"}})
        .to_string()
}

#[test]
fn find_or_create_sends_the_documented_request_and_reads_an_existing_contact() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/v1/partners/contacts")
        .match_header("x-api-key", KEY)
        .match_header("content-type", "application/json")
        .match_header("x-request-id", Matcher::Regex("^[0-9a-f]{32}$".into()))
        .match_header("user-agent", concat!("cleanlife-partners/", env!("CARGO_PKG_VERSION")))
        .match_query(Matcher::Exact(String::new()))
        .match_body(Matcher::Exact(r#"{"phone":"+966500000000","name":"Ahmed Ali"}"#.into()))
        .with_body(EXISTING)
        .create();
    let r = client(&server).contacts().find_or_create(&NewContact::new("+966500000000", "Ahmed Ali")).unwrap();
    mock.assert();
    assert_eq!(r.contact.id, "aaaaaaaa-0000-0000-0000-000000000001".parse::<Uuid>().unwrap());
    assert_eq!((r.contact.name.as_str(), r.contact.phone.as_str(), r.created), ("Ahmed Ali", "+966500000000", false));
    assert!(!r.retried, "sent once");
}

#[test]
fn find_or_create_reads_a_new_contact_and_sends_utm_source_when_set() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/v1/partners/contacts")
        .match_body(Matcher::Exact(r#"{"phone":"+966500000000","name":"Ahmed Ali","utmSource":"PARTNER"}"#.into()))
        .with_body(CREATED)
        .create();
    let request = NewContact::new("+966500000000", "Ahmed Ali").utm_source("PARTNER");
    let r = client(&server).contacts().find_or_create(&request).unwrap();
    mock.assert();
    assert!(r.created);
    assert_eq!(r.contact.id.to_string(), "bbbbbbbb-0000-0000-0000-000000000002");
}

#[test]
fn every_phone_form_people_type_is_sent_as_plus_966() {
    let forms = [
        "+966500000000",
        "966500000000",
        "00966500000000",
        "0500000000",
        "500000000",
        "+966 50 000 0000",
        "050-000-0000",
        "+966-50-000-0000",
        "(050) 000 0000",
        "+966 0500000000",
        " 0500000000 ",
    ];
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/v1/partners/contacts")
        .match_body(Matcher::PartialJsonString(r#"{"phone":"+966500000000"}"#.into()))
        .with_body(EXISTING)
        .expect(forms.len())
        .create();
    let client = client(&server);
    for form in forms {
        client.contacts().find_or_create(&NewContact::new(form, "Ahmed Ali")).unwrap_or_else(|e| panic!("{form}: {e}"));
    }
    mock.assert();
    assert_eq!(normalize_saudi_phone("0112345678").unwrap(), "+966112345678", "landlines too");
}

#[test]
fn numbers_that_are_not_saudi_are_refused_before_sending() {
    let mut server = Server::new();
    let guard = nothing_sent(&mut server);
    let client = client(&server);
    for bad in [
        "",
        "+4522123456",
        "05000000000",
        "0400000000",
        "+96650000000012",
        "50000000a",
        "+966+500000000",
        "966 ٥٠٠٠٠٠٠٠٠",
        "050\n0000000",
        "tel:0500000000",
        "+1 500 000 0000",
    ] {
        match client.contacts().find_or_create(&NewContact::new(bad, "Ahmed")) {
            Err(e @ Error::Validation(_)) => assert_eq!(e.field().unwrap_or_default(), "phone", "{bad:?}"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    for name in ["", "   "] {
        let err = client.contacts().find_or_create(&NewContact::new("0500000000", name)).unwrap_err();
        assert!(matches!(err, Error::Validation(_)) && err.field() == Some("name"));
    }
    // 8 or 9 digits after +966, whatever they start with: unified 9200, toll-free 800, 8xx
    // (Before: only 5… and 1… were accepted).
    for good in ["+966920012345", "+966812345678", "+96680012345", "00966 11 234 5678"] {
        assert!(cleanlife_partners::normalize_saudi_phone(good).is_ok(), "{good}");
    }
    let err = client.contacts().find_or_create(&NewContact::new("0500000000", "A").utm_source("")).unwrap_err();
    assert!(matches!(err, Error::Validation(_)) && err.field() == Some("utm_source"));
    guard.iter().for_each(Mock::assert);
}

#[test]
fn get_fetches_by_uuid() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/v1/partners/contacts/aaaaaaaa-0000-0000-0000-000000000001")
        .match_header("x-api-key", KEY)
        .match_header("x-request-id", Matcher::Regex("^[0-9a-f]{32}$".into()))
        .with_body(EXISTING)
        .create();
    let c = client(&server).contacts().get(&"aaaaaaaa-0000-0000-0000-000000000001".parse().unwrap()).unwrap();
    mock.assert();
    assert_eq!(c.name, "Ahmed Ali");
}

#[test]
fn resource_not_found_is_not_found_with_the_request_id() {
    let mut server = Server::new();
    server
        .mock("GET", Matcher::Regex("^/v1/partners/contacts/".into()))
        .with_status(404)
        .with_body(error("RESOURCE_NOT_FOUND", "Contact not found"))
        .create();
    let err = client(&server).contacts().get(&Uuid::nil().into()).unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.request_id(), Some("req-srv-1"));
}

#[test]
fn every_documented_error_code_is_reachable_as_data() {
    for (status, code) in [
        (400u16, "VALIDATION_ERROR"),
        (401, "UNAUTHORIZED"),
        (403, "FORBIDDEN"),
        (403, "INVALID_PARTNER_DOMAIN"),
        (403, "SANDBOX_DOMAIN_NOT_ALLOWED"),
        (429, "RATE_LIMIT_EXCEEDED"),
    ] {
        let mut server = Server::new();
        let mock = server
            .mock("POST", "/v1/partners/contacts")
            .with_status(status.into())
            .with_body(error(code, "nope"))
            .expect(1)
            .create();
        let err = client(&server).contacts().find_or_create(&NewContact::new("0500000000", "A")).unwrap_err();
        mock.assert(); // none of these is retried, 429 included (no Retry-After)
        assert!(matches!(err, Error::Api(_)), "{code}: {err:?}");
        assert_eq!((err.status(), err.code()), (Some(status), Some(code)));
        assert_eq!(err.request_id(), Some("req-srv-1"));
        assert_eq!(err.code(), Some(code));
    }
}

#[test]
fn a_rate_limit_error_says_when_to_try_again() {
    let mut server = Server::new();
    server
        .mock("POST", "/v1/partners/contacts")
        .with_status(429)
        .with_body(error("RATE_LIMIT_EXCEEDED", "Too many requests"))
        .create();
    let err = client(&server).contacts().find_or_create(&NewContact::new("0500000000", "A")).unwrap_err();
    assert!(err.to_string().contains("wait 60 s"), "{err}");
    assert!(err.is_retryable() && err.is_rate_limited());
    // The documents' advice as data: callers and the sync know how long to wait.
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(60)));
    // And a 200 envelope saying RATE_LIMIT_EXCEEDED is the rate limit too (the provider's code).
    let mut server = Server::new();
    server.mock("POST", "/v1/partners/contacts").with_body(error("RATE_LIMIT_EXCEEDED", "Too many")).create();
    let err = client(&server).contacts().find_or_create(&NewContact::new("0500000000", "A")).unwrap_err();
    assert!(err.is_rate_limited() && err.status() == Some(200), "{err:?}");
}

#[test]
fn both_documented_not_found_codes_are_not_found() {
    // The errors page says RESOURCE_NOT_FOUND, the best-practices page NOT_FOUND.
    for code in ["RESOURCE_NOT_FOUND", "NOT_FOUND"] {
        let mut server = Server::new();
        server.mock("GET", Matcher::Any).with_status(404).with_body(error(code, "Contact not found")).create();
        let err = client(&server).contacts().get(&Uuid::nil().into()).unwrap_err();
        assert!(err.is_not_found(), "{code}: {err:?}");
        // The provider's code stays on the error (it was dropped).
        assert_eq!(err.code(), Some(code));
    }
}

#[test]
fn a_callers_request_id_replaces_the_generated_one() {
    // Before: both went out, two x-request-id headers.
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/v1/partners/contacts")
        .match_header("x-request-id", "order-42")
        .with_body(EXISTING)
        .create();
    let options = cleanlife_partners::CallOptions::new().header("x-request-id", "order-42");
    client(&server).contacts().with(options.clone()).find_or_create(&NewContact::new("0500000000", "A")).unwrap();
    mock.assert();
    // Exactly one x-request-id goes out: the caller's.
    #[derive(Debug, Default, Clone)]
    struct Record(std::sync::Arc<std::sync::Mutex<Vec<contacts_core::HttpRequest>>>);
    impl contacts_core::Transport for Record {
        fn send(&self, r: &contacts_core::HttpRequest) -> Result<contacts_core::HttpResponse, Error> {
            self.0.lock().unwrap().push(r.clone());
            Ok(contacts_core::HttpResponse::new(200, EXISTING))
        }
    }
    let record = Record::default();
    let recorded = Client::builder().api_key(KEY).transport(record.clone()).build().unwrap();
    recorded.contacts().with(options).find_or_create(&NewContact::new("0500000000", "A")).unwrap();
    let sent = record.0.lock().unwrap();
    let ids: Vec<&str> = sent[0].headers.iter().filter(|h| h.name == "x-request-id").map(|h| &*h.value).collect();
    assert_eq!(ids, ["order-42"]);
}

#[test]
fn the_default_timeout_is_the_documents_30_seconds() {
    assert_eq!(cleanlife_partners::REQUEST_TIMEOUT, std::time::Duration::from_secs(30));
    let builder = format!("{:?}", Client::builder());
    assert!(builder.contains("timeout: 30s"), "{builder}");
}

#[test]
fn a_rate_limit_with_retry_after_is_retried() {
    let mut server = Server::new();
    let limited = server
        .mock("POST", "/v1/partners/contacts")
        .with_status(429)
        .with_header("retry-after", "0")
        .with_body(error("RATE_LIMIT_EXCEEDED", "x"))
        .expect(1)
        .create();
    let ok = server.mock("POST", "/v1/partners/contacts").with_body(EXISTING).expect(1).create();
    client(&server).contacts().find_or_create(&NewContact::new("0500000000", "A")).unwrap();
    limited.assert();
    ok.assert();
}

#[test]
fn find_or_create_is_retried_after_a_5xx_because_it_is_idempotent_by_phone() {
    let mut server = Server::new();
    let fail = server.mock("POST", "/v1/partners/contacts").with_status(503).expect(1).create();
    let ok = server.mock("POST", "/v1/partners/contacts").with_body(EXISTING).expect(1).create();
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("{}/v1", server.url()))
        .retry_policy(RetryPolicy::default().initial_backoff(std::time::Duration::ZERO))
        .build()
        .unwrap();
    let found = client.contacts().find_or_create(&NewContact::new("0500000000", "A")).unwrap();
    assert!(found.retried, "the answer says the call was repeated, so `created` may be understated");
    fail.assert();
    ok.assert();
}

#[test]
fn validation_error_details_from_nestjs_become_field_errors() {
    let mut server = Server::new();
    let body = serde_json::json!({"success": false, "error": {"code": "VALIDATION_ERROR", "message": "Validation failed",
        "details": {"message": ["phone must be a valid phone number", "name should not be empty", "something else"],
        "statusCode": 400, "error": "Bad Request"}, "requestId": "r-2"}});
    server.mock("POST", "/v1/partners/contacts").with_status(400).with_body(body.to_string()).create();
    match client(&server).contacts().find_or_create(&NewContact::new("0500000000", "A")).unwrap_err() {
        e @ Error::Api(_) => {
            assert!(e.is_input_rejected() && !e.is_validation(), "the provider rejected the input");
            let fields: Vec<_> = e.field_errors().iter().map(|f| f.field()).collect();
            assert_eq!(fields, ["phone", "name", "body"]);
            assert_eq!(e.field_errors()[0].message(), "phone must be a valid phone number");
            // The error names the call and the host, then the provider's words.
            let shown = e.to_string();
            assert!(shown.contains("cleanlife POST /partners/contacts at 127.0.0.1:"), "{shown}");
            assert_eq!(e.message(), "Validation failed");
            assert_eq!(e.operation(), Some("POST /partners/contacts"));
            assert!(e.host().unwrap_or_default().starts_with("127.0.0.1:"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_200_with_success_false_is_an_error_not_data() {
    let mut server = Server::new();
    server
        .mock("POST", "/v1/partners/contacts")
        .with_body(error("FORBIDDEN", "Missing partner_contacts_read"))
        .create();
    let err = client(&server).contacts().find_or_create(&NewContact::new("0500000000", "A")).unwrap_err();
    assert_eq!(err.code(), Some("FORBIDDEN"));
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.request_id(), Some("req-srv-1"));
}

#[test]
fn errors_without_a_server_request_id_carry_the_one_we_sent() {
    let mut server = Server::new();
    server
        .mock("POST", "/v1/partners/contacts")
        .with_status(401)
        .with_body(r#"{"success":false,"error":{"code":"UNAUTHORIZED","message":"Invalid API key"}}"#)
        .create();
    let err = client(&server).contacts().find_or_create(&NewContact::new("0500000000", "A")).unwrap_err();
    let id = err.request_id().expect("a request id");
    assert_eq!(id.len(), 32);
}

#[test]
fn a_malformed_uuid_from_the_server_is_a_decode_error() {
    let mut server = Server::new();
    server
        .mock("POST", "/v1/partners/contacts")
        .with_body(
            r#"{"success":true,"data":{"id":"not-a-uuid","name":"A","phone":"+966500000000","isNewContact":true}}"#,
        )
        .create();
    let err = client(&server).contacts().find_or_create(&NewContact::new("0500000000", "A")).unwrap_err();
    assert!(matches!(err, Error::Decode(_)) && err.message().contains("id"), "{err:?}");
}

#[test]
fn environments_and_keys() {
    assert_eq!(Client::new("k").unwrap().base_url(), "https://api.cleanlife.sa/v1");
    let sandbox = Client::builder().api_key("k").environment(Environment::Sandbox).build().unwrap();
    assert_eq!(sandbox.base_url(), "https://apiv3.thecleanlife.dev/v1");
    let custom = Client::builder()
        .api_key("k")
        .environment(Environment::Sandbox)
        .base_url("https://x.example/v1")
        .build()
        .unwrap();
    assert_eq!(custom.base_url(), "https://x.example/v1");
    assert!(matches!(Client::new(""), Err(Error::Config(_))));
    assert!(!format!("{:?}", Client::new("pk_live_TOPSECRET").unwrap()).contains("TOPSECRET"));
}

#[test]
fn the_key_never_goes_in_the_query() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/v1/partners/contacts")
        .match_query(Matcher::Exact(String::new()))
        .with_body(EXISTING)
        .create();
    client(&server).contacts().find_or_create(&NewContact::new("0500000000", "A")).unwrap();
    mock.assert();
}

#[test]
fn find_or_create_with_meta_reaches_the_echoed_request_id() {
    let mut server = Server::new();
    server.mock("POST", "/v1/partners/contacts").with_header("x-request-id", "req-echo-7").with_body(EXISTING).create();
    let found = client(&server).contacts().find_or_create_with_meta(&NewContact::new("0500000000", "A")).unwrap();
    assert_eq!(found.meta.request_id.as_deref(), Some("req-echo-7"));
    assert_eq!((found.meta.status, found.meta.attempts), (200, 1));
    assert!(!found.value.created);
}

#[test]
fn the_raw_handle_reaches_bookings_with_the_key() {
    let mut server = Server::new();
    let bookings = server
        .mock("POST", "/v1/partners/bookings")
        .match_header("x-api-key", KEY)
        .match_body(Matcher::Json(serde_json::json!({"contactId": "aaaaaaaa-0000-0000-0000-000000000001"})))
        .with_body(r#"{"success":true,"data":{"id":"b1"}}"#)
        .create();
    let answer: serde_json::Value = client(&server)
        .raw()
        .post(&["partners", "bookings"], &serde_json::json!({"contactId": "aaaaaaaa-0000-0000-0000-000000000001"}))
        .unwrap();
    assert_eq!(answer["data"]["id"], "b1");
    bookings.assert();
}

#[test]
fn changing_one_retry_knob_keeps_the_crates_429_rule() {
    // Before: `retry_policy(RetryPolicy::default().initial_backoff(..))` silently turned the
    // retry of a 429 without Retry-After back on (the crate's default turns it off).
    let mut server = Server::new();
    let limited = server
        .mock("GET", Matcher::Regex("^/v1/partners/contacts/".into()))
        .with_status(429)
        .with_body(error("RATE_LIMIT_EXCEEDED", "Too many requests"))
        .expect(1)
        .create();
    let client = Client::builder()
        .api_key("pk_test")
        .base_url(format!("{}/v1", server.url()))
        .retry(|p| p.initial_backoff(std::time::Duration::ZERO).max_retries(5))
        .build()
        .unwrap();
    let err = client.contacts().get(&Uuid::nil().into()).unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");
    limited.assert();
}
