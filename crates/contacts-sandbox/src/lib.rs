//! Stateful local fakes of the four contact APIs the contacts-rs clients talk to — Levers,
//! TheCleanLife partners, Previsto and a customer portal — on 127.0.0.1, for tests, demos and
//! benchmarks. Written from the providers' documents, not from any client.
//!
//! ```
//! use contacts_sandbox::{Fault, Provider, Sandbox, credentials};
//!
//! let sandbox = Sandbox::builder().seed(Provider::PREVISTO, 3).start()?;
//! let url = format!("{}/contacts?size=2", sandbox.previsto_base_url());
//! // Point a client at sandbox.previsto_base_url() with credentials::PREVISTO_SECRET_KEY …
//! sandbox.inject(Fault::status(503).times(2).on(Provider::PREVISTO)); // … and make it fail twice.
//! assert_eq!(sandbox.request_count(), 0);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Per provider, the documented routes keep state, check the documented auth, and answer with
//! the documented envelopes, validation rules and error codes:
//!
//! | provider | base URL | auth |
//! | --- | --- | --- |
//! | Levers | `{url}/levers/api-service/v1` (token at `{url}/levers/auth/v1/api-key/auth`) | `Bearer` JWT, or client id + secret exchanged for one |
//! | TheCleanLife | `{url}/cleanlife/v1` | `x-api-key` |
//! | Previsto | `{url}/previsto` | Basic, secret key as user, empty password |
//! | customer portal | `{url}/portal` | `Authorization` header |
//!
//! The accepted credentials are in [`credentials`].
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

mod cleanlife;
mod http;
mod levers;
mod portal;
mod previsto;
mod store;

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

pub use http::Request;

/// The credentials the sandbox accepts.
pub mod credentials {
    /// A ready Levers bearer token.
    pub const LEVERS_TOKEN: &str = "sandbox-levers-token";
    /// The Levers API client id (exchanged for a JWT at `/auth/v1/api-key/auth`).
    pub const LEVERS_CLIENT_ID: &str = "sandbox-client-id";
    /// The Levers API client secret.
    pub const LEVERS_CLIENT_SECRET: &str = "sandbox-client-secret";
    /// A TheCleanLife partner key with the `partner_contacts_read` permission.
    pub const CLEANLIFE_API_KEY: &str = "pk_sandbox_contacts_rs";
    /// A TheCleanLife partner key without that permission (answers 403 `FORBIDDEN`).
    pub const CLEANLIFE_API_KEY_WITHOUT_CONTACTS: &str = "pk_sandbox_no_contacts";
    /// A Previsto secret key.
    pub const PREVISTO_SECRET_KEY: &str = "sk_sandbox_contacts_rs";
    /// A Previsto public key: it may only create contacts.
    pub const PREVISTO_PUBLIC_KEY: &str = "pk_sandbox_contacts_rs";
    /// The customer portal's `Authorization` header value.
    pub const PORTAL_AUTHORIZATION: &str = "Bearer sandbox-portal-token";
}

/// One of the faked APIs: the contract's own [`contacts_core::Provider`], so a test names a
/// provider once for the sandbox and the clients alike.
pub use contacts_core::Provider;

/// The path under which the sandbox serves `provider`: `/levers/`, `/cleanlife/`…
fn prefix(provider: Provider) -> String {
    format!("/{}/", provider.name())
}

/// A request's path below its provider's base URL (`/previsto/contacts/1` -> `/contacts/1`,
/// `/levers/api-service/v1/contact` -> `/contact`).
fn below_base(path: &str) -> &str {
    for base in ["/levers/api-service/v1", "/cleanlife/v1", "/previsto", "/portal"] {
        if let Some(rest) = path.strip_prefix(base) {
            return rest;
        }
    }
    path
}

/// What a [`Fault`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer with the provider's own "no such contact", in its own shape and status (the
    /// portal: its 200 envelope), without touching state.
    NotFound,
    /// Answer this status with this body (and `Retry-After` when set), without touching state.
    Status {
        /// The status.
        status: u16,
        /// The body.
        body: String,
        /// A `Retry-After` value to send.
        retry_after: Option<String>,
    },
    /// Only wait (see [`Fault::delay`]), then answer normally.
    Delay,
    /// Read the request, then close the connection without answering.
    Drop,
    /// Do the work, then answer 200 with a body that is not valid JSON.
    Malformed,
    /// Do the work, then send half the body under a longer `Content-Length` and close.
    Truncated,
}

