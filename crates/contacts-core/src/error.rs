//! The one error type every contacts-rs client returns.
//!
//! [`Error`] is an enum of kinds to match on; each kind carries the same opaque
//! [`ErrorDetails`], read through getters and built by the constructors on [`Error`]. Fields can
//! be added to the details without a breaking release, and `Error` stays two words wide.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::capabilities::{Operation, Provider};

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call, as kinds a caller can match on.
///
/// Every provider crate re-exports this type as its own `Error`. The payload of each kind is
/// [`ErrorDetails`]; the getters on `Error` (`status()`, `code()`, `host()`, …) read it for
/// any kind.
///
/// ```
/// use contacts_core::{Error, Provider};
/// let e = Error::api(429, "slow down").with_code("RATE_LIMIT_EXCEEDED").with_rate_limited()
///     .with_call(Provider::CLEANLIFE, "POST /partners/contacts", "api.cleanlife.sa");
/// assert!(matches!(e, Error::Api(_)));
/// assert_eq!(e.status(), Some(429));
/// assert!(e.is_rate_limited());
/// assert_eq!(e.host(), Some("api.cleanlife.sa"));
/// assert_eq!(
///     e.to_string(),
///     "api error (status 429, RATE_LIMIT_EXCEEDED): cleanlife POST /partners/contacts at api.cleanlife.sa: slow down"
/// );
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The caller's input broke a documented rule; nothing was sent. [`field`](Error::field)
    /// names it.
    Validation(Box<ErrorDetails>),

    /// The provider answered, and said no.
    Api(Box<ErrorDetails>),

    /// The thing asked for does not exist, as the provider expresses it (not always a 404; a
    /// 404 from something that is not the provider's API is [`Error::Api`]).
    NotFound(Box<ErrorDetails>),

    /// The request could not be completed at the HTTP level (connect, TLS, timeout, I/O).
    /// [`may_have_reached_server`](Error::may_have_reached_server) says whether it may have
    /// landed.
    Transport(Box<ErrorDetails>),

    /// The provider answered something this client could not read.
    Decode(Box<ErrorDetails>),

    /// The client was configured wrongly (missing credentials, bad base URL, …); nothing was
    /// sent.
    Config(Box<ErrorDetails>),

    /// The provider has no such operation; nothing was sent.
    Unsupported(Box<ErrorDetails>),
}

/// What an [`Error`] knows: the call, the host and the provider's answer, each where known.
///
/// Opaque: read it through the getters on [`Error`] (`status()`, `code()`, `host()`, …), so a
/// field can be added without breaking anyone. The kind is the [`Error`] variant that holds it,
/// and nowhere else.
#[derive(Debug)]
#[non_exhaustive]
pub struct ErrorDetails {
    provider: Option<Provider>,
    operation: Option<Cow<'static, str>>,
    host: Option<String>,
    status: Option<u16>,
    code: Option<String>,
    message: String,
    field: Option<String>,
    field_errors: Vec<FieldError>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    may_have_reached_server: bool,
    transport_kind: Option<TransportKind>,
    body: Option<String>,
    rate_limited: bool,
    input_rejected: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl ErrorDetails {
    fn new(message: String, may_have_reached_server: bool) -> Box<Self> {
        Box::new(ErrorDetails {
            provider: None,
            operation: None,
            host: None,
            status: None,
            code: None,
            message,
            field: None,
            field_errors: Vec::new(),
            request_id: None,
            retry_after: None,
            may_have_reached_server,
            transport_kind: None,
            body: None,
            rate_limited: false,
            input_rejected: false,
            source: None,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.details();
        let context = Context(d);
        match self {
            Error::Validation(_) => {
                write!(f, "invalid {}: {}", d.field.as_deref().unwrap_or("input"), Escaped(&d.message))
            }
            Error::Api(_) => {
                f.write_str("api error (")?;
                match d.status {
                    Some(status) => write!(f, "status {status}")?,
                    None => f.write_str("no status")?,
                }
                if let Some(code) = &d.code {
                    write!(f, ", {}", Escaped(code))?;
                }
                write!(f, "): {context}{}", Escaped(&d.message))?;
                RequestId(d).fmt(f)
            }
            Error::NotFound(_) => {
                write!(f, "not found: {context}{}", Escaped(&d.message))?;
                RequestId(d).fmt(f)
            }
            Error::Transport(_) => {
                let kind = d.transport_kind.unwrap_or(TransportKind::Other);
                write!(f, "{kind}: {context}{}", Escaped(&d.message))
            }
            Error::Decode(_) => {
                f.write_str("could not decode the response")?;
                if let Some(status) = d.status {
                    write!(f, " (status {status})")?;
                }
                write!(f, ": {context}{}", Escaped(&d.message))
            }
            Error::Config(_) => write!(f, "configuration: {}", Escaped(&d.message)),
            Error::Unsupported(_) => write!(
                f,
                "{} does not support {}",
                d.provider.map_or("the provider", Provider::name),
                d.operation.as_deref().unwrap_or("this operation")
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.details().source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// "previsto GET /contacts/con_1 at api.previsto.io: ", or as much of it as is known.
struct Context<'a>(&'a ErrorDetails);

impl fmt::Display for Context<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        let mut any = false;
        if let Some(provider) = d.provider {
            write!(f, "{provider}")?;
            any = true;
        }
        if let Some(operation) = &d.operation {
            write!(f, "{}{}", if any { " " } else { "" }, Escaped(operation))?;
            any = true;
        }
        if let Some(host) = &d.host {
            write!(f, "{}at {}", if any { " " } else { "" }, Escaped(host))?;
            any = true;
        }
        if any { f.write_str(": ") } else { Ok(()) }
    }
}

struct RequestId<'a>(&'a ErrorDetails);

impl fmt::Display for RequestId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.request_id {
            Some(id) => write!(f, " (request id {})", Escaped(id)),
            None => Ok(()),
        }
    }
}

/// One field-level complaint from a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldError {
    field: String,
    message: String,
    kind: Option<String>,
}

