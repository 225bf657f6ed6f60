//! What the caller sends: [`NewContact`], [`ContactUpdate`] and [`ListContacts`].

use contacts_core::Secret;
use contacts_http::{Form, RequestBuilder, validate};
use serde::Serialize;

use crate::client::BodyEncoding;
use crate::{CustomerId, Error, Result};

/// Longest name, in characters.
pub const NAME_MAX_CHARS: usize = 64;
/// Longest email, in characters.
pub const EMAIL_MAX_CHARS: usize = 191;
/// Longest tel / tel1 / fax / mobile / role, in characters.
pub const PHONE_MAX_CHARS: usize = 32;
/// Longest department, in characters.
pub const DEPARTMENT_MAX_CHARS: usize = 64;
/// Largest customer portal profile id.
pub const PROFILE_ID_MAX: u64 = 4_294_967_295;
/// Shortest portal password, in characters.
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Longest portal password, in characters.
pub const PASSWORD_MAX_CHARS: usize = 32;
/// Longest customer custom identifier, in characters.
pub const CUSTOM_IDENTIFIER_MAX_CHARS: usize = 16;

/// The documented request fields, shared by create and update.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Fields {
    name: Option<String>,
    is_active: Option<bool>,
    email: Option<String>,
    tel: Option<String>,
    tel1: Option<String>,
    fax: Option<String>,
    mobile: Option<String>,
    role: Option<String>,
    department: Option<String>,
    customer_portal_profile_id: Option<u64>,
    portal_password: Option<Secret>,
    portal_active: Option<bool>,
    milestone: Option<bool>,
    cost_center_id: Option<i64>,
    customer_custom_identifier: Option<String>,
    locale: Option<String>,
    customer_id: Option<crate::CustomerId>,
}

/// One value on the wire.
enum Wire<'a> {
    Text(&'a str),
    Int(i64),
    UInt(u64),
}

impl Fields {
    pub(crate) fn check(&self) -> Result<()> {
        if let Some(v) = &self.name {
            validate::length("name", v, 1, NAME_MAX_CHARS)?;
            validate::text("name", v, NAME_MAX_CHARS)?;
            validate::not_blank("name", v)?;
        }
        if let Some(v) = &self.email {
            validate::length("email", v, 1, EMAIL_MAX_CHARS)?;
            validate::email("email", v)?;
        }
        validate::texts(
            PHONE_MAX_CHARS,
            &[
                ("tel", &self.tel),
                ("tel1", &self.tel1),
                ("fax", &self.fax),
                ("mobile", &self.mobile),
                ("role", &self.role),
            ],
        )?;
        if let Some(v) = &self.department {
            validate::text("department", v, DEPARTMENT_MAX_CHARS)?;
        }
        if let Some(v) = self.customer_portal_profile_id {
            validate::range("customer_portal_profile_id", v, 0, PROFILE_ID_MAX)?;
        }
        if let Some(v) = &self.portal_password {
            // The reason never repeats the password.
            validate::length("portal_password", v.expose(), PASSWORD_MIN_CHARS, PASSWORD_MAX_CHARS)?;
        }
        if let Some(v) = &self.customer_custom_identifier {
            validate::text("customer_custom_identifier", v, CUSTOM_IDENTIFIER_MAX_CHARS)?;
        }
        if let Some(v) = &self.locale {
            check_locale(v)?;
        }
        Ok(())
    }

