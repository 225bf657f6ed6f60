//! `contacts-bench`: the runtime figures `cargo xtask bench` reports, each a ratio (ours vs a
//! baseline measured in the same run) or a count, against the sandbox on 127.0.0.1 with
//! keep-alive on both sides. Prints one JSON object per figure.
//!
//! `contacts-bench all [--quick]` runs everything (`--quick`: fewer calls and contacts, for a
//! run under a minute and a half; its rows say so); `only <figure> [--quick]` runs one of the
//! figures after the per-call ones (`threads`, `listing`, `huge`, `sync-plan`, `sync-apply`, `sync-network`,
//! `connections`) to look at it alone. The other modes are child processes whose
//! peak RSS a figure reports: `list <ours|raw> <previsto url>`, `huge <previsto url>` (one
//! page at the response cap), `plan <previsto url> <levers url>` and
//! `listboth <previsto url> <levers url>` (the sync's plan and its baseline). For the
//! comparison with a hand-written reqwest client, `serve` runs a sandbox until its stdin
//! closes (printing Previsto's base URL) and `percall <url> <rounds>` times our `get`.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use contacts_core::{ContactsApi, Error};
use contacts_sandbox::{Provider, Sandbox, credentials};
use contacts_tests::peak_rss_kb;
use serde::Deserialize;
use serde_json::json;

const UUID0: &str = "00000000-0000-4000-8000-000000000000";
const CL_UUID0: &str = "00000000-0000-4000-a000-000000000000";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["all"] => all(Scale::FULL),
        ["all", "--quick"] => all(Scale::QUICK),
        ["only", figure] => only(figure, Scale::FULL),
        ["only", figure, "--quick"] => only(figure, Scale::QUICK),
        ["list", which, url] => list_child(which, url),
        ["huge", url] => huge_child(url),
        ["serve"] => serve(),
        ["percall", url, rounds] => percall_child(url, rounds),
        [mode @ ("plan" | "listboth"), from, to] => sync_child(mode, from, to),
        [mode @ ("nightly" | "nightly-list"), from, to] => nightly_child(mode, from, to),
        ["resume", from, to, journal] => resume_child(from, to, journal),
        ["export-child", url, output] => export_child(url, output),
        _ => Err("usage: contacts-bench all [--quick] | only <figure> [--quick] | list <ours|raw> <url> | huge <url> | plan|listboth <previsto url> <levers url>".into()),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// One figure of `all`, to look at it alone: `threads`, `levers-token`, `listing`, `huge`,
/// `sync-plan`, `sync-apply`, `journal`, `export`, `sync-network` or `connections`.
fn only(figure: &str, scale: Scale) -> Result<(), String> {
    match figure {
        "threads" => threads(scale),
        "levers-token" => {
            let sb = Sandbox::builder().seed_all(3).record_limit(0).start().map_err(|e| e.to_string())?;
            levers_token_cache(&sb, scale)
        }
        "listing" => listing(scale),
        "huge" => huge(),
        "sync-plan" => sync_plan(scale),
        "sync-apply" => sync_apply(scale),
        "journal" => journal(scale),
        "export" => export(scale),
        "sync-network" => sync_network(scale),
        "connections" => connections(),
        other => Err(format!(
            "no figure {other:?}: threads, levers-token, listing, huge, sync-plan, sync-apply, journal, export, sync-network, connections"
        )),
    }
}

/// How much each figure measures: the full run (the README's table) or `--quick`.
#[derive(Clone, Copy)]
struct Scale {
    quick: bool,
    /// Interleaved calls per per-call figure.
    rounds: usize,
    /// Calls per thread in the threads figure.
    per_thread: usize,
    /// Pairs of runs (ours, raw) in the threads figure.
    thread_pairs: usize,
    /// Contacts listed in the listing figure.
    listing: u64,
    /// Contacts on each side of the sync plan figure.
    sync_plan: u64,
    /// Lines of the journal the resume figure reads.
    resume_lines: u64,
    /// Contacts the export figure writes.
    export: u64,
    /// Writes in the sync apply figure.
    sync_apply: u64,
    /// Creates in the concurrent apply figure (each at [`LATENCY`]).
    concurrent: u64,
    /// Creates in the throttled apply figure (Previsto at 120 a minute).
    throttled: u64,
    /// Creates in the adaptive figure, and the limit the sync is not told about (`n` in any
    /// `window`: 600 a minute either way).
    adaptive: u64,
    adaptive_limit: (usize, Duration),
    /// Contacts on each side of the read-ahead figure.
    read_ahead: u64,
}

impl Scale {
    const FULL: Scale = Scale {
        quick: false,
        rounds: 2000,
        per_thread: 1000,
        thread_pairs: 31,
        listing: 100_000,
        sync_plan: 1_000_000,
        resume_lines: 1_000_000,
        export: 100_000,
        // 160 chunks of 50: on this VM 40 chunks gave 1.00-1.16x from run to run.
        sync_apply: 4000,
        concurrent: 2000,
        throttled: 300,
        adaptive: 1000,
        adaptive_limit: (600, Duration::from_secs(60)),
        read_ahead: 20_000,
    };
    const QUICK: Scale = Scale {
        quick: true,
        rounds: 300,
        per_thread: 150,
        thread_pairs: 9,
        listing: 20_000,
        sync_plan: 100_000,
        resume_lines: 100_000,
        export: 20_000,
        // As many as the full run: fewer chunks leave the medians to chance (200 writes gave
        // 1.17-1.43x), and 2,000 writes take a fifth of a second.
        sync_apply: 1000,
        concurrent: 400,
        throttled: 20,
        adaptive: 150,
        adaptive_limit: (100, Duration::from_secs(10)),
        read_ahead: 5_000,
    };
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
    agent_with_pool(1)
}

