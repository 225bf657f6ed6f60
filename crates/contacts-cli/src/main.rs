//! `contacts`: a tour of the contacts-rs clients against the built-in sandbox, one operation at
//! a time against a real account, and export.

mod demo;
mod export;
mod providers;
mod sync;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use contacts_core::{Address, Contact, ContactPatch, ContactsApi, Error, ListQuery, NewContact};

use crate::providers::Connection;

#[derive(Parser)]
#[command(name = "contacts", version, about = "Contacts across Levers, TheCleanLife, Previsto and a customer portal")]
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
    /// Copy contacts one way between two providers: planned, throttled, resumable.
    ///
    /// Exit status: 0 when everything planned was applied, 1 when some writes failed or the
    /// sync could not run, 2 for a usage error.
    Sync(sync::SyncArgs),
    /// Levers (LEVERS_TOKEN or LEVERS_CLIENT_ID + LEVERS_CLIENT_SECRET, LEVERS_BASE_URL).
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
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Args, Clone, Default)]
struct Fields {
    /// Name.
    #[arg(long)]
    name: Option<String>,
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
}

fn parse_location(s: &str) -> Result<(f64, f64), String> {
    let (lon, lat) = s.split_once(',').ok_or("expected LONGITUDE,LATITUDE")?;
    Ok((lon.trim().parse().map_err(|_| "bad longitude")?, lat.trim().parse().map_err(|_| "bad latitude")?))
}

impl Fields {
    fn address(&self) -> Option<Address> {
        let a =
            Address::from_parts(self.street.clone(), self.postal_code.clone(), self.city.clone(), self.country.clone());
        (!a.is_empty()).then_some(a)
    }

    fn new_contact(&self) -> Result<NewContact, Error> {
        let name = self.name.clone().ok_or_else(|| Error::validation("name", "--name is required"))?;
        let mut c = NewContact::new(name);
        c.email.clone_from(&self.email);
        c.phone.clone_from(&self.phone);
        c.tax_id.clone_from(&self.tax_id);
        c.address = self.address();
        if let Some((lon, lat)) = self.location {
            c = c.location(lon, lat);
        }
        c.external_id.clone_from(&self.external_id);
        Ok(c)
    }

    fn patch(&self) -> ContactPatch {
        let mut p = ContactPatch::new();
        p.name.clone_from(&self.name);
        p.email.clone_from(&self.email);
        p.phone.clone_from(&self.phone);
        p.tax_id.clone_from(&self.tax_id);
        p.address = self.address();
        p.location = self.location.map(|(lon, lat)| contacts_core::GeoPoint::new(lon, lat));
        p.external_id.clone_from(&self.external_id);
        p
    }
}

#[derive(Subcommand)]
enum Operation {
    /// Create a contact.
    Create(Fields),
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
        fields: Fields,
    },
    /// Delete a contact.
    Delete {
        /// The provider's contact id.
        id: String,
    },
    /// List contacts (every page).
    List(ListArgs),
    /// Find a contact by phone, creating it when there is none.
    FindOrCreate(Fields),
    /// Write every contact as JSON lines or CSV, with a progress bar on stderr.
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
        /// Write CSV values exactly as the provider sent them. By default a value that starts
        /// with `=`, `+`, `-`, `@`, a tab or a carriage return (which a spreadsheet would run as
        /// a formula) gets a leading `'`; a plain phone number like `+4522123456` is kept.
        #[arg(long)]
        raw_csv: bool,
        #[command(flatten)]
        list: ListArgs,
    },
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
    fn query(&self) -> ListQuery {
        let mut q = ListQuery::new().customer_ids(self.customer_ids.iter().copied());
        if let Some(s) = &self.search {
            q = q.search(s.clone());
        }
        if let Some(n) = self.page_size {
            q = q.page_size(n);
        }
        q
    }
}

