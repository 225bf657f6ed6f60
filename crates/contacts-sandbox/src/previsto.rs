//! Previsto, from its contacts reference: Basic auth with the secret key, form bodies,
//! `{type, message, param}` errors, zero-based pages, `search`/`nearby`, `x-total-count`.

use base64::Engine;
use serde_json::{Map, Value, json};

use crate::credentials::{PREVISTO_PUBLIC_KEY, PREVISTO_SECRET_KEY};
use crate::http::{Request, Response, parse_pairs};
use crate::store::Store;

const ID_PREFIX: &str = "con_sbx";

pub(crate) struct State {
    store: Store<Map<String, Value>>,
    /// Whether lists carry `x-total-count` (Previsto's newer pagination page says they do; the
    /// contact document does not mention it).
    pub(crate) send_total: bool,
    /// A fault: how much lower than the truth `x-total-count` is.
    pub(crate) total_short_by: u64,
    /// A fault: pages served in a loop of this many (page `n` is page `n % loop`).
    pub(crate) page_loop: Option<u64>,
    /// The largest page served (1000, as the developer reference allows; a deviation holds to
    /// the older help page's 100, serving 100 whatever `size` asks).
    pub(crate) page_cap: usize,
}

fn seeded(seq: u64) -> Map<String, Value> {
    let mut c = blank(seq);
    c.insert("name".into(), json!(format!("Kunde {seq}")));
    c.insert("address".into(), json!(format!("Testvej {}", seq % 200 + 1)));
    c.insert("postalCode".into(), json!("8000"));
    c.insert("city".into(), json!("Aarhus"));
    c.insert("countryCode".into(), json!("DK"));
    c.insert("location".into(), json!([10.2 + (seq % 1000) as f64 / 10_000.0, 56.15]));
    c.insert("phone".into(), json!(format!("+4520{:06}", seq % 1_000_000)));
    c.insert("email".into(), json!(format!("kunde{seq}@example.dk")));
    c
}

/// A contact with every documented field, as the reference's example shows them.
fn blank(seq: u64) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("id".into(), json!(format!("{ID_PREFIX}{seq}")));
    let nullable =
        ["location", "number", "remoteId", "remoteOrderId", "accountingMode", "accountingTime", "invoiceDelivery"];
    for key in STRINGS.into_iter().chain(nullable) {
        c.insert(key.into(), Value::Null);
    }
    c.insert("notifyBeforeWork".into(), json!(false));
    c.insert("archived".into(), json!(false));
    c.insert("agentIds".into(), json!([]));
    c.insert("meta".into(), json!({}));
    c
}

impl State {
    pub fn new(seed: u64) -> State {
        State { store: Store::new(seed, seeded), send_total: true, total_short_by: 0, page_loop: None, page_cap: 1000 }
    }

    pub fn len(&self) -> u64 {
        self.store.len()
    }
}

fn error(status: u16, kind: &str, message: &str, param: Option<&str>) -> Response {
    let mut body = json!({"type": kind, "message": message});
    if let Some(p) = param {
        body["param"] = json!(p);
    }
    Response::json(status, &body)
}

fn invalid(message: &str, param: &str) -> Response {
    error(400, "invalid_request_error", message, Some(param))
}

enum Key {
    Secret,
    Public,
}

fn authenticate(request: &Request) -> Result<Key, Response> {
    let bad = || error(401, "InvalidRequestError", "Bad credentials", None);
    let encoded = request.header("authorization").and_then(|v| v.strip_prefix("Basic ")).ok_or_else(bad)?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    match decoded.split_once(':') {
        Some((PREVISTO_SECRET_KEY, "")) => Ok(Key::Secret),
        Some((PREVISTO_PUBLIC_KEY, "")) => Ok(Key::Public),
        _ => Err(bad()),
    }
}

pub(crate) fn handle(state: &mut State, request: &Request, path: &[&str]) -> Response {
    let key = match authenticate(request) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let method = request.method.as_str();
    if matches!(key, Key::Public) && !(method == "POST" && path == ["contacts"]) {
        return error(403, "InvalidRequestError", "A public key may only create contacts", None);
    }
    match (method, path) {
        ("POST", ["contacts"]) => create(state, request),
        ("GET", ["contacts"]) => list(state, request),
        ("GET", ["contacts", id]) => match find(state, id) {
            Some((_, c)) => Response::json(200, &Value::Object(c)),
            None => missing(id),
        },
        ("POST", ["contacts", id]) => update(state, request, id),
        ("DELETE", ["contacts", id]) => match find(state, id) {
            Some((seq, _)) => {
                state.store.remove(seq);
                Response::empty(200)
            }
            None => missing(id),
        },
        _ => error(404, "invalid_request_error", "Unrecognized request URL", None),
    }
}

fn missing(id: &str) -> Response {
    error(404, "invalid_request_error", &format!("No such contact: {id}"), Some("id"))
}

