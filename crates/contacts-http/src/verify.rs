//! What each provider crate's `verify` shares: running named checks in order, stopping at a
//! failure that makes the rest meaningless, and describing answers without their data.

use contacts_core::{Check, Error, Header, HttpResponse, Outcome, VerifyOptions, VerifyReport};
use serde_json::Value;

use crate::client::HttpClient;

/// What one check found, before it is named (see [`Verifier::check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// As assumed; what was seen.
    Held(String),
    /// Not as assumed: what was seen, and what to do.
    Differs(String, String),
    /// Could not run, and why.
    NotRun(String),
}

/// Runs a provider's checks in order into a [`VerifyReport`].
#[derive(Debug)]
pub struct Verifier {
    report: VerifyReport,
    write_refused: Option<String>,
}

impl Verifier {
    /// A verifier for the client's provider and host. When `options` asks for writes on a host
    /// that is not the client's, the write checks will not run ([`may_write`](Self::may_write)).
    pub fn new(http: &HttpClient, options: &VerifyOptions) -> Verifier {
        let host = http.host().to_owned();
        let write_refused = match options.write_host() {
            Some(asked) if !asked.eq_ignore_ascii_case(&host) => Some(format!(
                "writes were allowed on {}, but the client's base URL is on {}: nothing is written to a host \
                 that was not named",
                contacts_core::escaped(asked),
                contacts_core::escaped(&host)
            )),
            _ => None,
        };
        Verifier { report: VerifyReport::new(http.provider(), host, options.writes()), write_refused }
    }

    /// Runs one check, unless a failure already stopped the run. A failure that makes every
    /// later check meaningless (credentials refused, no answer, rate limited, configuration)
    /// stops the run; any other error of the crate's own calls means the account does not
    /// behave as the crate reads it, and the check differs.
    pub fn check(&mut self, name: &str, assumption: &str, run: impl FnOnce() -> Result<Finding, Error>) {
        if let Some(e) = &self.report.stopped {
            let why = format!("not run: the run stopped ({})", one_line(e));
            self.report.checks.push(Check::not_run(name, assumption, why));
            return;
        }
        let check = match run() {
            Ok(Finding::Held(seen)) => Check::held(name, assumption, seen),
            Ok(Finding::Differs(seen, advice)) => Check::differs(name, assumption, seen, advice),
            Ok(Finding::NotRun(why)) => Check::not_run(name, assumption, why),
            Err(e) if stops(&e) => {
                let check = Check::not_run(name, assumption, format!("stopped: {}", one_line(&e)));
                self.report.stopped = Some(e);
                check
            }
            Err(e) => Check::differs(name, assumption, format!("the call failed: {}", one_line(&e)), bug_report(&e)),
        };
        self.report.checks.push(check);
    }

    /// Whether the write checks may run: they were asked for, on the client's own host. When
    /// they were asked for on another host, a `writes-allowed` check says so and differs.
    pub fn may_write(&mut self) -> bool {
        if !self.report.write {
            return false;
        }
        if let Some(why) = self.write_refused.take() {
            self.report.checks.push(Check::differs(
                "writes-allowed",
                "writes go only to the host they were allowed on",
                why,
                "name the host of the test account's base URL (contacts verify --write reads it from the base URL \
                 you configured)",
            ));
            return false;
        }
        self.report.stopped.is_none()
    }

    /// Records something the write checks made and could not remove.
    pub fn left_behind(&mut self, what: impl Into<String>) {
        self.report.left_behind.push(what.into());
    }

    /// Whether an earlier failure stopped the run.
    pub fn stopped(&self) -> bool {
        self.report.stopped.is_some()
    }

    /// The outcome of the check called `name`, if it ran.
    pub fn outcome(&self, name: &str) -> Option<Outcome> {
        self.report.check(name).map(|c| c.outcome)
    }

    /// The report.
    pub fn finish(self) -> VerifyReport {
        self.report
    }
}

/// Whether `e` makes every later check meaningless.
fn stops(e: &Error) -> bool {
    e.is_auth() || e.is_rate_limited() || matches!(e, Error::Transport(_) | Error::Config(_))
}

