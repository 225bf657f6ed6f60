//! [`HttpConfig`]: the settings a provider's `ClientBuilder` forwards to, and their defaults.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use contacts_core::{
    Error, Header, HttpRequest, HttpResponse, Provider, Result, RetryPolicy, Sleeper, ThreadSleeper, Transport,
};

use crate::auth::{Auth, check_header_value};
use crate::client::{HttpClient, Inner};
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
/// Each provider's `ClientBuilder` holds one and forwards its own setters to it (each setter
/// written out in the provider crate, with that crate's default in its doc), as reqwest's
/// blocking builder forwards to its async one. Its `Debug` shows every setting; the base URL redacted, credentials
/// never.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    pub(crate) crate_name: &'static str,
    pub(crate) provider: Provider,
    pub(crate) crate_version: &'static str,
    pub(crate) default_base_url: Option<&'static str>,
    pub(crate) base_url: Option<GivenUrl>,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) deadline: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) user_agent: Option<String>,
    pub(crate) max_response_bytes: u64,
    pub(crate) allow_insecure_http: bool,
    pub(crate) transport: Option<Arc<dyn Transport>>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    pub(crate) headers: Vec<Header>,
    pub(crate) auth: Auth,
    pub(crate) proxy: Proxy,
}

/// A URL as the caller gave it: its `Debug` is [`redact_url`]'s, so a builder's `Debug` never
/// shows user info or a query, even before `build` refuses them.
#[derive(Clone)]
pub(crate) struct GivenUrl(String);

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
                // The provider crate's own name as a log target (`RUST_LOG=previsto=debug`).
                log_target: Arc::from(self.crate_name.replace('-', "_")),
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
