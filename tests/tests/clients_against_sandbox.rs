//! Every client against the sandbox: two independent readings of the same documents must agree.

use std::time::Duration;

use contacts_core::{ContactUpdate, ContactsApi, Error, ListContacts, NewContact, Operation, RetryPolicy, Sleeper};
use contacts_sandbox::{Fault, Provider, Sandbox, credentials};

#[derive(Debug)]
struct NoSleep;
impl Sleeper for NoSleep {
    fn sleep(&self, _: Duration) {}
}

fn previsto(sb: &Sandbox) -> previsto::Client {
    previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(sb.previsto_base_url())
        .sleeper(NoSleep)
        .build()
        .unwrap()
}

fn levers(sb: &Sandbox) -> levers_client::Client {
    levers_client::Client::builder()
        .client_credentials(credentials::LEVERS_CLIENT_ID, credentials::LEVERS_CLIENT_SECRET)
        .base_url(sb.levers_base_url())
        .sleeper(NoSleep)
        .build()
        .unwrap()
}

fn cleanlife(sb: &Sandbox) -> cleanlife_partners::Client {
    cleanlife_partners::Client::builder()
        .api_key(credentials::CLEANLIFE_API_KEY)
        .base_url(sb.cleanlife_base_url())
        .sleeper(NoSleep)
        .build()
        .unwrap()
}

fn portal(sb: &Sandbox) -> portal_contacts::Client {
    portal_contacts::Client::builder()
        .authorization(credentials::PORTAL_AUTHORIZATION)
        .base_url(sb.portal_base_url())
        .sleeper(NoSleep)
        .build()
        .unwrap()
}

#[test]
fn previsto_every_operation_round_trips() {
    use previsto::{AccountingMode, ContactUpdate, ListContacts, Location, NewContact};
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 250).start().unwrap();
    let client = previsto(&sb);
    let anna = client
        .contacts()
        .create(
            &NewContact::new("Anna Jensen")
                .location(Location::new(10.5286863, 56.8039035))
                .email("anna@jensen.dk")
                .apartment("1. th")
                .number(7)
                .accounting_mode(AccountingMode::AddToDraft)
                .meta("hairColor", "Brown"),
        )
        .unwrap();
    assert_eq!(anna.meta["hairColor"], "Brown");
    assert_eq!((anna.apartment.as_deref(), anna.number.as_deref()), (Some("1. th"), Some("7")));
    assert_eq!(anna.accounting_mode, Some(AccountingMode::AddToDraft));
    let anna = client.contacts().update(&anna.id, &ContactUpdate::new().phone("+4522123456")).unwrap();
    assert_eq!(anna.phone.as_deref(), Some("+4522123456"));
    assert_eq!(client.contacts().get(&anna.id).unwrap().email.as_deref(), Some("anna@jensen.dk"));
    let page = client.contacts().list_page(&ListContacts::new().search("anna").size(10)).unwrap();
    assert_eq!((page.contacts.len(), page.total), (1, Some(1)));
    assert_eq!(client.contacts().iter(&ListContacts::new().size(100)).count(), 251);
    let near =
        client.contacts().list(&ListContacts::new().nearby(Location::new(10.5286863, 56.8039035)).size(1)).unwrap();
    assert_eq!(near[0].id, anna.id);
    client.contacts().delete(&anna.id).unwrap();
    assert!(client.contacts().get(&anna.id).unwrap_err().is_not_found());
    assert!(client.contacts().delete(&anna.id).unwrap_err().is_not_found());
}

