//! [`HttpClient`]: one provider client's connection pool, auth and the retry loop.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use contacts_core::{
    Error, Header, HttpRequest, HttpResponse, Method, Provider, Result, RetryPolicy, Secret, Sleeper, Transport,
    TransportKind, escaped,
};

use crate::auth::{Applied, Auth, Kind, bad_token, check_header_value};
use crate::decode::{BODY_SNIPPET_LIMIT, decode_json, snippet};
use crate::encode::push_path_segment;
use crate::retry::{MAX_RETRY_AFTER, backoff, parse_retry_after, wait_after_status};
use crate::url::{host_of, redact_url};

use crate::config::*;
use crate::request::{Call, RequestBuilder};

pub(crate) struct Inner {
    pub(crate) log_target: Arc<str>,
    pub(crate) provider: Provider,
    pub(crate) base_url: String,
    pub(crate) host: String,
    pub(crate) headers: Vec<Header>,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) retry: RetryPolicy,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    pub(crate) max_response_bytes: u64,
    pub(crate) deadline: Option<Duration>,
    pub(crate) decode_error: ErrorDecoder,
    pub(crate) auth: Auth,
}

/// The shared HTTP client of one provider client: base URL, default headers, auth, one
/// transport (so one connection pool), the retry policy and the provider's error decoder.
///
/// Cheap to clone: clones share everything, the cached token included.
#[derive(Clone)]
pub struct HttpClient {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("base_url", &redact_url(&self.inner.base_url))
            .field("headers", &self.inner.headers)
            .field("auth", &self.inner.auth)
            .field("retry", &self.inner.retry)
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

/// What one call overrides of the client's settings.
pub(crate) struct Overrides<'o> {
    pub(crate) retry: Option<&'o RetryPolicy>,
    pub(crate) deadline: Option<Duration>,
    /// A 404 after an attempt that may have landed is the call's success (a delete).
    pub(crate) gone_is_done: bool,
    /// Every answer is returned as it came, whatever its status (after the retries the policy
    /// allows): for tools that examine the provider's error answers.
    pub(crate) any_status: bool,
    /// The client's credentials are not applied (the request carries what it was given).
    pub(crate) without_credentials: bool,
}

/// The outcome of one attempt.
pub(crate) enum Attempt {
    Done(HttpResponse),
    /// No answer. `call_sent` is whether the call may have reached the server: not when its
    /// credentials could not be had (a token exchange that did not complete), so it is then
    /// repeated like a connection that never opened, whatever the call is.
    Failed {
        error: Error,
        call_sent: bool,
    },
}

impl HttpClient {
    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The host (and port) of the base URL, as errors name it.
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// The provider this client calls.
    pub fn provider(&self) -> Provider {
        self.inner.provider
    }

