//! `contacts_core::ContactsApi` for Previsto.

use contacts_core::{
    Address, Capabilities, ContactStream, ContactsApi, Field, Operation, Provider, check_new, check_update,
};
use contacts_http::decode_value;

use crate::{Client, Contact, ContactId, ContactUpdate, ListContacts, Location, NewContact, Result};

/// The meta key that holds the unified `external_id` (the caller's own id for a contact):
/// Previsto documents meta as the place for a caller's own values.
pub const EXTERNAL_ID_META_KEY: &str = "externalId";

fn unify(raw: serde_json::Value) -> Result<contacts_core::Contact> {
    let c: Contact = decode_value(&raw)?;
    let mut street = c.address.clone();
    if let (Some(s), Some(apt)) = (&mut street, &c.apartment) {
        s.push_str(", ");
        s.push_str(apt);
    }
    let address = Address::from_parts(street, c.postal_code, c.city, c.country_code);
    let mut unified = contacts_core::Contact::new(c.id.into_string(), c.name);
    unified.email = c.email;
    unified.phone = c.phone;
    unified.address = Some(address).filter(|a| !a.is_empty());
    unified.tax_id = c.registration_no;
    unified.location = c.location.map(|l| contacts_core::Location::new(l.longitude, l.latitude));
    unified.external_id = c.meta.get(EXTERNAL_ID_META_KEY).cloned();
    unified.raw = raw;
    Ok(unified)
}

fn new_contact(contact: &contacts_core::NewContact) -> NewContact {
    let mut new = NewContact::new(contact.name.clone());
    if let Some(v) = &contact.email {
        new = new.email(v.clone());
    }
    if let Some(v) = &contact.phone {
        new = new.phone(v.clone());
    }
    if let Some(v) = &contact.tax_id {
        new = new.registration_no(v.clone());
    }
    if let Some(l) = contact.location {
        new = new.location(Location::new(l.longitude, l.latitude));
    }
    if let Some(v) = &contact.external_id {
        new = new.meta(EXTERNAL_ID_META_KEY, v.clone());
    }
    if let Some(a) = &contact.address {
        if let Some(v) = &a.street {
            new = new.address(v.clone());
        }
        if let Some(v) = &a.postal_code {
            new = new.postal_code(v.clone());
        }
        if let Some(v) = &a.city {
            new = new.city(v.clone());
        }
        if let Some(v) = &a.country {
            new = new.country_code(v.clone());
        }
    }
    new
}

fn update(patch: &contacts_core::ContactUpdate) -> ContactUpdate {
    let mut update = ContactUpdate::new();
    if let Some(v) = &patch.name {
        update = update.name(v.clone());
    }
    if let Some(v) = &patch.email {
        update = update.email(v.clone());
    }
    if let Some(v) = &patch.phone {
        update = update.phone(v.clone());
    }
    if let Some(v) = &patch.tax_id {
        update = update.registration_no(v.clone());
    }
    if let Some(l) = patch.location {
        update = update.location(Location::new(l.longitude, l.latitude));
    }
    if let Some(v) = &patch.external_id {
        update = update.meta(EXTERNAL_ID_META_KEY, v.clone());
    }
    if let Some(a) = &patch.address {
        if let Some(v) = &a.street {
            update = update.address(v.clone());
        }
        if let Some(v) = &a.postal_code {
            update = update.postal_code(v.clone());
        }
        if let Some(v) = &a.city {
            update = update.city(v.clone());
        }
        if let Some(v) = &a.country {
            update = update.country_code(v.clone());
        }
    }
    update
}

impl ContactsApi for Client {
    fn provider(&self) -> Provider {
        Provider::Previsto
    }

    /// Every operation but find-or-create; every unified field (the external id in the
    /// [`EXTERNAL_ID_META_KEY`] meta value); only the name is required.
    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Create, Operation::Get, Operation::Update, Operation::Delete, Operation::List])
            .storing(&Field::ALL)
            .requiring(&[Field::Name])
    }

    fn create(&self, contact: &contacts_core::NewContact) -> Result<contacts_core::Contact> {
        let (contact, dropped) = check_new(self.provider(), self.capabilities(), contact)?;
        Ok(unify(self.contacts().create_as(&new_contact(&contact))?.value)?.dropped(dropped))
    }

    fn get(&self, id: &str) -> Result<contacts_core::Contact> {
        unify(self.contacts().get_as(&ContactId::from(id))?.value)
    }

    fn update(&self, id: &str, patch: &contacts_core::ContactUpdate) -> Result<contacts_core::Contact> {
        let (patch, dropped) = check_update(self.provider(), self.capabilities(), patch)?;
        if patch.is_empty() && !dropped.is_empty() {
            // Everything in the patch was dropped: nothing to send, the contact as it is.
            return Ok(ContactsApi::get(self, id)?.dropped(dropped));
        }
        Ok(unify(self.contacts().update_as(&ContactId::from(id), &update(&patch))?.value)?.dropped(dropped))
    }

    fn delete(&self, id: &str) -> Result<()> {
        self.contacts().delete(&ContactId::from(id))
    }

    fn list<'a>(&'a self, query: &contacts_core::ListContacts) -> ContactStream<'a> {
        let mut q = ListContacts::new();
        if let Some(text) = &query.search {
            q = q.search(text.clone());
        }
        if let Some(size) = query.size {
            q = q.size(size);
        }
        Box::new(self.contacts().iter_as::<serde_json::Value>(&q).map(|raw| raw.and_then(unify)))
    }
}
