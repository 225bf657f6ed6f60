//! [`verify`]: the README's Assumptions, checked against your own TheCleanLife account.

use contacts_core::{Header, Method, VerifyOptions, VerifyReport};
use contacts_http::verify::{
    Finding, Verifier, bad_credentials, crate_fix, random_uuid, rate_limit_headers, shape, status_error, write_name,
};

use crate::client::decode_error;
use crate::{Client, ContactId, NewContact};

/// Checks each README Assumption and documented behaviour a request can settle against the
/// account `client` reaches, and reports which hold: the key and its
/// `partner_contacts_read` permission, the not-found and error envelopes, the `X-Request-Id`
/// echo and rate-limit headers. TheCleanLife's only read is a lookup by id, so the read-only
/// checks look up ids that do not exist. Read-only unless `options` allows writes on the
/// client's host ([`VerifyOptions::write_to`]) and names a phone of the test account
/// ([`VerifyOptions::phone`]); then it also finds or creates that contact twice and reads it
/// back (TheCleanLife has no delete: the report says what was left behind). `contacts verify
/// cleanlife` runs it from the command line.
///
/// ```
/// # let sandbox = contacts_sandbox::Sandbox::start().unwrap();
/// # let client = cleanlife_partners::Client::builder().api_key(contacts_sandbox::credentials::CLEANLIFE_API_KEY).base_url(sandbox.cleanlife_base_url()).build()?;
/// let report = cleanlife_partners::verify(&client, &cleanlife_partners::VerifyOptions::read_only());
/// println!("{report}");
/// assert!(report.all_held());
/// # Ok::<(), cleanlife_partners::Error>(())
/// ```
pub fn verify(client: &Client, options: &VerifyOptions) -> VerifyReport {
    let mut v = Verifier::new(&client.http, options);
    let contacts = client.contacts();
    let mut lookup = None;
    v.check("credentials", "the key is accepted and has partner_contacts_read (a lookup is not 401/403)", || {
        let id = ContactId::from(uuid_v4()?);
        match contacts.get(&id) {
            Err(e) if e.is_auth() => Err(e),
            Err(e) if e.is_not_found() => {
                lookup = Some(e);
                Ok(Finding::Held("a lookup of a made-up id answered 404, not 401 or 403".to_owned()))
            }
            Err(e) => Err(e),
            Ok(_) => Ok(Finding::Held("a lookup answered".to_owned())),
        }
    });
    v.check("bad-credentials", "a key TheCleanLife never issued is refused with 401 UNAUTHORIZED", || {
        let bogus = Header::new("x-api-key", "pk_contacts_rs_verify_invalid");
        let id = random_uuid();
        bad_credentials(&client.http, &["partners", "contacts", &id], bogus, status_error(decode_error))
    });
    v.check("not-found", "a contact that does not exist is 404 RESOURCE_NOT_FOUND in the error envelope", || {
        Ok(match &lookup {
            Some(e) if e.code() == Some("RESOURCE_NOT_FOUND") => {
                Finding::Held("404 RESOURCE_NOT_FOUND in {success: false, error}".to_owned())
            }
            Some(e) => Finding::Differs(
                format!("404 with code {}", e.code().unwrap_or("(none)")),
                "the crate reads it as not found, but not by its documented code: report this line".to_owned(),
            ),
            None => Finding::Differs("a made-up id answered a contact".to_owned(), crate_fix()),
        })
    });
    v.check(
        "error-body",
        "a refused request answers {success: false, error: {code, message, details, requestId}}",
        || {
            let response =
                client.http.request(Method::Get, &["partners", "contacts", "not-a-uuid"])?.any_status(true).send()?;
            let status = response.status();
            let body = shape(response.body());
            if status < 400 {
                return Ok(Finding::Differs(format!("a malformed id answered {status} ({body})"), crate_fix()));
            }
            let error = decode_error(&response.into_inner());
            Ok(match error.code() {
                Some(code) => Finding::Held(format!("{status} {code} in the error envelope")),
                None => Finding::Differs(
                    format!("{status} with {body}"),
                    "the crate reads this error without its code and details (only its status): the crate needs a \
                 fix; report this shape"
                        .to_owned(),
                ),
            })
        },
    );
    let mut headers: Vec<String> = Vec::new();
    v.check("request-id", "the x-request-id a call sends is echoed back as X-Request-Id", || {
        let sent = format!("contacts-rs-verify-{}", contacts_http::new_request_id());
        let response = client
            .http
            .request(Method::Get, &["partners", "contacts", &random_uuid()])?
            .header(Header::new("x-request-id", sent.clone()))
            .any_status(true)
            .send()?;
        headers = response.meta().headers.into_iter().map(|(n, _)| n).collect();
        Ok(match response.header("x-request-id") {
            Some(echoed) if echoed == sent => Finding::Held("the id sent came back".to_owned()),
            Some(_) => Finding::Differs(
                "X-Request-Id holds another id than the one sent".to_owned(),
                "errors carry the id TheCleanLife answered with; tell us so the README can say so".to_owned(),
            ),
            None => Finding::Differs(
                "no X-Request-Id in the answer".to_owned(),
                "nothing to set: errors then carry the id the crate sent, which TheCleanLife may not have \
                 logged; give their support the time and operation too"
                    .to_owned(),
            ),
        })
    });
    v.check("rate-limit-headers", "the limit is a 60 s window without Retry-After (the document)", || {
        let seen = rate_limit_headers(headers.iter().map(String::as_str));
        Ok(if seen.is_empty() {
            Finding::Held("no rate-limit headers in an answer".to_owned())
        } else {
            Finding::Differs(
                format!("rate-limit headers: {}", seen.join(", ")),
                "TheCleanLife announces its limit: pass its rate to the sync (--rate-per-minute), and tell us so \
                 the crate can read these headers"
                    .to_owned(),
            )
        })
    });
    if v.may_write() {
        write_checks(client, options, &mut v);
    }
    v.finish()
}