#[test]
fn levers_every_operation_round_trips_with_arabic_and_token_renewal() {
    use levers_client::{ContactUpdate, EmailTone, ListContacts, NewContact, SecondaryContact};
    let sb = Sandbox::builder().seed(Provider::LEVERS, 120).start().unwrap();
    let client = levers(&sb);
    let c = client
        .contacts()
        .create(
            &NewContact::new("Acme Trading")
                .name_ar("ع".repeat(255))
                .email("ap@acme.sa")
                .email_tone(EmailTone::RealEstate)
                .secondary_contact(SecondaryContact::new("Sara").name_ar("سارة")),
        )
        .unwrap();
    assert_eq!(c.name_ar.as_deref().map(|s| s.chars().count()), Some(255));
    assert_eq!(c.secondary_contacts[0].name.as_deref(), Some("Sara"));
    let auth_calls = sb.count("POST", "/levers/auth/v1/api-key/auth");
    assert_eq!(auth_calls, 1);

    sb.expire_levers_tokens();
    let c = client.contacts().update(&c.id, &ContactUpdate::new().phone_number("+966500000000")).unwrap();
    assert_eq!(c.phone_number.as_deref(), Some("+966500000000"));
    assert_eq!(sb.count("POST", "/levers/auth/v1/api-key/auth"), 2, "renewed once after the 401");
    assert_eq!(sb.count("PUT", "/levers/api-service/v1/contact"), 2, "the refused call repeated once");

    assert_eq!(client.contacts().get(&c.id).unwrap().email_tone, Some(EmailTone::RealEstate));
    let all: Vec<_> = client.contacts().iter(&ListContacts::new().size(50)).collect::<Result<_, _>>().unwrap();
    assert_eq!(all.len(), 121);
    assert_eq!(sb.count("GET", "/levers/api-service/v1/contact"), 3);
}

#[test]
fn cleanlife_finds_what_it_created() {
    use cleanlife_partners::NewContact;
    let sb = Sandbox::start().unwrap();
    let client = cleanlife(&sb);
    let found = client.contacts().find_or_create(&NewContact::new("050 000 0000", "Ahmed Ali")).unwrap();
    assert!(found.created);
    let first = found.contact;
    assert_eq!(first.phone, "+966500000000");
    let again = client.contacts().find_or_create(&NewContact::new("+966-50-000-0000", "Ahmed")).unwrap();
    assert_eq!((again.contact.id, again.created), (first.id, false));
    assert_eq!(client.contacts().get(&first.id).unwrap().name, "Ahmed Ali");
    let err = client.contacts().get(&cleanlife_partners::Uuid::nil().into()).unwrap_err();
    assert!(err.is_not_found());
    assert!(err.request_id().is_some());

    let forbidden = cleanlife_partners::Client::builder()
        .api_key(credentials::CLEANLIFE_API_KEY_WITHOUT_CONTACTS)
        .base_url(sb.cleanlife_base_url())
        .build()
        .unwrap();
    assert_eq!(forbidden.contacts().get(&first.id).unwrap_err().code(), Some("FORBIDDEN"));
}

#[test]
fn portal_every_operation_and_the_delete_quirk() {
    use portal_contacts::{BodyEncoding, ContactUpdate, CustomerId, ListContacts, NewContact};
    let sb = Sandbox::builder().seed(Provider::PORTAL, 9).start().unwrap();
    let client = portal(&sb);
    assert_eq!(client.contacts().list(&ListContacts::new().customer(CustomerId(1)).customer(3)).unwrap().len(), 6);
    let id = client.contacts().create(&NewContact::new("Jane Doe").email("jane@example.com").milestone(true)).unwrap();
    let jane = client.contacts().get(&id).unwrap();
    assert_eq!((jane.name.as_str(), jane.milestone, jane.is_active), ("Jane Doe", true, true));
    assert_eq!(jane.fax, None, "empty strings decode as None");
    client.contacts().update(&id, &ContactUpdate::new("Jane Doe").tel("+4512345678").is_active(false)).unwrap();
    let jane = client.contacts().get(&id).unwrap();
    assert_eq!((jane.tel.as_deref(), jane.is_active), (Some("+4512345678"), false));
    client.contacts().delete(&id).unwrap();
    assert!(client.contacts().delete(&id).unwrap_err().is_not_found());
    assert!(client.contacts().get(&id).unwrap_err().is_not_found());

    let json = portal_contacts::Client::builder()
        .authorization(credentials::PORTAL_AUTHORIZATION)
        .base_url(sb.portal_base_url())
        .body_encoding(BodyEncoding::Json)
        .build()
        .unwrap();
    let id = json.contacts().create(&NewContact::new("Json Jane").portal_active(true)).unwrap();
    assert!(json.contacts().get(&id).unwrap().portal_active);
}

