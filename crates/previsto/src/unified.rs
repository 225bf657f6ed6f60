//! `contacts_core::ContactsApi` for Previsto.

use contacts_core::{
    Address, Capabilities, ContactPatch, ContactStream, ContactsApi, ListQuery, Operation, Provider, decode_value,
};

use crate::{Client, Contact, ContactId, ContactUpdate, Error, ListContacts, Location, NewContact, Result};

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

impl Client {
    fn raw(&self, request: contacts_core::RequestBuilder<'_>) -> Result<contacts_core::Contact> {
        unify(request.send()?.json()?)
    }
}

/// Copies the unified fields onto a `NewContact` or a `ContactUpdate` (same setter names).
macro_rules! apply {
    ($target:expr, $src:expr) => {{
        let mut t = $target;
        if let Some(v) = &$src.email {
            t = t.email(v.clone());
        }
        if let Some(v) = &$src.phone {
            t = t.phone(v.clone());
        }
        if let Some(v) = &$src.tax_id {
            t = t.registration_no(v.clone());
        }
        if let Some(a) = &$src.address {
            if let Some(v) = &a.street {
                t = t.address(v.clone());
            }
            if let Some(v) = &a.postal_code {
                t = t.postal_code(v.clone());
            }
            if let Some(v) = &a.city {
                t = t.city(v.clone());
            }
            if let Some(v) = &a.country {
                t = t.country_code(v.clone());
            }
        }
        t
    }};
}

impl ContactsApi for Client {
    fn provider(&self) -> Provider {
        Provider::Previsto
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Create, Operation::Get, Operation::Update, Operation::Delete, Operation::List])
    }

    fn create(&self, contact: &contacts_core::NewContact) -> Result<contacts_core::Contact> {
        let location = contact
            .location
            .ok_or_else(|| Error::validation("location", "Previsto requires a location for a new contact"))?;
        let location = Location::new(location.longitude, location.latitude);
        let new = apply!(NewContact::new(contact.name.clone(), location), contact);
        self.raw(self.contacts().create_request(&new)?)
    }

    fn get(&self, id: &str) -> Result<contacts_core::Contact> {
        self.raw(self.contacts().get_request(&ContactId::from(id))?)
    }

    fn update(&self, id: &str, patch: &ContactPatch) -> Result<contacts_core::Contact> {
        let mut update = apply!(ContactUpdate::new(), patch);
        if let Some(v) = &patch.name {
            update = update.name(v.clone());
        }
        self.raw(self.contacts().update_request(&ContactId::from(id), &update)?)
    }

    fn delete(&self, id: &str) -> Result<()> {
        self.contacts().delete(&ContactId::from(id))
    }

    fn list<'a>(&'a self, query: &ListQuery) -> ContactStream<'a> {
        let size = query.page_size.unwrap_or(crate::contacts::ITER_PAGE_SIZE);
        let search = query.search.clone();
        let contacts = self.contacts();
        let pages = contacts_core::Pages::new(0, size as usize, move |page| {
            let (raw, total): (Vec<serde_json::Value>, _) = match &search {
                Some(text) => {
                    contacts.fetch_page_checked(&ListContacts::new().search(text.clone()).size(size), page)?
                }
                None => contacts.fetch_page_checked(&ListContacts::new().size(size), page)?,
            };
            let items = raw.into_iter().map(unify).collect::<Result<Vec<_>>>()?;
            Ok(contacts_core::Page::new(items).with_total(total))
        });
        Box::new(pages)
    }
}
