//! What the caller sends: [`NewContact`], [`ContactUpdate`] and [`ListContacts`].

use std::collections::BTreeMap;

use contacts_http::{Form, RequestBuilder, validate};

use super::model::{AccountingMode, AccountingTime, ContactId, InvoiceDelivery, Location};
use crate::{Error, Result};

/// Most meta keys Previsto keeps.
pub const META_MAX_KEYS: usize = 20;
/// Longest meta key, in characters.
pub const META_KEY_MAX_CHARS: usize = 40;
/// Longest meta value, in characters.
pub const META_VALUE_MAX_CHARS: usize = 500;
/// Longest free-text field (name, address, note…), in characters. Previsto documents no bound:
/// this one is ours, generous, so a runaway value is refused before it is sent.
pub const TEXT_MAX_CHARS: usize = 10_000;

/// Smallest page size.
pub const MIN_PAGE_SIZE: u32 = 1;
/// Largest page size: 1000, as Previsto's developer reference (developer.previsto.com,
/// pagination) says ("you can go as high as 1000"); the older contact document and API
/// introduction say 100. A server holding to the older limit still reads whole: a page
/// shorter than asked is not the end while `x-total-count` says there is more.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Page size of [`Contacts::iter`](crate::Contacts::iter) when the query sets none: the largest.
pub const ITER_PAGE_SIZE: u32 = MAX_PAGE_SIZE;

/// A value to send for a field that may be cleared: Previsto documents `null` for it.
#[derive(Debug, Clone, PartialEq)]
enum Clearable<T> {
    Set(T),
    Clear,
}

/// Fields shared by create and update, written to the form in the documented order.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Fields {
    name: Option<String>,
    address: Option<String>,
    apartment: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    country_code: Option<String>,
    location: Option<Location>,
    number: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    registration_no: Option<String>,
    ean: Option<String>,
    accounting_mode: Option<AccountingMode>,
    accounting_time: Option<AccountingTime>,
    invoice_delivery: Option<InvoiceDelivery>,
    paying_contact_id: Option<Clearable<ContactId>>,
    note: Option<String>,
    notify_before_work: Option<bool>,
    archived: Option<bool>,
    meta: BTreeMap<String, String>,
}

impl Fields {
    pub(crate) fn check(&self) -> Result<()> {
        let texts = [
            ("name", &self.name),
            ("address", &self.address),
            ("apartment", &self.apartment),
            ("postal_code", &self.postal_code),
            ("city", &self.city),
            ("registration_no", &self.registration_no),
            ("ean", &self.ean),
            ("number", &self.number),
        ];
        validate::texts(TEXT_MAX_CHARS, &texts)?;
        if let Some(note) = &self.note {
            validate::text("note", note, TEXT_MAX_CHARS)?;
        }
        if let Some(name) = &self.name {
            validate::not_blank("name", name)?;
        }
        if let Some(code) = &self.country_code {
            validate::country_alpha2("country_code", code)?;
        }
        if let Some(location) = &self.location {
            super::model::check_location("location", location)?;
        }
        // Phone and email are sent as given: the document asks for a "full international"
        // number and an email, and Previsto's answer decides (no shape is refused here).
        if let Some(Clearable::Set(id)) = &self.paying_contact_id {
            validate::text("paying_contact_id", id.as_str(), TEXT_MAX_CHARS)?;
            validate::not_blank("paying_contact_id", id.as_str())?;
        }
        if self.meta.len() > META_MAX_KEYS {
            return Err(Error::validation("meta", format!("at most {META_MAX_KEYS} keys (got {})", self.meta.len())));
        }
        for (key, value) in &self.meta {
            validate::length("meta key", key, 1, META_KEY_MAX_CHARS)?;
            validate::text("meta key", key, META_KEY_MAX_CHARS)?;
            // `meta[key]=value` cannot carry a bracket in the key: it would end the key early.
            if key.contains(['[', ']']) {
                return Err(Error::validation(
                    "meta key",
                    format!("{key:?} must not contain [ or ]: the form encoding meta[key] cannot carry them"),
                ));
            }
            validate::text(&format!("meta[{key}]"), value, META_VALUE_MAX_CHARS)?;
        }
        Ok(())
    }

