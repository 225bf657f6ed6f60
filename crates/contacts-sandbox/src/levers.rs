//! Levers api-service v1, from its reference: bearer JWTs (and the client-credentials
//! exchange beside the API), JSON bodies, FastAPI-style `{"detail": …}` errors (422 with
//! `loc`/`msg`/`type`), and a fastapi-pagination list.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use crate::credentials::{LEVERS_CLIENT_ID, LEVERS_CLIENT_SECRET, LEVERS_TOKEN};
use crate::http::{Request, Response};
use crate::store::Store;

pub(crate) struct State {
    store: Store<Map<String, Value>>,
    tokens: HashSet<String>,
    issued: u64,
    /// A deviation: lists answer a bare array, not the fastapi-pagination envelope.
    pub(crate) bare_list: bool,
}

/// Sandbox contact uuids carry their sequence number in the last group.
fn uuid_of(seq: u64) -> String {
    format!("00000000-0000-4000-8000-{seq:012x}")
}

fn seq_of(uuid: &str) -> Option<u64> {
    u64::from_str_radix(uuid.strip_prefix("00000000-0000-4000-8000-")?, 16).ok()
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn seeded(seq: u64) -> Map<String, Value> {
    let mut c = response_defaults(seq);
    c.insert("name".into(), json!(format!("Customer {seq}")));
    c.insert("nameAr".into(), json!(format!("عميل {seq}")));
    c.insert("city".into(), json!("Riyadh"));
    c.insert("cityAr".into(), json!("الرياض"));
    c.insert("phoneNumber".into(), json!(format!("+9665{:08}", seq % 100_000_000)));
    c.insert("email".into(), json!(format!("customer{seq}@example.sa")));
    c
}

/// The computed fields a response carries besides what was sent.
fn response_defaults(seq: u64) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("uuid".into(), json!(uuid_of(seq)));
    c.insert("totalAmount".into(), json!(0));
    c.insert("totalPaid".into(), json!(0));
    c.insert("outstandingAmount".into(), json!(0));
    c.insert("totalInvoices".into(), json!(0));
    c.insert("countUnpaidInvoices".into(), json!(0));
    c.insert("risk".into(), json!("LOW"));
    c.insert("role".into(), json!("PRIMARY"));
    c.insert("remindersEnabled".into(), json!(true));
    c.insert("secondaryContacts".into(), json!([]));
    c.insert("paymentInstructions".into(), Value::Null);
    c.insert("workflow".into(), Value::Null);
    c.insert("customFields".into(), json!([]));
    c.insert("promiseToPayDate".into(), Value::Null);
    c.insert("promiseToPaySwitchWorkflowUuid".into(), Value::Null);
    c.insert("reminderStatus".into(), Value::Null);
    c.insert("reminderLabel".into(), Value::Null);
    c
}

impl State {
    pub fn new(seed: u64) -> State {
        State { store: Store::new(seed, seeded), tokens: HashSet::new(), issued: 0, bare_list: false }
    }

    pub fn len(&self) -> u64 {
        self.store.len()
    }

    pub fn expire_tokens(&mut self) {
        self.tokens.clear();
    }
}

fn detail(status: u16, message: &str) -> Response {
    Response::json(status, &json!({"detail": message}))
}

fn unprocessable(loc: &[&str], msg: &str, kind: &str) -> Response {
    Response::json(422, &json!({"detail": [{"loc": loc, "msg": msg, "type": kind}]}))
}

pub(crate) fn handle(state: &mut State, request: &Request, path: &[&str]) -> Response {
    if path == ["auth", "v1", "api-key", "auth"] && request.method == "POST" {
        return exchange(state, request);
    }
    let Some(["api-service", "v1", rest @ ..]) = Some(path) else {
        return detail(404, "Not Found");
    };
    let token = request.header("authorization").and_then(|v| v.strip_prefix("Bearer "));
    match token {
        Some(t) if t == LEVERS_TOKEN || state.tokens.contains(t) => {}
        _ => return detail(401, "Not authenticated"),
    }
    match (request.method.as_str(), rest) {
        ("POST", ["contact"]) => create(state, request),
        ("PUT", ["contact"]) => update(state, request),
        ("GET", ["contact"]) => list(state, request),
        ("GET", ["contact", id]) => {
            if !is_uuid(id) {
                return unprocessable(&["path", "uuid"], "value is not a valid uuid", "type_error.uuid");
            }
            match seq_of(id).and_then(|s| state.store.get(s)) {
                Some(c) => Response::json(200, &details(c)),
                None => detail(404, "Contact not found"),
            }
        }
        _ => detail(404, "Not Found"),
    }
}

/// The details answer follows the reference's "Get Contact Details" example: fields the
/// create/update answers do not carry, and no top-level `uuid` (the id is the path's).
fn details(mut c: Map<String, Value>) -> Value {
    c.remove("uuid");
    c.insert("averageDelay".into(), json!(0));
    c.insert("lastContacted".into(), Value::Null);
    Value::Object(c)
}

