//! Configuration, the shared client, a request builder and the retry loop.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use contacts_core::{
    Error, Header, HttpRequest, HttpResponse, Method, Provider, Result, RetryPolicy, Secret, Sleeper, ThreadSleeper,
    Transport, TransportKind, escaped,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::{Applied, Auth, Kind, bad_token, check_header_value};
use crate::decode::{BODY_SNIPPET_LIMIT, decode_json, snippet};
use crate::encode::{Form, push_pair, push_path_segment};
use crate::retry::{MAX_RETRY_AFTER, backoff, parse_retry_after, wait_after_status};
use crate::transport::{Proxy, UreqTransport};
use crate::url::{check_url, host_of, redact_url};

/// Default connect timeout: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default timeout for each phase of a request (send, wait for the answer, read the body): 60 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default cap on a response body: 32 MiB (the one [`HttpRequest::new`] starts from).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = HttpRequest::DEFAULT_MAX_RESPONSE_BYTES;

/// Turns a non-2xx answer into the provider's error.
pub type ErrorDecoder = fn(&HttpResponse) -> Error;

/// Settings shared by every provider's `ClientBuilder`.
///
/// Provider builders hold one and expose its setters through
/// [`http_builder_methods!`](crate::http_builder_methods), so the same options read the same
/// way in every crate. Its `Debug` shows every setting; the base URL redacted, credentials
/// never.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    crate_name: &'static str,
    provider: Provider,
    crate_version: &'static str,
    default_base_url: Option<&'static str>,
    base_url: Option<GivenUrl>,
    timeout: Duration,
    connect_timeout: Duration,
    deadline: Option<Duration>,
    retry: RetryPolicy,
    user_agent: Option<String>,
    max_response_bytes: u64,
    allow_insecure_http: bool,
    transport: Option<Arc<dyn Transport>>,
    sleeper: Arc<dyn Sleeper>,
    headers: Vec<Header>,
    auth: Auth,
    proxy: Proxy,
}

/// A URL as the caller gave it: its `Debug` is [`redact_url`]'s, so a builder's `Debug` never
/// shows user info or a query, even before `build` refuses them.
#[derive(Clone)]
struct GivenUrl(String);

impl fmt::Debug for GivenUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&redact_url(&self.0), f)
    }
}

impl HttpConfig {
    /// Defaults for `provider`'s crate `name` at `version` (they make the `User-Agent`).
    pub fn new(provider: Provider, crate_name: &'static str, crate_version: &'static str) -> Self {
        HttpConfig {
            crate_name,
            provider,
            crate_version,
            default_base_url: None,
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            deadline: None,
            retry: RetryPolicy::default(),
            user_agent: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_insecure_http: false,
            transport: None,
            sleeper: Arc::new(ThreadSleeper),
            headers: Vec::new(),
            auth: Auth::none(),
            proxy: Proxy::FromEnv,
        }
    }

    /// Sets the base URL used when the caller sets none.
    pub fn set_default_base_url(&mut self, url: &'static str) {
        self.default_base_url = Some(url);
    }

    /// Sets the base URL.
    pub fn set_base_url(&mut self, url: impl Into<String>) {
        self.base_url = Some(GivenUrl(url.into()));
    }

    /// The base URL that [`build`](Self::build) will use, if any.
    pub fn base_url(&self) -> Option<&str> {
        self.base_url.as_ref().map(|u| u.0.as_str()).or(self.default_base_url)
    }

    /// Sets the timeout for each phase of a request.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Sets the connect timeout.
    pub fn set_connect_timeout(&mut self, timeout: Duration) {
        self.connect_timeout = timeout;
    }