/// A fault to inject into the next matching requests.
///
/// ```
/// use std::time::Duration;
/// use contacts_sandbox::{Fault, Provider};
/// let f = Fault::status(429).retry_after("2").times(1).on(Provider::PREVISTO).method("GET");
/// let slow = Fault::delay(Duration::from_millis(200));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    kind: FaultKind,
    times: u64,
    provider: Option<Provider>,
    method: Option<String>,
    path: Option<String>,
    delay: Option<Duration>,
}

impl Fault {
    fn new(kind: FaultKind) -> Fault {
        Fault { kind, times: 1, provider: None, method: None, path: None, delay: None }
    }

    /// Answer `status` (with a short body).
    pub fn status(status: u16) -> Fault {
        Fault::new(FaultKind::Status { status, body: format!("sandbox fault: status {status}"), retry_after: None })
    }

    /// Answer with the provider's own not-found, as the provider shapes it (Levers'
    /// `{"detail": …}` 404, TheCleanLife's `RESOURCE_NOT_FOUND` envelope, Previsto's
    /// `{type, message}` 404, the portal's "Entity not found." envelope), where
    /// [`status(404)`](Self::status) sends a plain body (a 404 from something that is not the
    /// provider).
    pub fn not_found() -> Fault {
        Fault::new(FaultKind::NotFound)
    }

    /// Wait `delay` before answering normally.
    pub fn delay(delay: Duration) -> Fault {
        Fault { delay: Some(delay), ..Fault::new(FaultKind::Delay) }
    }

    /// Close the connection without answering.
    pub fn drop_connection() -> Fault {
        Fault::new(FaultKind::Drop)
    }

    /// Answer 200 with invalid JSON (the request is still carried out).
    pub fn malformed_body() -> Fault {
        Fault::new(FaultKind::Malformed)
    }

    /// Answer with a body cut short (the request is still carried out).
    pub fn truncated_body() -> Fault {
        Fault::new(FaultKind::Truncated)
    }

    /// For a [`status`](Self::status) fault: the body to send.
    pub fn body(mut self, body: impl Into<String>) -> Fault {
        if let FaultKind::Status { body: b, .. } = &mut self.kind {
            *b = body.into();
        }
        self
    }

    /// For a [`status`](Self::status) fault: the `Retry-After` header to send.
    pub fn retry_after(mut self, value: impl Into<String>) -> Fault {
        if let FaultKind::Status { retry_after, .. } = &mut self.kind {
            *retry_after = Some(value.into());
        }
        self
    }

    /// How many matching requests it hits. Defaults to 1; `times(0)` is a fault that hits
    /// nothing (it is never queued).
    pub fn times(mut self, n: u64) -> Fault {
        self.times = n;
        self
    }

    /// Only requests to this provider. Defaults to any.
    pub fn on(mut self, provider: Provider) -> Fault {
        self.provider = Some(provider);
        self
    }

