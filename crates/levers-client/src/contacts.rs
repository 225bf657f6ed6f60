use contacts_core::{Date, Method, Page, Pages, check_known, decode_value, validate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Client, Error, Result};

contacts_core::wire_enum! {
    /// The tone of reminder emails (`emailTone`).
    pub enum EmailTone {
        /// `FRIENDLY`
        Friendly = "FRIENDLY",
        /// `NEUTRAL`
        Neutral = "NEUTRAL",
        /// `REALESTATE`
        RealEstate = "REALESTATE",
    }
}

contacts_core::wire_enum! {
    /// The language of email notifications (`sendEmailNotifLang`).
    pub enum EmailLanguage {
        /// `ENGLISH`
        English = "ENGLISH",
        /// `ARABIC`
        Arabic = "ARABIC",
        /// `ENGLISH_ARABIC`: both.
        EnglishArabic = "ENGLISH_ARABIC",
    }
}

contacts_core::wire_enum! {
    /// The language of SMS notifications (`sendSmsNotifLang`).
    pub enum SmsLanguage {
        /// `ENGLISH`
        English = "ENGLISH",
        /// `ARABIC`
        Arabic = "ARABIC",
    }
}

contacts_core::wire_enum! {
    /// The contact's payment risk, as Levers rates it (`risk`).
    pub enum Risk {
        /// `LOW`
        Low = "LOW",
        /// `MEDIUM`
        Medium = "MEDIUM",
        /// `HIGH`
        High = "HIGH",
    }
}

contacts_core::wire_enum! {
    /// Primary or secondary contact (`role`).
    pub enum Role {
        /// `PRIMARY`
        Primary = "PRIMARY",
        /// `SECONDARY`
        Secondary = "SECONDARY",
    }
}

contacts_core::wire_enum! {
    /// Gender (`gender`: listed in the reference's prose table only).
    pub enum Gender {
        /// `male`
        Male = "male",
        /// `female`
        Female = "female",
    }
}

/// Longest string Levers accepts, in characters (Arabic counts one per letter).
pub const MAX_CHARS: usize = 255;

fn no_strings<T>(v: &Option<T>) -> bool {
    v.is_none()
}

/// The fields every contact body shares (create, update, secondary contacts), in the
/// reference's order. Unset fields are left out, never sent as null.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Fields {
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
    fn strings(&self) -> [(&'static str, &Option<String>); 28] {
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
            ("ext_platform_id", &self.ext_platform_id),
            ("ext_company_id", &self.ext_company_id),
        ]
    }

    /// Every string 1..=255 characters, the email email-shaped, enums documented.
    fn check(&self, prefix: &str) -> Result<()> {
        let field = |name: &str| format!("{prefix}{name}");
        for (name, value) in self.strings() {
            if let Some(v) = value {
                validate::length(&field(name), v, 1, MAX_CHARS)?;
            }
        }
        if let Some(email) = &self.email {
            validate::email(&field("email"), email)?;
        }
        if let Some(v) = &self.email_tone {
            check_known(&field("email_tone"), v.is_known(), v.as_str(), &["FRIENDLY", "NEUTRAL", "REALESTATE"])?;
        }
        if let Some(v) = &self.send_email_notif_lang {
            check_known(
                &field("send_email_notif_lang"),
                v.is_known(),
                v.as_str(),
                &["ENGLISH", "ARABIC", "ENGLISH_ARABIC"],
            )?;
        }
        if let Some(v) = &self.send_sms_notif_lang {
            check_known(&field("send_sms_notif_lang"), v.is_known(), v.as_str(), &["ENGLISH", "ARABIC"])?;
        }
        if let Some(v) = &self.gender {
            check_known(&field("gender"), v.is_known(), v.as_str(), &["male", "female"])?;
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        *self == Fields::default()
    }
}

