//! Peak memory when a list answer is as large as the response cap (32 MiB): it must stay under
//! 4× the cap. The client runs in a child process (this same test binary, told so by an
//! environment variable), so the server's copy of the body is not counted.

use std::process::Command;

use contacts_tests::{Action, FaultServer, list_body_near, peak_rss_kb};

/// The clients' default response cap (32 MiB).
const CAP: usize = contacts_http::DEFAULT_MAX_RESPONSE_BYTES as usize;
const CHILD: &str = "CONTACTS_MEMORY_CHILD";

/// The client side: one page from the server named in the environment, then the peak RSS.
#[test]
fn child() {
    let Ok(spec) = std::env::var(CHILD) else { return };
    let (which, url) = spec.split_once(' ').unwrap();
    let outcome = match which {
        "previsto" => previsto::Client::builder()
            .api_key("sk_1")
            .base_url(url)
            .build()
            .unwrap()
            .contacts()
            .list_page(&previsto::ListContacts::new().size(100))
            .map(|p| p.contacts.len()),
        _ => levers_client::Client::builder()
            .base_url(levers_client::DOCUMENTED_BASE_URL)
            .token("t")
            .base_url(url)
            .build()
            .unwrap()
            .contacts()
            .list_page(&levers_client::ListContacts::new().size(100))
            .map(|p| p.contacts.len()),
    };
    println!("RESULT {} PEAK {}", outcome.is_err(), peak_rss_kb().expect("the OS reports the peak RSS (VmHWM)"));
}

#[test]
fn a_list_answer_at_the_response_cap_stays_under_four_times_the_cap() {
    if std::env::var(CHILD).is_ok() {
        return;
    }
    let previsto_body = list_body_near(CAP, r#"{"id":"con_1","name":"N"}"#, ("[", "]"));
    let levers_body = list_body_near(
        CAP,
        r#"{"uuid":"3c90c3cc-0d44-4b50-8888-8dd25736052a","name":"N"}"#,
        (r#"{"items":["#, r#"],"total":1}"#),
    );
    for (which, body, prefix) in [("previsto", previsto_body, ""), ("levers", levers_body, "/api-service/v1")] {
        assert!(body.len() <= CAP && body.len() > CAP - 1024);
        let server = FaultServer::start(Action::raw(200, "application/json", body)).unwrap();
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child", "--nocapture", "--test-threads=1"])
            .env(CHILD, format!("{which} {}{prefix}", server.url()))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let at = stdout.find("RESULT ").unwrap_or_else(|| panic!("{stdout}"));
        let fields: Vec<&str> = stdout[at..].split_whitespace().collect();
        let (refused, peak_kb): (bool, u64) = (fields[1].parse().unwrap(), fields[3].parse().unwrap());
        assert!(refused, "{which}: a page of a million contacts when 100 were asked for is refused");
        let limit_kb = (4 * CAP / 1024) as u64;
        assert!(peak_kb < limit_kb, "{which}: peak {peak_kb} KiB, limit {limit_kb} KiB");
        println!("{which}: a 32 MiB list answer peaked at {} MiB (limit {} MiB)", peak_kb / 1024, limit_kb / 1024);
    }
}
