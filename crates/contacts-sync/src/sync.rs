//! The sync itself: settings, apply with throttle, circuit breaker and journal, resume.

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use contacts_core::{
    Contact, ContactsApi, Error, Field, ListContacts, NewContact, Operation, Provider, Sleeper, ThreadSleeper,
};
use serde::{Deserialize, Serialize};

use crate::error::SyncError;
use crate::journal::{self, Entry, JOURNAL_VERSION, JournalHeader, Lock, Side, Writer};
use crate::matching::Match;
use crate::plan::{self, Conflict, Plan, Refusal};

/// Everything [`plan`](SyncJob::plan) needs, apart from the two clients.
pub(crate) struct Settings {
    pub(crate) matching: Match,
    pub(crate) fields: Vec<Field>,
    pub(crate) lossy: bool,
    pub(crate) customer_ids: Vec<u64>,
    pub(crate) source_query: ListContacts,
    pub(crate) target_query: ListContacts,
}

/// Where the sync is, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Progress {
    /// `true` while the plan reads both sides; `false` while writes are applied.
    pub planning: bool,
    /// Source contacts read so far.
    pub source_read: u64,
    /// Target contacts read so far.
    pub target_read: u64,
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
    /// `create`, `update` or `delete`.
    pub action: String,
    /// The match key.
    pub key: String,
    /// The source contact's id (empty for a delete: its source is gone).
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
    /// Contacts a find-or-create target (TheCleanLife) already had: found, not created.
    pub found: u64,
    /// Contacts updated.
    pub updated: u64,
    /// Contacts left alone because they already matched.
    pub unchanged: u64,
    /// Target contacts deleted because their source is gone (only with `delete(true)`).
    pub deleted: u64,
    /// Writes that failed, each with its error.
    pub failed: Vec<Failure>,
    /// Source contacts not written, and why.
    pub refused: Vec<Refusal>,
    /// Ambiguous matches, left alone.
    pub conflicts: Vec<Conflict>,
    /// Target contacts this sync created whose source is gone, left alone (no `delete(true)`).
    pub orphans: u64,
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
    fn new(plan: &Plan, resumed_in_flight: u64) -> Report {
        Report {
            created: 0,
            found: 0,
            updated: 0,
            unchanged: plan.unchanged,
            deleted: 0,
            failed: Vec::new(),
            refused: plan.refusals.clone(),
            conflicts: plan.conflicts.clone(),
            orphans: 0,
            dropped: Vec::new(),
            requests: 0,
            resumed_in_flight,
            duration: Duration::ZERO,
        }
    }

    /// Whether every planned write succeeded and nothing was refused or left in conflict: the
    /// run did everything it was asked to.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty() && self.refused.is_empty() && self.conflicts.is_empty()
    }

    /// Writes made or tried: created, found, updated, deleted and failed.
    pub fn writes(&self) -> u64 {
        self.created + self.found + self.updated + self.deleted + self.failed.len() as u64
    }
}

impl fmt::Display for Report {
    /// `12 created, 0 found, 3 updated, 85 unchanged, 0 deleted, 1 refused, 0 conflicts,
    /// 0 failed (15 requests in 2.1s)`, then the orphans and lossy drops when there are some.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} found, {} updated, {} unchanged, {} deleted, {} refused, {} {}, {} failed ({} {} in {:.1?})",
            self.created,
            self.found,
            self.updated,
            self.unchanged,
            self.deleted,
            self.refused.len(),
            self.conflicts.len(),
            plural(self.conflicts.len() as u64, "conflict", "conflicts"),
            self.failed.len(),
            self.requests,
            plural(self.requests, "request", "requests"),
            self.duration
        )?;
        if self.orphans > 0 {
            write!(
                f,
                "\n{} target {} whose source is gone (delete them with --delete)",
                self.orphans,
                plural(self.orphans, "contact", "contacts")
            )?;
        }
        for (field, n) in &self.dropped {
            write!(f, "\ndropped {field} from {n} {} (lossy)", plural(*n, "contact", "contacts"))?;
        }
        Ok(())
    }
}

pub(crate) fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

type Clock = dyn Fn() -> Duration + Send + Sync;
type OnProgress<'a> = dyn FnMut(&Progress) + 'a;

