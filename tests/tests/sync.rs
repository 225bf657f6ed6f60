//! contacts-sync against the sandbox: first and second runs, a run killed anywhere and resumed,
//! updates with only their changed fields, conflicts and refusals, and the throttle.

use std::collections::HashSet;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use contacts_core::{ContactUpdate, ContactsApi, NewContact, Provider as P, Sleeper};
use contacts_sandbox::{Fault, Provider, Sandbox, credentials};
use contacts_sync::{Match, SyncJob};

fn previsto(url: &str) -> previsto::Client {
    previsto::Client::builder().api_key(credentials::PREVISTO_SECRET_KEY).base_url(url).build().unwrap()
}

fn levers(url: &str) -> levers_client::Client {
    levers_client::Client::builder().token(credentials::LEVERS_TOKEN).base_url(url).build().unwrap()
}

/// A clock moved by the sleeper: the throttle waits without sleeping for real.
#[derive(Debug, Clone, Default)]
struct FakeTime(Arc<AtomicU64>);

impl FakeTime {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::SeqCst))
    }
}

impl Sleeper for FakeTime {
    fn sleep(&self, d: Duration) {
        self.0.fetch_add(d.as_nanos() as u64, Ordering::SeqCst);
    }
}

#[test]
fn ten_thousand_contacts_copy_once_and_a_second_run_writes_nothing() {
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 10_000).record_limit(0).start().unwrap();
    let (from, to) = (previsto(&sb.previsto_base_url()), levers(&sb.levers_base_url()));
    // Previsto's contacts have a location, which Levers cannot store: lossy, so it is dropped
    // and counted rather than refusing every contact.
    let mut sync = SyncJob::new(&from, &to).matching(Match::ExternalId).lossy(true);
    let plan = sync.plan().unwrap();
    assert_eq!((plan.creates().len(), plan.updates().len(), plan.source_count), (10_000, 0, 10_000));
    let report = sync.apply(&plan).unwrap();
    assert_eq!((report.created, report.failed.len()), (10_000, 0));
    assert_eq!(report.dropped, vec![(contacts_core::Field::Location, 10_000)]);
    assert_eq!(sb.contact_count(Provider::LEVERS), 10_000);

    let before = sb.request_count();
    let again = sync.plan().unwrap();
    assert!(again.is_empty(), "{again}");
    assert_eq!(again.unchanged, 10_000);
    let report = sync.apply(&again).unwrap();
    assert_eq!((report.created, report.updated, report.requests), (0, 0, 0));
    let writes = sb.requests().iter().filter(|r| r.method != "GET").count();
    assert_eq!(writes, 0, "the second run wrote nothing ({} requests, all reads)", sb.request_count() - before);
}

/// The child side of the kill test: applies a sync and aborts the process after `after` writes.
#[test]
fn child_that_dies_half_way() {
    let Ok(spec) = std::env::var("CONTACTS_SYNC_CHILD") else { return };
    let parts: Vec<&str> = spec.split(' ').collect();
    let (from_url, to_url, journal, after, keep): (&str, &str, &str, u64, usize) =
        (parts[0], parts[1], parts[2], parts[3].parse().unwrap(), parts[4].parse().unwrap());
    let (from, to) = (levers(from_url), previsto(to_url));
    // Eight writes in flight when the process dies: eight begun and not answered.
    let mut sync = SyncJob::new(&from, &to)
        .unthrottled()
        .concurrency(8)
        .delete(true)
        .keep_at_most(keep)
        .journal(journal)
        .progress(move |p| {
            if !p.planning && p.done >= after {
                std::process::abort();
            }
        });
    let plan = sync.plan().unwrap();
    let _ = sync.apply(&plan);
}

