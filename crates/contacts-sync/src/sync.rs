//! The sync itself: settings, apply with throttle, circuit breaker and journal, resume.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use contacts_core::{
    Contact, ContactsApi, Error, Field, ListContacts, NewContact, Operation, Provider, Sleeper, ThreadSleeper,
};

use crate::error::SyncError;
use crate::journal::{
    self, BeginLine, CancelledLine, DoneLine, FailedLine, JOURNAL_VERSION, JournalHeader, Lock, SettingLine, Side,
    Writer,
};
use crate::matching::Match;
use crate::pace::{Clock, Throttle, Window};
use crate::plan::{self, Plan, PlannedDelete, Settings, patch_of};
use crate::report::{Failure, Progress, Report};

type OnProgress<'a> = dyn FnMut(&Progress) + 'a;

/// The default number of writes in flight at once.
pub const DEFAULT_CONCURRENCY: u32 = 4;
/// The most writes in flight at once a sync allows.
pub const MAX_CONCURRENCY: u32 = 64;
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
/// assert_eq!(report.created as usize, plan.creates().len());
/// # Ok(()) }
/// ```
pub struct SyncJob<'a> {
    from: &'a dyn ContactsApi,
    to: &'a dyn ContactsApi,
    settings: Settings,
    per_minute: Option<u32>,
    concurrency: u32,
    journal: Option<PathBuf>,
    /// Set by `resume`: the journal exists and is appended to.
    resuming: bool,
    /// Set once `plan` created the journal of a new run: `apply` appends to it.
    started: std::cell::Cell<bool>,
    /// Whether this resume's `run` line is in the journal (it is written once).
    run_recorded: std::cell::Cell<bool>,
    /// Resume a journal whatever its owner and mode.
    trust_journal: bool,
    /// The settings the journal held when this job was made from it: a resume that changes one
    /// (rate, deletes allowed, failures, concurrency) writes the change as a line.
    resumed: Option<[u64; 4]>,
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
            .field("concurrency", &self.concurrency)
            .field("journal", &self.journal)
            .field("delete", &self.delete)
            .field("max_failures", &self.max_failures)
            .finish_non_exhaustive()
    }
}