    pub(crate) fn form(&self) -> Form {
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
        f.field_opt("number", self.number.as_deref())
            .field_opt("phone", self.phone.as_deref())
            .field_opt("email", self.email.as_deref())
            .field_opt("registrationNo", self.registration_no.as_deref())
            .field_opt("ean", self.ean.as_deref())
            .field_opt("accountingMode", self.accounting_mode.as_ref().map(AccountingMode::as_str))
            .field_opt("accountingTime", self.accounting_time.as_ref().map(AccountingTime::as_str))
            .field_opt("invoiceDelivery", self.invoice_delivery.as_ref().map(InvoiceDelivery::as_str));
        match &self.paying_contact_id {
            Some(Clearable::Set(id)) => {
                f.field("payingContactId", id.as_str());
            }
            // A form has no null: an empty value is how a form clears a field.
            Some(Clearable::Clear) => {
                f.field("payingContactId", "");
            }
            None => {}
        }
        f.field_opt("note", self.note.as_deref())
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

/// The setters create and update share, declared once (every documented argument but the
/// name, which a create takes in `new`, and `archived`, which only a create documents).
macro_rules! shared_setters {
    () => {
        contacts_http::setters! {
            /// Street address, e.g. `Vesterbro 11`.
            pub fn address(value: impl Into<String>) -> fields.address = some_into;
            /// Apartment, e.g. `1. th` (`appartment` on the wire).
            pub fn apartment(value: impl Into<String>) -> fields.apartment = some_into;
            /// Postal code.
            pub fn postal_code(value: impl Into<String>) -> fields.postal_code = some_into;
            /// City.
            pub fn city(value: impl Into<String>) -> fields.city = some_into;
            /// ISO 3166-1 alpha-2 country code, e.g. `DK` (checked).
            pub fn country_code(value: impl Into<String>) -> fields.country_code = some_into;
            /// Position: longitude and latitude, in that order on the wire (checked for range).
            pub fn location(value: impl Into<Location>) -> fields.location = some_into;

            /// Full international phone number, e.g. `+4522123456` (sent as given).
            pub fn phone(value: impl Into<String>) -> fields.phone = some_into;
            /// Email (sent as given: Previsto's answer decides).
            pub fn email(value: impl Into<String>) -> fields.email = some_into;
            /// EU VAT / CVR / TIN number.
            pub fn registration_no(value: impl Into<String>) -> fields.registration_no = some_into;
            /// EAN (European Article Number).
            pub fn ean(value: impl Into<String>) -> fields.ean = some_into;
            /// How work is invoiced.
            pub fn accounting_mode(value: impl Into<AccountingMode>) -> fields.accounting_mode = some_into;
            /// When work is invoiced.
            pub fn accounting_time(value: impl Into<AccountingTime>) -> fields.accounting_time = some_into;
            /// How invoices are delivered.
            pub fn invoice_delivery(value: impl Into<InvoiceDelivery>) -> fields.invoice_delivery = some_into;
            /// Free-text note (may span lines).
            pub fn note(value: impl Into<String>) -> fields.note = some_into;
            /// Whether the contact is notified before work.
            pub fn notify_before_work(value: impl Into<bool>) -> fields.notify_before_work = some_into;
        }

        /// Another contact that pays for this one's assignments.
        pub fn paying_contact_id(mut self, id: impl Into<ContactId>) -> Self {
            self.fields.paying_contact_id = Some(Clearable::Set(id.into()));
            self
        }

        /// The number the contact is referred to by: "arbitrary number (or string)", as the
        /// contact object and the developer reference say (the argument tables say integer),
        /// so text is taken: `.number(1042)` or `.number("A-17")`, a value read from Previsto
        /// written back as it came.
        pub fn number(mut self, value: impl ToString) -> Self {
            self.fields.number = Some(value.to_string());
            self
        }

        /// Sets a meta value (`meta[key]=value` on the wire). At most 20 keys, keys up to
        /// 40 characters, values up to 500 (checked).
        pub fn meta(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
            self.fields.meta.insert(key.into(), value.into());
            self
        }

        /// The form body this is sent as (`application/x-www-form-urlencoded`).
        pub fn to_form(&self) -> String {
            self.fields.form().into_string()
        }
    };
}

/// A contact to create ([arguments](https://developer.previsto.com/contacts)):
/// the name is required, everything else optional.
///
/// The document's table marks `location` required, yet its own example creates a contact with
/// a name and a meta value only, and Previsto can resolve a location from the address: the
/// crate follows the example and leaves `location` optional.
///
/// ```
/// use previsto::{Location, NewContact};
/// let anna = NewContact::new("Anna Jensen").meta("hairColor", "Brown");
/// assert_eq!(anna.to_form(), "name=Anna%20Jensen&meta[hairColor]=Brown");
/// let placed = NewContact::new("Anna Jensen").location(Location::new(10.5286863, 56.8039035));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct NewContact {
    pub(crate) fields: Fields,
}

impl NewContact {
    /// A contact with its required name (a company or a person).
    pub fn new(name: impl Into<String>) -> Self {
        NewContact { fields: Fields { name: Some(name.into()), ..Fields::default() } }
    }