#[test]
fn the_unified_trait_drives_all_four_alike() {
    let sb = Sandbox::builder().seed_all(3).start().unwrap();
    let clients = contacts_tests::sandbox_clients(&sb);
    for api in &clients {
        let caps = api.capabilities();
        let new = NewContact::new("Unified Person").phone("+966500000123");
        // A location is refused where the provider has no place for it, never dropped.
        let located = new.clone().location(contacts_core::Location::new(10.0, 56.0));
        if api.provider() == contacts_core::Provider::PREVISTO {
            assert!(api.create(&located).is_ok());
        } else if caps.supports(Operation::Create) {
            assert!(
                api.create(&located)
                    .as_ref()
                    .is_err_and(|e| matches!(e, Error::Validation(_)) && e.field() == Some("location"))
            );
        } else {
            let refused = api.find_or_create(&located).unwrap_err();
            assert!(matches!(refused, Error::Validation(_)) && refused.field() == Some("location"));
        }
        let contact = if caps.supports(Operation::Create) {
            let new = if api.provider() == contacts_core::Provider::PORTAL { new } else { new.email("u@example.com") };
            api.create(&new).unwrap()
        } else {
            let found = api.find_or_create(&new).unwrap();
            assert!(found.created);
            found.contact
        };
        assert_eq!(api.get(&contact.id).unwrap().name, "Unified Person", "{}", api.provider());
        if caps.supports(Operation::Update) {
            let patched = api.update(&contact.id, &ContactUpdate::new().name("Renamed")).unwrap();
            assert_eq!(patched.name, "Renamed", "{}", api.provider());
        }
        if caps.supports(Operation::List) {
            let customers: &[u64] = if caps.lists_by_customer_ids() { &[1] } else { &[] };
            let query = ListContacts::new().size(2).customer_ids(customers.iter().copied());
            let listed: Vec<_> = api.list(&query).collect::<Result<_, _>>().unwrap();
            assert!(!listed.is_empty(), "{}", api.provider());
            if !caps.lists_by_customer_ids() {
                // A filter the provider does not have is refused, naming it, never ignored.
                let refused = api.list(&ListContacts::new().customer_ids([1])).next();
                match refused {
                    Some(Err(e @ Error::Validation(_))) => assert_eq!(e.field(), Some("customer_ids"), "{e}"),
                    other => panic!("{}: customer_ids was not refused: {other:?}", api.provider()),
                }
            }
        } else {
            assert!(matches!(api.list(&ListContacts::new()).next(), Some(Err(Error::Unsupported(_)))));
        }
        if caps.supports(Operation::Delete) {
            api.delete(&contact.id).unwrap();
            assert!(api.get(&contact.id).unwrap_err().is_not_found(), "{}", api.provider());
        } else {
            assert!(matches!(api.delete(&contact.id), Err(Error::Unsupported(_))));
        }
    }
}

/// What each provider's document offers, as the capabilities must say it (written from the
/// documents, not read back from the code).
const DOCUMENTED: &[(Provider, &[Operation])] = &[
    (Provider::LEVERS, &[Operation::Create, Operation::Get, Operation::Update, Operation::List]),
    (Provider::CLEANLIFE, &[Operation::Get, Operation::FindOrCreate]),
    (Provider::PREVISTO, &[Operation::Create, Operation::Get, Operation::Update, Operation::Delete, Operation::List]),
    (Provider::PORTAL, &[Operation::Create, Operation::Get, Operation::Update, Operation::Delete, Operation::List]),
];

/// One contract for the four: the capabilities list what the document offers, and every other
/// operation answers `Unsupported` naming the provider and the operation, sending nothing.
/// The one provider list drives the cross-crate tests: each listed provider has a client here,
/// and each client is the provider the list names.
#[test]
fn every_listed_provider_is_covered_by_the_cross_crate_tests() {
    let sb = Sandbox::start().unwrap();
    let listed = contacts_tests::listed_providers();
    assert!(!listed.is_empty(), "the root Cargo.toml lists no provider");
    let built: Vec<contacts_core::Provider> =
        contacts_tests::sandbox_clients(&sb).iter().map(|a| a.provider()).collect();
    assert_eq!(built, listed.iter().map(|(_, p)| *p).collect::<Vec<_>>());
}

