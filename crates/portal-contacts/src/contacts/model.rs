//! What the portal answers: [`Contact`], its id, and customer ids.

use std::fmt;
use std::str::FromStr;

use contacts_http::lenient::{bool_or_false, opt_i64, opt_nonempty_string, opt_u64};
use serde::{Deserialize, Serialize};

use crate::Error;

contacts_http::string_id! {
    /// A contact's internal id (`"1"`). Opaque.
    pub struct ContactId;
}

/// A customer id, as `customer_id[]` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CustomerId(pub u64);

impl From<u64> for CustomerId {
    fn from(id: u64) -> Self {
        CustomerId(id)
    }
}

impl FromStr for CustomerId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        s.trim()
            .parse()
            .map(CustomerId)
            .map_err(|_| Error::validation("customer_id", format!("{s:?} is not a customer id (a whole number)")))
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A contact as the portal returns it. Its loose wire types (`"1"`/`"0"`, numbers as
/// strings, `""` for nothing) are decoded into Rust types: empty strings become `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contact {
    /// Internal id.
    pub id: ContactId,
    /// Contact name.
    #[serde(default, deserialize_with = "contacts_http::lenient::string")]
    pub name: String,
    /// Email address.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub email: Option<String>,
    /// Second email address.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub email2: Option<String>,
    /// Third email address.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub email3: Option<String>,
    /// Telephone.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub tel: Option<String>,
    /// Second telephone.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub tel1: Option<String>,
    /// Fax.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub fax: Option<String>,
    /// Mobile.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub mobile: Option<String>,
    /// Role.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub role: Option<String>,
    /// Department.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub department: Option<String>,
    /// Milestone flag (`"1"`/`"0"` on the wire).
    #[serde(default, deserialize_with = "bool_or_false")]
    pub milestone: bool,
    /// Cost center id (`"0"` on the wire).
    #[serde(default, deserialize_with = "opt_i64")]
    pub cost_center_id: Option<i64>,
    /// Cost center name.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub cost_center_name: Option<String>,
    /// Customer portal profile id.
    #[serde(default, deserialize_with = "opt_u64")]
    pub customer_portal_profile_id: Option<u64>,
    /// Customer portal profile name.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub customer_portal_profile_name: Option<String>,
    /// Customer id.
    #[serde(default, deserialize_with = "opt_u64")]
    pub customer_id: Option<u64>,
    /// Customer name.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub customer_name: Option<String>,
    /// Customer account number.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub customer_account: Option<String>,
    /// Customer's custom identifier.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub customer_custom_identifier: Option<String>,
    /// Portal profile.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub portal_profile: Option<String>,
    /// Full name in the portal.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub portal_fullname: Option<String>,
    /// Portal branch id.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub portal_branch_id: Option<String>,
    /// Whether the portal login is active (`"1"`/`"0"`).
    #[serde(default, deserialize_with = "bool_or_false")]
    pub portal_active: bool,
    /// Vendor account.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub vendor_account: Option<String>,
    /// Vendor id.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub vendor_id: Option<String>,
    /// Vendor name.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub vendor_name: Option<String>,
    /// Vendor type.
    #[serde(default, deserialize_with = "opt_u64")]
    pub vendor_type: Option<u64>,
    /// Whether the contact is active (`"1"`/`"0"`).
    #[serde(default, deserialize_with = "bool_or_false")]
    pub is_active: bool,
    /// Locale, e.g. `en_US`.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub locale: Option<String>,
    /// Creation time, as the portal writes it.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub created_at: Option<String>,
    /// Last update time, as the portal writes it.
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    pub updated_at: Option<String>,
}

/// Every contact of the customers asked for. The portal does not page: one answer holds them
/// all, so this is the one page of the list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ContactPage {
    /// The contacts.
    pub contacts: Vec<Contact>,
}
