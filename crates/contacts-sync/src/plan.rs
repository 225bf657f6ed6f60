//! What a sync would do: read both sides once, and decide per source contact.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use contacts_core::{
    Capabilities, Contact, ContactUpdate, ContactsApi, Error, Field, ListContacts, NewContact, Operation, Provider,
    Result, check_new, check_update,
};
use serde::{Deserialize, Serialize};

use crate::matching::{self, Digests, Match};

/// Everything [`plan`](crate::SyncJob::plan) needs, apart from the two clients.
pub(crate) struct Settings {
    pub(crate) matching: Match,
    pub(crate) fields: Vec<Field>,
    pub(crate) lossy: bool,
    pub(crate) customer_ids: Vec<u64>,
    pub(crate) source_query: ListContacts,
    pub(crate) target_query: ListContacts,
}

/// A contact the sync will create in the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedCreate {
    /// The match key.
    pub key: String,
    /// The source contact's id.
    pub source_id: String,
    /// What will be sent (the provider's raw JSON left out).
    pub contact: Contact,
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
    /// The source's values (the provider's raw JSON left out).
    pub contact: Contact,
    /// Fields the target cannot store, dropped because the sync is lossy.
    pub dropped: Vec<Field>,
}

impl PlannedUpdate {
    /// The patch that will be sent: the changed fields, nothing else.
    pub fn patch(&self) -> ContactUpdate {
        let full = ContactUpdate::from(&self.contact);
        let mut patch = ContactUpdate::new();
        for field in &self.fields {
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Plan {
    /// The source provider.
    pub from: Provider,
    /// The target provider.
    pub to: Provider,
    /// How contacts were matched.
    pub matching: Match,
    /// Contacts to create in the target.
    pub creates: Vec<PlannedCreate>,
    /// Target contacts to change, each with only its changed fields.
    pub updates: Vec<PlannedUpdate>,
    /// Source contacts whose target twin already holds the same values.
    pub unchanged: u64,
    /// Ambiguous matches, reported and left alone.
    pub conflicts: Vec<Conflict>,
    /// Source contacts that will not be written, and why.
    pub refusals: Vec<Refusal>,
    /// Target contacts a run of this scope created whose source a listing of the same scope
    /// no longer has (with [`Match::ExternalId`]): deleted only when the sync is asked to.
    #[serde(default)]
    pub deletes: Vec<PlannedDelete>,
    /// The scope the deletes were judged in: the source provider and host, customer ids and
    /// search, and the digest its copies carry (`portal at h, customer ids 2 (scope 3fa2…)`).
    #[serde(default)]
    pub scope: String,
    /// Copies from this source that the listing did not return but that another scope made
    /// (or a run before scopes): never deletes, whatever the flags.
    #[serde(default)]
    pub outside_scope: u64,
    /// Source contacts read.
    pub source_count: u64,
    /// Target contacts read.
    pub target_count: u64,
}

impl Plan {
    /// Whether applying it would write nothing.
    pub fn is_empty(&self) -> bool {
        self.creates.is_empty() && self.updates.is_empty()
    }

    /// How many writes it holds.
    pub fn writes(&self) -> usize {
        self.creates.len() + self.updates.len()
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
        for u in self.updates.iter().take(SHOWN) {
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

/// One target contact, as the plan remembers it: its id and a digest per field.
struct TargetEntry {
    id: String,
    digests: Digests,
    /// The scope its marker names, when the sync made it in a run with scopes.
    scope: Option<String>,
}

/// What became of the first source contact seen with a key (a second one makes a conflict).
enum Slot {
    Create(usize),
    Update(usize),
    Unchanged(String),
    Refused(usize),
    Conflict(usize),
}

/// Copies of `c` with only `fields` set (the name always), without the raw JSON.
/// The contact with only the synced fields, moved out of the contact as read (no copy).
fn restrict(c: Contact, fields: &[Field]) -> Contact {
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
    let (target_query, source_query) = (full_pages(&s.target_query), full_pages(&s.source_query));
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

/// The page size a plan asks for: the largest every provider takes (Previsto's documented
/// 100, Levers' cap of 100; the portal has no page size), so a full read makes the fewest
/// round trips.
pub(crate) const PLAN_PAGE_SIZE: u32 = 100;

/// `query`, asking for [`PLAN_PAGE_SIZE`] when it names no page size.
fn full_pages(query: &ListContacts) -> ListContacts {
    match query.size {
        Some(_) => query.clone(),
        None => query.clone().size(PLAN_PAGE_SIZE),
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
    // The target side, read once, held as keys and digests.
    let mut index: HashMap<String, Vec<TargetEntry>> = HashMap::new();
    let mut target_count: u64 = 0;
    for entry in targets {
        let (key, entry) = entry?;
        target_count += 1;
        if target_count.is_multiple_of(100) {
            on_read(source_read(), target_count);
        }
        if let Some(key) = key {
            index.entry(key).or_default().push(entry);
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
        creates: Vec::new(),
        updates: Vec::new(),
        unchanged: 0,
        conflicts: Vec::new(),
        refusals: Vec::new(),
        deletes: Vec::new(),
        source_count: 0,
        target_count,
    };
    // Writes undone by a later conflict are marked, then removed in place at the end (no
    // second copy of 100,000 creates).
    let mut creates: Vec<PlannedCreate> = Vec::new();
    let mut updates: Vec<PlannedUpdate> = Vec::new();
    let mut refusals: Vec<Refusal> = Vec::new();
    let mut undone: [HashSet<usize>; 3] = Default::default();
    let mut seen: HashMap<String, Slot> = HashMap::new();
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
        if let Some(slot) = seen.get_mut(&key) {
            let targets: Vec<String> =
                index.get(&key).map(|t| t.iter().map(|e| e.id.clone()).collect()).unwrap_or_default();
            let first = match std::mem::replace(slot, Slot::Conflict(plan.conflicts.len())) {
                Slot::Create(i) => undone[0].insert(i).then(|| creates[i].source_id.clone()),
                Slot::Update(i) => undone[1].insert(i).then(|| updates[i].source_id.clone()),
                Slot::Refused(i) => undone[2].insert(i).then(|| refusals[i].source_id.clone()),
                Slot::Unchanged(id) => {
                    plan.unchanged = plan.unchanged.saturating_sub(1);
                    Some(id)
                }
                Slot::Conflict(i) => {
                    *slot = Slot::Conflict(i);
                    plan.conflicts[i].source_ids.push(contact.id);
                    continue;
                }
            };
            let mut source_ids: Vec<String> = first.into_iter().collect();
            source_ids.push(contact.id);
            plan.conflicts.push(Conflict { key, source_ids, target_ids: targets });
            continue;
        }
        let restricted = contact;
        let slot = match index.get(&key).map(Vec::as_slice) {
            None | Some([]) => {
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
                        creates.push(PlannedCreate { key: key.clone(), source_id: id, contact: sent, dropped });
                        Slot::Create(creates.len() - 1)
                    }
                    Err(e) => {
                        refusals.push(refusal(&id, Some(key.clone()), &e));
                        Slot::Refused(refusals.len() - 1)
                    }
                }
            }
            Some([target]) => {
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
                let mut update = PlannedUpdate {
                    key: key.clone(),
                    source_id: restricted.id.clone(),
                    target_id: target.id.clone(),
                    fields: changed,
                    contact: restricted,
                    dropped: Vec::new(),
                };
                let checked = if update.fields.is_empty() {
                    Ok((ContactUpdate::new(), Vec::new()))
                } else if !caps.supports(Operation::Update) {
                    Err(contacts_core::Error::unsupported(to.provider(), Operation::Update))
                } else {
                    let patch = update.patch().lossy(s.lossy);
                    check_update(to.provider(), caps, &patch).and_then(|kept| to.validate_update(&patch).map(|()| kept))
                };
                match checked {
                    Ok((kept, dropped)) if kept.is_empty() => {
                        let _ = dropped;
                        plan.unchanged += 1;
                        Slot::Unchanged(update.source_id)
                    }
                    Ok((kept, dropped)) => {
                        update.fields = kept.fields();
                        update.dropped = dropped;
                        updates.push(update);
                        Slot::Update(updates.len() - 1)
                    }
                    Err(e) => {
                        refusals.push(refusal(&update.source_id, Some(key.clone()), &e));
                        Slot::Refused(refusals.len() - 1)
                    }
                }
            }
            Some(targets) => {
                let target_ids = targets.iter().map(|t| t.id.clone()).collect();
                plan.conflicts.push(Conflict { key: key.clone(), source_ids: vec![restricted.id], target_ids });
                Slot::Conflict(plan.conflicts.len() - 1)
            }
        };
        seen.insert(key, slot);
    }
    // Copies a run of this scope made (their marker names this source and this scope) whose
    // source a listing of the same scope no longer has: the source deleted them. A copy made
    // in another scope (other customer ids, another account or host, another search) or
    // before scopes is not this run's to judge: it is left alone, and counted.
    if s.matching == Match::ExternalId {
        let prefix = matching::external_id(from.provider(), "");
        let mut gone: Vec<PlannedDelete> = Vec::new();
        for (key, targets) in index.iter().filter(|(key, _)| key.starts_with(&prefix) && !seen.contains_key(*key)) {
            for t in targets {
                if t.scope.as_deref() == Some(scope.as_str()) {
                    gone.push(PlannedDelete { key: key.clone(), target_id: t.id.clone() });
                } else {
                    plan.outside_scope += 1;
                }
            }
        }
        gone.sort_by(|a, b| a.key.cmp(&b.key));
        plan.deletes = gone;
    }
    on_read(plan.source_count, target_count);
    plan.creates = without(creates, &undone[0]);
    plan.updates = without(updates, &undone[1]);
    plan.refusals = without(refusals, &undone[2]);
    Ok(plan)
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
