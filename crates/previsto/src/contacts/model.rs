//! What Previsto answers: [`Contact`], its id, its enums, and a page of them.

use std::collections::BTreeMap;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

contacts_http::string_id! {
    /// A Previsto contact id (`con_…`; other prefixes occur). Opaque.
    pub struct ContactId;
}

contacts_http::wire_enum! {
    /// How work for the contact is invoiced (`accountingMode`).
    pub enum AccountingMode {
        /// `None`: not invoiced.
        None = "None",
        /// `AddToDraft`: added to a draft invoice.
        AddToDraft = "AddToDraft",
        /// `AddToInvoice`: added to an invoice.
        AddToInvoice = "AddToInvoice",
    }
}

contacts_http::wire_enum! {
    /// When work is invoiced (`accountingTime`).
    pub enum AccountingTime {
        /// `BeforeWork`.
        BeforeWork = "BeforeWork",
        /// `AfterWork`.
        AfterWork = "AfterWork",
    }
}

contacts_http::wire_enum! {
    /// How invoices reach the contact (`invoiceDelivery`).
    pub enum InvoiceDelivery {
        /// `None`.
        None = "None",
        /// `Email`.
        Email = "Email",
    }
}

/// A position: [`contacts_core::Location`], the one type every crate names, re-exported.
/// Previsto's wire form is `[longitude, latitude]`; the crate reads and writes it so.
///
/// ```
/// let here = previsto::Location::new(10.5286863, 56.8039035);
/// assert_eq!(here.longitude, 10.5286863);
/// ```
pub use contacts_core::Location;

/// The range check Previsto's coordinates must pass (`field` names the one refused).
pub(crate) fn check_location(field: &str, l: &Location) -> Result<()> {
    let ok = l.longitude.is_finite()
        && l.latitude.is_finite()
        && (-180.0..=180.0).contains(&l.longitude)
        && (-90.0..=90.0).contains(&l.latitude);
    if !ok {
        return Err(Error::validation(
            field,
            format!("longitude must be in -180..=180 and latitude in -90..=90 (got {}, {})", l.longitude, l.latitude),
        ));
    }
    Ok(())
}

/// `Option<Location>` as Previsto's `[longitude, latitude]` (or `null`).
mod lon_lat {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Location;

    pub(super) fn serialize<S: Serializer>(l: &Option<Location>, s: S) -> Result<S::Ok, S::Error> {
        match l {
            Some(l) => s.collect_seq([l.longitude, l.latitude]),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Location>, D::Error> {
        Ok(Option::<[f64; 2]>::deserialize(d)?.map(|[longitude, latitude]| Location::new(longitude, latitude)))
    }
}

/// A contact: a customer, person or company
/// ([the contact object](https://developer.previsto.com/contacts)).
///
/// Every documented field is here, typed; `null`s are `None` (or `false` / empty for flags and
/// lists). Fields Previsto adds later are not decoded here: the unified
/// [`ContactsApi`](contacts_core::ContactsApi) keeps the whole answer in `raw`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Contact {
    /// The id.
    pub id: ContactId,
    /// Company or person name.
    pub name: String,
    /// Street address, e.g. `Vesterbro 11`.
    #[serde(default)]
    pub address: Option<String>,
    /// Apartment, e.g. `1. th.` (spelled `appartment` on the wire).
    #[serde(default, rename = "appartment")]
    pub apartment: Option<String>,
    /// Postal code.
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_string")]
    pub postal_code: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `DK`.
    #[serde(default)]
    pub country_code: Option<String>,
    /// Position (`[longitude, latitude]` on the wire).
    #[serde(default, with = "lon_lat")]
    pub location: Option<Location>,
    /// The arbitrary number (or string) the contact is referred to by.
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_string")]
    pub number: Option<String>,
    /// Id of the connected contact in the financial system.
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_string")]
    pub remote_id: Option<String>,
    /// Id of the current open order in the financial system.
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_string")]
    pub remote_order_id: Option<String>,
    /// International phone number, e.g. `+4522123456`.
    #[serde(default)]
    pub phone: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// EU VAT / CVR / TIN number.
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_string")]
    pub registration_no: Option<String>,
    /// EAN (European Article Number).
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_string")]
    pub ean: Option<String>,
    /// How work is invoiced.
    #[serde(default)]
    pub accounting_mode: Option<AccountingMode>,
    /// When work is invoiced.
    #[serde(default)]
    pub accounting_time: Option<AccountingTime>,
    /// How invoices are delivered.
    #[serde(default)]
    pub invoice_delivery: Option<InvoiceDelivery>,
    /// Another contact that pays for this one's assignments (`None` when unlinked: an empty
    /// id, as a form-cleared value may come back, is none).
    #[serde(default, deserialize_with = "no_empty_id")]
    pub paying_contact_id: Option<ContactId>,
    /// Free-text note.
    #[serde(default)]
    pub note: Option<String>,
    /// Whether the contact is notified before work.
    #[serde(default, deserialize_with = "contacts_http::lenient::bool_or_false")]
    pub notify_before_work: bool,
    /// Whether the contact is archived.
    #[serde(default, deserialize_with = "contacts_http::lenient::bool_or_false")]
    pub archived: bool,
    /// Ids of the agents (accounts) in charge; empty means not specified.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub agent_ids: Vec<String>,
    /// Meta values.
    #[serde(default, deserialize_with = "meta_map")]
    pub meta: BTreeMap<String, String>,
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// Meta values are strings on the way in; numbers and booleans that come back are kept as text.
fn meta_map<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<BTreeMap<String, String>, D::Error> {
    let Some(map) = Option::<BTreeMap<String, serde_json::Value>>::deserialize(d)? else {
        return Ok(BTreeMap::new());
    };
    map.into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => Ok((k, s)),
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) => Ok((k, v.to_string())),
            _ => Err(de::Error::custom(format!("meta value for {k:?} is not a string"))),
        })
        .collect()
}

/// One page of contacts, with the total when Previsto sent `x-total-count`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ContactPage {
    /// The contacts on this page.
    pub contacts: Vec<Contact>,
    /// The number of contacts across all pages, when the server said (`x-total-count`).
    pub total: Option<u64>,
}

/// An optional id where `""` means none.
fn no_empty_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ContactId>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()).map(ContactId::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_is_longitude_then_latitude_on_the_wire_both_ways() -> serde_json::Result<()> {
        let c: Contact = serde_json::from_str(r#"{"id":"con_1","name":"A","location":[10.5,56.8]}"#)?;
        assert_eq!(c.location, Some(Location::new(10.5, 56.8)));
        assert_eq!(serde_json::to_value(&c)?["location"], serde_json::json!([10.5, 56.8]));
        let none: Contact = serde_json::from_str(r#"{"id":"con_2","name":"B","location":null}"#)?;
        assert_eq!(none.location, None);
        assert!(serde_json::from_str::<Contact>(r#"{"id":"con_3","name":"C","location":[1]}"#).is_err());
        Ok(())
    }
}
