//! The one error type every contacts-rs client returns.

use std::fmt;
use std::time::Duration;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call, as kinds a caller can match on.
///
/// Every provider crate re-exports this type as its own `Error`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The caller's input broke a documented rule; nothing was sent.
    Validation {
        /// The field (in the crate's Rust vocabulary) that was refused.
        field: String,
        /// Why it was refused.
        reason: String,
    },

    /// The provider answered, and said no.
    Api {
        /// HTTP status of the answer (200 for providers that report errors in a 200 envelope).
        status: u16,
        /// The provider's own error code, e.g. `VALIDATION_ERROR`, when it sent one.
        code: Option<String>,
        /// The provider's message, or a short description of the answer.
        message: String,
        /// Per-field complaints, when the provider listed any.
        field_errors: Vec<FieldError>,
        /// The request id the provider echoed or the client sent, for support tickets.
        request_id: Option<String>,
        /// The raw body, cut to 2 KiB.
        body: String,
        /// How long the provider asked us to wait (`Retry-After`), when it said.
        retry_after: Option<Duration>,
    },

    /// The thing asked for does not exist, as the provider expresses it (not always a 404).
    NotFound {
        /// HTTP status of the answer.
        status: u16,
        /// The provider's message.
        message: String,
        /// The request id, when there is one.
        request_id: Option<String>,
    },

    /// The request could not be completed at the HTTP level (connect, TLS, timeout, I/O).
    Transport {
        /// What kind of failure it was.
        kind: TransportKind,
        /// `false` only when the request provably never left this machine (e.g. connection
        /// refused): repeating a create is then safe. `true` means the server may have it.
        may_have_reached_server: bool,
        /// A short description.
        message: String,
        /// The underlying error.
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },

    /// The provider answered something this client could not read.
    Decode {
        /// HTTP status of the answer.
        status: u16,
        /// What was wrong, with the JSON path where known.
        message: String,
        /// The start of the body, cut to 2 KiB.
        snippet: String,
    },

    /// The client was configured wrongly (missing credentials, bad base URL, …).
    Config(String),

    /// The provider has no such operation.
    Unsupported {
        /// The provider's name.
        provider: &'static str,
        /// The operation asked for.
        operation: &'static str,
    },
}

/// One field-level complaint from a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldError {
    /// The field as the provider names it on the wire (e.g. `body.email`, `name`).
    pub field: String,
    /// The provider's message.
    pub message: String,
    /// The provider's error type or code for this field, when it sent one.
    pub kind: Option<String>,
}

impl FieldError {
    /// A field error with no kind.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into(), kind: None }
    }

    /// Sets the provider's error type for this field.
    pub fn with_kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }
}

/// What kind of transport failure an [`Error::Transport`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// Name resolution or TCP connect failed.
    Connect,
    /// TLS failed.
    Tls,
    /// A timeout fired.
    Timeout,
    /// The connection broke while sending or receiving.
    Io,
    /// The response body was larger than the configured cap.
    ResponseTooLarge,
    /// The server spoke broken HTTP.
    Protocol,
    /// Anything else.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "connection failed",
            TransportKind::Tls => "tls failed",
            TransportKind::Timeout => "timed out",
            TransportKind::Io => "connection broke",
            TransportKind::ResponseTooLarge => "response too large",
            TransportKind::Protocol => "bad http from server",
            TransportKind::Other => "transport failed",
        })
    }
}

impl Error {
    /// A [`Error::Validation`] for `field`.
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation { field: field.into(), reason: reason.into() }
    }

    /// A [`Error::Config`].
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config(message.into())
    }

    /// The HTTP status the provider answered with, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::NotFound { status, .. } | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether this is the provider saying the thing does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// Whether the caller refused this input before sending.
    pub fn is_validation(&self) -> bool {
        matches!(self, Error::Validation { .. })
    }

    /// Whether trying the same call again later may succeed: timeouts and connection
    /// failures, 408, 429 and 5xx answers.
    ///
    /// This says nothing about whether a repeat is *safe* (a create may duplicate); the
    /// client's retry policy takes both into account.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { kind, .. } => !matches!(kind, TransportKind::ResponseTooLarge),
            Error::Api { status, .. } => is_retryable_status(*status),
            _ => false,
        }
    }

    /// Whether the provider refused the call for going over its rate limit (HTTP 429, or a
    /// provider code that says so).
    pub fn is_rate_limited(&self) -> bool {
        match self {
            Error::Api { status, code, .. } => {
                *status == 429 || code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("RATE_LIMIT_EXCEEDED"))
            }
            _ => false,
        }
    }

    /// Whether the provider refused the credentials or their rights (HTTP 401 or 403).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Api { status: 401 | 403, .. })
    }

    /// Whether the request may have reached the server: `false` for [`Error::Validation`],
    /// [`Error::Config`], [`Error::Unsupported`] (nothing was sent) and for a transport failure
    /// that provably happened before sending; `true` when the server answered or may have.
    pub fn may_have_reached_server(&self) -> bool {
        match self {
            Error::Transport { may_have_reached_server, .. } => *may_have_reached_server,
            Error::Validation { .. } | Error::Config(_) | Error::Unsupported { .. } => false,
            _ => true,
        }
    }

    /// The provider's own error code, for [`Error::Api`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The request id carried by the error, when there is one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } | Error::NotFound { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// How long the provider asked to wait before trying again, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Statuses that say "try again later": 408, 429, 500, 502, 503, 504.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Validation { field, reason } => write!(f, "invalid {field}: {}", Escaped(reason)),
            Error::Api { status, code, message, request_id, .. } => {
                write!(f, "api error (status {status}")?;
                if let Some(code) = code {
                    write!(f, ", {}", Escaped(code))?;
                }
                write!(f, "): {}", Escaped(message))?;
                if let Some(id) = request_id {
                    write!(f, " (request id {})", Escaped(id))?;
                }
                Ok(())
            }
            Error::NotFound { message, request_id, .. } => {
                write!(f, "not found: {}", Escaped(message))?;
                if let Some(id) = request_id {
                    write!(f, " (request id {})", Escaped(id))?;
                }
                Ok(())
            }
            Error::Transport { kind, message, .. } => write!(f, "{kind}: {}", Escaped(message)),
            Error::Decode { status, message, .. } => {
                write!(f, "could not decode the response (status {status}): {}", Escaped(message))
            }
            Error::Config(message) => write!(f, "configuration: {}", Escaped(message)),
            Error::Unsupported { provider, operation } => write!(f, "{provider} does not support {operation}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source: Some(source), .. } => Some(&**source),
            _ => None,
        }
    }
}

/// Text from a server, written with its control characters escaped (`\n`, `\u{1b}`), so a
/// hostile answer cannot forge lines in a log or drive a terminal.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_fmt(format_args!("{c}"))?;
            }
        }
        Ok(())
    }
}
