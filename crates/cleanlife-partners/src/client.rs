use std::sync::Arc;
use std::time::Duration;

use contacts_core::{FieldError, HttpResponse, Provider, ResponseMeta, RetryPolicy, Secret, Sleeper, Transport};
use contacts_http::env::{optional_in, process, required_in};
use contacts_http::{Auth, HttpClient, HttpConfig};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Contacts, Error, Result};

/// The per-request timeout TheCleanLife's documents recommend: this client's default
/// (`timeout` changes it).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// How long TheCleanLife's documents say to wait after a 429 (its limit is a 60 s sliding
/// window and the answer has no `Retry-After`): what such an error's `retry_after()` reports.
pub const RATE_LIMIT_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// The documented production URL (the default; [`Environment::Sandbox`] selects the sandbox).
pub const DEFAULT_BASE_URL: &str = "https://api.cleanlife.sa/v1";

/// Which TheCleanLife deployment to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Environment {
    /// `https://api.cleanlife.sa/v1` (the default).
    #[default]
    Production,
    /// `https://apiv3.thecleanlife.dev/v1`, for `pk_sandbox_…` keys.
    Sandbox,
}

impl Environment {
    /// The documented base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Environment::Production => DEFAULT_BASE_URL,
            Environment::Sandbox => "https://apiv3.thecleanlife.dev/v1",
        }
    }
}

/// What `build` says when no key was given.
const NO_API_KEY: &str = "an API key is required: api_key(\"pk_…\") or CLEANLIFE_API_KEY";

/// A TheCleanLife partners client. Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// let client = cleanlife_partners::Client::new("pk_live_…")?;
/// # Ok::<(), cleanlife_partners::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) http: HttpClient,
}

/// Options for a [`Client`]; [`Client::builder`] makes one.
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    http: HttpConfig,
    api_key: Option<Secret>,
    environment: Environment,
}

impl Client {
    /// A production client with an API key.
    ///
    /// # Errors
    /// [`Error::Config`] when the key is empty.
    pub fn new(api_key: impl Into<Secret>) -> Result<Client> {
        Client::builder().api_key(api_key).build()
    }

    /// A builder for every option.
    pub fn builder() -> ClientBuilder {
        let mut http = HttpConfig::new(Provider::CLEANLIFE, env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));
        // The rate limit is a 60 s window without Retry-After: sleeping a minute inside a call
        // surprises people, so the error says when to try again instead.
        http.set_retry_policy(RetryPolicy::default().retry_429_without_retry_after(false));
        // The getting-started page recommends a 30 s timeout per request.
        http.set_timeout(REQUEST_TIMEOUT);
        ClientBuilder { http, api_key: None, environment: Environment::Production }
    }

    /// The contacts resource: its operations, each one call to TheCleanLife (see [`Contacts`]).
    pub fn contacts(&self) -> Contacts<'_> {
        Contacts::new(self)
    }

    /// Any TheCleanLife endpoint, through this client's auth, retries, limits and errors: for what
    /// the crate does not wrap (see [`Raw`]).
    pub fn raw(&self) -> Raw<'_> {
        Raw(contacts_http::Raw::new(&self.http))
    }

    /// The base URL in use, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.http.base_url()
    }

    /// A client from the environment variables that [`ClientBuilder::from_env`] reads.
    ///
    /// # Errors
    /// [`Error::Config`] when a required variable is missing or empty, or when
    /// [`ClientBuilder::build`] refuses what they say.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env()?.build()
    }
}

impl ClientBuilder {
    /// A builder from `CLEANLIFE_API_KEY` and, when set, `CLEANLIFE_BASE_URL`, to change more
    /// before [`build`](Self::build).
    ///
    /// # Errors
    /// [`Error::Config`] when `CLEANLIFE_API_KEY` is missing or empty.
    pub fn from_env() -> Result<ClientBuilder> {
        ClientBuilder::from_vars(process)
    }

