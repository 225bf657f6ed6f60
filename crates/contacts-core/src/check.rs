//! The capability check every provider runs before mapping a request: a field the provider
//! cannot store is refused (or dropped, when lossy), and a field a create needs must be there.

use crate::capabilities::{Capabilities, Field, Provider};
use crate::contact::{ContactUpdate, NewContact};
use crate::error::{Error, Result};

/// Checks a [`NewContact`] against what the provider stores and needs, before any mapping:
/// a field it cannot store is refused naming the field (or, when the request is lossy,
/// dropped and returned), and a field a create needs must be there.
///
/// Returns the contact to map (without dropped fields) and the dropped fields.
///
/// # Errors
/// [`Error::Validation`] naming the first field refused or missing.
pub fn check_new(provider: Provider, caps: Capabilities, contact: &NewContact) -> Result<(NewContact, Vec<Field>)> {
    let (kept, dropped) = keep_stored(provider, caps, contact, contact.lossy, NewContact::fields, NewContact::clear)?;
    for field in Field::ALL.into_iter().filter(|f| caps.requires(*f)) {
        if !kept.fields().contains(&field) {
            return Err(Error::validation(field.name(), format!("{provider} needs it to create a contact")));
        }
    }
    Ok((kept, dropped))
}

/// Checks a [`ContactUpdate`] as [`check_new`] does a new contact.
///
/// # Errors
/// [`Error::Validation`] naming the first field refused.
pub fn check_update(
    provider: Provider,
    caps: Capabilities,
    patch: &ContactUpdate,
) -> Result<(ContactUpdate, Vec<Field>)> {
    keep_stored(provider, caps, patch, patch.lossy, ContactUpdate::fields, ContactUpdate::clear)
}

/// `value` without the fields `caps` does not store (listed as dropped), or the first of them
/// refused when the request is not `lossy`.
fn keep_stored<T: Clone>(
    provider: Provider,
    caps: Capabilities,
    value: &T,
    lossy: bool,
    fields: fn(&T) -> Vec<Field>,
    clear: fn(&mut T, Field),
) -> Result<(T, Vec<Field>)> {
    let mut kept = value.clone();
    let mut dropped = Vec::new();
    for field in fields(value).into_iter().filter(|f| !caps.stores(*f)) {
        if !lossy {
            return Err(not_stored(provider, field));
        }
        clear(&mut kept, field);
        dropped.push(field);
    }
    Ok((kept, dropped))
}

fn not_stored(provider: Provider, field: Field) -> Error {
    Error::validation(
        field.name(),
        format!("{provider} does not store it; leave it unset, or ask for lossy mapping to drop it"),
    )
}
