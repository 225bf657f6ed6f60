use contacts_core::{FieldError, HttpResponse, Provider, RetryPolicy, Secret};
use contacts_http::Auth;
use contacts_http::env::required;
use serde::Deserialize;

use crate::{Error, Result};

/// The per-request timeout TheCleanLife's documents recommend: this client's default
/// (`timeout` changes it).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// How long TheCleanLife's documents say to wait after a 429 (its limit is a 60 s sliding
/// window and the answer has no `Retry-After`): what such an error's `retry_after()` reports.
pub const RATE_LIMIT_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

contacts_http::raw_handle!(
    "TheCleanLife",
    "let client = cleanlife_partners::Client::new(\"pk_live_…\")?;\nlet services: serde_json::Value = client.raw().get(&[\"partners\", \"services\"], &[])?;\n# Ok::<(), cleanlife_partners::Error>(())"
);

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

contacts_http::client_types! {
    /// A TheCleanLife partners client. Cheap to clone: clones share one connection pool.
    ///
    /// ```no_run
    /// let client = cleanlife_partners::Client::new("pk_live_…")?;
    /// # Ok::<(), cleanlife_partners::Error>(())
    /// ```
    pub struct Client {}
    pub struct ClientBuilder {
        api_key: Option<Secret>,
        environment: Environment,
    }
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
        let mut http = contacts_http::http_config!(Provider::CleanLife);
        // The rate limit is a 60 s window without Retry-After: sleeping a minute inside a call
        // surprises people, so the error says when to try again instead.
        http.set_retry_policy(RetryPolicy::default().retry_429_without_retry_after(false));
        // The getting-started page recommends a 30 s timeout per request.
        http.set_timeout(REQUEST_TIMEOUT);
        ClientBuilder { http, api_key: None, environment: Environment::Production }
    }
}

impl ClientBuilder {
    /// A builder from `CLEANLIFE_API_KEY` and, when set, `CLEANLIFE_BASE_URL`, to change more
    /// before [`build`](Self::build).
    ///
    /// # Errors
    /// [`Error::Config`] when `CLEANLIFE_API_KEY` is missing or empty.
    pub fn from_env() -> Result<ClientBuilder> {
        Ok(Client::builder().api_key(required("CLEANLIFE_API_KEY")?).base_url_from_env("CLEANLIFE_BASE_URL"))
    }

    contacts_core::setters! {
        /// The partner API key, sent as `x-api-key` (never in the query, where it would be
        /// logged). Required.
        pub fn api_key(api_key: impl Into<Secret>) = some_into;
        /// Production or sandbox. Defaults to [`Environment::Production`]; `base_url` overrides
        /// both.
        pub fn environment(environment: Environment) = value;
    }

    contacts_http::http_builder_methods!();

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
        .with_body(contacts_http::snippet(body))
        .with_rate_limited(rate_limited);
    if rate_limited {
        // The documents' advice, as data: a 429 here carries no Retry-After.
        e = e.with_retry_after(RATE_LIMIT_WINDOW);
    }
    if let Some(code) = code {
        e = e.with_code(code);
    }
    if let Some(id) = error.request_id {
        e = e.with_request_id(id);
    }
    Some(e)
}
