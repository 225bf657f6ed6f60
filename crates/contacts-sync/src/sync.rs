//! The sync itself: settings, apply with throttle and journal, resume.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use contacts_core::{
    Contact, ContactsApi, Error, Field, ListContacts, NewContact, Operation, Provider, Result, Sleeper, ThreadSleeper,
};
use serde::{Deserialize, Serialize};

use crate::matching::Match;
use crate::plan::{self, Conflict, Plan, Refusal};

/// Everything [`plan`](SyncJob::plan) needs, apart from the two clients.
pub(crate) struct Settings {
    pub(crate) matching: Match,
    pub(crate) fields: Vec<Field>,
    pub(crate) lossy: bool,
    pub(crate) source_query: ListContacts,
    pub(crate) target_query: ListContacts,
}

/// Where the sync is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Progress {
    /// Writes done (or failed) so far.
    pub done: u64,
    /// Writes in the plan.
    pub total: u64,
    /// Contacts created so far.
    pub created: u64,
    /// Contacts updated so far.
    pub updated: u64,
    /// Writes that failed so far.
    pub failed: u64,
}

/// A write that failed; the rest of the plan went on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Failure {
    /// `create` or `update`.
    pub action: String,
    /// The match key.
    pub key: String,
    /// The source contact's id.
    pub source_id: String,
    /// The error, as it displays (it names the call and the host).
    pub error: String,
    /// Whether trying again later may succeed.
    pub retryable: bool,
}

/// What [`apply`](SyncJob::apply) did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// Contacts created.
    pub created: u64,
    /// Contacts updated.
    pub updated: u64,
    /// Contacts left alone because they already matched.
    pub unchanged: u64,
    /// Writes that failed, each with its error.
    pub failed: Vec<Failure>,
    /// Source contacts not written, and why.
    pub refused: Vec<Refusal>,
    /// Ambiguous matches, left alone.
    pub conflicts: Vec<Conflict>,
    /// Fields dropped in lossy mode, over all writes, with how many times.
    pub dropped: Vec<(Field, u64)>,
    /// Calls made to the target while applying.
    pub requests: u64,
    /// Writes a previous run had begun and not finished (read from the journal on resume):
    /// the new plan looked each up by its match key before deciding to write it again.
    pub resumed_in_flight: u64,
    /// How long applying took.
    pub duration: Duration,
}

impl Report {
    /// Whether every planned write succeeded.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
    }
}

/// A line of the journal: each write is recorded before it is sent and after it answered.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    event: String,
    action: String,
    key: String,
    source_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

type Clock = dyn Fn() -> Duration + Send + Sync;
type OnProgress<'a> = dyn FnMut(&Progress) + 'a;

/// A one-way sync from one provider to another, through [`ContactsApi`] only.
///
/// ```no_run
/// use contacts_sync::{Match, SyncJob};
/// # fn run(previsto: &dyn contacts_core::ContactsApi, levers: &dyn contacts_core::ContactsApi) -> contacts_core::Result<()> {
/// let mut sync = SyncJob::new(previsto, levers).matching(Match::ExternalId).journal("previsto-to-levers.jsonl");
/// let plan = sync.plan()?;
/// println!("{plan}");
/// let report = sync.apply(&plan)?;
/// assert_eq!(report.created as usize, plan.creates.len());
/// assert!(sync.plan()?.is_empty(), "a second run writes nothing");
/// # Ok(()) }
/// ```
pub struct SyncJob<'a> {
    from: &'a dyn ContactsApi,
    to: &'a dyn ContactsApi,
    settings: Settings,
    per_minute: Option<u32>,
    journal: Option<PathBuf>,
    sleeper: Arc<dyn Sleeper>,
    clock: Arc<Clock>,
    progress: Option<Box<OnProgress<'a>>>,
}

impl std::fmt::Debug for SyncJob<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncJob")
            .field("from", &self.from.provider())
            .field("to", &self.to.provider())
            .field("matching", &self.settings.matching)
            .field("lossy", &self.settings.lossy)
            .field("per_minute", &self.per_minute)
            .field("journal", &self.journal)
            .finish_non_exhaustive()
    }
}

/// The documented rate of a provider's API, in requests a minute.
pub fn documented_rate(provider: Provider) -> Option<u32> {
    match provider {
        Provider::Previsto => Some(120),
        _ => None,
    }
}

impl<'a> SyncJob<'a> {
    /// A sync from `from` to `to`, matching by external id, copying every field, strict (a
    /// field the target cannot store refuses the contact), throttled to the target's
    /// documented rate, with no journal.
    pub fn new(from: &'a dyn ContactsApi, to: &'a dyn ContactsApi) -> Self {
        let started = Instant::now();
        SyncJob {
            from,
            to,
            settings: Settings {
                matching: Match::ExternalId,
                fields: Field::ALL.to_vec(),
                lossy: false,
                source_query: ListContacts::new(),
                target_query: ListContacts::new(),
            },
            per_minute: documented_rate(to.provider()),
            journal: None,
            sleeper: Arc::new(ThreadSleeper),
            clock: Arc::new(move || started.elapsed()),
            progress: None,
        }
    }