    /// Sets a deadline for a whole call, retries and waits included.
    pub fn set_deadline(&mut self, deadline: Option<Duration>) {
        self.deadline = deadline;
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

    /// Allows `http://` URLs on hosts other than loopback.
    pub fn set_allow_insecure_http(&mut self, allow: bool) {
        self.allow_insecure_http = allow;
    }

    /// Uses this transport instead of ureq.
    pub fn set_transport(&mut self, transport: Arc<dyn Transport>) {
        self.transport = Some(transport);
    }

    /// Uses this sleeper between retries.
    pub fn set_sleeper(&mut self, sleeper: Arc<dyn Sleeper>) {
        self.sleeper = sleeper;
    }

    /// Sets how the client authenticates: the one hook, applied on every attempt.
    pub fn set_auth(&mut self, auth: Auth) {
        self.auth = auth;
    }

    /// Sends through this proxy (`http://host:port`, `socks5://…`), whatever the environment says.
    pub fn set_proxy(&mut self, url: impl Into<String>) {
        self.proxy = Proxy::Url(url.into());
    }

    /// Ignores the proxy environment variables: every call goes direct.
    pub fn set_no_proxy(&mut self) {
        self.proxy = Proxy::Off;
    }

    /// Adds a header sent with every request (replacing one of the same name).
    pub fn set_header(&mut self, header: Header) {
        self.headers.retain(|h| h.name != header.name);
        self.headers.push(header);
    }

    /// Checks the settings and makes the client.
    ///
    /// # Errors
    /// [`Error::Config`] when there is no base URL, or a URL the client will call (the base URL,
    /// a token endpoint) is not an absolute `http(s)` URL, holds user info, or is plain
    /// `http://` to a host other than loopback without
    /// [`set_allow_insecure_http`](Self::set_allow_insecure_http). Messages never repeat a
    /// URL's user info or query.
    pub fn build(self, decode_error: ErrorDecoder) -> Result<HttpClient> {
        let base = self.base_url().ok_or_else(|| Error::config("a base URL is required: set it with base_url(…)"))?;
        let base_url = check_url("base URL", base, self.allow_insecure_http)?;
        if let Some(url) = self.auth.urls() {
            check_url("token URL", url, self.allow_insecure_http)?;
        }
        self.auth.check()?;
        let user_agent = match self.user_agent {
            Some(ua) => ua,
            None => format!("{}/{}", self.crate_name, self.crate_version),
        };
        check_header_value("user_agent", &user_agent)?;
        for h in &self.headers {
            check_header_value(&h.name, &h.value)?;
        }
        let host = host_of(&base_url).to_owned();
        let transport: Arc<dyn Transport> = match self.transport {
            Some(t) => t,
            // A call to this machine (the API or the token endpoint) never goes through a
            // proxy: the transport decides per request, by the request's own host.
            None => Arc::new(UreqTransport::with_proxy(self.connect_timeout, self.timeout, self.proxy)?),
        };
        let mut headers = vec![Header::new("user-agent", user_agent)];
        headers.extend(self.headers);
        Ok(HttpClient {
            inner: Arc::new(Inner {
                provider: self.provider,
                base_url,
                host,
                headers,
                transport,
                retry: self.retry,
                sleeper: self.sleeper,
                max_response_bytes: self.max_response_bytes,
                deadline: self.deadline,
                decode_error,
                auth: self.auth,
            }),
        })
    }
}

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

struct Inner {
    provider: Provider,
    base_url: String,
    host: String,
    headers: Vec<Header>,
    transport: Arc<dyn Transport>,
    retry: RetryPolicy,
    sleeper: Arc<dyn Sleeper>,
    max_response_bytes: u64,
    deadline: Option<Duration>,
    decode_error: ErrorDecoder,
    auth: Auth,
}

/// The shared HTTP client of one provider client: base URL, default headers, auth, one
/// transport (so one connection pool), the retry policy and the provider's error decoder.
///
/// Cheap to clone: clones share everything, the cached token included.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("base_url", &redact_url(&self.inner.base_url))
            .field("headers", &self.inner.headers)
            .field("auth", &self.inner.auth)
            .field("retry", &self.inner.retry)
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

/// What one call overrides of the client's settings.
struct Overrides<'o> {
    retry: Option<&'o RetryPolicy>,
    deadline: Option<Duration>,
}

/// The outcome of one attempt.
enum Attempt {
    Done(HttpResponse),
    Failed(Error),
}

impl HttpClient {
    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The host (and port) of the base URL, as errors name it.
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// The provider this client calls.
    pub fn provider(&self) -> Provider {
        self.inner.provider
    }

