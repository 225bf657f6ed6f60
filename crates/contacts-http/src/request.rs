//! [`RequestBuilder`]: one request being put together, and how a call is named in errors.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use contacts_core::{Error, Header, HttpRequest, Method, Provider, Result, RetryPolicy, escaped};
use serde::Serialize;

use crate::auth::check_header_value;
use crate::encode::{Form, push_pair};
use crate::url::{host_of, redact_url};

use crate::client::{HttpClient, Inner, Overrides};
use crate::response::Response;

/// Headers the client alone writes: the credentials, and what frames the message (a caller's
/// `Host` would send the credentials under a foreign name; a `Content-Length: 0` would send a
/// create without its body and report success).
const OWNED_HEADERS: [&str; 8] =
    ["authorization", "x-api-key", "host", "content-length", "transfer-encoding", "connection", "upgrade", "te"];

/// Checks a caller's per-call header before anything is sent: a name that is an HTTP token,
/// not one the client owns, and a value with no CR/LF.
pub(crate) fn check_caller_header(header: &Header) -> Result<()> {
    let name = &*header.name;
    let field = format!("header {}", escaped(name));
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(Error::validation(field, "is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)"));
    }
    if OWNED_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h)) {
        return Err(Error::validation(field, "is set by the client and cannot be overridden per call"));
    }
    check_header_value(&field, &header.value)
}

/// One request being put together. Nothing is sent until [`send`](Self::send).
///
/// Its `Debug` shows the body's length, never the body.
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder<'a> {
    pub(crate) client: &'a HttpClient,
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) query: String,
    pub(crate) headers: Vec<Header>,
    pub(crate) body: Vec<u8>,
    pub(crate) idempotent: bool,
    pub(crate) gone_is_done: bool,
    pub(crate) any_status: bool,
    pub(crate) without_credentials: bool,
    pub(crate) pending: Option<Error>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) timeout: Option<Duration>,
}

impl fmt::Debug for RequestBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .field("url", &redact_url(&self.url))
            .field("headers", &self.headers)
            .field("body_bytes", &self.body.len())
            .field("idempotent", &self.idempotent)
            .finish_non_exhaustive()
    }
}

impl RequestBuilder<'_> {
    /// Appends `key=value` to the query string (repeat a key to send it several times).
    pub fn query(mut self, key: &str, value: impl fmt::Display) -> Self {
        push_pair(&mut self.query, key, &value.to_string());
        self
    }

    /// Appends `key=value` when there is a value.
    pub fn query_opt(self, key: &str, value: Option<impl fmt::Display>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Adds a header (replacing a default one of the same name).
    pub fn header(mut self, header: Header) -> Self {
        self.headers.push(header);
        self
    }

    /// Adds a header unless the call already has one of that name (a caller's per-call
    /// `x-request-id` wins over the one the provider would generate).
    pub fn default_header(mut self, header: Header) -> Self {
        if !self.headers.iter().any(|h| h.name.eq_ignore_ascii_case(&header.name)) {
            self.headers.push(header);
        }
        self
    }

    /// Sends `body` as JSON.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = bytes;
                self.headers.push(Header::new("content-type", "application/json"));
            }
            Err(e) => self.pending = Some(Error::validation("body", e.to_string())),
        }
        self
    }

    /// Sends `form` as `application/x-www-form-urlencoded`.
    pub fn form(mut self, form: Form) -> Self {
        self.body = form.into_bytes();
        self.headers.push(Header::new("content-type", "application/x-www-form-urlencoded"));
        self
    }

    /// Applies per-call options: timeout, retries (starting from the client's policy),
    /// deadline and extra headers. A header the client owns (credentials, `Host`,
    /// `Content-Length`…), a name that is not a token, or a value with CR/LF makes
    /// [`send`](Self::send) refuse the call with [`Error::Validation`] before anything is sent;
    /// a caller's `x-request-id` replaces the client's.
    pub fn options(mut self, options: &contacts_core::CallOptions) -> Self {
        if let Some(t) = options.timeout_override() {
            self.timeout = Some(t);
        }
        if options.retry_override().is_some() || options.retries_override().is_some() {
            self.retry = Some(options.effective_retry_policy(&self.client.inner.retry));
        }
        if let Some(d) = options.deadline_override() {
            self.deadline = Some(d);
        }
        for h in options.headers() {
            if let Err(e) = check_caller_header(h) {
                self.pending.get_or_insert(e);
                continue;
            }
            self.headers.retain(|mine| !mine.name.eq_ignore_ascii_case(&h.name));
            self.headers.push(h.clone());
        }
        self
    }

    /// Whether a repeat of this request is harmless. Defaults to the method's own answer
    /// (GET, PUT, DELETE yes; POST no). Set it for an idempotent POST, or to forbid retries of
    /// a GET that changes state.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// For a delete: a 404 that answers a repeat after an attempt whose answer was lost (it
    /// may have landed) is the call's success — that attempt deleted it — returned as the
    /// 404 answer. A 404 on the first attempt stays the provider's not-found. Defaults to
    /// `false`.
    pub fn gone_is_done(mut self, gone_is_done: bool) -> Self {
        self.gone_is_done = gone_is_done;
        self
    }

    /// Returns the provider's final answer whatever its status, instead of decoding a
    /// non-2xx one into its error (still retried as the policy says, a 401 still renews a
    /// cached token once): for tools that examine error answers, as `verify` does. A redirect
    /// is still never followed. Defaults to `false`.
    pub fn any_status(mut self, any_status: bool) -> Self {
        self.any_status = any_status;
        self
    }

    /// Sends the request without the client's credentials (its auth hook is not applied, no
    /// token is fetched): with a [`header`](Self::header) of its own, it asks what a bad
    /// credential gets, as `verify` does. Defaults to `false`.
    pub fn without_credentials(mut self, without: bool) -> Self {
        self.without_credentials = without;
        self
    }

    /// Sends the request, retrying as the client's policy allows, and returns a 2xx answer.
    ///
    /// # Errors
    /// The provider's error (through its decoder) for a non-2xx answer; [`Error::Api`] for a
    /// redirect, which is never followed; [`Error::Transport`] when there was no answer;
    /// [`Error::Validation`] when a header value holds CR/LF.
    pub fn send(self) -> Result<Response> {
        if let Some(e) = self.pending {
            return Err(e);
        }
        let inner = &*self.client.inner;
        let mut headers = Vec::with_capacity(inner.headers.len() + self.headers.len() + 2);
        for h in inner.headers.iter().filter(|d| !self.headers.iter().any(|h| h.name == d.name)) {
            headers.push(h.clone());
        }
        for h in self.headers {
            check_header_value(&h.name, &h.value)?;
            headers.push(h);
        }
        headers.push(Header::new("accept", "application/json"));
        let mut url = self.url;
        if !self.query.is_empty() {
            url.push('?');
            url.push_str(&self.query);
        }
        let mut request = HttpRequest::new(self.method, url);
        request.headers = headers;
        request.body = self.body;
        request.max_response_bytes = inner.max_response_bytes;
        request.timeout = self.timeout;
        let overrides = Overrides {
            retry: self.retry.as_ref(),
            deadline: self.deadline,
            gone_is_done: self.gone_is_done,
            any_status: self.any_status,
            without_credentials: self.without_credentials,
        };
        let result = self.client.execute(&mut request, self.idempotent, &overrides);
        let sent_id = request.header("x-request-id").map(str::to_owned);
        // The URL is not needed any more for sending: the context keeps it to name the call.
        let context = Context {
            log_target: Arc::clone(&inner.log_target),
            provider: inner.provider,
            method: self.method,
            url: std::mem::take(&mut request.url),
            base_len: inner.base_url.len(),
        };
        match result {
            Ok((response, sent)) => Ok(Response { inner: response, sent, context, sent_id }),
            Err(e) => Err(context.apply(e)),
        }
    }
}

