//! The fault matrix: every client, through the real ureq transport, against a raw TCP server on
//! 127.0.0.1 that misbehaves as networks and servers do. Each cell is what happened and how
//! many requests the server received; a create is never sent twice (TheCleanLife's
//! find-or-create is idempotent by phone, and is retried like a read by design).
//!
//! The README's reliability table is rendered from these outcomes: this test fails when the
//! README disagrees (`CONTACTS_BLESS=1 cargo test -p contacts-tests --test fault_matrix`
//! rewrites it).

use std::time::{Duration, Instant};

use contacts_core::{ContactsApi, Error, NewContact, RetryPolicy, Sleeper};
use contacts_tests::{Action, FaultServer, sync_readme};

#[derive(Debug)]
struct NoSleep;
impl Sleeper for NoSleep {
    fn sleep(&self, _: Duration) {}
}

const TIMEOUT: Duration = Duration::from_millis(400);
const CAP: u64 = 1024 * 1024;
const UUID: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

struct Subject {
    name: &'static str,
    secret: &'static str,
    make: fn(&str) -> Box<dyn ContactsApi>,
    read_path: &'static str,
    read_id: &'static str,
    create_path: &'static str,
    read_ok: String,
    create_ok: Vec<Action>,
    /// A 200 whose body is an error envelope (or not the expected shape).
    error_in_200: &'static str,
    /// Whether the create-like operation may be repeated (find-or-create by phone).
    create_idempotent: bool,
}