/// [`agent`] with `idle` pooled connections per host (the threads figure's baseline: a pool of 8).
fn agent_with_pool(idle: usize) -> ureq::Agent {
    let t = Some(Duration::from_secs(60));
    ureq::Agent::config_builder()
        .max_idle_connections(idle.max(3))
        .max_idle_connections_per_host(idle.max(3))
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

/// Levers' details answer has no top-level `uuid` (the reference's own example): a
/// hand-written client gives the contact the id it asked for, as ours does.
fn raw_levers_details(agent: &ureq::Agent, url: &str, bearer: &str) -> levers_client::Contact {
    let mut value: serde_json::Value = raw_get(agent, url, ("authorization", bearer));
    if let Some(object) = value.as_object_mut()
        && !object.contains_key("uuid")
    {
        let id = url.rsplit('/').next().unwrap_or_default();
        object.insert("uuid".to_owned(), serde_json::Value::String(id.to_owned()));
    }
    serde_json::from_value(value).expect("raw decode")
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

fn all(scale: Scale) -> Result<(), String> {
    emit(json!({"figure": "scale", "quick": scale.quick}));
    let sb = Sandbox::builder().seed_all(10).record_limit(0).start().map_err(|e| e.to_string())?;
    let agent = agent();
    let rounds = scale.rounds;

    // Previsto.
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:", credentials::PREVISTO_SECRET_KEY))
    );
    let p = previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(sb.previsto_base_url())
        .transport(contacts_http::UreqTransport::from_agent(agent.clone()))
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
                    form.as_bytes(),
                ));
            },
        ),
    );

    // Levers.
    let bearer = format!("Bearer {}", credentials::LEVERS_TOKEN);
    let l = levers_client::Client::builder()
        .token(credentials::LEVERS_TOKEN)
        .base_url(sb.levers_base_url())
        .transport(contacts_http::UreqTransport::from_agent(agent.clone()))
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
                black_box(raw_levers_details(&agent, &url, &bearer));
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
        .transport(contacts_http::UreqTransport::from_agent(agent.clone()))
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
        .transport(contacts_http::UreqTransport::from_agent(agent.clone()))
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
    threads(scale)?;
    listing(scale)?;
    huge()?;
    sync_plan(scale)?;
    sync_apply(scale)?;
    journal(scale)?;
    export(scale)?;
    sync_network(scale)?;
    Ok(())
}