#[test]
fn capabilities_match_the_documents_and_what_is_missing_is_unsupported_before_sending() {
    let sb = Sandbox::start().unwrap();
    // Every provider of the one list, each with its document's operations (a provider
    // missing from DOCUMENTED fails here, naming it).
    for api in contacts_tests::sandbox_clients(&sb) {
        let provider = api.provider();
        let offered = DOCUMENTED
            .iter()
            .find(|(p, _)| *p == provider)
            .map(|(_, ops)| *ops)
            .unwrap_or_else(|| panic!("{provider}: add its document's operations to DOCUMENTED"));
        assert_eq!(api.capabilities().operations().collect::<Vec<_>>(), offered, "{provider}");
        let before = sb.request_count();
        for op in Operation::ALL.into_iter().filter(|op| !offered.contains(op)) {
            let new = NewContact::new("A").phone("+966500000001");
            let err = match op {
                Operation::Create => api.create(&new).unwrap_err(),
                Operation::Get => api.get("1").unwrap_err(),
                Operation::Update => api.update("1", &ContactUpdate::new().name("B")).unwrap_err(),
                Operation::Delete => api.delete("1").unwrap_err(),
                Operation::List => api.list(&ListContacts::new()).next().unwrap().unwrap_err(),
                Operation::FindOrCreate => api.find_or_create(&new).unwrap_err(),
                other => panic!("an operation this test does not know: {other:?}"),
            };
            assert!(
                matches!(err, Error::Unsupported(_))
                    && err.provider() == Some(provider)
                    && err.operation() == Some(op.name()),
                "{provider} {op:?}: {err:?}"
            );
        }
        assert_eq!(sb.request_count(), before, "{provider}: an unsupported operation sent a request");
    }
}

