//! What can stop a sync, as kinds a program (and the `contacts` CLI's exit codes) can tell
//! apart.

use std::path::PathBuf;

use crate::report::Report;

/// Why a sync did not run, or stopped before the end of its plan.
///
/// Whatever stopped it, the journal (when there is one) holds every write begun, done or
/// failed: [`SyncJob::resume`](crate::SyncJob::resume) finishes the run without writing
/// anything twice.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The journal is missing, unreadable, not a journal, of another format, damaged, or (for a
    /// new run) already there. Nothing was written.
    #[error("journal {}: {message}", path.display())]
    Journal {
        /// The journal.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },

    /// The journal records another run than the one asked for: another source or target, or a
    /// setting that contradicts it. Nothing was written.
    #[error("journal {} records {setting} {journal}, not {given}", path.display())]
    Mismatch {
        /// The journal.
        path: PathBuf,
        /// The setting that differs (`source`, `target`, `match`, `lossy`, …).
        setting: String,
        /// What the journal holds.
        journal: String,
        /// What was asked for.
        given: String,
    },

    /// Another run holds the journal. Nothing was written.
    #[error("journal {} is in use by another run{}", path.display(), pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Locked {
        /// The journal.
        path: PathBuf,
        /// The pid of the run holding it, when it wrote one.
        pid: Option<u32>,
    },

    /// The plan could not be made (a side could not be read, or cannot be synced as asked),
    /// or a setting is refused before anything is written.
    #[error(transparent)]
    Provider(#[from] contacts_core::Error),

    /// A setting the two sides cannot honour (`matching`: the target stores no external id,
    /// or cannot be listed). Nothing was written.
    #[error("invalid {setting}: {reason}")]
    Refused {
        /// The setting (`matching`).
        setting: String,
        /// Why, and what to do instead.
        reason: String,
    },

    /// The plan deletes more target contacts than the run allows (`max_delete`): a source
    /// read short, or a wrong scope, would otherwise empty the target. Nothing was written.
    #[error(
        "the plan deletes {planned} target contacts, more than the {max} allowed: check the source, then raise the limit"
    )]
    TooManyDeletes {
        /// The deletes the plan holds.
        planned: u64,
        /// The limit.
        max: u64,
    },

    /// The run stopped part way: the target looks dead (several writes in a row failed for
    /// reasons that are not the contact's own) or asked to wait longer than the sync waits.
    #[error("stopped after {} writes: {reason}: {error}", report.writes())]
    Stopped {
        /// Why.
        reason: String,
        /// The failure that stopped it.
        error: contacts_core::Error,
        /// What was done before it stopped.
        report: Box<Report>,
    },

    /// The run was asked to stop (SIGINT, SIGTERM): the write in flight was finished and
    /// recorded.
    #[error("interrupted after {} writes", report.writes())]
    Interrupted {
        /// What was done before it stopped.
        report: Box<Report>,
    },
}
