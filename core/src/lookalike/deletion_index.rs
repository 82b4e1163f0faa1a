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
#[cfg(test)]
fn for_each_key(chars: &[char], depth: u8, mut f: impl FnMut(u64)) {
    for_each_variant(chars, depth, None, |k, _, _, _| f(k));
}

/// No deleted position.
const NONE: usize = usize::MAX;

/// Positions of the first two characters of a label without positions `i` < `j` (either may
/// be [`NONE`]), when at least two characters are left.
#[inline]
fn head_pos(i: usize, j: usize) -> (usize, usize) {
    match (i, j) {
        (0, 1) => (2, 3),
        (0, 2) => (1, 3),
        (1, 2) => (0, 3),
        (0, _) => (1, 2),
        (1, _) => (0, 2),
        _ => (0, 1),
    }
}

/// Positions of the last two characters of the `n`-character label without positions `i` < `j`
/// (either may be [`NONE`]), when at least two characters are left: [`head_pos`] from the end.
#[inline]
fn tail_pos(n: usize, i: usize, j: usize) -> (usize, usize) {
    let from_end = |p: usize| if p == NONE { NONE } else { n - 1 - p };
    let (a, b) = if j == NONE { head_pos(from_end(i), NONE) } else { head_pos(from_end(j), from_end(i)) };
    (n - 1 - b, n - 1 - a)
}

/// Powers of [`BASE`] up to the longest label (the same for every label: computed once).
const POW: [u64; MAX_LEN + 1] = {
    let mut pow = [1u64; MAX_LEN + 1];
    let mut i = 1;
    while i <= MAX_LEN {
        pow[i] = pow[i - 1].wrapping_mul(BASE);
        i += 1;
    }
    pow
};

/// The first two characters of a variant come in six kinds, by what was deleted in front of
/// position 4: the label's own `(0, 1)` (nothing before position 2 deleted), or positions
/// `(2, 3)`, `(1, 3)`, `(1, 2)`, `(0, 3)`, `(0, 2)` ([`head_pos`] of each kind). The last two
/// come in the same six kinds counted from the end.
const HEAD_OF_KIND: [(usize, usize); 6] = [(0, 1), (2, 3), (1, 3), (1, 2), (0, 3), (0, 2)];

/// The kind ([`HEAD_OF_KIND`]) of the first two characters of a label without positions `i` <
/// `j` (either may be [`NONE`]).
#[inline]
fn head_kind(i: usize, j: usize) -> usize {
    match (i, j) {
        (0, 1) => 1,
        (0, 2) => 2,
        (1, 2) => 4,
        (0, _) => 3,
        (1, _) => 5,
        _ => 0,
    }
}

/// The kind of the last two characters of the `n`-character label without positions `i` < `j`
/// (either may be [`NONE`]): [`head_kind`] from the end.
#[inline]
fn tail_kind(n: usize, i: usize, j: usize) -> usize {
    let from_end = |p: usize| if p == NONE { NONE } else { n - 1 - p };
    if j == NONE { head_kind(from_end(i), NONE) } else { head_kind(from_end(j), from_end(i)) }
}

/// For the variants of `len` characters of a label whose characters have edge codes `codes`:
/// for each head kind in `kinds`, whether some stored variant of that length starts like it
/// (`.0`), and for each tail kind, whether one ends like it (`.1`). Every kind passes without
/// `edges`, for variants shorter than two characters, and for kinds the label is too short to
/// have (no variant has them).
#[inline]
fn edge_kinds<const K: usize>(
    edges: Option<(&[u64], &[u64])>,
    codes: &[usize],
    len: usize,
    kinds: [usize; K],
) -> ([bool; 6], [bool; 6]) {
    let mut out = ([true; 6], [true; 6]);
    let n = codes.len();
    let Some((heads, tails)) = edges.filter(|_| len >= 2) else {
        return out;
    };
    let base = len * EDGE_SLOTS;
    for k in kinds {
        let (a, b) = HEAD_OF_KIND[k];
        if b < n {
            out.0[k] = has_bit(heads, base + codes[a] * 45 + codes[b]);
            out.1[k] = has_bit(tails, base + codes[n - 1 - b] * 45 + codes[n - 1 - a]);
        }
    }
    out
}