/// The documented rate of a provider's API, in requests a minute.
pub fn documented_rate(provider: Provider) -> Option<u32> {
    match provider {
        Provider::PREVISTO => Some(120),
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
                keep_bytes: crate::plan::DEFAULT_KEEP_BYTES,
            },
            per_minute: documented_rate(to.provider()),
            concurrency: DEFAULT_CONCURRENCY,
            journal: None,
            resuming: false,
            started: std::cell::Cell::new(false),
            run_recorded: std::cell::Cell::new(false),
            trust_journal: false,
            resumed: None,
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

    /// How much of its writes' contact data a plan keeps: up to `bytes` (defaults to
    /// [`DEFAULT_KEEP_BYTES`](crate::DEFAULT_KEEP_BYTES), 32 MiB, some 200,000 contacts). Past
    /// it, a planned write keeps only its ids and fields, and its contact is read again from the
    /// source when the write is made (one more request each, to the source): a plan of a
    /// million writes stays a few hundred bytes a write. A source contact gone by then is a
    /// failed write, reported.
    #[must_use]
    pub fn keep_at_most(mut self, bytes: usize) -> Self {
        self.settings.keep_bytes = bytes;
        self
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

    /// The customer ids to list by, on each side whose provider lists contacts per customer
    /// ([`Capabilities::lists_by_customer_ids`](contacts_core::Capabilities::lists_by_customer_ids):
    /// the portal). When neither side does, they go to the source, which refuses them: a
    /// filter is never ignored. Defaults to none.
    #[must_use]
    pub fn customer_ids(mut self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.settings.customer_ids = ids.into_iter().collect();
        let ids = &self.settings.customer_ids;
        let (source, target) = (self.from.capabilities(), self.to.capabilities());
        let on_source = source.lists_by_customer_ids() || !target.lists_by_customer_ids();
        let on = |yes: bool| ListContacts::new().customer_ids(if yes { ids.clone() } else { Vec::new() });
        self.settings.source_query = on(on_source);
        self.settings.target_query = on(target.lists_by_customer_ids());
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
    /// rate (Previsto: 120 a minute), none for the others. 0 is taken as 1, the slowest rate
    /// (the CLI refuses 0).
    #[must_use]
    pub fn rate_per_minute(mut self, per_minute: u32) -> Self {
        self.per_minute = Some(per_minute.max(1));
        self
    }

    /// How many writes are in flight at once, each on its own thread over the same target
    /// client (clamped to 1..=64). Defaults to 4; 1 sends them one after the other in the
    /// plan's order. The journal, the resume, the lock, the circuit breaker and the counts
    /// hold at any concurrency, and the throttle is shared: the rate is never exceeded. When
    /// the target answers 429 (or 503 with `Retry-After`), every write waits, the concurrency
    /// halves, and it climbs back by one after each run of successes; the report says the
    /// lowest and final concurrency.
    #[must_use]
    pub fn concurrency(mut self, n: u32) -> Self {
        self.concurrency = n.clamp(1, MAX_CONCURRENCY);
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

    /// Resumes a journal even when another user owns it or its group or others may write it.
    /// Defaults to `false`: such a journal is refused ([`SyncError::Journal`]), since a resume
    /// replays its settings (deletes among them).
    #[must_use]
    pub fn trust_journal(mut self, trust: bool) -> Self {
        self.trust_journal = trust;
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
    /// answer, 5xx, 401/403) before the run stops. Defaults to 5; 0 is taken as 1 (the CLI
    /// refuses 0).
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

    /// The writes a minute this job is held to: [`rate_per_minute`](Self::rate_per_minute), or
    /// the journal's on resume, or the target's [`documented_rate`]; `None` when unthrottled.
    pub fn rate_in_force(&self) -> Option<u32> {
        self.per_minute
    }

    /// How long applying `plan` takes at least at [`rate_in_force`](Self::rate_in_force):
    /// its writes (and its deletes, when this job deletes) spread over the rate. `None` when
    /// no rate holds the run back (it goes as fast as the target answers).
    pub fn estimate(&self, plan: &Plan) -> Option<Duration> {
        let per_minute = self.per_minute?;
        let deletes = if self.delete { plan.deletes.len() } else { 0 };
        let writes = (plan.writes() + deletes) as f64;
        Some(Duration::from_secs_f64(writes * 60.0 / f64::from(per_minute.max(1))))
    }

    /// The external id this job writes on its copy of the source contact `source_id` (with
    /// [`Match::ExternalId`]): the source's provider, this job's scope (the source's host,
    /// customer ids and search) and the id, e.g. `portal~3fa2c9d1e0b4:17`. A run deletes only
    /// copies marked with its own scope; give this marker to a copy made another way to
    /// adopt it into the job.
    pub fn marker(&self, source_id: &str) -> String {
        let query = &self.settings.source_query;
        let host = self.from.host();
        let scope =
            crate::matching::scope(self.from.provider(), host.as_deref(), &query.customer_ids, query.search.as_deref());
        crate::matching::marker(self.from.provider(), &scope, source_id)
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
        if !self.trust_journal {
            journal::check_trusted(path)?;
        }
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
        self.concurrency = header.concurrency.clamp(1, MAX_CONCURRENCY);
        // What earlier resumes changed, in order.
        for (setting, value) in journal::changed_settings(path)? {
            let Ok(n) = value.parse::<u64>() else { continue };
            match setting.as_str() {
                "rate_per_minute" => self.per_minute = u32::try_from(n).ok().filter(|n| *n > 0),
                "max_delete" => self.max_delete = n,
                "max_failures" => self.max_failures = u32::try_from(n).unwrap_or(u32::MAX).max(1),
                "concurrency" => self.concurrency = u32::try_from(n).unwrap_or(1).clamp(1, MAX_CONCURRENCY),
                _ => {}
            }
        }
        self.resumed = Some(self.tunables());
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
        // The journal of a new run exists from here: a run interrupted while planning leaves
        // a journal to resume, and a path already taken is refused before anything is read.
        if let Some(path) = &self.journal
            && !self.resuming
            && !self.started.get()
        {
            drop(Writer::create(path, &self.header())?);
            self.started.set(true);
        }
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
            plan.creates().len(),
            plan.updates().len(),
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
    /// settings from the journal ([`from_journal`](Self::from_journal), unless this job was
    /// made by it: `job.from_journal(j)?.concurrency(2).resume(j)` resumes at 2), reads what was in
    /// flight, plans again from both sides — so a create whose answer was lost is found by its
    /// match key instead of made twice — and applies that plan, appending to the journal.
    ///
    /// # Errors
    /// As [`from_journal`](Self::from_journal), [`plan`](Self::plan) and
    /// [`apply`](Self::apply). A missing journal is refused, never created.
    pub fn resume(mut self, journal: impl AsRef<Path>) -> Result<Report, SyncError> {
        let path = journal.as_ref().to_path_buf();
        // Already read by `from_journal` (to change the concurrency before resuming, say):
        // what was set since stays.
        if !(self.resuming && self.journal.as_deref() == Some(path.as_path())) {
            self = self.from_journal(&path)?;
        }
        self.hold_lock()?;
        let in_flight = journal::in_flight(&path)?;
        let plan = self.plan()?;
        self.apply_counting(&plan, in_flight)
    }

    /// The settings a resume may change: rate (0 for none), deletes allowed, failures in a
    /// row, concurrency.
    fn tunables(&self) -> [u64; 4] {
        [
            u64::from(self.per_minute.unwrap_or(0)),
            self.max_delete,
            u64::from(self.max_failures),
            u64::from(self.concurrency),
        ]
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
            concurrency: self.concurrency,
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
        if !(self.resuming || self.started.get()) {
            return Ok(Some(Writer::create(path, &self.header())?));
        }
        let mut writer = Writer::append(path)?;
        if self.resuming && !self.run_recorded.replace(true) {
            crate::journal::run_line(&mut writer)?;
        }
        // A resume that runs at another rate, allows other deletes, failures or concurrency
        // says so in the record, and the next resume keeps it.
        if let Some(before) = self.resumed {
            let names = ["rate_per_minute", "max_delete", "max_failures", "concurrency"];
            for ((name, was), now) in names.iter().zip(before).zip(self.tunables()) {
                if was != now {
                    log::info!(target: "contacts_sync", "resumed with {name} {now} (the journal held {was})");
                    writer.line(&SettingLine {
                        event: "setting".to_owned(),
                        action: (*name).to_owned(),
                        key: now.to_string(),
                    })?;
                }
            }
        }
        Ok(Some(writer))
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
                return Err(SyncError::TooManyDeletes { planned: plan.deletes.len() as u64, max: self.max_delete });
            }
        } else {
            report.orphans = plan.deletes.len() as u64;
        }
        let journal = self.open_journal()?;
        // Once a run is under way, it is the record's: a resume continues it.
        self.resuming = true;
        // Writes by their place in the plan: each is unpacked when it is journaled or sent.
        let (creates, updates) = plan.counts();
        let mut items: Vec<Item<'_>> = (0..creates).map(Item::Create).collect();
        items.extend((0..updates).map(Item::Update));
        if self.delete {
            items.extend(plan.deletes.iter().map(Item::Delete));
        }
        report.concurrency = self.concurrency;
        let throttle = Throttle::new(self.per_minute, Arc::clone(&self.clock), Arc::clone(&self.sleeper));
        let (jobs, queue) = mpsc::channel::<(usize, u64)>();
        let queue = Mutex::new(queue);
        let mut run = Run {
            job: self,
            plan,
            report,
            progress: Progress { total: items.len() as u64, concurrency: self.concurrency, ..Progress::default() },
            consecutive: 0,
            window: Window::new(self.concurrency),
            throttle: &throttle,
            retries: vec![0; items.len()],
            sent: 0,
            seq_base: journal.as_ref().map_or(0, |j| j.last_seq),
            journal,
            again: VecDeque::new(),
            end: None,
        };
        let (from, to) = (self.from, self.to);
        let create = caps.supports(Operation::Create);
        let lossy = self.settings.lossy;
        let stop = self.stop.as_deref();
        // What a worker does with write `i`: waits for its slot, then sends it — unless the run
        // was asked to stop while it waited (`None`: not sent).
        let work = |i: usize| {
            if !throttle.acquire(stop) || stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
                return None;
            }
            Some(items[i].send(plan, from, to, create, lossy))
        };
        let outcome = if self.concurrency <= 1 {
            // One at a time: sent from this thread, with no hand-over to pay for.
            run.drive(&items, &mut Inline { work: &work, ready: VecDeque::new() })
        } else {
            let workers = (self.concurrency as usize).min(items.len());
            std::thread::scope(|scope| {
                let (answers, done) = mpsc::channel::<Answer>();
                for _ in 0..workers {
                    let (queue, answers, work) = (&queue, answers.clone(), &work);
                    scope.spawn(move || {
                        loop {
                            let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                            let Ok((item, seq)) = job else { break };
                            if answers.send(Answer { item, seq, outcome: work(item) }).is_err() {
                                break;
                            }
                        }
                    });
                }
                drop(answers);
                let result = run.drive(&items, &mut Workers { jobs: &jobs, done: &done });
                drop(jobs);
                result
            })
        };
        let mut report = run.report;
        report.lowest_concurrency = run.window.lowest();
        report.final_concurrency = run.window.limit();
        report.duration = started.elapsed();
        match outcome {
            Ok(None) => {
                log::info!(target: "contacts_sync", "{}", report.to_string().replace('\n', "; "));
                Ok(report)
            }
            Ok(Some(End::Interrupted)) => {
                report.duration = Duration::ZERO;
                Err(SyncError::Interrupted { report: Box::new(report) })
            }
            Ok(Some(End::Stopped { reason, error })) => {
                report.duration = Duration::ZERO;
                Err(SyncError::Stopped { reason, error, report: Box::new(report) })
            }
            Err(e) => Err(e),
        }
    }
}

/// Whether a journal's side is this one: the provider, and the host when both say.
fn same_side(journal: &Side, given: &Side) -> bool {
    journal.provider == given.provider
        && match (&journal.host, &given.host) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            // A header without the host the client has (edited, or foreign) is not this run.
            (None, None) => true,
            _ => false,
        }
}

/// One write of the plan: a create or an update by its place in the plan (unpacked when it
/// is journaled or sent), or a delete.
enum Item<'p> {
    Create(usize),
    Update(usize),
    Delete(&'p PlannedDelete),
}

impl Item<'_> {
    /// The write, as the journal names it: write number `seq` of the journal.
    fn write(&self, plan: &Plan, seq: u64) -> Write {
        match self {
            Item::Create(i) => {
                let (key, source_id, dropped) = plan.create_ids(*i);
                Write { seq, action: "create", key, source_id, target_id: None, dropped }
            }
            Item::Update(i) => {
                let (key, source_id, target_id, dropped) = plan.update_ids(*i);
                Write { seq, action: "update", key, source_id, target_id: Some(target_id), dropped }
            }
            Item::Delete(d) => Write {
                seq,
                action: "delete",
                key: d.key.clone(),
                source_id: String::new(),
                target_id: Some(d.target_id.clone()),
                dropped: Vec::new(),
            },
        }
    }

    /// Sends it: the contact as it now is, and whether it was created (`false` for a
    /// find-or-create that found it). A write whose contact the plan did not keep reads it
    /// from the source first.
    fn send(
        &self,
        plan: &Plan,
        from: &dyn ContactsApi,
        to: &dyn ContactsApi,
        create: bool,
        lossy: bool,
    ) -> contacts_core::Result<(Contact, bool)> {
        match self {
            Item::Create(i) => {
                let c = plan.create(*i);
                let contact = match c.contact {
                    Some(contact) => contact,
                    None => {
                        let mut contact = from_source(plan, from, &c.source_id)?;
                        if plan.matching == crate::Match::ExternalId {
                            contact.external_id = Some(plan.marker(&c.source_id));
                        }
                        contact
                    }
                };
                let mut new = NewContact::from(&contact);
                new.lossy = lossy;
                if create {
                    to.create(&new).map(|c| (c, true))
                } else {
                    to.find_or_create(&new).map(|f| (f.contact, f.created))
                }
            }
            Item::Update(i) => {
                let u = plan.update(*i);
                let patch = match u.patch() {
                    Some(patch) => patch,
                    None => patch_of(&from_source(plan, from, &u.source_id)?, &u.fields),
                };
                to.update(&u.target_id, &patch.lossy(lossy)).map(|c| (c, false))
            }
            Item::Delete(d) => to.delete(&d.target_id).map(|()| (Contact::new(d.target_id.clone(), ""), false)),
        }
    }
}

