//! What a sync would do: read both sides once, and decide per source contact.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use contacts_core::{
    Capabilities, Contact, ContactUpdate, ContactsApi, Error, Field, ListContacts, NewContact, Operation, Provider,
    Result, check_new, check_update,
};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::matching::{self, Digests, Match};
use crate::packed::{self, Packed};
use crate::targets::{TargetEntry, Targets};

/// Everything [`plan`](crate::SyncJob::plan) needs, apart from the two clients.
pub(crate) struct Settings {
    pub(crate) matching: Match,
    pub(crate) fields: Vec<Field>,
    pub(crate) lossy: bool,
    pub(crate) customer_ids: Vec<u64>,
    pub(crate) source_query: ListContacts,
    pub(crate) target_query: ListContacts,
    /// Bytes of planned writes' contact data the plan keeps (past it, a write keeps its ids
    /// only and its contact is read again from the source when applied).
    pub(crate) keep_bytes: usize,
}

/// How much contact data a plan keeps for its writes by default: 32 MiB, some 200,000
/// contacts; a larger plan keeps only ids for the rest.
pub const DEFAULT_KEEP_BYTES: usize = 32 << 20;

/// A contact the sync will create in the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedCreate {
    /// The match key.
    pub key: String,
    /// The source contact's id.
    pub source_id: String,
    /// What will be sent (the provider's raw JSON left out), when the plan kept it: past its
    /// budget ([`SyncJob::keep_at_most`](crate::SyncJob::keep_at_most)) a plan keeps the ids
    /// only, and the contact is read again from the source when the write is made.
    pub contact: Option<Contact>,
    /// Fields the target cannot store, dropped because the sync is lossy.
    pub dropped: Vec<Field>,
}

/// A target contact the sync will change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedUpdate {
    /// The match key.
    pub key: String,
    /// The source contact's id.
    pub source_id: String,
    /// The target contact's id.
    pub target_id: String,
    /// The fields that differ: only these are sent.
    pub fields: Vec<Field>,
    /// The source's values (the provider's raw JSON left out), when the plan kept them (see
    /// [`PlannedCreate::contact`]).
    pub contact: Option<Contact>,
    /// Fields the target cannot store, dropped because the sync is lossy.
    pub dropped: Vec<Field>,
}

impl PlannedUpdate {
    /// The patch that will be sent, the changed fields and nothing else, when the plan kept
    /// the source's values (otherwise it is made from the source when the write is made).
    pub fn patch(&self) -> Option<ContactUpdate> {
        self.contact.as_ref().map(|c| patch_of(c, &self.fields))
    }
}

/// The patch of `fields` with `contact`'s values.
pub(crate) fn patch_of(contact: &Contact, fields: &[Field]) -> ContactUpdate {
    let full = ContactUpdate::from(contact);
    let mut patch = ContactUpdate::new();
    for field in fields {
        match field {
            Field::Name => patch.name = full.name.clone(),
            Field::Email => patch.email = full.email.clone(),
            Field::Phone => patch.phone = full.phone.clone(),
            Field::Address => patch.address = full.address.clone(),
            Field::TaxId => patch.tax_id = full.tax_id.clone(),
            Field::Location => patch.location = full.location,
            Field::ExternalId => patch.external_id = full.external_id.clone(),
            _ => {}
        }
    }
    patch
}

/// A target contact this sync created (its external id names the source) whose source
/// contact is gone: reported, and deleted only when the sync is asked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedDelete {
    /// The match key (the external id: `previsto:con_1`).
    pub key: String,
    /// The target contact's id.
    pub target_id: String,
}

/// A source contact the sync cannot match to one target contact: never guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Conflict {
    /// The match key they share.
    pub key: String,
    /// The source contacts with that key.
    pub source_ids: Vec<String>,
    /// The target contacts with that key.
    pub target_ids: Vec<String>,
}

/// A source contact the sync will not write, and why (nothing was sent for it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Refusal {
    /// The source contact's id.
    pub source_id: String,
    /// The match key, when it has one.
    pub key: Option<String>,
    /// The field refused, when one is to blame.
    pub field: Option<String>,
    /// Why.
    pub reason: String,
}

