//! The HTTP layer through the real ureq transport, against mockito on 127.0.0.1.

use std::time::Duration;

use contacts_core::{Error, Header, Method, Provider, RetryPolicy, TransportKind};
use contacts_http::{Form, HttpClient, HttpConfig, decode_json, default_error};
use mockito::Matcher;

fn client(base: &str) -> HttpClient {
    let mut config = HttpConfig::new(Provider::PREVISTO, "contacts-core-test", "1.2.3");
    config.set_base_url(base);
    config.set_retry_policy(RetryPolicy::none());
    config.set_header(Header::sensitive("x-api-key", "pk_sandbox_key"));
    config.build(default_error).unwrap()
}

#[test]
fn request_goes_out_exactly_as_built() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("POST", "/v1/contacts/a%2Fb%20c")
        .match_query(Matcher::Exact("customer_id[]=1&customer_id[]=2".into()))
        .match_header("user-agent", "contacts-core-test/1.2.3")
        .match_header("x-api-key", "pk_sandbox_key")
        .match_header("accept", "application/json")
        .match_header("content-type", "application/x-www-form-urlencoded")
        .match_body(Matcher::Exact("name=Anna%20Jensen&meta[hairColor]=Brown".into()))
        .with_status(201)
        .with_header("content-type", "application/json")
        .with_body(r#"{"id":"con_1"}"#)
        .create();
    let http = client(&format!("{}/v1/", server.url()));
    let mut form = Form::new();
    form.field("name", "Anna Jensen").field("meta[hairColor]", "Brown");
    let response = http
        .request(Method::Post, &["contacts", "a/b c"])
        .unwrap()
        .query("customer_id[]", 1)
        .query("customer_id[]", 2)
        .form(form)
        .send()
        .unwrap();
    mock.assert();
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().unwrap();
    assert_eq!(body["id"], "con_1");
}

