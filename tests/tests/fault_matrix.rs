//! The fault matrix: every client, through the real ureq transport, against a raw TCP server on
//! 127.0.0.1 that misbehaves as networks and servers do. Each cell is what happened, how many
//! times the client tried (counted on the client's side, by a transport wrapped around ureq:
//! a refused connection is a try the server never sees) and how long the client was told to
//! wait in all (through an injected sleeper: no test sleeps for real). A create is never sent
//! twice once it may have landed (TheCleanLife's find-or-create is idempotent by phone, and is
//! retried like a read by design); the server never receives more than the client sent.
//!
//! The README's reliability table is rendered from these outcomes: this test fails when the
//! README disagrees (`CONTACTS_BLESS=1 cargo test -p contacts-tests --test fault_matrix`
//! rewrites it).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use contacts_core::{
    ContactsApi, Error, HttpRequest, HttpResponse, Method, NewContact, RetryPolicy, Sleeper, Transport,
};
use contacts_http::UreqTransport;
use contacts_tests::{Action, FaultServer, sync_readme};

/// Records every wait instead of sleeping.
#[derive(Debug, Clone, Default)]
struct Waits(Arc<Mutex<Vec<Duration>>>);
impl Sleeper for Waits {
    fn sleep(&self, d: Duration) {
        self.0.lock().unwrap().push(d);
    }
}

/// The real ureq transport, counting on the client's side what it was asked to send.
#[derive(Debug, Clone)]
struct Counting {
    inner: UreqTransport,
    tried: Arc<Mutex<Vec<(Method, String)>>>,
}
impl Transport for Counting {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, Error> {
        let path = request.url.splitn(4, '/').nth(3).map(|p| format!("/{}", p.split('?').next().unwrap_or(p)));
        self.tried.lock().unwrap().push((request.method, path.unwrap_or_default()));
        self.inner.send(request)
    }
}

/// What a cell hands the client: a counting transport (or none: ureq as the builder makes it)
/// and the sleeper.
#[derive(Clone)]
struct Kit {
    transport: Option<Counting>,
    waits: Waits,
}

const TIMEOUT: Duration = Duration::from_millis(400);
const CAP: u64 = 1024 * 1024;
const UUID: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

struct Subject {
    name: &'static str,
    secret: &'static str,
    make: fn(&str, Kit) -> Box<dyn ContactsApi>,
    read_path: &'static str,
    read_id: &'static str,
    create_path: &'static str,
    read_ok: String,
    create_ok: Vec<Action>,
    /// A 200 whose body is an error envelope (or not the expected shape).
    error_in_200: &'static str,
    /// Whether the create-like operation may be repeated (find-or-create by phone).
    create_idempotent: bool,
    /// A 404 in the provider's own error shape.
    not_found: &'static str,
}

/// The default policy, without jitter so the waits in the table are exact.
fn policy() -> RetryPolicy {
    RetryPolicy::default().jitter(false)
}

/// Puts the kit on a builder: every provider builder has the same two setters.
macro_rules! kit {
    ($builder:expr, $kit:expr) => {{
        let kit: Kit = $kit;
        let builder = $builder.sleeper(kit.waits);
        match kit.transport {
            Some(t) => builder.transport(t),
            None => builder,
        }
    }};
}