    /// The fields that are set, in the documented order; `create_method` never.
    fn wire(&self) -> Vec<(&'static str, Wire<'_>)> {
        let flag = |b: bool| Wire::UInt(u64::from(b));
        let mut out = Vec::new();
        fn text<'a>(out: &mut Vec<(&'static str, Wire<'a>)>, k: &'static str, v: &'a Option<String>) {
            if let Some(v) = v {
                out.push((k, Wire::Text(v.as_str())));
            }
        }
        text(&mut out, "name", &self.name);
        if let Some(b) = self.is_active {
            out.push(("is_active", flag(b)));
        }
        text(&mut out, "email", &self.email);
        text(&mut out, "tel", &self.tel);
        text(&mut out, "tel1", &self.tel1);
        text(&mut out, "fax", &self.fax);
        text(&mut out, "mobile", &self.mobile);
        text(&mut out, "role", &self.role);
        text(&mut out, "department", &self.department);
        if let Some(v) = self.customer_portal_profile_id {
            out.push(("customer_portal_profile_id", Wire::UInt(v)));
        }
        if let Some(v) = &self.portal_password {
            out.push(("portal_password", Wire::Text(v.expose())));
        }
        if let Some(b) = self.portal_active {
            out.push(("portal_active", flag(b)));
        }
        if let Some(b) = self.milestone {
            out.push(("milestone", flag(b)));
        }
        if let Some(v) = self.cost_center_id {
            out.push(("cost_center_id", Wire::Int(v)));
        }
        text(&mut out, "customer_custom_identifier", &self.customer_custom_identifier);
        text(&mut out, "locale", &self.locale);
        if let Some(id) = self.customer_id {
            out.push(("customer_id", Wire::UInt(id.0)));
        }
        out
    }

    pub(crate) fn encode<'a>(&self, request: RequestBuilder<'a>, encoding: BodyEncoding) -> RequestBuilder<'a> {
        match encoding {
            BodyEncoding::Form => {
                let mut form = Form::new();
                for (k, v) in self.wire() {
                    match v {
                        Wire::Text(s) => form.field(k, s),
                        Wire::Int(n) => form.field(k, &n.to_string()),
                        Wire::UInt(n) => form.field(k, &n.to_string()),
                    };
                }
                request.form(form)
            }
            BodyEncoding::Json => request.json(&JsonBody(self.wire())),
        }
    }
}

/// The set fields as a JSON object, in the documented order.
struct JsonBody<'a>(Vec<(&'static str, Wire<'a>)>);

impl Serialize for JsonBody<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            match v {
                Wire::Text(t) => map.serialize_entry(k, t)?,
                Wire::Int(n) => map.serialize_entry(k, n)?,
                Wire::UInt(n) => map.serialize_entry(k, n)?,
            }
        }
        map.end()
    }
}

/// A locale as ICU and BCP 47 write them: a 2–3 letter language, then subtags separated by
/// `_` or `-` (a 4-letter script, a 2-letter or 3-digit region, variants): `en_US`, `da`,
/// `zh_Hant_TW`, `es_419`, `sr-Latn-RS`.
fn check_locale(v: &str) -> Result<()> {
    let mut parts = v.split(['_', '-']);
    let lang = parts.next().unwrap_or_default();
    let lang_ok = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_alphabetic());
    let rest_ok = parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !(lang_ok && rest_ok) || v.len() > 64 {
        return Err(Error::validation("locale", format!("{v:?} is not a locale like en_US, zh_Hant_TW or es_419")));
    }
    Ok(())
}

