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

/// The identity of a source contact under [`Match::ExternalId`]: its provider and id
/// (`previsto:con_1`), the key both sides are matched by.
pub(crate) fn external_id(provider: Provider, id: &str) -> String {
    format!("{}:{id}", provider.name())
}

/// The marker the sync writes as a copy's external id: the source's provider, the scope of the
/// run that made it, and the source id (`portal~3fa2c9d1e0b4:17`). Matching reads only the
/// provider and id ([`identity`]), so a copy is found by any run whatever its scope; a delete
/// reads the scope too, so a run deletes only copies made in its own scope.
pub(crate) fn marker(provider: Provider, scope: &str, id: &str) -> String {
    format!("{}~{scope}:{id}", provider.name())
}

/// A target's external id read as a marker: the identity (`provider:id`) and the scope it was
/// made in (`None` for a marker written before scopes, or by someone else).
pub(crate) fn identity(external_id: &str) -> (String, Option<&str>) {
    let Some((head, id)) = external_id.split_once(':') else { return (external_id.to_owned(), None) };
    match head.split_once('~') {
        Some((provider, scope))
            if !provider.is_empty() && !scope.is_empty() && scope.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            (format!("{provider}:{id}"), Some(scope))
        }
        _ => (external_id.to_owned(), None),
    }
}

/// The scope of a run's source side, as a short stable digest: the source provider and host,
/// the customer ids and the search it lists by. Two runs list the same contacts only when their
/// scopes are equal; a contact missing from one scope's listing may be in another's.
pub(crate) fn scope(provider: Provider, host: Option<&str>, customer_ids: &[u64], search: Option<&str>) -> String {
    let mut ids = customer_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let text = format!(
        "{}|{}|{}|{}",
        provider.name(),
        host.unwrap_or_default().to_ascii_lowercase(),
        ids.iter().map(u64::to_string).collect::<Vec<_>>().join(","),
        search.unwrap_or_default()
    );
    // FNV-1a, 64 bits: stable across versions and platforms (the std hasher is not), shown
    // as 12 hex digits.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:012x}", h >> 16)
}

/// The scope in words, for plans and logs: `portal at 127.0.0.1:8080, customer ids 2`.
pub(crate) fn scope_words(
    provider: Provider,
    host: Option<&str>,
    customer_ids: &[u64],
    search: Option<&str>,
) -> String {
    let mut out = provider.name().to_owned();
    if let Some(host) = host {
        out.push_str(&format!(" at {host}"));
    }
    if !customer_ids.is_empty() {
        let ids: Vec<String> = customer_ids.iter().map(u64::to_string).collect();
        out.push_str(&format!(", customer ids {}", ids.join(" ")));
    }
    if let Some(search) = search {
        out.push_str(&format!(", search {search:?}"));
    }
    out
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
        Match::ExternalId => c.external_id.as_deref().filter(|id| !id.is_empty()).map(|id| identity(id).0),
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

#[cfg(test)]
mod scope_tests {
    use super::*;

    #[test]
    fn a_marker_carries_the_scope_and_matching_reads_past_it() {
        let scope = scope(Provider::PORTAL, Some("portal.example:443"), &[2], None);
        assert_eq!(scope.len(), 12);
        let m = marker(Provider::PORTAL, &scope, "17");
        assert_eq!(identity(&m), ("portal:17".to_owned(), Some(scope.as_str())));
        // Written before scopes, or by someone else: the identity, no scope.
        assert_eq!(identity("portal:17"), ("portal:17".to_owned(), None));
        assert_eq!(identity("crm-4711"), ("crm-4711".to_owned(), None));
        assert_eq!(identity("levers:a:b"), ("levers:a:b".to_owned(), None));
        // The scope is the source's provider, host, customer ids and search.
        let other = |p, h, c: &[u64], s| super::scope(p, h, c, s);
        let base = other(Provider::PORTAL, Some("h"), &[1], None);
        assert_ne!(base, other(Provider::PORTAL, Some("h"), &[2], None));
        assert_ne!(base, other(Provider::PORTAL, Some("h2"), &[1], None));
        assert_ne!(base, other(Provider::LEVERS, Some("h"), &[1], None));
        assert_ne!(base, other(Provider::PORTAL, Some("h"), &[1], Some("anna")));
        assert_eq!(base, other(Provider::PORTAL, Some("H"), &[1, 1], None));
    }
}