fn policy() -> RetryPolicy {
    RetryPolicy::default()
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
            make: |base| {
                Box::new(
                    levers_client::Client::builder()
                        .token("levers-TOPSECRET-token")
                        .base_url(format!("{base}/api-service/v1"))
                        .timeout(TIMEOUT)
                        .connect_timeout(TIMEOUT)
                        .max_response_bytes(CAP)
                        .retry_policy(policy())
                        .sleeper(NoSleep)
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
        },
        Subject {
            name: "cleanlife",
            secret: "pk_TOPSECRET_key",
            make: |base| {
                Box::new(
                    cleanlife_partners::Client::builder()
                        .api_key("pk_TOPSECRET_key")
                        .base_url(format!("{base}/v1"))
                        .timeout(TIMEOUT)
                        .connect_timeout(TIMEOUT)
                        .max_response_bytes(CAP)
                        .retry_policy(policy().retry_429_without_retry_after(false))
                        .sleeper(NoSleep)
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
        },
        Subject {
            name: "previsto",
            secret: "sk_TOPSECRET",
            make: |base| {
                Box::new(
                    previsto::Client::builder()
                        .api_key("sk_TOPSECRET")
                        .base_url(base)
                        .timeout(TIMEOUT)
                        .connect_timeout(TIMEOUT)
                        .max_response_bytes(CAP)
                        .retry_policy(policy())
                        .sleeper(NoSleep)
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
        },
        Subject {
            name: "portal",
            secret: "Bearer portal-TOPSECRET",
            make: |base| {
                Box::new(
                    portal_contacts::Client::builder()
                        .authorization("Bearer portal-TOPSECRET")
                        .base_url(base)
                        .timeout(TIMEOUT)
                        .connect_timeout(TIMEOUT)
                        .max_response_bytes(CAP)
                        .retry_policy(policy())
                        .sleeper(NoSleep)
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
        Err(Error::Transport { kind, .. }) => kind.to_string(),
        Err(Error::Api { status, .. }) => format!("api error {status}"),
        Err(Error::NotFound { .. }) => "not found".into(),
        Err(Error::Decode { .. }) => "decode error".into(),
        Err(Error::Validation { .. }) => "refused".into(),
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

fn cases() -> Vec<Case> {
    fn both(fault: &'static str, script: fn(&Subject) -> Vec<Action>) -> [Case; 2] {
        [Case { fault, op: Op::Read, script, refused: false }, Case { fault, op: Op::Create, script, refused: false }]
    }
    let mut all = vec![
        Case { fault: "connection refused", op: Op::Read, script: |_| vec![], refused: true },
        Case { fault: "connection refused", op: Op::Create, script: |_| vec![], refused: true },
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
    all.extend(both("trickles slower than the timeout", |s| {
        vec![Action::Trickle { status: 200, body: s.read_ok.clone().into_bytes(), every: Duration::from_millis(25) }; 3]
    }));
    all.extend(both("declares a 2 GB body", |_| vec![Action::Endless { declared: 2 << 30 }; 3]));
    all.extend(both("truncated JSON", |_| vec![Action::json(200, r#"{"id": "1", "na"#)]));
    all.extend(both("proxy HTML 502, 503, 504", |_| vec![html(502), html(503), html(504)]));
    all.extend(both("200 with an HTML page", |_| vec![html(200)]));
    all.push(Case {
        fault: "JSON labelled text/plain",
        op: Op::Read,
        script: |s| vec![Action::raw(200, "text/plain", s.read_ok.clone())],
        refused: false,
    });
    all.extend(both("invalid UTF-8 body", |_| {
        vec![Action::raw(200, "application/json", b"{\"name\":\"\xff\xfe\"}".to_vec())]
    }));
    all.push(Case {
        fault: "200 with an error envelope",
        op: Op::Read,
        script: |s| vec![Action::json(200, s.error_in_200)],
        refused: false,
    });
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
    all.extend(both("500, then ok", |s| {
        let mut v = vec![Action::json(500, "{}")];
        v.extend(ok_for(s, Op::Read));
        v
    }));
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
    let api = (subject.make)(&base);
    let started = Instant::now();
    let result = call(api.as_ref(), subject, case.op);
    let elapsed = started.elapsed();
    assert!(elapsed < TIMEOUT * 3 + Duration::from_secs(3), "{} / {}: took {elapsed:?}", case.fault, subject.name);
    if let Err(e) = &result {
        secrets_seen.push(format!("{e} {e:?}"));
    }
    let sent = match case.op {
        Op::Read => server.count("GET", subject.read_path),
        Op::Create => server.count("POST", subject.create_path),
    };
    if case.op == Op::Create && !subject.create_idempotent {
        assert!(sent <= 1, "{} / {}: a create was sent {sent} times", case.fault, subject.name);
    }
    format!("{} · {sent} sent", outcome(&result))
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
    check_expectations(&table);
    sync_readme("reliability", &table);
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
    // Reads are retried through connection faults, 5xx and 429 (two retries at most).
    assert_eq!(row("reset before the response, then ok", "get"), all("ok · 2 sent"));
    assert_eq!(row("reset mid-body, then ok", "get"), all("ok · 2 sent"));
    assert_eq!(row("accepts, never answers", "get"), all("timed out · 3 sent"));
    assert_eq!(row("proxy HTML 502, 503, 504", "get"), all("api error 504 · 3 sent"));
    assert_eq!(row("500, then ok", "get"), all("ok · 2 sent"));
    assert_eq!(row("429 with Retry-After: 1, then ok", "get"), all("ok · 2 sent"));
    // TheCleanLife's 60 s window has no Retry-After: not retried by default.
    assert_eq!(
        row("429 without Retry-After, then ok", "get"),
        ["ok · 2 sent", "api error 429 · 1 sent", "ok · 2 sent", "ok · 2 sent"]
    );
    // The size cap holds and is final.
    assert_eq!(row("declares a 2 GB body", "get"), all("response too large · 1 sent"));
    // Bad bodies are typed errors, never retried.
    assert_eq!(row("truncated JSON", "get"), all("decode error · 1 sent"));
    assert_eq!(row("invalid UTF-8 body", "get"), all("decode error · 1 sent"));
    assert_eq!(
        row("200 with an error envelope", "get"),
        ["decode error · 1 sent", "api error 200 · 1 sent", "decode error · 1 sent", "not found · 1 sent"]
    );
    // Creates: never repeated once they may have landed; find-or-create is repeated by design.
    let create = |fault: &str, once: &str, find: &str| {
        assert_eq!(row(fault, "create"), [once, find, once, once], "{fault}");
    };
    create("reset before the response, then ok", "connection broke · 1 sent", "ok · 2 sent");
    create("accepts, never answers", "timed out · 1 sent", "timed out · 3 sent");
    create("500, then ok", "api error 500 · 1 sent", "ok · 2 sent");
    create("429 with Retry-After: 1, then ok", "api error 429 · 1 sent", "ok · 2 sent");
    // A refused connection provably never left: repeating is safe even for a create.
    assert_eq!(row("connection refused", "create"), all("connection failed · 0 sent"));
}