/// The setters of every field shared by [`CreateContact`], [`UpdateContact`] and
/// [`SecondaryContact`]. Strings must be 1 to 255 characters (checked before sending).
macro_rules! common_setters {
    () => {
        contacts_core::field_setters! {
            /// Name in Arabic (`nameAr`).
            name_ar: String;
            /// First name.
            first_name: String;
            /// First name in Arabic.
            first_name_ar: String;
            /// Last name.
            last_name: String;
            /// Last name in Arabic.
            last_name_ar: String;
            /// Phone number.
            phone_number: String;
            /// VAT number.
            vat_number: String;
            /// Email address (checked for shape).
            email: String;
            /// Building.
            building: String;
            /// Building in Arabic.
            building_ar: String;
            /// Street.
            street: String;
            /// Street in Arabic.
            street_ar: String;
            /// District.
            district: String;
            /// District in Arabic.
            district_ar: String;
            /// City.
            city: String;
            /// City in Arabic.
            city_ar: String;
            /// Country.
            country: String;
            /// Country in Arabic.
            country_ar: String;
            /// Postal code.
            postal_code: String;
            /// Additional number (Saudi national address).
            additional_number: String;
            /// Another id of yours for the contact.
            other_id: String;
            /// Bank name.
            bank_name: String;
            /// Bank contact name.
            bank_contact_name: String;
            /// IBAN for bank transfers.
            iban: String;
            /// Bank account number.
            account_number: String;
            /// Tone of reminder emails.
            email_tone: EmailTone;
            /// Whether to send email notifications.
            send_email_notif: bool;
            /// Language of email notifications.
            send_email_notif_lang: EmailLanguage;
            /// Whether to send SMS notifications.
            send_sms_notif: bool;
            /// Language of SMS notifications.
            send_sms_notif_lang: SmsLanguage;
            /// Whether payment reminders are on (Levers' default: on).
            reminders_enabled: bool;
            /// Id on an external platform.
            ext_platform_id: String;
            /// Company id on an external platform.
            ext_company_id: String;
            /// Whether the record has errors.
            has_errors: bool;
            /// Error details object.
            error_detail: serde_json::Map<String, serde_json::Value>;
            /// Gender (from the reference's prose table).
            gender: Gender;
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

    /// The uuid of an existing secondary contact, to update it rather than add one.
    pub fn uuid(mut self, uuid: Uuid) -> Self {
        self.uuid = Some(uuid);
        self
    }

    common_setters!();
}

fn check_secondaries(list: &Option<Vec<SecondaryContact>>) -> Result<()> {
    for (i, sc) in list.iter().flatten().enumerate() {
        sc.fields.check(&format!("secondary_contacts[{i}]."))?;
    }
    Ok(())
}

/// A contact to create (`POST /contact`): the name is required.
///
/// ```
/// use levers_client::{CreateContact, EmailTone};
/// let c = CreateContact::new("Acme Trading").name_ar("شركة أكمي للتجارة").email("ap@acme.sa").email_tone(EmailTone::Friendly);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct CreateContact {
    #[serde(flatten)]
    fields: Fields,
    #[serde(skip_serializing_if = "Option::is_none")]
    secondary_contacts: Option<Vec<SecondaryContact>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_instructions: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workflow_uuid: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_fields: Option<Vec<serde_json::Value>>,
}

impl CreateContact {
    /// A contact with its name (1 to 255 characters).
    pub fn new(name: impl Into<String>) -> Self {
        CreateContact {
            fields: Fields { name: Some(name.into()), ..Fields::default() },
            secondary_contacts: None,
            role: None,
            payment_instructions: None,
            workflow_uuid: None,
            custom_fields: None,
        }
    }

    common_setters!();

    /// Adds a secondary contact.
    pub fn secondary_contact(mut self, contact: SecondaryContact) -> Self {
        self.secondary_contacts.get_or_insert_with(Vec::new).push(contact);
        self
    }

    /// Primary or secondary.
    pub fn role(mut self, role: Role) -> Self {
        self.role = Some(role);
        self
    }

    /// The uuid of the payment instructions to use.
    pub fn payment_instructions(mut self, uuid: Uuid) -> Self {
        self.payment_instructions = Some(uuid);
        self
    }

    /// The uuid of the collection workflow to use.
    pub fn workflow_uuid(mut self, uuid: Uuid) -> Self {
        self.workflow_uuid = Some(uuid);
        self
    }

    /// Adds a custom field value (any JSON).
    pub fn custom_field(mut self, value: impl Into<serde_json::Value>) -> Self {
        self.custom_fields.get_or_insert_with(Vec::new).push(value.into());
        self
    }

    fn check(&self) -> Result<()> {
        self.fields.check("")?;
        if let Some(v) = &self.role {
            check_known("role", v.is_known(), v.as_str(), &["PRIMARY", "SECONDARY"])?;
        }
        check_secondaries(&self.secondary_contacts)
    }
}

/// Changes to a contact (`PUT /contact`): its uuid, and only the fields to change.
///
/// ```
/// # let uuid = levers_client::Uuid::nil();
/// let u = levers_client::UpdateContact::new(uuid).phone_number("+966500000000");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct UpdateContact {
    uuid: Uuid,
    #[serde(flatten)]
    fields: Fields,
    #[serde(skip_serializing_if = "Option::is_none")]
    secondary_contacts: Option<Vec<SecondaryContact>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_instructions: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workflow_uuid: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_fields: Option<Vec<serde_json::Value>>,
}

