//! Test support for contacts-rs: a raw TCP fault server that misbehaves the way real networks
//! and servers do (resets, hangs, trickles, endless bodies), counting what it received.
//! The tests themselves live in `tests/`.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

/// What the server does with the next request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answer normally (keep-alive).
    Respond { status: u16, content_type: &'static str, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Read the request, then close without answering.
    Close,
    /// Read the request, then reset the connection (RST) without answering.
    Reset,
    /// Send the head and part of the body, then reset.
    ResetMidBody { status: u16, declared: usize, sent: Vec<u8> },
    /// Read the request and never answer (until the server is dropped).
    Hang,
    /// Send the whole answer one byte at a time, `every` apart.
    Trickle { status: u16, body: Vec<u8>, every: Duration },
    /// Declare a body of `declared` bytes (2 GB, say) and keep sending until the client goes.
    Endless { declared: u64 },
    /// Send the head at once, then the body one byte at a time, `every` apart.
    TrickleBody { status: u16, body: Vec<u8>, every: Duration },
    /// Never read the request (nor answer) until the server is dropped: the client's send
    /// stalls once the socket buffers are full.
    NeverRead,
}

impl Action {
    /// A JSON answer.
    pub fn json(status: u16, body: impl Into<String>) -> Action {
        Action::Respond {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: body.into().into_bytes(),
        }
    }

    /// An answer with any content type and bytes.
    pub fn raw(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Action {
        Action::Respond { status, content_type, headers: Vec::new(), body: body.into() }
    }

    /// Adds a header to a `Respond`.
    pub fn header(mut self, name: &str, value: &str) -> Action {
        if let Action::Respond { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }
}

struct Shared {
    script: Mutex<VecDeque<Action>>,
    default: Mutex<Action>,
    counts: Mutex<HashMap<String, u64>>,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A server on 127.0.0.1 that plays scripted actions, then a default one.
pub struct FaultServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FaultServer {
    /// Starts with `default` for every request not scripted.
    pub fn start(default: Action) -> std::io::Result<FaultServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            script: Mutex::new(VecDeque::new()),
            default: Mutex::new(default),
            counts: Mutex::new(HashMap::new()),
            stop: AtomicBool::new(false),
        });
        let s = Arc::clone(&shared);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let s = Arc::clone(&s);
                    thread::spawn(move || serve(stream, &s));
                }
            }
        });
        Ok(FaultServer { addr, shared })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Plays `action` for the next request (after those already scripted).
    pub fn then(&self, action: Action) -> &FaultServer {
        lock(&self.shared.script).push_back(action);
        self
    }

    /// Requests received with this method whose path starts with `prefix`.
    pub fn count(&self, method: &str, prefix: &str) -> u64 {
        lock(&self.shared.counts)
            .iter()
            .filter(|(k, _)| k.split_once(' ').is_some_and(|(m, p)| m == method && p.starts_with(prefix)))
            .map(|(_, n)| *n)
            .sum()
    }

    /// Every request received.
    pub fn total(&self) -> u64 {
        lock(&self.shared.counts).values().sum()
    }

    /// The paths received, as `METHOD path`.
    pub fn seen(&self) -> Vec<String> {
        lock(&self.shared.counts).keys().cloned().collect()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn serve(stream: TcpStream, shared: &Shared) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    loop {
        if matches!(lock(&shared.script).front(), Some(Action::NeverRead)) {
            lock(&shared.script).pop_front();
            *lock(&shared.counts).entry("UNREAD".to_owned()).or_default() += 1;
            while !shared.stop.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(20));
            }
            return;
        }
        let Some((method, path)) = read_request(&mut reader) else { return };
        *lock(&shared.counts).entry(format!("{method} {path}")).or_default() += 1;
        let action = lock(&shared.script).pop_front().unwrap_or_else(|| lock(&shared.default).clone());
        let head = |status: u16, len: u64, ct: &str| {
            format!("HTTP/1.1 {status} X\r\nContent-Type: {ct}\r\nContent-Length: {len}\r\n\r\n").into_bytes()
        };
        match action {
            Action::Respond { status, content_type, headers, body } => {
                let mut h = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n",
                    body.len()
                );
                for (n, v) in headers {
                    h.push_str(&format!("{n}: {v}\r\n"));
                }
                h.push_str("\r\n");
                let mut bytes = h.into_bytes();
                bytes.extend(body);
                if writer.write_all(&bytes).is_err() {
                    return;
                }
            }
            Action::Close => return,
            Action::Reset => return reset(writer),
            Action::ResetMidBody { status, declared, sent } => {
                let _ = writer.write_all(&head(status, declared as u64, "application/json"));
                let _ = writer.write_all(&sent);
                let _ = writer.flush();
                thread::sleep(Duration::from_millis(20));
                return reset(writer);
            }
            Action::Hang => {
                while !shared.stop.load(Ordering::SeqCst) {
                    thread::sleep(Duration::from_millis(20));
                }
                return;
            }
            Action::Trickle { status, body, every } => {
                let mut bytes = head(status, body.len() as u64, "application/json");
                bytes.extend(body);
                for b in bytes {
                    if writer.write_all(&[b]).is_err() || writer.flush().is_err() {
                        return;
                    }
                    thread::sleep(every);
                }
            }
            Action::TrickleBody { status, body, every } => {
                if writer.write_all(&head(status, body.len() as u64, "application/json")).is_err() {
                    return;
                }
                for b in body {
                    if writer.write_all(&[b]).is_err() || writer.flush().is_err() {
                        return;
                    }
                    thread::sleep(every);
                }
            }
            // Handled before the request is read.
            Action::NeverRead => return,
            Action::Endless { declared } => {
                if writer.write_all(&head(200, declared, "application/json")).is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0u64;
                while sent < declared && !shared.stop.load(Ordering::SeqCst) {
                    if writer.write_all(&chunk).is_err() {
                        return;
                    }
                    sent += chunk.len() as u64;
                }
                return;
            }
        }
    }
}

