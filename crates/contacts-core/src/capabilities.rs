//! Which provider, which operation, which unified field: the names every crate shares, and
//! what a provider can do, declared as data (the check that reads it is `check.rs`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Declares one of the contract's closed lists: the enum, each variant with its name beside
/// it, `ALL` in declaration order, and `name()`.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $enum:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $name:literal,)*
        }
        $(#[$all_doc:meta])*
        ALL;
        $(#[$name_doc:meta])*
        name;
    ) => {
        $(#[$meta])*
        pub enum $enum {
            $($(#[$variant_meta])* $variant,)*
        }

        impl $enum {
            $(#[$all_doc])*
            pub const ALL: [$enum; [$($name),*].len()] = [$($enum::$variant),*];

            $(#[$name_doc])*
            pub fn name(self) -> &'static str {
                match self {
                    $($enum::$variant => $name,)*
                }
            }
        }
    };
}

/// Which provider a client talks to: a short lowercase name (`previsto`), which errors, logs and
/// the sync's external ids (`previsto:con_1`) carry.
///
/// An open set. The four providers of this workspace are constants ([`Provider::LEVERS`],
/// [`Provider::CLEANLIFE`], [`Provider::PREVISTO`], [`Provider::PORTAL`]); a provider written
/// anywhere else names itself with [`Provider::new`] and implements
/// [`ContactsApi`](crate::ContactsApi) like ours, so `contacts-sync` can sync it. Adding a
/// provider here adds a constant: no one's code breaks.
///
/// ```
/// use contacts_core::Provider;
/// const ACME: Provider = Provider::new("acme");
/// assert_eq!(ACME.name(), "acme");
/// assert_eq!(ACME.to_string(), "acme");
/// // Ours can be matched on, with a fallback for every other provider.
/// let rate = |p: Provider| match p {
///     Provider::PREVISTO => Some(120),
///     _ => None,
/// };
/// assert_eq!((rate(Provider::PREVISTO), rate(ACME)), (Some(120), None));
/// assert!(Provider::ALL.contains(&Provider::LEVERS) && !Provider::ALL.contains(&ACME));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Provider(&'static str);

impl Provider {
    /// Levers api-service v1 (`levers`).
    pub const LEVERS: Provider = Provider("levers");
    /// TheCleanLife partners API (`cleanlife`).
    pub const CLEANLIFE: Provider = Provider("cleanlife");
    /// Previsto (`previsto`).
    pub const PREVISTO: Provider = Provider("previsto");
    /// A customer-portal contacts API (`portal`).
    pub const PORTAL: Provider = Provider("portal");

    /// The providers of this workspace (a release may add one: a slice, not a fixed length).
    pub const ALL: &'static [Provider] = &[Provider::LEVERS, Provider::CLEANLIFE, Provider::PREVISTO, Provider::PORTAL];

    /// A provider named `name`: 1 to 32 characters of `a`–`z`, `0`–`9` and `-`, starting with
    /// a letter (it goes into external ids as `name:id`, and into file names and log targets).
    ///
    /// # Panics
    /// On any other name. Write it as a constant, `const ACME: Provider = Provider::new("acme");`,
    /// and a bad name fails to compile.
    pub const fn new(name: &'static str) -> Provider {
        let bytes = name.as_bytes();
        assert!(!bytes.is_empty() && bytes.len() <= 32, "a provider name has 1 to 32 characters");
        assert!(bytes[0].is_ascii_lowercase(), "a provider name starts with a letter a-z");
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            assert!(
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-',
                "a provider name holds only a-z, 0-9 and -"
            );
            i += 1;
        }
        Provider(name)
    }

    /// The short name: `levers`, `cleanlife`, `previsto`, `portal`, or the one given to
    /// [`new`](Self::new).
    pub fn name(self) -> &'static str {
        self.0
    }

    /// The provider named `name`: one of ours, or one whose name was read back (from a sync
    /// journal, say). `None` for a name [`new`](Self::new) would refuse.
    pub fn from_name(name: &str) -> Option<Provider> {
        if let Some(p) = Provider::ALL.iter().find(|p| p.0 == name) {
            return Some(*p);
        }
        let valid = name.len() <= 32
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        valid.then(|| Provider(intern(name)))
    }
}

/// A name read at run time, kept once for the life of the program (a handful of providers at
/// most), so that [`Provider`] stays `Copy`.
fn intern(name: &str) -> &'static str {
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut names = NAMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Provider").field(&self.0).finish()
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Provider {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Provider {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(d)?;
        Provider::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("{name:?} is not a provider name (a-z, 0-9 and -)")))
    }
}

