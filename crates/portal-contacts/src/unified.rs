//! `contacts_core::ContactsApi` for the customer portal.

use contacts_core::{
    Capabilities, ContactPatch, ContactStream, ContactsApi, ListQuery, Operation, Provider, decode_value,
    refuse_unstored,
};

use crate::{Client, Contact, ContactId, ContactUpdate, CustomerId, NewContact, Result};

fn unify(raw: serde_json::Value) -> Result<contacts_core::Contact> {
    let c: Contact = decode_value(&raw)?;
    Ok(contacts_core::Contact::new(c.id.into_string(), c.name)
        .with_email(c.email)
        .with_phone(c.tel.or(c.mobile).or(c.tel1))
        .with_raw(raw))
}

impl ContactsApi for Client {
    fn provider(&self) -> Provider {
        Provider::Portal
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Create, Operation::Get, Operation::Update, Operation::Delete, Operation::List])
    }

    /// Creates the contact, then fetches it (the portal's create answers only the id).
    /// The phone goes to `tel`; address and tax id are refused (the portal has no such fields).
    fn create(&self, contact: &contacts_core::NewContact) -> Result<contacts_core::Contact> {
        refuse_unstored(Provider::Portal, "address", contact.address.is_some())?;
        refuse_unstored(Provider::Portal, "tax_id", contact.tax_id.is_some())?;
        let mut new = NewContact::new(contact.name.clone());
        if let Some(v) = &contact.email {
            new = new.email(v.clone());
        }
        if let Some(v) = &contact.phone {
            new = new.tel(v.clone());
        }
        let id = self.contacts().create(&new)?;
        ContactsApi::get(self, id.as_str())
    }

    fn get(&self, id: &str) -> Result<contacts_core::Contact> {
        unify(self.contacts().get_as(&ContactId::from(id))?)
    }

    /// Updates the contact, then fetches it (the portal's update answers only a message).
    fn update(&self, id: &str, patch: &ContactPatch) -> Result<contacts_core::Contact> {
        refuse_unstored(Provider::Portal, "address", patch.address.is_some())?;
        refuse_unstored(Provider::Portal, "tax_id", patch.tax_id.is_some())?;
        let mut update = ContactUpdate::new();
        if let Some(v) = &patch.name {
            update = update.name(v.clone());
        }
        if let Some(v) = &patch.email {
            update = update.email(v.clone());
        }
        if let Some(v) = &patch.phone {
            update = update.tel(v.clone());
        }
        self.contacts().update(&ContactId::from(id), &update)?;
        ContactsApi::get(self, id)
    }

    fn delete(&self, id: &str) -> Result<()> {
        self.contacts().delete(&ContactId::from(id))
    }

    /// Every contact of `query.customer_ids` (required), in one request: the portal does not
    /// page. It has no search: a `search` is refused.
    fn list<'a>(&'a self, query: &ListQuery) -> ContactStream<'a> {
        if let Err(e) = refuse_unstored(Provider::Portal, "search", query.search.is_some()) {
            return Box::new(std::iter::once(Err(e)));
        }
        let customers: Vec<CustomerId> = query.customer_ids.iter().copied().map(CustomerId).collect();
        match self.contacts().list_as::<serde_json::Value>(&customers) {
            Ok(raw) => Box::new(raw.unwrap_or_default().into_iter().map(unify)),
            Err(e) => Box::new(std::iter::once(Err(e))),
        }
    }
}
