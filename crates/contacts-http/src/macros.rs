//! Macros the provider crates share, so enums and ids behave the same in all of them.

/// Declares a wire enum: the documented values as variants, plus `Other(String)` so a value
/// the provider adds later decodes instead of failing. Serialized as its wire string.
///
/// Request builders refuse `Other` values with [`Error::Validation`](crate::core::Error) through
/// the generated `check(field)`, which names the documented values from the same list: only
/// documented values are sent, and no wire string is written twice.
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
/// assert_eq!(serde_json::from_str::<Tone>(r#""LOUD""#).unwrap(), Tone::Other("LOUD".into()));
/// assert_eq!("NEUTRAL".parse::<Tone>().unwrap(), Tone::Neutral);
/// assert!("neutral".parse::<Tone>().is_err());
/// assert!(Tone::Neutral.check("tone").is_ok());
/// let refused = Tone::Other("LOUD".into()).check("tone").unwrap_err();
/// assert_eq!(refused.to_string(), r#"invalid tone: "LOUD" is not one of FRIENDLY, NEUTRAL"#);
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
            /// A value this version of the crate does not know, kept as the provider sent it.
            Other(::std::string::String),
        }

        impl $name {
            /// Every documented value as it goes on the wire.
            pub const WIRE: &'static [&'static str] = &[ $( $wire ),+ ];

            /// The value as it goes on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(s) => s.as_str(),
                }
            }

            /// Refuses a value the provider does not document, before it is sent.
            ///
            /// # Errors
            /// [`Error::Validation`]($crate::core::Error) naming `field` and the documented values.
            pub fn check(&self, field: &str) -> $crate::core::Result<()> {
                match self {
                    $name::Other(s) => Err($crate::core::Error::validation(
                        field,
                        format!("{s:?} is not one of {}", Self::WIRE.join(", ")),
                    )),
                    _ => Ok(()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::core::Error;
            fn from_str(s: &str) -> ::std::result::Result<Self, $crate::core::Error> {
                match s {
                    $( $wire => Ok($name::$variant), )+
                    _ => Err($crate::core::Error::validation(
                        stringify!($name),
                        format!("{s:?} is not one of {}", Self::WIRE.join(", ")),
                    )),
                }
            }
        }

        impl $crate::serde::Serialize for $name {
            fn serialize<S: $crate::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as $crate::serde::Deserialize>::deserialize(d)?;
                Ok(match s.as_str() {
                    $( $wire => $name::$variant, )+
                    _ => $name::Other(s),
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
            type Err = $crate::core::Error;
            /// Any non-empty text (ids are opaque).
            fn from_str(s: &str) -> ::std::result::Result<Self, $crate::core::Error> {
                if s.is_empty() {
                    return Err($crate::core::Error::validation("id", "must not be empty"));
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

        impl $crate::serde::Serialize for $name {
            fn serialize<S: $crate::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> $crate::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                // Ids arrive as strings, and from some providers as numbers.
                $crate::lenient::string(d).map($name)
            }
        }
    };
}

/// Writes one chainable setter per optional request field, over a private `fields` struct
/// whose fields are `Option<T>`: `pub fn name(mut self, value: impl Into<T>) -> Self`.
///
/// ```
/// #[derive(Default)]
/// struct Fields { email: Option<String>, active: Option<bool> }
/// #[derive(Default)]
/// pub struct Update { fields: Fields }
/// impl Update {
///     contacts_http::field_setters! {
///         /// The email.
///         email: String;
///         /// Whether the contact is active.
///         active: bool;
///     }
/// }
/// let u = Update::default().email("a@b.dk").active(true);
/// assert_eq!(u.fields.email.as_deref(), Some("a@b.dk"));
/// ```
#[macro_export]
macro_rules! field_setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)+) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl Into<$ty>) -> Self {
                self.fields.$name = Some(value.into());
                self
            }
        )+
    };
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
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, $crate::serde::Serialize, $crate::serde::Deserialize)]
        #[serde(transparent, crate = "contacts_http::serde")]
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
            type Err = $crate::core::Error;
            /// A UUID; anything else is refused before it is sent.
            fn from_str(s: &str) -> ::std::result::Result<Self, $crate::core::Error> {
                s.parse()
                    .map($name)
                    .map_err(|_| $crate::core::Error::validation("id", format!("{s:?} is not a UUID")))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }
    };
}