#[test]
fn a_run_killed_anywhere_resumes_without_a_duplicate_or_a_loss() {
    if std::env::var("CONTACTS_SYNC_CHILD").is_ok() {
        return;
    }
    // Levers to Previsto (which can delete), deleting what the sync once copied and whose
    // source is gone: creates and deletes are cut off anywhere, connections dropped too.
    const N: u64 = 2_000;
    const GONE: u64 = 3;
    let mut most_in_flight = 0;
    for seed in 0..20u64 {
        let sb = Sandbox::builder().seed(Provider::LEVERS, N).record_limit(0).start().unwrap();
        let target = previsto(&sb.previsto_base_url());
        // Copies this job made (its marker: source, scope, id) whose source is gone.
        let source = levers(&sb.levers_base_url());
        let job = SyncJob::new(&source, &target);
        for k in 0..GONE {
            target.create(&NewContact::new(format!("Gone {k}")).external_id(job.marker(&format!("gone-{k}")))).unwrap();
        }
        drop(job);
        // Copies another scope made (a Levers account at another host) into the same target:
        // not this run's to judge, whatever it deletes.
        let elsewhere = Sandbox::start().unwrap();
        let other_source = levers(&elsewhere.levers_base_url());
        let other_job = SyncJob::new(&other_source, &target);
        for k in 0..GONE {
            target
                .create(&NewContact::new(format!("Other {k}")).external_id(other_job.marker(&format!("kept-{k}"))))
                .unwrap();
        }
        drop(other_job);
        let dir = std::env::temp_dir().join(format!("contacts-sync-kill-{}-{seed}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        // A pseudo-random point, different for every seed; an injected connection drop too.
        let after = (seed * 7919 + 13) % (N + GONE);
        // Odd seeds plan with a small budget: most writes keep only their ids and read their
        // contact from the source when sent (round 4's compact plan), the run and the resume.
        let keep = if seed % 2 == 1 { 20_000 } else { contacts_sync::DEFAULT_KEEP_BYTES };
        sb.inject(Fault::drop_connection().on(Provider::PREVISTO).method("POST").times(1 + seed % 3));
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_that_dies_half_way", "--nocapture", "--test-threads=1"])
            .env(
                "CONTACTS_SYNC_CHILD",
                format!("{} {} {} {after} {keep}", sb.levers_base_url(), sb.previsto_base_url(), dir.display()),
            )
            .output()
            .unwrap();
        assert!(!out.status.success(), "seed {seed}: the child was meant to die");
        let (from, to) = (levers(&sb.levers_base_url()), previsto(&sb.previsto_base_url()));
        // No flag: the journal holds every setting (delete, no throttle, concurrency 8).
        let report = SyncJob::new(&from, &to).keep_at_most(keep).resume(&dir).unwrap();
        assert_eq!(report.concurrency, 8, "seed {seed}");
        most_in_flight = most_in_flight.max(report.resumed_in_flight);
        assert!(report.failed.is_empty(), "seed {seed}: {:?}", report.failed);
        let ids: Vec<String> =
            to.list(&contacts_core::ListContacts::new()).map(|c| c.unwrap().external_id.unwrap_or_default()).collect();
        let others = ids.iter().filter(|id| id.contains(":kept-")).count() as u64;
        assert_eq!(others, GONE, "seed {seed}: a copy of another scope was deleted");
        let ids: Vec<String> = ids.into_iter().filter(|id| !id.contains(":kept-")).collect();
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(ids.len() as u64, N, "seed {seed}: {} targets", ids.len());
        assert_eq!(unique.len(), ids.len(), "seed {seed}: a contact was created twice");
        assert!(ids.iter().all(|id| !id.contains(":gone-")), "seed {seed}: a copy whose source is gone stayed");
        let _ = std::fs::remove_file(&dir);
    }
    assert!(most_in_flight > 1, "some run died with several writes in flight: {most_in_flight}");
}

#[test]
fn a_hundred_changed_sources_make_a_hundred_updates_with_only_their_changes() {
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 500).start().unwrap();
    let (from, to) = (previsto(&sb.previsto_base_url()), levers(&sb.levers_base_url()));
    let mut sync = SyncJob::new(&from, &to).lossy(true);
    let plan = sync.plan().unwrap();
    sync.apply(&plan).unwrap();
    // Change the email of 100 sources, the phone of 50 of those too.
    for i in 0..100 {
        let mut patch = ContactUpdate::new().email(format!("changed{i}@example.dk"));
        if i % 2 == 0 {
            patch = patch.phone(format!("+4530{i:06}"));
        }
        from.update(&format!("con_sbx{i}"), &patch).unwrap();
    }
    sb.clear_requests();
    let plan = sync.plan().unwrap();
    assert_eq!((plan.creates().len(), plan.updates().len(), plan.unchanged), (0, 100, 400));
    let report = sync.apply(&plan).unwrap();
    assert_eq!(report.updated, 100);
    let puts: Vec<serde_json::Value> =
        sb.requests().iter().filter(|r| r.method == "PUT").map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
    assert_eq!(puts.len(), 100);
    for body in &puts {
        let mut keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        let phone_too = keys.contains(&"phoneNumber");
        let expected: &[&str] = if phone_too { &["email", "phoneNumber", "uuid"] } else { &["email", "uuid"] };
        assert_eq!(keys, expected, "{body}");
    }
    assert!(sync.plan().unwrap().is_empty());
}

#[test]
fn ambiguous_matches_and_refusals_are_in_the_plan_and_the_report() {
    let sb = Sandbox::start().unwrap();
    let (from, to) = (previsto(&sb.previsto_base_url()), levers(&sb.levers_base_url()));
    // Two target contacts share a phone; one source has it.
    to.create(&NewContact::new("Twin A").phone("+4522000001")).unwrap();
    to.create(&NewContact::new("Twin B").phone("+4522000001")).unwrap();
    from.create(&NewContact::new("Source twin").phone("+4522000001")).unwrap();
    // A source with no phone to match by; one with a location Levers cannot store.
    from.create(&NewContact::new("No phone")).unwrap();
    from.create(&NewContact::new("Placed").phone("+4522000002").location(contacts_core::Location::new(10.0, 56.0)))
        .unwrap();
    from.create(&NewContact::new("Plain").phone("+4522000003")).unwrap();
    let mut sync = SyncJob::new(&from, &to).matching(Match::Phone);
    let plan = sync.plan().unwrap();
    assert_eq!(plan.conflicts.len(), 1);
    assert_eq!(plan.conflicts[0].target_ids.len(), 2);
    let reasons: Vec<(&str, Option<&str>)> =
        plan.refusals.iter().map(|r| (r.reason.as_str(), r.field.as_deref())).collect();
    assert_eq!(plan.refusals.len(), 2, "{reasons:?}");
    assert!(plan.refusals.iter().any(|r| r.field.as_deref() == Some("location")), "{reasons:?}");
    assert!(plan.refusals.iter().any(|r| r.reason.contains("no phone")), "{reasons:?}");
    assert_eq!(plan.creates().len(), 1);
    let shown = plan.to_string();
    assert!(shown.contains("| conflict | 1 |") && shown.contains("| refused | 2 |"), "{shown}");
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["conflicts"][0]["target_ids"].as_array().unwrap().len(), 2);
    let report = sync.apply(&plan).unwrap();
    assert_eq!((report.created, report.refused.len(), report.conflicts.len()), (1, 2, 1));
    // Lossy: the location is dropped and counted instead.
    let mut lossy = SyncJob::new(&from, &to).matching(Match::Phone).lossy(true);
    let plan = lossy.plan().unwrap();
    assert_eq!(plan.refusals.len(), 1);
    let report = lossy.apply(&plan).unwrap();
    assert_eq!(report.dropped, vec![(contacts_core::Field::Location, 1)]);
}

