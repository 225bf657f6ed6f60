//! The sandbox driven by a plain HTTP client (not the contacts-rs clients): every route, the
//! documented errors, and each fault.

use std::time::{Duration, Instant};

use base64::Engine;
use contacts_sandbox::{Fault, Provider, Sandbox, credentials};
use serde_json::{Value, json};

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent()
}

fn call(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Result<Answer, ureq::Error> {
    let mut b = ureq::http::Request::builder().method(method).uri(url);
    for (n, v) in headers {
        b = b.header(*n, *v);
    }
    let response = match body {
        Some(body) => agent().run(b.body(body.as_bytes().to_vec()).unwrap())?,
        None => agent().run(b.body(()).unwrap())?,
    };
    let status = response.status().as_u16();
    let headers =
        response.headers().iter().map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned())).collect();
    let body = response.into_body().read_to_string()?;
    Ok(Answer { status, headers, body })
}

fn ok(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Answer {
    call(method, url, headers, body).unwrap()
}

/// Previsto's Basic credentials for the sandbox's secret key.
static PREVISTO_AUTH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| basic(credentials::PREVISTO_SECRET_KEY));

fn basic(key: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{key}:")))
}

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
const JSON: (&str, &str) = ("content-type", "application/json");

#[test]
fn previsto_documented_examples_and_errors() {
    let sb = Sandbox::start().unwrap();
    let base = sb.previsto_base_url();
    let h = [("authorization", PREVISTO_AUTH.as_str()), FORM];

    let created = ok(
        "POST",
        &format!("{base}/contacts"),
        &h,
        Some("name=Anna%20Jensen&location[]=10.5286863&location[]=56.8039035&meta[hairColor]=Brown"),
    );
    assert_eq!(created.status, 200, "{}", created.body);
    let c = created.json();
    assert_eq!(c["name"], "Anna Jensen");
    assert_eq!(c["location"], json!([10.5286863, 56.8039035]));
    assert_eq!(c["meta"]["hairColor"], "Brown");
    for key in ["appartment", "remoteId", "registrationNo", "accountingMode", "invoiceDelivery"] {
        assert!(c.get(key).is_some_and(Value::is_null), "{key} is documented and null");
    }
    let id = c["id"].as_str().unwrap().to_owned();

    let updated = ok("POST", &format!("{base}/contacts/{id}"), &h, Some("phone=%2B4522123456")).json();
    assert_eq!((updated["phone"].as_str(), updated["name"].as_str()), (Some("+4522123456"), Some("Anna Jensen")));
    assert_eq!(ok("GET", &format!("{base}/contacts/{id}"), &h, None).json()["phone"], "+4522123456");

    let list = ok("GET", &format!("{base}/contacts"), &h, None);
    assert_eq!(list.header("x-total-count"), Some("1"));
    assert_eq!(list.json().as_array().unwrap().len(), 1);

    let deleted = ok("DELETE", &format!("{base}/contacts/{id}"), &h, None);
    assert_eq!((deleted.status, deleted.body.as_str()), (200, ""));
    let gone = ok("GET", &format!("{base}/contacts/{id}"), &h, None);
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["param"], "id");

    let bad = ok("GET", &format!("{base}/contacts"), &[("authorization", &basic("sk_wrong"))], None);
    assert_eq!((bad.status, bad.json()), (401, json!({"type": "InvalidRequestError", "message": "Bad credentials"})));
    let public = basic(credentials::PREVISTO_PUBLIC_KEY);
    assert_eq!(ok("GET", &format!("{base}/contacts"), &[("authorization", &public)], None).status, 403);
    // The document's own create example sends a name and a meta value, and no location.
    let no_location = ok("POST", &format!("{base}/contacts"), &h, Some("name=Anna%20Jensen&meta[hairColor]=Brown"));
    assert_eq!(no_location.status, 200);
    assert_eq!(no_location.json()["location"], json!(null));
    assert_eq!(no_location.json()["meta"]["hairColor"], "Brown");
    let both = ok("GET", &format!("{base}/contacts?search=a&nearby=1,2"), &h, None);
    assert_eq!(both.status, 400);
    assert_eq!(ok("GET", &format!("{base}/contacts?size=0"), &h, None).status, 400);
}

