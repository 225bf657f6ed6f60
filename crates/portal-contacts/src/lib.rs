//! A blocking client for a customer-portal contacts API: the routes of its contacts page
//! (`/contact`, each installation on its own host; no public copy of the vendor's pages is
//! cited here).
//!
//! List contacts by customer, get, create, update and delete — with the portal's `result`
//! envelopes told apart correctly (including delete's `"result": false` on success), its loose
//! wire types decoded into Rust types, and every documented limit checked before sending.
//!
//! ```no_run
//! use portal_contacts::{Client, ContactUpdate, ListContacts, NewContact};
//!
//! let client = Client::builder()
//!     .base_url("https://portal.example.com/api") // your installation: there is no default
//!     .authorization("…")                         // the Authorization header value
//!     .build()?;
//! let all = client.contacts().list(&ListContacts::new().customer(1))?;
//! let id = client.contacts().create(&NewContact::new("Jane Doe").email("jane@example.com"))?;
//! let jane = client.contacts().get(&id)?;
//! client.contacts().update(&id, &ContactUpdate::new("Jane Doe").tel("+4512345678"))?;
//! client.contacts().delete(&id)?; // Err(NotFound) when it was not there
//! # Ok::<(), portal_contacts::Error>(())
//! ```
//!
//! The client also implements [`contacts_core::ContactsApi`]; its `list` needs the customer
//! ids in [`contacts_core::ListContacts::customer_ids`].
//!
//! # Assumptions
//! Where the document is silent, the crate assumes (and the README lists): request bodies are
//! form-encoded (booleans as 1/0; `BodyEncoding::Json` switches); the base URL is your own
//! installation's (no default); a single contact may arrive in `entity`, `data`, `entities`
//! (an object or a list) or as the body itself; the list is not paged; a contact's customer
//! link is sent as `customer_id` only when you set `NewContact::customer_id`; the update
//! needs the name, as the document's create rules say.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

mod client;
mod contacts;
pub mod unified;
mod verify;

pub use client::{BodyEncoding, Client, ClientBuilder, CustomerIdForm, Raw};
pub use contacts::model::{Contact, ContactId, ContactPage, CustomerId};
pub use contacts::request::{
    CUSTOM_IDENTIFIER_MAX_CHARS, ContactUpdate, DEPARTMENT_MAX_CHARS, EMAIL_MAX_CHARS, ListContacts, NAME_MAX_CHARS,
    NewContact, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, PHONE_MAX_CHARS, PROFILE_ID_MAX,
};
pub use contacts::{Contacts, NOTHING_SENT};
pub use contacts_core::{
    CallOptions, Capabilities, ContactsApi, Error, ErrorDetails, Field, FieldError, Header, HttpRequest, HttpResponse,
    Method, Operation, Provider, ResponseMeta, Result, RetryPolicy, Secret, Sleeper, Transport, TransportKind,
    UnknownValue, WithMeta, sleeper,
};
pub use contacts_core::{Check, Outcome, VerifyOptions, VerifyReport};
pub use verify::verify;
