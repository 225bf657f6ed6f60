//! `contacts_core::ContactsApi` for Previsto.

use contacts_core::{Address, Capabilities, ContactPatch, ContactStream, ContactsApi, ListQuery, Operation, Provider};
use contacts_http::decode_value;

use crate::{Client, Contact, ContactId, ContactUpdate, ListContacts, Location, NewContact, Result};

fn unify(raw: serde_json::Value) -> Result<contacts_core::Contact> {
    let c: Contact = decode_value(&raw)?;
    let mut street = c.address.clone();
    if let (Some(s), Some(apt)) = (&mut street, &c.apartment) {
        s.push_str(", ");
        s.push_str(apt);
    }
    let address = Address::from_parts(street, c.postal_code, c.city, c.country_code);
    Ok(contacts_core::Contact::new(c.id.into_string(), c.name)
        .with_email(c.email)
        .with_phone(c.phone)
        .with_address(address)
        .with_tax_id(c.registration_no)
        .with_raw(raw))
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

fn update(patch: &ContactPatch) -> ContactUpdate {
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

    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Create, Operation::Get, Operation::Update, Operation::Delete, Operation::List])
    }

    fn create(&self, contact: &contacts_core::NewContact) -> Result<contacts_core::Contact> {
        unify(self.contacts().create_as(&new_contact(contact))?)
    }

    fn get(&self, id: &str) -> Result<contacts_core::Contact> {
        unify(self.contacts().get_as(&ContactId::from(id))?)
    }

    fn update(&self, id: &str, patch: &ContactPatch) -> Result<contacts_core::Contact> {
        unify(self.contacts().update_as(&ContactId::from(id), &update(patch))?)
    }

    fn delete(&self, id: &str) -> Result<()> {
        self.contacts().delete(&ContactId::from(id))
    }

    fn list<'a>(&'a self, query: &ListQuery) -> ContactStream<'a> {
        let mut q = ListContacts::new();
        if let Some(text) = &query.search {
            q = q.search(text.clone());
        }
        if let Some(size) = query.page_size {
            q = q.size(size);
        }
        Box::new(self.contacts().iter_as::<serde_json::Value>(&q).map(|raw| raw.and_then(unify)))
    }
}
