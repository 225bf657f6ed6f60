//! What Levers answers: [`Contact`], its id, its enums and nested objects, and a page.

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
    /// The contact's id (`uuid` on the wire).
    #[serde(rename = "uuid")]
    pub id: ContactId,
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

/// The calendar date type, kept in its own module: `YYYY-MM-DD` as Levers writes it.
mod date {
    use std::fmt;
    use std::str::FromStr;

    use contacts_core::Error;

    /// A calendar date (`2023-12-25`), checked to exist (leap years included).
    ///
    /// ```
    /// use levers_client::Date;
    /// let d: Date = "2024-02-29".parse()?;
    /// assert_eq!((d.year(), d.month(), d.day()), (2024, 2, 29));
    /// assert_eq!(d.to_string(), "2024-02-29");
    /// assert!("2023-02-29".parse::<Date>().is_err());
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct Date {
        year: u16,
        month: u8,
        day: u8,
    }

    impl Date {
        /// The date, when it exists.
        ///
        /// # Errors
        /// [`Error::Validation`] for a month or day that does not exist, or a year past 9999.
        pub fn new(year: u16, month: u8, day: u8) -> Result<Date, Error> {
            let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
            let days = match month {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 if leap => 29,
                2 => 28,
                _ => 0,
            };
            if year > 9999 || day == 0 || day > days {
                return Err(Error::validation("date", format!("{year:04}-{month:02}-{day:02} is not a calendar date")));
            }
            Ok(Date { year, month, day })
        }

        /// The year.
        pub fn year(self) -> u16 {
            self.year
        }

        /// The month, 1..=12.
        pub fn month(self) -> u8 {
            self.month
        }

        /// The day of the month, 1..=31.
        pub fn day(self) -> u8 {
            self.day
        }
    }

    impl fmt::Display for Date {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
        }
    }

    impl FromStr for Date {
        type Err = Error;

        fn from_str(s: &str) -> Result<Date, Error> {
            let bad = || Error::validation("date", format!("{s:?} is not a date like 2023-12-25"));
            let b = s.as_bytes();
            if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
                return Err(bad());
            }
            let num = |r: std::ops::Range<usize>| -> Result<u16, Error> {
                let part = &s[r];
                if !part.bytes().all(|c| c.is_ascii_digit()) {
                    return Err(bad());
                }
                part.parse().map_err(|_| bad())
            };
            let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
            Date::new(year, month as u8, day as u8)
        }
    }

    impl serde::Serialize for Date {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(self)
        }
    }

    impl<'de> serde::Deserialize<'de> for Date {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
            let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            s.parse().map_err(serde::de::Error::custom)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::Date;

        #[test]
        fn parses_only_real_dates() {
            for ok in ["2023-12-25", "2000-02-29", "1999-01-31", "0001-01-01"] {
                assert_eq!(ok.parse::<Date>().map(|d| d.to_string()).ok().as_deref(), Some(ok));
            }
            for bad in [
                "2023-13-01",
                "2023-00-10",
                "2023-04-31",
                "1900-02-29",
                "2023-1-01",
                "23-12-25",
                "2023/12/25",
                "+023-12-25",
                "2023-12-25T00:00:00Z",
                "",
            ] {
                assert!(bad.parse::<Date>().is_err(), "{bad}");
            }
        }
    }
}

pub use date::Date;