/// What [`SyncJob::apply`](crate::SyncJob::apply) will do: printable as a table (`Display`) and
/// serialisable as JSON.
///
/// Its creates and updates are packed (a few bytes of ids each, and the contact's synced
/// fields while the plan's budget lasts), so a plan of a million writes stays small: read them
/// with [`creates`](Self::creates) and [`updates`](Self::updates).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Plan {
    /// The source provider.
    pub from: Provider,
    /// The target provider.
    pub to: Provider,
    /// How contacts were matched.
    pub matching: Match,
    creates: Packed,
    updates: Packed,
    /// Source contacts whose target twin already holds the same values.
    pub unchanged: u64,
    /// Ambiguous matches, reported and left alone.
    pub conflicts: Vec<Conflict>,
    /// Source contacts that will not be written, and why.
    pub refusals: Vec<Refusal>,
    /// Target contacts a run of this scope created whose source a listing of the same scope
    /// no longer has (with [`Match::ExternalId`]): deleted only when the sync is asked to.
    pub deletes: Vec<PlannedDelete>,
    /// The scope the deletes were judged in: the source provider and host, customer ids and
    /// search, and the digest its copies carry (`portal at h, customer ids 2 (scope 3fa2…)`).
    pub scope: String,
    /// Copies from this source that the listing did not return but that another scope made
    /// (or a run before scopes): never deletes, whatever the flags.
    pub outside_scope: u64,
    /// Source contacts read.
    pub source_count: u64,
    /// Target contacts read.
    pub target_count: u64,
    /// The scope's digest, as markers carry it.
    scope_id: String,
    /// The fields compared and written.
    synced: Vec<Field>,
}

impl Plan {
    /// Whether applying it would write nothing.
    pub fn is_empty(&self) -> bool {
        self.creates.len() == 0 && self.updates.len() == 0
    }

    /// How many writes it holds (creates and updates).
    pub fn writes(&self) -> usize {
        self.creates.len() + self.updates.len()
    }

