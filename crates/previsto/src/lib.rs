//! A blocking client for the [Previsto](https://www.previsto.com) contacts API.
//!
//! Every documented operation — create, retrieve, update, delete, one page of the list, a lazy
//! iterator over every page — with form bodies exactly as Previsto documents them
//! (`meta[key]=value`, `location[]` pairs), HTTP Basic auth with the secret key, limits checked
//! before sending, and errors decoded from Previsto's `{type, message, param}`.
//!
//! ```no_run
//! use previsto::{Client, ContactUpdate, ListContacts, NewContact};
//!
//! let client = Client::new("sk_12345")?; // or Client::from_env()?
//! let anna = client.contacts().create(
//!     &NewContact::new("Anna Jensen").email("anna@jensen.dk").meta("hairColor", "Brown"),
//! )?;
//! let anna = client.contacts().update(&anna.id, &ContactUpdate::new().phone("+4522123456"))?;
//! for contact in client.contacts().iter(&ListContacts::new().search("anna")) {
//!     println!("{}", contact?.name);
//! }
//! client.contacts().delete(&anna.id)?;
//! # Ok::<(), previsto::Error>(())
//! ```
//!
//! Errors are [`Error`]: `Error::Validation` before anything is sent, `Error::NotFound` when
//! Previsto says a contact does not exist, `Error::Api` for Previsto's other refusals (402
//! "request failed", 429 rate limit of 120 requests a minute, …). Reads and updates are
//! retried on 429/5xx per the [`RetryPolicy`]; a create never is once it may have reached the
//! server.
//!
//! The client also implements [`contacts_core::ContactsApi`], the shape shared with the other
//! contacts-rs clients.
//!
//! # Assumptions
//! Where the document is silent, the crate assumes (and the README lists): `location` is
//! optional on create (the document's own example sends none); `location` goes on the wire as
//! `location[]=<lon>&location[]=<lat>`; pages hold 1..=1000 contacts; `x-total-count`, when
//! sent, is a hint (a short or empty page ends a list); a cleared `payingContactId` is sent as an
//! empty form value; a meta key holding `[` or `]` is refused (the form cannot carry it).
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

mod client;
mod contacts;
pub mod unified;
mod verify;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, RATE_LIMIT_WINDOW, Raw};
pub use contacts::Contacts;
pub use contacts::model::{AccountingMode, AccountingTime, Contact, ContactId, ContactPage, InvoiceDelivery, Location};
pub use contacts::request::{
    ContactUpdate, ITER_PAGE_SIZE, ListContacts, MAX_PAGE_SIZE, META_KEY_MAX_CHARS, META_MAX_KEYS,
    META_VALUE_MAX_CHARS, MIN_PAGE_SIZE, NewContact, Order, TEXT_MAX_CHARS,
};
pub use contacts_core::{
    CallOptions, Capabilities, ContactsApi, Error, ErrorDetails, Field, FieldError, Header, HttpRequest, HttpResponse,
    Method, Operation, Provider, ResponseMeta, Result, RetryPolicy, Secret, Sleeper, Transport, TransportKind,
    UnknownValue, WithMeta, sleeper,
};
pub use contacts_core::{Check, Outcome, VerifyOptions, VerifyReport};
pub use unified::EXTERNAL_ID_META_KEY;
pub use verify::verify;