#[test]
fn faults_are_retried_by_policy_and_creates_are_never_sent_twice() {
    let sb = Sandbox::start().unwrap();
    let client = previsto(&sb);
    // A read survives two 503s; a create does not get repeated after one.
    sb.inject(Fault::status(503).times(2).on(Provider::PREVISTO).method("GET"));
    assert!(client.contacts().list(&previsto::ListContacts::new()).is_ok());
    sb.inject(Fault::status(503).on(Provider::PREVISTO).method("POST"));
    let new = previsto::NewContact::new("Once").location(previsto::Location::new(1.0, 1.0));
    assert_eq!(client.contacts().create(&new).unwrap_err().status(), Some(503));
    assert_eq!(sb.count("POST", "/previsto/contacts"), 1);

    // A dropped connection after the create was sent: not repeated either.
    sb.inject(Fault::drop_connection().on(Provider::PREVISTO).method("POST"));
    let err = client.contacts().create(&new).unwrap_err();
    assert!(matches!(err, Error::Transport(_)) && err.may_have_reached_server(), "{err:?}");
    assert_eq!(sb.count("POST", "/previsto/contacts"), 2);

    // A malformed success body is a decode error, not a panic.
    sb.inject(Fault::malformed_body().on(Provider::PREVISTO));
    assert!(matches!(client.contacts().list(&previsto::ListContacts::new()), Err(Error::Decode(_))));

    // Retry-After is honoured (the sleeper is injected, so no real waiting).
    sb.inject(Fault::status(429).retry_after("1").on(Provider::PREVISTO));
    assert!(client.contacts().list(&previsto::ListContacts::new()).is_ok());

    let strict = previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(sb.previsto_base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    sb.inject(Fault::status(502).on(Provider::PREVISTO));
    assert_eq!(strict.contacts().list(&previsto::ListContacts::new()).unwrap_err().status(), Some(502));
}

#[test]
fn one_client_reuses_one_connection() {
    let sb = Sandbox::builder().seed(Provider::PORTAL, 3).start().unwrap();
    let client = portal(&sb);
    for _ in 0..50 {
        client.contacts().get(&portal_contacts::ContactId::from("1")).unwrap();
    }
    assert_eq!(sb.connection_count(), 1);
}

#[test]
fn eight_threads_that_meet_an_expired_levers_token_renew_it_once() {
    let sb = Sandbox::builder().seed(Provider::LEVERS, 3).start().unwrap();
    let client = levers(&sb);
    let id: levers_client::ContactId = "00000000-0000-4000-8000-000000000000".parse().unwrap();
    client.contacts().get(&id).unwrap();
    assert_eq!(sb.count("POST", "/levers/auth/v1/api-key/auth"), 1);

    sb.expire_levers_tokens();
    let barrier = std::sync::Barrier::new(8);
    std::thread::scope(|s| {
        for _ in 0..8 {
            let (client, barrier, id) = (client.clone(), &barrier, id);
            s.spawn(move || {
                barrier.wait();
                client.contacts().get(&id).unwrap();
            });
        }
    });
    assert_eq!(sb.count("POST", "/levers/auth/v1/api-key/auth"), 2, "one renewal for the eight threads");
}

/// One table of Saudi numbers, as people type them, for the client's rule and the sandbox's:
/// the two must agree (before: the client sent 8-digit numbers the sandbox refused, and both
/// refused toll-free 800 numbers, which have ten digits).
const SAUDI_PHONES: &[(&str, Option<&str>)] = &[
    ("+966500000001", Some("+966500000001")),
    ("0500000002", Some("+966500000002")),
    ("500000003", Some("+966500000003")),
    ("+966 11 000 0004", Some("+966110000004")),
    ("011 000 0005", Some("+966110000005")),
    ("920000006", Some("+966920000006")),
    ("+966 9200 00007", Some("+966920000007")),
    ("800 000 0008", Some("+9668000000008")),
    ("+966 800 000 0009", Some("+9668000000009")),
    ("+96612345678", Some("+96612345678")),
    ("+4522123456", None),
    ("+96650000000012", None),
    ("+9665000", None),
    ("05000000x1", None),
    ("700000001", None),
];

#[test]
fn the_client_and_the_sandbox_agree_on_every_saudi_number_of_one_table() {
    let sb = Sandbox::start().unwrap();
    let client = cleanlife(&sb);
    for (typed, sent) in SAUDI_PHONES {
        let normalized = cleanlife_partners::normalize_saudi_phone(typed).ok();
        assert_eq!(normalized.as_deref(), *sent, "client: {typed:?}");
        if let Some(sent) = sent {
            // The sandbox takes what the client sends, as the document's server would.
            let found = client.contacts().find_or_create(&cleanlife_partners::NewContact::new(*typed, "Table"));
            assert_eq!(found.map(|f| f.contact.phone).ok().as_deref(), Some(*sent), "sandbox: {typed:?}");
        }
    }
}

#[test]
fn a_not_found_fault_speaks_each_providers_own_not_found_and_a_path_fault_hits_only_its_path() {
    // Before: `Fault::status(404)` sent a plain body, which every client reads (rightly) as a
    // 404 from something that is not the provider; and a fault could not aim at one path.
    let sb = Sandbox::builder().seed_all(3).start().unwrap();
    for api in contacts_tests::sandbox_clients(&sb) {
        let provider = api.provider();
        let customers: &[u64] = if api.capabilities().lists_by_customer_ids() { &[1, 2, 3] } else { &[] };
        let ids: Vec<String> = if api.capabilities().supports(Operation::List) {
            api.list(&ListContacts::new().customer_ids(customers.iter().copied())).map(|c| c.unwrap().id).collect()
        } else {
            vec![
                api.find_or_create(&NewContact::new("Path One").phone("+966500000991")).unwrap().contact.id,
                api.find_or_create(&NewContact::new("Path Two").phone("+966500000992")).unwrap().contact.id,
            ]
        };
        let (hit, spared) = (&ids[0], &ids[1]);
        let path = match provider {
            contacts_core::Provider::LEVERS => format!("/contact/{hit}"),
            contacts_core::Provider::CLEANLIFE => format!("/partners/contacts/{hit}"),
            contacts_core::Provider::PREVISTO => format!("/contacts/{hit}"),
            _ => format!("/contact/{hit}"),
        };
        sb.inject(Fault::not_found().on(provider).method("GET").path(&path).times(10));
        let err = api.get(hit).unwrap_err();
        assert!(err.is_not_found(), "{provider}: {err:?}");
        assert!(api.get(spared).is_ok(), "{provider}: the fault hit another path");
        sb.clear_faults();
    }
}

#[test]
fn a_closure_is_a_sleeper() {
    let waits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&waits);
    let sb = Sandbox::start().unwrap();
    sb.inject(Fault::status(503).on(Provider::PREVISTO).method("GET").times(1));
    let client = previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(sb.previsto_base_url())
        .sleeper(previsto::sleeper(move |d| seen.lock().unwrap().push(d)))
        .build()
        .unwrap();
    let _ = client.contacts().list_page(&previsto::ListContacts::new());
    assert_eq!(waits.lock().unwrap().len(), 1, "the retry's wait went to the closure");
}

