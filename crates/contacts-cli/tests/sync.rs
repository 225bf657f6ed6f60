//! `contacts sync` as cron runs it: a sandbox of the test's own, credentials in the
//! environment, and each way a run ends checked by its exit status and the line on stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use contacts_sandbox::{Fault, Provider, Sandbox, credentials};

/// `contacts` with the sandbox's Previsto and Levers in the environment.
fn sync_cmd(sb: &Sandbox, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_contacts"));
    cmd.arg("sync")
        .args(args)
        .env("PREVISTO_API_KEY", credentials::PREVISTO_SECRET_KEY)
        .env("PREVISTO_BASE_URL", sb.previsto_base_url())
        .env("LEVERS_TOKEN", credentials::LEVERS_TOKEN)
        .env("LEVERS_BASE_URL", sb.levers_base_url())
        .env_remove("LEVERS_CLIENT_ID")
        .env_remove("CLEANLIFE_API_KEY")
        .env_remove("PORTAL_BASE_URL");
    cmd
}

fn run(mut cmd: Command) -> Output {
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn journal(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("contacts-cli-sync-{name}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(contacts_sync::lock_path(&path));
    path
}

fn levers_posts(sb: &Sandbox) -> u64 {
    sb.count("POST", "/levers/api-service/v1/contact")
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn a_dry_run_with_resume_writes_nothing_and_a_resume_needs_no_flags() {
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 10).start().unwrap();
    let j = journal("dry");
    let out = run(sync_cmd(&sb, &["--from", "previsto", "--to", "levers", "--lossy", "--journal", p(&j)]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("10 created, 0 found"), "{}", text(&out.stdout));
    // Three new sources since.
    let previsto = previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(sb.previsto_base_url())
        .build()
        .unwrap();
    for i in 0..3 {
        previsto.contacts().create(&previsto::NewContact::new(format!("New {i}"))).unwrap();
    }
    // Before: `--resume J --dry-run` performed the writes.
    let before = levers_posts(&sb);
    let out = run(sync_cmd(&sb, &["--resume", p(&j), "--dry-run"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("| create | 3 |"), "{}", text(&out.stdout));
    assert_eq!(levers_posts(&sb), before, "a dry run wrote");
    // Before: a resume without --lossy refused every contact and exited 0.
    let out = run(sync_cmd(&sb, &["--resume", p(&j)]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("3 created, 0 found, 0 updated, 10 unchanged"), "{}", text(&out.stdout));
    // A pid left by a run that died (its lock went with it): taken over, and said so.
    std::fs::write(contacts_sync::lock_path(&j), "999999").unwrap();
    let out = run(sync_cmd(&sb, &["--resume", p(&j)]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("took over the journal's lock left by pid 999999"), "{}", text(&out.stderr));
    // A flag that contradicts the journal is refused, naming the flag and what it holds.
    let out = run(sync_cmd(&sb, &["--resume", p(&j), "--match", "phone"]));
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("--match phone") && stderr.contains("--match external-id"), "{stderr}");
}

#[test]
fn each_way_a_run_ends_has_its_exit_status_and_a_line_saying_what_next() {
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 3).start().unwrap();
    // Refusals left: 1 (strict: Levers cannot store Previsto's location).
    let out = run(sync_cmd(&sb, &["--from", "previsto", "--to", "levers"]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("refused con_sbx0"), "{}", text(&out.stderr));
    // A missing journal: 10, never created.
    let missing = journal("missing");
    let out = run(sync_cmd(&sb, &["--resume", p(&missing)]));
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("start a new run with --journal"), "{}", text(&out.stderr));
    assert!(!missing.exists());
    // Credentials refused: 5.
    let mut cmd = sync_cmd(&sb, &["--from", "previsto", "--to", "levers", "--lossy"]);
    cmd.env("LEVERS_TOKEN", "wrong-token");
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    // No credentials: 9.
    let mut cmd = sync_cmd(&sb, &["--from", "previsto", "--to", "levers"]);
    cmd.env_remove("PREVISTO_API_KEY");
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("PREVISTO_API_KEY"), "{}", text(&out.stderr));
    // No network: 7.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/levers/api-service/v1", closed.local_addr().unwrap());
    drop(closed);
    let mut cmd = sync_cmd(&sb, &["--from", "previsto", "--to", "levers"]);
    cmd.env("LEVERS_BASE_URL", url);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    // The journal held by another run: 11, with its pid.
    let j = journal("held");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(contacts_sync::lock_path(&j))
        .unwrap();
    lock.try_lock().unwrap();
    std::fs::write(contacts_sync::lock_path(&j), std::process::id().to_string()).unwrap();
    let out = run(sync_cmd(&sb, &["--from", "previsto", "--to", "levers", "--lossy", "--journal", p(&j)]));
    assert_eq!(out.status.code(), Some(11), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&format!("pid {}", std::process::id())), "{}", text(&out.stderr));
    drop(lock);
    // A dead target: stopped after 5 failures in a row, the failure's code and the resume line.
    let j = journal("dead");
    sb.inject(Fault::status(503).on(Provider::LEVERS).method("POST").times(100));
    let out = run(sync_cmd(
        &sb,
        &["--from", "previsto", "--to", "levers", "--lossy", "--journal", p(&j), "--max-failures", "2"],
    ));
    assert_eq!(out.status.code(), Some(8), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("2 writes in a row failed"), "{stderr}");
    assert!(stderr.contains(&format!("resume with: contacts sync --resume {}", j.display())), "{stderr}");
    assert!(stderr.contains(" so far: ") && stderr.contains(" sync ended: stopped (exit 8) after "), "{stderr}");
    let history = Command::new(env!("CARGO_BIN_EXE_contacts")).args(["sync", "--status", p(&j)]).output().unwrap();
    assert!(text(&history.stdout).contains(": stopped (exit 8)"), "{}", text(&history.stdout));
}

#[test]
fn sigint_finishes_the_write_in_flight_and_prints_the_resume_line() {
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 200).start().unwrap();
    // Slow writes, so the signal lands mid-run.
    sb.inject(Fault::delay(Duration::from_millis(50)).on(Provider::LEVERS).method("POST").times(1000));
    let j = journal("sigint");
    let mut cmd = sync_cmd(&sb, &["--from", "previsto", "--to", "levers", "--lossy", "--journal", p(&j)]);
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // Wait (bounded) for a few writes to be journaled.
    let started = Instant::now();
    while std::fs::read_to_string(&j).map_or(0, |t| t.matches(r#"{"d":"#).count()) < 3 {
        assert!(started.elapsed() < Duration::from_secs(30), "the run never started writing");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("interrupted after "), "{stderr}");
    assert!(stderr.contains(&format!("resume with: contacts sync --resume {}", j.display())), "{stderr}");
    // The report so far, and the end in the log and in the journal (Before: neither).
    assert!(stderr.contains(" so far: ") && stderr.contains(" created, "), "{stderr}");
    assert!(stderr.contains(" sync ended: interrupted (exit 130) after "), "{stderr}");
    let journal = std::fs::read_to_string(&j).unwrap();
    let end: serde_json::Value = serde_json::from_str(journal.lines().last().unwrap()).unwrap();
    assert_eq!(
        (end["event"].as_str(), end["action"].as_str(), end["exit_code"].as_u64()),
        (Some("end"), Some("interrupted"), Some(130))
    );
    assert!(end["report"]["created"].as_u64().is_some_and(|n| n >= 3), "{end}");
    // Whole lines only, every begun write closed: done, failed, or cancelled by the stop before
    // it was sent (a worker that took one as the signal came) — nothing in flight.
    assert!(journal.ends_with('\n'));
    // (Format 2: `{"b":n,…}` begins write n; `{"d":n…}`, `{"f":n…}`, `{"x":n}` close it.)
    let closed = ["d", "f", "x"].iter().map(|e| journal.matches(&format!(r#"{{"{e}":"#)).count()).sum::<usize>();
    assert_eq!(journal.matches(r#"{"b":"#).count(), closed, "{journal}");
    // The resume finishes it.
    sb.clear_faults();
    let out = run(sync_cmd(&sb, &["--resume", p(&j)]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(sb.contact_count(Provider::LEVERS), 200);
}

#[test]
fn progress_reaches_a_pipe_as_lines() {
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 5).start().unwrap();
    let out = run(sync_cmd(&sb, &["--from", "previsto", "--to", "levers", "--lossy"]));
    assert_eq!(out.status.code(), Some(0));
    // stderr is a pipe here: every line starts with the time (RFC 3339), then says the run
    // started (pair, rate, journal), the first progress line, the plan and the end (outcome,
    // exit status, counts). Before: no time, no start and no end line.
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    for line in &lines {
        let (stamp, _) = line.split_once(' ').unwrap_or_default();
        assert!(humantime::parse_rfc3339(stamp).is_ok(), "no timestamp: {line}");
    }
    let said = |i: usize| lines[i].split_once(' ').map(|(_, l)| l).unwrap_or_default();
    assert!(said(0).starts_with("sync previsto -> levers started: rate unthrottled"), "{stderr}");
    assert!(said(0).ends_with("journal none"), "{stderr}");
    assert!(said(1).starts_with("sync: planning:"), "{stderr}");
    assert!(stderr.contains("planned: 5 writes (5 create, 0 update, 0 delete)"), "{stderr}");
    let end = said(lines.len() - 1);
    assert!(end.starts_with("sync ended: done (exit 0) after "), "{end}");
    assert!(end.contains(": 5 created, 0 found"), "{end}");
}

#[test]
fn rust_log_shows_the_sync_records_time_stamped() {
    // Before: the CLI installed no logger, so RUST_LOG=info printed nothing.
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 3).start().unwrap();
    let mut cmd = sync_cmd(&sb, &["--from", "previsto", "--to", "levers", "--lossy"]);
    cmd.env("RUST_LOG", "info");
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let records: Vec<&str> = stderr.lines().filter(|l| l.contains(" INFO contacts_sync: ")).collect();
    assert!(records.iter().any(|l| l.contains("3 created")), "{stderr}");
    for record in records {
        let (stamp, _) = record.split_once(' ').unwrap_or_default();
        assert!(humantime::parse_rfc3339(stamp).is_ok(), "{record}");
    }
    // Without RUST_LOG, only the sync's warnings: none in a clean run.
    let quiet = run(sync_cmd(&sb, &["--from", "previsto", "--to", "cleanlife", "--match", "phone", "--dry-run"]));
    assert!(!text(&quiet.stderr).contains(" INFO "), "{}", text(&quiet.stderr));
}

#[test]
fn a_dry_run_says_so_counts_every_row_and_estimates_at_the_rate_in_force() {
    // Before: no "dry run", 20 rows a kind without "…and N more", no rate, no estimate, and
    // the JSON report's duration was {"secs":…,"nanos":…}.
    let sb = Sandbox::builder().seed(Provider::LEVERS, 30).start().unwrap();
    let out = run(sync_cmd(&sb, &["--from", "levers", "--to", "previsto", "--dry-run"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("dry run: nothing was written\n"), "{stdout}");
    // 30 creates at Previsto's documented 120 a minute: 15 s.
    assert!(stdout.contains("rate 120/min (previsto's documented rate): about 15s to apply"), "{stdout}");
    assert!(text(&out.stderr).contains("(dry run: nothing will be written)"), "{}", text(&out.stderr));
    let json = run(sync_cmd(&sb, &["--from", "levers", "--to", "previsto", "--dry-run", "--json"]));
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["rate_per_minute"], 120);
    assert_eq!(plan["estimated_secs"], 15.0);
    assert_eq!(plan["creates"].as_array().map(Vec::len), Some(30));
    let out = run(sync_cmd(&sb, &["--from", "levers", "--to", "previsto", "--rate-per-minute", "6000", "--json"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["duration"].is_f64(), "seconds, a number: {report}");
    // Every row shown or counted: 25 refusals are 20 rows and "…and 5 more".
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 25).start().unwrap();
    let out = run(sync_cmd(&sb, &["--from", "previsto", "--to", "levers", "--dry-run"]));
    assert_eq!(out.status.code(), Some(1), "refusals fail the check");
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().filter(|l| l.starts_with("refused ")).count(), 20, "{stdout}");
    assert!(stdout.contains("…and 5 more refusals (--json lists every one)"), "{stdout}");
    assert!(stdout.contains("rate unthrottled: as fast as the target answers (no estimate)"), "{stdout}");
}

#[test]
fn counts_of_one_read_in_the_singular() {
    // Before: "1 requests", "from 1 contacts".
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 1).start().unwrap();
    let out = run(sync_cmd(&sb, &["--from", "previsto", "--to", "levers", "--lossy"]));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("(1 request in") && stdout.contains("dropped location from 1 contact (lossy)"), "{stdout}");
    assert!(stdout.contains("0 conflicts") && !stdout.contains("1 requests"), "{stdout}");
}

#[test]
fn concurrency_is_a_flag_the_journal_keeps_and_a_resume_may_change() {
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 30).start().unwrap();
    let out = run(sync_cmd(&sb, &["--from", "previsto", "--to", "levers", "--concurrency", "0"]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--concurrency"), "{}", text(&out.stderr));
    assert_eq!(levers_posts(&sb), 0);
    // Three 429s (Retry-After: 0, so the binary does not sleep): sent again, reported.
    sb.inject(Fault::status(429).retry_after("0").on(Provider::LEVERS).method("POST").times(3));
    let j = journal("concurrency");
    let out = run(sync_cmd(
        &sb,
        &["--from", "previsto", "--to", "levers", "--lossy", "--concurrency", "8", "--journal", p(&j), "--json"],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["created"].as_u64(), report["concurrency"].as_u64()), (Some(30), Some(8)), "{report}");
    assert_eq!(report["slowed_down"], 3, "{report}");
    assert!(report["lowest_concurrency"].as_u64().unwrap() <= 4, "{report}");
    assert_eq!(contacts_sync::JournalHeader::read(&j).unwrap().concurrency, 8);
    // A resume keeps the journal's concurrency unless told otherwise (it is not a setting of
    // what gets written, so it does not contradict the journal).
    let out = run(sync_cmd(&sb, &["--resume", p(&j), "--json"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["concurrency"], 8);
    let out = run(sync_cmd(&sb, &["--resume", p(&j), "--concurrency", "2", "--json"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["concurrency"], 2);
    // Said in words too.
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 10).start().unwrap();
    sb.inject(Fault::status(429).retry_after("0").on(Provider::LEVERS).method("POST").times(1));
    let out = run(sync_cmd(&sb, &["--from", "previsto", "--to", "levers", "--lossy"]));
    let said = text(&out.stdout);
    assert!(said.contains("the target asked to slow down 1 time: concurrency 4 went down to 2"), "{said}");
    let _ = std::fs::remove_file(&j);
}

#[test]
fn sync_help_explains_concurrency_the_shared_throttle_and_what_the_report_says_about_429s() {
    let out = Command::new(env!("CARGO_BIN_EXE_contacts")).args(["sync", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = text(&out.stdout);
    for said in [
        "--concurrency <N>",
        "default 4",
        "One throttle is shared by every write in flight",
        "429 (or 503 with Retry-After)",
        "the target asked to slow down",
        "lowest_concurrency",
    ] {
        assert!(help.contains(said), "{said:?} missing from:\n{help}");
    }
}

/// A journal written by one real run of previsto -> levers (10 contacts).
fn finished_journal(sb: &Sandbox, name: &str) -> PathBuf {
    let j = journal(name);
    let out = run(sync_cmd(sb, &["--from", "previsto", "--to", "levers", "--lossy", "--journal", p(&j)]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    j
}

#[test]
fn flags_that_mean_nothing_or_wait_forever_are_refused() {
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 3).start().unwrap();
    for (args, flag) in [
        (&["--rate-per-minute", "0"][..], "--rate-per-minute"),
        (&["--max-failures", "0"], "--max-failures"),
        (&["--max-delete", "5"], "--max-delete"),
        (&["--delete", "--match", "email"], "--delete needs --match external-id"),
        (&["--dry-run", "--journal", "/tmp/never-written.jsonl"], "--journal"),
        (&["--customer-id", "7"], "--customer-id has no effect"),
    ] {
        let mut all = vec!["--from", "previsto", "--to", "levers", "--lossy"];
        all.extend_from_slice(args);
        let out = run(sync_cmd(&sb, &all));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(flag), "{args:?}: {}", text(&out.stderr));
    }
    assert!(!Path::new("/tmp/never-written.jsonl").exists());
    assert_eq!(levers_posts(&sb), 0, "a refused command line wrote");
}

#[cfg(unix)]
#[test]
fn the_lock_never_follows_a_symlink_and_goes_with_the_run() {
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 3).start().unwrap();
    let j = journal("symlinked-lock");
    let victim = std::env::temp_dir().join(format!("contacts-victim-{}", std::process::id()));
    std::fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, contacts_sync::lock_path(&j)).unwrap();
    let out = run(sync_cmd(&sb, &["--from", "previsto", "--to", "levers", "--lossy", "--journal", p(&j)]));
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("is a symlink or not a plain file"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious", "the link's target was written");
    assert!(!j.exists() && levers_posts(&sb) == 0);
    std::fs::remove_file(contacts_sync::lock_path(&j)).unwrap();
    // A run that ends leaves no lock file behind.
    let j = finished_journal(&sb, "no-lock-left");
    assert!(!contacts_sync::lock_path(&j).exists(), "the lock file stayed");
    let _ = std::fs::remove_file(victim);
}

#[cfg(unix)]
#[test]
fn a_journal_others_can_write_is_not_resumed_unless_trusted() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 3).start().unwrap();
    let j = finished_journal(&sb, "world-writable");
    std::fs::set_permissions(&j, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = run(sync_cmd(&sb, &["--resume", p(&j)]));
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("writable by its group or others"), "{}", text(&out.stderr));
    let out = run(sync_cmd(&sb, &["--resume", p(&j), "--trust-journal"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Owned by another user (only root can hand a file over): refused though its mode is 0600.
    std::fs::set_permissions(&j, std::fs::Permissions::from_mode(0o600)).unwrap();
    if Command::new("chown").args(["65534", p(&j)]).status().is_ok_and(|s| s.success()) {
        let out = run(sync_cmd(&sb, &["--resume", p(&j)]));
        assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("owned by another user"), "{}", text(&out.stderr));
    }
}

#[test]
fn a_header_without_its_newline_is_repaired_before_appending() {
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 3).start().unwrap();
    let j = finished_journal(&sb, "no-newline");
    let header = std::fs::read_to_string(&j).unwrap().lines().next().unwrap().to_owned();
    std::fs::write(&j, &header).unwrap();
    for _ in 0..2 {
        let out = run(sync_cmd(&sb, &["--resume", p(&j)]));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let lines = std::fs::read_to_string(&j).unwrap();
    assert!(lines.starts_with(&format!("{header}\n")), "{lines}");
}

#[test]
fn over_max_delete_has_its_own_exit_status_in_a_dry_run_too_and_a_resume_may_raise_it() {
    // Portal to Previsto: a source that can lose contacts, a target that can delete.
    let sb = Sandbox::builder().seed(Provider::PORTAL, 6).start().unwrap();
    let cmd = |args: &[&str]| {
        let mut cmd = sync_cmd(&sb, args);
        cmd.env("PORTAL_BASE_URL", sb.portal_base_url()).env("PORTAL_AUTHORIZATION", credentials::PORTAL_AUTHORIZATION);
        cmd
    };
    let base =
        ["--from", "portal", "--to", "previsto", "--customer-id", "1", "--customer-id", "2", "--customer-id", "3"];
    let j = journal("max-delete");
    let out = run(cmd(&[&base[..], &["--delete", "--journal", p(&j)]].concat()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let portal = portal_contacts::Client::builder()
        .authorization(credentials::PORTAL_AUTHORIZATION)
        .base_url(sb.portal_base_url())
        .build()
        .unwrap();
    for id in ["1", "2", "3"] {
        portal.contacts().delete(&portal_contacts::ContactId::from(id)).unwrap();
    }
    let flags = [&base[..], &["--delete", "--max-delete", "2"]].concat();
    let dry = run(cmd(&[&flags[..], &["--dry-run"]].concat()));
    assert_eq!(dry.status.code(), Some(12), "{}", text(&dry.stderr));
    let j2 = journal("max-delete-2");
    let real = run(cmd(&[&flags[..], &["--journal", p(&j2)]].concat()));
    assert_eq!(real.status.code(), Some(12), "{}", text(&real.stderr));
    assert!(text(&real.stderr).contains("raise --max-delete"), "{}", text(&real.stderr));
    // The stopped run is finished by a resume that raises the limit (and says so in the journal).
    let out = run(cmd(&["--resume", p(&j2), "--max-delete", "3", "--rate-per-minute", "6000"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("3 deleted"), "{}", text(&out.stdout));
    let record = std::fs::read_to_string(&j2).unwrap();
    assert!(record.contains(r#""event":"setting","action":"max_delete","key":"3""#), "{record}");
    assert!(record.contains(r#""action":"rate_per_minute","key":"6000""#), "{record}");
}

#[cfg(unix)]
#[test]
fn sigterm_while_the_throttle_waits_ends_the_run_within_two_seconds() {
    // Before: a run throttled to 1 write a minute took minutes to end on SIGTERM.
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 20).start().unwrap();
    let j = journal("sigterm-throttled");
    let args = ["--from", "previsto", "--to", "levers", "--lossy", "--rate-per-minute", "1", "--journal", p(&j)];
    let child = sync_cmd(&sb, &args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    while std::fs::read_to_string(&j).map_or(0, |t| t.matches(r#"{"b":"#).count()) < 1 {
        assert!(started.elapsed() < Duration::from_secs(30), "the run never started writing");
        std::thread::sleep(Duration::from_millis(20));
    }
    let signalled = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    let took = signalled.elapsed();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(took < Duration::from_millis(2500), "took {took:?} to end");
    assert!(text(&out.stderr).contains(&format!("resume with: contacts sync --resume {}", j.display())));
    assert_eq!(levers_posts(&sb), 0, "the throttled write was not sent");
}

#[cfg(unix)]
#[test]
fn the_sandbox_env_file_is_never_written_through_a_symlink() {
    let dir = std::env::temp_dir().join(format!("contacts-env-file-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, dir.join("sandbox.partial")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_contacts"))
        .args(["sandbox", "serve", "--port", "0", "--env-file"])
        .arg(dir.join("sandbox.env"))
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("already there"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(!dir.join("sandbox.env").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn a_target_that_stops_answering_trips_the_breaker_within_max_failures_timeouts() {
    // `contacts sandbox serve` as the target, stopped (SIGSTOP) mid-run: connections are still
    // accepted by the kernel, nothing answers. Before: exit 7 after three minutes.
    let dir = std::env::temp_dir().join(format!("contacts-hung-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let env_file = dir.join("sandbox.env");
    let mut server = Command::new(env!("CARGO_BIN_EXE_contacts"))
        .args(["sandbox", "serve", "--port", "0", "--latency", "20ms", "--env-file"])
        .arg(&env_file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !env_file.exists() {
        assert!(started.elapsed() < Duration::from_secs(30), "the sandbox server never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let env = std::fs::read_to_string(&env_file).unwrap();
    let var = |name: &str| {
        env.lines().find_map(|l| l.strip_prefix(&format!("export {name}="))).unwrap().trim_matches('\'').to_owned()
    };
    let source = Sandbox::builder().seed(Provider::PREVISTO, 200).start().unwrap();
    let j = dir.join("run.jsonl");
    let mut cmd = sync_cmd(&source, &["--from", "previsto", "--to", "levers", "--lossy", "--journal", p(&j)]);
    cmd.args(["--timeout", "1", "--max-failures", "2", "--concurrency", "1"])
        .env("LEVERS_BASE_URL", var("LEVERS_BASE_URL"))
        .env("LEVERS_TOKEN", var("LEVERS_TOKEN"));
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    while std::fs::read_to_string(&j).map_or(0, |t| t.matches(r#"{"d":"#).count()) < 2 {
        assert!(started.elapsed() < Duration::from_secs(60), "the run never started writing");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(Command::new("kill").args(["-STOP", &server.id().to_string()]).status().unwrap().success());
    let stopped = Instant::now();
    let out = child.wait_with_output().unwrap();
    let took = stopped.elapsed();
    let _ = Command::new("kill").args(["-CONT", &server.id().to_string()]).status();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("2 writes in a row failed") && stderr.contains("resume with: contacts sync --resume"),
        "{stderr}"
    );
    // --max-failures × --timeout (each write's answer waited 1 s), with room for the machine.
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_target_answering_429_to_every_write_stops_the_run_with_its_exit_status() {
    // Before: every write was tried four times, the run returned with nothing created.
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 40).start().unwrap();
    sb.inject(Fault::status(429).retry_after("0").on(Provider::LEVERS).method("POST").times(100_000));
    let j = journal("429-storm");
    let out = run(sync_cmd(&sb, &["--from", "previsto", "--to", "levers", "--lossy", "--journal", p(&j)]));
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("answers in a row asked to slow down"), "{stderr}");
    assert!(stderr.contains(&format!("resume with: contacts sync --resume {}", j.display())), "{stderr}");
    assert!(levers_posts(&sb) <= 5 + 4, "{} POSTs", levers_posts(&sb));
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_sync_quietly_in_every_output_mode() {
    // Before: `contacts sync --dry-run --json | head -c 10` panicked (exit 101).
    use std::io::Read;
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 300).start().unwrap();
    for extra in [&["--dry-run", "--json"][..], &["--dry-run"], &["--json"], &[]] {
        let mut args = vec!["--from", "previsto", "--to", "levers", "--lossy"];
        args.extend_from_slice(extra);
        let mut child = sync_cmd(&sb, &args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        // Read ten bytes, then close the pipe, as `head -c 10` does.
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 10];
        let _ = stdout.read(&mut first);
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{extra:?}: {stderr}");
        assert_ne!(out.status.code(), Some(101), "{extra:?}: {stderr}");
    }
}

#[test]
fn each_run_ends_its_journal_and_status_tells_the_history_without_the_network() {
    // Before: a journal's last line was its last write (no outcome, exit status or counts),
    // and nothing printed a past run's summary.
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 5).start().unwrap();
    let j = journal("status");
    let out = run(sync_cmd(&sb, &["--from", "previsto", "--to", "levers", "--lossy", "--journal", p(&j)]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let last: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&j).unwrap().lines().last().unwrap()).unwrap();
    assert_eq!((last["event"].as_str(), last["exit_code"].as_u64()), (Some("end"), Some(0)), "{last}");
    assert_eq!(last["report"]["created"], 5);
    // A resume (nothing left to do) is a second run, with its own end.
    let out = run(sync_cmd(&sb, &["--resume", p(&j)]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // --status reads the file alone: with the sandbox gone and a lock held, it still answers.
    drop(sb);
    std::fs::write(contacts_sync::lock_path(&j), "1\n").unwrap();
    let status = |extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_contacts"));
        cmd.args(["sync", "--status", p(&j)]).args(extra).env_clear();
        cmd.output().unwrap()
    };
    let words = status(&[]);
    assert_eq!(words.status.code(), Some(0), "{}", text(&words.stderr));
    let words = text(&words.stdout);
    assert!(words.contains(": previsto -> levers by external-id, created "), "{words}");
    assert!(
        words.contains("run 1 (first) started ")
            && words.contains(": 5 writes begun, 5 done, 0 failed, 0 unanswered; ended "),
        "{words}"
    );
    assert!(words.contains(": done (exit 0): 5 created"), "{words}");
    assert!(words.contains("run 2 (resume) started ") && words.lines().count() == 3, "{words}");
    let json: serde_json::Value = serde_json::from_slice(&status(&["--json"]).stdout).unwrap();
    let runs = json["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["end"]["exit_code"], 0);
    assert_eq!(runs[0]["end"]["report"]["created"], 5);
    assert_eq!(runs[1]["resumed"], true);
    assert_eq!(runs[1]["end"]["outcome"], "done");
    // Not a journal: exit 10, with the line that says what to check.
    let missing = Command::new(env!("CARGO_BIN_EXE_contacts"))
        .args(["sync", "--status", "/nonexistent/night.jsonl"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(10), "{}", text(&missing.stderr));
    let _ = std::fs::remove_file(contacts_sync::lock_path(&j));
}

/// The README's cron line, run as cron runs it: `\%` unescaped, under `env -i` with the line's
/// own PATH, twice in one day; both nights are read back with `--status`.
#[cfg(unix)]
#[test]
fn the_readme_cron_line_runs_twice_a_day_from_an_empty_environment() {
    // Before: the line had no PATH for `contacts`, and a same-day rerun reused the dated
    // journal (exit 10, an alert).
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let block = readme.split("<!-- cron:begin -->").nth(1).unwrap().split("<!-- cron:end -->").next().unwrap();
    let path_line = block.lines().find(|l| l.starts_with("PATH=")).unwrap();
    let entry = block.lines().find(|l| l.starts_with("15 2 * * *")).unwrap();
    let command = entry.splitn(6, ' ').nth(5).unwrap().trim().replace("\\%", "%");
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 4).start().unwrap();
    let root = std::env::temp_dir().join(format!("contacts-cron-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for dir in ["etc", "lib", "log", "bin"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    let env: String = sb
        .env()
        .into_iter()
        .filter(|(name, _)| name.starts_with("PREVISTO") || name.starts_with("LEVERS"))
        .map(|(name, value)| format!("export {name}='{value}'\n"))
        .collect();
    std::fs::write(root.join("etc/env"), env).unwrap();
    // The alert records the status it was given.
    let alert = root.join("bin/alert");
    std::fs::write(&alert, format!("#!/bin/sh\necho \"$1\" >> {}/alerts\n", root.display())).unwrap();
    std::fs::set_permissions(&alert, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let command = command
        .replace("/etc/contacts/env", &root.join("etc/env").display().to_string())
        .replace("/var/lib/contacts", &root.join("lib").display().to_string())
        .replace("/var/log/contacts-sync.log", &root.join("log/sync.log").display().to_string())
        .replace("/usr/local/bin/alert-contacts-sync", &alert.display().to_string());
    // `contacts` where the line's PATH looks: its first directory stands for /usr/local/bin.
    let bin = Path::new(env!("CARGO_BIN_EXE_contacts")).parent().unwrap().display().to_string();
    let path = path_line.trim_start_matches("PATH=").replacen("/usr/local/bin", &bin, 1);
    for night in 1..=2 {
        let out = Command::new("env").args(["-i", &format!("PATH={path}"), "sh", "-c", &command]).output().unwrap();
        assert!(out.status.success(), "night {night}: {}{}", text(&out.stdout), text(&out.stderr));
    }
    assert!(!root.join("alerts").exists(), "alerted: {:?}", std::fs::read_to_string(root.join("alerts")));
    let journals: Vec<PathBuf> = std::fs::read_dir(root.join("lib")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(journals.len(), 2, "one journal a run: {journals:?}");
    let mut created = 0;
    for j in &journals {
        let status =
            Command::new(env!("CARGO_BIN_EXE_contacts")).args(["sync", "--status", p(j), "--json"]).output().unwrap();
        let history: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
        let end = &history["runs"][0]["end"];
        assert_eq!(end["exit_code"], 0, "{history}");
        created += end["report"]["created"].as_u64().unwrap();
    }
    assert_eq!(created, 4, "the first night created 4, the second none");
    let log = std::fs::read_to_string(root.join("log/sync.log")).unwrap();
    assert_eq!(log.matches(" sync previsto -> levers started: ").count(), 2, "{log}");
    assert_eq!(log.matches(" sync ended: done (exit 0)").count(), 2, "{log}");
    let _ = std::fs::remove_dir_all(&root);
}
