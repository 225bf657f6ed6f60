//! Arbitrary bytes and arbitrary JSON, under every status, through every response decoder of
//! every client (success bodies, error bodies, envelopes, pages): never a panic, always a
//! value or a typed error. A canned transport answers, so no sockets are involved.

use std::sync::Arc;

use contacts_core::{
    ContactUpdate, ContactsApi, Error, HttpRequest, HttpResponse, ListContacts, NewContact, RetryPolicy, Transport,
};
use proptest::prelude::*;
use serde_json::Value;

/// The one answer a canned transport gives to every request.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
struct Canned(Arc<Answer>);

impl Canned {
    fn new(status: u16, body: Vec<u8>, headers: Vec<(String, String)>) -> Canned {
        Canned(Arc::new(Answer { status, body, headers }))
    }
}

impl Transport for Canned {
    fn send(&self, _: &HttpRequest) -> Result<HttpResponse, Error> {
        let mut r = HttpResponse::new(self.0.status, self.0.body.clone());
        for (n, v) in &self.0.headers {
            r = r.with_header(n, v.clone());
        }
        Ok(r)
    }
}

const UUID: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

fn clients(t: &Canned) -> Vec<Box<dyn ContactsApi>> {
    vec![
        Box::new(
            levers_client::Client::builder()
                .base_url("https://levers.example.com/api-service/v1")
                .token("t")
                .transport(t.clone())
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap(),
        ),
        Box::new(
            cleanlife_partners::Client::builder()
                .api_key("k")
                .transport(t.clone())
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap(),
        ),
        Box::new(
            previsto::Client::builder()
                .api_key("k")
                .transport(t.clone())
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap(),
        ),
        Box::new(
            portal_contacts::Client::builder()
                .base_url("https://p.example")
                .authorization("a")
                .transport(t.clone())
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap(),
        ),
    ]
}

/// Every operation, unified and typed; each must return, not panic.
fn exercise(t: &Canned) {
    for api in clients(t) {
        let id = match api.provider() {
            contacts_core::Provider::LEVERS | contacts_core::Provider::CLEANLIFE => UUID,
            _ => "1",
        };
        let _ = api.get(id);
        let _ = api.create(&NewContact::new("N").location(contacts_core::Location::new(1.0, 1.0)));
        let _ = api.update(id, &ContactUpdate::new().name("M"));
        let _ = api.delete(id);
        let _ = api.find_or_create(&NewContact::new("N").phone("0500000000"));
        let customers: &[u64] = if api.capabilities().lists_by_customer_ids() { &[1] } else { &[] };
        let _ = api.list(&ListContacts::new().customer_ids(customers.iter().copied()).size(2)).take(50).count();
    }
    let uuid: cleanlife_partners::Uuid = UUID.parse().unwrap();
    let levers = levers_client::Client::builder()
        .base_url(levers_client::DOCUMENTED_BASE_URL)
        .token("t")
        .transport(t.clone())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let _ = levers.contacts().get(&uuid.into());
    let _ = levers.contacts().list_page(&levers_client::ListContacts::new());
    let _ = levers.contacts().create(&levers_client::NewContact::new("N"));
    let cl = cleanlife_partners::Client::builder()
        .api_key("k")
        .transport(t.clone())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let _ = cl.contacts().get(&uuid.into());
    let _ = cl.contacts().find_or_create(&cleanlife_partners::NewContact::new("0500000000", "N"));
    let p = previsto::Client::builder()
        .api_key("k")
        .transport(t.clone())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let _ = p.contacts().get(&previsto::ContactId::from("con_1"));
    let _ = p.contacts().list_page(&previsto::ListContacts::new());
    let _ = p.contacts().iter(&previsto::ListContacts::new().size(2)).take(50).count();
    let portal = portal_contacts::Client::builder()
        .base_url("https://p.example")
        .authorization("a")
        .transport(t.clone())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let _ = portal.contacts().list(&portal_contacts::ListContacts::new().customer(1));
    let _ = portal.contacts().get(&portal_contacts::ContactId::from("1"));
    let _ = portal.contacts().create(&portal_contacts::NewContact::new("N"));
    let _ = portal.contacts().delete(&portal_contacts::ContactId::from("1"));
}