    /// The client's retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Starts a request to the base URL joined with `segments`, each percent-encoded.
    ///
    /// # Errors
    /// [`Error::Validation`] (field `id`) when a segment is empty: an empty id would turn
    /// "this contact" into "the collection".
    pub fn request(&self, method: Method, segments: &[&str]) -> Result<RequestBuilder<'_>> {
        let base = &self.inner.base_url;
        let mut url = String::with_capacity(base.len() + segments.iter().map(|s| s.len() + 1).sum::<usize>() + 16);
        url.push_str(base);
        for segment in segments {
            if segment.is_empty() {
                return Err(Error::validation("id", "must not be empty"));
            }
            url.push('/');
            push_path_segment(&mut url, segment);
        }
        Ok(RequestBuilder {
            client: self,
            idempotent: method.is_idempotent(),
            method,
            url,
            query: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
            pending: None,
            retry: None,
            deadline: None,
            timeout: None,
        })
    }

    /// Puts the credentials of this attempt on `request`.
    fn apply_auth(&self, request: &mut HttpRequest) -> Result<Applied> {
        let (header, token) = match &self.inner.auth.0 {
            Kind::None => return Ok(Applied { token: None }),
            Kind::Header { name, value } => (Header::sensitive(*name, value.expose().to_owned()), None),
            Kind::From { name, get } => {
                let value = get()?;
                if value.is_empty() {
                    return Err(Error::config(format!("the {name} value is empty")));
                }
                check_header_value(name, value.expose())?;
                (Header::sensitive(*name, value.expose().to_owned()), None)
            }
            Kind::Exchange(x) => {
                let mut cached = x.lock();
                let token = match &*cached {
                    Some(token) => token.clone(),
                    None => {
                        // The lock is held across the exchange: one renewal at a time, and the
                        // threads that wait use its token instead of fetching their own.
                        let token = self.exchange(&x.url, &x.body, x.token_field)?;
                        *cached = Some(token.clone());
                        token
                    }
                };
                (Header::sensitive("authorization", format!("Bearer {}", token.expose())), Some(token))
            }
        };
        request.headers.retain(|h| h.name != header.name);
        request.headers.push(header);
        Ok(Applied { token })
    }

    /// `POST url` with the secret JSON body; the token is the answer's `field`.
    fn exchange(&self, url: &str, body: &Secret, field: &str) -> Result<Secret> {
        let inner = &*self.inner;
        let mut request = HttpRequest::new(Method::Post, url);
        request.headers = inner.headers.clone();
        request.headers.push(Header::new("content-type", "application/json"));
        request.headers.push(Header::new("accept", "application/json"));
        request.body = body.expose().as_bytes().to_vec();
        request.max_response_bytes = inner.max_response_bytes;
        let name = |e: Error| e.with_call(inner.provider, "token exchange", host_of(url));
        let response = inner.transport.send(&request).map_err(name)?;
        if !(200..300).contains(&response.status) {
            // The endpoint's own words may echo what it was sent: keep none of the secret.
            let error = self.decode(&request, &response, None);
            let message = scrub(error.message(), body);
            let mut scrubbed = match error {
                Error::NotFound(_) | Error::Api(_) => Error::api(response.status, message),
                _ => Error::api(response.status, format!("http status {}", response.status)),
            };
            if let Some(code) = error.code() {
                scrubbed = scrubbed.with_code(scrub(code, body));
            }
            if let Some(wait) = error.retry_after() {
                scrubbed = scrubbed.with_retry_after(wait);
            }
            scrubbed = scrubbed.with_rate_limited(error.is_rate_limited());
            return Err(name(scrubbed));
        }
        let answer: serde_json::Map<String, serde_json::Value> =
            decode_json(response.status, &response.body).map_err(|e| name(e.with_body(String::new())))?;
        let token = answer.get(field).and_then(serde_json::Value::as_str).unwrap_or_default();
        if token.is_empty() {
            return Err(name(bad_token(&format!("the answer has no {field}"))));
        }
        check_header_value(field, token).map_err(name)?;
        Ok(Secret::new(token))
    }

    /// Sends with auth and retries; the answer and how many times the request was sent.
    ///
    /// Logs through the `log` facade: one debug event per attempt (call, status, attempt,
    /// duration, request id), each retry and its wait at info, a failure at warn. Never a
    /// body, a header value, a query or user info: a call is named "provider METHOD /path".
    fn execute(
        &self,
        request: &mut HttpRequest,
        idempotent: bool,
        call: &Overrides<'_>,
    ) -> Result<(HttpResponse, u32)> {
        let inner = &*self.inner;
        let base_len = inner.base_url.len();
        let policy = call.retry.unwrap_or(&inner.retry);
        let deadline = call.deadline.or(inner.deadline);
        let started = Instant::now();
        let mut retry = 0;
        let mut sent = 0u32;
        let mut renewed = false;
        loop {
            let attempt_started = Instant::now();
            let attempt = match self.apply_auth(request) {
                // Nothing of the call was sent: a failed token exchange is retried like a
                // connection that never opened, whatever the call is.
                Err(e @ Error::Transport(_)) => Attempt::Failed(e.with_may_have_reached_server(false)),
                Err(e) => {
                    log::warn!(target: "contacts_http", "{}: credentials failed: {e}", Call::of(inner, request, base_len));
                    return Err(e);
                }
                Ok(applied) => {
                    sent = sent.saturating_add(1);
                    // What is left of the deadline bounds this attempt as a whole, so a slow
                    // answer cannot carry the call past it.
                    request.deadline = deadline.map(|d| d.saturating_sub(started.elapsed()));
                    match inner.transport.send(request) {
                        Ok(response) if response.status == 401 && !renewed && applied.token.is_some() => {
                            log::info!(
                                target: "contacts_http",
                                "{}: 401 with a cached token; renewing it once and repeating (attempt {sent})",
                                Call::of(inner, request, base_len)
                            );
                            // A refused call changed nothing: renew the token once and repeat.
                            if let (Kind::Exchange(x), Some(token)) = (&inner.auth.0, &applied.token) {
                                x.invalidate(token);
                            }
                            renewed = true;
                            continue;
                        }
                        Ok(response) => Attempt::Done(response),
                        Err(e) => Attempt::Failed(e),
                    }
                }
            };
            if log::log_enabled!(target: "contacts_http", log::Level::Debug) {
                let (status, id) = match &attempt {
                    Attempt::Done(r) => {
                        (r.status.to_string(), r.header("x-request-id").or(request.header("x-request-id")))
                    }
                    Attempt::Failed(_) => ("no answer".to_owned(), request.header("x-request-id")),
                };
                log::debug!(
                    target: "contacts_http",
                    "{} -> {status} (attempt {sent}, {} ms{})",
                    Call::of(inner, request, base_len),
                    attempt_started.elapsed().as_millis(),
                    id.map(|id| format!(", request id {}", escaped(id))).unwrap_or_default()
                );
            }
            let (wait, reason) = match attempt {
                Attempt::Done(response) if (200..300).contains(&response.status) => return Ok((response, sent)),
                Attempt::Done(response) => {
                    let retry_after = response
                        .header("retry-after")
                        .and_then(|v| parse_retry_after(v, SystemTime::now()))
                        .map(|d| d.min(MAX_RETRY_AFTER));
                    let wait =
                        if idempotent { wait_after_status(policy, response.status, retry_after, retry) } else { None };
                    match wait {
                        Some(wait) => (wait, format!("status {}", response.status)),
                        None => {
                            let e = self.decode(request, &response, retry_after);
                            log::warn!(
                                target: "contacts_http",
                                "{} failed after {sent} attempt(s): {e}",
                                Call::of(inner, request, base_len)
                            );
                            return Err(e);
                        }
                    }
                }
                Attempt::Failed(e) => match e.transport_kind() {
                    Some(kind)
                        if matches!(e, Error::Transport(_))
                            && retry < policy.max_retries
                            && kind != TransportKind::ResponseTooLarge
                            && !deadline_passed(deadline, started)
                            && (idempotent || !e.may_have_reached_server()) =>
                    {
                        (backoff(policy, retry), kind.to_string())
                    }
                    _ => {
                        log::warn!(
                            target: "contacts_http",
                            "{} failed after {sent} attempt(s): {e}",
                            Call::of(inner, request, base_len)
                        );
                        return Err(e);
                    }
                },
            };
            if let Some(deadline) = deadline
                && started.elapsed().saturating_add(wait) >= deadline
            {
                let e = Error::transport(
                    TransportKind::Timeout,
                    true,
                    format!("the call did not finish within its deadline of {deadline:?}"),
                );
                log::warn!(target: "contacts_http", "{}: {e}", Call::of(inner, request, base_len));
                return Err(e);
            }
            log::info!(
                target: "contacts_http",
                "{}: {reason}; retrying in {wait:?} (attempt {sent})",
                Call::of(inner, request, base_len)
            );
            inner.sleeper.sleep(wait);
            retry += 1;
        }
    }

    /// Runs the provider's decoder, then fills in what it could not know.
    fn decode(&self, request: &HttpRequest, response: &HttpResponse, wait: Option<Duration>) -> Error {
        let sent_id = request.header("x-request-id");
        let echoed_id = response.header("x-request-id");
        if (300..400).contains(&response.status) {
            let to = response.header("location").map_or_else(|| "nowhere".to_owned(), |l| host_of(l).to_owned());
            let mut error = Error::api(
                response.status,
                format!(
                    "{} answered with a redirect to {to}, which is never followed (credentials must not \
                     follow a redirect): check the base URL",
                    self.inner.host
                ),
            )
            .with_body(snippet(&response.body));
            if let Some(id) = echoed_id.or(sent_id) {
                error = error.with_request_id(id);
            }
            return error;
        }
        let mut error = (self.inner.decode_error)(response);
        if matches!(error, Error::Api(_) | Error::NotFound(_)) {
            if error.request_id().is_none()
                && let Some(id) = echoed_id.or(sent_id)
            {
                error = error.with_request_id(id);
            }
            if let Some(wait) = error.retry_after().or(wait) {
                error = error.with_retry_after(wait.min(MAX_RETRY_AFTER));
            }
        }
        error
    }
}