#[test]
fn previsto_pages_are_zero_based_and_a_large_seed_is_cheap() {
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 100_000).start().unwrap();
    let h = [("authorization", PREVISTO_AUTH.as_str())];
    let base = sb.previsto_base_url();
    let page0 = ok("GET", &format!("{base}/contacts?size=5000&page=0"), &h, None);
    assert_eq!(page0.header("x-total-count"), Some("100000"));
    let items = page0.json();
    assert_eq!(items.as_array().unwrap().len(), 1000, "pages are capped at the documented 1000");
    assert_eq!(items[0]["name"], "Kunde 0");
    let last = ok("GET", &format!("{base}/contacts?size=100&page=999"), &h, None).json();
    assert_eq!(last[99]["name"], "Kunde 99999");
    assert_eq!(ok("GET", &format!("{base}/contacts?size=100&page=1000"), &h, None).json(), json!([]));
    let found = ok("GET", &format!("{base}/contacts?search=kunde99999"), &h, None);
    assert_eq!(found.header("x-total-count"), Some("1"));
    let near = ok("GET", &format!("{base}/contacts?size=1&nearby=10.2,56.15"), &h, None).json();
    assert_eq!(near[0]["location"], json!([10.2, 56.15]));
    assert_eq!(sb.contact_count(Provider::PREVISTO), 100_000);
}