    /// The contacts it will create, in the order they will be written.
    pub fn creates(&self) -> impl ExactSizeIterator<Item = PlannedCreate> + '_ {
        (0..self.creates.len()).map(|i| self.create(i))
    }

    /// The contacts it will change, in the order they will be written.
    pub fn updates(&self) -> impl ExactSizeIterator<Item = PlannedUpdate> + '_ {
        (0..self.updates.len()).map(|i| self.update(i))
    }

    /// The plan cut into plans of at most `writes` creates and updates each (creates first),
    /// to apply one after another — a part a night, say. The deletes, conflicts and refusals
    /// go with the first part.
    pub fn parts(&self, writes: usize) -> Vec<Plan> {
        let writes = writes.max(1);
        let (creates, updates) = (self.creates.len(), self.updates.len());
        let mut parts = Vec::new();
        let mut at = 0;
        while at < creates + updates || parts.is_empty() {
            let end = (at + writes).min(creates + updates);
            let mut part = Plan {
                creates: self.creates.slice(at.min(creates), end.min(creates)),
                updates: self.updates.slice(at.saturating_sub(creates), end.saturating_sub(creates)),
                conflicts: Vec::new(),
                refusals: Vec::new(),
                deletes: Vec::new(),
                unchanged: 0,
                ..self.clone_without_writes()
            };
            if parts.is_empty() {
                part.conflicts = self.conflicts.clone();
                part.refusals = self.refusals.clone();
                part.deletes = self.deletes.clone();
                part.unchanged = self.unchanged;
            }
            parts.push(part);
            at = end;
        }
        parts
    }

    fn clone_without_writes(&self) -> Plan {
        Plan {
            from: self.from,
            to: self.to,
            matching: self.matching,
            creates: Packed::default(),
            updates: Packed::default(),
            unchanged: self.unchanged,
            conflicts: Vec::new(),
            refusals: Vec::new(),
            deletes: Vec::new(),
            scope: self.scope.clone(),
            outside_scope: self.outside_scope,
            source_count: self.source_count,
            target_count: self.target_count,
            scope_id: self.scope_id.clone(),
            synced: self.synced.clone(),
        }
    }

    /// The fields it compares and writes.
    pub(crate) fn synced(&self) -> &[Field] {
        &self.synced
    }

    /// The marker a copy of `source_id` carries in this plan's scope.
    pub(crate) fn marker(&self, source_id: &str) -> String {
        matching::marker(self.from, &self.scope_id, source_id)
    }

    /// The key of a write whose record left it out: the source's own `provider:id`.
    fn key_or_own(&self, key: Option<String>, source_id: &str) -> String {
        key.unwrap_or_else(|| matching::external_id(self.from, source_id))
    }

    /// Create number `i`.
    pub(crate) fn create(&self, i: usize) -> PlannedCreate {
        let mut r = self.creates.record(i);
        let source_id = r.str();
        let key = r.opt();
        let dropped = packed::fields_of(r.u64());
        let contact = (r.u8() == 1).then(|| r.contact(source_id.clone(), || self.marker(&source_id)));
        PlannedCreate { key: self.key_or_own(key, &source_id), source_id, contact, dropped }
    }

    /// Update number `i`.
    pub(crate) fn update(&self, i: usize) -> PlannedUpdate {
        let mut r = self.updates.record(i);
        let source_id = r.str();
        let target_id = r.str();
        let key = r.opt();
        let fields = packed::fields_of(r.u64());
        let dropped = packed::fields_of(r.u64());
        let contact = (r.u8() == 1).then(|| r.contact(source_id.clone(), || self.marker(&source_id)));
        PlannedUpdate { key: self.key_or_own(key, &source_id), source_id, target_id, fields, contact, dropped }
    }

    /// Create number `i`'s key, source id and dropped fields, without unpacking its contact
    /// (what the journal names a write by).
    pub(crate) fn create_ids(&self, i: usize) -> (String, String, Vec<Field>) {
        let mut r = self.creates.record(i);
        let source_id = r.str();
        let key = r.opt();
        let dropped = packed::fields_of(r.u64());
        (self.key_or_own(key, &source_id), source_id, dropped)
    }

    /// Update number `i`'s key, source id, target id and dropped fields, without its contact.
    pub(crate) fn update_ids(&self, i: usize) -> (String, String, String, Vec<Field>) {
        let mut r = self.updates.record(i);
        let source_id = r.str();
        let target_id = r.str();
        let key = r.opt();
        let _fields = r.u64();
        let dropped = packed::fields_of(r.u64());
        (self.key_or_own(key, &source_id), source_id, target_id, dropped)
    }

    /// How many creates and updates it holds.
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.creates.len(), self.updates.len())
    }
}