    /// Only requests with this method. Defaults to any.
    pub fn method(mut self, method: &str) -> Fault {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only requests whose path, below the provider's base URL, starts with `path`:
    /// `Fault::not_found().on(Provider::PREVISTO).path("/contacts/con_sbx1")`. Defaults to any.
    pub fn path(mut self, path: &str) -> Fault {
        self.path = Some(path.to_owned());
        self
    }

    /// Also wait this long before acting.
    pub fn after(mut self, delay: Duration) -> Fault {
        self.delay = Some(delay);
        self
    }

    fn matches(&self, request: &Request) -> bool {
        self.provider.is_none_or(|p| request.path.starts_with(&prefix(p)))
            && self.method.as_deref().is_none_or(|m| m == request.method)
            && self.path.as_deref().is_none_or(|path| below_base(&request.path).starts_with(path))
    }
}

pub(crate) struct Shared {
    shutdown: AtomicBool,
    connections: AtomicU64,
    /// Connections being served now, each on its own thread (bounded by [`MAX_CONNECTIONS`]).
    active: std::sync::atomic::AtomicUsize,
    /// Set while a new connection waits for a slot: idle ones give theirs up.
    pressure: AtomicBool,
    requests: AtomicU64,
    record_limit: usize,
    recorded: Mutex<VecDeque<Request>>,
    counts: Mutex<HashMap<String, u64>>,
    faults: Mutex<Vec<Fault>>,
    limits: Mutex<HashMap<Provider, Limiter>>,
    latency: Duration,
    sleep: Arc<Sleep>,
    levers: Mutex<levers::State>,
    cleanlife: Mutex<cleanlife::State>,
    previsto: Mutex<previsto::State>,
    portal: Mutex<portal::State>,
    /// Providers whose validation errors come in another shape ([`Deviation::ErrorBodies`]).
    reshaped_errors: Mutex<Vec<Provider>>,
}

/// Locks, carrying on through a poisoned lock (a panicked handler thread must not wedge the rest).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    /// The round trip of a network, before an answer is written (outside every lock).
    pub(crate) fn wait_latency(&self) {
        if !self.latency.is_zero() {
            (self.sleep)(self.latency);
        }
    }

    fn record(&self, request: &Request) {
        self.requests.fetch_add(1, Ordering::SeqCst);
        *lock(&self.counts).entry(format!("{} {}", request.method, request.path)).or_default() += 1;
        if self.record_limit > 0 {
            let mut recorded = lock(&self.recorded);
            if recorded.len() == self.record_limit {
                recorded.pop_front();
            }
            recorded.push_back(request.clone());
        }
    }

    fn take_fault(&self, request: &Request) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let i = faults.iter().position(|f| f.matches(request))?;
        faults[i].times = faults[i].times.saturating_sub(1);
        let fault = faults[i].clone();
        if faults[i].times == 0 {
            faults.remove(i);
        }
        Some(fault)
    }
}

/// A per-minute request limit on one provider, per API key (as Previsto's 120 a minute and
/// TheCleanLife's configured limit are), on a clock the caller gives (tests move it instead of
/// sleeping).
struct Limiter {
    per_window: usize,
    window: Duration,
    clock: Arc<dyn Fn() -> Duration + Send + Sync>,
    recent: HashMap<String, VecDeque<Duration>>,
    refused: u64,
}