fn find(state: &State, id: &str) -> Option<(u64, Map<String, Value>)> {
    let seq: u64 = id.strip_prefix(ID_PREFIX)?.parse().ok()?;
    state.store.get(seq).map(|c| (seq, c))
}

/// The documented fields that hold text (null until set).
const STRINGS: [&str; 12] = [
    "name",
    "address",
    "appartment",
    "postalCode",
    "city",
    "countryCode",
    "phone",
    "email",
    "registrationNo",
    "ean",
    "payingContactId",
    "note",
];

/// Applies form fields to a contact, checking what the reference documents.
fn apply(contact: &mut Map<String, Value>, form: &[(String, String)]) -> Result<(), Response> {
    let mut location = Vec::new();
    let mut meta = contact.get("meta").and_then(Value::as_object).cloned().unwrap_or_default();
    for (key, value) in form {
        match key.as_str() {
            "location[]" => {
                location.push(value.parse::<f64>().map_err(|_| invalid("location must be numbers", "location"))?)
            }
            "number" => {
                let n: i64 = value.parse().map_err(|_| invalid("number must be an integer", "number"))?;
                contact.insert("number".into(), json!(n.to_string()));
            }
            "notifyBeforeWork" | "archived" => {
                let b = match value.as_str() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => return Err(invalid(&format!("{key} must be a boolean"), key)),
                };
                contact.insert(key.clone(), json!(b));
            }
            "countryCode" if !(value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase())) => {
                return Err(invalid("countryCode must be a 2-letter ISO 3166-1 code", "countryCode"));
            }
            "accountingMode" if !["None", "AddToDraft", "AddToInvoice"].contains(&value.as_str()) => {
                return Err(invalid("accountingMode must be None, AddToDraft or AddToInvoice", key));
            }
            "accountingTime" if !["BeforeWork", "AfterWork"].contains(&value.as_str()) => {
                return Err(invalid("accountingTime must be BeforeWork or AfterWork", key));
            }
            "invoiceDelivery" if !["None", "Email"].contains(&value.as_str()) => {
                return Err(invalid("invoiceDelivery must be None or Email", key));
            }
            "accountingMode" | "accountingTime" | "invoiceDelivery" => {
                contact.insert(key.clone(), json!(value));
            }
            k if k.starts_with("meta[") && k.ends_with(']') => {
                let name = &k[5..k.len() - 1];
                if name.is_empty() || name.chars().count() > 40 {
                    return Err(invalid("meta keys must be 1 to 40 characters", "meta"));
                }
                if value.chars().count() > 500 {
                    return Err(invalid("meta values must be at most 500 characters", "meta"));
                }
                meta.insert(name.to_owned(), json!(value));
            }
            // The document allows `null` to unlink a paying contact; a form sends it empty.
            "payingContactId" if value.is_empty() => {
                contact.insert("payingContactId".into(), Value::Null);
            }
            k if STRINGS.contains(&k) => {
                contact.insert(k.to_owned(), json!(value));
            }
            // The documents forbid no other parameter: it is accepted and ignored (an
            // Assumption in the sandbox README), as a server that knows more fields would.
            _ => {}
        }
    }
    if meta.len() > 20 {
        return Err(invalid("meta may hold at most 20 keys", "meta"));
    }
    contact.insert("meta".into(), Value::Object(meta));
    match location.as_slice() {
        // The table marks location required, but the document's own create example sends none
        // (Previsto can place a contact by its address): accept it, and store none.
        [] => {}
        [lon, lat] if (-180.0..=180.0).contains(lon) && (-90.0..=90.0).contains(lat) => {
            contact.insert("location".into(), json!([lon, lat]));
        }
        _ => return Err(invalid("location must be [longitude, latitude]", "location")),
    }
    if contact.get("name").and_then(Value::as_str).is_none_or(|n| n.trim().is_empty()) {
        return Err(invalid("name is required", "name"));
    }
    if let Some(phone) = contact.get("phone").and_then(Value::as_str)
        && !(phone.starts_with('+') && phone.len() > 7 && phone[1..].bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(invalid("phone must be a full international number", "phone"));
    }
    if let Some(email) = contact.get("email").and_then(Value::as_str)
        && !email.contains('@')
    {
        return Err(invalid("email is not valid", "email"));
    }
    Ok(())
}

fn form(request: &Request) -> Vec<(String, String)> {
    parse_pairs(&String::from_utf8_lossy(&request.body))
}

fn create(state: &mut State, request: &Request) -> Response {
    let mut contact = blank(0);
    if let Err(r) = apply(&mut contact, &form(request)) {
        return r;
    }
    let (_, contact) = state.store.insert_with(|seq| {
        contact.insert("id".into(), json!(format!("{ID_PREFIX}{seq}")));
        contact
    });
    Response::json(200, &Value::Object(contact))
}

