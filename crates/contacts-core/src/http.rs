//! The HTTP plumbing every provider client stands on: configuration, the shared client, a
//! request builder and the retry loop.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::encode::{Form, encode_path_segment, push_pair};
use crate::error::{Error, Result, TransportKind, snippet};
use crate::retry::{RetryPolicy, Sleeper, ThreadSleeper, parse_retry_after};
use crate::transport::{Header, HttpRequest, HttpResponse, Method, Transport, UreqTransport};

/// Default connect timeout: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default timeout for each phase of a request (send, wait for the answer, read the body): 60 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default cap on a response body: 32 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// Turns a non-2xx answer into the provider's error.
pub type ErrorDecoder = fn(&HttpResponse) -> Error;

/// Settings shared by every provider's `ClientBuilder`.
///
/// Provider builders hold one and expose its setters through
/// [`http_builder_methods!`](crate::http_builder_methods), so the same options read the same way in every crate.
#[derive(Clone)]
pub struct HttpConfig {
    crate_name: &'static str,
    crate_version: &'static str,
    default_base_url: Option<&'static str>,
    base_url: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    user_agent: Option<String>,
    max_response_bytes: u64,
    allow_insecure_http: bool,
    agent: Option<ureq::Agent>,
    transport: Option<Arc<dyn Transport>>,
    sleeper: Arc<dyn Sleeper>,
    headers: Vec<Header>,
}

impl fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpConfig")
            .field("crate", &self.crate_name)
            .field("base_url", &self.base_url.as_deref().or(self.default_base_url))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl HttpConfig {
    /// Defaults for the crate `name` at `version` (they make the `User-Agent`).
    pub fn new(crate_name: &'static str, crate_version: &'static str) -> Self {
        HttpConfig {
            crate_name,
            crate_version,
            default_base_url: None,
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            user_agent: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_insecure_http: false,
            agent: None,
            transport: None,
            sleeper: Arc::new(ThreadSleeper),
            headers: Vec::new(),
        }
    }

    /// The base URL used when the caller sets none.
    pub fn default_base_url(mut self, url: &'static str) -> Self {
        self.default_base_url = Some(url);
        self
    }

    /// Sets the base URL.
    pub fn set_base_url(&mut self, url: impl Into<String>) {
        self.base_url = Some(url.into());
    }

    /// The base URL that [`build`](Self::build) will use, if any.
    pub fn base_url(&self) -> Option<&str> {
        self.base_url.as_deref().or(self.default_base_url)
    }

    /// Sets the timeout for a whole request.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Sets the connect timeout.
    pub fn set_connect_timeout(&mut self, timeout: Duration) {
        self.connect_timeout = timeout;
    }

    /// Sets the retry policy.
    pub fn set_retry_policy(&mut self, policy: RetryPolicy) {
        self.retry = policy;
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Sets the `User-Agent`.
    pub fn set_user_agent(&mut self, user_agent: impl Into<String>) {
        self.user_agent = Some(user_agent.into());
    }

    /// Sets the response size cap.
    pub fn set_max_response_bytes(&mut self, bytes: u64) {
        self.max_response_bytes = bytes;
    }

    /// Allows `http://` base URLs on hosts other than loopback.
    pub fn set_allow_insecure_http(&mut self, allow: bool) {
        self.allow_insecure_http = allow;
    }

    /// Uses this ureq agent (ignored when a transport is set).
    pub fn set_agent(&mut self, agent: ureq::Agent) {
        self.agent = Some(agent);
    }

    /// Uses this transport instead of ureq.
    pub fn set_transport(&mut self, transport: Arc<dyn Transport>) {
        self.transport = Some(transport);
    }

    /// Uses this sleeper between retries.
    pub fn set_sleeper(&mut self, sleeper: Arc<dyn Sleeper>) {
        self.sleeper = sleeper;
    }

    /// Adds a header sent with every request.
    pub fn add_header(&mut self, header: Header) {
        self.headers.retain(|h| h.name != header.name);
        self.headers.push(header);
    }

    /// Checks the settings and makes the client.
    ///
    /// # Errors
    /// [`Error::Config`] when there is no base URL, it is not an absolute `http(s)` URL, or it
    /// is plain `http://` to a host other than loopback without
    /// [`set_allow_insecure_http`](Self::set_allow_insecure_http).
    pub fn build(self, decode_error: ErrorDecoder) -> Result<HttpClient> {
        let base = self
            .base_url
            .as_deref()
            .or(self.default_base_url)
            .ok_or_else(|| Error::config("a base URL is required: set it with base_url(…)"))?;
        let base_url = check_base_url(base, self.allow_insecure_http)?;
        let user_agent = match self.user_agent {
            Some(ua) => ua,
            None => format!("{}/{}", self.crate_name, self.crate_version),
        };
        check_header_value("user_agent", &user_agent)?;
        for h in &self.headers {
            check_header_value(&h.name, &h.value)?;
        }
        let transport: Arc<dyn Transport> = match (self.transport, self.agent) {
            (Some(t), _) => t,
            (None, Some(agent)) => Arc::new(UreqTransport::from_agent(agent)),
            (None, None) => Arc::new(UreqTransport::new(self.connect_timeout, self.timeout)),
        };
        let mut headers = vec![Header::new("user-agent", user_agent)];
        headers.extend(self.headers);
        Ok(HttpClient {
            inner: Arc::new(Inner {
                base_url,
                headers,
                transport,
                retry: self.retry,
                sleeper: self.sleeper,
                max_response_bytes: self.max_response_bytes,
                decode_error,
            }),
        })
    }
}

/// Whether `host` (no port) is this machine.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "[::1]"
        || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Validates a base URL and returns it without a trailing slash.
fn check_base_url(url: &str, allow_insecure_http: bool) -> Result<String> {
    let bad = |why: &str| Error::config(format!("base URL {url:?} {why}"));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("is not absolute (http:// or https://)"))?;
    if rest.contains(['?', '#']) || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(bad("must not hold a query, a fragment, spaces or control characters"));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(bad("must name a host (and no user info)"));
    }
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or(authority)
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    match scheme.to_ascii_lowercase().as_str() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(host) => {}
        "http" => {
            return Err(bad(
                "is plain http to a host that is not loopback: use https, or opt in with allow_insecure_http(true)",
            ));
        }
        _ => return Err(bad("must use http or https")),
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Refuses header values that could inject another header or end the head early.
pub(crate) fn check_header_value(field: &str, value: &str) -> Result<()> {
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(Error::validation(field, "must not contain control characters (CR, LF, NUL…)"));
    }
    Ok(())
}