/// The journal of a sync: bytes per write, Previsto → Levers and Levers → Previsto (Levers'
/// uuids as target ids, then as source ids and keys); and the peak RSS of a resume that reads
/// a journal of a million lines, in a process of its own.
fn journal(scale: Scale) -> Result<(), String> {
    let n = 2_000u64;
    let mut per_write = Vec::new();
    for from in [Provider::PREVISTO, Provider::LEVERS] {
        let sb = Sandbox::builder().seed(from, n).record_limit(0).start().map_err(|e| e.to_string())?;
        let (p, l) = (previsto_at(&sb.previsto_base_url())?, levers_at(&sb.levers_base_url())?);
        let (a, b): (&dyn ContactsApi, &dyn ContactsApi) = if from == Provider::PREVISTO { (&p, &l) } else { (&l, &p) };
        let path = std::env::temp_dir().join(format!("contacts-bench-bytes-{}-{from}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut job = contacts_sync::SyncJob::new(a, b).lossy(true).unthrottled().journal(&path);
        let plan = job.plan().map_err(|e| e.to_string())?;
        let report = job.apply(&plan).map_err(|e| e.to_string())?;
        drop(job);
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let _ = std::fs::remove_file(&path);
        let header = text.lines().next().map_or(0, |l| l.len() + 1);
        per_write.push((text.len() - header) as f64 / report.created.max(1) as f64);
    }
    // A journal of `lines` lines: a real run's header and writes, then begun-and-done pairs.
    let lines = scale.resume_lines;
    let sb = Sandbox::builder().seed(Provider::PREVISTO, 10).record_limit(0).start().map_err(|e| e.to_string())?;
    let (p, l) = (previsto_at(&sb.previsto_base_url())?, levers_at(&sb.levers_base_url())?);
    let path = std::env::temp_dir().join(format!("contacts-bench-resume-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut job = contacts_sync::SyncJob::new(&p, &l).lossy(true).unthrottled().journal(&path);
    let plan = job.plan().map_err(|e| e.to_string())?;
    job.apply(&plan).map_err(|e| e.to_string())?;
    drop(job);
    {
        use std::io::Write;
        let file = std::fs::OpenOptions::new().append(true).open(&path).map_err(|e| e.to_string())?;
        let mut out = std::io::BufWriter::new(file);
        for i in 0..lines / 2 {
            let seq = 100 + i;
            writeln!(out, r#"{{"b":{seq},"a":"c","s":"con_sbx{i}"}}"#).map_err(|e| e.to_string())?;
            writeln!(out, r#"{{"d":{seq},"t":"00000000-0000-4000-8000-{i:012x}"}}"#).map_err(|e| e.to_string())?;
        }
        out.flush().map_err(|e| e.to_string())?;
    }
    let bytes = std::fs::metadata(&path).map_err(|e| e.to_string())?.len();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(&exe)
        .args(["resume", &sb.previsto_base_url(), &sb.levers_base_url(), &path.display().to_string()])
        .output()
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&path);
    if !out.status.success() {
        return Err(format!("resume: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    emit(json!({"figure": "journal", "bytes_per_write_into_levers": per_write[0],
        "bytes_per_write_out_of_levers": per_write[1], "resume_lines": lines, "resume_journal_bytes": bytes,
        "resume_peak_rss_kb": v["peak_rss_kb"], "resume_secs": v["secs"]}));
    Ok(())
}

/// A resume of the journal at `journal`, in a process of its own: its peak RSS.
fn resume_child(from: &str, to: &str, journal: &str) -> Result<(), String> {
    let (p, l) = (previsto_at(from)?, levers_at(to)?);
    let start = Instant::now();
    let report = contacts_sync::SyncJob::new(&p, &l).resume(journal).map_err(|e| e.to_string())?;
    black_box(report);
    println!("{}", json!({"secs": start.elapsed().as_secs_f64(), "peak_rss_kb": peak_rss_kb()}));
    Ok(())
}

/// Runs `contacts previsto export` against `url` into `output` and prints its own peak RSS.
fn export_child(url: &str, output: &str) -> Result<(), String> {
    let contacts = std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("contacts");
    let child = Command::new(&contacts)
        .args(["previsto", "export", "--format", "csv", "--output", output])
        .env("PREVISTO_BASE_URL", url)
        .env("PREVISTO_API_KEY", credentials::PREVISTO_SECRET_KEY)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e} (cargo build --release -p contacts-cli)", contacts.display()))?;
    let (code, peak_rss_kb) = contacts_tests::wait_with_peak_rss(child).map_err(|e| e.to_string())?;
    if code != Some(0) {
        return Err(format!("contacts previsto export exited {code:?}"));
    }
    println!("{}", json!({"peak_rss_kb": peak_rss_kb}));
    Ok(())
}

/// `contacts previsto export` of n contacts as CSV, the sandbox in this process and the
/// export in its own: the export's peak RSS (the OS's, for that process alone).
fn export(scale: Scale) -> Result<(), String> {
    let n = scale.export;
    let sb = Sandbox::builder().seed(Provider::PREVISTO, n).record_limit(0).start().map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = std::env::temp_dir().join(format!("contacts-bench-export-{}.csv", std::process::id()));
    // Through a small child of our own: a process forked from this one (hundreds of MB by
    // now) would count this one's pages in the export's peak until it execs.
    let out = Command::new(&exe)
        .args(["export-child", &sb.previsto_base_url(), &output.display().to_string()])
        .output()
        .map_err(|e| e.to_string())?;
    let rows = std::fs::read_to_string(&output).map_or(0, |t| t.lines().count().saturating_sub(1));
    let _ = std::fs::remove_file(&output);
    if !out.status.success() || rows as u64 != n {
        return Err(format!("export: {} ({rows} rows of {n})", String::from_utf8_lossy(&out.stderr)));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let max_rss_kb = v["peak_rss_kb"].clone();
    emit(json!({"figure": "export", "contacts": n, "peak_rss_kb": max_rss_kb,
        "list_requests": sb.count("GET", "/previsto/contacts")}));
    Ok(())
}

const THREADS: usize = 8;

/// Runs `call` on `THREADS` threads, `per_thread` times each, and returns the wall time.
fn on_threads(per_thread: usize, call: &(dyn Fn() + Sync)) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..per_thread {
                    call();
                }
            });
        }
    });
    start.elapsed()
}

/// 8 threads sharing one client: the connections it opens (a pool as large as the threads
/// need, so none is opened again and again) and its throughput against the same threads on
/// raw ureq with a pool of 8.
fn threads(scale: Scale) -> Result<(), String> {
    let sb = Sandbox::builder().seed_all(3).record_limit(0).start().map_err(|e| e.to_string())?;
    let raw_agent = agent_with_pool(THREADS);
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:", credentials::PREVISTO_SECRET_KEY))
    );
    let bearer = format!("Bearer {}", credentials::LEVERS_TOKEN);
    // The raw call for each provider, in typed_gets' order.
    type Raw = Box<dyn Fn(&ureq::Agent) + Sync>;
    let raws: Vec<Raw> = vec![
        Box::new({
            let url = format!("{}/contact/{UUID0}", sb.levers_base_url());
            move |a: &ureq::Agent| {
                black_box(raw_levers_details(a, &url, &bearer));
            }
        }),
        Box::new({
            let url = format!("{}/partners/contacts/{CL_UUID0}", sb.cleanlife_base_url());
            move |a: &ureq::Agent| {
                black_box(raw_get::<Data<cleanlife_partners::Contact>>(
                    a,
                    &url,
                    ("x-api-key", credentials::CLEANLIFE_API_KEY),
                ));
            }
        }),
        Box::new({
            let url = format!("{}/contacts/con_sbx0", sb.previsto_base_url());
            move |a: &ureq::Agent| {
                black_box(raw_get::<previsto::Contact>(a, &url, ("authorization", &basic)));
            }
        }),
        Box::new({
            let url = format!("{}/contact/1", sb.portal_base_url());
            move |a: &ureq::Agent| {
                black_box(raw_get::<Entity<portal_contacts::Contact>>(
                    a,
                    &url,
                    ("authorization", credentials::PORTAL_AUTHORIZATION),
                ));
            }
        }),
    ];
    for ((provider, ours), raw) in typed_gets(&sb)?.into_iter().zip(&raws) {
        let before = sb.connection_count();
        let warm = on_threads(scale.per_thread, &ours);
        let connections = sb.connection_count() - before;
        black_box((warm, on_threads(scale.per_thread, &|| raw(&raw_agent))));
        // Pairs of runs back to back, alternating which side goes first; the figure is the
        // median of the pairs' ratios, so drift and a hiccup in one run do not decide it.
        let (mut ratios, mut ours_times, mut raw_times) = (Vec::new(), Vec::new(), Vec::new());
        for pair in 0..scale.thread_pairs {
            let run_raw = || on_threads(scale.per_thread, &|| raw(&raw_agent));
            let (o, r) = if pair % 2 == 0 {
                let r = run_raw();
                (on_threads(scale.per_thread, &ours), r)
            } else {
                let o = on_threads(scale.per_thread, &ours);
                (o, run_raw())
            };
            ratios.push(r.as_secs_f64() / o.as_secs_f64());
            ours_times.push(o);
            raw_times.push(r);
        }
        ratios.sort_by(f64::total_cmp);
        let calls = (THREADS * scale.per_thread) as f64;
        emit(json!({"figure": "threads", "provider": provider, "threads": THREADS, "calls": calls,
            "connections": connections, "pairs": scale.thread_pairs,
            "ours_per_s": calls / median(ours_times).as_secs_f64(), "raw_per_s": calls / median(raw_times).as_secs_f64(),
            "ratio": ratios[ratios.len() / 2]}));
    }
    levers_token_cache(&sb, scale)
}

