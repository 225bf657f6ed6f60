//! Decoding answers: JSON with the path of any mismatch, and the fallback error.

use contacts_core::{Error, HttpResponse, Result};
use serde::de::DeserializeOwned;

/// Longest part of a response body kept in an error, in bytes (cut on a character boundary).
pub const BODY_SNIPPET_LIMIT: usize = 2048;

/// Cuts `bytes` to at most [`BODY_SNIPPET_LIMIT`] bytes of (lossy) UTF-8, on a character boundary.
pub fn snippet(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(BODY_SNIPPET_LIMIT)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if bytes.len() > BODY_SNIPPET_LIMIT {
        // A multi-byte character cut in half became U+FFFD: drop it.
        if s.ends_with('\u{FFFD}') {
            s.pop();
        }
        s.push('…');
    }
    s
}

/// Decodes `body` as JSON into `T`, reporting the JSON path of any mismatch.
///
/// # Errors
/// [`Error::Decode`] with the path, the reason and a snippet of the body.
pub fn decode_json<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T> {
    // The fast path is plain serde_json; only a failure pays for tracking the JSON path.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let fail = |message: String| Error::decode(Some(status), message).with_body(snippet(body));
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| fail(path_message(&e)))?;
    de.end().map_err(|e| fail(e.to_string()))?;
    Ok(value)
}

fn path_message<E: std::fmt::Display>(e: &serde_path_to_error::Error<E>) -> String {
    let path = e.path().to_string();
    if path == "." { e.inner().to_string() } else { format!("at {path}: {}", e.inner()) }
}

/// Decodes an already-parsed JSON value into `T`, reporting the JSON path of any mismatch.
///
/// # Errors
/// [`Error::Decode`] with the path and the reason.
pub fn decode_value<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T> {
    if let Ok(v) = T::deserialize(value) {
        return Ok(v);
    }
    serde_path_to_error::deserialize(value)
        .map_err(|e| Error::decode(None, path_message(&e)).with_body(snippet(value.to_string().as_bytes())))
}

/// The error for a non-2xx answer that is not in the provider's own error shape: always
/// [`Error::Api`], with the body kept. A 404 here is *not* [`Error::NotFound`]: it came from
/// something that did not answer as the provider's API does (a wrong base URL, a proxy's page,
/// an unknown route), and a job must not read it as "the contact does not exist".
pub fn default_error(response: &HttpResponse) -> Error {
    let message = match response.status {
        404 => {
            "404 in a shape that is not the provider's API (a wrong base URL, a proxy, or an unknown route?)".to_owned()
        }
        status => format!("http status {status}"),
    };
    Error::api(response.status, message).with_body(snippet(&response.body))
}

std::thread_local! {
    /// The most items a [`Limited`] list may hold while [`decode_limited`] runs on this thread.
    static ITEM_LIMIT: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// A JSON list that holds at most the limit [`decode_limited`] sets: decoding stops with an
/// error at the first item past it, so a hostile or huge page never becomes more than `limit`
/// decoded items in memory (the body itself is bounded by the response cap).
#[derive(Debug, Clone, PartialEq)]
pub struct Limited<T>(pub Vec<T>);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Limited<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Items<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Items<T> {
            type Value = Limited<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Self::Value, A::Error> {
                let limit = ITEM_LIMIT.with(std::cell::Cell::get);
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(limit).min(1024));
                while let Some(item) = seq.next_element()? {
                    if items.len() == limit {
                        return Err(serde::de::Error::custom(format!(
                            "the page holds more than the {limit} items asked for"
                        )));
                    }
                    items.push(item);
                }
                Ok(Limited(items))
            }
        }
        d.deserialize_seq(Items(std::marker::PhantomData))
    }
}

/// Decodes `body` as JSON into `T`, in which every [`Limited`] list may hold at most `limit`
/// items.
///
/// # Errors
/// [`Error::Decode`] for a body that does not fit, or a list longer than `limit`.
pub fn decode_limited<T: DeserializeOwned>(status: u16, body: &[u8], limit: usize) -> Result<T> {
    let previous = ITEM_LIMIT.with(|l| l.replace(limit));
    let decoded = decode_json(status, body);
    ITEM_LIMIT.with(|l| l.set(previous));
    decoded
}

/// One item of a list as the provider sent it: its JSON text, decoded only when it is used.
/// A page of them holds the page's text once, where a page of [`serde_json::Value`]s holds
/// three to four times as much: what a provider's unified list pages through.
#[derive(Debug, Clone)]
pub struct RawItem(Box<serde_json::value::RawValue>);

impl PartialEq for RawItem {
    fn eq(&self, other: &RawItem) -> bool {
        self.0.get() == other.0.get()
    }
}

impl<'de> serde::Deserialize<'de> for RawItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Box::<serde_json::value::RawValue>::deserialize(d).map(RawItem)
    }
}

impl RawItem {
    /// The item's JSON text, as sent.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The item as a JSON value.
    ///
    /// # Errors
    /// [`Error::Decode`] (the text came from a JSON answer, so only a value nested past
    /// serde_json's depth limit fails).
    pub fn value(&self) -> Result<serde_json::Value> {
        decode_json(200, self.0.get().as_bytes())
    }
}
