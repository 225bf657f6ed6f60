//! A blocking client for the [Levers](https://docs.uselevers.com) api-service v1 contacts API:
//! Saudi collections, in Arabic and English.
//!
//! Create, update, get and list contacts with every documented field, bilingual pairs
//! (`name`/`name_ar`, `city`/`city_ar`, …), secondary contacts and the documented enums;
//! lengths are checked in characters (a 255-letter Arabic name is 510 bytes and fits), and
//! FastAPI's error details arrive as per-field errors.
//!
//! ```no_run
//! use levers_client::{Client, ContactUpdate, EmailTone, ListContacts, NewContact};
//!
//! // Your Levers host: the crate has no default (the public reference shows only Levers'
//! // development server, `levers_client::DOCUMENTED_BASE_URL`).
//! let base_url = "https://levers.example.com/api-service/v1";
//! let client = Client::new(base_url, "eyJ…")?; // a ready JWT
//! let client = Client::builder().base_url(base_url).client_credentials("id", "secret").build()?; // or exchange
//! let c = client.contacts().create(
//!     &NewContact::new("Acme Trading").name_ar("شركة أكمي للتجارة").email("ap@acme.sa").email_tone(EmailTone::Friendly),
//! )?;
//! let c = client.contacts().update(&c.id, &ContactUpdate::new().phone_number("+966500000000"))?;
//! let c = client.contacts().get(&c.id)?;
//! for c in client.contacts().iter(&ListContacts::new()) {
//!     let c = c?;
//! }
//! # Ok::<(), levers_client::Error>(())
//! ```
//!
//! With client credentials the client exchanges them at `/auth/v1/api-key/auth` on first
//! use, caches the token, and on a 401 exchanges once more and repeats the call once (one
//! renewal at a time, however many threads share the client). Levers documents no delete:
//! `delete` and [`contacts_core::ContactsApi`] say it is unsupported.
//!
//! # Assumptions
//! Where the document is silent, the crate assumes (and the README lists): there is no default
//! host (the only one documented, `api.dev.uselevers.com`, is a development server: the caller
//! names the base URL, `LEVERS_BASE_URL` for `from_env`); the list answer is fastapi-pagination's
//! `{items, total, page, size, pages}` or a bare array, pages count from 1 and hold at most
//! 100; `extPlatformId` / `extCompanyId` get a generous bound of our own (10,000 characters);
//! nested objects in answers may lack their `uuid`.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

mod client;
mod contacts;
pub mod unified;
mod verify;

pub use client::{Client, ClientBuilder, DOCUMENTED_BASE_URL, Raw};
pub use contacts::Contacts;
pub use contacts::model::{
    Contact, ContactId, ContactPage, Date, EmailLanguage, EmailTone, Gender, PaymentInstructions, Risk, Role,
    SecondaryContactSummary, SmsLanguage, Workflow,
};
pub use contacts::request::{
    ContactUpdate, EXT_ID_MAX_CHARS, ITER_PAGE_SIZE, ListContacts, MAX_PAGE_SIZE, NewContact, SecondaryContact,
    TEXT_MAX_CHARS,
};
pub use contacts_core::{
    CallOptions, Capabilities, ContactsApi, Error, ErrorDetails, Field, FieldError, Header, HttpRequest, HttpResponse,
    Method, Operation, Provider, ResponseMeta, Result, RetryPolicy, Secret, Sleeper, Transport, TransportKind,
    UnknownValue, WithMeta, sleeper,
};
pub use contacts_core::{Check, Outcome, VerifyOptions, VerifyReport};
pub use uuid::Uuid;
pub use verify::verify;
