//! `contacts verify <provider>` run as a user would (issue 40): every check holds against the
//! built-in sandbox; a deviating sandbox makes exactly its check differ and the run exit 1;
//! JSON for scripts; the usual exit statuses for credentials, network and configuration; no
//! credential printed; `--write` only on a host the user named.

use std::process::{Command, Output};

use contacts_sandbox::{Deviation, Sandbox, credentials};

mod common;

const VARS: [&str; 12] = [
    "LEVERS_BASE_URL",
    "LEVERS_TOKEN",
    "LEVERS_CLIENT_ID",
    "LEVERS_CLIENT_SECRET",
    "CLEANLIFE_BASE_URL",
    "CLEANLIFE_API_KEY",
    "PREVISTO_BASE_URL",
    "PREVISTO_API_KEY",
    "PORTAL_BASE_URL",
    "PORTAL_AUTHORIZATION",
    "PORTAL_CUSTOMER_ID_FORM",
    "RUST_LOG",
];

fn contacts(args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_contacts"));
    for var in VARS {
        cmd.env_remove(var);
    }
    cmd.args(args).envs(env.iter().map(|(k, v)| (*k, v.as_str()))).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

#[test]
fn against_the_built_in_sandbox_every_check_holds() {
    for provider in ["levers", "cleanlife", "previsto", "portal"] {
        let out = contacts(&["verify", provider, "--sandbox", "--json"], &[]);
        assert_eq!(out.status.code(), Some(0), "{provider}: {}{}", text(&out.stdout), text(&out.stderr));
        let report = json(&out);
        assert_eq!(report["all_held"], true);
        let checks = report["checks"].as_array().unwrap();
        assert!(checks.len() >= 4, "{report}");
        assert!(checks.iter().all(|c| c["outcome"] == "held"), "{report}");
        assert!(text(&out.stderr).contains("every check that ran held"), "{}", text(&out.stderr));
        // With writes, on the sandbox's own host.
        let out = contacts(&["verify", provider, "--sandbox", "--write"], &[]);
        assert_eq!(out.status.code(), Some(0), "{provider}: {}{}", text(&out.stdout), text(&out.stderr));
        assert!(text(&out.stdout).contains("held     write-"), "{}", text(&out.stdout));
    }
}

#[test]
fn each_deviating_sandbox_makes_exactly_its_check_differ_and_exit_1() {
    let cases = [
        ("levers-bare-list", "levers", "list-shape"),
        ("portal-repeated-customer-ids", "portal", "list-form"),
        ("portal-comma-customer-ids", "portal", "list-form"),
        ("cleanlife-no-request-id", "cleanlife", "request-id"),
        ("previsto-pages-of-100", "previsto", "largest-page"),
        ("levers-error-shape", "levers", "error-body"),
        ("cleanlife-error-shape", "cleanlife", "error-body"),
        ("previsto-error-shape", "previsto", "error-body"),
    ];
    assert_eq!(cases.len(), Deviation::ALL.len());
    for (mode, provider, check) in cases {
        let out = contacts(&["verify", provider, "--sandbox", "--deviate", mode, "--json"], &[]);
        assert_eq!(out.status.code(), Some(1), "{mode}: {}{}", text(&out.stdout), text(&out.stderr));
        let report = json(&out);
        let differing: Vec<&str> = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["outcome"] != "held")
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(differing, [check], "{mode}: {report}");
        let differs = report["checks"].as_array().unwrap().iter().find(|c| c["name"] == check).unwrap();
        assert_eq!(differs["outcome"], "differs");
        assert!(differs["advice"].as_str().is_some_and(|a| !a.is_empty()), "{differs}");
        assert!(text(&out.stderr).contains("1 check(s) differ"), "{}", text(&out.stderr));
    }
}

