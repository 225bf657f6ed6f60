use std::collections::BTreeMap;
use std::fmt;

use contacts_core::{Form, Method, Page, Pages, RequestBuilder, check_known, validate};
use serde::de::{self, Deserializer};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::{Client, Error, Result};

contacts_core::string_id! {
    /// A Previsto contact id (`con_…`; other prefixes occur). Opaque.
    pub struct ContactId;
}

contacts_core::wire_enum! {
    /// How work for the contact is invoiced (`accountingMode`).
    pub enum AccountingMode {
        /// `None`: not invoiced.
        None = "None",
        /// `AddToDraft`: added to a draft invoice.
        AddToDraft = "AddToDraft",
        /// `AddToInvoice`: added to an invoice.
        AddToInvoice = "AddToInvoice",
    }
}

contacts_core::wire_enum! {
    /// When work is invoiced (`accountingTime`).
    pub enum AccountingTime {
        /// `BeforeWork`.
        BeforeWork = "BeforeWork",
        /// `AfterWork`.
        AfterWork = "AfterWork",
    }
}

contacts_core::wire_enum! {
    /// How invoices reach the contact (`invoiceDelivery`).
    pub enum InvoiceDelivery {
        /// `None`.
        None = "None",
        /// `Email`.
        Email = "Email",
    }
}

/// A position as Previsto stores it: `[longitude, latitude]` on the wire, named fields here so
/// the two cannot be swapped.
///
/// ```
/// let here = previsto::Location::new(10.5286863, 56.8039035);
/// assert_eq!(here.longitude, 10.5286863);
/// assert_eq!(serde_json::to_string(&here).unwrap(), "[10.5286863,56.8039035]");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    /// Longitude, -180..=180.
    pub longitude: f64,
    /// Latitude, -90..=90.
    pub latitude: f64,
}

impl Location {
    /// A location from longitude and latitude, in that order (Previsto's order).
    pub fn new(longitude: f64, latitude: f64) -> Self {
        Location { longitude, latitude }
    }

    fn check(&self, field: &str) -> Result<()> {
        let ok = self.longitude.is_finite()
            && self.latitude.is_finite()
            && (-180.0..=180.0).contains(&self.longitude)
            && (-90.0..=90.0).contains(&self.latitude);
        if !ok {
            return Err(Error::validation(
                field,
                format!(
                    "longitude must be in -180..=180 and latitude in -90..=90 (got {}, {})",
                    self.longitude, self.latitude
                ),
            ));
        }
        Ok(())
    }
}

impl Serialize for Location {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(&self.longitude)?;
        seq.serialize_element(&self.latitude)?;
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = <[f64; 2]>::deserialize(d)?;
        Ok(Location::new(v[0], v[1]))
    }
}

