//! What the caller sends: [`NewContact`], [`ContactUpdate`], [`SecondaryContact`] and
//! [`ListContacts`].

use contacts_http::validate;
use serde::Serialize;
use uuid::Uuid;

use super::model::{EmailLanguage, EmailTone, Gender, Role, SmsLanguage};
use crate::Result;

/// Longest string Levers accepts, in characters (Arabic counts one per letter).
pub const TEXT_MAX_CHARS: usize = 255;
/// Longest `extPlatformId` / `extCompanyId`, in characters. Levers documents no bound: this
/// one is ours, generous, so a runaway value is refused before it is sent.
pub const EXT_ID_MAX_CHARS: usize = 10_000;

fn no_strings<T>(v: &Option<T>) -> bool {
    v.is_none()
}

/// The fields every contact body shares (create, update, secondary contacts), in the
/// reference's order. Unset fields are left out, never sent as null.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Fields {
    #[serde(skip_serializing_if = "no_strings")]
    name: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    name_ar: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    first_name_ar: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    last_name: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    last_name_ar: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    phone_number: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    vat_number: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    email: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    building: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    building_ar: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    street: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    street_ar: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    district: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    district_ar: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    city: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    city_ar: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    country: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    country_ar: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    postal_code: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    additional_number: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    other_id: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    bank_name: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    bank_contact_name: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    iban: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    account_number: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    email_tone: Option<EmailTone>,
    #[serde(skip_serializing_if = "no_strings")]
    send_email_notif: Option<bool>,
    #[serde(skip_serializing_if = "no_strings")]
    send_email_notif_lang: Option<EmailLanguage>,
    #[serde(skip_serializing_if = "no_strings")]
    send_sms_notif: Option<bool>,
    #[serde(skip_serializing_if = "no_strings")]
    send_sms_notif_lang: Option<SmsLanguage>,
    #[serde(skip_serializing_if = "no_strings")]
    reminders_enabled: Option<bool>,
    #[serde(skip_serializing_if = "no_strings")]
    ext_platform_id: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    ext_company_id: Option<String>,
    #[serde(skip_serializing_if = "no_strings")]
    has_errors: Option<bool>,
    #[serde(skip_serializing_if = "no_strings")]
    error_detail: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "no_strings")]
    gender: Option<Gender>,
}

