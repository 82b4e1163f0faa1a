//! Symmetric-deletion index (the SymSpell idea): every brand label is stored under the hash of
//! each string obtained by deleting up to `depth` of its characters. Two strings within edit
//! distance `d` (insertions, deletions, substitutions, swaps) share a deletion variant of depth
//! at most `d` on each side, so a query only looks up its own deletion variants — a few dozen
//! index probes — instead of comparing with every brand. Candidates are then verified with the
//! real distance ([`super::distance`]).
//!
//! Variants are never materialised: a polynomial rolling hash over the characters gives the
//! hash of "the label without positions `i` and `j`" in O(1) from prefix hashes. Hash
//! collisions only add candidates, which verification discards. Keys use `u64` arithmetic only,
//! so native and wasm32 builds agree.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::distance::MAX_LEN;

const BASE: u64 = 0x0000_0100_0000_01b3;

/// A fast hasher for short strings (the FxHash mixing step, eight bytes at a time, with a final
/// avalanche): the brand index hashes a few labels per URL, and SipHash (the standard default)
/// costs more than the rest of a lookup in wasm. The tables are built from pack data and only
/// read afterwards, so flooding them is not a concern.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn finish(&self) -> u64 {
        fmix(self.0)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            self.add(u64::from_le_bytes(a));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut a = [0u8; 8];
            a[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(a) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, v: u8) {
        self.add(u64::from(v));
    }
    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.add(u64::from(v));
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
}

/// A hash map with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A hash set with [`FastHasher`].
pub type FastSet<K> = std::collections::HashSet<K, BuildHasherDefault<FastHasher>>;

fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn finish_key(h: u64, len: usize) -> u64 {
    fmix(h ^ (len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// Calls `f` with the key of every deletion variant of `chars` with up to `depth` (≤ 2)
/// characters deleted (the label itself included). Labels longer than [`MAX_LEN`] give none.
pub fn for_each_key(chars: &[char], depth: u8, mut f: impl FnMut(u64)) {
    let n = chars.len();
    if n > MAX_LEN {
        return;
    }
    let mut prefix = [0u64; MAX_LEN + 1];
    let mut pow = [1u64; MAX_LEN + 1];
    for (i, &c) in chars.iter().enumerate() {
        prefix[i + 1] = prefix[i].wrapping_mul(BASE).wrapping_add(u64::from(c) + 1);
        pow[i + 1] = pow[i].wrapping_mul(BASE);
    }
    // Hash of chars[a..b].
    let sub = |a: usize, b: usize| prefix[b].wrapping_sub(prefix[a].wrapping_mul(pow[b - a]));
    f(finish_key(prefix[n], n));
    if depth == 0 || n == 0 {
        return;
    }
    for i in 0..n {
        let h = prefix[i].wrapping_mul(pow[n - 1 - i]).wrapping_add(sub(i + 1, n));
        f(finish_key(h, n - 1));
    }
    if depth < 2 || n < 2 {
        return;
    }
    for i in 0..n {
        for j in i + 1..n {
            let h = prefix[i]
                .wrapping_mul(pow[n - 2 - i])
                .wrapping_add(sub(i + 1, j).wrapping_mul(pow[n - 1 - j]))
                .wrapping_add(sub(j + 1, n));
            f(finish_key(h, n - 2));
        }
    }
}

/// Bits of a key that select its bucket in [`DeletionIndex`] (4,096 buckets: about 15 keys each
/// for the default brand set).
const BUCKET_BITS: u32 = 12;

/// Deletion variants → ids of the labels that produce them. Built once, then read-only.
///
/// Stored as `(key, id)` pairs sorted by key, in two flat arrays, with a table of where each
/// bucket (the top [`BUCKET_BITS`] bits of the key) starts: 12 bytes a pair plus 16 KB, about a
/// third of a hash map's footprint, and no hashing at build time. A probe reads the bucket's
/// bounds and binary-searches about 15 keys.
#[derive(Debug, Default)]
pub struct DeletionIndex {
    keys: Vec<u64>,
    ids: Vec<u32>,
    /// Index of the first pair of each bucket, plus the number of pairs at the end.
    buckets: Vec<u32>,
    /// One bit per value of a key's top [`FILTER_BITS`] bits, set when some key has them: most
    /// probes of a query miss, and a miss costs one memory read instead of a search.
    filter: Vec<u64>,
}

/// Bits of a key that index [`DeletionIndex`]'s filter (2²⁰ bits: 128 KB; with 61,000 keys about
/// 6 % of misses get past it).
const FILTER_BITS: u32 = 20;

/// Collects `(key, id)` pairs, then freezes them into a [`DeletionIndex`].
#[derive(Debug, Default)]
pub struct DeletionIndexBuilder {
    pairs: Vec<(u64, u32)>,
}

impl DeletionIndexBuilder {
    /// Adds label `id` with its deletion variants up to `depth`.
    pub fn insert(&mut self, id: u32, chars: &[char], depth: u8) {
        for_each_key(chars, depth, |k| self.pairs.push((k, id)));
    }

    /// Freezes the index.
    pub fn build(mut self) -> DeletionIndex {
        self.pairs.sort_unstable();
        self.pairs.dedup();
        let n = self.pairs.len();
        let mut buckets = Vec::with_capacity((1 << BUCKET_BITS) + 1);
        let mut i = 0;
        for b in 0..(1u64 << BUCKET_BITS) {
            buckets.push(u32::try_from(i).unwrap_or(u32::MAX));
            while i < n && self.pairs[i].0 >> (64 - BUCKET_BITS) == b {
                i += 1;
            }
        }
        buckets.push(u32::try_from(n).unwrap_or(u32::MAX));
        let mut filter = vec![0u64; (1 << FILTER_BITS) / 64];
        for &(k, _) in &self.pairs {
            let f = (k >> (64 - FILTER_BITS)) as usize;
            filter[f / 64] |= 1 << (f % 64);
        }
        let keys = self.pairs.iter().map(|p| p.0).collect();
        let ids = self.pairs.iter().map(|p| p.1).collect();
        DeletionIndex { keys, ids, buckets, filter }
    }
}

impl DeletionIndex {
    /// The ids stored under `key`.
    fn get(&self, key: u64) -> &[u32] {
        let f = (key >> (64 - FILTER_BITS)) as usize;
        if self.filter.get(f / 64).is_none_or(|w| w & (1 << (f % 64)) == 0) {
            return &[];
        }
        let b = (key >> (64 - BUCKET_BITS)) as usize;
        let (Some(&lo), Some(&hi)) = (self.buckets.get(b), self.buckets.get(b + 1)) else {
            return &[];
        };
        let Some(keys) = self.keys.get(lo as usize..hi as usize) else {
            return &[];
        };
        let first = keys.partition_point(|&k| k < key);
        let last = first + keys[first..].partition_point(|&k| k == key);
        self.ids.get(lo as usize + first..lo as usize + last).unwrap_or(&[])
    }

    /// Ids of labels sharing a deletion variant (up to `depth`) with `chars`, appended to `out`
    /// sorted and without duplicates.
    pub fn candidates(&self, chars: &[char], depth: u8, out: &mut Vec<u32>) {
        let start = out.len();
        for_each_key(chars, depth, |k| out.extend_from_slice(self.get(k)));
        if out.len() - start < 2 {
            return;
        }
        out[start..].sort_unstable();
        let mut tail = out.split_off(start);
        tail.dedup();
        out.extend(tail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn naive_keys(s: &[char], depth: u8) -> Vec<u64> {
        // Materialise every variant and hash it as a whole label.
        let mut out = Vec::new();
        let hash_whole = |v: &[char]| {
            let mut k = 0;
            for_each_key(v, 0, |x| k = x);
            k
        };
        out.push(hash_whole(s));
        if depth >= 1 {
            for i in 0..s.len() {
                let mut v = s.to_vec();
                v.remove(i);
                out.push(hash_whole(&v));
                if depth >= 2 {
                    for j in i..v.len() {
                        let mut w = v.clone();
                        w.remove(j);
                        out.push(hash_whole(&w));
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn rolling_keys_equal_materialised_variants() {
        for word in ["paypal", "microsoft", "ab", "a", "", "pаypal", "bankofamerica"] {
            for depth in 0..=2 {
                let c = chars(word);
                let mut got = Vec::new();
                for_each_key(&c, depth, |k| got.push(k));
                got.sort_unstable();
                got.dedup();
                assert_eq!(got, naive_keys(&c, depth), "{word} depth {depth}");
            }
        }
    }

    #[test]
    fn finds_labels_within_distance() {
        let words = ["paypal", "google", "microsoft", "amazon", "ing", "bing"];
        let mut b = DeletionIndexBuilder::default();
        for (id, w) in words.iter().enumerate() {
            let depth = if w.len() <= 6 { 1 } else { 2 };
            b.insert(id as u32, &chars(w), depth);
        }
        let idx = b.build();
        for (name, query, depth, must) in [
            ("substitution", "paypa1", 1, 0),
            ("swap", "payapl", 1, 0),
            ("insertion", "gooogle", 2, 1),
            ("two edits", "mircosotf", 2, 2),
            ("deletion", "amazn", 2, 3),
            ("exact", "bing", 1, 5),
        ] {
            let mut out = Vec::new();
            idx.candidates(&chars(query), depth, &mut out);
            assert!(out.contains(&must), "{name}: {out:?}");
            assert!(out.windows(2).all(|w| w[0] < w[1]), "{name}: sorted, unique");
        }
        let mut out = Vec::new();
        idx.candidates(&chars("zzzzzz"), 2, &mut out);
        assert!(out.is_empty());
    }
}