#[test]
fn the_words_say_what_differs_and_what_to_set() {
    let out = contacts(&["verify", "portal", "--sandbox", "--deviate", "portal-comma-customer-ids"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("differs  list-form"), "{stdout}");
    assert!(stdout.contains("what to do: set PORTAL_CUSTOMER_ID_FORM=comma"), "{stdout}");
    assert!(stdout.contains("held     credentials"), "{stdout}");
}

#[test]
fn a_deviating_server_found_through_the_environment_and_the_setting_it_names_fixes_it() {
    let sandbox = Sandbox::builder().seed_all(150).deviate(Deviation::PrevistoPagesOf100).start().unwrap();
    let env = [
        ("PREVISTO_BASE_URL", sandbox.previsto_base_url()),
        ("PREVISTO_API_KEY", credentials::PREVISTO_SECRET_KEY.to_owned()),
    ];
    let out = contacts(&["verify", "previsto"], &env);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("asked for 1000, got 100 of 150"), "{}", text(&out.stdout));
    // The portal's list form: the variable the advice names makes the check hold.
    let sandbox = Sandbox::builder()
        .seed_all(6)
        .deviate(Deviation::PortalListForm(contacts_sandbox::PortalListForm::Repeated))
        .start()
        .unwrap();
    let mut env = vec![
        ("PORTAL_BASE_URL", sandbox.portal_base_url()),
        ("PORTAL_AUTHORIZATION", credentials::PORTAL_AUTHORIZATION.to_owned()),
    ];
    assert_eq!(contacts(&["verify", "portal", "--customer-id", "1"], &env).status.code(), Some(1));
    env.push(("PORTAL_CUSTOMER_ID_FORM", "repeated".to_owned()));
    let out = contacts(&["verify", "portal", "--customer-id", "1"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn read_only_sends_no_write_and_prints_no_credential() {
    let sandbox = Sandbox::builder().seed_all(150).start().unwrap();
    for (provider, env) in [
        (
            "levers",
            [("LEVERS_BASE_URL", sandbox.levers_base_url()), ("LEVERS_TOKEN", credentials::LEVERS_TOKEN.to_owned())],
        ),
        (
            "cleanlife",
            [
                ("CLEANLIFE_BASE_URL", sandbox.cleanlife_base_url()),
                ("CLEANLIFE_API_KEY", credentials::CLEANLIFE_API_KEY.to_owned()),
            ],
        ),
        (
            "previsto",
            [
                ("PREVISTO_BASE_URL", sandbox.previsto_base_url()),
                ("PREVISTO_API_KEY", credentials::PREVISTO_SECRET_KEY.to_owned()),
            ],
        ),
        (
            "portal",
            [
                ("PORTAL_BASE_URL", sandbox.portal_base_url()),
                ("PORTAL_AUTHORIZATION", credentials::PORTAL_AUTHORIZATION.to_owned()),
            ],
        ),
    ] {
        sandbox.clear_requests();
        let mut args = vec!["verify", provider];
        if provider == "portal" {
            args.extend(["--customer-id", "1"]);
        }
        for json in [false, true] {
            let mut args = args.clone();
            if json {
                args.push("--json");
            }
            let out = contacts(&args, &env);
            assert_eq!(out.status.code(), Some(0), "{provider}: {}{}", text(&out.stdout), text(&out.stderr));
            let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
            let (_, secret) = &env[1];
            assert!(!all.contains(secret.as_str()), "{provider} printed its credential: {all}");
        }
        let requests = sandbox.requests();
        assert!(!requests.is_empty());
        assert!(
            requests.iter().all(|r| r.method == "GET" && !r.path.ends_with("/delete")),
            "{provider} wrote: {:?}",
            requests.iter().map(|r| format!("{} {}", r.method, r.path)).collect::<Vec<_>>()
        );
    }
}

#[test]
fn refused_credentials_exit_5_no_answer_7_missing_configuration_9() {
    let sandbox = Sandbox::builder().seed_all(3).start().unwrap();
    let bad = "sk_live_NEVER_ISSUED_KEY";
    let env = [("PREVISTO_BASE_URL", sandbox.previsto_base_url()), ("PREVISTO_API_KEY", bad.to_owned())];
    let out = contacts(&["verify", "previsto", "--json"], &env);
    assert_eq!(out.status.code(), Some(5), "{}{}", text(&out.stdout), text(&out.stderr));
    let report = json(&out);
    assert_eq!(report["stopped"]["exit_code"], 5);
    assert!(text(&out.stderr).contains("verify stopped"), "{}", text(&out.stderr));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains("NEVER_ISSUED"), "{all}");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let env =
        [("LEVERS_BASE_URL", format!("http://127.0.0.1:{port}/api-service/v1")), ("LEVERS_TOKEN", "t".to_owned())];
    let out = contacts(&["verify", "levers", "--timeout", "2s"], &env);
    assert_eq!(out.status.code(), Some(7), "{}{}", text(&out.stdout), text(&out.stderr));

    let out = contacts(&["verify", "cleanlife"], &[]);
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("CLEANLIFE_API_KEY"), "{}", text(&out.stderr));
}

#[test]
fn write_needs_a_host_the_user_named_and_flags_that_do_not_apply_are_refused() {
    // TheCleanLife's default host is production: --write without CLEANLIFE_BASE_URL is refused
    // before anything is sent.
    let env = [("CLEANLIFE_API_KEY", "pk_test".to_owned())];
    let out = contacts(&["verify", "cleanlife", "--write", "--phone", "+966500000001"], &env);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("CLEANLIFE_BASE_URL or --base-url"), "{}", text(&out.stderr));
    for (args, flag) in [
        (&["verify", "levers", "--sandbox", "--customer-id", "1"][..], "--customer-id"),
        (&["verify", "previsto", "--sandbox", "--phone", "+966500000001"][..], "--phone"),
        (&["verify", "previsto", "--sandbox", "--deviate", "levers-bare-list"][..], "--deviate"),
        (&["verify", "previsto", "--deviate", "previsto-pages-of-100"][..], "--sandbox"),
        (&["verify", "previsto", "--sandbox", "--deviate", "no-such-mode"][..], "no-such-mode"),
    ] {
        let out = contacts(args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(flag), "{args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn sandbox_serve_deviates_as_asked() {
    let (mut child, env) = common::serve(&["--seed", "150", "--deviate", "levers-bare-list"]);
    let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let levers = contacts(&["verify", "levers", "--json"], &env);
    let previsto = contacts(&["verify", "previsto", "--json"], &env);
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(levers.status.code(), Some(1), "{}", text(&levers.stdout));
    let report = json(&levers);
    let shape = report["checks"].as_array().unwrap().iter().find(|c| c["name"] == "list-shape").unwrap();
    assert_eq!(shape["outcome"], "differs");
    assert_eq!(previsto.status.code(), Some(0), "{}", text(&previsto.stdout));
}