named_enum! {
    /// One operation of [`ContactsApi`](crate::ContactsApi).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum Operation {
        /// [`ContactsApi::create`](crate::ContactsApi::create)
        Create = "create",
        /// [`ContactsApi::get`](crate::ContactsApi::get)
        Get = "get",
        /// [`ContactsApi::update`](crate::ContactsApi::update)
        Update = "update",
        /// [`ContactsApi::delete`](crate::ContactsApi::delete)
        Delete = "delete",
        /// [`ContactsApi::list`](crate::ContactsApi::list)
        List = "list",
        /// [`ContactsApi::find_or_create`](crate::ContactsApi::find_or_create)
        FindOrCreate = "find_or_create",
    }
    /// Every operation, in the order the trait lists them.
    ALL;
    /// The name used in messages: `create`, `get`, …, `find_or_create`.
    name;
}

impl Operation {
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

named_enum! {
    /// A field of the unified [`Contact`](crate::Contact), as [`Capabilities`] and refusals name it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[non_exhaustive]
    pub enum Field {
        /// [`Contact::name`](crate::Contact::name)
        Name = "name",
        /// [`Contact::email`](crate::Contact::email)
        Email = "email",
        /// [`Contact::phone`](crate::Contact::phone)
        Phone = "phone",
        /// [`Contact::address`](crate::Contact::address)
        Address = "address",
        /// [`Contact::tax_id`](crate::Contact::tax_id)
        TaxId = "tax_id",
        /// [`Contact::location`](crate::Contact::location)
        Location = "location",
        /// [`Contact::external_id`](crate::Contact::external_id)
        ExternalId = "external_id",
    }
    /// Every field, in the order [`Contact`](crate::Contact) lists them.
    ALL;
    /// The name used in messages and refusals: `name`, `email`, …, `external_id`.
    name;
}

impl Field {
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
    by_customer: bool,
    largest_page: Option<u32>,
}

impl Capabilities {
    /// Exactly these operations (and no fields yet).
    pub fn of(operations: &[Operation]) -> Self {
        Capabilities {
            operations: operations.iter().fold(0, |acc, op| acc | op.bit()),
            stored: 0,
            required: 0,
            by_customer: false,
            largest_page: None,
        }
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

    /// The provider lists contacts per customer: a list takes
    /// [`ListContacts::customer_ids`](crate::ListContacts::customer_ids) (a provider without
    /// this refuses them with [`Error::Validation`](crate::Error::Validation), never ignores
    /// them).
    #[must_use]
    pub fn listing_by_customer_ids(mut self) -> Self {
        self.by_customer = true;
        self
    }

    /// The largest page the provider's list serves (Levers 100, Previsto 1000): a reader of
    /// the whole list, as a sync's plan, asks for it and makes the fewest requests. `0` means
    /// the list is not paged.
    #[must_use]
    pub fn paging_up_to(mut self, size: u32) -> Self {
        self.largest_page = (size > 0).then_some(size);
        self
    }

    /// The largest page the list serves, when it is paged (see
    /// [`paging_up_to`](Self::paging_up_to)).
    pub fn largest_page(self) -> Option<u32> {
        self.largest_page
    }

    /// Whether a list takes customer ids (see
    /// [`listing_by_customer_ids`](Self::listing_by_customer_ids)).
    pub fn lists_by_customer_ids(self) -> bool {
        self.by_customer
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
            .field("lists_by_customer_ids", &self.by_customer)
            .field("largest_page", &self.largest_page)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_are_the_serde_names_and_all_lists_every_variant_once() -> serde_json::Result<()> {
        for p in Provider::ALL {
            assert_eq!(serde_json::to_value(p)?, p.name());
            assert_eq!(serde_json::from_value::<Provider>(serde_json::to_value(p)?)?, *p);
        }
        let acme: Provider = serde_json::from_str(r#""acme""#)?;
        assert_eq!((acme, acme.name()), (Provider::new("acme"), "acme"));
        assert!(serde_json::from_str::<Provider>(r#""Not A:Name""#).is_err());
        for f in Field::ALL {
            assert_eq!(serde_json::to_value(f)?, f.name());
        }
        assert_eq!((Provider::ALL.len(), Operation::ALL.len(), Field::ALL.len()), (4, 6, 7));
        let names: std::collections::BTreeSet<_> = Operation::ALL.iter().map(|o| o.name()).collect();
        assert_eq!(names.len(), 6);
        Ok(())
    }
}