fn one_line(e: &Error) -> String {
    e.to_string().replace(['\n', '\r'], " ")
}

/// What to put in a bug report for an error the crate met where it expected none.
fn bug_report(e: &Error) -> String {
    let mut facts = Vec::new();
    if let Some(status) = e.status() {
        facts.push(format!("status {status}"));
    }
    if let Some(code) = e.code() {
        facts.push(format!("code {code}"));
    }
    if let Some(id) = e.request_id() {
        facts.push(format!("request id {id}"));
    }
    if let Some(body) = e.body() {
        facts.push(format!("answer {}", shape(body.as_bytes())));
    }
    format!(
        "the crate needs a fix, or the provider failed: report it with these facts ({})",
        if facts.is_empty() { "none beyond the message".to_owned() } else { facts.join(", ") }
    )
}

/// A JSON answer's shape without its values: `an object with keys items, page, total`, `an
/// array of 3 items (objects)`, `not JSON (12 bytes)`. Keys are the provider's field names,
/// never its data; long key lists are cut.
pub fn shape(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => shape_of(&value),
        Err(_) if body.is_empty() => "empty".to_owned(),
        Err(_) => format!("not JSON ({} bytes)", body.len()),
    }
}

/// [`shape`] of a decoded value.
pub fn shape_of(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
            keys.sort_unstable();
            let more = keys.len().saturating_sub(12);
            keys.truncate(12);
            let keys: Vec<String> = keys.iter().map(|k| contacts_core::escaped(k).to_string()).collect();
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            format!("an object with keys {}{more}", if keys.is_empty() { "(none)".to_owned() } else { keys.join(", ") })
        }
        Value::Array(items) => {
            let kind = match items.first() {
                None => String::new(),
                Some(Value::Object(_)) => " (objects)".to_owned(),
                Some(_) => " (not objects)".to_owned(),
            };
            format!("an array of {} items{kind}", items.len())
        }
        Value::String(_) => "a string".to_owned(),
        Value::Number(_) => "a number".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Null => "null".to_owned(),
    }
}