/// Whether Levers' token cache costs anything: the same typed `get` on 8 threads through a
/// client that exchanged client credentials for a token (each attempt locks the cache, clones
/// the token and formats the header) against one given the token (a fixed header, as the
/// other providers send), median of the pairs' ratios.
fn levers_token_cache(sb: &Sandbox, scale: Scale) -> Result<(), String> {
    let e = |e: Error| e.to_string();
    let fixed = levers_at(&sb.levers_base_url())?;
    let exchanged = levers_client::Client::builder()
        .client_credentials(credentials::LEVERS_CLIENT_ID, credentials::LEVERS_CLIENT_SECRET)
        .base_url(sb.levers_base_url())
        .build()
        .map_err(e)?;
    let id: levers_client::ContactId = UUID0.parse().map_err(e)?;
    let get = |c: &levers_client::Client| {
        black_box(c.contacts().get(&id).expect("get"));
    };
    black_box((on_threads(scale.per_thread, &|| get(&exchanged)), on_threads(scale.per_thread, &|| get(&fixed))));
    let mut ratios = Vec::new();
    for pair in 0..scale.thread_pairs {
        let (x, f) = if pair % 2 == 0 {
            let f = on_threads(scale.per_thread, &|| get(&fixed));
            (on_threads(scale.per_thread, &|| get(&exchanged)), f)
        } else {
            let x = on_threads(scale.per_thread, &|| get(&exchanged));
            (x, on_threads(scale.per_thread, &|| get(&fixed)))
        };
        ratios.push(f.as_secs_f64() / x.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    // One thread, interleaved calls: the cost of the cache itself, without the scheduling
    // noise of 8 threads on 2 cores. Both clients send through one agent, so one connection
    // and one server thread answer both, as in every per-call row: with a pool each, two
    // clients *alike* measured 0.30x to 3.4x apart, run to run, by which of the 2 vCPUs
    // each one's server thread slept on.
    let agent = agent();
    let shared = |builder: levers_client::ClientBuilder| {
        builder
            .base_url(sb.levers_base_url())
            .transport(contacts_http::UreqTransport::from_agent(agent.clone()))
            .build()
            .map_err(e)
    };
    let fixed = shared(levers_client::Client::builder().token(credentials::LEVERS_TOKEN))?;
    let exchanged = shared(
        levers_client::Client::builder()
            .client_credentials(credentials::LEVERS_CLIENT_ID, credentials::LEVERS_CLIENT_SECRET),
    )?;
    let (x, f) = interleaved(scale.rounds, || get(&exchanged), || get(&fixed));
    emit(json!({"figure": "levers-token", "pairs": scale.thread_pairs, "threads_ratio": ratios[ratios.len() / 2],
        "lowest": ratios[0], "highest": ratios[ratios.len() - 1], "rounds": scale.rounds,
        "exchanged_us": x.as_secs_f64() * 1e6, "fixed_us": f.as_secs_f64() * 1e6,
        "per_call": x.as_secs_f64() / f.as_secs_f64()}));
    Ok(())
}

type Call = Box<dyn Fn() + Sync>;

/// Each crate's own typed `get` of a seeded contact through a fresh client (its own pool), in
/// the order levers, cleanlife, previsto, portal: the same call, decoded into the same type, as
/// the raw baseline makes.
fn typed_gets(sb: &Sandbox) -> Result<Vec<(&'static str, Call)>, String> {
    let e = |e: Error| e.to_string();
    let (levers, cleanlife, previsto, portal) = clients(sb)?;
    let levers_id: levers_client::ContactId = UUID0.parse().map_err(e)?;
    let cleanlife_id: cleanlife_partners::ContactId = CL_UUID0.parse().map_err(e)?;
    let previsto_id = previsto::ContactId::from("con_sbx0");
    let portal_id = portal_contacts::ContactId::from("1");
    Ok(vec![
        ("levers", Box::new(move || drop(black_box(levers.contacts().get(&levers_id).expect("get"))))),
        ("cleanlife", Box::new(move || drop(black_box(cleanlife.contacts().get(&cleanlife_id).expect("get"))))),
        ("previsto", Box::new(move || drop(black_box(previsto.contacts().get(&previsto_id).expect("get"))))),
        ("portal", Box::new(move || drop(black_box(portal.contacts().get(&portal_id).expect("get"))))),
    ])
}

/// A sandbox for other processes: prints Previsto's base URL, serves until stdin closes.
fn serve() -> Result<(), String> {
    let sb = Sandbox::builder().seed_all(10).record_limit(0).start().map_err(|e| e.to_string())?;
    println!("{}", sb.previsto_base_url());
    std::io::Write::flush(&mut std::io::stdout()).map_err(|e| e.to_string())?;
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
    Ok(())
}

/// The median of `rounds` Previsto `get`s through a default client (its own process, as the
/// reqwest program is).
fn percall_child(url: &str, rounds: &str) -> Result<(), String> {
    let rounds: usize = rounds.parse().map_err(|e| format!("rounds: {e}"))?;
    let client = previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(url)
        .build()
        .map_err(|e| e.to_string())?;
    let id = previsto::ContactId::from("con_sbx0");
    let mut times = Vec::with_capacity(rounds);
    for i in 0..rounds + 20 {
        let t = Instant::now();
        black_box(client.contacts().get(&id).map_err(|e| e.to_string())?);
        if i >= 20 {
            times.push(t.elapsed());
        }
    }
    println!("{}", json!({"median_us": median(times).as_secs_f64() * 1e6}));
    Ok(())
}

/// Peak RSS of a process reading one Previsto list answer as large as the response cap.
fn huge() -> Result<(), String> {
    const CAP: usize = contacts_http::DEFAULT_MAX_RESPONSE_BYTES as usize;
    let body = contacts_tests::list_body_near(CAP, r#"{"id":"con_1","name":"N"}"#, ("[", "]"));
    let server = contacts_tests::FaultServer::start(contacts_tests::Action::raw(200, "application/json", body))
        .map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(&exe).args(["huge", &server.url()]).output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("huge: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    emit(json!({"figure": "huge", "cap_bytes": CAP, "peak_rss_kb": v["peak_rss_kb"], "refused": v["refused"]}));
    Ok(())
}

fn huge_child(url: &str) -> Result<(), String> {
    let client = previsto::Client::builder().api_key("sk_1").base_url(url).build().map_err(|e| e.to_string())?;
    let outcome = client.contacts().list_page(&previsto::ListContacts::new().size(100));
    println!("{}", json!({"refused": outcome.is_err(), "peak_rss_kb": peak_rss_kb()}));
    Ok(())
}

/// The sync's plan of n + n contacts (Previsto to Levers), in a process of its own: its peak
/// RSS, and its time against listing both sides with the same clients.
fn sync_plan(scale: Scale) -> Result<(), String> {
    let n = scale.sync_plan;
    let sb = Sandbox::builder()
        .seed(Provider::PREVISTO, n)
        .seed(Provider::LEVERS, n)
        .record_limit(0)
        .start()
        .map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut runs = Vec::new();
    // Best of three each, alternating which goes first: the first night (a million creates),
    // then the night after (the same million over a million copies the sync made, 1 in 100
    // renamed since).
    for mode in ["plan", "listboth", "listboth", "plan", "plan", "listboth"].into_iter().chain([
        "nightly",
        "nightly-list",
        "nightly-list",
        "nightly",
        "nightly",
        "nightly-list",
    ]) {
        let out = Command::new(&exe)
            .args([mode, &sb.previsto_base_url(), &sb.levers_base_url()])
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!("{mode}: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
        runs.push((mode, v));
    }
    let best = |m: &str, key: &str| {
        runs.iter().filter(|(x, _)| *x == m).filter_map(|(_, v)| v[key].as_f64()).fold(f64::INFINITY, f64::min)
    };
    let nightly = &runs.iter().find(|(m, _)| *m == "nightly").ok_or("no nightly run")?.1;
    emit(json!({"figure": "sync-plan", "contacts_each_side": n, "plan_s": best("plan", "secs"),
        "listing_s": best("listboth", "secs"), "ratio": best("plan", "secs") / best("listboth", "secs"),
        "plan_peak_rss_kb": best("plan", "peak_rss_kb"), "writes": runs[0].1["writes"],
        "nightly_s": best("nightly", "secs"), "nightly_listing_s": best("nightly-list", "secs"),
        "nightly_ratio": best("nightly", "secs") / best("nightly-list", "secs"),
        "nightly_peak_rss_kb": best("nightly", "peak_rss_kb"), "nightly_unchanged": nightly["unchanged"],
        "nightly_updates": nightly["updates"]}));
    Ok(())
}

/// The target of a nightly run without a million creates made first: each contact of the
/// source as the sync's copy of it in Levers (a Levers id, the sync's marker, the same
/// fields), 1 in 100 renamed since; or, with no marker yet, an empty Levers.
struct Copies<'a> {
    from: &'a previsto::Client,
    /// The marker up to the source id (`previsto~<scope>:`).
    prefix: Option<String>,
    caps: contacts_core::Capabilities,
}

impl ContactsApi for Copies<'_> {
    fn provider(&self) -> Provider {
        Provider::LEVERS
    }

    fn capabilities(&self) -> contacts_core::Capabilities {
        self.caps
    }

    fn list<'a>(&'a self, query: &contacts_core::ListContacts) -> contacts_core::ContactStream<'a> {
        let Some(prefix) = self.prefix.clone() else { return Box::new(std::iter::empty()) };
        // Read as the source is, by Previsto's largest page.
        let query = query.clone().size(1000);
        Box::new(ContactsApi::list(self.from, &query).enumerate().map(move |(i, c)| {
            c.map(|mut c| {
                c.external_id = Some(format!("{prefix}{}", c.id));
                c.id = format!("3fa85f64-5717-4562-b3fc-{i:012}");
                if i % 100 == 0 {
                    c.name.push_str(" (renamed)");
                }
                c
            })
        }))
    }
}

/// The source's first contact alone, same provider and host: a plan of it shows the marker.
struct First<'a>(&'a previsto::Client);