/// Calls `f(key, length, i, j)` for the deletion variants of `chars` (without positions `i` <
/// `j`, [`NONE`] for fewer deletions) up to `depth`. With `edges` (a [`DeletionIndex`]'s head and
/// tail tables), only for the variants whose first two and last two characters some stored
/// variant of that length has: whole blocks of variants are skipped at once (deleting away from
/// both ends keeps the label's own edges). A variant's first two characters depend only on
/// which of positions 0–3 are deleted (six kinds, [`HEAD_OF_KIND`]), its last two likewise, so
/// each length's table is read at most twelve times, whatever the label's length.
fn for_each_variant(
    chars: &[char],
    depth: u8,
    edges: Option<(&[u64], &[u64])>,
    mut f: impl FnMut(u64, usize, usize, usize),
) {
    let n = chars.len();
    if n > MAX_LEN {
        return;
    }
    let mut code_buf = [0usize; MAX_LEN];
    let mut prefix = [0u64; MAX_LEN + 1];
    for (i, &c) in chars.iter().enumerate() {
        code_buf[i] = edge_code(c);
        prefix[i + 1] = prefix[i].wrapping_mul(BASE).wrapping_add(u64::from(c) + 1);
    }
    let codes = &code_buf[..n];
    // With sub(a, b) = prefix[b] - prefix[a]·pow[b-a] the hash of chars[a..b], the hash of the
    // label without position i is
    //   prefix[i]·pow[n-1-i] + sub(i+1, n) = prefix[n] + (prefix[i] - prefix[i+1])·pow[n-1-i],
    // and without positions i < j
    //   prefix[i]·pow[n-2-i] + sub(i+1, j)·pow[n-1-j] + sub(j+1, n)
    //     = (prefix[i] - prefix[i+1])·pow[n-2-i] + (prefix[n] + (prefix[j] - prefix[j+1])·pow[n-1-j]),
    // a sum of one term per position (wrapping arithmetic is exact in the ring of u64, so these
    // are the same keys as hashing each variant whole): one addition per pair.
    let (h0, t0) = edge_kinds(edges, codes, n, [0]);
    if h0[0] && t0[0] {
        f(finish_key(prefix[n], n), n, NONE, NONE);
    }
    if depth == 0 || n == 0 {
        return;
    }
    let drop = |i: usize, p: usize| prefix[i].wrapping_sub(prefix[i + 1]).wrapping_mul(POW[p]);
    // one[i]: the hash without position i.
    let mut one = [0u64; MAX_LEN];
    let (h1, t1) = edge_kinds(edges, codes, n - 1, [0, 3, 5]);
    for (i, slot) in one.iter_mut().enumerate().take(n) {
        *slot = prefix[n].wrapping_add(drop(i, n - 1 - i));
        if h1[head_kind(i, NONE)] && t1[tail_kind(n, i, NONE)] {
            f(finish_key(*slot, n - 1), n - 1, i, NONE);
        }
    }
    if depth < 2 || n < 2 {
        return;
    }
    // For i ≥ 2 the first two characters are the label's (kind 0); for j ≤ n-3 the last two.
    let (h2, t2) = edge_kinds(edges, codes, n - 2, [0, 1, 2, 3, 4, 5]);
    let (head_kept, tail_kept) = (h2[0], t2[0]);
    for i in 0..n - 1 {
        if i >= 2 && !head_kept {
            break;
        }
        if i >= 2 && i + 3 < n {
            // A middle row (2 ≤ i ≤ n-4): the head is the label's, the tail too until j = n-3;
            // deleting j = n-2 gives tail kind 5, j = n-1 kind 3.
            if !tail_kept && !t2[5] && !t2[3] {
                continue;
            }
            let head = drop(i, n - 2 - i);
            if tail_kept {
                for (j, &tail) in one.iter().enumerate().take(n - 2).skip(i + 1) {
                    f(finish_key(head.wrapping_add(tail), n - 2), n - 2, i, j);
                }
            }
            for (j, kept) in [(n - 2, t2[5]), (n - 1, t2[3])] {
                if kept {
                    f(finish_key(head.wrapping_add(one[j]), n - 2), n - 2, i, j);
                }
            }
            continue;
        }
        let head = drop(i, n - 2 - i);
        let from = if tail_kept { i + 1 } else { (i + 1).max(n - 2) };
        for (j, &tail) in one.iter().enumerate().take(n).skip(from) {
            if (i < 2 || j + 2 >= n) && !(h2[head_kind(i, j)] && t2[tail_kind(n, i, j)]) {
                continue;
            }
            f(finish_key(head.wrapping_add(tail), n - 2), n - 2, i, j);
        }
    }
}

