use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use contacts_core::{HttpResponse, Provider, ResponseMeta, RetryPolicy, Secret, Sleeper, Transport};
use contacts_http::env::{optional_in, process, required_in};
use contacts_http::{Auth, HttpClient, HttpConfig};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Contacts, Error, Result};

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

/// How a list sends its customer ids. The document says only "customer_id: array of customer
/// IDs" and shows no query: [`Brackets`](Self::Brackets), the form PHP-style backends read,
/// is the default (an Assumption); `contacts verify portal` tells which one a server reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CustomerIdForm {
    /// `customer_id[]=1&customer_id[]=2` (the default).
    #[default]
    Brackets,
    /// `customer_id=1&customer_id=2`.
    Repeated,
    /// `customer_id=1,2`.
    Comma,
}

impl CustomerIdForm {
    /// `brackets`, `repeated` or `comma`: its name in `PORTAL_CUSTOMER_ID_FORM`.
    pub fn name(self) -> &'static str {
        match self {
            CustomerIdForm::Brackets => "brackets",
            CustomerIdForm::Repeated => "repeated",
            CustomerIdForm::Comma => "comma",
        }
    }

    /// The form called `name` ([`name`](Self::name)'s words), if any.
    pub fn from_name(name: &str) -> Option<CustomerIdForm> {
        [CustomerIdForm::Brackets, CustomerIdForm::Repeated, CustomerIdForm::Comma]
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
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
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) http: HttpClient,
    pub(crate) encoding: BodyEncoding,
    pub(crate) customer_id_form: CustomerIdForm,
}

/// Options for a [`Client`]; [`Client::builder`] makes one.
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    http: HttpConfig,
    authorization: Option<Authorization>,
    encoding: BodyEncoding,
    customer_id_form: CustomerIdForm,
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
            http: HttpConfig::new(Provider::PORTAL, env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")),
            authorization: None,
            encoding: BodyEncoding::Form,
            customer_id_form: CustomerIdForm::Brackets,
        }
    }

    /// The contacts resource: its operations, each one call to portal (see [`Contacts`]).
    pub fn contacts(&self) -> Contacts<'_> {
        Contacts::new(self)
    }

    /// Any portal endpoint, through this client's auth, retries, limits and errors: for what
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
    /// A builder from `PORTAL_AUTHORIZATION` and, when set, `PORTAL_BASE_URL` (which
    /// [`build`](Self::build) needs, from there or from [`base_url`](Self::base_url)) and
    /// `PORTAL_CUSTOMER_ID_FORM` (`brackets`, `repeated` or `comma`: see
    /// [`customer_id_form`](Self::customer_id_form); `contacts verify portal` tells which).
    ///
    /// # Errors
    /// [`Error::Config`] when `PORTAL_AUTHORIZATION` is missing or empty, or
    /// `PORTAL_CUSTOMER_ID_FORM` names no form.
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
        let mut builder = Client::builder().authorization(required_in(&vars, "PORTAL_AUTHORIZATION")?);
        if let Some(form) = optional_in(&vars, "PORTAL_CUSTOMER_ID_FORM") {
            builder = builder.customer_id_form(CustomerIdForm::from_name(&form).ok_or_else(|| {
                Error::config(format!(
                    "PORTAL_CUSTOMER_ID_FORM is {:?}: set brackets, repeated or comma",
                    contacts_core::escaped(&form).to_string()
                ))
            })?);
        }
        Ok(match optional_in(&vars, "PORTAL_BASE_URL") {
            Some(url) => builder.base_url(url),
            None => builder,
        })
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

    /// How request bodies are encoded. Defaults to [`BodyEncoding::Form`].
    pub fn body_encoding(mut self, encoding: BodyEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// How a list sends its customer ids (the document shows no form). Defaults to
    /// [`CustomerIdForm::Brackets`], `customer_id[]=1&customer_id[]=2`.
    pub fn customer_id_form(mut self, form: CustomerIdForm) -> Self {
        self.customer_id_form = form;
        self
    }

    /// Sets the base URL of the installation (scheme, host and any path prefix). Required: every
    /// installation has its own host, so there is no default; `PORTAL_BASE_URL` sets it in
    /// [`from_env`](Self::from_env).
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
    /// honoured up to 60 s (a delete, a `GET` that changes state, is never repeated).
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

    /// Sets the `User-Agent` header. Defaults to `portal-contacts/<version>`.
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
        Ok(Client {
            http: self.http.build(decode_error)?,
            encoding: self.encoding,
            customer_id_form: self.customer_id_form,
        })
    }
}

/// Any portal endpoint, wrapped by this crate or not, through the client's own auth,
/// retries, limits, timeouts and errors: [`Client::raw`] hands it out.
///
/// Paths are segments below the client's base URL, each percent-encoded. A POST is not repeated
/// once it may have reached the server; GET, PUT and DELETE are retried as the client's policy
/// says. Answers come back as portal sent them (`serde_json::Value` or your type), envelopes
/// included.
///
/// ```no_run
/// let client = portal_contacts::Client::new("https://portal.example.com/api", "Bearer …")?;
/// let customers: serde_json::Value = client.raw().get(&["customer"], &[])?;
/// # Ok::<(), portal_contacts::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a>(contacts_http::Raw<'a>);

impl Raw<'_> {
    /// `GET` a portal path, with `query` pairs, and decode the answer.
    ///
    /// # Errors
    /// portal's error, a transport failure, or [`Error::Decode`].
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
    /// portal's error or a transport failure.
    pub fn delete(&self, segments: &[&str]) -> Result<ResponseMeta> {
        self.0.delete(segments).map(contacts_http::Response::into_meta)
    }
}

/// Non-2xx answers: read the portal's envelope when there is one, else the generic mapping.
pub(crate) fn decode_error(response: &HttpResponse) -> Error {
    match crate::contacts::read_envelope::<serde_json::Value>(response.status, &response.body) {
        Err(e @ (Error::NotFound(_) | Error::Api(_))) => e,
        _ => contacts_http::default_error(response),
    }
}
