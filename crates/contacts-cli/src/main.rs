//! `contacts`: a tour of the contacts-rs clients against the built-in sandbox, one operation at
//! a time against a real account, export, sync, and the sandbox as a server.

mod demo;
mod export;
mod failure;
mod man;
mod output;
mod providers;
mod serve;
mod sync;
mod verify;

use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use contacts_core::{Address, Contact, ContactUpdate, ContactsApi, ListContacts, NewContact, Operation as Op};

use crate::failure::{CliError, EXIT_CODES};
use crate::output::Out;
use crate::providers::{Connection, Kind};

#[derive(Parser)]
#[command(
    name = "contacts",
    version,
    about = "Contacts across Levers, TheCleanLife, Previsto and a customer portal",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the local sandbox and walk every operation of every provider.
    Demo,
    /// Print what each provider can do: its operations and the unified fields it stores.
    Capabilities,
    /// Copy contacts one way between two providers: planned, throttled, journaled, resumable.
    ///
    /// Writes go --concurrency N at a time (default 4) through one client per side, and the
    /// plan reads both sides at once. One throttle is shared by every write in flight, so the
    /// target's documented rate (Previsto: 120 a minute) or --rate-per-minute is never
    /// exceeded. When the target answers 429 (or 503 with Retry-After), every write waits it
    /// out, the write is sent again, and the concurrency halves, then climbs back one at a
    /// time; the report ends with "the target asked to slow down N times: concurrency 8 went
    /// down to 4 and ended at 8" (slowed_down, lowest_concurrency, final_concurrency in
    /// --json).
    ///
    /// Exit status: 0 when everything planned was written and nothing was refused; 1 when the
    /// run finished with refusals, conflicts or failed writes; otherwise the kind of failure
    /// that stopped it (2 usage or a flag contradicting --resume's journal, 5 credentials,
    /// 6 rate limit longer than the sync waits, 7 network or a dead target, 9 configuration,
    /// 10 journal missing or damaged, 11 journal held by another run, 130 interrupted).
    Sync(sync::SyncArgs),
    /// Check this crate's reading of a provider's documents against your account: each README
    /// Assumption a request can settle (list shape, paging, largest page, error bodies, request
    /// id echo, the portal's customer_id form…) says held, differs (with what to set) or not
    /// run. Read-only unless --write.
    ///
    /// Exit status: 0 when every check that ran held, 1 when one differs, otherwise the kind of
    /// failure that stopped it (2 usage, 5 credentials, 6 rate limited, 7 network, 9
    /// configuration).
    Verify(verify::VerifyArgs),
    /// The four local fakes as a server.
    Sandbox {
        #[command(subcommand)]
        command: serve::SandboxCommand,
    },
    /// Print a shell completion script: `contacts completions bash > /etc/bash_completion.d/contacts`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `contacts man > contacts.1`.
    Man,
    /// Levers (LEVERS_BASE_URL, and LEVERS_TOKEN or LEVERS_CLIENT_ID + LEVERS_CLIENT_SECRET).
    Levers(ProviderArgs),
    /// TheCleanLife partners (CLEANLIFE_API_KEY, CLEANLIFE_BASE_URL).
    Cleanlife(ProviderArgs),
    /// Previsto (PREVISTO_API_KEY, PREVISTO_BASE_URL).
    Previsto(ProviderArgs),
    /// The customer portal (PORTAL_BASE_URL, PORTAL_AUTHORIZATION).
    Portal(ProviderArgs),
}

#[derive(Args)]
struct ProviderArgs {
    #[command(subcommand)]
    operation: Operation,
    /// Run against a fresh local sandbox instead of the real API.
    #[arg(long, global = true)]
    sandbox: bool,
    /// With --sandbox: start it with this many generated contacts.
    #[arg(long, global = true, default_value_t = 0)]
    seed: u64,
    /// Print JSON: one object per line for lists, one object for a single contact.
    #[arg(long, global = true)]
    json: bool,
    /// The API's base URL, instead of the provider's default or its *_BASE_URL variable.
    #[arg(long, global = true)]
    base_url: Option<String>,
    /// Allow a plain http:// base URL on a host other than this machine (credentials then
    /// cross the network in clear).
    #[arg(long, global = true)]
    allow_insecure_http: bool,
}

