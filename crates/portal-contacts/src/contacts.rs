use std::collections::BTreeMap;
use std::fmt;

use contacts_core::lenient::{bool_or_false, opt_i64, opt_nonempty_string, opt_u64};
use contacts_core::{FieldError, Form, Method, RequestBuilder, Secret, decode_json, snippet, validate};
use serde::{Deserialize, Serialize};

use crate::client::BodyEncoding;
use crate::{Client, Error, Result};

contacts_core::string_id! {
    /// A contact's internal id (`"1"`). Opaque.
    pub struct ContactId;
}

/// A customer id, as `customer_id[]` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CustomerId(pub u64);

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The documented messages, matched exactly.
pub(crate) const MSG_DELETED: &str = "Entity has been successfully deleted.";
pub(crate) const MSG_NOT_FOUND: &str = "Entity not found.";
/// The `error` of an empty request.
pub const NOTHING_SENT: &str = "Nothing sent for request.";

/// A contact as the portal returns it. Its loose wire types (`"1"`/`"0"`, numbers as
/// strings, `""` for nothing) are decoded into Rust types: empty strings become `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contact {
    /// Internal id.
    pub id: ContactId,
    /// Contact name.
    #[serde(default, deserialize_with = "contacts_core::lenient::string")]
    pub name: String,
    /// Email address.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub email: Option<String>,
    /// Second email address.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub email2: Option<String>,
    /// Third email address.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub email3: Option<String>,
    /// Telephone.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub tel: Option<String>,
    /// Second telephone.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub tel1: Option<String>,
    /// Fax.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub fax: Option<String>,
    /// Mobile.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub mobile: Option<String>,
    /// Role.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub role: Option<String>,
    /// Department.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub department: Option<String>,
    /// Milestone flag (`"1"`/`"0"` on the wire).
    #[serde(default, deserialize_with = "bool_or_false")]
    pub milestone: bool,
    /// Cost center id (`"0"` on the wire).
    #[serde(default, deserialize_with = "opt_i64")]
    pub cost_center_id: Option<i64>,
    /// Cost center name.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub cost_center_name: Option<String>,
    /// Customer portal profile id.
    #[serde(default, deserialize_with = "opt_u64")]
    pub customer_portal_profile_id: Option<u64>,
    /// Customer portal profile name.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub customer_portal_profile_name: Option<String>,
    /// Customer id.
    #[serde(default, deserialize_with = "opt_u64")]
    pub customer_id: Option<u64>,
    /// Customer name.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub customer_name: Option<String>,
    /// Customer account number.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub customer_account: Option<String>,
    /// Customer's custom identifier.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub customer_custom_identifier: Option<String>,
    /// Portal profile.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub portal_profile: Option<String>,
    /// Full name in the portal.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub portal_fullname: Option<String>,
    /// Portal branch id.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub portal_branch_id: Option<String>,
    /// Whether the portal login is active (`"1"`/`"0"`).
    #[serde(default, deserialize_with = "bool_or_false")]
    pub portal_active: bool,
    /// Vendor account.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub vendor_account: Option<String>,
    /// Vendor id.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub vendor_id: Option<String>,
    /// Vendor name.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub vendor_name: Option<String>,
    /// Vendor type.
    #[serde(default, deserialize_with = "opt_u64")]
    pub vendor_type: Option<u64>,
    /// Whether the contact is active (`"1"`/`"0"`).
    #[serde(default, deserialize_with = "bool_or_false")]
    pub is_active: bool,
    /// Locale, e.g. `en_US`.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub locale: Option<String>,
    /// Creation time, as the portal writes it.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub created_at: Option<String>,
    /// Last update time, as the portal writes it.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub updated_at: Option<String>,
}

/// The `result` envelope every answer comes in.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: serde::de::DeserializeOwned"))]
pub(crate) struct Envelope<T> {
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_bool")]
    result: Option<bool>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    errors: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    id: Option<String>,
    #[serde(default)]
    entities: Option<Vec<T>>,
    #[serde(default)]
    entity: Option<T>,
    #[serde(default)]
    data: Option<T>,
}