/// The setters a create and an update share: the same documented fields (the name is taken
/// in `new` by both, as the document requires it for both).
macro_rules! shared_setters {
    () => {
    contacts_http::setters! {
        /// Whether the contact is active (sent as 1 or 0).
        pub fn is_active(value: impl Into<bool>) -> fields.is_active = some_into;
        /// Email: email-shaped, at most 191 characters.
        pub fn email(value: impl Into<String>) -> fields.email = some_into;
        /// Telephone, at most 32 characters.
        pub fn tel(value: impl Into<String>) -> fields.tel = some_into;
        /// Second telephone, at most 32 characters.
        pub fn tel1(value: impl Into<String>) -> fields.tel1 = some_into;
        /// Fax, at most 32 characters.
        pub fn fax(value: impl Into<String>) -> fields.fax = some_into;
        /// Mobile, at most 32 characters.
        pub fn mobile(value: impl Into<String>) -> fields.mobile = some_into;
        /// Role, at most 32 characters.
        pub fn role(value: impl Into<String>) -> fields.role = some_into;
        /// Department, at most 64 characters.
        pub fn department(value: impl Into<String>) -> fields.department = some_into;
        /// Customer portal profile id, 0..=4294967295.
        pub fn customer_portal_profile_id(value: impl Into<u64>) -> fields.customer_portal_profile_id = some_into;
        /// Portal password, 8 to 32 characters. Kept as a [`Secret`].
        pub fn portal_password(value: impl Into<Secret>) -> fields.portal_password = some_into;
        /// Whether the portal login is active (sent as 1 or 0).
        pub fn portal_active(value: impl Into<bool>) -> fields.portal_active = some_into;
        /// Milestone flag (sent as 1 or 0).
        pub fn milestone(value: impl Into<bool>) -> fields.milestone = some_into;
        /// Cost center id.
        pub fn cost_center_id(value: impl Into<i64>) -> fields.cost_center_id = some_into;
        /// Customer's custom identifier, at most 16 characters.
        pub fn customer_custom_identifier(value: impl Into<String>) -> fields.customer_custom_identifier = some_into;
        /// Locale like `en_US` (the portal's default).
        pub fn locale(value: impl Into<String>) -> fields.locale = some_into;
    }
    };
}

/// A contact to create: the name is required, at most 64 characters.
///
/// ```
/// let jane = portal_contacts::NewContact::new("Jane Doe").email("jane@example.com").is_active(true);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct NewContact {
    pub(crate) fields: Fields,
}

impl NewContact {
    /// A contact with its name.
    pub fn new(name: impl Into<String>) -> Self {
        NewContact { fields: Fields { name: Some(name.into()), ..Fields::default() } }
    }

    shared_setters!();

    contacts_http::setters! {
        /// The customer the contact belongs to, sent as `customer_id`. The document's create
        /// lists no customer field (a contact's customer link is not documented): this is an
        /// assumption, left out unless you set it.
        pub fn customer_id(id: impl Into<CustomerId>) -> fields.customer_id = some_into;
    }
}

/// Changes to a contact. The document repeats the create rules for an update, `name
/// (required)` included, so the name is required here too; the other fields are sent only
/// when set.
///
/// ```
/// let change = portal_contacts::ContactUpdate::new("Jane Doe").tel("+4512345678");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct ContactUpdate {
    pub(crate) fields: Fields,
}

impl ContactUpdate {
    /// An update with the contact's (new or current) name, required by the portal.
    pub fn new(name: impl Into<String>) -> Self {
        ContactUpdate { fields: Fields { name: Some(name.into()), ..Fields::default() } }
    }

    /// The same fields as a create (the unified mapping writes both through one function).
    pub(crate) fn into_new_contact(self) -> NewContact {
        NewContact { fields: self.fields }
    }

    shared_setters!();
}

/// What to list: the contacts of one or more customers (`customer_id[]`, required by the
/// portal). The portal does not page.
///
/// ```
/// use portal_contacts::{CustomerId, ListContacts};
/// let q = ListContacts::new().customer(CustomerId(1)).customer(2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct ListContacts {
    pub(crate) customers: Vec<CustomerId>,
}

impl ListContacts {
    /// No customers yet: add at least one with [`customer`](Self::customer).
    pub fn new() -> Self {
        ListContacts::default()
    }

    /// Adds a customer whose contacts to list.
    pub fn customer(mut self, id: impl Into<CustomerId>) -> Self {
        self.customers.push(id.into());
        self
    }

    /// Adds several customers.
    pub fn customers(mut self, ids: impl IntoIterator<Item = impl Into<CustomerId>>) -> Self {
        self.customers.extend(ids.into_iter().map(Into::into));
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.customers.is_empty() {
            return Err(Error::validation("customer_id", "at least one customer id is required"));
        }
        Ok(())
    }
}