impl Limiter {
    /// `None` when the request with credential `key` may go on; otherwise the seconds until a
    /// slot frees up.
    fn admit(&mut self, key: &str) -> Option<u64> {
        let now = (self.clock)();
        let recent = self.recent.entry(key.to_owned()).or_default();
        while recent.front().is_some_and(|t| now.saturating_sub(*t) >= self.window) {
            recent.pop_front();
        }
        if recent.len() >= self.per_window {
            self.refused += 1;
            let oldest = recent.front().copied().unwrap_or(now);
            let wait = (oldest + self.window).saturating_sub(now);
            // Whole seconds, rounded up: a client that waits what it is told finds a slot.
            return Some(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        }
        recent.push_back(now);
        None
    }
}

/// Sends a request to the provider its path names.
pub(crate) fn route(shared: &Shared, request: &Request) -> http::Response {
    let segments = request.segments();
    let rest: Vec<&str> = segments.iter().skip(1).map(String::as_str).collect();
    let provider = match segments.first().map(String::as_str) {
        Some("levers") => Some(Provider::LEVERS),
        Some("cleanlife") => Some(Provider::CLEANLIFE),
        Some("previsto") => Some(Provider::PREVISTO),
        Some("portal") => Some(Provider::PORTAL),
        _ => None,
    };
    if let Some(limiter) = provider.and_then(|p| lock(&shared.limits).remove(&p).map(|l| (p, l))) {
        let (p, mut limiter) = limiter;
        let key = request.header("x-api-key").or_else(|| request.header("authorization")).unwrap_or_default();
        let verdict = limiter.admit(key);
        lock(&shared.limits).insert(p, limiter);
        if let Some(wait) = verdict {
            return http::Response::json(
                429,
                &serde_json::json!({"type": "rate_limit", "message": "Too many requests"}),
            )
            .with_header("Retry-After", wait.to_string());
        }
    }
    let response = match segments.first().map(String::as_str) {
        Some("levers") => levers::handle(&mut lock(&shared.levers), request, &rest),
        Some("cleanlife") => cleanlife::handle(&mut lock(&shared.cleanlife), request, &rest),
        Some("previsto") => previsto::handle(&mut lock(&shared.previsto), request, &rest),
        Some("portal") => portal::handle(&mut lock(&shared.portal), request, &rest),
        _ => http::Response::json(404, &serde_json::json!({"error": "no such route in the sandbox"})),
    };
    match provider {
        Some(p) if matches!(response.status, 400 | 422) && lock(&shared.reshaped_errors).contains(&p) => {
            reshaped(response)
        }
        _ => response,
    }
}

/// A validation error in another shape than the provider's document shows: NestJS's default
/// `{"statusCode", "error", "message"}`, which none of the four documents names.
fn reshaped(response: http::Response) -> http::Response {
    let error = if response.status == 422 { "Unprocessable Entity" } else { "Bad Request" };
    let body = serde_json::json!({"statusCode": response.status, "error": error, "message": "Validation failed"});
    let mut reshaped = http::Response::json(response.status, &body);
    reshaped.headers.extend(response.headers.into_iter().filter(|(n, _)| !n.eq_ignore_ascii_case("content-type")));
    reshaped
}

/// Another reading of the documents than the crates take, served on purpose so that `contacts
/// verify` (and each crate's `verify`) can be shown to notice it: each models one README
/// Assumption turning out otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Deviation {
    /// Levers' list answers a bare JSON array, not `{items, total, page, size, pages}`.
    LeversBareList,
    /// The portal's list reads its customer ids only in this form (the sandbox's default reads
    /// [`PortalListForm::Brackets`], the client's default).
    PortalListForm(PortalListForm),
    /// TheCleanLife does not echo `x-request-id` as `X-Request-Id`.
    CleanLifeNoRequestIdEcho,
    /// Previsto holds to the older help page: pages of at most 100, whatever `size` asks.
    PrevistoPagesOf100,
    /// The provider's validation errors (400, 422) come as `{"statusCode", "error",
    /// "message"}`, a shape its document does not show.
    ErrorBodies(Provider),
}

impl Deviation {
    /// Every deviation by the name [`from_name`](Self::from_name) reads.
    pub const ALL: &[Deviation] = &[
        Deviation::LeversBareList,
        Deviation::PortalListForm(PortalListForm::Repeated),
        Deviation::PortalListForm(PortalListForm::Comma),
        Deviation::CleanLifeNoRequestIdEcho,
        Deviation::PrevistoPagesOf100,
        Deviation::ErrorBodies(Provider::LEVERS),
        Deviation::ErrorBodies(Provider::CLEANLIFE),
        Deviation::ErrorBodies(Provider::PREVISTO),
    ];

    /// Its name on the command line (`contacts sandbox serve --deviate levers-bare-list`).
    pub fn name(self) -> String {
        match self {
            Deviation::LeversBareList => "levers-bare-list".to_owned(),
            Deviation::PortalListForm(PortalListForm::Brackets) => "portal-brackets-customer-ids".to_owned(),
            Deviation::PortalListForm(PortalListForm::Repeated) => "portal-repeated-customer-ids".to_owned(),
            Deviation::PortalListForm(PortalListForm::Comma) => "portal-comma-customer-ids".to_owned(),
            Deviation::CleanLifeNoRequestIdEcho => "cleanlife-no-request-id".to_owned(),
            Deviation::PrevistoPagesOf100 => "previsto-pages-of-100".to_owned(),
            Deviation::ErrorBodies(p) => format!("{p}-error-shape"),
        }
    }

    /// The deviation called `name`, as [`name`](Self::name) writes it.
    pub fn from_name(name: &str) -> Option<Deviation> {
        Deviation::ALL.iter().copied().find(|d| d.name() == name)
    }