/// Reads an envelope, turning every documented failure into its error. "Entity not found."
/// is [`Error::NotFound`] wherever it appears.
pub(crate) fn read_envelope<T: serde::de::DeserializeOwned>(status: u16, body: &[u8]) -> Result<Envelope<T>> {
    let env: Envelope<T> = decode_json(status, body)?;
    let api = |code: Option<&str>, message: String, field_errors: Vec<FieldError>| Error::Api {
        status,
        code: code.map(str::to_owned),
        message,
        field_errors,
        request_id: None,
        body: snippet(body),
        retry_after: None,
    };
    if env.msg.as_deref() == Some(MSG_NOT_FOUND) || env.error.as_deref() == Some(MSG_NOT_FOUND) {
        return Err(Error::NotFound { status, message: MSG_NOT_FOUND.to_owned(), request_id: None });
    }
    if let Some(errors) = env.errors.as_ref().filter(|e| !e.is_empty()) {
        let field_errors: Vec<FieldError> = errors
            .iter()
            .flat_map(|(field, v)| match v {
                serde_json::Value::Array(items) => items.iter().map(|m| FieldError::new(field, text(m))).collect(),
                other => vec![FieldError::new(field, text(other))],
            })
            .collect();
        let message = field_errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
        return Err(api(Some("VALIDATION"), message, field_errors));
    }
    if let Some(error) = &env.error {
        let code = (error == NOTHING_SENT).then_some("NOTHING_SENT");
        return Err(api(code, error.clone(), Vec::new()));
    }
    // Delete answers `"result": false` on success: that message is the success signal.
    if env.result == Some(false) && env.msg.as_deref() != Some(MSG_DELETED) {
        let message = env.msg.clone().unwrap_or_else(|| "the portal answered result: false".to_owned());
        return Err(api(None, message, Vec::new()));
    }
    Ok(env)
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Longest name, in characters.
pub const NAME_MAX: usize = 64;
/// Longest email, in characters.
pub const EMAIL_MAX: usize = 191;
/// Longest tel / tel1 / fax / mobile / role, in characters.
pub const PHONE_MAX: usize = 32;
/// Longest department, in characters.
pub const DEPARTMENT_MAX: usize = 64;
/// Largest customer portal profile id.
pub const PROFILE_ID_MAX: u64 = 4_294_967_295;
/// Shortest portal password, in characters.
pub const PASSWORD_MIN: usize = 8;
/// Longest portal password, in characters.
pub const PASSWORD_MAX: usize = 32;
/// Longest customer custom identifier, in characters.
pub const CUSTOM_IDENTIFIER_MAX: usize = 16;

/// The documented request fields, shared by create and update.
#[derive(Debug, Clone, Default, PartialEq)]
struct Fields {
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
}

/// One value on the wire.
enum Wire<'a> {
    Text(&'a str),
    Int(i64),
    UInt(u64),
}

impl Fields {
    fn check(&self) -> Result<()> {
        if let Some(v) = &self.name {
            validate::length("name", v, 1, NAME_MAX)?;
            validate::not_blank("name", v)?;
        }
        if let Some(v) = &self.email {
            validate::length("email", v, 1, EMAIL_MAX)?;
            validate::email("email", v)?;
        }
        for (field, value) in [
            ("tel", &self.tel),
            ("tel1", &self.tel1),
            ("fax", &self.fax),
            ("mobile", &self.mobile),
            ("role", &self.role),
        ] {
            if let Some(v) = value {
                validate::length(field, v, 0, PHONE_MAX)?;
            }
        }
        if let Some(v) = &self.department {
            validate::length("department", v, 0, DEPARTMENT_MAX)?;
        }
        if let Some(v) = self.customer_portal_profile_id {
            validate::range("customer_portal_profile_id", v, 0, PROFILE_ID_MAX)?;
        }
        if let Some(v) = &self.portal_password {
            // The reason never repeats the password.
            validate::length("portal_password", v.expose(), PASSWORD_MIN, PASSWORD_MAX)?;
        }
        if let Some(v) = &self.customer_custom_identifier {
            validate::length("customer_custom_identifier", v, 0, CUSTOM_IDENTIFIER_MAX)?;
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
        out
    }

    fn encode<'a>(&self, request: RequestBuilder<'a>, encoding: BodyEncoding) -> RequestBuilder<'a> {
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

/// A locale like `en_US`, `da_DK` or `en`: a 2–3 letter language, then optionally `_` and a
/// 2-letter region.
fn check_locale(v: &str) -> Result<()> {
    let (lang, region) = v.split_once('_').map_or((v, None), |(l, r)| (l, Some(r)));
    let lang_ok = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_lowercase());
    let region_ok = region.is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_uppercase()));
    if !(lang_ok && region_ok) {
        return Err(Error::validation("locale", format!("{v:?} is not a locale like en_US")));
    }
    Ok(())
}

