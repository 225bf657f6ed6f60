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
    thread_local! {
        // std's randomly keyed hasher (keyed from the OS's randomness, differently on each
        // thread) over this thread's count of ids: unique across calls, threads and runs, with
        // no extra crate and nothing shared between threads.
        static STATE: (RandomState, Cell<u64>) = (RandomState::new(), const { Cell::new(0) });
    }
    STATE.with(|(keys, count)| {
        let n = count.get();
        count.set(n.wrapping_add(1));
        let mut id = String::with_capacity(32);
        for half in 0..2u8 {
            let mut h = keys.build_hasher();
            h.write_u64(n);
            h.write_u8(half);
            push_hex(&mut id, h.finish());
        }
        id
    })
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
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}