/// The source contact `id` as it is now, cut to the plan's synced fields: for a write whose
/// contact the plan did not keep. Gone from the source since the plan: a validation error
/// naming it (the write is the source's to skip, not the target's failure).
fn from_source(plan: &Plan, from: &dyn ContactsApi, id: &str) -> contacts_core::Result<Contact> {
    match from.get(id) {
        Ok(c) => Ok(plan::restrict(c, plan.synced())),
        Err(e) if e.is_not_found() => Err(Error::validation(
            "source",
            format!("the source contact {} is gone since the plan was made", contacts_core::escaped(id)),
        )),
        Err(e) => Err(e),
    }
}

/// One write, as the journal names it.
struct Write {
    /// Its number in the journal.
    seq: u64,
    action: &'static str,
    key: String,
    source_id: String,
    target_id: Option<String>,
    /// The fields the plan already dropped from it.
    dropped: Vec<Field>,
}

/// A worker's answer for the write numbered `item`, sent as request number `seq`: `None`
/// when the run was stopped before it was sent.
struct Answer {
    item: usize,
    seq: u64,
    outcome: Option<contacts_core::Result<(Contact, bool)>>,
}

/// Where `drive` hands writes and gets their answers.
trait Hand {
    /// Hands over write `item` as request `seq`; `false` when no one takes it.
    fn hand(&mut self, item: usize, seq: u64) -> bool;
    /// The next answer, `None` when no one will answer.
    fn answer(&mut self) -> Option<Answer>;
}

