//! [`verify`]: the README's Assumptions, checked against your own Previsto account.

use contacts_core::{Header, Method, VerifyOptions, VerifyReport};
use contacts_http::verify::{
    Finding, Verifier, bad_credentials, crate_fix, gone_after_delete, name_reads_back, rate_limit_headers,
    rename_reads_back, shape, shape_of, status_error, write_name,
};
use serde_json::Value;

use crate::client::decode_error;
use crate::{Client, ContactId, ContactUpdate, ListContacts, MAX_PAGE_SIZE, NewContact};

/// The documented limit, a minute.
const DOCUMENTED_PER_MINUTE: u64 = 120;

/// Checks each README Assumption a request can settle against the account `client` reaches,
/// and reports which hold: credentials, the list's shape and `x-total-count`, zero-based
/// paging, pages of 1000, the not-found and error answers, and rate-limit headers. Read-only
/// unless `options` allows writes on the client's host ([`VerifyOptions::write_to`]); then it
/// also creates one contact named `contacts-rs verify …`, reads it back, updates it and deletes
/// it. `contacts verify previsto` runs it from the command line.
///
/// ```
/// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PREVISTO, 150).start().unwrap();
/// # let client = previsto::Client::builder().api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url()).build()?;
/// let report = previsto::verify(&client, &previsto::VerifyOptions::read_only());
/// println!("{report}");
/// assert!(report.all_held());
/// # Ok::<(), previsto::Error>(())
/// ```
pub fn verify(client: &Client, options: &VerifyOptions) -> VerifyReport {
    let mut v = Verifier::new(&client.http, options);
    let contacts = client.contacts();
    v.check("credentials", "the secret key is accepted (HTTP Basic, empty password)", || {
        contacts.list_page(&ListContacts::new().page(0).size(1))?;
        Ok(Finding::Held("a list of one contact answered".to_owned()))
    });
    v.check("bad-credentials", "a key Previsto never issued is refused with 401 (an auth error)", || {
        // base64("sk_contacts_rs_verify_invalid:")
        let bogus = Header::new("authorization", "Basic c2tfY29udGFjdHNfcnNfdmVyaWZ5X2ludmFsaWQ6");
        bad_credentials(&client.http, &["contacts"], bogus, status_error(decode_error))
    });
    let mut headers: Vec<(String, String)> = Vec::new();
    v.check("list-shape", "the list answers a bare JSON array of contacts", || {
        let response = client.http.request(Method::Get, &["contacts"])?.query("page", 0).query("size", 2).send()?;
        headers = response.meta().headers;
        let value: Value = response.json()?;
        Ok(match value {
            Value::Array(_) => Finding::Held(shape_of(&value)),
            _ => Finding::Differs(
                shape_of(&value),
                "the crate cannot read this list: the crate needs a fix; report this shape".to_owned(),
            ),
        })
    });
    v.check("total-header", "lists send their total in x-total-count (the developer reference)", || {
        Ok(match headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("x-total-count")) {
            Some((_, total)) if total.trim().parse::<u64>().is_ok() => {
                Finding::Held("x-total-count holds a number".to_owned())
            }
            Some(_) => Finding::Differs(
                "x-total-count is not a number".to_owned(),
                "the crate ignores it and ends a list at a short page: report this line".to_owned(),
            ),
            None => Finding::Differs(
                "no x-total-count in a list answer".to_owned(),
                "nothing to set: a short page then ends a list, so a server whose pages are shorter than \
                 asked would end it early; keep the page size at what Previsto serves (see largest-page) and \
                 tell us"
                    .to_owned(),
            ),
        })
    });
    v.check("paging", "pages count from 0, and page 1 goes on where page 0 ended", || {
        let zero = contacts.list_page(&ListContacts::new().page(0).size(1))?;
        let one = contacts.list_page(&ListContacts::new().page(1).size(1))?;
        Ok(match (zero.contacts.first(), one.contacts.first()) {
            (Some(a), Some(b)) if a.id != b.id => {
                Finding::Held("pages 0 and 1 of size 1 hold different contacts".to_owned())
            }
            (Some(_), Some(_)) => Finding::Differs(
                "page 1 of size 1 repeats page 0's contact".to_owned(),
                "the crate needs a fix (pages may count from 1 here): report this line".to_owned(),
            ),
            (None, Some(_)) => Finding::Differs(
                "page 0 is empty and page 1 is not".to_owned(),
                "the crate needs a fix (pages count from 1 here): report this line".to_owned(),
            ),
            _ => Finding::NotRun("the account holds fewer than 2 contacts".to_owned()),
        })
    });
    v.check("largest-page", "a page holds up to 1000 contacts (developer reference; the older page says 100)", || {
        let max = MAX_PAGE_SIZE as usize;
        let page = contacts.list_page(&ListContacts::new().page(0).size(MAX_PAGE_SIZE))?;
        let got = page.contacts.len();
        let total = match page.total {
            Some(total) => total,
            // Without a total: a second page says whether the first stopped short.
            None if got < max => {
                let next = contacts.list_page(&ListContacts::new().page(1).size(MAX_PAGE_SIZE))?;
                if next.contacts.is_empty() { got as u64 } else { (got + next.contacts.len() + 1) as u64 }
            }
            None => got as u64,
        };
        if total <= 100 {
            return Ok(Finding::NotRun(format!(
                "the account holds {total} contacts: more than 100 are needed to tell pages of 1000 from pages of 100"
            )));
        }
        Ok(if got >= max.min(total as usize) {
            Finding::Held(format!("size={max} answered {got} of {total} contacts"))
        } else {
            Finding::Differs(
                format!("asked for {max}, got {got} of {total}"),
                format!(
                    "set ListContacts::size({got}): pages asked as {max} are served as {got}; the crate reads on \
                     while x-total-count says there is more, but an answer without it would end the list there"
                ),
            )
        })
    });
    v.check(
        "not-found",
        "a contact that does not exist is a 404 in Previsto's {type, message}: Error::NotFound",
        || {
            let id = ContactId::new(format!("con_contacts_rs_verify_{}", contacts_http::new_request_id()));
            match contacts.get(&id) {
                Err(e) if e.is_not_found() => {
                    Ok(Finding::Held(format!("{} in Previsto's shape", e.status().unwrap_or(404))))
                }
                Err(e) => Err(e),
                Ok(_) => Ok(Finding::Differs("a made-up id answered a contact".to_owned(), crate_fix())),
            }
        },
    );
    v.check("error-body", "a refused request answers {type, message, param}", || {
        let response = client.http.request(Method::Get, &["contacts"])?.query("size", 0).any_status(true).send()?;
        let status = response.status();
        let body = shape(response.body());
        if status < 400 {
            return Ok(Finding::Differs(format!("size=0 answered {status} ({body})"), crate_fix()));
        }
        let error = decode_error(&response.into_inner());
        Ok(match error.code() {
            Some(_) => Finding::Held(format!(
                "{status} with a type{}",
                if error.field().is_some() { " and a param" } else { "" }
            )),
            None => Finding::Differs(
                format!("{status} with {body}"),
                "the crate reads this error without its type and param (only its status): the crate needs a fix; \
                 report this shape"
                    .to_owned(),
            ),
        })
    });
    v.check("rate-limit-headers", "the limit is 120 requests a minute (the document): the crate paces by it", || {
        let seen = rate_limit_headers(headers.iter().map(|(n, _)| n.as_str()));
        let limit = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("x-ratelimit-limit") || n.eq_ignore_ascii_case("ratelimit-limit"))
            .and_then(|(_, v)| v.split([',', ';']).next()?.trim().parse::<u64>().ok());
        Ok(match limit {
            Some(n) if n != DOCUMENTED_PER_MINUTE => Finding::Differs(
                format!("rate-limit headers: {}; a limit of {n}", seen.join(", ")),
                format!("pass --rate-per-minute to the sync to match (the crate assumes {DOCUMENTED_PER_MINUTE})"),
            ),
            _ if seen.is_empty() => Finding::Held("no rate-limit headers in a list answer".to_owned()),
            _ => Finding::Held(format!("rate-limit headers: {}", seen.join(", "))),
        })
    });
    if v.may_write() {
        write_checks(client, &mut v);
    }
    v.finish()
}

