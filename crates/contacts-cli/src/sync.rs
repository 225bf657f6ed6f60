//! `contacts sync --from A --to B`: contacts-sync from a shell, and from cron.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use contacts_core::{ContactsApi, Error};
use contacts_sandbox::Sandbox;
use contacts_sync::{JournalHeader, Match, Progress, SyncError, SyncJob};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::providers::{self, Kind};

/// How contacts are matched, on the command line.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MatchBy {
    /// The target's external id holds the source's provider and id.
    ExternalId,
    /// The phone, in E.164 form.
    Phone,
    /// The email, case-folded.
    Email,
}

impl MatchBy {
    fn matching(self) -> Match {
        match self {
            MatchBy::ExternalId => Match::ExternalId,
            MatchBy::Phone => Match::Phone,
            MatchBy::Email => Match::Email,
        }
    }
}

#[derive(Args)]
pub(crate) struct SyncArgs {
    /// The provider to read from (with --resume: the journal's).
    #[arg(long, value_enum, required_unless_present_any = ["resume", "status"])]
    from: Option<Kind>,
    /// The provider to write to (with --resume: the journal's).
    #[arg(long, value_enum, required_unless_present_any = ["resume", "status"])]
    to: Option<Kind>,
    /// How a source contact and a target contact are recognised as the same [default:
    /// external-id; with --resume: the journal's].
    #[arg(long = "match", value_enum)]
    matching: Option<MatchBy>,
    /// Print the plan and write nothing (also with --resume). Exits 1 when the plan holds
    /// refusals or conflicts, so it works as a check.
    #[arg(long)]
    dry_run: bool,
    /// Record this run in a new journal (JSON lines, mode 0600), so it can be resumed.
    #[arg(long, conflicts_with = "resume")]
    journal: Option<PathBuf>,
    /// Finish the run this journal records, with every setting it holds: plan again, look
    /// up what was in flight, go on. A flag that contradicts the journal is refused.
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Print what this journal records, run by run (when each started, its writes, how it
    /// ended: outcome, exit status, counts), then exit. Reads the file only: no network call,
    /// no lock taken, so it works while a run holds the journal. With --json, one object.
    #[arg(long, value_name = "JOURNAL", conflicts_with_all = ["resume", "journal", "dry_run", "sandbox", "from", "to"])]
    status: Option<PathBuf>,
    /// Drop (and count) fields the target cannot store instead of refusing those contacts.
    #[arg(long)]
    lossy: bool,
    /// Delete target contacts this sync's scope created whose source its listing no longer
    /// has (a Previsto target; needs --match external-id). Copies other scopes made (other
    /// customer ids, another account or host) are never touched.
    #[arg(long)]
    delete: bool,
    /// With --delete: refuse a plan with more deletes than this, before writing anything.
    #[arg(long, value_name = "N")]
    max_delete: Option<u64>,
    /// Stop after this many writes in a row fail for reasons that are not the contact's own
    /// (no answer, 5xx, credentials refused) [default: 5].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_failures: Option<u32>,
    /// At most this many writes a minute, 1 or more [default: the target's documented rate,
    /// Previsto 120; none for the others].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    rate_per_minute: Option<u32>,
    /// Writes in flight at once, 1 to 64 [default: 4; with --resume: the journal's, unless
    /// given: it sets how fast, not what is written]. 1 writes in the plan's order. The
    /// throttle is shared by all of them, so the rate is never exceeded; when the target
    /// answers 429 (or 503 with Retry-After) every write waits, the concurrency halves and
    /// climbs back one at a time, and the report says how often and how low it went.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    concurrency: Option<u32>,
    /// Print the plan or the report as JSON.
    #[arg(long)]
    json: bool,
    /// Run against one local sandbox serving both sides.
    #[arg(long, conflicts_with = "resume")]
    sandbox: bool,
    /// With --sandbox: seed the source with this many generated contacts.
    #[arg(long, default_value_t = 0, requires = "sandbox")]
    seed: u64,
    /// The portal's customer ids to read, when the portal is the source or the target (a
    /// source that has no such filter refuses them).
    #[arg(long = "customer-id")]
    customer_ids: Vec<u64>,
    /// How long each phase of a request may take, in seconds (sending it, waiting for the
    /// answer, reading it) [default: each client's own, 30 to 60 s]. A target that accepts
    /// connections and never answers stops the run after --max-failures such writes.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: Option<u64>,
    /// With --resume: resume the journal even if another user owns it or its group or others
    /// may write it (refused otherwise: a resume replays its settings, deletes included).
    #[arg(long, requires = "resume")]
    trust_journal: bool,
}

/// Exit statuses of `contacts sync` beyond the common table.
const EXIT_INTERRUPTED: u8 = 130;
const EXIT_LOCKED: u8 = 11;
/// The plan deletes more than --max-delete allows: nothing was written.
const EXIT_TOO_MANY_DELETES: u8 = 12;

/// How long a run asked to stop (SIGINT, SIGTERM) may take to end: the writes in flight are
/// given this long to answer, then the process ends anyway (the journal holds every write
/// begun, and a resume looks up those whose answer it never recorded).
const STOP_GRACE: Duration = Duration::from_millis(1500);

/// What the run is doing, for the signal handler: while planning nothing is written, so a
/// signal ends the process at once; while applying, the write in flight is finished first.
const PLANNING: u8 = 0;
const APPLYING: u8 = 1;

/// One line on stderr: prefixed with an RFC 3339 timestamp when stderr is not a terminal (a
/// log file, cron's mail), so an appended log says when each thing happened. A closed stderr
/// is ignored, never a panic.
pub(crate) fn say(line: &str) {
    use std::io::{IsTerminal, Write};
    let stderr = std::io::stderr();
    let text = if stderr.is_terminal() {
        format!("{line}\n")
    } else {
        let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
        line.lines().map(|l| format!("{now} {l}\n")).collect()
    };
    let _ = stderr.lock().write_all(text.as_bytes());
}

/// "2m 30s", "45s", "1h 5m": an estimate, to the second.
fn approx(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs().max(1))).to_string()
}