#[test]
fn levers_token_exchange_crud_list_and_fastapi_errors() {
    let sb = Sandbox::start().unwrap();
    let base = sb.levers_base_url();
    let denied = ok("POST", &sb.levers_auth_url(), &[JSON], Some(r#"{"clientId":"x","clientSecret":"y"}"#));
    assert_eq!(denied.status, 401);
    let token = ok(
        "POST",
        &sb.levers_auth_url(),
        &[JSON],
        Some(
            &json!({"clientId": credentials::LEVERS_CLIENT_ID, "clientSecret": credentials::LEVERS_CLIENT_SECRET})
                .to_string(),
        ),
    )
    .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = format!("Bearer {token}");
    let h = [("authorization", bearer.as_str()), JSON];

    let body = json!({"name": "Acme", "nameAr": "شركة أكمي", "email": "ap@acme.sa", "emailTone": "FRIENDLY",
        "workflowUuid": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "paymentInstructions": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "secondaryContacts": [{"name": "Sara", "email": "sara@acme.sa"}]});
    let c = ok("POST", &format!("{base}/contact"), &h, Some(&body.to_string()));
    assert_eq!(c.status, 200, "{}", c.body);
    let c = c.json();
    assert_eq!(c["nameAr"], "شركة أكمي");
    assert_eq!(c["workflow"]["uuid"], "3c90c3cc-0d44-4b50-8888-8dd25736052a");
    assert!(c["paymentInstructions"].is_object() && c.get("workflowUuid").is_none());
    assert_eq!(c["secondaryContacts"][0]["name"], "Sara");
    let uuid = c["uuid"].as_str().unwrap().to_owned();

    let u = ok(
        "PUT",
        &format!("{base}/contact"),
        &h,
        Some(&json!({"uuid": uuid, "phoneNumber": "+966500000000"}).to_string()),
    )
    .json();
    assert_eq!((u["phoneNumber"].as_str(), u["name"].as_str()), (Some("+966500000000"), Some("Acme")));
    let got = ok("GET", &format!("{base}/contact/{uuid}"), &h, None).json();
    assert!(got.get("averageDelay").is_some());
    let page = ok("GET", &format!("{base}/contact?page=1&size=50"), &h, None).json();
    assert_eq!((page["total"].as_u64(), page["pages"].as_u64()), (Some(1), Some(1)));

    let invalid = ok("POST", &format!("{base}/contact"), &h, Some(r#"{"name":"","email":"nope"}"#));
    assert_eq!(invalid.status, 422);
    assert_eq!(invalid.json()["detail"][0]["loc"], json!(["body", "name"]));
    let long = ok("POST", &format!("{base}/contact"), &h, Some(&json!({"name": "ع".repeat(256)}).to_string()));
    assert_eq!(long.status, 422);
    let arabic_255 = ok("POST", &format!("{base}/contact"), &h, Some(&json!({"name": "ع".repeat(255)}).to_string()));
    assert_eq!(arabic_255.status, 200);
    let missing = ok("GET", &format!("{base}/contact/00000000-0000-4000-8000-0000000000ff"), &h, None);
    assert_eq!((missing.status, missing.json()), (404, json!({"detail": "Contact not found"})));
    // The reference is silent on a role in an update: the sandbox is lenient and ignores it.
    let with_role = json!({"uuid": uuid, "role": "PRIMARY", "nameAr": "أكمي"}).to_string();
    assert_eq!(ok("PUT", &format!("{base}/contact"), &h, Some(&with_role)).status, 200);
    // The external ids have no documented bound, and `a@localhost` is an address.
    let long_ext = json!({"name": "A", "extPlatformId": "x".repeat(300), "email": "a@localhost"}).to_string();
    assert_eq!(ok("POST", &format!("{base}/contact"), &h, Some(&long_ext)).status, 200);
    assert_eq!(ok("GET", &format!("{base}/contact?size=101"), &h, None).status, 422);

    sb.expire_levers_tokens();
    assert_eq!(ok("GET", &format!("{base}/contact/{uuid}"), &h, None).status, 401);
    let fixed = format!("Bearer {}", credentials::LEVERS_TOKEN);
    assert_eq!(ok("GET", &format!("{base}/contact/{uuid}"), &[("authorization", &fixed)], None).status, 200);
}

#[test]
fn cleanlife_find_or_create_by_normalised_phone() {
    let sb = Sandbox::builder().seed(Provider::CLEANLIFE, 5).start().unwrap();
    let base = sb.cleanlife_base_url();
    let h = [("x-api-key", credentials::CLEANLIFE_API_KEY), JSON, ("x-request-id", "req-42")];
    let first =
        ok("POST", &format!("{base}/partners/contacts"), &h, Some(r#"{"phone":"+966511111111","name":"Ahmed Ali"}"#));
    assert_eq!(first.header("x-request-id"), Some("req-42"));
    let first = first.json();
    assert_eq!(first["data"]["isNewContact"], true);
    let again =
        ok("POST", &format!("{base}/partners/contacts"), &h, Some(r#"{"phone":"+966511111111","name":"Other"}"#))
            .json();
    assert_eq!(
        (again["data"]["isNewContact"].as_bool(), again["data"]["id"].clone()),
        (Some(false), first["data"]["id"].clone())
    );
    assert_eq!(again["data"]["name"], "Ahmed Ali");
    let seeded =
        ok("POST", &format!("{base}/partners/contacts"), &h, Some(r#"{"phone":"+966500000003","name":"X"}"#)).json();
    assert_eq!(seeded["data"]["isNewContact"], false, "seeded phones are found");

    let id = first["data"]["id"].as_str().unwrap();
    assert_eq!(ok("GET", &format!("{base}/partners/contacts/{id}"), &h, None).json()["data"]["phone"], "+966511111111");
    let nf = ok("GET", &format!("{base}/partners/contacts/00000000-0000-4000-a000-0000000000ff"), &h, None);
    assert_eq!((nf.status, nf.json()["error"]["code"].as_str()), (404, Some("RESOURCE_NOT_FOUND")));
    let bad_id = ok("GET", &format!("{base}/partners/contacts/abc"), &h, None);
    assert_eq!((bad_id.status, bad_id.json()["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")));
    let bad = ok("POST", &format!("{base}/partners/contacts"), &h, Some(r#"{"phone":"0500000000","name":""}"#));
    assert_eq!(bad.status, 400);
    let details = &bad.json()["error"]["details"];
    assert_eq!((details["statusCode"].as_u64(), details["message"].as_array().map(Vec::len)), (Some(400), Some(2)));
    let unauth = ok("POST", &format!("{base}/partners/contacts"), &[JSON], Some("{}"));
    assert_eq!((unauth.status, unauth.json()["error"]["code"].as_str()), (401, Some("UNAUTHORIZED")));
    let forbidden = ok(
        "GET",
        &format!("{base}/partners/contacts/{id}"),
        &[("x-api-key", credentials::CLEANLIFE_API_KEY_WITHOUT_CONTACTS)],
        None,
    );
    assert_eq!((forbidden.status, forbidden.json()["error"]["code"].as_str()), (403, Some("FORBIDDEN")));
}

#[test]
fn portal_envelopes_and_the_delete_quirk() {
    let sb = Sandbox::builder().seed(Provider::PORTAL, 6).start().unwrap();
    let base = sb.portal_base_url();
    let h = [("authorization", credentials::PORTAL_AUTHORIZATION), FORM];
    let list = ok("GET", &format!("{base}/contact?customer_id[]=1&customer_id[]=2"), &h, None).json();
    assert_eq!((list["result"].as_bool(), list["entities"].as_array().map(Vec::len)), (Some(true), Some(4)));
    let e = &list["entities"][0];
    assert_eq!(
        (e["is_active"].as_str(), e["customer_id"].as_u64(), e["cost_center_id"].as_str()),
        (Some("1"), Some(1), Some("0"))
    );
    assert_eq!(ok("GET", &format!("{base}/contact"), &h, None).json()["result"], false);

    let created =
        ok("POST", &format!("{base}/contact"), &h, Some("name=Jane%20Doe&email=jane%40example.com&is_active=1")).json();
    assert_eq!(
        (created["msg"].as_str(), created["result"].as_bool()),
        (Some("Successfully created entity."), Some(true))
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(ok("GET", &format!("{base}/contact/{id}"), &h, None).json()["entity"]["name"], "Jane Doe");
    let upd = ok("POST", &format!("{base}/contact/{id}"), &h, Some("name=Jane%20Doe&tel=%2B4512345678")).json();
    assert_eq!(upd["msg"], "Successfully updated entity.");
    // The update repeats the create rules: `name (required)`.
    let nameless = ok("POST", &format!("{base}/contact/{id}"), &h, Some("tel=%2B4512345678")).json();
    assert_eq!(nameless, json!({"errors": {"name": "Field is required."}, "result": false}));
    let empty = ok("POST", &format!("{base}/contact"), &h, Some("")).json();
    assert_eq!(empty, json!({"error": "Nothing sent for request.", "result": false}));
    let invalid =
        ok("POST", &format!("{base}/contact"), &h, Some(&format!("name={}&create_method=x", "n".repeat(65)))).json();
    assert_eq!(invalid["result"], false);
    assert!(invalid["errors"]["name"].is_string() && invalid["errors"]["create_method"].is_string());
    let json_create = ok(
        "POST",
        &format!("{base}/contact"),
        &[("authorization", credentials::PORTAL_AUTHORIZATION), JSON],
        Some(r#"{"name":"J","milestone":1}"#),
    );
    assert_eq!(json_create.json()["result"], true);

    let deleted = ok("GET", &format!("{base}/contact/{id}/delete"), &h, None).json();
    assert_eq!(deleted, json!({"msg": "Entity has been successfully deleted.", "result": false}));
    let again = ok("GET", &format!("{base}/contact/{id}/delete"), &h, None).json();
    assert_eq!(again, json!({"msg": "Entity not found.", "result": false}));
    assert_eq!(ok("GET", &format!("{base}/contact/{id}"), &h, None).json()["msg"], "Entity not found.");
    assert_eq!(ok("GET", &format!("{base}/contact"), &[], None).status, 401);
}

#[test]
fn status_faults_hit_the_next_matching_requests_then_stop() {
    let sb = Sandbox::start().unwrap();
    sb.inject(Fault::status(503).times(2).on(Provider::PORTAL).method("GET"));
    sb.inject(Fault::status(429).retry_after("7").body("slow down").on(Provider::PORTAL));
    let url = format!("{}/contact/1", sb.portal_base_url());
    let h = [("authorization", credentials::PORTAL_AUTHORIZATION)];
    assert_eq!(ok("GET", &url, &h, None).status, 503);
    assert_eq!(ok("GET", &url, &h, None).status, 503);
    let limited = ok("GET", &url, &h, None);
    assert_eq!((limited.status, limited.header("retry-after"), limited.body.as_str()), (429, Some("7"), "slow down"));
    assert_eq!(ok("GET", &url, &h, None).status, 200);
    assert_eq!(sb.request_count(), 4);
    assert_eq!(sb.count("GET", "/portal/contact/1"), 4);
}

#[test]
fn drop_malformed_truncated_and_delay_faults() {
    let sb = Sandbox::start().unwrap();
    let url = format!("{}/contact/1", sb.portal_base_url());
    let h = [("authorization", credentials::PORTAL_AUTHORIZATION)];
    sb.inject(Fault::drop_connection());
    assert!(call("GET", &url, &h, None).is_err(), "a dropped connection is a transport error");
    sb.inject(Fault::malformed_body());
    let m = ok("GET", &url, &h, None);
    assert!(serde_json::from_str::<Value>(&m.body).is_err());
    sb.inject(Fault::truncated_body());
    assert!(call("GET", &url, &h, None).is_err(), "a short body is a transport error");
    sb.inject(Fault::delay(Duration::from_millis(60)));
    let start = Instant::now();
    assert_eq!(ok("GET", &url, &h, None).json()["result"], false);
    assert!(start.elapsed() >= Duration::from_millis(60));
    sb.inject(Fault::status(500).times(5));
    sb.clear_faults();
    assert_eq!(ok("GET", &url, &h, None).status, 200);
}

#[test]
fn requests_are_recorded_and_connections_counted() {
    let sb = Sandbox::builder().record_limit(2).start().unwrap();
    let agent = agent();
    let url = format!("{}/partners/contacts", sb.cleanlife_base_url());
    for i in 0..3 {
        let body = format!(r#"{{"phone":"+96650000000{i}","name":"A"}}"#);
        agent
            .post(&url)
            .header("x-api-key", credentials::CLEANLIFE_API_KEY)
            .header("content-type", "application/json")
            .send(body.as_bytes())
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap();
    }
    assert_eq!(sb.connection_count(), 1, "keep-alive: one connection for three requests");
    let seen = sb.requests();
    assert_eq!(seen.len(), 2, "only the last two are kept");
    assert_eq!(seen[1].method, "POST");
    assert_eq!(seen[1].path, "/cleanlife/v1/partners/contacts");
    assert_eq!(seen[1].header("x-api-key"), Some(credentials::CLEANLIFE_API_KEY));
    assert_eq!(String::from_utf8_lossy(&seen[1].body), r#"{"phone":"+966500000002","name":"A"}"#);
    assert_eq!(sb.contact_count(Provider::CLEANLIFE), 3);
    sb.clear_requests();
    assert_eq!((sb.request_count(), sb.requests().len()), (0, 0));
}

#[test]
fn shuts_down_on_drop() {
    let sb = Sandbox::start().unwrap();
    let addr = sb.addr();
    drop(sb); // joins the accept thread, which closes the listener
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err());
}

#[test]
fn hostile_pages_and_faults_are_bounded_not_panics() {
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 3).seed(Provider::LEVERS, 3).start().unwrap();
    let h = [("authorization", PREVISTO_AUTH.as_str())];
    let base = sb.previsto_base_url();
    assert_eq!(ok("DELETE", &format!("{base}/contacts/con_sbx1"), &h, None).status, 200);
    let far = ok("GET", &format!("{base}/contacts?size=100&page={}", u64::MAX), &h, None);
    assert_eq!((far.status, far.json()), (200, json!([])));
    let bearer = format!("Bearer {}", credentials::LEVERS_TOKEN);
    let lh = [("authorization", bearer.as_str())];
    let far = ok("GET", &format!("{}/contact?page={}&size=100", sb.levers_base_url(), u64::MAX), &lh, None);
    assert_eq!((far.status, far.json()["items"].clone()), (200, json!([])));
    // A fault that hits nothing is not queued (it used to underflow its counter).
    sb.inject(Fault::status(503).times(0));
    assert_eq!(ok("GET", &format!("{base}/contacts"), &h, None).status, 200);
    // The server still answers after all of that.
    assert_eq!(ok("GET", &format!("{base}/contacts/con_sbx0"), &h, None).status, 200);
}

#[test]
fn levers_details_follow_the_reference_example_and_gender_is_not_echoed() {
    let sb = Sandbox::start().unwrap();
    let bearer = format!("Bearer {}", credentials::LEVERS_TOKEN);
    let auth = [("authorization", bearer.as_str()), ("content-type", "application/json")];
    let created = ok(
        "POST",
        &format!("{}/contact", sb.levers_base_url()),
        &auth,
        Some(r#"{"name":"A","gender":"female","extPlatformId":""}"#),
    );
    assert_eq!(created.status, 200, "{}", created.body);
    let c = created.json();
    assert!(c.get("gender").is_none(), "the response schema lists no gender: {c}");
    assert_eq!(c["extPlatformId"], "", "an empty external id is accepted: the reference bounds it nowhere");
    let id = c["uuid"].as_str().unwrap().to_owned();
    let details = ok("GET", &format!("{}/contact/{id}", sb.levers_base_url()), &auth, None).json();
    assert!(details.get("uuid").is_none(), "the details example has no top-level uuid: {details}");
    assert_eq!(details["name"], "A");
}

#[test]
fn previsto_lists_filter_on_any_property_and_sort_as_the_help_pages_say() {
    // Before: `?city=…` and `?sort=…` were ignored (every contact, in store order).
    let sb = Sandbox::start().unwrap();
    let base = sb.previsto_base_url();
    let h = [("authorization", PREVISTO_AUTH.as_str()), FORM];
    for (name, city, hair) in [("Bo", "Aarhus", "Brown"), ("Anna", "Kundeby", "Red"), ("Cai", "Aarhus", "Red")] {
        let body = format!("name={name}&city={city}&meta[hairColor]={hair}");
        assert_eq!(ok("POST", &format!("{base}/contacts"), &h, Some(&body)).status, 200);
    }
    let names = |query: &str| -> Vec<String> {
        let a = ok("GET", &format!("{base}/contacts?{query}"), &h, None);
        assert_eq!(a.status, 200, "{query}: {}", a.body);
        a.json().as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names("city=Aarhus"), ["Bo", "Cai"]);
    assert_eq!(names("city=Aarhus&sort=name,desc"), ["Cai", "Bo"]);
    assert_eq!(names("sort=name,asc"), ["Anna", "Bo", "Cai"]);
    assert_eq!(names("meta%5BhairColor%5D=Red&sort=name,desc"), ["Cai", "Anna"]);
    assert_eq!(names("city=Nowhere"), Vec::<String>::new());
}

#[test]
fn previsto_accepts_what_the_documents_do_not_forbid_and_a_cleared_payer_is_null() {
    let sb = Sandbox::start().unwrap();
    let base = sb.previsto_base_url();
    let h = [("authorization", PREVISTO_AUTH.as_str()), FORM];
    let c = ok("POST", &format!("{base}/contacts"), &h, Some("name=A&payingContactId=con_sbx9&futureField=x")).json();
    assert_eq!(c["payingContactId"], "con_sbx9");
    let id = c["id"].as_str().unwrap().to_owned();
    // Before: `archived` on update and any unknown parameter answered 400.
    let u = ok("POST", &format!("{base}/contacts/{id}"), &h, Some("archived=true&payingContactId=&another=1"));
    assert_eq!(u.status, 200, "{}", u.body);
    let c = u.json();
    assert_eq!(c["archived"], true);
    assert!(c["payingContactId"].is_null(), "a cleared payer comes back null, not \"\": {c}");
}

#[test]
fn a_rate_limit_is_per_key_and_off_unless_asked_for() {
    let sb = Sandbox::builder().rate_limit(Provider::PREVISTO, 2).start().unwrap();
    let base = sb.previsto_base_url();
    let secret = basic(credentials::PREVISTO_SECRET_KEY);
    let public = basic(credentials::PREVISTO_PUBLIC_KEY);
    let list = |auth: &str| call("GET", &format!("{base}/contacts"), &[("authorization", auth)], None).unwrap();
    assert_eq!(list(&secret).status, 200);
    assert_eq!(list(&secret).status, 200);
    let third = list(&secret);
    assert_eq!(third.status, 429);
    assert!(third.header("retry-after").is_some_and(|s| s.parse::<u64>().unwrap() <= 60));
    // Another key has its own window.
    let created =
        call("POST", &format!("{base}/contacts"), &[("authorization", public.as_str()), FORM], Some("name=A"));
    assert_eq!(created.unwrap().status, 200);
    // Off by default: Levers is not limited.
    let bearer = format!("Bearer {}", credentials::LEVERS_TOKEN);
    for _ in 0..5 {
        assert_eq!(
            ok("GET", &format!("{}/contact", sb.levers_base_url()), &[("authorization", bearer.as_str())], None).status,
            200
        );
    }
}

#[test]
fn every_answer_waits_the_latency_asked_for_faults_included() {
    let waits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&waits);
    let sb = Sandbox::builder()
        .latency(Duration::from_millis(50))
        .sleeper(move |d| seen.lock().unwrap().push(d))
        .start()
        .unwrap();
    sb.inject(Fault::status(503).on(Provider::PREVISTO).times(1));
    let base = sb.previsto_base_url();
    assert_eq!(
        call("GET", &format!("{base}/contacts"), &[("authorization", PREVISTO_AUTH.as_str())], None).unwrap().status,
        503
    );
    assert_eq!(ok("GET", &format!("{base}/contacts"), &[("authorization", PREVISTO_AUTH.as_str())], None).status, 200);
    let bearer = format!("Bearer {}", credentials::LEVERS_TOKEN);
    ok("GET", &format!("{}/contact", sb.levers_base_url()), &[("authorization", bearer.as_str())], None);
    assert_eq!(*waits.lock().unwrap(), vec![Duration::from_millis(50); 3]);
    // None by default.
    let plain = Sandbox::start().unwrap();
    let t = Instant::now();
    ok("GET", &format!("{}/contacts", plain.previsto_base_url()), &[("authorization", PREVISTO_AUTH.as_str())], None);
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_short_window_keeps_the_rate_and_its_retry_after_is_rounded_up() {
    // 3 in any 10 s: a 429's Retry-After is whole seconds, never less than the real wait
    // (before: rounded down, so a client that waited what it was told was refused again).
    let sb = Sandbox::builder().rate_limit_per(Provider::PREVISTO, 3, Duration::from_secs(10)).start().unwrap();
    let base = sb.previsto_base_url();
    let list = || call("GET", &format!("{base}/contacts"), &[("authorization", PREVISTO_AUTH.as_str())], None).unwrap();
    for _ in 0..3 {
        assert_eq!(list().status, 200);
    }
    let refused = list();
    assert_eq!(refused.status, 429);
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert_eq!(wait, 10, "9.99… s is said as 10, not 9");
    assert_eq!(sb.rate_limited(Provider::PREVISTO), 1);
}

#[test]
fn an_ambiguous_body_length_is_refused_and_nothing_hidden_in_it_runs() {
    use std::io::{Read, Write};
    let sb = Sandbox::start().unwrap();
    let auth = basic(credentials::PREVISTO_SECRET_KEY);
    let created = ok(
        "POST",
        &format!("{}/contacts", sb.previsto_base_url()),
        &[("authorization", auth.as_str()), FORM],
        Some("name=Keep"),
    );
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let hidden = format!("DELETE /previsto/contacts/{id} HTTP/1.1\r\nAuthorization: {auth}\r\n\r\n");
    let body = format!("name=A{hidden}");
    for framing in [
        // Before: the first length won and the rest of the body ran as a second request.
        format!("Content-Length: 6\r\nContent-Length: {}\r\n", body.len()),
        "Content-Length: 6\r\nTransfer-Encoding: gzip\r\n".to_owned(),
        "Content-Length: 6x\r\n".to_owned(),
        // Before: a sign was taken as part of the number (RFC 9112: 1*DIGIT).
        "Content-Length: +6\r\n".to_owned(),
        // Before: a folded line (obs-fold) was read as a header of its own, and framed the body.
        format!("X-A: a\r\n Content-Length: {}\r\n", body.len()),
        format!("Content-Length : {}\r\n", body.len()),
    ] {
        let mut s = std::net::TcpStream::connect(sb.addr()).unwrap();
        let request = format!(
            "POST /previsto/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Type: application/x-www-form-urlencoded\r\n{framing}\r\n{body}"
        );
        s.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 400"), "{framing:?}: {answer}");
        assert_eq!(answer.matches("HTTP/1.1").count(), 1, "one answer, then the connection closed: {answer}");
    }
    let still =
        ok("GET", &format!("{}/contacts/{id}", sb.previsto_base_url()), &[("authorization", auth.as_str())], None);
    assert_eq!(still.status, 200, "the DELETE hidden in a body ran");
}

#[test]
fn idle_connections_do_not_starve_a_new_client() {
    // Before: 64 idle sockets took every slot for a minute, and every other client got 503.
    let sb = Sandbox::start().unwrap();
    let idle: Vec<_> = (0..64).filter_map(|_| std::net::TcpStream::connect(sb.addr()).ok()).collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while sb.connection_count() < 64 && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    let mut s = std::net::TcpStream::connect(sb.addr()).unwrap();
    use std::io::{Read, Write};
    s.write_all(b"GET /previsto/contacts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(!answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.starts_with("HTTP/1.1 401"), "the request was served: {answer}");
    drop(idle);
}

#[test]
fn base_url_by_provider_is_each_providers_own() {
    let sb = Sandbox::start().unwrap();
    let expected = [
        (Provider::LEVERS, sb.levers_base_url()),
        (Provider::CLEANLIFE, sb.cleanlife_base_url()),
        (Provider::PREVISTO, sb.previsto_base_url()),
        (Provider::PORTAL, sb.portal_base_url()),
    ];
    for (provider, url) in expected {
        assert_eq!(sb.base_url(provider), url);
    }
    // What a client sends there reaches that provider: the portal's list answers as the portal.
    let listed = ok(
        "GET",
        &format!("{}/contact?customer_id[]=1", sb.base_url(Provider::PORTAL)),
        &[("authorization", credentials::PORTAL_AUTHORIZATION)],
        None,
    );
    assert_eq!(listed.status, 200);
}

#[test]
fn clients_that_trickle_their_request_lose_their_slot_to_a_new_one() {
    // Before: 64 sockets that sent part of a head (and a byte now and then) held every slot
    // for as long as they lasted, and every other client got 503.
    let sb = Sandbox::start().unwrap();
    use std::io::{Read, Write};
    let slow: Vec<_> = (0..64)
        .filter_map(|_| {
            let mut s = std::net::TcpStream::connect(sb.addr()).ok()?;
            s.write_all(b"GET /previsto/contacts HTTP/1.1\r\nX-Slow: a").ok()?;
            Some(s)
        })
        .collect();
    assert_eq!(slow.len(), 64);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while sb.connection_count() < 64 && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    let mut s = std::net::TcpStream::connect(sb.addr()).unwrap();
    s.write_all(b"GET /previsto/contacts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "the new client was served: {answer}");
    // A slow one that lost its slot was told why before the slot went to the new client (the
    // others keep theirs until the request deadline).
    let told = slow
        .iter()
        .filter(|s| {
            s.set_nonblocking(true).unwrap();
            let mut answer = [0; 12];
            (&mut &**s).read(&mut answer).is_ok_and(|n| answer[..n].starts_with(b"HTTP/1.1 408"))
        })
        .count();
    assert!(told >= 1, "no slow client was answered 408");
}