macro_rules! common_setters {
    () => {
        contacts_core::field_setters! {
            /// Whether the contact is active (sent as 1 or 0).
            is_active: bool;
            /// Email: email-shaped, at most 191 characters.
            email: String;
            /// Telephone, at most 32 characters.
            tel: String;
            /// Second telephone, at most 32 characters.
            tel1: String;
            /// Fax, at most 32 characters.
            fax: String;
            /// Mobile, at most 32 characters.
            mobile: String;
            /// Role, at most 32 characters.
            role: String;
            /// Department, at most 64 characters.
            department: String;
            /// Customer portal profile id, 0..=4294967295.
            customer_portal_profile_id: u64;
            /// Portal password, 8 to 32 characters. Kept as a [`Secret`].
            portal_password: Secret;
            /// Whether the portal login is active (sent as 1 or 0).
            portal_active: bool;
            /// Milestone flag (sent as 1 or 0).
            milestone: bool;
            /// Cost center id.
            cost_center_id: i64;
            /// Customer's custom identifier, at most 16 characters.
            customer_custom_identifier: String;
            /// Locale like `en_US` (the portal's default).
            locale: String;
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
    fields: Fields,
}

impl NewContact {
    /// A contact with its name.
    pub fn new(name: impl Into<String>) -> Self {
        NewContact { fields: Fields { name: Some(name.into()), ..Fields::default() } }
    }

    common_setters!();
}

/// Changes to a contact: only what is set is sent.
///
/// ```
/// let change = portal_contacts::ContactUpdate::new().tel("+4512345678");
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
        /// New name, at most 64 characters.
        name: String;
    }

    common_setters!();

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.fields == Fields::default()
    }
}

/// The contacts resource of a [`Client`]: `client.contacts()`.
#[derive(Debug, Clone, Copy)]
pub struct Contacts<'a> {
    pub(crate) client: &'a Client,
}