impl Fields {
    fn strings(&self) -> [(&'static str, &Option<String>); 26] {
        [
            ("name", &self.name),
            ("name_ar", &self.name_ar),
            ("first_name", &self.first_name),
            ("first_name_ar", &self.first_name_ar),
            ("last_name", &self.last_name),
            ("last_name_ar", &self.last_name_ar),
            ("phone_number", &self.phone_number),
            ("vat_number", &self.vat_number),
            ("email", &self.email),
            ("building", &self.building),
            ("building_ar", &self.building_ar),
            ("street", &self.street),
            ("street_ar", &self.street_ar),
            ("district", &self.district),
            ("district_ar", &self.district_ar),
            ("city", &self.city),
            ("city_ar", &self.city_ar),
            ("country", &self.country),
            ("country_ar", &self.country_ar),
            ("postal_code", &self.postal_code),
            ("additional_number", &self.additional_number),
            ("other_id", &self.other_id),
            ("bank_name", &self.bank_name),
            ("bank_contact_name", &self.bank_contact_name),
            ("iban", &self.iban),
            ("account_number", &self.account_number),
        ]
    }

    /// Every documented string 1..=255 characters without control characters, the email
    /// email-shaped, enums documented. The external ids have no documented bound: they get
    /// ours ([`EXT_ID_MAX_CHARS`]).
    pub(crate) fn check(&self, prefix: &str) -> Result<()> {
        let field = |name: &str| format!("{prefix}{name}");
        for (name, value) in self.strings() {
            if let Some(v) = value {
                validate::length(&field(name), v, 1, TEXT_MAX_CHARS)?;
            }
        }
        // The external ids have no documented bound: "" is sent (it clears them), and only a
        // runaway value over ours is refused.
        for (name, value) in [("ext_platform_id", &self.ext_platform_id), ("ext_company_id", &self.ext_company_id)] {
            if let Some(v) = value {
                validate::text(&field(name), v, EXT_ID_MAX_CHARS)?;
            }
        }
        if let Some(email) = &self.email {
            validate::email(&field("email"), email)?;
        }
        Ok(())
    }

    pub(crate) fn is_empty(&self) -> bool {
        *self == Fields::default()
    }
}

/// The setters of the fields every contact body shares, declared once (and, with `body`, those of
/// [`Body`] that a create and an update share): `NewContact`,
/// `ContactUpdate` and `SecondaryContact` all take them from this list (in the reference's
/// order; `name` is the constructor's argument where it is required).
macro_rules! shared_field_setters {
    (body) => {
        /// Adds a secondary contact (an existing one, to change it, by its uuid).
        pub fn secondary_contact(mut self, contact: SecondaryContact) -> Self {
            self.body.secondary_contacts.get_or_insert_with(Vec::new).push(contact);
            self
        }

        contacts_http::setters! {
            /// The uuid of the payment instructions to use.
            pub fn payment_instructions(uuid: Uuid) -> body.payment_instructions = some;
            /// The uuid of the collection workflow to use.
            pub fn workflow_uuid(uuid: Uuid) -> body.workflow_uuid = some;
        }

        /// Adds a custom field value (any JSON).
        pub fn custom_field(mut self, value: impl Into<serde_json::Value>) -> Self {
            self.body.custom_fields.get_or_insert_with(Vec::new).push(value.into());
            self
        }
    };
    () => {
        contacts_http::setters! {
                /// Name in Arabic (`nameAr`).
                pub fn name_ar(value: impl Into<String>) -> fields.name_ar = some_into;
                /// First name.
                pub fn first_name(value: impl Into<String>) -> fields.first_name = some_into;
                /// First name in Arabic.
                pub fn first_name_ar(value: impl Into<String>) -> fields.first_name_ar = some_into;
                /// Last name.
                pub fn last_name(value: impl Into<String>) -> fields.last_name = some_into;
                /// Last name in Arabic.
                pub fn last_name_ar(value: impl Into<String>) -> fields.last_name_ar = some_into;
                /// Phone number.
                pub fn phone_number(value: impl Into<String>) -> fields.phone_number = some_into;
                /// VAT number.
                pub fn vat_number(value: impl Into<String>) -> fields.vat_number = some_into;
                /// Email address (checked for shape).
                pub fn email(value: impl Into<String>) -> fields.email = some_into;
                /// Building.
                pub fn building(value: impl Into<String>) -> fields.building = some_into;
                /// Building in Arabic.
                pub fn building_ar(value: impl Into<String>) -> fields.building_ar = some_into;
                /// Street.
                pub fn street(value: impl Into<String>) -> fields.street = some_into;
                /// Street in Arabic.
                pub fn street_ar(value: impl Into<String>) -> fields.street_ar = some_into;
                /// District.
                pub fn district(value: impl Into<String>) -> fields.district = some_into;
                /// District in Arabic.
                pub fn district_ar(value: impl Into<String>) -> fields.district_ar = some_into;
                /// City.
                pub fn city(value: impl Into<String>) -> fields.city = some_into;
                /// City in Arabic.
                pub fn city_ar(value: impl Into<String>) -> fields.city_ar = some_into;
                /// Country.
                pub fn country(value: impl Into<String>) -> fields.country = some_into;
                /// Country in Arabic.
                pub fn country_ar(value: impl Into<String>) -> fields.country_ar = some_into;
                /// Postal code.
                pub fn postal_code(value: impl Into<String>) -> fields.postal_code = some_into;
                /// Additional number (Saudi national address).
                pub fn additional_number(value: impl Into<String>) -> fields.additional_number = some_into;
                /// Another id of yours for the contact.
                pub fn other_id(value: impl Into<String>) -> fields.other_id = some_into;
                /// Bank name.
                pub fn bank_name(value: impl Into<String>) -> fields.bank_name = some_into;
                /// Bank contact name.
                pub fn bank_contact_name(value: impl Into<String>) -> fields.bank_contact_name = some_into;
                /// IBAN for bank transfers.
                pub fn iban(value: impl Into<String>) -> fields.iban = some_into;
                /// Bank account number.
                pub fn account_number(value: impl Into<String>) -> fields.account_number = some_into;
                /// Tone of reminder emails.
                pub fn email_tone(value: impl Into<EmailTone>) -> fields.email_tone = some_into;
                /// Whether to send email notifications.
                pub fn send_email_notif(value: impl Into<bool>) -> fields.send_email_notif = some_into;
                /// Language of email notifications.
                pub fn send_email_notif_lang(value: impl Into<EmailLanguage>) -> fields.send_email_notif_lang = some_into;
                /// Whether to send SMS notifications.
                pub fn send_sms_notif(value: impl Into<bool>) -> fields.send_sms_notif = some_into;
                /// Language of SMS notifications.
                pub fn send_sms_notif_lang(value: impl Into<SmsLanguage>) -> fields.send_sms_notif_lang = some_into;
                /// Whether payment reminders are on (Levers' default: on).
                pub fn reminders_enabled(value: impl Into<bool>) -> fields.reminders_enabled = some_into;
                /// Id on an external platform.
                pub fn ext_platform_id(value: impl Into<String>) -> fields.ext_platform_id = some_into;
                /// Company id on an external platform.
                pub fn ext_company_id(value: impl Into<String>) -> fields.ext_company_id = some_into;
                /// Whether the record has errors.
                pub fn has_errors(value: impl Into<bool>) -> fields.has_errors = some_into;
                /// Error details object.
                pub fn error_detail(value: impl Into<serde_json::Map<String, serde_json::Value>>) -> fields.error_detail = some_into;
                /// Gender (from the reference's prose table).
                pub fn gender(value: impl Into<Gender>) -> fields.gender = some_into;
        }
    };
}

/// A secondary contact inside a create or update (`CreateOrUpdateSecondaryContact`).
///
/// ```
/// let sc = levers_client::SecondaryContact::new("Sara").name_ar("سارة").email("sara@acme.sa");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct SecondaryContact {
    #[serde(flatten)]
    fields: Fields,
    #[serde(skip_serializing_if = "Option::is_none")]
    uuid: Option<Uuid>,
}

