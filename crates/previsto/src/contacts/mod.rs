//! The contacts resource: `client.contacts()`.

pub(crate) mod model;
pub(crate) mod request;

use contacts_core::{CallOptions, Method, ResponseMeta, WithMeta};
use contacts_http::{Limited, Page, Pages, RequestBuilder};
use serde::de::DeserializeOwned;

use crate::{Client, Contact, ContactId, ContactPage, ContactUpdate, Error, ListContacts, NewContact, Result};
use request::{ITER_PAGE_SIZE, MAX_PAGE_SIZE};

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
    /// # let client = previsto::Client::new("sk_12345")?;
    /// use std::time::Duration;
    /// use previsto::CallOptions;
    /// let contacts = client.contacts();
    /// let quick = contacts.with(CallOptions::new().timeout(Duration::from_secs(2)).retries(0));
    /// // `contacts` keeps the client's settings.
    /// # Ok::<(), previsto::Error>(())
    /// ```
    #[must_use]
    pub fn with(&self, options: CallOptions) -> Contacts<'a> {
        Contacts { client: self.client, options }
    }

    /// A request below the base URL, with this handle's options applied.
    fn request(&self, method: Method, segments: &[&str]) -> Result<RequestBuilder<'a>> {
        Ok(self.client.http.request(method, segments)?.options(&self.options))
    }

    /// Previsto lets a public key (`pk_…`) create contacts and nothing else.
    pub(crate) fn secret_key_for(&self, operation: &str) -> Result<()> {
        if self.client.public_key {
            return Err(Error::config(format!(
                "a Previsto public key (pk_…) may only create contacts; {operation} needs the secret key (sk_…)"
            )));
        }
        Ok(())
    }

    /// Creates a contact ([docs](https://developer.previsto.com/contacts)).
    ///
    /// Sent once: a create that may have reached the server is never repeated.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PREVISTO, 1).start().unwrap();
    /// # let client = previsto::Client::builder().api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url()).build()?;
    /// use previsto::{Location, NewContact};
    /// let anna = client.contacts().create(
    ///     &NewContact::new("Anna Jensen")
    ///         .location(Location::new(10.5286863, 56.8039035))
    ///         .email("anna@jensen.dk")
    ///         .meta("hairColor", "Brown"),
    /// )?;
    /// println!("created {}", anna.id);
    /// # Ok::<(), previsto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before sending when a field breaks a documented limit;
    /// [`Error::Api`] when Previsto refuses it (`code` is its `type`, the field its `param`).
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
        contact.fields.check()?;
        let response = self.request(Method::Post, &["contacts"])?.form(contact.fields.form()).send()?;
        Ok(WithMeta::new(response.json()?, response.into_meta()))
    }

    /// Fetches a contact ([docs](https://developer.previsto.com/contacts)).
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PREVISTO, 1).start().unwrap();
    /// # let client = previsto::Client::builder().api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url()).build()?;
    /// # let id = previsto::ContactId::from("con_sbx0");
    /// let anna = client.contacts().get(&id)?;
    /// # Ok::<(), previsto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] when Previsto says there is no such contact.
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
        self.secret_key_for("get")?;
        let response = self.request(Method::Get, &["contacts", id.as_str()])?.send()?;
        Ok(WithMeta::new(response.json()?, response.into_meta()))
    }

    /// Changes the fields set in `update`, leaving the rest as they are
    /// ([docs](https://developer.previsto.com/contacts)). Safe to retry.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PREVISTO, 1).start().unwrap();
    /// # let client = previsto::Client::builder().api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url()).build()?;
    /// # let id = previsto::ContactId::from("con_sbx0");
    /// let anna = client.contacts().update(&id, &previsto::ContactUpdate::new().phone("+4522123456"))?;
    /// # Ok::<(), previsto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] when nothing is set or a field breaks a limit;
    /// [`Error::NotFound`] when there is no such contact.
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
        self.secret_key_for("update")?;
        // An update with nothing set is sent as it is (Previsto answers the contact unchanged):
        // the document forbids no empty update.
        update.fields.check()?;
        // "Any parameters not provided will be left unchanged": a repeat sets the same values.
        let request = self.request(Method::Post, &["contacts", id.as_str()])?;
        let response = request.form(update.fields.form()).idempotent(true).send()?;
        Ok(WithMeta::new(response.json()?, response.into_meta()))
    }

    /// Deletes a contact for good ([docs](https://developer.previsto.com/contacts)).
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PREVISTO, 1).start().unwrap();
    /// # let client = previsto::Client::builder().api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url()).build()?;
    /// # let id = previsto::ContactId::from("con_sbx0");
    /// client.contacts().delete(&id)?;
    /// # Ok::<(), previsto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] when Previsto says there is no such contact.
    pub fn delete(&self, id: &ContactId) -> Result<()> {
        self.delete_with_meta(id)?;
        Ok(())
    }

    /// As [`delete`](Self::delete), with the answer's metadata. A delete whose first attempt's
    /// answer was lost and whose repeat met 404 succeeded (that attempt deleted it): its
    /// `meta.status` is that 404 and `meta.attempts` more than 1, and it is logged at info.
    ///
    /// # Errors
    /// As [`delete`](Self::delete).
    pub fn delete_with_meta(&self, id: &ContactId) -> Result<WithMeta<()>> {
        self.secret_key_for("delete")?;
        // A repeat that meets 404 after an attempt whose answer was lost: that attempt deleted
        // it (the contact is gone, as asked).
        let response = self.request(Method::Delete, &["contacts", id.as_str()])?.gone_is_done(true).send()?;
        Ok(WithMeta::new((), response.into_meta()))
    }

    /// One page of contacts ([docs](https://developer.previsto.com/contacts)),
    /// with the total when Previsto sends `x-total-count`.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PREVISTO, 1).start().unwrap();
    /// # let client = previsto::Client::builder().api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url()).build()?;
    /// let page = client.contacts().list_page(&previsto::ListContacts::new().search("anna").size(50))?;
    /// println!("{} of {:?}", page.contacts.len(), page.total);
    /// # Ok::<(), previsto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before sending for a size outside 1..=1000, search with nearby,
    /// coordinates out of range, or an undocumented filter or sort property.
    pub fn list_page(&self, query: &ListContacts) -> Result<ContactPage> {
        Ok(self.list_page_with_meta(query)?.value)
    }

    /// Like [`list_page`](Self::list_page), with the answer's status, headers, request id and attempts.
    ///
    /// # Errors
    /// As [`list_page`](Self::list_page).
    pub fn list_page_with_meta(&self, query: &ListContacts) -> Result<WithMeta<ContactPage>> {
        query.check()?;
        let (page, meta) = self.page_as(query, query.page, query.size)?;
        Ok(WithMeta::new(ContactPage { contacts: page.items, total: page.total }, meta))
    }

    /// Every contact matching `query`, every page, in one `Vec`. For large lists prefer
    /// [`iter`](Self::iter), which holds one page at a time.
    ///
    /// # Errors
    /// As [`iter`](Self::iter): the first error ends the listing.
    pub fn list(&self, query: &ListContacts) -> Result<Vec<Contact>> {
        self.iter(query).collect()
    }

    /// Every contact matching `query`, fetched lazily page by page (1000 a page unless the
    /// query sets a size), starting at the query's page (0 by default).
    ///
    /// When Previsto sends `x-total-count`, the total decides the end (a page shorter than
    /// asked is not the end while the total says there is more); without it, a short or empty
    /// page does. A query that is not valid yields its [`Error::Validation`] first and sends
    /// nothing; a failed page is yielded as one `Err` and ends the iteration.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PREVISTO, 1).start().unwrap();
    /// # let client = previsto::Client::builder().api_key(contacts_sandbox::credentials::PREVISTO_SECRET_KEY).base_url(sandbox.previsto_base_url()).build()?;
    /// for contact in client.contacts().iter(&previsto::ListContacts::new()) {
    ///     let contact = contact?;
    ///     println!("{} {}", contact.id, contact.name);
    /// }
    /// # Ok::<(), previsto::Error>(())
    /// ```
    pub fn iter(&self, query: &ListContacts) -> impl Iterator<Item = Result<Contact>> + Send + use<'a> {
        self.iter_as(query)
    }

    pub(crate) fn iter_as<T: DeserializeOwned + Clone + PartialEq + Send + 'a>(
        &self,
        query: &ListContacts,
    ) -> impl Iterator<Item = Result<T>> + Send + use<'a, T> {
        let query = query.clone();
        let this = self.clone();
        let size = query.size.unwrap_or(ITER_PAGE_SIZE);
        let check = query.check();
        Pages::new(query.page.unwrap_or(0), size as usize, move |page| {
            Ok(this.page_as(&query, Some(page), Some(size))?.0)
        })
        .logging_as(env!("CARGO_CRATE_NAME"))
        .refusing(check)
    }

    pub(crate) fn page_as<T: DeserializeOwned>(
        &self,
        query: &ListContacts,
        page: Option<u64>,
        size: Option<u32>,
    ) -> Result<(Page<T>, ResponseMeta)> {
        self.secret_key_for("list")?;
        let request = query.apply(self.request(Method::Get, &["contacts"])?, page, size);
        let response = request.send()?;
        let total = response.header("x-total-count").and_then(|v| v.trim().parse().ok());
        // Never decoded past the page size asked for (or the largest Previsto documents): a
        // huge or hostile answer stays a bounded number of contacts in memory.
        let items: Limited<T> = response.json_limited(size.unwrap_or(MAX_PAGE_SIZE) as usize)?;
        Ok((Page::new(items.0).with_total(total).with_fingerprint(response.body()), response.into_meta()))
    }
}
