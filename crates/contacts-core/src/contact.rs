//! The unified contact model: what every provider can describe, in one shape.

use serde::{Deserialize, Serialize};

use crate::capabilities::Field;

/// The setters of the optional unified fields, written once for [`Contact`], [`NewContact`]
/// and [`ContactUpdate`]: the same name and argument for the same field everywhere.
macro_rules! optional_field_setters {
    () => {
        /// Sets the email.
        #[must_use]
        pub fn email(mut self, email: impl Into<String>) -> Self {
            self.email = Some(email.into());
            self
        }

        /// Sets the phone.
        #[must_use]
        pub fn phone(mut self, phone: impl Into<String>) -> Self {
            self.phone = Some(phone.into());
            self
        }

        /// Sets the VAT / registration / tax number.
        #[must_use]
        pub fn tax_id(mut self, tax_id: impl Into<String>) -> Self {
            self.tax_id = Some(tax_id.into());
            self
        }

        /// Sets the location.
        #[must_use]
        pub fn location(mut self, location: Location) -> Self {
            self.location = Some(location);
            self
        }

        /// Sets the caller's own id for the contact.
        #[must_use]
        pub fn external_id(mut self, id: impl Into<String>) -> Self {
            self.external_id = Some(id.into());
            self
        }
        /// Sets the address (an empty one is no address).
        pub fn address(mut self, address: Address) -> Self {
            self.address = Some(address).filter(|a| !a.is_empty());
            self
        }
    };
}

/// Which optional fields a request sets, and dropping one: written once for [`NewContact`]
/// and [`ContactUpdate`].
macro_rules! optional_field_bookkeeping {
    () => {
        /// Whether each optional field (every field but the name) is set, in [`Field::ALL`]'s
        /// order.
        fn optional_set(&self) -> [bool; 6] {
            [
                self.email.is_some(),
                self.phone.is_some(),
                self.address.as_ref().is_some_and(|a| !a.is_empty()),
                self.tax_id.is_some(),
                self.location.is_some(),
                self.external_id.is_some(),
            ]
        }

        /// Unsets an optional field (the name is not one).
        fn clear_optional(&mut self, field: Field) {
            match field {
                Field::Name => {}
                Field::Email => self.email = None,
                Field::Phone => self.phone = None,
                Field::Address => self.address = None,
                Field::TaxId => self.tax_id = None,
                Field::Location => self.location = None,
                Field::ExternalId => self.external_id = None,
            }
        }
    };
}

/// The set fields, from whether the name is set and the optional fields' flags.
fn set_fields(name: bool, optional: [bool; 6]) -> Vec<Field> {
    let set = std::iter::once(name).chain(optional);
    Field::ALL.into_iter().zip(set).filter(|(_, s)| *s).map(|(f, _)| f).collect()
}

/// A postal address, as much of it as the provider keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Address {
    /// Street and number.
    pub street: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Country: an ISO 3166-1 alpha-2 code where the provider uses codes, else its text.
    pub country: Option<String>,
}

impl Address {
    /// An empty address.
    pub fn new() -> Self {
        Address::default()
    }
    /// An address from its parts, any of which may be missing.
    pub fn from_parts(
        street: Option<String>,
        postal_code: Option<String>,
        city: Option<String>,
        country: Option<String>,
    ) -> Self {
        Address { street, postal_code, city, country }
    }
    /// Sets the street.
    #[must_use]
    pub fn street(mut self, street: impl Into<String>) -> Self {
        self.street = Some(street.into());
        self
    }

    /// Sets the postal code.
    #[must_use]
    pub fn postal_code(mut self, code: impl Into<String>) -> Self {
        self.postal_code = Some(code.into());
        self
    }

    /// Sets the city.
    #[must_use]
    pub fn city(mut self, city: impl Into<String>) -> Self {
        self.city = Some(city.into());
        self
    }

