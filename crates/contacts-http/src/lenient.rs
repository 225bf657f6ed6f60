//! Serde helpers for providers that are loose with types: numbers sent as strings, booleans
//! sent as `"1"`/`"0"`, empty strings for "nothing". Use them with
//! `#[serde(default, deserialize_with = "contacts_http::lenient::opt_bool")]`.
//!
//! Each accepts JSON `null` (and a missing field, with `default`) as `None`, and returns a
//! decode error, never a panic, for anything it cannot read.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// A scalar as it came on the wire.
enum Loose {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }
    fn visit_unit<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(LooseVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Loose, E> {
        Ok(Loose::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
        Ok(Loose::I64(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
        Ok(Loose::U64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
        Ok(Loose::F64(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
        Ok(Loose::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Loose, E> {
        Ok(Loose::Str(v))
    }
}

fn loose<'de, D: Deserializer<'de>>(d: D) -> Result<Loose, D::Error> {
    d.deserialize_any(LooseVisitor)
}

/// `true`/`false`, `1`/`0`, `"1"`/`"0"`, `"true"`/`"false"`; `null` and `""` are `None`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match loose(d)? {
        Loose::Null => Ok(None),
        Loose::Bool(b) => Ok(Some(b)),
        Loose::I64(0) | Loose::U64(0) => Ok(Some(false)),
        Loose::I64(1) | Loose::U64(1) => Ok(Some(true)),
        Loose::Str(s) => match s.trim() {
            "" => Ok(None),
            "1" | "true" | "TRUE" | "True" => Ok(Some(true)),
            "0" | "false" | "FALSE" | "False" => Ok(Some(false)),
            other => Err(de::Error::custom(format!("expected a boolean, got {other:?}"))),
        },
        _ => Err(de::Error::custom("expected a boolean (true/false or 1/0)")),
    }
}

/// Like [`opt_bool`], with `None` read as `false`.
pub fn bool_or_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(opt_bool(d)?.unwrap_or(false))
}

/// A non-negative integer as a number or a numeric string; `null` and `""` are `None`.
pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match loose(d)? {
        Loose::Null => Ok(None),
        Loose::U64(n) => Ok(Some(n)),
        Loose::I64(n) => u64::try_from(n)
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected a non-negative integer, got {n}"))),
        Loose::F64(f) if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => Ok(Some(f as u64)),
        Loose::Str(s) if s.trim().is_empty() => Ok(None),
        Loose::Str(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected a non-negative integer, got {s:?}"))),
        _ => Err(de::Error::custom("expected a non-negative integer")),
    }
}

/// An integer as a number or a numeric string; `null` and `""` are `None`.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match loose(d)? {
        Loose::Null => Ok(None),
        Loose::I64(n) => Ok(Some(n)),
        Loose::U64(n) => i64::try_from(n).map(Some).map_err(|_| de::Error::custom(format!("integer {n} out of range"))),
        Loose::F64(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(Some(f as i64)),
        Loose::Str(s) if s.trim().is_empty() => Ok(None),
        Loose::Str(s) => {
            s.trim().parse().map(Some).map_err(|_| de::Error::custom(format!("expected an integer, got {s:?}")))
        }
        _ => Err(de::Error::custom("expected an integer")),
    }
}

/// A number as a number or a numeric string; `null` and `""` are `None`.
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match loose(d)? {
        Loose::Null => Ok(None),
        Loose::I64(n) => Ok(Some(n as f64)),
        Loose::U64(n) => Ok(Some(n as f64)),
        Loose::F64(f) => Ok(Some(f)),
        Loose::Str(s) if s.trim().is_empty() => Ok(None),
        Loose::Str(s) => {
            s.trim().parse().map(Some).map_err(|_| de::Error::custom(format!("expected a number, got {s:?}")))
        }
        Loose::Bool(_) => Err(de::Error::custom("expected a number, got a boolean")),
    }
}

/// A string, or a number or boolean written as one; `null` is `None` (`""` is kept).
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match loose(d)? {
        Loose::Null => None,
        Loose::Bool(b) => Some(b.to_string()),
        Loose::I64(n) => Some(n.to_string()),
        Loose::U64(n) => Some(n.to_string()),
        Loose::F64(f) => Some(f.to_string()),
        Loose::Str(s) => Some(s),
    })
}

/// Like [`opt_string`], with `""` read as `None`.
pub fn opt_nonempty_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(opt_string(d)?.filter(|s| !s.is_empty()))
}

/// A required string that may arrive as a number (ids such as `"1"` or `1`).
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_string(d)?.ok_or_else(|| de::Error::custom("expected a string, got null"))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct T {
        #[serde(default, deserialize_with = "super::opt_bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "super::opt_u64")]
        u: Option<u64>,
        #[serde(default, deserialize_with = "super::opt_nonempty_string")]
        s: Option<String>,
        #[serde(default, deserialize_with = "super::opt_f64")]
        f: Option<f64>,
    }

    fn t(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn loose_values_decode_to_rust_types() {
        assert_eq!(
            t(r#"{"b":"1","u":"42","s":"","f":"1.5"}"#).ok(),
            Some(T { b: Some(true), u: Some(42), s: None, f: Some(1.5) })
        );
        assert_eq!(
            t(r#"{"b":0,"u":7,"s":12,"f":2}"#).ok(),
            Some(T { b: Some(false), u: Some(7), s: Some("12".into()), f: Some(2.0) })
        );
        assert_eq!(t(r#"{"b":null,"u":null,"s":null,"f":null}"#).ok(), Some(T { b: None, u: None, s: None, f: None }));
        assert_eq!(t("{}").ok(), Some(T { b: None, u: None, s: None, f: None }));
    }

    #[test]
    fn unreadable_values_are_errors_not_panics() {
        assert!(t(r#"{"b":"yes"}"#).is_err());
        assert!(t(r#"{"b":2}"#).is_err());
        assert!(t(r#"{"u":"-1"}"#).is_err());
        assert!(t(r#"{"u":-1}"#).is_err());
        assert!(t(r#"{"u":[1]}"#).is_err());
        assert!(t(r#"{"f":true}"#).is_err());
    }
}