/// Whether the call's deadline has passed.
fn deadline_passed(deadline: Option<Duration>, started: Instant) -> bool {
    deadline.is_some_and(|d| started.elapsed() >= d)
}

/// `text` with every string value of the secret JSON `body` (a client id and secret) replaced
/// by `***`, and cut to the snippet limit.
fn scrub(text: &str, body: &Secret) -> String {
    let mut out = text.to_owned();
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(body.expose()) {
        for value in fields.values().filter_map(serde_json::Value::as_str).filter(|v| !v.is_empty()) {
            out = out.replace(value, "***");
        }
    }
    if out.len() > BODY_SNIPPET_LIMIT {
        let mut cut = BODY_SNIPPET_LIMIT;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

/// One request being put together. Nothing is sent until [`send`](Self::send).
///
/// Its `Debug` shows the body's length, never the body.
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
    retry: Option<RetryPolicy>,
    deadline: Option<Duration>,
    timeout: Option<Duration>,
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
        let overrides = Overrides { retry: self.retry.as_ref(), deadline: self.deadline };
        let result = self.client.execute(&mut request, self.idempotent, &overrides);
        let sent_id = request.header("x-request-id").map(str::to_owned);
        // The URL is not needed any more for sending: the context keeps it to name the call.
        let context = Context {
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
struct Call<'a> {
    provider: Provider,
    method: Method,
    path: &'a str,
}

impl<'a> Call<'a> {
    /// The call `url` (which starts with the client's base URL, `base_len` bytes long) makes.
    fn new(provider: Provider, method: Method, url: &'a str, base_len: usize) -> Self {
        let path = url.get(base_len..).unwrap_or(url);
        let path = path.split(['?', '#']).next().unwrap_or_default();
        Call { provider, method, path: if path.is_empty() { "/" } else { path } }
    }

    fn of(inner: &Inner, request: &'a HttpRequest, base_len: usize) -> Self {
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
struct Context {
    provider: Provider,
    method: Method,
    url: String,
    base_len: usize,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context").field("call", &self.call().to_string()).field("host", &self.host()).finish()
    }
}

impl Context {
    fn call(&self) -> Call<'_> {
        Call::new(self.provider, self.method, &self.url, self.base_len)
    }

    fn host(&self) -> &str {
        host_of(&self.url)
    }

    /// Names the provider, the call and the host in an error the call met (one that names a
    /// call already, a token exchange, keeps its own).
    fn apply(&self, error: Error) -> Error {
        if error.operation().is_some()
            || !matches!(error, Error::Api(_) | Error::NotFound(_) | Error::Decode(_) | Error::Transport(_))
        {
            return error;
        }
        let call = self.call();
        error.with_call(self.provider, format!("{} {}", call.method, call.path), self.host().to_owned())
    }
}

/// A 2xx answer.
#[derive(Debug, Clone)]
pub struct Response {
    inner: HttpResponse,
    sent: u32,
    context: Context,
    sent_id: Option<String>,
}

impl Response {
    /// How many times the request went out before this answer (1 unless it was retried).
    pub fn attempts(&self) -> u32 {
        self.sent
    }

    /// Status, headers, request id (echoed by the provider, or the one the client sent) and
    /// attempts.
    pub fn meta(&self) -> contacts_core::ResponseMeta {
        let request_id = self.request_id().map(str::to_owned);
        contacts_core::ResponseMeta::new(self.inner.status, self.inner.headers.clone(), request_id, self.sent)
    }

    /// The request id: the `x-request-id` the provider echoed, else the one the client sent.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.header("x-request-id").or(self.sent_id.as_deref())
    }

    /// [`meta`](Self::meta), taking the headers instead of copying them (for the last use of
    /// an answer).
    pub fn into_meta(self) -> contacts_core::ResponseMeta {
        let request_id = self.inner.header("x-request-id").map(str::to_owned).or(self.sent_id);
        contacts_core::ResponseMeta::new(self.inner.status, self.inner.headers, request_id, self.sent)
    }

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
    /// [`Error::Decode`] naming the JSON path that did not fit, the call and the host.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json(self.inner.status, &self.inner.body).map_err(|e| self.error(e))
    }

    /// Decodes the body as JSON in which every [`Limited`](crate::Limited) list holds at most
    /// `limit` items: a page is never decoded past what was asked for.
    ///
    /// # Errors
    /// As [`json`](Self::json), and for a list longer than `limit`.
    pub fn json_limited<T: DeserializeOwned>(&self, limit: usize) -> Result<T> {
        crate::decode::decode_limited(self.inner.status, &self.inner.body, limit).map_err(|e| self.error(e))
    }

    /// Names this call and its host in an error found in this answer (an error envelope in a
    /// 200, a body of the wrong shape), as every error of a failed call does.
    pub fn error(&self, error: Error) -> Error {
        let mut error = self.context.apply(error);
        // An error in a 2xx answer: the request id the provider echoed, else the one sent.
        if matches!(error, Error::Api(_) | Error::NotFound(_))
            && error.request_id().is_none()
            && let Some(id) = self.request_id()
        {
            error = error.with_request_id(id);
        }
        log::warn!(target: "contacts_http", "{} failed: {error}", self.context.call());
        error
    }
}