    /// How contacts are matched. Defaults to [`Match::ExternalId`].
    #[must_use]
    pub fn matching(mut self, matching: Match) -> Self {
        self.settings.matching = matching;
        self
    }

    /// Only these fields are compared and copied (the name always is). Defaults to all.
    #[must_use]
    pub fn fields(mut self, fields: &[Field]) -> Self {
        let mut f: Vec<Field> = fields.to_vec();
        if !f.contains(&Field::Name) {
            f.insert(0, Field::Name);
        }
        self.settings.fields = f;
        self
    }

    /// Whether a field the target cannot store is dropped (and reported) instead of refusing
    /// the contact. Defaults to `false`.
    #[must_use]
    pub fn lossy(mut self, lossy: bool) -> Self {
        self.settings.lossy = lossy;
        self
    }

    /// What to read from the source (the customer portal needs its customer ids). Defaults
    /// to everything.
    #[must_use]
    pub fn source_query(mut self, query: ListContacts) -> Self {
        self.settings.source_query = query;
        self
    }

    /// What to read from the target. Defaults to everything.
    #[must_use]
    pub fn target_query(mut self, query: ListContacts) -> Self {
        self.settings.target_query = query;
        self
    }

    /// At most this many writes a minute to the target. Defaults to the target's documented
    /// rate (Previsto: 120 a minute), none for the others.
    #[must_use]
    pub fn rate_per_minute(mut self, per_minute: u32) -> Self {
        self.per_minute = Some(per_minute.max(1));
        self
    }

    /// No throttle.
    #[must_use]
    pub fn unthrottled(mut self) -> Self {
        self.per_minute = None;
        self
    }

    /// Records each write in this file (JSON lines) before it is sent and after it answered,
    /// so a run cut off anywhere can [`resume`](Self::resume). Defaults to none.
    #[must_use]
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// Waits with this sleeper (the throttle, `Retry-After`). Defaults to `std::thread::sleep`.
    #[must_use]
    pub fn sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// Reads the time from this clock (time since any fixed start), for the throttle; tests
    /// pair it with a sleeper that moves it. Defaults to the system's monotonic clock.
    #[must_use]
    pub fn clock(mut self, clock: impl Fn() -> Duration + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Calls `progress` after each write.
    #[must_use]
    pub fn progress(mut self, progress: impl FnMut(&Progress) + 'a) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Reads both sides once and says what [`apply`](Self::apply) would do. Nothing is written.
    ///
    /// The target side is held as match keys and a digest per field, not as contacts.
    ///
    /// # Errors
    /// The first error reading either side; [`Error::Validation`] when the target cannot be
    /// matched as asked (external ids where it stores none, a target that cannot list).
    pub fn plan(&self) -> Result<Plan> {
        plan::plan(self.from, self.to, &self.settings)
    }

    /// Does what `plan` says: throttled to the target's rate, honouring `Retry-After` on a
    /// 429, recording each write in the journal. A failed write is reported and the rest go on.
    ///
    /// # Errors
    /// Only when the journal cannot be written (then nothing more is sent).
    pub fn apply(&mut self, plan: &Plan) -> Result<Report> {
        self.apply_counting(plan, 0)
    }

    /// Finishes a run that was cut off (process killed, network down): reads what the journal
    /// says was in flight, plans again from both sides — so a create whose answer was lost is
    /// found by its match key instead of made twice — and applies that plan, appending to the
    /// same journal.
    ///
    /// # Errors
    /// As [`plan`](Self::plan) and [`apply`](Self::apply); [`Error::Config`] when the journal
    /// cannot be read.
    pub fn resume(&mut self, journal: impl AsRef<Path>) -> Result<Report> {
        let path = journal.as_ref().to_path_buf();
        let in_flight = in_flight(&path)?;
        self.journal = Some(path);
        let plan = self.plan()?;
        self.apply_counting(&plan, in_flight)
    }

    fn apply_counting(&mut self, plan: &Plan, resumed_in_flight: u64) -> Result<Report> {
        let started = Instant::now();
        let mut journal = match &self.journal {
            Some(path) => Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| Error::config(format!("cannot open the journal {}: {e}", path.display())))?,
            ),
            None => None,
        };
        let mut report = Report {
            created: 0,
            updated: 0,
            unchanged: plan.unchanged,
            failed: Vec::new(),
            refused: plan.refusals.clone(),
            conflicts: plan.conflicts.clone(),
            dropped: Vec::new(),
            requests: 0,
            resumed_in_flight,
            duration: Duration::ZERO,
        };
        let mut progress = Progress { total: plan.writes() as u64, ..Progress::default() };
        let interval = self.per_minute.map(|n| Duration::from_secs(60) / n);
        // The first write waits one interval too: the plan's own reads count against the rate.
        let mut last = (self.clock)();
        let caps = self.to.capabilities();
        let mut dropped: Vec<(Field, u64)> = Vec::new();
        let mut note_dropped = |fields: &[Field]| {
            for f in fields {
                match dropped.iter_mut().find(|(d, _)| d == f) {
                    Some((_, n)) => *n += 1,
                    None => dropped.push((*f, 1)),
                }
            }
        };

        for create in &plan.creates {
            let mut new = NewContact::from(&create.contact);
            new.lossy = self.settings.lossy;
            write(&mut journal, "begin", "create", &create.key, &create.source_id, None, None)?;
            let outcome = self.with_retry(interval, &mut last, &mut report.requests, || {
                if caps.supports(Operation::Create) {
                    self.to.create(&new)
                } else {
                    self.to.find_or_create(&new).map(|f| f.contact)
                }
            });
            progress.done += 1;
            match outcome {
                Ok(contact) => {
                    write(&mut journal, "done", "create", &create.key, &create.source_id, Some(&contact.id), None)?;
                    note_dropped(&create.dropped);
                    note_dropped(&contact.dropped);
                    report.created += 1;
                    progress.created += 1;
                }
                Err(e) => {
                    write(&mut journal, "failed", "create", &create.key, &create.source_id, None, Some(&e))?;
                    report.failed.push(failure("create", &create.key, &create.source_id, &e));
                    progress.failed += 1;
                }
            }
            if let Some(p) = self.progress.as_mut() {
                p(&progress);
            }
        }
        for update in &plan.updates {
            let patch = update.patch().lossy(self.settings.lossy);
            write(&mut journal, "begin", "update", &update.key, &update.source_id, Some(&update.target_id), None)?;
            let outcome = self
                .with_retry(interval, &mut last, &mut report.requests, || self.to.update(&update.target_id, &patch));
            progress.done += 1;
            match outcome {
                Ok(contact) => {
                    write(&mut journal, "done", "update", &update.key, &update.source_id, Some(&contact.id), None)?;
                    note_dropped(&update.dropped);
                    note_dropped(&contact.dropped);
                    report.updated += 1;
                    progress.updated += 1;
                }
                Err(e) => {
                    write(&mut journal, "failed", "update", &update.key, &update.source_id, None, Some(&e))?;
                    report.failed.push(failure("update", &update.key, &update.source_id, &e));
                    progress.failed += 1;
                }
            }
            if let Some(p) = self.progress.as_mut() {
                p(&progress);
            }
        }
        report.dropped = dropped;
        report.duration = started.elapsed();
        Ok(report)
    }

