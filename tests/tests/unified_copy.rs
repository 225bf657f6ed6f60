//! The unified model carries a contact from any provider to any other, with nothing lost in
//! silence: every copy succeeds with every field the target stores, or is refused before
//! anything is sent, naming the field; in lossy mode every copy succeeds and reports exactly
//! the fields it dropped.

use std::sync::Arc;

use contacts_core::{
    Address, Contact, ContactUpdate, ContactsApi, Error, Field, ListContacts, NewContact, Operation, Provider,
};
use contacts_sandbox::{Sandbox, credentials};

const COPIES: usize = 100;

fn clients(sb: &Sandbox) -> Vec<Box<dyn ContactsApi>> {
    vec![
        Box::new(
            levers_client::Client::builder()
                .token(credentials::LEVERS_TOKEN)
                .base_url(sb.levers_base_url())
                .build()
                .unwrap(),
        ),
        Box::new(
            cleanlife_partners::Client::builder()
                .api_key(credentials::CLEANLIFE_API_KEY)
                .base_url(sb.cleanlife_base_url())
                .build()
                .unwrap(),
        ),
        Box::new(
            previsto::Client::builder()
                .api_key(credentials::PREVISTO_SECRET_KEY)
                .base_url(sb.previsto_base_url())
                .build()
                .unwrap(),
        ),
        Box::new(
            portal_contacts::Client::builder()
                .authorization(credentials::PORTAL_AUTHORIZATION)
                .base_url(sb.portal_base_url())
                .build()
                .unwrap(),
        ),
    ]
}

/// A contact with every unified field set.
fn full(i: usize) -> NewContact {
    NewContact::new(format!("Person {i}"))
        .email(format!("person{i}@example.sa"))
        .phone(format!("+9665{:08}", 10_000 + i))
        .address(Address::new().street(format!("Street {i}")).postal_code("12345").city("Riyadh").country("SA"))
        .tax_id(format!("3000{i:06}"))
        .location(contacts_core::Location::new(46.6753, 24.7136))
        .external_id(format!("ext-{i}"))
}

/// Creates through whichever of create / find-or-create the provider has.
fn put(api: &dyn ContactsApi, new: &NewContact) -> Result<Contact, Error> {
    if api.capabilities().supports(Operation::Create) {
        api.create(new)
    } else {
        api.find_or_create(new).map(|f| f.contact)
    }
}

fn value(c: &Contact, field: Field) -> String {
    match field {
        Field::Name => c.name.clone(),
        Field::Email => format!("{:?}", c.email),
        Field::Phone => format!("{:?}", c.phone),
        Field::Address => format!("{:?}", c.address),
        Field::TaxId => format!("{:?}", c.tax_id),
        Field::Location => format!("{:?}", c.location),
        Field::ExternalId => format!("{:?}", c.external_id),
        _ => String::new(),
    }
}

#[test]
fn every_provider_copies_to_every_other_or_refuses_up_front() {
    let sb = Sandbox::start().unwrap();
    let apis = clients(&sb);
    // Sources: 100 contacts in each provider, as complete as it stores them.
    let sources: Vec<Vec<Contact>> = apis
        .iter()
        .map(|api| {
            (0..COPIES)
                .map(|i| {
                    let stored = put(api.as_ref(), &full(i).lossy(true)).unwrap();
                    api.get(&stored.id).unwrap()
                })
                .collect()
        })
        .collect();
    let mut pairs = 0;
    for (s, source) in apis.iter().enumerate() {
        for (t, target) in apis.iter().enumerate() {
            if s == t {
                continue;
            }
            pairs += 1;
            let caps = target.capabilities();
            for contact in &sources[s] {
                let new = NewContact::from(contact);
                let unstored: Vec<Field> = new.fields().into_iter().filter(|f| !caps.stores(*f)).collect();
                // Strict: all of it, or a refusal naming the first field, with nothing sent.
                let before = sb.request_count();
                match put(target.as_ref(), &new) {
                    Ok(copy) => {
                        assert!(
                            unstored.is_empty(),
                            "{} -> {}: {unstored:?} dropped",
                            source.provider(),
                            target.provider()
                        );
                        let copy = target.get(&copy.id).unwrap();
                        for field in new.fields() {
                            assert_eq!(
                                value(&copy, field),
                                value(contact, field),
                                "{} -> {} {field}",
                                source.provider(),
                                target.provider()
                            );
                        }
                    }
                    Err(e @ Error::Validation(_)) => {
                        assert_eq!(
                            e.field(),
                            unstored.first().map(|f| f.name()),
                            "{} -> {}",
                            source.provider(),
                            target.provider()
                        );
                        assert_eq!(sb.request_count(), before, "a refused copy sent nothing");
                    }
                    Err(other) => panic!("{} -> {}: {other}", source.provider(), target.provider()),
                }
                // Lossy: always a copy, and the report names exactly what was dropped.
                let copy = put(target.as_ref(), &new.clone().lossy(true)).unwrap();
                assert_eq!(copy.dropped, unstored, "{} -> {}", source.provider(), target.provider());
                let copy = target.get(&copy.id).unwrap();
                for field in new.fields().into_iter().filter(|f| caps.stores(*f)) {
                    assert_eq!(
                        value(&copy, field),
                        value(contact, field),
                        "{} -> {} {field}",
                        source.provider(),
                        target.provider()
                    );
                }
            }
        }
    }
    assert_eq!(pairs, 12);
}

