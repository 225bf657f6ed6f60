//! [`ContactsApi`] for TheCleanLife, and the unified types its methods take and return,
//! re-exported so they can be named without adding contacts-core.

pub use contacts_core::{
    Address, Contact, ContactStream, ContactUpdate, FoundContact, ListContacts, Location, NewContact,
};

use contacts_core::{Capabilities, ContactsApi, Field, Operation, Provider, check_new};
use contacts_http::decode_value;

use crate::{Client, ContactId, Error, Result};

fn unify(raw: serde_json::Value) -> Result<(Contact, bool)> {
    let c: crate::Contact = decode_value(&raw)?;
    let mut unified = Contact::new(c.id.to_string(), c.name);
    unified.phone = Some(c.phone);
    unified.raw = raw;
    let contact = unified;
    Ok((contact, c.is_new_contact))
}

impl ContactsApi for Client {
    /// Get and find-or-create; TheCleanLife keeps a name and a phone, and needs both. No
    /// external id is documented: a sync matches its contacts by phone.
    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Get, Operation::FindOrCreate])
            .storing(&[Field::Name, Field::Phone])
            .requiring(&[Field::Name, Field::Phone])
    }

    fn provider(&self) -> Provider {
        self.http.provider()
    }

    fn host(&self) -> Option<String> {
        Some(self.http.host().to_owned())
    }

    /// The phone rule and the name, as `find_or_create` checks them before sending.
    fn validate_create(&self, contact: &NewContact) -> Result<()> {
        contacts_http::unified::validate_create(self, contact, |c| {
            let phone =
                c.phone.as_deref().ok_or_else(|| Error::validation("phone", "is required to find or create"))?;
            crate::NewContact::new(phone, c.name.clone()).body().map(|_| ())
        })
    }

    fn get(&self, id: &str) -> Result<Contact> {
        Ok(unify(self.contacts().get_as(&id.parse::<ContactId>()?)?.value)?.0)
    }

    /// Finds by `contact.phone` (required, Saudi) or creates with `contact.name`. Any other
    /// field is refused (or dropped and reported, when the request is lossy): TheCleanLife
    /// keeps only a name and a phone.
    fn find_or_create(&self, contact: &NewContact) -> Result<FoundContact> {
        let (contact, dropped) = check_new(self.provider(), self.capabilities(), contact)?;
        let phone =
            contact.phone.as_deref().ok_or_else(|| Error::validation("phone", "is required to find or create"))?;
        let found = self.contacts().find_or_create_as(&crate::NewContact::new(phone, contact.name.clone()))?;
        let (contact, created) = unify(found.value)?;
        Ok(FoundContact::new(contact.dropped(dropped), created))
    }
}
