//! `Retry-After` and request ids.

use std::cell::Cell;
use std::hash::{BuildHasher, Hasher, RandomState};
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
    let mut id = String::with_capacity(32);
    push_hex(&mut id, random_u64());
    push_hex(&mut id, random_u64());
    id
}

/// Appends `word` as 16 lowercase hex digits.
fn push_hex(out: &mut String, word: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        out.push(char::from(DIGITS[(word >> (shift * 4)) as usize & 0xf]));
    }
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
/// // Not delay-seconds: invalid, so the documented default wait applies.
/// for invalid in ["-1", "1.5", "", "+9", "1 0"] {
///     assert_eq!(parse_retry_after(invalid, now), None, "{invalid:?}");
/// }
/// // Larger than any clock: too long (a caller's cap stops there), never "absent".
/// assert_eq!(parse_retry_after("99999999999999999999999", now), Some(Duration::MAX));
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    // RFC 9110: `delay-seconds = 1*DIGIT`. No sign, no fraction, not empty; a number too large
    // for any clock is a wait longer than any cap ("too long"), not an absent header.
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse::<u64>().map_or(Duration::MAX, Duration::from_secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait before retry number `retry` (0 for the first) under `policy`, jitter applied.
pub(crate) fn backoff(policy: &contacts_core::RetryPolicy, retry: u32) -> Duration {
    let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
    let full = policy.initial_backoff.saturating_mul(factor).min(policy.max_backoff);
    if !policy.jitter || full.is_zero() {
        return full;
    }
    let half = full / 2;
    let spread = u64::try_from((full - half).as_nanos()).unwrap_or(u64::MAX);
    half + Duration::from_nanos(random_u64() % spread.saturating_add(1))
}

/// Decides the wait before retry number `retry` (0 for the first) after an answer with
/// `status` and the server's `Retry-After` (already parsed), or `None` to stop with that
/// answer: the status is not retryable, the retries are used up, or the server asked for a
/// longer wait than the policy's `max_retry_after`.
pub(crate) fn wait_after_status(
    policy: &contacts_core::RetryPolicy,
    status: u16,
    retry_after: Option<Duration>,
    retry: u32,
) -> Option<Duration> {
    if retry >= policy.max_retries || !is_retryable_status(status) {
        return None;
    }
    match retry_after {
        Some(wait) if wait > policy.max_retry_after => None,
        // "Retry now" is honoured once; answered again and again it is a storm, and the
        // backoff applies from the second retry on.
        Some(wait) if wait.is_zero() && retry > 0 => Some(backoff(policy, retry)),
        Some(wait) => Some(wait),
        None if status == 429 && !policy.retry_429_without_retry_after => None,
        None => Some(backoff(policy, retry)),
    }
}

/// Statuses that say "try again later": 408, 429, 500, 502, 503, 504.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// A random number for jitter and request ids: std's randomly keyed hasher (keyed from the
/// OS's randomness, differently on each thread) over this thread's count of draws. Unique
/// across calls, threads and runs, with no extra crate and nothing shared between threads.
/// Not for secrets.
fn random_u64() -> u64 {
    thread_local! {
        static STATE: (RandomState, Cell<u64>) = (RandomState::new(), const { Cell::new(0) });
    }
    STATE.with(|(keys, count)| {
        let n = count.get();
        count.set(n.wrapping_add(1));
        let mut h = keys.build_hasher();
        h.write_u64(n);
        h.finish()
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use contacts_core::RetryPolicy;

    use super::backoff;

    #[test]
    fn jittered_waits_stay_in_the_upper_half_of_the_backoff() {
        let policy = RetryPolicy::default();
        for retry in 0..5 {
            let full = Duration::from_millis(500) * 2u32.pow(retry);
            let full = full.min(Duration::from_secs(8));
            for _ in 0..50 {
                let wait = backoff(&policy, retry);
                assert!(wait >= full / 2 && wait <= full, "retry {retry}: {wait:?} not in [{:?}, {full:?}]", full / 2);
            }
        }
    }
}