const KEYS: &[&str] = &[
    "id",
    "uuid",
    "name",
    "email",
    "phone",
    "location",
    "meta",
    "agentIds",
    "items",
    "total",
    "pages",
    "entities",
    "entity",
    "data",
    "result",
    "msg",
    "error",
    "errors",
    "success",
    "detail",
    "loc",
    "msg",
    "type",
    "message",
    "param",
    "code",
    "details",
    "requestId",
    "isNewContact",
    "is_active",
    "customer_id",
    "promiseToPayDate",
    "secondaryContacts",
    "paymentInstructions",
    "workflow",
    "risk",
    "totalAmount",
    "access_token",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::String),
        Just(Value::String(UUID.into())),
        Just(Value::String("2024-02-29".into())),
        Just(Value::String("1".into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

fn status() -> impl Strategy<Value = u16> {
    prop::sample::select(vec![200u16, 201, 204, 302, 400, 401, 402, 403, 404, 408, 422, 429, 500, 502, 503])
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (prop::sample::select(vec!["x-total-count", "retry-after", "x-request-id", "content-type"]), "\\PC{0,12}"),
        0..3,
    )
    .prop_map(|v| v.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(status in status(), body in prop::collection::vec(any::<u8>(), 0..300), headers in headers()) {
        exercise(&Canned::new(status, body, headers));
    }

    #[test]
    fn arbitrary_json_never_panics(status in status(), body in arb_json(), headers in headers()) {
        exercise(&Canned::new(status, body.to_string().into_bytes(), headers));
    }

    #[test]
    fn arbitrary_json_inside_the_documented_envelopes_never_panics(status in status(), inner in arb_json(), shape in 0usize..7) {
        let body = match shape {
            0 => serde_json::json!({"success": true, "data": inner}),
            1 => serde_json::json!({"entities": [inner.clone(), inner], "result": true}),
            2 => serde_json::json!({"items": [inner], "total": 3, "page": 1, "size": 2, "pages": 2}),
            3 => serde_json::json!({"detail": [inner]}),
            4 => serde_json::json!({"success": false, "error": inner}),
            5 => serde_json::json!({"entity": inner, "result": true, "id": "1"}),
            _ => serde_json::json!([inner.clone(), inner]),
        };
        exercise(&Canned::new(status, body.to_string().into_bytes(), Vec::new()));
    }

    /// JSON text that a `Value` cannot even express: deep nesting, duplicate keys, numbers too
    /// large for any Rust type, and the non-JSON `NaN` / `Infinity` some servers write.
    #[test]
    fn hostile_json_text_never_panics(
        status in status(),
        depth in 0usize..300,
        key in prop::sample::select(KEYS),
        number in prop::sample::select(vec![
            "1e999", "-1e999", "123456789012345678901234567890", "-0", "1.7976931348623157e309",
            "NaN", "Infinity", "-Infinity", "0.0000000000000000000000000001", "18446744073709551616",
        ]),
        shape in 0usize..6,
    ) {
        let body = match shape {
            0 => format!("{}{number}{}", "[".repeat(depth), "]".repeat(depth)),
            1 => format!("{}{}", r#"{"a":"#.repeat(depth), "1".to_owned() + &"}".repeat(depth)),
            2 => format!(r#"{{"{key}":"x","{key}":{number},"{key}":null}}"#),
            3 => format!(r#"[{{"id":"con_1","name":"N","{key}":{number}}},{{"id":"con_1","id":"con_2","name":"N"}}]"#),
            4 => format!(r#"{{"items":[{}],"total":{number}}}"#, vec![format!(r#"{{"uuid":"{UUID}","name":"N"}}"#); depth % 120].join(",")),
            _ => format!(r#"{{"success":true,"data":{{"id":"{UUID}","name":"N","phone":{number},"isNewContact":{number}}}}}"#),
        };
        exercise(&Canned::new(status, body.into_bytes(), vec![("x-total-count".into(), number.into())]));
    }
}
