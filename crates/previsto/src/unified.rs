//! [`ContactsApi`] for Previsto, and the unified types its methods take and return,
//! re-exported so they can be named without adding contacts-core.

pub use contacts_core::{
    Address, Contact, ContactStream, ContactUpdate, FoundContact, ListContacts, Location, NewContact,
};

use contacts_core::{Capabilities, ContactsApi, Field, Operation, Provider};
use contacts_http::decode_value;

use crate::{Client, ContactId, Result};

/// The meta key that holds the unified `external_id` (the caller's own id for a contact):
/// Previsto documents meta as the place for a caller's own values.
pub const EXTERNAL_ID_META_KEY: &str = "externalId";

fn unify(raw: serde_json::Value) -> Result<Contact> {
    let c: crate::Contact = decode_value(&raw)?;
    // An apartment without an address is kept as the street, not dropped.
    let street = contacts_http::unified::join_street(c.address, c.apartment);
    let address = Address::from_parts(street, c.postal_code, c.city, c.country_code);
    let mut unified = Contact::new(c.id.into_string(), c.name);
    unified.email = c.email;
    unified.phone = c.phone;
    unified.address = Some(address).filter(|a| !a.is_empty());
    unified.tax_id = c.registration_no;
    unified.location = c.location;
    unified.external_id = c.meta.get(EXTERNAL_ID_META_KEY).cloned();
    unified.raw = raw;
    Ok(unified)
}

/// The unified contact onto a Previsto create: its fields mapped as an update's are.
fn new_contact(contact: &NewContact) -> crate::NewContact {
    update(&ContactUpdate::from(contact)).into_new_contact()
}

/// The unified changes onto a Previsto update: only what the patch sets (the external id goes
/// to the [`EXTERNAL_ID_META_KEY`] meta value).
fn update(patch: &ContactUpdate) -> crate::ContactUpdate {
    let mut out = crate::ContactUpdate::new();
    if let Some(name) = &patch.name {
        out = out.name(name.clone());
    }
    if let Some(v) = &patch.email {
        out = out.email(v.clone());
    }
    if let Some(v) = &patch.phone {
        out = out.phone(v.clone());
    }
    if let Some(v) = &patch.tax_id {
        out = out.registration_no(v.clone());
    }
    if let Some(v) = &patch.location {
        out = out.location(*v);
    }
    if let Some(address) = &patch.address {
        if let Some(v) = &address.street {
            out = out.address(v.clone());
        }
        if let Some(v) = &address.postal_code {
            out = out.postal_code(v.clone());
        }
        if let Some(v) = &address.city {
            out = out.city(v.clone());
        }
        if let Some(v) = &address.country {
            out = out.country_code(v.clone());
        }
    }
    if let Some(id) = &patch.external_id {
        out = out.meta(EXTERNAL_ID_META_KEY, id.clone());
    }
    out
}

impl ContactsApi for Client {
    /// Every operation but find-or-create; every unified field (the external id in the
    /// [`EXTERNAL_ID_META_KEY`] meta value); only the name is required.
    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Create, Operation::Get, Operation::Update, Operation::Delete, Operation::List])
            .storing(&Field::ALL)
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
        contacts_http::unified::validate_create(self, contact, |c| new_contact(c).fields.check())
    }

    fn validate_update(&self, patch: &ContactUpdate) -> Result<()> {
        contacts_http::unified::validate_update(self, patch, |u| {
            self.contacts().secret_key_for("update")?;
            update(u).fields.check()
        })
    }

    fn create(&self, contact: &NewContact) -> Result<Contact> {
        contacts_http::unified::create(self, contact, |c| unify(self.contacts().create_as(&new_contact(c))?.value))
    }

    fn get(&self, id: &str) -> Result<Contact> {
        unify(self.contacts().get_as(&ContactId::from(id))?.value)
    }

    fn update(&self, id: &str, patch: &ContactUpdate) -> Result<Contact> {
        contacts_http::unified::update(self, id, patch, |u| {
            unify(self.contacts().update_as(&ContactId::from(id), &update(u))?.value)
        })
    }

    fn delete(&self, id: &str) -> Result<()> {
        self.contacts().delete(&ContactId::from(id))
    }

    /// Every contact, page by page, or those matching `search`. Previsto has no customer
    /// filter: `customer_ids` is refused.
    fn list<'a>(&'a self, query: &ListContacts) -> ContactStream<'a> {
        let no_customers = !query.customer_ids.is_empty();
        if let Err(e) = contacts_http::validate::refuse_option(Provider::PREVISTO, "customer_ids", no_customers) {
            return Box::new(std::iter::once(Err(e)));
        }
        let mut q = crate::ListContacts::new();
        if let Some(text) = &query.search {
            q = q.search(text.clone());
        }
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