/// Slots of one length in an edge table: two character codes of [`edge_code`] (< 45 each).
const EDGE_SLOTS: usize = 45 * 45;

/// A character as a small code for the edge tables: `a`–`z`, `0`–`9` and `-` exactly, other
/// characters folded onto eight codes (a shared code only lets more probes through).
#[inline]
fn edge_code(c: char) -> usize {
    match c {
        'a'..='z' => c as usize - 'a' as usize,
        '0'..='9' => 26 + (c as usize - '0' as usize),
        '-' => 36,
        _ => 37 + (c as usize % 8),
    }
}

/// Bit of an edge table for a variant of `len` characters whose two edge characters are `a`, `b`.
#[inline]
fn edge_bit(len: usize, a: char, b: char) -> usize {
    len * EDGE_SLOTS + edge_code(a) * 45 + edge_code(b)
}

fn set_bit(table: &mut Vec<u64>, bit: usize) {
    if table.len() <= bit / 64 {
        table.resize(bit / 64 + 1, 0);
    }
    table[bit / 64] |= 1 << (bit % 64);
}

#[inline]
fn has_bit(table: &[u64], bit: usize) -> bool {
    table.get(bit / 64).is_some_and(|w| w & (1 << (bit % 64)) != 0)
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
    /// A blocked Bloom filter: a key's top [`FILTER_WORD_BITS`] bits pick a 64-bit word, two
    /// more 6-bit fields of the key pick two bits in it ([`filter_mask`]); a key sets both. Most
    /// probes of a query miss, and a miss costs one memory read instead of a search.
    filter: Vec<u64>,
    /// For each variant length, which first two characters (`heads`) and last two characters
    /// (`tails`) some stored variant has ([`edge_bit`]; 17 KB together). A query skips the
    /// variants no stored one could equal before computing their keys: most of them for a host
    /// unlike every brand (`shop24711` ends in `11`, no brand variant of its length does).
    heads: Vec<u64>,
    tails: Vec<u64>,
}

/// Bits of a key that pick a word of [`DeletionIndex`]'s filter (2¹⁴ words, 2²⁰ bits: 128 KB;
/// with 61,000 keys about 1.3 % of misses get past both bits, against 6 % with one bit).
const FILTER_WORD_BITS: u32 = 14;

/// The filter word of a key and the two bits it needs there.
#[inline]
fn filter_mask(key: u64) -> (usize, u64) {
    let word = (key >> (64 - FILTER_WORD_BITS)) as usize;
    let a = (key >> (64 - FILTER_WORD_BITS - 6)) & 63;
    let b = (key >> (64 - FILTER_WORD_BITS - 12)) & 63;
    (word, (1 << a) | (1 << b))
}

/// Collects `(key, id)` pairs, then freezes them into a [`DeletionIndex`].
///
/// [`DeletionIndexBuilder::insert`] appends a label's keys (and counts them per sorting bin,
/// and marks its edges); [`DeletionIndexBuilder::build`] moves each pair straight to its bin's
/// place in the final arrays, then sorts each bin (about 4 pairs) in place. No sort of all the
/// pairs (it was a third of building the default brand index).
#[derive(Debug, Default)]
pub struct DeletionIndexBuilder {
    keys: Vec<u64>,
    ids: Vec<u32>,
    /// Pairs per sorting bin (index `b + 1` for bin `b`; see [`BIN_BITS`]).
    counts: Vec<u32>,
    heads: Vec<u64>,
    tails: Vec<u64>,
}

