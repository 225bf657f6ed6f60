//! The HTTP plumbing the contacts-rs provider crates share.
//!
//! **This crate exists for the provider crates** (`previsto`, `levers-client`,
//! `cleanlife-partners`, `portal-contacts`), which depend on it with a caret requirement; its
//! releases follow semver so that two providers released at different times share one copy.
//! Its API is not meant for you: depend on a provider crate, and name [`contacts_core`] for
//! the types you share between them.
//!
//! What lives here, written once for all four providers:
//!
//! - [`HttpConfig`] / [`HttpClient`] / [`RequestBuilder`] / [`Response`]: one connection pool
//!   per client, percent-encoded path segments, default headers and `User-Agent`, timeouts per
//!   phase and an optional deadline per call, a response size cap, JSON and [`Form`] bodies,
//!   redirects never followed, proxies only as the caller or the environment says (never for
//!   loopback), and the [`RetryPolicy`](contacts_core::RetryPolicy) loop.
//! - [`Auth`]: the one hook that attaches credentials, on every attempt.
//! - [`UreqTransport`]: the default [`Transport`](contacts_core::Transport).
//! - [`Pages`]: a lazy iterator over paged lists that never loses or repeats a page silently.
//! - [`validate`] and [`lenient`]: checks before sending, and tolerant decoding after.
//! - [`unified`]: what every provider's `ContactsApi` implementation does around its own
//!   mapping (the capability check, the lossy report).
//! - [`wire_enum!`], [`string_id!`], [`uuid_id!`] and [`setters!`]: tables (wire enums, id
//!   newtypes, setter lists). A provider's `Client`, builder, operations and trait impls are
//!   plain code in the provider crate itself, not generated here.
//!
//! A provider operation is a few lines on top of it:
//!
//! ```
//! use contacts_http::{HttpConfig, default_error};
//! use contacts_http::core::{Method, Provider, Result};
//! # use contacts_http::core::{Transport, HttpRequest, HttpResponse, Error};
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
//! let mut config = HttpConfig::new(Provider::PREVISTO, "example", "0.1.0");
//! config.set_default_base_url("https://api.example.com");
//! # config.set_transport(std::sync::Arc::new(Canned));
//! let http = config.build(default_error)?;
//! let contact: Contact = http.request(Method::Get, &["contacts", "a/b"])?.send()?.json()?;
//! assert_eq!(contact.name, "Anna");
//! # Ok::<(), contacts_http::core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

mod auth;
mod client;
mod config;
mod decode;
mod encode;
pub mod env;
pub mod lenient;
mod macros;
mod pages;
mod raw;
mod request;
mod response;
mod retry;
mod transport;
pub mod unified;
mod url;
pub mod validate;
pub mod verify;

pub use auth::{Auth, required_secret};
pub use client::HttpClient;
pub use config::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, ErrorDecoder, HttpConfig};
pub use decode::{
    BODY_SNIPPET_LIMIT, Limited, RawItem, decode_json, decode_limited, decode_value, default_error, snippet,
};
pub use encode::{Form, encode_path_segment};
pub use pages::{CursorPage, CursorPages, Page, Pages, fingerprint};
pub use raw::Raw;
pub use request::RequestBuilder;
pub use response::Response;
pub use retry::{MAX_RETRY_AFTER, is_retryable_status, new_request_id, parse_retry_after};
pub use transport::{UreqTransport, tls_provider};
pub use url::redact_url;

/// The contract crate, re-exported so the macros and the providers name one path.
pub use contacts_core as core;

/// The HTTP library under the default transport, for [`UreqTransport::from_agent`] (a
/// provider crate never names it in its own API: pass `UreqTransport::from_agent(agent)` to
/// its builder's `transport`).
pub use ureq;
