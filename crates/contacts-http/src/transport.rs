//! The default [`Transport`]: ureq, one agent per client.

use std::io;
use std::time::Duration;

use contacts_core::{Error, HttpRequest, HttpResponse, Method, Result, Transport, TransportKind};

/// Where calls go: the environment's proxy, none, or one the caller named.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Proxy {
    FromEnv,
    Off,
    Url(String),
}

impl std::fmt::Debug for Proxy {
    /// A proxy URL may hold credentials (`http://user:pass@proxy:3128`): shown without them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Proxy::FromEnv => f.write_str("FromEnv"),
            Proxy::Off => f.write_str("Off"),
            Proxy::Url(url) => f.debug_tuple("Url").field(&crate::url::redact_url(url)).finish(),
        }
    }
}

/// Idle connections kept per host: enough for as many threads as a program is likely to share
/// one client between, so N threads reuse N connections instead of opening new ones (ureq's
/// default keeps 3).
const IDLE_PER_HOST: usize = 64;

/// The default [`Transport`]: one [`ureq::Agent`], so connections are pooled and reused.
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    /// When `agent` goes through a proxy: the agent for calls to this machine, which never do
    /// (they would carry credentials off the machine that plain http was allowed for).
    direct: Option<ureq::Agent>,
    /// An agent the caller configured: its redirect and status settings are overridden on
    /// every request.
    foreign: bool,
    /// The proxy `agent` goes through (`host:port`, no credentials), named in the errors of
    /// calls that went through it: a refusal by the proxy is not the API host's.
    via: Option<String>,
}

impl UreqTransport {
    /// An agent with these timeouts, reporting every status as a response (not an error),
    /// following no redirects (credentials must not follow a redirect to another host), and
    /// reading the proxy from the environment.
    ///
    /// `timeout` bounds each phase of a request: sending it, waiting for the answer's head, and
    /// reading its body. (ureq's single whole-call deadline costs about 50 µs per call on
    /// loopback, measured by `cargo xtask bench`; per-phase limits cost next to nothing and
    /// still end a server that never answers, never reads, or trickles.)
    pub fn new(connect_timeout: Duration, timeout: Duration) -> Self {
        let agent = config(connect_timeout, timeout).build().new_agent();
        UreqTransport { agent, direct: None, foreign: false, via: None }
    }

    pub(crate) fn with_proxy(connect_timeout: Duration, timeout: Duration, proxy: Proxy) -> Result<Self> {
        let proxy = match proxy {
            Proxy::FromEnv => ureq::Proxy::try_from_env(),
            Proxy::Off => None,
            Proxy::Url(url) => Some(
                ureq::Proxy::new(&url)
                    .map_err(|e| Error::config(format!("proxy {} is not usable: {e}", crate::url::redact_url(&url))))?,
            ),
        };
        let direct = proxy.is_some().then(|| config(connect_timeout, timeout).proxy(None).build().new_agent());
        let via = proxy.as_ref().map(|p| format!("{}:{}", p.host(), p.port()));
        let agent = config(connect_timeout, timeout).proxy(proxy).build().new_agent();
        Ok(UreqTransport { agent, direct, foreign: false, via })
    }

    /// Uses an agent you configured yourself (TLS, pool sizes…). Whatever it says, redirects
    /// are not followed and error statuses are read as answers, so the provider's error
    /// details arrive and no credential follows a redirect.
    pub fn from_agent(agent: ureq::Agent) -> Self {
        UreqTransport { agent, direct: None, foreign: true, via: None }
    }
}

fn config(connect_timeout: Duration, timeout: Duration) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    let builder = ureq::Agent::config_builder()
        .timeout_connect(Some(connect_timeout))
        .timeout_send_request(Some(timeout))
        .timeout_send_body(Some(timeout))
        .timeout_recv_response(Some(timeout))
        .timeout_recv_body(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .max_idle_connections(IDLE_PER_HOST)
        .max_idle_connections_per_host(IDLE_PER_HOST)
        .user_agent(ureq::config::AutoHeaderValue::None);
    tls(builder)
}

/// Native TLS when the `native-tls` feature is on (an explicit choice), rustls otherwise.
#[cfg(feature = "native-tls")]
fn tls(
    builder: ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    use ureq::tls::{TlsConfig, TlsProvider};
    builder.tls_config(TlsConfig::builder().provider(TlsProvider::NativeTls).build())
}

#[cfg(not(feature = "native-tls"))]
fn tls(
    builder: ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    builder
}

/// The TLS stack this build sends through: `"native-tls"` or `"rustls"`.
pub fn tls_provider() -> &'static str {
    if cfg!(feature = "native-tls") { "native-tls" } else { "rustls" }
}

