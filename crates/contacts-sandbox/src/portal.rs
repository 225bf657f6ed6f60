//! The customer portal, from its contacts page: every answer HTTP 200 with `result`; create
//! returns the id; delete answers `"result": false` also on success; numbers and booleans
//! come back as strings.

use serde_json::{Map, Value, json};

use crate::credentials::PORTAL_AUTHORIZATION;
use crate::http::{Request, Response, parse_pairs};
use crate::store::Store;

pub(crate) struct State {
    store: Store<Map<String, Value>>,
    /// The one query form a list's customer ids are read in.
    pub(crate) list_form: crate::PortalListForm,
}

const MSG_NOT_FOUND: &str = "Entity not found.";

fn blank(seq: u64) -> Map<String, Value> {
    let mut c = Map::new();
    for key in [
        "email",
        "tel",
        "tel1",
        "fax",
        "mobile",
        "role",
        "department",
        "email2",
        "email3",
        "customer_account",
        "portal_profile",
        "cost_center_name",
        "customer_custom_identifier",
        "portal_fullname",
        "portal_branch_id",
        "vendor_account",
        "vendor_id",
        "vendor_name",
        "customer_portal_profile_name",
    ] {
        c.insert(key.into(), json!(""));
    }
    c.insert("id".into(), json!((seq + 1).to_string()));
    c.insert("name".into(), json!(""));
    c.insert("milestone".into(), json!("0"));
    c.insert("cost_center_id".into(), json!("0"));
    c.insert("customer_portal_profile_id".into(), json!("0"));
    c.insert("customer_id".into(), json!(1));
    c.insert("customer_name".into(), json!("Sandbox Customer 1"));
    c.insert("vendor_type".into(), json!(1));
    c.insert("created_at".into(), json!("2024-01-01 00:00:00"));
    c.insert("updated_at".into(), json!("2024-01-01 00:00:00"));
    c.insert("is_active".into(), json!("1"));
    c.insert("portal_active".into(), json!("0"));
    c.insert("locale".into(), json!("en_US"));
    c
}

/// Seeded contacts belong to customers 1, 2 and 3 in turn ([`crate::PORTAL_SEEDED_CUSTOMERS`]).
fn seeded(seq: u64) -> Map<String, Value> {
    let mut c = blank(seq);
    let customers = crate::PORTAL_SEEDED_CUSTOMERS;
    let customer = customers[(seq % customers.len() as u64) as usize];
    c.insert("name".into(), json!(format!("Contact {seq}")));
    c.insert("email".into(), json!(format!("contact{seq}@example.com")));
    c.insert("tel".into(), json!(format!("+4570{:06}", seq % 1_000_000)));
    c.insert("customer_id".into(), json!(customer));
    c.insert("customer_name".into(), json!(format!("Sandbox Customer {customer}")));
    c
}

impl State {
    pub fn new(seed: u64) -> State {
        State { store: Store::new(seed, seeded), list_form: crate::PortalListForm::Brackets }
    }

    pub fn len(&self) -> u64 {
        self.store.len()
    }

    fn find(&self, id: &str) -> Option<(u64, Map<String, Value>)> {
        let n: u64 = id.parse().ok()?;
        let seq = n.checked_sub(1)?;
        self.store.get(seq).map(|c| (seq, c))
    }
}

fn ok(body: Value) -> Response {
    Response::json(200, &body)
}

fn not_found() -> Response {
    ok(json!({"msg": MSG_NOT_FOUND, "result": false}))
}

pub(crate) fn handle(state: &mut State, request: &Request, path: &[&str]) -> Response {
    if request.header("authorization") != Some(PORTAL_AUTHORIZATION) {
        return Response::json(401, &json!({"error": "Unauthorized", "result": false}));
    }
    match (request.method.as_str(), path) {
        ("GET", ["contact"]) => list(state, request),
        ("POST", ["contact"]) => save(state, request, None),
        ("GET", ["contact", id]) => match state.find(id) {
            Some((_, c)) => ok(json!({"entity": c, "result": true})),
            None => not_found(),
        },
        ("POST", ["contact", id]) => match state.find(id) {
            Some(found) => save(state, request, Some(found)),
            None => not_found(),
        },
        ("GET", ["contact", id, "delete"]) => match state.find(id) {
            Some((seq, _)) => {
                state.store.remove(seq);
                ok(json!({"msg": "Entity has been successfully deleted.", "result": false}))
            }
            None => not_found(),
        },
        _ => ok(json!({"error": "Unknown route.", "result": false})),
    }
}

