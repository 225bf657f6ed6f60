//! `contacts_core::ContactsApi` for Levers.

use contacts_core::{
    Address, Capabilities, ContactPatch, ContactStream, ContactsApi, ListQuery, Operation, Provider, decode_value,
    refuse_unstored,
};
use uuid::Uuid;

use crate::{Client, Contact, CreateContact, Error, ListContacts, Result, UpdateContact};

fn unify(raw: serde_json::Value) -> Result<contacts_core::Contact> {
    let c: Contact = decode_value(&raw)?;
    let street = match (c.building, c.street) {
        (Some(b), Some(s)) => Some(format!("{b}, {s}")),
        (b, s) => s.or(b),
    };
    let address = Address::from_parts(street, c.postal_code, c.city, c.country);
    Ok(contacts_core::Contact::new(c.uuid.to_string(), c.name)
        .with_email(c.email)
        .with_phone(c.phone_number)
        .with_address(address)
        .with_tax_id(c.vat_number)
        .with_raw(raw))
}

fn uuid(id: &str) -> Result<Uuid> {
    id.parse().map_err(|_| Error::validation("id", format!("{id:?} is not a UUID")))
}

macro_rules! apply {
    ($target:expr, $src:expr) => {{
        let mut t = $target;
        if let Some(v) = &$src.email {
            t = t.email(v.clone());
        }
        if let Some(v) = &$src.phone {
            t = t.phone_number(v.clone());
        }
        if let Some(v) = &$src.tax_id {
            t = t.vat_number(v.clone());
        }
        if let Some(a) = &$src.address {
            if let Some(v) = &a.street {
                t = t.street(v.clone());
            }
            if let Some(v) = &a.postal_code {
                t = t.postal_code(v.clone());
            }
            if let Some(v) = &a.city {
                t = t.city(v.clone());
            }
            if let Some(v) = &a.country {
                t = t.country(v.clone());
            }
        }
        t
    }};
}

impl ContactsApi for Client {
    fn provider(&self) -> Provider {
        Provider::Levers
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Create, Operation::Get, Operation::Update, Operation::List])
    }

    fn create(&self, contact: &contacts_core::NewContact) -> Result<contacts_core::Contact> {
        let new = apply!(CreateContact::new(contact.name.clone()), contact);
        unify(self.contacts().create_raw(&new)?)
    }

    fn get(&self, id: &str) -> Result<contacts_core::Contact> {
        unify(self.contacts().get_raw(uuid(id)?)?)
    }

    fn update(&self, id: &str, patch: &ContactPatch) -> Result<contacts_core::Contact> {
        let mut update = apply!(UpdateContact::new(uuid(id)?), patch);
        if let Some(v) = &patch.name {
            update = update.name(v.clone());
        }
        unify(self.contacts().update_raw(&update)?)
    }

    /// Every contact, page by page. Levers documents no search: a `search` is refused.
    fn list<'a>(&'a self, query: &ListQuery) -> ContactStream<'a> {
        if let Err(e) = refuse_unstored(Provider::Levers, "search", query.search.is_some()) {
            return Box::new(std::iter::once(Err(e)));
        }
        let mut q = ListContacts::new();
        if let Some(size) = query.page_size {
            q = q.size(size);
        }
        Box::new(self.contacts().iter_as(&q, unify))
    }
}