/// The worker threads.
struct Workers<'c> {
    jobs: &'c mpsc::Sender<(usize, u64)>,
    done: &'c mpsc::Receiver<Answer>,
}

impl Hand for Workers<'_> {
    fn hand(&mut self, item: usize, seq: u64) -> bool {
        self.jobs.send((item, seq)).is_ok()
    }
    fn answer(&mut self) -> Option<Answer> {
        self.done.recv().ok()
    }
}

/// This thread, one write at a time.
struct Inline<'w> {
    work: &'w dyn Fn(usize) -> Option<contacts_core::Result<(Contact, bool)>>,
    ready: VecDeque<Answer>,
}

impl Hand for Inline<'_> {
    fn hand(&mut self, item: usize, seq: u64) -> bool {
        let outcome = (self.work)(item);
        self.ready.push_back(Answer { item, seq, outcome });
        true
    }
    fn answer(&mut self) -> Option<Answer> {
        self.ready.pop_front()
    }
}

/// Why a run ended before its plan did.
enum End {
    Interrupted,
    Stopped { reason: String, error: Error },
}

/// The state of an apply under way. Only the thread that called `apply` touches it (the
/// workers send and answer): the journal, the counts and the progress callback see one write
/// at a time.
struct Run<'j, 'a> {
    job: &'j SyncJob<'a>,
    /// The plan being applied.
    plan: &'j Plan,
    report: Report,
    progress: Progress,
    /// Target-side failures in a row.
    consecutive: u32,
    window: Window,
    throttle: &'j Throttle,
    /// How many times each write was answered "slow down" and sent again.
    retries: Vec<u8>,
    /// Requests sent so far (numbering them).
    sent: u64,
    /// The last write number in the journal before this run: write `i` is `seq_base + i + 1`.
    seq_base: u64,
    journal: Option<Writer>,
    /// Writes the target asked to slow down for, to be sent again.
    again: VecDeque<usize>,
    /// Why the run must end, once it must: nothing more is handed over.
    end: Option<End>,
}

