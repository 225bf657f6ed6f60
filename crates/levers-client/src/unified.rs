//! `contacts_core::ContactsApi` for Levers.

use contacts_core::{
    Address, Capabilities, ContactStream, ContactsApi, Field, Operation, Provider, check_new, check_update,
};
use contacts_http::decode_value;

use crate::{Client, Contact, ContactId, ContactUpdate, ListContacts, NewContact, Result};

fn unify(raw: serde_json::Value) -> Result<contacts_core::Contact> {
    let c: Contact = decode_value(&raw)?;
    let street = match (c.building, c.street) {
        (Some(b), Some(s)) => Some(format!("{b}, {s}")),
        (b, s) => s.or(b),
    };
    let address = Address::from_parts(street, c.postal_code, c.city, c.country);
    let mut unified = contacts_core::Contact::new(c.uuid.to_string(), c.name);
    unified.email = c.email;
    unified.phone = c.phone_number;
    unified.address = Some(address).filter(|a| !a.is_empty());
    unified.tax_id = c.vat_number;
    unified.external_id = c.ext_platform_id;
    unified.raw = raw;
    Ok(unified)
}

fn new_contact(contact: &contacts_core::NewContact) -> NewContact {
    let mut new = NewContact::new(contact.name.clone());
    if let Some(v) = &contact.external_id {
        new = new.ext_platform_id(v.clone());
    }
    if let Some(v) = &contact.email {
        new = new.email(v.clone());
    }
    if let Some(v) = &contact.phone {
        new = new.phone_number(v.clone());
    }
    if let Some(v) = &contact.tax_id {
        new = new.vat_number(v.clone());
    }
    if let Some(a) = &contact.address {
        if let Some(v) = &a.street {
            new = new.street(v.clone());
        }
        if let Some(v) = &a.postal_code {
            new = new.postal_code(v.clone());
        }
        if let Some(v) = &a.city {
            new = new.city(v.clone());
        }
        if let Some(v) = &a.country {
            new = new.country(v.clone());
        }
    }
    new
}

fn update(patch: &contacts_core::ContactUpdate) -> ContactUpdate {
    let mut update = ContactUpdate::new();
    if let Some(v) = &patch.external_id {
        update = update.ext_platform_id(v.clone());
    }
    if let Some(v) = &patch.name {
        update = update.name(v.clone());
    }
    if let Some(v) = &patch.email {
        update = update.email(v.clone());
    }
    if let Some(v) = &patch.phone {
        update = update.phone_number(v.clone());
    }
    if let Some(v) = &patch.tax_id {
        update = update.vat_number(v.clone());
    }
    if let Some(a) = &patch.address {
        if let Some(v) = &a.street {
            update = update.street(v.clone());
        }
        if let Some(v) = &a.postal_code {
            update = update.postal_code(v.clone());
        }
        if let Some(v) = &a.city {
            update = update.city(v.clone());
        }
        if let Some(v) = &a.country {
            update = update.country(v.clone());
        }
    }
    update
}

impl ContactsApi for Client {
    fn provider(&self) -> Provider {
        Provider::Levers
    }

    /// Create, get, update and list; every unified field but the location (the external id
    /// is `extPlatformId`); only the name is required.
    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Create, Operation::Get, Operation::Update, Operation::List])
            .storing(&[Field::Name, Field::Email, Field::Phone, Field::Address, Field::TaxId, Field::ExternalId])
            .requiring(&[Field::Name])
    }

    fn create(&self, contact: &contacts_core::NewContact) -> Result<contacts_core::Contact> {
        let (contact, dropped) = check_new(self.provider(), self.capabilities(), contact)?;
        Ok(unify(self.contacts().create_as(&new_contact(&contact))?.value)?.dropped(dropped))
    }

    fn get(&self, id: &str) -> Result<contacts_core::Contact> {
        unify(self.contacts().get_as(&id.parse::<ContactId>()?)?.value)
    }

    fn update(&self, id: &str, patch: &contacts_core::ContactUpdate) -> Result<contacts_core::Contact> {
        let id = id.parse::<ContactId>()?;
        let (patch, dropped) = check_update(self.provider(), self.capabilities(), patch)?;
        if patch.is_empty() && !dropped.is_empty() {
            // Everything in the patch was dropped: nothing to send, the contact as it is.
            return Ok(unify(self.contacts().get_as(&id)?.value)?.dropped(dropped));
        }
        Ok(unify(self.contacts().update_as(&id, &update(&patch))?.value)?.dropped(dropped))
    }

    /// Every contact, page by page. Levers documents no search: a `search` is refused.
    fn list<'a>(&'a self, query: &contacts_core::ListContacts) -> ContactStream<'a> {
        if let Err(e) = contacts_http::validate::refuse_option(Provider::Levers, "search", query.search.is_some()) {
            return Box::new(std::iter::once(Err(e)));
        }
        let mut q = ListContacts::new();
        if let Some(size) = query.size {
            q = q.size(size);
        }
        Box::new(self.contacts().iter_as::<serde_json::Value>(&q).map(|raw| raw.and_then(unify)))
    }
}