impl SecondaryContact {
    /// A secondary contact with its name (1 to 255 characters).
    pub fn new(name: impl Into<String>) -> Self {
        SecondaryContact { fields: Fields { name: Some(name.into()), ..Fields::default() }, uuid: None }
    }

    /// An existing secondary contact, by its uuid, to change only the fields set on it (the
    /// document marks no field of `CreateOrUpdateSecondaryContact` required).
    ///
    /// ```
    /// # let uuid = levers_client::Uuid::nil();
    /// let change = levers_client::ContactUpdate::new()
    ///     .secondary_contact(levers_client::SecondaryContact::existing(uuid).email("new@acme.sa"));
    /// ```
    pub fn existing(uuid: Uuid) -> Self {
        SecondaryContact { fields: Fields::default(), uuid: Some(uuid) }
    }

    contacts_http::setters! {
        /// The uuid of an existing secondary contact, to update it rather than add one.
        pub fn uuid(uuid: Uuid) = some;
        /// Name (1 to 255 characters).
        pub fn name(value: impl Into<String>) -> fields.name = some_into;
    }

    shared_field_setters!();
}

fn check_secondaries(list: &Option<Vec<SecondaryContact>>) -> Result<()> {
    for (i, sc) in list.iter().flatten().enumerate() {
        sc.fields.check(&format!("secondary_contacts[{i}]."))?;
    }
    Ok(())
}