    /// One write, spaced `interval` after the previous one; a 429 that says when to come back
    /// is waited out and repeated (a refused write changed nothing), three times at most.
    fn with_retry(
        &self,
        interval: Option<Duration>,
        last: &mut Duration,
        requests: &mut u64,
        mut call: impl FnMut() -> Result<Contact>,
    ) -> Result<Contact> {
        let mut tries = 0;
        loop {
            if let Some(interval) = interval {
                let now = (self.clock)();
                let next = *last + interval;
                if now < next {
                    self.sleeper.sleep(next - now);
                }
                *last = (self.clock)();
            }
            *requests += 1;
            tries += 1;
            match call() {
                Err(e) if e.is_rate_limited() && tries < 4 => {
                    let wait = e.retry_after().unwrap_or(Duration::from_secs(60));
                    self.sleeper.sleep(wait);
                    *last = (self.clock)();
                }
                other => return other,
            }
        }
    }
}

fn failure(action: &str, key: &str, source_id: &str, e: &Error) -> Failure {
    Failure {
        action: action.to_owned(),
        key: key.to_owned(),
        source_id: source_id.to_owned(),
        error: e.to_string(),
        retryable: e.is_retryable(),
    }
}

fn write(
    journal: &mut Option<File>,
    event: &str,
    action: &str,
    key: &str,
    source_id: &str,
    target_id: Option<&str>,
    error: Option<&Error>,
) -> Result<()> {
    let Some(file) = journal else { return Ok(()) };
    let entry = Entry {
        event: event.to_owned(),
        action: action.to_owned(),
        key: key.to_owned(),
        source_id: source_id.to_owned(),
        target_id: target_id.map(str::to_owned),
        error: error.map(ToString::to_string),
    };
    let mut line = serde_json::to_vec(&entry).map_err(|e| Error::config(format!("journal: {e}")))?;
    line.push(b'\n');
    // One write per line, flushed before the call it records is made: a process killed at
    // any point leaves whole lines (a torn last line is ignored on resume).
    file.write_all(&line).and_then(|()| file.flush()).map_err(|e| Error::config(format!("journal: {e}")))
}

/// How many writes the journal shows begun and never answered.
fn in_flight(path: &Path) -> Result<u64> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::config(format!("cannot read the journal {}: {e}", path.display()))),
    };
    let mut open: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| Error::config(format!("journal: {e}")))?;
        let Ok(entry) = serde_json::from_str::<Entry>(&line) else { continue };
        let id = (entry.action, entry.key);
        if entry.event == "begin" {
            open.insert(id);
        } else {
            open.remove(&id);
        }
    }
    Ok(open.len() as u64)
}