fn uuid_v4() -> crate::Result<crate::Uuid> {
    random_uuid().parse().map_err(|e| crate::Error::config(format!("a random uuid could not be made: {e}")))
}

/// Find or create one contact twice (the second finds it), and read it back.
fn write_checks(client: &Client, options: &VerifyOptions, v: &mut Verifier) {
    let contacts = client.contacts();
    let assumption = "POST /partners/contacts finds or creates by phone; a second call finds the same contact";
    let Some(phone) = options.phone_number() else {
        v.check("write-find-or-create", assumption, || {
            Ok(Finding::NotRun("needs a phone number of the test account (--phone)".to_owned()))
        });
        return;
    };
    let name = write_name();
    let mut made: Option<ContactId> = None;
    v.check("write-find-or-create", assumption, || {
        let first = contacts.find_or_create(&NewContact::new(phone, name.clone()))?;
        made = Some(first.contact.id);
        let second = contacts.find_or_create(&NewContact::new(phone, name.clone()))?;
        Ok(if second.contact.id == first.contact.id && !second.created {
            Finding::Held(format!(
                "the first call {} {}; the second found it",
                if first.created { "created" } else { "found" },
                first.contact.id
            ))
        } else {
            Finding::Differs(
                format!("the second call {} another contact", if second.created { "created" } else { "found" }),
                crate_fix(),
            )
        })
    });
    let Some(id) = made else { return };
    v.left_behind(format!("TheCleanLife has no delete: contact {id} (phone as given) stays"));
    v.check("write-read-back", "GET /partners/contacts/{id} reads the contact back", || {
        let got = contacts.get(&id)?;
        Ok(if got.id == id {
            Finding::Held("it reads back by its id".to_owned())
        } else {
            Finding::Differs("the answer holds another id".to_owned(), crate_fix())
        })
    });
}