struct Inner {
    base_url: String,
    headers: Vec<Header>,
    transport: Arc<dyn Transport>,
    retry: RetryPolicy,
    sleeper: Arc<dyn Sleeper>,
    max_response_bytes: u64,
    decode_error: ErrorDecoder,
}

/// The shared HTTP client of one provider client: base URL, default headers, one transport
/// (so one connection pool), the retry policy and the provider's error decoder.
///
/// Cheap to clone: clones share everything.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("base_url", &self.inner.base_url)
            .field("headers", &self.inner.headers)
            .field("retry", &self.inner.retry)
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Starts a request to the base URL joined with `segments`, each percent-encoded.
    ///
    /// # Errors
    /// [`Error::Validation`] (field `id`) when a segment is empty: an empty id would turn
    /// "this contact" into "the collection".
    pub fn request(&self, method: Method, segments: &[&str]) -> Result<RequestBuilder<'_>> {
        let mut url = self.inner.base_url.clone();
        for segment in segments {
            if segment.is_empty() {
                return Err(Error::validation("id", "must not be empty"));
            }
            url.push('/');
            url.push_str(&encode_path_segment(segment));
        }
        Ok(self.request_url(method, url))
    }

    /// Starts a request to an absolute URL (e.g. an auth endpoint beside the API).
    pub fn request_url(&self, method: Method, url: String) -> RequestBuilder<'_> {
        RequestBuilder {
            client: self,
            idempotent: method.is_idempotent(),
            method,
            url,
            query: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
            pending: None,
        }
    }

    fn execute(&self, request: HttpRequest, idempotent: bool) -> Result<HttpResponse> {
        let inner = &*self.inner;
        let mut retry = 0;
        loop {
            match inner.transport.send(&request) {
                Ok(response) if (200..300).contains(&response.status) => return Ok(response),
                Ok(response) => {
                    let retry_after =
                        response.header("retry-after").and_then(|v| parse_retry_after(v, SystemTime::now()));
                    let wait = if idempotent {
                        inner.retry.wait_for_status(response.status, retry_after, retry)
                    } else {
                        None
                    };
                    match wait {
                        Some(wait) => inner.sleeper.sleep(wait),
                        None => return Err(self.decode(&request, &response, retry_after)),
                    }
                }
                Err(e) => {
                    let wait = match &e {
                        Error::Transport { kind, may_have_reached_server, .. }
                            if retry < inner.retry.retries()
                                && *kind != TransportKind::ResponseTooLarge
                                && (idempotent || !may_have_reached_server) =>
                        {
                            inner.retry.backoff(retry)
                        }
                        _ => return Err(e),
                    };
                    inner.sleeper.sleep(wait);
                }
            }
            retry += 1;
        }
    }

    /// Runs the provider's decoder, then fills in what it could not know.
    fn decode(&self, request: &HttpRequest, response: &HttpResponse, wait: Option<std::time::Duration>) -> Error {
        let sent_id = request.header("x-request-id");
        let echoed_id = response.header("x-request-id");
        let mut error = (self.inner.decode_error)(response);
        match &mut error {
            Error::Api { request_id, retry_after, .. } => {
                if request_id.is_none() {
                    *request_id = echoed_id.or(sent_id).map(str::to_owned);
                }
                if retry_after.is_none() {
                    *retry_after = wait;
                }
            }
            Error::NotFound { request_id, .. } if request_id.is_none() => {
                *request_id = echoed_id.or(sent_id).map(str::to_owned);
            }
            _ => {}
        }
        error
    }
}