/// The plan as JSON: every field, the creates and updates listed in full.
impl Serialize for Plan {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        struct Creates<'p>(&'p Plan);
        impl Serialize for Creates<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.creates())
            }
        }
        struct Updates<'p>(&'p Plan);
        impl Serialize for Updates<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.updates())
            }
        }
        let mut st = serializer.serialize_struct("Plan", 13)?;
        st.serialize_field("from", &self.from)?;
        st.serialize_field("to", &self.to)?;
        st.serialize_field("matching", &self.matching)?;
        st.serialize_field("creates", &Creates(self))?;
        st.serialize_field("updates", &Updates(self))?;
        st.serialize_field("unchanged", &self.unchanged)?;
        st.serialize_field("conflicts", &self.conflicts)?;
        st.serialize_field("refusals", &self.refusals)?;
        st.serialize_field("deletes", &self.deletes)?;
        st.serialize_field("scope", &self.scope)?;
        st.serialize_field("outside_scope", &self.outside_scope)?;
        st.serialize_field("source_count", &self.source_count)?;
        st.serialize_field("target_count", &self.target_count)?;
        st.end()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "sync {} -> {} by {}: {} source and {} target contacts read",
            self.from,
            self.to,
            self.matching.name(),
            self.source_count,
            self.target_count
        )?;
        writeln!(f, "| action | count |\n| --- | --- |")?;
        writeln!(f, "| create | {} |", self.creates.len())?;
        writeln!(f, "| update | {} |", self.updates.len())?;
        writeln!(f, "| unchanged | {} |", self.unchanged)?;
        writeln!(f, "| conflict | {} |", self.conflicts.len())?;
        writeln!(f, "| refused | {} |", self.refusals.len())?;
        writeln!(f, "| gone from the source | {} |", self.deletes.len())?;
        if self.matching == Match::ExternalId {
            writeln!(f, "gone from the source in the scope {}", contacts_core::escaped(&self.scope))?;
            if self.outside_scope > 0 {
                writeln!(
                    f,
                    "{} copies of other scopes (or older runs) not in this listing: left alone",
                    self.outside_scope
                )?;
            }
        }
        // Ids and keys come from the providers: escaped where printed.
        let e = contacts_core::escaped;
        for u in self.updates().take(SHOWN) {
            let fields: Vec<&str> = u.fields.iter().map(|f| f.name()).collect();
            writeln!(f, "update {} ({}): {}", e(&u.target_id), e(&u.key), fields.join(", "))?;
        }
        more(f, self.updates.len(), "updates")?;
        for c in &self.conflicts {
            let list = |ids: &[String]| ids.iter().map(|i| e(i).to_string()).collect::<Vec<_>>().join(", ");
            writeln!(
                f,
                "conflict {}: sources [{}], targets [{}]",
                e(&c.key),
                list(&c.source_ids),
                list(&c.target_ids)
            )?;
        }
        for r in self.refusals.iter().take(SHOWN) {
            writeln!(f, "refused {}: {}", e(&r.source_id), e(&r.reason))?;
        }
        more(f, self.refusals.len(), "refusals")?;
        for d in self.deletes.iter().take(SHOWN) {
            writeln!(f, "gone from the source {} (target {})", e(&d.key), e(&d.target_id))?;
        }
        more(f, self.deletes.len(), "gone from the source")?;
        Ok(())
    }
}

/// The rows of each kind the plan's text shows; the rest are counted, never dropped in silence.
const SHOWN: usize = 20;

/// `…and 12 more updates` under a list cut at [`SHOWN`] rows.
fn more(f: &mut fmt::Formatter<'_>, total: usize, what: &str) -> fmt::Result {
    if total > SHOWN {
        writeln!(f, "…and {} more {what} (--json lists every one)", total - SHOWN)?;
    }
    Ok(())
}

/// What became of the first source contact seen with a key (a second one makes a conflict):
/// an index into the plan's lists, 8 bytes a key.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Slot {
    Create(u32),
    Update(u32),
    /// Into the packed ids of the unchanged contacts.
    Unchanged(u32),
    Refused(u32),
    Conflict(u32),
}

/// An index as a [`Slot`] holds it (a plan of more than four billion writes saturates, which
/// no listing reaches).
fn slot_index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Copies of `c` with only `fields` set (the name always), without the raw JSON.
/// The contact with only the synced fields, moved out of the contact as read (no copy).
pub(crate) fn restrict(c: Contact, fields: &[Field]) -> Contact {
    let keep = |f: Field| fields.contains(&f);
    let mut out = Contact::new(c.id, c.name);
    if keep(Field::Email) {
        out.email = c.email;
    }
    if keep(Field::Phone) {
        out.phone = c.phone;
    }
    if keep(Field::Address) {
        out.address = c.address;
    }
    if keep(Field::TaxId) {
        out.tax_id = c.tax_id;
    }
    if keep(Field::Location) {
        out.location = c.location;
    }
    if keep(Field::ExternalId) {
        out.external_id = c.external_id;
    }
    out
}

fn refusal(source_id: &str, key: Option<String>, e: &Error) -> Refusal {
    let field = match e {
        Error::Validation(_) => e.field().map(str::to_owned),
        _ => None,
    };
    Refusal { source_id: source_id.to_owned(), key, field, reason: e.to_string() }
}

