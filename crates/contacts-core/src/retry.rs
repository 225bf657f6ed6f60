//! When a failed call is tried again, and how long to wait first.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

/// Which failed calls are repeated, and the waits between tries.
///
/// Only statuses 408, 429, 500, 502, 503, 504 and transport failures are retried, and only
/// when a repeat cannot duplicate data: the request is idempotent (GET, PUT, DELETE, or a POST
/// the client marks idempotent), or it provably never left this machine.
///
/// ```
/// use std::time::Duration;
/// use contacts_core::RetryPolicy;
/// let policy = RetryPolicy::default().max_retries(4).initial_backoff(Duration::from_millis(100));
/// assert_eq!(policy.retries(), 4);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    jitter: bool,
    max_retry_after: Duration,
    retry_429_without_retry_after: bool,
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

    /// How many times a call may be repeated after the first try. Defaults to 2.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The wait before the first retry; each later one doubles it. Defaults to 0.5 s.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest computed wait. Defaults to 8 s.
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// Whether each computed wait is drawn at random from its upper half, so that many
    /// clients do not retry in step. Defaults to `true`.
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// The longest `Retry-After` the client waits for; a longer one ends the call with the
    /// error (whose `retry_after()` says how long). Defaults to 60 s.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Whether a 429 without `Retry-After` is retried with the computed backoff.
    /// Defaults to `true`.
    pub fn retry_429_without_retry_after(mut self, on: bool) -> Self {
        self.retry_429_without_retry_after = on;
        self
    }

    /// The configured number of retries.
    pub fn retries(&self) -> u32 {
        self.max_retries
    }

    /// The wait before retry number `retry` (0 for the first), jitter applied.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        let full = self.initial_backoff.saturating_mul(factor).min(self.max_backoff);
        if !self.jitter || full.is_zero() {
            return full;
        }
        let half = full / 2;
        let spread = (full - half).as_nanos() as u64;
        half + Duration::from_nanos(random_u64() % (spread + 1))
    }

    /// The longest `Retry-After` this policy waits for.
    pub fn retry_after_limit(&self) -> Duration {
        self.max_retry_after
    }

    /// Decides the wait before retry number `retry` (0 for the first) after an answer with
    /// `status` and the server's `Retry-After` (already parsed), or `None` to stop with that
    /// answer: the status is not retryable, the retries are used up, or the server asked for
    /// a longer wait than [`max_retry_after`](Self::max_retry_after).
    pub fn wait_after_status(&self, status: u16, retry_after: Option<Duration>, retry: u32) -> Option<Duration> {
        if retry >= self.max_retries || !crate::error::is_retryable_status(status) {
            return None;
        }
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None if status == 429 && !self.retry_429_without_retry_after => None,
            None => Some(self.backoff(retry)),
        }
    }
}

/// A random number from std's randomly keyed hasher, a clock and a counter: enough for jitter,
/// with no extra crate. Not for secrets.
fn random_u64() -> u64 {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64));
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    h.finish()
}

/// Waits between tries. Inject your own to make tests instant.
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Blocks for `duration`.
    fn sleep(&self, duration: Duration);
}

/// The default [`Sleeper`]: `std::thread::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
