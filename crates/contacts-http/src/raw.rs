//! [`Raw`]: any endpoint of a provider through its client's plumbing.

use contacts_core::{Method, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::HttpClient;
use crate::request::RequestBuilder;
use crate::response::Response;

/// Any endpoint of the provider, wrapped or not (TheCleanLife's bookings, anything a provider
/// adds), through the client's own auth, retries, limits, timeouts and errors: what each
/// provider's `Client::raw()` hands out.
///
/// Paths are segments below the client's base URL, each percent-encoded. A POST is not
/// repeated once it may have reached the server; GET, PUT and DELETE are retried as the
/// client's policy says. Answers come back as the provider sent them (`serde_json::Value` or
/// your type), envelopes included.
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a> {
    http: &'a HttpClient,
}

impl<'a> Raw<'a> {
    /// The raw handle over a provider's HTTP client.
    pub fn new(http: &'a HttpClient) -> Self {
        Raw { http }
    }

    /// A request to build further (query, headers, body) before [`send`](RequestBuilder::send).
    ///
    /// # Errors
    /// [`Error::Validation`](contacts_core::Error::Validation) for an empty segment.
    pub fn request(&self, method: Method, segments: &[&str]) -> Result<RequestBuilder<'a>> {
        self.http.request(method, segments)
    }

    /// `GET` with `query` pairs and decode the answer.
    ///
    /// # Errors
    /// The provider's error, a transport failure, or [`Error::Decode`](contacts_core::Error::Decode).
    pub fn get<T: DeserializeOwned>(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<T> {
        let mut request = self.request(Method::Get, segments)?;
        for (key, value) in query {
            request = request.query(key, value);
        }
        request.send()?.json()
    }

    /// `POST` a JSON body and decode the answer. Sent once if it may have reached the server.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn post<B: Serialize + ?Sized, T: DeserializeOwned>(&self, segments: &[&str], body: &B) -> Result<T> {
        self.request(Method::Post, segments)?.json(body).send()?.json()
    }

    /// `PUT` a JSON body and decode the answer.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn put<B: Serialize + ?Sized, T: DeserializeOwned>(&self, segments: &[&str], body: &B) -> Result<T> {
        self.request(Method::Put, segments)?.json(body).send()?.json()
    }

    /// `DELETE`, keeping the answer (which may be empty).
    ///
    /// # Errors
    /// The provider's error or a transport failure.
    pub fn delete(&self, segments: &[&str]) -> Result<Response> {
        self.request(Method::Delete, segments)?.send()
    }
}