impl UpdateContact {
    /// An update of the contact `uuid`, changing nothing yet.
    pub fn new(uuid: Uuid) -> Self {
        UpdateContact {
            uuid,
            fields: Fields::default(),
            secondary_contacts: None,
            payment_instructions: None,
            workflow_uuid: None,
            custom_fields: None,
        }
    }

    contacts_core::field_setters! {
        /// New name (1 to 255 characters).
        name: String;
    }

    common_setters!();

    /// Sets the secondary contacts (existing ones by uuid).
    pub fn secondary_contact(mut self, contact: SecondaryContact) -> Self {
        self.secondary_contacts.get_or_insert_with(Vec::new).push(contact);
        self
    }

    /// The uuid of the payment instructions to use.
    pub fn payment_instructions(mut self, uuid: Uuid) -> Self {
        self.payment_instructions = Some(uuid);
        self
    }

    /// The uuid of the collection workflow to use.
    pub fn workflow_uuid(mut self, uuid: Uuid) -> Self {
        self.workflow_uuid = Some(uuid);
        self
    }

    /// Adds a custom field value (any JSON).
    pub fn custom_field(mut self, value: impl Into<serde_json::Value>) -> Self {
        self.custom_fields.get_or_insert_with(Vec::new).push(value.into());
        self
    }

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
            && self.secondary_contacts.is_none()
            && self.payment_instructions.is_none()
            && self.workflow_uuid.is_none()
            && self.custom_fields.is_none()
    }

    fn check(&self) -> Result<()> {
        if self.is_empty() {
            return Err(Error::validation("update", "nothing to change: set at least one field"));
        }
        self.fields.check("")?;
        check_secondaries(&self.secondary_contacts)
    }
}

/// A secondary contact as a response lists it (`GetContactRespShort`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SecondaryContactSummary {
    /// Its uuid.
    pub uuid: Uuid,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
}

/// Payment instructions as a response gives them (`PaymentInstructionResp`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentInstructions {
    /// Their uuid.
    pub uuid: Uuid,
    /// Bank name.
    #[serde(default)]
    pub bank_name: Option<String>,
    /// IBAN.
    #[serde(default)]
    pub iban: Option<String>,
    /// Bank address.
    #[serde(default)]
    pub bank_address: Option<String>,
    /// Account number.
    #[serde(default)]
    pub account_number: Option<String>,
    /// Company name at the bank.
    #[serde(default)]
    pub bank_company_name: Option<String>,
    /// Company address at the bank.
    #[serde(default)]
    pub bank_company_address: Option<String>,
}

/// A workflow reference (`GetWorkflowResponseShort`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Workflow {
    /// Its uuid.
    pub uuid: Uuid,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
}

