//! Building a client per provider, from the environment or against a fresh sandbox.

use contacts_core::{ContactsApi, Error};
use contacts_sandbox::{Sandbox, credentials};

/// Which provider, as the command line names it (`levers`, `cleanlife`, `previsto`,
/// `portal`): the CLI's list, matched exhaustively, of the `contacts_core::Provider`s it
/// builds clients for (that enum may grow; the sandbox uses it too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Kind {
    Levers,
    #[value(name = "cleanlife")]
    CleanLife,
    Previsto,
    Portal,
}

impl Kind {
    pub(crate) const ALL: [Kind; 4] = [Kind::Levers, Kind::CleanLife, Kind::Previsto, Kind::Portal];

    /// The subcommand's name.
    pub(crate) fn name(self) -> &'static str {
        self.provider().name()
    }

    /// The library's name for it.
    pub(crate) fn provider(self) -> contacts_core::Provider {
        match self {
            Kind::Levers => contacts_core::Provider::LEVERS,
            Kind::CleanLife => contacts_core::Provider::CLEANLIFE,
            Kind::Previsto => contacts_core::Provider::PREVISTO,
            Kind::Portal => contacts_core::Provider::PORTAL,
        }
    }

    /// The CLI's name for a provider a journal names; `None` for one it does not know.
    pub(crate) fn of(provider: contacts_core::Provider) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.provider() == provider)
    }
}

/// A client, and the sandbox it talks to when there is one (kept alive with it).
pub(crate) struct Connection {
    api: Box<dyn ContactsApi>,
    _sandbox: Option<Sandbox>,
}

impl Connection {
    pub(crate) fn api(&self) -> &dyn ContactsApi {
        self.api.as_ref()
    }

    /// The client alone (a connection from the environment has no sandbox to keep alive).
    pub(crate) fn into_api(self) -> Box<dyn ContactsApi> {
        self.api
    }

    /// A client from the provider's environment variables, `--base-url` and
    /// `--allow-insecure-http` overriding them.
    pub(crate) fn from_env(kind: Kind, o: &Overrides) -> Result<Connection, Error> {
        let vars = process_vars;
        let api: Box<dyn ContactsApi> = match kind {
            Kind::Levers => Box::new(levers(&vars, o)?),
            Kind::CleanLife => Box::new(cleanlife(&vars, o)?),
            Kind::Previsto => Box::new(previsto(&vars, o)?),
            Kind::Portal => Box::new(portal(&vars, o)?),
        };
        Ok(Connection { api, _sandbox: None })
    }

    pub(crate) fn sandbox(kind: Kind, seed: u64) -> Result<Connection, Error> {
        let sandbox = Sandbox::builder()
            .seed(kind.provider(), seed)
            .record_limit(0)
            .start()
            .map_err(|e| Error::config(format!("could not start the sandbox: {e}")))?;
        let api = client_for(kind, &sandbox)?;
        Ok(Connection { api, _sandbox: Some(sandbox) })
    }
}

/// The process's environment, as each crate's `ClientBuilder::from_vars` reads it.
pub(crate) fn process_vars(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Each crate's own `ClientBuilder::from_vars` reads its variables from `vars`; the flags in
/// `o` override them.
pub(crate) fn levers(vars: &dyn Fn(&str) -> Option<String>, o: &Overrides) -> Result<levers_client::Client, Error> {
    let mut builder = levers_client::ClientBuilder::from_vars(vars)?.allow_insecure_http(o.allow_insecure_http);
    if let Some(t) = o.timeout {
        builder = builder.timeout(t);
    }
    if let Some(url) = &o.base_url {
        builder = builder.base_url(url.clone());
    }
    builder.build()
}

/// As [`levers`], for TheCleanLife.
pub(crate) fn cleanlife(
    vars: &dyn Fn(&str) -> Option<String>,
    o: &Overrides,
) -> Result<cleanlife_partners::Client, Error> {
    let mut builder = cleanlife_partners::ClientBuilder::from_vars(vars)?.allow_insecure_http(o.allow_insecure_http);
    if let Some(t) = o.timeout {
        builder = builder.timeout(t);
    }
    if let Some(url) = &o.base_url {
        builder = builder.base_url(url.clone());
    }
    builder.build()
}

/// As [`levers`], for Previsto.
pub(crate) fn previsto(vars: &dyn Fn(&str) -> Option<String>, o: &Overrides) -> Result<previsto::Client, Error> {
    let mut builder = previsto::ClientBuilder::from_vars(vars)?.allow_insecure_http(o.allow_insecure_http);
    if let Some(t) = o.timeout {
        builder = builder.timeout(t);
    }
    if let Some(url) = &o.base_url {
        builder = builder.base_url(url.clone());
    }
    builder.build()
}

/// As [`levers`], for the portal.
pub(crate) fn portal(vars: &dyn Fn(&str) -> Option<String>, o: &Overrides) -> Result<portal_contacts::Client, Error> {
    let mut builder = portal_contacts::ClientBuilder::from_vars(vars)?.allow_insecure_http(o.allow_insecure_http);
    if let Some(t) = o.timeout {
        builder = builder.timeout(t);
    }
    if let Some(url) = &o.base_url {
        builder = builder.base_url(url.clone());
    }
    builder.build()
}

/// What the command line overrides of the environment.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    pub(crate) base_url: Option<String>,
    pub(crate) allow_insecure_http: bool,
    /// Each phase of each request (the client's own default when unset).
    pub(crate) timeout: Option<std::time::Duration>,
}

