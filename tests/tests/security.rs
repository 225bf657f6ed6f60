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
    assert_eq!(sb.contact_count(Provider::PREVISTO), 2);
    assert_eq!(sb.contact_count(Provider::PORTAL), 2);
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
            assert!(matches!(api.get(id), Err(Error::Validation(_))), "{} {id:?}", api.provider());
        }
    }
    assert_eq!(sb.request_count(), 0);
}

#[test]
fn header_injection_is_refused_everywhere() {
    let evil = "x\r\nX-Injected: 1";
    let is_refused = |r: Result<(), Error>| matches!(r, Err(Error::Validation(_) | Error::Config(_)));
    assert!(is_refused(levers_client::Client::new("https://levers.example.com/api-service/v1", evil).map(drop)));
    assert!(is_refused(cleanlife_partners::Client::new(evil).map(drop)));
    assert!(is_refused(
        portal_contacts::Client::builder().base_url("https://p.example").authorization(evil).build().map(drop)
    ));
    assert!(is_refused(previsto::Client::builder().api_key("k").user_agent(evil).build().map(drop)));
    assert!(is_refused(
        levers_client::Client::builder()
            .base_url("https://levers.example.com/api-service/v1")
            .token("t")
            .user_agent(evil)
            .build()
            .map(drop)
    ));
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
    assert!(refused(
        levers_client::Client::builder()
            .base_url(levers_client::DOCUMENTED_BASE_URL)
            .token("t")
            .base_url(remote)
            .build()
            .map(drop)
    ));
    assert!(refused(cleanlife_partners::Client::builder().api_key("k").base_url(remote).build().map(drop)));
    assert!(refused(portal_contacts::Client::builder().authorization("a").base_url(remote).build().map(drop)));
    assert!(previsto::Client::builder().api_key("k").base_url(remote).allow_insecure_http(true).build().is_ok());
    assert!(
        levers_client::Client::builder()
            .base_url(levers_client::DOCUMENTED_BASE_URL)
            .token("t")
            .base_url(remote)
            .allow_insecure_http(true)
            .build()
            .is_ok()
    );
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

/// A transport that records the `Debug` of every request it is given, as a logging wrapper a
/// user writes would, and answers from a script.
#[derive(Debug, Clone, Default)]
struct Logged {
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl contacts_core::Transport for Logged {
    fn send(&self, request: &contacts_core::HttpRequest) -> Result<contacts_core::HttpResponse, Error> {
        self.lines.lock().unwrap().push(format!("{request:?}"));
        let body = if request.url.contains("/auth/") {
            r#"{"access_token":"tok-TOPSECRET-jwt"}"#
        } else if request.url.ends_with("/contact") && request.method == contacts_core::Method::Post {
            r#"{"msg":"Successfully created entity.","id":"1","result":true}"#
        } else {
            r#"{"uuid":"3c90c3cc-0d44-4b50-8888-8dd25736052a","name":"N","entity":{"id":"1","name":"N"},"result":true}"#
        };
        Ok(contacts_core::HttpResponse::new(200, body))
    }
}

/// Runs every attack of the security round, asserts its outcome, and returns the table rows.
fn attacks() -> Vec<(String, String)> {
    let mut rows = Vec::new();
    let mut row = |attack: &str, outcome: String| rows.push((attack.to_owned(), outcome));

    // 9. A caller's own agent that follows redirects, and a 302 to another host.
    {
        let thief = contacts_tests::FaultServer::start(contacts_tests::Action::json(200, "{}")).unwrap();
        let origin = contacts_tests::FaultServer::start(
            contacts_tests::Action::raw(302, "text/html", "moved")
                .header("Location", &format!("{}/steal", thief.url())),
        )
        .unwrap();
        let agent = contacts_http::ureq::Agent::config_builder().max_redirects(10).build().new_agent();
        let client = cleanlife_partners::Client::builder()
            .api_key("pk_TOPSECRET_key")
            .base_url(format!("{}/v1", origin.url()))
            .transport(contacts_http::UreqTransport::from_agent(agent))
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let err = client.contacts().get(&cleanlife_partners::Uuid::nil().into()).unwrap_err();
        assert_eq!(err.status(), Some(302), "{err:?}");
        assert_eq!(thief.total(), 0, "the redirect was followed and the key went with it");
        row(
            "a caller's agent set to follow redirects; 302 to another host",
            format!("api error 302 naming the other host · it received {} requests", thief.total()),
        );
    }

    // 11. A secret in the base URL: user info refused, the query never printed.
    for (what, url) in [
        ("user info in the base URL", "https://user:TOPSECRET@api.example.com"),
        ("a key in the base URL's query", "https://api.example.com/v1?api_key=TOPSECRET"),
    ] {
        let builder = previsto::Client::builder().api_key("k").base_url(url);
        let debug = format!("{builder:?}");
        let err = builder.build().unwrap_err();
        let text = format!("{err} {err:?} {debug}");
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert!(!text.contains("TOPSECRET"), "{text}");
        row(what, "refused at build; neither the error nor the builder's Debug shows it".into());
    }

    // 12. Debug of requests seen by a logging transport: lengths, never bodies.
    {
        let log = Logged::default();
        let levers = levers_client::Client::builder()
            .client_credentials("id", "client-TOPSECRET")
            .base_url("https://api.example.com/api-service/v1")
            .transport(log.clone())
            .build()
            .unwrap();
        levers.contacts().get(&"3c90c3cc-0d44-4b50-8888-8dd25736052a".parse().unwrap()).unwrap();
        let portal = portal_contacts::Client::builder()
            .authorization("a")
            .base_url("https://portal.example.com")
            .transport(log.clone())
            .build()
            .unwrap();
        portal.contacts().create(&portal_contacts::NewContact::new("A").portal_password("pw-TOPSECRET")).unwrap();
        let lines = log.lines.lock().unwrap().clone();
        assert!(lines.len() >= 3, "{lines:?}");
        for line in &lines {
            assert!(!line.contains("TOPSECRET"), "{line}");
            assert!(line.contains("body_bytes"), "{line}");
        }
        row(
            "a logging transport prints every request's Debug (Levers' client secret, the portal password)",
            "bodies shown as their length, credentials as ***".into(),
        );
    }

    // 13. Control characters from the server in Display.
    {
        let server = contacts_tests::FaultServer::start(contacts_tests::Action::json(
            400,
            r#"{"type":"x\u001b[31m","message":"bad\r\nX-Forged: 1\u001b]0;pwned\u0007"}"#,
        ))
        .unwrap();
        let p = previsto::Client::builder()
            .api_key("k")
            .base_url(server.url())
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let shown = p.contacts().get(&previsto::ContactId::from("con_1")).unwrap_err().to_string();
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert!(shown.contains("bad\\r\\nX-Forged: 1\\u{1b}"), "{shown}");
        row("CR, LF and ESC in the server's code and message", "escaped in Display (`\\r\\n`, `\\u{1b}`)".into());
    }

    // 15. Control characters, bidi overrides and runaway lengths in names.
    {
        let sb = Sandbox::start().unwrap();
        let p = previsto(&sb);
        let po = portal(&sb);
        // A runaway length is refused; control and bidi characters are carried safely by the
        // encoding, sent, and escaped where printed (the documents forbid none).
        let huge = "x".repeat(5_000_000);
        assert!(p.contacts().create(&previsto::NewContact::new(huge.as_str())).unwrap_err().is_validation());
        assert!(po.contacts().create(&portal_contacts::NewContact::new(huge.as_str())).unwrap_err().is_validation());
        assert_eq!(sb.request_count(), 0, "nothing was sent for the runaway name");
        let created = p.contacts().create(&previsto::NewContact::new("abc\u{202E}gpj.exe\r\nX: 1")).unwrap();
        let shown = contacts_core::escaped(&created.name).to_string();
        assert!(!shown.chars().any(|c| c.is_control() || c == '\u{202E}'), "{shown:?}");
        row(
            "NUL, CR/LF, U+202E or 5 MB in a name",
            "5 MB refused before sending; control and bidi characters sent (the encoding carries them, no document forbids them) and escaped wherever printed".into(),
        );
    }
    rows
}

#[test]
fn attacks_of_the_security_round_are_refused_and_the_readme_says_so() {
    let rows = attacks();
    let table = format!(
        "| attack | what the clients do |\n| --- | --- |\n{}\n",
        rows.iter().map(|(a, o)| format!("| {a} | {o} |")).collect::<Vec<_>>().join("\n")
    );
    contacts_tests::sync_readme("security", &table);
}

/// The proxy decision is made per request, by its own host: a token endpoint on this machine
/// is called direct even when the API itself goes through a proxy (before, only the base
/// URL's host was looked at, and the client secret went to the proxy).
#[test]
fn a_loopback_token_endpoint_never_goes_through_the_proxy() {
    let proxy = contacts_tests::FaultServer::start(contacts_tests::Action::json(502, "{}")).unwrap();
    let tokens =
        contacts_tests::FaultServer::start(contacts_tests::Action::json(200, r#"{"access_token":"tok"}"#)).unwrap();
    let client = levers_client::Client::builder()
        .client_credentials("cid", "TOPSECRET")
        .base_url("https://api.example.com/api-service/v1")
        .auth_url(format!("{}/auth/v1/api-key/auth", tokens.url()))
        .proxy(proxy.url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let _ = client.contacts().get(&levers_client::Uuid::nil().into());
    assert_eq!(tokens.total(), 1, "the token endpoint was called direct");
    assert!(proxy.total() <= 1, "only the API call may go through the proxy");
}
