//! [`verify`]: the README's Assumptions, checked against your own portal installation.

use contacts_core::{Header, HttpResponse, Method, VerifyOptions, VerifyReport};
use contacts_http::verify::{
    Finding, Verifier, bad_credentials, crate_fix, gone_after_delete, name_reads_back, rename_reads_back, write_name,
};

use crate::client::decode_error;
use crate::contacts::{NOTHING_SENT, read_envelope};
use crate::{Client, ContactId, ContactUpdate, CustomerIdForm, ListContacts, NewContact};

/// Checks each README Assumption a request can settle against the installation `client`
/// reaches, and reports which hold: the `Authorization` value, what a bad one gets, the
/// not-found envelope, and which `customer_id` form the list reads (with
/// [`VerifyOptions::customer_id`], a customer that has contacts). Read-only unless `options`
/// allows writes on the client's host ([`VerifyOptions::write_to`]); then it also sends an
/// empty create (the documented "Nothing sent for request."), creates one contact named
/// `contacts-rs verify …`, reads it back, updates it and deletes it. `contacts verify portal`
/// runs it from the command line.
///
/// ```
/// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PORTAL, 6).start().unwrap();
/// # let client = portal_contacts::Client::builder().authorization(contacts_sandbox::credentials::PORTAL_AUTHORIZATION).base_url(sandbox.portal_base_url()).build()?;
/// let report = portal_contacts::verify(&client, &portal_contacts::VerifyOptions::read_only().customer_id(1));
/// println!("{report}");
/// assert!(report.all_held());
/// # Ok::<(), portal_contacts::Error>(())
/// ```
pub fn verify(client: &Client, options: &VerifyOptions) -> VerifyReport {
    let mut v = Verifier::new(&client.http, options);
    let contacts = client.contacts();
    // An id far past any installation's: the portal's ids are counters.
    let missing = ContactId::from(format!(
        "9{:017}",
        u64::from_str_radix(&contacts_http::new_request_id()[..12], 16).unwrap_or(0) % 100_000_000_000_000_000
    ));
    let mut lookup = None;
    v.check("credentials", "the Authorization value is accepted (a lookup is not refused)", || {
        match contacts.get(&missing) {
            Err(e) if e.is_not_found() => {
                lookup = Some(e);
                Ok(Finding::Held("a lookup of a made-up id answered \"Entity not found.\"".to_owned()))
            }
            Err(e) => Err(e),
            Ok(_) => Ok(Finding::Held("a lookup answered".to_owned())),
        }
    });
    v.check("bad-credentials", "a bad Authorization gets a 401 or 403 (or a refusing envelope): an auth error", || {
        let bogus = Header::new("authorization", "contacts-rs-verify-invalid");
        bad_credentials(&client.http, &["contact", missing.as_str()], bogus, read)
    });
    v.check("not-found", "a contact that does not exist answers {msg: \"Entity not found.\", result: false}", || {
        Ok(match lookup {
            Some(_) => Finding::Held("\"Entity not found.\" read as Error::NotFound".to_owned()),
            None => Finding::Differs("a made-up id answered a contact".to_owned(), crate_fix()),
        })
    });
    v.check("list-form", "the list reads customer ids as the client sends them (customer_id[]= by default)", || {
        let Some(customer) = options.customer() else {
            return Ok(Finding::NotRun("needs a customer that has contacts (--customer-id)".to_owned()));
        };
        list_form(client, customer)
    });
    if v.may_write() {
        write_checks(client, options, &mut v);
    }
    v.finish()
}

/// The crate's reading of any answer: the portal's envelope for a 2xx, its decoder otherwise.
fn read(response: &HttpResponse) -> Option<crate::Error> {
    if (200..300).contains(&response.status) {
        read_envelope::<serde_json::Value>(response.status, &response.body).err()
    } else {
        Some(decode_error(response))
    }
}

