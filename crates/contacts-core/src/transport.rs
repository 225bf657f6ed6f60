//! The seam under the HTTP plumbing: one request in, one response (or error) out.
//!
//! [`UreqTransport`] is the default. Implement [`Transport`] to plug in another HTTP stack,
//! or to script answers and faults in tests without sockets.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::error::{Error, TransportKind};

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method as it goes on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether repeating the method cannot change the outcome (GET, PUT, DELETE).
    pub fn is_idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Put | Method::Delete)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One request header. A `sensitive` header's value is never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    /// The header name, lowercase.
    pub name: String,
    /// The value.
    pub value: String,
    /// Whether the value is a credential.
    pub sensitive: bool,
}

impl Header {
    /// A plain header.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Header { name: name.into().to_ascii_lowercase(), value: value.into(), sensitive: false }
    }

    /// A header holding a credential.
    pub fn sensitive(name: impl Into<String>, value: impl Into<String>) -> Self {
        Header { sensitive: true, ..Header::new(name, value) }
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value: &dyn fmt::Debug = if self.sensitive { &"***" } else { &self.value };
        f.debug_tuple("Header").field(&self.name).field(value).finish()
    }
}

/// A request ready for the wire.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The full URL, path segments and query already percent-encoded.
    pub url: String,
    /// Headers, in the order they are sent.
    pub headers: Vec<Header>,
    /// The body; empty means none.
    pub body: Vec<u8>,
    /// The largest response body to accept, in bytes.
    pub max_response_bytes: u64,
}

impl HttpRequest {
    /// A request with no headers and no body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        HttpRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            max_response_bytes: crate::http::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
    }
}

/// A response as it came back: status, headers, and the whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// Headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with the given status and body and no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse { status, headers: Vec::new(), body: body.into() }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Sends one request and returns whatever status came back.
///
/// A non-2xx status is an `Ok` here: deciding what it means is the client's job. Failures to
/// get any answer are [`Error::Transport`], saying whether the request may have reached the
/// server; the retry policy relies on that to never repeat a create that may have landed.
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request` and reads the whole response body, at most
    /// `request.max_response_bytes` of it.
    ///
    /// # Errors
    /// [`Error::Transport`] when no complete answer could be had.
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, Error>;
}

/// The default [`Transport`]: one [`ureq::Agent`], so connections are pooled and reused.
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
}

impl UreqTransport {
    /// An agent with these timeouts, reporting every status as a response (not an error) and
    /// following no redirects (credentials must not follow a redirect to another host).
    ///
    /// `timeout` bounds each phase of a request: sending it, waiting for the answer's head, and
    /// reading its body. (ureq's single whole-call deadline costs about 50 µs per call on
    /// loopback, measured by `cargo xtask bench`; per-phase limits cost next to nothing and
    /// still end a server that never answers or a body that trickles.)
    pub fn new(connect_timeout: Duration, timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(connect_timeout))
            .timeout_send_request(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_recv_body(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(ureq::config::AutoHeaderValue::None)
            .build()
            .new_agent();
        UreqTransport { agent }
    }

    /// Uses an agent you configured yourself (proxy, TLS, pool sizes…).
    ///
    /// Configure it with `http_status_as_error(false)`, or error statuses arrive without
    /// their bodies and the provider's error details are lost.
    pub fn from_agent(agent: ureq::Agent) -> Self {
        UreqTransport { agent }
    }
}

impl Transport for UreqTransport {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, Error> {
        let mut builder = ureq::http::Request::builder().method(request.method.as_str()).uri(&request.url);
        for h in &request.headers {
            builder = builder.header(h.name.as_str(), h.value.as_str());
        }
        let result = if request.body.is_empty() {
            builder.body(()).map(|r| self.agent.run(r))
        } else {
            builder.body(request.body.as_slice()).map(|r| self.agent.run(r))
        };
        let response = match result {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => return Err(from_ureq(e, false)),
            Err(e) => {
                return Err(Error::Transport {
                    kind: TransportKind::Other,
                    may_have_reached_server: false,
                    message: "could not build the request".into(),
                    source: Some(Box::new(e)),
                });
            }
        };
        let (parts, mut body) = response.into_parts();
        let headers = parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body =
            body.with_config().limit(request.max_response_bytes).read_to_vec().map_err(|e| from_ureq(e, true))?;
        Ok(HttpResponse { status: parts.status.as_u16(), headers, body })
    }
}

/// Maps a ureq error, deciding conservatively whether the request may have been sent.
fn from_ureq(e: ureq::Error, reading_body: bool) -> Error {
    use ureq::Error as U;
    let (kind, reached, message) = match &e {
        U::Timeout(t) => {
            let before_send = matches!(t, ureq::Timeout::Resolve | ureq::Timeout::Connect);
            (TransportKind::Timeout, reading_body || !before_send, format!("{t:?} timeout"))
        }
        U::HostNotFound => (TransportKind::Connect, false, "host not found".into()),
        U::ConnectionFailed => (TransportKind::Connect, false, "connection failed".into()),
        U::Io(io) if io.kind() == io::ErrorKind::ConnectionRefused && !reading_body => {
            (TransportKind::Connect, false, "connection refused".into())
        }
        U::Io(io) => (TransportKind::Io, true, io.kind().to_string()),
        U::BodyExceedsLimit(n) => (TransportKind::ResponseTooLarge, true, format!("body over {n} bytes")),
        U::Tls(m) => (TransportKind::Tls, reading_body, (*m).to_owned()),
        #[cfg(feature = "rustls")]
        U::Rustls(_) => (TransportKind::Tls, reading_body, "tls handshake failed".into()),
        U::Protocol(_) => (TransportKind::Protocol, true, "malformed http response".into()),
        U::BadUri(u) => (TransportKind::Other, false, format!("bad url {u}")),
        U::Http(_) => (TransportKind::Other, false, "invalid request".into()),
        U::StatusCode(s) => (TransportKind::Other, true, format!("status {s}")),
        _ => (TransportKind::Other, true, e.to_string()),
    };
    Error::Transport { kind, may_have_reached_server: reached, message, source: Some(Box::new(e)) }
}
