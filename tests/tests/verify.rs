//! `verify` per crate (issue 40): against the sandbox every check holds; against each of the
//! sandbox's deviating modes exactly the checks that mode changes differ; read-only sends no
//! write; writes go only to the host they were allowed on; failures that make the rest
//! meaningless stop the run with the error; nothing printed holds a credential.

use std::collections::BTreeSet;

use contacts_core::{Outcome, VerifyOptions, VerifyReport};
use contacts_sandbox::{Deviation, PortalListForm, Provider, Sandbox, credentials};

const SEEDED: u64 = 150;
const PHONE: &str = "+966500000001";

fn sandbox(deviations: &[Deviation]) -> Sandbox {
    let mut builder = Sandbox::builder().seed_all(SEEDED).record_limit(100_000);
    for d in deviations {
        builder = builder.deviate(*d);
    }
    builder.start().unwrap()
}

fn host(sandbox: &Sandbox) -> String {
    sandbox.addr().to_string()
}

/// `verify` of `provider`'s crate against `sandbox`.
fn verify(sandbox: &Sandbox, provider: Provider, options: &VerifyOptions) -> VerifyReport {
    let url = sandbox.base_url(provider);
    match provider {
        Provider::LEVERS => levers_client::verify(
            &levers_client::Client::builder().token(credentials::LEVERS_TOKEN).base_url(url).build().unwrap(),
            options,
        ),
        Provider::CLEANLIFE => cleanlife_partners::verify(
            &cleanlife_partners::Client::builder()
                .api_key(credentials::CLEANLIFE_API_KEY)
                .base_url(url)
                .build()
                .unwrap(),
            options,
        ),
        Provider::PREVISTO => previsto::verify(
            &previsto::Client::builder().api_key(credentials::PREVISTO_SECRET_KEY).base_url(url).build().unwrap(),
            options,
        ),
        Provider::PORTAL => portal_contacts::verify(
            &portal_contacts::Client::builder()
                .authorization(credentials::PORTAL_AUTHORIZATION)
                .base_url(url)
                .build()
                .unwrap(),
            options,
        ),
        other => panic!("no crate for {other}"),
    }
}

fn names(report: &VerifyReport, outcome: Outcome) -> BTreeSet<String> {
    report.with_outcome(outcome).map(|c| c.name.clone()).collect()
}

fn read_only() -> VerifyOptions {
    VerifyOptions::read_only().customer_id(1)
}

#[test]
fn against_the_sandbox_every_check_holds_read_only_and_with_writes() {
    let sandbox = sandbox(&[]);
    for &provider in Provider::ALL {
        let report = verify(&sandbox, provider, &read_only());
        assert!(report.all_held(), "{report}");
        assert!(names(&report, Outcome::NotRun).is_empty(), "{report}");
        assert!(report.checks.len() >= 4, "{report}");
        let writes = VerifyOptions::read_only().write_to(host(&sandbox)).customer_id(1).phone(PHONE);
        let report = verify(&sandbox, provider, &writes);
        assert!(report.all_held(), "{report}");
        assert!(names(&report, Outcome::NotRun).is_empty(), "{report}");
        assert!(report.checks.iter().any(|c| c.name.starts_with("write-")), "{report}");
        // Levers and TheCleanLife have no delete: the report says what stays.
        let stays = matches!(provider, Provider::LEVERS | Provider::CLEANLIFE);
        assert_eq!(!report.left_behind.is_empty(), stays, "{report}");
    }
}

#[test]
fn each_deviating_mode_makes_exactly_its_checks_differ() {
    let cases: Vec<(Deviation, &[&str])> = vec![
        (Deviation::LeversBareList, &["list-shape"]),
        (Deviation::PortalListForm(PortalListForm::Repeated), &["list-form"]),
        (Deviation::PortalListForm(PortalListForm::Comma), &["list-form"]),
        (Deviation::CleanLifeNoRequestIdEcho, &["request-id"]),
        (Deviation::PrevistoPagesOf100, &["largest-page"]),
        (Deviation::ErrorBodies(Provider::LEVERS), &["error-body"]),
        (Deviation::ErrorBodies(Provider::CLEANLIFE), &["error-body"]),
        (Deviation::ErrorBodies(Provider::PREVISTO), &["error-body"]),
    ];
    // Every mode the sandbox can be started in is covered.
    assert_eq!(cases.len(), Deviation::ALL.len());
    for (deviation, expected) in cases {
        let sandbox = sandbox(&[deviation]);
        for &provider in Provider::ALL {
            let report = verify(&sandbox, provider, &read_only());
            let differing = names(&report, Outcome::Differs);
            let want: BTreeSet<String> = if provider == deviation.provider() {
                expected.iter().map(|s| (*s).to_owned()).collect()
            } else {
                BTreeSet::new()
            };
            assert_eq!(differing, want, "{} on {provider}:\n{report}", deviation.name());
            assert!(report.stopped.is_none(), "{report}");
            assert!(names(&report, Outcome::NotRun).is_empty(), "{report}");
            for c in report.with_outcome(Outcome::Differs) {
                let advice = c.advice.as_deref().unwrap_or_default();
                assert!(!advice.is_empty() && !c.seen.is_empty(), "{c:?}");
            }
        }
    }
}

