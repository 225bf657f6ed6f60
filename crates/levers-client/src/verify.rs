//! [`verify`]: the README's Assumptions, checked against your own Levers account.

use contacts_core::{Header, Method, VerifyOptions, VerifyReport};
use contacts_http::verify::{
    Finding, Verifier, bad_credentials, crate_fix, name_reads_back, random_uuid, rate_limit_headers, rename_reads_back,
    shape, shape_of, status_error, write_name,
};
use serde_json::Value;

use crate::client::decode_error;
use crate::{Client, ContactId, ContactUpdate, ListContacts, MAX_PAGE_SIZE, NewContact};

/// Checks each README Assumption a request can settle against the account `client` reaches,
/// and reports which hold: credentials, the list's shape, paging, the largest page, the
/// not-found and error answers, the details answer and rate-limit headers. Read-only unless
/// `options` allows writes on the client's host ([`VerifyOptions::write_to`]); then it also
/// creates one contact named `contacts-rs verify …`, reads it back and updates it (Levers
/// documents no delete: the report says what was left behind). `contacts verify levers` runs
/// it from the command line.
///
/// ```
/// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::LEVERS, 150).start().unwrap();
/// # let client = levers_client::Client::builder().token(contacts_sandbox::credentials::LEVERS_TOKEN).base_url(sandbox.levers_base_url()).build()?;
/// let report = levers_client::verify(&client, &levers_client::VerifyOptions::read_only());
/// println!("{report}");
/// assert!(report.all_held());
/// # Ok::<(), levers_client::Error>(())
/// ```
pub fn verify(client: &Client, options: &VerifyOptions) -> VerifyReport {
    let mut v = Verifier::new(&client.http, options);
    let contacts = client.contacts();
    v.check("credentials", "the token (or the client id and secret, exchanged for one) is accepted", || {
        contacts.list_page(&ListContacts::new().page(1).size(1))?;
        Ok(Finding::Held("a list of one contact answered".to_owned()))
    });
    v.check("bad-credentials", "a token Levers never issued is refused with 401 (an auth error)", || {
        let bogus = Header::new("authorization", "Bearer contacts-rs-verify-invalid");
        bad_credentials(&client.http, &["contact"], bogus, status_error(decode_error))
    });
    let mut headers = Vec::new();
    v.check("list-shape", "the list answers fastapi-pagination's {items, total, page, size, pages}", || {
        let response = client.http.request(Method::Get, &["contact"])?.query("page", 1).query("size", 2).send()?;
        headers = response.meta().headers.into_iter().map(|(name, _)| name).collect();
        let value: Value = response.json()?;
        let envelope = value.as_object().filter(|o| {
            o.get("items").is_some_and(Value::is_array)
                && ["total", "page", "size", "pages"].iter().all(|k| o.contains_key(*k))
        });
        let finding = match (&value, envelope) {
            (_, Some(_)) => Finding::Held(shape_of(&value)),
            (Value::Array(_), None) => Finding::Differs(
                format!("{}: no total, page count nor page number", shape_of(&value)),
                "nothing to set: the crate reads a bare array too and pages until a short page, but cannot \
                 show a total; tell us (an issue with this line) so the README's Assumption can be settled"
                    .to_owned(),
            ),
            _ => Finding::Differs(
                shape_of(&value),
                "the crate cannot read this list: the crate needs a fix; report this shape".to_owned(),
            ),
        };
        Ok(finding)
    });
    v.check("paging", "pages count from 1, and page 2 goes on where page 1 ended", || {
        let one = contacts.list_page(&ListContacts::new().page(1).size(1))?;
        let two = contacts.list_page(&ListContacts::new().page(2).size(1))?;
        Ok(match (one.contacts.first(), two.contacts.first()) {
            (Some(a), Some(b)) if a.id != b.id => {
                Finding::Held("pages 1 and 2 of size 1 hold different contacts".to_owned())
            }
            (Some(_), Some(_)) => Finding::Differs(
                "page 2 of size 1 repeats page 1's contact".to_owned(),
                "the crate needs a fix (pages may count from 0 here): report this line".to_owned(),
            ),
            (None, _) => Finding::Differs(
                "page 1 of size 1 is empty".to_owned(),
                "if the account holds contacts, pages may count from 0 here: the crate needs a fix; report this line"
                    .to_owned(),
            ),
            (Some(_), None) if one.total.is_some_and(|t| t >= 2) => Finding::Differs(
                "page 2 of size 1 is empty though the total says there are more".to_owned(),
                crate_fix(),
            ),
            (Some(_), None) => Finding::NotRun("the account holds fewer than 2 contacts".to_owned()),
        })
    });
    v.check("largest-page", "a page holds up to 100 contacts: size=100 is honoured, size=101 refused", || {
        let max = MAX_PAGE_SIZE as usize;
        let page = contacts.list_page(&ListContacts::new().page(1).size(MAX_PAGE_SIZE))?;
        let got = page.contacts.len();
        if let Some(total) = page.total
            && got < max.min(total as usize)
        {
            return Ok(Finding::Differs(
                format!("asked for {max}, got {got} of {total}"),
                format!(
                    "nothing is lost (the total decides the end), but pages are at most {got}: ask for \
                     ListContacts::size({got}), and tell us so the crate's largest page can be corrected"
                ),
            ));
        }
        let over = client
            .http
            .request(Method::Get, &["contact"])?
            .query("page", 1)
            .query("size", max + 1)
            .any_status(true)
            .send()?;
        Ok(if over.status() >= 400 {
            Finding::Held(format!("size={max} answered {got} contacts; size={} answered {}", max + 1, over.status()))
        } else {
            Finding::Differs(
                format!("size={} answered {}", max + 1, over.status()),
                format!("Levers accepts pages larger than {max}: tell us, so the crate can ask for more at a time"),
            )
        })
    });
    v.check(
        "not-found",
        "a contact that does not exist is a 404 in FastAPI's {\"detail\": …}: Error::NotFound",
        || {
            let id = ContactId::from(uuid_v4()?);
            Ok(match contacts.get(&id) {
                Err(e) if e.is_not_found() => {
                    Finding::Held(format!("{} in FastAPI's shape", e.status().unwrap_or(404)))
                }
                Err(e) => return Err(e),
                Ok(_) => Finding::Differs("a random uuid answered a contact".to_owned(), crate_fix()),
            })
        },
    );
    v.check("error-body", "a refused request answers FastAPI's {\"detail\": [{loc, msg, type}]}", || {
        let response = client.http.request(Method::Get, &["contact", "not-a-uuid"])?.any_status(true).send()?;
        let status = response.status();
        let body = shape(response.body());
        if status < 400 {
            return Ok(Finding::Differs(format!("a malformed uuid answered {status} ({body})"), crate_fix()));
        }
        let error = decode_error(&response.into_inner());
        Ok(if error.field_errors().is_empty() {
            Finding::Differs(
                format!("{status} with {body}"),
                "the crate reads this error without its field details (only its status): the crate needs a fix; \
                 report this shape"
                    .to_owned(),
            )
        } else {
            Finding::Held(format!("{status} with {} field error(s) (loc, msg, type)", error.field_errors().len()))
        })
    });
    v.check("details-answer", "a details answer is the contact asked for (its id from the path when absent)", || {
        let Some(first) = contacts.list_page(&ListContacts::new().page(1).size(1))?.contacts.into_iter().next() else {
            return Ok(Finding::NotRun("the account holds no contact".to_owned()));
        };
        let raw: Value = client.http.request(Method::Get, &["contact", &first.id.to_string()])?.send()?.json()?;
        let has_uuid = raw.get("uuid").is_some();
        let got = contacts.get(&first.id)?;
        Ok(if got.id == first.id && got.name == first.name {
            Finding::Held(format!(
                "the details answer {} a top-level uuid and reads as the listed contact",
                if has_uuid { "has" } else { "lacks" }
            ))
        } else {
            Finding::Differs("the details answer reads as another contact than the one listed".to_owned(), crate_fix())
        })
    });
    v.check("rate-limit-headers", "Levers documents no rate limit: the crate paces by 429 and Retry-After", || {
        let seen = rate_limit_headers(headers.iter().map(String::as_str));
        Ok(if seen.is_empty() {
            Finding::Held("no rate-limit headers in a list answer".to_owned())
        } else {
            Finding::Differs(
                format!("rate-limit headers: {}", seen.join(", ")),
                "Levers announces a limit: pass its rate to the sync (--rate-per-minute), and tell us so the crate \
                 can read these headers"
                    .to_owned(),
            )
        })
    });
    if v.may_write() {
        write_checks(client, &mut v);
    }
    v.finish()
}

