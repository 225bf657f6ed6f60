//! Building a client per provider, from the environment or against a fresh sandbox.

use contacts_core::{ContactsApi, Error};
use contacts_sandbox::{Provider, Sandbox, credentials};

/// Which provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Levers,
    CleanLife,
    Previsto,
    Portal,
}

impl Kind {
    pub(crate) const ALL: [Kind; 4] = [Kind::Levers, Kind::CleanLife, Kind::Previsto, Kind::Portal];

    fn sandbox_provider(self) -> Provider {
        match self {
            Kind::Levers => Provider::Levers,
            Kind::CleanLife => Provider::CleanLife,
            Kind::Previsto => Provider::Previsto,
            Kind::Portal => Provider::Portal,
        }
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

    pub(crate) fn from_env(kind: Kind) -> Result<Connection, Error> {
        let api: Box<dyn ContactsApi> = match kind {
            Kind::Levers => Box::new(levers_client::Client::from_env()?),
            Kind::CleanLife => Box::new(cleanlife_partners::Client::from_env()?),
            Kind::Previsto => Box::new(previsto::Client::from_env()?),
            Kind::Portal => Box::new(portal_contacts::Client::from_env()?),
        };
        Ok(Connection { api, _sandbox: None })
    }

    pub(crate) fn sandbox(kind: Kind, seed: u64) -> Result<Connection, Error> {
        let sandbox = Sandbox::builder()
            .seed(kind.sandbox_provider(), seed)
            .record_limit(0)
            .start()
            .map_err(|e| Error::config(format!("could not start the sandbox: {e}")))?;
        let api = client_for(kind, &sandbox)?;
        Ok(Connection { api, _sandbox: Some(sandbox) })
    }
}

/// A client for `kind` pointed at `sandbox` with the credentials it accepts.
pub(crate) fn client_for(kind: Kind, sandbox: &Sandbox) -> Result<Box<dyn ContactsApi>, Error> {
    Ok(match kind {
        Kind::Levers => Box::new(
            levers_client::Client::builder()
                .client_credentials(credentials::LEVERS_CLIENT_ID, credentials::LEVERS_CLIENT_SECRET)
                .base_url(sandbox.levers_base_url())
                .build()?,
        ),
        Kind::CleanLife => Box::new(
            cleanlife_partners::Client::builder()
                .api_key(credentials::CLEANLIFE_API_KEY)
                .base_url(sandbox.cleanlife_base_url())
                .build()?,
        ),
        Kind::Previsto => Box::new(
            previsto::Client::builder()
                .api_key(credentials::PREVISTO_SECRET_KEY)
                .base_url(sandbox.previsto_base_url())
                .build()?,
        ),
        Kind::Portal => Box::new(
            portal_contacts::Client::builder()
                .authorization(credentials::PORTAL_AUTHORIZATION)
                .base_url(sandbox.portal_base_url())
                .build()?,
        ),
    })
}

/// The four providers' capabilities as a Markdown table (no credentials needed).
pub(crate) fn capabilities() -> Result<String, Error> {
    let apis: Vec<Box<dyn ContactsApi>> = vec![
        Box::new(levers_client::Client::new("unused")?),
        Box::new(cleanlife_partners::Client::new("unused")?),
        Box::new(previsto::Client::new("unused")?),
        Box::new(
            portal_contacts::Client::builder()
                .base_url("https://portal.example.com")
                .authorization("unused")
                .build()?,
        ),
    ];
    let caps: Vec<_> = apis.iter().map(|a| (a.provider(), a.capabilities())).collect();
    Ok(contacts_core::capabilities_table(&caps))
}