impl UreqTransport {
    /// Runs one request: a caller's agent gets no redirects and statuses as answers whatever
    /// it says; a per-call timeout overrides the agent's per-phase ones.
    fn run<B: ureq::AsSendBody>(
        &self,
        request: ureq::http::Request<B>,
        sent: &HttpRequest,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let agent = match &self.direct {
            Some(direct) if crate::url::is_loopback_url(&sent.url) => direct,
            _ => &self.agent,
        };
        let timeout = sent.timeout;
        if !self.foreign && timeout.is_none() && sent.deadline.is_none() {
            return agent.run(request);
        }
        let mut config = agent.configure_request(request).max_redirects(0).http_status_as_error(false);
        if let Some(left) = sent.deadline {
            config = config.timeout_global(Some(left));
        }
        if let Some(t) = timeout {
            config = config
                .timeout_send_request(Some(t))
                .timeout_send_body(Some(t))
                .timeout_recv_response(Some(t))
                .timeout_recv_body(Some(t));
        }
        agent.run(config.build())
    }
}

impl Transport for UreqTransport {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, Error> {
        // An empty body on a method that carries one is sent as `content-length: 0`: as `()`
        // ureq would frame it chunked, which a server that reads no chunked bodies refuses
        // (Previsto's update with nothing set, the portal's empty create).
        let result = if request.body.is_empty() && matches!(request.method, Method::Get | Method::Delete) {
            to_http(request, ()).map(|r| self.run(r, request))
        } else {
            to_http(request, request.body.as_slice()).map(|r| self.run(r, request))
        };
        // Through the proxy: its name goes in the error (the host the error names is the API's).
        let via = self.via.as_deref().filter(|_| !crate::url::is_loopback_url(&request.url));
        let response = match result {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => return Err(from_ureq(e, false, via)),
            Err(e) => {
                return Err(Error::transport(TransportKind::InvalidRequest, false, "could not build the request")
                    .with_source(e));
            }
        };
        let (parts, mut body) = response.into_parts();
        let headers = parts.headers.iter().map(|(n, v)| (n.as_str().to_owned(), header_text(v))).collect();
        let body =
            body.with_config().limit(request.max_response_bytes).read_to_vec().map_err(|e| from_ureq(e, true, via))?;
        let mut answer = HttpResponse::new(parts.status.as_u16(), body);
        answer.headers = headers;
        Ok(answer)
    }
}

/// The `http` request for ureq, built in place (the `http` builder moves itself through every
/// header, which costs more than the rest of building).
fn to_http<B>(request: &HttpRequest, body: B) -> Result<ureq::http::Request<B>, ureq::http::Error> {
    use ureq::http::{HeaderName, HeaderValue, Method as M, Uri};
    let mut out = ureq::http::Request::new(body);
    *out.method_mut() = match request.method {
        Method::Get => M::GET,
        Method::Post => M::POST,
        Method::Put => M::PUT,
        Method::Patch => M::PATCH,
        Method::Delete => M::DELETE,
        other => M::from_bytes(other.as_str().as_bytes())?,
    };
    *out.uri_mut() = Uri::try_from(request.url.as_str())?;
    let headers = out.headers_mut();
    headers.reserve(request.headers.len());
    for h in &request.headers {
        let mut value = HeaderValue::from_str(&h.value)?;
        value.set_sensitive(h.sensitive);
        headers.append(HeaderName::from_bytes(h.name.as_bytes())?, value);
    }
    Ok(out)
}

/// A header value as text: as it is when it is plain ASCII (nearly always), with invalid UTF-8
/// replaced otherwise.
fn header_text(value: &ureq::http::HeaderValue) -> String {
    match value.to_str() {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
    }
}

/// Maps a ureq error, deciding conservatively whether the request may have been sent. The
/// message says what failed, not where: the call and its host are added once, where the error
/// is named.
/// A transport error; `via`, the proxy the call went through, is named in it.
fn from_ureq(e: ureq::Error, reading_body: bool, via: Option<&str>) -> Error {
    use ureq::Error as U;
    let (kind, reached, message) = match &e {
        U::Timeout(t) => {
            let before_send = matches!(t, ureq::Timeout::Resolve | ureq::Timeout::Connect);
            (TransportKind::Timeout, reading_body || !before_send, format!("{} timeout", timeout_name(*t)))
        }
        U::HostNotFound => (TransportKind::Connect, false, "could not resolve the host".to_owned()),
        U::ConnectionFailed => (TransportKind::Connect, false, "could not connect".to_owned()),
        U::Io(io) if !reading_body && is_connect_failure(io) => (TransportKind::Connect, false, connect_message(io)),
        U::Io(io) => (TransportKind::Io, true, io.kind().to_string()),
        U::BodyExceedsLimit(n) => (TransportKind::ResponseTooLarge, true, format!("the answer is over {n} bytes")),
        U::Tls(m) => (TransportKind::Tls, reading_body, (*m).to_owned()),
        #[cfg(feature = "rustls")]
        U::Rustls(_) => (TransportKind::Tls, reading_body, "tls handshake failed".to_owned()),
        #[cfg(feature = "native-tls")]
        U::NativeTls(_) => (TransportKind::Tls, reading_body, "tls handshake failed".to_owned()),
        U::Protocol(_) => (TransportKind::Protocol, true, "malformed http response".to_owned()),
        U::BadUri(_) => (TransportKind::InvalidRequest, false, "bad url".to_owned()),
        U::Http(_) => (TransportKind::InvalidRequest, false, "invalid request".to_owned()),
        U::ConnectProxyFailed(m) => (TransportKind::Connect, false, format!("the proxy refused the tunnel: {m}")),
        U::StatusCode(s) => (TransportKind::Other, true, format!("status {s}")),
        _ => (TransportKind::Other, true, e.to_string()),
    };
    let message = match via {
        Some(proxy) => format!("{message} (through the proxy {proxy})"),
        None => message,
    };
    Error::transport(kind, reached, message).with_source(e)
}

