use contacts_core::{Header, Method, RequestBuilder, new_request_id, validate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Client, Error, Result};

/// A contact as TheCleanLife returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Contact {
    /// The contact id: pass it as `contactId` when creating a booking.
    pub id: Uuid,
    /// The contact's name.
    pub name: String,
    /// The phone, normalised by TheCleanLife (`+966…`).
    pub phone: String,
    /// `true` when this call created the contact, `false` when it already existed
    /// (`false` on [`get`](Contacts::get)).
    #[serde(default, deserialize_with = "contacts_core::lenient::bool_or_false")]
    pub is_new_contact: bool,
}

/// Turns a Saudi number as people type it into `+966` and nine digits.
///
/// Accepted: `+966500000000`, `966500000000`, `00966500000000`, `0500000000`, `500000000`,
/// with spaces, dashes, dots or parentheses anywhere (`+966 50 000 0000`, `050-000-0000`),
/// and a stray trunk zero after the country code (`+966 0500000000`). The national number
/// must be nine digits starting with 5 (mobile) or 1 (landline).
///
/// ```
/// use cleanlife_partners::normalize_saudi_phone;
/// assert_eq!(normalize_saudi_phone("050-000-0000")?, "+966500000000");
/// assert_eq!(normalize_saudi_phone("+966 50 000 0000")?, "+966500000000");
/// assert!(normalize_saudi_phone("+4522123456").is_err());
/// # Ok::<(), cleanlife_partners::Error>(())
/// ```
///
/// # Errors
/// [`Error::Validation`] (field `phone`) for anything that is not a Saudi number.
pub fn normalize_saudi_phone(input: &str) -> Result<String> {
    let refuse =
        || Error::validation("phone", format!("{input:?} is not a Saudi number (like +966500000000 or 0500000000)"));
    let trimmed = input.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
            _ => return Err(refuse()),
        }
    }
    let national = if plus {
        digits.strip_prefix("966").ok_or_else(refuse)?
    } else if let Some(n) = digits.strip_prefix("00966") {
        n
    } else if digits.len() == 12 && digits.starts_with("966") {
        &digits[3..]
    } else {
        &digits
    };
    let national = match national.len() {
        10 if national.starts_with('0') => &national[1..],
        _ => national,
    };
    if national.len() != 9 || !(national.starts_with('5') || national.starts_with('1')) {
        return Err(refuse());
    }
    Ok(format!("+966{national}"))
}

/// What to find (by phone) or create (with the name).
///
/// ```
/// let request = cleanlife_partners::ContactRequest::new("0500000000", "Ahmed Ali").utm_source("NEWSLETTER");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct ContactRequest {
    phone: String,
    name: String,
    utm_source: Option<String>,
}

/// The body as sent.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    phone: String,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    utm_source: Option<&'a str>,
}

impl ContactRequest {
    /// A request with the phone (any form [`normalize_saudi_phone`] accepts) and the
    /// customer's full name (used when the contact is created).
    pub fn new(phone: impl Into<String>, name: impl Into<String>) -> Self {
        ContactRequest { phone: phone.into(), name: name.into(), utm_source: None }
    }

    /// A tracking source tag. Left out unless set; TheCleanLife then uses `PARTNER`.
    pub fn utm_source(mut self, source: impl Into<String>) -> Self {
        self.utm_source = Some(source.into());
        self
    }

    fn body(&self) -> Result<Body<'_>> {
        let phone = normalize_saudi_phone(&self.phone)?;
        validate::not_blank("name", &self.name)?;
        if let Some(source) = &self.utm_source {
            validate::not_blank("utm_source", source)?;
            validate::no_control("utm_source", source)?;
        }
        Ok(Body { phone, name: self.name.trim(), utm_source: self.utm_source.as_deref() })
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_bool")]
    success: Option<bool>,
    #[serde(default)]
    data: Option<serde_json::Value>,
}