/// The optional fields of a contact.
#[derive(Args, Clone, Default)]
struct MoreFields {
    /// Email.
    #[arg(long)]
    email: Option<String>,
    /// Phone.
    #[arg(long)]
    phone: Option<String>,
    /// Street.
    #[arg(long)]
    street: Option<String>,
    /// Postal code.
    #[arg(long)]
    postal_code: Option<String>,
    /// City.
    #[arg(long)]
    city: Option<String>,
    /// Country.
    #[arg(long)]
    country: Option<String>,
    /// VAT / registration number.
    #[arg(long)]
    tax_id: Option<String>,
    /// Location as LONGITUDE,LATITUDE (Previsto stores one).
    #[arg(long, value_parser = parse_location, allow_hyphen_values = true)]
    location: Option<(f64, f64)>,
    /// Your own id for the contact (Levers' extPlatformId, a Previsto meta value).
    #[arg(long)]
    external_id: Option<String>,
    /// Drop (and report) fields the provider cannot store instead of refusing the contact.
    #[arg(long)]
    lossy: bool,
}

/// A contact to create: the name is required.
#[derive(Args, Clone)]
struct NewFields {
    /// Name.
    #[arg(long)]
    name: String,
    #[command(flatten)]
    more: MoreFields,
}

/// Changes: only the fields given are sent.
#[derive(Args, Clone)]
struct ChangeFields {
    /// Name.
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    more: MoreFields,
}

fn parse_location(s: &str) -> Result<(f64, f64), String> {
    let (lon, lat) = s.split_once(',').ok_or("expected LONGITUDE,LATITUDE")?;
    Ok((lon.trim().parse().map_err(|_| "bad longitude")?, lat.trim().parse().map_err(|_| "bad latitude")?))
}

impl MoreFields {
    fn address(&self) -> Option<Address> {
        let a =
            Address::from_parts(self.street.clone(), self.postal_code.clone(), self.city.clone(), self.country.clone());
        (!a.is_empty()).then_some(a)
    }
}

impl NewFields {
    fn new_contact(&self) -> NewContact {
        let m = &self.more;
        let mut c = NewContact::new(self.name.clone()).lossy(m.lossy);
        c.email.clone_from(&m.email);
        c.phone.clone_from(&m.phone);
        c.tax_id.clone_from(&m.tax_id);
        c.address = m.address();
        if let Some((lon, lat)) = m.location {
            c = c.location(contacts_core::Location::new(lon, lat));
        }
        c.external_id.clone_from(&m.external_id);
        c
    }
}

impl ChangeFields {
    fn patch(&self) -> ContactUpdate {
        let m = &self.more;
        let mut p = ContactUpdate::new().lossy(m.lossy);
        p.name.clone_from(&self.name);
        p.email.clone_from(&m.email);
        p.phone.clone_from(&m.phone);
        p.tax_id.clone_from(&m.tax_id);
        p.address = m.address();
        p.location = m.location.map(|(lon, lat)| contacts_core::Location::new(lon, lat));
        p.external_id.clone_from(&m.external_id);
        p
    }
}

#[derive(Subcommand)]
enum Operation {
    /// Create a contact.
    Create(NewFields),
    /// Fetch a contact by id.
    Get {
        /// The provider's contact id.
        id: String,
    },
    /// Change a contact: only the fields given are sent.
    Update {
        /// The provider's contact id.
        id: String,
        #[command(flatten)]
        fields: ChangeFields,
    },
    /// Delete a contact.
    Delete {
        /// The provider's contact id.
        id: String,
    },
    /// List contacts, every page, streamed as they arrive.
    List(ListArgs),
    /// Find a contact by phone, creating it when there is none.
    FindOrCreate(NewFields),
    /// Write every contact as JSON lines or CSV, with a progress spinner on a terminal.
    Export {
        /// Output format (--json is the same as --format jsonl).
        #[arg(long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
        /// Write CSV values exactly as the provider sent them. By default a value that starts
        /// with `=`, `+`, `-`, `@`, a tab or a carriage return (which a spreadsheet would run as
        /// a formula) gets a leading `'`; a plain phone number like `+4522123456` is kept; and
        /// on a terminal, control and bidi characters are shown as `\u{…}`.
        #[arg(long)]
        raw_csv: bool,
        #[command(flatten)]
        list: ListArgs,
    },
}