#[test]
fn the_throttle_keeps_to_previstos_120_a_minute_with_no_429() {
    let sb = Sandbox::builder().seed(Provider::LEVERS, 300).start().unwrap();
    let time = FakeTime::default();
    let clock = time.clone();
    sb.rate_limit(Provider::PREVISTO, 120, move || clock.now());
    let (from, to) = (levers(&sb.levers_base_url()), previsto(&sb.previsto_base_url()));
    let clock = time.clone();
    // One write at a time: fake time jumps when a worker sleeps, so with several in flight a
    // request already let through would reach the sandbox stamped later than it was sent.
    // The bench checks the throttle at concurrency 8 in real time (`cargo xtask bench`).
    let mut sync = SyncJob::new(&from, &to)
        .matching(Match::ExternalId)
        .concurrency(1)
        .sleeper(time.clone())
        .clock(move || clock.now());
    let plan = sync.plan().unwrap();
    assert_eq!(plan.creates().len(), 300);
    let report = sync.apply(&plan).unwrap();
    assert_eq!((report.created, report.failed.len()), (300, 0));
    assert_eq!(sb.rate_limited(Provider::PREVISTO), 0, "no request met the limit: {report}, {:?}", time.now());
    // 300 writes half a second apart: two and a half minutes of (fake) time.
    assert!(time.now() >= Duration::from_secs(150), "{:?}", time.now());
    assert_eq!(to.provider(), P::PREVISTO);
}