/// A provider crate's [`HttpConfig`]: its provider, the calling crate's own name and version
/// (for the `User-Agent`), and its documented base URL when it has one:
/// `http_config!(Provider::Previsto, DEFAULT_BASE_URL)`.
#[macro_export]
macro_rules! http_config {
    ($provider:expr) => {
        $crate::HttpConfig::new($provider, env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
    };
    ($provider:expr, $default_base_url:expr) => {{
        let mut http = $crate::http_config!($provider);
        http.set_default_base_url($default_base_url);
        http
    }};
}

/// Writes the setters every provider `ClientBuilder` shares, over a field `http: HttpConfig`.
///
/// One definition, so `base_url`, `timeout`, `connect_timeout`, `deadline`, `retry_policy`,
/// `user_agent`, `agent`, `transport`, `sleeper`, `max_response_bytes`, `proxy`, `no_proxy`
/// and `allow_insecure_http` read and behave the same in every crate.
#[macro_export]
macro_rules! http_builder_methods {
    () => {
        /// Sets the base URL (scheme, host and any path prefix). Defaults to the provider's
        /// documented URL where there is one.
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.http.set_base_url(url);
            self
        }

        /// The base URL from the environment variable `var` when it is set; else unchanged.
        fn base_url_from_env(self, var: &str) -> Self {
            match $crate::env::optional(var) {
                Some(url) => self.base_url(url),
                None => self,
            }
        }

        /// Sets the timeout for each phase of a request: sending it, waiting for the answer's
        /// head, and reading its body (so one attempt ends within `connect_timeout` + 3 × this
        /// at worst; see [`deadline`](Self::deadline) for a bound on the whole call).
        /// Defaults to 60 s.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.http.set_timeout(timeout);
            self
        }

        /// Sets the timeout for connecting. Defaults to 10 s.
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.http.set_connect_timeout(timeout);
            self
        }

        /// Bounds a whole call, retries and the waits between them included: no retry starts
        /// once it would end past the deadline. Defaults to none.
        pub fn deadline(mut self, deadline: ::std::time::Duration) -> Self {
            self.http.set_deadline(Some(deadline));
            self
        }

        /// Sets which failed calls are repeated, replacing the crate's default policy: that is
        /// [`RetryPolicy::default`] (2 retries, backoff 0.5 s to 8 s with jitter, `Retry-After`
        /// up to 60 s) unless the crate's documentation says otherwise.
        ///
        /// [`RetryPolicy::default`]: $crate::core::RetryPolicy
        pub fn retry_policy(mut self, policy: $crate::core::RetryPolicy) -> Self {
            self.http.set_retry_policy(policy);
            self
        }

        /// Sets the `User-Agent` header. Defaults to `<crate>/<version>`.
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.http.set_user_agent(user_agent);
            self
        }

        /// Sends through your own [`Transport`]($crate::core::Transport) instead of ureq: to
        /// record, replay or wrap calls. Defaults to ureq.
        pub fn transport(mut self, transport: impl $crate::core::Transport + 'static) -> Self {
            self.http.set_transport(::std::sync::Arc::new(transport));
            self
        }

        /// Waits between retries with this [`Sleeper`]($crate::core::Sleeper) (tests inject one
        /// that returns at once). Defaults to `std::thread::sleep`.
        pub fn sleeper(mut self, sleeper: impl $crate::core::Sleeper + 'static) -> Self {
            self.http.set_sleeper(::std::sync::Arc::new(sleeper));
            self
        }

        /// Sets the largest response body accepted, in bytes. Defaults to 32 MiB.
        pub fn max_response_bytes(mut self, bytes: u64) -> Self {
            self.http.set_max_response_bytes(bytes);
            self
        }

        /// Sends every call through this proxy (`http://host:port`, `socks5://host:port`).
        /// Defaults to the environment: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` (upper or
        /// lower case) and `NO_PROXY`, as ureq and curl read them. A call to loopback never
        /// goes through a proxy.
        pub fn proxy(mut self, url: impl Into<String>) -> Self {
            self.http.set_proxy(url);
            self
        }

        /// Ignores the proxy environment variables: every call goes direct. Defaults to
        /// reading them (see [`proxy`](Self::proxy)).
        pub fn no_proxy(mut self) -> Self {
            self.http.set_no_proxy();
            self
        }

        /// Allows a plain `http://` URL on a host other than loopback (credentials then
        /// cross the network in clear). Defaults to `false`.
        pub fn allow_insecure_http(mut self, allow: bool) -> Self {
            self.http.set_allow_insecure_http(allow);
            self
        }
    };
}