#[test]
fn every_field_on_every_provider_is_stored_refused_or_reported() {
    let sb = Sandbox::start().unwrap();
    for api in clients(&sb) {
        let caps = api.capabilities();
        for field in Field::ALL {
            // A name (and the phone TheCleanLife needs), plus the one field under test.
            let base = NewContact::new("Field Test");
            let base = if caps.requires(Field::Phone) { base.phone("+966500000777") } else { base };
            let with = match field {
                Field::Name => base.clone(),
                Field::Email => base.clone().email("field@example.sa"),
                Field::Phone => base.clone().phone("+966500000777"),
                Field::Address => base.clone().address(Address::new().city("Riyadh")),
                Field::TaxId => base.clone().tax_id("300000000000003"),
                Field::Location => base.clone().location(contacts_core::Location::new(46.6, 24.7)),
                Field::ExternalId => base.clone().external_id("ext-field"),
                _ => unreachable!(),
            };
            let before = sb.request_count();
            let strict = put(api.as_ref(), &with);
            if caps.stores(field) {
                let stored = strict.unwrap_or_else(|e| panic!("{} {field}: {e}", api.provider()));
                let got = api.get(&stored.id).unwrap();
                assert_eq!(value(&got, field), value(&Contact::from_new(&with), field), "{} {field}", api.provider());
            } else {
                match strict {
                    Err(e @ Error::Validation(_)) => {
                        assert_eq!(e.field().unwrap_or_default(), field.name(), "{}", api.provider())
                    }
                    other => panic!("{} {field}: {other:?}", api.provider()),
                }
                assert_eq!(sb.request_count(), before, "{} {field}: refused, yet sent", api.provider());
            }
            let lossy = put(api.as_ref(), &with.clone().lossy(true)).unwrap();
            let expected: Vec<Field> = if caps.stores(field) { vec![] } else { vec![field] };
            assert_eq!(lossy.dropped, expected, "{} {field}", api.provider());
            // The same for an update, where there is one.
            if caps.supports(Operation::Update) && field != Field::Name {
                let mut patch = ContactUpdate::from(&Contact::from_new(&with));
                patch.name = None;
                let result = api.update(&lossy.id, &patch);
                if caps.stores(field) {
                    result.unwrap_or_else(|e| panic!("{} update {field}: {e}", api.provider()));
                } else {
                    assert!(
                        result
                            .as_ref()
                            .is_err_and(|e| matches!(e, Error::Validation(_)) && e.field() == Some(field.name()))
                    );
                    let dropped = api.update(&lossy.id, &patch.clone().lossy(true)).unwrap().dropped;
                    assert_eq!(dropped, vec![field], "{} update", api.provider());
                }
            }
        }
    }
}

/// The unified contact as a [`NewContact`] would become it, for comparisons.
trait FromNew {
    fn from_new(new: &NewContact) -> Contact;
}

impl FromNew for Contact {
    fn from_new(new: &NewContact) -> Contact {
        let mut c = Contact::new("", new.name.clone());
        c.email = new.email.clone();
        c.phone = new.phone.clone();
        c.address = new.address.clone().filter(|a| !a.is_empty());
        c.tax_id = new.tax_id.clone();
        c.location = new.location;
        c.external_id = new.external_id.clone();
        c
    }
}

#[test]
fn contacts_round_trip_through_json_and_patches_carry_only_what_changed() {
    let c = Contact::new("con_1", "Anna")
        .email("a@x.dk")
        .location(contacts_core::Location::new(10.5, 56.8))
        .external_id("crm-1")
        .raw(serde_json::json!({"id": "con_1", "meta": {"k": "v"}}));
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(serde_json::from_str::<Contact>(&json).unwrap(), c);
    let mut changed = c.clone();
    changed.name = "Anna J".into();
    let patch = ContactUpdate::diff(&c, &changed);
    assert_eq!(patch.fields(), vec![Field::Name]);
    assert_eq!(NewContact::from(&c).fields(), vec![Field::Name, Field::Email, Field::Location, Field::ExternalId]);
}

fn count_any<A: ContactsApi>(api: A) -> Provider {
    api.provider()
}

#[test]
fn the_trait_works_through_references_boxes_and_arcs_and_streams_cross_threads() {
    let sb = Sandbox::builder().seed_all(3).start().unwrap();
    let client = previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(sb.previsto_base_url())
        .build()
        .unwrap();
    assert_eq!(count_any(&client), Provider::PREVISTO);
    assert_eq!(count_any(Box::new(client.clone())), Provider::PREVISTO);
    let shared = Arc::new(client);
    assert_eq!(count_any(Arc::clone(&shared)), Provider::PREVISTO);
    let stream = shared.list(&ListContacts::new().size(2));
    let n = std::thread::scope(|s| s.spawn(move || stream.count()).join().unwrap());
    assert_eq!(n, 3);
    let q = ListContacts::new().customer_ids([1u64, 2]);
    assert_eq!(q.customer_ids, vec![1, 2]);
}
