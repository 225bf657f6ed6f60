//! What the client reads from and checks in a URL: its host, whether it is this machine, how
//! it may be printed, and whether it may be called.

use contacts_core::{Error, Result};

/// Whether `host` (no port) is this machine.
pub(crate) fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "[::1]"
        || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether an absolute URL's host is this machine.
pub(crate) fn is_loopback_url(url: &str) -> bool {
    is_loopback(strip_port(host_of(url)))
}

pub(crate) fn strip_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or(authority)
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    }
}

/// The host (and port) of an absolute URL, without user info.
pub(crate) fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.rsplit_once('@').map_or(authority, |(_, h)| h)
}

/// A URL as it may be printed: scheme, host and path; never user info, query or fragment.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<not a URL>".to_owned();
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let clean: String = format!("{scheme}://{host}/{path}").chars().filter(|c| !c.is_control()).collect();
    clean.trim_end_matches('/').to_owned()
}

/// Validates a URL the client will call and returns it without a trailing slash.
pub(crate) fn check_url(what: &str, url: &str, allow_insecure_http: bool) -> Result<String> {
    let bad = |why: &str| Error::config(format!("{what} {} {why}", redact_url(url)));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("is not absolute (http:// or https://)"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(bad("must not hold user info (user:password@): pass credentials to the builder"));
    }
    if rest.contains(['?', '#']) || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(bad("must not hold a query, a fragment, spaces or control characters"));
    }
    if authority.is_empty() {
        return Err(bad("must name a host"));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(strip_port(authority)) => {}
        "http" => {
            return Err(bad(
                "is plain http to a host that is not loopback: use https, or opt in with allow_insecure_http(true)",
            ));
        }
        _ => return Err(bad("must use http or https")),
    }
    Ok(url.trim_end_matches('/').to_owned())
}