fn list(state: &State, request: &Request) -> Response {
    // Only the form this server was set to read (a real server reads one): a client sending
    // another gets the "required" refusal, as it would in production.
    let pairs = request.query_pairs();
    let key = match state.list_form {
        crate::PortalListForm::Brackets => "customer_id[]",
        _ => "customer_id",
    };
    let comma = state.list_form == crate::PortalListForm::Comma;
    let customers: Vec<u64> = pairs
        .iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| if comma { v.split(',').collect::<Vec<_>>() } else { vec![v.as_str()] })
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    if customers.is_empty() {
        return ok(json!({"errors": {"customer_id": "Field is required."}, "result": false}));
    }
    let entities: Vec<Value> = state
        .store
        .iter()
        .filter(|(_, c)| c.get("customer_id").and_then(Value::as_u64).is_some_and(|id| customers.contains(&id)))
        .map(|(_, c)| Value::Object(c))
        .collect();
    ok(json!({"entities": entities, "result": true}))
}

/// The fields as sent, from a form or a JSON body.
fn fields(request: &Request) -> Vec<(String, String)> {
    if request.header("content-type").is_some_and(|c| c.starts_with("application/json")) {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        return body
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect();
    }
    parse_pairs(&String::from_utf8_lossy(&request.body))
}

fn check(key: &str, value: &str) -> Option<String> {
    let chars = value.chars().count();
    let at_most = |n: usize| (chars > n).then(|| format!("{key} must be at most {n} characters."));
    let flag = || (value != "0" && value != "1").then(|| format!("{key} must be 1 or 0."));
    match key {
        "create_method" => Some("create_method is not allowed.".into()),
        "name" if chars == 0 => Some("Field is required.".into()),
        "name" | "department" => at_most(64),
        "email" => at_most(191).or_else(|| (!value.contains('@')).then(|| "email must be a valid email.".into())),
        "tel" | "tel1" | "fax" | "mobile" | "role" => at_most(32),
        "is_active" | "portal_active" | "milestone" => flag(),
        "customer_portal_profile_id" => match value.parse::<u64>() {
            Ok(n) if n <= 4_294_967_295 => None,
            _ => Some("customer_portal_profile_id must be an integer between 0 and 4294967295.".into()),
        },
        "portal_password" => (!(8..=32).contains(&chars)).then(|| "portal_password must be 8 to 32 characters.".into()),
        "cost_center_id" | "customer_id" => value.parse::<i64>().err().map(|_| format!("{key} must be an integer.")),
        "customer_custom_identifier" => at_most(16),
        // "valid locale string": ICU / BCP 47 shapes (en_US, zh_Hant_TW, es_419, sr-Latn-RS).
        "locale" => {
            let mut parts = value.split(['_', '-']);
            let lang = parts.next().unwrap_or_default();
            let ok = (2..=3).contains(&lang.len())
                && lang.bytes().all(|b| b.is_ascii_alphabetic())
                && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
            (!ok).then(|| "locale must be a valid locale.".into())
        }
        _ => None,
    }
}

fn save(state: &mut State, request: &Request, existing: Option<(u64, Map<String, Value>)>) -> Response {
    let sent = fields(request);
    if sent.is_empty() {
        return ok(json!({"error": "Nothing sent for request.", "result": false}));
    }
    let mut errors = Map::new();
    for (k, v) in &sent {
        if let Some(e) = check(k, v) {
            errors.insert(k.clone(), json!(e));
        }
    }
    // The update repeats the create rules, `name (required)` included.
    if !sent.iter().any(|(k, _)| k == "name") {
        errors.insert("name".into(), json!("Field is required."));
    }
    if !errors.is_empty() {
        return ok(json!({"errors": errors, "result": false}));
    }
    let apply = |c: &mut Map<String, Value>| {
        for (k, v) in sent {
            match k.as_str() {
                "portal_password" => {}
                "customer_id" => {
                    let id: u64 = v.parse().unwrap_or(1);
                    c.insert("customer_name".into(), json!(format!("Sandbox Customer {id}")));
                    c.insert(k, json!(id));
                }
                _ => {
                    c.insert(k, json!(v));
                }
            }
        }
    };
    match existing {
        Some((seq, mut c)) => {
            apply(&mut c);
            state.store.put(seq, c);
            ok(json!({"msg": "Successfully updated entity.", "result": true}))
        }
        None => {
            let (seq, _) = state.store.insert_with(|seq| {
                let mut c = blank(seq);
                apply(&mut c);
                c
            });
            ok(json!({"msg": "Successfully created entity.", "id": (seq + 1).to_string(), "result": true}))
        }
    }
}
