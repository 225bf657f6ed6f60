use std::sync::Arc;
use std::time::Duration;

use contacts_core::{HttpResponse, Provider, ResponseMeta, RetryPolicy, Secret, Sleeper, Transport};
use contacts_http::env::{optional_in, process, required_in};
use contacts_http::{Auth, HttpClient, HttpConfig};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Contacts, Error, Result};

/// The documented production URL.
pub const DEFAULT_BASE_URL: &str = "https://api.previsto.io";

/// Previsto's rate-limit window: 120 requests a minute per key, and a 429 with no
/// `Retry-After`. Such a 429 is not retried by default (a sub-second retry would land in the
/// same window, a minute's sleep inside a call surprises); the error's `retry_after()` is this.
pub const RATE_LIMIT_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// What `build` says when no key was given.
const NO_API_KEY: &str = "an API key is required: api_key(\"sk_…\") or PREVISTO_API_KEY";

/// A Previsto client. Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// let client = previsto::Client::new("sk_12345")?;
/// # Ok::<(), previsto::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) http: HttpClient,
    /// A public key (`pk_…`) may only create contacts.
    pub(crate) public_key: bool,
}

/// Options for a [`Client`]; [`Client::builder`] makes one.
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    http: HttpConfig,
    api_key: Option<Secret>,
}

impl Client {
    /// A client for the production API with a secret key (`sk_…`).
    ///
    /// # Errors
    /// [`Error::Config`] when the key is empty.
    pub fn new(api_key: impl Into<Secret>) -> Result<Client> {
        Client::builder().api_key(api_key).build()
    }

    /// A builder for every option.
    pub fn builder() -> ClientBuilder {
        let mut http = HttpConfig::new(Provider::PREVISTO, env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));
        http.set_default_base_url(DEFAULT_BASE_URL);
        // The limit is a minute's window and its 429 has no Retry-After: not retried into it.
        http.set_retry_policy(RetryPolicy::default().retry_429_without_retry_after(false));
        ClientBuilder { http, api_key: None }
    }

    /// The contacts resource: its operations, each one call to Previsto (see [`Contacts`]).
    pub fn contacts(&self) -> Contacts<'_> {
        Contacts::new(self)
    }

    /// Any Previsto endpoint, through this client's auth, retries, limits and errors: for what
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
    /// A builder from `PREVISTO_API_KEY` and, when set, `PREVISTO_BASE_URL`, to change more
    /// before [`build`](Self::build).
    ///
    /// # Errors
    /// [`Error::Config`] when `PREVISTO_API_KEY` is missing or empty.
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
        let builder = Client::builder().api_key(required_in(&vars, "PREVISTO_API_KEY")?);
        Ok(match optional_in(&vars, "PREVISTO_BASE_URL") {
            Some(url) => builder.base_url(url),
            None => builder,
        })
    }

    /// The secret key (`sk_…`), sent as the Basic-auth user name with an empty password.
    /// A public key (`pk_…`) may only create contacts: with one, every other operation returns
    /// [`Error::Config`] before sending. Required.
    pub fn api_key(mut self, api_key: impl Into<Secret>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// Sets the base URL (scheme, host and any path prefix). Defaults to
    /// [`DEFAULT_BASE_URL`], Previsto's documented production URL; `PREVISTO_BASE_URL` sets it
    /// in [`from_env`](Self::from_env).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.http.set_base_url(url);
        self
    }

    /// Sets the timeout for each phase of a request: sending it, waiting for the answer's head,
    /// and reading its body (so one attempt ends within `connect_timeout` + 3 × this at worst;
    /// see [`deadline`](Self::deadline) for a bound on the whole call). Defaults to 60 s.
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
    /// [`RetryPolicy::default`] with one change, a 429 without `Retry-After` is not retried
    /// (Previsto's window is a minute, [`RATE_LIMIT_WINDOW`]; the error's `retry_after()` says
    /// when to try again). So: 2 retries of connection failures, 408 and 5xx, backoff 0.5 s to
    /// 8 s with jitter, `Retry-After` honoured up to 60 s.
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

    /// Sets the `User-Agent` header. Defaults to `previsto/<version>`.
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
        let public_key = key.expose().starts_with("pk_");
        // `-u sk_12345:`: the key is the user name, the password is empty.
        self.http.set_auth(Auth::basic(&key, &Secret::new("")));
        Ok(Client { http: self.http.build(decode_error)?, public_key })
    }
}

/// Any Previsto endpoint, wrapped by this crate or not, through the client's own auth,
/// retries, limits, timeouts and errors: [`Client::raw`] hands it out.
///
/// Paths are segments below the client's base URL, each percent-encoded. A POST is not repeated
/// once it may have reached the server; GET, PUT and DELETE are retried as the client's policy
/// says. Answers come back as Previsto sent them (`serde_json::Value` or your type), envelopes
/// included.
///
/// ```no_run
/// let client = previsto::Client::new("sk_12345")?;
/// let jobs: serde_json::Value = client.raw().get(&["jobs"], &[])?;
/// # Ok::<(), previsto::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a>(contacts_http::Raw<'a>);

impl Raw<'_> {
    /// `GET` a Previsto path, with `query` pairs, and decode the answer.
    ///
    /// # Errors
    /// Previsto's error, a transport failure, or [`Error::Decode`].
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
    /// Previsto's error or a transport failure.
    pub fn delete(&self, segments: &[&str]) -> Result<ResponseMeta> {
        self.0.delete(segments).map(contacts_http::Response::into_meta)
    }
}

/// Previsto's error body: `{type, message, param}`.
#[derive(serde::Deserialize)]
struct ErrorBody {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    param: Option<String>,
}

/// Maps `{type, message, param}` and the documented statuses onto [`Error`]; a 429 that does
/// not say how long to wait carries Previsto's documented window.
pub(crate) fn decode_error(response: &HttpResponse) -> Error {
    let error = decode_answer(response);
    if response.status == 429 && response.header("retry-after").is_none() {
        return error.with_retry_after(RATE_LIMIT_WINDOW);
    }
    error
}

fn decode_answer(response: &HttpResponse) -> Error {
    // Only an answer in Previsto's own shape is Previsto speaking: a 404 page from a proxy or
    // a wrong base URL is not "no such contact".
    let body = match serde_json::from_slice::<ErrorBody>(&response.body) {
        Ok(body) if body.kind.is_some() || body.message.is_some() => body,
        _ => return contacts_http::default_error(response),
    };
    let message = body.message.unwrap_or_else(|| match response.status {
        402 => "request failed".to_owned(),
        429 => "too many requests (120 per minute per key)".to_owned(),
        s => format!("http status {s}"),
    });
    if response.status == 404 {
        // Previsto's `type` stays on the error, as on every other refusal.
        let e = Error::not_found(404, message);
        return match body.kind {
            Some(kind) => e.with_code(kind),
            None => e,
        };
    }
    let field_errors = body.param.map(|p| vec![contacts_core::FieldError::new(p, message.clone())]).unwrap_or_default();
    let mut error = Error::api(response.status, message)
        .with_field_errors(field_errors)
        .with_body(contacts_http::snippet(&response.body));
    // A 400 is Previsto refusing the request it was sent (`invalid_request_error`, its `param`).
    if response.status == 400 {
        error = error.with_input_rejected();
    }
    if let Some(kind) = body.kind {
        error = error.with_code(kind);
    }
    error
}