fn exchange(state: &mut State, request: &Request) -> Response {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let (id, secret) = (body.get("clientId").and_then(Value::as_str), body.get("clientSecret").and_then(Value::as_str));
    if id != Some(LEVERS_CLIENT_ID) || secret != Some(LEVERS_CLIENT_SECRET) {
        return detail(401, "Invalid client credentials");
    }
    state.issued += 1;
    let token = format!("eyJhbGciOiJIUzI1NiJ9.sandbox.{}", state.issued);
    state.tokens.insert(token.clone());
    Response::json(200, &json!({"access_token": token}))
}

const STRINGS: [&str; 28] = [
    "name",
    "nameAr",
    "firstName",
    "firstNameAr",
    "lastName",
    "lastNameAr",
    "phoneNumber",
    "vatNumber",
    "email",
    "building",
    "buildingAr",
    "street",
    "streetAr",
    "district",
    "districtAr",
    "city",
    "cityAr",
    "country",
    "countryAr",
    "postalCode",
    "additionalNumber",
    "otherId",
    "bankName",
    "bankContactName",
    "iban",
    "accountNumber",
    "extPlatformId",
    "extCompanyId",
];
/// Strings the reference lists without a length bound.
const UNBOUNDED: [&str; 2] = ["extPlatformId", "extCompanyId"];
const BOOLS: [&str; 4] = ["sendEmailNotif", "sendSmsNotif", "remindersEnabled", "hasErrors"];
const ENUMS: [(&str, &[&str]); 5] = [
    ("emailTone", &["FRIENDLY", "NEUTRAL", "REALESTATE"]),
    ("sendEmailNotifLang", &["ENGLISH", "ARABIC", "ENGLISH_ARABIC"]),
    ("sendSmsNotifLang", &["ENGLISH", "ARABIC"]),
    ("role", &["PRIMARY", "SECONDARY"]),
    ("gender", &["male", "female"]),
];

/// Checks one contact object (top level or secondary) the way the reference's schema does.
fn check(obj: &Map<String, Value>, loc: &[String]) -> Result<(), Response> {
    let at = |field: &str| -> Vec<String> { loc.iter().cloned().chain([field.to_owned()]).collect() };
    let fail = |field: &str, msg: &str, kind: &str| {
        let l = at(field);
        Response::json(422, &json!({"detail": [{"loc": l, "msg": msg, "type": kind}]}))
    };
    for key in STRINGS {
        match obj.get(key) {
            None => {}
            Some(Value::String(s)) => {
                let n = s.chars().count();
                // The external ids have no documented bound, lower or upper.
                if n < 1 && !UNBOUNDED.contains(&key) {
                    return Err(fail(
                        key,
                        "ensure this value has at least 1 characters",
                        "value_error.any_str.min_length",
                    ));
                }
                // The reference bounds every string 1..=255 except the external ids, whose
                // length it does not give: the sandbox invents no bound for them.
                if n > 255 && !UNBOUNDED.contains(&key) {
                    return Err(fail(
                        key,
                        "ensure this value has at most 255 characters",
                        "value_error.any_str.max_length",
                    ));
                }
            }
            Some(_) => return Err(fail(key, "str type expected", "type_error.str")),
        }
    }
    if let Some(Value::String(e)) = obj.get("email") {
        // `string<email>` without more: refuse only what surely is not an address
        // (`a@localhost` is one).
        let ok = e.rsplit_once('@').is_some_and(|(l, d)| {
            !l.is_empty()
                && !d.is_empty()
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !e.contains(char::is_whitespace)
        });
        if !ok {
            return Err(fail("email", "value is not a valid email address", "value_error.email"));
        }
    }
    for key in BOOLS {
        if obj.get(key).is_some_and(|v| !v.is_boolean()) {
            return Err(fail(key, "value could not be parsed to a boolean", "type_error.bool"));
        }
    }
    for (key, allowed) in ENUMS {
        if let Some(v) = obj.get(key)
            && !v.as_str().is_some_and(|s| allowed.contains(&s))
        {
            return Err(fail(
                key,
                &format!("value is not a valid enumeration member; permitted: {}", allowed.join(", ")),
                "type_error.enum",
            ));
        }
    }
    for key in ["paymentInstructions", "workflowUuid", "uuid"] {
        if let Some(v) = obj.get(key)
            && !v.as_str().is_some_and(is_uuid)
        {
            return Err(fail(key, "value is not a valid uuid", "type_error.uuid"));
        }
    }
    if obj.get("errorDetail").is_some_and(|v| !v.is_object()) {
        return Err(fail("errorDetail", "value is not a valid dict", "type_error.dict"));
    }
    if obj.get("customFields").is_some_and(|v| !v.is_array()) {
        return Err(fail("customFields", "value is not a valid list", "type_error.list"));
    }
    Ok(())
}

