//! How a source contact and a target contact are recognised as the same one, and how their
//! fields are compared without keeping whole contacts.

use std::hash::{DefaultHasher, Hash, Hasher};

use contacts_core::{Contact, Field, Provider};
use serde::{Deserialize, Serialize};

/// What makes a source contact and a target contact the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Match {
    /// The target's external id holds the source's provider and id (`previsto:con_1`): the
    /// sync writes it there when it creates a contact. The target must store external ids
    /// (Levers, Previsto).
    ExternalId,
    /// The phone number, compared in E.164 form (`+4522123456`; spaces, dashes, dots and
    /// parentheses ignored, `00` read as `+`).
    Phone,
    /// The email, compared trimmed and case-folded.
    Email,
}

impl Match {
    /// The name used in messages and on the command line: `external-id`, `phone`, `email`.
    pub fn name(self) -> &'static str {
        match self {
            Match::ExternalId => "external-id",
            Match::Phone => "phone",
            Match::Email => "email",
        }
    }
}

/// The external id the sync writes on a contact it copies from `provider`.
pub(crate) fn external_id(provider: Provider, id: &str) -> String {
    format!("{}:{id}", provider.name())
}

/// The key of a source contact.
pub(crate) fn source_key(matching: Match, provider: Provider, c: &Contact) -> Option<String> {
    match matching {
        Match::ExternalId => Some(external_id(provider, &c.id)),
        Match::Phone => c.phone.as_deref().and_then(phone),
        Match::Email => c.email.as_deref().and_then(email),
    }
}

/// The key of a target contact.
pub(crate) fn target_key(matching: Match, c: &Contact) -> Option<String> {
    match matching {
        Match::ExternalId => c.external_id.clone().filter(|id| !id.is_empty()),
        Match::Phone => c.phone.as_deref().and_then(phone),
        Match::Email => c.email.as_deref().and_then(email),
    }
}

/// A phone number in E.164 form, or `None` when it has no digits to compare.
pub(crate) fn phone(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let international = trimmed.starts_with('+') || trimmed.starts_with("00");
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let digits = if trimmed.starts_with("00") { digits.get(2..).unwrap_or_default().to_owned() } else { digits };
    if digits.is_empty() {
        return None;
    }
    Some(if international { format!("+{digits}") } else { digits })
}

/// An email trimmed and case-folded, or `None` when empty.
pub(crate) fn email(raw: &str) -> Option<String> {
    let e = raw.trim().to_lowercase();
    (!e.is_empty()).then_some(e)
}

/// A digest of each unified field's value, in [`Field::ALL`]'s order (0 for an unset field),
/// so the target side is held as numbers, not contacts.
pub(crate) type Digests = [u64; 7];

pub(crate) fn digests(c: &Contact) -> Digests {
    let mut out = [0u64; 7];
    for (i, field) in Field::ALL.into_iter().enumerate() {
        out[i] = digest(c, field);
    }
    out
}

/// The digest of one field (0 when unset), compared as the providers store it: phones in
/// E.164, emails case-folded.
pub(crate) fn digest(c: &Contact, field: Field) -> u64 {
    let mut h = DefaultHasher::new();
    match field {
        Field::Name => c.name.trim().hash(&mut h),
        Field::Email => match c.email.as_deref().and_then(email) {
            Some(e) => e.hash(&mut h),
            None => return 0,
        },
        Field::Phone => match c.phone.as_deref().and_then(phone) {
            Some(p) => p.hash(&mut h),
            None => return 0,
        },
        Field::Address => match c.address.as_ref().filter(|a| !a.is_empty()) {
            Some(a) => (&a.street, &a.postal_code, &a.city, &a.country).hash(&mut h),
            None => return 0,
        },
        Field::TaxId => match &c.tax_id {
            Some(t) => t.hash(&mut h),
            None => return 0,
        },
        Field::Location => match c.location {
            Some(l) => (l.longitude.to_bits(), l.latitude.to_bits()).hash(&mut h),
            None => return 0,
        },
        Field::ExternalId => match &c.external_id {
            Some(t) => t.hash(&mut h),
            None => return 0,
        },
        _ => return 0,
    }
    h.finish() | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_compare_in_e164_form() {
        assert_eq!(phone("+45 22 12 34 56").as_deref(), Some("+4522123456"));
        assert_eq!(phone("0045-2212-3456").as_deref(), Some("+4522123456"));
        assert_eq!(phone("(050) 000 0000").as_deref(), Some("0500000000"));
        assert_eq!(phone(" - "), None);
    }

    #[test]
    fn emails_compare_case_folded() {
        assert_eq!(email(" Anna@Jensen.DK ").as_deref(), Some("anna@jensen.dk"));
        assert_eq!(email(""), None);
    }

    #[test]
    fn digests_tell_fields_apart_and_unset_is_zero() {
        let a = Contact::new("1", "Anna").phone("+45 22123456");
        let b = Contact::new("2", "Anna").phone("+4522123456");
        assert_eq!(digests(&a), digests(&b));
        assert_eq!(digest(&a, Field::Email), 0);
        assert_ne!(digest(&a, Field::Name), 0);
    }
}