impl Contacts<'_> {
    fn send<T: serde::de::DeserializeOwned>(&self, request: RequestBuilder<'_>) -> Result<Envelope<T>> {
        let response = self.client.authorize(request)?.send()?;
        read_envelope(response.status(), response.body())
    }

    /// The contacts of one or more customers (`GET /contact?customer_id[]=…`).
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Portal, 3).start().unwrap();
    /// # let client = portal_contacts::Client::builder().authorization(contacts_sandbox::credentials::PORTAL_AUTHORIZATION).base_url(sandbox.portal_base_url()).build()?;
    /// use portal_contacts::CustomerId;
    /// let all = client.contacts().list(&[CustomerId(1), CustomerId(2)])?;
    /// # Ok::<(), portal_contacts::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty list of customers; [`Error::Api`] when the portal
    /// answers `"result": false`.
    pub fn list(&self, customers: &[CustomerId]) -> Result<Vec<Contact>> {
        Ok(self.list_as(customers)?.unwrap_or_default())
    }

    pub(crate) fn list_as<T: serde::de::DeserializeOwned>(&self, customers: &[CustomerId]) -> Result<Option<Vec<T>>> {
        if customers.is_empty() {
            return Err(Error::validation("customer_ids", "at least one customer id is required"));
        }
        let mut request = self.client.http.request(Method::Get, &["contact"])?;
        for id in customers {
            request = request.query("customer_id[]", id);
        }
        Ok(self.send::<T>(request)?.entities)
    }

    /// One contact by its internal id (`GET /contact/{id}`).
    ///
    /// The document does not show this answer; the client reads the contact from `entity`,
    /// `data`, the first of `entities`, or the body itself.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Portal, 3).start().unwrap();
    /// # let client = portal_contacts::Client::builder().authorization(contacts_sandbox::credentials::PORTAL_AUTHORIZATION).base_url(sandbox.portal_base_url()).build()?;
    /// let jane = client.contacts().get(&portal_contacts::ContactId::from("1"))?;
    /// # Ok::<(), portal_contacts::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] when the portal says "Entity not found.".
    pub fn get(&self, id: &ContactId) -> Result<Contact> {
        self.get_as(id)
    }

    pub(crate) fn get_as<T: serde::de::DeserializeOwned>(&self, id: &ContactId) -> Result<T> {
        let request = self.client.http.request(Method::Get, &["contact", id.as_str()])?;
        let response = self.client.authorize(request)?.send()?;
        let (status, body) = (response.status(), response.body());
        let env: Envelope<T> = read_envelope(status, body)?;
        if let Some(c) = env.entity.or(env.data).or_else(|| env.entities.and_then(|e| e.into_iter().next())) {
            return Ok(c);
        }
        decode_json(status, body)
    }

    /// Creates a contact (`POST /contact`) and returns its new id.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Portal, 3).start().unwrap();
    /// # let client = portal_contacts::Client::builder().authorization(contacts_sandbox::credentials::PORTAL_AUTHORIZATION).base_url(sandbox.portal_base_url()).build()?;
    /// let id = client.contacts().create(&portal_contacts::NewContact::new("Jane Doe").email("jane@example.com"))?;
    /// # Ok::<(), portal_contacts::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before sending when a field breaks a documented limit;
    /// [`Error::Api`] with the portal's per-field `errors`.
    pub fn create(&self, contact: &NewContact) -> Result<ContactId> {
        contact.fields.check()?;
        let request =
            contact.fields.encode(self.client.http.request(Method::Post, &["contact"])?, self.client.encoding);
        let env = self.send::<serde_json::Value>(request)?;
        env.id.map(ContactId::from).ok_or_else(|| Error::Decode {
            status: 200,
            message: format!("the create answer has no id (msg: {:?})", env.msg),
            snippet: String::new(),
        })
    }

    /// Changes the fields set in `update` (`POST /contact/{id}`). Safe to retry.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Portal, 3).start().unwrap();
    /// # let client = portal_contacts::Client::builder().authorization(contacts_sandbox::credentials::PORTAL_AUTHORIZATION).base_url(sandbox.portal_base_url()).build()?;
    /// # let id = portal_contacts::ContactId::from("1");
    /// client.contacts().update(&id, &portal_contacts::ContactUpdate::new().tel("+4512345678"))?;
    /// # Ok::<(), portal_contacts::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] when nothing is set or a field breaks a limit;
    /// [`Error::NotFound`] for a missing contact.
    pub fn update(&self, id: &ContactId, update: &ContactUpdate) -> Result<()> {
        if update.is_empty() {
            return Err(Error::validation("update", "nothing to change: set at least one field"));
        }
        update.fields.check()?;
        let request = self.client.http.request(Method::Post, &["contact", id.as_str()])?.idempotent(true);
        self.send::<serde_json::Value>(update.fields.encode(request, self.client.encoding))?;
        Ok(())
    }

    /// Deletes a contact (`GET /contact/{id}/delete`). Never retried automatically: it is a GET
    /// that changes state.
    ///
    /// The portal answers `"result": false` both when it deleted the contact and when there was
    /// none; the client tells them apart by the message.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Portal, 3).start().unwrap();
    /// # let client = portal_contacts::Client::builder().authorization(contacts_sandbox::credentials::PORTAL_AUTHORIZATION).base_url(sandbox.portal_base_url()).build()?;
    /// match client.contacts().delete(&portal_contacts::ContactId::from("1")) {
    ///     Ok(()) => println!("deleted"),
    ///     Err(e) if e.is_not_found() => println!("was not there"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok::<(), portal_contacts::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] when the portal says "Entity not found."; [`Error::Api`] for any
    /// other answer that is not the documented success.
    pub fn delete(&self, id: &ContactId) -> Result<()> {
        let request = self.client.http.request(Method::Get, &["contact", id.as_str(), "delete"])?.idempotent(false);
        let env = self.send::<serde_json::Value>(request)?;
        if env.msg.as_deref() == Some(MSG_DELETED) || env.result == Some(true) {
            return Ok(());
        }
        Err(Error::Api {
            status: 200,
            code: None,
            message: format!("unexpected delete answer: {:?}", env.msg),
            field_errors: Vec::new(),
            request_id: None,
            body: String::new(),
            retry_after: None,
        })
    }
}
