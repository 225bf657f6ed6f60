//! The contacts resource: `client.contacts()`.

pub(crate) mod model;
pub(crate) mod request;

use contacts_core::{CallOptions, Method, ResponseMeta, WithMeta};
use contacts_http::{Limited, Page, Pages, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Client, Contact, ContactId, ContactPage, ContactUpdate, Error, ListContacts, NewContact, Result};
use request::ITER_PAGE_SIZE;

/// fastapi-pagination's page: `{items, total, page, size, pages}`.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
struct PageAnswer<T> {
    items: Limited<T>,
    #[serde(default)]
    total: Option<u64>,
    #[serde(default)]
    pages: Option<u64>,
}

/// The update body: the uuid, then the fields to change.
#[derive(Serialize)]
struct UpdateBody<'a> {
    uuid: ContactId,
    #[serde(flatten)]
    update: &'a ContactUpdate,
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
    /// # let client = levers_client::Client::new("https://api.example.com/api-service/v1", "eyJ…")?;
    /// use std::time::Duration;
    /// use levers_client::CallOptions;
    /// let contacts = client.contacts();
    /// let quick = contacts.with(CallOptions::new().timeout(Duration::from_secs(2)).retries(0));
    /// // `contacts` keeps the client's settings.
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    #[must_use]
    pub fn with(&self, options: CallOptions) -> Contacts<'a> {
        Contacts { client: self.client, options }
    }

    /// A request below the base URL, with this handle's options applied.
    fn request(&self, method: Method, segments: &[&str]) -> Result<RequestBuilder<'a>> {
        Ok(self.client.http.request(method, segments)?.options(&self.options))
    }

    /// Creates a contact (`POST /contact`,
    /// [docs](https://docs.uselevers.com/api-reference/contact/create-contact)). Arabic text is
    /// sent as is; lengths are counted in characters.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::LEVERS, 1).start().unwrap();
    /// # let client = levers_client::Client::builder().token(contacts_sandbox::credentials::LEVERS_TOKEN).base_url(sandbox.levers_base_url()).build()?;
    /// use levers_client::{EmailTone, NewContact};
    /// let c = client.contacts().create(
    ///     &NewContact::new("Acme Trading").name_ar("شركة أكمي").email("ap@acme.sa").email_tone(EmailTone::Friendly),
    /// )?;
    /// println!("{}", c.id);
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before sending; [`Error::Api`] with FastAPI's per-field details.
    pub fn create(&self, contact: &NewContact) -> Result<Contact> {
        Ok(self.create_with_meta(contact)?.value)
    }

    /// Like [`create`](Self::create), with the answer's status, headers, request id and attempts.
    ///
    /// # Errors
    /// As [`create`](Self::create).
    pub fn create_with_meta(&self, contact: &NewContact) -> Result<WithMeta<Contact>> {
        self.create_as(contact)
    }

    pub(crate) fn create_as<T: DeserializeOwned>(&self, contact: &NewContact) -> Result<WithMeta<T>> {
        contact.check()?;
        let response = self.request(Method::Post, &["contact"])?.json(contact).send()?;
        Ok(WithMeta::new(response.json()?, response.into_meta()))
    }

    /// Fetches a contact's details (`GET /contact/{uuid}`).
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::LEVERS, 1).start().unwrap();
    /// # let client = levers_client::Client::builder().token(contacts_sandbox::credentials::LEVERS_TOKEN).base_url(sandbox.levers_base_url()).build()?;
    /// let id: levers_client::ContactId = "00000000-0000-4000-8000-000000000000".parse()?;
    /// let c = client.contacts().get(&id)?;
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] when Levers says there is no such contact.
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
        let response = self.request(Method::Get, &["contact", id])?.send()?;
        // The reference's own "Get Contact Details" answer has no top-level `uuid`: the id
        // asked for is the contact's, so it is taken from the path when the answer lacks it.
        let mut value: serde_json::Value = response.json()?;
        if let Some(object) = value.as_object_mut()
            && !object.contains_key("uuid")
        {
            object.insert("uuid".to_owned(), serde_json::Value::String(id.to_owned()));
        }
        let contact = contacts_http::decode_value(&value).map_err(|e| response.error(e))?;
        Ok(WithMeta::new(contact, response.into_meta()))
    }

    /// Updates a contact (`PUT /contact` with the uuid in the body,
    /// [docs](https://docs.uselevers.com/api-reference/contact/update-contact)): only the fields
    /// set are sent. Safe to retry.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::LEVERS, 1).start().unwrap();
    /// # let client = levers_client::Client::builder().token(contacts_sandbox::credentials::LEVERS_TOKEN).base_url(sandbox.levers_base_url()).build()?;
    /// let id: levers_client::ContactId = "00000000-0000-4000-8000-000000000000".parse()?;
    /// let c = client.contacts().update(&id, &levers_client::ContactUpdate::new().phone_number("+966500000000"))?;
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] when nothing is set or a field breaks a limit.
    pub fn update(&self, id: &ContactId, update: &ContactUpdate) -> Result<Contact> {
        Ok(self.update_with_meta(id, update)?.value)
    }

    /// Like [`update`](Self::update), with the answer's status, headers, request id and attempts.
    ///
    /// # Errors
    /// As [`update`](Self::update).
    pub fn update_with_meta(&self, id: &ContactId, update: &ContactUpdate) -> Result<WithMeta<Contact>> {
        self.update_as(id, update)
    }

    pub(crate) fn update_as<T: DeserializeOwned>(&self, id: &ContactId, update: &ContactUpdate) -> Result<WithMeta<T>> {
        update.check()?;
        let body = UpdateBody { uuid: *id, update };
        let response = self.request(Method::Put, &["contact"])?.json(&body).send()?;
        Ok(WithMeta::new(response.json()?, response.into_meta()))
    }

    /// One page of contacts (`GET /contact?page=&size=`).
    ///
    /// The reference shows the request but not the answer: the client reads a
    /// fastapi-pagination page (`{items, total, page, size, pages}`) or a bare array.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::LEVERS, 1).start().unwrap();
    /// # let client = levers_client::Client::builder().token(contacts_sandbox::credentials::LEVERS_TOKEN).base_url(sandbox.levers_base_url()).build()?;
    /// let page = client.contacts().list_page(&levers_client::ListContacts::new().page(1).size(50))?;
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] for page 0 or a size outside 1..=100.
    pub fn list_page(&self, query: &ListContacts) -> Result<ContactPage> {
        Ok(self.list_page_with_meta(query)?.value)
    }

    /// Like [`list_page`](Self::list_page), with the answer's status, headers, request id and attempts.
    ///
    /// # Errors
    /// As [`list_page`](Self::list_page).
    pub fn list_page_with_meta(&self, query: &ListContacts) -> Result<WithMeta<ContactPage>> {
        query.check()?;
        let (page, pages, meta) = self.page_as(query.page, query.size)?;
        Ok(WithMeta::new(ContactPage { contacts: page.items, total: page.total, pages }, meta))
    }

    /// Every contact, every page, in one `Vec`. For large lists prefer [`iter`](Self::iter).
    ///
    /// # Errors
    /// As [`iter`](Self::iter): the first error ends the listing.
    pub fn list(&self, query: &ListContacts) -> Result<Vec<Contact>> {
        self.iter(query).collect()
    }

    /// Every contact, fetched lazily page by page (50 a page unless the query sets a size),
    /// from the query's page (1 by default). The total, when Levers sends one, decides the end;
    /// otherwise a short or empty page does. A query that is not valid yields its error first
    /// and sends nothing; a failed page is yielded once as `Err` and ends the iteration.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::LEVERS, 1).start().unwrap();
    /// # let client = levers_client::Client::builder().token(contacts_sandbox::credentials::LEVERS_TOKEN).base_url(sandbox.levers_base_url()).build()?;
    /// for c in client.contacts().iter(&levers_client::ListContacts::new()) {
    ///     let c = c?;
    ///     println!("{} {}", c.id, c.name);
    /// }
    /// # Ok::<(), levers_client::Error>(())
    /// ```
    pub fn iter(&self, query: &ListContacts) -> impl Iterator<Item = Result<Contact>> + Send + use<'a> {
        self.iter_as(query)
    }

    pub(crate) fn iter_as<T: DeserializeOwned + Clone + PartialEq + Send + 'a>(
        &self,
        query: &ListContacts,
    ) -> impl Iterator<Item = Result<T>> + Send + use<'a, T> {
        let this = self.clone();
        let size = query.size.unwrap_or(ITER_PAGE_SIZE);
        let check = query.check();
        Pages::new(query.page.unwrap_or(1), size as usize, move |page| Ok(this.page_as(Some(page), Some(size))?.0))
            .logging_as(env!("CARGO_CRATE_NAME"))
            .logging_as(env!("CARGO_CRATE_NAME"))
            .refusing(check)
    }

    pub(crate) fn page_as<T: DeserializeOwned>(
        &self,
        page: Option<u64>,
        size: Option<u32>,
    ) -> Result<(Page<T>, Option<u64>, ResponseMeta)> {
        let request = self.request(Method::Get, &["contact"])?.query_opt("page", page).query_opt("size", size);
        let response = request.send()?;
        let (status, body) = (response.status(), response.body());
        // Never decoded past the page size asked for (or the largest accepted).
        let limit = size.unwrap_or(request::MAX_PAGE_SIZE) as usize;
        // Decoded straight into the typed page (no intermediate JSON tree): the first byte
        // says which of the two shapes it is.
        match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => {
                let page = Page::new(response.json_limited::<Limited<T>>(limit)?.0).with_fingerprint(body);
                Ok((page, None, response.into_meta()))
            }
            Some(b'{') => {
                let answer: PageAnswer<T> = response.json_limited(limit)?;
                let page = Page::new(answer.items.0).with_total(answer.total).with_fingerprint(body);
                Ok((page, answer.pages, response.into_meta()))
            }
            _ => Err(response.error(
                Error::decode(Some(status), "expected a page {items, total, …} or an array of contacts")
                    .with_body(contacts_http::snippet(body)),
            )),
        }
    }
}
