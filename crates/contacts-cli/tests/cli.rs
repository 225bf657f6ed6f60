//! The `contacts` binary, run as a user would: output and exit status, against the sandbox.

use std::process::{Command, Output};

mod common;
use common::serve;

fn contacts(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_contacts"))
        .args(args)
        .env_remove("PREVISTO_API_KEY")
        .env_remove("LEVERS_TOKEN")
        .env_remove("LEVERS_CLIENT_ID")
        .env_remove("CLEANLIFE_API_KEY")
        .env_remove("PORTAL_BASE_URL")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn demo_walks_every_provider_and_succeeds() {
    let out = contacts(&["demo"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    // Every provider of the one list in the root Cargo.toml is on the tour.
    let root = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml")).unwrap();
    let listed: Vec<&str> = root.lines().filter_map(|l| l.split("provider = \"").nth(1)?.split('"').next()).collect();
    assert!(listed.len() >= 4, "{listed:?}");
    for provider in listed {
        assert!(stdout.contains(&format!("\u{2502} {provider} ")), "{provider} missing from the tour");
    }
    let summary = stdout.lines().find(|l| l.contains(" steps, ")).unwrap_or_default();
    let counts: Vec<&str> = summary.split_whitespace().collect();
    assert!(counts.len() > 5 && counts[0] == counts[2] && counts[5] == "0", "every step as expected: {summary}");
    // The README's sample is this run's output (the sandbox's port written as 5 x's, which
    // keeps the table's widths): a change to what the demo prints changes the README with it.
    // and each generated request id as x's of the same length.
    let mask = |text: &str, after: &str, keep: fn(&char) -> bool| {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find(after) {
            let (head, tail) = rest.split_at(at + after.len());
            out.push_str(head);
            let n = tail.chars().take_while(keep).count();
            out.push_str(&"x".repeat(n));
            rest = &tail[n..];
        }
        out.push_str(rest);
        out
    };
    let sample = mask(&mask(&stdout, "127.0.0.1:", char::is_ascii_digit), "request id ", char::is_ascii_hexdigit);
    let readme_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(readme_path).unwrap();
    let (begin, end) = ("<!-- demo:begin -->\n```text\n", "```\n<!-- demo:end -->");
    let start = readme.find(begin).map(|i| i + begin.len()).expect("README has the demo:begin marker");
    let stop = readme[start..].find(end).map(|i| start + i).expect("README has the demo:end marker");
    if readme[start..stop] != sample {
        if std::env::var_os("CONTACTS_BLESS").is_some() {
            std::fs::write(readme_path, format!("{}{sample}{}", &readme[..start], &readme[stop..])).unwrap();
        } else {
            panic!("README's demo sample differs from a real run; rerun with CONTACTS_BLESS=1:\n{sample}");
        }
    }
    assert!(stdout.contains("refused before sending") && stdout.contains(": Entity not found."));
    assert!(!stdout.contains('✗'));
}

#[test]
fn list_against_the_sandbox_prints_json() {
    let out = contacts(&["previsto", "list", "--sandbox", "--seed", "5", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A list is JSON lines: one object per line, streamed.
    let lines: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["raw"]["countryCode"], "DK");
}

#[test]
fn create_and_find_or_create_print_tables() {
    let out = contacts(&["portal", "create", "--sandbox", "--name", "Jane Doe", "--email", "jane@example.com"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Jane Doe"), "{stdout}");

    let out =
        contacts(&["cleanlife", "find-or-create", "--sandbox", "--name", "Ahmed", "--phone", "0501234567", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["created"].as_bool(), v["contact"]["phone"].as_str()), (Some(true), Some("+966501234567")));
}

#[test]
fn export_writes_csv_with_a_header_and_every_contact() {
    let dir = std::env::temp_dir().join(format!("contacts-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("previsto.csv");
    let out = contacts(&[
        "previsto",
        "export",
        "--sandbox",
        "--seed",
        "1234",
        "--format",
        "csv",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1235);
    assert_eq!(lines[0], "provider,id,name,email,phone,street,postal_code,city,country,tax_id");
    assert!(lines[1].starts_with("previsto,con_sbx0,Kunde 0,kunde0@example.dk,"));
    assert!(text(&out.stderr).contains("exported 1234 contacts"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn export_jsonl_goes_to_stdout() {
    let out = contacts(&["levers", "export", "--sandbox", "--seed", "120", "--format", "jsonl"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 120);
    let first: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["raw"]["nameAr"], "عميل 0");
}

#[test]
fn errors_are_one_line_with_a_failing_status_and_no_panic() {
    let out = contacts(&["portal", "get", "999", "--sandbox"]);
    assert_eq!(out.status.code(), Some(3), "not found");
    let stderr = text(&out.stderr);
    assert!(
        stderr.trim().starts_with("error: get failed: not found: portal GET /contact/999 at 127.0.0.1:"),
        "{stderr}"
    );
    assert!(stderr.trim().ends_with(": Entity not found."), "{stderr}");

    let out = contacts(&["cleanlife", "find-or-create", "--sandbox", "--name", "A", "--phone", "+4522123456"]);
    assert_eq!(out.status.code(), Some(4), "invalid input");
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: find-or-create failed: invalid --phone:"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1);

    let out = contacts(&["previsto", "list"]);
    assert_eq!(out.status.code(), Some(9), "configuration");
    assert_eq!(
        text(&out.stderr).trim(),
        "error: configuring the client failed: configuration: PREVISTO_API_KEY is not set"
    );
    assert!(!text(&out.stderr).contains("panicked"));
}

#[test]
fn a_real_account_is_reached_through_the_environment_and_its_secret_never_printed() {
    // The sandbox stands in for the real API; a wrong key gets a 401, which is not retried.
    let sandbox = contacts_sandbox::Sandbox::start().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_contacts"))
        .args(["previsto", "get", "con_1"])
        .env("PREVISTO_API_KEY", "sk_live_TOPSECRET")
        .env("PREVISTO_BASE_URL", sandbox.previsto_base_url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "auth refused");
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains("TOPSECRET") && !all.contains("c2tfbGl2ZV9UT1BTRUNSRVQ6"), "{all}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.trim().starts_with(
            "error: get failed: api error (status 401, InvalidRequestError): previsto GET /contacts/con_1 at 127.0.0.1:"
        ),
        "{stderr}"
    );
    assert!(stderr.trim().ends_with(": Bad credentials"), "{stderr}");
    assert_eq!(sandbox.count("GET", "/previsto/contacts/con_1"), 1);
}

#[test]
fn capabilities_prints_the_matrix_of_operations_and_fields() {
    let out = contacts(&["capabilities"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("| | levers | cleanlife | previsto | portal |"), "{stdout}");
    assert!(stdout.contains("| location | no | no | yes | no |"), "{stdout}");
    // The root README's matrix is this command's output, word for word.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let (begin, end) = ("<!-- capabilities:begin -->\n", "<!-- capabilities:end -->");
    let start = readme.find(begin).map(|i| i + begin.len()).expect("README has the capabilities:begin marker");
    let stop = readme[start..].find(end).map(|i| start + i).expect("README has the capabilities:end marker");
    assert_eq!(&readme[start..stop], stdout, "README's capabilities table differs from `contacts capabilities`");
}

#[test]
fn sync_copies_between_two_sandboxed_providers_and_says_what_it_did() {
    let out = contacts(&["sync", "--from", "previsto", "--to", "levers", "--sandbox", "--seed", "20", "--lossy"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("20 created, 0 found, 0 updated"), "{stdout}");
    assert!(stdout.contains("dropped location from 20 contacts (lossy)"), "{stdout}");

    let out =
        contacts(&["sync", "--from", "previsto", "--to", "levers", "--sandbox", "--seed", "3", "--dry-run", "--json"]);
    // A dry run is a check: a plan with refusals exits 1.
    assert_eq!(out.status.code(), Some(1));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["refusals"].as_array().unwrap().len(), 3, "strict: the location refuses each");
    assert_eq!(plan["creates"].as_array().unwrap().len(), 0);

    let out = contacts(&["sync", "--from", "previsto", "--to", "previsto", "--sandbox"]);
    assert_eq!(out.status.code(), Some(2));
    let out = contacts(&["sync", "--from", "previsto", "--to", "cleanlife", "--sandbox"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--match"), "{}", text(&out.stderr));
}

#[test]
fn a_closed_pipe_ends_list_and_export_quietly_with_success() {
    for args in [
        ["previsto", "--sandbox", "--seed", "5000", "list"].as_slice(),
        ["previsto", "--sandbox", "--seed", "5000", "list", "--json"].as_slice(),
        ["levers", "--sandbox", "--seed", "5000", "export", "--format", "csv"].as_slice(),
        ["previsto", "--sandbox", "--seed", "5000", "export", "--format", "csv"].as_slice(),
        ["previsto", "--sandbox", "--seed", "5000", "export"].as_slice(),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_contacts"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Read a few lines, then close the pipe, as `| head -3` does.
        {
            use std::io::BufRead;
            let stdout = child.stdout.take().unwrap();
            let mut lines = std::io::BufReader::new(stdout).lines();
            for _ in 0..3 {
                lines.next().unwrap().unwrap();
            }
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).is_empty(), "{args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn every_flag_does_what_it_says_or_is_refused() {
    let out = contacts(&[
        "previsto",
        "--sandbox",
        "--seed",
        "1",
        "update",
        "con_sbx0",
        "--name",
        "Z",
        "--location",
        "11,57",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((c["name"].as_str(), c["location"]["longitude"].as_f64()), (Some("Z"), Some(11.0)));
    let out =
        contacts(&["previsto", "--sandbox", "--seed", "1", "update", "con_sbx0", "--location", "11,57", "--json"]);
    assert!(out.status.success(), "--location alone is a change: {}", text(&out.stderr));
    let out = contacts(&["previsto", "--sandbox", "--seed", "1", "update", "con_sbx0"]);
    assert_eq!(out.status.code(), Some(2), "nothing to change is a usage error");
    // --name is required by create: clap says so, with its usage status.
    let out = contacts(&["previsto", "--sandbox", "create", "--email", "a@b.dk"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--name"), "{}", text(&out.stderr));
    // export --json is JSON lines; with --format csv it is a contradiction.
    let out = contacts(&["previsto", "--sandbox", "--seed", "2", "export", "--json"]);
    assert_eq!(text(&out.stdout).lines().count(), 2);
    let out = contacts(&["previsto", "--sandbox", "--seed", "2", "export", "--json", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(2));
    // Errors speak in flags; a flag the command needs is a usage error (it was 4, a refusal).
    let out = contacts(&["portal", "--sandbox", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--customer-id"), "{}", text(&out.stderr));
    let out = Command::new(env!("CARGO_BIN_EXE_contacts"))
        .args(["previsto", "--base-url", "http://api.example.com", "get", "con_1"])
        .env("PREVISTO_API_KEY", "sk_x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(9));
    assert!(text(&out.stderr).contains("--allow-insecure-http"), "{}", text(&out.stderr));
}

#[test]
fn each_provider_offers_only_what_it_can_do() {
    let help = text(&contacts(&["cleanlife", "--help"]).stdout);
    assert!(help.contains("find-or-create") && help.contains("get"), "{help}");
    for missing in ["create ", "update", "delete", "list", "export"] {
        assert!(!help.contains(&format!("  {missing}")), "cleanlife offers {missing}: {help}");
    }
    let out = contacts(&["cleanlife", "--sandbox", "delete", "x"]);
    assert_eq!(out.status.code(), Some(2));
    let help = text(&contacts(&["levers", "--help"]).stdout);
    assert!(!help.contains("  delete") && help.contains("  update"), "{help}");
    let help = text(&contacts(&["--help"]).stdout);
    assert!(help.contains("Exit status:") && help.contains("3  not found"), "{help}");
}

#[test]
fn sandbox_serve_prints_the_environment_that_points_the_cli_at_it() {
    let (mut child, env) = serve(&["--seed", "3"]);
    let run = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_contacts"));
        cmd.args(args);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let created = run(&["previsto", "create", "--name", "Kept", "--json"]);
    assert!(created.status.success(), "{}", text(&created.stderr));
    let id = serde_json::from_slice::<serde_json::Value>(&created.stdout).unwrap()["id"].as_str().unwrap().to_owned();
    // A second process sees what the first created: the server keeps state between calls.
    let got = run(&["previsto", "get", &id, "--json"]);
    assert!(got.status.success(), "{}", text(&got.stderr));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&got.stdout).unwrap()["name"], "Kept");
    let listed = run(&["levers", "list", "--json"]);
    assert_eq!(text(&listed.stdout).lines().count(), 3);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn completions_and_a_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish"] {
        let out = contacts(&["completions", shell]);
        assert!(out.status.success() && text(&out.stdout).contains("contacts"), "{shell}");
    }
    let man = contacts(&["man"]);
    assert!(man.status.success());
    assert!(text(&man.stdout).contains(".TH contacts"), "{}", text(&man.stdout));
}

#[test]
fn sandbox_serve_refuses_a_malformed_rate_limit() {
    let out = contacts(&["sandbox", "serve", "--rate-limit", "previsto=fast"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("PROVIDER=N/min"), "{}", text(&out.stderr));
}

#[test]
fn sandbox_serve_waits_the_latency_asked_for_before_each_answer() {
    let out = contacts(&["sandbox", "serve", "--latency", "5 parsecs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--latency"), "{}", text(&out.stderr));
    let (mut child, env) = serve(&["--latency", "150ms"]);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_contacts"));
    cmd.args(["previsto", "list", "--json"]).envs(env);
    let started = std::time::Instant::now();
    let listed = cmd.output().unwrap();
    let took = started.elapsed();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    assert!(took >= std::time::Duration::from_millis(150), "{took:?}");
}

/// The README's lines that start the sandbox server in the background and point the CLI at
/// it, run as written in `sh` (Before: `eval "$(contacts sandbox serve &)"` never returned).
#[test]
fn the_readme_sandbox_shell_lines_work_in_sh() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let block = readme
        .split("<!-- sandbox-shell:begin -->")
        .nth(1)
        .unwrap()
        .split("<!-- sandbox-shell:end -->")
        .next()
        .unwrap();
    let script = block.trim().trim_start_matches("```sh").trim_end_matches("```").trim();
    let dir = std::env::temp_dir().join(format!("contacts-readme-sh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_contacts")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    // Twice in one folder, as a user reruns it. Before: the second run found the first's
    // sandbox.env at once and sourced a dead port.
    for run in 1..=2 {
        // `timeout` bounds the wait loop should the server never start.
        let out = std::process::Command::new("timeout")
            .args(["60", "sh", "-c", &format!("set -e\n{script}")])
            .current_dir(&dir)
            .env("PATH", &path)
            .env_remove("PREVISTO_API_KEY")
            .output()
            .unwrap();
        assert!(out.status.success(), "run {run}: {}\n{}", text(&out.stdout), text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.contains(r#""name":"Anna Jensen""#), "{stdout}");
        assert_eq!(stdout.lines().filter(|l| l.contains("Kunde")).count(), 2, "{stdout}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn completions_help_and_man_offer_only_what_each_provider_has() {
    // Before: completions offered `levers delete` and `find-or-create`, which then failed.
    let bash = text(&contacts(&["completions", "bash"]).stdout);
    let levers = bash.split("contacts__subcmd__levers)").nth(1).unwrap().lines().nth(1).unwrap().to_owned();
    assert!(levers.contains(" create get update list export ") && !levers.contains("delete"), "{levers}");
    assert!(!levers.contains("find-or-create"), "{levers}");
    let help = text(&contacts(&["cleanlife", "--help"]).stdout);
    assert!(help.contains("find-or-create") && !help.contains("\n  create") && !help.contains("\n  list"), "{help}");
    // Before: the man page named contacts-sync(1), contacts-levers(1)… which do not exist,
    // and said nothing of sync or the environment.
    let man = text(&contacts(&["man"]).stdout);
    assert!(
        !man.contains("(1)") || man.matches("(1)").count() == man.matches("contacts(1)").count(),
        "pages that do not exist"
    );
    for needed in [
        ".SH ENVIRONMENT",
        ".SH \"EXIT STATUS\"",
        "contacts sync",
        "--resume",
        "PREVISTO_API_KEY",
        "LEVERS_CLIENT_SECRET",
        "PORTAL_AUTHORIZATION",
    ] {
        assert!(man.contains(needed), "the man page lacks {needed}");
    }
    assert!(!man.contains("contacts levers delete"), "levers has no delete");
}

#[test]
fn errors_name_the_flag_and_unused_flags_are_refused() {
    // Before: "invalid size", "ask for lossy mapping", and --customer-id accepted and ignored.
    let out = contacts(&["previsto", "list", "--sandbox", "--page-size", "0"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out.stderr).contains("invalid --page-size"), "{}", text(&out.stderr));
    let out = contacts(&["levers", "create", "--sandbox", "--name", "A", "--location", "1,2"]);
    assert!(
        text(&out.stderr).contains("invalid --location") && text(&out.stderr).contains("--lossy"),
        "{}",
        text(&out.stderr)
    );
    for args in
        [["previsto", "list", "--sandbox", "--customer-id", "5"], ["levers", "list", "--sandbox", "--search", "x"]]
    {
        let out = contacts(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn get_and_list_print_json_keys_in_one_order() {
    let order = |line: &str| -> Vec<String> {
        let mut keys = Vec::new();
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let obj = v.as_object().unwrap();
        // The order as printed, not as the map iterates.
        let mut at = 0;
        for k in obj.keys() {
            at = line.find(&format!("\"{k}\":")).unwrap_or(at);
            keys.push((at, k.clone()));
        }
        keys.sort();
        keys.into_iter().map(|(_, k)| k).collect::<Vec<_>>()
    };
    let list = text(&contacts(&["previsto", "list", "--sandbox", "--seed", "1", "--json"]).stdout);
    let get = text(&contacts(&["previsto", "get", "con_sbx0", "--sandbox", "--seed", "1", "--json"]).stdout);
    assert_eq!(order(get.trim()), order(list.lines().next().unwrap()), "{get}\n{list}");
}

#[test]
fn server_text_never_reaches_the_terminal_raw() {
    // A name holding ESC ] 0 ; (set the window title) and ESC [ 2 J (clear the screen).
    let hostile = "Anna\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}";
    let out = contacts(&["previsto", "create", "--sandbox", "--name", hostile]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(!shown.contains('\u{1b}') && !shown.contains('\u{202e}'), "{shown:?}");
    assert!(shown.contains("\\u{1b}]0;pwned"), "{shown}");
}

#[test]
fn json_output_carries_no_character_a_terminal_acts_on_and_keeps_the_value() {
    // Before: serde_json escaped ESC and BEL, but a C1 control (U+009B, a CSI) or a bidi
    // override reached the terminal raw through `get --json`, `list --json` and `export`.
    let hostile = "Anna\u{9b}2J\u{202e}\u{2028}";
    for args in [&["list", "--json"][..], &["export"][..]] {
        let sb = contacts_sandbox::Sandbox::start().unwrap();
        let client = previsto::Client::builder()
            .api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY)
            .base_url(sb.previsto_base_url())
            .build()
            .unwrap();
        client.contacts().create(&previsto::NewContact::new(hostile)).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_contacts"))
            .arg("previsto")
            .args(args)
            .env("PREVISTO_API_KEY", contacts_sandbox::credentials::PREVISTO_SECRET_KEY)
            .env("PREVISTO_BASE_URL", sb.previsto_base_url())
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let shown = text(&out.stdout);
        assert!(
            !shown.chars().any(|c| matches!(c, '\u{80}'..='\u{9f}' | '\u{202e}' | '\u{2028}')),
            "{args:?}: {shown:?}"
        );
        let back: serde_json::Value = serde_json::from_str(shown.trim()).unwrap();
        assert_eq!(back["name"], hostile, "{args:?}: the value is kept");
    }
}

#[test]
fn the_cli_readme_states_the_exit_statuses_it_has() {
    // Before: it said errors "exit with status 1", against its own table.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(!readme.contains("exit with status 1"));
    for code in ["11 a sync", "130 interrupted", "10 file error"] {
        assert!(readme.contains(code), "the CLI README lacks {code}");
    }
}

#[test]
fn sandbox_serve_seeds_one_provider_and_names_the_portals_customers() {
    // Before: `--seed 20000` seeded every provider (a sync's target started with 20,000
    // unrelated contacts), the portal's customer ids were found only by trying, and
    // `contacts portal list` without `--customer-id` exited 4 (a provider refusal), not 2.
    use std::io::BufRead;
    let (mut child, env) = serve(&["--seed", "4", "--seed", "levers=0"]);
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.contains("levers 0, cleanlife 4, previsto 4, portal 4"), "{first}");
    assert!(first.contains("customers 1, 2, 3"), "{first}");
    let run = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_contacts"));
        cmd.args(args).envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd.output().unwrap()
    };
    assert_eq!(text(&run(&["levers", "list", "--json"]).stdout).lines().count(), 0);
    assert_eq!(text(&run(&["previsto", "list", "--json"]).stdout).lines().count(), 4);
    let unnamed = run(&["portal", "list"]);
    assert_eq!(unnamed.status.code(), Some(2), "{}", text(&unnamed.stderr));
    assert!(text(&unnamed.stderr).contains("--customer-id"), "{}", text(&unnamed.stderr));
    let named = run(&["portal", "list", "--customer-id", "1", "--json"]);
    assert!(named.status.success(), "{}", text(&named.stderr));
    assert_eq!(text(&named.stdout).lines().count(), 2, "customer 1 holds seeds 0 and 3");
    let refused =
        Command::new(env!("CARGO_BIN_EXE_contacts")).args(["sandbox", "serve", "--seed", "nobody=3"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    child.kill().unwrap();
    child.wait().unwrap();
}
