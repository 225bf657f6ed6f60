//! The contacts resource: `client.contacts()`.

pub(crate) mod model;
pub(crate) mod request;

use contacts_core::{CallOptions, Header, Method, WithMeta};
use contacts_http::{RequestBuilder, Response, decode_json, new_request_id};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::{Client, Contact, ContactId, Error, FoundContact, NewContact, Result};

#[derive(Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
struct Envelope<T> {
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_bool")]
    success: Option<bool>,
    #[serde(default)]
    data: Option<T>,
}

/// The contacts resource of a [`Client`]: `client.contacts()`.
#[derive(Debug, Clone)]
pub struct Contacts<'a> {
    client: &'a Client,
    options: CallOptions,
}

impl<'a> Contacts<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Contacts { client, options: CallOptions::new() }
    }

    /// A handle whose calls use these [`CallOptions`] (timeout, retries, deadline, headers)
    /// instead of the client's settings; this handle is left as it was.
    ///
    /// ```
    /// # let client = cleanlife_partners::Client::new("pk_live_…")?;
    /// use std::time::Duration;
    /// use cleanlife_partners::CallOptions;
    /// let contacts = client.contacts();
    /// let quick = contacts.with(CallOptions::new().timeout(Duration::from_secs(2)).retries(0));
    /// // `contacts` keeps the client's settings.
    /// # Ok::<(), cleanlife_partners::Error>(())
    /// ```
    #[must_use]
    pub fn with(&self, options: CallOptions) -> Contacts<'a> {
        Contacts { client: self.client, options }
    }

    /// A request below the base URL, with this handle's options applied.
    fn request(&self, method: Method, segments: &[&str]) -> Result<RequestBuilder<'a>> {
        Ok(self.client.http.request(method, segments)?.options(&self.options))
    }

    /// Adds a fresh `x-request-id`, sends, and unwraps `{success, data}`.
    fn send<T: DeserializeOwned>(&self, request: RequestBuilder<'_>) -> Result<(T, Response)> {
        let response = request.default_header(Header::new("x-request-id", new_request_id())).send()?;
        let (status, body) = (response.status(), response.body());
        let envelope: Envelope<T> = decode_json(status, body).map_err(|e| response.error(e))?;
        match envelope {
            Envelope { success: Some(false), .. } => {
                let e = crate::client::envelope_error(status, body)
                    .unwrap_or_else(|| contacts_http::default_error(&response.clone().into_inner()));
                Err(response.error(e))
            }
            Envelope { data: Some(data), .. } => Ok((data, response)),
            Envelope { data: None, .. } => Err(response
                .error(Error::decode(Some(status), "the answer has no data").with_body(contacts_http::snippet(body)))),
        }
    }

    /// Returns the contact with this phone, creating it with this name if there is none
    /// (`POST /partners/contacts`, [docs](https://docs.thecleanlife.dev)). `created` says
    /// which happened.
    ///
    /// Retried like a read (the phone identifies the contact, so a repeat creates nothing
    /// twice); when it was retried, [`FoundContact::retried`] is `true` and `created` may be
    /// understated.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::CLEANLIFE, 1).start().unwrap();
    /// # let client = cleanlife_partners::Client::builder().api_key(contacts_sandbox::credentials::CLEANLIFE_API_KEY).base_url(sandbox.cleanlife_base_url()).build()?;
    /// use cleanlife_partners::NewContact;
    /// let found = client.contacts().find_or_create(&NewContact::new("+966500000000", "Ahmed Ali"))?;
    /// println!("{} {} created: {}", found.contact.id, found.contact.phone, found.created);
    /// # Ok::<(), cleanlife_partners::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before sending for a phone that is not Saudi or an empty name;
    /// [`Error::Api`] with TheCleanLife's `code` (`VALIDATION_ERROR`, `UNAUTHORIZED`,
    /// `FORBIDDEN`, `INVALID_PARTNER_DOMAIN`, `SANDBOX_DOMAIN_NOT_ALLOWED`,
    /// `RATE_LIMIT_EXCEEDED`) and the request id.
    pub fn find_or_create(&self, contact: &NewContact) -> Result<FoundContact> {
        Ok(self.find_or_create_with_meta(contact)?.value)
    }

    /// Like [`find_or_create`](Self::find_or_create), with the answer's status, headers, request id and attempts.
    ///
    /// # Errors
    /// As [`find_or_create`](Self::find_or_create).
    pub fn find_or_create_with_meta(&self, contact: &NewContact) -> Result<WithMeta<FoundContact>> {
        let found = self.find_or_create_as::<Contact>(contact)?;
        let contact = found.value;
        let created = contact.is_new_contact;
        let retried = found.meta.attempts > 1;
        Ok(WithMeta::new(FoundContact { contact, created, retried }, found.meta))
    }

    /// The found contact and the answer's metadata (its attempts say whether it was retried).
    pub(crate) fn find_or_create_as<T: DeserializeOwned>(&self, contact: &NewContact) -> Result<WithMeta<T>> {
        let body = contact.body()?;
        // Finding by phone makes a repeat harmless: retried like a read.
        let request = self.request(Method::Post, &["partners", "contacts"])?.json(&body).idempotent(true);
        let (data, response) = self.send(request)?;
        Ok(WithMeta::new(data, response.into_meta()))
    }

    /// Fetches a contact by id (`GET /partners/contacts/{id}`).
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::CLEANLIFE, 1).start().unwrap();
    /// # let client = cleanlife_partners::Client::builder().api_key(contacts_sandbox::credentials::CLEANLIFE_API_KEY).base_url(sandbox.cleanlife_base_url()).build()?;
    /// let id: cleanlife_partners::ContactId = "00000000-0000-4000-a000-000000000000".parse()?;
    /// let contact = client.contacts().get(&id)?;
    /// # Ok::<(), cleanlife_partners::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] for `RESOURCE_NOT_FOUND`.
    pub fn get(&self, id: &ContactId) -> Result<Contact> {
        Ok(self.get_with_meta(id)?.value)
    }

    /// Like [`get`](Self::get), with the answer's status, headers, request id and attempts.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn get_with_meta(&self, id: &ContactId) -> Result<WithMeta<Contact>> {
        self.get_as(id)
    }

    pub(crate) fn get_as<T: DeserializeOwned>(&self, id: &ContactId) -> Result<WithMeta<T>> {
        let id = &id.to_string();
        let request = self.request(Method::Get, &["partners", "contacts", id])?;
        let (data, response) = self.send(request)?;
        Ok(WithMeta::new(data, response.into_meta()))
    }
}
