//! [`Response`]: a 2xx answer, its metadata and its decoding.

use contacts_core::{Error, HttpResponse, Result};
use serde::de::DeserializeOwned;

use crate::decode::decode_json;

use crate::request::Context;

/// A 2xx answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub(crate) inner: HttpResponse,
    pub(crate) sent: u32,
    pub(crate) context: Context,
    pub(crate) sent_id: Option<String>,
}

impl Response {
    /// How many times the request went out before this answer (1 unless it was retried).
    pub fn attempts(&self) -> u32 {
        self.sent
    }

    /// Status, headers, request id (echoed by the provider, or the one the client sent) and
    /// attempts.
    pub fn meta(&self) -> contacts_core::ResponseMeta {
        let request_id = self.request_id().map(str::to_owned);
        contacts_core::ResponseMeta::new(self.inner.status, self.inner.headers.clone(), request_id, self.sent)
    }

    /// The request id: the `x-request-id` the provider echoed, else the one the client sent.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.header("x-request-id").or(self.sent_id.as_deref())
    }

    /// [`meta`](Self::meta), taking the headers instead of copying them (for the last use of
    /// an answer).
    pub fn into_meta(self) -> contacts_core::ResponseMeta {
        let request_id = self.inner.header("x-request-id").map(str::to_owned).or(self.sent_id);
        contacts_core::ResponseMeta::new(self.inner.status, self.inner.headers, request_id, self.sent)
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.inner.status
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.header(name)
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.inner.body
    }

    /// The whole answer.
    pub fn into_inner(self) -> HttpResponse {
        self.inner
    }

    /// Decodes the body as JSON.
    ///
    /// # Errors
    /// [`Error::Decode`] naming the JSON path that did not fit, the call and the host.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json(self.inner.status, &self.inner.body).map_err(|e| self.error(e))
    }

    /// Decodes the body as JSON in which every [`Limited`](crate::Limited) list holds at most
    /// `limit` items: a page is never decoded past what was asked for.
    ///
    /// # Errors
    /// As [`json`](Self::json), and for a list longer than `limit`.
    pub fn json_limited<T: DeserializeOwned>(&self, limit: usize) -> Result<T> {
        crate::decode::decode_limited(self.inner.status, &self.inner.body, limit).map_err(|e| self.error(e))
    }

    /// Names this call and its host in an error found in this answer (an error envelope in a
    /// 200, a body of the wrong shape), as every error of a failed call does.
    pub fn error(&self, error: Error) -> Error {
        let mut error = self.context.apply(error);
        // An error in a 2xx answer: the request id the provider echoed, else the one sent.
        if matches!(error, Error::Api(_) | Error::NotFound(_))
            && error.request_id().is_none()
            && let Some(id) = self.request_id()
        {
            error = error.with_request_id(id);
        }
        log::log!(
            target: &self.context.log_target,
            crate::client::failure_level(&error),
            "{} failed: {error}",
            self.context.call()
        );
        error
    }
}