fn reset(stream: TcpStream) {
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
}

/// Reads one request; returns its method and path (without the query).
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String)> {
    let mut first = String::new();
    if reader.read_line(&mut first).ok()? == 0 {
        return None;
    }
    let mut parts = first.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?;
    let path = target.split('?').next().unwrap_or(target).to_owned();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((n, v)) = line.split_once(':')
            && n.trim().eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, path))
}

/// Keeps the README section between `<!-- NAME:begin -->` and `<!-- NAME:end -->` equal to
/// `body`, so the README's tables are what the tests ran. Panics when they differ, unless
/// `CONTACTS_BLESS` is set, in which case it rewrites the section.
pub fn sync_readme(name: &str, body: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path).unwrap_or_default();
    let (begin, end) = (format!("<!-- {name}:begin -->\n"), format!("<!-- {name}:end -->"));
    let Some(start) = readme.find(&begin).map(|i| i + begin.len()) else {
        panic!("README lacks the {begin:?} marker");
    };
    let Some(stop) = readme[start..].find(&end).map(|i| start + i) else {
        panic!("README lacks the {end:?} marker");
    };
    if &readme[start..stop] == body {
        return;
    }
    if std::env::var_os("CONTACTS_BLESS").is_some() {
        if let Err(e) = std::fs::write(&path, format!("{}{body}{}", &readme[..start], &readme[stop..])) {
            panic!("cannot write the README: {e}");
        }
    } else {
        panic!("README's {name} table differs from what the tests ran; rerun with CONTACTS_BLESS=1:\n{body}");
    }
}

/// Peak resident set size of this process in KiB, from the OS (`VmHWM` in
/// `/proc/self/status`); `None` where the OS does not say.
/// Waits for `child` and gives its exit status and its own peak RSS in KiB (the kernel's
/// `ru_maxrss` for that process alone, from `wait4`).
pub fn wait_with_peak_rss(child: std::process::Child) -> std::io::Result<(Option<i32>, u64)> {
    let pid = libc::pid_t::try_from(child.id()).map_err(std::io::Error::other)?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for (std waits only when asked), and both
    // pointers are to live locals.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if got < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Ok((code, u64::try_from(usage.ru_maxrss).unwrap_or(0)))
}

pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// A JSON list body of copies of `item`, comma-separated between `wrap.0` and `wrap.1`, just
/// under `cap` bytes: an answer as large as a client's response cap allows.
pub fn list_body_near(cap: usize, item: &str, wrap: (&str, &str)) -> Vec<u8> {
    let mut out = String::with_capacity(cap);
    out.push_str(wrap.0);
    while out.len() + item.len() + wrap.1.len() + 1 < cap {
        if out.len() > wrap.0.len() {
            out.push(',');
        }
        out.push_str(item);
    }
    out.push_str(wrap.1);
    out.into_bytes()
}

/// The workspace's providers, from the one list in the root `Cargo.toml`
/// (`[workspace.metadata.contacts-rs] providers`): `(crate, provider)`.
pub fn listed_providers() -> Vec<(String, contacts_core::Provider)> {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let text = std::fs::read_to_string(manifest).unwrap_or_default();
    let value = |line: &str, key: &str| -> Option<String> {
        let rest = line.split(&format!("{key} = \"")).nth(1)?;
        Some(rest.split('"').next()?.to_owned())
    };
    text.split("[workspace.metadata.contacts-rs]")
        .nth(1)
        .and_then(|s| s.split("\n[").next())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let krate = value(l, "crate")?;
            let name = value(l, "provider")?;
            let provider = contacts_core::Provider::from_name(&name)?;
            Some((krate, provider))
        })
        .collect()
}

/// A client of every listed provider, pointed at `sandbox` with the credentials it accepts,
/// in the list's order. A provider added to the list and not here panics, naming it: the
/// cross-crate tests that use this cover every provider or fail.
pub fn sandbox_clients(sandbox: &contacts_sandbox::Sandbox) -> Vec<Box<dyn contacts_core::ContactsApi>> {
    use contacts_core::Provider;
    use contacts_sandbox::credentials;
    listed_providers()
        .into_iter()
        .map(|(krate, provider)| -> Box<dyn contacts_core::ContactsApi> {
            match provider {
                Provider::LEVERS => Box::new(
                    levers_client::Client::builder()
                        .client_credentials(credentials::LEVERS_CLIENT_ID, credentials::LEVERS_CLIENT_SECRET)
                        .base_url(sandbox.levers_base_url())
                        .build()
                        .expect("a levers client"),
                ),
                Provider::CLEANLIFE => Box::new(
                    cleanlife_partners::Client::builder()
                        .api_key(credentials::CLEANLIFE_API_KEY)
                        .base_url(sandbox.cleanlife_base_url())
                        .build()
                        .expect("a cleanlife client"),
                ),
                Provider::PREVISTO => Box::new(
                    previsto::Client::builder()
                        .api_key(credentials::PREVISTO_SECRET_KEY)
                        .base_url(sandbox.previsto_base_url())
                        .build()
                        .expect("a previsto client"),
                ),
                Provider::PORTAL => Box::new(
                    portal_contacts::Client::builder()
                        .authorization(credentials::PORTAL_AUTHORIZATION)
                        .base_url(sandbox.portal_base_url())
                        .build()
                        .expect("a portal client"),
                ),
                other => panic!(
                    "{krate} ({other}) is in the provider list but contacts_tests::sandbox_clients cannot build it: add it there"
                ),
            }
        })
        .collect()
}