/// Any endpoint of the provider, wrapped or not (TheCleanLife's bookings, anything a provider
/// adds), through the client's own auth, retries, limits, timeouts and errors: what each
/// provider's `Client::raw()` hands out.
///
/// Paths are segments below the client's base URL, each percent-encoded. A POST is not
/// repeated once it may have reached the server; GET, PUT and DELETE are retried as the
/// client's policy says. Answers come back as the provider sent them (`serde_json::Value` or
/// your type), envelopes included.
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a> {
    http: &'a HttpClient,
}

impl<'a> Raw<'a> {
    /// The raw handle over a provider's HTTP client.
    pub fn new(http: &'a HttpClient) -> Self {
        Raw { http }
    }

    /// A request to build further (query, headers, body) before [`send`](RequestBuilder::send).
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty segment.
    pub fn request(&self, method: Method, segments: &[&str]) -> Result<RequestBuilder<'a>> {
        self.http.request(method, segments)
    }

    /// `GET` with `query` pairs and decode the answer.
    ///
    /// # Errors
    /// The provider's error, a transport failure, or [`Error::Decode`].
    pub fn get<T: DeserializeOwned>(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<T> {
        let mut request = self.request(Method::Get, segments)?;
        for (key, value) in query {
            request = request.query(key, value);
        }
        request.send()?.json()
    }

    /// `POST` a JSON body and decode the answer. Sent once if it may have reached the server.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn post<B: Serialize + ?Sized, T: DeserializeOwned>(&self, segments: &[&str], body: &B) -> Result<T> {
        self.request(Method::Post, segments)?.json(body).send()?.json()
    }

    /// `PUT` a JSON body and decode the answer.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn put<B: Serialize + ?Sized, T: DeserializeOwned>(&self, segments: &[&str], body: &B) -> Result<T> {
        self.request(Method::Put, segments)?.json(body).send()?.json()
    }

    /// `DELETE`, keeping the answer (which may be empty).
    ///
    /// # Errors
    /// The provider's error or a transport failure.
    pub fn delete(&self, segments: &[&str]) -> Result<Response> {
        self.request(Method::Delete, segments)?.send()
    }
}

