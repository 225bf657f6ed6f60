use std::fmt;
use std::sync::Arc;

use contacts_core::{HttpResponse, Provider, Secret};
use contacts_http::Auth;
use contacts_http::env::required;

use crate::{Error, Result};

contacts_http::raw_handle!(
    "portal",
    "let client = portal_contacts::Client::new(\"https://portal.example.com/api\", \"Bearer …\")?;\nlet customers: serde_json::Value = client.raw().get(&[\"customer\"], &[])?;\n# Ok::<(), portal_contacts::Error>(())"
);

type AuthFn = dyn Fn() -> Result<Secret> + Send + Sync;

/// Where the `Authorization` value comes from.
#[derive(Clone)]
enum Authorization {
    Fixed(Secret),
    Provider(Arc<AuthFn>),
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Authorization::Fixed(s) => f.debug_tuple("Fixed").field(s).finish(),
            Authorization::Provider(_) => f.write_str("Provider(..)"),
        }
    }
}

/// How request bodies are encoded. The portal's documentation does not say; its 1/0 booleans
/// suggest form fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BodyEncoding {
    /// `application/x-www-form-urlencoded` (the default).
    #[default]
    Form,
    /// `application/json`, booleans still as 1/0.
    Json,
}

contacts_http::client_types! {
    /// A customer-portal client. Cheap to clone: clones share one connection pool.
    ///
    /// There is no public default host: every installation has its own, so `base_url` is required.
    ///
    /// ```no_run
    /// let client = portal_contacts::Client::builder()
    ///     .base_url("https://portal.example.com/api")
    ///     .authorization("Bearer eyJ…")
    ///     .build()?;
    /// # Ok::<(), portal_contacts::Error>(())
    /// ```
    pub struct Client {
        pub(crate) encoding: BodyEncoding,
    }
    pub struct ClientBuilder {
        authorization: Option<Authorization>,
        encoding: BodyEncoding,
    }
}

impl Client {
    /// A client for the installation at `base_url`, sending `authorization` as the
    /// `Authorization` header. The portal has no public host, so unlike the other crates there
    /// is no `DEFAULT_BASE_URL`: the base URL is the first argument.
    ///
    /// # Errors
    /// [`Error::Config`] when either is empty or the base URL is not usable.
    pub fn new(base_url: impl Into<String>, authorization: impl Into<Secret>) -> Result<Client> {
        Client::builder().base_url(base_url).authorization(authorization).build()
    }

    /// A builder; `base_url` and `authorization` are required.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            http: contacts_http::http_config!(Provider::Portal),
            authorization: None,
            encoding: BodyEncoding::Form,
        }
    }
}

impl ClientBuilder {
    /// A builder from `PORTAL_AUTHORIZATION` and, when set, `PORTAL_BASE_URL` (which
    /// [`build`](Self::build) needs, from there or from [`base_url`](Self::base_url)).
    ///
    /// # Errors
    /// [`Error::Config`] when `PORTAL_AUTHORIZATION` is missing or empty.
    pub fn from_env() -> Result<ClientBuilder> {
        Ok(Client::builder().authorization(required("PORTAL_AUTHORIZATION")?).base_url_from_env("PORTAL_BASE_URL"))
    }

    /// The `Authorization` header value, sent as given (from the portal's Login/Auth step).
    pub fn authorization(mut self, value: impl Into<Secret>) -> Self {
        self.authorization = Some(Authorization::Fixed(value.into()));
        self
    }

    /// Asks `provider` for the `Authorization` value before every request, for values that
    /// expire and must be refreshed. An error it returns ends the call before anything is sent.
    pub fn authorization_provider(mut self, provider: impl Fn() -> Result<Secret> + Send + Sync + 'static) -> Self {
        self.authorization = Some(Authorization::Provider(Arc::new(provider)));
        self
    }

    contacts_core::setters! {
        /// How request bodies are encoded. Defaults to [`BodyEncoding::Form`].
        pub fn body_encoding(encoding: BodyEncoding) -> encoding = value;
    }

    contacts_http::http_builder_methods!();

    /// Makes the client.
    ///
    /// # Errors
    /// [`Error::Config`] without a base URL or an authorization, or with an unusable base URL.
    pub fn build(mut self) -> Result<Client> {
        let authorization = match self.authorization {
            Some(Authorization::Fixed(s)) if s.is_empty() => None,
            other => other,
        }
        .ok_or_else(|| Error::config("an authorization is required: authorization(…) or PORTAL_AUTHORIZATION"))?;
        if self.http.base_url().is_none() {
            return Err(Error::config(
                "base_url is required: base_url(…) or PORTAL_BASE_URL (the portal has no public default host)",
            ));
        }
        self.http.set_auth(match authorization {
            Authorization::Fixed(value) => Auth::header("authorization", value),
            Authorization::Provider(f) => Auth::header_from("authorization", move || f()),
        });
        Ok(Client { http: self.http.build(decode_error)?, encoding: self.encoding })
    }
}

/// Non-2xx answers: read the portal's envelope when there is one, else the generic mapping.
fn decode_error(response: &HttpResponse) -> Error {
    match crate::contacts::read_envelope::<serde_json::Value>(response.status, &response.body) {
        Err(e @ (Error::NotFound(_) | Error::Api(_))) => e,
        _ => contacts_http::default_error(response),
    }
}
