//! One-way sync between any two contacts-rs providers: planned, throttled, resumable and
//! idempotent, through [`contacts_core::ContactsApi`] only (it knows no provider).
//!
//! ```no_run
//! use contacts_sync::{Match, SyncJob};
//! # fn run(previsto: &previsto_like::Client, levers: &previsto_like::Client) -> Result<(), contacts_sync::SyncError> {
//! let mut sync = SyncJob::new(previsto, levers)
//!     .matching(Match::ExternalId)     // or Match::Phone, Match::Email
//!     .journal("previsto-to-levers.jsonl");
//! let plan = sync.plan()?;             // reads both sides once; writes nothing
//! println!("{plan}");                  // creates, updates (with their fields), conflicts, refusals
//! let report = sync.apply(&plan)?;     // throttled, journaled; failures reported, not fatal
//! println!("{report}");               // created, found, updated, unchanged, deleted, refused, …
//! // After a crash: SyncJob::new(previsto, levers).resume("previsto-to-levers.jsonl")? —
//! // every setting comes from the journal, and nothing is created twice.
//! # Ok(()) }
//! # mod previsto_like { pub type Client = dyn contacts_core::ContactsApi; }
//! ```
//!
//! - **Matching**: by the target's external id (the sync writes `provider:id` there when it
//!   creates a contact), by phone (compared in E.164 form) or by email (case-folded). Two
//!   target contacts for one source, or two sources for one key, are reported as conflicts,
//!   never guessed.
//! - **Plan**: creates, updates (each with only its changed fields), unchanged, conflicts and
//!   refusals; the target side is held as match keys and a digest per field, not as contacts.
//! - **Apply**: `concurrency` writes in flight at once (default 4) over one client, throttled
//!   together to the target's documented rate (Previsto: 120 a minute); a 429 (or 503 with
//!   `Retry-After`) is waited out by every worker and halves the concurrency, which climbs
//!   back one at a time (the report says how low it went); each write recorded in the journal
//!   before it is sent and after it answered; a second apply of the same sync writes nothing.
//! - **Plan**: both sides read at once, each list a page ahead.
//! - **Lossy**: a field the target cannot store refuses the contact (reported), unless
//!   `.lossy(true)`, which drops it and counts it in the report.
//! - A target with find-or-create (TheCleanLife) gets find-or-create; a target without update
//!   gets its updates reported as refused, not as errors.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

mod error;
mod journal;
mod matching;
mod pace;
mod packed;
mod plan;
mod report;
mod sync;
mod targets;

pub use error::SyncError;
pub use journal::{
    JOURNAL_VERSION, JournalHeader, MAX_LINE_BYTES, RunEnd, RunRecord, Side, history, lock_path, record_end,
};
pub use matching::Match;
pub use plan::{Conflict, DEFAULT_KEEP_BYTES, Plan, PlannedCreate, PlannedDelete, PlannedUpdate, Refusal};
pub use report::{Failure, Progress, Report};
pub use sync::{
    DEFAULT_CONCURRENCY, DEFAULT_MAX_DELETE, DEFAULT_MAX_FAILURES, DEFAULT_MAX_WAIT, MAX_CONCURRENCY, SyncJob,
    documented_rate,
};