/// The default number of consecutive failures (not the contact's own) that stop a run.
pub const DEFAULT_MAX_FAILURES: u32 = 5;
/// The default most deletes a run makes; a plan with more is refused before writing.
pub const DEFAULT_MAX_DELETE: u64 = 10;
/// The longest a sync waits when the target asks it to slow down (the clients' own
/// `RetryPolicy::max_retry_after` default): a longer `Retry-After` stops the run instead.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(60);

/// A one-way sync from one provider to another, through [`ContactsApi`] only.
///
/// ```no_run
/// use contacts_sync::{Match, SyncJob};
/// # fn run(previsto: &dyn contacts_core::ContactsApi, levers: &dyn contacts_core::ContactsApi) -> Result<(), contacts_sync::SyncError> {
/// let mut sync = SyncJob::new(previsto, levers).matching(Match::ExternalId).journal("previsto-to-levers.jsonl");
/// let plan = sync.plan()?;
/// println!("{plan}");
/// let report = sync.apply(&plan)?;
/// assert_eq!(report.created as usize, plan.creates.len());
/// # Ok(()) }
/// ```
pub struct SyncJob<'a> {
    from: &'a dyn ContactsApi,
    to: &'a dyn ContactsApi,
    settings: Settings,
    per_minute: Option<u32>,
    journal: Option<PathBuf>,
    /// Set by `resume`: the journal exists and is appended to.
    resuming: bool,
    delete: bool,
    max_delete: u64,
    max_failures: u32,
    max_wait: Duration,
    sleeper: Arc<dyn Sleeper>,
    clock: Arc<Clock>,
    stop: Option<Arc<AtomicBool>>,
    progress: RefCell<Option<Box<OnProgress<'a>>>>,
    lock: RefCell<Option<Lock>>,
}