/// Which form lists `customer`'s contacts, the client's own first. The id is sent twice, so
/// `customer_id=7,7` (comma) and `customer_id=7&customer_id=7` (repeated) read differently.
fn list_form(client: &Client, customer: u64) -> crate::Result<Finding> {
    let configured = client.customer_id_form;
    let in_form = |form: CustomerIdForm| -> crate::Result<Option<usize>> {
        let mut c = client.clone();
        c.customer_id_form = form;
        match c.contacts().list_page(&ListContacts::new().customer(customer).customer(customer)) {
            Ok(page) if page.contacts.iter().all(|x| x.customer_id.is_none_or(|id| id == customer)) => {
                Ok(Some(page.contacts.len()))
            }
            Ok(_) => Ok(None),
            Err(e) if e.is_input_rejected() || (matches!(e, crate::Error::Api(_)) && e.status() == Some(200)) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    };
    let own = in_form(configured)?;
    if let Some(n) = own.filter(|n| *n > 0) {
        return Ok(Finding::Held(format!("{}: {n} contacts of customer {customer}", configured.name())));
    }
    for form in [CustomerIdForm::Brackets, CustomerIdForm::Comma, CustomerIdForm::Repeated] {
        if form == configured {
            continue;
        }
        if let Some(n) = in_form(form)?.filter(|n| *n > 0) {
            return Ok(Finding::Differs(
                format!(
                    "{} is {}; {} lists {n} contacts of customer {customer}",
                    configured.name(),
                    if own.is_some() { "read as no contacts" } else { "refused" },
                    form.name()
                ),
                format!(
                    "set PORTAL_CUSTOMER_ID_FORM={} (ClientBuilder::customer_id_form(CustomerIdForm::{:?}))",
                    form.name(),
                    form
                ),
            ));
        }
    }
    Ok(Finding::NotRun(format!("no form lists a contact of customer {customer}: give a customer that has contacts")))
}

/// An empty create, then create, read back, update and delete one contact.
fn write_checks(client: &Client, options: &VerifyOptions, v: &mut Verifier) {
    let contacts = client.contacts();
    v.check(
        "write-empty-request",
        "an empty create answers {error: \"Nothing sent for request.\", result: false}",
        || {
            let response = client.http.request(Method::Post, &["contact"])?.any_status(true).send()?;
            let status = response.status();
            Ok(match read(&response.into_inner()) {
                Some(e) if e.message() == NOTHING_SENT && e.is_input_rejected() => {
                    Finding::Held(format!("{status} with \"{NOTHING_SENT}\", read as a refused input"))
                }
                Some(e) => Finding::Differs(format!("{status}, read as: {}", e.message()), crate_fix()),
                None => Finding::Differs(format!("{status}, read as a success"), crate_fix()),
            })
        },
    );
    let name = write_name();
    let mut made: Option<ContactId> = None;
    v.check("write-create", "POST /contact creates a contact and answers its id", || {
        let mut new = NewContact::new(name.clone());
        if let Some(customer) = options.customer() {
            new = new.customer_id(customer);
        }
        let id = contacts.create(&new)?;
        made = Some(id.clone());
        Ok(Finding::Held(format!("created {id}")))
    });
    let Some(id) = made else { return };
    v.check("write-read-back", "the created contact reads back with what was sent", || {
        name_reads_back(&name, || Ok(contacts.get(&id)?.name))
    });
    v.check("write-update", "POST /contact/{id} with the name repeated changes the contact", || {
        let renamed = format!("{name} (updated)");
        rename_reads_back(
            &renamed,
            || contacts.update(&id, &ContactUpdate::new(renamed.clone())).map(drop),
            || Ok(contacts.get(&id)?.name),
        )
    });
    let mut deleted = false;
    v.check("write-delete", "GET /contact/{id}/delete removes it: a read afterwards is not found", || {
        gone_after_delete(&mut deleted, || contacts.delete(&id), || contacts.get(&id))
    });
    if !deleted {
        v.left_behind(format!("contact {id} (named {name:?}) could not be deleted: remove it in the portal"));
    }
}