/// Runs the sync and maps every way it can end to its exit status and a line on stderr that
/// says what to do next.
pub(crate) fn run(args: &SyncArgs) -> ExitCode {
    let stop = Arc::new(AtomicBool::new(false));
    let phase = Arc::new(AtomicU8::new(PLANNING));
    let journal = args.resume.clone().or_else(|| args.journal.clone());
    let again = resume_line(journal.as_deref());
    if let Some(path) = &args.status {
        return status(path, args.json);
    }
    watch_signals(&stop, &phase, again.clone());
    let started = std::time::Instant::now();
    let mut summary = None;
    let mut report = None;
    let result = sync(args, &stop, &phase, &mut summary, &mut report);
    // The journal's end line, for every way a run that had its journal can end (not when the
    // journal itself was the trouble, or held by another run, or the flags contradicted it).
    let recordable = match &result {
        Err(Failure::Usage(_)) => false,
        Err(Failure::Sync(e)) => {
            !matches!(e, SyncError::Journal { .. } | SyncError::Locked { .. } | SyncError::Mismatch { .. })
        }
        Ok(_) => !args.dry_run,
    };
    let (code, outcome) = outcome(result, &again, &mut report);
    if let (true, Some(outcome), Some(path)) = (recordable, outcome, journal.as_deref())
        && path.exists()
        && let Err(e) = contacts_sync::record_end(path, outcome, code, report.as_ref())
    {
        say(&format!("warning: the journal's end line could not be written: {}", one_line(&e)));
    }
    if let Some(outcome) = outcome {
        let counts = summary.or_else(|| report.as_ref().map(|r| r.to_string().replace('\n', "; ")));
        let counts = counts.map(|s| format!(": {s}")).unwrap_or_default();
        let took = started.elapsed();
        let took = if took < Duration::from_secs(1) { format!("{} ms", took.as_millis()) } else { approx(took) };
        say(&format!("sync ended: {outcome} (exit {code}) after {took}{counts}"));
    }
    ExitCode::from(code)
}