/// Writes a provider's escape hatch, `Raw<'a>`, in the provider crate itself: its own type over
/// this crate's [`Raw`], so neither this crate nor ureq appears in the provider's public API.
/// The provider's `Client::raw()` hands it out.
#[macro_export]
macro_rules! raw_handle {
    ($provider:literal, $example:literal) => {
        /// Any endpoint of the provider, wrapped by this crate or not, through the client's own
        /// auth, retries, limits, timeouts and errors.
        ///
        /// Paths are segments below the client's base URL, each percent-encoded. A POST is
        /// not repeated once it may have reached the server; GET, PUT and DELETE are retried as
        /// the client's policy says. Answers come back as the provider sent them
        /// (`serde_json::Value` or your type), envelopes included.
        ///
        /// ```no_run
        #[doc = $example]
        /// ```
        #[derive(Debug, Clone, Copy)]
        pub struct Raw<'a>($crate::Raw<'a>);

        impl<'a> Raw<'a> {
            pub(crate) fn new(http: &'a $crate::HttpClient) -> Self {
                Raw($crate::Raw::new(http))
            }

            #[doc = concat!("`GET` a ", $provider, " path, with `query` pairs, and decode the answer.")]
            ///
            /// # Errors
            /// The provider's error, a transport failure, or [`Error::Decode`](crate::Error::Decode).
            pub fn get<T: $crate::serde::de::DeserializeOwned>(
                &self,
                segments: &[&str],
                query: &[(&str, &str)],
            ) -> $crate::core::Result<T> {
                self.0.get(segments, query)
            }

            $crate::raw_handle!(@with_body
                post "`POST` a JSON body and decode the answer. Sent once if it may have reached the server.",
                put "`PUT` a JSON body and decode the answer."
            );

            /// `DELETE`, returning the answer's metadata (its body may be empty).
            ///
            /// # Errors
            /// The provider's error or a transport failure.
            pub fn delete(&self, segments: &[&str]) -> $crate::core::Result<$crate::core::ResponseMeta> {
                self.0.delete(segments).map($crate::Response::into_meta)
            }
        }
    };
    (@with_body $($method:ident $doc:literal),+) => {
        $(
            #[doc = $doc]
            ///
            /// # Errors
            /// As [`get`](Self::get).
            pub fn $method<B: $crate::serde::Serialize + ?Sized, T: $crate::serde::de::DeserializeOwned>(
                &self,
                segments: &[&str],
                body: &B,
            ) -> $crate::core::Result<T> {
                self.0.$method(segments, body)
            }
        )+
    };
}

