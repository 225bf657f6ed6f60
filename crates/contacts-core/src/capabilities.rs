//! Which provider, which operation, which unified field: the names every crate shares, and
//! what a provider can do, declared as data and checked in one place.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::contact::{ContactUpdate, NewContact};
use crate::error::{Error, Result};

/// Which provider a client talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Provider {
    /// Levers api-service v1.
    Levers,
    /// TheCleanLife partners API.
    CleanLife,
    /// Previsto.
    Previsto,
    /// A customer-portal contacts API.
    Portal,
}

impl Provider {
    /// The four providers.
    pub const ALL: [Provider; 4] = [Provider::Levers, Provider::CleanLife, Provider::Previsto, Provider::Portal];

    /// The short name: `levers`, `cleanlife`, `previsto`, `portal`.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Levers => "levers",
            Provider::CleanLife => "cleanlife",
            Provider::Previsto => "previsto",
            Provider::Portal => "portal",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One operation of [`ContactsApi`](crate::ContactsApi).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// [`ContactsApi::create`](crate::ContactsApi::create)
    Create,
    /// [`ContactsApi::get`](crate::ContactsApi::get)
    Get,
    /// [`ContactsApi::update`](crate::ContactsApi::update)
    Update,
    /// [`ContactsApi::delete`](crate::ContactsApi::delete)
    Delete,
    /// [`ContactsApi::list`](crate::ContactsApi::list)
    List,
    /// [`ContactsApi::find_or_create`](crate::ContactsApi::find_or_create)
    FindOrCreate,
}

impl Operation {
    /// Every operation, in the order the trait lists them.
    pub const ALL: [Operation; 6] = [
        Operation::Create,
        Operation::Get,
        Operation::Update,
        Operation::Delete,
        Operation::List,
        Operation::FindOrCreate,
    ];

    /// The name used in messages: `create`, `get`, …, `find_or_create`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Get => "get",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::List => "list",
            Operation::FindOrCreate => "find_or_create",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A field of the unified [`Contact`](crate::Contact), as [`Capabilities`] and refusals name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Field {
    /// [`Contact::name`](crate::Contact::name)
    Name,
    /// [`Contact::email`](crate::Contact::email)
    Email,
    /// [`Contact::phone`](crate::Contact::phone)
    Phone,
    /// [`Contact::address`](crate::Contact::address)
    Address,
    /// [`Contact::tax_id`](crate::Contact::tax_id)
    TaxId,
    /// [`Contact::location`](crate::Contact::location)
    Location,
    /// [`Contact::external_id`](crate::Contact::external_id)
    ExternalId,
}

impl Field {
    /// Every field, in the order [`Contact`](crate::Contact) lists them.
    pub const ALL: [Field; 7] =
        [Field::Name, Field::Email, Field::Phone, Field::Address, Field::TaxId, Field::Location, Field::ExternalId];

    /// The name used in messages and refusals: `name`, `email`, …, `external_id`.
    pub fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Address => "address",
            Field::TaxId => "tax_id",
            Field::Location => "location",
            Field::ExternalId => "external_id",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a provider can do, known before calling it: its operations, the unified fields it
/// stores, and the fields a create needs.
///
/// ```
/// use contacts_core::{Capabilities, Field, Operation};
/// let caps = Capabilities::of(&[Operation::Get, Operation::FindOrCreate])
///     .storing(&[Field::Name, Field::Phone])
///     .requiring(&[Field::Name, Field::Phone]);
/// assert!(caps.supports(Operation::Get));
/// assert!(!caps.supports(Operation::Delete));
/// assert!(caps.stores(Field::Phone) && !caps.stores(Field::Email));
/// assert!(caps.requires(Field::Phone));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    operations: u8,
    stored: u8,
    required: u8,
}

impl Capabilities {
    /// Exactly these operations (and no fields yet).
    pub fn of(operations: &[Operation]) -> Self {
        Capabilities { operations: operations.iter().fold(0, |acc, op| acc | op.bit()), stored: 0, required: 0 }
    }

    /// The unified fields the provider stores (a field it does not store is refused, or
    /// dropped and reported in lossy mode, never dropped in silence).
    #[must_use]
    pub fn storing(mut self, fields: &[Field]) -> Self {
        self.stored = fields.iter().fold(0, |acc, f| acc | f.bit());
        self
    }

    /// The unified fields a create (or find-or-create) needs.
    #[must_use]
    pub fn requiring(mut self, fields: &[Field]) -> Self {
        self.required = fields.iter().fold(0, |acc, f| acc | f.bit());
        self
    }

    /// Whether `operation` is supported.
    pub fn supports(self, operation: Operation) -> bool {
        self.operations & operation.bit() != 0
    }

    /// Whether the provider stores `field`.
    pub fn stores(self, field: Field) -> bool {
        self.stored & field.bit() != 0
    }

    /// Whether a create needs `field`.
    pub fn requires(self, field: Field) -> bool {
        self.required & field.bit() != 0
    }

    /// The supported operations.
    pub fn operations(self) -> impl Iterator<Item = Operation> {
        Operation::ALL.into_iter().filter(move |op| self.supports(*op))
    }

    /// The stored fields.
    pub fn fields(self) -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(move |f| self.stores(*f))
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capabilities")
            .field("operations", &self.operations().map(Operation::name).collect::<Vec<_>>())
            .field("fields", &self.fields().map(Field::name).collect::<Vec<_>>())
            .field(
                "required",
                &Field::ALL.into_iter().filter(|f| self.requires(*f)).map(Field::name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

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