/// Bits an edge table can have: variant lengths up to [`MAX_LEN`].
const EDGE_BITS: usize = (MAX_LEN + 1) * EDGE_SLOTS;

/// Drops the trailing zero words of an edge table (the table is as long as its highest bit
/// needs, as when it was grown bit by bit).
fn trim_edges(mut t: Vec<u64>) -> Vec<u64> {
    let used = t.iter().rposition(|&w| w != 0).map_or(0, |i| i + 1);
    t.truncate(used);
    t.shrink_to_fit();
    t
}

/// Bits of a key that pick its bin while building: finer than the buckets (four bins a bucket),
/// so that each bin holds about four pairs to sort.
const BIN_BITS: u32 = BUCKET_BITS + 2;

/// Bins up to this many pairs are sorted in place by insertion; larger ones (many labels
/// sharing variants) through a sorted copy.
const INSERTION_SORT_MAX: usize = 32;

/// Sorts `keys` and `ids` (the same length) together by `(key, id)`.
fn sort_pairs(keys: &mut [u64], ids: &mut [u32]) {
    if keys.len() <= INSERTION_SORT_MAX {
        for i in 1..keys.len() {
            let (k, id) = (keys[i], ids[i]);
            let mut j = i;
            while j > 0 && (keys[j - 1], ids[j - 1]) > (k, id) {
                keys[j] = keys[j - 1];
                ids[j] = ids[j - 1];
                j -= 1;
            }
            keys[j] = k;
            ids[j] = id;
        }
        return;
    }
    let mut pairs: Vec<(u64, u32)> = keys.iter().copied().zip(ids.iter().copied()).collect();
    pairs.sort_unstable();
    for ((k, id), p) in keys.iter_mut().zip(ids.iter_mut()).zip(pairs) {
        (*k, *id) = p;
    }
}

impl DeletionIndexBuilder {
    /// Adds label `id` with its deletion variants up to `depth`.
    #[inline(never)]
    pub fn insert(&mut self, id: u32, chars: &[char], depth: u8) {
        if self.counts.is_empty() {
            self.counts = vec![0; (1 << BIN_BITS) + 1];
            self.heads = vec![0; EDGE_BITS.div_ceil(64)];
            self.tails = vec![0; EDGE_BITS.div_ceil(64)];
        }
        let (keys, ids, counts) = (&mut self.keys, &mut self.ids, &mut self.counts);
        let (heads, tails) = (&mut self.heads, &mut self.tails);
        let n = chars.len();
        // Deleting only positions 2..n-2 keeps the label's own first two and last two
        // characters: those variants' edge bits are set once per length.
        let mut interior_done = [false; 2];
        for_each_variant(chars, depth, None, |k, len, i, j| {
            keys.push(k);
            ids.push(id);
            counts[(k >> (64 - BIN_BITS)) as usize + 1] += 1;
            if len < 2 {
                return;
            }
            let last = if j == NONE { i } else { j };
            if i != NONE && i >= 2 && last + 2 < n {
                let done = &mut interior_done[n - 1 - len];
                if *done {
                    return;
                }
                *done = true;
            }
            let (a, b) = head_pos(i, j);
            let (c, d) = tail_pos(n, i, j);
            set_bit(heads, edge_bit(len, chars[a], chars[b]));
            set_bit(tails, edge_bit(len, chars[c], chars[d]));
        });
    }