impl FieldError {
    /// A field error with no kind.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into(), kind: None }
    }

    /// Sets the provider's error type for this field.
    #[must_use]
    pub fn with_kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }

    /// The field as the provider names it on the wire (e.g. `body.email`, `name`).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The provider's message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The provider's error type or code for this field, when it sent one.
    pub fn kind(&self) -> Option<&str> {
        self.kind.as_deref()
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
    /// A timeout fired (or the call's deadline passed).
    Timeout,
    /// The connection broke while sending or receiving.
    Io,
    /// The response body was larger than the configured cap.
    ResponseTooLarge,
    /// The server spoke broken HTTP.
    Protocol,
    /// The request could not be made as given (a bad URL, an invalid header or method): it
    /// never left, and sending it again fails the same way.
    InvalidRequest,
    /// Anything else.
    Other,
}

impl TransportKind {
    /// Whether the same request may go through if sent again: a connection that failed, broke
    /// or timed out, or a server that spoke broken HTTP. Not a TLS failure, an invalid request,
    /// an answer over the size cap or an unknown failure: each would fail the same way again.
    pub fn is_transient(self) -> bool {
        matches!(self, TransportKind::Connect | TransportKind::Timeout | TransportKind::Io | TransportKind::Protocol)
    }
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
            TransportKind::InvalidRequest => "invalid request",
            TransportKind::Other => "transport failed",
        })
    }
}

/// The payload of any kind, by reference or by mutable reference as `error` is: the one table
/// of the variants.
macro_rules! payload {
    ($error:expr) => {
        match $error {
            Error::Validation(d)
            | Error::Api(d)
            | Error::NotFound(d)
            | Error::Transport(d)
            | Error::Decode(d)
            | Error::Config(d)
            | Error::Unsupported(d) => d,
        }
    };
}

impl Error {
    /// The payload, whatever the kind.
    fn details(&self) -> &ErrorDetails {
        payload!(self)
    }

    /// Sets what the error does not know yet: a fact already there (the call, a code, a request
    /// id, …) is never overwritten, so what a provider or a transport reported stays true
    /// however many layers the error passes.
    fn fill(mut self, set: impl FnOnce(&mut ErrorDetails)) -> Self {
        set(payload!(&mut self));
        self
    }

