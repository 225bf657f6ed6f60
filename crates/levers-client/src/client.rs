use std::sync::Arc;
use std::time::Duration;

use contacts_core::{FieldError, HttpResponse, Provider, ResponseMeta, RetryPolicy, Secret, Sleeper, Transport};
use contacts_http::env::{optional_in, process};
use contacts_http::{Auth, HttpClient, HttpConfig};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Contacts, Error, Result};

/// The only host Levers' public reference shows: every example there uses it, and it is
/// Levers' **development** server. Not a default: a production host is not documented, so the
/// caller names the base URL (`Client::new(base_url, token)`, `base_url(…)` or
/// `LEVERS_BASE_URL`); pass this constant to talk to the development server on purpose.
pub const DOCUMENTED_BASE_URL: &str = "https://api.dev.uselevers.com/api-service/v1";

/// What `build` says when no base URL was given.
const NO_BASE_URL: &str = "a base URL is required: base_url(…) or LEVERS_BASE_URL (Levers documents no production \
     host; its public reference shows only its development server, https://api.dev.uselevers.com/api-service/v1)";

const API_SUFFIX: &str = "/api-service/v1";
const AUTH_PATH: &str = "/auth/v1/api-key/auth";

/// A Levers client. Cheap to clone: clones share one connection pool and one cached token.
///
/// ```no_run
/// let base_url = "https://levers.example.com/api-service/v1"; // your Levers host
/// let client = levers_client::Client::new(base_url, "eyJ…")?;
/// let client = levers_client::Client::builder().base_url(base_url).client_credentials("id", "secret").build()?;
/// # Ok::<(), levers_client::Error>(())
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
    token: Option<Secret>,
    credentials: Option<(Secret, Secret)>,
    auth_url: Option<String>,
}

impl Client {
    /// A client for the Levers API at `base_url` (scheme, host and the `/api-service/v1`
    /// prefix) with a ready bearer token. There is no default host: Levers documents only its
    /// development server ([`DOCUMENTED_BASE_URL`]).
    ///
    /// # Errors
    /// [`Error::Config`] when the token is empty or the base URL is not usable.
    pub fn new(base_url: impl Into<String>, token: impl Into<Secret>) -> Result<Client> {
        Client::builder().base_url(base_url).token(token).build()
    }