    /// Freezes the index: the `(key, id)` pairs sorted, without repeats (a label gives the same
    /// variant twice when it deletes either of two equal neighbours), bin by bin. The same
    /// arrays as one sort of all the pairs.
    #[inline(never)]
    pub fn build(self) -> DeletionIndex {
        let nb = 1usize << BIN_BITS;
        let mut starts = self.counts;
        starts.resize(nb + 1, 0);
        for b in 0..nb {
            starts[b + 1] += starts[b];
        }
        let total = starts[nb] as usize;
        let mut keys = vec![0u64; total];
        let mut ids = vec![0u32; total];
        let mut next = starts.clone();
        for (&k, &id) in self.keys.iter().zip(&self.ids) {
            let b = (k >> (64 - BIN_BITS)) as usize;
            let at = next[b] as usize;
            if at < total {
                keys[at] = k;
                ids[at] = id;
            }
            next[b] += 1;
        }
        drop((self.keys, self.ids, next));
        // Sort each bin, then move its distinct pairs down to their final place (never past
        // where they are read from); a bucket starts with its first bin.
        let mut buckets = Vec::with_capacity((1 << BUCKET_BITS) + 1);
        let mut filter = vec![0u64; 1 << FILTER_WORD_BITS];
        let mut w = 0;
        for b in 0..nb {
            if b % (1 << (BIN_BITS - BUCKET_BITS)) == 0 {
                buckets.push(u32::try_from(w).unwrap_or(u32::MAX));
            }
            let (lo, hi) = (starts[b] as usize, starts[b + 1] as usize);
            sort_pairs(&mut keys[lo..hi], &mut ids[lo..hi]);
            let first = w;
            for r in lo..hi {
                let (k, id) = (keys[r], ids[r]);
                if w > first && (keys[w - 1], ids[w - 1]) == (k, id) {
                    continue;
                }
                keys[w] = k;
                ids[w] = id;
                w += 1;
                let (fw, m) = filter_mask(k);
                filter[fw] |= m;
            }
        }
        buckets.push(u32::try_from(w).unwrap_or(u32::MAX));
        keys.truncate(w);
        ids.truncate(w);
        // Repeats are a few percent: shrinking would copy the arrays for little memory.
        if keys.capacity() - w > w / 8 {
            keys.shrink_to_fit();
            ids.shrink_to_fit();
        }
        DeletionIndex { keys, ids, buckets, filter, heads: trim_edges(self.heads), tails: trim_edges(self.tails) }
    }
}

#[cfg(test)]
mod build_tests {
    use super::*;

    /// Every `(key, id)` pair of the labels added so far.
    fn pairs(b: &DeletionIndexBuilder) -> Vec<(u64, u32)> {
        b.keys.iter().copied().zip(b.ids.iter().copied()).collect()
    }

    /// The index as it was built before the bucket-by-bucket sort: one sort of all the pairs.
    fn reference(mut pairs: Vec<(u64, u32)>) -> (Vec<u64>, Vec<u32>, Vec<u32>, Vec<u64>) {
        pairs.sort_unstable();
        pairs.dedup();
        let n = pairs.len();
        let mut buckets = Vec::new();
        let mut i = 0;
        for b in 0..(1u64 << BUCKET_BITS) {
            buckets.push(i as u32);
            while i < n && pairs[i].0 >> (64 - BUCKET_BITS) == b {
                i += 1;
            }
        }
        buckets.push(n as u32);
        let mut filter = vec![0u64; 1 << FILTER_WORD_BITS];
        for &(k, _) in &pairs {
            let (w, m) = filter_mask(k);
            filter[w] |= m;
        }
        (pairs.iter().map(|p| p.0).collect(), pairs.iter().map(|p| p.1).collect(), buckets, filter)
    }

