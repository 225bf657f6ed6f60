//! What a run reports: its progress while it runs, and the report and failures at its end.

use std::fmt;
use std::time::Duration;

use contacts_core::Field;
use serde::{Deserialize, Serialize};

use crate::plan::{Conflict, Plan, Refusal};

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
    /// Writes allowed in flight now (lower than asked for after the target said "slow down").
    pub concurrency: u32,
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

/// What [`apply`](crate::SyncJob::apply) did.
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
    /// How long applying took. In JSON, seconds as a number (`12.5`).
    #[serde(with = "seconds")]
    pub duration: Duration,
    /// The writes in flight at once asked for ([`SyncJob::concurrency`](crate::SyncJob::concurrency)).
    #[serde(default)]
    pub concurrency: u32,
    /// The fewest writes in flight the run went down to after the target said "slow down"
    /// (the same as `concurrency` when it never did).
    #[serde(default)]
    pub lowest_concurrency: u32,
    /// The writes in flight allowed at the end of the run.
    #[serde(default)]
    pub final_concurrency: u32,
    /// Answers that asked the sync to slow down (429, or 503 with `Retry-After`): each write
    /// was waited out and sent again, and each overload halved the concurrency. Calls the
    /// client itself retries (idempotent updates and deletes) are counted by the client's
    /// log, not here.
    #[serde(default)]
    pub slowed_down: u64,
}

impl Report {
    pub(crate) fn new(plan: &Plan, resumed_in_flight: u64) -> Report {
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
            concurrency: 1,
            lowest_concurrency: 1,
            final_concurrency: 1,
            slowed_down: 0,
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
        if self.slowed_down > 0 {
            write!(
                f,
                "\nthe target asked to slow down {} {}: concurrency {} went down to {} and ended at {}",
                self.slowed_down,
                plural(self.slowed_down, "time", "times"),
                self.concurrency,
                self.lowest_concurrency,
                self.final_concurrency
            )?;
        }
        for (field, n) in &self.dropped {
            write!(f, "\ndropped {field} from {n} {} (lossy)", plural(*n, "contact", "contacts"))?;
        }
        Ok(())
    }
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// A duration as seconds, a number, in JSON (serde's own form, `{"secs":…,"nanos":…}`, is
/// read back too).
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Seconds(f64),
        Parts { secs: u64, nanos: u32 },
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        match Either::deserialize(d)? {
            Either::Seconds(s) => Duration::try_from_secs_f64(s).map_err(serde::de::Error::custom),
            Either::Parts { secs, nanos } => Ok(Duration::new(secs, nanos)),
        }
    }
}