/// A contact: a customer, person or company.
///
/// Every documented field is here; fields Previsto adds later are ignored, and `null`s are
/// `None` (or `false` / empty for flags and lists).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Contact {
    /// The id.
    pub id: ContactId,
    /// Company or person name.
    pub name: String,
    /// Street address, e.g. `Vesterbro 11`.
    #[serde(default)]
    pub address: Option<String>,
    /// Apartment, e.g. `1. th.` (spelled `appartment` on the wire).
    #[serde(default, rename = "appartment")]
    pub apartment: Option<String>,
    /// Postal code.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_string")]
    pub postal_code: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `DK`.
    #[serde(default)]
    pub country_code: Option<String>,
    /// Position.
    #[serde(default)]
    pub location: Option<Location>,
    /// The arbitrary number (or string) the contact is referred to by.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_string")]
    pub number: Option<String>,
    /// Id of the connected contact in the financial system.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_string")]
    pub remote_id: Option<String>,
    /// Id of the current open order in the financial system.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_string")]
    pub remote_order_id: Option<String>,
    /// International phone number, e.g. `+4522123456`.
    #[serde(default)]
    pub phone: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// EU VAT / CVR / TIN number.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_string")]
    pub registration_no: Option<String>,
    /// EAN (European Article Number).
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_string")]
    pub ean: Option<String>,
    /// How work is invoiced.
    #[serde(default)]
    pub accounting_mode: Option<AccountingMode>,
    /// When work is invoiced.
    #[serde(default)]
    pub accounting_time: Option<AccountingTime>,
    /// How invoices are delivered.
    #[serde(default)]
    pub invoice_delivery: Option<InvoiceDelivery>,
    /// Another contact that pays for this one's assignments.
    #[serde(default)]
    pub paying_contact_id: Option<ContactId>,
    /// Free-text note.
    #[serde(default)]
    pub note: Option<String>,
    /// Whether the contact is notified before work.
    #[serde(default, deserialize_with = "contacts_core::lenient::bool_or_false")]
    pub notify_before_work: bool,
    /// Whether the contact is archived.
    #[serde(default, deserialize_with = "contacts_core::lenient::bool_or_false")]
    pub archived: bool,
    /// Ids of the agents (accounts) in charge; empty means not specified.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub agent_ids: Vec<String>,
    /// Meta values.
    #[serde(default, deserialize_with = "meta_map")]
    pub meta: BTreeMap<String, String>,
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// Meta values are strings on the way in; numbers and booleans that come back are kept as text.
fn meta_map<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<BTreeMap<String, String>, D::Error> {
    let Some(map) = Option::<BTreeMap<String, serde_json::Value>>::deserialize(d)? else {
        return Ok(BTreeMap::new());
    };
    map.into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => Ok((k, s)),
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) => Ok((k, v.to_string())),
            _ => Err(de::Error::custom(format!("meta value for {k:?} is not a string"))),
        })
        .collect()
}

/// Fields shared by create and update, written to the form in the documented order.
#[derive(Debug, Clone, Default, PartialEq)]
struct Fields {
    name: Option<String>,
    address: Option<String>,
    apartment: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    country_code: Option<String>,
    location: Option<Location>,
    number: Option<i64>,
    phone: Option<String>,
    email: Option<String>,
    registration_no: Option<String>,
    ean: Option<String>,
    accounting_mode: Option<AccountingMode>,
    accounting_time: Option<AccountingTime>,
    invoice_delivery: Option<InvoiceDelivery>,
    paying_contact_id: Option<ContactId>,
    note: Option<String>,
    notify_before_work: Option<bool>,
    archived: Option<bool>,
    meta: BTreeMap<String, String>,
}

/// Most meta keys Previsto keeps.
pub const META_MAX_KEYS: usize = 20;
/// Longest meta key, in characters.
pub const META_KEY_MAX_CHARS: usize = 40;
/// Longest meta value, in characters.
pub const META_VALUE_MAX_CHARS: usize = 500;

impl Fields {
    fn check(&self) -> Result<()> {
        if let Some(name) = &self.name {
            validate::not_blank("name", name)?;
        }
        if let Some(code) = &self.country_code {
            validate::country_alpha2("country_code", code)?;
        }
        if let Some(location) = &self.location {
            location.check("location")?;
        }
        if let Some(phone) = &self.phone {
            validate::e164("phone", phone)?;
        }
        if let Some(email) = &self.email {
            validate::email("email", email)?;
        }
        if let Some(id) = &self.paying_contact_id {
            validate::not_blank("paying_contact_id", id.as_str())?;
        }
        if let Some(v) = &self.accounting_mode {
            check_known("accounting_mode", v.is_known(), v.as_str(), &["None", "AddToDraft", "AddToInvoice"])?;
        }
        if let Some(v) = &self.accounting_time {
            check_known("accounting_time", v.is_known(), v.as_str(), &["BeforeWork", "AfterWork"])?;
        }
        if let Some(v) = &self.invoice_delivery {
            check_known("invoice_delivery", v.is_known(), v.as_str(), &["None", "Email"])?;
        }
        if self.meta.len() > META_MAX_KEYS {
            return Err(Error::validation("meta", format!("at most {META_MAX_KEYS} keys (got {})", self.meta.len())));
        }
        for (key, value) in &self.meta {
            validate::length("meta key", key, 1, META_KEY_MAX_CHARS)?;
            if key.contains(['[', ']']) {
                return Err(Error::validation("meta key", format!("{key:?} must not contain [ or ]")));
            }
            validate::length(&format!("meta[{key}]"), value, 0, META_VALUE_MAX_CHARS)?;
        }
        Ok(())
    }

