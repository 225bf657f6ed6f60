//! The one way a client attaches credentials: an [`Auth`] held by the [`HttpClient`] and
//! applied on every attempt, inside the retry loop.
//!
//! [`HttpClient`]: crate::HttpClient

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use contacts_core::{Error, Result, Secret};

type ValueFn = dyn Fn() -> Result<Secret> + Send + Sync;

/// How a client proves who it is. Set with [`HttpConfig::set_auth`](crate::HttpConfig::set_auth).
///
/// - [`Auth::basic`]: HTTP Basic (Previsto: the secret key as user name, empty password).
/// - [`Auth::header`]: a fixed header value (TheCleanLife's `x-api-key`, the portal's
///   `Authorization`).
/// - [`Auth::header_from`]: a header value asked for before every attempt (values that expire).
/// - [`Auth::bearer`] and [`Auth::bearer_exchange`]: `Authorization: Bearer …`, either a ready
///   token or one obtained from a token endpoint, cached, and renewed once when the API answers
///   401 (Levers).
///
/// Every value is kept as a [`Secret`] and sent as a sensitive header, which no `Debug` shows.
#[derive(Clone)]
pub struct Auth(pub(crate) Kind);

#[derive(Clone)]
pub(crate) enum Kind {
    None,
    Header { name: &'static str, value: Secret },
    From { name: &'static str, get: Arc<ValueFn> },
    Exchange(Arc<Exchange>),
}

/// A token endpoint and the token it last gave.
pub(crate) struct Exchange {
    pub(crate) url: String,
    /// The JSON body sent to the token endpoint: it holds the client secret.
    pub(crate) body: Secret,
    /// The field of the answer that holds the token.
    pub(crate) token_field: &'static str,
    /// The cached token. Held while a renewal runs, so only one thread renews at a time and
    /// the others wait for its token.
    pub(crate) cached: Mutex<Option<Secret>>,
}

impl Auth {
    /// No credentials.
    pub fn none() -> Self {
        Auth(Kind::None)
    }

    /// HTTP Basic: `Authorization: Basic base64(user:password)`.
    pub fn basic(user: &Secret, password: &Secret) -> Self {
        use base64::Engine;
        let pair = format!("{}:{}", user.expose(), password.expose());
        let value = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair));
        Auth(Kind::Header { name: "authorization", value: Secret::new(value) })
    }

    /// A header with a fixed value, e.g. `x-api-key`.
    pub fn header(name: &'static str, value: Secret) -> Self {
        Auth(Kind::Header { name, value })
    }

    /// A header whose value `get` gives before every attempt. An error from `get` ends the call
    /// before anything is sent.
    pub fn header_from(name: &'static str, get: impl Fn() -> Result<Secret> + Send + Sync + 'static) -> Self {
        Auth(Kind::From { name, get: Arc::new(get) })
    }

    /// `Authorization: Bearer <token>` with a ready token.
    pub fn bearer(token: &Secret) -> Self {
        Auth(Kind::Header { name: "authorization", value: Secret::new(format!("Bearer {}", token.expose())) })
    }

    /// `Authorization: Bearer <token>` with a token obtained by `POST url` with the JSON `body`,
    /// read from the answer's `token_field`. The token is fetched on first use and cached; when
    /// the API answers 401 the client renews it — once per call, one renewal at a time, and
    /// only if the token that failed is still the cached one — and repeats the call once.
    /// `url` passes the same check as the base URL when the client is built.
    pub fn bearer_exchange(url: impl Into<String>, body: Secret, token_field: &'static str) -> Self {
        Auth(Kind::Exchange(Arc::new(Exchange { url: url.into(), body, token_field, cached: Mutex::new(None) })))
    }

    /// The URLs this auth will call besides the API (a token endpoint), for the URL check.
    pub(crate) fn urls(&self) -> Option<&str> {
        match &self.0 {
            Kind::Exchange(x) => Some(&x.url),
            _ => None,
        }
    }

    /// Checks fixed values for characters that could inject a header.
    pub(crate) fn check(&self) -> Result<()> {
        match &self.0 {
            Kind::Header { name, value } => check_header_value(name, value.expose()),
            _ => Ok(()),
        }
    }
}

impl Exchange {
    /// The cached token, if any.
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Option<Secret>> {
        self.cached.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets `failed` if it is still the cached token (another thread may have renewed it).
    pub(crate) fn invalidate(&self, failed: &Secret) {
        let mut cached = self.lock();
        if cached.as_ref() == Some(failed) {
            *cached = None;
        }
    }
}

/// What an attempt sent: for a token exchange, the token it used.
pub(crate) struct Applied {
    pub(crate) token: Option<Secret>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::None => f.write_str("Auth::None"),
            Kind::Header { name, .. } => write!(f, "Auth::Header({name}: ***)"),
            Kind::From { name, .. } => write!(f, "Auth::HeaderFrom({name})"),
            Kind::Exchange(x) => write!(f, "Auth::BearerExchange({})", crate::url::redact_url(&x.url)),
        }
    }
}

impl Default for Auth {
    fn default() -> Self {
        Auth::none()
    }
}

pub(crate) fn bad_token(message: &str) -> Error {
    Error::decode(None, message.to_owned())
}

/// Refuses header values that could inject another header or end the head early.
pub(crate) fn check_header_value(field: &str, value: &str) -> Result<()> {
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(Error::validation(field, "must not contain control characters (CR, LF, NUL…)"));
    }
    Ok(())
}

/// The credential a builder was given, when it was given and is not empty; otherwise
/// [`Error::Config`](contacts_core::Error::Config) with `missing`, which says how to give it.
///
/// # Errors
/// As above; nothing has been sent.
pub fn required_secret(secret: Option<Secret>, missing: &str) -> Result<Secret> {
    secret.filter(|s| !s.is_empty()).ok_or_else(|| Error::config(missing.to_owned()))
}