#[test]
fn error_status_arrives_with_its_body() {
    let mut server = mockito::Server::new();
    server.mock("GET", "/x").with_status(422).with_body(r#"{"detail":"bad"}"#).create();
    let e = client(&server.url()).request(Method::Get, &["x"]).unwrap().send().unwrap_err();
    assert!(matches!(e, Error::Api(_)), "{e:?}");
    assert_eq!((e.status(), e.body()), (Some(422), Some(r#"{"detail":"bad"}"#)));
}

#[test]
fn the_response_size_cap_holds() {
    let mut server = mockito::Server::new();
    let mock = server.mock("GET", "/big").with_body("x".repeat(5000)).expect(1).create();
    let mut config = HttpConfig::new(Provider::PREVISTO, "t", "1");
    config.set_base_url(server.url());
    config.set_max_response_bytes(1000);
    let http = config.build(default_error).unwrap();
    let err = http.request(Method::Get, &["big"]).unwrap().send().unwrap_err();
    assert!(
        matches!(err, Error::Transport(_)) && err.transport_kind() == Some(TransportKind::ResponseTooLarge),
        "{err:?}"
    );
    mock.assert(); // not retried: a bigger answer will not get smaller
}

#[test]
fn connection_refused_is_a_transport_error_that_never_reached_the_server() {
    // Bind then drop, so the port is (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut config = HttpConfig::new(Provider::PREVISTO, "t", "1");
    config.set_base_url(format!("http://127.0.0.1:{port}"));
    config.set_retry_policy(RetryPolicy::none());
    config.set_connect_timeout(Duration::from_secs(2));
    let err = config.build(default_error).unwrap().request(Method::Post, &["c"]).unwrap().send().unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(!err.may_have_reached_server());
    assert_eq!(err.transport_kind(), Some(TransportKind::Connect));
    // The host is named once, by the call's context, not again by the transport's message.
    let text = err.to_string();
    assert_eq!(text.matches("127.0.0.1").count(), 1, "{text}");
    assert_eq!(text, format!("connection failed: previsto POST /c at 127.0.0.1:{port}: connection refused"));
}

/// A keep-alive HTTP server that answers `{}` to everything and counts TCP connections.
fn counting_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = std::sync::Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                loop {
                    let mut line = String::new();
                    // Read one request head (GETs here carry no body), then answer.
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
                    if writer.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, accepted)
}

#[test]
fn connections_are_reused_across_calls_and_clones() {
    let (url, accepted) = counting_server();
    let http = client(&url);
    for _ in 0..5 {
        http.clone().request(Method::Get, &["ping"]).unwrap().send().unwrap();
    }
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1, "one pooled connection for five calls");
}

/// What a provider crate writes for one operation: a model, and four lines.
mod tiny_provider {
    use contacts_core::{Method, Result};
    use contacts_http::HttpClient;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    pub struct Widget {
        pub id: String,
        pub name: String,
    }

    pub fn get_widget(http: &HttpClient, id: &str) -> Result<Widget> {
        http.request(Method::Get, &["widgets", id])?.send()?.json()
    }
}

#[test]
fn a_provider_operation_is_a_few_lines_end_to_end() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", "/api/widgets/w%2F1")
        .match_header("x-api-key", "pk_sandbox_key")
        .with_body(r#"{"id":"w/1","name":"Gear","extra":true}"#)
        .create();
    server.mock("GET", "/api/widgets/missing").with_status(404).with_body("gone").create();
    let http = client(&format!("{}/api", server.url()));
    let widget = tiny_provider::get_widget(&http, "w/1").unwrap();
    assert_eq!(widget, tiny_provider::Widget { id: "w/1".into(), name: "Gear".into() });
    mock.assert();
    // "gone" is not in any provider's error shape: a 404, but not "no such widget".
    let missing = tiny_provider::get_widget(&http, "missing").unwrap_err();
    assert!(!missing.is_not_found() && missing.status() == Some(404), "{missing:?}");
    assert!(tiny_provider::get_widget(&http, "").unwrap_err().is_validation());
    assert!(matches!(decode_json::<tiny_provider::Widget>(200, b"{}"), Err(Error::Decode(_))));
}

#[test]
fn a_server_that_never_reads_a_large_body_ends_in_the_send_timeout() {
    // Accepts, then never reads: once the socket buffers fill, the send stalls.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let holder = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(4));
        drop(stream);
    });
    let mut config = HttpConfig::new(Provider::PREVISTO, "t", "1");
    config.set_default_base_url("https://unused.example");
    config.set_base_url(url);
    config.set_timeout(Duration::from_millis(500));
    config.set_retry_policy(RetryPolicy::none());
    let http = config.build(default_error).unwrap();
    let big = "x".repeat(16 * 1024 * 1024);
    let started = std::time::Instant::now();
    let err = http.request(Method::Post, &["contacts"]).unwrap().json(&big).send().unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Transport(_)) && err.transport_kind() == Some(TransportKind::Timeout), "{err:?}");
    assert!(err.may_have_reached_server(), "part of the body went out");
    assert!(took < Duration::from_secs(3), "the send blocked for {took:?}");
    holder.join().unwrap();
}

#[cfg(feature = "gzip")]
mod gzip {
    use std::io::Write;

    use super::*;

    fn gzipped(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn a_gzip_answer_is_asked_for_and_inflated() {
        let mut server = mockito::Server::new();
        let mock = server
            .mock("GET", "/v1/x")
            .match_header("accept-encoding", Matcher::Regex("gzip".into()))
            .with_header("content-encoding", "gzip")
            .with_body(gzipped(br#"{"name":"Anna"}"#))
            .create();
        let value: serde_json::Value = client(&format!("{}/v1", server.url()))
            .request(Method::Get, &["x"])
            .unwrap()
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(value["name"], "Anna");
        mock.assert();
    }

    #[test]
    fn a_gzip_bomb_is_refused_at_the_response_cap() {
        // 64 MiB of zeros compress to about 64 KiB: the cap (1 MiB here) applies to what they
        // inflate to.
        let bomb = gzipped(&vec![b'0'; 64 * 1024 * 1024]);
        assert!(bomb.len() < 200 * 1024);
        let mut server = mockito::Server::new();
        server.mock("GET", "/v1/x").with_header("content-encoding", "gzip").with_body(bomb).create();
        let mut config = HttpConfig::new(Provider::PREVISTO, "t", "1");
        config.set_default_base_url("https://unused.example");
        config.set_base_url(format!("{}/v1", server.url()));
        config.set_max_response_bytes(1024 * 1024);
        let http = config.build(default_error).unwrap();
        let err = http.request(Method::Get, &["x"]).unwrap().send().unwrap_err();
        assert!(
            matches!(err, Error::Transport(_)) && err.transport_kind() == Some(TransportKind::ResponseTooLarge),
            "{err:?}"
        );
    }
}
