//! The plan's writes, packed: each planned create or update as a few bytes in chunks of one
//! arena (its ids, its fields, and — while the plan's budget lasts — the synced fields of its
//! contact), so a plan of a million writes is a few hundred bytes each at most, with no
//! allocation per write and no doubling of one big buffer as it grows.

use contacts_core::{Address, Contact, Field, Location};

/// Bytes in one chunk of the arena (a record larger than this gets a chunk of its own).
const CHUNK: usize = 1 << 20;

/// The arena: records appended in chunks, each found by its start.
#[derive(Clone, Default, PartialEq)]
pub(crate) struct Packed {
    chunks: Vec<Vec<u8>>,
    /// Where each record starts: its chunk (high 32 bits) and offset (low 32 bits).
    starts: Vec<u64>,
    /// Bytes of contact data kept, against the plan's budget.
    pub(crate) kept: usize,
}

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bytes: usize = self.chunks.iter().map(Vec::len).sum();
        f.debug_struct("Packed").field("writes", &self.len()).field("bytes", &bytes).field("kept", &self.kept).finish()
    }
}

impl Packed {
    pub(crate) fn len(&self) -> usize {
        self.starts.len()
    }

    /// Appends the record `write` fills in, written in place at the end of the last chunk; a
    /// record that would outgrow its chunk moves to a new one (no chunk ever reallocates).
    pub(crate) fn push(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        if self.chunks.is_empty() {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        let mut index = self.chunks.len() - 1;
        let start = self.chunks[index].len();
        let capacity = self.chunks[index].capacity();
        write(&mut self.chunks[index]);
        if self.chunks[index].capacity() != capacity {
            // The record did not fit: move it into a chunk of its own size or more, and give
            // the chunk back its length and its capacity's worth of bytes.
            let record = self.chunks[index].split_off(start);
            self.chunks[index].shrink_to(capacity);
            self.chunks.push(Vec::with_capacity(CHUNK.max(record.len())));
            index += 1;
            self.chunks[index].extend_from_slice(&record);
            self.starts.push((index as u64) << 32);
            return;
        }
        self.starts.push(((index as u64) << 32) | start as u64);
    }

    /// Record `i`, from its start to its chunk's end (a reader stops where the record does).
    pub(crate) fn record(&self, i: usize) -> Reader<'_> {
        let start = self.starts[i];
        let chunk = &self.chunks[(start >> 32) as usize];
        Reader { bytes: &chunk[(start & 0xffff_ffff) as usize..], pos: 0 }
    }

    /// The bytes its records take, with the 8 that find each.
    #[cfg(test)]
    pub(crate) fn bytes_held(&self) -> usize {
        self.chunks.iter().map(Vec::len).sum::<usize>() + 8 * self.starts.len()
    }

    /// Record `i`'s bytes, exactly.
    fn bytes(&self, i: usize) -> &[u8] {
        let start = self.starts[i];
        let chunk = &self.chunks[(start >> 32) as usize];
        let from = (start & 0xffff_ffff) as usize;
        let to = match self.starts.get(i + 1) {
            Some(next) if next >> 32 == start >> 32 => (next & 0xffff_ffff) as usize,
            _ => chunk.len(),
        };
        &chunk[from..to]
    }

    /// The same records without those at `undone`.
    pub(crate) fn without(self, undone: &std::collections::HashSet<usize>) -> Packed {
        if undone.is_empty() {
            return self;
        }
        let mut out = Packed { kept: self.kept, ..Packed::default() };
        for i in (0..self.len()).filter(|i| !undone.contains(i)) {
            out.push(|r| r.extend_from_slice(self.bytes(i)));
        }
        out
    }

    /// The records from `from` to `to` (exclusive), as packed records of their own.
    pub(crate) fn slice(&self, from: usize, to: usize) -> Packed {
        let mut out = Packed::default();
        for i in from..to.min(self.len()) {
            out.push(|r| r.extend_from_slice(self.bytes(i)));
        }
        out
    }
}

/// Appends `n` as LEB128.
pub(crate) fn put_u64(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// `None` as 0, `Some(s)` as its length + 1 and its bytes.
pub(crate) fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => put_u64(out, 0),
        Some(s) => {
            put_u64(out, s.len() as u64 + 1);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

/// Fields as bits, by their place in [`Field::ALL`].
pub(crate) fn field_bits(fields: &[Field]) -> u64 {
    fields.iter().filter_map(|f| Field::ALL.iter().position(|x| x == f)).fold(0, |bits, i| bits | 1 << i)
}

pub(crate) fn fields_of(bits: u64) -> Vec<Field> {
    Field::ALL.into_iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, f)| f).collect()
}

/// The synced fields of `c` (its id is the record's source id; an external id that is the
/// sync's own marker is written as a flag, since the plan can make it again).
pub(crate) fn put_contact(out: &mut Vec<u8>, c: &Contact, marker: Option<&str>) {
    put_str(out, &c.name);
    put_opt(out, c.email.as_deref());
    put_opt(out, c.phone.as_deref());
    match &c.address {
        None => out.push(0),
        Some(a) => {
            out.push(1);
            for part in [&a.street, &a.postal_code, &a.city, &a.country] {
                put_opt(out, part.as_deref());
            }
        }
    }
    put_opt(out, c.tax_id.as_deref());
    match c.location {
        None => out.push(0),
        Some(l) => {
            out.push(1);
            out.extend_from_slice(&l.longitude.to_le_bytes());
            out.extend_from_slice(&l.latitude.to_le_bytes());
        }
    }
    match c.external_id.as_deref() {
        Some(x) if Some(x) == marker => out.push(2),
        Some(x) => {
            out.push(1);
            put_str(out, x);
        }
        None => out.push(0),
    }
}

