//! [`ContactsApi`] for the customer portal, and the unified types its methods take and return,
//! re-exported so they can be named without adding contacts-core.

pub use contacts_core::{
    Address, Contact, ContactStream, ContactUpdate, FoundContact, ListContacts, Location, NewContact,
};

use contacts_core::{Capabilities, ContactsApi, Field, Operation, Provider};
use contacts_http::decode_value;

use crate::{Client, ContactId, Result};

fn unify(raw: serde_json::Value) -> Result<Contact> {
    let c: crate::Contact = decode_value(&raw)?;
    let mut unified = Contact::new(c.id.into_string(), c.name);
    unified.email = c.email;
    unified.phone = c.tel.or(c.mobile).or(c.tel1);
    unified.raw = raw;
    Ok(unified)
}

/// The unified contact onto a portal create: its fields mapped as an update's are.
fn new_contact(contact: &NewContact) -> crate::NewContact {
    update(&ContactUpdate::from(contact), contact.name.clone()).into_new_contact()
}

/// The unified changes onto a portal update, which requires the name: `name` is the patch's,
/// or the current one. The phone goes to `tel`.
fn update(patch: &ContactUpdate, name: String) -> crate::ContactUpdate {
    let mut out = crate::ContactUpdate::new(name);
    if let Some(v) = &patch.email {
        out = out.email(v.clone());
    }
    if let Some(v) = &patch.phone {
        out = out.tel(v.clone());
    }
    out
}

impl ContactsApi for Client {
    /// Every operation but find-or-create; a name (required), an email and a phone (`tel`).
    /// No external id is documented: a sync matches its contacts by phone or email.
    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Create, Operation::Get, Operation::Update, Operation::Delete, Operation::List])
            .storing(&[Field::Name, Field::Email, Field::Phone])
            .requiring(&[Field::Name])
            .listing_by_customer_ids()
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

    /// The update's own rules; when it carries no name, the current one (read at update time)
    /// is assumed valid.
    fn validate_update(&self, patch: &ContactUpdate) -> Result<()> {
        contacts_http::unified::validate_update(self, patch, |p| {
            update(p, p.name.clone().unwrap_or_else(|| "current name".to_owned())).fields.check()
        })
    }

    /// Creates the contact, then fetches it (the portal's create answers only the id).
    /// The phone goes to `tel`; any other field is refused (or dropped and reported when lossy).
    fn create(&self, contact: &NewContact) -> Result<Contact> {
        contacts_http::unified::create(self, contact, |contact| {
            let id = self.contacts().create(&new_contact(contact))?;
            ContactsApi::get(self, id.as_str())
        })
    }

    fn get(&self, id: &str) -> Result<Contact> {
        unify(self.contacts().get_as(&ContactId::from(id))?.value)
    }

    /// Updates the contact, then fetches it (the portal's update answers only a message).
    /// The portal requires the name on every update: when the patch has none, the current
    /// name is read first (one more request).
    fn update(&self, id: &str, patch: &ContactUpdate) -> Result<Contact> {
        contacts_http::unified::update(self, id, patch, |patch| {
            let contact_id = ContactId::from(id);
            let name = match &patch.name {
                Some(name) => name.clone(),
                None => self.contacts().get(&contact_id)?.name,
            };
            self.contacts().update(&contact_id, &update(patch, name))?;
            ContactsApi::get(self, id)
        })
    }

    fn delete(&self, id: &str) -> Result<()> {
        self.contacts().delete(&ContactId::from(id))
    }

    /// Every contact of `query.customer_ids` (required), in one request: the portal does not
    /// page. It has no search: a `search` is refused.
    fn list<'a>(&'a self, query: &ListContacts) -> ContactStream<'a> {
        if let Err(e) = contacts_http::validate::refuse_option(Provider::PORTAL, "search", query.search.is_some()) {
            return Box::new(std::iter::once(Err(e)));
        }
        let q = crate::ListContacts::new().customers(query.customer_ids.iter().copied());
        // Pages held as the items' text (a third of their size as values), each decoded when
        // it is yielded.
        Box::new(
            self.contacts()
                .iter_as::<contacts_http::RawItem>(&q)
                .map(|raw| raw.and_then(|r| r.value()).and_then(unify)),
        )
    }
}