/// What a create and an update carry beyond the shared fields, declared once (flattened into
/// both bodies).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    #[serde(skip_serializing_if = "Option::is_none")]
    secondary_contacts: Option<Vec<SecondaryContact>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_instructions: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workflow_uuid: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_fields: Option<Vec<serde_json::Value>>,
}

impl Body {
    fn is_empty(&self) -> bool {
        *self == Body::default()
    }
}

/// A contact to create (`POST /contact`): the name is required.
///
/// ```
/// use levers_client::{NewContact, EmailTone};
/// let c = NewContact::new("Acme Trading").name_ar("شركة أكمي للتجارة").email("ap@acme.sa").email_tone(EmailTone::Friendly);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct NewContact {
    #[serde(flatten)]
    fields: Fields,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<Role>,
    #[serde(flatten)]
    body: Body,
}

impl NewContact {
    /// A contact with its name (1 to 255 characters).
    pub fn new(name: impl Into<String>) -> Self {
        NewContact {
            fields: Fields { name: Some(name.into()), ..Fields::default() },
            role: None,
            body: Body::default(),
        }
    }

    shared_field_setters!();

    shared_field_setters!(body);

    contacts_http::setters! {
        /// Primary or secondary.
        pub fn role(role: Role) = some;
    }

    pub(crate) fn check(&self) -> Result<()> {
        self.fields.check("")?;
        check_secondaries(&self.body.secondary_contacts)
    }
}

/// Changes to a contact (`PUT /contact`): only the fields to change. The contact's uuid goes
/// in the body when it is sent ([`Contacts::update`](crate::Contacts::update)).
///
/// ```
/// let u = levers_client::ContactUpdate::new().phone_number("+966500000000");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct ContactUpdate {
    #[serde(flatten)]
    fields: Fields,
    #[serde(flatten)]
    body: Body,
}

impl ContactUpdate {
    /// No changes yet. The contact is named when the update is sent:
    /// [`Contacts::update`](crate::Contacts::update) puts its uuid in the body.
    pub fn new() -> Self {
        ContactUpdate::default()
    }

    contacts_http::setters! {
        /// New name (1 to 255 characters).
        pub fn name(value: impl Into<String>) -> fields.name = some_into;
    }

    shared_field_setters!();

    shared_field_setters!(body);

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.body.is_empty()
    }

    /// The same fields as a create (the unified mapping writes both through one function).
    pub(crate) fn into_new_contact(self) -> NewContact {
        NewContact { fields: self.fields, role: None, body: self.body }
    }

    pub(crate) fn check(&self) -> Result<()> {
        // An update with nothing set is sent as `{"uuid": …}`: the document forbids no empty
        // update, and Levers' answer decides.
        self.fields.check("")?;
        check_secondaries(&self.body.secondary_contacts)
    }
}

/// Largest page size accepted (fastapi-pagination's default cap; Levers does not say).
pub const MAX_PAGE_SIZE: u32 = 100;
/// Page size of [`crate::Contacts::iter`] when none is set (the reference's example uses 50).
pub const ITER_PAGE_SIZE: u32 = 50;

/// What to list: `page` (1-based) and `size`.
///
/// ```
/// let q = levers_client::ListContacts::new().page(2).size(50);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct ListContacts {
    pub(crate) page: Option<u64>,
    pub(crate) size: Option<u32>,
}

impl ListContacts {
    /// The first page, Levers' default size.
    pub fn new() -> Self {
        ListContacts::default()
    }

    contacts_http::setters! {
        /// The page, from 1 (for [`iter`](crate::Contacts::iter): the page to start from).
        pub fn page(page: u64) = some;
        /// Items per page, 1..=100.
        pub fn size(size: u32) = some;
    }

    pub(crate) fn check(&self) -> Result<()> {
        if let Some(page) = self.page {
            validate::range("page", page, 1, u64::MAX)?;
        }
        if let Some(size) = self.size {
            validate::range("size", size, 1, MAX_PAGE_SIZE)?;
        }
        Ok(())
    }
}
