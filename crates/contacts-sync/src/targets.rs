//! The target side as the plan holds it while it decides: per copy, its match key, its id,
//! the scope its marker names and a digest per set field, packed in one arena and found by
//! the key's hash — some 150 bytes a copy and no allocation per copy, so the target of a
//! nightly run over a million copies stays bounded as the source side is.

use std::collections::HashMap;

use contacts_core::Field;

use crate::matching::Digests;
use crate::packed::{self, Packed};
use crate::plan::Slot;

/// One target contact as it comes from the listing: its id, a digest per field (0 when
/// unset), and the scope its marker names when the sync made it in a run with scopes.
pub(crate) struct TargetEntry {
    pub(crate) id: String,
    pub(crate) digests: Digests,
    pub(crate) scope: Option<String>,
}

/// A copy read back from the index.
pub(crate) struct Copy<'a> {
    pub(crate) key: &'a str,
    pub(crate) id: &'a str,
    pub(crate) scope: Option<&'a str>,
    pub(crate) digests: Digests,
}

/// The target's copies that have a match key.
#[derive(Default)]
pub(crate) struct Targets {
    /// The first copy of each key hash (the record's own key settles a clash of hashes).
    first: HashMap<u64, u32>,
    /// Further copies whose key hashes the same: the same key twice (a conflict), or a clash.
    more: HashMap<u64, Vec<u32>>,
    /// Per copy: key, id, scope (0 for none, else its place in `scopes` + 1), the set fields as
    /// bits, then each set field's digest.
    records: Packed,
    /// Per copy: what became of the first source contact seen with its key, set on every copy
    /// of the key.
    slots: Vec<Option<Slot>>,
    /// The scopes markers name, each held once.
    scopes: Vec<String>,
    scope_index: HashMap<String, u32>,
}

impl Targets {
    /// How many copies it holds.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Adds a copy with its key.
    pub(crate) fn insert(&mut self, key: &str, entry: TargetEntry) {
        let scope = match entry.scope {
            None => 0,
            Some(scope) => match self.scope_index.get(&scope) {
                Some(&i) => i + 1,
                None => {
                    let i = u32::try_from(self.scopes.len()).unwrap_or(u32::MAX);
                    self.scope_index.insert(scope.clone(), i);
                    self.scopes.push(scope);
                    i + 1
                }
            },
        };
        let set = entry.digests.iter().enumerate().filter(|(_, d)| **d != 0).fold(0u64, |bits, (i, _)| bits | 1 << i);
        self.records.push(|r| {
            packed::put_str(r, key);
            packed::put_str(r, &entry.id);
            packed::put_u64(r, u64::from(scope));
            packed::put_u64(r, set);
            for d in entry.digests.iter().filter(|d| **d != 0) {
                r.extend_from_slice(&d.to_le_bytes());
            }
        });
        let index = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        self.slots.push(None);
        match self.first.entry(hash(key)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(index);
            }
            std::collections::hash_map::Entry::Occupied(o) => self.more.entry(*o.key()).or_default().push(index),
        }
    }

    /// The copies with `key`, in the order they were listed.
    #[cfg(test)]
    pub(crate) fn find(&self, key: &str) -> Vec<u32> {
        let mut out = Vec::new();
        self.find_into(key, &mut out);
        out
    }

    /// The copies with `key`, in the order they were listed, into `out` (cleared first: one
    /// buffer serves a whole plan).
    pub(crate) fn find_into(&self, key: &str, out: &mut Vec<u32>) {
        out.clear();
        let h = hash(key);
        let Some(&first) = self.first.get(&h) else { return };
        let more = self.more.get(&h).map(Vec::as_slice).unwrap_or_default();
        out.extend(std::iter::once(first).chain(more.iter().copied()).filter(|&i| self.key(i) == key));
    }

    fn key(&self, i: u32) -> &str {
        self.records.record(i as usize).str_ref()
    }

    /// Copy `i` as it was listed.
    pub(crate) fn copy(&self, i: u32) -> Copy<'_> {
        let mut r = self.records.record(i as usize);
        let key = r.str_ref();
        let id = r.str_ref();
        let scope = match r.u64() {
            0 => None,
            n => self.scopes.get(n as usize - 1).map(String::as_str),
        };
        let set = r.u64();
        let mut digests = Digests::default();
        for (f, digest) in digests.iter_mut().enumerate().take(Field::ALL.len()) {
            if set & (1 << f) != 0 {
                *digest = r.u64_le();
            }
        }
        Copy { key, id, scope, digests }
    }

    /// What became of the first source contact seen with copy `i`'s key.
    pub(crate) fn slot(&self, i: u32) -> Option<Slot> {
        self.slots.get(i as usize).copied().flatten()
    }

    /// Sets the slot of every copy in `copies` (all the copies of one key).
    pub(crate) fn set_slot(&mut self, copies: &[u32], slot: Slot) {
        for &i in copies {
            if let Some(s) = self.slots.get_mut(i as usize) {
                *s = Some(slot);
            }
        }
    }
}

