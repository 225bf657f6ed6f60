//! Macros the provider crates share, so enums and ids behave the same in all of them.

/// Declares a wire enum: the documented values as variants, plus `Unknown(UnknownValue)` so a
/// value the provider adds later decodes instead of failing, and is written back unchanged.
/// Serialized as its wire string.
///
/// [`UnknownValue`](contacts_core::UnknownValue) is opaque: a caller can read it but not build
/// one or match on its text, so adding a variant later breaks no one's `match`. Parsing text
/// (`FromStr`) accepts only the documented values. The calling crate depends on `serde` and
/// `contacts-core`, which the expansion names.
///
/// ```
/// contacts_http::wire_enum! {
///     /// How the contact is greeted.
///     pub enum Tone {
///         /// Friendly.
///         Friendly = "FRIENDLY",
///         /// Neutral.
///         Neutral = "NEUTRAL",
///     }
/// }
/// assert_eq!(Tone::Friendly.as_str(), "FRIENDLY");
/// let loud: Tone = serde_json::from_str(r#""LOUD""#).unwrap();
/// assert!(matches!(&loud, Tone::Unknown(v) if v.as_str() == "LOUD"));
/// assert_eq!(serde_json::to_string(&loud).unwrap(), r#""LOUD""#);
/// assert_eq!("NEUTRAL".parse::<Tone>().unwrap(), Tone::Neutral);
/// let refused = "neutral".parse::<Tone>().unwrap_err();
/// assert_eq!(refused.to_string(), r#"invalid Tone: "neutral" is not one of FRIENDLY, NEUTRAL"#);
/// ```
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the crate does not know, kept as the provider sent it
            /// (and sent back as it came).
            Unknown(::contacts_core::UnknownValue),
        }

        impl $name {
            /// The value as it goes on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(v) => v.as_str(),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::contacts_core::Error;
            /// One of the documented values, exactly as on the wire.
            fn from_str(s: &str) -> ::std::result::Result<Self, ::contacts_core::Error> {
                const WIRE: &[&str] = &[ $( $wire ),+ ];
                match s {
                    $( $wire => Ok($name::$variant), )+
                    _ => Err(::contacts_core::Error::validation(
                        stringify!($name),
                        format!("{s:?} is not one of {}", WIRE.join(", ")),
                    )),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
                Ok(match s.as_str() {
                    $( $wire => $name::$variant, )+
                    _ => $name::Unknown(<::contacts_core::UnknownValue as ::serde::Deserialize>::deserialize(
                        ::serde::de::value::StringDeserializer::<D::Error>::new(s),
                    )?),
                })
            }
        }
    };
}

/// Declares a string id newtype, so one provider's ids cannot be passed to another's calls.
///
/// ```
/// contacts_http::string_id! {
///     /// A widget id.
///     pub struct WidgetId;
/// }
/// let id = WidgetId::from("w_1");
/// assert_eq!(id.as_str(), "w_1");
/// assert_eq!(serde_json::to_string(&id).unwrap(), r#""w_1""#);
/// ```
#[macro_export]
macro_rules! string_id {
    ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis struct $name(::std::string::String);

        impl $name {
            /// Wraps an id.
            pub fn new(id: impl Into<::std::string::String>) -> Self {
                $name(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> ::std::string::String {
                self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::contacts_core::Error;
            /// Any non-empty text (ids are opaque).
            fn from_str(s: &str) -> ::std::result::Result<Self, ::contacts_core::Error> {
                if s.is_empty() {
                    return Err(::contacts_core::Error::validation("id", "must not be empty"));
                }
                Ok($name(s.to_owned()))
            }
        }

        impl ::std::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(id: ::std::string::String) -> Self {
                $name(id)
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_owned())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                // Ids arrive as strings, and from some providers as numbers.
                $crate::lenient::string(d).map($name)
            }
        }
    };
}

/// Writes builder-style setters that consume and return `self`, one declaration each — a
/// table of setters, so a request type lists its documented fields once:
/// `fn name(arg: Type) = value;` sets the field of the same name to the argument,
/// `= some;` to `Some(arg)`, and `= some_into;` to `Some(arg.into())`; `-> field` (or
/// `-> inner.field`) before the `=` names a field of another name. Docs and attributes go
/// before each `fn`; every setter is `#[must_use]` (a setter whose result is dropped changed
/// nothing).
///
/// ```
/// #[derive(Default)]
/// struct Fields { email: Option<String> }
/// #[derive(Default)]
/// pub struct Query { size: Option<u32>, exact: bool, fields: Fields }
/// impl Query {
///     contacts_http::setters! {
///         /// The page size.
///         pub fn size(size: u32) = some;
///         /// Exact matches only.
///         pub fn exact_only(exact: bool) -> exact = value;
///         /// The email.
///         pub fn email(email: impl Into<String>) -> fields.email = some_into;
///     }
/// }
/// let q = Query::default().size(5).exact_only(true).email("a@b.dk");
/// assert_eq!((q.size, q.exact, q.fields.email.as_deref()), (Some(5), true, Some("a@b.dk")));
/// ```
#[macro_export]
macro_rules! setters {
    () => {};
    ($(#[$meta:meta])* $vis:vis fn $name:ident($arg:ident: $ty:ty) = $how:ident; $($rest:tt)*) => {
        $crate::setters!(@one [$(#[$meta])*] $vis $name [$name] $arg [$ty] $how);
        $crate::setters!($($rest)*);
    };
    ($(#[$meta:meta])* $vis:vis fn $name:ident($arg:ident: $ty:ty) -> $($field:ident).+ = $how:ident; $($rest:tt)*) => {
        $crate::setters!(@one [$(#[$meta])*] $vis $name [$($field).+] $arg [$ty] $how);
        $crate::setters!($($rest)*);
    };
    (@one [$($meta:tt)*] $vis:vis $name:ident [$($field:ident).+] $arg:ident [$ty:ty] $how:ident) => {
        $($meta)*
        #[must_use]
        $vis fn $name(mut self, $arg: $ty) -> Self {
            self.$($field).+ = $crate::setters!(@value $how $arg);
            self
        }
    };
    (@value value $arg:ident) => { $arg };
    (@value some $arg:ident) => { Some($arg) };
    (@value some_into $arg:ident) => { Some($arg.into()) };
}

/// Declares a UUID id newtype (`FromStr` refusing anything but a UUID before it is sent,
/// hyphenated `Display`, `From<Uuid>` both ways, `PartialEq<Uuid>`, serde as the UUID string).
///
/// The calling crate depends on `uuid` (with its `serde` feature): the macro names
/// `::uuid::Uuid`, so this crate needs no `uuid` of its own.
#[macro_export]
macro_rules! uuid_id {
    ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        $vis struct $name(::uuid::Uuid);

        impl $name {
            /// The id as a UUID.
            pub fn as_uuid(&self) -> ::uuid::Uuid {
                self.0
            }
        }

        impl ::std::convert::From<::uuid::Uuid> for $name {
            fn from(uuid: ::uuid::Uuid) -> Self {
                $name(uuid)
            }
        }

        impl ::std::convert::From<$name> for ::uuid::Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl ::std::cmp::PartialEq<::uuid::Uuid> for $name {
            fn eq(&self, other: &::uuid::Uuid) -> bool {
                self.0 == *other
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::contacts_core::Error;
            /// A UUID; anything else is refused before it is sent.
            fn from_str(s: &str) -> ::std::result::Result<Self, ::contacts_core::Error> {
                s.parse()
                    .map($name)
                    .map_err(|_| ::contacts_core::Error::validation("id", format!("{s:?} is not a UUID")))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }
    };
}