    #[test]
    fn bucket_sort_gives_the_arrays_of_one_sort() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut b = DeletionIndexBuilder::default();
        for id in 0..3000u32 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = 1 + (seed % 20) as usize;
            // Few letters: many repeated variants and shared keys.
            let label: Vec<char> = (0..len).map(|i| char::from(b'a' + ((seed >> (3 * i)) % 5) as u8)).collect();
            b.insert(id % 1500, &label, if len > 6 { 2 } else { 1 });
        }
        b.insert(7, &['é', 'x', 'y', 'z'], 1);
        // Many labels sharing variants: buckets over the insertion-sort size.
        for id in 0..100 {
            b.insert(id, &['s', 'a', 'm', 'e', 'l', 'a', 'b', 'e', 'l'], 2);
        }
        let want = reference(pairs(&b));
        let idx = b.build();
        assert!(want.0.len() > 10_000);
        assert_eq!((idx.keys, idx.ids, idx.buckets, idx.filter), want);
        assert!(DeletionIndexBuilder::default().build().keys.is_empty());
    }

    /// Real labels, each added twice; the edge tables as when they grew bit by bit.
    #[test]
    fn labels_give_the_arrays_of_one_sort() {
        let mut b = DeletionIndexBuilder::default();
        let mut heads = Vec::new();
        let mut tails = Vec::new();
        for (id, l) in [
            "paypal",
            "paypa1",
            "google",
            "gooogle",
            "aaaa",
            "aaab",
            "ab",
            "bankofamerica",
            "a",
            "ééxyz",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abcdefghijklmnopqrstuvwxyz0123",
            "xn--80ak6aa92e-long-label",
            "abcde",
            "abcdef",
        ]
        .iter()
        .enumerate()
        {
            let c: Vec<char> = l.chars().collect();
            let depth = if c.len() > 6 { 2 } else { 1 };
            // The edge tables as they were grown bit by bit.
            for_each_variant(&c, depth, None, |_, len, i, j| {
                if len >= 2 {
                    let ((x, y), (z, w)) = (head_pos(i, j), tail_pos(c.len(), i, j));
                    set_bit(&mut heads, edge_bit(len, c[x], c[y]));
                    set_bit(&mut tails, edge_bit(len, c[z], c[w]));
                }
            });
            b.insert(id as u32, &c, depth);
            b.insert(id as u32, &c, depth);
        }
        let want = reference(pairs(&b));
        let idx = b.build();
        assert_eq!((idx.keys, idx.ids, idx.buckets, idx.filter), want);
        assert_eq!((idx.heads, idx.tails), (heads, tails));
    }
}

