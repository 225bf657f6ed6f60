//! `contacts-bench`: the runtime figures `cargo xtask bench` reports, each a ratio (ours vs a
//! baseline measured in the same run) or a count, against the sandbox on 127.0.0.1 with
//! keep-alive on both sides. Prints one JSON object per figure.
//!
//! `contacts-bench all` runs everything; `contacts-bench list <ours|raw> <previsto base url>`
//! is the child process whose peak RSS the listing figure reports.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use contacts_core::{ContactsApi, Error};
use contacts_sandbox::{Provider, Sandbox, credentials};
use serde::Deserialize;
use serde_json::json;

const UUID0: &str = "00000000-0000-4000-8000-000000000000";
const CL_UUID0: &str = "00000000-0000-4000-a000-000000000000";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["all"] => all(),
        ["list", which, url] => list_child(which, url),
        _ => Err("usage: contacts-bench all | list <ours|raw> <previsto base url>".into()),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn emit(figure: serde_json::Value) {
    println!("{figure}");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Times `ours` and `raw` alternately in small batches (so drift hits both alike) and returns
/// the two medians per call.
fn interleaved(rounds: usize, mut ours: impl FnMut(), mut raw: impl FnMut()) -> (Duration, Duration) {
    let (mut a, mut b) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..20 {
        ours();
        raw();
    }
    for i in 0..rounds {
        let time = |f: &mut dyn FnMut(), into: &mut Vec<Duration>| {
            let t = Instant::now();
            f();
            into.push(t.elapsed());
        };
        if i % 2 == 0 {
            time(&mut ours, &mut a);
            time(&mut raw, &mut b);
        } else {
            time(&mut raw, &mut b);
            time(&mut ours, &mut a);
        }
    }
    (median(a), median(b))
}

/// The agent both sides share in the per-call figures: one pooled connection, one server
/// thread, so the comparison sees only what our client adds. Configured like our default
/// transport (per-phase timeouts, no redirects, statuses as responses).
fn agent() -> ureq::Agent {
    let t = Some(Duration::from_secs(60));
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_send_request(t)
        .timeout_recv_response(t)
        .timeout_recv_body(t)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .build()
        .new_agent()
}

fn raw_get<T: for<'de> Deserialize<'de>>(agent: &ureq::Agent, url: &str, header: (&str, &str)) -> T {
    let mut r = agent.get(url).header(header.0, header.1).call().expect("raw get");
    let bytes = r.body_mut().read_to_vec().expect("raw body");
    serde_json::from_slice(&bytes).expect("raw decode")
}

fn raw_post<T: for<'de> Deserialize<'de>>(
    agent: &ureq::Agent,
    url: &str,
    header: (&str, &str),
    ct: &str,
    body: &[u8],
) -> T {
    let mut r = agent.post(url).header(header.0, header.1).header("content-type", ct).send(body).expect("raw post");
    let bytes = r.body_mut().read_to_vec().expect("raw body");
    serde_json::from_slice(&bytes).expect("raw decode")
}

// The baseline decodes the whole answer, as a hand-written client would, then drops it.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Data<T> {
    data: T,
}

// The baseline decodes the whole answer, as a hand-written client would, then drops it.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Entity<T> {
    entity: T,
}

// The baseline decodes the whole answer, as a hand-written client would, then drops it.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Created {
    id: String,
}

fn overhead(provider: &str, op: &str, (ours, raw): (Duration, Duration)) {
    let ratio = ours.as_secs_f64() / raw.as_secs_f64();
    emit(json!({"figure": "per-call", "provider": provider, "op": op, "ours_us": ours.as_secs_f64() * 1e6,
        "raw_us": raw.as_secs_f64() * 1e6, "ratio": ratio}));
}

