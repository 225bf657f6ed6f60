//! Shared plumbing for the contacts-rs API clients.
//!
//! You normally use this crate through a provider crate (`previsto`, `levers-client`,
//! `cleanlife-partners`, `portal-contacts`), each of which re-exports [`Error`] and
//! [`Result`]. What lives here is written once for all four:
//!
//! - [`Error`]: one error type, with kinds a caller can match on
//!   ([`Error::Validation`], [`Error::Api`], [`Error::NotFound`], [`Error::Transport`],
//!   [`Error::Decode`], [`Error::Config`], [`Error::Unsupported`]).
//! - [`Secret`]: keys and tokens that never show up in `Debug` or `Display`.
//! - [`HttpConfig`] / [`HttpClient`]: one connection pool per client, percent-encoded path
//!   segments, default headers and `User-Agent`, timeouts, a response size cap, JSON and
//!   [`Form`] bodies, and the [`RetryPolicy`] loop, over a pluggable [`Transport`].
//! - The unified model ([`Contact`], [`NewContact`], [`ContactPatch`], [`ListQuery`]) and
//!   the [`ContactsApi`] trait, so a program can treat the providers alike.
//! - [`validate`] and [`lenient`]: checks before sending, and tolerant decoding after.
//!
//! A provider operation is a few lines on top of it:
//!
//! ```
//! use contacts_core::{HttpConfig, Method, default_error, Result};
//! # use contacts_core::{Transport, HttpRequest, HttpResponse, Error};
//! # #[derive(Debug)] struct Canned;
//! # impl Transport for Canned {
//! #     fn send(&self, r: &HttpRequest) -> Result<HttpResponse, Error> {
//! #         assert_eq!(r.url, "https://api.example.com/contacts/a%2Fb");
//! #         Ok(HttpResponse::new(200, r#"{"name":"Anna"}"#))
//! #     }
//! # }
//! #[derive(serde::Deserialize)]
//! struct Contact { name: String }
//!
//! let mut config = HttpConfig::new("example", "0.1.0").default_base_url("https://api.example.com");
//! # config.set_transport(std::sync::Arc::new(Canned));
//! let http = config.build(default_error)?;
//! let contact: Contact = http.request(Method::Get, &["contacts", "a/b"])?.send()?.json()?;
//! assert_eq!(contact.name, "Anna");
//! # Ok::<(), contacts_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod date;
mod encode;
mod error;
mod http;
pub mod lenient;
mod macros;
mod model;
mod pages;
mod retry;
mod secret;
mod transport;
pub mod validate;

pub use date::Date;
pub use encode::{Form, encode_path_segment};
pub use error::{BODY_SNIPPET_LIMIT, Error, FieldError, Result, TransportKind, is_retryable_status, snippet};
pub use http::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, ErrorDecoder, HttpClient, HttpConfig,
    RequestBuilder, Response, decode_json, decode_value, default_error,
};
pub use macros::check_known;
pub use model::{
    Address, Capabilities, Contact, ContactPatch, ContactStream, ContactsApi, FoundContact, GeoPoint, ListQuery,
    NewContact, Operation, Provider, refuse_unstored, unsupported,
};
pub use pages::{Page, Pages};
pub use retry::{RetryPolicy, Sleeper, ThreadSleeper, new_request_id, parse_retry_after};
pub use secret::Secret;
pub use transport::{Header, HttpRequest, HttpResponse, Method, Transport, UreqTransport};

#[doc(hidden)]
pub use serde;

/// The HTTP library under the default transport, for [`UreqTransport::from_agent`].
pub use ureq;