/// Reads a record back, in the order it was written. The records are the plan's own: a
/// malformed one cannot occur, and reads past the end give empty values rather than panic.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn u8(&mut self) -> u8 {
        let b = self.bytes.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    pub(crate) fn u64(&mut self) -> u64 {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8();
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
        }
        n
    }

    fn bytes(&mut self, len: usize) -> &'a [u8] {
        let bytes: &'a [u8] = self.bytes;
        let end = (self.pos + len).min(bytes.len());
        let out = &bytes[self.pos.min(end)..end];
        self.pos = end;
        out
    }

    /// A string [`put_str`] wrote, borrowed from the arena.
    pub(crate) fn str_ref(&mut self) -> &'a str {
        let len = self.u64() as usize;
        std::str::from_utf8(self.bytes(len)).unwrap_or_default()
    }

    /// Eight bytes, little-endian.
    pub(crate) fn u64_le(&mut self) -> u64 {
        let s = self.bytes(8);
        let mut a = [0u8; 8];
        a[..s.len()].copy_from_slice(s);
        u64::from_le_bytes(a)
    }

    pub(crate) fn str(&mut self) -> String {
        let len = self.u64() as usize;
        String::from_utf8_lossy(self.bytes(len)).into_owned()
    }

    pub(crate) fn opt(&mut self) -> Option<String> {
        match self.u64() {
            0 => None,
            n => Some(String::from_utf8_lossy(self.bytes(n as usize - 1)).into_owned()),
        }
    }

    fn f64(&mut self) -> f64 {
        f64::from_bits(self.u64_le())
    }

    /// The contact [`put_contact`] wrote, with `id` and the marker given back.
    pub(crate) fn contact(&mut self, id: String, marker: impl FnOnce() -> String) -> Contact {
        let mut c = Contact::new(id, self.str());
        c.email = self.opt();
        c.phone = self.opt();
        if self.u8() == 1 {
            let mut a = Address::new();
            a.street = self.opt();
            a.postal_code = self.opt();
            a.city = self.opt();
            a.country = self.opt();
            c.address = Some(a);
        }
        c.tax_id = self.opt();
        if self.u8() == 1 {
            let (longitude, latitude) = (self.f64(), self.f64());
            c.location = Some(Location::new(longitude, latitude));
        }
        c.external_id = match self.u8() {
            1 => Some(self.str()),
            2 => Some(marker()),
            _ => None,
        };
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_reads_back_as_it_was_packed() {
        let mut c = Contact::new("con_1", "Anna Jensen ✓");
        c.email = Some("anna@example.dk".into());
        c.address = Some(Address::new().street("Vej 1").city("Kundeby"));
        c.location = Some(Location::new(12.5, 55.7));
        c.external_id = Some("levers~abc:1".into());
        let mut packed = Packed::default();
        for marker in [Some("levers~abc:1"), None] {
            packed.push(|r| {
                put_u64(r, 300);
                put_contact(r, &c, marker);
            });
        }
        for i in 0..2 {
            let mut r = packed.record(i);
            assert_eq!(r.u64(), 300);
            assert_eq!(r.contact("con_1".into(), || "levers~abc:1".into()), c);
        }
        let one = packed.slice(1, 2);
        assert_eq!(one.len(), 1);
        let kept = packed.without(&[0].into_iter().collect());
        assert_eq!(kept.len(), 1);
        assert_eq!(kept.record(0).u64(), 300);
    }

    #[test]
    fn a_million_records_take_chunks_not_one_buffer() {
        let mut packed = Packed::default();
        for i in 0..1_000_000u64 {
            packed.push(|r| put_u64(r, i));
        }
        assert_eq!(packed.record(999_999).u64(), 999_999);
        assert!(packed.chunks.len() >= 2);
        assert!(packed.chunks.iter().all(|c| c.capacity() == CHUNK), "no chunk grew");
    }

    #[test]
    fn a_record_larger_than_a_chunk_gets_one_of_its_own() {
        let mut packed = Packed::default();
        let big = "x".repeat(CHUNK + 10);
        packed.push(|r| put_u64(r, 1));
        packed.push(|r| put_str(r, &big));
        packed.push(|r| put_u64(r, 3));
        packed.push(|r| put_str(r, "small"));
        assert_eq!(packed.record(0).u64(), 1);
        assert_eq!(packed.record(1).str(), big);
        assert_eq!(packed.record(2).u64(), 3);
        assert_eq!(packed.record(3).str(), "small");
        assert_eq!(packed.bytes(1).len(), big.len() + 3, "a record's bytes end where it does");
        assert_eq!(packed.chunks[0].capacity(), CHUNK, "the chunk it did not fit in kept its size");
    }
}
