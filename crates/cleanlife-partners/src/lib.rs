//! A blocking client for [TheCleanLife](https://docs.thecleanlife.dev) partners API contacts.
//!
//! `find_or_create` returns the contact with a Saudi phone number, creating it if needed, and
//! `get` fetches one by id. Phones are accepted as people type them and sent as `+966…`;
//! the `x-api-key` header carries the key; every call sends its own `x-request-id`, which
//! every error carries back.
//!
//! ```no_run
//! use cleanlife_partners::{Client, ContactRequest, Environment};
//!
//! let client = Client::builder().api_key("pk_sandbox_…").environment(Environment::Sandbox).build()?;
//! let r = client.contacts().find_or_create(&ContactRequest::new("050 000 0000", "Ahmed Ali"))?;
//! // r.id: Uuid, r.name, r.phone ("+966500000000"), r.is_new_contact
//! let c = client.contacts().get(r.id)?;
//! # Ok::<(), cleanlife_partners::Error>(())
//! ```
//!
//! The client also implements [`contacts_core::ContactsApi`] (find-or-create and get; the
//! rest is reported unsupported by `capabilities()` and `Error::Unsupported`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod contacts;
mod unified;

pub use client::{Client, ClientBuilder, Environment};
pub use contacts::{Contact, ContactRequest, Contacts, normalize_saudi_phone};
pub use contacts_core::{ContactsApi, Error, Result, RetryPolicy, Secret};
pub use uuid::Uuid;