    /// An [`Error::Validation`]: `field` (in the crate's Rust vocabulary) was refused before
    /// sending, for `reason`. Nothing was sent.
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut d = ErrorDetails::new(reason.into(), false);
        d.field = Some(field.into());
        Error::Validation(d)
    }

    /// An [`Error::Config`]: the client was set up wrongly. Nothing was sent.
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config(ErrorDetails::new(message.into(), false))
    }

    /// The [`Error::Unsupported`] for `operation` on `provider`. Nothing was sent.
    pub fn unsupported(provider: Provider, operation: Operation) -> Self {
        let mut d = ErrorDetails::new(format!("{provider} has no {}", operation.name()), false);
        d.provider = Some(provider);
        d.operation = Some(Cow::Borrowed(operation.name()));
        Error::Unsupported(d)
    }

    /// An [`Error::Api`]: the provider answered `status` and said no. For the code that reads
    /// a provider's answers (a provider crate, a provider outside this workspace).
    pub fn api(status: u16, message: impl Into<String>) -> Self {
        let mut d = ErrorDetails::new(message.into(), true);
        d.status = Some(status);
        Error::Api(d)
    }

    /// An [`Error::NotFound`]: the provider said, in its own error shape, that there is no such
    /// thing.
    pub fn not_found(status: u16, message: impl Into<String>) -> Self {
        let mut d = ErrorDetails::new(message.into(), true);
        d.status = Some(status);
        Error::NotFound(d)
    }

    /// An [`Error::Transport`], what a [`Transport`](crate::Transport) returns when a request
    /// could not be completed; `may_have_reached_server` is `false` only when the request
    /// provably never left this machine. The message says what failed (`read timeout`,
    /// `connection refused`); the call and the host are added where the error is named.
    pub fn transport(kind: TransportKind, may_have_reached_server: bool, message: impl Into<String>) -> Self {
        let mut d = ErrorDetails::new(message.into(), may_have_reached_server);
        d.transport_kind = Some(kind);
        Error::Transport(d)
    }

    /// An [`Error::Decode`]: the answer (with `status`, when there was one) could not be read.
    pub fn decode(status: Option<u16>, message: impl Into<String>) -> Self {
        let mut d = ErrorDetails::new(message.into(), true);
        d.status = status;
        Error::Decode(d)
    }

    /// Names the call: the provider, the operation (`GET /contacts/con_1`, `token exchange`)
    /// and the host — when the error names none yet (a call already named keeps its name).
    /// Never put a query, a secret or user info in them.
    #[must_use]
    pub fn with_call(
        self,
        provider: Provider,
        operation: impl Into<Cow<'static, str>>,
        host: impl Into<String>,
    ) -> Self {
        self.fill(|d| {
            if d.operation.is_none() {
                d.provider = Some(provider);
                d.operation = Some(operation.into());
                d.host = Some(host.into());
            }
        })
    }

    /// Adds the provider's own error code, when the error has none.
    #[must_use]
    pub fn with_code(self, code: impl Into<String>) -> Self {
        self.fill(|d| {
            d.code.get_or_insert_with(|| code.into());
        })
    }

    /// Adds per-field complaints to those the error has.
    #[must_use]
    pub fn with_field_errors(self, field_errors: Vec<FieldError>) -> Self {
        self.fill(|d| d.field_errors.extend(field_errors))
    }

    /// Adds the request id, when the error has none.
    #[must_use]
    pub fn with_request_id(self, request_id: impl Into<String>) -> Self {
        self.fill(|d| {
            d.request_id.get_or_insert_with(|| request_id.into());
        })
    }

    /// Adds how long the provider asked to wait, when the error does not say yet.
    #[must_use]
    pub fn with_retry_after(self, wait: Duration) -> Self {
        self.fill(|d| {
            d.retry_after.get_or_insert(wait);
        })
    }

    /// Adds the start of the answer's body (the caller cuts it to size), when the error has none.
    #[must_use]
    pub fn with_body(self, body: impl Into<String>) -> Self {
        self.fill(|d| {
            d.body.get_or_insert_with(|| body.into());
        })
    }

    /// Marks the error as the provider's rate limit, in the provider's own terms (a 429 is one
    /// already). A mark is never taken back.
    #[must_use]
    pub fn with_rate_limited(self) -> Self {
        self.fill(|d| d.rate_limited = true)
    }

    /// Marks the error as the provider rejecting the input it was sent, in the provider's own
    /// terms (FastAPI's 422 details, a `VALIDATION_ERROR`, a 400 `invalid_request_error`, a
    /// validation envelope). A mark is never taken back.
    #[must_use]
    pub fn with_input_rejected(self) -> Self {
        self.fill(|d| d.input_rejected = true)
    }

    /// Adds the underlying cause, returned by `source()`, when the error has none.
    #[must_use]
    pub fn with_source(self, source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        self.fill(|d| {
            d.source.get_or_insert_with(|| source.into());
        })
    }

    /// The provider the call went to, when known.
    pub fn provider(&self) -> Option<Provider> {
        self.details().provider
    }

    /// The call that failed, as messages name it: `GET /contacts/con_1` (the path relative to
    /// the base URL, never a query), `token exchange`, or the unified operation
    /// (`find_or_create`) for [`Error::Unsupported`].
    pub fn operation(&self) -> Option<&str> {
        self.details().operation.as_deref()
    }

    /// The host the call went to (no user info, no port-less guess), when known.
    pub fn host(&self) -> Option<&str> {
        self.details().host.as_deref()
    }

    /// The HTTP status of the provider's answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.details().status
    }

    /// The provider's own error code (`VALIDATION_ERROR`, `invalid_request_error`, …), when it
    /// sent one.
    pub fn code(&self) -> Option<&str> {
        self.details().code.as_deref()
    }

    /// The provider's message, or a short description of what failed (without the call and
    /// host, which [`operation`](Self::operation) and [`host`](Self::host) give). As the
    /// server sent it: escape it before printing it raw (`Display` does).
    pub fn message(&self) -> &str {
        &self.details().message
    }

    /// The refused field, for [`Error::Validation`], in the crate's Rust vocabulary.
    pub fn field(&self) -> Option<&str> {
        self.details().field.as_deref()
    }

    /// Per-field complaints, when the provider listed any.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.details().field_errors
    }

    /// The request id the provider echoed or the client sent, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        self.details().request_id.as_deref()
    }

    /// How long the provider asked to wait before trying again, when it said (or when its
    /// documentation says, for a provider whose 429 carries no `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.details().retry_after
    }

    /// `false` only when the request provably never left this machine (a validation, a
    /// configuration error, a connection refused): repeating a create is then safe.
    pub fn may_have_reached_server(&self) -> bool {
        self.details().may_have_reached_server
    }

    /// What kind of transport failure it was, for [`Error::Transport`].
    pub fn transport_kind(&self) -> Option<TransportKind> {
        self.details().transport_kind
    }

    /// The start of the answer's body (at most 2 KiB), when there was one; secrets the
    /// client knows of are not in it.
    pub fn body(&self) -> Option<&str> {
        self.details().body.as_deref()
    }

    /// Whether this is the provider saying the thing does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound(_))
    }

    /// Whether the caller refused this input before sending.
    pub fn is_validation(&self) -> bool {
        matches!(self, Error::Validation(_))
    }

    /// Whether the provider received the input and rejected it (server side), as each
    /// provider says so: Levers' 422, Previsto's 400 `invalid_request_error`, TheCleanLife's
    /// `VALIDATION_ERROR`, the portal's validation envelope — any 422 too. The same question in
    /// every crate; its field errors are in [`field_errors`](Self::field_errors). Beside
    /// [`is_validation`](Self::is_validation), the refusal before anything was sent.
    pub fn is_input_rejected(&self) -> bool {
        let d = self.details();
        matches!(self, Error::Api(_)) && (d.input_rejected || d.status == Some(422))
    }

    /// Whether trying the same call again later may succeed: a connection that failed, broke or
    /// timed out, a server that spoke broken HTTP, 408, 429 and 5xx answers, and the
    /// provider's own rate-limit refusal. A TLS failure, a bad URL, an invalid request or an
    /// answer over the size cap is not: repeating it gives the same failure.
    ///
    /// This says nothing about whether a repeat is *safe* (a create may duplicate): see
    /// [`may_have_reached_server`](Self::may_have_reached_server).
    pub fn is_retryable(&self) -> bool {
        let d = self.details();
        match self {
            Error::Transport(_) => d.transport_kind.is_some_and(TransportKind::is_transient),
            Error::Api(_) => self.is_rate_limited() || matches!(d.status, Some(408 | 500 | 502 | 503 | 504)),
            _ => false,
        }
    }

    /// Whether the provider refused the call for going over its rate limit (HTTP 429, or what
    /// the provider's own error shape says means that).
    pub fn is_rate_limited(&self) -> bool {
        let d = self.details();
        matches!(self, Error::Api(_)) && (d.rate_limited || d.status == Some(429))
    }

    /// Whether the provider refused the credentials or their rights (HTTP 401 or 403).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Api(d) if matches!(d.status, Some(401 | 403)))
    }
}