fn null_vec<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> std::result::Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A contact as Levers returns it. Separate from the request types: here
/// `payment_instructions` is an object and `workflow` a reference, where requests take uuids.
/// Missing fields are `None`; fields Levers adds later are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Contact {
    /// The contact's uuid.
    pub uuid: Uuid,
    /// Name.
    pub name: String,
    /// Name in Arabic.
    #[serde(default)]
    pub name_ar: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// First name in Arabic.
    #[serde(default)]
    pub first_name_ar: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Last name in Arabic.
    #[serde(default)]
    pub last_name_ar: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// VAT number.
    #[serde(default)]
    pub vat_number: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Building.
    #[serde(default)]
    pub building: Option<String>,
    /// Building in Arabic.
    #[serde(default)]
    pub building_ar: Option<String>,
    /// Street.
    #[serde(default)]
    pub street: Option<String>,
    /// Street in Arabic.
    #[serde(default)]
    pub street_ar: Option<String>,
    /// District.
    #[serde(default)]
    pub district: Option<String>,
    /// District in Arabic.
    #[serde(default)]
    pub district_ar: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// City in Arabic.
    #[serde(default)]
    pub city_ar: Option<String>,
    /// Country.
    #[serde(default)]
    pub country: Option<String>,
    /// Country in Arabic.
    #[serde(default)]
    pub country_ar: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// Additional number.
    #[serde(default)]
    pub additional_number: Option<String>,
    /// Another id.
    #[serde(default)]
    pub other_id: Option<String>,
    /// Bank name.
    #[serde(default)]
    pub bank_name: Option<String>,
    /// Bank contact name.
    #[serde(default)]
    pub bank_contact_name: Option<String>,
    /// IBAN.
    #[serde(default)]
    pub iban: Option<String>,
    /// Account number.
    #[serde(default)]
    pub account_number: Option<String>,
    /// Tone of reminder emails.
    #[serde(default)]
    pub email_tone: Option<EmailTone>,
    /// Whether email notifications are sent.
    #[serde(default)]
    pub send_email_notif: Option<bool>,
    /// Language of email notifications.
    #[serde(default)]
    pub send_email_notif_lang: Option<EmailLanguage>,
    /// Whether SMS notifications are sent.
    #[serde(default)]
    pub send_sms_notif: Option<bool>,
    /// Language of SMS notifications.
    #[serde(default)]
    pub send_sms_notif_lang: Option<SmsLanguage>,
    /// Whether payment reminders are on.
    #[serde(default)]
    pub reminders_enabled: Option<bool>,
    /// Id on an external platform.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_string")]
    pub ext_platform_id: Option<String>,
    /// Company id on an external platform.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_string")]
    pub ext_company_id: Option<String>,
    /// Whether the record has errors.
    #[serde(default)]
    pub has_errors: Option<bool>,
    /// Error details.
    #[serde(default)]
    pub error_detail: Option<serde_json::Value>,
    /// Total invoiced.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_f64")]
    pub total_amount: Option<f64>,
    /// Total paid.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_f64")]
    pub total_paid: Option<f64>,
    /// Outstanding amount.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_f64")]
    pub outstanding_amount: Option<f64>,
    /// Number of invoices.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_i64")]
    pub total_invoices: Option<i64>,
    /// Number of unpaid invoices.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_i64")]
    pub count_unpaid_invoices: Option<i64>,
    /// Payment risk.
    #[serde(default)]
    pub risk: Option<Risk>,
    /// Primary or secondary.
    #[serde(default)]
    pub role: Option<Role>,
    /// Secondary contacts, short form.
    #[serde(default, deserialize_with = "null_vec")]
    pub secondary_contacts: Vec<SecondaryContactSummary>,
    /// Payment instructions.
    #[serde(default)]
    pub payment_instructions: Option<PaymentInstructions>,
    /// The collection workflow.
    #[serde(default)]
    pub workflow: Option<Workflow>,
    /// Custom fields.
    #[serde(default, deserialize_with = "null_vec")]
    pub custom_fields: Vec<serde_json::Value>,
    /// The date the contact promised to pay by.
    #[serde(default)]
    pub promise_to_pay_date: Option<Date>,
    /// The workflow to switch to on a promise to pay.
    #[serde(default)]
    pub promise_to_pay_switch_workflow_uuid: Option<Uuid>,
    /// The same, as the integer id some answers carry.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_i64")]
    pub promise_to_pay_switch_workflow_id: Option<i64>,
    /// Reminder status.
    #[serde(default)]
    pub reminder_status: Option<String>,
    /// Reminder label.
    #[serde(default)]
    pub reminder_label: Option<String>,
    /// Average payment delay (in the details answer).
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_f64")]
    pub average_delay: Option<f64>,
    /// When the contact was last contacted (in the details answer), as Levers writes it.
    #[serde(default, deserialize_with = "contacts_core::lenient::opt_string")]
    pub last_contacted: Option<String>,
}