    contacts_http::setters! {
        /// Whether the contact is archived.
        pub fn archived(value: impl Into<bool>) -> fields.archived = some_into;
    }

    shared_setters!();
}

/// Changes to a contact ([arguments](https://developer.previsto.com/contacts)):
/// only what is set is sent; Previsto leaves the rest unchanged.
///
/// ```
/// let update = previsto::ContactUpdate::new().phone("+4522123456");
/// assert_eq!(update.to_form(), "phone=%2B4522123456");
/// let unlink = previsto::ContactUpdate::new().clear_paying_contact_id();
/// assert_eq!(unlink.to_form(), "payingContactId=");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct ContactUpdate {
    pub(crate) fields: Fields,
}

impl ContactUpdate {
    /// No changes yet.
    pub fn new() -> Self {
        ContactUpdate::default()
    }

    /// The same fields as a create (the unified mapping writes both through one function).
    pub(crate) fn into_new_contact(self) -> NewContact {
        NewContact { fields: self.fields }
    }

    contacts_http::setters! {
        /// New name (company or person).
        pub fn name(value: impl Into<String>) -> fields.name = some_into;
    }

    shared_setters!();

    /// Removes the paying contact (the document allows `null`; a form sends it as
    /// `payingContactId=` with no value).
    pub fn clear_paying_contact_id(mut self) -> Self {
        self.fields.paying_contact_id = Some(Clearable::Clear);
        self
    }

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.fields == Fields::default()
    }
}

/// The listing's one filter: Previsto refuses `search` and `nearby` together.
#[derive(Debug, Clone, PartialEq)]
enum Filter {
    None,
    Search(String),
    Nearby(Location),
    /// Both were set: refused before the first request.
    Both,
}

/// Sort direction for [`ListContacts::sort`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Order {
    /// Smallest first (`asc`).
    #[default]
    Asc,
    /// Largest first (`desc`).
    Desc,
}

impl Order {
    fn as_str(self) -> &'static str {
        match self {
            Order::Asc => "asc",
            Order::Desc => "desc",
        }
    }
}

/// The contact properties a list can be filtered and sorted by: the documented ones, as
/// `(wire name, Rust name)`.
const PROPERTIES: [(&str, &str); 22] = [
    ("id", "id"),
    ("name", "name"),
    ("address", "address"),
    ("appartment", "apartment"),
    ("postalCode", "postal_code"),
    ("city", "city"),
    ("countryCode", "country_code"),
    ("number", "number"),
    ("remoteId", "remote_id"),
    ("remoteOrderId", "remote_order_id"),
    ("phone", "phone"),
    ("email", "email"),
    ("registrationNo", "registration_no"),
    ("ean", "ean"),
    ("accountingMode", "accounting_mode"),
    ("accountingTime", "accounting_time"),
    ("invoiceDelivery", "invoice_delivery"),
    ("payingContactId", "paying_contact_id"),
    ("note", "note"),
    ("notifyBeforeWork", "notify_before_work"),
    ("archived", "archived"),
    ("agentIds", "agent_ids"),
];

/// The wire name of a documented property given by its wire or Rust name.
fn property(name: &str) -> Result<std::borrow::Cow<'static, str>> {
    // A location is a coordinate pair: equality on it has no documented query syntax (an
    // Assumption in the README); `nearby` is the documented way to ask by position.
    if name == "location" {
        return Err(Error::validation(
            "filter",
            "equality on location has no documented query syntax: use nearby(location) to sort by distance",
        ));
    }
    // A meta value filters as Previsto's form syntax writes it: `meta[key]`.
    if let Some(key) = name.strip_prefix("meta[").and_then(|k| k.strip_suffix(']')) {
        if key.is_empty() || key.contains(['[', ']']) || key.chars().count() > META_KEY_MAX_CHARS {
            return Err(Error::validation("filter", format!("{name:?} is not a meta key filter like meta[hairColor]")));
        }
        return Ok(std::borrow::Cow::Owned(name.to_owned()));
    }
    PROPERTIES
        .iter()
        .find(|(wire, rust)| *wire == name || *rust == name)
        .map(|(wire, _)| std::borrow::Cow::Borrowed(*wire))
        .ok_or_else(|| {
            Error::validation(
                "filter",
                format!("{name:?} is not a documented contact property (like city, postalCode or name)"),
            )
        })
}

