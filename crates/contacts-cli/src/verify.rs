//! `contacts verify <provider>`: each crate's `verify`, against the account the environment
//! names or a fresh sandbox, in words or JSON, with an exit status a script can read.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use contacts_core::{Outcome, VerifyOptions, VerifyReport};
use contacts_sandbox::{Deviation, Sandbox};

use crate::failure::{CliError, exit_code_of};
use crate::output::Out;
use crate::providers::{self, Kind, Overrides};

/// Contacts the sandbox starts with for `--sandbox`: more than a page of 100, so every paging
/// check can run.
const SANDBOX_SEED: u64 = 150;

/// The phone `--sandbox --write` finds or creates at TheCleanLife.
const SANDBOX_PHONE: &str = "+966500000001";

#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// The provider whose crate's reading is checked.
    #[arg(value_enum)]
    provider: Kind,
    /// Also create one contact named "contacts-rs verify …", read it back, update it and delete
    /// it where the provider can (a test account only). Needs the host named: the provider's
    /// *_BASE_URL or --base-url, never a built-in default.
    #[arg(long)]
    write: bool,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
    /// Check against a fresh local sandbox (150 contacts each) instead of your account.
    #[arg(long)]
    sandbox: bool,
    /// With --sandbox: serve another reading of the documents (repeat for several):
    /// levers-bare-list, portal-repeated-customer-ids, portal-comma-customer-ids,
    /// cleanlife-no-request-id, previsto-pages-of-100, levers-error-shape,
    /// cleanlife-error-shape, previsto-error-shape.
    #[arg(long, value_name = "MODE", value_parser = parse_deviation, requires = "sandbox")]
    deviate: Vec<Deviation>,
    /// The portal: a customer that has contacts, to tell which customer_id form the list reads
    /// (the sandbox's: 1).
    #[arg(long)]
    customer_id: Option<u64>,
    /// TheCleanLife with --write: a phone number of the test account to find or create.
    #[arg(long)]
    phone: Option<String>,
    /// The API's base URL, instead of the provider's default or its *_BASE_URL variable.
    #[arg(long)]
    base_url: Option<String>,
    /// Allow a plain http:// base URL on a host other than this machine.
    #[arg(long)]
    allow_insecure_http: bool,
    /// Each phase of each request (like 10s): the client's own default when unset.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    timeout: Option<Duration>,
}

pub(crate) fn parse_deviation(name: &str) -> Result<Deviation, String> {
    Deviation::from_name(name).ok_or_else(|| {
        let names: Vec<String> = Deviation::ALL.iter().map(|d| d.name()).collect();
        format!("{name:?} is not one of {}", names.join(", "))
    })
}

/// The variable that names `kind`'s host.
fn base_url_variable(kind: Kind) -> &'static str {
    match kind {
        Kind::Levers => "LEVERS_BASE_URL",
        Kind::CleanLife => "CLEANLIFE_BASE_URL",
        Kind::Previsto => "PREVISTO_BASE_URL",
        Kind::Portal => "PORTAL_BASE_URL",
    }
}

/// Flags that make no sense for `kind`, or together: refused, never ignored.
fn refuse_contradictions(a: &VerifyArgs) -> Result<(), CliError> {
    if a.customer_id.is_some() && a.provider != Kind::Portal {
        return Err(CliError::Usage(format!(
            "--customer-id: {} does not list by customer (only the portal does); leave it out",
            a.provider.name()
        )));
    }
    if a.phone.is_some() && !(a.provider == Kind::CleanLife && a.write) {
        return Err(CliError::Usage(
            "--phone: only TheCleanLife's write checks use a phone (contacts verify cleanlife --write --phone …)"
                .to_owned(),
        ));
    }
    if let Some(d) = a.deviate.iter().find(|d| Kind::of(d.provider()) != Some(a.provider)) {
        return Err(CliError::Usage(format!(
            "--deviate {}: it changes {}, not {}",
            d.name(),
            d.provider(),
            a.provider.name()
        )));
    }
    if a.sandbox && (a.base_url.is_some() || a.allow_insecure_http) {
        return Err(CliError::Usage("--sandbox picks its own base URL: leave out --base-url".to_owned()));
    }
    if a.write && !a.sandbox && a.base_url.is_none() && providers::process_vars(base_url_variable(a.provider)).is_none()
    {
        return Err(CliError::Usage(format!(
            "--write: name the test account's host with {} or --base-url (writes never go to a built-in default \
             host)",
            base_url_variable(a.provider)
        )));
    }
    Ok(())
}