/// Text from a server, written with its control and bidi-override characters escaped (`\n`,
/// `\u{1b}`, `\u{202e}`), so a hostile answer cannot forge lines in a log, drive a terminal or
/// reorder what is shown.
///
/// ```
/// use contacts_core::escaped;
/// assert_eq!(escaped("a\u{1b}]0;x\u{7}b\u{202e}").to_string(), "a\\u{1b}]0;x\\u{7}b\\u{202e}");
/// ```
pub fn escaped(text: &str) -> impl fmt::Display + '_ {
    Escaped(text)
}

struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(needs_escape) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            write!(f, "{}", c.escape_default())?;
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_at_most_24_bytes() {
        assert!(std::mem::size_of::<Error>() <= 24, "{}", std::mem::size_of::<Error>());
        assert!(std::mem::size_of::<Result<()>>() <= 24);
    }

    #[test]
    fn display_names_the_call_and_escapes_server_text() {
        let e = Error::not_found(404, "gone\u{1b}[2J")
            .with_call(Provider::PREVISTO, "GET /contacts/con_1", "api.previsto.io")
            .with_request_id("r1");
        assert_eq!(
            e.to_string(),
            "not found: previsto GET /contacts/con_1 at api.previsto.io: gone\\u{1b}[2J (request id r1)"
        );
        assert_eq!(e.message(), "gone\u{1b}[2J");
        assert_eq!(e.operation(), Some("GET /contacts/con_1"));
        assert_eq!(e.provider(), Some(Provider::PREVISTO));
    }

    #[test]
    fn source_chains_through_the_details() {
        let io = std::io::Error::other("reset");
        let e = Error::transport(TransportKind::Io, true, "connection reset").with_source(io);
        assert_eq!(std::error::Error::source(&e).map(ToString::to_string).as_deref(), Some("reset"));
    }

    #[test]
    fn the_variant_is_the_kind() {
        // Moving a payload into another variant cannot leave two kinds that disagree.
        let Error::Api(details) = Error::api(500, "boom") else { unreachable!() };
        let moved = Error::NotFound(details);
        assert!(moved.is_not_found() && !moved.is_retryable());
        assert!(moved.to_string().starts_with("not found: "), "{moved}");
    }

    #[test]
    fn what_a_provider_or_transport_reported_is_never_overwritten() {
        let e = Error::api(429, "slow down")
            .with_call(Provider::PREVISTO, "GET /contacts", "api.previsto.io")
            .with_code("rate_limited")
            .with_request_id("r1")
            .with_retry_after(Duration::from_secs(60))
            .with_body("{}")
            .with_call(Provider::LEVERS, "DELETE /everything", "evil.example")
            .with_code("forged")
            .with_request_id("r2")
            .with_retry_after(Duration::ZERO)
            .with_body("forged");
        assert_eq!(
            (e.provider(), e.operation(), e.host(), e.code(), e.request_id(), e.retry_after(), e.body()),
            (
                Some(Provider::PREVISTO),
                Some("GET /contacts"),
                Some("api.previsto.io"),
                Some("rate_limited"),
                Some("r1"),
                Some(Duration::from_secs(60)),
                Some("{}")
            )
        );
    }

    #[test]
    fn what_was_never_sent_says_so() {
        assert!(!Error::validation("email", "no @").may_have_reached_server());
        assert!(!Error::config("no key").may_have_reached_server());
        assert!(!Error::unsupported(Provider::LEVERS, Operation::Delete).may_have_reached_server());
        assert!(Error::api(500, "x").may_have_reached_server());
        assert_eq!(
            Error::unsupported(Provider::LEVERS, Operation::Delete).to_string(),
            "levers does not support delete"
        );
    }
}