fn all() -> Result<(), String> {
    let sb = Sandbox::builder().seed_all(10).record_limit(0).start().map_err(|e| e.to_string())?;
    let agent = agent();
    let rounds = 2000;

    // Previsto.
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:", credentials::PREVISTO_SECRET_KEY))
    );
    let p = previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(sb.previsto_base_url())
        .agent(agent.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let id = previsto::ContactId::from("con_sbx0");
    let url = format!("{}/contacts/con_sbx0", sb.previsto_base_url());
    overhead(
        "previsto",
        "get",
        interleaved(
            rounds,
            || {
                black_box(p.contacts().get(&id).expect("get"));
            },
            || {
                black_box(raw_get::<previsto::Contact>(&agent, &url, ("authorization", &basic)));
            },
        ),
    );
    let new = previsto::NewContact::new("Bench Person")
        .location(previsto::Location::new(10.5, 56.8))
        .email("bench@example.dk");
    let form = new.to_form();
    let curl = format!("{}/contacts", sb.previsto_base_url());
    overhead(
        "previsto",
        "create",
        interleaved(
            rounds,
            || {
                black_box(p.contacts().create(&new).expect("create"));
            },
            || {
                black_box(raw_post::<previsto::Contact>(
                    &agent,
                    &curl,
                    ("authorization", &basic),
                    "application/x-www-form-urlencoded",
                    form.as_str().as_bytes(),
                ));
            },
        ),
    );

    // Levers.
    let bearer = format!("Bearer {}", credentials::LEVERS_TOKEN);
    let l = levers_client::Client::builder()
        .token(credentials::LEVERS_TOKEN)
        .base_url(sb.levers_base_url())
        .agent(agent.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let uuid: levers_client::Uuid = UUID0.parse().map_err(|e| format!("{e}"))?;
    let url = format!("{}/contact/{UUID0}", sb.levers_base_url());
    overhead(
        "levers",
        "get",
        interleaved(
            rounds,
            || {
                black_box(l.contacts().get(&uuid.into()).expect("get"));
            },
            || {
                black_box(raw_get::<levers_client::Contact>(&agent, &url, ("authorization", &bearer)));
            },
        ),
    );
    let create = levers_client::NewContact::new("Bench Co").name_ar("شركة").email("ap@bench.sa");
    let body = serde_json::to_vec(&create).map_err(|e| e.to_string())?;
    let curl = format!("{}/contact", sb.levers_base_url());
    overhead(
        "levers",
        "create",
        interleaved(
            rounds,
            || {
                black_box(l.contacts().create(&create).expect("create"));
            },
            || {
                black_box(raw_post::<levers_client::Contact>(
                    &agent,
                    &curl,
                    ("authorization", &bearer),
                    "application/json",
                    &body,
                ));
            },
        ),
    );

    // TheCleanLife.
    let c = cleanlife_partners::Client::builder()
        .api_key(credentials::CLEANLIFE_API_KEY)
        .base_url(sb.cleanlife_base_url())
        .agent(agent.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let cuuid: cleanlife_partners::Uuid = CL_UUID0.parse().map_err(|e| format!("{e}"))?;
    let url = format!("{}/partners/contacts/{CL_UUID0}", sb.cleanlife_base_url());
    overhead(
        "cleanlife",
        "get",
        interleaved(
            rounds,
            || {
                black_box(c.contacts().get(&cuuid.into()).expect("get"));
            },
            || {
                black_box(raw_get::<Data<cleanlife_partners::Contact>>(
                    &agent,
                    &url,
                    ("x-api-key", credentials::CLEANLIFE_API_KEY),
                ));
            },
        ),
    );
    let req = cleanlife_partners::NewContact::new("+966500000001", "Bench");
    let body = br#"{"phone":"+966500000001","name":"Bench"}"#;
    let curl = format!("{}/partners/contacts", sb.cleanlife_base_url());
    overhead(
        "cleanlife",
        "find_or_create",
        interleaved(
            rounds,
            || {
                black_box(c.contacts().find_or_create(&req).expect("find"));
            },
            || {
                black_box(raw_post::<Data<cleanlife_partners::Contact>>(
                    &agent,
                    &curl,
                    ("x-api-key", credentials::CLEANLIFE_API_KEY),
                    "application/json",
                    body,
                ));
            },
        ),
    );

    // Customer portal.
    let po = portal_contacts::Client::builder()
        .authorization(credentials::PORTAL_AUTHORIZATION)
        .base_url(sb.portal_base_url())
        .agent(agent.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let pid = portal_contacts::ContactId::from("1");
    let url = format!("{}/contact/1", sb.portal_base_url());
    overhead(
        "portal",
        "get",
        interleaved(
            rounds,
            || {
                black_box(po.contacts().get(&pid).expect("get"));
            },
            || {
                black_box(raw_get::<Entity<portal_contacts::Contact>>(
                    &agent,
                    &url,
                    ("authorization", credentials::PORTAL_AUTHORIZATION),
                ));
            },
        ),
    );
    let pnew = portal_contacts::NewContact::new("Bench Person").email("bench@example.com");
    let curl = format!("{}/contact", sb.portal_base_url());
    overhead(
        "portal",
        "create",
        interleaved(
            rounds,
            || {
                black_box(po.contacts().create(&pnew).expect("create"));
            },
            || {
                black_box(raw_post::<Created>(
                    &agent,
                    &curl,
                    ("authorization", credentials::PORTAL_AUTHORIZATION),
                    "application/x-www-form-urlencoded",
                    b"name=Bench%20Person&email=bench%40example.com",
                ));
            },
        ),
    );

    connections()?;
    listing()?;
    Ok(())
}

/// TCP connections opened by 1,000 sequential calls through one client, per provider.
fn connections() -> Result<(), String> {
    let sb = Sandbox::builder().seed_all(3).record_limit(0).start().map_err(|e| e.to_string())?;
    let apis: Vec<(Box<dyn ContactsApi>, &str)> = vec![
        (
            Box::new(
                levers_client::Client::builder()
                    .token(credentials::LEVERS_TOKEN)
                    .base_url(sb.levers_base_url())
                    .build()
                    .map_err(|e| e.to_string())?,
            ),
            UUID0,
        ),
        (
            Box::new(
                cleanlife_partners::Client::builder()
                    .api_key(credentials::CLEANLIFE_API_KEY)
                    .base_url(sb.cleanlife_base_url())
                    .build()
                    .map_err(|e| e.to_string())?,
            ),
            CL_UUID0,
        ),
        (
            Box::new(
                previsto::Client::builder()
                    .api_key(credentials::PREVISTO_SECRET_KEY)
                    .base_url(sb.previsto_base_url())
                    .build()
                    .map_err(|e| e.to_string())?,
            ),
            "con_sbx0",
        ),
        (
            Box::new(
                portal_contacts::Client::builder()
                    .authorization(credentials::PORTAL_AUTHORIZATION)
                    .base_url(sb.portal_base_url())
                    .build()
                    .map_err(|e| e.to_string())?,
            ),
            "1",
        ),
    ];
    for (api, id) in apis {
        let before = sb.connection_count();
        for _ in 0..1000 {
            api.get(id).map_err(|e: Error| e.to_string())?;
        }
        emit(
            json!({"figure": "connections", "provider": api.provider().name(), "calls": 1000, "connections": sb.connection_count() - before}),
        );
    }
    Ok(())
}

/// Iterating 100,000 Previsto contacts, ours vs raw, each in its own process (the sandbox runs
/// in this one, so its memory is not counted).
fn listing() -> Result<(), String> {
    let sb = Sandbox::builder().seed(Provider::Previsto, 100_000).record_limit(0).start().map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut figures = Vec::new();
    for which in ["ours", "raw", "ours", "raw"] {
        let out =
            Command::new(&exe).args(["list", which, &sb.previsto_base_url()]).output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!("list {which}: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
        figures.push((which, v));
    }
    // Best of two runs each, so a scheduling hiccup does not decide the ratio.
    let best = |w: &str, key: &str| {
        figures.iter().filter(|(x, _)| *x == w).filter_map(|(_, v)| v[key].as_f64()).fold(f64::INFINITY, f64::min)
    };
    emit(
        json!({"figure": "listing", "contacts": figures[0].1["count"], "ours_ns_per_contact": best("ours", "ns_per_contact"),
        "raw_ns_per_contact": best("raw", "ns_per_contact"), "ratio": best("ours", "ns_per_contact") / best("raw", "ns_per_contact"),
        "ours_peak_rss_kb": best("ours", "peak_rss_kb"), "raw_peak_rss_kb": best("raw", "peak_rss_kb")}),
    );
    Ok(())
}

/// Peak resident set size of this process, from the OS (`VmHWM` in /proc/self/status).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

fn list_child(which: &str, url: &str) -> Result<(), String> {
    let start = Instant::now();
    let mut count = 0u64;
    match which {
        "ours" => {
            let client = previsto::Client::builder()
                .api_key(credentials::PREVISTO_SECRET_KEY)
                .base_url(url)
                .build()
                .map_err(|e| e.to_string())?;
            for c in client.contacts().iter(&previsto::ListContacts::new().size(100)) {
                black_box(c.map_err(|e| e.to_string())?);
                count += 1;
            }
        }
        _ => {
            let agent = agent();
            let basic = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{}:", credentials::PREVISTO_SECRET_KEY))
            );
            for page in 0.. {
                let items: Vec<previsto::Contact> =
                    raw_get(&agent, &format!("{url}/contacts?size=100&page={page}"), ("authorization", &basic));
                let n = items.len();
                for c in items {
                    black_box(c);
                    count += 1;
                }
                if n < 100 {
                    break;
                }
            }
        }
    }
    let elapsed = start.elapsed();
    println!(
        "{}",
        json!({"count": count, "ns_per_contact": elapsed.as_nanos() as f64 / count.max(1) as f64, "peak_rss_kb": peak_rss_kb()})
    );
    Ok(())
}