/// The names (lowercase) of the rate-limit headers among `headers`: `x-ratelimit-*`,
/// `ratelimit*` (RFC 9331 drafts), `retry-after`.
pub fn rate_limit_headers<'h>(headers: impl IntoIterator<Item = &'h str>) -> Vec<String> {
    let mut names: Vec<String> = headers
        .into_iter()
        .map(str::to_ascii_lowercase)
        .filter(|n| n.starts_with("x-ratelimit") || n.starts_with("ratelimit") || n == "retry-after")
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Asks `segments` (a read) with the credential `header` instead of the client's own, and
/// says whether the crate reads the answer as an auth refusal. `read` is the crate's own
/// reading of an answer: the error it makes of it, `None` for a success.
///
/// # Errors
/// A transport failure.
pub fn bad_credentials(
    http: &HttpClient,
    segments: &[&str],
    header: Header,
    read: impl FnOnce(&HttpResponse) -> Option<Error>,
) -> Result<Finding, Error> {
    let response = http
        .request(contacts_core::Method::Get, segments)?
        .header(header)
        .without_credentials(true)
        .any_status(true)
        .send()?;
    let status = response.status();
    let body = shape(response.body());
    Ok(match read(&response.into_inner()) {
        Some(error) if error.is_auth() => {
            Finding::Held(format!("a made-up credential got {status}, read as an auth refusal"))
        }
        Some(_) => Finding::Differs(
            format!("a made-up credential got {status} with {body}, not read as an auth refusal"),
            crate_fix(),
        ),
        None => Finding::Differs(
            format!("a made-up credential got {status} with {body}, read as a success"),
            "the provider accepted a credential it never issued, or refuses it in a way the crate does not \
             read as a refusal: report it with this line"
                .to_owned(),
        ),
    })
}

/// The error a provider's `decode` makes of a non-2xx answer; `None` for a 2xx one.
pub fn status_error(decode: fn(&HttpResponse) -> Error) -> impl FnOnce(&HttpResponse) -> Option<Error> {
    move |response| (!(200..300).contains(&response.status)).then(|| decode(response))
}

/// What a differing check says when the crate itself must change.
pub fn crate_fix() -> String {
    "the crate needs a fix: report this line".to_owned()
}

/// The name the write checks give the contact they make: `contacts-rs verify 1a2b3c4d`.
pub fn write_name() -> String {
    format!("contacts-rs verify {}", crate::new_request_id().get(..8).unwrap_or("0"))
}

/// The write checks' read-back: `read` gives the name stored now, `sent` the one sent.
///
/// # Errors
/// What `read` fails with.
pub fn name_reads_back(sent: &str, read: impl FnOnce() -> Result<String, Error>) -> Result<Finding, Error> {
    Ok(if read()? == sent {
        Finding::Held("the name reads back as sent".to_owned())
    } else {
        Finding::Differs("the name read back differs from the one sent".to_owned(), crate_fix())
    })
}

/// The write checks' update: `update` renames the contact to `renamed`, `read` gives the name
/// stored afterwards.
///
/// # Errors
/// What `update` or `read` fails with.
pub fn rename_reads_back(
    renamed: &str,
    update: impl FnOnce() -> Result<(), Error>,
    read: impl FnOnce() -> Result<String, Error>,
) -> Result<Finding, Error> {
    update()?;
    Ok(if read()? == renamed {
        Finding::Held("the new name reads back".to_owned())
    } else {
        Finding::Differs("the update answered, but the name read back is the old one".to_owned(), crate_fix())
    })
}

/// The write checks' delete: `delete` removes the contact, `read` reads it afterwards (a
/// not-found is what should come back). `deleted` is set once the delete answered.
///
/// # Errors
/// What `delete` fails with, or `read` with anything but a not-found.
pub fn gone_after_delete<T>(
    deleted: &mut bool,
    delete: impl FnOnce() -> Result<(), Error>,
    read: impl FnOnce() -> Result<T, Error>,
) -> Result<Finding, Error> {
    delete()?;
    *deleted = true;
    match read() {
        Err(e) if e.is_not_found() => Ok(Finding::Held("deleted; a read afterwards is not found".to_owned())),
        Err(e) => Err(e),
        Ok(_) => Ok(Finding::Differs("the delete answered, but the contact still reads".to_owned(), crate_fix())),
    }
}

/// A random lowercase UUID v4, for an id that no account holds.
pub fn random_uuid() -> String {
    let id = crate::new_request_id();
    // new_request_id is 32 hex digits of randomness; shape it as a v4 UUID.
    let hex: String = id.chars().filter(char::is_ascii_hexdigit).chain(std::iter::repeat('0')).take(32).collect();
    format!("{}-{}-4{}-8{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_name_keys_and_counts_never_values() {
        assert_eq!(shape(br#"{"total":3,"items":[{"name":"Secret Person"}]}"#), "an object with keys items, total");
        assert_eq!(shape(br#"[{"name":"x"},{"name":"y"}]"#), "an array of 2 items (objects)");
        assert_eq!(shape(b"<html>"), "not JSON (6 bytes)");
        assert_eq!(shape(b""), "empty");
        assert!(!shape(br#"{"detail":"Secret Person"}"#).contains("Secret"));
    }

    #[test]
    fn rate_limit_headers_are_found_by_name() {
        let names = rate_limit_headers(["X-RateLimit-Remaining", "content-type", "Retry-After", "RateLimit-Policy"]);
        assert_eq!(names, ["ratelimit-policy", "retry-after", "x-ratelimit-remaining"]);
    }

    #[test]
    fn random_uuids_are_v4_shaped() {
        let id = random_uuid();
        let groups: Vec<&str> = id.split('-').collect();
        assert_eq!(groups.iter().map(|g| g.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
        assert!(groups[2].starts_with('4') && groups[3].starts_with('8'));
        assert_ne!(random_uuid(), id);
    }
}