pub(crate) fn run(a: &VerifyArgs) -> ExitCode {
    match report(a) {
        Ok((report, code)) => {
            let out = Out::stdout();
            if a.json {
                out.json(&as_json(&report, code));
            } else {
                out.print(&format!("{report}\n"));
            }
            eprintln!("{}", next_step(&report, a.provider));
            ExitCode::from(code)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Runs the provider's `verify` and gives the report with its exit status: 0 when every
/// check that ran held, 1 when one differs, the failure's own status when one stopped the run.
fn report(a: &VerifyArgs) -> Result<(VerifyReport, u8), CliError> {
    refuse_contradictions(a)?;
    let sandbox = if a.sandbox {
        let mut builder = Sandbox::builder().seed_all(SANDBOX_SEED).record_limit(0);
        for d in &a.deviate {
            builder = builder.deviate(*d);
        }
        Some(builder.start().map_err(|e| CliError::io("starting the sandbox", None, e))?)
    } else {
        None
    };
    let sandbox_vars = |name: &str| sandbox.as_ref().and_then(|s| s.var(name));
    let vars: &dyn Fn(&str) -> Option<String> =
        if sandbox.is_some() { &sandbox_vars } else { &providers::process_vars };
    let o = Overrides { base_url: a.base_url.clone(), allow_insecure_http: a.allow_insecure_http, timeout: a.timeout };
    let mut options = VerifyOptions::read_only();
    if let Some(id) = a.customer_id.or(sandbox.as_ref().filter(|_| a.provider == Kind::Portal).map(|_| 1)) {
        options = options.customer_id(id);
    }
    if let Some(phone) = a.phone.clone().or(sandbox.as_ref().map(|_| SANDBOX_PHONE.to_owned())) {
        options = options.phone(phone);
    }
    let failed = |e| CliError::provider("verify", e);
    let report = match a.provider {
        Kind::Levers => {
            let client = providers::levers(vars, &o).map_err(failed)?;
            levers_client::verify(&client, &with_writes(a, options, &client))
        }
        Kind::CleanLife => {
            let client = providers::cleanlife(vars, &o).map_err(failed)?;
            cleanlife_partners::verify(&client, &with_writes(a, options, &client))
        }
        Kind::Previsto => {
            let client = providers::previsto(vars, &o).map_err(failed)?;
            previsto::verify(&client, &with_writes(a, options, &client))
        }
        Kind::Portal => {
            let client = providers::portal(vars, &o).map_err(failed)?;
            portal_contacts::verify(&client, &with_writes(a, options, &client))
        }
    };
    let code = match &report.stopped {
        Some(e) => exit_code_of(e),
        None if report.all_held() => 0,
        None => 1,
    };
    Ok((report, code))
}

/// Writes, when asked, on the host of the base URL the user configured (checked by
/// [`refuse_contradictions`]): the client's own host, as it names it in errors.
fn with_writes(a: &VerifyArgs, options: VerifyOptions, client: &dyn contacts_core::ContactsApi) -> VerifyOptions {
    match client.host() {
        Some(host) if a.write => options.write_to(host),
        _ => options,
    }
}

/// The line on stderr that says what to do next.
fn next_step(report: &VerifyReport, kind: Kind) -> String {
    if let Some(e) = &report.stopped {
        return format!(
            "verify stopped: {}; fix that (credentials, network, base URL) and run `contacts verify {}` again",
            crate::failure::one_line(e),
            kind.name()
        );
    }
    let differing = report.with_outcome(Outcome::Differs).count();
    let not_run = report.with_outcome(Outcome::NotRun).count();
    let mut line = if differing == 0 {
        format!("every check that ran held: the crate's reading matches this {} account", kind.name())
    } else {
        format!(
            "{differing} check(s) differ: do what each says under \"what to do\" (a setting, or a bug report with \
             the lines shown)"
        )
    };
    if not_run > 0 {
        line.push_str(&format!("; {not_run} could not run (see why under each)"));
    }
    if !report.left_behind.is_empty() {
        line.push_str(&format!("; {} thing(s) left behind (see above)", report.left_behind.len()));
    }
    line
}

fn as_json(report: &VerifyReport, exit_code: u8) -> serde_json::Value {
    // Out::json escapes what a terminal would act on in the whole text.
    let text = |s: &str| s.to_owned();
    let checks: Vec<serde_json::Value> = report
        .checks
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.name,
                "outcome": match c.outcome { Outcome::Held => "held", Outcome::Differs => "differs", _ => "not_run" },
                "assumption": c.assumption,
                "seen": text(&c.seen),
                "advice": c.advice.as_deref().map(text),
            })
        })
        .collect();
    serde_json::json!({
        "provider": report.provider.name(),
        "host": text(&report.host),
        "write": report.write,
        "all_held": report.all_held(),
        "checks": checks,
        "left_behind": report.left_behind.iter().map(|s| text(s)).collect::<Vec<_>>(),
        "stopped": report.stopped.as_ref().map(|e| serde_json::json!({
            "error": text(&crate::failure::one_line(e)),
            "exit_code": exit_code_of(e),
        })),
        "exit_code": exit_code,
    })
}
