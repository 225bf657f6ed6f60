//! Contacts kept in order, where the seeded ones are virtual: contact `seq` of the seed is
//! made from its number when read, so 100,000 seeded contacts cost no memory until changed.

use std::collections::{BTreeMap, BTreeSet};

pub(crate) struct Store<T> {
    seeded: u64,
    generate: fn(u64) -> T,
    next: u64,
    changed: BTreeMap<u64, T>,
    deleted: BTreeSet<u64>,
}

impl<T: Clone> Store<T> {
    pub fn new(seeded: u64, generate: fn(u64) -> T) -> Self {
        Store { seeded, generate, next: seeded, changed: BTreeMap::new(), deleted: BTreeSet::new() }
    }

    /// Adds a contact made from its new sequence number.
    pub fn insert_with(&mut self, make: impl FnOnce(u64) -> T) -> (u64, T) {
        let seq = self.next;
        self.next += 1;
        let item = make(seq);
        self.changed.insert(seq, item.clone());
        (seq, item)
    }

    pub fn get(&self, seq: u64) -> Option<T> {
        if seq >= self.next || self.deleted.contains(&seq) {
            return None;
        }
        match self.changed.get(&seq) {
            Some(item) => Some(item.clone()),
            None if seq < self.seeded => Some((self.generate)(seq)),
            None => None,
        }
    }

    pub fn put(&mut self, seq: u64, item: T) {
        if self.get(seq).is_some() {
            self.changed.insert(seq, item);
        }
    }

    pub fn remove(&mut self, seq: u64) -> bool {
        if self.get(seq).is_none() {
            return false;
        }
        self.changed.remove(&seq);
        self.deleted.insert(seq)
    }

    pub fn len(&self) -> u64 {
        self.next.saturating_sub(self.deleted.len() as u64)
    }

    /// The live contacts from position `offset` (0-based, in insertion order), at most `limit`.
    pub fn page(&self, offset: u64, limit: usize) -> Vec<(u64, T)> {
        // Past the end (a client can ask for page u64::MAX): nothing, and no arithmetic that
        // could overflow below.
        if offset >= self.len() {
            return Vec::new();
        }
        // Find the sequence number at `offset`: each deleted number before it shifts it by one.
        let mut seq = offset;
        loop {
            let shifted = offset.saturating_add(self.deleted.range(..=seq).count() as u64);
            if shifted == seq {
                break;
            }
            seq = shifted;
        }
        (seq..self.next).filter_map(|s| self.get(s).map(|c| (s, c))).take(limit).collect()
    }

    /// Every live contact, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, T)> + '_ {
        (0..self.next).filter_map(|s| self.get(s).map(|c| (s, c)))
    }
}

#[cfg(test)]
mod tests {
    use super::Store;

    #[test]
    fn pages_skip_deleted_contacts() {
        let mut s = Store::new(10, |n| n * 100);
        assert_eq!(s.page(0, 3), [(0, 0), (1, 100), (2, 200)]);
        assert!(s.remove(1));
        assert!(!s.remove(1));
        assert!(s.remove(4));
        assert_eq!(s.len(), 8);
        assert_eq!(s.page(0, 3), [(0, 0), (2, 200), (3, 300)]);
        assert_eq!(s.page(3, 2), [(5, 500), (6, 600)]);
        let (seq, _) = s.insert_with(|n| n * 100);
        assert_eq!(seq, 10);
        s.put(2, 7);
        assert_eq!(s.get(2), Some(7));
        assert_eq!(s.page(7, 5), [(9, 900), (10, 1000)]);
        assert_eq!(s.iter().count(), 9);
        assert_eq!(s.get(99), None);
    }
}