    /// The client's retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Starts a request to the base URL joined with `segments`, each percent-encoded.
    ///
    /// # Errors
    /// [`Error::Validation`] (field `id`) when a segment is empty: an empty id would turn
    /// "this contact" into "the collection".
    pub fn request(&self, method: Method, segments: &[&str]) -> Result<RequestBuilder<'_>> {
        let base = &self.inner.base_url;
        let mut url = String::with_capacity(base.len() + segments.iter().map(|s| s.len() + 1).sum::<usize>() + 16);
        url.push_str(base);
        for segment in segments {
            if segment.is_empty() {
                return Err(Error::validation("id", "must not be empty"));
            }
            url.push('/');
            push_path_segment(&mut url, segment);
        }
        Ok(RequestBuilder {
            client: self,
            idempotent: method.is_idempotent(),
            gone_is_done: false,
            any_status: false,
            without_credentials: false,
            method,
            url,
            query: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
            pending: None,
            retry: None,
            deadline: None,
            timeout: None,
        })
    }

    /// Puts the credentials of this attempt on `request`.
    /// Attaches the credentials; a token exchange they need is bounded by `deadline`, what
    /// is left of the call's.
    pub(crate) fn apply_auth(&self, request: &mut HttpRequest, deadline: Option<Duration>) -> Result<Applied> {
        let (header, token) = match &self.inner.auth.0 {
            Kind::None => return Ok(Applied { token: None }),
            Kind::Header { name, value } => (Header::sensitive(*name, value.expose().to_owned()), None),
            Kind::From { name, get } => {
                let value = get()?;
                if value.is_empty() {
                    return Err(Error::config(format!("the {name} value is empty")));
                }
                check_header_value(name, value.expose())?;
                (Header::sensitive(*name, value.expose().to_owned()), None)
            }
            Kind::Exchange(x) => {
                let mut cached = x.lock();
                let token = match &*cached {
                    Some(token) => token.clone(),
                    None => {
                        // The lock is held across the exchange: one renewal at a time, and the
                        // threads that wait use its token instead of fetching their own.
                        let token = self.exchange(&x.url, &x.body, x.token_field, deadline)?;
                        *cached = Some(token.clone());
                        token
                    }
                };
                (Header::sensitive("authorization", format!("Bearer {}", token.expose())), Some(token))
            }
        };
        request.headers.retain(|h| h.name != header.name);
        request.headers.push(header);
        Ok(Applied { token })
    }

    /// `POST url` with the secret JSON body; the token is the answer's `field`.
    pub(crate) fn exchange(&self, url: &str, body: &Secret, field: &str, deadline: Option<Duration>) -> Result<Secret> {
        let inner = &*self.inner;
        let mut request = HttpRequest::new(Method::Post, url);
        request.headers = inner.headers.clone();
        request.headers.push(Header::new("content-type", "application/json"));
        request.headers.push(Header::new("accept", "application/json"));
        request.body = body.expose().as_bytes().to_vec();
        request.max_response_bytes = inner.max_response_bytes;
        // Inside the call's deadline: a silent token endpoint cannot hold the call past it.
        request.deadline = deadline;
        let name = |e: Error| e.with_call(inner.provider, "token exchange", host_of(url));
        let response = inner.transport.send(&request).map_err(name)?;
        if !(200..300).contains(&response.status) {
            // The endpoint's own words may echo what it was sent: keep none of the secret.
            let error = self.decode(&request, &response, None);
            let message = scrub(error.message(), body);
            let mut scrubbed = match error {
                Error::NotFound(_) | Error::Api(_) => Error::api(response.status, message),
                _ => Error::api(response.status, format!("http status {}", response.status)),
            };
            if let Some(code) = error.code() {
                scrubbed = scrubbed.with_code(scrub(code, body));
            }
            if let Some(wait) = error.retry_after() {
                scrubbed = scrubbed.with_retry_after(wait);
            }
            if error.is_rate_limited() {
                scrubbed = scrubbed.with_rate_limited();
            }
            return Err(name(scrubbed));
        }
        let answer: serde_json::Map<String, serde_json::Value> =
            decode_json(response.status, &response.body).map_err(|e| name(e.with_body(String::new())))?;
        let token = answer.get(field).and_then(serde_json::Value::as_str).unwrap_or_default();
        if token.is_empty() {
            return Err(name(bad_token(&format!("the answer has no {field}"))));
        }
        check_header_value(field, token).map_err(name)?;
        Ok(Secret::new(token))
    }

    /// Sends with auth and retries; the answer and how many times the request was sent.
    ///
    /// Logs through the `log` facade: one debug event per attempt (call, status, attempt,
    /// duration, request id), each retry and its wait at info, a failure at warn. Never a
    /// body, a header value, a query or user info: a call is named "provider METHOD /path".
    pub(crate) fn execute(
        &self,
        request: &mut HttpRequest,
        idempotent: bool,
        call: &Overrides<'_>,
    ) -> Result<(HttpResponse, u32)> {
        let inner = &*self.inner;
        let base_len = inner.base_url.len();
        let policy = call.retry.unwrap_or(&inner.retry);
        let deadline = call.deadline.or(inner.deadline);
        let started = Instant::now();
        let mut retry = 0;
        let mut sent = 0u32;
        // Whether an earlier attempt may have done what was asked though its answer was lost.
        let mut may_have_landed = false;
        let mut renewed = false;
        loop {
            let attempt_started = Instant::now();
            let left = deadline.map(|d| d.saturating_sub(started.elapsed()));
            let applied =
                if call.without_credentials { Ok(Applied { token: None }) } else { self.apply_auth(request, left) };
            let attempt = match applied {
                // Nothing of the call was sent: a failed token exchange is retried like a
                // connection that never opened, whatever the call is.
                Err(e @ Error::Transport(_)) => Attempt::Failed { error: e, call_sent: false },
                Err(e) => {
                    log::warn!(target: &inner.log_target, "{}: credentials failed: {e}", Call::of(inner, request, base_len));
                    return Err(e);
                }
                Ok(applied) => {
                    sent = sent.saturating_add(1);
                    // What is left of the deadline bounds this attempt as a whole, so a slow
                    // answer cannot carry the call past it.
                    request.deadline = deadline.map(|d| d.saturating_sub(started.elapsed()));
                    match inner.transport.send(request) {
                        Ok(response) if response.status == 401 && !renewed && applied.token.is_some() => {
                            log::info!(
                                target: &inner.log_target,
                                "{}: 401 with a cached token; renewing it once and repeating (attempt {sent})",
                                Call::of(inner, request, base_len)
                            );
                            // A refused call changed nothing: renew the token once and repeat.
                            if let (Kind::Exchange(x), Some(token)) = (&inner.auth.0, &applied.token) {
                                x.invalidate(token);
                            }
                            renewed = true;
                            continue;
                        }
                        Ok(response) => Attempt::Done(response),
                        Err(e) => {
                            let call_sent = e.may_have_reached_server();
                            Attempt::Failed { error: e, call_sent }
                        }
                    }
                }
            };
            if log::log_enabled!(target: &inner.log_target, log::Level::Debug) {
                let (status, id) = match &attempt {
                    Attempt::Done(r) => {
                        (r.status.to_string(), r.header("x-request-id").or(request.header("x-request-id")))
                    }
                    Attempt::Failed { .. } => ("no answer".to_owned(), request.header("x-request-id")),
                };
                log::debug!(
                    target: &inner.log_target,
                    "{} -> {status} (attempt {sent}, {} ms{})",
                    Call::of(inner, request, base_len),
                    attempt_started.elapsed().as_millis(),
                    id.map(|id| format!(", request id {}", escaped(id))).unwrap_or_default()
                );
            }
            let (wait, reason) = match attempt {
                Attempt::Done(response) if (200..300).contains(&response.status) => return Ok((response, sent)),
                Attempt::Done(response) if response.status == 404 && call.gone_is_done && may_have_landed => {
                    log::info!(
                        target: &inner.log_target,
                        "{}: 404 after an attempt whose answer was lost: that attempt did it (attempt {sent})",
                        Call::of(inner, request, base_len)
                    );
                    return Ok((response, sent));
                }
                Attempt::Done(response) => {
                    let retry_after = response
                        .header("retry-after")
                        .and_then(|v| parse_retry_after(v, SystemTime::now()))
                        .map(|d| d.min(MAX_RETRY_AFTER));
                    let wait =
                        if idempotent { wait_after_status(policy, response.status, retry_after, retry) } else { None };
                    match wait {
                        Some(wait) => {
                            // A gateway that timed out may have passed the request on.
                            may_have_landed |= matches!(response.status, 502 | 504);
                            (wait, format!("status {}", response.status))
                        }
                        None if call.any_status && !(300..400).contains(&response.status) => {
                            return Ok((response, sent));
                        }
                        None => {
                            let e = self.decode(request, &response, retry_after);
                            log::log!(
                                target: &inner.log_target,
                                failure_level(&e),
                                "{} failed after {sent} attempt(s): {e}",
                                Call::of(inner, request, base_len)
                            );
                            return Err(e);
                        }
                    }
                }
                Attempt::Failed { error: e, call_sent } => match e.transport_kind() {
                    Some(kind)
                        if matches!(e, Error::Transport(_))
                            && retry < policy.max_retries
                            // A TLS failure, an invalid request or an answer over the cap
                            // fails the same way again: not repeated.
                            && kind.is_transient()
                            && !deadline_passed(deadline, started)
                            && (idempotent || !call_sent) =>
                    {
                        may_have_landed |= call_sent;
                        (backoff(policy, retry), kind.to_string())
                    }
                    _ => {
                        log::warn!(
                            target: &inner.log_target,
                            "{} failed after {sent} attempt(s): {e}",
                            Call::of(inner, request, base_len)
                        );
                        return Err(e);
                    }
                },
            };
            if let Some(deadline) = deadline
                && started.elapsed().saturating_add(wait) >= deadline
            {
                let e = Error::transport(
                    TransportKind::Timeout,
                    true,
                    format!("the call did not finish within its deadline of {deadline:?}"),
                );
                log::warn!(target: &inner.log_target, "{}: {e}", Call::of(inner, request, base_len));
                return Err(e);
            }
            log::info!(
                target: &inner.log_target,
                "{}: {reason}; retrying in {wait:?} (attempt {sent})",
                Call::of(inner, request, base_len)
            );
            inner.sleeper.sleep(wait);
            retry += 1;
        }
    }

    /// Runs the provider's decoder, then fills in what it could not know.
    pub(crate) fn decode(&self, request: &HttpRequest, response: &HttpResponse, wait: Option<Duration>) -> Error {
        let sent_id = request.header("x-request-id");
        let echoed_id = response.header("x-request-id");
        if (300..400).contains(&response.status) {
            let to = response.header("location").map_or_else(|| "nowhere".to_owned(), |l| host_of(l).to_owned());
            let mut error = Error::api(
                response.status,
                format!(
                    "{} answered with a redirect to {to}, which is never followed (credentials must not \
                     follow a redirect): check the base URL",
                    self.inner.host
                ),
            )
            .with_body(snippet(&response.body));
            if let Some(id) = echoed_id.or(sent_id) {
                error = error.with_request_id(id);
            }
            return error;
        }
        let mut error = (self.inner.decode_error)(response);
        if matches!(error, Error::Api(_) | Error::NotFound(_)) {
            if error.request_id().is_none()
                && let Some(id) = echoed_id.or(sent_id)
            {
                error = error.with_request_id(id);
            }
            if let Some(wait) = error.retry_after().or(wait) {
                error = error.with_retry_after(wait.min(MAX_RETRY_AFTER));
            }
        }
        error
    }
}

/// Whether the call's deadline has passed.
/// The level a failed call is logged at: a not-found is an answer a caller often expects
/// (an existence check, a sync's lookup), so debug; every other failure, warn.
pub(crate) fn failure_level(error: &Error) -> log::Level {
    if error.is_not_found() { log::Level::Debug } else { log::Level::Warn }
}

fn deadline_passed(deadline: Option<Duration>, started: Instant) -> bool {
    deadline.is_some_and(|d| started.elapsed() >= d)
}

/// `text` with every string value of the secret JSON `body` (a client id and secret) replaced
/// by `***`, and cut to the snippet limit.
fn scrub(text: &str, body: &Secret) -> String {
    let mut out = text.to_owned();
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(body.expose()) {
        for value in fields.values().filter_map(serde_json::Value::as_str).filter(|v| !v.is_empty()) {
            out = out.replace(value, "***");
        }
    }
    if out.len() > BODY_SNIPPET_LIMIT {
        let mut cut = BODY_SNIPPET_LIMIT;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}
