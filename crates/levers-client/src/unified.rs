//! `contacts_core::ContactsApi` for Levers.

use contacts_core::{Address, Capabilities, ContactStream, ContactsApi, Field, Operation, Provider};
use contacts_http::decode_value;

use crate::{Client, Contact, ContactId, ListContacts, Result};

fn unify(raw: serde_json::Value) -> Result<contacts_core::Contact> {
    let c: Contact = decode_value(&raw)?;
    let street = contacts_http::unified::join_street(c.building, c.street);
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

contacts_http::unified_setters! {
    { external_id => ext_platform_id, email => email, phone => phone_number, tax_id => vat_number },
    address { street => street, postal_code => postal_code, city => city, country => country },
}

impl ContactsApi for Client {
    contacts_http::contacts_api_identity!();

    /// Create, get, update and list; every unified field but the location (the external id
    /// is `extPlatformId`); only the name is required.
    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Create, Operation::Get, Operation::Update, Operation::List])
            .storing(&[Field::Name, Field::Email, Field::Phone, Field::Address, Field::TaxId, Field::ExternalId])
            .requiring(&[Field::Name])
    }

    fn validate_create(&self, contact: &contacts_core::NewContact) -> Result<()> {
        contacts_http::unified::validate_create(self, contact, |c| new_contact(c).check())
    }

    fn validate_update(&self, patch: &contacts_core::ContactUpdate) -> Result<()> {
        contacts_http::unified::validate_update(self, patch, |u| update(u).check())
    }

    fn create(&self, contact: &contacts_core::NewContact) -> Result<contacts_core::Contact> {
        contacts_http::unified::create(self, contact, |c| unify(self.contacts().create_as(&new_contact(c))?.value))
    }

    fn get(&self, id: &str) -> Result<contacts_core::Contact> {
        unify(self.contacts().get_as(&id.parse::<ContactId>()?)?.value)
    }

    fn update(&self, id: &str, patch: &contacts_core::ContactUpdate) -> Result<contacts_core::Contact> {
        let uuid = id.parse::<ContactId>()?;
        contacts_http::unified::update(self, id, patch, |u| unify(self.contacts().update_as(&uuid, &update(u))?.value))
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
