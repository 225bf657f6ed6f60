//! Behaviour of the HTTP layer against a scripted transport: retries, waits, idempotency,
//! path encoding, header checks and secrets. No sockets, no real sleeping.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use contacts_core::{
    Error, Header, HttpRequest, HttpResponse, Method, Provider, RetryPolicy, Sleeper, Transport, TransportKind,
};
use contacts_http::{Form, HttpClient, HttpConfig, default_error};

type Step = Result<HttpResponse, Error>;

/// Answers from a script and records every request it was given.
#[derive(Debug, Default, Clone)]
struct Script {
    steps: Arc<Mutex<VecDeque<Step>>>,
    seen: Arc<Mutex<Vec<HttpRequest>>>,
}

impl Script {
    fn new(steps: Vec<Step>) -> Self {
        Script { steps: Arc::new(Mutex::new(steps.into())), seen: Arc::default() }
    }
    fn requests(&self) -> Vec<HttpRequest> {
        self.seen.lock().unwrap().clone()
    }
}

impl Transport for Script {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, Error> {
        self.seen.lock().unwrap().push(request.clone());
        self.steps.lock().unwrap().pop_front().unwrap_or_else(|| Ok(HttpResponse::new(200, "{}")))
    }
}

/// Records waits instead of sleeping.
#[derive(Debug, Default, Clone)]
struct Waits(Arc<Mutex<Vec<Duration>>>);

impl Sleeper for Waits {
    fn sleep(&self, d: Duration) {
        self.0.lock().unwrap().push(d);
    }
}