impl ContactsApi for First<'_> {
    fn provider(&self) -> Provider {
        self.0.provider()
    }

    fn capabilities(&self) -> contacts_core::Capabilities {
        ContactsApi::capabilities(self.0)
    }

    fn host(&self) -> Option<String> {
        ContactsApi::host(self.0)
    }

    fn list<'a>(&'a self, query: &contacts_core::ListContacts) -> contacts_core::ContactStream<'a> {
        Box::new(ContactsApi::list(self.0, query).take(1))
    }
}

/// A nightly plan (or listing its two sides) in a process of its own.
fn nightly_child(mode: &str, from: &str, to: &str) -> Result<(), String> {
    let p = previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(from)
        .build()
        .map_err(|e| e.to_string())?;
    let caps = ContactsApi::capabilities(&levers_at(to)?);
    let empty = Copies { from: &p, prefix: None, caps };
    let first = contacts_sync::SyncJob::new(&First(&p), &empty).lossy(true).plan().map_err(|e| e.to_string())?;
    let marker = first
        .creates()
        .next()
        .and_then(|c| c.contact.and_then(|c| c.external_id))
        .ok_or("the first plan made no create with a marker")?;
    let prefix = marker.rsplit_once(':').map(|(head, _)| format!("{head}:")).ok_or("a marker without a colon")?;
    let copies = Copies { from: &p, prefix: Some(prefix), caps };
    let start = Instant::now();
    let (unchanged, updates) = if mode == "nightly" {
        let plan =
            contacts_sync::SyncJob::new(&p, &copies).lossy(true).unthrottled().plan().map_err(|e| e.to_string())?;
        black_box(&plan);
        if plan.creates().len() != 0 || !plan.deletes.is_empty() || !plan.conflicts.is_empty() {
            return Err(format!(
                "nightly: {} creates, {} deletes, {} conflicts where none were due",
                plan.creates().len(),
                plan.deletes.len(),
                plan.conflicts.len()
            ));
        }
        (plan.unchanged, plan.updates().len() as u64)
    } else {
        let q = contacts_core::ListContacts::default().size(1000);
        for api in [&p as &dyn ContactsApi, &copies] {
            for c in api.list(&q) {
                black_box(c.map_err(|e| e.to_string())?);
            }
        }
        (0, 0)
    };
    println!(
        "{}",
        json!({"secs": start.elapsed().as_secs_f64(), "peak_rss_kb": peak_rss_kb(), "unchanged": unchanged, "updates": updates})
    );
    Ok(())
}