fn timeout_name(t: ureq::Timeout) -> &'static str {
    match t {
        ureq::Timeout::Global => "call",
        ureq::Timeout::PerCall => "call",
        ureq::Timeout::Resolve => "resolve",
        ureq::Timeout::Connect => "connect",
        ureq::Timeout::SendRequest => "send-request",
        ureq::Timeout::SendBody => "send-body",
        ureq::Timeout::RecvResponse => "receive-response",
        ureq::Timeout::RecvBody => "receive-body",
        _ => "request",
    }
}

/// Failures that happen before a byte of the request is written: name resolution and TCP
/// connect. (A DNS failure arrives from the resolver as an uncategorized I/O error.)
fn is_connect_failure(io: &io::Error) -> bool {
    use io::ErrorKind as K;
    matches!(io.kind(), K::ConnectionRefused | K::AddrNotAvailable | K::HostUnreachable | K::NetworkUnreachable)
        || is_resolve_failure(io)
}

fn is_resolve_failure(io: &io::Error) -> bool {
    let text = io.to_string().to_ascii_lowercase();
    // std reports a failed lookup with the unstable `Uncategorized` kind: read its name.
    format!("{:?}", io.kind()) == "Uncategorized"
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
        || text.contains("nodename nor servname")
        || text.contains("no such host")
        || text.contains("temporary failure in name resolution")
}

fn connect_message(io: &io::Error) -> String {
    if is_resolve_failure(io) {
        return "could not resolve the host".to_owned();
    }
    match io.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        kind => format!("could not connect: {kind}"),
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::time::Duration;

    use contacts_core::{Error, TransportKind};

    use super::{UreqTransport, from_ureq};

    fn connect_error(e: ureq::Error) -> (TransportKind, bool, String) {
        let e = from_ureq(e, false, None);
        assert!(matches!(e, Error::Transport(_)), "{e:?}");
        (e.transport_kind().unwrap_or(TransportKind::Other), e.may_have_reached_server(), e.message().to_owned())
    }

    #[test]
    fn a_failed_name_lookup_is_a_connect_failure_that_never_left() {
        // What std's resolver returns for an unknown host (ureq passes it on as an I/O error).
        let lookup = io::Error::other("failed to lookup address information: Name or service not known");
        let (kind, reached, message) = connect_error(ureq::Error::Io(lookup));
        assert_eq!((kind, reached), (TransportKind::Connect, false));
        assert_eq!(message, "could not resolve the host");
        let (kind, reached, message) = connect_error(ureq::Error::HostNotFound);
        assert_eq!((kind, reached, message.as_str()), (TransportKind::Connect, false, "could not resolve the host"));
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        let (kind, reached, message) = connect_error(ureq::Error::Io(refused));
        assert_eq!((kind, reached), (TransportKind::Connect, false));
        assert_eq!(message, "connection refused");
    }

    #[test]
    fn a_broken_connection_after_sending_may_have_reached_the_server() {
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        let e = from_ureq(ureq::Error::Io(reset), true, None);
        assert!(matches!(e, Error::Transport(_)), "{e:?}");
        assert_eq!((e.transport_kind(), e.may_have_reached_server()), (Some(TransportKind::Io), true));
    }

    #[test]
    fn the_tls_stack_is_the_one_the_features_choose() {
        let t = UreqTransport::new(Duration::from_secs(1), Duration::from_secs(1));
        let provider = t.agent.config().tls_config().provider();
        if cfg!(feature = "native-tls") {
            assert_eq!(provider, ureq::tls::TlsProvider::NativeTls);
            assert_eq!(super::tls_provider(), "native-tls");
        } else {
            assert_eq!(provider, ureq::tls::TlsProvider::Rustls);
            assert_eq!(super::tls_provider(), "rustls");
        }
    }
}
