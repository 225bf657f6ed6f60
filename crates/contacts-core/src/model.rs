//! The unified contact model and the [`ContactsApi`] trait, so one program can treat the
//! four providers alike. Each provider crate also has its own, richer types.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which provider a client talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Provider {
    /// Levers api-service v1.
    Levers,
    /// TheCleanLife partners API.
    CleanLife,
    /// Previsto.
    Previsto,
    /// A customer-portal contacts API.
    Portal,
}

impl Provider {
    /// The four providers.
    pub const ALL: [Provider; 4] = [Provider::Levers, Provider::CleanLife, Provider::Previsto, Provider::Portal];

    /// The short name: `levers`, `cleanlife`, `previsto`, `portal`.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Levers => "levers",
            Provider::CleanLife => "cleanlife",
            Provider::Previsto => "previsto",
            Provider::Portal => "portal",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One operation of [`ContactsApi`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// [`ContactsApi::create`]
    Create,
    /// [`ContactsApi::get`]
    Get,
    /// [`ContactsApi::update`]
    Update,
    /// [`ContactsApi::delete`]
    Delete,
    /// [`ContactsApi::list`]
    List,
    /// [`ContactsApi::find_or_create`]
    FindOrCreate,
}

impl Operation {
    /// Every operation, in the order the trait lists them.
    pub const ALL: [Operation; 6] = [
        Operation::Create,
        Operation::Get,
        Operation::Update,
        Operation::Delete,
        Operation::List,
        Operation::FindOrCreate,
    ];

    /// The name used in messages: `create`, `get`, …, `find_or_create`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Get => "get",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::List => "list",
            Operation::FindOrCreate => "find_or_create",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A field of the unified [`Contact`], as [`Capabilities`] and refusals name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Field {
    /// [`Contact::name`]
    Name,
    /// [`Contact::email`]
    Email,
    /// [`Contact::phone`]
    Phone,
    /// [`Contact::address`]
    Address,
    /// [`Contact::tax_id`]
    TaxId,
    /// [`Contact::location`]
    Location,
    /// [`Contact::external_id`]
    ExternalId,
}

impl Field {
    /// Every field, in the order [`Contact`] lists them.
    pub const ALL: [Field; 7] =
        [Field::Name, Field::Email, Field::Phone, Field::Address, Field::TaxId, Field::Location, Field::ExternalId];

    /// The name used in messages and refusals: `name`, `email`, …, `external_id`.
    pub fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Address => "address",
            Field::TaxId => "tax_id",
            Field::Location => "location",
            Field::ExternalId => "external_id",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a provider can do, known before calling it: its operations, the unified fields it
/// stores, and the fields a create needs.
///
/// ```
/// use contacts_core::{Capabilities, Field, Operation};
/// let caps = Capabilities::of(&[Operation::Get, Operation::FindOrCreate])
///     .storing(&[Field::Name, Field::Phone])
///     .requiring(&[Field::Name, Field::Phone]);
/// assert!(caps.supports(Operation::Get));
/// assert!(!caps.supports(Operation::Delete));
/// assert!(caps.stores(Field::Phone) && !caps.stores(Field::Email));
/// assert!(caps.requires(Field::Phone));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    operations: u8,
    stored: u8,
    required: u8,
}

impl Capabilities {
    /// Exactly these operations (and no fields yet).
    pub fn of(operations: &[Operation]) -> Self {
        Capabilities { operations: operations.iter().fold(0, |acc, op| acc | op.bit()), stored: 0, required: 0 }
    }

    /// The unified fields the provider stores (a field it does not store is refused, or
    /// dropped and reported in lossy mode, never dropped in silence).
    #[must_use]
    pub fn storing(mut self, fields: &[Field]) -> Self {
        self.stored = fields.iter().fold(0, |acc, f| acc | f.bit());
        self
    }

    /// The unified fields a create (or find-or-create) needs.
    #[must_use]
    pub fn requiring(mut self, fields: &[Field]) -> Self {
        self.required = fields.iter().fold(0, |acc, f| acc | f.bit());
        self
    }

    /// Whether `operation` is supported.
    pub fn supports(self, operation: Operation) -> bool {
        self.operations & operation.bit() != 0
    }