    /// A builder for every option.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            http: HttpConfig::new(Provider::LEVERS, env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")),
            token: None,
            credentials: None,
            auth_url: None,
        }
    }

    /// The contacts resource: its operations, each one call to Levers (see [`Contacts`]).
    pub fn contacts(&self) -> Contacts<'_> {
        Contacts::new(self)
    }

    /// Any Levers endpoint, through this client's auth, retries, limits and errors: for what
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
    /// A builder from `LEVERS_TOKEN` (or `LEVERS_CLIENT_ID` and `LEVERS_CLIENT_SECRET`) and
    /// `LEVERS_BASE_URL`, to change more before [`build`](Self::build). There is no default
    /// host: without `LEVERS_BASE_URL` (or a [`base_url`](Self::base_url) set afterwards),
    /// `build` refuses, naming the variable and the development host Levers documents.
    ///
    /// # Errors
    /// [`Error::Config`] when neither a token nor both credentials are set.
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
        let optional = |name: &str| optional_in(&vars, name);
        let builder = match (optional("LEVERS_TOKEN"), optional("LEVERS_CLIENT_ID"), optional("LEVERS_CLIENT_SECRET")) {
            (Some(token), _, _) => Client::builder().token(token),
            (None, Some(id), Some(secret)) => Client::builder().client_credentials(id, secret),
            _ => return Err(Error::config("set LEVERS_TOKEN, or LEVERS_CLIENT_ID and LEVERS_CLIENT_SECRET")),
        };
        Ok(match optional("LEVERS_BASE_URL") {
            Some(url) => builder.base_url(url),
            None => builder,
        })
    }

    /// A ready JWT, sent as `Authorization: Bearer <token>`. A 401 is returned as an error.
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self.credentials = None;
        self
    }

    /// An API client id and secret: exchanged for a JWT on first use, cached, and exchanged
    /// again (once) when Levers answers 401.
    pub fn client_credentials(mut self, client_id: impl Into<Secret>, client_secret: impl Into<Secret>) -> Self {
        self.credentials = Some((client_id.into(), client_secret.into()));
        self.token = None;
        self
    }

    /// The token endpoint. Defaults to `/auth/v1/api-key/auth` beside (not under) the API:
    /// the base URL with `/api-service/v1` replaced, or on the base URL's host. It passes the
    /// same check as the base URL: `https`, or plain `http` to loopback only unless
    /// `allow_insecure_http(true)` — the client secret is sent to it.
    pub fn auth_url(mut self, url: impl Into<String>) -> Self {
        self.auth_url = Some(url.into());
        self
    }

    /// Sets the base URL (scheme, host and the `/api-service/v1` prefix). Required: there is
    /// no default, as the only host Levers' public reference shows is its development server
    /// ([`DOCUMENTED_BASE_URL`]); `LEVERS_BASE_URL` sets it in [`from_env`](Self::from_env).
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
    /// [`RetryPolicy::default`]: 2 retries, backoff 0.5 s to 8 s with jitter, `Retry-After`
    /// honoured up to 60 s.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.http.set_retry_policy(policy);
        self
    }

    /// Changes one knob of the retry policy in force (this crate's default, or what
    /// [`retry_policy`](Self::retry_policy) set), keeping the others: `change` gets it and
    /// returns the one to use. `.retry(|p| p.max_retries(5))` retries five times, everything else as it was.
    pub fn retry(mut self, change: impl FnOnce(RetryPolicy) -> RetryPolicy) -> Self {
        let policy = change(self.http.retry_policy().clone());
        self.http.set_retry_policy(policy);
        self
    }

    /// Sets the `User-Agent` header. Defaults to `levers-client/<version>`.
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
    /// [`Error::Config`] without a base URL, a token or credentials, or with an unusable base
    /// URL.
    pub fn build(mut self) -> Result<Client> {
        if self.http.base_url().is_none() {
            return Err(Error::config(NO_BASE_URL));
        }
        let auth = match (self.token, self.credentials) {
            (Some(token), _) if !token.is_empty() => Auth::bearer(&token),
            (None, Some((client_id, client_secret))) if !client_id.is_empty() && !client_secret.is_empty() => {
                #[derive(serde::Serialize)]
                #[serde(rename_all = "camelCase")]
                struct Body<'a> {
                    client_id: &'a str,
                    client_secret: &'a str,
                }
                let body = Body { client_id: client_id.expose(), client_secret: client_secret.expose() };
                let body = serde_json::to_string(&body).map_err(|e| Error::config(e.to_string()))?;
                let base = self.http.base_url().ok_or_else(|| Error::config(NO_BASE_URL))?;
                let auth_url = self.auth_url.unwrap_or_else(|| default_auth_url(base));
                Auth::bearer_exchange(auth_url, Secret::new(body), "access_token")
            }
            _ => {
                return Err(Error::config(
                    "a token(…) or client_credentials(id, secret) is required (or LEVERS_TOKEN / LEVERS_CLIENT_ID + LEVERS_CLIENT_SECRET)",
                ));
            }
        };
        self.http.set_auth(auth);
        Ok(Client { http: self.http.build(decode_error)? })
    }
}

/// `https://h/api-service/v1` -> `https://h/auth/v1/api-key/auth`; other bases: on their host.
fn default_auth_url(base: &str) -> String {
    if let Some(prefix) = base.strip_suffix(API_SUFFIX) {
        return format!("{prefix}{AUTH_PATH}");
    }
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let origin_end = base[after_scheme..].find('/').map_or(base.len(), |i| after_scheme + i);
    format!("{}{AUTH_PATH}", &base[..origin_end])
}