fn subjects() -> Vec<Subject> {
    let previsto_contact = r#"{"id":"con_1","name":"N","location":[1.0,1.0]}"#;
    let levers_contact = format!(r#"{{"uuid":"{UUID}","name":"N"}}"#);
    let cleanlife_contact = format!(
        r#"{{"success":true,"data":{{"id":"{UUID}","name":"N","phone":"+966500000000","isNewContact":true}}}}"#
    );
    let portal_entity = r#"{"entity":{"id":"1","name":"N"},"result":true}"#;
    vec![
        Subject {
            name: "levers",
            secret: "levers-TOPSECRET-token",
            make: |base, kit| {
                Box::new(
                    kit!(levers_client::Client::builder(), kit)
                        .token("levers-TOPSECRET-token")
                        .base_url(format!("{base}/api-service/v1"))
                        .timeout(TIMEOUT)
                        .connect_timeout(TIMEOUT)
                        .max_response_bytes(CAP)
                        .retry_policy(policy())
                        .build()
                        .unwrap(),
                )
            },
            read_path: "/api-service/v1/contact/",
            read_id: UUID,
            create_path: "/api-service/v1/contact",
            read_ok: levers_contact.clone(),
            create_ok: vec![Action::json(200, levers_contact)],
            error_in_200: r#"{"detail":"Something went wrong"}"#,
            create_idempotent: false,
            not_found: r#"{"detail":"Contact not found"}"#,
        },
        Subject {
            name: "cleanlife",
            secret: "pk_TOPSECRET_key",
            make: |base, kit| {
                Box::new(
                    kit!(cleanlife_partners::Client::builder(), kit)
                        .api_key("pk_TOPSECRET_key")
                        .base_url(format!("{base}/v1"))
                        .timeout(TIMEOUT)
                        .connect_timeout(TIMEOUT)
                        .max_response_bytes(CAP)
                        .retry_policy(policy().retry_429_without_retry_after(false))
                        .build()
                        .unwrap(),
                )
            },
            read_path: "/v1/partners/contacts/",
            read_id: UUID,
            create_path: "/v1/partners/contacts",
            read_ok: cleanlife_contact.clone(),
            create_ok: vec![Action::json(200, cleanlife_contact)],
            error_in_200: r#"{"success":false,"error":{"code":"FORBIDDEN","message":"Missing partner_contacts_read permission"}}"#,
            create_idempotent: true,
            not_found: r#"{"success":false,"error":{"code":"RESOURCE_NOT_FOUND","message":"Contact not found"}}"#,
        },
        Subject {
            name: "previsto",
            secret: "sk_TOPSECRET",
            make: |base, kit| {
                Box::new(
                    kit!(previsto::Client::builder(), kit)
                        .api_key("sk_TOPSECRET")
                        .base_url(base)
                        .timeout(TIMEOUT)
                        .connect_timeout(TIMEOUT)
                        .max_response_bytes(CAP)
                        .retry_policy(policy())
                        .build()
                        .unwrap(),
                )
            },
            read_path: "/contacts/",
            read_id: "con_1",
            create_path: "/contacts",
            read_ok: previsto_contact.to_owned(),
            create_ok: vec![Action::json(200, previsto_contact)],
            error_in_200: r#"{"type":"invalid_request_error","message":"Something went wrong"}"#,
            create_idempotent: false,
            not_found: r#"{"type":"invalid_request_error","message":"No such contact: con_1","param":"id"}"#,
        },
        Subject {
            name: "portal",
            secret: "Bearer portal-TOPSECRET",
            make: |base, kit| {
                Box::new(
                    kit!(portal_contacts::Client::builder(), kit)
                        .authorization("Bearer portal-TOPSECRET")
                        .base_url(base)
                        .timeout(TIMEOUT)
                        .connect_timeout(TIMEOUT)
                        .max_response_bytes(CAP)
                        .retry_policy(policy())
                        .build()
                        .unwrap(),
                )
            },
            read_path: "/contact/",
            read_id: "1",
            create_path: "/contact",
            read_ok: portal_entity.to_owned(),
            create_ok: vec![
                Action::json(200, r#"{"msg":"Successfully created entity.","id":"1","result":true}"#),
                Action::json(200, portal_entity),
            ],
            error_in_200: r#"{"msg":"Entity not found.","result":false}"#,
            create_idempotent: false,
            not_found: r#"{"msg":"Entity not found.","result":false}"#,
        },
    ]
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Read,
    Create,
}

fn call(api: &dyn ContactsApi, subject: &Subject, op: Op) -> Result<(), Error> {
    match op {
        Op::Read => api.get(subject.read_id).map(drop),
        Op::Create if subject.create_idempotent => {
            api.find_or_create(&NewContact::new("N").phone("0500000000")).map(drop)
        }
        Op::Create => api.create(&NewContact::new("N")).map(drop),
    }
}

fn outcome(r: &Result<(), Error>) -> String {
    match r {
        Ok(()) => "ok".into(),
        Err(e @ Error::Transport(_)) => e.transport_kind().map(|k| k.to_string()).unwrap_or_default(),
        Err(e @ Error::Api(_)) => match (e.status().unwrap_or_default(), e.retry_after()) {
            (status, Some(wait)) => format!("api error {status} (retry after {}s)", wait.as_secs()),
            (status, None) => format!("api error {status}"),
        },
        Err(Error::NotFound(_)) => "not found".into(),
        Err(Error::Decode(_)) => "decode error".into(),
        Err(Error::Validation(_)) => "refused".into(),
        Err(other) => format!("{other}"),
    }
}

/// One row of the matrix: a fault, the operation, and the scripted answers.
struct Case {
    fault: &'static str,
    op: Op,
    script: fn(&Subject) -> Vec<Action>,
    /// No server at all (connection refused).
    refused: bool,
    /// The proxy variables point at another server, and the client is built as a user would
    /// (no wrapped transport).
    env_proxy: bool,
}

fn ok_for(s: &Subject, op: Op) -> Vec<Action> {
    match op {
        Op::Read => vec![Action::json(200, s.read_ok.clone())],
        Op::Create => s.create_ok.clone(),
    }
}

fn html(status: u16) -> Action {
    Action::raw(status, "text/html", format!("<html><body><h1>{status} from the proxy</h1></body></html>"))
}

fn redirect(status: u16) -> Action {
    Action::raw(status, "text/html", "moved").header("Location", "http://elsewhere.example/steal")
}

fn cases() -> Vec<Case> {
    fn case(fault: &'static str, op: Op, script: fn(&Subject) -> Vec<Action>) -> Case {
        Case { fault, op, script, refused: false, env_proxy: false }
    }
    fn both(fault: &'static str, script: fn(&Subject) -> Vec<Action>) -> [Case; 2] {
        [case(fault, Op::Read, script), case(fault, Op::Create, script)]
    }
    let mut all = vec![
        Case { refused: true, ..case("connection refused", Op::Read, |_| vec![]) },
        Case { refused: true, ..case("connection refused", Op::Create, |_| vec![]) },
    ];
    all.extend(both("reset before the response, then ok", |s| {
        let mut v = vec![Action::Reset];
        v.extend(ok_for(s, Op::Read));
        v
    }));
    all.extend(both("reset mid-body, then ok", |s| {
        let mut v = vec![Action::ResetMidBody { status: 200, declared: 500, sent: b"{\"id\":".to_vec() }];
        v.extend(ok_for(s, Op::Read));
        v
    }));
    all.extend(both("accepts, never answers", |_| vec![Action::Hang, Action::Hang, Action::Hang]));
    all.extend(both("never reads the request", |_| vec![Action::NeverRead, Action::NeverRead, Action::NeverRead]));
    all.extend(both("trickles slower than the timeout", |s| {
        vec![Action::Trickle { status: 200, body: s.read_ok.clone().into_bytes(), every: Duration::from_millis(25) }; 3]
    }));
    all.extend(both("sends the head, trickles the body", |s| {
        vec![
            Action::TrickleBody { status: 200, body: s.read_ok.clone().into_bytes(), every: Duration::from_millis(40) };
            3
        ]
    }));
    all.extend(both("declares a 2 GB body", |_| vec![Action::Endless { declared: 2 << 30 }; 3]));
    all.extend(both("truncated JSON", |_| vec![Action::json(200, r#"{"id": "1", "na"#)]));
    all.extend(both("proxy HTML 502, 503, 504", |_| vec![html(502), html(503), html(504)]));
    all.extend(both("200 with an HTML page", |_| vec![html(200)]));
    all.extend(both("404 page that is not the provider's API", |_| vec![html(404)]));
    all.push(case("404 in the provider's own shape", Op::Read, |s| vec![Action::json(404, s.not_found)]));
    all.extend(both("301 to another host", |_| vec![redirect(301)]));
    all.extend(both("302 to another host", |_| vec![redirect(302)]));
    all.extend(both("307 to another host", |_| vec![redirect(307)]));
    all.extend(both("308 to another host", |_| vec![redirect(308)]));
    all.push(case("JSON labelled text/plain", Op::Read, |s| vec![Action::raw(200, "text/plain", s.read_ok.clone())]));
    all.extend(both("invalid UTF-8 body", |_| {
        vec![Action::raw(200, "application/json", b"{\"name\":\"\xff\xfe\"}".to_vec())]
    }));
    all.push(case("200 with an error envelope", Op::Read, |s| vec![Action::json(200, s.error_in_200)]));
    all.extend(both("429 with Retry-After: 1, then ok", |s| {
        let mut v = vec![Action::json(429, "{}").header("Retry-After", "1")];
        v.extend(ok_for(s, Op::Read));
        v
    }));
    all.extend(both("429 without Retry-After, then ok", |s| {
        let mut v = vec![Action::json(429, "{}")];
        v.extend(ok_for(s, Op::Read));
        v
    }));
    all.push(case("429 with Retry-After: 120, over the 60 s the policy waits", Op::Read, |_| {
        vec![Action::json(429, "{}").header("Retry-After", "120")]
    }));
    all.push(case("429 with Retry-After: 999999", Op::Read, |_| {
        vec![Action::json(429, "{}").header("Retry-After", "999999")]
    }));
    all.push(case("429 with Retry-After: a date in 2099", Op::Read, |_| {
        vec![Action::json(429, "{}").header("Retry-After", "Thu, 01 Jan 2099 00:00:00 GMT")]
    }));
    all.extend(both("500, then ok", |s| {
        let mut v = vec![Action::json(500, "{}")];
        v.extend(ok_for(s, Op::Read));
        v
    }));
    all.push(Case {
        env_proxy: true,
        ..case("proxy variables set, call to 127.0.0.1", Op::Read, |s| ok_for(s, Op::Read))
    });
    all
}

/// Runs one cell; returns the cell text.
fn run_cell(case: &Case, subject: &Subject, secrets_seen: &mut Vec<String>) -> String {
    let server = FaultServer::start(Action::json(418, r#"{"unscripted":true}"#)).unwrap();
    let script = if case.op == Op::Create && !case.fault.contains("then ok") {
        (case.script)(subject)
    } else if case.op == Op::Create {
        // "then ok" for a create: the first fault, then the provider's create answer(s).
        let mut s = (case.script)(subject);
        s.truncate(1);
        s.extend(ok_for(subject, Op::Create));
        s
    } else {
        (case.script)(subject)
    };
    for action in script {
        server.then(action);
    }
    let base = if case.refused {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        format!("http://127.0.0.1:{port}")
    } else {
        server.url()
    };
    let tried = Arc::new(Mutex::new(Vec::new()));
    let waits = Waits::default();
    let proxy = FaultServer::start(Action::json(200, r#"{"proxied":true}"#)).unwrap();
    let api = if case.env_proxy {
        set_proxy_variables(Some(&proxy.url()));
        let api = (subject.make)(&base, Kit { transport: None, waits: waits.clone() });
        set_proxy_variables(None);
        api
    } else {
        let inner = UreqTransport::new(TIMEOUT, TIMEOUT);
        (subject.make)(&base, Kit { transport: Some(Counting { inner, tried: tried.clone() }), waits: waits.clone() })
    };
    let started = Instant::now();
    let result = call(api.as_ref(), subject, case.op);
    let elapsed = started.elapsed();
    assert!(elapsed < TIMEOUT * 3 + Duration::from_secs(3), "{} / {}: took {elapsed:?}", case.fault, subject.name);
    if let Err(e) = &result {
        secrets_seen.push(format!("{e} {e:?}"));
        if case.fault.contains("to another host") {
            assert!(e.to_string().contains("elsewhere.example"), "{}: {e}", subject.name);
        }
    }
    let (method, path) = match case.op {
        Op::Read => ("GET", subject.read_path),
        Op::Create => ("POST", subject.create_path),
    };
    let received = server.count(method, path);
    let tried = if case.env_proxy {
        // Built as a user would, with no transport of ours: what reached the server is what went.
        assert_eq!(proxy.total(), 0, "{}: a loopback call went through the proxy", subject.name);
        received
    } else {
        let tried = tried.lock().unwrap().iter().filter(|(m, p)| m.as_str() == method && p.starts_with(path)).count();
        tried as u64
    };
    assert!(
        received <= tried,
        "{} / {}: the server saw {received}, the client tried {tried}",
        case.fault,
        subject.name
    );
    if case.op == Op::Create && !subject.create_idempotent {
        assert!(received <= 1, "{} / {}: a create was received {received} times", case.fault, subject.name);
    }
    let waited: Duration = waits.0.lock().unwrap().iter().sum();
    if waited.is_zero() {
        format!("{} · {tried} tried", outcome(&result))
    } else {
        format!("{} · {tried} tried · waited {waited:?}", outcome(&result))
    }
}

/// Points (or stops pointing) every proxy variable ureq and curl read at `url`.
fn set_proxy_variables(url: Option<&str>) {
    for name in ["ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "all_proxy", "https_proxy", "http_proxy"] {
        // SAFETY: this test binary holds one test, which runs its cells one after another, and
        // nothing else reads the environment while it is being set.
        unsafe {
            match url {
                Some(url) => std::env::set_var(name, url),
                None => std::env::remove_var(name),
            }
        }
    }
    // NO_PROXY must not be what keeps the proxy away.
    // SAFETY: as above.
    unsafe { std::env::remove_var("NO_PROXY") };
}

#[test]
fn every_client_survives_every_fault_as_its_policy_says() {
    let subjects = subjects();
    let mut rows = Vec::new();
    let mut secrets_seen = Vec::new();
    for case in cases() {
        let cells: Vec<String> = subjects.iter().map(|s| run_cell(&case, s, &mut secrets_seen)).collect();
        let op = if case.op == Op::Read { "get" } else { "create" };
        rows.push(format!("| {} | {op} | {} |", case.fault, cells.join(" | ")));
    }
    for text in &secrets_seen {
        for s in &subjects {
            assert!(!text.contains(s.secret), "a secret leaked into an error: {text}");
        }
    }
    let table = format!(
        "| fault | operation | levers | cleanlife | previsto | portal |\n| --- | --- | --- | --- | --- | --- |\n{}\n",
        rows.join("\n")
    );
    sync_readme("reliability", &table);
    check_expectations(&table);
}

/// The outcomes the policy demands, spelled out so a regression fails here, not only in review.
fn check_expectations(table: &str) {
    let row = |fault: &str, op: &str| -> Vec<String> {
        let line = table
            .lines()
            .find(|l| l.starts_with(&format!("| {fault} | {op} |")))
            .unwrap_or_else(|| panic!("no row {fault}/{op}"));
        line.split('|').skip(3).map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect()
    };
    let all = |cell: &str| vec![cell.to_owned(); 4];
    // Reads are retried through connection faults, 5xx and 429 (two retries at most), after
    // the policy's waits: 0.5 s, then 1 s (jitter off here).
    assert_eq!(row("reset before the response, then ok", "get"), all("ok · 2 tried · waited 500ms"));
    assert_eq!(row("reset mid-body, then ok", "get"), all("ok · 2 tried · waited 500ms"));
    assert_eq!(row("accepts, never answers", "get"), all("timed out · 3 tried · waited 1.5s"));
    assert_eq!(row("never reads the request", "get"), all("timed out · 3 tried · waited 1.5s"));
    assert_eq!(row("sends the head, trickles the body", "get"), all("timed out · 3 tried · waited 1.5s"));
    assert_eq!(row("proxy HTML 502, 503, 504", "get"), all("api error 504 · 3 tried · waited 1.5s"));
    assert_eq!(row("500, then ok", "get"), all("ok · 2 tried · waited 500ms"));
    // Retry-After is honoured exactly, up to the policy's 60 s; a longer one ends the call with
    // the wait in the error, stored at most an hour however far the server says.
    assert_eq!(row("429 with Retry-After: 1, then ok", "get"), all("ok · 2 tried · waited 1s"));
    assert_eq!(
        row("429 with Retry-After: 120, over the 60 s the policy waits", "get"),
        all("api error 429 (retry after 120s) · 1 tried")
    );
    assert_eq!(row("429 with Retry-After: 999999", "get"), all("api error 429 (retry after 3600s) · 1 tried"));
    assert_eq!(row("429 with Retry-After: a date in 2099", "get"), all("api error 429 (retry after 3600s) · 1 tried"));
    // TheCleanLife's 60 s window has no Retry-After: not retried by default.
    assert_eq!(
        row("429 without Retry-After, then ok", "get"),
        [
            "ok · 2 tried · waited 500ms",
            "api error 429 · 1 tried",
            "ok · 2 tried · waited 500ms",
            "ok · 2 tried · waited 500ms"
        ]
    );
    // The size cap holds and is final.
    assert_eq!(row("declares a 2 GB body", "get"), all("response too large · 1 tried"));
    // Bad bodies are typed errors, never retried.
    assert_eq!(row("truncated JSON", "get"), all("decode error · 1 tried"));
    assert_eq!(row("invalid UTF-8 body", "get"), all("decode error · 1 tried"));
    assert_eq!(
        row("200 with an error envelope", "get"),
        ["decode error · 1 tried", "api error 200 · 1 tried", "decode error · 1 tried", "not found · 1 tried"]
    );
    // A 404 is "not found" only in the provider's own words.
    assert_eq!(row("404 page that is not the provider's API", "get"), all("api error 404 · 1 tried"));
    assert_eq!(row("404 page that is not the provider's API", "create"), all("api error 404 · 1 tried"));
    assert_eq!(row("404 in the provider's own shape", "get"), all("not found · 1 tried"));
    // Redirects are never followed, whatever the method: the credentials stay here.
    for status in [301, 302, 307, 308] {
        for op in ["get", "create"] {
            assert_eq!(row(&format!("{status} to another host"), op), all(&format!("api error {status} · 1 tried")));
        }
    }
    // A call to this machine never goes through the proxy the environment names.
    assert_eq!(row("proxy variables set, call to 127.0.0.1", "get"), all("ok · 1 tried"));
    // Creates: never repeated once they may have landed; find-or-create is repeated by design.
    let create = |fault: &str, once: &str, find: &str| {
        assert_eq!(row(fault, "create"), [once, find, once, once], "{fault}");
    };
    create("reset before the response, then ok", "connection broke · 1 tried", "ok · 2 tried · waited 500ms");
    create("accepts, never answers", "timed out · 1 tried", "timed out · 3 tried · waited 1.5s");
    create("never reads the request", "timed out · 1 tried", "timed out · 3 tried · waited 1.5s");
    create("500, then ok", "api error 500 · 1 tried", "ok · 2 tried · waited 500ms");
    create("429 with Retry-After: 1, then ok", "api error 429 (retry after 1s) · 1 tried", "ok · 2 tried · waited 1s");
    // A refused connection provably never left: repeating is safe even for a create.
    assert_eq!(row("connection refused", "create"), all("connection failed · 3 tried · waited 1.5s"));
}