impl Operation {
    /// The subcommand's name and the capability it needs.
    const NEEDS: [(&'static str, Op); 7] = [
        ("create", Op::Create),
        ("get", Op::Get),
        ("update", Op::Update),
        ("delete", Op::Delete),
        ("list", Op::List),
        ("find-or-create", Op::FindOrCreate),
        ("export", Op::List),
    ];
}

#[derive(Args, Clone, Default)]
struct ListArgs {
    /// Free-text search, where the provider has one.
    #[arg(long)]
    search: Option<String>,
    /// Items per page.
    #[arg(long)]
    page_size: Option<u32>,
    /// Customer id (the portal lists by customer; repeat for several).
    #[arg(long = "customer-id")]
    customer_ids: Vec<u64>,
    /// Stop after this many contacts.
    #[arg(long)]
    limit: Option<usize>,
}

impl ListArgs {
    fn query(&self) -> ListContacts {
        let mut q = ListContacts::new().customer_ids(self.customer_ids.iter().copied());
        if let Some(s) = &self.search {
            q = q.search(s.clone());
        }
        if let Some(n) = self.page_size {
            q = q.size(n);
        }
        q
    }
}

/// Export formats.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

/// The command line, each provider showing only the operations it has.
fn command() -> clap::Command {
    let mut cmd = Cli::command();
    for kind in Kind::ALL {
        let caps = providers::capabilities_of(kind);
        // Rebuilt with only the operations the provider has: hidden ones would still be
        // offered by shell completions and listed in the man page.
        cmd = cmd.mut_subcommand(kind.name(), |provider| {
            let has = |name: &str| Operation::NEEDS.iter().any(|(n, needs)| *n == name && caps.supports(*needs));
            let mut rebuilt = clap::Command::new(kind.name())
                .about(provider.get_about().cloned().unwrap_or_default())
                .subcommand_required(true)
                .arg_required_else_help(true);
            for arg in provider.get_arguments() {
                rebuilt = rebuilt.arg(arg.clone());
            }
            for sub in provider.get_subcommands().filter(|s| has(s.get_name())) {
                rebuilt = rebuilt.subcommand(sub.clone());
            }
            rebuilt
        });
    }
    cmd
}

/// The logger: the records the crates emit (the sync's plan and report at info, each failure
/// at warn, each request at debug), filtered by `RUST_LOG`, on stderr, each line stamped with
/// the time (RFC 3339). Without `RUST_LOG`, the sync's warnings (a write that failed, why a
/// run stopped, as they happen): a client's warning about a failed call would only repeat
/// the `error:` line every command ends with.
/// The filter without `RUST_LOG`.
const DEFAULT_LOG: &str = "contacts_sync=warn";

fn init_logging() {
    use std::io::Write;
    let mut builder = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(DEFAULT_LOG));
    builder.format(|buf, record| {
        let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
        writeln!(buf, "{now} {} {}: {}", record.level(), record.target(), record.args())
    });
    // Already set (never, in this binary): the records go nowhere, the run goes on.
    let _ = builder.try_init();
}