/// One request being put together. Nothing is sent until [`send`](Self::send).
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder<'a> {
    client: &'a HttpClient,
    method: Method,
    url: String,
    query: String,
    headers: Vec<Header>,
    body: Vec<u8>,
    idempotent: bool,
    pending: Option<Error>,
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

    /// Whether a repeat of this request is harmless. Defaults to the method's own answer
    /// (GET, PUT, DELETE yes; POST no). Set it for an idempotent POST, or to forbid retries of
    /// a GET that changes state.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Sends the request, retrying as the client's policy allows, and returns a 2xx answer.
    ///
    /// # Errors
    /// The provider's error (through its decoder) for a non-2xx answer; [`Error::Transport`]
    /// when there was no answer; [`Error::Validation`] when a header value holds CR/LF.
    pub fn send(self) -> Result<Response> {
        if let Some(e) = self.pending {
            return Err(e);
        }
        let inner = &*self.client.inner;
        let mut headers = Vec::with_capacity(inner.headers.len() + self.headers.len() + 1);
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
        let request = HttpRequest {
            method: self.method,
            url,
            headers,
            body: self.body,
            max_response_bytes: inner.max_response_bytes,
        };
        let response = self.client.execute(request, self.idempotent)?;
        Ok(Response { inner: response })
    }
}

/// A 2xx answer.
#[derive(Debug, Clone)]
pub struct Response {
    inner: HttpResponse,
}

impl Response {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.inner.status
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.header(name)
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.inner.body
    }

    /// The whole answer.
    pub fn into_inner(self) -> HttpResponse {
        self.inner
    }

    /// Decodes the body as JSON.
    ///
    /// # Errors
    /// [`Error::Decode`] naming the JSON path that did not fit.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json(self.inner.status, &self.inner.body)
    }
}

/// Decodes `body` as JSON into `T`, reporting the JSON path of any mismatch.
///
/// # Errors
/// [`Error::Decode`] with the path, the reason and a snippet of the body.
pub fn decode_json<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T> {
    // The fast path is plain serde_json; only a failure pays for tracking the JSON path.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let fail = |message: String| Error::Decode { status, message, snippet: snippet(body) };
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| fail(path_message(&e)))?;
    de.end().map_err(|e| fail(e.to_string()))?;
    Ok(value)
}

fn path_message<E: std::fmt::Display>(e: &serde_path_to_error::Error<E>) -> String {
    let path = e.path().to_string();
    if path == "." { e.inner().to_string() } else { format!("at {path}: {}", e.inner()) }
}