    /// Sets the country.
    #[must_use]
    pub fn country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }
    /// Whether no part is set.
    pub fn is_empty(&self) -> bool {
        self.street.is_none() && self.postal_code.is_none() && self.city.is_none() && self.country.is_none()
    }
}

/// A point on the map.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Longitude, -180..=180.
    pub longitude: f64,
    /// Latitude, -90..=90.
    pub latitude: f64,
}

impl Location {
    /// A point from longitude and latitude, in that order.
    pub fn new(longitude: f64, latitude: f64) -> Self {
        Location { longitude, latitude }
    }
}

/// A contact as every provider can describe it.
///
/// `Serialize` + `Deserialize`, so a program can keep, send or compare contacts; `raw` keeps
/// the provider's own JSON, so nothing the provider said is lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contact {
    /// The provider's own id, as text.
    pub id: String,
    /// The display name.
    pub name: String,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Postal address.
    #[serde(default)]
    pub address: Option<Address>,
    /// VAT / registration / tax number.
    #[serde(default)]
    pub tax_id: Option<String>,
    /// Where the contact is.
    #[serde(default)]
    pub location: Option<Location>,
    /// The caller's own id for the contact, where the provider keeps one (Levers'
    /// `extPlatformId`, a Previsto meta key): what lets a second run recognise what the first
    /// one copied.
    #[serde(default)]
    pub external_id: Option<String>,
    /// The provider's own JSON for this contact: nothing is lost.
    #[serde(default)]
    pub raw: serde_json::Value,
    /// Fields the request carried that the provider cannot store, dropped because the caller
    /// asked for lossy mapping (empty otherwise: a field the provider cannot store is refused).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<Field>,
}

impl Contact {
    /// A contact with only an id and a name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Contact {
            id: id.into(),
            name: name.into(),
            email: None,
            phone: None,
            address: None,
            tax_id: None,
            location: None,
            external_id: None,
            raw: serde_json::Value::Null,
            dropped: Vec::new(),
        }
    }
    optional_field_setters!();

    /// Sets the provider's raw JSON.
    #[must_use]
    pub fn raw(mut self, raw: serde_json::Value) -> Self {
        self.raw = raw;
        self
    }

    /// Records the fields dropped in lossy mode.
    #[must_use]
    pub fn dropped(mut self, dropped: Vec<Field>) -> Self {
        self.dropped = dropped;
        self
    }
}

/// A contact to create (or to find by phone).
///
/// A field the target provider cannot store is refused with [`Error::Validation`](crate::Error::Validation) naming it,
/// before anything is sent, unless the request is [`lossy`](Self::lossy): then it is dropped
/// and the answer's [`Contact::dropped`] lists it.
///
/// ```
/// use contacts_core::{Address, Location, NewContact};
/// let c = NewContact::new("Anna Jensen").email("anna@jensen.dk").phone("+4522123456")
///     .address(Address::new().city("Kundeby").country("DK"))
///     .location(Location::new(10.5286863, 56.8039035))
///     .external_id("crm-42");
/// assert_eq!(c.name, "Anna Jensen");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NewContact {
    /// The display name (required by every provider).
    pub name: String,
    /// Email address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<Address>,
    /// VAT / registration / tax number.
    pub tax_id: Option<String>,
    /// Where the contact is.
    pub location: Option<Location>,
    /// The caller's own id for the contact.
    pub external_id: Option<String>,
    /// Whether fields the provider cannot store are dropped (and reported) instead of refused.
    pub lossy: bool,
}

impl NewContact {
    /// A contact with a name.
    pub fn new(name: impl Into<String>) -> Self {
        NewContact {
            name: name.into(),
            email: None,
            phone: None,
            address: None,
            tax_id: None,
            location: None,
            external_id: None,
            lossy: false,
        }
    }
    optional_field_setters!();
    optional_field_bookkeeping!();