pub(crate) fn plan(
    from: &dyn ContactsApi,
    to: &dyn ContactsApi,
    s: &Settings,
    on_read: &mut dyn FnMut(u64, u64),
) -> std::result::Result<Plan, crate::SyncError> {
    let caps: Capabilities = to.capabilities();
    if s.matching == Match::ExternalId && !caps.stores(Field::ExternalId) {
        return Err(crate::SyncError::Refused {
            setting: "matching".to_owned(),
            reason: format!("{} stores no external id: match by phone or email instead", to.provider()),
        });
    }
    if !from.capabilities().supports(Operation::List) {
        return Err(contacts_core::Error::unsupported(from.provider(), Operation::List).into());
    }
    let lists_target = caps.supports(Operation::List);
    if !(lists_target || caps.supports(Operation::FindOrCreate) && s.matching == Match::Phone) {
        return Err(crate::SyncError::Refused {
            setting: "matching".to_owned(),
            reason: format!(
                "{} cannot list its contacts: only a find-or-create by phone can sync to it",
                to.provider()
            ),
        });
    }
    // The name and the match field are always written: without the match field the next run
    // would not recognise what this one wrote. Under external-id matching the external id is
    // the sync's own (`provider:id`), set on each create below.
    let mut synced: Vec<Field> = vec![Field::Name];
    match s.matching {
        Match::Email => synced.push(Field::Email),
        Match::Phone => synced.push(Field::Phone),
        Match::ExternalId => {}
    }
    for f in &s.fields {
        if !(synced.contains(f) || s.matching == Match::ExternalId && *f == Field::ExternalId) {
            synced.push(*f);
        }
    }
    // Both sides are read at once, each on its own thread, so the plan waits for the slower
    // side's round trips rather than for the sum of both; each list fetches its next page
    // while this thread works through the one before. The target comes one page ahead at
    // most (a bounded channel); the source is kept, already cut down to the synced fields,
    // until the target is whole, since no source contact can be decided before.
    let source_read = AtomicU64::new(0);
    let (target_query, source_query) =
        (full_pages(&s.target_query, caps), full_pages(&s.source_query, from.capabilities()));
    std::thread::scope(|scope| {
        let (targets, target_rx) = mpsc::sync_channel(TARGET_AHEAD);
        let (sources, source_rx) = mpsc::sync_channel(SOURCE_AHEAD / BATCH);
        if lists_target {
            scope.spawn(move || {
                let entry = |c: Contact| {
                    let key = matching::target_key(s.matching, &c);
                    let digests = if key.is_some() { matching::digests(&c) } else { Digests::default() };
                    let scope = match (s.matching, c.external_id.as_deref()) {
                        (Match::ExternalId, Some(marker)) => matching::identity(marker).1.map(str::to_owned),
                        _ => None,
                    };
                    (key, TargetEntry { id: c.id, digests, scope })
                };
                forward(to.list(&target_query), entry, &targets, None);
            });
        } else {
            drop(targets);
        }
        let (synced, source_read) = (&synced, &source_read);
        scope.spawn(move || {
            let entry = |c: Contact| (matching::source_key(s.matching, from.provider(), &c), restrict(c, synced));
            forward(from.list(&source_query), entry, &sources, Some(source_read));
        });
        // Returning (or failing) drops both receivers: a thread still reading stops at its
        // next page.
        let (target_rx, source_rx) = (target_rx.into_iter().flatten(), source_rx.into_iter().flatten());
        decide(from, to, s, caps, synced, target_rx, source_rx, &|| source_read.load(Ordering::Relaxed), on_read)
            .map_err(crate::SyncError::from)
    })
}

/// Contacts handed from a list's thread to the plan at once: a page.
const BATCH: usize = 100;

/// Batches of target contacts read ahead of the plan, at most: one page (and the next one
/// being fetched).
const TARGET_AHEAD: usize = 1;

/// Sends `items`, each through `entry`, in batches of [`BATCH`]; the first error is sent and
/// ends it, and so does a plan that stopped listening. `read` counts what was sent.
fn forward<T>(
    items: impl Iterator<Item = Result<Contact>>,
    mut entry: impl FnMut(Contact) -> T,
    to: &mpsc::SyncSender<Vec<Result<T>>>,
    read: Option<&AtomicU64>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    for item in items {
        let failed = item.is_err();
        batch.push(item.map(&mut entry));
        if failed || batch.len() == BATCH {
            if let Some(read) = read {
                read.fetch_add(batch.len() as u64, Ordering::Relaxed);
            }
            if to.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_err() || failed {
                return;
            }
        }
    }
    if let Some(read) = read {
        read.fetch_add(batch.len() as u64, Ordering::Relaxed);
    }
    if !batch.is_empty() {
        let _ = to.send(batch);
    }
}

