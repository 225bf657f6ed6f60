//! The contract the contacts-rs API clients share: what a program names when it uses one of
//! them, and what two provider crates must agree on so one program can use both.
//!
//! You normally use it through a provider crate (`previsto`, `levers-client`,
//! `cleanlife-partners`, `portal-contacts`), each of which re-exports [`Error`] and
//! [`Result`]. Because all four depend on this one small crate, a program that uses two of
//! them sees one `Error` type and one [`ContactsApi`].
//!
//! - [`Error`]: one error type, with kinds a caller can match on
//!   ([`Error::Validation`], [`Error::Api`], [`Error::NotFound`], [`Error::Transport`],
//!   [`Error::Decode`], [`Error::Config`], [`Error::Unsupported`]), each carrying the opaque
//!   [`ErrorDetails`] read through getters ([`Error::operation`], [`Error::host`],
//!   [`Error::status`], [`Error::code`], [`Error::retry_after`],
//!   [`Error::may_have_reached_server`], …).
//! - [`Secret`]: keys and tokens that never show up in `Debug` or `Display`.
//! - [`RetryPolicy`] and [`Sleeper`]: which failed calls are repeated, and how to wait.
//! - [`Transport`] with [`HttpRequest`] / [`HttpResponse`] / [`Header`] / [`Method`]: the seam
//!   under every client, to record, replay or wrap calls, or to script them in tests.
//! - [`CallOptions`] (per-call timeout, retries, deadline, headers) and [`ResponseMeta`] /
//!   [`WithMeta`] (status, headers and request id of a successful answer): one way in all four
//!   providers.
//! - The unified model ([`Contact`], [`NewContact`], [`ContactUpdate`], [`ListContacts`],
//!   [`Location`], [`Capabilities`]) and the [`ContactsApi`] trait, so a program can treat the providers
//!   alike.
//! - [`VerifyOptions`], [`VerifyReport`], [`Check`] and [`Outcome`]: what each provider crate's
//!   `verify` finds when it checks its reading of the documents against a real account.
//!
//! It has no HTTP library in its dependency tree (serde and serde_json only): the plumbing
//! lives in `contacts-http`, which only the provider crates name.
//!
//! ```
//! use contacts_core::{ContactsApi, Error, NewContact};
//!
//! fn copy_one(from: &dyn ContactsApi, to: &dyn ContactsApi, id: &str) -> Result<String, Error> {
//!     let contact = from.get(id)?;
//!     match to.create(&NewContact::new(contact.name.clone())) {
//!         Ok(created) => Ok(created.id),
//!         Err(e) if e.is_retryable() && !e.may_have_reached_server() => Err(e), // safe to try again
//!         Err(e) => Err(e),
//!     }
//! }
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

mod api;
mod call;
mod capabilities;
mod check;
mod contact;
mod error;
mod retry;
mod secret;
mod transport;
mod unknown;
mod verify;

pub use api::{ContactStream, ContactsApi};
pub use call::{CallOptions, ResponseMeta, WithMeta};
pub use capabilities::{Capabilities, Field, Operation, Provider};
pub use check::{check_new, check_update};
pub use contact::{Address, Contact, ContactUpdate, FoundContact, ListContacts, Location, NewContact};
pub use error::{Error, ErrorDetails, FieldError, Result, TransportKind, escaped};
pub use retry::{RetryPolicy, Sleeper, ThreadSleeper, sleeper};
pub use secret::Secret;
pub use transport::{Header, HttpRequest, HttpResponse, Method, Transport};
pub use unknown::UnknownValue;
pub use verify::{Check, Outcome, VerifyOptions, VerifyReport};
