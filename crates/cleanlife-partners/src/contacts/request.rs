//! What the caller sends: [`NewContact`], and the phone normalisation it relies on.

use contacts_http::validate;
use serde::Serialize;

use crate::{Error, Result};

/// Longest name or `utmSource`, in characters. TheCleanLife documents no bound: this one is
/// ours, generous, so a runaway value is refused before it is sent.
pub const TEXT_MAX_CHARS: usize = 10_000;

/// Turns a Saudi number as people type it into `+966` and its national digits.
///
/// The document asks for "a Saudi phone number in international format, no spaces" and
/// normalises the rest server-side. Refused is only what no Saudi number is: non-digits, or a
/// national part outside 8 to 10 digits. Accepted: any `+966` number with 8 to 10 digits after
/// the country code — mobiles `5…` and landlines `1…` (9), unified `9200…` (9), toll-free
/// `800…` (10) — written `+966…`, `966…` or `00966…`, with a stray trunk zero after the country
/// code (`+966 0500000000`); spaces, dashes, dots or parentheses anywhere are dropped. A
/// national number with its trunk zero (`0500000000`) or without (`500000000`) is taken as
/// Saudi when it is a mobile, a landline, a unified or a toll-free number: an Assumption of
/// this crate, so people can type numbers as they do.
///
/// ```
/// use cleanlife_partners::normalize_saudi_phone;
/// assert_eq!(normalize_saudi_phone("050-000-0000")?, "+966500000000");
/// assert_eq!(normalize_saudi_phone("+966 50 000 0000")?, "+966500000000");
/// assert_eq!(normalize_saudi_phone("800 123 4567")?, "+9668001234567"); // toll-free
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
    } else if (11..=12).contains(&digits.len()) && digits.starts_with("966") {
        &digits[3..]
    } else {
        &digits
    };
    let international = plus || digits.starts_with("00966") || (digits.len() >= 11 && digits.starts_with("966"));
    let national = match national.len() {
        10 if national.starts_with('0') => &national[1..],
        _ => national,
    };
    let ok = if international {
        // After the country code the document excludes no prefix: refused is only what no
        // Saudi number is, a national part outside 8 to 10 digits (toll-free 800 numbers have
        // 10).
        (8..=10).contains(&national.len()) && !national.starts_with('0')
    } else {
        // Without a country code, only what is surely Saudi: a mobile (5…) or a landline
        // (1…), a unified number (9200…), a toll-free number (800…, ten digits).
        (national.len() == 9
            && (national.starts_with('5') || national.starts_with('1') || national.starts_with("9200")))
            || (national.len() == 10 && national.starts_with("800"))
    };
    if !ok {
        return Err(refuse());
    }
    Ok(format!("+966{national}"))
}

/// What to find (by phone) or create (with the name).
///
/// ```
/// let request = cleanlife_partners::NewContact::new("0500000000", "Ahmed Ali").utm_source("NEWSLETTER");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct NewContact {
    phone: String,
    name: String,
    utm_source: Option<String>,
}

/// The body as sent.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Body<'a> {
    phone: String,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    utm_source: Option<&'a str>,
}

impl NewContact {
    /// A request with the phone (any form [`normalize_saudi_phone`] accepts) and the
    /// customer's full name (used when the contact is created).
    pub fn new(phone: impl Into<String>, name: impl Into<String>) -> Self {
        NewContact { phone: phone.into(), name: name.into(), utm_source: None }
    }

    /// A tracking source tag. Left out unless set; TheCleanLife then uses `PARTNER`.
    pub fn utm_source(mut self, source: impl Into<String>) -> Self {
        self.utm_source = Some(source.into());
        self
    }

    pub(crate) fn body(&self) -> Result<Body<'_>> {
        let phone = normalize_saudi_phone(&self.phone)?;
        validate::not_blank("name", &self.name)?;
        validate::text("name", &self.name, TEXT_MAX_CHARS)?;
        if let Some(source) = &self.utm_source {
            validate::not_blank("utm_source", source)?;
            validate::text("utm_source", source, TEXT_MAX_CHARS)?;
        }
        // The name goes as given: nothing is changed in silence.
        Ok(Body { phone, name: &self.name, utm_source: self.utm_source.as_deref() })
    }
}
