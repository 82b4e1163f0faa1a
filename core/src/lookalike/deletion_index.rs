//! Symmetric-deletion index (the SymSpell idea): every brand label is stored under the hash of
//! each string obtained by deleting up to `depth` of its characters. Two strings within edit
//! distance `d` (insertions, deletions, substitutions, swaps) share a deletion variant of depth
//! at most `d` on each side, so a query only looks up its own deletion variants — a few dozen
//! hash probes — instead of comparing with every brand. Candidates are then verified with the
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

/// The keys are already well-mixed hashes: use them as they are.
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(BASE);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

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

/// Deletion variants → ids of the labels that produce them. Built once, then read-only.
#[derive(Debug, Default)]
pub struct DeletionIndex {
    /// Key → (start, len) in `postings`.
    map: HashMap<u64, (u32, u32), BuildHasherDefault<KeyHasher>>,
    postings: Vec<u32>,
}

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
        let mut map = HashMap::with_capacity_and_hasher(self.pairs.len(), Default::default());
        let mut postings = Vec::with_capacity(self.pairs.len());
        let mut i = 0;
        while i < self.pairs.len() {
            let key = self.pairs[i].0;
            let start = postings.len();
            while i < self.pairs.len() && self.pairs[i].0 == key {
                postings.push(self.pairs[i].1);
                i += 1;
            }
            let len = postings.len() - start;
            map.insert(key, (u32::try_from(start).unwrap_or(u32::MAX), u32::try_from(len).unwrap_or(0)));
        }
        map.shrink_to_fit();
        DeletionIndex { map, postings }
    }
}

impl DeletionIndex {
    /// Ids of labels sharing a deletion variant (up to `depth`) with `chars`, appended to `out`
    /// sorted and without duplicates.
    pub fn candidates(&self, chars: &[char], depth: u8, out: &mut Vec<u32>) {
        let start = out.len();
        for_each_key(chars, depth, |k| {
            if let Some(&(s, l)) = self.map.get(&k) {
                let (s, l) = (s as usize, l as usize);
                if let Some(ids) = self.postings.get(s..s + l) {
                    out.extend_from_slice(ids);
                }
            }
        });
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
