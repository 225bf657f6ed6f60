//! When a failed call is tried again, and how long to wait first.

use std::fmt;
use std::time::Duration;

/// Which failed calls are repeated, and the waits between tries.
///
/// Only statuses 408, 429, 500, 502, 503, 504 and transport failures are retried, and only
/// when a repeat cannot duplicate data: the request is idempotent (GET, PUT, DELETE, or a POST
/// the client marks idempotent), or it provably never left this machine.
///
/// Each setting is a public field, read and written under one name, and each has a setter of
/// that name for chaining (as ureq's `Timeouts` does):
///
/// ```
/// use std::time::Duration;
/// use contacts_core::RetryPolicy;
/// let policy = RetryPolicy::default().max_retries(4).initial_backoff(Duration::from_millis(100));
/// assert_eq!(policy.max_retries, 4);
/// assert_eq!(policy.max_retry_after, Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// How many times a call may be repeated after the first try. Defaults to 2.
    pub max_retries: u32,
    /// The wait before the first retry; each later one doubles it. Defaults to 0.5 s.
    pub initial_backoff: Duration,
    /// The longest computed wait. Defaults to 8 s.
    pub max_backoff: Duration,
    /// Whether each computed wait is drawn at random from its upper half, so that many
    /// clients do not retry in step. Defaults to `true`.
    pub jitter: bool,
    /// The longest `Retry-After` the client waits for; a longer one ends the call with the
    /// error (whose `retry_after()` says how long). The sync bounds its own waits by it too.
    /// Defaults to 60 s.
    pub max_retry_after: Duration,
    /// Whether a 429 without `Retry-After` is retried with the computed backoff. Defaults to
    /// `true` (TheCleanLife's client turns it off: its limit is a 60 s window).
    pub retry_429_without_retry_after: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            jitter: true,
            max_retry_after: Duration::from_secs(60),
            retry_429_without_retry_after: true,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy { max_retries: 0, ..RetryPolicy::default() }
    }

    /// Sets [`max_retries`](Self::max_retries).
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets [`initial_backoff`](Self::initial_backoff).
    #[must_use]
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// Sets [`max_backoff`](Self::max_backoff).
    #[must_use]
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// Sets [`jitter`](Self::jitter).
    #[must_use]
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// Sets [`max_retry_after`](Self::max_retry_after).
    #[must_use]
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Sets [`retry_429_without_retry_after`](Self::retry_429_without_retry_after).
    #[must_use]
    pub fn retry_429_without_retry_after(mut self, on: bool) -> Self {
        self.retry_429_without_retry_after = on;
        self
    }
}

/// Waits between tries. Inject your own to make tests instant.
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Blocks for `duration`.
    fn sleep(&self, duration: Duration);
}

/// A [`Sleeper`] from a closure: a test records or skips waits without a type of its own.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use contacts_core::Sleeper;
/// let waits = Arc::new(Mutex::new(Vec::new()));
/// let seen = Arc::clone(&waits);
/// let sleeper = contacts_core::sleeper(move |d| seen.lock().unwrap().push(d));
/// sleeper.sleep(Duration::from_millis(500));
/// assert_eq!(*waits.lock().unwrap(), [Duration::from_millis(500)]);
/// ```
pub fn sleeper(sleep: impl Fn(Duration) + Send + Sync + 'static) -> impl Sleeper {
    FnSleeper(sleep)
}

/// The [`Sleeper`] [`sleeper`] makes.
struct FnSleeper<F>(F);

impl<F> fmt::Debug for FnSleeper<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnSleeper(..)")
    }
}

impl<F: Fn(Duration) + Send + Sync> Sleeper for FnSleeper<F> {
    fn sleep(&self, duration: Duration) {
        (self.0)(duration);
    }
}

/// The default [`Sleeper`]: `std::thread::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
