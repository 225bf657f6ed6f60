//! What the clients log, captured from a full run of each (retries and Levers' token exchange
//! included): one event per request under the provider crate's own target, retries at info,
//! failures at warn (a not-found at debug), and never a secret,
//! a password, a token, a body or a query. Alone in its binary: the logger is global.

use std::sync::Mutex;

use contacts_core::{ContactUpdate, ContactsApi, ListContacts, NewContact};
use contacts_sandbox::{Fault, Provider, Sandbox, credentials};

static RECORDS: Mutex<Vec<(log::Level, String, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        RECORDS.lock().unwrap().push((record.level(), record.target().to_owned(), record.args().to_string()));
    }
    fn flush(&self) {}
}

const SECRETS: &[&str] = &[
    credentials::LEVERS_CLIENT_SECRET,
    credentials::LEVERS_CLIENT_ID,
    credentials::CLEANLIFE_API_KEY,
    credentials::PREVISTO_SECRET_KEY,
    credentials::PORTAL_AUTHORIZATION,
    "sandbox-portal-token",
    "pw-TOPSECRET-1",
    "query-TOPSECRET",
];

#[test]
fn a_full_run_of_every_client_logs_each_request_and_no_secret() {
    log::set_logger(&Capture).unwrap();
    // Debug, the level of our per-request events: every record of every crate is captured.
    // (At trace, ureq and ureq-proto dump whole requests, credentials included: the READMEs
    // say so next to the logging switch, with a filter that keeps them off.)
    log::set_max_level(log::LevelFilter::Debug);
    let sb = Sandbox::builder().seed_all(3).start().unwrap();
    let quick = contacts_core::RetryPolicy::default().initial_backoff(std::time::Duration::ZERO);
    let levers = levers_client::Client::builder()
        .client_credentials(credentials::LEVERS_CLIENT_ID, credentials::LEVERS_CLIENT_SECRET)
        .base_url(sb.levers_base_url())
        .retry_policy(quick.clone())
        .build()
        .unwrap();
    let cleanlife = cleanlife_partners::Client::builder()
        .api_key(credentials::CLEANLIFE_API_KEY)
        .base_url(sb.cleanlife_base_url())
        .retry_policy(quick.clone())
        .build()
        .unwrap();
    let previsto = previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(sb.previsto_base_url())
        .retry_policy(quick.clone())
        .build()
        .unwrap();
    let portal = portal_contacts::Client::builder()
        .authorization(credentials::PORTAL_AUTHORIZATION)
        .base_url(sb.portal_base_url())
        .retry_policy(quick)
        .build()
        .unwrap();
    // Every client meets a retry (503 then fine) and a failure (a missing contact).
    for &p in Provider::ALL {
        sb.inject(Fault::status(503).times(1).on(p).method("GET"));
    }
    sb.expire_levers_tokens();
    let apis: Vec<&dyn ContactsApi> = vec![&levers, &cleanlife, &previsto, &portal];
    for api in &apis {
        let new = NewContact::new("Logged Person").phone("+966500000999");
        let created = if api.capabilities().supports(contacts_core::Operation::Create) {
            api.create(&new).unwrap()
        } else {
            api.find_or_create(&new).unwrap().contact
        };
        api.get(&created.id).unwrap();
        let _ = api.update(&created.id, &ContactUpdate::new().name("Logged Again"));
        let customers: &[u64] = if api.capabilities().lists_by_customer_ids() { &[1] } else { &[] };
        let _ = api.list(&ListContacts::new().customer_ids(customers.iter().copied())).count();
        assert!(api.get("00000000-0000-4000-8000-0000000000ff").is_err());
    }
    sb.expire_levers_tokens();
    levers.contacts().list_page(&levers_client::ListContacts::new()).unwrap();
    portal.contacts().create(&portal_contacts::NewContact::new("Pw").portal_password("pw-TOPSECRET-1")).unwrap();
    let _ = previsto.contacts().list_page(&previsto::ListContacts::new().search("query-TOPSECRET"));
    // A searched email (a query) and an email in a body: personal data, in no record at debug,
    // ureq's own included.
    previsto.contacts().list_page(&previsto::ListContacts::new().search("anna.TOPSECRET@example.com")).unwrap();
    levers.contacts().create(&levers_client::NewContact::new("Mailed").email("mail.TOPSECRET@example.com")).unwrap();

    let records = RECORDS.lock().unwrap().clone();
    // Every record of a client is under its own crate's target (`RUST_LOG=previsto=debug`),
    // none under the plumbing's.
    assert!(!records.iter().any(|(_, target, _)| target.starts_with("contacts_http")), "{records:?}");
    for (_, target, line) in &records {
        for secret in SECRETS {
            assert!(!line.contains(secret), "a secret reached the log ({target}): {line}");
        }
        assert!(!line.contains("Basic ") && !line.contains("Bearer "), "{line}");
        assert!(!line.contains("TOPSECRET"), "personal data reached the log ({target}): {line}");
    }
    let crates = [
        ("levers", "levers_client"),
        ("cleanlife", "cleanlife_partners"),
        ("previsto", "previsto"),
        ("portal", "portal_contacts"),
    ];
    for (provider, krate) in crates {
        let ours: Vec<_> = records.iter().filter(|(_, target, _)| target == krate).collect();
        assert!(
            ours.iter().any(|(l, _, line)| *l == log::Level::Debug && line.starts_with(&format!("{provider} GET /"))),
            "no debug event for {provider}: {ours:?}"
        );
        assert!(
            ours.iter()
                .any(|(l, _, line)| *l == log::Level::Info && line.starts_with(provider) && line.contains("retrying")),
            "no retry at info for {provider}"
        );
        // The missing contact is an answer callers expect (an existence check): debug, not warn.
        assert!(
            ours.iter()
                .any(|(l, _, line)| *l == log::Level::Debug && line.contains("failed") && line.contains("not found")),
            "no not-found at debug for {provider}: {ours:?}"
        );
        assert!(
            !ours.iter().any(|(l, _, line)| *l == log::Level::Warn && line.contains("not found")),
            "a not-found at warn for {provider}: {ours:?}"
        );
    }
    let ours: Vec<_> = records.iter().filter(|(_, target, _)| target == "levers_client").collect();
    assert!(ours.iter().any(|(_, _, line)| line.contains("renewing it once")), "the token renewal is logged");
    let debug = ours.iter().find(|(l, _, _)| *l == log::Level::Debug).unwrap();
    assert!(debug.2.contains("attempt 1") && debug.2.contains(" ms"), "{debug:?}");
}
