//! Checks shared by the providers, run before anything is sent. Each returns
//! [`Error::Validation`] naming the field.

use contacts_core::{Error, Result};

/// `value` has `min..=max` characters (Unicode scalar values, not bytes: a 255-character
/// Arabic name is 510 bytes and still fits 255).
///
/// ```
/// use contacts_http::validate;
/// assert!(validate::length("name", &"ع".repeat(255), 1, 255).is_ok());
/// assert!(validate::length("name", "", 1, 255).is_err());
/// ```
pub fn length(field: &str, value: &str, min: usize, max: usize) -> Result<()> {
    let n = value.chars().count();
    if n < min || n > max {
        let reason = if min == 0 {
            format!("must be at most {max} characters (got {n})")
        } else if min == max {
            format!("must be exactly {min} characters (got {n})")
        } else {
            format!("must be {min} to {max} characters (got {n})")
        };
        return Err(Error::validation(field, reason));
    }
    Ok(())
}

/// Free text: at most `max` characters. Control characters, line breaks and bidirectional
/// marks are sent as they are — JSON and form encoding carry them safely and the documents
/// forbid none; they are escaped where printed ([`contacts_core::escaped`]). Only header
/// values and path segments are refused for them, elsewhere.
///
/// ```
/// use contacts_http::validate;
/// assert!(validate::text("name", "عبد الله", 255).is_ok());
/// assert!(validate::text("department", "Sales\tNorth", 64).is_ok());
/// assert!(validate::text("name", &"a".repeat(256), 255).is_err());
/// ```
pub fn text(field: &str, value: &str, max: usize) -> Result<()> {
    length(field, value, 0, max)
}

/// `value` is not empty once surrounding whitespace is ignored.
pub fn not_blank(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    Ok(())
}

/// `value` looks like an email address: one `@`, a non-empty local part, a well-formed domain,
/// no spaces or control characters, at most 254 characters.
///
/// ```
/// use contacts_http::validate;
/// assert!(validate::email("email", "anna@jensen.dk").is_ok());
/// assert!(validate::email("email", "anna@localhost").is_ok());
/// assert!(validate::email("email", "anna@").is_err());
/// assert!(validate::email("email", "anna jensen@x.dk").is_err());
/// ```
pub fn email(field: &str, value: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::validation(field, format!("is not an email address: {why}")));
    if value.chars().count() > 254 {
        return bad("longer than 254 characters");
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("contains spaces or control characters");
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return bad("no @");
    };
    if local.is_empty() || local.contains('@') {
        return bad("the part before @ is empty or holds another @");
    }
    // Refuse only what surely is not an address: `a@localhost` and `a@intranet` are valid.
    if domain.split('.').any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-')) {
        return bad("the domain after @ is empty or malformed");
    }
    Ok(())
}

/// `value` is an assigned ISO 3166-1 alpha-2 country code, upper case (`DK`, `SA`).
///
/// ```
/// use contacts_http::validate;
/// assert!(validate::country_alpha2("country_code", "DK").is_ok());
/// assert!(validate::country_alpha2("country_code", "dk").is_err());
/// assert!(validate::country_alpha2("country_code", "XX").is_err());
/// ```
pub fn country_alpha2(field: &str, value: &str) -> Result<()> {
    if value.len() == 2 && ISO_3166_ALPHA2.split(' ').any(|code| code == value) {
        return Ok(());
    }
    Err(Error::validation(field, format!("{value:?} is not an ISO 3166-1 alpha-2 code (like DK or SA)")))
}

/// [`text`] on each optional field that is set, each refusal naming its field: the first
/// refusal is returned.
///
/// ```
/// use contacts_http::validate::texts;
/// let (name, city) = (Some("Anna".to_owned()), Some("København".to_owned()));
/// assert!(texts(5, &[("name", &name)]).is_ok());
/// let err = texts(5, &[("name", &name), ("city", &city)]).unwrap_err();
/// assert_eq!(err.field(), Some("city"));
/// ```
///
/// # Errors
/// [`Error::Validation`] naming the first field that is empty or longer than `max` characters.
pub fn texts(max: usize, fields: &[(&str, &Option<String>)]) -> Result<()> {
    for (field, value) in fields {
        if let Some(v) = value {
            text(field, v, max)?;
        }
    }
    Ok(())
}

/// An international phone number in E.164 form: `+`, a country code that does not start with
/// 0, and at most 15 digits in all (at least 7), nothing else — no spaces, dashes or brackets.
/// For a provider whose document asks for "international format"; what a provider accepts
/// beyond that (a country, a length) is its own rule on top.
///
/// ```
/// use contacts_http::validate::e164;
/// assert!(e164("phone", "+4522123456").is_ok());
/// assert!(e164("phone", "+966500000000").is_ok());
/// for bad in ["4522123456", "+45 22 12 34 56", "+0522123456", "+123456", "+1234567890123456", "+45-22123456"] {
///     assert!(e164("phone", bad).is_err(), "{bad}");
/// }
/// assert_eq!(e164("phone", "+45 22").unwrap_err().field(), Some("phone"));
/// ```
///
/// # Errors
/// [`Error::Validation`] naming `field`, saying what an E.164 number looks like.
pub fn e164(field: &str, value: &str) -> Result<()> {
    let digits = value.strip_prefix('+').unwrap_or_default();
    let ok = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
        && (7..=15).contains(&digits.len());
    if ok {
        return Ok(());
    }
    Err(Error::validation(
        field,
        format!(
            "{:?} is not an international number in E.164 form (like +4522123456: a +, then 7 to 15 digits)",
            value
        ),
    ))
}

/// `value` lies in `min..=max`.
pub fn range<T: PartialOrd + std::fmt::Display>(field: &str, value: T, min: T, max: T) -> Result<()> {
    if value < min || value > max {
        return Err(Error::validation(field, format!("must be between {min} and {max} (got {value})")));
    }
    Ok(())
}

/// The 249 assigned ISO 3166-1 alpha-2 codes, sorted, separated by one space.
pub const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Refuses an option the provider has no place for (a search where it cannot search), rather
/// than silently ignoring it.
///
/// # Errors
/// [`Error::Validation`] naming the option when `present`.
pub fn refuse_option(provider: contacts_core::Provider, option: &str, present: bool) -> Result<()> {
    if present {
        return Err(Error::validation(option, format!("{provider} does not support it; leave it unset")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_list_is_sorted_and_unique() {
        let codes: Vec<&str> = ISO_3166_ALPHA2.split(' ').collect();
        assert_eq!(codes.len(), 249);
        assert!(codes.iter().all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())));
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let arabic = "م".repeat(255);
        assert_eq!(arabic.len(), 510);
        assert!(length("name", &arabic, 1, 255).is_ok());
        let err = length("name", &"م".repeat(256), 1, 255).unwrap_err();
        assert!(matches!(err, Error::Validation(_)) && err.field() == Some("name"));
        assert!(err.to_string().contains("got 256"));
    }

    #[test]
    fn email_shapes() {
        for ok in ["a@b.co", "first.last+tag@sub.example.sa"] {
            assert!(email("email", ok).is_ok(), "{ok}");
        }
        for bad in ["", "@b.co", "a@", "a@.co", "a@b..co", "a@@b.co", "a@-b.co", "a\n@b.co"] {
            assert!(email("email", bad).is_err(), "{bad:?}");
        }
    }
}