    fn form(&self) -> Form {
        let mut f = Form::new();
        f.field_opt("name", self.name.as_deref())
            .field_opt("address", self.address.as_deref())
            .field_opt("appartment", self.apartment.as_deref())
            .field_opt("postalCode", self.postal_code.as_deref())
            .field_opt("city", self.city.as_deref())
            .field_opt("countryCode", self.country_code.as_deref());
        if let Some(l) = self.location {
            f.field("location[]", &l.longitude.to_string()).field("location[]", &l.latitude.to_string());
        }
        f.field_opt("number", self.number.map(|n| n.to_string()).as_deref())
            .field_opt("phone", self.phone.as_deref())
            .field_opt("email", self.email.as_deref())
            .field_opt("registrationNo", self.registration_no.as_deref())
            .field_opt("ean", self.ean.as_deref())
            .field_opt("accountingMode", self.accounting_mode.as_ref().map(AccountingMode::as_str))
            .field_opt("accountingTime", self.accounting_time.as_ref().map(AccountingTime::as_str))
            .field_opt("invoiceDelivery", self.invoice_delivery.as_ref().map(InvoiceDelivery::as_str))
            .field_opt("payingContactId", self.paying_contact_id.as_ref().map(ContactId::as_str))
            .field_opt("note", self.note.as_deref())
            .field_opt("notifyBeforeWork", self.notify_before_work.map(bool_str))
            .field_opt("archived", self.archived.map(bool_str));
        for (key, value) in &self.meta {
            f.field(&format!("meta[{key}]"), value);
        }
        f
    }
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// Shared setters of [`NewContact`] and [`ContactUpdate`].
macro_rules! common_setters {
    () => {
        contacts_core::field_setters! {
            /// Street address, e.g. `Vesterbro 11`.
            address: String;
            /// Apartment, e.g. `1. th` (`appartment` on the wire).
            apartment: String;
            /// Postal code.
            postal_code: String;
            /// City.
            city: String;
            /// ISO 3166-1 alpha-2 country code, e.g. `DK` (checked).
            country_code: String;
            /// The number the contact is referred to by (an integer in requests).
            number: i64;
            /// Full international phone number, e.g. `+4522123456` (checked: E.164).
            phone: String;
            /// Email (checked for shape).
            email: String;
            /// EU VAT / CVR / TIN number.
            registration_no: String;
            /// EAN (European Article Number).
            ean: String;
            /// How work is invoiced.
            accounting_mode: AccountingMode;
            /// When work is invoiced.
            accounting_time: AccountingTime;
            /// How invoices are delivered.
            invoice_delivery: InvoiceDelivery;
            /// Another contact that pays for this one's assignments.
            paying_contact_id: ContactId;
            /// Free-text note.
            note: String;
            /// Whether the contact is notified before work.
            notify_before_work: bool;
        }

        /// Adds a meta value (`meta[key]=value` on the wire). At most 20 keys, keys up to
        /// 40 characters, values up to 500 (checked).
        pub fn meta(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
            self.fields.meta.insert(key.into(), value.into());
            self
        }
    };
}

/// A contact to create: name and location are required.
///
/// ```
/// use previsto::{Location, NewContact};
/// let anna = NewContact::new("Anna Jensen", Location::new(10.5286863, 56.8039035))
///     .email("anna@jensen.dk")
///     .meta("hairColor", "Brown");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct NewContact {
    fields: Fields,
}

impl NewContact {
    /// A contact with its required name (company or person) and location.
    pub fn new(name: impl Into<String>, location: Location) -> Self {
        NewContact { fields: Fields { name: Some(name.into()), location: Some(location), ..Fields::default() } }
    }