fn uuid_v4() -> crate::Result<crate::Uuid> {
    random_uuid().parse().map_err(|e| crate::Error::config(format!("a random uuid could not be made: {e}")))
}

/// Create, read back and update one contact (Levers has no delete).
fn write_checks(client: &Client, v: &mut Verifier) {
    let contacts = client.contacts();
    let name = write_name();
    let mut made: Option<ContactId> = None;
    v.check("write-create", "POST /contact creates a contact from a name alone", || {
        let created = contacts.create(&NewContact::new(name.clone()))?;
        made = Some(created.id);
        Ok(Finding::Held(format!("created {}", created.id)))
    });
    let Some(id) = made else { return };
    v.left_behind(format!(
        "Levers documents no delete: contact {id} (named {name:?}) stays; remove it in Levers' own app"
    ));
    v.check("write-read-back", "the created contact reads back with what was sent", || {
        name_reads_back(&name, || Ok(contacts.get(&id)?.name))
    });
    v.check("write-update", "PUT /contact changes only the fields sent", || {
        let renamed = format!("{name} (updated)");
        rename_reads_back(
            &renamed,
            || contacts.update(&id, &ContactUpdate::new().name(renamed.clone())).map(drop),
            || Ok(contacts.get(&id)?.name),
        )
    });
}
