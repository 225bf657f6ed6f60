//! `contacts_core::ContactsApi` for Previsto.

use contacts_core::{Address, Capabilities, ContactStream, ContactsApi, Field, Operation};
use contacts_http::decode_value;

use crate::{Client, Contact, ContactId, ListContacts, Result};

/// The meta key that holds the unified `external_id` (the caller's own id for a contact):
/// Previsto documents meta as the place for a caller's own values.
pub const EXTERNAL_ID_META_KEY: &str = "externalId";

fn unify(raw: serde_json::Value) -> Result<contacts_core::Contact> {
    let c: Contact = decode_value(&raw)?;
    // An apartment without an address is kept as the street, not dropped.
    let street = contacts_http::unified::join_street(c.address, c.apartment);
    let address = Address::from_parts(street, c.postal_code, c.city, c.country_code);
    let mut unified = contacts_core::Contact::new(c.id.into_string(), c.name);
    unified.email = c.email;
    unified.phone = c.phone;
    unified.address = Some(address).filter(|a| !a.is_empty());
    unified.tax_id = c.registration_no;
    unified.location = c.location;
    unified.external_id = c.meta.get(EXTERNAL_ID_META_KEY).cloned();
    unified.raw = raw;
    Ok(unified)
}

contacts_http::unified_setters! {
    { email => email, phone => phone, tax_id => registration_no },
    address { street => address, postal_code => postal_code, city => city, country => country_code },
    extra(out, from) {
        let out = match from.location {
            Some(l) => out.location(l),
            None => out,
        };
        match &from.external_id {
            Some(id) => out.meta(EXTERNAL_ID_META_KEY, id.clone()),
            None => out,
        }
    },
}

impl ContactsApi for Client {
    contacts_http::contacts_api_identity!();

    /// Every operation but find-or-create; every unified field (the external id in the
    /// [`EXTERNAL_ID_META_KEY`] meta value); only the name is required.
    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Create, Operation::Get, Operation::Update, Operation::Delete, Operation::List])
            .storing(&Field::ALL)
            .requiring(&[Field::Name])
    }

    fn validate_create(&self, contact: &contacts_core::NewContact) -> Result<()> {
        contacts_http::unified::validate_create(self, contact, |c| new_contact(c).fields.check())
    }

    fn validate_update(&self, patch: &contacts_core::ContactUpdate) -> Result<()> {
        contacts_http::unified::validate_update(self, patch, |u| {
            self.contacts().secret_key_for("update")?;
            update(u).fields.check()
        })
    }

    fn create(&self, contact: &contacts_core::NewContact) -> Result<contacts_core::Contact> {
        contacts_http::unified::create(self, contact, |c| unify(self.contacts().create_as(&new_contact(c))?.value))
    }

    fn get(&self, id: &str) -> Result<contacts_core::Contact> {
        unify(self.contacts().get_as(&ContactId::from(id))?.value)
    }

    fn update(&self, id: &str, patch: &contacts_core::ContactUpdate) -> Result<contacts_core::Contact> {
        contacts_http::unified::update(self, id, patch, |u| {
            unify(self.contacts().update_as(&ContactId::from(id), &update(u))?.value)
        })
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