impl Run<'_, '_> {
    /// Hands writes to the workers — as many in flight as the window allows, each journaled
    /// before it is handed over — and takes their answers in the order they come. Once the
    /// run must end (asked to, a dead target, a wait too long), nothing more is handed over,
    /// and the writes in flight are finished and recorded first.
    fn drive(&mut self, items: &[Item<'_>], workers: &mut dyn Hand) -> Result<Option<End>, SyncError> {
        let mut next = 0;
        let mut in_flight: u32 = 0;
        loop {
            while self.end.is_none() && in_flight < self.window.limit() {
                if self.job.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst)) {
                    self.end = Some(End::Interrupted);
                    break;
                }
                let i = match self.again.pop_front() {
                    Some(i) => i,
                    None if next < items.len() => {
                        self.record("begin", &items[next].write(self.plan, self.seq(next)), None, None)?;
                        next += 1;
                        next - 1
                    }
                    None => break,
                };
                self.sent += 1;
                self.report.requests += 1;
                if !workers.hand(i, self.sent) {
                    break;
                }
                in_flight += 1;
            }
            if in_flight == 0 {
                break;
            }
            let Some(answer) = workers.answer() else { break };
            in_flight -= 1;
            self.answer(&items[answer.item], answer)?;
            self.progress.concurrency = self.window.limit();
            if let Some(p) = self.job.progress.borrow_mut().as_mut() {
                p(&self.progress);
            }
        }
        // A write told to slow down and not sent again is not done: journaled as cancelled.
        while let Some(i) = self.again.pop_front() {
            self.record("cancelled", &items[i].write(self.plan, self.seq(i)), None, None)?;
        }
        if let Some(journal) = &mut self.journal {
            journal.flush()?;
        }
        Ok(self.end.take())
    }

    /// Journals and counts one answer; decides whether its write is sent again (the target
    /// asked to slow down) and whether the run must end.
    fn answer(&mut self, item: &Item<'_>, answer: Answer) -> Result<(), SyncError> {
        let w = item.write(self.plan, self.seq(answer.item));
        let Some(outcome) = answer.outcome else {
            return self.record("cancelled", &w, None, None);
        };
        match outcome {
            Ok((contact, created)) => {
                self.record("done", &w, Some(&contact.id), None)?;
                self.consecutive = 0;
                self.window.success();
                note_dropped(&mut self.report.dropped, &w.dropped);
                note_dropped(&mut self.report.dropped, &contact.dropped);
                match (w.action, created) {
                    ("create", true) => self.report.created += 1,
                    ("create", false) => self.report.found += 1,
                    ("update", _) => self.report.updated += 1,
                    _ => self.report.deleted += 1,
                }
                self.progress.created = self.report.created + self.report.found;
                self.progress.updated = self.report.updated;
            }
            Err(e) if asks_to_slow_down(&e) => {
                self.report.slowed_down += 1;
                let wait = e.retry_after().unwrap_or(self.job.max_wait);
                if wait > self.job.max_wait {
                    self.record("failed", &w, None, Some(&e))?;
                    let reason = format!(
                        "the target asked to wait {}s, longer than the {}s the sync waits",
                        wait.as_secs(),
                        self.job.max_wait.as_secs()
                    );
                    log::warn!(target: "contacts_sync", "stopping: {reason}: {e}");
                    if self.end.is_none() {
                        self.end = Some(End::Stopped { reason, error: e });
                    }
                } else if self.end.is_some() || self.retries[answer.item] >= 3 {
                    self.failed(&w, e)?;
                } else if self.window.is_new_overload(answer.seq) && self.consecutive + 1 >= self.job.max_failures {
                    // A target that answers "slow down" to everything is as stuck as one that
                    // answers nothing: each overload in a row counts toward max_failures (the
                    // last one is this write's failure) — once, however many of the writes
                    // already in flight meet it, as the window halves once for it.
                    self.failed(&w, e)?;
                } else {
                    // A refused write changed nothing: it goes again once the wait is over,
                    // and everyone waits, with fewer writes in flight.
                    if self.window.is_new_overload(answer.seq) {
                        self.consecutive += 1;
                    }
                    self.retries[answer.item] += 1;
                    log::info!(target: "contacts_sync", "slowed down by the target: waiting {}s", wait.as_secs());
                    self.throttle.pause(wait);
                    self.window.slow_down(answer.seq, self.sent);
                    self.again.push_back(answer.item);
                    return Ok(());
                }
            }
            Err(e) => self.failed(&w, e)?,
        }
        self.progress.done += 1;
        Ok(())
    }

    /// A write that failed: journaled, reported; several in a row that are the target's fault
    /// end the run.
    fn failed(&mut self, w: &Write, e: Error) -> Result<(), SyncError> {
        self.record("failed", w, None, Some(&e))?;
        log::warn!(target: "contacts_sync", "{} {} failed: {e}", w.action, contacts_core::escaped(&w.key));
        self.report.failed.push(failure(w, &e));
        self.progress.failed += 1;
        if is_targets_fault(&e) {
            self.consecutive += 1;
            if self.consecutive >= self.job.max_failures && self.end.is_none() {
                let reason = if e.is_rate_limited() || asks_to_slow_down(&e) {
                    format!("{} answers in a row asked to slow down", self.consecutive)
                } else {
                    format!("{} writes in a row failed", self.consecutive)
                };
                log::warn!(target: "contacts_sync", "stopping: {reason}: the target looks unreachable");
                self.end = Some(End::Stopped { reason, error: e });
            }
        }
        Ok(())
    }

    /// Write `item`'s number in the journal: after every write already in it.
    fn seq(&self, item: usize) -> u64 {
        self.seq_base + item as u64 + 1
    }

    fn record(
        &mut self,
        event: &str,
        w: &Write,
        answered: Option<&str>,
        error: Option<&Error>,
    ) -> Result<(), SyncError> {
        let Some(journal) = &mut self.journal else { return Ok(()) };
        // A write's `begin` is in the file before it is sent; its answer goes out with the
        // next `begin` (one write to the file per request) or at the end of the run.
        match event {
            "begin" => {
                // The key is left out when it is the source's own `provider:id` (external-id
                // matching): the source id says it.
                let own = w
                    .key
                    .strip_suffix(w.source_id.as_str())
                    .and_then(|head| head.strip_suffix(':'))
                    .is_some_and(|provider| !w.source_id.is_empty() && provider == self.job.from.provider().name());
                let a = match w.action {
                    "create" => "c",
                    "update" => "u",
                    _ => "d",
                };
                let line = BeginLine {
                    b: w.seq,
                    a,
                    k: (!own).then_some(w.key.as_str()),
                    s: &w.source_id,
                    t: w.target_id.as_deref(),
                };
                journal.last_seq = journal.last_seq.max(w.seq);
                journal.line(&line)
            }
            "done" => journal.line_later(&DoneLine { d: w.seq, t: answered.filter(|_| w.action == "create") }),
            "failed" => {
                let e = error.map(ToString::to_string).unwrap_or_default();
                journal.line_later(&FailedLine { f: w.seq, e: &e })
            }
            _ => journal.line_later(&CancelledLine { x: w.seq }),
        }
    }
}

/// Whether the target asked the sync to slow down: a 429, or a 503 with `Retry-After`. The
/// write changed nothing and is sent again once the wait is over.
fn asks_to_slow_down(e: &Error) -> bool {
    e.is_rate_limited() || (e.status() == Some(503) && e.retry_after().is_some())
}

/// A failure that is the target's (or the network's), not the contact's: no answer, 5xx,
/// credentials refused. Several in a row stop the run.
fn is_targets_fault(e: &Error) -> bool {
    match e {
        Error::Transport(_) | Error::Config(_) => true,
        Error::Api(_) => e.is_auth() || e.is_rate_limited() || e.status().is_some_and(|s| s >= 500),
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

fn failure(w: &Write, e: &Error) -> Failure {
    Failure {
        action: w.action.to_owned(),
        key: w.key.to_owned(),
        source_id: w.source_id.to_owned(),
        error: e.to_string(),
        retryable: e.is_retryable(),
    }
}
