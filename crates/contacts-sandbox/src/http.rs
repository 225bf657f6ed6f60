//! A small HTTP/1.1 server over std's TcpListener: keep-alive, Content-Length bodies, and the
//! socket-level control that fault injection needs (drop, truncate, delay).

use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use percent_encoding::percent_decode_str;

use crate::{FaultKind, Shared};

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The path as sent, still percent-encoded.
    pub path: String,
    /// The raw query string (without `?`), empty when there was none.
    pub query: String,
    /// Headers, names lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The query pairs, percent-decoded (`+` as space).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_pairs(&self.query)
    }

    /// The decoded path segments after `prefix` segments.
    pub(crate) fn segments(&self) -> Vec<String> {
        self.path.split('/').filter(|s| !s.is_empty()).map(decode).collect()
    }
}

/// Decodes one percent-encoded component.
pub(crate) fn decode(s: &str) -> String {
    percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// Parses `a=1&b=2` (form bodies and query strings), percent-decoded.
pub(crate) fn parse_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// A response to send.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: value.to_string().into_bytes(),
        }
    }

    pub fn empty(status: u16) -> Response {
        Response { status, headers: Vec::new(), body: Vec::new() }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// The most connections served at once, each on its own thread. Past it a new connection is
/// answered 503 and closed: 500 idle clients must not cost 500 threads.
pub(crate) const MAX_CONNECTIONS: usize = 64;

/// Accepts connections until shutdown, one thread per connection, at most [`MAX_CONNECTIONS`].
pub(crate) fn serve(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = stream else { continue };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        if !admit(&shared) {
            let _ = write_response(&mut stream, &Response::empty(503).with_header("Retry-After", "1"), true);
            continue;
        }
        let shared = Arc::clone(&shared);
        let spawned = thread::Builder::new().name("sandbox-conn".into()).spawn({
            let shared = Arc::clone(&shared);
            move || {
                let _ = connection(stream, &shared);
                shared.active.fetch_sub(1, Ordering::SeqCst);
            }
        });
        if spawned.is_err() {
            shared.active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Takes a connection slot. When all are taken, idle keep-alive connections are asked to give
/// theirs up (they close after [`IDLE_UNDER_PRESSURE`]) and a slot is awaited for up to 2 s:
/// idle clients must not starve new ones. `false` when none freed up.
fn admit(shared: &Shared) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    loop {
        if shared.active.fetch_add(1, Ordering::SeqCst) < MAX_CONNECTIONS {
            shared.pressure.store(false, Ordering::SeqCst);
            return true;
        }
        shared.active.fetch_sub(1, Ordering::SeqCst);
        shared.pressure.store(true, Ordering::SeqCst);
        if std::time::Instant::now() >= deadline || shared.shutdown.load(Ordering::SeqCst) {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// How long an idle connection keeps its slot while new connections wait for one.
const IDLE_UNDER_PRESSURE: Duration = Duration::from_millis(200);

/// How long a connection may sit idle between requests before the sandbox closes it.
const IDLE_LIMIT: Duration = Duration::from_secs(60);

/// Waits for the next request's first byte, checking for shutdown now and then; gives up on a
/// connection idle for [`IDLE_LIMIT`].
fn wait_readable(reader: &mut BufReader<TcpStream>, shared: &Shared) -> io::Result<bool> {
    let since = std::time::Instant::now();
    loop {
        // A stopped sandbox answers nothing more, kept-alive connections included: a test
        // stops it to play a dead server.
        if since.elapsed() > IDLE_LIMIT || shared.shutdown.load(Ordering::SeqCst) {
            return Ok(false);
        }
        if shared.pressure.load(Ordering::SeqCst) && since.elapsed() > IDLE_UNDER_PRESSURE {
            return Ok(false);
        }
        match reader.fill_buf() {
            Ok([]) => return Ok(false),
            Ok(_) => return Ok(!shared.shutdown.load(Ordering::SeqCst)),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                if shared.shutdown.load(Ordering::SeqCst) {
                    return Ok(false);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

fn connection(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        reader.get_ref().set_read_timeout(Some(Duration::from_millis(100)))?;
        if !wait_readable(&mut reader, shared)? {
            return Ok(());
        }
        let request = match read_request(&mut Incoming::new(&mut reader, shared))? {
            Ok(request) => request,
            Err(status) => {
                let _ = write_response(&mut writer, &Response::empty(status), true);
                return Ok(());
            }
        };
        let close = request.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        shared.record(&request);
        let fault = shared.take_fault(&request);
        if let Some(delay) = fault.as_ref().and_then(|f| f.delay) {
            thread::sleep(delay);
        }
        let response = match fault.as_ref().map(|f| &f.kind) {
            Some(FaultKind::Drop) => return Ok(()),
            Some(FaultKind::NotFound) => crate::not_found_answer(&request.path),
            Some(FaultKind::Status { status, body, retry_after }) => {
                let mut r = Response { status: *status, headers: Vec::new(), body: body.clone().into_bytes() };
                if let Some(ra) = retry_after {
                    r = r.with_header("Retry-After", ra.clone());
                }
                r
            }
            Some(FaultKind::Malformed) => {
                let mut r = crate::route(shared, &request);
                r.status = 200;
                r.body = b"{\"malformed\": [1, 2,".to_vec();
                r
            }
            Some(FaultKind::Truncated) => {
                let r = crate::route(shared, &request);
                let head = format!(
                    "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    r.status,
                    reason(r.status),
                    r.body.len() + 100
                );
                writer.write_all(head.as_bytes())?;
                writer.write_all(&r.body[..r.body.len() / 2])?;
                writer.flush()?;
                return Ok(());
            }
            Some(FaultKind::Delay) | None => crate::route(shared, &request),
        };
        shared.wait_latency();
        write_response(&mut writer, &response, close)?;
        if close {
            return Ok(());
        }
    }
}

/// How long a request's head and body may take to arrive, counted from its first byte.
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);

/// The same while new connections wait for a slot: a client that trickles its request (one
/// byte every few seconds) loses its slot to them.
const REQUEST_DEADLINE_UNDER_PRESSURE: Duration = Duration::from_millis(500);

/// A request arriving on a connection, read as its bytes come and against its deadline.
struct Incoming<'a> {
    reader: &'a mut BufReader<TcpStream>,
    shared: &'a Shared,
    started: Instant,
}

impl<'a> Incoming<'a> {
    fn new(reader: &'a mut BufReader<TcpStream>, shared: &'a Shared) -> Incoming<'a> {
        Incoming { reader, shared, started: Instant::now() }
    }

    fn late(&self) -> bool {
        let elapsed = self.started.elapsed();
        elapsed > REQUEST_DEADLINE
            || (self.shared.pressure.load(Ordering::SeqCst) && elapsed > REQUEST_DEADLINE_UNDER_PRESSURE)
            || self.shared.shutdown.load(Ordering::SeqCst)
    }

    /// How many bytes are buffered, reading more when none are: 0 at the end of the stream,
    /// `TimedOut` past the deadline.
    fn fill(&mut self) -> io::Result<usize> {
        loop {
            if self.late() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "the request did not arrive in time"));
            }
            match self.reader.fill_buf() {
                Ok(buf) => return Ok(buf.len()),
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Appends one line (its `\n` included) to `line`; `false` at the end of the stream or
    /// once `line` is longer than `max`.
    fn line(&mut self, line: &mut Vec<u8>, max: usize) -> io::Result<bool> {
        loop {
            if self.fill()? == 0 {
                return Ok(false);
            }
            let buf = self.reader.buffer();
            let (take, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            line.extend_from_slice(&buf[..take]);
            self.reader.consume(take);
            if line.len() > max {
                return Ok(false);
            }
            if done {
                return Ok(true);
            }
        }
    }

    /// The body, `length` bytes, kept as they arrive: a declared length reserves nothing.
    fn body(&mut self, length: usize) -> io::Result<Vec<u8>> {
        let mut body = Vec::with_capacity(length.min(64 * 1024));
        while body.len() < length {
            if self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let buf = self.reader.buffer();
            let take = buf.len().min(length - body.len());
            body.extend_from_slice(&buf[..take]);
            self.reader.consume(take);
        }
        Ok(body)
    }
}

/// Reads one request; `Err(status)` is the answer to a request refused before it is served
/// (400 for one whose framing is in doubt, 408 for one that did not arrive in time), after
/// which the connection closes.
fn read_request(incoming: &mut Incoming<'_>) -> io::Result<Result<Request, u16>> {
    match read_framed(incoming) {
        Err(e) if e.kind() == io::ErrorKind::TimedOut => Ok(Err(408)),
        other => other,
    }
}

fn read_framed(incoming: &mut Incoming<'_>) -> io::Result<Result<Request, u16>> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        if !incoming.line(&mut line, MAX_HEAD - head.len())? {
            return Ok(Err(400));
        }
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        head.extend_from_slice(&line);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or_default().split_whitespace();
    let (Some(method), Some(target)) = (first.next(), first.next()) else { return Ok(Err(400)) };
    // RFC 9112 §5: a line folded onto the one before (obs-fold, starting with a space or tab),
    // a line without a colon, and a name with whitespace in or around it are refused: read
    // leniently, `X-A: a\r\n Content-Length: 9` would frame the body.
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { return Ok(Err(400)) };
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
            return Ok(Err(400));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    // Where the body ends must be beyond doubt, or what follows would be read as another
    // request (a DELETE hidden in a body): two different Content-Lengths, one that is not
    // digits only (`+9`, `6x`, `5, 5`), or any Transfer-Encoding (the sandbox reads no chunked
    // bodies) are refused with 400 and the connection closed.
    let lengths: Vec<&str> = headers.iter().filter(|(n, _)| n == "content-length").map(|(_, v)| v.as_str()).collect();
    if lengths.windows(2).any(|w| w[0] != w[1]) || headers.iter().any(|(n, _)| n == "transfer-encoding") {
        return Ok(Err(400));
    }
    let length = match lengths.first() {
        None => 0,
        Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => match v.parse::<usize>() {
            Ok(n) => n,
            Err(_) => return Ok(Err(400)),
        },
        Some(_) => return Ok(Err(400)),
    };
    if length > MAX_BODY {
        return Ok(Err(400));
    }
    let body = incoming.body(length)?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Ok(Ok(Request { method: method.to_owned(), path: path.to_owned(), query: query.to_owned(), headers, body }))
}

fn write_response(w: &mut TcpStream, r: &Response, close: bool) -> io::Result<()> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", r.status, reason(r.status));
    for (n, v) in &r.headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n", r.body.len()));
    if close {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&r.body);
    w.write_all(&bytes)?;
    w.flush()
}