#[test]
fn every_readme_names_the_routes_its_client_sends_and_its_from_env_code_runs_on_a_sandbox() {
    // Before: no provider README named its routes (a mockito test guessed
    // `/partners/contacts/find-or-create` and got 501), nor how to run the quick start against
    // `contacts sandbox serve`, and the portal's never named its variables.
    let sb = Sandbox::builder().seed_all(2).start().unwrap();
    let vars = |name: &str| sb.var(name);
    let clients: Vec<(&str, Provider, Box<dyn ContactsApi>)> = vec![
        (
            "levers-client",
            Provider::LEVERS,
            Box::new(levers_client::ClientBuilder::from_vars(vars).unwrap().build().unwrap()),
        ),
        (
            "cleanlife-partners",
            Provider::CLEANLIFE,
            Box::new(cleanlife_partners::ClientBuilder::from_vars(vars).unwrap().build().unwrap()),
        ),
        ("previsto", Provider::PREVISTO, Box::new(previsto::ClientBuilder::from_vars(vars).unwrap().build().unwrap())),
        (
            "portal-contacts",
            Provider::PORTAL,
            Box::new(portal_contacts::ClientBuilder::from_vars(vars).unwrap().build().unwrap()),
        ),
    ];
    for (krate, provider, api) in clients {
        sb.clear_requests();
        // Every operation the client offers, through the variables `from_env` reads.
        let new = NewContact::new("Routed Person").phone("+966500000321");
        let caps = api.capabilities();
        let created = if caps.supports(Operation::Create) {
            api.create(&new).unwrap()
        } else {
            api.find_or_create(&new).unwrap().contact
        };
        api.get(&created.id).unwrap();
        if caps.supports(Operation::Update) {
            api.update(&created.id, &ContactUpdate::new().name("Routed Again")).unwrap();
        }
        if caps.supports(Operation::List) {
            let customers: &[u64] = if caps.lists_by_customer_ids() { &[1] } else { &[] };
            api.list(&ListContacts::new().customer_ids(customers.iter().copied())).count();
        }
        if caps.supports(Operation::Delete) {
            api.delete(&created.id).unwrap();
        }
        let readme =
            std::fs::read_to_string(format!("{}/../crates/{krate}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let section = |title: &str| {
            let start = readme.find(title).unwrap_or_else(|| panic!("{krate}'s README has no {title:?}"));
            let rest = &readme[start + title.len()..];
            rest[..rest.find("\n## ").unwrap_or(rest.len())].to_owned()
        };
        let routes = section("## Routes");
        let base = sb.base_url(provider);
        let base_path = &base[sb.url().len()..];
        let sent = sb.requests();
        assert!(!sent.is_empty(), "{krate}: nothing sent");
        for request in sent {
            let below = request.path.strip_prefix(base_path).unwrap_or(&request.path);
            // The route up to its first id (ids hold digits; route words do not).
            let mut shown = String::new();
            for segment in below.split('/').skip(1) {
                shown.push('/');
                if segment.chars().any(|c| c.is_ascii_digit()) {
                    break;
                }
                shown.push_str(segment);
            }
            let row = format!("`{} {shown}", request.method);
            assert!(
                routes.contains(&row),
                "{krate}'s README Routes do not show {row}` (sent {} {below})",
                request.method
            );
        }
        let serve = section("## Run it against `contacts sandbox serve`");
        for (name, _) in
            sb.env().into_iter().filter(|(n, _)| n.starts_with(provider.name().to_ascii_uppercase().as_str()))
        {
            assert!(serve.contains(name), "{krate}'s README does not name {name} beside `contacts sandbox serve`");
        }
        assert!(serve.contains("--env-file") && serve.contains("from_env"), "{krate}: {serve}");
    }
}