    /// The provider it changes.
    pub fn provider(self) -> Provider {
        match self {
            Deviation::LeversBareList => Provider::LEVERS,
            Deviation::PortalListForm(_) => Provider::PORTAL,
            Deviation::CleanLifeNoRequestIdEcho => Provider::CLEANLIFE,
            Deviation::PrevistoPagesOf100 => Provider::PREVISTO,
            Deviation::ErrorBodies(p) => p,
        }
    }
}

/// Options for a [`Sandbox`].
#[derive(Debug, Clone)]
#[must_use]
pub struct SandboxBuilder {
    seeds: HashMap<Provider, u64>,
    record_limit: usize,
    port: u16,
    limits: Vec<(Provider, usize, Duration)>,
    latency: Duration,
    sleep: SleepFn,
    deviations: Vec<Deviation>,
}

/// How the sandbox waits out its latency: `std::thread::sleep` unless a test gives another.
type Sleep = dyn Fn(Duration) + Send + Sync;

/// A [`Sleep`] that debug-prints as its name.
#[derive(Clone)]
struct SleepFn(Arc<Sleep>);

impl std::fmt::Debug for SleepFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SleepFn")
    }
}

impl SandboxBuilder {
    /// Starts with `n` generated contacts for `provider` (cheap: seeded contacts are made
    /// when read, so 100,000 cost no memory). Defaults to none.
    pub fn seed(mut self, provider: Provider, n: u64) -> Self {
        self.seeds.insert(provider, n);
        self
    }

    /// Starts with `n` generated contacts for every provider.
    pub fn seed_all(mut self, n: u64) -> Self {
        for &p in Provider::ALL {
            self.seeds.insert(p, n);
        }
        self
    }

    /// How many of the last requests are kept for [`Sandbox::requests`]. Defaults to 1,000.
    pub fn record_limit(mut self, n: usize) -> Self {
        self.record_limit = n;
        self
    }

    /// Limits `provider` to `per_minute` requests per API key in any 60 s, answering 429 with
    /// `Retry-After` past it (Previsto documents 120 a minute; TheCleanLife's limiter is "only
    /// active when a rateLimit value has been configured" for the key). Defaults to no limit.
    pub fn rate_limit(mut self, provider: Provider, per_minute: usize) -> Self {
        self.limits.push((provider, per_minute, Duration::from_secs(60)));
        self
    }

    /// Limits `provider` to `n` requests per API key in any `window` (a shorter window than
    /// a minute makes the same rate quick to measure: 10 in 1 s is 600 a minute). Defaults to
    /// no limit.
    pub fn rate_limit_per(mut self, provider: Provider, n: usize, window: Duration) -> Self {
        self.limits.push((provider, n, window.max(Duration::from_millis(1))));
        self
    }

    /// Waits this long before every answer, faults included (each connection on its own
    /// thread, so answers overlap as they would from a real server): what a network's round
    /// trip costs, so concurrency and read-ahead can be measured and shown. Defaults to none.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Waits out the [`latency`](Self::latency) with `sleep` instead of
    /// `std::thread::sleep` (tests record it instead of sleeping).
    pub fn sleeper(mut self, sleep: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.sleep = SleepFn(Arc::new(sleep));
        self
    }

    /// Serves `deviation` from the start (see [`Sandbox::deviate`]).
    pub fn deviate(mut self, deviation: Deviation) -> Self {
        self.deviations.push(deviation);
        self
    }