/// Any Levers endpoint, wrapped by this crate or not, through the client's own auth,
/// retries, limits, timeouts and errors: [`Client::raw`] hands it out.
///
/// Paths are segments below the client's base URL, each percent-encoded. A POST is not repeated
/// once it may have reached the server; GET, PUT and DELETE are retried as the client's policy
/// says. Answers come back as Levers sent them (`serde_json::Value` or your type), envelopes
/// included.
///
/// ```no_run
/// let client = levers_client::Client::new("https://api.example.com/api-service/v1", "eyJ…")?;
/// let contact: serde_json::Value = client.raw().get(&["contact", "3c90c3cc-0d44-4b50-8888-8dd25736052a"], &[])?;
/// # Ok::<(), levers_client::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a>(contacts_http::Raw<'a>);

impl Raw<'_> {
    /// `GET` a Levers path, with `query` pairs, and decode the answer.
    ///
    /// # Errors
    /// Levers's error, a transport failure, or [`Error::Decode`].
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
    /// Levers's error or a transport failure.
    pub fn delete(&self, segments: &[&str]) -> Result<ResponseMeta> {
        self.0.delete(segments).map(contacts_http::Response::into_meta)
    }
}

#[derive(Deserialize)]
struct FastApiError {
    detail: Detail,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Detail {
    Items(Vec<DetailItem>),
    Text(String),
    Other(serde_json::Value),
}

#[derive(Deserialize)]
struct DetailItem {
    #[serde(default)]
    loc: Vec<serde_json::Value>,
    #[serde(default)]
    msg: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

/// FastAPI's `{"detail": [{loc, msg, type}]}` or `{"detail": "…"}` onto [`Error`].
pub(crate) fn decode_error(response: &HttpResponse) -> Error {
    // Only FastAPI's own shape is Levers speaking: a 404 page from a proxy or a wrong base URL
    // is not "no such contact".
    let Ok(FastApiError { detail }) = serde_json::from_slice::<FastApiError>(&response.body) else {
        return contacts_http::default_error(response);
    };
    let (message, field_errors) = match detail {
        Detail::Text(text) => (text, Vec::new()),
        Detail::Items(items) => {
            let errors: Vec<FieldError> = items
                .into_iter()
                .map(|item| {
                    // loc is ["body", "secondaryContacts", 0, "email"]: drop the "body" root.
                    let parts: Vec<String> = item
                        .loc
                        .iter()
                        .skip_while(|p| p.as_str() == Some("body"))
                        .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                        .collect();
                    let field = if parts.is_empty() { "body".to_owned() } else { parts.join(".") };
                    let e = FieldError::new(field, item.msg);
                    match item.kind {
                        Some(kind) => e.with_kind(kind),
                        None => e,
                    }
                })
                .collect();
            let message =
                errors.iter().map(|e| format!("{}: {}", e.field(), e.message())).collect::<Vec<_>>().join("; ");
            (message, errors)
        }
        Detail::Other(v) => (v.to_string(), Vec::new()),
    };
    if response.status == 404 {
        return Error::not_found(404, message);
    }
    // FastAPI sends no code of its own: none is invented.
    let error = Error::api(response.status, message)
        .with_field_errors(field_errors)
        .with_body(contacts_http::snippet(&response.body));
    // FastAPI's request validation answers 422 with its per-field details.
    if response.status == 422 { error.with_input_rejected() } else { error }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_auth_url_sits_beside_the_api() {
        use super::default_auth_url as f;
        assert_eq!(
            f("https://api.dev.uselevers.com/api-service/v1"),
            "https://api.dev.uselevers.com/auth/v1/api-key/auth"
        );
        assert_eq!(f("http://127.0.0.1:9/levers/api-service/v1"), "http://127.0.0.1:9/levers/auth/v1/api-key/auth");
        assert_eq!(f("http://127.0.0.1:9/other"), "http://127.0.0.1:9/auth/v1/api-key/auth");
        assert_eq!(f("http://127.0.0.1:9"), "http://127.0.0.1:9/auth/v1/api-key/auth");
    }
}