fn body(request: &Request) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(unprocessable(&["body"], "value is not a valid dict", "type_error.dict")),
    }
}

/// Checks the whole body, secondary contacts included.
fn check_body(body: &Map<String, Value>) -> Result<(), Response> {
    check(body, &["body".to_owned()])?;
    match body.get("secondaryContacts") {
        None => Ok(()),
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let loc = ["body".to_owned(), "secondaryContacts".to_owned(), i.to_string()];
                match item.as_object() {
                    Some(o) => check(o, &loc)?,
                    None => {
                        return Err(unprocessable(
                            &["body", "secondaryContacts"],
                            "value is not a valid dict",
                            "type_error.dict",
                        ));
                    }
                }
            }
            Ok(())
        }
        Some(_) => Err(unprocessable(&["body", "secondaryContacts"], "value is not a valid list", "type_error.list")),
    }
}

/// Request fields become response fields: uuids in, objects out.
fn merge(contact: &mut Map<String, Value>, body: Map<String, Value>) {
    for (key, value) in body {
        match key.as_str() {
            // Not echoed: the response schema lists no `gender` (it is accepted, from the
            // reference's prose table, and kept out of the answer).
            "uuid" | "gender" => {}
            "secondaryContacts" => {
                let short: Vec<Value> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, sc)| {
                        let uuid = sc.get("uuid").cloned().unwrap_or_else(|| json!(format!("00000000-0000-4000-9000-{i:012x}")));
                        json!({"uuid": uuid, "name": sc.get("name"), "firstName": sc.get("firstName"),
                               "lastName": sc.get("lastName"), "phoneNumber": sc.get("phoneNumber"), "email": sc.get("email")})
                    })
                    .collect();
                contact.insert(key, Value::Array(short));
            }
            "paymentInstructions" => {
                contact.insert(
                    key,
                    json!({"uuid": value, "bankName": "Sandbox Bank", "iban": "SA0380000000608010167519",
                           "bankAddress": "Riyadh", "accountNumber": "608010167519",
                           "bankCompanyName": "Sandbox Co", "bankCompanyAddress": "Riyadh"}),
                );
            }
            "workflowUuid" => {
                contact.insert("workflow".into(), json!({"uuid": value, "name": "Sandbox workflow"}));
            }
            _ => {
                contact.insert(key, value);
            }
        }
    }
}

fn create(state: &mut State, request: &Request) -> Response {
    let body = match body(request) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if !body.contains_key("name") {
        return unprocessable(&["body", "name"], "field required", "value_error.missing");
    }
    if let Err(r) = check_body(&body) {
        return r;
    }
    let (_, contact) = state.store.insert_with(|seq| {
        let mut c = response_defaults(seq);
        merge(&mut c, body);
        c
    });
    Response::json(200, &Value::Object(contact))
}

fn update(state: &mut State, request: &Request) -> Response {
    let mut body = match body(request) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(uuid) = body.get("uuid").and_then(Value::as_str).map(str::to_owned) else {
        return unprocessable(&["body", "uuid"], "field required", "value_error.missing");
    };
    // The update's body lists no `role`, but the reference does not say what Levers does with
    // one: the sandbox is lenient where the document is silent, and ignores it.
    body.remove("role");
    if let Err(r) = check_body(&body) {
        return r;
    }
    let Some((seq, mut contact)) = seq_of(&uuid).and_then(|s| state.store.get(s).map(|c| (s, c))) else {
        return detail(404, "Contact not found");
    };
    merge(&mut contact, body);
    state.store.put(seq, contact.clone());
    Response::json(200, &Value::Object(contact))
}

fn list(state: &State, request: &Request) -> Response {
    let (mut page, mut size) = (1u64, 50usize);
    for (k, v) in request.query_pairs() {
        match k.as_str() {
            "page" => match v.parse::<u64>() {
                Ok(n) if n >= 1 => page = n,
                _ => {
                    return unprocessable(
                        &["query", "page"],
                        "ensure this value is greater than or equal to 1",
                        "value_error.number.not_ge",
                    );
                }
            },
            "size" => match v.parse::<usize>() {
                Ok(n) if (1..=100).contains(&n) => size = n,
                _ => {
                    return unprocessable(
                        &["query", "size"],
                        "ensure this value is less than or equal to 100",
                        "value_error.number.not_le",
                    );
                }
            },
            _ => {}
        }
    }
    let total = state.store.len();
    let items: Vec<Value> = state
        .store
        .page((page - 1).saturating_mul(size as u64), size)
        .into_iter()
        .map(|(_, c)| Value::Object(c))
        .collect();
    if state.bare_list {
        return Response::json(200, &Value::Array(items));
    }
    let pages = total.div_ceil(size as u64);
    Response::json(200, &json!({"items": items, "total": total, "page": page, "size": size, "pages": pages}))
}
