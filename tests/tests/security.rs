//! Hostile input from callers and the rules around secrets and TLS, for every client.

use contacts_core::{ContactsApi, Error, RetryPolicy};
use contacts_sandbox::{Provider, Sandbox, credentials};

const HOSTILE_IDS: &[&str] =
    &["../x", "..", ".", "a/b", "a?b=1", "a#b", "100%", "%2F", "a\r\nb", "a\u{0}b", "عميل", "a b"];

fn previsto(sb: &Sandbox) -> previsto::Client {
    previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(sb.previsto_base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn portal(sb: &Sandbox) -> portal_contacts::Client {
    portal_contacts::Client::builder()
        .authorization(credentials::PORTAL_AUTHORIZATION)
        .base_url(sb.portal_base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

#[test]
fn hostile_ids_stay_one_path_segment_and_never_touch_the_query() {
    let sb = Sandbox::builder().seed_all(2).start().unwrap();
    let clients: Vec<(Box<dyn ContactsApi>, &str)> =
        vec![(Box::new(previsto(&sb)), "/previsto/contacts/"), (Box::new(portal(&sb)), "/portal/contact/")];
    let mut segments: Vec<Vec<String>> = vec![Vec::new(); HOSTILE_IDS.len()];
    for (api, prefix) in &clients {
        for (i, id) in HOSTILE_IDS.iter().enumerate() {
            sb.clear_requests();
            let err = api.get(id).unwrap_err();
            assert!(err.is_not_found(), "{} {id:?}: {err:?}", api.provider());
            let seen = sb.requests();
            assert_eq!(seen.len(), 1, "{id:?}");
            let path = &seen[0].path;
            assert!(path.starts_with(prefix), "{id:?} escaped to {path}");
            let segment = &path[prefix.len()..];
            assert!(!segment.is_empty() && !segment.contains('/'), "{id:?} became {path}");
            assert_eq!(seen[0].query, "", "{id:?} reached the query");
            segments[i].push(format!("`{segment}` · not found"));
        }
        // Deleting a hostile id cannot delete another contact.
        assert!(api.delete("../1").unwrap_err().is_not_found());
    }
    assert_eq!(sb.contact_count(Provider::Previsto), 2);
    assert_eq!(sb.contact_count(Provider::Portal), 2);
    let rows: Vec<String> = HOSTILE_IDS
        .iter()
        .zip(&segments)
        .map(|(id, cells)| {
            format!(
                "| `{}` | {} | refused before sending | refused before sending |",
                id.escape_debug(),
                cells.join(" | ")
            )
        })
        .collect();
    let table = format!(
        "| id given | previsto: path segment sent | portal: path segment sent | levers (uuid) | cleanlife (uuid) |\n| --- | --- | --- | --- | --- |\n{}\n",
        rows.join("\n")
    );
    contacts_tests::sync_readme("hostile-ids", &table);
}

#[test]
fn uuid_typed_providers_refuse_hostile_ids_before_sending() {
    let sb = Sandbox::start().unwrap();
    let levers: Box<dyn ContactsApi> = Box::new(
        levers_client::Client::builder()
            .token(credentials::LEVERS_TOKEN)
            .base_url(sb.levers_base_url())
            .build()
            .unwrap(),
    );
    let cleanlife: Box<dyn ContactsApi> = Box::new(
        cleanlife_partners::Client::builder()
            .api_key(credentials::CLEANLIFE_API_KEY)
            .base_url(sb.cleanlife_base_url())
            .build()
            .unwrap(),
    );
    for api in [levers, cleanlife] {
        for id in HOSTILE_IDS.iter().chain(&[""]) {
            assert!(matches!(api.get(id), Err(Error::Validation { .. })), "{} {id:?}", api.provider());
        }
    }
    assert_eq!(sb.request_count(), 0);
}

#[test]
fn header_injection_is_refused_everywhere() {
    let evil = "x\r\nX-Injected: 1";
    let is_refused = |r: Result<(), Error>| matches!(r, Err(Error::Validation { .. } | Error::Config(_)));
    assert!(is_refused(levers_client::Client::new(evil).map(drop)));
    assert!(is_refused(cleanlife_partners::Client::new(evil).map(drop)));
    assert!(is_refused(
        portal_contacts::Client::builder().base_url("https://p.example").authorization(evil).build().map(drop)
    ));
    assert!(is_refused(previsto::Client::builder().api_key("k").user_agent(evil).build().map(drop)));
    assert!(is_refused(levers_client::Client::builder().token("t").user_agent(evil).build().map(drop)));
    assert!(is_refused(cleanlife_partners::Client::builder().api_key("k").user_agent(evil).build().map(drop)));
    assert!(is_refused(
        portal_contacts::Client::builder()
            .base_url("https://p.example")
            .authorization("a")
            .user_agent(evil)
            .build()
            .map(drop)
    ));
    // A refreshed value is checked on every call, before sending.
    let sb = Sandbox::start().unwrap();
    let client = portal_contacts::Client::builder()
        .base_url(sb.portal_base_url())
        .authorization_provider(|| Ok(contacts_core::Secret::new("Bearer a\r\nX-Injected: 1")))
        .build()
        .unwrap();
    assert!(client.contacts().get(&portal_contacts::ContactId::from("1")).unwrap_err().is_validation());
    assert_eq!(sb.request_count(), 0);
    // A Previsto key is base64-encoded into the header: CR/LF cannot inject anything there.
    let p = previsto::Client::builder().api_key(evil).base_url(sb.previsto_base_url()).build().unwrap();
    assert_eq!(p.contacts().get(&previsto::ContactId::from("x")).unwrap_err().status(), Some(401));
    assert!(sb.requests().iter().all(|r| r.header("x-injected").is_none()));
}

#[test]
fn over_long_and_malformed_fields_are_refused_before_sending() {
    let sb = Sandbox::start().unwrap();
    let p = previsto(&sb);
    let loc = previsto::Location::new(1.0, 1.0);
    assert!(
        p.contacts()
            .create(&previsto::NewContact::new("A").location(loc).meta("k".repeat(41), "v"))
            .unwrap_err()
            .is_validation()
    );
    assert!(
        p.contacts().create(&previsto::NewContact::new("A").location(loc).email("a b@c")).unwrap_err().is_validation()
    );
    let po = portal(&sb);
    assert!(po.contacts().create(&portal_contacts::NewContact::new("n".repeat(65))).unwrap_err().is_validation());
    let l = levers_client::Client::builder()
        .token(credentials::LEVERS_TOKEN)
        .base_url(sb.levers_base_url())
        .build()
        .unwrap();
    assert!(l.contacts().create(&levers_client::NewContact::new("ع".repeat(256))).unwrap_err().is_validation());
    let c = cleanlife_partners::Client::builder()
        .api_key(credentials::CLEANLIFE_API_KEY)
        .base_url(sb.cleanlife_base_url())
        .build()
        .unwrap();
    assert!(
        c.contacts().find_or_create(&cleanlife_partners::NewContact::new("12345", "A")).unwrap_err().is_validation()
    );
    assert_eq!(sb.request_count(), 0);
}

#[test]
fn secrets_never_show_in_debug_display_or_errors() {
    let sb = Sandbox::start().unwrap();
    let secret = "TOPSECRET-9f8e7d";
    let levers = levers_client::Client::builder()
        .client_credentials("id", secret)
        .base_url(sb.levers_base_url())
        .build()
        .unwrap();
    let levers_token = levers_client::Client::builder().token(secret).base_url(sb.levers_base_url()).build().unwrap();
    let cleanlife =
        cleanlife_partners::Client::builder().api_key(secret).base_url(sb.cleanlife_base_url()).build().unwrap();
    let previsto = previsto::Client::builder().api_key(secret).base_url(sb.previsto_base_url()).build().unwrap();
    let portal =
        portal_contacts::Client::builder().authorization(secret).base_url(sb.portal_base_url()).build().unwrap();
    let apis: Vec<Box<dyn ContactsApi>> = vec![
        Box::new(levers.clone()),
        Box::new(levers_token.clone()),
        Box::new(cleanlife.clone()),
        Box::new(previsto.clone()),
        Box::new(portal.clone()),
    ];
    let mut texts = vec![
        format!("{levers:?}"),
        format!("{levers_token:?}"),
        format!("{cleanlife:?}"),
        format!("{previsto:?}"),
        format!("{portal:?}"),
    ];
    for api in &apis {
        // Every one of these is refused by the sandbox (wrong credentials) or not supported.
        for r in [api.get("3c90c3cc-0d44-4b50-8888-8dd25736052a").map(drop), api.delete("1").map(drop)] {
            if let Err(e) = r {
                texts.push(format!("{e} | {e:?} | {:?}", std::error::Error::source(&e)));
            }
        }
    }
    let new = portal_contacts::NewContact::new("A").portal_password(secret);
    texts.push(format!("{new:?}"));
    for t in &texts {
        assert!(!t.contains(secret), "secret leaked: {t}");
    }
    assert!(texts.len() > 8);
}

#[test]
fn plain_http_to_a_remote_host_is_refused_unless_opted_in() {
    let remote = "http://api.example.com";
    let refused = |r: Result<(), Error>| matches!(r, Err(Error::Config(_)));
    assert!(refused(previsto::Client::builder().api_key("k").base_url(remote).build().map(drop)));
    assert!(refused(levers_client::Client::builder().token("t").base_url(remote).build().map(drop)));
    assert!(refused(cleanlife_partners::Client::builder().api_key("k").base_url(remote).build().map(drop)));
    assert!(refused(portal_contacts::Client::builder().authorization("a").base_url(remote).build().map(drop)));
    assert!(previsto::Client::builder().api_key("k").base_url(remote).allow_insecure_http(true).build().is_ok());
    assert!(levers_client::Client::builder().token("t").base_url(remote).allow_insecure_http(true).build().is_ok());
    assert!(
        cleanlife_partners::Client::builder().api_key("k").base_url(remote).allow_insecure_http(true).build().is_ok()
    );
    assert!(
        portal_contacts::Client::builder()
            .authorization("a")
            .base_url(remote)
            .allow_insecure_http(true)
            .build()
            .is_ok()
    );
    assert!(
        previsto::Client::builder().api_key("k").base_url("http://127.0.0.1:1").build().is_ok(),
        "loopback is fine"
    );
}