fn update(state: &mut State, request: &Request, id: &str) -> Response {
    let Some((seq, mut contact)) = find(state, id) else { return missing(id) };
    if let Err(r) = apply(&mut contact, &form(request)) {
        return r;
    }
    state.store.put(seq, contact.clone());
    Response::json(200, &Value::Object(contact))
}

fn list(state: &State, request: &Request) -> Response {
    let (mut size, mut page, mut search, mut nearby) = (20usize, 0u64, None, None);
    // Previsto's API introduction: every list filters by equality on any property
    // (`?city=Kundeby`, `?meta[hairColor]=Brown`) and sorts (`?sort=name,desc`).
    let mut equals: Vec<(String, String)> = Vec::new();
    let mut sort: Option<(String, bool)> = None;
    for (k, v) in request.query_pairs() {
        match k.as_str() {
            "sort" => {
                let (field, order) = v.split_once(',').unwrap_or((v.as_str(), "asc"));
                match order {
                    "asc" => sort = Some((field.to_owned(), false)),
                    "desc" => sort = Some((field.to_owned(), true)),
                    _ => return invalid("sort must be property,asc or property,desc", "sort"),
                }
            }
            "size" => match v.parse::<usize>() {
                // "As high as 1000" (developer.previsto.com): a larger size is served as 1000,
                // as a server that caps its pages does (the total tells the client there is more).
                Ok(n) if n >= 1 => size = n.min(1000),
                _ => return invalid("size must be between 1 and 1000", "size"),
            },
            "page" => match v.parse() {
                Ok(n) => page = n,
                Err(_) => return invalid("page must be a non-negative integer", "page"),
            },
            "search" => search = Some(v.to_lowercase()),
            "nearby" => {
                let point: Option<(f64, f64)> =
                    v.split_once(',').and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)));
                match point {
                    Some(p) => nearby = Some(p),
                    None => return invalid("nearby must be longitude,latitude", "nearby"),
                }
            }
            _ => equals.push((k, v)),
        }
    }
    if search.is_some() && nearby.is_some() {
        return invalid("search cannot be used in combination with nearby", "nearby");
    }
    let size = size.min(state.page_cap);
    let page: u64 = match state.page_loop {
        Some(n) => page % n,
        None => page,
    };
    let offset = page.saturating_mul(size as u64);
    let (items, total): (Vec<Value>, u64) = match (search, nearby) {
        (None, None) if !equals.is_empty() || sort.is_some() => {
            let mut hits: Vec<Map<String, Value>> = state
                .store
                .iter()
                .map(|(_, c)| c)
                .filter(|c| equals.iter().all(|(k, v)| property(c, k).is_some_and(|p| p == *v)))
                .collect();
            if let Some((field, desc)) = &sort {
                hits.sort_by(|a, b| {
                    let order = property(a, field).unwrap_or_default().cmp(&property(b, field).unwrap_or_default());
                    if *desc { order.reverse() } else { order }
                });
            }
            let total = hits.len() as u64;
            (hits.into_iter().skip(offset as usize).take(size).map(Value::Object).collect(), total)
        }
        (None, None) => {
            let items = state.store.page(offset, size).into_iter().map(|(_, c)| Value::Object(c)).collect();
            (items, state.store.len())
        }
        (Some(text), _) => {
            let hits: Vec<_> = state
                .store
                .iter()
                .filter(|(_, c)| {
                    ["name", "email", "phone", "address", "city"]
                        .iter()
                        .any(|k| c.get(*k).and_then(Value::as_str).is_some_and(|s| s.to_lowercase().contains(&text)))
                })
                .map(|(_, c)| Value::Object(c))
                .collect();
            let total = hits.len() as u64;
            (hits.into_iter().skip(offset as usize).take(size).collect(), total)
        }
        (None, Some((lon, lat))) => {
            let mut all: Vec<(f64, Map<String, Value>)> = state
                .store
                .iter()
                .map(|(_, c)| {
                    let d = c
                        .get("location")
                        .and_then(Value::as_array)
                        .and_then(|l| Some((l.first()?.as_f64()? - lon).powi(2) + (l.get(1)?.as_f64()? - lat).powi(2)))
                        .unwrap_or(f64::INFINITY);
                    (d, c)
                })
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0));
            let total = all.len() as u64;
            (all.into_iter().skip(offset as usize).take(size).map(|(_, c)| Value::Object(c)).collect(), total)
        }
    };
    let response = Response::json(200, &Value::Array(items));
    let total = total.saturating_sub(state.total_short_by);
    if state.send_total { response.with_header("x-total-count", total.to_string()) } else { response }
}

/// A contact's property as a list filter compares it: strings as they are, numbers and
/// booleans as written in a query, `meta[key]` from the meta values; `None` when unset.
fn property(contact: &Map<String, Value>, name: &str) -> Option<String> {
    let value = match name.strip_prefix("meta[").and_then(|k| k.strip_suffix(']')) {
        Some(key) => contact.get("meta")?.get(key)?,
        None => contact.get(name)?,
    };
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
