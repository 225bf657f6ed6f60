//! `Retry-After` and request ids.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// The longest `Retry-After` an error reports: a server's 999999 s or a date in 2099 is
/// stored as one hour, so a job that sleeps for `retry_after()` wakes up the same day.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// A fresh id to send as `x-request-id`, so a failed call can be traced on the provider's side:
/// 32 lowercase hex digits, unique per call.
///
/// ```
/// let a = contacts_http::new_request_id();
/// assert_eq!(a.len(), 32);
/// assert_ne!(a, contacts_http::new_request_id());
/// ```
pub fn new_request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut words = [0u64; 2];
    for word in &mut words {
        // std's randomly keyed hasher over a clock and a counter: unique, with no extra crate.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        *word = h.finish();
    }
    format!("{:016x}{:016x}", words[0], words[1])
}

/// Parses a `Retry-After` value: delta-seconds or an HTTP-date (relative to `now`).
///
/// A date in the past means "now" (zero); anything unreadable is `None`.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use contacts_http::parse_retry_after;
/// let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now), Some(Duration::from_secs(30)));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}