/// How a call is named in errors and logs: "previsto GET /contacts/con_1". The path is the
/// percent-encoded one, relative to the base URL; never the query (it may hold a secret), never
/// user info. Formatted only when an error or a log line needs it.
pub(crate) struct Call<'a> {
    pub(crate) provider: Provider,
    pub(crate) method: Method,
    pub(crate) path: &'a str,
}

impl<'a> Call<'a> {
    /// The call `url` (which starts with the client's base URL, `base_len` bytes long) makes.
    pub(crate) fn new(provider: Provider, method: Method, url: &'a str, base_len: usize) -> Self {
        let path = url.get(base_len..).unwrap_or(url);
        let path = path.split(['?', '#']).next().unwrap_or_default();
        Call { provider, method, path: if path.is_empty() { "/" } else { path } }
    }

    pub(crate) fn of(inner: &Inner, request: &'a HttpRequest, base_len: usize) -> Self {
        Call::new(inner.provider, request.method, &request.url, base_len)
    }
}

impl fmt::Display for Call<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.provider, self.method, self.path)
    }
}

/// Where a call went, for its errors: "previsto GET /contacts/con_1 at api.previsto.io". Keeps
/// the call's URL (moved out of the sent request, so naming costs nothing until an error needs
/// it); its `Debug` shows the call and the host only.
#[derive(Clone)]
pub(crate) struct Context {
    pub(crate) log_target: Arc<str>,
    pub(crate) provider: Provider,
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) base_len: usize,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context").field("call", &self.call().to_string()).field("host", &self.host()).finish()
    }
}

impl Context {
    pub(crate) fn call(&self) -> Call<'_> {
        Call::new(self.provider, self.method, &self.url, self.base_len)
    }

    pub(crate) fn host(&self) -> &str {
        host_of(&self.url)
    }

    /// Names the provider, the call and the host in an error the call met (one that names a
    /// call already, a token exchange, keeps its own).
    pub(crate) fn apply(&self, error: Error) -> Error {
        if error.operation().is_some()
            || !matches!(error, Error::Api(_) | Error::NotFound(_) | Error::Decode(_) | Error::Transport(_))
        {
            return error;
        }
        let call = self.call();
        error.with_call(self.provider, format!("{} {}", call.method, call.path), self.host().to_owned())
    }
}
