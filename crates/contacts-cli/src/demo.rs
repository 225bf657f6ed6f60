//! `contacts demo`: starts the sandbox and walks every operation of every provider through
//! the unified `ContactsApi`, including one refused input and one provider error, and prints
//! what happened. Exits 0 only when every step behaved as expected.

use std::process::ExitCode;

use comfy_table::{Cell, Color, Table, presets};
use contacts_core::{Contact, ContactUpdate, ContactsApi, Error, ListContacts, Location, NewContact, Operation};
use contacts_sandbox::Sandbox;

use crate::failure::one_line;
use crate::providers::{Kind, client_for};

/// What a step should end with.
enum Expect {
    Ok,
    Validation,
    NotFound,
    Unsupported,
}

struct Row {
    provider: &'static str,
    step: String,
    expected: &'static str,
    passed: bool,
    detail: String,
}

struct Tour<'a> {
    api: &'a dyn ContactsApi,
    rows: Vec<Row>,
}

impl Tour<'_> {
    /// Runs one step; `Ok` carries the detail to show (ids, counts).
    fn step(&mut self, step: &str, expect: Expect, f: impl FnOnce(&dyn ContactsApi) -> Result<String, Error>) -> bool {
        let result = f(self.api);
        let (expected, passed) = match (&expect, &result) {
            (Expect::Ok, r) => ("ok", r.is_ok()),
            (Expect::Validation, Err(e)) => ("refused before sending", e.is_validation()),
            (Expect::NotFound, Err(e)) => ("not found", e.is_not_found()),
            (Expect::Unsupported, Err(e)) => ("unsupported", matches!(e, Error::Unsupported(_))),
            (Expect::Validation, Ok(_)) => ("refused before sending", false),
            (Expect::NotFound, Ok(_)) => ("not found", false),
            (Expect::Unsupported, Ok(_)) => ("unsupported", false),
        };
        let detail = match result {
            Ok(d) => d,
            Err(e) => one_line(&e),
        };
        self.rows.push(Row { provider: self.api.provider().name(), step: step.to_owned(), expected, passed, detail });
        passed
    }
}

fn describe(c: &Contact) -> String {
    let mut s = format!("id {} · {}", c.id, c.name);
    if let Some(p) = &c.phone {
        s.push_str(&format!(" · {p}"));
    }
    if let Some(e) = &c.email {
        s.push_str(&format!(" · {e}"));
    }
    s
}

