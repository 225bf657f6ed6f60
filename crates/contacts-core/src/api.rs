//! The [`ContactsApi`] trait, so one program can treat the four providers alike.

use std::sync::Arc;

use crate::capabilities::{Capabilities, Operation, Provider};
use crate::check::{check_new, check_update};
use crate::contact::{Contact, ContactUpdate, FoundContact, ListContacts, NewContact};
use crate::error::{Error, Result};

/// A lazy stream of contacts, fetched page by page. `Send`, so a listing can move to another
/// thread.
pub type ContactStream<'a> = Box<dyn Iterator<Item = Result<Contact>> + Send + 'a>;

/// The operations every provider client offers, in one shape.
///
/// An operation the provider lacks returns [`Error::Unsupported`], and
/// [`capabilities`](Self::capabilities) says so before any call; it also says which unified
/// fields the provider stores. Implemented for `&T`, `Box<T>` and `Arc<T>` too, so a generic
/// `fn f<A: ContactsApi>(api: A)` takes `&client`.
pub trait ContactsApi: Send + Sync {
    /// The provider.
    fn provider(&self) -> Provider;

    /// The operations this provider has and the fields it stores.
    fn capabilities(&self) -> Capabilities;

    /// The host (and port) this client calls, without user info: what a record of a run (a
    /// sync journal) names besides the provider. `None` where the client cannot say.
    fn host(&self) -> Option<String> {
        None
    }

    /// Checks a create (or find-or-create) as the client would before sending it — the fields
    /// the provider stores and needs, then the provider's own documented rules — and sends
    /// nothing: what a dry run uses to show the writes that will really be tried.
    ///
    /// # Errors
    /// The [`Error::Validation`] (or [`Error::Config`]) the call itself would return before
    /// sending.
    fn validate_create(&self, contact: &NewContact) -> Result<()> {
        check_new(self.provider(), self.capabilities(), contact).map(|_| ())
    }

    /// Checks an update as [`validate_create`](Self::validate_create) does a create.
    ///
    /// # Errors
    /// As [`validate_create`](Self::validate_create).
    fn validate_update(&self, update: &ContactUpdate) -> Result<()> {
        check_update(self.provider(), self.capabilities(), update).map(|_| ())
    }

    /// Creates a contact.
    ///
    /// # Errors
    /// Validation, API and transport errors; [`Error::Validation`] naming a field the provider
    /// cannot store (unless the request is lossy); [`Error::Unsupported`] where there is no
    /// create.
    fn create(&self, contact: &NewContact) -> Result<Contact> {
        let _ = contact;
        Err(Error::unsupported(self.provider(), Operation::Create))
    }

    /// Fetches one contact by the provider's id.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such contact.
    fn get(&self, id: &str) -> Result<Contact> {
        let _ = id;
        Err(Error::unsupported(self.provider(), Operation::Get))
    }

    /// Changes a contact and returns it as it now is.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such contact; [`Error::Validation`] naming a field
    /// the provider cannot store (unless the patch is lossy).
    fn update(&self, id: &str, patch: &ContactUpdate) -> Result<Contact> {
        let _ = (id, patch);
        Err(Error::unsupported(self.provider(), Operation::Update))
    }

    /// Deletes a contact.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there was no such contact.
    fn delete(&self, id: &str) -> Result<()> {
        let _ = id;
        Err(Error::unsupported(self.provider(), Operation::Delete))
    }

    /// Every contact matching `query`, fetched lazily page by page.
    ///
    /// A failed page is yielded as one `Err`, after which the stream ends.
    fn list<'a>(&'a self, query: &ListContacts) -> ContactStream<'a> {
        let _ = query;
        Box::new(std::iter::once(Err(Error::unsupported(self.provider(), Operation::List))))
    }

    /// Returns the contact with this contact's phone, creating it if there is none.
    ///
    /// # Errors
    /// Validation, API and transport errors; [`Error::Unsupported`] where there is none.
    fn find_or_create(&self, contact: &NewContact) -> Result<FoundContact> {
        let _ = contact;
        Err(Error::unsupported(self.provider(), Operation::FindOrCreate))
    }
}

macro_rules! forward_contacts_api {
    ($($ty:ty),+) => {$(
        impl<T: ContactsApi + ?Sized> ContactsApi for $ty {
            fn provider(&self) -> Provider {
                (**self).provider()
            }
            fn capabilities(&self) -> Capabilities {
                (**self).capabilities()
            }
            fn host(&self) -> Option<String> {
                (**self).host()
            }
            fn validate_create(&self, contact: &NewContact) -> Result<()> {
                (**self).validate_create(contact)
            }
            fn validate_update(&self, update: &ContactUpdate) -> Result<()> {
                (**self).validate_update(update)
            }
            fn create(&self, contact: &NewContact) -> Result<Contact> {
                (**self).create(contact)
            }
            fn get(&self, id: &str) -> Result<Contact> {
                (**self).get(id)
            }
            fn update(&self, id: &str, patch: &ContactUpdate) -> Result<Contact> {
                (**self).update(id, patch)
            }
            fn delete(&self, id: &str) -> Result<()> {
                (**self).delete(id)
            }
            fn list<'a>(&'a self, query: &ListContacts) -> ContactStream<'a> {
                (**self).list(query)
            }
            fn find_or_create(&self, contact: &NewContact) -> Result<FoundContact> {
                (**self).find_or_create(contact)
            }
        }
    )+};
}

forward_contacts_api!(&T, Box<T>, Arc<T>);
