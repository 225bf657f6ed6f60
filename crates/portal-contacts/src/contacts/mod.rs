//! The contacts resource: `client.contacts()`.

pub(crate) mod model;
pub(crate) mod request;

use std::collections::BTreeMap;

use contacts_core::{CallOptions, FieldError, Method, ResponseMeta, WithMeta};
use contacts_http::lenient::opt_nonempty_string;
use contacts_http::{RequestBuilder, decode_json, snippet};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::{
    Client, Contact, ContactId, ContactPage, ContactUpdate, CustomerIdForm, Error, ListContacts, NewContact, Result,
};

/// The documented messages, matched exactly.
const MSG_DELETED: &str = "Entity has been successfully deleted.";
const MSG_NOT_FOUND: &str = "Entity not found.";
/// The `error` of an empty request.
pub const NOTHING_SENT: &str = "Nothing sent for request.";

/// The `result` envelope every answer comes in.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: serde::de::DeserializeOwned"))]
pub(crate) struct Envelope<T> {
    #[serde(default, deserialize_with = "contacts_http::lenient::opt_bool")]
    result: Option<bool>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    errors: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default, deserialize_with = "opt_nonempty_string")]
    id: Option<String>,
    #[serde(default)]
    entities: Option<Entities<T>>,
    #[serde(default)]
    entity: Option<T>,
    #[serde(default)]
    data: Option<T>,
}