fn tour(kind: Kind, api: &dyn ContactsApi) -> Vec<Row> {
    let mut t = Tour { api, rows: Vec::new() };
    let caps = api.capabilities();
    let sample = match kind {
        Kind::Previsto => NewContact::new("Anna Jensen")
            .email("anna@jensen.dk")
            .phone("+4522123456")
            .location(Location::new(10.5286863, 56.8039035)),
        Kind::Levers => {
            NewContact::new("Acme Trading").email("ap@acme.sa").phone("+966500000001").tax_id("300000000000003")
        }
        Kind::CleanLife => NewContact::new("Ahmed Ali").phone("050 123 4567"),
        Kind::Portal => NewContact::new("Jane Doe").email("jane@example.com").phone("+4512345678"),
    };
    let mut id = None;
    if caps.supports(Operation::Create) {
        t.step("create", Expect::Ok, |api| {
            let c = api.create(&sample)?;
            id = Some(c.id.clone());
            Ok(describe(&c))
        });
    } else {
        t.step("create", Expect::Unsupported, |api| api.create(&sample).map(|c| describe(&c)));
    }
    if caps.supports(Operation::FindOrCreate) {
        t.step("find-or-create (new phone)", Expect::Ok, |api| {
            let found = api.find_or_create(&sample)?;
            id = Some(found.contact.id.clone());
            Ok(format!("{} · created: {}", describe(&found.contact), found.created))
        });
        t.step("find-or-create (same phone)", Expect::Ok, |api| {
            let found = api.find_or_create(&NewContact::new("Someone Else").phone("+966 50 123 4567"))?;
            if found.created || Some(&found.contact.id) != id.as_ref() {
                return Err(Error::config("the second call should have found the first contact"));
            }
            Ok(format!("{} · created: {}", describe(&found.contact), found.created))
        });
    } else {
        t.step("find-or-create", Expect::Unsupported, |api| api.find_or_create(&sample).map(|f| describe(&f.contact)));
    }
    let Some(id) = id else { return t.rows };
    t.step("get", Expect::Ok, |api| api.get(&id).map(|c| describe(&c)));
    if caps.supports(Operation::Update) {
        t.step("update (name)", Expect::Ok, |api| {
            api.update(&id, &ContactUpdate::new().name(format!("{} (updated)", sample.name))).map(|c| describe(&c))
        });
    } else {
        t.step("update", Expect::Unsupported, |api| {
            api.update(&id, &ContactUpdate::new().name("x")).map(|c| describe(&c))
        });
    }
    // The portal lists per customer (the sandbox seeds customer 1); the others refuse the filter.
    let customers: &[u64] = if caps.lists_by_customer_ids() { &[1] } else { &[] };
    let query = ListContacts::new().size(2).customer_ids(customers.iter().copied());
    if caps.supports(Operation::List) {
        t.step("list (every page, 2 a page)", Expect::Ok, |api| {
            let all = api.list(&query).collect::<Result<Vec<_>, _>>()?;
            Ok(format!("{} {}", all.len(), plural(all.len() as u64, "contact", "contacts")))
        });
    } else {
        t.step("list", Expect::Unsupported, |api| api.list(&query).next().transpose().map(|_| String::new()));
    }
    // One deliberate refusal before sending, to show how errors read.
    let invalid = match kind {
        Kind::CleanLife => NewContact::new("Bad Phone").phone("+4522123456"),
        Kind::Previsto => NewContact::new("Bad Country")
            .address(contacts_core::Address::new().country("Danmark"))
            .location(Location::new(10.5, 56.8)),
        _ => NewContact::new("Bad Email").email("not-an-email"),
    };
    t.step("invalid input", Expect::Validation, |api| {
        if caps.supports(Operation::Create) {
            api.create(&invalid)
        } else {
            api.find_or_create(&invalid).map(|f| f.contact)
        }
        .map(|c| describe(&c))
    });
    if caps.supports(Operation::Delete) {
        t.step("delete", Expect::Ok, |api| api.delete(&id).map(|()| format!("deleted {id}")));
        t.step("get after delete (provider error)", Expect::NotFound, |api| api.get(&id).map(|c| describe(&c)));
    } else {
        t.step("delete", Expect::Unsupported, |api| api.delete(&id).map(|()| String::new()));
        let missing = match kind {
            Kind::Levers => "00000000-0000-4000-8000-00000000ffff",
            _ => "00000000-0000-4000-a000-00000000ffff",
        };
        t.step("get a missing id (provider error)", Expect::NotFound, |api| api.get(missing).map(|c| describe(&c)));
    }
    t.rows
}

pub(crate) fn run() -> ExitCode {
    let sandbox = match Sandbox::builder().seed_all(3).record_limit(0).start() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: could not start the sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let out = crate::output::Out::stdout();
    out.print(&format!("sandbox listening on {} (no network beyond this machine)\n\n", sandbox.url()));
    let mut rows = Vec::new();
    for kind in Kind::ALL {
        match client_for(kind, &sandbox) {
            Ok(api) => rows.extend(tour(kind, api.as_ref())),
            Err(e) => {
                eprintln!("error: could not build the {kind:?} client: {}", one_line(&e));
                return ExitCode::FAILURE;
            }
        }
    }
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header(["provider", "step", "expected", "", "what happened"]);
    for r in &rows {
        let mark = if r.passed { Cell::new("✓").fg(Color::Green) } else { Cell::new("✗").fg(Color::Red) };
        table.add_row(vec![
            Cell::new(r.provider),
            Cell::new(&r.step),
            Cell::new(r.expected),
            mark,
            Cell::new(&r.detail),
        ]);
    }
    out.print(&format!("{table}\n"));
    let failed = rows.iter().filter(|r| !r.passed).count();
    out.print(&format!(
        "\n{} steps, {} as expected, {failed} not · {} {} over {} {} to the sandbox\n",
        rows.len(),
        rows.len() - failed,
        sandbox.request_count(),
        plural(sandbox.request_count(), "request", "requests"),
        sandbox.connection_count(),
        plural(sandbox.connection_count(), "connection", "connections"),
    ));
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}
