//! Compact exact indexes of 32-byte digests (receipt ids, receipt hashes, hashed
//! provider request ids).
//!
//! `std::collections::HashMap<[u8; 32], V>` stores key, value and a control byte per
//! bucket and keeps at least an eighth of its buckets free, so just past a power of two
//! a million entries occupy two million buckets of 40 to 57 bytes. Here the entries live
//! densely in vectors (in insertion order) and the hash table holds only `u32` entry
//! numbers (linear probing, at most three quarters full): a million entries cost their
//! own bytes plus 8 MiB of table. Lookups are exact (full 32-byte comparison). The hash
//! is a folded multiply of the key's four words with a per-process random key (from
//! the standard library's `RandomState`), as in foldhash: digests chosen without
//! knowledge of that key cannot be made to collide in bulk. Iteration follows insertion
//! order, so nothing observable depends on the random key.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;

/// Entry numbers at or above this go to an overflow map (more than four billion
/// digests: never in practice, but the table must stay correct rather than wrap).
const SLOT_LIMIT: usize = u32::MAX as usize - 1;

/// An open-addressing table of entry numbers; the entries (and their keys) are held by
/// the caller, which passes a key comparison and a rehash function.
#[derive(Debug)]
pub(crate) struct Slots {
    /// 0 = empty, else entry number + 1.
    slots: Vec<u32>,
    /// Entries in the table.
    len: usize,
    state: Keys,
}

/// The random key of the table hash.
#[derive(Clone, Copy, Debug)]
struct Keys([u64; 6]);

impl Keys {
    fn new() -> Self {
        let st = RandomState::new();
        let mut k = [0u64; 6];
        for (i, x) in k.iter_mut().enumerate() {
            *x = st.hash_one(i);
        }
        Keys(k)
    }

    #[inline]
    fn hash_one(&self, key: &[u8; 32]) -> u64 {
        #[inline]
        fn fold(a: u64, b: u64) -> u64 {
            let r = u128::from(a) * u128::from(b);
            (r as u64) ^ ((r >> 64) as u64)
        }
        let w = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&key[i * 8..i * 8 + 8]);
            u64::from_le_bytes(b)
        };
        let k = &self.0;
        let a = fold(w(0) ^ k[0], w(1) ^ k[1]);
        let b = fold(w(2) ^ k[2], w(3) ^ k[3]);
        fold(a ^ k[4], b ^ k[5])
    }
}

impl Slots {
    pub(crate) fn new() -> Self {
        Slots {
            slots: Vec::new(),
            len: 0,
            state: Keys::new(),
        }
    }

    pub(crate) fn hash(&self, key: &[u8; 32]) -> u64 {
        self.state.hash_one(key)
    }

