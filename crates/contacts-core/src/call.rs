//! Per-call options and the metadata of a successful answer: one way in all four providers.

use std::time::Duration;

use crate::retry::RetryPolicy;
use crate::transport::Header;

/// Options for the calls made through one handle, overriding the client's settings for them
/// alone. Every provider offers it the same way:
/// `client.contacts().with(CallOptions::new().timeout(..).retries(0))`.
///
/// ```
/// use std::time::Duration;
/// use contacts_core::CallOptions;
/// let options = CallOptions::new()
///     .timeout(Duration::from_secs(5))   // each phase of each attempt
///     .retries(0)                        // no retry for these calls
///     .deadline(Duration::from_secs(20)) // the whole call, retries included
///     .header("x-trace-id", "abc123");   // sent with each request
/// assert_eq!(options.retries_override(), Some(0));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallOptions {
    timeout: Option<Duration>,
    retries: Option<u32>,
    retry: Option<RetryPolicy>,
    deadline: Option<Duration>,
    headers: Vec<Header>,
}

impl CallOptions {
    /// No overrides: the client's settings.
    pub fn new() -> Self {
        CallOptions::default()
    }

    /// The timeout for each phase of each attempt (connect excepted). Defaults to the
    /// client's.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How many times a failed call may be repeated; every other retry setting (backoff,
    /// `Retry-After` cap, 429 handling) stays the client's, or that of
    /// [`retry_policy`](Self::retry_policy) when one is given. Defaults to the client's.
    #[must_use]
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// The whole retry policy for these calls (a [`retries`](Self::retries) count still
    /// applies on top of it). Defaults to the client's.
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// A bound on each whole call, retries and waits included. Defaults to the client's.
    #[must_use]
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// A header sent with each request. Checked before sending: a name that is not a valid
    /// token, a value with CR/LF, and the headers the client owns (the credentials, `Host`,
    /// `Content-Length`, `Transfer-Encoding`, `Connection`) are refused with
    /// [`Error::Validation`](crate::Error::Validation). An `x-request-id` replaces the one the
    /// client would send.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push(Header::new(name.into(), value.into()));
        self
    }

    /// The timeout override, if any.
    pub fn timeout_override(&self) -> Option<Duration> {
        self.timeout
    }

    /// The retry policy override, if any.
    pub fn retry_override(&self) -> Option<&RetryPolicy> {
        self.retry.as_ref()
    }

    /// The retry count override, if any.
    pub fn retries_override(&self) -> Option<u32> {
        self.retries
    }

    /// The policy for these calls, starting from the client's `base`: the whole policy given
    /// with [`retry_policy`](Self::retry_policy) if any, with the [`retries`](Self::retries)
    /// count on top.
    ///
    /// ```
    /// use std::time::Duration;
    /// use contacts_core::{CallOptions, RetryPolicy};
    /// let client = RetryPolicy::default().initial_backoff(Duration::from_secs(7));
    /// let policy = CallOptions::new().retries(1).effective_retry_policy(&client);
    /// assert_eq!((policy.max_retries, policy.initial_backoff), (1, Duration::from_secs(7)));
    /// ```
    pub fn effective_retry_policy(&self, base: &RetryPolicy) -> RetryPolicy {
        let mut policy = self.retry.clone().unwrap_or_else(|| base.clone());
        if let Some(retries) = self.retries {
            policy.max_retries = retries;
        }
        policy
    }

    /// The deadline override, if any.
    pub fn deadline_override(&self) -> Option<Duration> {
        self.deadline
    }

    /// The extra headers.
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }
}

/// What a successful answer said besides its body: status, headers, the request id, and how
/// many times the request went out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseMeta {
    /// The HTTP status.
    pub status: u16,
    /// The headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The request id the provider echoed (`X-Request-Id`) or the client sent.
    pub request_id: Option<String>,
    /// How many times the request went out (1 unless it was retried).
    pub attempts: u32,
}

impl ResponseMeta {
    /// Metadata from its parts.
    pub fn new(status: u16, headers: Vec<(String, String)>, request_id: Option<String>, attempts: u32) -> Self {
        ResponseMeta { status, headers, request_id, attempts }
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A value and the metadata of the answer it came in: what the `…_with_meta` operations
/// return.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WithMeta<T> {
    /// The value.
    pub value: T,
    /// The answer's metadata.
    pub meta: ResponseMeta,
}

impl<T> WithMeta<T> {
    /// Wraps a value.
    pub fn new(value: T, meta: ResponseMeta) -> Self {
        WithMeta { value, meta }
    }

    /// The value alone.
    pub fn into_value(self) -> T {
        self.value
    }
}