    /// Listens on this port of 127.0.0.1. Defaults to 0: a free port the system picks.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Binds 127.0.0.1 on the port (a free one by default) and starts serving.
    ///
    /// # Errors
    /// When the port cannot be bound or the thread not started.
    pub fn start(self) -> io::Result<Sandbox> {
        let listener = TcpListener::bind(("127.0.0.1", self.port))?;
        let addr = listener.local_addr()?;
        let seed = |p| self.seeds.get(&p).copied().unwrap_or(0);
        let shared = Arc::new(Shared {
            shutdown: AtomicBool::new(false),
            connections: AtomicU64::new(0),
            active: std::sync::atomic::AtomicUsize::new(0),
            pressure: AtomicBool::new(false),
            requests: AtomicU64::new(0),
            record_limit: self.record_limit,
            recorded: Mutex::new(VecDeque::new()),
            counts: Mutex::new(HashMap::new()),
            faults: Mutex::new(Vec::new()),
            limits: Mutex::new({
                let started = std::time::Instant::now();
                let clock: Arc<dyn Fn() -> Duration + Send + Sync> = Arc::new(move || started.elapsed());
                self.limits
                    .iter()
                    .map(|(p, n, window)| {
                        let limiter = Limiter {
                            per_window: *n,
                            window: *window,
                            clock: Arc::clone(&clock),
                            recent: HashMap::new(),
                            refused: 0,
                        };
                        (*p, limiter)
                    })
                    .collect()
            }),
            latency: self.latency,
            sleep: Arc::clone(&self.sleep.0),
            levers: Mutex::new(levers::State::new(seed(Provider::LEVERS))),
            cleanlife: Mutex::new(cleanlife::State::new(seed(Provider::CLEANLIFE))),
            previsto: Mutex::new(previsto::State::new(seed(Provider::PREVISTO))),
            portal: Mutex::new(portal::State::new(seed(Provider::PORTAL))),
            reshaped_errors: Mutex::new(Vec::new()),
        });
        let serving = Arc::clone(&shared);
        let thread =
            std::thread::Builder::new().name("sandbox-accept".into()).spawn(move || http::serve(listener, serving))?;
        let sandbox = Sandbox { addr, shared, thread: Some(thread) };
        for deviation in self.deviations {
            sandbox.deviate(deviation);
        }
        Ok(sandbox)
    }
}

/// The customers the portal's seeded contacts belong to, in turn: list them with
/// `customer_id[]=1` (the portal lists by customer only).
pub const PORTAL_SEEDED_CUSTOMERS: &[u64] = &[1, 2, 3];

/// How the sandbox's portal reads a list's customer ids (the document shows no form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PortalListForm {
    /// `customer_id[]=1&customer_id[]=2` (the default).
    #[default]
    Brackets,
    /// `customer_id=1&customer_id=2`.
    Repeated,
    /// `customer_id=1,2`.
    Comma,
}