    common_setters!();

    contacts_core::field_setters! {
        /// Whether the contact is archived.
        archived: bool;
    }

    /// The form body this contact is sent as.
    pub fn to_form(&self) -> Form {
        self.fields.form()
    }
}

/// Changes to a contact: only what is set is sent, the rest is left unchanged.
///
/// ```
/// let update = previsto::ContactUpdate::new().phone("+4522123456");
/// assert_eq!(update.to_form().as_str(), "phone=%2B4522123456");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct ContactUpdate {
    fields: Fields,
}

impl ContactUpdate {
    /// No changes yet.
    pub fn new() -> Self {
        ContactUpdate::default()
    }

    contacts_core::field_setters! {
        /// New name (company or person).
        name: String;
        /// New location.
        location: Location;
    }

    common_setters!();

    /// The form body this update is sent as.
    pub fn to_form(&self) -> Form {
        self.fields.form()
    }

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.fields == Fields::default()
    }
}

/// Filters of [`ListContacts`]: none, a search, or sorting by distance — never two at once.
pub trait ListFilter: sealed::Sealed + fmt::Debug {
    #[doc(hidden)]
    fn apply<'a>(&self, request: RequestBuilder<'a>) -> RequestBuilder<'a>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::NoFilter {}
    impl Sealed for super::Search {}
    impl Sealed for super::Nearby {}
}

/// No filter: every contact.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NoFilter;

/// A free-text search (`search=`).
#[derive(Debug, Clone, PartialEq)]
pub struct Search(String);

/// Sorted by distance to a point (`nearby=lon,lat`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearby(Location);

impl ListFilter for NoFilter {
    fn apply<'a>(&self, request: RequestBuilder<'a>) -> RequestBuilder<'a> {
        request
    }
}

impl ListFilter for Search {
    fn apply<'a>(&self, request: RequestBuilder<'a>) -> RequestBuilder<'a> {
        request.query("search", &self.0)
    }
}

impl ListFilter for Nearby {
    fn apply<'a>(&self, request: RequestBuilder<'a>) -> RequestBuilder<'a> {
        request.query("nearby", format_args!("{},{}", self.0.longitude, self.0.latitude))
    }
}

/// Smallest page size.
pub const MIN_PAGE_SIZE: u32 = 1;
/// Largest page size Previsto accepts.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Page size the iterator uses when none is set.
pub const ITER_PAGE_SIZE: u32 = 100;

/// What to list: page size, zero-based page, and at most one of search or nearby.
///
/// `search` and `nearby` cannot be combined (Previsto refuses it), and the type makes the
/// combination impossible to write:
///
/// ```compile_fail
/// previsto::ListContacts::new().search("anna").nearby(previsto::Location::new(10.5, 56.8));
/// ```
///
/// ```
/// let q = previsto::ListContacts::new().search("anna").size(50).page(2);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct ListContacts<F = NoFilter> {
    size: Option<u32>,
    page: Option<u64>,
    filter: F,
}

impl Default for ListContacts {
    fn default() -> Self {
        ListContacts::new()
    }
}

impl ListContacts {
    /// Every contact, Previsto's default page size (20) for [`list`](Contacts::list) and
    /// 100 for [`iter`](Contacts::iter).
    pub fn new() -> Self {
        ListContacts { size: None, page: None, filter: NoFilter }
    }

    /// Only contacts matching `text`.
    pub fn search(self, text: impl Into<String>) -> ListContacts<Search> {
        ListContacts { size: self.size, page: self.page, filter: Search(text.into()) }
    }

    /// Contacts sorted by distance to `location`.
    pub fn nearby(self, location: Location) -> ListContacts<Nearby> {
        ListContacts { size: self.size, page: self.page, filter: Nearby(location) }
    }
}

impl<F: ListFilter> ListContacts<F> {
    /// Items per page, 1..=1000 (checked).
    pub fn size(mut self, size: u32) -> Self {
        self.size = Some(size);
        self
    }

