use contacts_core::{HttpResponse, Provider, Secret};
use contacts_http::Auth;
use contacts_http::env::required;

use crate::{Error, Result};

/// The documented production URL.
pub const DEFAULT_BASE_URL: &str = "https://api.previsto.io";

/// What `build` says when no key was given.
const NO_API_KEY: &str = "an API key is required: api_key(\"sk_…\") or PREVISTO_API_KEY";

contacts_http::client_types! {
    /// A Previsto client. Cheap to clone: clones share one connection pool.
    ///
    /// ```no_run
    /// let client = previsto::Client::new("sk_12345")?;
    /// # Ok::<(), previsto::Error>(())
    /// ```
    pub struct Client {
        /// A public key (`pk_…`) may only create contacts.
        pub(crate) public_key: bool,
    }
    pub struct ClientBuilder {
        api_key: Option<Secret>,
    }
}

impl Client {
    /// A client for the production API with a secret key (`sk_…`).
    ///
    /// # Errors
    /// [`Error::Config`] when the key is empty.
    pub fn new(api_key: impl Into<Secret>) -> Result<Client> {
        Client::builder().api_key(api_key).build()
    }

    /// A builder for every option.
    pub fn builder() -> ClientBuilder {
        ClientBuilder { http: contacts_http::http_config!(Provider::Previsto, DEFAULT_BASE_URL), api_key: None }
    }
}

impl ClientBuilder {
    /// A builder from `PREVISTO_API_KEY` and, when set, `PREVISTO_BASE_URL`, to change more
    /// before [`build`](Self::build).
    ///
    /// # Errors
    /// [`Error::Config`] when `PREVISTO_API_KEY` is missing or empty.
    pub fn from_env() -> Result<ClientBuilder> {
        Ok(Client::builder().api_key(required("PREVISTO_API_KEY")?).base_url_from_env("PREVISTO_BASE_URL"))
    }

    contacts_core::setters! {
        /// The secret key (`sk_…`), sent as the Basic-auth user name with an empty password.
        /// A public key (`pk_…`) may only create contacts: with one, every other operation returns
        /// [`Error::Config`] before sending. Required.
        pub fn api_key(api_key: impl Into<Secret>) = some_into;
    }

    contacts_http::http_builder_methods!();

    /// Makes the client.
    ///
    /// # Errors
    /// [`Error::Config`] when the key is missing or empty or the base URL is not usable.
    pub fn build(mut self) -> Result<Client> {
        let key = contacts_http::required_secret(self.api_key.take(), NO_API_KEY)?;
        let public_key = key.expose().starts_with("pk_");
        // `-u sk_12345:`: the key is the user name, the password is empty.
        self.http.set_auth(Auth::basic(&key, &Secret::new("")));
        Ok(Client { http: self.http.build(decode_error)?, public_key })
    }
}

contacts_http::raw_handle!(
    "Previsto",
    "let client = previsto::Client::new(\"sk_12345\")?;\nlet jobs: serde_json::Value = client.raw().get(&[\"jobs\"], &[])?;\n# Ok::<(), previsto::Error>(())"
);

/// Previsto's error body: `{type, message, param}`.
#[derive(serde::Deserialize)]
struct ErrorBody {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    param: Option<String>,
}

/// Maps `{type, message, param}` and the documented statuses onto [`Error`].
pub(crate) fn decode_error(response: &HttpResponse) -> Error {
    // Only an answer in Previsto's own shape is Previsto speaking: a 404 page from a proxy or
    // a wrong base URL is not "no such contact".
    let body = match serde_json::from_slice::<ErrorBody>(&response.body) {
        Ok(body) if body.kind.is_some() || body.message.is_some() => body,
        _ => return contacts_http::default_error(response),
    };
    let message = body.message.unwrap_or_else(|| match response.status {
        402 => "request failed".to_owned(),
        429 => "too many requests (120 per minute per key)".to_owned(),
        s => format!("http status {s}"),
    });
    if response.status == 404 {
        return Error::not_found(404, message);
    }
    let field_errors = body.param.map(|p| vec![contacts_core::FieldError::new(p, message.clone())]).unwrap_or_default();
    let mut error = Error::api(response.status, message)
        .with_field_errors(field_errors)
        .with_body(contacts_http::snippet(&response.body));
    if let Some(kind) = body.kind {
        error = error.with_code(kind);
    }
    error
}
