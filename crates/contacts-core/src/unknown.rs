//! [`UnknownValue`]: a wire value a provider sent that this version of its crate does not know.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value the provider sent for one of its enums that this version of the crate does not
/// document, kept exactly as it came so that writing the record back sends it unchanged.
///
/// Opaque on purpose (smithy's `UnknownVariantValue`): it cannot be built from a string or
/// matched on by content, so a program never writes `Unknown(v) if v == "X"` — an arm that
/// would silently stop matching the day `X` becomes a variant. It comes only from decoding
/// what a provider answered; read it with [`as_str`](Self::as_str) to log or show it.
///
/// ```
/// # #[derive(serde::Deserialize)] struct Wrapper { v: contacts_core::UnknownValue }
/// let w: Wrapper = serde_json::from_str(r#"{"v":"SOMETIMES"}"#)?;
/// assert_eq!(w.v.as_str(), "SOMETIMES");
/// assert_eq!(serde_json::to_string(&w.v)?, r#""SOMETIMES""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// The value as the provider sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for UnknownValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UnknownValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(UnknownValue)
    }
}