/// The exit status of how the sync ended, with its line said; and the outcome in words for
/// the end line (none for a usage error: nothing ran).
fn outcome(
    result: Result<bool, Failure>,
    again: &str,
    so_far: &mut Option<contacts_sync::Report>,
) -> (u8, Option<&'static str>) {
    match result {
        Ok(true) => (0, Some("done")),
        Ok(false) => (1, Some("finished with refusals, conflicts or failed writes")),
        Err(Failure::Usage(message)) => {
            say(&format!("error: sync: {message}"));
            (2, None)
        }
        Err(Failure::Sync(e)) => {
            let (code, hint) = match &e {
                SyncError::Journal { .. } => (10, "check the path, or start a new run with --journal NEW".to_owned()),
                SyncError::Mismatch { .. } => {
                    (2, "leave the flag out: --resume takes every setting from the journal".to_owned())
                }
                SyncError::Locked { .. } => {
                    (EXIT_LOCKED, "wait for that run to end; a run that died leaves no lock".to_owned())
                }
                SyncError::Provider(err) => {
                    let code = provider_code(err);
                    (code, "nothing was written; fix the cause and run again".to_owned())
                }
                SyncError::Stopped { error, .. } => (provider_code(error), again.to_owned()),
                SyncError::TooManyDeletes { .. } => (
                    EXIT_TOO_MANY_DELETES,
                    "nothing was written. Check the source first (a listing cut short would delete its copies), then raise --max-delete (with --resume too)".to_owned(),
                ),
                SyncError::Interrupted { .. } => (EXIT_INTERRUPTED, again.to_owned()),
                _ => (1, again.to_owned()),
            };
            let shown = crate::failure::in_flags(&one_line(&e));
            match &e {
                SyncError::Interrupted { report } => {
                    say(&format!("interrupted after {} writes; {hint}", report.writes()));
                    say(&format!("so far: {report}"));
                    *so_far = Some((**report).clone());
                    (code, Some("interrupted"))
                }
                SyncError::Stopped { report, .. } => {
                    say(&format!("error: sync: {shown}\n{hint}"));
                    say(&format!("so far: {report}"));
                    *so_far = Some((**report).clone());
                    (code, Some("stopped"))
                }
                _ => {
                    say(&format!("error: sync: {shown}\n{hint}"));
                    (code, Some("failed"))
                }
            }
        }
    }
}

/// A usage error of the flags, or how the sync ended.
enum Failure {
    Usage(String),
    Sync(SyncError),
}

