//! The CLI's own errors: what it was doing, with which file or flag, and an exit status by kind.

use std::fmt;
use std::path::{Path, PathBuf};

use contacts_core::Error;

/// The exit statuses, as `--help` and the README list them.
pub(crate) const EXIT_CODES: &str = "\
Exit status:
  0  success
  1  sync finished but refused, conflicted or failed some contacts; a verify check differs;
     or another failure
  2  usage: a flag missing, unknown or contradicting another
  3  not found: the provider says there is no such contact
  4  invalid input: refused before anything was sent
  5  auth refused: the provider refused the credentials or their rights (401, 403)
  6  rate limited: the provider asked to slow down (429)
  7  network: no answer (connect, TLS, timeout, broken connection)
  8  provider error: any other refusal, or an answer that could not be read
  9  configuration: missing or unusable credentials or base URL
 10  file error: a file (a sync journal) could not be read or written, or is not a journal
 11  busy: another sync run holds the journal
 12  too many deletes: the sync plan deletes more than --max-delete; nothing was written
130  interrupted (SIGINT, SIGTERM): ended within 2 s (writes in flight journaled); resume with --resume

Logging: RUST_LOG=info adds the sync's plan and report, RUST_LOG=warn each failed call,
RUST_LOG=debug each request (default: the sync's warnings); on stderr, time-stamped (RFC 3339).";

/// What went wrong, in the CLI's words.
#[derive(Debug)]
pub(crate) enum CliError {
    /// Flags that cannot work together.
    Usage(String),
    /// A library call failed while doing `what`.
    Provider { what: &'static str, error: Error },
    /// A file or a stream failed while doing `what`.
    Io { what: String, path: Option<PathBuf>, error: std::io::Error },
}

impl CliError {
    pub(crate) fn provider(what: &'static str, error: Error) -> CliError {
        CliError::Provider { what, error }
    }

    pub(crate) fn io(what: impl Into<String>, path: Option<&Path>, error: std::io::Error) -> CliError {
        CliError::Io { what: what.into(), path: path.map(Path::to_path_buf), error }
    }

    /// The exit status for this kind of failure (see [`EXIT_CODES`]).
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Io { .. } => 10,
            CliError::Provider { error, .. } => exit_code_of(error),
        }
    }
}

/// The exit status for a library error (see [`EXIT_CODES`]).
pub(crate) fn exit_code_of(error: &Error) -> u8 {
    match error {
        e if e.is_not_found() => 3,
        Error::Validation(_) => 4,
        e if e.is_auth() => 5,
        e if e.is_rate_limited() => 6,
        Error::Transport(_) => 7,
        Error::Config(_) => 9,
        Error::Unsupported(_) => 2,
        _ => 8,
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(message) => f.write_str(message),
            CliError::Provider { what, error } => write!(f, "{what} failed: {}", in_flags(&one_line(error))),
            CliError::Io { what, path: Some(path), error } => write!(f, "{what} {}: {error}", path.display()),
            CliError::Io { what, path: None, error } => write!(f, "{what}: {error}"),
        }
    }
}

/// An error on one line, with the provider's field errors when there are some.
pub(crate) fn one_line(e: &Error) -> String {
    let mut s = e.to_string();
    let field_errors = e.field_errors();
    if matches!(e, Error::Api(_)) && !field_errors.is_empty() {
        let fields: Vec<String> = field_errors
            .iter()
            .map(|f| format!("{}: {}", contacts_core::escaped(f.field()), contacts_core::escaped(f.message())))
            .collect();
        s.push_str(&format!(" [{}]", fields.join("; ")));
    }
    s.replace(['\n', '\r'], " ")
}

/// The library's words for settings, in the command line's: `allow_insecure_http(true)` is
/// `--allow-insecure-http`, a refused field is its flag.
pub(crate) fn in_flags(message: &str) -> String {
    let mut s = message
        .replace("opt in with allow_insecure_http(true)", "opt in with --allow-insecure-http")
        .replace("set it with base_url(…)", "set it with --base-url")
        .replace("or ask for lossy mapping to drop it", "or give --lossy to drop it");
    for (field, flag) in [
        ("customer_id", "--customer-id"),
        ("customer_ids", "--customer-id"),
        ("tax_id", "--tax-id"),
        ("external_id", "--external-id"),
        ("postal_code", "--postal-code"),
        ("page_size", "--page-size"),
        ("size", "--page-size"),
        ("location", "--location"),
        ("email", "--email"),
        ("phone", "--phone"),
        ("name", "--name"),
        ("search", "--search"),
        ("address", "--street/--postal-code/--city/--country"),
    ] {
        let from = format!("invalid {field}:");
        if s.starts_with(&from) {
            s = format!("invalid {flag}:{}", &s[from.len()..]);
            break;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_names_become_flags() {
        let e = Error::validation("customer_id", "at least one customer id is required");
        assert_eq!(in_flags(&one_line(&e)), "invalid --customer-id: at least one customer id is required");
        let e = Error::config(
            "base URL http://x.example is plain http …: use https, or opt in with allow_insecure_http(true)",
        );
        assert!(in_flags(&e.to_string()).ends_with("opt in with --allow-insecure-http"));
    }

    #[test]
    fn every_kind_has_its_exit_status() {
        let code = |e: Error| CliError::provider("get", e).exit_code();
        assert_eq!(code(Error::validation("name", "x")), 4);
        assert_eq!(code(Error::config("x")), 9);
        let api = |status| Error::api(status, "");
        assert_eq!(code(api(401)), 5);
        assert_eq!(code(api(429)), 6);
        assert_eq!(code(api(500)), 8);
        assert_eq!(code(Error::not_found(404, "")), 3);
        assert_eq!(code(Error::transport(contacts_core::TransportKind::Connect, false, "")), 7);
        assert_eq!(CliError::Usage(String::new()).exit_code(), 2);
    }
}
