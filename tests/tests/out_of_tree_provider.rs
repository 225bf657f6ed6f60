//! A provider written outside this workspace — here, an in-memory address book named `acme`
//! that uses nothing but the public API of contacts-core — implements `ContactsApi` and is
//! synced by contacts-sync into the sandbox's Previsto, with no change to any of our crates.

use std::sync::Mutex;

use contacts_core::{
    Capabilities, Contact, ContactStream, ContactUpdate, ContactsApi, Error, Field, ListContacts, NewContact,
    Operation, Provider, Result,
};
use contacts_sandbox::{Sandbox, credentials};
use contacts_sync::SyncJob;

/// The provider's own name: a constant, so a bad name would not compile.
const ACME: Provider = Provider::new("acme");

/// Acme's address book: contacts with an id, a name and an email.
#[derive(Default)]
struct Acme {
    contacts: Mutex<Vec<Contact>>,
}

impl Acme {
    fn with(names: &[(&str, &str)]) -> Acme {
        let acme = Acme::default();
        for (name, email) in names {
            acme.create(&NewContact::new(*name).email(*email)).unwrap();
        }
        acme
    }
}

impl ContactsApi for Acme {
    fn provider(&self) -> Provider {
        ACME
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[Operation::Create, Operation::Get, Operation::Update, Operation::List])
            .storing(&[Field::Name, Field::Email])
            .requiring(&[Field::Name])
    }

    fn create(&self, contact: &NewContact) -> Result<Contact> {
        let (kept, _) = contacts_core::check_new(ACME, self.capabilities(), contact)?;
        let mut all = self.contacts.lock().unwrap();
        let mut c = Contact::new(format!("acme-{}", all.len() + 1), kept.name);
        c.email = kept.email;
        all.push(c.clone());
        Ok(c)
    }

    fn get(&self, id: &str) -> Result<Contact> {
        let all = self.contacts.lock().unwrap();
        all.iter().find(|c| c.id == id).cloned().ok_or_else(|| Error::not_found(404, format!("no contact {id}")))
    }

    fn update(&self, id: &str, patch: &ContactUpdate) -> Result<Contact> {
        let (kept, _) = contacts_core::check_update(ACME, self.capabilities(), patch)?;
        let mut all = self.contacts.lock().unwrap();
        let c = all.iter_mut().find(|c| c.id == id).ok_or_else(|| Error::not_found(404, format!("no contact {id}")))?;
        if let Some(name) = kept.name {
            c.name = name;
        }
        if let Some(email) = kept.email {
            c.email = Some(email);
        }
        Ok(c.clone())
    }

    fn list<'a>(&'a self, _query: &ListContacts) -> ContactStream<'a> {
        let all = self.contacts.lock().unwrap().clone();
        Box::new(all.into_iter().map(Ok))
    }
}

#[test]
fn a_provider_from_outside_the_workspace_is_synced_into_the_sandbox() {
    let acme = Acme::with(&[("Ada Lovelace", "ada@acme.test"), ("Grace Hopper", "grace@acme.test")]);
    let sb = Sandbox::builder().start().unwrap();
    let previsto = previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(sb.previsto_base_url())
        .build()
        .unwrap();

    let mut sync = SyncJob::new(&acme, &previsto).unthrottled();
    let plan = sync.plan().unwrap();
    assert_eq!(plan.creates().len(), 2, "{plan}");
    let report = sync.apply(&plan).unwrap();
    assert_eq!((report.created, report.failed.len()), (2, 0), "{report}");

    // The copies carry the provider's own name in their marker, as ours do.
    let copies: Vec<Contact> = previsto.list(&ListContacts::new()).collect::<Result<_>>().unwrap();
    let mut ids: Vec<Option<String>> = copies.iter().map(|c| c.external_id.clone()).collect();
    ids.sort();
    assert_eq!(ids, [Some(sync.marker("acme-1")), Some(sync.marker("acme-2"))]);
    assert!(ids.iter().flatten().all(|id| id.starts_with("acme~")), "{ids:?}");
    let names: Vec<&str> = copies.iter().map(|c| c.name.as_str()).collect();
    assert!(names.contains(&"Ada Lovelace") && names.contains(&"Grace Hopper"), "{names:?}");

    // A change at Acme is an update; a second run writes nothing else.
    acme.update("acme-1", &ContactUpdate::new().email("ada@analytical.test")).unwrap();
    let mut again = SyncJob::new(&acme, &previsto).unthrottled();
    let plan = again.plan().unwrap();
    assert_eq!((plan.creates().len(), plan.updates().len()), (0, 1), "{plan}");
    let report = again.apply(&plan).unwrap();
    assert_eq!((report.created, report.updated), (0, 1), "{report}");
    let third = SyncJob::new(&acme, &previsto).unthrottled().plan().unwrap();
    assert_eq!((third.creates().len(), third.updates().len()), (0, 0), "{third}");

    // Errors name the provider by its own name.
    let e = acme.get("nobody").unwrap_err();
    assert!(e.is_not_found());
    let e = acme.delete("acme-1").unwrap_err();
    assert_eq!((e.provider(), e.to_string().as_str()), (Some(ACME), "acme does not support delete"));
}

#[test]
fn a_provider_name_that_would_break_an_external_id_is_refused() {
    for bad in ["", "Acme", "acme:corp", "acme corp", "1acme", &"a".repeat(33)] {
        let name: &'static str = Box::leak(bad.to_owned().into_boxed_str());
        assert!(std::panic::catch_unwind(|| Provider::new(name)).is_err(), "{bad:?} accepted");
        assert_eq!(Provider::from_name(bad), None, "{bad:?} read back");
    }
    assert_eq!(Provider::from_name("acme"), Some(ACME));
    assert_eq!(Provider::from_name("previsto"), Some(Provider::PREVISTO));
}
