//! What `verify` found: each crate's reading of its provider's documents, checked against a
//! real account (`levers_client::verify`, `previsto::verify`, … and `contacts verify`).

use std::fmt;

use crate::{Error, Provider, escaped};

/// How a `verify` runs: read-only (the default), or with writes for a test account.
///
/// ```
/// use contacts_core::VerifyOptions;
/// let read_only = VerifyOptions::read_only();
/// assert!(!read_only.writes());
/// // Writes only go to the host named here, and only when the client's base URL is on it.
/// let writes = VerifyOptions::read_only().write_to("sandbox.previsto.example").customer_id(7);
/// assert_eq!(writes.write_host(), Some("sandbox.previsto.example"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct VerifyOptions {
    write_host: Option<String>,
    customer_id: Option<u64>,
    phone: Option<String>,
}

impl VerifyOptions {
    /// Read-only checks: nothing is created, changed or deleted.
    pub fn read_only() -> Self {
        VerifyOptions::default()
    }

    /// Also runs the write checks (create one clearly named contact, read it back, update it
    /// and delete it where the provider can), on a test account only: `host` must be the host
    /// (and port, if any) of the client's base URL, or the write checks refuse to run.
    pub fn write_to(mut self, host: impl Into<String>) -> Self {
        self.write_host = Some(host.into());
        self
    }

    /// A customer of the account, for providers that list by customer (the portal): its
    /// contacts settle the list form. Without one those checks cannot run.
    pub fn customer_id(mut self, id: u64) -> Self {
        self.customer_id = Some(id);
        self
    }

    /// A phone number of the test account, for providers that find or create by phone
    /// (TheCleanLife): the write checks use it. Without one those checks cannot run.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }

    /// Whether the write checks run.
    pub fn writes(&self) -> bool {
        self.write_host.is_some()
    }

    /// The host writes are allowed on.
    pub fn write_host(&self) -> Option<&str> {
        self.write_host.as_deref()
    }

    /// The customer given with [`customer_id`](Self::customer_id).
    pub fn customer(&self) -> Option<u64> {
        self.customer_id
    }

    /// The phone given with [`phone`](Self::phone).
    pub fn phone_number(&self) -> Option<&str> {
        self.phone.as_deref()
    }
}

/// What one check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// The account behaves as the crate assumes.
    Held,
    /// It does not: [`Check::seen`] says what it did and [`Check::advice`] what to do.
    Differs,
    /// The check could not run (the account lacks what it needs, or an earlier failure
    /// stopped the run): [`Check::seen`] says why.
    NotRun,
}

impl Outcome {
    /// `held`, `differs`, `not run`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Held => "held",
            Outcome::Differs => "differs",
            Outcome::NotRun => "not run",
        }
    }
}

/// One named check: the assumption it tests, and what the account did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Check {
    /// A short stable name (`list-shape`, `largest-page`, …).
    pub name: String,
    /// The README Assumption or documented behaviour it tests, in words.
    pub assumption: String,
    /// What it found.
    pub outcome: Outcome,
    /// What was seen: shapes, statuses, codes, counts and header names, never a credential
    /// nor a contact's data.
    pub seen: String,
    /// Where it differs: what to set, or that the crate needs a fix and what to put in the
    /// bug report.
    pub advice: Option<String>,
}

impl Check {
    /// A check that held.
    pub fn held(name: impl Into<String>, assumption: impl Into<String>, seen: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            assumption: assumption.into(),
            outcome: Outcome::Held,
            seen: seen.into(),
            advice: None,
        }
    }

    /// A check that found the account differs, with what to do about it.
    pub fn differs(
        name: impl Into<String>,
        assumption: impl Into<String>,
        seen: impl Into<String>,
        advice: impl Into<String>,
    ) -> Check {
        Check {
            name: name.into(),
            assumption: assumption.into(),
            outcome: Outcome::Differs,
            seen: seen.into(),
            advice: Some(advice.into()),
        }
    }

    /// A check that could not run, and why.
    pub fn not_run(name: impl Into<String>, assumption: impl Into<String>, why: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            assumption: assumption.into(),
            outcome: Outcome::NotRun,
            seen: why.into(),
            advice: None,
        }
    }
}

/// Everything a `verify` found, check by check; `Display` writes it in words.
#[derive(Debug)]
#[non_exhaustive]
pub struct VerifyReport {
    /// The provider checked.
    pub provider: Provider,
    /// The host (and port) of the client's base URL.
    pub host: String,
    /// Whether the write checks were asked for.
    pub write: bool,
    /// The checks, in the order they ran.
    pub checks: Vec<Check>,
    /// A failure that stopped the run (credentials refused, no answer, rate limited): the
    /// checks after it did not run.
    pub stopped: Option<Error>,
    /// What the write checks left behind and could not remove (a provider with no delete).
    pub left_behind: Vec<String>,
}

impl VerifyReport {
    /// An empty report for `provider` at `host`.
    pub fn new(provider: Provider, host: impl Into<String>, write: bool) -> VerifyReport {
        VerifyReport { provider, host: host.into(), write, checks: Vec::new(), stopped: None, left_behind: Vec::new() }
    }

    /// The checks with this outcome.
    pub fn with_outcome(&self, outcome: Outcome) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(move |c| c.outcome == outcome)
    }

    /// The check called `name`.
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// Whether every check that ran held and nothing stopped the run.
    pub fn all_held(&self) -> bool {
        self.stopped.is_none() && self.with_outcome(Outcome::Differs).next().is_none()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = if self.write { "read and write" } else { "read-only" };
        writeln!(f, "verify {} at {} ({mode})", self.provider, escaped(&self.host))?;
        for c in &self.checks {
            writeln!(f, "{:<8} {}: {}", c.outcome.name(), c.name, c.assumption)?;
            if !c.seen.is_empty() {
                writeln!(f, "         seen: {}", escaped(&c.seen))?;
            }
            if let Some(advice) = &c.advice {
                writeln!(f, "         what to do: {}", escaped(advice))?;
            }
        }
        for left in &self.left_behind {
            writeln!(f, "left behind: {}", escaped(left))?;
        }
        let count = |o| self.with_outcome(o).count();
        write!(
            f,
            "{} held, {} differ, {} not run",
            count(Outcome::Held),
            count(Outcome::Differs),
            count(Outcome::NotRun)
        )?;
        if let Some(e) = &self.stopped {
            write!(f, "\nstopped: {e}")?;
        }
        Ok(())
    }
}
