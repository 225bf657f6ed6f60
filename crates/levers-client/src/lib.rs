//! A blocking client for the [Levers](https://docs.uselevers.com) api-service v1 contacts API:
//! Saudi collections, in Arabic and English.
//!
//! Create, update, get and list contacts with every documented field, bilingual pairs
//! (`name`/`name_ar`, `city`/`city_ar`, …), secondary contacts and the documented enums;
//! lengths are checked in characters (a 255-letter Arabic name is 510 bytes and fits), and
//! FastAPI's error details arrive as per-field errors.
//!
//! ```no_run
//! use levers_client::{Client, CreateContact, EmailTone, ListContacts, UpdateContact};
//!
//! let client = Client::new("eyJ…")?;                                   // a ready JWT
//! let client = Client::builder().client_credentials("id", "secret").build()?; // or exchange
//! let c = client.contacts().create(
//!     &CreateContact::new("Acme Trading").name_ar("شركة أكمي للتجارة").email("ap@acme.sa").email_tone(EmailTone::Friendly),
//! )?;
//! let c = client.contacts().update(&UpdateContact::new(c.uuid).phone_number("+966500000000"))?;
//! let c = client.contacts().get(c.uuid)?;
//! for c in client.contacts().iter(&ListContacts::new()) {
//!     let c = c?;
//! }
//! # Ok::<(), levers_client::Error>(())
//! ```
//!
//! With client credentials the client exchanges them at `/auth/v1/api-key/auth` on first
//! use, caches the token, and on a 401 exchanges once more and repeats the call once.
//! Levers documents no delete: through [`contacts_core::ContactsApi`] it is unsupported.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod contacts;
mod unified;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL};
pub use contacts::{
    Contact, ContactPage, Contacts, CreateContact, EmailLanguage, EmailTone, Gender, ITER_PAGE_SIZE, ListContacts,
    MAX_CHARS, MAX_PAGE_SIZE, PaymentInstructions, Risk, Role, SecondaryContact, SecondaryContactSummary, SmsLanguage,
    UpdateContact, Workflow,
};
pub use contacts_core::{ContactsApi, Date, Error, Result, RetryPolicy, Secret};
pub use uuid::Uuid;