/// Declares a provider's `Client` and `ClientBuilder` over the shared plumbing, and writes the
/// accessors every `Client` shares — `contacts()`, `raw()`, `base_url()` — over the crate's
/// `Contacts<'_>` (from [`contacts_handle!`](crate::contacts_handle)) and its `Raw<'_>` (from
/// [`raw_handle!`](crate::raw_handle)): one definition, so they read the same in every crate.
///
/// Each struct lists only the provider's own fields: the client's `http: HttpClient` and the
/// builder's `http: HttpConfig` are added here.
#[macro_export]
#[allow(clippy::crate_in_macro_def)] // `crate` is the provider crate that calls it, on purpose
macro_rules! client_types {
    (
        $(#[$client_meta:meta])*
        pub struct Client { $($(#[$field_meta:meta])* $field_vis:vis $field:ident : $field_ty:ty),* $(,)? }
        pub struct ClientBuilder { $($(#[$option_meta:meta])* $option:ident : $option_ty:ty),* $(,)? }
    ) => {
        $(#[$client_meta])*
        #[derive(Debug, Clone)]
        pub struct Client {
            pub(crate) http: $crate::HttpClient,
            $($(#[$field_meta])* $field_vis $field: $field_ty,)*
        }

        /// Options for a [`Client`]; [`Client::builder`] makes one.
        #[derive(Debug)]
        #[must_use]
        pub struct ClientBuilder {
            http: $crate::HttpConfig,
            $($(#[$option_meta])* $option: $option_ty,)*
        }

        impl Client {
            /// The contacts resource: its operations, each one call to the provider (see
            /// [`Contacts`](crate::Contacts)).
            pub fn contacts(&self) -> crate::Contacts<'_> {
                crate::Contacts { client: self, options: $crate::core::CallOptions::new() }
            }

            /// Any endpoint of the provider, through this client's auth, retries, limits and
            /// errors: for what the crate does not wrap (see [`Raw`]).
            pub fn raw(&self) -> Raw<'_> {
                Raw::new(&self.http)
            }

            /// The base URL in use, without a trailing slash.
            pub fn base_url(&self) -> &str {
                self.http.base_url()
            }

            /// A client from the environment variables that
            /// [`ClientBuilder::from_env`](crate::ClientBuilder::from_env) reads.
            ///
            /// # Errors
            /// [`Error::Config`](crate::Error::Config) when a required variable is missing or
            /// empty, or when [`ClientBuilder::build`](crate::ClientBuilder::build) refuses what
            /// they say.
            pub fn from_env() -> $crate::core::Result<Client> {
                crate::ClientBuilder::from_env()?.build()
            }
        }
    };
}

/// Writes an operation and its `_with_meta` twin from one body, so every crate offers the
/// same pair the same way: `op` answers the value, `op_with_meta` the value with the answer's
/// status, headers (`x-total-count` among them where the provider sends it), request id and
/// attempts. The body is `op_with_meta`'s; the docs are `op`'s.
///
/// ```ignore
/// contacts_http::operation! {
///     /// Fetches a contact.
///     pub fn get / get_with_meta(&self, id: &ContactId) -> Contact {
///         self.get_as(id)
///     }
/// }
/// ```
#[macro_export]
macro_rules! operation {
    (
        $(#[$doc:meta])*
        pub fn $name:ident / $with_meta:ident(&$self:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $out:ty $body:block
    ) => {
        $(#[$doc])*
        pub fn $name(&$self $(, $arg: $ty)*) -> $crate::core::Result<$out> {
            Ok($self.$with_meta($($arg),*)?.value)
        }

        #[doc = concat!("Like [`", stringify!($name), "`](Self::", stringify!($name), "), with the answer's status, headers, request id and attempts.")]
        ///
        /// # Errors
        #[doc = concat!("As [`", stringify!($name), "`](Self::", stringify!($name), ").")]
        pub fn $with_meta(&$self $(, $arg: $ty)*) -> $crate::core::Result<$crate::core::WithMeta<$out>> $body
    };
}

/// Writes a provider's contacts resource, `Contacts<'a>`: the client it calls through, the
/// per-call options of its `with` ([`CallOptions`]), and the one way its operations start a request
/// (with those options applied). The operations themselves are the provider's.
///
/// [`CallOptions`]: contacts_core::CallOptions
#[macro_export]
#[allow(clippy::crate_in_macro_def)] // `crate` is the provider crate that calls it, on purpose
macro_rules! contacts_handle {
    ($example:literal) => {
        /// The contacts resource of a [`Client`](crate::Client): `client.contacts()`.
        #[derive(Debug, Clone)]
        pub struct Contacts<'a> {
            pub(crate) client: &'a crate::Client,
            pub(crate) options: $crate::core::CallOptions,
        }

        impl<'a> Contacts<'a> {
            /// The same resource, its calls made with these
            /// [`CallOptions`](crate::CallOptions) (timeout, retries, deadline, headers)
            /// instead of the client's settings.
            ///
            /// ```
            #[doc = $example]
            /// ```
            #[must_use]
            pub fn with(mut self, options: $crate::core::CallOptions) -> Self {
                self.options = options;
                self
            }

            /// A request below the base URL, with this handle's options applied.
            fn request(
                &self,
                method: $crate::core::Method,
                segments: &[&str],
            ) -> $crate::core::Result<$crate::RequestBuilder<'a>> {
                Ok(self.client.http.request(method, segments)?.options(&self.options))
            }
        }
    };
}