impl From<SyncError> for Failure {
    fn from(e: SyncError) -> Failure {
        match e {
            SyncError::Refused { setting, reason } if setting == "matching" => {
                Failure::Usage(format!("invalid --match: {}", contacts_core::escaped(&reason)))
            }

            SyncError::Provider(Error::Unsupported(d)) => {
                Failure::Usage(format!("{}: --delete needs a target that can delete", Error::Unsupported(d)))
            }
            other => Failure::Sync(other),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::from(SyncError::Provider(e))
    }
}

fn provider_code(e: &Error) -> u8 {
    crate::failure::exit_code_of(e)
}

fn one_line(e: &SyncError) -> String {
    match e {
        SyncError::Provider(err) => crate::failure::one_line(err),
        other => other.to_string().replace(['\n', '\r'], " "),
    }
}

/// The line that tells an operator how to finish a run.
fn resume_line(journal: Option<&Path>) -> String {
    match journal {
        Some(path) => format!("resume with: contacts sync --resume {}", path.display()),
        None => "run the same command again: the new plan skips what was written (--journal FILE lets a run be resumed exactly)"
            .to_owned(),
    }
}

/// SIGINT and SIGTERM: while planning, end at once (nothing was written); while applying, let
/// the write in flight finish and be recorded.
fn watch_signals(stop: &Arc<AtomicBool>, phase: &Arc<AtomicU8>, again: String) {
    let Ok(mut signals) =
        signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM])
    else {
        return;
    };
    let (stop, phase) = (Arc::clone(stop), Arc::clone(phase));
    std::thread::spawn(move || {
        for _ in signals.forever() {
            if phase.load(Ordering::SeqCst) == PLANNING {
                say(&format!("interrupted while planning: nothing was written; {again}"));
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
            if stop.swap(true, Ordering::SeqCst) {
                // A second signal: end now.
                say(&format!("interrupted; {again}"));
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
            // Every wait of the run yields to the stop within a quarter second; a request in
            // flight gets the grace, then the process ends whatever it waits on.
            let grace = std::sync::mpsc::channel::<()>();
            let _keep = grace.0;
            if grace.1.recv_timeout(STOP_GRACE).is_err() {
                say(&format!("interrupted with writes still in flight (each is in the journal as begun); {again}"));
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
        }
    });
}

fn sync(
    args: &SyncArgs,
    stop: &Arc<AtomicBool>,
    phase: &Arc<AtomicU8>,
    summary: &mut Option<String>,
    report: &mut Option<contacts_sync::Report>,
) -> Result<bool, Failure> {
    let header = match &args.resume {
        Some(path) => Some(JournalHeader::read(path)?),
        None => None,
    };
    let (from, to) = match &header {
        Some(h) => {
            let (Some(from), Some(to)) = (Kind::of(h.source.provider), Kind::of(h.target.provider)) else {
                return Err(Failure::Usage("the journal names a provider this contacts does not know".to_owned()));
            };
            check_flags(args, h, from, to)?;
            (from, to)
        }
        None => match (args.from, args.to) {
            (Some(from), Some(to)) => (from, to),
            _ => return Err(Failure::Usage("--from and --to are required (or --resume JOURNAL)".to_owned())),
        },
    };
    if from == to {
        return Err(Failure::Usage("invalid --to: must name another provider than --from".to_owned()));
    }
    refuse_idle_flags(args, header.as_ref())?;
    let by_customer = |k: Kind| providers::capabilities_of(k).lists_by_customer_ids();
    if !args.customer_ids.is_empty() && !by_customer(from) && !by_customer(to) {
        return Err(Failure::Usage(format!(
            "--customer-id has no effect here: neither {} nor {} lists contacts by customer",
            from.name(),
            to.name()
        )));
    }
    let sandbox = if args.sandbox {
        let provider = from.provider();
        Some(
            Sandbox::builder()
                .seed(provider, args.seed)
                .record_limit(0)
                .start()
                .map_err(|e| Error::config(format!("could not start the sandbox: {e}")))?,
        )
    } else {
        None
    };
    let client = |kind| -> Result<Box<dyn ContactsApi>, Error> {
        match &sandbox {
            Some(sb) => providers::client_for(kind, sb),
            None => {
                let o = providers::Overrides { timeout: args.timeout.map(Duration::from_secs), ..Default::default() };
                Ok(providers::Connection::from_env(kind, &o)?.into_api())
            }
        }
    };
    let (source, target) = (client(from)?, client(to)?);
    let mut job = SyncJob::new(source.as_ref(), target.as_ref()).stop_when(Arc::clone(stop));
    if let Some(path) = &args.resume {
        job = job.trust_journal(args.trust_journal).from_journal(path)?;
        // What a resume may change: how fast (rate, concurrency below) and how many deletes
        // it may make; each change is a line in the journal.
        if let Some(n) = args.rate_per_minute {
            job = job.rate_per_minute(n);
        }
        if let Some(n) = args.max_delete {
            job = job.max_delete(n);
        }
        if let Some(n) = args.max_failures {
            job = job.max_failures(n);
        }
    } else {
        job = job
            .matching(args.matching.unwrap_or(MatchBy::ExternalId).matching())
            .lossy(args.lossy)
            .delete(args.delete)
            .customer_ids(args.customer_ids.iter().copied());
        if let Some(n) = args.max_delete {
            job = job.max_delete(n);
        }
        if let Some(n) = args.max_failures {
            job = job.max_failures(n);
        }
        if let Some(n) = args.rate_per_minute {
            job = job.rate_per_minute(n);
        }
        if let Some(path) = &args.journal {
            job = job.journal(path);
        }
    }
    // A pid left in the lock file is a run that died (a clean end clears it): say so once the
    // lock is ours.
    let stale = journal_of(args).and_then(|j| std::fs::read_to_string(contacts_sync::lock_path(&j)).ok());
    let stale = stale.and_then(|t| t.trim().parse::<u32>().ok()).filter(|pid| *pid != std::process::id());
    let mut reporter = Reporter::new();
    let mut said = false;
    job = job.progress(move |p| {
        if let (Some(pid), false) = (stale, said) {
            say(&format!("took over the journal's lock left by pid {pid}, which is no longer running"));
            said = true;
        }
        reporter.show(p);
    });
    if let Some(n) = args.concurrency {
        job = job.concurrency(n);
    }
    let rate = rate_in_words(&job, args, to);
    say(&format!(
        "sync {} -> {} started{}: rate {rate}, concurrency {}, journal {}",
        from.name(),
        to.name(),
        if args.dry_run { " (dry run: nothing will be written)" } else { "" },
        args.concurrency.map_or_else(|| "default".to_owned(), |n| n.to_string()),
        journal_of(args).map_or_else(|| "none".to_owned(), |p| p.display().to_string()),
    ));
    if let (Some(path), false) = (&args.resume, args.dry_run) {
        // A resume plans again itself: a signal from here on stops it before its next write.
        phase.store(APPLYING, Ordering::SeqCst);
        return finish(args, job.resume(path)?, report);
    }
    let plan = job.plan()?;
    let estimate = job.estimate(&plan);
    let deletes = if args.delete || header.as_ref().is_some_and(|h| h.delete) { plan.deletes.len() } else { 0 };
    say(&format!(
        "planned: {} writes ({} create, {} update, {deletes} delete) at {rate}: {}",
        plan.writes() + deletes,
        plan.creates().len(),
        plan.updates().len(),
        estimate.map_or_else(
            || "no rate holds it back (as fast as the target answers)".to_owned(),
            |d| format!("about {}", approx(d))
        ),
    ));
    // A dry run fails where the real run would, with the same exit status: deletes of a
    // target that cannot delete, more deletes than allowed.
    if let Some(max) = delete_limit(args, header.as_ref())
        && !plan.deletes.is_empty()
    {
        if !providers::capabilities_of(to).supports(contacts_core::Operation::Delete) {
            return Err(Failure::from(Error::unsupported(to.provider(), contacts_core::Operation::Delete)));
        }
        if plan.deletes.len() as u64 > max {
            return Err(Failure::Sync(SyncError::TooManyDeletes { planned: plan.deletes.len() as u64, max }));
        }
    }
    if args.dry_run {
        let per_minute = job.rate_in_force();
        if args.json {
            // The plan, and what the dry run adds: that it is one, the rate and the estimate.
            let mut json = serde_json::to_value(&plan).map_err(|e| Error::config(e.to_string()))?;
            if let Some(object) = json.as_object_mut() {
                object.insert("dry_run".to_owned(), true.into());
                object.insert("rate_per_minute".to_owned(), per_minute.into());
                object.insert("estimated_secs".to_owned(), estimate.map(|d| d.as_secs_f64()).into());
            }
            crate::output::Out::stdout().print(&format!("{json}\n"));
        } else {
            let estimate = estimate.map_or_else(
                || "as fast as the target answers (no estimate)".to_owned(),
                |d| format!("about {} to apply", approx(d)),
            );
            crate::output::Out::stdout()
                .print(&format!("dry run: nothing was written\n{plan}rate {rate}: {estimate}\n"));
        }
        *summary = Some(format!("dry run, {} writes planned", plan.writes() + deletes));
        return Ok(plan.refusals.is_empty() && plan.conflicts.is_empty());
    }
    phase.store(APPLYING, Ordering::SeqCst);
    let applied = job.apply(&plan)?;
    finish(args, applied, report)
}

/// `--status J`: the journal's history, in words or JSON. Exit 0, or 10 when J is not a
/// readable journal.
fn status(path: &Path, json: bool) -> ExitCode {
    let (header, runs) = match contacts_sync::history(path) {
        Ok(h) => h,
        Err(e) => {
            say(&format!(
                "error: sync: {}\ncheck the path: --status reads a journal written by --journal",
                one_line(&e)
            ));
            return ExitCode::from(10);
        }
    };
    let out = crate::output::Out::stdout();
    if json {
        out.print(&format!("{}\n", serde_json::json!({ "journal": path, "header": header, "runs": runs })));
        return ExitCode::SUCCESS;
    }
    let time =
        |secs: u64| humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + Duration::from_secs(secs)).to_string();
    let mut text = format!(
        "journal {}: {} -> {} by {}, created {}\n",
        path.display(),
        header.source.provider,
        header.target.provider,
        header.matching.name(),
        time(header.created_at)
    );
    for (i, run) in runs.iter().enumerate() {
        text.push_str(&format!(
            "run {} ({}) started {}: {} writes begun, {} done, {} failed, {} unanswered; ",
            i + 1,
            if run.resumed { "resume" } else { "first" },
            time(run.started_at),
            run.begun,
            run.done,
            run.failed,
            run.unanswered
        ));
        match &run.end {
            Some(end) => {
                text.push_str(&format!("ended {}: {} (exit {})", time(end.at), end.outcome, end.exit_code));
                if let Some(report) = &end.report {
                    text.push_str(&format!(": {}", report.to_string().replace('\n', "; ")));
                }
                text.push('\n');
            }
            None => text.push_str("no end recorded (killed, or still running)\n"),
        }
    }
    out.print(&text);
    ExitCode::SUCCESS
}

/// The rate in force, and where it comes from.
fn rate_in_words(job: &SyncJob<'_>, args: &SyncArgs, to: Kind) -> String {
    match job.rate_in_force() {
        None => "unthrottled".to_owned(),
        Some(n) if args.rate_per_minute.is_some() => format!("{n}/min (--rate-per-minute)"),
        Some(n) if args.resume.is_some() => format!("{n}/min (the journal's)"),
        Some(n) if contacts_sync::documented_rate(to.provider()) == Some(n) => {
            format!("{n}/min ({}'s documented rate)", to.name())
        }
        Some(n) => format!("{n}/min"),
    }
}

/// Prints the report; success only when everything planned was written and nothing refused.
fn finish(
    args: &SyncArgs,
    report: contacts_sync::Report,
    kept: &mut Option<contacts_sync::Report>,
) -> Result<bool, Failure> {
    *kept = Some(report.clone());
    if args.json {
        let json = serde_json::to_string(&report).map_err(|e| Error::config(e.to_string()))?;
        crate::output::Out::stdout().print(&format!("{json}\n"));
    } else {
        crate::output::Out::stdout().print(&format!("{report}\n"));
        let e = contacts_core::escaped;
        for f in &report.failed {
            say(&format!("failed {} {}: {}", f.action, e(&f.source_id), e(&f.error)));
        }
        for r in &report.refused {
            say(&format!("refused {}: {}", e(&r.source_id), e(&r.reason)));
        }
        for c in &report.conflicts {
            say(&format!("conflict {}: {} sources, {} targets", e(&c.key), c.source_ids.len(), c.target_ids.len()));
        }
    }
    Ok(report.is_success())
}

fn journal_of(args: &SyncArgs) -> Option<PathBuf> {
    args.resume.clone().or_else(|| args.journal.clone())
}

/// With --resume, every setting comes from the journal: a flag given that says otherwise is
/// refused, naming the flag and what the journal holds.
fn check_flags(args: &SyncArgs, h: &JournalHeader, from: Kind, to: Kind) -> Result<(), Failure> {
    let refuse = |flag: &str, journal: String| {
        Err(Failure::Usage(format!(
            "{flag} contradicts the journal, which holds {journal}: leave it out (--resume takes every setting from the journal)"
        )))
    };
    if let Some(f) = args.from.filter(|f| *f != from) {
        return refuse(&format!("--from {}", f.name()), format!("--from {}", from.name()));
    }
    if let Some(t) = args.to.filter(|t| *t != to) {
        return refuse(&format!("--to {}", t.name()), format!("--to {}", to.name()));
    }
    if let Some(m) = args.matching.filter(|m| m.matching() != h.matching) {
        return refuse(&format!("--match {}", m.matching().name()), format!("--match {}", h.matching.name()));
    }
    if args.lossy && !h.lossy {
        return refuse("--lossy", "a strict run (no --lossy)".to_owned());
    }
    if args.delete && !h.delete {
        return refuse("--delete", "a run that deletes nothing".to_owned());
    }
    if !args.customer_ids.is_empty() && args.customer_ids != h.customer_ids {
        return refuse("--customer-id", format!("customer ids {:?}", h.customer_ids));
    }
    Ok(())
}

/// Progress on stderr: a bar on a terminal; in a pipe or a log, one line at most every 10 s.
struct Reporter {
    bar: Option<ProgressBar>,
    last_line: Option<Instant>,
    started: Instant,
    /// In a pipe: the last line and when it was written, shared with a ticker that says the
    /// run is still waiting when nothing has answered for a while (a stalled target).
    shared: Arc<std::sync::Mutex<Stall>>,
}

/// What the ticker knows of a run in a pipe.
#[derive(Default)]
struct Stall {
    last_line: Option<Instant>,
    latest: Option<String>,
}

impl Stall {
    /// The line to write at `now` when no progress line came for [`Reporter::EVERY`]: the run
    /// is waiting (on a silent target, a throttle, a pause), and the log says so.
    fn due(&self, now: Instant) -> Option<String> {
        let last = self.last_line?;
        let waited = now.checked_duration_since(last)?;
        if waited < Reporter::EVERY {
            return None;
        }
        let latest = self.latest.as_deref()?;
        Some(format!("sync: still waiting, no answer for {}s; last: {latest}", waited.as_secs()))
    }
}

impl Reporter {
    const EVERY: Duration = Duration::from_secs(10);

    fn new() -> Reporter {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({eta} left)")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        let shared = Arc::new(std::sync::Mutex::new(Stall::default()));
        if bar.is_none() {
            let ticker = Arc::clone(&shared);
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                    let mut stall = ticker.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    if let Some(line) = stall.due(Instant::now()) {
                        say(&line);
                        stall.last_line = Some(Instant::now());
                    }
                }
            });
        }
        Reporter { bar, last_line: None, started: Instant::now(), shared }
    }

    /// Writes a progress line and tells the ticker.
    fn line(&mut self, line: String) {
        say(&line);
        let now = Instant::now();
        self.last_line = Some(now);
        let mut stall = self.shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        stall.last_line = Some(now);
        stall.latest = Some(line.trim_start_matches("sync: ").to_owned());
    }

    fn show(&mut self, p: &Progress) {
        if let Some(bar) = &self.bar {
            if p.planning {
                bar.set_message(format!("planning: {} source, {} target read", p.source_read, p.target_read));
            } else {
                bar.set_message("writes");
                bar.set_length(p.total);
                bar.set_position(p.done);
                if p.done == p.total {
                    bar.finish_and_clear();
                }
            }
            return;
        }
        if self.last_line.is_some_and(|t| t.elapsed() < Self::EVERY) {
            return;
        }
        if p.planning {
            self.line(format!("sync: planning: {} source and {} target contacts read", p.source_read, p.target_read));
            return;
        }
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = p.done as f64 / secs;
        let left = if rate > 0.0 {
            format!("~{:.0}s left", (p.total - p.done.min(p.total)) as f64 / rate)
        } else {
            "?".to_owned()
        };
        self.line(format!(
            "sync: {}/{} writes ({} created, {} updated, {} failed), {rate:.1}/s at concurrency {}, {left}",
            p.done, p.total, p.created, p.updated, p.failed, p.concurrency
        ));
    }
}