/// A running sandbox. Dropping it shuts the server down.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("url", &self.url()).finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts a sandbox with no seeded contacts.
    ///
    /// # Errors
    /// When the port cannot be bound.
    pub fn start() -> io::Result<Sandbox> {
        Sandbox::builder().start()
    }

    /// For an example or a demo that runs anywhere: `Ok(None)` when any of `vars` is set (the
    /// program is meant for the real API and reads its credentials from there), otherwise a
    /// started sandbox, announced on stderr.
    ///
    /// ```
    /// # use contacts_sandbox::Sandbox;
    /// let sandbox = Sandbox::for_example(&["CONTACTS_DOC_TEST_UNSET_VARIABLE"])?;
    /// assert!(sandbox.is_some());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Sandbox::start`].
    pub fn for_example(vars: &[&str]) -> io::Result<Option<Sandbox>> {
        if vars.iter().any(|var| std::env::var_os(var).is_some()) {
            return Ok(None);
        }
        let sandbox = Sandbox::start()?;
        eprintln!("{} is not set: using a local sandbox at {}", vars.join(" or "), sandbox.url());
        Ok(Some(sandbox))
    }

    /// A builder for seeding and recording options.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            seeds: HashMap::new(),
            record_limit: 1000,
            port: 0,
            limits: Vec::new(),
            latency: Duration::ZERO,
            sleep: SleepFn(Arc::new(std::thread::sleep)),
            deviations: Vec::new(),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The environment each provider crate's `from_env` reads, pointed at this sandbox with
    /// the credentials it accepts: `LEVERS_BASE_URL`, `LEVERS_TOKEN`, `CLEANLIFE_BASE_URL`,
    /// `CLEANLIFE_API_KEY`, `PREVISTO_BASE_URL`, `PREVISTO_API_KEY`, `PORTAL_BASE_URL`,
    /// `PORTAL_AUTHORIZATION` (what `contacts sandbox serve` prints).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("LEVERS_BASE_URL", self.levers_base_url()),
            ("LEVERS_TOKEN", credentials::LEVERS_TOKEN.to_owned()),
            ("CLEANLIFE_BASE_URL", self.cleanlife_base_url()),
            ("CLEANLIFE_API_KEY", credentials::CLEANLIFE_API_KEY.to_owned()),
            ("PREVISTO_BASE_URL", self.previsto_base_url()),
            ("PREVISTO_API_KEY", credentials::PREVISTO_SECRET_KEY.to_owned()),
            ("PORTAL_BASE_URL", self.portal_base_url()),
            ("PORTAL_AUTHORIZATION", credentials::PORTAL_AUTHORIZATION.to_owned()),
        ]
    }

    /// One variable of [`env`](Self::env): a lookup for a provider's
    /// `ClientBuilder::from_vars`, so code that reads its settings from the environment runs
    /// against this in-process sandbox without `std::env::set_var`.
    ///
    /// ```
    /// let sandbox = contacts_sandbox::Sandbox::start()?;
    /// assert_eq!(sandbox.var("PREVISTO_BASE_URL"), Some(sandbox.previsto_base_url()));
    /// // In a test of code that reads the environment:
    /// // previsto::ClientBuilder::from_vars(|name| sandbox.var(name))?.build()?
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn var(&self, name: &str) -> Option<String> {
        self.env().into_iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Levers' base URL: `{url}/levers/api-service/v1`.
    pub fn levers_base_url(&self) -> String {
        format!("{}/levers/api-service/v1", self.url())
    }

    /// Levers' token endpoint: `{url}/levers/auth/v1/api-key/auth`.
    pub fn levers_auth_url(&self) -> String {
        format!("{}/levers/auth/v1/api-key/auth", self.url())
    }

    /// TheCleanLife's base URL: `{url}/cleanlife/v1`.
    pub fn cleanlife_base_url(&self) -> String {
        format!("{}/cleanlife/v1", self.url())
    }

    /// Previsto's base URL: `{url}/previsto`.
    pub fn previsto_base_url(&self) -> String {
        format!("{}/previsto", self.url())
    }

    /// The customer portal's base URL: `{url}/portal`.
    pub fn portal_base_url(&self) -> String {
        format!("{}/portal", self.url())
    }

    /// The base URL of `provider`'s API in this sandbox, as the four methods above give it.
    pub fn base_url(&self, provider: Provider) -> String {
        match provider {
            Provider::LEVERS => self.levers_base_url(),
            Provider::CLEANLIFE => self.cleanlife_base_url(),
            Provider::PREVISTO => self.previsto_base_url(),
            Provider::PORTAL => self.portal_base_url(),
            // A provider added to the contract after this sandbox: its root, which serves nothing.
            _ => self.url(),
        }
    }

    /// Requests received so far.
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// TCP connections accepted so far.
    pub fn connection_count(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// How many requests had this method and exact (encoded) path, e.g.
    /// `("POST", "/previsto/contacts")`: counts every request, not only the recorded ones.
    pub fn count(&self, method: &str, path: &str) -> u64 {
        lock(&self.shared.counts).get(&format!("{method} {path}")).copied().unwrap_or(0)
    }

    /// The last requests received, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.recorded).iter().cloned().collect()
    }

    /// Forgets the recorded requests and counts (not the contacts).
    pub fn clear_requests(&self) {
        lock(&self.shared.recorded).clear();
        lock(&self.shared.counts).clear();
        self.shared.requests.store(0, Ordering::SeqCst);
    }

    /// Adds a fault; faults are tried in the order added.
    pub fn inject(&self, fault: Fault) {
        if fault.times > 0 {
            lock(&self.shared.faults).push(fault);
        }
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Makes every Levers token issued so far invalid, as if it expired (the ready
    /// [`credentials::LEVERS_TOKEN`] stays valid).
    pub fn expire_levers_tokens(&self) {
        lock(&self.shared.levers).expire_tokens();
    }

    /// Limits `provider` to `per_minute` requests in any 60 s of `clock` (time since any fixed
    /// start), answering 429 with `Retry-After` past it, as Previsto documents for its 120 a
    /// minute. Tests give a clock they move, so nothing sleeps for real.
    pub fn rate_limit(
        &self,
        provider: Provider,
        per_minute: usize,
        clock: impl Fn() -> Duration + Send + Sync + 'static,
    ) {
        let limiter = Limiter {
            per_window: per_minute,
            window: Duration::from_secs(60),
            clock: Arc::new(clock),
            recent: HashMap::new(),
            refused: 0,
        };
        lock(&self.shared.limits).insert(provider, limiter);
    }

    /// How many requests the rate limit of `provider` refused.
    pub fn rate_limited(&self, provider: Provider) -> u64 {
        lock(&self.shared.limits).get(&provider).map_or(0, |l| l.refused)
    }

    /// The one form the portal's list reads its customer ids in (a real server reads one):
    /// a client sending another gets the portal's "customer_id: Field is required." Defaults to
    /// [`PortalListForm::Brackets`], the portal client's default.
    pub fn portal_list_form(&self, form: PortalListForm) {
        lock(&self.shared.portal).list_form = form;
    }

    /// Whether Previsto's lists send `x-total-count` (they do by default, as Previsto's newer
    /// pagination page says; the contact document does not mention it, so a client must also
    /// cope without it).
    pub fn previsto_sends_total(&self, on: bool) {
        lock(&self.shared.previsto).send_total = on;
    }

    /// A fault: Previsto's `x-total-count` says `by` fewer contacts than it holds (a total is
    /// a hint; a client that stops at it loses contacts).
    pub fn previsto_undercounts_total(&self, by: u64) {
        lock(&self.shared.previsto).total_short_by = by;
    }

    /// A fault: Previsto serves its pages in a loop of `pages` (page `n` answers as page
    /// `n % pages`), as a server that ignores the page number past a point would: A, B, A, B…
    pub fn previsto_loops_pages(&self, pages: u64) {
        lock(&self.shared.previsto).page_loop = Some(pages.max(1));
    }

    /// Serves another reading of the documents than the crates take, from now on (see
    /// [`Deviation`]); `contacts verify` against it reports the checks it changes as differing.
    ///
    /// ```
    /// use contacts_sandbox::{Deviation, Sandbox};
    /// let sandbox = Sandbox::builder().deviate(Deviation::PrevistoPagesOf100).start()?;
    /// sandbox.deviate(Deviation::LeversBareList);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn deviate(&self, deviation: Deviation) {
        match deviation {
            Deviation::LeversBareList => lock(&self.shared.levers).bare_list = true,
            Deviation::PortalListForm(form) => self.portal_list_form(form),
            Deviation::CleanLifeNoRequestIdEcho => lock(&self.shared.cleanlife).echo_request_id = false,
            Deviation::PrevistoPagesOf100 => lock(&self.shared.previsto).page_cap = 100,
            Deviation::ErrorBodies(provider) => lock(&self.shared.reshaped_errors).push(provider),
        }
    }

    /// How many contacts a provider holds now.
    pub fn contact_count(&self, provider: Provider) -> u64 {
        match provider {
            Provider::LEVERS => lock(&self.shared.levers).len(),
            Provider::CLEANLIFE => lock(&self.shared.cleanlife).len(),
            Provider::PREVISTO => lock(&self.shared.previsto).len(),
            Provider::PORTAL => lock(&self.shared.portal).len(),
            _ => 0,
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The provider's own "no such contact", for [`Fault::not_found`].
pub(crate) fn not_found_answer(path: &str) -> http::Response {
    let (status, body) = if path.starts_with("/levers/") {
        (404, r#"{"detail":"Contact not found"}"#)
    } else if path.starts_with("/cleanlife/") {
        (
            404,
            r#"{"success":false,"error":{"code":"RESOURCE_NOT_FOUND","message":"Contact not found","details":null,"requestId":"sandbox-fault"}}"#,
        )
    } else if path.starts_with("/previsto/") {
        (404, r#"{"type":"invalid_request_error","message":"No such contact"}"#)
    } else {
        // The portal answers everything with 200 and its envelope.
        (200, r#"{"msg":"Entity not found.","result":false}"#)
    };
    http::Response { status, headers: Vec::new(), body: body.as_bytes().to_vec() }
}