    /// Whether the provider stores `field`.
    pub fn stores(self, field: Field) -> bool {
        self.stored & field.bit() != 0
    }

    /// Whether a create needs `field`.
    pub fn requires(self, field: Field) -> bool {
        self.required & field.bit() != 0
    }

    /// The supported operations.
    pub fn operations(self) -> impl Iterator<Item = Operation> {
        Operation::ALL.into_iter().filter(move |op| self.supports(*op))
    }

    /// The stored fields.
    pub fn fields(self) -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(move |f| self.stores(*f))
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capabilities")
            .field("operations", &self.operations().map(Operation::name).collect::<Vec<_>>())
            .field("fields", &self.fields().map(Field::name).collect::<Vec<_>>())
            .field(
                "required",
                &Field::ALL.into_iter().filter(|f| self.requires(*f)).map(Field::name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The capabilities of several providers as a Markdown table: a row per operation and per
/// field, a column per provider (`yes`, `no`, `required`).
///
/// ```
/// use contacts_core::{Capabilities, Field, Operation, Provider, capabilities_table};
/// let caps = Capabilities::of(&[Operation::Get]).storing(&[Field::Name]).requiring(&[Field::Name]);
/// let table = capabilities_table(&[(Provider::Portal, caps)]);
/// assert!(table.contains("| get | yes |"));
/// assert!(table.contains("| name | required |"));
/// ```
pub fn capabilities_table(providers: &[(Provider, Capabilities)]) -> String {
    let mut out = String::from("| | ");
    out.push_str(&providers.iter().map(|(p, _)| p.name()).collect::<Vec<_>>().join(" | "));
    out.push_str(" |\n|---|");
    out.push_str(&"---|".repeat(providers.len()));
    out.push('\n');
    for op in Operation::ALL {
        let cells: Vec<&str> = providers.iter().map(|(_, c)| if c.supports(op) { "yes" } else { "no" }).collect();
        out.push_str(&format!("| {} | {} |\n", op.name(), cells.join(" | ")));
    }
    for field in Field::ALL {
        let cells: Vec<&str> = providers
            .iter()
            .map(|(_, c)| match (c.stores(field), c.requires(field)) {
                (_, true) => "required",
                (true, false) => "yes",
                (false, false) => "no",
            })
            .collect();
        out.push_str(&format!("| {} | {} |\n", field.name(), cells.join(" | ")));
    }
    out
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
    pub fn street(mut self, street: impl Into<String>) -> Self {
        self.street = Some(street.into());
        self
    }
    /// Sets the postal code.
    pub fn postal_code(mut self, code: impl Into<String>) -> Self {
        self.postal_code = Some(code.into());
        self
    }
    /// Sets the city.
    pub fn city(mut self, city: impl Into<String>) -> Self {
        self.city = Some(city.into());
        self
    }
    /// Sets the country.
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
pub struct GeoPoint {
    /// Longitude, -180..=180.
    pub longitude: f64,
    /// Latitude, -90..=90.
    pub latitude: f64,
}

impl GeoPoint {
    /// A point from longitude and latitude, in that order.
    pub fn new(longitude: f64, latitude: f64) -> Self {
        GeoPoint { longitude, latitude }
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
    pub location: Option<GeoPoint>,
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
    /// Sets the email.
    pub fn with_email(mut self, email: Option<String>) -> Self {
        self.email = email;
        self
    }
    /// Sets the phone.
    pub fn with_phone(mut self, phone: Option<String>) -> Self {
        self.phone = phone;
        self
    }
    /// Sets the address (an empty one becomes `None`).
    pub fn with_address(mut self, address: Address) -> Self {
        self.address = Some(address).filter(|a| !a.is_empty());
        self
    }
    /// Sets the tax id.
    pub fn with_tax_id(mut self, tax_id: Option<String>) -> Self {
        self.tax_id = tax_id;
        self
    }
    /// Sets the location.
    pub fn with_location(mut self, location: Option<GeoPoint>) -> Self {
        self.location = location;
        self
    }
    /// Sets the external id.
    pub fn with_external_id(mut self, external_id: Option<String>) -> Self {
        self.external_id = external_id;
        self
    }
    /// Sets the provider's raw JSON.
    pub fn with_raw(mut self, raw: serde_json::Value) -> Self {
        self.raw = raw;
        self
    }
    /// Records the fields dropped in lossy mode.
    pub fn with_dropped(mut self, dropped: Vec<Field>) -> Self {
        self.dropped = dropped;
        self
    }
}

/// A contact to create (or to find by phone).
///
/// A field the target provider cannot store is refused with [`Error::Validation`] naming it,
/// before anything is sent, unless the request is [`lossy`](Self::lossy): then it is dropped
/// and the answer's [`Contact::dropped`] lists it.
///
/// ```
/// use contacts_core::{Address, NewContact};
/// let c = NewContact::new("Anna Jensen").email("anna@jensen.dk").phone("+4522123456")
///     .address(Address::new().city("Kundeby").country("DK"))
///     .location(10.5286863, 56.8039035)
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
    pub location: Option<GeoPoint>,
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
    /// Sets the email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
    /// Sets the phone.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }
    /// Sets the address.
    pub fn address(mut self, address: Address) -> Self {
        self.address = Some(address);
        self
    }
    /// Sets the tax id.
    pub fn tax_id(mut self, tax_id: impl Into<String>) -> Self {
        self.tax_id = Some(tax_id.into());
        self
    }
    /// Sets the location (longitude, latitude).
    pub fn location(mut self, longitude: f64, latitude: f64) -> Self {
        self.location = Some(GeoPoint { longitude, latitude });
        self
    }
    /// Sets the caller's own id for the contact.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }
    /// Drops (and reports) fields the provider cannot store, instead of refusing the request.
    /// Defaults to `false`.
    pub fn lossy(mut self, lossy: bool) -> Self {
        self.lossy = lossy;
        self
    }
    /// The fields that are set.
    pub fn fields(&self) -> Vec<Field> {
        let set = [
            true,
            self.email.is_some(),
            self.phone.is_some(),
            self.address.as_ref().is_some_and(|a| !a.is_empty()),
            self.tax_id.is_some(),
            self.location.is_some(),
            self.external_id.is_some(),
        ];
        Field::ALL.into_iter().zip(set).filter(|(_, s)| *s).map(|(f, _)| f).collect()
    }
    fn clear(&mut self, field: Field) {
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
}

impl From<Contact> for NewContact {
    /// Every unified field of the contact (not its id), moved instead of copied.
    ///
    /// ```
    /// use contacts_core::{Contact, NewContact};
    /// let c = Contact::new("con_1", "Jane Doe").with_email(Some("jane@example.com".to_owned()));
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
pub struct ContactPatch {
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
    pub location: Option<GeoPoint>,
    /// New external id.
    pub external_id: Option<String>,
    /// Whether fields the provider cannot store are dropped (and reported) instead of refused.
    pub lossy: bool,
}

impl ContactPatch {
    /// No changes yet.
    pub fn new() -> Self {
        ContactPatch::default()
    }
    /// Changes the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Changes the email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
    /// Changes the phone.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }
    /// Changes address parts.
    pub fn address(mut self, address: Address) -> Self {
        self.address = Some(address);
        self
    }
    /// Changes the tax id.
    pub fn tax_id(mut self, tax_id: impl Into<String>) -> Self {
        self.tax_id = Some(tax_id.into());
        self
    }
    /// Changes the location (longitude, latitude).
    pub fn location(mut self, longitude: f64, latitude: f64) -> Self {
        self.location = Some(GeoPoint { longitude, latitude });
        self
    }
    /// Changes the external id.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }
    /// Drops (and reports) fields the provider cannot store, instead of refusing the patch.
    /// Defaults to `false`.
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
        let set = [
            self.name.is_some(),
            self.email.is_some(),
            self.phone.is_some(),
            self.address.as_ref().is_some_and(|a| !a.is_empty()),
            self.tax_id.is_some(),
            self.location.is_some(),
            self.external_id.is_some(),
        ];
        Field::ALL.into_iter().zip(set).filter(|(_, s)| *s).map(|(f, _)| f).collect()
    }
    fn clear(&mut self, field: Field) {
        match field {
            Field::Name => self.name = None,
            Field::Email => self.email = None,
            Field::Phone => self.phone = None,
            Field::Address => self.address = None,
            Field::TaxId => self.tax_id = None,
            Field::Location => self.location = None,
            Field::ExternalId => self.external_id = None,
        }
    }

    /// Only the fields `to` sets that differ from `from`: the update that makes `from` look
    /// like `to` (the core of an update in a sync). A field `to` leaves unset is not cleared.
    ///
    /// ```
    /// use contacts_core::{Contact, ContactPatch};
    /// let from = Contact::new("1", "Anna").with_email(Some("a@x.dk".into()));
    /// let to = Contact::new("9", "Anna").with_email(Some("anna@x.dk".into()));
    /// assert_eq!(ContactPatch::diff(&from, &to), ContactPatch::new().email("anna@x.dk"));
    /// assert!(ContactPatch::diff(&from, &from).is_empty());
    /// ```
    pub fn diff(from: &Contact, to: &Contact) -> ContactPatch {
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
        ContactPatch {
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

impl From<&Contact> for ContactPatch {
    /// Every field the contact has, as changes.
    fn from(c: &Contact) -> Self {
        ContactPatch {
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

/// Checks a [`NewContact`] against what the provider stores and needs, before any mapping:
/// a field it cannot store is refused naming the field (or, when the request is lossy,
/// dropped and returned), and a field a create needs must be there.
///
/// Returns the contact to map (without dropped fields) and the dropped fields.
///
/// # Errors
/// [`Error::Validation`] naming the first field refused or missing.
pub fn check_new(provider: Provider, caps: Capabilities, contact: &NewContact) -> Result<(NewContact, Vec<Field>)> {
    let mut kept = contact.clone();
    let mut dropped = Vec::new();
    for field in contact.fields() {
        if caps.stores(field) {
            continue;
        }
        if !contact.lossy {
            return Err(not_stored(provider, field));
        }
        kept.clear(field);
        dropped.push(field);
    }
    for field in Field::ALL.into_iter().filter(|f| caps.requires(*f)) {
        if !kept.fields().contains(&field) {
            return Err(Error::validation(field.name(), format!("{provider} needs it to create a contact")));
        }
    }
    Ok((kept, dropped))
}

/// Checks a [`ContactPatch`] as [`check_new`] does a new contact.
///
/// # Errors
/// [`Error::Validation`] naming the first field refused.
pub fn check_patch(provider: Provider, caps: Capabilities, patch: &ContactPatch) -> Result<(ContactPatch, Vec<Field>)> {
    let mut kept = patch.clone();
    let mut dropped = Vec::new();
    for field in patch.fields() {
        if caps.stores(field) {
            continue;
        }
        if !patch.lossy {
            return Err(not_stored(provider, field));
        }
        kept.clear(field);
        dropped.push(field);
    }
    Ok((kept, dropped))
}

fn not_stored(provider: Provider, field: Field) -> Error {
    Error::validation(
        field.name(),
        format!("{provider} does not store it; leave it unset, or ask for lossy mapping to drop it"),
    )
}

/// A customer id, as the customer portal lists contacts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CustomerId(pub u64);

impl From<u64> for CustomerId {
    fn from(id: u64) -> Self {
        CustomerId(id)
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What to list.
///
/// The customer portal lists contacts per customer: pass its customer ids with
/// [`customer_ids`](Self::customer_ids); the other providers ignore them. A `search` sent to a
/// provider that cannot search is refused with [`Error::Validation`], not ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListQuery {
    /// Free-text search, where the provider has one.
    pub search: Option<String>,
    /// Items per page fetched under the iterator; the provider's default when unset.
    pub page_size: Option<u32>,
    /// Customer ids (customer portal: required).
    pub customer_ids: Vec<CustomerId>,
}

impl ListQuery {
    /// Everything, with the provider's default page size.
    pub fn new() -> Self {
        ListQuery::default()
    }
    /// Searches for `text`.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }
    /// Sets the page size.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }
    /// Sets the customer ids.
    pub fn customer_ids(mut self, ids: impl IntoIterator<Item = impl Into<CustomerId>>) -> Self {
        self.customer_ids = ids.into_iter().map(Into::into).collect();
        self
    }
}

/// The answer of [`ContactsApi::find_or_create`].
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

/// A lazy stream of contacts, fetched page by page. `Send`, so a listing can move to another
/// thread.
pub type ContactStream<'a> = Box<dyn Iterator<Item = Result<Contact>> + Send + 'a>;

/// The operations every provider client offers, in one shape.
///
/// An operation the provider lacks returns [`Error::Unsupported`], and
/// [`capabilities`](Self::capabilities) says so before any call; it also says which unified
/// fields the provider stores. Implemented for `&T`, `Box<T>` and `Arc<T>` too, so a generic
/// `fn f<A: ContactsApi>(api: A)` takes `&client`.
pub trait ContactsApi: Send + Sync {
    /// The provider.
    fn provider(&self) -> Provider;

    /// The operations this provider has and the fields it stores.
    fn capabilities(&self) -> Capabilities;

    /// Creates a contact.
    ///
    /// # Errors
    /// Validation, API and transport errors; [`Error::Validation`] naming a field the provider
    /// cannot store (unless the request is lossy); [`Error::Unsupported`] where there is no
    /// create.
    fn create(&self, contact: &NewContact) -> Result<Contact> {
        let _ = contact;
        Err(unsupported(self.provider(), Operation::Create))
    }

    /// Fetches one contact by the provider's id.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such contact.
    fn get(&self, id: &str) -> Result<Contact> {
        let _ = id;
        Err(unsupported(self.provider(), Operation::Get))
    }

    /// Changes a contact and returns it as it now is.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such contact; [`Error::Validation`] naming a field
    /// the provider cannot store (unless the patch is lossy).
    fn update(&self, id: &str, patch: &ContactPatch) -> Result<Contact> {
        let _ = (id, patch);
        Err(unsupported(self.provider(), Operation::Update))
    }

    /// Deletes a contact.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there was no such contact.
    fn delete(&self, id: &str) -> Result<()> {
        let _ = id;
        Err(unsupported(self.provider(), Operation::Delete))
    }

    /// Every contact matching `query`, fetched lazily page by page.
    ///
    /// A failed page is yielded as one `Err`, after which the stream ends.
    fn list<'a>(&'a self, query: &ListQuery) -> ContactStream<'a> {
        let _ = query;
        Box::new(std::iter::once(Err(unsupported(self.provider(), Operation::List))))
    }

    /// Returns the contact with this contact's phone, creating it if there is none.
    ///
    /// # Errors
    /// Validation, API and transport errors; [`Error::Unsupported`] where there is none.
    fn find_or_create(&self, contact: &NewContact) -> Result<FoundContact> {
        let _ = contact;
        Err(unsupported(self.provider(), Operation::FindOrCreate))
    }
}

macro_rules! forward_contacts_api {
    ($($ty:ty),+) => {$(
        impl<T: ContactsApi + ?Sized> ContactsApi for $ty {
            fn provider(&self) -> Provider {
                (**self).provider()
            }
            fn capabilities(&self) -> Capabilities {
                (**self).capabilities()
            }
            fn create(&self, contact: &NewContact) -> Result<Contact> {
                (**self).create(contact)
            }
            fn get(&self, id: &str) -> Result<Contact> {
                (**self).get(id)
            }
            fn update(&self, id: &str, patch: &ContactPatch) -> Result<Contact> {
                (**self).update(id, patch)
            }
            fn delete(&self, id: &str) -> Result<()> {
                (**self).delete(id)
            }
            fn list<'a>(&'a self, query: &ListQuery) -> ContactStream<'a> {
                (**self).list(query)
            }
            fn find_or_create(&self, contact: &NewContact) -> Result<FoundContact> {
                (**self).find_or_create(contact)
            }
        }
    )+};
}

forward_contacts_api!(&T, Box<T>, Arc<T>);

/// The [`Error::Unsupported`] for `operation` on `provider`.
pub fn unsupported(provider: Provider, operation: Operation) -> Error {
    Error::Unsupported { provider: provider.name(), operation: operation.name() }
}

/// Refuses an option the provider has no place for (a search where it cannot search), rather
/// than silently ignoring it.
///
/// # Errors
/// [`Error::Validation`] naming the option when `present`.
pub fn refuse_unstored(provider: Provider, field: &str, present: bool) -> Result<()> {
    if present {
        return Err(Error::validation(field, format!("{provider} does not support it; leave it unset")));
    }
    Ok(())
}