/// The most deletes the run may make, when it deletes.
fn delete_limit(args: &SyncArgs, header: Option<&JournalHeader>) -> Option<u64> {
    let deletes = args.delete || header.is_some_and(|h| h.delete);
    let max = args.max_delete.or(header.map(|h| h.max_delete)).unwrap_or(contacts_sync::DEFAULT_MAX_DELETE);
    deletes.then_some(max)
}

/// A flag that would change nothing in this run is refused, naming it and why: a cron line
/// that says more than it does is a line nobody can trust.
fn refuse_idle_flags(args: &SyncArgs, header: Option<&JournalHeader>) -> Result<(), Failure> {
    let refuse = |flag: &str, why: &str| Err(Failure::Usage(format!("{flag} has no effect here: {why}")));
    let deletes = args.delete || header.is_some_and(|h| h.delete);
    if args.max_delete.is_some() && !deletes {
        return refuse("--max-delete", "the run deletes nothing (add --delete)");
    }
    let matching = args.matching.map(MatchBy::matching).or(header.map(|h| h.matching)).unwrap_or(Match::ExternalId);
    if args.delete && matching != Match::ExternalId {
        return Err(Failure::Usage(format!(
            "--delete needs --match external-id: only copies the sync marked can be told apart from the target's own (--match {})",
            matching.name()
        )));
    }
    if args.dry_run && args.journal.is_some() {
        return refuse("--journal", "a dry run writes nothing, no journal either (leave out --dry-run to run it)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::Stall;

    #[test]
    fn a_stalled_run_keeps_writing_lines_in_a_pipe() {
        let start = Instant::now();
        let stall = Stall { last_line: Some(start), latest: Some("3/20 writes".to_owned()) };
        assert_eq!(stall.due(start + Duration::from_secs(9)), None, "not yet");
        assert_eq!(
            stall.due(start + Duration::from_secs(12)).as_deref(),
            Some("sync: still waiting, no answer for 12s; last: 3/20 writes"),
            "a line while stalled"
        );
        assert_eq!(Stall::default().due(start + Duration::from_secs(60)), None, "nothing before the first line");
    }
}
