use contacts_core::{FieldError, HttpResponse, Provider, Secret};
use contacts_http::Auth;
use serde::Deserialize;

use crate::{Error, Result};

contacts_http::raw_handle!(
    "Levers",
    "let client = levers_client::Client::new(\"eyJ…\")?;\nlet contact: serde_json::Value = client.raw().get(&[\"contact\", \"3c90c3cc-0d44-4b50-8888-8dd25736052a\"], &[])?;\n# Ok::<(), levers_client::Error>(())"
);

/// The documented URL (every example in Levers' reference uses it).
pub const DEFAULT_BASE_URL: &str = "https://api.dev.uselevers.com/api-service/v1";

const API_SUFFIX: &str = "/api-service/v1";
const AUTH_PATH: &str = "/auth/v1/api-key/auth";

contacts_http::client_types! {
    /// A Levers client. Cheap to clone: clones share one connection pool and one cached token.
    ///
    /// ```no_run
    /// let client = levers_client::Client::new("eyJ…")?;
    /// let client = levers_client::Client::builder().client_credentials("id", "secret").build()?;
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    pub struct Client {}
    pub struct ClientBuilder {
        token: Option<Secret>,
        credentials: Option<(Secret, Secret)>,
        auth_url: Option<String>,
    }
}

impl Client {
    /// A client with a ready bearer token.
    ///
    /// # Errors
    /// [`Error::Config`] when the token is empty.
    pub fn new(token: impl Into<Secret>) -> Result<Client> {
        Client::builder().token(token).build()
    }

    /// A builder for every option.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            http: contacts_http::http_config!(Provider::Levers, DEFAULT_BASE_URL),
            token: None,
            credentials: None,
            auth_url: None,
        }
    }
}

impl ClientBuilder {
    /// A builder from `LEVERS_TOKEN`, or `LEVERS_CLIENT_ID` and `LEVERS_CLIENT_SECRET`, and,
    /// when set, `LEVERS_BASE_URL`, to change more before [`build`](Self::build).
    ///
    /// # Errors
    /// [`Error::Config`] when neither a token nor both credentials are set.
    pub fn from_env() -> Result<ClientBuilder> {
        use contacts_http::env::optional as var;
        let builder = match (var("LEVERS_TOKEN"), var("LEVERS_CLIENT_ID"), var("LEVERS_CLIENT_SECRET")) {
            (Some(token), _, _) => Client::builder().token(token),
            (None, Some(id), Some(secret)) => Client::builder().client_credentials(id, secret),
            _ => return Err(Error::config("set LEVERS_TOKEN, or LEVERS_CLIENT_ID and LEVERS_CLIENT_SECRET")),
        };
        Ok(builder.base_url_from_env("LEVERS_BASE_URL"))
    }

    /// A ready JWT, sent as `Authorization: Bearer <token>`. A 401 is returned as an error.
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self.credentials = None;
        self
    }

    /// An API client id and secret: exchanged for a JWT on first use, cached, and exchanged
    /// again (once) when Levers answers 401.
    pub fn client_credentials(mut self, client_id: impl Into<Secret>, client_secret: impl Into<Secret>) -> Self {
        self.credentials = Some((client_id.into(), client_secret.into()));
        self.token = None;
        self
    }

    contacts_core::setters! {
        /// The token endpoint. Defaults to `/auth/v1/api-key/auth` beside (not under) the API:
        /// the base URL with `/api-service/v1` replaced, or on the base URL's host. It passes the
        /// same check as the base URL: `https`, or plain `http` to loopback only unless
        /// `allow_insecure_http(true)` — the client secret is sent to it.
        pub fn auth_url(url: impl Into<String>) = some_into;
    }

    contacts_http::http_builder_methods!();

    /// Makes the client.
    ///
    /// # Errors
    /// [`Error::Config`] without a token or credentials, or with an unusable base URL.
    pub fn build(mut self) -> Result<Client> {
        let auth = match (self.token, self.credentials) {
            (Some(token), _) if !token.is_empty() => Auth::bearer(&token),
            (None, Some((client_id, client_secret))) if !client_id.is_empty() && !client_secret.is_empty() => {
                #[derive(serde::Serialize)]
                #[serde(rename_all = "camelCase")]
                struct Body<'a> {
                    client_id: &'a str,
                    client_secret: &'a str,
                }
                let body = Body { client_id: client_id.expose(), client_secret: client_secret.expose() };
                let body = serde_json::to_string(&body).map_err(|e| Error::config(e.to_string()))?;
                let base = self.http.base_url().unwrap_or(DEFAULT_BASE_URL);
                let auth_url = self.auth_url.unwrap_or_else(|| default_auth_url(base));
                Auth::bearer_exchange(auth_url, Secret::new(body), "access_token")
            }
            _ => {
                return Err(Error::config(
                    "a token(…) or client_credentials(id, secret) is required (or LEVERS_TOKEN / LEVERS_CLIENT_ID + LEVERS_CLIENT_SECRET)",
                ));
            }
        };
        self.http.set_auth(auth);
        Ok(Client { http: self.http.build(decode_error)? })
    }
}

