//! The seam under every client: one request in, one response (or error) out.
//!
//! The provider crates send through ureq by default. Implement [`Transport`] to plug in
//! another HTTP stack, to record or replay calls, or to script answers and faults in tests
//! without sockets.

use std::borrow::Cow;
use std::fmt;

use crate::error::Error;

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
///
/// Name and value are `Cow<'static, str>`: the headers every call sends (`accept`,
/// `content-type`…) are `&'static str` and cost no allocation, per call or ever.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    /// The header name, lowercase.
    pub name: Cow<'static, str>,
    /// The value.
    pub value: Cow<'static, str>,
    /// Whether the value is a credential.
    pub sensitive: bool,
}

impl Header {
    /// A plain header: a `&'static str` or a `String` for each part (the name is lowercased).
    ///
    /// ```
    /// use contacts_core::Header;
    /// let h = Header::new("Accept", "application/json");
    /// assert_eq!((&*h.name, &*h.value), ("accept", "application/json"));
    /// let id = String::from("req-1");
    /// assert_eq!(Header::new("x-request-id", id).value, "req-1");
    /// ```
    pub fn new(name: impl Into<Cow<'static, str>>, value: impl Into<Cow<'static, str>>) -> Self {
        let mut name = name.into();
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            name.to_mut().make_ascii_lowercase();
        }
        Header { name, value: value.into(), sensitive: false }
    }

    /// A header holding a credential.
    pub fn sensitive(name: impl Into<Cow<'static, str>>, value: impl Into<Cow<'static, str>>) -> Self {
        Header { sensitive: true, ..Header::new(name, value) }
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value: &dyn fmt::Debug = if self.sensitive { &"***" } else { &self.value };
        f.debug_tuple("Header").field(&self.name).field(value).finish()
    }
}

/// A request ready for the wire. Its `Debug` shows the body's length, never the body (it may
/// hold a password or a client secret), and hides sensitive headers.
#[derive(Clone)]
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
    /// A timeout for each phase of this request, overriding the transport's own, when set.
    pub timeout: Option<std::time::Duration>,
    /// What is left of the call's deadline: a bound on this attempt as a whole, when set.
    pub deadline: Option<std::time::Duration>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body_bytes", &self.body.len())
            .field("max_response_bytes", &self.max_response_bytes)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl HttpRequest {
    /// The response cap of [`HttpRequest::new`]: 32 MiB.
    pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

    /// A request with no headers and no body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        HttpRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            max_response_bytes: Self::DEFAULT_MAX_RESPONSE_BYTES,
            timeout: None,
            deadline: None,
        }
    }

    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| &*h.value)
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