fn sync_child(mode: &str, from: &str, to: &str) -> Result<(), String> {
    let p = previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(from)
        .build()
        .map_err(|e| e.to_string())?;
    let l = levers_client::Client::builder()
        .token(credentials::LEVERS_TOKEN)
        .base_url(to)
        .build()
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    let writes = if mode == "plan" {
        let plan = contacts_sync::SyncJob::new(&p, &l).lossy(true).unthrottled().plan().map_err(|e| e.to_string())?;
        black_box(&plan);
        plan.writes()
    } else {
        // The page size the plan asks each side for: its largest (Previsto 1000, Levers 100).
        for api in [&p as &dyn ContactsApi, &l] {
            let q = contacts_core::ListContacts::default().size(api.capabilities().largest_page().unwrap_or(100));
            for c in api.list(&q) {
                black_box(c.map_err(|e| e.to_string())?);
            }
        }
        0
    };
    println!("{}", json!({"secs": start.elapsed().as_secs_f64(), "peak_rss_kb": peak_rss_kb(), "writes": writes}));
    Ok(())
}

/// The sync's apply (throttle off, journal on) per write against the bare unified `create`
/// of the same contacts, each into an empty Levers.
fn sync_apply(scale: Scale) -> Result<(), String> {
    const CHUNK: usize = 50;
    let n = scale.sync_apply as usize;
    let journal = std::env::temp_dir().join(format!("contacts-bench-journal-{}", std::process::id()));
    // One sandbox holding twice the writes: the plan's creates are cut into chunks of 50 made
    // alternately by the sync (journal on) and bare, so both sides meet the same server, the
    // same connection and the same drift; the figure compares the medians of the chunks.
    let sb =
        Sandbox::builder().seed(Provider::PREVISTO, 2 * n as u64).record_limit(0).start().map_err(|e| e.to_string())?;
    let p = previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(sb.previsto_base_url())
        .build()
        .map_err(|e| e.to_string())?;
    let l = levers_client::Client::builder()
        .token(credentials::LEVERS_TOKEN)
        .base_url(sb.levers_base_url())
        .build()
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&journal);
    // One write at a time: this figure is what the sync adds to a write, not concurrency.
    let mut sync = contacts_sync::SyncJob::new(&p, &l).lossy(true).unthrottled().concurrency(1).journal(&journal);
    let plan = sync.plan().map_err(|e| e.to_string())?;
    if plan.creates().len() != 2 * n {
        return Err(format!("sync apply: planned {} creates, expected {}", plan.creates().len(), 2 * n));
    }
    // Warm the connection to the target, as the plan warmed the sync's.
    black_box(ContactsApi::list(&l, &contacts_core::ListContacts::default()).next());
    let (mut applied, mut bare) = (Vec::new(), Vec::new());
    // The plan in parts of 50 writes, made before any is timed (`Plan::parts`): a part is a
    // plan of its own, applied by the sync; the bare side makes the same contacts by `create`.
    let parts = plan.parts(CHUNK);
    for (i, part) in parts.iter().enumerate() {
        let len = part.writes();
        // Alternate which side a pair of chunks starts with.
        let by_sync = (i % 2 == 0) == (i % 4 < 2);
        if by_sync {
            let t = Instant::now();
            let report = sync.apply(part).map_err(|e| e.to_string())?;
            applied.push(t.elapsed() / len as u32);
            if !report.is_success() || report.created != len as u64 {
                return Err(format!("sync apply: {report:?}"));
            }
        } else {
            let news: Vec<contacts_core::NewContact> = part
                .creates()
                .map(|c| contacts_core::NewContact::from(&c.contact.expect("a plan this size keeps its contacts")))
                .collect();
            let t = Instant::now();
            for new in &news {
                black_box(ContactsApi::create(&l, new).map_err(|e| e.to_string())?);
            }
            bare.push(t.elapsed() / len as u32);
        }
    }
    let _ = std::fs::remove_file(&journal);
    let (apply, bare) = (median(applied).as_secs_f64(), median(bare).as_secs_f64());
    emit(json!({"figure": "sync-apply", "writes": n, "apply_us": apply * 1e6, "bare_us": bare * 1e6,
        "ratio": apply / bare}));
    Ok(())
}