/// A key's place in the index: 64 bits of the std hasher (a clash is settled by the key the
/// record holds).
fn hash(key: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, digests: Digests, scope: Option<&str>) -> TargetEntry {
        TargetEntry { id: id.to_owned(), digests, scope: scope.map(str::to_owned) }
    }

    #[test]
    fn a_copy_reads_back_as_it_was_listed() {
        let mut t = Targets::default();
        t.insert("previsto:con_1", entry("u-1", [7, 0, 9, 0, 0, 0, u64::MAX], Some("abc")));
        t.insert("previsto:con_2", entry("u-2", [1, 2, 3, 4, 5, 6, 7], None));
        t.insert("previsto:con_1", entry("u-3", [0; 7], Some("abc")));
        assert_eq!(t.len(), 3);
        assert_eq!(t.find("previsto:con_1"), vec![0, 2]);
        assert_eq!(t.find("previsto:con_2"), vec![1]);
        assert!(t.find("previsto:con_3").is_empty());
        let c = t.copy(0);
        assert_eq!(
            (c.key, c.id, c.scope, c.digests),
            ("previsto:con_1", "u-1", Some("abc"), [7, 0, 9, 0, 0, 0, u64::MAX])
        );
        let c = t.copy(1);
        assert_eq!((c.id, c.scope, c.digests), ("u-2", None, [1, 2, 3, 4, 5, 6, 7]));
        assert_eq!(t.copy(2).scope, Some("abc"));
        assert_eq!(t.scopes.len(), 1, "a scope is held once");
    }

    #[test]
    fn a_slot_is_set_on_every_copy_of_its_key() {
        let mut t = Targets::default();
        t.insert("a", entry("1", [1; 7], None));
        t.insert("b", entry("2", [1; 7], None));
        t.insert("a", entry("3", [1; 7], None));
        let copies = t.find("a");
        t.set_slot(&copies, Slot::Unchanged(4));
        assert!(matches!(t.slot(0), Some(Slot::Unchanged(4))));
        assert!(matches!(t.slot(2), Some(Slot::Unchanged(4))));
        assert!(t.slot(1).is_none());
    }

    #[test]
    fn keys_whose_hashes_clash_are_told_apart_by_the_key() {
        // Two keys forced into one hash bucket, as a clash of 64 bits would put them.
        let mut t = Targets::default();
        t.insert("a", entry("1", [1; 7], None));
        let h = hash("a");
        t.records.push(|r| {
            packed::put_str(r, "z");
            packed::put_str(r, "2");
            packed::put_u64(r, 0);
            packed::put_u64(r, 0);
        });
        t.slots.push(None);
        t.more.entry(h).or_default().push(1);
        assert_eq!(t.find("a"), vec![0]);
        assert!(t.find("z").is_empty(), "z is not under a's hash in the index of its own");
    }

    #[test]
    fn a_copy_costs_about_its_own_bytes() {
        // A million Levers copies of Previsto contacts cost ~630 bytes each when each was a
        // map entry, a key string, a Vec of four entries, an id and a scope string apiece.
        let mut t = Targets::default();
        let scope = "0123456789ab";
        for i in 0..10_000 {
            let id = format!("3fa85f64-5717-4562-b3fc-{i:012}");
            t.insert(&format!("previsto:con_{i}"), entry(&id, [u64::MAX, u64::MAX, 0, 0, 0, 0, 0], Some(scope)));
        }
        let records: usize = t.records.bytes_held();
        // key (~18) + id (37) + scope and bits (2) + two digests (16), and 8 to find it.
        assert!(records / t.len() <= 84, "{} bytes a copy", records / t.len());
    }
}