    /// As [`from_env`](Self::from_env), reading the same names from `vars` instead of the
    /// process's environment: a program's own configuration, or an in-process sandbox's
    /// `Sandbox::env()`, with no `std::env::set_var`.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(vars: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder> {
        let builder = Client::builder().api_key(required_in(&vars, "CLEANLIFE_API_KEY")?);
        Ok(match optional_in(&vars, "CLEANLIFE_BASE_URL") {
            Some(url) => builder.base_url(url),
            None => builder,
        })
    }

    /// The partner API key, sent as `x-api-key` (never in the query, where it would be
    /// logged). Required.
    pub fn api_key(mut self, api_key: impl Into<Secret>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// Production or sandbox. Defaults to [`Environment::Production`]; `base_url` overrides
    /// both.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Sets the base URL (scheme, host and the `/v1` prefix), overriding
    /// [`environment`](Self::environment). Defaults to the environment's documented URL
    /// ([`DEFAULT_BASE_URL`] for production); `CLEANLIFE_BASE_URL` sets it in
    /// [`from_env`](Self::from_env).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.http.set_base_url(url);
        self
    }

    /// Sets the timeout for each phase of a request: sending it, waiting for the answer's head,
    /// and reading its body (so one attempt ends within `connect_timeout` + 3 × this at worst;
    /// see [`deadline`](Self::deadline) for a bound on the whole call). Defaults to 30 s ([`REQUEST_TIMEOUT`], the documents' recommendation).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.set_timeout(timeout);
        self
    }

    /// Sets the timeout for connecting. Defaults to 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http.set_connect_timeout(timeout);
        self
    }

    /// Bounds a whole call, retries and the waits between them included: no retry starts once
    /// it would end past the deadline. Defaults to none.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.http.set_deadline(Some(deadline));
        self
    }

    /// Sets which failed calls are repeated, replacing this crate's default policy:
    /// [`RetryPolicy::default`] with one change: a 429 without `Retry-After` is not retried
    /// (TheCleanLife's window is 60 s; the error's `retry_after()` says when to try again). So:
    /// 2 retries of connection failures, 408 and 5xx, backoff 0.5 s to 8 s with jitter,
    /// `Retry-After` honoured up to 60 s.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.http.set_retry_policy(policy);
        self
    }

    /// Changes one knob of the retry policy in force (this crate's default, or what
    /// [`retry_policy`](Self::retry_policy) set), keeping the others: `change` gets it and
    /// returns the one to use. `.retry(|p| p.max_retries(5))` retries five times, a 429 without `Retry-After` still not retried.
    pub fn retry(mut self, change: impl FnOnce(RetryPolicy) -> RetryPolicy) -> Self {
        let policy = change(self.http.retry_policy().clone());
        self.http.set_retry_policy(policy);
        self
    }

    /// Sets the `User-Agent` header. Defaults to `cleanlife-partners/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.http.set_user_agent(user_agent);
        self
    }

    /// Sends through your own [`Transport`] instead of ureq: to record, replay or wrap calls.
    /// Defaults to ureq.
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.http.set_transport(Arc::new(transport));
        self
    }

    /// Waits between retries with this [`Sleeper`] (tests inject one that returns at once).
    /// Defaults to `std::thread::sleep`.
    pub fn sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.http.set_sleeper(Arc::new(sleeper));
        self
    }

    /// Sets the largest response body accepted, in bytes. Defaults to 32 MiB.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.http.set_max_response_bytes(bytes);
        self
    }

    /// Sends every call through this proxy (`http://host:port`, `socks5://host:port`). Defaults
    /// to the environment: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` (upper or lower case) and
    /// `NO_PROXY`, as ureq and curl read them. A call to loopback never goes through a proxy.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.http.set_proxy(url);
        self
    }

    /// Ignores the proxy environment variables: every call goes direct. Defaults to reading
    /// them (see [`proxy`](Self::proxy)).
    pub fn no_proxy(mut self) -> Self {
        self.http.set_no_proxy();
        self
    }

    /// Allows a plain `http://` URL on a host other than loopback (credentials then cross the
    /// network in clear). Defaults to `false`.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.http.set_allow_insecure_http(allow);
        self
    }

    /// Makes the client.
    ///
    /// # Errors
    /// [`Error::Config`] when the key is missing or empty or the base URL is not usable.
    pub fn build(mut self) -> Result<Client> {
        let key = contacts_http::required_secret(self.api_key.take(), NO_API_KEY)?;
        if self.http.base_url().is_none() {
            self.http.set_base_url(self.environment.base_url());
        }
        self.http.set_auth(Auth::header("x-api-key", key));
        Ok(Client { http: self.http.build(decode_error)? })
    }
}