/// The contacts resource of a [`Client`]: `client.contacts()`.
#[derive(Debug, Clone, Copy)]
pub struct Contacts<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> Contacts<'a> {
    /// Adds a fresh `x-request-id`, sends, and unwraps `{success, data}`.
    pub(crate) fn send_raw(&self, request: RequestBuilder<'_>) -> Result<serde_json::Value> {
        let sent_id = new_request_id();
        let response = request.header(Header::new("x-request-id", sent_id.clone())).send()?;
        let (status, body) = (response.status(), response.body());
        let envelope: Envelope = contacts_core::decode_json(status, body)?;
        let request_id = Some(response.header("x-request-id").map_or(sent_id, str::to_owned));
        match envelope {
            Envelope { success: Some(false), .. } => {
                let mut e = crate::client::envelope_error(status, body)
                    .unwrap_or_else(|| contacts_core::default_error(&response.clone().into_inner()));
                if let Error::Api { request_id: id @ None, .. } = &mut e {
                    *id = request_id;
                }
                Err(e)
            }
            Envelope { data: Some(data), .. } => Ok(data),
            Envelope { data: None, .. } => Err(Error::Decode {
                status,
                message: "the answer has no data".into(),
                snippet: contacts_core::snippet(body),
            }),
        }
    }

    pub(crate) fn find_or_create_request(&self, request: &ContactRequest) -> Result<RequestBuilder<'a>> {
        let body = request.body()?;
        // Finding by phone makes a repeat harmless: retried like a read.
        Ok(self.client.http.request(Method::Post, &["partners", "contacts"])?.json(&body).idempotent(true))
    }

    /// Returns the contact with this phone, creating it with this name if there is none
    /// (`POST /partners/contacts`, [docs](https://docs.thecleanlife.dev)). `is_new_contact`
    /// says which happened. Safe to retry: the phone identifies the contact.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::CleanLife, 1).start().unwrap();
    /// # let client = cleanlife_partners::Client::builder().api_key(contacts_sandbox::credentials::CLEANLIFE_API_KEY).base_url(sandbox.cleanlife_base_url()).build()?;
    /// use cleanlife_partners::ContactRequest;
    /// let r = client.contacts().find_or_create(&ContactRequest::new("+966500000000", "Ahmed Ali"))?;
    /// println!("{} {} new: {}", r.id, r.phone, r.is_new_contact);
    /// # Ok::<(), cleanlife_partners::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before sending for a phone that is not Saudi or an empty name;
    /// [`Error::Api`] with TheCleanLife's `code` (`VALIDATION_ERROR`, `UNAUTHORIZED`,
    /// `FORBIDDEN`, `INVALID_PARTNER_DOMAIN`, `SANDBOX_DOMAIN_NOT_ALLOWED`,
    /// `RATE_LIMIT_EXCEEDED`) and the request id.
    pub fn find_or_create(&self, request: &ContactRequest) -> Result<Contact> {
        contacts_core::decode_value(&self.send_raw(self.find_or_create_request(request)?)?)
    }

    /// Fetches a contact by id (`GET /partners/contacts/{id}`).
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::CleanLife, 1).start().unwrap();
    /// # let client = cleanlife_partners::Client::builder().api_key(contacts_sandbox::credentials::CLEANLIFE_API_KEY).base_url(sandbox.cleanlife_base_url()).build()?;
    /// # let id: cleanlife_partners::Uuid = "00000000-0000-4000-a000-000000000000".parse().unwrap();
    /// let contact = client.contacts().get(id)?;
    /// # Ok::<(), cleanlife_partners::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] for `RESOURCE_NOT_FOUND`.
    pub fn get(&self, id: Uuid) -> Result<Contact> {
        contacts_core::decode_value(&self.get_raw(id)?)
    }

    pub(crate) fn get_raw(&self, id: Uuid) -> Result<serde_json::Value> {
        let id = id.hyphenated().to_string();
        self.send_raw(self.client.http.request(Method::Get, &["partners", "contacts", &id])?)
    }
}
