//! TheCleanLife partners API, from its reference: `x-api-key`, `{success, data}` and
//! `{success: false, error: {code, message, details, requestId}}` envelopes, find-or-create by
//! normalised phone, and `X-Request-Id` echoed.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::credentials::{CLEANLIFE_API_KEY, CLEANLIFE_API_KEY_WITHOUT_CONTACTS};
use crate::http::{Request, Response};
use crate::store::Store;

#[derive(Clone)]
pub(crate) struct Contact {
    name: String,
    phone: String,
}

pub(crate) struct State {
    store: Store<Contact>,
    by_phone: HashMap<String, u64>,
    seeded: u64,
    requests: u64,
    /// Whether answers echo the caller's `x-request-id` as `X-Request-Id` (the document says
    /// they do; a deviation turns it off).
    pub(crate) echo_request_id: bool,
}

fn uuid_of(seq: u64) -> String {
    format!("00000000-0000-4000-a000-{seq:012x}")
}

fn seq_of(uuid: &str) -> Option<u64> {
    u64::from_str_radix(uuid.strip_prefix("00000000-0000-4000-a000-")?, 16).ok()
}

/// Seeded contact `n` has the phone `+9665` and `n` in eight digits.
fn seeded(seq: u64) -> Contact {
    Contact { name: format!("Customer {seq}"), phone: seeded_phone(seq) }
}

fn seeded_phone(seq: u64) -> String {
    format!("+9665{seq:08}")
}

impl State {
    pub fn new(seed: u64) -> State {
        State {
            store: Store::new(seed, seeded),
            by_phone: HashMap::new(),
            seeded: seed,
            requests: 0,
            echo_request_id: true,
        }
    }

    pub fn len(&self) -> u64 {
        self.store.len()
    }

    fn find_phone(&self, phone: &str) -> Option<u64> {
        if let Some(seq) = self.by_phone.get(phone) {
            return Some(*seq);
        }
        let n: u64 = phone.strip_prefix("+9665")?.parse().ok()?;
        (n < self.seeded && seeded_phone(n) == phone && self.store.get(n).is_some()).then_some(n)
    }
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(crate) fn handle(state: &mut State, request: &Request, path: &[&str]) -> Response {
    state.requests += 1;
    let request_id = request.header("x-request-id").map_or_else(|| format!("sbx-{}", state.requests), str::to_owned);
    let echo = state.echo_request_id;
    let respond = |status: u16, body: Value| {
        let response = Response::json(status, &body);
        if echo { response.with_header("X-Request-Id", request_id.clone()) } else { response }
    };
    let error = |status: u16, code: &str, message: &str, details: Value| {
        let mut e = json!({"code": code, "message": message, "requestId": request_id});
        if !details.is_null() {
            e["details"] = details;
        }
        respond(status, json!({"success": false, "error": e}))
    };
    // The header is the documented way; the query form works too (and is discouraged).
    let query_key = request.query_pairs().into_iter().find(|(k, _)| k == "api_key").map(|(_, v)| v);
    let key = request.header("x-api-key").map(str::to_owned).or(query_key);
    match key.as_deref() {
        Some(CLEANLIFE_API_KEY) => {}
        Some(CLEANLIFE_API_KEY_WITHOUT_CONTACTS) => {
            return error(403, "FORBIDDEN", "Missing partner_contacts_read permission", Value::Null);
        }
        _ => return error(401, "UNAUTHORIZED", "Invalid or missing API key", Value::Null),
    }
    let nest = |messages: Vec<String>| json!({"message": messages, "statusCode": 400, "error": "Bad Request"});
    match (request.method.as_str(), path) {
        ("POST", ["v1", "partners", "contacts"]) => {
            if !request.header("content-type").is_some_and(|c| c.starts_with("application/json")) {
                return error(400, "VALIDATION_ERROR", "Content-Type must be application/json", Value::Null);
            }
            let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            let mut problems = Vec::new();
            let phone = body.get("phone").and_then(Value::as_str).unwrap_or_default();
            // International format, no spaces; the national part 8 to 10 digits (mobiles and
            // landlines 9, unified 9200… 9, toll-free 800… 10), as the client checks.
            let national = phone.strip_prefix("+966").unwrap_or_default();
            let valid_phone = (8..=10).contains(&national.len())
                && !national.starts_with('0')
                && national.bytes().all(|b| b.is_ascii_digit());
            if !valid_phone {
                problems.push("phone must be a Saudi phone number in international format (+966XXXXXXXXX)".to_owned());
            }
            let name = body.get("name").and_then(Value::as_str).unwrap_or_default().trim().to_owned();
            if name.is_empty() {
                problems.push("name should not be empty".to_owned());
            }
            let utm = body.get("utmSource");
            if utm.is_some_and(|u| !u.is_string()) {
                problems.push("utmSource must be a string".to_owned());
            }
            if !problems.is_empty() {
                return error(400, "VALIDATION_ERROR", "Validation failed", nest(problems));
            }
            let (seq, contact, new) = match state.find_phone(phone) {
                Some(seq) => match state.store.get(seq) {
                    Some(c) => (seq, c, false),
                    None => return error(500, "INTERNAL_ERROR", "inconsistent sandbox state", Value::Null),
                },
                None => {
                    // utmSource (default PARTNER) is checked but not echoed: the answer has no such field.
                    let contact = Contact { name, phone: phone.to_owned() };
                    let (seq, c) = state.store.insert_with(|_| contact);
                    state.by_phone.insert(c.phone.clone(), seq);
                    (seq, c, true)
                }
            };
            respond(
                200,
                json!({"success": true, "data": {"id": uuid_of(seq), "name": contact.name, "phone": contact.phone, "isNewContact": new}}),
            )
        }
        ("GET", ["v1", "partners", "contacts", id]) => {
            if !is_uuid(id) {
                return error(
                    400,
                    "VALIDATION_ERROR",
                    "Validation failed",
                    nest(vec!["contactId must be a UUID".into()]),
                );
            }
            match seq_of(id).and_then(|s| state.store.get(s)) {
                Some(c) => respond(
                    200,
                    json!({"success": true, "data": {"id": id, "name": c.name, "phone": c.phone, "isNewContact": false}}),
                ),
                None => error(404, "RESOURCE_NOT_FOUND", "Contact not found", Value::Null),
            }
        }
        _ => error(404, "RESOURCE_NOT_FOUND", "Route not found", Value::Null),
    }
}
