//! `contacts_core::ContactsApi` for the customer portal.

use contacts_core::{Capabilities, ContactStream, ContactsApi, Field, Operation, Provider};
use contacts_http::decode_value;

use crate::{Client, Contact, ContactId, ContactUpdate, ListContacts, NewContact, Result};

fn unify(raw: serde_json::Value) -> Result<contacts_core::Contact> {
    let c: Contact = decode_value(&raw)?;
    let mut unified = contacts_core::Contact::new(c.id.into_string(), c.name);
    unified.email = c.email;
    unified.phone = c.tel.or(c.mobile).or(c.tel1);
    unified.raw = raw;
    Ok(unified)
}

/// The unified fields onto the portal's: the phone goes to `tel`.
macro_rules! map_fields {
    ($target:expr, $from:expr) => {
        contacts_http::set_unified!($target, $from, { email => email, phone => tel })
    };
}

fn new_contact(contact: &contacts_core::NewContact) -> NewContact {
    map_fields!(NewContact::new(contact.name.clone()), contact)
}

/// The portal requires the name on every update: `name` is the patch's, or the current one.
fn update(patch: &contacts_core::ContactUpdate, name: String) -> ContactUpdate {
    map_fields!(ContactUpdate::new(name), patch)
}

impl ContactsApi for Client {
    contacts_http::contacts_api_identity!();

    /// Every operation but find-or-create; a name (required), an email and a phone (`tel`).
    /// No external id is documented: a sync matches its contacts by phone or email.
    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Create, Operation::Get, Operation::Update, Operation::Delete, Operation::List])
            .storing(&[Field::Name, Field::Email, Field::Phone])
            .requiring(&[Field::Name])
    }

    fn validate_create(&self, contact: &contacts_core::NewContact) -> Result<()> {
        contacts_http::unified::validate_create(self, contact, |c| new_contact(c).fields.check())
    }

    /// The update's own rules; when it carries no name, the current one (read at update time)
    /// is assumed valid.
    fn validate_update(&self, patch: &contacts_core::ContactUpdate) -> Result<()> {
        contacts_http::unified::validate_update(self, patch, |p| {
            update(p, p.name.clone().unwrap_or_else(|| "current name".to_owned())).fields.check()
        })
    }

    /// Creates the contact, then fetches it (the portal's create answers only the id).
    /// The phone goes to `tel`; any other field is refused (or dropped and reported when lossy).
    fn create(&self, contact: &contacts_core::NewContact) -> Result<contacts_core::Contact> {
        contacts_http::unified::create(self, contact, |contact| {
            let id = self.contacts().create(&new_contact(contact))?;
            ContactsApi::get(self, id.as_str())
        })
    }

    fn get(&self, id: &str) -> Result<contacts_core::Contact> {
        unify(self.contacts().get_as(&ContactId::from(id))?.value)
    }

    /// Updates the contact, then fetches it (the portal's update answers only a message).
    /// The portal requires the name on every update: when the patch has none, the current
    /// name is read first (one more request).
    fn update(&self, id: &str, patch: &contacts_core::ContactUpdate) -> Result<contacts_core::Contact> {
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
    fn list<'a>(&'a self, query: &contacts_core::ListContacts) -> ContactStream<'a> {
        if let Err(e) = contacts_http::validate::refuse_option(Provider::Portal, "search", query.search.is_some()) {
            return Box::new(std::iter::once(Err(e)));
        }
        let q = ListContacts::new().customers(query.customer_ids.iter().copied());
        Box::new(self.contacts().iter_as::<serde_json::Value>(&q).map(|raw| raw.and_then(unify)))
    }
}