/// Source contacts kept while the target is still read, at most (about 13 MB): enough to read
/// both sides of a 20,000-contact sync wholly at once, and a bound on what a larger one holds
/// twice — past it, the source waits for the target.
const SOURCE_AHEAD: usize = 25_000;

/// The page size a plan asks a provider for when it does not say its largest: 100, what
/// every paged provider here takes.
pub(crate) const PLAN_PAGE_SIZE: u32 = 100;

/// `query`, asking for the provider's largest page ([`Capabilities::largest_page`]: Levers
/// 100, Previsto 1000), or [`PLAN_PAGE_SIZE`], when it names no page size: a full read makes
/// the fewest round trips.
fn full_pages(query: &ListContacts, caps: Capabilities) -> ListContacts {
    match query.size {
        Some(_) => query.clone(),
        None => query.clone().size(caps.largest_page().unwrap_or(PLAN_PAGE_SIZE)),
    }
}

/// Builds the plan from the two sides' streams: the target's whole, then the source's.
#[allow(clippy::too_many_arguments)]
fn decide(
    from: &dyn ContactsApi,
    to: &dyn ContactsApi,
    s: &Settings,
    caps: Capabilities,
    synced: &[Field],
    targets: impl Iterator<Item = Result<(Option<String>, TargetEntry)>>,
    sources: impl Iterator<Item = Result<(Option<String>, Contact)>>,
    source_read: &dyn Fn() -> u64,
    on_read: &mut dyn FnMut(u64, u64),
) -> Result<Plan> {
    // The target side, read once, held packed: keys, ids, scopes and digests.
    let mut index = Targets::default();
    let mut target_count: u64 = 0;
    for entry in targets {
        let (key, entry) = entry?;
        target_count += 1;
        if target_count.is_multiple_of(100) {
            on_read(source_read(), target_count);
        }
        if let Some(key) = key {
            index.insert(&key, entry);
        }
    }

    // The run's scope: its copies carry it, and only copies of this scope are deletes.
    let (host, ids, search) = (from.host(), &s.source_query.customer_ids, s.source_query.search.as_deref());
    let scope = matching::scope(from.provider(), host.as_deref(), ids, search);
    let mut plan = Plan {
        scope: format!("{} (scope {scope})", matching::scope_words(from.provider(), host.as_deref(), ids, search)),
        outside_scope: 0,
        from: from.provider(),
        to: to.provider(),
        matching: s.matching,
        creates: Packed::default(),
        updates: Packed::default(),
        unchanged: 0,
        conflicts: Vec::new(),
        refusals: Vec::new(),
        deletes: Vec::new(),
        source_count: 0,
        target_count,
        scope_id: scope.clone(),
        synced: synced.to_vec(),
    };
    // Writes undone by a later conflict are marked, then left out at the end. Creates and
    // updates are packed (ids, fields, and the contact while the budget lasts); the keys seen
    // are held as 128-bit digests, not strings.
    let mut creates = Packed::default();
    let mut updates = Packed::default();
    let mut refusals: Vec<Refusal> = Vec::new();
    let mut undone: [HashSet<usize>; 3] = Default::default();
    // The keys seen that have no copy in the target (a key with copies keeps its slot on
    // them, 8 bytes a copy).
    let mut seen: HashMap<u128, Slot> = HashMap::new();
    // The ids of the unchanged contacts, for a conflict found later.
    let mut unchanged = Packed::default();
    let own_key = |key: &str, source_id: &str| {
        s.matching == Match::ExternalId && key == matching::external_id(from.provider(), source_id)
    };
    let mut copies = Vec::new();
    for entry in sources {
        let (key, contact) = entry?;
        plan.source_count += 1;
        if plan.source_count.is_multiple_of(100) {
            on_read(plan.source_count, target_count);
        }
        let Some(key) = key else {
            let reason = format!("it has no {} to match by", s.matching.name());
            refusals.push(Refusal { source_id: contact.id, key: None, field: None, reason });
            continue;
        };
        // A second source contact with the same key: neither is written.
        index.find_into(&key, &mut copies);
        let hashed = if copies.is_empty() { key_digest(&key) } else { 0 };
        let prior = match copies.first() {
            Some(&first) => index.slot(first),
            None => seen.get(&hashed).copied(),
        };
        if let Some(prior) = prior {
            let first = match prior {
                Slot::Create(i) => undone[0].insert(i as usize).then(|| creates.record(i as usize).str()),
                Slot::Update(i) => undone[1].insert(i as usize).then(|| updates.record(i as usize).str()),
                Slot::Refused(i) => undone[2].insert(i as usize).then(|| refusals[i as usize].source_id.clone()),
                Slot::Unchanged(i) => {
                    plan.unchanged = plan.unchanged.saturating_sub(1);
                    Some(unchanged.record(i as usize).str())
                }
                Slot::Conflict(i) => {
                    plan.conflicts[i as usize].source_ids.push(contact.id);
                    continue;
                }
            };
            let slot = Slot::Conflict(slot_index(plan.conflicts.len()));
            if copies.is_empty() {
                seen.insert(hashed, slot);
            } else {
                index.set_slot(&copies, slot);
            }
            let mut source_ids: Vec<String> = first.into_iter().collect();
            source_ids.push(contact.id);
            let target_ids = copies.iter().map(|&c| index.copy(c).id.to_owned()).collect();
            plan.conflicts.push(Conflict { key, source_ids, target_ids });
            continue;
        }
        let restricted = contact;
        let slot = match copies.as_slice() {
            [] => {
                let mut restricted = restricted;
                let id = std::mem::take(&mut restricted.id);
                let mut new = NewContact::from(restricted);
                if s.matching == Match::ExternalId {
                    new.external_id = Some(matching::marker(from.provider(), &scope, &id));
                }
                let new = new.lossy(s.lossy);
                let can_create = caps.supports(Operation::Create) || caps.supports(Operation::FindOrCreate);
                // The capability check, then the target's own rules: the plan's creates are the
                // ones that will really be tried.
                let checked = if can_create {
                    check_new(to.provider(), caps, &new).and_then(|kept| to.validate_create(&new).map(|()| kept))
                } else {
                    Err(contacts_core::Error::unsupported(to.provider(), Operation::Create))
                };
                match checked {
                    Ok((kept, dropped)) => {
                        let mut sent = Contact::new(id.clone(), kept.name);
                        sent.email = kept.email;
                        sent.phone = kept.phone;
                        sent.tax_id = kept.tax_id;
                        sent.location = kept.location;
                        sent.external_id = kept.external_id;
                        sent.address = kept.address;
                        let marker =
                            (s.matching == Match::ExternalId).then(|| matching::marker(from.provider(), &scope, &id));
                        let keep = creates.kept + updates.kept < s.keep_bytes;
                        let mut size = 0;
                        creates.push(|r| {
                            packed::put_str(r, &id);
                            packed::put_opt(r, (!own_key(&key, &id)).then_some(key.as_str()));
                            packed::put_u64(r, packed::field_bits(&dropped));
                            r.push(u8::from(keep));
                            if keep {
                                let before = r.len();
                                packed::put_contact(r, &sent, marker.as_deref());
                                size = r.len() - before;
                            }
                        });
                        creates.kept += size;
                        Slot::Create(slot_index(creates.len() - 1))
                    }
                    Err(e) => {
                        refusals.push(refusal(&id, Some(key.clone()), &e));
                        Slot::Refused(slot_index(refusals.len() - 1))
                    }
                }
            }
            [one] => {
                let target = index.copy(*one);
                // A field the target cannot store never matches (its side is empty): it is no
                // change to send, and not a field "dropped" from an update of other fields.
                let changed: Vec<Field> = synced
                    .iter()
                    .copied()
                    .filter(|f| caps.stores(*f))
                    .filter(|f| {
                        let i = Field::ALL.iter().position(|x| x == f).unwrap_or(0);
                        let source = matching::digest(&restricted, *f);
                        source != 0 && source != target.digests[i]
                    })
                    .collect();
                let checked = if changed.is_empty() {
                    Ok((ContactUpdate::new(), Vec::new()))
                } else if !caps.supports(Operation::Update) {
                    Err(contacts_core::Error::unsupported(to.provider(), Operation::Update))
                } else {
                    let patch = patch_of(&restricted, &changed).lossy(s.lossy);
                    check_update(to.provider(), caps, &patch).and_then(|kept| to.validate_update(&patch).map(|()| kept))
                };
                match checked {
                    Ok((kept, _)) if kept.is_empty() => {
                        plan.unchanged += 1;
                        unchanged.push(|r| packed::put_str(r, &restricted.id));
                        Slot::Unchanged(slot_index(unchanged.len() - 1))
                    }
                    Ok((kept, dropped)) => {
                        let fields = kept.fields();
                        let keep = creates.kept + updates.kept < s.keep_bytes;
                        let mut size = 0;
                        updates.push(|r| {
                            packed::put_str(r, &restricted.id);
                            packed::put_str(r, target.id);
                            packed::put_opt(r, (!own_key(&key, &restricted.id)).then_some(key.as_str()));
                            packed::put_u64(r, packed::field_bits(&fields));
                            packed::put_u64(r, packed::field_bits(&dropped));
                            r.push(u8::from(keep));
                            if keep {
                                let before = r.len();
                                packed::put_contact(r, &restricted, None);
                                size = r.len() - before;
                            }
                        });
                        updates.kept += size;
                        Slot::Update(slot_index(updates.len() - 1))
                    }
                    Err(e) => {
                        refusals.push(refusal(&restricted.id, Some(key.clone()), &e));
                        Slot::Refused(slot_index(refusals.len() - 1))
                    }
                }
            }
            several => {
                let target_ids = several.iter().map(|&c| index.copy(c).id.to_owned()).collect();
                plan.conflicts.push(Conflict { key: key.clone(), source_ids: vec![restricted.id], target_ids });
                Slot::Conflict(slot_index(plan.conflicts.len() - 1))
            }
        };
        if copies.is_empty() {
            seen.insert(hashed, slot);
        } else {
            index.set_slot(&copies, slot);
        }
    }
    // Copies a run of this scope made (their marker names this source and this scope) whose
    // source a listing of the same scope no longer has: the source deleted them. A copy made
    // in another scope (other customer ids, another account or host, another search) or
    // before scopes is not this run's to judge: it is left alone, and counted.
    if s.matching == Match::ExternalId {
        let prefix = matching::external_id(from.provider(), "");
        let mut gone: Vec<PlannedDelete> = Vec::new();
        for i in (0..index.len()).filter_map(|i| u32::try_from(i).ok()).filter(|&i| index.slot(i).is_none()) {
            let copy = index.copy(i);
            if !copy.key.starts_with(&prefix) {
                continue;
            }
            if copy.scope == Some(scope.as_str()) {
                gone.push(PlannedDelete { key: copy.key.to_owned(), target_id: copy.id.to_owned() });
            } else {
                plan.outside_scope += 1;
            }
        }
        gone.sort_by(|a, b| a.key.cmp(&b.key));
        plan.deletes = gone;
    }
    on_read(plan.source_count, target_count);
    plan.creates = creates.without(&undone[0]);
    plan.updates = updates.without(&undone[1]);
    plan.refusals = without(refusals, &undone[2]);
    Ok(plan)
}

/// A key as the plan remembers it: 128 bits of two independent hashes (two keys sharing them
/// is a chance of one in 2^128, far below any fault of the machine).
fn key_digest(key: &str) -> u128 {
    use std::hash::{Hash, Hasher};
    let mut a = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut a);
    let mut b = std::collections::hash_map::DefaultHasher::new();
    (0x5eed_u16, key).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// `items` without the ones at the indices `undone`, removed in place.
fn without<T>(mut items: Vec<T>, undone: &HashSet<usize>) -> Vec<T> {
    if !undone.is_empty() {
        let mut i = 0;
        items.retain(|_| {
            i += 1;
            !undone.contains(&(i - 1))
        });
    }
    items
}