impl fmt::Debug for SyncJob<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncJob")
            .field("from", &self.from.provider())
            .field("to", &self.to.provider())
            .field("matching", &self.settings.matching)
            .field("lossy", &self.settings.lossy)
            .field("per_minute", &self.per_minute)
            .field("journal", &self.journal)
            .field("delete", &self.delete)
            .field("max_failures", &self.max_failures)
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
    /// documented rate, stopping after 5 failures in a row, deleting nothing, with no journal.
    pub fn new(from: &'a dyn ContactsApi, to: &'a dyn ContactsApi) -> Self {
        let started = Instant::now();
        SyncJob {
            from,
            to,
            settings: Settings {
                matching: Match::ExternalId,
                fields: Field::ALL.to_vec(),
                lossy: false,
                customer_ids: Vec::new(),
                source_query: ListContacts::new(),
                target_query: ListContacts::new(),
            },
            per_minute: documented_rate(to.provider()),
            journal: None,
            resuming: false,
            delete: false,
            max_delete: DEFAULT_MAX_DELETE,
            max_failures: DEFAULT_MAX_FAILURES,
            max_wait: DEFAULT_MAX_WAIT,
            sleeper: Arc::new(ThreadSleeper),
            clock: Arc::new(move || started.elapsed()),
            stop: None,
            progress: RefCell::new(None),
            lock: RefCell::new(None),
        }
    }

    /// How contacts are matched. Defaults to [`Match::ExternalId`].
    #[must_use]
    pub fn matching(mut self, matching: Match) -> Self {
        self.settings.matching = matching;
        self
    }

    /// Only these fields are compared and copied. The name and the field contacts are matched
    /// by are always copied (without it the next run would not recognise what this one
    /// wrote). Defaults to all.
    #[must_use]
    pub fn fields(mut self, fields: &[Field]) -> Self {
        self.settings.fields = fields.to_vec();
        self
    }

    /// Whether a field the target cannot store is dropped (and reported) instead of refusing
    /// the contact. Defaults to `false`.
    #[must_use]
    pub fn lossy(mut self, lossy: bool) -> Self {
        self.settings.lossy = lossy;
        self
    }

    /// The portal's customer ids, read on whichever side the portal is. Defaults to none.
    #[must_use]
    pub fn customer_ids(mut self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.settings.customer_ids = ids.into_iter().collect();
        self.settings.source_query = ListContacts::new().customer_ids(self.settings.customer_ids.clone());
        self.settings.target_query = ListContacts::new().customer_ids(self.settings.customer_ids.clone());
        self
    }

    /// What to read from the source. Defaults to everything.
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

    /// Records the run in this journal (JSON lines): a header with every setting, then each
    /// write before it is sent and after it answered, so a run cut off anywhere can
    /// [`resume`](Self::resume). The file must not exist yet (one journal per run). It is
    /// created readable by its owner only (it holds match keys: emails, phones), and locked
    /// from the plan on: a second run on it is refused. Defaults to none.
    #[must_use]
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// Deletes the target contacts this sync created (recognised by their external id) whose
    /// source contact is gone, where the target can delete (Previsto, the portal). Only with
    /// [`Match::ExternalId`]. Defaults to `false`: they are reported, not deleted.
    #[must_use]
    pub fn delete(mut self, delete: bool) -> Self {
        self.delete = delete;
        self
    }

    /// The most deletes a run makes: a plan with more is refused before anything is written.
    /// Defaults to 10.
    #[must_use]
    pub fn max_delete(mut self, max: u64) -> Self {
        self.max_delete = max;
        self
    }

    /// How many writes in a row may fail for reasons that are not the contact's own (no
    /// answer, 5xx, 401/403) before the run stops. Defaults to 5.
    #[must_use]
    pub fn max_failures(mut self, max: u32) -> Self {
        self.max_failures = max.max(1);
        self
    }

    /// The longest the sync waits when the target asks it to slow down; a longer
    /// `Retry-After` stops the run (resume it later). Defaults to 60 s.
    #[must_use]
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
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

    /// Stops the run between two writes once `stop` is set (a signal handler sets it): the
    /// write in flight is finished and recorded, and `apply` returns
    /// [`SyncError::Interrupted`].
    #[must_use]
    pub fn stop_when(mut self, stop: Arc<AtomicBool>) -> Self {
        self.stop = Some(stop);
        self
    }

    /// Calls `progress` as the plan reads (every 100 contacts) and after each write.
    #[must_use]
    pub fn progress(self, progress: impl FnMut(&Progress) + 'a) -> Self {
        *self.progress.borrow_mut() = Some(Box::new(progress));
        self
    }

    /// Takes every setting from the journal at `path` — match, lossy, fields, customer ids,
    /// deletes, throttle, circuit breaker — checks that it records a run from this source to
    /// this target, and makes this job finish that run ([`resume`](Self::resume)) or plan it
    /// again (a dry run). Settings made before are replaced.
    ///
    /// # Errors
    /// [`SyncError::Journal`] for a missing, unreadable, damaged or foreign-format journal;
    /// [`SyncError::Mismatch`] for one of another source or target.
    pub fn from_journal(mut self, path: impl AsRef<Path>) -> Result<Self, SyncError> {
        let path = path.as_ref();
        let header = JournalHeader::read(path)?;
        let mismatch = |setting: &str, journal: String, given: String| SyncError::Mismatch {
            path: path.to_path_buf(),
            setting: setting.to_owned(),
            journal,
            given,
        };
        let (source, target) = (self.side(self.from), self.side(self.to));
        if !same_side(&header.source, &source) {
            return Err(mismatch("source", header.source.to_string(), source.to_string()));
        }
        if !same_side(&header.target, &target) {
            return Err(mismatch("target", header.target.to_string(), target.to_string()));
        }
        self = self.matching(header.matching).lossy(header.lossy).fields(&header.fields);
        self = self.customer_ids(header.customer_ids.iter().copied());
        self.per_minute = header.rate_per_minute;
        self.delete = header.delete;
        self.max_delete = header.max_delete;
        self.max_failures = header.max_failures.max(1);
        self.journal = Some(path.to_path_buf());
        self.resuming = true;
        Ok(self)
    }

    /// Reads both sides once and says what [`apply`](Self::apply) would do. Nothing is
    /// written. Each create and update is checked with the target's own rules
    /// ([`ContactsApi::validate_create`]), so the plan's writes are the ones that will be
    /// tried. With a journal, the journal is locked from here to the end of the job.
    ///
    /// The target side is held as match keys and a digest per field, not as contacts.
    ///
    /// # Errors
    /// [`SyncError::Locked`] when another run holds the journal; [`SyncError::Provider`] for
    /// the first error reading either side, or a sync the target cannot take (external ids
    /// where it stores none, a target that cannot list).
    pub fn plan(&self) -> Result<Plan, SyncError> {
        self.hold_lock()?;
        let mut on_read = |source_read: u64, target_read: u64| {
            if let Some(p) = self.progress.borrow_mut().as_mut() {
                p(&Progress { planning: true, source_read, target_read, ..Progress::default() });
            }
        };
        let plan = plan::plan(self.from, self.to, &self.settings, &mut on_read)?;
        log::info!(
            target: "contacts_sync",
            "plan {} -> {} by {}: {} to create, {} to update, {} unchanged, {} conflicts, {} refused, {} gone from the source",
            plan.from,
            plan.to,
            plan.matching.name(),
            plan.creates.len(),
            plan.updates.len(),
            plan.unchanged,
            plan.conflicts.len(),
            plan.refusals.len(),
            plan.deletes.len()
        );
        Ok(plan)
    }

    /// Does what `plan` says: throttled to the target's rate, honouring `Retry-After` on a 429
    /// (up to [`max_wait`](Self::max_wait)), recording each write in the journal. A failed
    /// write is reported and the rest go on, until several in a row fail for reasons that are
    /// not the contact's own.
    ///
    /// # Errors
    /// [`SyncError::Journal`] or [`SyncError::Locked`] before anything is written;
    /// [`SyncError::Provider`] when deletes are asked of a target that cannot delete, or more
    /// than [`max_delete`](Self::max_delete) are planned (nothing written);
    /// [`SyncError::Stopped`] (dead target, long wait) and [`SyncError::Interrupted`] part way,
    /// each with what was done.
    pub fn apply(&mut self, plan: &Plan) -> Result<Report, SyncError> {
        self.apply_counting(plan, 0)
    }

    /// Finishes a run that was cut off (process killed, network down, target gone): takes its
    /// settings from the journal ([`from_journal`](Self::from_journal)), reads what was in
    /// flight, plans again from both sides — so a create whose answer was lost is found by its
    /// match key instead of made twice — and applies that plan, appending to the journal.
    ///
    /// # Errors
    /// As [`from_journal`](Self::from_journal), [`plan`](Self::plan) and
    /// [`apply`](Self::apply). A missing journal is refused, never created.
    pub fn resume(mut self, journal: impl AsRef<Path>) -> Result<Report, SyncError> {
        let path = journal.as_ref().to_path_buf();
        self = self.from_journal(&path)?;
        self.hold_lock()?;
        let in_flight = journal::in_flight(&path)?;
        let plan = self.plan()?;
        self.apply_counting(&plan, in_flight)
    }

    fn side(&self, api: &dyn ContactsApi) -> Side {
        Side::new(api.provider(), api.host())
    }

    fn header(&self) -> JournalHeader {
        JournalHeader {
            journal: "contacts-sync".to_owned(),
            version: JOURNAL_VERSION,
            source: self.side(self.from),
            target: self.side(self.to),
            matching: self.settings.matching,
            lossy: self.settings.lossy,
            fields: self.settings.fields.clone(),
            customer_ids: self.settings.customer_ids.clone(),
            delete: self.delete,
            max_delete: self.max_delete,
            rate_per_minute: self.per_minute,
            max_failures: self.max_failures,
            created_at: journal::now_secs(),
        }
    }

    fn hold_lock(&self) -> Result<(), SyncError> {
        let Some(path) = &self.journal else { return Ok(()) };
        let mut lock = self.lock.borrow_mut();
        if lock.is_none() {
            *lock = Some(Lock::acquire(path)?);
        }
        Ok(())
    }

    fn open_journal(&self) -> Result<Option<Writer>, SyncError> {
        let Some(path) = &self.journal else { return Ok(None) };
        self.hold_lock()?;
        Ok(Some(if self.resuming { Writer::append(path)? } else { Writer::create(path, &self.header())? }))
    }

    fn apply_counting(&mut self, plan: &Plan, resumed_in_flight: u64) -> Result<Report, SyncError> {
        let started = Instant::now();
        let caps = self.to.capabilities();
        let mut report = Report::new(plan, resumed_in_flight);
        if self.delete && !plan.deletes.is_empty() {
            if !caps.supports(Operation::Delete) {
                return Err(Error::unsupported(self.to.provider(), Operation::Delete).into());
            }
            if plan.deletes.len() as u64 > self.max_delete {
                return Err(Error::validation(
                    "max_delete",
                    format!(
                        "the plan deletes {} target contacts, more than the {} allowed: check the source, then raise the limit",
                        plan.deletes.len(),
                        self.max_delete
                    ),
                )
                .into());
            }
        } else {
            report.orphans = plan.deletes.len() as u64;
        }
        let mut journal = self.open_journal()?;
        // Once a run is under way, it is the record's: a resume continues it.
        self.resuming = true;
        let mut run = Run {
            job: self,
            report,
            progress: Progress {
                total: plan.writes() as u64 + if self.delete { plan.deletes.len() as u64 } else { 0 },
                ..Progress::default()
            },
            interval: self.per_minute.map(|n| Duration::from_secs(60) / n),
            // The first write waits one interval too: the plan's own reads count.
            last: (self.clock)(),
            consecutive: 0,
        };
        for create in &plan.creates {
            let mut new = NewContact::from(&create.contact);
            new.lossy = run.job.settings.lossy;
            let write = Write { action: "create", key: &create.key, source_id: &create.source_id, target_id: None };
            run.write(&mut journal, &write, &create.dropped, || {
                if caps.supports(Operation::Create) {
                    self.to.create(&new).map(|c| (c, true))
                } else {
                    self.to.find_or_create(&new).map(|f| (f.contact, f.created))
                }
            })?;
        }
        for update in &plan.updates {
            let patch = update.patch().lossy(run.job.settings.lossy);
            let write = Write {
                action: "update",
                key: &update.key,
                source_id: &update.source_id,
                target_id: Some(&update.target_id),
            };
            run.write(&mut journal, &write, &update.dropped, || {
                self.to.update(&update.target_id, &patch).map(|c| (c, false))
            })?;
        }
        if self.delete {
            for delete in &plan.deletes {
                let write =
                    Write { action: "delete", key: &delete.key, source_id: "", target_id: Some(&delete.target_id) };
                run.write(&mut journal, &write, &[], || {
                    self.to.delete(&delete.target_id).map(|()| (Contact::new(delete.target_id.clone(), ""), false))
                })?;
            }
        }
        let mut report = run.report;
        report.duration = started.elapsed();
        log::info!(target: "contacts_sync", "{}", report.to_string().replace('\n', "; "));
        Ok(report)
    }
}