impl DeletionIndex {
    /// The ids stored under `key`.
    fn get(&self, key: u64) -> &[u32] {
        let (w, m) = filter_mask(key);
        if self.filter.get(w).is_none_or(|&bits| bits & m != m) {
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
        let edges = Some((self.heads.as_slice(), self.tails.as_slice()));
        for_each_variant(chars, depth, edges, |k, _, _, _| out.extend_from_slice(self.get(k)));
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
        for word in [
            "paypal",
            "microsoft",
            "ab",
            "a",
            "",
            "pаypal",
            "bankofamerica",
            "aaabbb",
            "abcdefghijklmnopqrstuvwxyz012345",
        ] {
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

    #[test]
    fn edge_positions_are_the_variants_first_and_last_two() {
        for n in 2..=9 {
            let label: Vec<usize> = (0..n).collect();
            let mut dels = vec![(NONE, NONE)];
            dels.extend((0..n).map(|i| (i, NONE)));
            dels.extend((0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j))));
            for (i, j) in dels {
                let v: Vec<usize> = label.iter().copied().filter(|&p| p != i && p != j).collect();
                if v.len() < 2 {
                    continue;
                }
                assert_eq!(head_pos(i, j), (v[0], v[1]), "n {n} without {i} {j}");
                assert_eq!(tail_pos(n, i, j), (v[v.len() - 2], v[v.len() - 1]), "n {n} without {i} {j}");
            }
        }
    }

    /// The edge tables only skip variants that no stored variant equals: the candidates are
    /// those of probing every variant, for the brand labels' own typos and unrelated hosts.
    #[test]
    fn edge_tables_lose_no_candidate() {
        let brands: Vec<crate::pack::Brand> =
            serde_json::from_str(include_str!("../../../packs/default/brands.json")).expect("brands parse");
        let labels: Vec<Vec<char>> = brands
            .iter()
            .flat_map(|b| b.domains.iter())
            .map(|d| chars(d.split('.').next().unwrap_or_default()))
            .filter(|l| l.len() >= 3)
            .collect();
        let mut b = DeletionIndexBuilder::default();
        for (id, l) in labels.iter().enumerate() {
            b.insert(id as u32, l, if l.len() >= 7 { 2 } else { 1 });
        }
        let idx = b.build();
        let every_variant = |q: &[char], depth: u8| {
            let mut out = Vec::new();
            for_each_key(q, depth, |k| out.extend_from_slice(idx.get(k)));
            out.sort_unstable();
            out.dedup();
            out
        };
        let mut queries: Vec<Vec<char>> = Vec::new();
        for l in labels.iter().step_by(3) {
            for i in 0..l.len() {
                let mut v = l.clone();
                v.remove(i);
                queries.push(v);
                let mut v = l.clone();
                v[i] = if l[i] == 'x' { 'y' } else { 'x' };
                queries.push(v.clone());
                v.insert(i, '7');
                queries.push(v);
            }
            queries.push(l.iter().rev().copied().collect());
        }
        for q in ["contactaccess70368", "taskevent242459", "shop-24711", "zz", "a", "", "pаypal", "ab-cd"] {
            queries.push(chars(q));
        }
        let mut found = 0;
        for q in &queries {
            for depth in [1, 2] {
                let mut got = Vec::new();
                idx.candidates(q, depth, &mut got);
                assert_eq!(got, every_variant(q, depth), "{:?} depth {depth}", q.iter().collect::<String>());
                found += got.len();
            }
        }
        assert!(queries.len() > 10_000 && found > 10_000, "{} queries, {found} candidates", queries.len());
    }

    /// The walk visits exactly the variants whose own first two and last two characters are in
    /// the edge tables (each variant checked one by one, by [`head_pos`] and [`tail_pos`]).
    #[test]
    fn walk_visits_exactly_the_variants_with_stored_edges() {
        let brands: Vec<crate::pack::Brand> =
            serde_json::from_str(include_str!("../../../packs/default/brands.json")).expect("brands parse");
        let mut b = DeletionIndexBuilder::default();
        let mut labels: Vec<Vec<char>> = Vec::new();
        for (id, d) in brands.iter().flat_map(|b| b.domains.iter()).enumerate() {
            let l = chars(d.split('.').next().unwrap_or_default());
            if l.len() >= 3 {
                b.insert(id as u32, &l, if l.len() >= 7 { 2 } else { 1 });
                labels.push(l);
            }
        }
        let idx = b.build();
        let edges = (idx.heads.as_slice(), idx.tails.as_slice());
        let mut queries: Vec<Vec<char>> = labels.iter().step_by(7).cloned().collect();
        for l in labels.iter().step_by(11) {
            let mut v = l.clone();
            v.push('7');
            queries.push(v.clone());
            v.insert(0, 'q');
            queries.push(v);
        }
        for q in ["contactaccess70368", "taskevent242459", "shop-24711", "a", "ab", "abc", "abcd", "pаypal", "", "x"] {
            queries.push(chars(q));
        }
        let mut visited_total = 0;
        for q in &queries {
            let n = q.len();
            for depth in [0, 1, 2] {
                let mut got = Vec::new();
                for_each_variant(q, depth, Some(edges), |_, len, i, j| got.push((len, i, j)));
                let mut all = vec![(n, NONE, NONE)];
                if depth >= 1 {
                    all.extend((0..n).map(|i| (n - 1, i, NONE)));
                }
                if depth >= 2 {
                    all.extend((0..n).flat_map(|i| (i + 1..n).map(move |j| (n - 2, i, j))));
                }
                let want: Vec<_> = all
                    .into_iter()
                    .filter(|&(len, i, j)| {
                        if len < 2 {
                            return true;
                        }
                        let (a, b) = head_pos(i, j);
                        let (c, d) = tail_pos(n, i, j);
                        has_bit(edges.0, edge_bit(len, q[a], q[b])) && has_bit(edges.1, edge_bit(len, q[c], q[d]))
                    })
                    .collect();
                got.sort_unstable();
                let mut want = want;
                want.sort_unstable();
                assert_eq!(got, want, "{:?} depth {depth}", q.iter().collect::<String>());
                visited_total += got.len();
            }
        }
        assert!(queries.len() > 400 && visited_total > 10_000, "{} queries, {visited_total} variants", queries.len());
    }
}