/// What `kind` can do (no credentials needed).
pub(crate) fn capabilities_of(kind: Kind) -> contacts_core::Capabilities {
    let sb_free = |api: Result<Box<dyn ContactsApi>, Error>| api.map(|a| a.capabilities()).unwrap_or_default();
    sb_free(match kind {
        Kind::Levers => levers_client::Client::new("https://levers.example.com/api-service/v1", "unused")
            .map(|c| Box::new(c) as Box<dyn ContactsApi>),
        Kind::CleanLife => cleanlife_partners::Client::new("unused").map(|c| Box::new(c) as Box<dyn ContactsApi>),
        Kind::Previsto => previsto::Client::new("unused").map(|c| Box::new(c) as Box<dyn ContactsApi>),
        Kind::Portal => portal_contacts::Client::builder()
            .base_url("https://portal.example.com")
            .authorization("unused")
            .build()
            .map(|c| Box::new(c) as Box<dyn ContactsApi>),
    })
}

/// A client for `kind` pointed at `sandbox` with the credentials it accepts.
pub(crate) fn client_for(kind: Kind, sandbox: &Sandbox) -> Result<Box<dyn ContactsApi>, Error> {
    use credentials::*;
    let url = sandbox.base_url(kind.provider());
    Ok(match kind {
        Kind::Levers => Box::new(
            levers_client::Client::builder()
                .client_credentials(LEVERS_CLIENT_ID, LEVERS_CLIENT_SECRET)
                .base_url(url)
                .build()?,
        ),
        Kind::CleanLife => {
            Box::new(cleanlife_partners::Client::builder().api_key(CLEANLIFE_API_KEY).base_url(url).build()?)
        }
        Kind::Previsto => Box::new(previsto::Client::builder().api_key(PREVISTO_SECRET_KEY).base_url(url).build()?),
        Kind::Portal => {
            Box::new(portal_contacts::Client::builder().authorization(PORTAL_AUTHORIZATION).base_url(url).build()?)
        }
    })
}

/// The four providers' capabilities as a Markdown table (no credentials needed).
pub(crate) fn capabilities() -> Result<String, crate::failure::CliError> {
    let providers = [
        contacts_core::Provider::LEVERS,
        contacts_core::Provider::CLEANLIFE,
        contacts_core::Provider::PREVISTO,
        contacts_core::Provider::PORTAL,
    ];
    let caps: Vec<_> = providers.into_iter().zip(Kind::ALL.map(capabilities_of)).collect();
    Ok(capabilities_table(&caps))
}

/// The capabilities of several providers as a Markdown table: a row per operation and per
/// field, a column per provider (`yes`, `no`, `required`).
fn capabilities_table(providers: &[(contacts_core::Provider, contacts_core::Capabilities)]) -> String {
    use contacts_core::{Field, Operation};
    let mut out = String::from("| | ");
    out.push_str(&providers.iter().map(|(p, _)| p.name()).collect::<Vec<_>>().join(" | "));
    out.push_str(" |\n|---|");
    out.push_str(&"---|".repeat(providers.len()));
    out.push('\n');
    for op in Operation::ALL {
        let cells: Vec<&str> = providers.iter().map(|(_, c)| if c.supports(op) { "yes" } else { "no" }).collect();
        out.push_str(&format!("| {} | {} |\n", op.name(), cells.join(" | ")));
    }
    for field in Field::ALL {
        let cells: Vec<&str> = providers
            .iter()
            .map(|(_, c)| match (c.stores(field), c.requires(field)) {
                (_, true) => "required",
                (true, false) => "yes",
                (false, false) => "no",
            })
            .collect();
        out.push_str(&format!("| {} | {} |\n", field.name(), cells.join(" | ")));
    }
    out
}
