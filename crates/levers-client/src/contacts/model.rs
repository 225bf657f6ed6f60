//! What Levers answers: [`Contact`], its id, its enums and nested objects, and a page.

use crate::Date;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

contacts_http::uuid_id! {
    /// A Levers contact id: a UUID (the `uuid` of a contact).
    ///
    /// ```
    /// let id: levers_client::ContactId = "3c90c3cc-0d44-4b50-8888-8dd25736052a".parse()?;
    /// assert_eq!(id.to_string(), "3c90c3cc-0d44-4b50-8888-8dd25736052a");
    /// assert!("not-a-uuid".parse::<levers_client::ContactId>().is_err());
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    pub struct ContactId;
}

contacts_http::wire_enum! {
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

contacts_http::wire_enum! {
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

contacts_http::wire_enum! {
    /// The language of SMS notifications (`sendSmsNotifLang`).
    pub enum SmsLanguage {
        /// `ENGLISH`
        English = "ENGLISH",
        /// `ARABIC`
        Arabic = "ARABIC",
    }
}

contacts_http::wire_enum! {
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

contacts_http::wire_enum! {
    /// Primary or secondary contact (`role`).
    pub enum Role {
        /// `PRIMARY`
        Primary = "PRIMARY",
        /// `SECONDARY`
        Secondary = "SECONDARY",
    }
}

contacts_http::wire_enum! {
    /// Gender (`gender`: listed in the reference's prose table only).
    pub enum Gender {
        /// `male`
        Male = "male",
        /// `female`
        Female = "female",
    }
}

/// A secondary contact as a response lists it (`GetContactRespShort`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SecondaryContactSummary {
    /// Its uuid (absent in some answers).
    #[serde(default)]
    pub uuid: Option<Uuid>,
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
    /// Their uuid (absent in some answers).
    #[serde(default)]
    pub uuid: Option<Uuid>,
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
    /// Its uuid (absent in some answers).
    #[serde(default)]
    pub uuid: Option<Uuid>,
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
    pub uuid: ContactId,
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
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_string")]
    pub ext_platform_id: Option<String>,
    /// Company id on an external platform.
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_string")]
    pub ext_company_id: Option<String>,
    /// Whether the record has errors.
    #[serde(default)]
    pub has_errors: Option<bool>,
    /// Error details.
    #[serde(default)]
    pub error_detail: Option<serde_json::Value>,
    /// Total invoiced.
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_f64")]
    pub total_amount: Option<f64>,
    /// Total paid.
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_f64")]
    pub total_paid: Option<f64>,
    /// Outstanding amount.
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_f64")]
    pub outstanding_amount: Option<f64>,
    /// Number of invoices.
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_i64")]
    pub total_invoices: Option<i64>,
    /// Number of unpaid invoices.
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_i64")]
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
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_i64")]
    pub promise_to_pay_switch_workflow_id: Option<i64>,
    /// Reminder status.
    #[serde(default)]
    pub reminder_status: Option<String>,
    /// Reminder label.
    #[serde(default)]
    pub reminder_label: Option<String>,
    /// Average payment delay (in the details answer).
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_f64")]
    pub average_delay: Option<f64>,
    /// When the contact was last contacted (in the details answer), as Levers writes it.
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_string")]
    pub last_contacted: Option<String>,
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