    /// The zero-based page (for [`iter`](Contacts::iter): the page to start from).
    pub fn page(mut self, page: u64) -> Self {
        self.page = Some(page);
        self
    }

    fn check(&self) -> Result<()> {
        if let Some(size) = self.size {
            validate::range("size", size, MIN_PAGE_SIZE, MAX_PAGE_SIZE)?;
        }
        Ok(())
    }
}

/// One page of contacts, with the total when Previsto sent `x-total-count`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ContactPage {
    /// The contacts on this page.
    pub contacts: Vec<Contact>,
    /// The number of contacts across all pages, when the server said.
    pub total: Option<u64>,
}

/// The contacts resource of a [`Client`]: `client.contacts()`.
#[derive(Debug, Clone, Copy)]
pub struct Contacts<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> Contacts<'a> {
    /// Previsto lets a public key (`pk_…`) create contacts and nothing else.
    fn secret_key_for(&self, operation: &str) -> Result<()> {
        if self.client.public_key {
            return Err(Error::config(format!(
                "a Previsto public key (pk_…) may only create contacts; {operation} needs the secret key (sk_…)"
            )));
        }
        Ok(())
    }

    /// Creates a contact ([docs](https://www.previsto.com/docs/api#create-a-contact)).
    ///
    /// Sent once: a create that may have reached the server is never repeated.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Previsto, 1).start().unwrap();
    /// # let client = previsto::Client::builder().api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url()).build()?;
    /// use previsto::{Location, NewContact};
    /// let anna = client.contacts().create(
    ///     &NewContact::new("Anna Jensen", Location::new(10.5286863, 56.8039035))
    ///         .email("anna@jensen.dk")
    ///         .meta("hairColor", "Brown"),
    /// )?;
    /// println!("created {}", anna.id);
    /// # Ok::<(), previsto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before sending when a field breaks a documented limit;
    /// [`Error::Api`] when Previsto refuses it (`code` is its `type`, the field its `param`).
    pub fn create(&self, contact: &NewContact) -> Result<Contact> {
        self.create_request(contact)?.send()?.json()
    }

    pub(crate) fn create_request(&self, contact: &NewContact) -> Result<RequestBuilder<'a>> {
        contact.fields.check()?;
        Ok(self.client.http.request(Method::Post, &["contacts"])?.form(contact.to_form()))
    }

    /// Fetches a contact ([docs](https://www.previsto.com/docs/api#retrieve-a-contact)).
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Previsto, 1).start().unwrap();
    /// # let client = previsto::Client::builder().api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url()).build()?;
    /// # let id = previsto::ContactId::from("con_sbx0");
    /// let anna = client.contacts().get(&id)?;
    /// # Ok::<(), previsto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such contact.
    pub fn get(&self, id: &ContactId) -> Result<Contact> {
        self.get_request(id)?.send()?.json()
    }

    pub(crate) fn get_request(&self, id: &ContactId) -> Result<RequestBuilder<'a>> {
        self.secret_key_for("get")?;
        self.client.http.request(Method::Get, &["contacts", id.as_str()])
    }

    /// Changes the fields set in `update`, leaving the rest as they are
    /// ([docs](https://www.previsto.com/docs/api#update-a-contact)). Safe to retry.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Previsto, 1).start().unwrap();
    /// # let client = previsto::Client::builder().api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url()).build()?;
    /// # let id = previsto::ContactId::from("con_sbx0");
    /// let anna = client.contacts().update(&id, &previsto::ContactUpdate::new().phone("+4522123456"))?;
    /// # Ok::<(), previsto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] when nothing is set or a field breaks a limit;
    /// [`Error::NotFound`] when there is no such contact.
    pub fn update(&self, id: &ContactId, update: &ContactUpdate) -> Result<Contact> {
        self.update_request(id, update)?.send()?.json()
    }

    pub(crate) fn update_request(&self, id: &ContactId, update: &ContactUpdate) -> Result<RequestBuilder<'a>> {
        self.secret_key_for("update")?;
        if update.is_empty() {
            return Err(Error::validation("update", "nothing to change: set at least one field"));
        }
        update.fields.check()?;
        Ok(self.client.http.request(Method::Post, &["contacts", id.as_str()])?.form(update.to_form()).idempotent(true))
    }

    /// Deletes a contact for good ([docs](https://www.previsto.com/docs/api#delete-a-contact)).
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Previsto, 1).start().unwrap();
    /// # let client = previsto::Client::builder().api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url()).build()?;
    /// # let id = previsto::ContactId::from("con_sbx0");
    /// client.contacts().delete(&id)?;
    /// # Ok::<(), previsto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such contact.
    pub fn delete(&self, id: &ContactId) -> Result<()> {
        self.secret_key_for("delete")?;
        self.client.http.request(Method::Delete, &["contacts", id.as_str()])?.send()?;
        Ok(())
    }

    /// One page of contacts ([docs](https://www.previsto.com/docs/api#list-all-contacts)).
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Previsto, 1).start().unwrap();
    /// # let client = previsto::Client::builder().api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url()).build()?;
    /// let page = client.contacts().list(&previsto::ListContacts::new().search("anna").size(50))?;
    /// # Ok::<(), previsto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] for a size outside 1..=1000.
    pub fn list<F: ListFilter>(&self, query: &ListContacts<F>) -> Result<Vec<Contact>> {
        Ok(self.list_page(query)?.contacts)
    }

    /// Like [`list`](Self::list), with the total from `x-total-count` when Previsto sends it.
    ///
    /// # Errors
    /// As [`list`](Self::list).
    pub fn list_page<F: ListFilter>(&self, query: &ListContacts<F>) -> Result<ContactPage> {
        query.check()?;
        let (contacts, total) = self.fetch_page(query, query.page, query.size)?;
        Ok(ContactPage { contacts, total })
    }

    /// Every contact matching `query`, fetched lazily page by page (100 a page unless the
    /// query sets a size). Stops after a short or empty page or at `x-total-count`; a failed
    /// page is yielded as one `Err` and ends the iteration.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Previsto, 1).start().unwrap();
    /// # let client = previsto::Client::builder().api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url()).build()?;
    /// for contact in client.contacts().iter(&previsto::ListContacts::new()) {
    ///     let contact = contact?;
    ///     println!("{} {}", contact.id, contact.name);
    /// }
    /// # Ok::<(), previsto::Error>(())
    /// ```
    pub fn iter<F: ListFilter + Clone + 'a>(
        &self,
        query: &ListContacts<F>,
    ) -> impl Iterator<Item = Result<Contact>> + use<'a, F> {
        let query = query.clone();
        let this = *self;
        let size = query.size.unwrap_or(ITER_PAGE_SIZE);
        let checked = query.check();
        let mut checked = Some(checked);
        Pages::new(query.page.unwrap_or(0), size as usize, move |page| {
            if let Some(Err(e)) = checked.take() {
                return Err(e);
            }
            let (items, total) = this.fetch_page(&query, Some(page), Some(size))?;
            Ok(Page::new(items).with_total(total))
        })
    }

    pub(crate) fn fetch_page_checked<T: serde::de::DeserializeOwned, F: ListFilter>(
        &self,
        query: &ListContacts<F>,
        page: u64,
    ) -> Result<(Vec<T>, Option<u64>)> {
        query.check()?;
        self.fetch_page(query, Some(page), query.size)
    }

    pub(crate) fn fetch_page<T: serde::de::DeserializeOwned, F: ListFilter>(
        &self,
        query: &ListContacts<F>,
        page: Option<u64>,
        size: Option<u32>,
    ) -> Result<(Vec<T>, Option<u64>)> {
        self.secret_key_for("list")?;
        let request =
            self.client.http.request(Method::Get, &["contacts"])?.query_opt("size", size).query_opt("page", page);
        let response = query.filter.apply(request).send()?;
        let total = response.header("x-total-count").and_then(|v| v.trim().parse().ok());
        Ok((response.json()?, total))
    }
}
