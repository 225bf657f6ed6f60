//! Percent-encoding for path segments, query strings and form bodies.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Like [`UNRESERVED`] but keeps the brackets of `meta[key]` and `customer_id[]` readable.
const KEY: &AsciiSet = &UNRESERVED.remove(b'[').remove(b']');

/// Encodes one path segment so that nothing in it can change the path: `/`, `?`, `#`, `%`,
/// spaces and non-ASCII are escaped, and the dot segments `.` and `..` are escaped whole.
///
/// ```
/// use contacts_http::encode_path_segment;
/// assert_eq!(encode_path_segment("a/b?c#d"), "a%2Fb%3Fc%23d");
/// assert_eq!(encode_path_segment(".."), "%2E%2E");
/// assert_eq!(encode_path_segment("con_123"), "con_123");
/// ```
pub fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    push_path_segment(&mut out, segment);
    out
}

/// Appends `segment` to `out` as [`encode_path_segment`] encodes it (no temporary string).
pub(crate) fn push_path_segment(out: &mut String, segment: &str) {
    if segment == "." || segment == ".." {
        out.push_str(&segment.replace('.', "%2E"));
    } else {
        out.extend(utf8_percent_encode(segment, UNRESERVED));
    }
}

/// Appends `key=value` to a query string or form body, `&`-separated, both percent-encoded
/// (`[` and `]` kept as they are in keys).
pub(crate) fn push_pair(out: &mut String, key: &str, value: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    out.extend(utf8_percent_encode(key, KEY));
    out.push('=');
    out.extend(utf8_percent_encode(value, UNRESERVED));
}

/// An `application/x-www-form-urlencoded` body, fields in the order they are added.
///
/// Repeated and nested keys are written as given: `location[]` twice, `meta[hairColor]`.
///
/// ```
/// use contacts_http::Form;
/// let mut form = Form::new();
/// form.field("name", "Anna Jensen").field("meta[hairColor]", "Brown").field("phone", "+4522123456");
/// assert_eq!(form.as_str(), "name=Anna%20Jensen&meta[hairColor]=Brown&phone=%2B4522123456");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    encoded: String,
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Form::default()
    }

    /// Adds one field.
    pub fn field(&mut self, key: &str, value: &str) -> &mut Self {
        push_pair(&mut self.encoded, key, value);
        self
    }

    /// Adds the field when there is a value.
    pub fn field_opt(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.field(key, v);
        }
        self
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.encoded.is_empty()
    }

    /// The encoded body.
    pub fn as_str(&self) -> &str {
        &self.encoded
    }

    /// The encoded body, as text.
    pub fn into_string(self) -> String {
        self.encoded
    }

    /// The encoded body, as bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.encoded.into_bytes()
    }
}
