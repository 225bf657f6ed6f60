//! A blocking client for [TheCleanLife](https://docs.thecleanlife.dev) partners API contacts.
//!
//! `find_or_create` returns the contact with a Saudi phone number, creating it if needed, and
//! `get` fetches one by id. Phones are accepted as people type them and sent as `+966…`;
//! the `x-api-key` header carries the key; every call sends its own `x-request-id`, which
//! every error carries back.
//!
//! ```no_run
//! use cleanlife_partners::{Client, Environment, NewContact};
//!
//! let client = Client::builder().api_key("pk_sandbox_…").environment(Environment::Sandbox).build()?;
//! let found = client.contacts().find_or_create(&NewContact::new("050 000 0000", "Ahmed Ali"))?;
//! // found.contact.id: ContactId, .name, .phone ("+966500000000"); found.created
//! let c = client.contacts().get(&found.contact.id)?;
//! # Ok::<(), cleanlife_partners::Error>(())
//! ```
//!
//! Retries: the default policy is [`RetryPolicy::default`] except that a 429 without
//! `Retry-After` is not retried (TheCleanLife's limit is a 60 s window; the error says to wait).
//! A policy passed to `retry_policy(…)` replaces it whole, so keep
//! `.retry_429_without_retry_after(false)` on it if you want that behaviour.
//!
//! The client also implements [`contacts_core::ContactsApi`] (find-or-create and get; the
//! rest is reported unsupported by `capabilities()` and `Error::Unsupported`).
//!
//! # Assumptions
//! Where the document is silent, the crate assumes (and the README lists): production
//! (`https://api.cleanlife.sa/v1`) is the default; a 429 without `Retry-After` is not retried
//! (the limit is a 60 s window); find-or-create is retried like a read, and says when it was
//! (`FoundContact::retried`), since a repeat may then report `created: false`; names get a
//! generous bound of our own (10,000 characters).
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

mod client;
mod contacts;
pub mod unified;
mod verify;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, Environment, RATE_LIMIT_WINDOW, REQUEST_TIMEOUT, Raw};
pub use contacts::Contacts;
pub use contacts::model::{Contact, ContactId, FoundContact};
pub use contacts::request::{NewContact, TEXT_MAX_CHARS, normalize_saudi_phone};
pub use contacts_core::{
    CallOptions, Capabilities, ContactsApi, Error, ErrorDetails, Field, FieldError, Header, HttpRequest, HttpResponse,
    Method, Operation, Provider, ResponseMeta, Result, RetryPolicy, Secret, Sleeper, Transport, TransportKind,
    UnknownValue, WithMeta, sleeper,
};
pub use contacts_core::{Check, Outcome, VerifyOptions, VerifyReport};
pub use uuid::Uuid;
pub use verify::verify;
