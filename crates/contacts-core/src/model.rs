//! The unified contact model and the [`ContactsApi`] trait, so one program can treat the
//! four providers alike. Each provider crate also has its own, richer types.

use std::fmt;

use serde::Serialize;

use crate::error::{Error, Result};

/// Which provider a client talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

/// Which operations a provider has, known before calling any.
///
/// ```
/// use contacts_core::{Capabilities, Operation};
/// let caps = Capabilities::of(&[Operation::Get, Operation::FindOrCreate]);
/// assert!(caps.supports(Operation::Get));
/// assert!(!caps.supports(Operation::Delete));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities(u8);

impl Capabilities {
    /// Exactly these operations.
    pub fn of(operations: &[Operation]) -> Self {
        Capabilities(operations.iter().fold(0, |acc, op| acc | op.bit()))
    }

    /// Whether `operation` is supported.
    pub fn supports(self, operation: Operation) -> bool {
        self.0 & operation.bit() != 0
    }

    /// The supported operations.
    pub fn operations(self) -> impl Iterator<Item = Operation> {
        Operation::ALL.into_iter().filter(move |op| self.supports(*op))
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.operations().map(Operation::name)).finish()
    }
}

/// A postal address, as much of it as the provider keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GeoPoint {
    /// Longitude, -180..=180.
    pub longitude: f64,
    /// Latitude, -90..=90.
    pub latitude: f64,
}

/// A contact as every provider can describe it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Contact {
    /// The provider's own id, as text.
    pub id: String,
    /// The display name.
    pub name: String,
    /// Email address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<Address>,
    /// VAT / registration / tax number.
    pub tax_id: Option<String>,
    /// The provider's own JSON for this contact: nothing is lost.
    pub raw: serde_json::Value,
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
            raw: serde_json::Value::Null,
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
    /// Sets the provider's raw JSON.
    pub fn with_raw(mut self, raw: serde_json::Value) -> Self {
        self.raw = raw;
        self
    }
}

/// A contact to create (or to find by phone).
///
/// ```
/// use contacts_core::{Address, NewContact};
/// let c = NewContact::new("Anna Jensen").email("anna@jensen.dk").phone("+4522123456")
///     .address(Address::new().city("Kundeby").country("DK"))
///     .location(10.5286863, 56.8039035);
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
    /// Where the contact is (required by Previsto).
    pub location: Option<GeoPoint>,
}

impl NewContact {
    /// A contact with a name.
    pub fn new(name: impl Into<String>) -> Self {
        NewContact { name: name.into(), email: None, phone: None, address: None, tax_id: None, location: None }
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
    /// Sets the location.
    pub fn location(mut self, longitude: f64, latitude: f64) -> Self {
        self.location = Some(GeoPoint { longitude, latitude });
        self
    }
}

/// Changes to a contact: only what is set is sent.
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
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.email.is_none()
            && self.phone.is_none()
            && self.address.as_ref().is_none_or(Address::is_empty)
            && self.tax_id.is_none()
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
    pub customer_ids: Vec<u64>,
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
    pub fn customer_ids(mut self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.customer_ids = ids.into_iter().collect();
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

/// A lazy stream of contacts, fetched page by page.
pub type ContactStream<'a> = Box<dyn Iterator<Item = Result<Contact>> + 'a>;

/// The operations every provider client offers, in one shape.
///
/// An operation the provider lacks returns [`Error::Unsupported`], and
/// [`capabilities`](Self::capabilities) says so before any call.
pub trait ContactsApi: Send + Sync {
    /// The provider.
    fn provider(&self) -> Provider;

    /// The operations this provider has.
    fn capabilities(&self) -> Capabilities;

    /// Creates a contact.
    ///
    /// # Errors
    /// Validation, API and transport errors; [`Error::Unsupported`] where there is no create.
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
    /// [`Error::NotFound`] when there is no such contact.
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

/// The [`Error::Unsupported`] for `operation` on `provider`.
pub fn unsupported(provider: Provider, operation: Operation) -> Error {
    Error::Unsupported { provider: provider.name(), operation: operation.name() }
}

/// Refuses a unified field or option the provider has no place for (an address where it keeps
/// none, a search where it cannot search), rather than silently dropping it.
///
/// # Errors
/// [`Error::Validation`] naming the field when `present`.
pub fn refuse_unstored(provider: Provider, field: &str, present: bool) -> Result<()> {
    if present {
        return Err(Error::validation(field, format!("{provider} does not support it; leave it unset")));
    }
    Ok(())
}