    /// Drops (and reports) fields the provider cannot store, instead of refusing the request.
    /// Defaults to `false`.
    #[must_use]
    pub fn lossy(mut self, lossy: bool) -> Self {
        self.lossy = lossy;
        self
    }
    /// The fields that are set.
    pub fn fields(&self) -> Vec<Field> {
        set_fields(true, self.optional_set())
    }
    pub(crate) fn clear(&mut self, field: Field) {
        self.clear_optional(field);
    }
}

impl From<Contact> for NewContact {
    /// Every unified field of the contact (not its id), moved instead of copied.
    ///
    /// ```
    /// use contacts_core::{Contact, NewContact};
    /// let c = Contact::new("con_1", "Jane Doe").email("jane@example.com");
    /// assert_eq!(NewContact::from(c.clone()), NewContact::from(&c));
    /// ```
    fn from(c: Contact) -> Self {
        NewContact {
            name: c.name,
            email: c.email,
            phone: c.phone,
            address: c.address.filter(|a| !a.is_empty()),
            tax_id: c.tax_id,
            location: c.location,
            external_id: c.external_id,
            lossy: false,
        }
    }
}

impl From<&Contact> for NewContact {
    /// Every unified field of the contact (not its id).
    fn from(c: &Contact) -> Self {
        NewContact {
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            address: c.address.clone().filter(|a| !a.is_empty()),
            tax_id: c.tax_id.clone(),
            location: c.location,
            external_id: c.external_id.clone(),
            lossy: false,
        }
    }
}

/// Changes to a contact: only what is set is sent.
///
/// A field the provider cannot store is refused, or dropped and reported when the patch is
/// [`lossy`](Self::lossy).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ContactUpdate {
    /// New name.
    pub name: Option<String>,
    /// New email.
    pub email: Option<String>,
    /// New phone.
    pub phone: Option<String>,
    /// New address parts (unset parts are left alone).
    pub address: Option<Address>,
    /// New tax id.
    pub tax_id: Option<String>,
    /// New location.
    pub location: Option<Location>,
    /// New external id.
    pub external_id: Option<String>,
    /// Whether fields the provider cannot store are dropped (and reported) instead of refused.
    pub lossy: bool,
}

impl ContactUpdate {
    /// No changes yet.
    pub fn new() -> Self {
        ContactUpdate::default()
    }
    /// Changes the name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    optional_field_setters!();
    optional_field_bookkeeping!();

    /// Drops (and reports) fields the provider cannot store, instead of refusing the patch.
    /// Defaults to `false`.
    #[must_use]
    pub fn lossy(mut self, lossy: bool) -> Self {
        self.lossy = lossy;
        self
    }
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.fields().is_empty()
    }
    /// The fields that are set.
    pub fn fields(&self) -> Vec<Field> {
        set_fields(self.name.is_some(), self.optional_set())
    }
    pub(crate) fn clear(&mut self, field: Field) {
        match field {
            Field::Name => self.name = None,
            other => self.clear_optional(other),
        }
    }

    /// Only the fields `to` sets that differ from `from`: the update that makes `from` look
    /// like `to` (the core of an update in a sync). A field `to` leaves unset is not cleared.
    ///
    /// ```
    /// use contacts_core::{Contact, ContactUpdate};
    /// let from = Contact::new("1", "Anna").email("a@x.dk");
    /// let to = Contact::new("9", "Anna").email("anna@x.dk");
    /// assert_eq!(ContactUpdate::diff(&from, &to), ContactUpdate::new().email("anna@x.dk"));
    /// assert!(ContactUpdate::diff(&from, &from).is_empty());
    /// ```
    pub fn diff(from: &Contact, to: &Contact) -> ContactUpdate {
        fn changed<T: Clone + PartialEq>(from: &Option<T>, to: &Option<T>) -> Option<T> {
            to.as_ref().filter(|t| from.as_ref() != Some(*t)).cloned()
        }
        let address = match (&from.address, &to.address) {
            (_, None) => None,
            (None, Some(to)) => Some(to.clone()).filter(|a| !a.is_empty()),
            (Some(from), Some(to)) => {
                let parts = Address {
                    street: changed(&from.street, &to.street),
                    postal_code: changed(&from.postal_code, &to.postal_code),
                    city: changed(&from.city, &to.city),
                    country: changed(&from.country, &to.country),
                };
                Some(parts).filter(|a| !a.is_empty())
            }
        };
        ContactUpdate {
            name: (from.name != to.name).then(|| to.name.clone()),
            email: changed(&from.email, &to.email),
            phone: changed(&from.phone, &to.phone),
            address,
            tax_id: changed(&from.tax_id, &to.tax_id),
            location: changed(&from.location, &to.location),
            external_id: changed(&from.external_id, &to.external_id),
            lossy: false,
        }
    }
}