fn main() -> ExitCode {
    init_logging();
    let matches = command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let out = Out::stdout();
    let result = match cli.command {
        Command::Demo => return demo::run(),
        Command::Capabilities => providers::capabilities().map(|t| out.print(&t)),
        Command::Sync(a) => return sync::run(&a),
        Command::Verify(a) => return verify::run(&a),
        Command::Sandbox { command } => serve::run(&command, &out),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut command(), "contacts", &mut buf);
            out.write_bytes(&buf);
            Ok(())
        }
        Command::Man => match man::page(command()) {
            Ok(buf) => {
                out.write_bytes(&buf);
                Ok(())
            }
            Err(e) => Err(CliError::io("rendering the man page", None, e)),
        },
        Command::Levers(a) => run(Kind::Levers, &a, &out),
        Command::Cleanlife(a) => run(Kind::CleanLife, &a, &out),
        Command::Previsto(a) => run(Kind::Previsto, &a, &out),
        Command::Portal(a) => run(Kind::Portal, &a, &out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// A list flag the provider has no use for is refused, not ignored: `--customer-id` is the
/// portal's alone, `--search` Previsto's.
fn refuse_unused_list_flags(kind: Kind, list: &ListArgs) -> Result<(), CliError> {
    if !list.customer_ids.is_empty() && kind != Kind::Portal {
        return Err(CliError::Usage(format!(
            "--customer-id: {} does not list by customer (only the portal does); leave it out",
            kind.name()
        )));
    }
    if list.customer_ids.is_empty() && kind == Kind::Portal {
        return Err(CliError::Usage(
            "--customer-id: the portal lists by customer; name one or more (the sandbox seeds customers 1, 2 and 3)"
                .to_owned(),
        ));
    }
    if list.search.is_some() && kind != Kind::Previsto {
        return Err(CliError::Usage(format!(
            "--search: {} has no search (only Previsto has); leave it out",
            kind.name()
        )));
    }
    Ok(())
}

fn run(kind: Kind, args: &ProviderArgs, out: &Out) -> Result<(), CliError> {
    let needs = Operation::NEEDS.iter().find(|(name, _)| *name == op_name(&args.operation)).map(|(_, n)| *n);
    if let Some(needs) = needs.filter(|n| !providers::capabilities_of(kind).supports(*n)) {
        return Err(CliError::Usage(format!("{} has no {} operation", kind.name(), needs.name().replace('_', "-"))));
    }
    if let Operation::List(list) | Operation::Export { list, .. } = &args.operation {
        refuse_unused_list_flags(kind, list)?;
    }
    let overrides = providers::Overrides {
        base_url: args.base_url.clone(),
        allow_insecure_http: args.allow_insecure_http,
        timeout: None,
    };
    let connection = if args.sandbox {
        Connection::sandbox(kind, args.seed).map_err(|e| CliError::provider("starting the sandbox", e))?
    } else {
        Connection::from_env(kind, &overrides).map_err(|e| CliError::provider("configuring the client", e))?
    };
    let api = connection.api();
    let one = |c: &Contact| out.contact(c, args.json);
    match &args.operation {
        Operation::Create(f) => one(&api.create(&f.new_contact()).map_err(|e| CliError::provider("create", e))?),
        Operation::Get { id } => one(&api.get(id).map_err(|e| CliError::provider("get", e))?),
        Operation::Update { id, fields } => {
            let patch = fields.patch();
            if patch.is_empty() {
                return Err(CliError::Usage("update: nothing to change: give at least one field flag".into()));
            }
            one(&api.update(id, &patch).map_err(|e| CliError::provider("update", e))?);
        }
        Operation::Delete { id } => {
            api.delete(id).map_err(|e| CliError::provider("delete", e))?;
            if args.json {
                out.print(&format!("{}\n", serde_json::json!({"deleted": id})));
            } else {
                out.print(&format!("deleted {id}\n"));
            }
        }
        Operation::List(list) => {
            let limit = list.limit.unwrap_or(usize::MAX);
            output::stream(out, api.list(&list.query()).take(limit), args.json)
                .map_err(|e| CliError::provider("list", e))?;
        }
        Operation::FindOrCreate(f) => {
            let found = api.find_or_create(&f.new_contact()).map_err(|e| CliError::provider("find-or-create", e))?;
            if args.json {
                out.json(&serde_json::json!({"created": found.created, "contact": found.contact}));
            } else {
                out.print(if found.created { "created\n" } else { "found existing\n" });
                one(&found.contact);
            }
        }
        Operation::Export { format, output, raw_csv, list } => {
            let format = match (args.json, *format) {
                (true, Format::Csv) => {
                    return Err(CliError::Usage("--json and --format csv contradict each other".into()));
                }
                (true, _) => Format::Jsonl,
                (false, f) => f,
            };
            export::run(api, format, output.as_deref(), *raw_csv, list)?;
        }
    }
    Ok(())
}

fn op_name(op: &Operation) -> &'static str {
    match op {
        Operation::Create(_) => "create",
        Operation::Get { .. } => "get",
        Operation::Update { .. } => "update",
        Operation::Delete { .. } => "delete",
        Operation::List(_) => "list",
        Operation::FindOrCreate(_) => "find-or-create",
        Operation::Export { .. } => "export",
    }
}

/// A provider client behind the unified trait.
pub(crate) type Api<'a> = &'a dyn ContactsApi;
