//! What every provider's `ContactsApi` implementation does around its own mapping, written
//! once: the capability check before anything is mapped or sent, the report of what lossy
//! mode dropped, and the update whose every field was dropped.

use contacts_core::{Contact, ContactUpdate, ContactsApi, Field, NewContact, Result, check_new, check_update};

/// Checks `contact` against `api`'s capabilities (a field it cannot store is refused, or
/// dropped when the request is lossy), sends what is kept through `send`, and reports the
/// dropped fields on the answer.
///
/// # Errors
/// [`Error::Validation`](contacts_core::Error::Validation) naming a refused or missing field
/// (nothing is sent); whatever `send` returns.
pub fn create<A: ContactsApi + ?Sized>(
    api: &A,
    contact: &NewContact,
    send: impl FnOnce(&NewContact) -> Result<Contact>,
) -> Result<Contact> {
    let (kept, dropped) = check_new(api.provider(), api.capabilities(), contact)?;
    Ok(send(&kept)?.dropped(dropped))
}

/// The capability check of [`create`], then the provider's own check of what would be sent
/// (`check`), sending nothing: a provider's `ContactsApi::validate_create`.
///
/// # Errors
/// The first refusal.
pub fn validate_create<A: ContactsApi + ?Sized>(
    api: &A,
    contact: &NewContact,
    check: impl FnOnce(&NewContact) -> Result<()>,
) -> Result<()> {
    let (kept, _) = check_new(api.provider(), api.capabilities(), contact)?;
    check(&kept)
}

/// As [`validate_create`] for an update (an update whose every field lossy mode dropped
/// sends nothing, so it passes).
///
/// # Errors
/// The first refusal.
pub fn validate_update<A: ContactsApi + ?Sized>(
    api: &A,
    update: &ContactUpdate,
    check: impl FnOnce(&ContactUpdate) -> Result<()>,
) -> Result<()> {
    match kept_update(api, update)? {
        (Some(kept), _) => check(&kept),
        (None, _) => Ok(()),
    }
}

/// As [`create`] for an update of contact `id`. When lossy mode dropped every field there is
/// nothing to send: the contact is read as it is, with the dropped fields reported.
///
/// # Errors
/// As [`create`], and what reading the contact returns.
pub fn update<A: ContactsApi + ?Sized>(
    api: &A,
    id: &str,
    update: &ContactUpdate,
    send: impl FnOnce(&ContactUpdate) -> Result<Contact>,
) -> Result<Contact> {
    let (kept, dropped) = kept_update(api, update)?;
    let contact = match kept {
        Some(kept) => send(&kept)?,
        None => api.get(id)?,
    };
    Ok(contact.dropped(dropped))
}

/// The update the capability check leaves, `None` when lossy mode dropped every field (there
/// is nothing to send), and the dropped fields.
fn kept_update<A: ContactsApi + ?Sized>(
    api: &A,
    update: &ContactUpdate,
) -> Result<(Option<ContactUpdate>, Vec<Field>)> {
    let (kept, dropped) = check_update(api.provider(), api.capabilities(), update)?;
    let nothing_left = kept.is_empty() && !dropped.is_empty();
    Ok(((!nothing_left).then_some(kept), dropped))
}

/// The unified street line from a provider's two parts (Levers' building and street,
/// Previsto's address and apartment): both joined by `", "`, or whichever is set, so neither is
/// lost when the other is missing.
///
/// ```
/// use contacts_http::unified::join_street;
/// assert_eq!(join_street(Some("Vesterbro 11".into()), Some("1. th".into())).as_deref(), Some("Vesterbro 11, 1. th"));
/// assert_eq!(join_street(None, Some("1. th".into())).as_deref(), Some("1. th"));
/// assert_eq!(join_street(None, None), None);
/// ```
pub fn join_street(first: Option<String>, second: Option<String>) -> Option<String> {
    match (first, second) {
        (Some(a), Some(b)) => Some(format!("{a}, {b}")),
        (a, b) => a.or(b),
    }
}