/// Largest page size accepted (fastapi-pagination's default cap; Levers does not say).
pub const MAX_PAGE_SIZE: u32 = 100;
/// Page size of [`Contacts::iter`] when none is set (the reference's example uses 50).
pub const ITER_PAGE_SIZE: u32 = 50;

/// What to list: `page` (1-based) and `size`.
///
/// ```
/// let q = levers_client::ListContacts::new().page(2).size(50);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct ListContacts {
    page: Option<u64>,
    size: Option<u32>,
}

impl ListContacts {
    /// The first page, Levers' default size.
    pub fn new() -> Self {
        ListContacts::default()
    }

    /// The page, from 1 (for [`iter`](Contacts::iter): the page to start from).
    pub fn page(mut self, page: u64) -> Self {
        self.page = Some(page);
        self
    }

    /// Items per page, 1..=100.
    pub fn size(mut self, size: u32) -> Self {
        self.size = Some(size);
        self
    }

    fn check(&self) -> Result<()> {
        if let Some(page) = self.page {
            validate::range("page", page, 1, u64::MAX)?;
        }
        if let Some(size) = self.size {
            validate::range("size", size, 1, MAX_PAGE_SIZE)?;
        }
        Ok(())
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ContactPage {
    /// The contacts.
    pub contacts: Vec<Contact>,
    /// The total across pages, when Levers said.
    pub total: Option<u64>,
    /// The number of pages, when Levers said.
    pub pages: Option<u64>,
}

/// The contacts resource of a [`Client`]: `client.contacts()`.
#[derive(Debug, Clone, Copy)]
pub struct Contacts<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> Contacts<'a> {
    /// Creates a contact (`POST /contact`,
    /// [docs](https://docs.uselevers.com/api-reference/contacts/create-contact)). Arabic text is
    /// sent as is; lengths are counted in characters.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Levers, 1).start().unwrap();
    /// # let client = levers_client::Client::builder().token(contacts_sandbox::credentials::LEVERS_TOKEN).base_url(sandbox.levers_base_url()).build()?;
    /// use levers_client::{CreateContact, EmailTone};
    /// let c = client.contacts().create(
    ///     &CreateContact::new("Acme Trading").name_ar("شركة أكمي").email("ap@acme.sa").email_tone(EmailTone::Friendly),
    /// )?;
    /// println!("{}", c.uuid);
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before sending; [`Error::Api`] with FastAPI's per-field details.
    pub fn create(&self, contact: &CreateContact) -> Result<Contact> {
        self.create_raw(contact).and_then(|v| decode_value(&v))
    }

    pub(crate) fn create_raw(&self, contact: &CreateContact) -> Result<serde_json::Value> {
        contact.check()?;
        self.client.send(|http| Ok(http.request(Method::Post, &["contact"])?.json(contact)))?.json()
    }

    /// Updates a contact (`PUT /contact`, the uuid in the body,
    /// [docs](https://docs.uselevers.com/api-reference/contacts/update-contact)): only the fields
    /// set are sent. Safe to retry.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Levers, 1).start().unwrap();
    /// # let client = levers_client::Client::builder().token(contacts_sandbox::credentials::LEVERS_TOKEN).base_url(sandbox.levers_base_url()).build()?;
    /// # let uuid: levers_client::Uuid = "00000000-0000-4000-8000-000000000000".parse().unwrap();
    /// let c = client.contacts().update(&levers_client::UpdateContact::new(uuid).phone_number("+966500000000"))?;
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] when nothing is set or a field breaks a limit.
    pub fn update(&self, update: &UpdateContact) -> Result<Contact> {
        self.update_raw(update).and_then(|v| decode_value(&v))
    }

    pub(crate) fn update_raw(&self, update: &UpdateContact) -> Result<serde_json::Value> {
        update.check()?;
        self.client.send(|http| Ok(http.request(Method::Put, &["contact"])?.json(update)))?.json()
    }