/// Whether a journal's side is this one: the provider, and the host when both say.
fn same_side(journal: &Side, given: &Side) -> bool {
    journal.provider == given.provider
        && match (&journal.host, &given.host) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => true,
        }
}

/// One write, as the journal names it.
struct Write<'w> {
    action: &'static str,
    key: &'w str,
    source_id: &'w str,
    target_id: Option<&'w str>,
}

/// The state of an apply under way.
struct Run<'j, 'a> {
    job: &'j SyncJob<'a>,
    report: Report,
    progress: Progress,
    interval: Option<Duration>,
    last: Duration,
    consecutive: u32,
}

impl Run<'_, '_> {
    /// One write: journaled before and after, throttled, its outcome counted; stops the run
    /// when asked to, when the target looks dead, or when it asks for a longer wait than the
    /// sync makes.
    fn write(
        &mut self,
        journal: &mut Option<Writer>,
        w: &Write<'_>,
        planned_drops: &[Field],
        mut call: impl FnMut() -> contacts_core::Result<(Contact, bool)>,
    ) -> Result<(), SyncError> {
        if self.job.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst)) {
            return Err(SyncError::Interrupted { report: Box::new(self.finish()) });
        }
        self.record(journal, "begin", w, None, None)?;
        let outcome = self.with_retry(&mut call);
        self.progress.done += 1;
        let result = match outcome {
            Ok((contact, created)) => {
                self.record(journal, "done", w, Some(&contact.id), None)?;
                self.consecutive = 0;
                note_dropped(&mut self.report.dropped, planned_drops);
                note_dropped(&mut self.report.dropped, &contact.dropped);
                match (w.action, created) {
                    ("create", true) => self.report.created += 1,
                    ("create", false) => self.report.found += 1,
                    ("update", _) => self.report.updated += 1,
                    _ => self.report.deleted += 1,
                }
                self.progress.created = self.report.created + self.report.found;
                self.progress.updated = self.report.updated;
                Ok(())
            }
            Err(Stop::Wait(e, wait)) => {
                self.record(journal, "failed", w, None, Some(&e))?;
                let reason = format!(
                    "the target asked to wait {}s, longer than the {}s the sync waits",
                    wait.as_secs(),
                    self.job.max_wait.as_secs()
                );
                log::warn!(target: "contacts_sync", "stopping: {reason}: {e}");
                return Err(SyncError::Stopped { reason, error: e, report: Box::new(self.finish()) });
            }
            Err(Stop::Failed(e)) => {
                self.record(journal, "failed", w, None, Some(&e))?;
                log::warn!(target: "contacts_sync", "{} {} failed: {e}", w.action, contacts_core::escaped(w.key));
                self.report.failed.push(failure(w, &e));
                self.progress.failed += 1;
                if is_targets_fault(&e) {
                    self.consecutive += 1;
                    if self.consecutive >= self.job.max_failures {
                        let reason = format!("{} writes in a row failed", self.consecutive);
                        log::warn!(target: "contacts_sync", "stopping: {reason}: the target looks unreachable");
                        return Err(SyncError::Stopped { reason, error: e, report: Box::new(self.finish()) });
                    }
                }
                Ok(())
            }
        };
        if let Some(p) = self.job.progress.borrow_mut().as_mut() {
            p(&self.progress);
        }
        result
    }

    fn finish(&mut self) -> Report {
        let mut report = self.report.clone();
        report.duration = Duration::ZERO;
        report
    }

    fn record(
        &self,
        journal: &mut Option<Writer>,
        event: &str,
        w: &Write<'_>,
        answered: Option<&str>,
        error: Option<&Error>,
    ) -> Result<(), SyncError> {
        let Some(journal) = journal else { return Ok(()) };
        journal.line(&Entry {
            event: event.to_owned(),
            action: w.action.to_owned(),
            key: w.key.to_owned(),
            source_id: w.source_id.to_owned(),
            target_id: answered.or(w.target_id).map(str::to_owned),
            error: error.map(ToString::to_string),
        })
    }

    /// One write, spaced `interval` after the previous one; a 429 whose wait the sync accepts
    /// is waited out and repeated (a refused write changed nothing), three times at most.
    fn with_retry(
        &mut self,
        call: &mut impl FnMut() -> contacts_core::Result<(Contact, bool)>,
    ) -> Result<(Contact, bool), Stop> {
        let mut tries = 0;
        loop {
            if let Some(interval) = self.interval {
                let now = (self.job.clock)();
                let next = self.last + interval;
                if now < next {
                    self.job.sleeper.sleep(next - now);
                }
                self.last = (self.job.clock)();
            }
            self.report.requests += 1;
            tries += 1;
            match call() {
                Ok(done) => return Ok(done),
                Err(e) if e.is_rate_limited() => {
                    let wait = e.retry_after().unwrap_or(self.job.max_wait);
                    if wait > self.job.max_wait {
                        return Err(Stop::Wait(e, wait));
                    }
                    if tries >= 4 {
                        return Err(Stop::Failed(e));
                    }
                    log::info!(target: "contacts_sync", "rate limited: waiting {}s", wait.as_secs());
                    self.job.sleeper.sleep(wait);
                    self.last = (self.job.clock)();
                }
                Err(e) => return Err(Stop::Failed(e)),
            }
        }
    }
}

/// Why a write ended without success.
enum Stop {
    /// It failed (after the retries the sync makes).
    Failed(Error),
    /// The target asked for a longer wait than the sync makes.
    Wait(Error, Duration),
}

/// A failure that is the target's (or the network's), not the contact's: no answer, 5xx,
/// credentials refused. Several in a row stop the run.
fn is_targets_fault(e: &Error) -> bool {
    match e {
        Error::Transport(_) | Error::Config(_) => true,
        Error::Api(_) => e.is_auth() || e.status().is_some_and(|s| s >= 500),
        _ => false,
    }
}

fn note_dropped(dropped: &mut Vec<(Field, u64)>, fields: &[Field]) {
    for f in fields {
        match dropped.iter_mut().find(|(d, _)| d == f) {
            Some((_, n)) => *n += 1,
            None => dropped.push((*f, 1)),
        }
    }
}

fn failure(w: &Write<'_>, e: &Error) -> Failure {
    Failure {
        action: w.action.to_owned(),
        key: w.key.to_owned(),
        source_id: w.source_id.to_owned(),
        error: e.to_string(),
        retryable: e.is_retryable(),
    }
}