type ClientAndId = (Box<dyn ContactsApi>, &'static str);

type Clients = (levers_client::Client, cleanlife_partners::Client, previsto::Client, portal_contacts::Client);

/// A fresh client (its own pool) for each provider of the sandbox.
fn clients(sb: &Sandbox) -> Result<Clients, String> {
    let e = |e: Error| e.to_string();
    Ok((
        levers_client::Client::builder()
            .token(credentials::LEVERS_TOKEN)
            .base_url(sb.levers_base_url())
            .build()
            .map_err(e)?,
        cleanlife_partners::Client::builder()
            .api_key(credentials::CLEANLIFE_API_KEY)
            .base_url(sb.cleanlife_base_url())
            .build()
            .map_err(e)?,
        previsto::Client::builder()
            .api_key(credentials::PREVISTO_SECRET_KEY)
            .base_url(sb.previsto_base_url())
            .build()
            .map_err(e)?,
        portal_contacts::Client::builder()
            .authorization(credentials::PORTAL_AUTHORIZATION)
            .base_url(sb.portal_base_url())
            .build()
            .map_err(e)?,
    ))
}

/// [`clients`] as `ContactsApi`s, each with the id of a seeded contact, in the order levers,
/// cleanlife, previsto, portal.
fn fresh_clients(sb: &Sandbox) -> Result<Vec<ClientAndId>, String> {
    let (levers, cleanlife, previsto, portal) = clients(sb)?;
    Ok(vec![
        (Box::new(levers), UUID0),
        (Box::new(cleanlife), CL_UUID0),
        (Box::new(previsto), "con_sbx0"),
        (Box::new(portal), "1"),
    ])
}

/// TCP connections opened by 1,000 sequential calls through one client, per provider.
fn connections() -> Result<(), String> {
    let sb = Sandbox::builder().seed_all(3).record_limit(0).start().map_err(|e| e.to_string())?;
    let apis = fresh_clients(&sb)?;
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

/// Iterating (100,000) Previsto contacts, ours vs raw, each in its own process (the sandbox runs
/// in this one, so its memory is not counted).
fn listing(scale: Scale) -> Result<(), String> {
    let sb = Sandbox::builder()
        .seed(Provider::PREVISTO, scale.listing)
        .record_limit(0)
        .start()
        .map_err(|e| e.to_string())?;
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
    // The crate's own iterator at its default, the largest page (1,000): requests for the list.
    sb.clear_requests();
    let client = previsto_at(&sb.previsto_base_url())?;
    let mut count = 0u64;
    for c in client.contacts().iter(&previsto::ListContacts::new()) {
        black_box(c.map_err(|e| e.to_string())?);
        count += 1;
    }
    let largest_page_requests = sb.count("GET", "/previsto/contacts");
    if count != scale.listing {
        return Err(format!("listing at the largest page read {count} of {}", scale.listing));
    }
    emit(
        json!({"figure": "listing", "contacts": figures[0].1["count"], "ours_ns_per_contact": best("ours", "ns_per_contact"),
        "largest_page_requests": largest_page_requests,
        "raw_ns_per_contact": best("raw", "ns_per_contact"), "ratio": best("ours", "ns_per_contact") / best("raw", "ns_per_contact"),
        "ours_peak_rss_kb": best("ours", "peak_rss_kb"), "raw_peak_rss_kb": best("raw", "peak_rss_kb")}),
    );
    Ok(())
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

/// The round trip every sandbox answer waits in the network figures.
const LATENCY: Duration = Duration::from_millis(20);

fn previsto_at(url: &str) -> Result<previsto::Client, String> {
    previsto::Client::builder()
        .api_key(credentials::PREVISTO_SECRET_KEY)
        .base_url(url)
        .build()
        .map_err(|e| e.to_string())
}

fn levers_at(url: &str) -> Result<levers_client::Client, String> {
    levers_client::Client::builder().token(credentials::LEVERS_TOKEN).base_url(url).build().map_err(|e| e.to_string())
}

/// Plans a sync from `from` to `to` as `job` sets it up, then times its apply alone.
fn timed_apply<'a>(
    job: contacts_sync::SyncJob<'a>,
    expected: u64,
) -> Result<(Duration, contacts_sync::Report), String> {
    let mut job = job;
    let plan = job.plan().map_err(|e| e.to_string())?;
    if plan.creates().len() as u64 != expected {
        return Err(format!("planned {} creates, expected {expected}", plan.creates().len()));
    }
    let t = Instant::now();
    let report = job.apply(&plan).map_err(|e| e.to_string())?;
    let took = t.elapsed();
    if !report.is_success() || report.created != expected {
        return Err(format!("apply: {report}"));
    }
    Ok((took, report))
}

/// The sync over a network's round trip ([`LATENCY`] before every answer): concurrent
/// apply, the shared throttle, the adaptive concurrency, and the plan's read-ahead.
fn sync_network(scale: Scale) -> Result<(), String> {
    let start =
        |b: contacts_sandbox::SandboxBuilder| b.latency(LATENCY).record_limit(0).start().map_err(|e| e.to_string());

    // Concurrent apply: Previsto -> Levers (no documented rate), 8 in flight vs 1, each run
    // into an empty Levers of its own.
    let n = scale.concurrent;
    let mut times = Vec::new();
    for concurrency in [8, 1] {
        let sb = start(Sandbox::builder().seed(Provider::PREVISTO, n))?;
        let (p, l) = (previsto_at(&sb.previsto_base_url())?, levers_at(&sb.levers_base_url())?);
        let job = contacts_sync::SyncJob::new(&p, &l).lossy(true).concurrency(concurrency);
        times.push(timed_apply(job, n)?.0);
    }
    let ideal = LATENCY.as_secs_f64() * n as f64 / 8.0;
    emit(json!({"figure": "sync-concurrent", "writes": n, "latency_ms": LATENCY.as_millis() as u64,
        "c8_s": times[0].as_secs_f64(), "c1_s": times[1].as_secs_f64(), "ideal_s": ideal,
        "vs_ideal": times[0].as_secs_f64() / ideal, "speedup": times[1].as_secs_f64() / times[0].as_secs_f64()}));

    // Throttled apply: Levers -> Previsto at 8 in flight, the sandbox enforcing Previsto's
    // documented 120 a minute (quick: 20 in any 10 s, the same rate).
    let n = scale.throttled;
    let limit = if scale.quick { (20, Duration::from_secs(10)) } else { (120, Duration::from_secs(60)) };
    let sb = start(Sandbox::builder().seed(Provider::LEVERS, n).rate_limit_per(Provider::PREVISTO, limit.0, limit.1))?;
    let (l, p) = (levers_at(&sb.levers_base_url())?, previsto_at(&sb.previsto_base_url())?);
    let (took, report) = timed_apply(contacts_sync::SyncJob::new(&l, &p).concurrency(8), n)?;
    let allowed = n as f64 * 60.0 / 120.0;
    emit(json!({"figure": "sync-throttled", "writes": n, "secs": took.as_secs_f64(), "allowed_s": allowed,
        "ratio": took.as_secs_f64() / allowed, "rate_limited": sb.rate_limited(Provider::PREVISTO),
        "slowed_down": report.slowed_down}));

    // Adaptive: Previsto -> Levers at 8 in flight, Levers limited to 600 a minute, which the
    // sync is not told. The least time that limit allows: every request past the first
    // window's waits for a window to pass.
    let n = scale.adaptive;
    let (per, window) = scale.adaptive_limit;
    let sb = start(Sandbox::builder().seed(Provider::PREVISTO, n).rate_limit_per(Provider::LEVERS, per, window))?;
    let (p, l) = (previsto_at(&sb.previsto_base_url())?, levers_at(&sb.levers_base_url())?);
    let (took, report) = timed_apply(contacts_sync::SyncJob::new(&p, &l).lossy(true).concurrency(8), n)?;
    // The plan's one list request to Levers counts against the limit too.
    let requests = report.requests + 1;
    let least = ((requests - 1) / per as u64) as f64 * window.as_secs_f64();
    let refused = sb.rate_limited(Provider::LEVERS);
    emit(json!({"figure": "sync-adaptive", "writes": n, "limit": per, "window_s": window.as_secs(),
        "secs": took.as_secs_f64(), "least_s": least, "ratio": took.as_secs_f64() / least,
        "requests": requests, "rate_limited": refused, "share_429": refused as f64 / requests as f64,
        "lowest": report.lowest_concurrency, "final": report.final_concurrency}));

    // Read-ahead: the plan (both sides at once, each a page ahead) against listing both sides
    // one page after the other, with the same clients, over the same latency.
    let n = scale.read_ahead;
    let sb = start(Sandbox::builder().seed(Provider::PREVISTO, n).seed(Provider::LEVERS, n))?;
    let (p, l) = (previsto_at(&sb.previsto_base_url())?, levers_at(&sb.levers_base_url())?);
    let (mut plan_s, mut seq_s) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..2 {
        // Both sides by pages of 100, so the figure measures reading them at once (with each
        // side's largest page, Previsto's 1,000, one side is a tenth of the other's requests).
        let q = contacts_core::ListContacts::default().size(100);
        let t = Instant::now();
        let plan = contacts_sync::SyncJob::new(&p, &l)
            .lossy(true)
            .source_query(q.clone())
            .target_query(q.clone())
            .plan()
            .map_err(|e| e.to_string())?;
        plan_s = plan_s.min(t.elapsed().as_secs_f64());
        black_box(plan);
        let t = Instant::now();
        for api in [&p as &dyn ContactsApi, &l] {
            for c in api.list(&q) {
                black_box(c.map_err(|e| e.to_string())?);
            }
        }
        seq_s = seq_s.min(t.elapsed().as_secs_f64());
    }
    emit(json!({"figure": "sync-readahead", "contacts_each_side": n, "plan_s": plan_s, "sequential_s": seq_s,
        "ratio": plan_s / seq_s}));
    Ok(())
}