/// Any TheCleanLife endpoint, wrapped by this crate or not, through the client's own auth,
/// retries, limits, timeouts and errors: [`Client::raw`] hands it out.
///
/// Paths are segments below the client's base URL, each percent-encoded. A POST is not repeated
/// once it may have reached the server; GET, PUT and DELETE are retried as the client's policy
/// says. Answers come back as TheCleanLife sent them (`serde_json::Value` or your type), envelopes
/// included.
///
/// ```no_run
/// let client = cleanlife_partners::Client::new("pk_live_…")?;
/// let services: serde_json::Value = client.raw().get(&["partners", "services"], &[])?;
/// # Ok::<(), cleanlife_partners::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a>(contacts_http::Raw<'a>);

impl Raw<'_> {
    /// `GET` a TheCleanLife path, with `query` pairs, and decode the answer.
    ///
    /// # Errors
    /// TheCleanLife's error, a transport failure, or [`Error::Decode`].
    pub fn get<T: DeserializeOwned>(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<T> {
        self.0.get(segments, query)
    }

    /// `POST` a JSON body and decode the answer. Sent once if it may have reached the server.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn post<B: Serialize + ?Sized, T: DeserializeOwned>(&self, segments: &[&str], body: &B) -> Result<T> {
        self.0.post(segments, body)
    }

    /// `PUT` a JSON body and decode the answer.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn put<B: Serialize + ?Sized, T: DeserializeOwned>(&self, segments: &[&str], body: &B) -> Result<T> {
        self.0.put(segments, body)
    }

    /// `DELETE`, returning the answer's metadata (its body may be empty).
    ///
    /// # Errors
    /// TheCleanLife's error or a transport failure.
    pub fn delete(&self, segments: &[&str]) -> Result<ResponseMeta> {
        self.0.delete(segments).map(contacts_http::Response::into_meta)
    }
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    details: Option<serde_json::Value>,
    #[serde(default)]
    request_id: Option<String>,
}

/// Request fields, to attribute NestJS messages ("phone must be …") to a field.
const FIELDS: [&str; 3] = ["phone", "name", "utmSource"];

/// NestJS puts its complaints in `details.message` (a string or a list of strings).
fn field_errors(details: Option<&serde_json::Value>) -> Vec<FieldError> {
    let messages: Vec<&str> = match details.and_then(|d| d.get("message")) {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|m| m.as_str()).collect(),
        Some(serde_json::Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    };
    messages
        .into_iter()
        .map(|m| {
            let first = m.split_whitespace().next().unwrap_or_default();
            let field = FIELDS.iter().find(|f| **f == first).copied().unwrap_or("body");
            FieldError::new(field, m)
        })
        .collect()
}

/// Maps `{success: false, error: {code, message, details, requestId}}` onto [`Error`].
pub(crate) fn decode_error(response: &HttpResponse) -> Error {
    envelope_error(response.status, &response.body).unwrap_or_else(|| contacts_http::default_error(response))
}

/// The error an envelope describes, if the body is one.
pub(crate) fn envelope_error(status: u16, body: &[u8]) -> Option<Error> {
    let ErrorEnvelope { error } = serde_json::from_slice(body).ok()?;
    let code = error.code;
    let mut message = error.message.unwrap_or_else(|| format!("http status {status}"));
    // The errors page names the 404 code RESOURCE_NOT_FOUND, the best-practices page NOT_FOUND.
    if matches!(code.as_deref(), Some("RESOURCE_NOT_FOUND" | "NOT_FOUND")) || (status == 404 && code.is_none()) {
        let mut e = Error::not_found(status, message);
        // The provider's own code stays on the error (`RESOURCE_NOT_FOUND`).
        if let Some(code) = code {
            e = e.with_code(code);
        }
        if let Some(id) = error.request_id {
            e = e.with_request_id(id);
        }
        return Some(e);
    }
    let rate_limited = code.as_deref() == Some("RATE_LIMIT_EXCEEDED") || status == 429;
    if rate_limited {
        message.push_str(" (the limit is per key over a 60 s window: wait 60 s or more before trying again)");
    }
    let mut e = Error::api(status, message)
        .with_field_errors(field_errors(error.details.as_ref()))
        .with_body(contacts_http::snippet(body));
    if code.as_deref() == Some("VALIDATION_ERROR") {
        e = e.with_input_rejected();
    }
    if rate_limited {
        // The documents' advice, as data: a 429 here carries no Retry-After.
        e = e.with_rate_limited().with_retry_after(RATE_LIMIT_WINDOW);
    }
    if let Some(code) = code {
        e = e.with_code(code);
    }
    if let Some(id) = error.request_id {
        e = e.with_request_id(id);
    }
    Some(e)
}