/// Decodes an already-parsed JSON value into `T`, reporting the JSON path of any mismatch.
///
/// # Errors
/// [`Error::Decode`] with the path and the reason.
pub fn decode_value<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T> {
    if let Ok(v) = T::deserialize(value) {
        return Ok(v);
    }
    serde_path_to_error::deserialize(value).map_err(|e| Error::Decode {
        status: 200,
        message: path_message(&e),
        snippet: snippet(value.to_string().as_bytes()),
    })
}

/// The fallback error for a non-2xx answer: [`Error::NotFound`] for 404, otherwise
/// [`Error::Api`] with the body kept.
pub fn default_error(response: &HttpResponse) -> Error {
    let body = snippet(&response.body);
    if response.status == 404 {
        return Error::NotFound { status: 404, message: body, request_id: None };
    }
    Error::Api {
        status: response.status,
        code: None,
        message: format!("http status {}", response.status),
        field_errors: Vec::new(),
        request_id: None,
        body,
        retry_after: None,
    }
}

/// Writes the setters every provider `ClientBuilder` shares, over a field `http: HttpConfig`.
///
/// One definition, so `base_url`, `timeout`, `connect_timeout`, `retry_policy`,
/// `user_agent`, `agent`, `transport`, `sleeper`, `max_response_bytes` and
/// `allow_insecure_http` read and behave the same in every crate.
#[macro_export]
macro_rules! http_builder_methods {
    () => {
        /// Sets the base URL (scheme, host and any path prefix). Defaults to the provider's
        /// documented URL where there is one.
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.http.set_base_url(url);
            self
        }

        /// Sets the timeout for each phase of a request: sending it, waiting for the answer's
        /// head, and reading its body (so a call ends within `connect_timeout` + 3 × this at
        /// worst, not counting retries). Defaults to 60 s.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.http.set_timeout(timeout);
            self
        }

        /// Sets the timeout for connecting. Defaults to 10 s.
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.http.set_connect_timeout(timeout);
            self
        }

        /// Sets which failed calls are repeated, replacing the crate's default policy: that is
        /// [`RetryPolicy::default`] (2 retries, backoff 0.5 s to 8 s with jitter, `Retry-After`
        /// up to 60 s) unless the crate's documentation says otherwise.
        ///
        /// [`RetryPolicy::default`]: $crate::RetryPolicy
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.http.set_retry_policy(policy);
            self
        }

        /// Sets the `User-Agent` header. Defaults to `<crate>/<version>`.
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.http.set_user_agent(user_agent);
            self
        }

        /// Sends through this [`ureq::Agent`](https://docs.rs/ureq) (proxy, TLS, pool…).
        /// Configure it with `http_status_as_error(false)`. The timeouts set here then do not
        /// apply: the agent's own do. Defaults to an agent made from this builder's settings.
        pub fn agent(mut self, agent: $crate::ureq::Agent) -> Self {
            self.http.set_agent(agent);
            self
        }

        /// Sends through your own [`Transport`]($crate::Transport) instead of ureq.
        /// Defaults to ureq.
        pub fn transport(mut self, transport: impl $crate::Transport + 'static) -> Self {
            self.http.set_transport(::std::sync::Arc::new(transport));
            self
        }

        /// Waits between retries with this [`Sleeper`]($crate::Sleeper) (tests inject one
        /// that returns at once). Defaults to `std::thread::sleep`.
        pub fn sleeper(mut self, sleeper: impl $crate::Sleeper + 'static) -> Self {
            self.http.set_sleeper(::std::sync::Arc::new(sleeper));
            self
        }

        /// Sets the largest response body accepted, in bytes. Defaults to 32 MiB.
        pub fn max_response_bytes(mut self, bytes: u64) -> Self {
            self.http.set_max_response_bytes(bytes);
            self
        }

        /// Allows a plain `http://` base URL on a host other than loopback (credentials then
        /// cross the network in clear). Defaults to `false`.
        pub fn allow_insecure_http(mut self, allow: bool) -> Self {
            self.http.set_allow_insecure_http(allow);
            self
        }
    };
}