impl From<&Contact> for ContactUpdate {
    /// Every field the contact has, as changes.
    fn from(c: &Contact) -> Self {
        ContactUpdate {
            name: Some(c.name.clone()),
            email: c.email.clone(),
            phone: c.phone.clone(),
            address: c.address.clone().filter(|a| !a.is_empty()),
            tax_id: c.tax_id.clone(),
            location: c.location,
            external_id: c.external_id.clone(),
            lossy: false,
        }
    }
}

impl From<&NewContact> for ContactUpdate {
    /// Every field of the create, as changes (the name included): a provider maps a create
    /// and an update with one function, and a caller can turn a create into an update of a
    /// contact that already exists.
    ///
    /// ```
    /// use contacts_core::{ContactUpdate, NewContact};
    /// let update = ContactUpdate::from(&NewContact::new("Jane Doe").email("jane@example.com"));
    /// assert_eq!(update.name.as_deref(), Some("Jane Doe"));
    /// assert_eq!(update.email.as_deref(), Some("jane@example.com"));
    /// ```
    fn from(c: &NewContact) -> Self {
        ContactUpdate {
            name: Some(c.name.clone()),
            email: c.email.clone(),
            phone: c.phone.clone(),
            address: c.address.clone(),
            tax_id: c.tax_id.clone(),
            location: c.location,
            external_id: c.external_id.clone(),
            lossy: c.lossy,
        }
    }
}

/// What to list.
///
/// The customer portal lists contacts per customer: pass its customer ids with
/// [`customer_ids`](Self::customer_ids) (a provider whose
/// [`Capabilities::lists_by_customer_ids`](crate::Capabilities::lists_by_customer_ids) is
/// false refuses them). A `search` sent to a provider that cannot search, like customer ids
/// sent to one that has no such filter, is refused with
/// [`Error::Validation`](crate::Error::Validation) naming it, never ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListContacts {
    /// Free-text search, where the provider has one.
    pub search: Option<String>,
    /// Items per page fetched under the iterator; the provider's default when unset.
    pub size: Option<u32>,
    /// Customer ids (customer portal: required; refused by providers without that filter).
    pub customer_ids: Vec<u64>,
}

impl ListContacts {
    /// Everything, with the provider's default page size.
    pub fn new() -> Self {
        ListContacts::default()
    }
    /// Searches for `text`.
    #[must_use]
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }

    /// Sets the page size.
    #[must_use]
    pub fn size(mut self, size: u32) -> Self {
        self.size = Some(size);
        self
    }
    /// Sets the customer ids.
    pub fn customer_ids(mut self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.customer_ids = ids.into_iter().collect();
        self
    }
}

/// The answer of [`ContactsApi::find_or_create`](crate::ContactsApi::find_or_create).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FoundContact {
    /// The contact.
    pub contact: Contact,
    /// `true` when the provider created it, `false` when it already existed.
    pub created: bool,
}

impl FoundContact {
    /// Wraps a contact.
    pub fn new(contact: Contact, created: bool) -> Self {
        FoundContact { contact, created }
    }
}