/// Create, read back, update and delete one contact.
fn write_checks(client: &Client, v: &mut Verifier) {
    let contacts = client.contacts();
    let name = write_name();
    let mut made: Option<ContactId> = None;
    v.check("write-create", "POST /contacts creates a contact from a name alone (the document's example)", || {
        let created = contacts.create(&NewContact::new(name.clone()))?;
        made = Some(created.id.clone());
        Ok(Finding::Held(format!("created {}", created.id)))
    });
    let Some(id) = made else { return };
    v.check("write-read-back", "the created contact reads back with what was sent", || {
        name_reads_back(&name, || Ok(contacts.get(&id)?.name))
    });
    v.check("write-update", "POST /contacts/{id} changes only the fields sent", || {
        let renamed = format!("{name} (updated)");
        rename_reads_back(
            &renamed,
            || contacts.update(&id, &ContactUpdate::new().name(renamed.clone())).map(drop),
            || Ok(contacts.get(&id)?.name),
        )
    });
    let mut deleted = false;
    v.check("write-delete", "DELETE /contacts/{id} removes it: a read afterwards is not found", || {
        gone_after_delete(&mut deleted, || contacts.delete(&id), || contacts.get(&id))
    });
    if !deleted {
        v.left_behind(format!("contact {id} (named {name:?}) could not be deleted: remove it in Previsto"));
    }
}