    /// `Ok(entry)` for the entry whose key `is_key` accepts, else `Err(slot)`: the free
    /// slot where an entry with this hash belongs.
    fn find(&self, h: u64, is_key: impl Fn(usize) -> bool) -> Result<usize, usize> {
        if self.slots.is_empty() {
            return Err(usize::MAX);
        }
        let mask = self.slots.len() - 1;
        let mut i = (h as usize) & mask;
        loop {
            match self.slots[i] {
                0 => return Err(i),
                s if is_key(s as usize - 1) => return Ok(s as usize - 1),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Records entry `entry` (with hash `h`), found absent at `slot` by [`Slots::find`].
    /// `hash_of(e)` rehashes entry `e` when the table grows.
    fn insert(&mut self, h: u64, slot: usize, entry: usize, hash_of: impl Fn(usize) -> u64) {
        let Ok(e) = u32::try_from(entry + 1) else {
            return;
        };
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow(hash_of);
            let mask = self.slots.len() - 1;
            let mut i = (h as usize) & mask;
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = e;
        } else {
            self.slots[slot] = e;
        }
        self.len += 1;
    }

    fn grow(&mut self, hash_of: impl Fn(usize) -> u64) {
        let cap = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![0; cap]);
        let mask = cap - 1;
        for s in old.into_iter().filter(|&s| s != 0) {
            let mut i = (hash_of(s as usize - 1) as usize) & mask;
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

/// A map from 32-byte digests to `V`, in insertion order.
#[derive(Debug)]
pub(crate) struct DigestMap<V> {
    keys: Vec<[u8; 32]>,
    vals: Vec<V>,
    slots: Slots,
    /// Entries numbered [`SLOT_LIMIT`] and above.
    overflow: HashMap<[u8; 32], usize>,
}

impl<V> DigestMap<V> {
    pub(crate) fn new() -> Self {
        DigestMap {
            keys: Vec::new(),
            vals: Vec::new(),
            slots: Slots::new(),
            overflow: HashMap::new(),
        }
    }

    fn find(&self, h: u64, k: &[u8; 32]) -> Result<usize, usize> {
        match self.slots.find(h, |e| self.keys[e] == *k) {
            Ok(e) => Ok(e),
            Err(slot) => match self.overflow.get(k) {
                Some(&e) => Ok(e),
                None => Err(slot),
            },
        }
    }

    /// The value of `k`.
    pub(crate) fn get(&self, k: &[u8; 32]) -> Option<&V> {
        let h = self.slots.hash(k);
        self.find(h, k).ok().map(|e| &self.vals[e])
    }

    /// The value of `k`, inserted with `make()` when absent.
    pub(crate) fn get_or_insert_with(&mut self, k: &[u8; 32], make: impl FnOnce() -> V) -> &mut V {
        let h = self.slots.hash(k);
        let e = match self.find(h, k) {
            Ok(e) => e,
            Err(slot) => {
                let e = self.keys.len();
                self.keys.push(*k);
                self.vals.push(make());
                if e >= SLOT_LIMIT {
                    self.overflow.insert(*k, e);
                } else {
                    let (keys, slots) = (&self.keys, &mut self.slots);
                    let st = slots.state;
                    slots.insert(h, slot, e, |x| st.hash_one(&keys[x]));
                }
                e
            }
        };
        &mut self.vals[e]
    }

    /// Entries in insertion order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8; 32], &V)> {
        self.keys.iter().zip(self.vals.iter())
    }
}

/// An index of entries held elsewhere (for instance export rows) by a 32-byte key of
/// each: only the table of entry numbers is stored here.
#[derive(Debug)]
pub(crate) struct KeyIndex {
    slots: Slots,
    overflow: HashMap<[u8; 32], usize>,
}

impl KeyIndex {
    pub(crate) fn new() -> Self {
        KeyIndex {
            slots: Slots::new(),
            overflow: HashMap::new(),
        }
    }

    /// The entry whose key (`key_of(entry)`) is `k`.
    pub(crate) fn get(&self, k: &[u8; 32], key_of: impl Fn(usize) -> [u8; 32]) -> Option<usize> {
        let h = self.slots.hash(k);
        match self.slots.find(h, |e| key_of(e) == *k) {
            Ok(e) => Some(e),
            Err(_) => self.overflow.get(k).copied(),
        }
    }

    /// Adds entry `entry` with key `k` unless an entry with that key exists; returns
    /// the existing entry in that case.
    pub(crate) fn insert(
        &mut self,
        k: &[u8; 32],
        entry: usize,
        key_of: impl Fn(usize) -> [u8; 32],
    ) -> Option<usize> {
        let h = self.slots.hash(k);
        match self.slots.find(h, |e| key_of(e) == *k) {
            Ok(e) => Some(e),
            Err(slot) => {
                if let Some(&e) = self.overflow.get(k) {
                    return Some(e);
                }
                if entry >= SLOT_LIMIT {
                    self.overflow.insert(*k, entry);
                } else {
                    let st = self.slots.state;
                    self.slots
                        .insert(h, slot, entry, |x| st.hash_one(&key_of(x)));
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(i: u32) -> [u8; 32] {
        let mut k = [0u8; 32];
        k[..4].copy_from_slice(&i.to_le_bytes());
        k[31] = (i % 7) as u8;
        k
    }

    #[test]
    fn digest_map_is_exact_and_ordered() {
        let mut m: DigestMap<u64> = DigestMap::new();
        assert!(m.get(&k(1)).is_none());
        for i in 0..10_000u32 {
            *m.get_or_insert_with(&k(i), || 0) += u64::from(i) + 1;
        }
        for i in (0..10_000u32).step_by(3) {
            *m.get_or_insert_with(&k(i), || 0) += 1;
        }
        for i in 0..10_000u32 {
            let want = u64::from(i) + 1 + u64::from(i % 3 == 0);
            assert_eq!(m.get(&k(i)), Some(&want));
        }
        assert!(m.get(&k(10_000)).is_none());
        let order: Vec<[u8; 32]> = m.iter().map(|(k, _)| *k).collect();
        assert_eq!(order, (0..10_000).map(k).collect::<Vec<_>>());
    }

    #[test]
    fn key_index_reports_first_entry() {
        let keys: Vec<[u8; 32]> = (0..5000u32).map(|i| k(i / 2)).collect();
        let mut ix = KeyIndex::new();
        for (e, key) in keys.iter().enumerate() {
            let got = ix.insert(key, e, |x| keys[x]);
            assert_eq!(got, e.checked_sub(1).filter(|_| e % 2 == 1));
        }
        for i in 0..2500u32 {
            assert_eq!(ix.get(&k(i), |x| keys[x]), Some(2 * i as usize));
        }
        assert_eq!(ix.get(&k(2500), |x| keys[x]), None);
    }
}