/// Export formats.
#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (provider, args) = match cli.command {
        Command::Demo => return demo::run(),
        Command::Capabilities => {
            return match providers::capabilities() {
                Ok(table) => {
                    print!("{table}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        Command::Sync(a) => return sync::run(&a),
        Command::Levers(a) => (providers::Kind::Levers, a),
        Command::Cleanlife(a) => (providers::Kind::CleanLife, a),
        Command::Previsto(a) => (providers::Kind::Previsto, a),
        Command::Portal(a) => (providers::Kind::Portal, a),
    };
    match run(provider, &args) {
        Ok(()) => ExitCode::SUCCESS,
        Err((what, e)) => {
            eprintln!("error: {what} failed: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error on one line, with the provider's code and request id when there are some.
pub(crate) fn one_line(e: &Error) -> String {
    let mut s = e.to_string();
    if let Error::Api { field_errors, .. } = e
        && !field_errors.is_empty()
        && !field_errors.iter().all(|f| s.contains(&f.message))
    {
        let fields: Vec<String> = field_errors.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
        s.push_str(&format!(" [{}]", fields.join("; ")));
    }
    s.replace(['\n', '\r'], " ")
}

type Failure = (&'static str, Error);

fn run(kind: providers::Kind, args: &ProviderArgs) -> Result<(), Failure> {
    let connection = if args.sandbox {
        Connection::sandbox(kind, args.seed).map_err(|e| ("starting the sandbox", e))?
    } else {
        Connection::from_env(kind).map_err(|e| ("configuring the client", e))?
    };
    let api = connection.api();
    let show = |contacts: &[Contact]| print_contacts(contacts, args.json);
    match &args.operation {
        Operation::Create(f) => show(&[f.new_contact().and_then(|c| api.create(&c)).map_err(|e| ("create", e))?]),
        Operation::Get { id } => show(&[api.get(id).map_err(|e| ("get", e))?]),
        Operation::Update { id, fields } => show(&[api.update(id, &fields.patch()).map_err(|e| ("update", e))?]),
        Operation::Delete { id } => {
            api.delete(id).map_err(|e| ("delete", e))?;
            if args.json {
                println!("{}", serde_json::json!({"deleted": id}));
            } else {
                println!("deleted {id}");
            }
        }
        Operation::List(list) => {
            let limit = list.limit.unwrap_or(usize::MAX);
            let contacts =
                api.list(&list.query()).take(limit).collect::<Result<Vec<_>, _>>().map_err(|e| ("list", e))?;
            show(&contacts);
        }
        Operation::FindOrCreate(f) => {
            let found = f.new_contact().and_then(|c| api.find_or_create(&c)).map_err(|e| ("find-or-create", e))?;
            if args.json {
                println!("{}", serde_json::json!({"created": found.created, "contact": found.contact}));
            } else {
                println!("{}", if found.created { "created" } else { "found existing" });
                show(&[found.contact]);
            }
        }
        Operation::Export { format, output, raw_csv, list } => {
            export::run(api, *format, output.as_deref(), *raw_csv, list).map_err(|e| ("export", e))?;
        }
    }
    Ok(())
}

fn print_contacts(contacts: &[Contact], json: bool) {
    if json {
        let all: Vec<&Contact> = contacts.iter().collect();
        match serde_json::to_string_pretty(&all) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("error: could not print JSON: {e}"),
        }
        return;
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(["id", "name", "email", "phone", "address", "tax id"]);
    for c in contacts {
        let address = c.address.as_ref().map(|a| {
            [&a.street, &a.postal_code, &a.city, &a.country]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        });
        table.add_row([
            c.id.as_str(),
            c.name.as_str(),
            c.email.as_deref().unwrap_or(""),
            c.phone.as_deref().unwrap_or(""),
            address.as_deref().unwrap_or(""),
            c.tax_id.as_deref().unwrap_or(""),
        ]);
    }
    println!("{table}");
    println!("{} contact(s)", contacts.len());
}

/// A provider client behind the unified trait.
pub(crate) type Api<'a> = &'a dyn ContactsApi;