/// What to list ([arguments](https://developer.previsto.com/contacts)): page
/// size, zero-based page, at most one of `search` or `nearby`, equality filters on any
/// documented property (`?city=Kundeby`) and a sort (`?sort=name,desc`), as Previsto's API
/// introduction documents for every list.
///
/// Everything is checked before the first request: `search` together with `nearby`, a size
/// outside 1..=1000, coordinates out of range, or an undocumented property is an
/// [`Error::Validation`] and nothing is sent.
///
/// ```
/// use previsto::{ListContacts, Order};
/// let q = ListContacts::new().search("anna").size(50).page(2);
/// let q = ListContacts::new().filter("city", "Kundeby").sort("name", Order::Desc);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct ListContacts {
    pub(crate) size: Option<u32>,
    pub(crate) page: Option<u64>,
    filter: Filter,
    equals: Vec<(String, String)>,
    sort: Option<(String, Order)>,
}

impl Default for ListContacts {
    fn default() -> Self {
        ListContacts::new()
    }
}

impl ListContacts {
    /// Every contact: Previsto's default page size (20) for one page, [`ITER_PAGE_SIZE`] (1000)
    /// for [`iter`](crate::Contacts::iter) and [`list`](crate::Contacts::list).
    pub fn new() -> Self {
        ListContacts { size: None, page: None, filter: Filter::None, equals: Vec::new(), sort: None }
    }

    /// Only contacts matching `text` (free-text search). Cannot be combined with
    /// [`nearby`](Self::nearby).
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.filter = match self.filter {
            Filter::None | Filter::Search(_) => Filter::Search(text.into()),
            _ => Filter::Both,
        };
        self
    }

    /// Contacts sorted by distance to `location` (`nearby=lon,lat`). Cannot be combined with
    /// [`search`](Self::search).
    pub fn nearby(mut self, location: Location) -> Self {
        self.filter = match self.filter {
            Filter::None | Filter::Nearby(_) => Filter::Nearby(location),
            _ => Filter::Both,
        };
        self
    }

    /// Only contacts whose `property` (wire name like `postalCode`, or Rust name like
    /// `postal_code`) equals `value`. Repeat for several properties.
    pub fn filter(mut self, property: impl Into<String>, value: impl Into<String>) -> Self {
        self.equals.push((property.into(), value.into()));
        self
    }

    /// Sorts by `property` (wire or Rust name) in `order`.
    pub fn sort(mut self, property: impl Into<String>, order: Order) -> Self {
        self.sort = Some((property.into(), order));
        self
    }

    contacts_http::setters! {
        /// Items per page, 1..=1000 (checked).
        pub fn size(size: u32) = some;
        /// The zero-based page (for [`iter`](crate::Contacts::iter): the page to start from).
        pub fn page(page: u64) = some;
    }

    pub(crate) fn check(&self) -> Result<()> {
        if let Some(size) = self.size {
            validate::range("size", size, MIN_PAGE_SIZE, MAX_PAGE_SIZE)?;
        }
        match &self.filter {
            Filter::Both => {
                return Err(Error::validation("nearby", "cannot be combined with search (Previsto refuses both)"));
            }
            Filter::Nearby(location) => super::model::check_location("nearby", location)?,
            Filter::Search(text) => validate::text("search", text, TEXT_MAX_CHARS)?,
            Filter::None => {}
        }
        for (name, value) in &self.equals {
            let wire = property(name)?;
            if matches!(&*wire, "page" | "size" | "search" | "nearby" | "sort") {
                return Err(Error::validation("filter", format!("{name:?} is a list argument, not a property")));
            }
            validate::text(&format!("filter {name}"), value, TEXT_MAX_CHARS)?;
        }
        if let Some((name, _)) = &self.sort {
            property(name).map_err(|_| Error::validation("sort", format!("{name:?} is not a documented property")))?;
        }
        Ok(())
    }

    /// Puts the query on `request`; `check` has passed.
    pub(crate) fn apply<'a>(
        &self,
        mut request: RequestBuilder<'a>,
        page: Option<u64>,
        size: Option<u32>,
    ) -> RequestBuilder<'a> {
        request = request.query_opt("size", size).query_opt("page", page);
        match &self.filter {
            Filter::Search(text) => request = request.query("search", text),
            Filter::Nearby(l) => request = request.query("nearby", format_args!("{},{}", l.longitude, l.latitude)),
            Filter::None | Filter::Both => {}
        }
        for (name, value) in &self.equals {
            if let Ok(wire) = property(name) {
                request = request.query(&wire, value);
            }
        }
        if let Some((name, order)) = &self.sort
            && let Ok(wire) = property(name)
        {
            request = request.query("sort", format_args!("{wire},{}", order.as_str()));
        }
        request
    }
}
