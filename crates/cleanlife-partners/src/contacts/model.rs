//! What TheCleanLife answers: [`Contact`], its id, and what find-or-create found.

use serde::{Deserialize, Serialize};

contacts_http::uuid_id! {
    /// A TheCleanLife contact id: a UUID, passed as `contactId` when creating a booking.
    ///
    /// ```
    /// let id: cleanlife_partners::ContactId = "aaaaaaaa-0000-0000-0000-000000000001".parse()?;
    /// assert_eq!(id.to_string(), "aaaaaaaa-0000-0000-0000-000000000001");
    /// assert!("42".parse::<cleanlife_partners::ContactId>().is_err());
    /// # Ok::<(), cleanlife_partners::Error>(())
    /// ```
    pub struct ContactId;
}

/// A contact as TheCleanLife returns it (the `data` of its answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Contact {
    /// The contact id: pass it as `contactId` when creating a booking.
    pub id: ContactId,
    /// The contact's name.
    pub name: String,
    /// The phone, normalised by TheCleanLife (`+966…`).
    pub phone: String,
    /// `true` when the answering call created the contact (`isNewContact`); `false` when it
    /// already existed, and on [`get`](crate::Contacts::get).
    #[serde(default, deserialize_with = "contacts_http::lenient::bool_or_false")]
    pub is_new_contact: bool,
}

/// What [`find_or_create`](crate::Contacts::find_or_create) found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FoundContact {
    /// The contact.
    pub contact: Contact,
    /// `true` when the provider created it, `false` when it already existed.
    ///
    /// When [`retried`](Self::retried) is `true`, an earlier attempt of this same call may
    /// have created the contact before its answer was lost, and the provider then answers the
    /// repeat with `false`: `created` may be understated.
    pub created: bool,
    /// Whether the request went out more than once (a retry after a lost answer, a 5xx or a
    /// 429 with `Retry-After`).
    pub retried: bool,
}
