//! A blocking client for the customer-portal contacts API
//! ([apidocs.lightening.co](https://apidocs.lightening.co)).
//!
//! List contacts by customer, get, create, update and delete — with the portal's `result`
//! envelopes told apart correctly (including delete's `"result": false` on success), its loose
//! wire types decoded into Rust types, and every documented limit checked before sending.
//!
//! ```no_run
//! use portal_contacts::{Client, ContactUpdate, CustomerId, NewContact};
//!
//! let client = Client::builder()
//!     .base_url("https://portal.example.com/api") // your installation: there is no default
//!     .authorization("…")                         // the Authorization header value
//!     .build()?;
//! let all = client.contacts().list(&[CustomerId(1)])?;
//! let id = client.contacts().create(&NewContact::new("Jane Doe").email("jane@example.com"))?;
//! let jane = client.contacts().get(&id)?;
//! client.contacts().update(&id, &ContactUpdate::new().tel("+4512345678"))?;
//! client.contacts().delete(&id)?; // Err(NotFound) when it was not there
//! # Ok::<(), portal_contacts::Error>(())
//! ```
//!
//! The client also implements [`contacts_core::ContactsApi`]; its `list` needs the customer
//! ids in [`contacts_core::ListQuery::customer_ids`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod contacts;
mod unified;

pub use client::{BodyEncoding, Client, ClientBuilder};
pub use contacts::{
    CUSTOM_IDENTIFIER_MAX, Contact, ContactId, ContactUpdate, Contacts, CustomerId, DEPARTMENT_MAX, EMAIL_MAX,
    NAME_MAX, NOTHING_SENT, NewContact, PASSWORD_MAX, PASSWORD_MIN, PHONE_MAX, PROFILE_ID_MAX,
};
pub use contacts_core::{ContactsApi, Error, Result, RetryPolicy, Secret};
