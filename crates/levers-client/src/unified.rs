//! [`ContactsApi`] for Levers, and the unified types its methods take and return,
//! re-exported so they can be named without adding contacts-core.

pub use contacts_core::{
    Address, Contact, ContactStream, ContactUpdate, FoundContact, ListContacts, Location, NewContact,
};

use contacts_core::{Capabilities, ContactsApi, Field, Operation, Provider};
use contacts_http::decode_value;

use crate::{Client, ContactId, Result};

fn unify(raw: serde_json::Value) -> Result<Contact> {
    let c: crate::Contact = decode_value(&raw)?;
    let street = contacts_http::unified::join_street(c.building, c.street);
    let address = Address::from_parts(street, c.postal_code, c.city, c.country);
    let mut unified = Contact::new(c.id.to_string(), c.name);
    unified.email = c.email;
    unified.phone = c.phone_number;
    unified.address = Some(address).filter(|a| !a.is_empty());
    unified.tax_id = c.vat_number;
    unified.external_id = c.ext_platform_id;
    unified.raw = raw;
    Ok(unified)
}

/// The unified contact onto a Levers create: its fields mapped as an update's are.
fn new_contact(contact: &NewContact) -> crate::NewContact {
    update(&ContactUpdate::from(contact)).into_new_contact()
}

/// The unified changes onto a Levers update: only what the patch sets. A unified field
/// without a place here (the location) never gets this far: the capabilities refuse it, or
/// drop it when lossy.
fn update(patch: &ContactUpdate) -> crate::ContactUpdate {
    let mut out = crate::ContactUpdate::new();
    if let Some(name) = &patch.name {
        out = out.name(name.clone());
    }
    if let Some(v) = &patch.external_id {
        out = out.ext_platform_id(v.clone());
    }
    if let Some(v) = &patch.email {
        out = out.email(v.clone());
    }
    if let Some(v) = &patch.phone {
        out = out.phone_number(v.clone());
    }
    if let Some(v) = &patch.tax_id {
        out = out.vat_number(v.clone());
    }
    if let Some(address) = &patch.address {
        if let Some(v) = &address.street {
            out = out.street(v.clone());
        }
        if let Some(v) = &address.postal_code {
            out = out.postal_code(v.clone());
        }
        if let Some(v) = &address.city {
            out = out.city(v.clone());
        }
        if let Some(v) = &address.country {
            out = out.country(v.clone());
        }
    }
    out
}

impl ContactsApi for Client {
    /// Create, get, update and list; every unified field but the location (the external id
    /// is `extPlatformId`); only the name is required.
    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Create, Operation::Get, Operation::Update, Operation::List])
            .storing(&[Field::Name, Field::Email, Field::Phone, Field::Address, Field::TaxId, Field::ExternalId])
            .requiring(&[Field::Name])
            .paging_up_to(crate::MAX_PAGE_SIZE)
    }

    fn provider(&self) -> Provider {
        self.http.provider()
    }

    fn host(&self) -> Option<String> {
        Some(self.http.host().to_owned())
    }

    fn validate_create(&self, contact: &NewContact) -> Result<()> {
        contacts_http::unified::validate_create(self, contact, |c| new_contact(c).check())
    }

    fn validate_update(&self, patch: &ContactUpdate) -> Result<()> {
        contacts_http::unified::validate_update(self, patch, |u| update(u).check())
    }

    fn create(&self, contact: &NewContact) -> Result<Contact> {
        contacts_http::unified::create(self, contact, |c| unify(self.contacts().create_as(&new_contact(c))?.value))
    }

    fn get(&self, id: &str) -> Result<Contact> {
        unify(self.contacts().get_as(&id.parse::<ContactId>()?)?.value)
    }

    fn update(&self, id: &str, patch: &ContactUpdate) -> Result<Contact> {
        let uuid = id.parse::<ContactId>()?;
        contacts_http::unified::update(self, id, patch, |u| unify(self.contacts().update_as(&uuid, &update(u))?.value))
    }

    /// Every contact, page by page. Levers documents no search and no customer filter: a
    /// `search` or `customer_ids` is refused.
    fn list<'a>(&'a self, query: &ListContacts) -> ContactStream<'a> {
        let refused = contacts_http::validate::refuse_option(Provider::LEVERS, "search", query.search.is_some())
            .and_then(|()| {
                contacts_http::validate::refuse_option(Provider::LEVERS, "customer_ids", !query.customer_ids.is_empty())
            });
        if let Err(e) = refused {
            return Box::new(std::iter::once(Err(e)));
        }
        let mut q = crate::ListContacts::new();
        if let Some(size) = query.size {
            q = q.size(size);
        }
        // Pages held as the items' text (a third of their size as values), each decoded when
        // it is yielded.
        Box::new(
            self.contacts()
                .iter_as::<contacts_http::RawItem>(&q)
                .map(|raw| raw.and_then(|r| r.value()).and_then(unify)),
        )
    }
}