#[cfg(unix)]
#[test]
fn a_runs_end_line_is_never_written_through_a_symlink() {
    // Before: `record_end` appended to whatever the journal's path pointed at once the run
    // had let go of it.
    let dir = std::env::temp_dir().join(format!("contacts-end-symlink-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let other = dir.join("someone-elses.txt");
    std::fs::write(&other, "kept\n").unwrap();
    let journal = dir.join("night.jsonl");
    std::os::unix::fs::symlink(&other, &journal).unwrap();
    let err = contacts_sync::record_end(&journal, "done", 0, None).unwrap_err();
    assert!(matches!(err, contacts_sync::SyncError::Journal { .. }), "{err:?}");
    assert!(err.to_string().contains("symlink"), "{err}");
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "kept\n");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Journal bytes per write, past the header, for a sync of `n` contacts.
fn journal_bytes_per_write(from: &dyn ContactsApi, to: &dyn ContactsApi, name: &str, n: u64) -> f64 {
    let j = std::env::temp_dir().join(format!("contacts-compact-{name}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&j);
    let mut job = SyncJob::new(from, to).lossy(true).unthrottled().journal(&j);
    let plan = job.plan().unwrap();
    let report = job.apply(&plan).unwrap();
    assert_eq!(report.created, n);
    drop(job);
    let text = std::fs::read_to_string(&j).unwrap();
    let header = text.lines().next().unwrap().len() + 1;
    let _ = std::fs::remove_file(&j);
    (text.len() - header) as f64 / n as f64
}

#[test]
fn a_write_costs_at_most_120_bytes_of_journal_with_levers_keys() {
    // Before (format 1): 303 bytes a write with Levers keys, 232 with Previsto's — 300 MB a
    // night for a million writes.
    let n = 2_000;
    let sb = Sandbox::builder().seed(Provider::PREVISTO, n).seed(Provider::LEVERS, n).record_limit(0).start().unwrap();
    let (p, l) = (previsto(&sb.previsto_base_url()), levers(&sb.levers_base_url()));
    // Into Levers (uuid target ids), and out of Levers (uuid source ids and keys).
    let into_levers = journal_bytes_per_write(&p, &l, "into-levers", n);
    let sb2 = Sandbox::builder().seed(Provider::LEVERS, n).record_limit(0).start().unwrap();
    let (p2, l2) = (previsto(&sb2.previsto_base_url()), levers(&sb2.levers_base_url()));
    let out_of_levers = journal_bytes_per_write(&l2, &p2, "out-of-levers", n);
    assert!(into_levers <= 120.0, "{into_levers} bytes a write into Levers");
    assert!(out_of_levers <= 120.0, "{out_of_levers} bytes a write out of Levers");
}

#[test]
fn a_journal_of_format_1_resumes_and_reads_in_the_status() {
    // A run cut off by the previous version: its lines (`{"event":"begin",…}`) are still read —
    // the write in flight is counted and looked up by its key — and the resume appends
    // format-2 lines after them.
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 5).record_limit(0).start().unwrap();
    let (p, l) = (previsto(&sb.previsto_base_url()), levers(&sb.levers_base_url()));
    let j = std::env::temp_dir().join(format!("contacts-format-1-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&j);
    let job = SyncJob::new(&p, &l).lossy(true).unthrottled().journal(&j);
    let plan = job.plan().unwrap();
    drop(job);
    // The header as version 1 wrote it, then one write done and one begun, never answered.
    let header = std::fs::read_to_string(&j).unwrap().replace(r#""version":2"#, r#""version":1"#);
    let line = |event: &str, c: &contacts_sync::PlannedCreate| {
        format!(r#"{{"event":"{event}","action":"create","key":"{}","source_id":"{}"}}"#, c.key, c.source_id)
    };
    let creates: Vec<_> = plan.creates().take(2).collect();
    let (first, second) = (&creates[0], &creates[1]);
    std::fs::write(
        &j,
        format!("{header}{}\n{}\n{}\n", line("begin", first), line("done", first), line("begin", second)),
    )
    .unwrap();
    let report = SyncJob::new(&p, &l).resume(&j).unwrap();
    assert_eq!(report.resumed_in_flight, 1, "{report}");
    assert_eq!(report.created, 5, "{report}");
    let (_, runs) = contacts_sync::history(&j).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!((runs[0].begun, runs[0].done, runs[0].unanswered), (2, 1, 1));
    assert_eq!((runs[1].begun, runs[1].done, runs[1].unanswered), (5, 5, 0));
    let text = std::fs::read_to_string(&j).unwrap();
    assert!(text.lines().any(|l| l.starts_with(r#"{"b":1,"a":"c","s":"#)), "{text}");
    let _ = std::fs::remove_file(&j);
}

#[test]
fn a_plan_past_its_budget_keeps_ids_and_the_apply_reads_the_rest_from_the_source() {
    // Round 4: a plan holds what it needs to decide, and the contacts of its writes only
    // while its budget lasts; the rest are read again from the source when written.
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 60).record_limit(0).start().unwrap();
    let (p, l) = (previsto(&sb.previsto_base_url()), levers(&sb.levers_base_url()));
    let budget = 1_000;
    let mut job = SyncJob::new(&p, &l).lossy(true).unthrottled().keep_at_most(budget);
    let plan = job.plan().unwrap();
    let kept = plan.creates().filter(|c| c.contact.is_some()).count();
    assert!(kept > 0 && kept < 20, "{kept} contacts kept within {budget} bytes");
    let gets_before = sb.count("GET", "/previsto/contacts");
    let report = job.apply(&plan).unwrap();
    assert_eq!((report.created, report.failed.len()), (60, 0), "{report}");
    // One read of the source for each write the plan did not keep.
    let gets: u64 = (0..60).map(|i| sb.count("GET", &format!("/previsto/contacts/con_sbx{i}"))).sum();
    assert_eq!(gets as usize, 60 - kept);
    let _ = gets_before;
    // What was written is what a plan that kept everything would have written.
    assert!(SyncJob::new(&p, &l).lossy(true).plan().unwrap().is_empty());
    // Updates past the budget too: the fields the plan found changed, read from the source.
    for i in 0..10 {
        p.update(&format!("con_sbx{i}"), &ContactUpdate::new().name(format!("Renamed {i}"))).unwrap();
    }
    let mut job = SyncJob::new(&p, &l).lossy(true).unthrottled().keep_at_most(0);
    let plan = job.plan().unwrap();
    assert_eq!(plan.updates().len(), 10);
    assert!(
        plan.updates().all(|u| u.contact.is_none() && u.patch().is_none() && u.fields == [contacts_core::Field::Name])
    );
    // A source contact deleted between the plan and the apply: its write fails, said so, and
    // the others go on.
    p.delete("con_sbx3").unwrap();
    let report = job.apply(&plan).unwrap();
    assert_eq!(report.updated, 9, "{report}");
    assert_eq!(report.failed.len(), 1, "{report}");
    assert!(report.failed[0].error.contains("gone since the plan"), "{:?}", report.failed[0]);
    let names: Vec<String> = l.list(&contacts_core::ListContacts::new()).map(|c| c.unwrap().name).collect();
    assert_eq!(names.iter().filter(|n| n.starts_with("Renamed ")).count(), 9);
}

#[test]
fn a_plan_is_cut_into_parts_that_together_write_it_once() {
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 25).record_limit(0).start().unwrap();
    let (p, l) = (previsto(&sb.previsto_base_url()), levers(&sb.levers_base_url()));
    let mut job = SyncJob::new(&p, &l).lossy(true).unthrottled();
    let plan = job.plan().unwrap();
    let parts = plan.parts(10);
    assert_eq!(parts.iter().map(|p| p.writes()).collect::<Vec<_>>(), [10, 10, 5]);
    let keys: Vec<String> = parts.iter().flat_map(|p| p.creates().map(|c| c.key)).collect();
    assert_eq!(keys, plan.creates().map(|c| c.key).collect::<Vec<_>>());
    for part in &parts {
        assert!(job.apply(part).unwrap().is_success());
    }
    assert_eq!(sb.contact_count(Provider::LEVERS), 25);
    assert!(job.plan().unwrap().is_empty());
}

#[test]
fn the_plan_reads_each_side_by_its_largest_page() {
    // Before: 100 a page on both sides, so Previsto (1,000 a page allowed) took ten times the
    // requests under its 120-a-minute limit.
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 2_500).seed(Provider::LEVERS, 250).start().unwrap();
    let (p, l) = (previsto(&sb.previsto_base_url()), levers(&sb.levers_base_url()));
    assert_eq!(ContactsApi::capabilities(&p).largest_page(), Some(1000));
    assert_eq!(ContactsApi::capabilities(&l).largest_page(), Some(100));
    let plan = SyncJob::new(&p, &l).lossy(true).plan().unwrap();
    assert_eq!((plan.source_count, plan.target_count), (2_500, 250));
    assert_eq!(sb.count("GET", "/previsto/contacts"), 3, "pages of 1,000");
    assert_eq!(sb.count("GET", "/levers/api-service/v1/contact"), 3, "pages of 100");
}