/// `https://h/api-service/v1` -> `https://h/auth/v1/api-key/auth`; other bases: on their host.
fn default_auth_url(base: &str) -> String {
    if let Some(prefix) = base.strip_suffix(API_SUFFIX) {
        return format!("{prefix}{AUTH_PATH}");
    }
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let origin_end = base[after_scheme..].find('/').map_or(base.len(), |i| after_scheme + i);
    format!("{}{AUTH_PATH}", &base[..origin_end])
}

#[derive(Deserialize)]
struct FastApiError {
    detail: Detail,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Detail {
    Items(Vec<DetailItem>),
    Text(String),
    Other(serde_json::Value),
}

#[derive(Deserialize)]
struct DetailItem {
    #[serde(default)]
    loc: Vec<serde_json::Value>,
    #[serde(default)]
    msg: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

/// FastAPI's `{"detail": [{loc, msg, type}]}` or `{"detail": "…"}` onto [`Error`].
fn decode_error(response: &HttpResponse) -> Error {
    // Only FastAPI's own shape is Levers speaking: a 404 page from a proxy or a wrong base URL
    // is not "no such contact".
    let Ok(FastApiError { detail }) = serde_json::from_slice::<FastApiError>(&response.body) else {
        return contacts_http::default_error(response);
    };
    let (message, field_errors) = match detail {
        Detail::Text(text) => (text, Vec::new()),
        Detail::Items(items) => {
            let errors: Vec<FieldError> = items
                .into_iter()
                .map(|item| {
                    // loc is ["body", "secondaryContacts", 0, "email"]: drop the "body" root.
                    let parts: Vec<String> = item
                        .loc
                        .iter()
                        .skip_while(|p| p.as_str() == Some("body"))
                        .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                        .collect();
                    let field = if parts.is_empty() { "body".to_owned() } else { parts.join(".") };
                    let e = FieldError::new(field, item.msg);
                    match item.kind {
                        Some(kind) => e.with_kind(kind),
                        None => e,
                    }
                })
                .collect();
            let message =
                errors.iter().map(|e| format!("{}: {}", e.field(), e.message())).collect::<Vec<_>>().join("; ");
            (message, errors)
        }
        Detail::Other(v) => (v.to_string(), Vec::new()),
    };
    if response.status == 404 {
        return Error::not_found(404, message);
    }
    // FastAPI sends no code of its own: none is invented.
    Error::api(response.status, message)
        .with_field_errors(field_errors)
        .with_body(contacts_http::snippet(&response.body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_auth_url_sits_beside_the_api() {
        use super::default_auth_url as f;
        assert_eq!(
            f("https://api.dev.uselevers.com/api-service/v1"),
            "https://api.dev.uselevers.com/auth/v1/api-key/auth"
        );
        assert_eq!(f("http://127.0.0.1:9/levers/api-service/v1"), "http://127.0.0.1:9/levers/auth/v1/api-key/auth");
        assert_eq!(f("http://127.0.0.1:9/other"), "http://127.0.0.1:9/auth/v1/api-key/auth");
        assert_eq!(f("http://127.0.0.1:9"), "http://127.0.0.1:9/auth/v1/api-key/auth");
    }
}