/// Reads an envelope, turning every documented failure into its error. "Entity not found."
/// is [`Error::NotFound`] wherever it appears.
pub(crate) fn read_envelope<T: serde::de::DeserializeOwned>(status: u16, body: &[u8]) -> Result<Envelope<T>> {
    let env: Envelope<T> = decode_json(status, body)?;
    // The portal sends no error codes: none is invented; its message says which refusal it is.
    let api = |message: String, field_errors: Vec<FieldError>| {
        Error::api(status, message).with_field_errors(field_errors).with_body(snippet(body))
    };
    if env.msg.as_deref() == Some(MSG_NOT_FOUND) || env.error.as_deref() == Some(MSG_NOT_FOUND) {
        return Err(Error::not_found(status, MSG_NOT_FOUND));
    }
    if let Some(errors) = env.errors.as_ref().filter(|e| !e.is_empty()) {
        let field_errors: Vec<FieldError> = errors
            .iter()
            .flat_map(|(field, v)| match v {
                serde_json::Value::Array(items) => items.iter().map(|m| FieldError::new(field, text(m))).collect(),
                other => vec![FieldError::new(field, text(other))],
            })
            .collect();
        let message =
            field_errors.iter().map(|e| format!("{}: {}", e.field(), e.message())).collect::<Vec<_>>().join("; ");
        // The validation envelope: the portal rejected the input it was sent.
        return Err(api(message, field_errors).with_input_rejected());
    }
    if let Some(error) = &env.error {
        // "Nothing sent for request." is the portal rejecting an empty input too.
        let e = api(error.clone(), Vec::new());
        return Err(if error == "Nothing sent for request." { e.with_input_rejected() } else { e });
    }
    // Delete answers `"result": false` on success: that message is the success signal.
    if env.result == Some(false) && env.msg.as_deref() != Some(MSG_DELETED) {
        let message = env.msg.clone().unwrap_or_else(|| "the portal answered result: false".to_owned());
        return Err(api(message, Vec::new()));
    }
    Ok(env)
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `entities` is a list in the list answer, and may be one object for a single contact.
pub(crate) enum Entities<T> {
    Many(Vec<T>),
    One(T),
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Entities<T> {
    /// Decoded straight into `T` whichever shape arrives (no buffering of the whole list, as
    /// an untagged enum would do).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: DeserializeOwned> serde::de::Visitor<'de> for V<T> {
            type Value = Entities<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of contacts or one contact")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> std::result::Result<Self::Value, A::Error> {
                Vec::<T>::deserialize(SeqAccessDeserializer::new(seq)).map(Entities::Many)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> std::result::Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Entities::One)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<T> Entities<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            Entities::Many(v) => v,
            Entities::One(t) => vec![t],
        }
    }
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
    /// # let client = portal_contacts::Client::new("https://portal.example.com/api", "Bearer …")?;
    /// use std::time::Duration;
    /// use portal_contacts::CallOptions;
    /// let contacts = client.contacts();
    /// let quick = contacts.with(CallOptions::new().timeout(Duration::from_secs(2)).retries(0));
    /// // `contacts` keeps the client's settings.
    /// # Ok::<(), portal_contacts::Error>(())
    /// ```
    #[must_use]
    pub fn with(&self, options: CallOptions) -> Contacts<'a> {
        Contacts { client: self.client, options }
    }

    /// A request below the base URL, with this handle's options applied.
    fn request(&self, method: Method, segments: &[&str]) -> Result<RequestBuilder<'a>> {
        Ok(self.client.http.request(method, segments)?.options(&self.options))
    }

    fn send<T: DeserializeOwned>(&self, request: RequestBuilder<'_>) -> Result<(Envelope<T>, ResponseMeta)> {
        let response = request.send()?;
        let env = read_envelope(response.status(), response.body()).map_err(|e| response.error(e))?;
        Ok((env, response.into_meta()))
    }

    /// The contacts of the query's customers (`GET /contact?customer_id[]=…`), in one page:
    /// the portal does not page.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PORTAL, 3).start().unwrap();
    /// # let client = portal_contacts::Client::builder().authorization(contacts_sandbox::credentials::PORTAL_AUTHORIZATION).base_url(sandbox.portal_base_url()).build()?;
    /// use portal_contacts::ListContacts;
    /// let page = client.contacts().list_page(&ListContacts::new().customer(1).customer(2))?;
    /// # Ok::<(), portal_contacts::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] when no customer is named; [`Error::Api`] when the portal
    /// answers `"result": false`.
    pub fn list_page(&self, query: &ListContacts) -> Result<ContactPage> {
        Ok(self.list_page_with_meta(query)?.value)
    }

    /// Like [`list_page`](Self::list_page), with the answer's status, headers, request id and attempts.
    ///
    /// # Errors
    /// As [`list_page`](Self::list_page).
    pub fn list_page_with_meta(&self, query: &ListContacts) -> Result<WithMeta<ContactPage>> {
        let (contacts, meta) = self.list_meta(query)?;
        Ok(WithMeta::new(ContactPage { contacts }, meta))
    }

    /// Every contact of the query's customers.
    ///
    /// # Errors
    /// As [`list_page`](Self::list_page).
    pub fn list(&self, query: &ListContacts) -> Result<Vec<Contact>> {
        self.list_as(query)
    }

    /// Every contact of the query's customers, one by one (the portal sends them in one
    /// answer). A query that is not valid yields its error first and sends nothing.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PORTAL, 3).start().unwrap();
    /// # let client = portal_contacts::Client::builder().authorization(contacts_sandbox::credentials::PORTAL_AUTHORIZATION).base_url(sandbox.portal_base_url()).build()?;
    /// for c in client.contacts().iter(&portal_contacts::ListContacts::new().customer(1)) {
    ///     println!("{}", c?.name);
    /// }
    /// # Ok::<(), portal_contacts::Error>(())
    /// ```
    pub fn iter(&self, query: &ListContacts) -> impl Iterator<Item = Result<Contact>> + Send + use<'a> {
        self.iter_as(query)
    }

    pub(crate) fn iter_as<T: DeserializeOwned + Send + 'a>(
        &self,
        query: &ListContacts,
    ) -> impl Iterator<Item = Result<T>> + Send + use<'a, T> {
        let (items, error) = match self.list_as(query) {
            Ok(items) => (items, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        items.into_iter().map(Ok).chain(error.map(Err))
    }

    pub(crate) fn list_as<T: DeserializeOwned>(&self, query: &ListContacts) -> Result<Vec<T>> {
        Ok(self.list_meta(query)?.0)
    }

    fn list_meta<T: DeserializeOwned>(&self, query: &ListContacts) -> Result<(Vec<T>, ResponseMeta)> {
        query.check()?;
        let mut request = self.request(Method::Get, &["contact"])?;
        match self.client.customer_id_form {
            CustomerIdForm::Brackets => {
                for id in &query.customers {
                    request = request.query("customer_id[]", id);
                }
            }
            CustomerIdForm::Repeated => {
                for id in &query.customers {
                    request = request.query("customer_id", id);
                }
            }
            CustomerIdForm::Comma => {
                let ids: Vec<String> = query.customers.iter().map(ToString::to_string).collect();
                request = request.query("customer_id", ids.join(","));
            }
        }
        let (env, meta) = self.send::<T>(request)?;
        Ok((env.entities.map(Entities::into_vec).unwrap_or_default(), meta))
    }

    /// One contact by its internal id (`GET /contact/{id}`).
    ///
    /// The document does not show this answer; the client reads the contact from `entity`,
    /// `data`, `entities` (one object, or the first of a list), or the body itself.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PORTAL, 3).start().unwrap();
    /// # let client = portal_contacts::Client::builder().authorization(contacts_sandbox::credentials::PORTAL_AUTHORIZATION).base_url(sandbox.portal_base_url()).build()?;
    /// let jane = client.contacts().get(&portal_contacts::ContactId::from("1"))?;
    /// # Ok::<(), portal_contacts::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] when the portal says "Entity not found.".
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
        let request = self.request(Method::Get, &["contact", id.as_str()])?;
        let response = request.send()?;
        let (status, body) = (response.status(), response.body());
        let env: Envelope<T> = read_envelope(status, body).map_err(|e| response.error(e))?;
        let from_list = env.entities.and_then(|e| e.into_vec().into_iter().next());
        if let Some(c) = env.entity.or(env.data).or(from_list) {
            return Ok(WithMeta::new(c, response.into_meta()));
        }
        let c = decode_json(status, body).map_err(|e| response.error(e))?;
        Ok(WithMeta::new(c, response.into_meta()))
    }

    /// Creates a contact (`POST /contact`) and returns its new id: the portal answers a
    /// create with the id only.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PORTAL, 3).start().unwrap();
    /// # let client = portal_contacts::Client::builder().authorization(contacts_sandbox::credentials::PORTAL_AUTHORIZATION).base_url(sandbox.portal_base_url()).build()?;
    /// let id = client.contacts().create(&portal_contacts::NewContact::new("Jane Doe").email("jane@example.com"))?;
    /// # Ok::<(), portal_contacts::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before sending when a field breaks a documented limit;
    /// [`Error::Api`] with the portal's per-field `errors`.
    pub fn create(&self, contact: &NewContact) -> Result<ContactId> {
        Ok(self.create_with_meta(contact)?.value)
    }

    /// Like [`create`](Self::create), with the answer's status, headers, request id and attempts.
    ///
    /// # Errors
    /// As [`create`](Self::create).
    pub fn create_with_meta(&self, contact: &NewContact) -> Result<WithMeta<ContactId>> {
        contact.fields.check()?;
        let request = contact.fields.encode(self.request(Method::Post, &["contact"])?, self.client.encoding);
        let (env, meta) = self.send::<serde_json::Value>(request)?;
        let id = env.id.map(ContactId::from).ok_or_else(|| {
            Error::decode(Some(meta.status), format!("the create answer has no id (msg: {:?})", env.msg))
        })?;
        Ok(WithMeta::new(id, meta))
    }

    /// Changes the contact (`POST /contact/{id}`): its name (required by the portal) and the
    /// fields set in `update`. Safe to retry.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PORTAL, 3).start().unwrap();
    /// # let client = portal_contacts::Client::builder().authorization(contacts_sandbox::credentials::PORTAL_AUTHORIZATION).base_url(sandbox.portal_base_url()).build()?;
    /// # let id = portal_contacts::ContactId::from("1");
    /// client.contacts().update(&id, &portal_contacts::ContactUpdate::new("Jane Doe").tel("+4512345678"))?;
    /// # Ok::<(), portal_contacts::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] when a field breaks a limit; [`Error::NotFound`] for a missing
    /// contact.
    pub fn update(&self, id: &ContactId, update: &ContactUpdate) -> Result<()> {
        self.update_with_meta(id, update)?;
        Ok(())
    }

    /// Like [`update`](Self::update), with the answer's status, headers, request id and attempts.
    ///
    /// # Errors
    /// As [`update`](Self::update).
    pub fn update_with_meta(&self, id: &ContactId, update: &ContactUpdate) -> Result<WithMeta<()>> {
        update.fields.check()?;
        let request = self.request(Method::Post, &["contact", id.as_str()])?.idempotent(true);
        let (_, meta) = self.send::<serde_json::Value>(update.fields.encode(request, self.client.encoding))?;
        Ok(WithMeta::new((), meta))
    }

    /// Deletes a contact (`GET /contact/{id}/delete`). Never retried automatically: it is a GET
    /// that changes state.
    ///
    /// The portal answers `"result": false` both when it deleted the contact and when there was
    /// none; the client tells them apart by the message.
    ///
    /// ```
    /// # let sandbox = contacts_sandbox::Sandbox::builder().seed(contacts_sandbox::Provider::PORTAL, 3).start().unwrap();
    /// # let client = portal_contacts::Client::builder().authorization(contacts_sandbox::credentials::PORTAL_AUTHORIZATION).base_url(sandbox.portal_base_url()).build()?;
    /// match client.contacts().delete(&portal_contacts::ContactId::from("1")) {
    ///     Ok(()) => println!("deleted"),
    ///     Err(e) if e.is_not_found() => println!("was not there"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok::<(), portal_contacts::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] when the portal says "Entity not found."; [`Error::Api`] for any
    /// other answer that is not the documented success.
    pub fn delete(&self, id: &ContactId) -> Result<()> {
        self.delete_with_meta(id)?;
        Ok(())
    }

    /// As [`delete`](Self::delete), with the answer's metadata. The delete is a GET the
    /// portal may act on twice, so it is sent once (`meta.attempts` is 1).
    ///
    /// # Errors
    /// As [`delete`](Self::delete).
    pub fn delete_with_meta(&self, id: &ContactId) -> Result<WithMeta<()>> {
        let request = self.request(Method::Get, &["contact", id.as_str(), "delete"])?.idempotent(false);
        let (env, meta) = self.send::<serde_json::Value>(request)?;
        if env.msg.as_deref() == Some(MSG_DELETED) || env.result == Some(true) {
            return Ok(WithMeta::new((), meta));
        }
        Err(Error::api(200, format!("unexpected delete answer: {:?}", env.msg)))
    }
}