impl Waits {
    fn all(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

fn status(code: u16) -> Step {
    Ok(HttpResponse::new(code, format!("status {code}")))
}

fn refused() -> Step {
    Err(Error::transport(TransportKind::Connect, false, "connection refused"))
}

fn reset() -> Step {
    Err(Error::transport(TransportKind::Io, true, "connection reset"))
}

fn client(script: &Script, waits: &Waits, policy: RetryPolicy) -> HttpClient {
    let mut config = HttpConfig::new(Provider::PREVISTO, "contacts-core-test", "9.9.9");
    config.set_default_base_url("https://api.example.com/v1");
    config.set_transport(Arc::new(script.clone()));
    config.set_sleeper(Arc::new(waits.clone()));
    config.set_retry_policy(policy);
    config.set_header(Header::sensitive("authorization", "Bearer sk_live_SECRET"));
    config.build(default_error).unwrap()
}

fn no_jitter() -> RetryPolicy {
    RetryPolicy::default().jitter(false)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn get_is_retried_after_503_503_then_succeeds_with_doubling_waits() {
    let (script, waits) = (Script::new(vec![status(503), status(503), status(200)]), Waits::default());
    let http = client(&script, &waits, no_jitter());
    let response = http.request(Method::Get, &["contacts"]).unwrap().send().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(script.requests().len(), 3);
    assert_eq!(waits.all(), [ms(500), ms(1000)]);
}

#[test]
fn retries_stop_at_the_policy_limit_and_return_the_last_answer() {
    let script = Script::new(vec![status(503), status(502), status(504), status(200)]);
    let waits = Waits::default();
    let err = client(&script, &waits, no_jitter()).request(Method::Get, &["x"]).unwrap().send().unwrap_err();
    assert_eq!(err.status(), Some(504));
    assert!(err.is_retryable());
    assert_eq!(script.requests().len(), 3, "1 try + 2 retries");
    assert_eq!(waits.all().len(), 2);
}

#[test]
fn backoff_is_capped_by_max_backoff() {
    let policy = no_jitter().max_retries(6).max_backoff(Duration::from_secs(2));
    let script = Script::new((0..7).map(|_| status(500)).collect());
    let waits = Waits::default();
    client(&script, &waits, policy).request(Method::Get, &["x"]).unwrap().send().unwrap_err();
    assert_eq!(waits.all(), [ms(500), ms(1000), ms(2000), ms(2000), ms(2000), ms(2000)]);
}

#[test]
fn retry_after_seconds_is_honoured_on_429() {
    let limited = Ok(HttpResponse::new(429, "slow down").with_header("Retry-After", "7"));
    let (script, waits) = (Script::new(vec![limited, status(200)]), Waits::default());
    client(&script, &waits, no_jitter()).request(Method::Get, &["x"]).unwrap().send().unwrap();
    assert_eq!(waits.all(), [Duration::from_secs(7)]);
}

#[test]
fn retry_after_http_date_in_the_past_means_retry_at_once() {
    let limited = Ok(HttpResponse::new(503, "").with_header("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"));
    let (script, waits) = (Script::new(vec![limited, status(200)]), Waits::default());
    client(&script, &waits, no_jitter()).request(Method::Get, &["x"]).unwrap().send().unwrap();
    assert_eq!(waits.all(), [Duration::ZERO]);
}

#[test]
fn retry_after_longer_than_the_cap_ends_the_call_and_says_how_long() {
    let limited = Ok(HttpResponse::new(429, "").with_header("retry-after", "3600"));
    let (script, waits) = (Script::new(vec![limited]), Waits::default());
    let err = client(&script, &waits, no_jitter()).request(Method::Get, &["x"]).unwrap().send().unwrap_err();
    assert_eq!(script.requests().len(), 1);
    assert!(waits.all().is_empty());
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
}

#[test]
fn a_429_without_retry_after_can_be_left_to_the_caller() {
    let policy = no_jitter().retry_429_without_retry_after(false);
    let (script, waits) = (Script::new(vec![status(429), status(200)]), Waits::default());
    let err = client(&script, &waits, policy).request(Method::Get, &["x"]).unwrap().send().unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(script.requests().len(), 1);
}

#[test]
fn a_create_is_not_repeated_after_a_5xx() {
    let (script, waits) = (Script::new(vec![status(503), status(200)]), Waits::default());
    let err = client(&script, &waits, no_jitter()).request(Method::Post, &["contacts"]).unwrap().send().unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(script.requests().len(), 1, "a POST that reached the server must not be sent again");
}

#[test]
fn a_create_is_repeated_when_it_provably_never_left() {
    let (script, waits) = (Script::new(vec![refused(), status(201)]), Waits::default());
    let response = client(&script, &waits, no_jitter()).request(Method::Post, &["contacts"]).unwrap().send().unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(script.requests().len(), 2);
}

#[test]
fn a_create_is_not_repeated_when_the_connection_broke_after_sending() {
    let (script, waits) = (Script::new(vec![reset(), status(201)]), Waits::default());
    let err = client(&script, &waits, no_jitter()).request(Method::Post, &["contacts"]).unwrap().send().unwrap_err();
    assert!(
        matches!(err, Error::Transport(_))
            && err.may_have_reached_server()
            && err.transport_kind() == Some(TransportKind::Io)
    );
    assert_eq!(script.requests().len(), 1);
}

#[test]
fn a_retry_after_of_zero_in_a_storm_still_backs_off() {
    // Before: `Retry-After: 0` answered again and again was retried at once, a burst of requests
    // into the same overload.
    let now = || Ok(HttpResponse::new(429, "slow down").with_header("retry-after", "0"));
    let (script, waits) = (Script::new(vec![now(), now(), status(200)]), Waits::default());
    client(&script, &waits, no_jitter()).request(Method::Get, &["x"]).unwrap().send().unwrap();
    assert_eq!(waits.all(), [Duration::ZERO, ms(1000)], "at once the first time, then backing off");
}

#[test]
fn a_retry_after_that_is_not_delay_seconds_gets_the_default_wait_and_a_huge_one_stops() {
    for invalid in ["-1", "1.5", "", "+9"] {
        let answer = Ok(HttpResponse::new(503, "busy").with_header("retry-after", invalid));
        let (script, waits) = (Script::new(vec![answer, status(200)]), Waits::default());
        client(&script, &waits, no_jitter()).request(Method::Get, &["x"]).unwrap().send().unwrap();
        assert_eq!(waits.all(), [ms(500)], "{invalid:?}: the policy's own backoff");
    }
    let huge = Ok(HttpResponse::new(503, "busy").with_header("retry-after", "99999999999999999999999"));
    let (script, waits) = (Script::new(vec![huge, status(200)]), Waits::default());
    let err = client(&script, &waits, no_jitter()).request(Method::Get, &["x"]).unwrap().send().unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.retry_after().is_some_and(|w| w > Duration::from_secs(60)), "{err:?}");
    assert!(waits.all().is_empty() && script.requests().len() == 1, "too long: not waited, not repeated");
}

#[test]
fn a_failure_that_would_fail_the_same_way_again_is_not_repeated_nor_retryable() {
    // A TLS failure, a request that cannot be made and an unknown failure: repeating a read
    // would only fail again (and a TLS failure is no network blip).
    for kind in [TransportKind::Tls, TransportKind::InvalidRequest, TransportKind::Other] {
        let fail = Err(Error::transport(kind, false, "no"));
        let (script, waits) = (Script::new(vec![fail, status(200)]), Waits::default());
        let err = client(&script, &waits, no_jitter()).request(Method::Get, &["x"]).unwrap().send().unwrap_err();
        assert_eq!(err.transport_kind(), Some(kind));
        assert!(!err.is_retryable(), "{kind:?} called retryable");
        assert_eq!(script.requests().len(), 1, "{kind:?} was repeated");
    }
    for kind in [TransportKind::Connect, TransportKind::Timeout, TransportKind::Io, TransportKind::Protocol] {
        assert!(Error::transport(kind, true, "blip").is_retryable(), "{kind:?}");
    }
}

#[test]
fn a_read_is_repeated_after_a_reset() {
    let (script, waits) = (Script::new(vec![reset(), status(200)]), Waits::default());
    client(&script, &waits, no_jitter()).request(Method::Get, &["x"]).unwrap().send().unwrap();
    assert_eq!(script.requests().len(), 2);
}

#[test]
fn an_idempotent_post_is_retried_and_a_state_changing_get_is_not() {
    let (script, waits) = (Script::new(vec![status(503), status(200)]), Waits::default());
    let http = client(&script, &waits, no_jitter());
    http.request(Method::Post, &["find"]).unwrap().idempotent(true).send().unwrap();
    assert_eq!(script.requests().len(), 2);

    let (script, waits) = (Script::new(vec![status(503), status(200)]), Waits::default());
    let http = client(&script, &waits, no_jitter());
    http.request(Method::Get, &["c", "1", "delete"]).unwrap().idempotent(false).send().unwrap_err();
    assert_eq!(script.requests().len(), 1);
}

#[test]
fn no_retries_with_the_none_policy() {
    let (script, waits) = (Script::new(vec![status(503), status(200)]), Waits::default());
    client(&script, &waits, RetryPolicy::none()).request(Method::Get, &["x"]).unwrap().send().unwrap_err();
    assert_eq!(script.requests().len(), 1);
}

#[test]
fn hostile_path_segments_cannot_change_the_path() {
    let cases = [
        ("../x", "..%2Fx"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("a/b", "a%2Fb"),
        ("a?b=1", "a%3Fb%3D1"),
        ("a#b", "a%23b"),
        ("a b", "a%20b"),
        ("100%", "100%25"),
        ("a\r\nb", "a%0D%0Ab"),
        ("عميل", "%D8%B9%D9%85%D9%8A%D9%84"),
        ("con_123-4.5~", "con_123-4.5~"),
    ];
    for (id, encoded) in cases {
        let (script, waits) = (Script::new(vec![]), Waits::default());
        client(&script, &waits, RetryPolicy::none()).request(Method::Get, &["contacts", id]).unwrap().send().unwrap();
        assert_eq!(script.requests()[0].url, format!("https://api.example.com/v1/contacts/{encoded}"), "id {id:?}");
    }
}

#[test]
fn an_empty_id_is_refused_before_sending() {
    let (script, waits) = (Script::new(vec![]), Waits::default());
    let err = client(&script, &waits, RetryPolicy::none()).request(Method::Get, &["contacts", ""]).unwrap_err();
    assert!(matches!(err, Error::Validation(_)) && err.field() == Some("id"));
    assert!(script.requests().is_empty());
}

#[test]
fn repeated_and_nested_query_keys_are_kept() {
    let (script, waits) = (Script::new(vec![]), Waits::default());
    let http = client(&script, &waits, RetryPolicy::none());
    http.request(Method::Get, &["contact"])
        .unwrap()
        .query("customer_id[]", 1)
        .query("customer_id[]", 2)
        .query("meta[hairColor]", "Brown & Blond")
        .query_opt("absent", None::<u32>)
        .send()
        .unwrap();
    assert_eq!(
        script.requests()[0].url,
        "https://api.example.com/v1/contact?customer_id[]=1&customer_id[]=2&meta[hairColor]=Brown%20%26%20Blond"
    );
}

#[test]
fn default_headers_user_agent_and_bodies_are_sent() {
    let (script, waits) = (Script::new(vec![]), Waits::default());
    let http = client(&script, &waits, RetryPolicy::none());
    let mut form = Form::new();
    form.field("name", "Anna Jensen").field("location[]", "10.5").field("location[]", "56.8");
    http.request(Method::Post, &["contacts"]).unwrap().form(form).send().unwrap();
    http.request(Method::Put, &["contact"]).unwrap().json(&serde_json::json!({"nameAr": "شركة"})).send().unwrap();
    let seen = script.requests();
    assert_eq!(seen[0].method, Method::Post);
    assert_eq!(seen[0].header("user-agent"), Some("contacts-core-test/9.9.9"));
    assert_eq!(seen[0].header("authorization"), Some("Bearer sk_live_SECRET"));
    assert_eq!(seen[0].header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(seen[0].body, b"name=Anna%20Jensen&location[]=10.5&location[]=56.8");
    assert_eq!(seen[1].header("content-type"), Some("application/json"));
    assert_eq!(String::from_utf8(seen[1].body.clone()).unwrap(), r#"{"nameAr":"شركة"}"#);
}

#[test]
fn header_injection_is_refused_before_sending() {
    let (script, waits) = (Script::new(vec![]), Waits::default());
    let http = client(&script, &waits, RetryPolicy::none());
    let err = http
        .request(Method::Get, &["x"])
        .unwrap()
        .header(Header::new("x-request-id", "abc\r\nX-Evil: 1"))
        .send()
        .unwrap_err();
    assert!(err.is_validation(), "{err:?}");
    assert!(script.requests().is_empty());

    let mut config = HttpConfig::new(Provider::PREVISTO, "t", "1");
    config.set_default_base_url("https://a.example");
    config.set_header(Header::sensitive("authorization", "Bearer x\ny"));
    assert!(config.build(default_error).unwrap_err().is_validation());
}

#[test]
fn secrets_appear_in_no_debug_or_error_text() {
    let (script, waits) = (Script::new(vec![status(401), reset()]), Waits::default());
    let http = client(&script, &waits, RetryPolicy::none());
    let texts = [
        format!("{http:?}"),
        format!("{:?}", script.requests()),
        format!("{:?}", contacts_core::Secret::new("sk_live_SECRET")),
        contacts_core::Secret::new("sk_live_SECRET").to_string(),
    ];
    let _ = http.request(Method::Get, &["x"]).unwrap().send().map_err(|e| {
        assert!(!format!("{e:?} {e}").contains("SECRET"));
    });
    let _ = http.request(Method::Get, &["x"]).unwrap().send().map_err(|e| {
        assert!(!format!("{e:?} {e}").contains("SECRET"));
    });
    let requests_debug = format!("{:?}", script.requests());
    for text in texts.iter().chain([&requests_debug]) {
        assert!(!text.contains("SECRET"), "secret leaked in {text}");
    }
    assert!(requests_debug.contains("***"));
}

#[test]
fn error_answers_keep_status_body_and_request_id() {
    let answer = Ok(HttpResponse::new(422, "nope").with_header("X-Request-Id", "req-9"));
    let (script, waits) = (Script::new(vec![answer, status(404)]), Waits::default());
    let http = client(&script, &waits, RetryPolicy::none());
    let e = http.request(Method::Get, &["x"]).unwrap().send().unwrap_err();
    assert!(matches!(e, Error::Api(_)), "{e:?}");
    assert_eq!((e.status(), e.body(), e.request_id()), (Some(422), Some("nope"), Some("req-9")));
    // A 404 the provider's decoder does not recognise is not "no such thing": it may be a
    // wrong base URL or a proxy's page.
    let err = http.request(Method::Get, &["x"]).unwrap().send().unwrap_err();
    assert!(!err.is_not_found(), "{err:?}");
    assert!(matches!(err, Error::Api(_)) && err.status() == Some(404));
    assert!(err.to_string().contains("not the provider's API"), "{err}");
}

#[test]
fn base_urls_are_checked() {
    let build = |url: &str, insecure: bool| {
        let mut c = HttpConfig::new(Provider::PREVISTO, "t", "1");
        c.set_base_url(url);
        c.set_allow_insecure_http(insecure);
        c.build(default_error).map(|h| h.base_url().to_owned())
    };
    assert_eq!(build("https://api.previsto.io/", false).unwrap(), "https://api.previsto.io");
    assert_eq!(build("http://127.0.0.1:8080/v1", false).unwrap(), "http://127.0.0.1:8080/v1");
    assert_eq!(build("http://localhost:1", false).unwrap(), "http://localhost:1");
    assert_eq!(build("http://[::1]:1", false).unwrap(), "http://[::1]:1");
    assert!(matches!(build("http://api.example.com", false), Err(Error::Config(_))));
    assert_eq!(build("http://api.example.com", true).unwrap(), "http://api.example.com");
    for bad in ["api.example.com", "ftp://x.example", "https://", "https://a.example/?q=1", "https://u:p@a.example"] {
        assert!(matches!(build(bad, false), Err(Error::Config(_))), "{bad}");
    }
    assert!(matches!(HttpConfig::new(Provider::PREVISTO, "t", "1").build(default_error), Err(Error::Config(_))));
}

#[test]
fn decode_errors_name_the_json_path() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Item {
        id: u32,
    }
    let err = contacts_http::decode_json::<Vec<Item>>(200, br#"[{"id":1},{"id":"x"}]"#).unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(err.status(), Some(200));
    assert!(err.message().contains("[1].id"), "{err}");
    assert!(err.body().unwrap_or_default().starts_with("[{"));
    assert!(contacts_http::decode_json::<Vec<Item>>(200, b"[] trailing").is_err());
    assert!(contacts_http::decode_json::<Vec<Item>>(200, b"\xff\xfe").is_err());
}

#[test]
fn a_deadline_ends_the_call_before_a_retry_would_outlast_it() {
    let (script, waits) = (Script::new(vec![status(503), status(503), status(200)]), Waits::default());
    let mut config = HttpConfig::new(Provider::PREVISTO, "t", "1");
    config.set_default_base_url("https://api.example.com");
    config.set_transport(Arc::new(script.clone()));
    config.set_sleeper(Arc::new(waits.clone()));
    config.set_retry_policy(no_jitter());
    config.set_deadline(Some(Duration::from_millis(200)));
    let http = config.build(default_error).unwrap();
    let err = http.request(Method::Get, &["x"]).unwrap().send().unwrap_err();
    assert_eq!(err.transport_kind(), Some(TransportKind::Timeout), "{err:?}");
    assert!(err.message().contains("deadline of 200ms"), "{err}");
    // The 0.5 s backoff would have ended past the 200 ms deadline: no wait, no second try.
    assert_eq!((script.requests().len(), waits.all().len()), (1, 0));

    // Without a deadline the same script retries to success.
    let (script, waits) = (Script::new(vec![status(503), status(503), status(200)]), Waits::default());
    let http = client(&script, &waits, no_jitter());
    http.request(Method::Get, &["x"]).unwrap().send().unwrap();
    assert_eq!(script.requests().len(), 3);
}

#[test]
fn debug_of_requests_shows_lengths_not_bodies() {
    let mut request = HttpRequest::new(Method::Post, "https://api.example.com/auth");
    request.body = br#"{"clientId":"id","clientSecret":"TOPSECRET"}"#.to_vec();
    request.headers.push(Header::sensitive("authorization", "Bearer TOPSECRET"));
    let shown = format!("{request:?}");
    assert!(!shown.contains("TOPSECRET"), "{shown}");
    assert!(shown.contains("body_bytes: 44"), "{shown}");
    let (script, waits) = (Script::new(vec![]), Waits::default());
    let http = client(&script, &waits, RetryPolicy::none());
    let builder = http.request(Method::Post, &["x"]).unwrap().json(&serde_json::json!({"password": "TOPSECRET"}));
    let shown = format!("{builder:?}");
    assert!(!shown.contains("TOPSECRET") && shown.contains("body_bytes"), "{shown}");
}

#[test]
fn debug_of_an_answer_names_the_call_and_host_never_the_query() {
    let (script, waits) = (Script::new(vec![]), Waits::default());
    let http = client(&script, &waits, RetryPolicy::none());
    let response =
        http.request(Method::Get, &["contacts"]).unwrap().query("search", "Jane Private").send().expect("answer");
    let shown = format!("{response:?}");
    assert!(shown.contains("previsto GET /contacts"), "{shown}");
    assert!(shown.contains("api.example.com"), "{shown}");
    assert!(!shown.contains("Jane") && !shown.contains("search"), "{shown}");
    assert!(!shown.contains("SECRET"), "{shown}");
}

#[test]
fn the_request_id_is_the_echoed_one_else_the_one_sent() {
    let echoed = Ok(HttpResponse::new(200, "{}").with_header("X-Request-Id", "from-server"));
    let (script, waits) = (Script::new(vec![echoed, Ok(HttpResponse::new(200, "{}"))]), Waits::default());
    let http = client(&script, &waits, RetryPolicy::none());
    let send = || {
        http.request(Method::Get, &["x"]).unwrap().header(Header::new("x-request-id", "from-client")).send().unwrap()
    };
    let first = send();
    assert_eq!(first.request_id(), Some("from-server"));
    assert_eq!(first.meta().request_id.as_deref(), Some("from-server"));
    let second = send();
    assert_eq!(second.request_id(), Some("from-client"));
    assert_eq!(second.into_meta().request_id.as_deref(), Some("from-client"));
}

#[test]
fn retry_after_is_stored_at_most_an_hour() {
    let answer = Ok(HttpResponse::new(429, "{}").with_header("Retry-After", "999999"));
    let (script, waits) = (Script::new(vec![answer]), Waits::default());
    let err = client(&script, &waits, no_jitter()).request(Method::Get, &["x"]).unwrap().send().unwrap_err();
    assert_eq!(err.retry_after(), Some(contacts_http::MAX_RETRY_AFTER));
    assert_eq!(contacts_http::MAX_RETRY_AFTER, Duration::from_secs(3600));
    assert!(err.is_rate_limited());
}

#[test]
fn request_ids_are_32_hex_digits_and_never_repeat_across_threads() {
    let ids: Vec<String> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..8)
            .map(|_| s.spawn(|| (0..2000).map(|_| contacts_http::new_request_id()).collect::<Vec<_>>()))
            .collect();
        threads.into_iter().flat_map(|t| t.join().expect("thread")).collect()
    });
    assert!(
        ids.iter().all(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    );
    assert_eq!(ids.iter().collect::<std::collections::HashSet<_>>().len(), 16_000);
}

#[test]
fn a_per_call_retry_count_keeps_the_clients_backoff() {
    // Before: CallOptions::retries(n) started from RetryPolicy::default(), so a client with a
    // 7 s backoff waited 0.5 s (and TheCleanLife's client retried 429s again).
    let (script, waits) = (Script::new(vec![status(503), status(200)]), Waits::default());
    let http = client(
        &script,
        &waits,
        no_jitter().initial_backoff(Duration::from_secs(7)).max_backoff(Duration::from_secs(7)),
    );
    let options = contacts_core::CallOptions::new().retries(1);
    http.request(Method::Get, &["x"]).unwrap().options(&options).send().unwrap();
    assert_eq!(waits.all(), [Duration::from_secs(7)]);

    let (script, waits) = (Script::new(vec![status(429), status(200)]), Waits::default());
    let http = client(&script, &waits, no_jitter().retry_429_without_retry_after(false));
    let err = http.request(Method::Get, &["x"]).unwrap().options(&options).send().unwrap_err();
    assert_eq!((err.status(), script.requests().len(), waits.all().len()), (Some(429), 1, 0));
}

#[test]
fn a_deadline_bounds_the_attempt_in_flight() {
    // The transport is told what is left of the deadline, so a slow answer cannot carry the
    // call past it (ureq applies it as the attempt's global timeout).
    let (script, waits) = (Script::new(vec![status(200)]), Waits::default());
    let mut config = HttpConfig::new(Provider::PREVISTO, "t", "1");
    config.set_default_base_url("https://api.example.com");
    config.set_transport(Arc::new(script.clone()));
    config.set_sleeper(Arc::new(waits.clone()));
    config.set_deadline(Some(Duration::from_secs(1)));
    config.build(default_error).unwrap().request(Method::Get, &["x"]).unwrap().send().unwrap();
    let left = script.requests()[0].deadline.expect("the attempt carries the deadline");
    assert!(left <= Duration::from_secs(1) && left > Duration::from_millis(500), "{left:?}");
}

#[test]
fn a_failed_token_exchange_is_named_as_such_and_keeps_no_secret() {
    let echo = r#"{"detail":"bad client secret TOPSECRET for client cid-1"}"#;
    let (script, waits) = (Script::new(vec![Ok(HttpResponse::new(401, echo))]), Waits::default());
    let mut config = HttpConfig::new(Provider::LEVERS, "t", "1");
    config.set_default_base_url("https://api.example.com/api-service/v1");
    config.set_transport(Arc::new(script.clone()));
    config.set_sleeper(Arc::new(waits.clone()));
    config.set_auth(contacts_http::Auth::bearer_exchange(
        "https://auth.example.com/auth/v1/api-key/auth",
        contacts_core::Secret::new(r#"{"clientId":"cid-1","clientSecret":"TOPSECRET"}"#),
        "access_token",
    ));
    let err = config.build(default_error).unwrap().request(Method::Get, &["contact", "1"]).unwrap().send().unwrap_err();
    assert_eq!(err.operation(), Some("token exchange"), "{err:?}");
    assert_eq!(err.host(), Some("auth.example.com"));
    assert_eq!(err.status(), Some(401));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("TOPSECRET") && !shown.contains("cid-1"), "{shown}");
    assert!(shown.contains("levers token exchange at auth.example.com"), "{shown}");
}

#[test]
fn debug_of_a_config_hides_proxy_credentials() {
    let mut config = HttpConfig::new(Provider::PREVISTO, "t", "1");
    config.set_proxy("http://user:hunter2@proxy.example:3128");
    let shown = format!("{config:?}");
    assert!(!shown.contains("hunter2") && shown.contains("proxy.example"), "{shown}");
}