#[test]
fn the_portal_list_form_advice_names_the_setting() {
    let sandbox = sandbox(&[Deviation::PortalListForm(PortalListForm::Comma)]);
    let report = verify(&sandbox, Provider::PORTAL, &read_only());
    let check = report.check("list-form").unwrap();
    assert!(check.advice.as_deref().unwrap().contains("PORTAL_CUSTOMER_ID_FORM=comma"), "{check:?}");
    // The setting it names makes the check hold.
    let client = portal_contacts::ClientBuilder::from_vars(|name| match name {
        "PORTAL_CUSTOMER_ID_FORM" => Some("comma".to_owned()),
        other => sandbox.var(other),
    })
    .unwrap()
    .build()
    .unwrap();
    assert!(portal_contacts::verify(&client, &read_only()).all_held());
    let sandbox = self::sandbox(&[Deviation::PortalListForm(PortalListForm::Repeated)]);
    let report = verify(&sandbox, Provider::PORTAL, &read_only());
    assert!(report.check("list-form").unwrap().advice.as_deref().unwrap().contains("=repeated"), "{report}");
}

#[test]
fn previsto_capped_at_100_says_what_to_set() {
    let sandbox = sandbox(&[Deviation::PrevistoPagesOf100]);
    let report = verify(&sandbox, Provider::PREVISTO, &read_only());
    let check = report.check("largest-page").unwrap();
    assert_eq!(check.seen, "asked for 1000, got 100 of 150");
    assert!(check.advice.as_deref().unwrap().contains("ListContacts::size(100)"), "{check:?}");
}

#[test]
fn read_only_sends_no_write() {
    let sandbox = sandbox(&[]);
    for &provider in Provider::ALL {
        sandbox.clear_requests();
        let report = verify(&sandbox, provider, &read_only());
        assert!(report.all_held(), "{report}");
        let requests = sandbox.requests();
        assert!(!requests.is_empty());
        for r in requests {
            assert_eq!(r.method, "GET", "{provider}: {} {}", r.method, r.path);
            assert!(!r.path.ends_with("/delete"), "{provider}: {}", r.path);
        }
        assert_eq!(sandbox.contact_count(provider), SEEDED);
    }
}

#[test]
fn writes_go_only_to_the_host_they_were_allowed_on() {
    let sandbox = sandbox(&[]);
    for &provider in Provider::ALL {
        sandbox.clear_requests();
        let options = read_only().write_to("test-account.example.com").phone(PHONE);
        let report = verify(&sandbox, provider, &options);
        let refused = report.check("writes-allowed").unwrap();
        assert_eq!(refused.outcome, Outcome::Differs);
        assert!(refused.seen.contains("test-account.example.com"), "{refused:?}");
        assert!(!report.all_held());
        assert!(sandbox.requests().iter().all(|r| r.method == "GET"), "{provider} wrote");
        assert!(!report.checks.iter().any(|c| c.name.starts_with("write-")), "{report}");
    }
}

#[test]
fn refused_credentials_stop_the_run_with_the_auth_error_and_print_no_secret() {
    let sandbox = sandbox(&[]);
    let bad = "sk_live_a_key_this_sandbox_never_issued";
    let client = previsto::Client::builder().api_key(bad).base_url(sandbox.previsto_base_url()).build().unwrap();
    let report = previsto::verify(&client, &VerifyOptions::read_only());
    let stopped = report.stopped.as_ref().expect("stopped");
    assert!(stopped.is_auth(), "{stopped}");
    assert_eq!(report.checks[0].outcome, Outcome::NotRun);
    assert!(report.checks[1..].iter().all(|c| c.outcome == Outcome::NotRun && c.seen.contains("stopped")));
    for text in [report.to_string(), format!("{report:?}")] {
        assert!(!text.contains(bad), "{text}");
    }
    // Nor the sandbox's own credentials when every check holds.
    for &provider in Provider::ALL {
        let report = verify(&sandbox, provider, &read_only().write_to(host(&sandbox)).phone(PHONE));
        for text in [report.to_string(), format!("{report:?}")] {
            for secret in [
                credentials::LEVERS_TOKEN,
                credentials::CLEANLIFE_API_KEY,
                credentials::PREVISTO_SECRET_KEY,
                credentials::PORTAL_AUTHORIZATION,
            ] {
                assert!(!text.contains(secret), "{provider}: {text}");
            }
        }
    }
}

#[test]
fn no_answer_stops_the_run_as_a_network_failure() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = levers_client::Client::builder()
        .token("t")
        .base_url(format!("http://127.0.0.1:{port}/api-service/v1"))
        .retry(|p| p.max_retries(0))
        .build()
        .unwrap();
    let report = levers_client::verify(&client, &VerifyOptions::read_only());
    assert!(matches!(report.stopped, Some(contacts_core::Error::Transport(_))), "{report}");
    assert!(report.checks.iter().all(|c| c.outcome == Outcome::NotRun));
}

#[test]
fn a_portal_without_a_customer_says_what_the_list_check_needs() {
    let sandbox = sandbox(&[]);
    let report = verify(&sandbox, Provider::PORTAL, &VerifyOptions::read_only());
    let check = report.check("list-form").unwrap();
    assert_eq!(check.outcome, Outcome::NotRun);
    assert!(check.seen.contains("--customer-id"), "{check:?}");
    // A check that could not run is not a difference.
    assert!(report.all_held());
}