    /// Fetches a contact's details (`GET /contact/{uuid}`).
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Levers, 1).start().unwrap();
    /// # let client = levers_client::Client::builder().token(contacts_sandbox::credentials::LEVERS_TOKEN).base_url(sandbox.levers_base_url()).build()?;
    /// # let uuid: levers_client::Uuid = "00000000-0000-4000-8000-000000000000".parse().unwrap();
    /// let c = client.contacts().get(uuid)?;
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] for a 404.
    pub fn get(&self, uuid: Uuid) -> Result<Contact> {
        self.get_raw(uuid).and_then(|v| decode_value(&v))
    }

    pub(crate) fn get_raw(&self, uuid: Uuid) -> Result<serde_json::Value> {
        let id = uuid.hyphenated().to_string();
        self.client.send(|http| http.request(Method::Get, &["contact", &id]))?.json()
    }

    /// One page of contacts (`GET /contact?page=&size=`).
    ///
    /// The reference shows the request but not the answer: the client reads a
    /// fastapi-pagination page (`{items, total, page, size, pages}`) or a bare array.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Levers, 1).start().unwrap();
    /// # let client = levers_client::Client::builder().token(contacts_sandbox::credentials::LEVERS_TOKEN).base_url(sandbox.levers_base_url()).build()?;
    /// let page = client.contacts().list(&levers_client::ListContacts::new().page(1).size(50))?;
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] for page 0 or a size outside 1..=100.
    pub fn list(&self, query: &ListContacts) -> Result<ContactPage> {
        let (items, total, pages) = self.list_raw(query)?;
        let contacts = items.iter().map(decode_value).collect::<Result<_>>()?;
        Ok(ContactPage { contacts, total, pages })
    }

    #[allow(clippy::type_complexity)]
    pub(crate) fn list_raw(&self, query: &ListContacts) -> Result<(Vec<serde_json::Value>, Option<u64>, Option<u64>)> {
        query.check()?;
        let answer: serde_json::Value = self
            .client
            .send(|http| {
                Ok(http.request(Method::Get, &["contact"])?.query_opt("page", query.page).query_opt("size", query.size))
            })?
            .json()?;
        let number = |v: &serde_json::Value, key: &str| v.get(key).and_then(serde_json::Value::as_u64);
        match answer {
            serde_json::Value::Array(items) => Ok((items, None, None)),
            serde_json::Value::Object(ref map) if map.get("items").is_some_and(serde_json::Value::is_array) => {
                let (total, pages) = (number(&answer, "total"), number(&answer, "pages"));
                let items = match answer {
                    serde_json::Value::Object(mut map) => match map.remove("items") {
                        Some(serde_json::Value::Array(items)) => items,
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                Ok((items, total, pages))
            }
            other => Err(Error::Decode {
                status: 200,
                message: "expected a page {items, …} or an array of contacts".into(),
                snippet: contacts_core::snippet(other.to_string().as_bytes()),
            }),
        }
    }

    /// Every contact, fetched lazily page by page (50 a page unless the query sets a size),
    /// stopping after a short or empty page or at the total. A failed page is yielded once as
    /// `Err` and ends the iteration.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::Levers, 1).start().unwrap();
    /// # let client = levers_client::Client::builder().token(contacts_sandbox::credentials::LEVERS_TOKEN).base_url(sandbox.levers_base_url()).build()?;
    /// for c in client.contacts().iter(&levers_client::ListContacts::new()) {
    ///     let c = c?;
    ///     println!("{} {}", c.uuid, c.name);
    /// }
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    pub fn iter(&self, query: &ListContacts) -> impl Iterator<Item = Result<Contact>> + use<'a> {
        self.iter_as(query, |v| decode_value(&v))
    }

    pub(crate) fn iter_as<T: 'a, M: Fn(serde_json::Value) -> Result<T> + 'a>(
        &self,
        query: &ListContacts,
        map: M,
    ) -> impl Iterator<Item = Result<T>> + use<'a, T, M> {
        let this = *self;
        let size = query.size.unwrap_or(ITER_PAGE_SIZE);
        let base = query.clone();
        Pages::new(query.page.unwrap_or(1), size as usize, move |page| {
            let (items, total, _) = this.list_raw(&base.clone().page(page).size(size))?;
            let items = items.into_iter().map(&map).collect::<Result<Vec<T>>>()?;
            Ok(Page::new(items).with_total(total))
        })
    }
}
