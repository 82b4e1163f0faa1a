//! Offline reputation sets: hosts, registrable domains, URL prefixes and IPs from threat feeds.
//!
//! Each list becomes a sorted array of 48-bit fingerprints (the top 48 bits of the XXH3-64 of the
//! normalized indicator: a "sorted hash table"), held in the engine as a [`FingerprintTable`]:
//! the top 16 bits of a fingerprint select a bucket and each entry keeps the other 32, so a
//! million-host list takes 4 bytes per host (plus a 256 KB bucket table), and a lookup is one
//! bucket plus a binary search of about 15 entries. There are no false negatives; a false
//! positive needs another indicator with the same 48 bits: probability n / 2⁴⁸ per probe
//! (3.6·10⁻⁹ for a million hosts). A page probes each list at most a few times (its host and
//! parent hosts, or its URL prefixes: k ≤ 20 even for deep paths), so a page is falsely listed
//! with probability ≤ k·n / 2⁴⁸ ≈ 7·10⁻⁸ for a million-entry list, below the spec's 10⁻⁶.
//!
//! Three artifacts live here:
//!
//! - [`FingerprintSet`] (`reputation/*.fwrep`): one feed's hosts, domains, URL prefixes or IPs;
//! - [`MetaMaskList`] (`reputation/*.fwmm`): MetaMask's phishing configuration (blocklist,
//!   allowlist, fuzzylist, tolerance) with the exact semantics of its `eth-phishing-detect`
//!   detector (see [`MetaMaskList::check`]);
//! - [`Delta`] (`*.fwdelta`): the fingerprints added to and removed from a base `.fwrep`, with
//!   the SHA-256 of the base and of the result, so a daily update of a large list stays small.

use sha2::{Digest, Sha256};
use xxhash_rust::xxh3::xxh3_64;

use std::borrow::Cow;

use crate::domain::{HostInfo, UrlParts};
use crate::pack::{IndicatorKind, ReputationList};
use crate::verdict::Finding;

/// Bits of a list fingerprint: the top 48 bits of the indicator's XXH3-64.
pub const LIST_FINGERPRINT_BITS: u32 = 48;

/// The bits of a 64-bit [`fingerprint`] that a compiled list keeps (the low 16 are dropped).
pub const LIST_FINGERPRINT_MASK: u64 = u64::MAX << (64 - LIST_FINGERPRINT_BITS);

/// The fingerprint a compiled list stores for a normalized indicator: its [`fingerprint`] with
/// the low 16 bits cleared (a `u64` whose top 48 bits are the fingerprint).
pub fn list_fingerprint(indicator: &str) -> u64 {
    fingerprint(indicator) & LIST_FINGERPRINT_MASK
}

/// Masks, sorts and deduplicates fingerprints.
fn normalize_fingerprints(hashes: &mut Vec<u64>) {
    for h in hashes.iter_mut() {
        *h &= LIST_FINGERPRINT_MASK;
    }
    if !hashes.is_sorted() {
        hashes.sort_unstable();
    }
    hashes.dedup();
}

/// One compiled list.
#[derive(Debug, Clone)]
pub struct FingerprintSet {
    /// Feed name.
    pub source: String,
    /// What the entries are.
    pub kind: IndicatorKind,
    /// List fingerprints ([`LIST_FINGERPRINT_MASK`] applied), strictly increasing.
    hashes: Vec<u64>,
}

impl FingerprintSet {
    /// Builds the set from normalized entries.
    pub fn new(source: &str, kind: IndicatorKind, entries: &[String]) -> Self {
        let mut hashes: Vec<u64> = entries.iter().map(|e| fingerprint(e)).collect();
        normalize_fingerprints(&mut hashes);
        Self { source: source.to_string(), kind, hashes }
    }

    /// Builds the set from a pack list (its text entries and precomputed fingerprints).
    pub fn from_list(list: &ReputationList) -> Self {
        let mut hashes: Vec<u64> = list.entries.iter().map(|e| fingerprint(e)).collect();
        hashes.extend_from_slice(&list.fingerprints);
        if let Some(t) = &list.table {
            hashes.extend(t.to_vec());
        }
        normalize_fingerprints(&mut hashes);
        Self { source: list.source.clone(), kind: list.kind, hashes }
    }

    /// Like [`FingerprintSet::from_list`], but takes the list and moves its fingerprints instead
    /// of copying them (a million-entry list is 8 MB: loading must not hold it twice).
    pub fn from_owned_list(mut list: ReputationList) -> Self {
        if list.entries.is_empty() && list.table.is_none() {
            normalize_fingerprints(&mut list.fingerprints);
            return Self { source: list.source, kind: list.kind, hashes: list.fingerprints };
        }
        Self::from_list(&list)
    }

    /// Builds the set from 64-bit fingerprints (masked to list fingerprints, sorted and
    /// deduplicated here).
    pub fn from_fingerprints(source: &str, kind: IndicatorKind, mut hashes: Vec<u64>) -> Self {
        normalize_fingerprints(&mut hashes);
        Self { source: source.to_string(), kind, hashes }
    }

    /// The list fingerprints (see [`list_fingerprint`]), strictly increasing.
    pub fn fingerprints(&self) -> &[u64] {
        &self.hashes
    }

    /// Turns the set back into a pack list (fingerprints only).
    pub fn into_list(self, file: &str) -> ReputationList {
        ReputationList {
            file: file.to_string(),
            source: self.source,
            kind: self.kind,
            entries: Vec::new(),
            fingerprints: self.hashes,
            metamask: None,
            table: None,
        }
    }

    /// Serializes the set in the compiled `.fwrep` format, version 3 (integers little-endian):
    ///
    /// | bytes | what |
    /// |---|---|
    /// | 6 | magic `FWREP` followed by format version `0x03` |
    /// | 1 | kind: 0 host, 1 domain, 2 url, 3 ip |
    /// | 2 | length of the source name (u16), then the name (UTF-8, ≤ 256 bytes) |
    /// | 4 | number of fingerprints n (u32) |
    /// | 1 | bucket bits b: 0, 8, 16 or 24 (the largest multiple of 8 ≤ log₂ n, at most 24) |
    /// | 2^b varints | when b > 0: the number of fingerprints in each bucket (LEB128), bucket = top b bits |
    /// | (6 − b/8)·n | the low 48 − b bits of each 48-bit fingerprint (the top 48 bits of the XXH3-64 of the normalized indicator), in increasing order |
    ///
    /// Fingerprints are uniform, so dropping the bucket bits saves b/8 bytes each for about one
    /// count byte per bucket: 1,000,000 fingerprints take 4.07 MB (version 2, with 64-bit
    /// fingerprints, took 6.07 MB). The engine looks fingerprints up in this layout directly
    /// ([`FingerprintTable`], which keeps the file's bytes). Versions 1 and 2 are refused with
    /// [`FingerprintError::OldVersion`] (recompile the list).
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.hashes.len();
        let b = bucket_bits(n);
        let width = entry_width(b);
        let mut out = Vec::with_capacity(14 + self.source.len() + (1usize << b) + n * width);
        out.extend_from_slice(MAGIC);
        out.push(kind_byte(self.kind));
        put_str(&mut out, &self.source, 256);
        out.extend_from_slice(&(n as u32).to_le_bytes());
        out.push(b);
        if b > 0 {
            let shift = 64 - u32::from(b);
            let mut i = 0;
            for bucket in 0..(1u64 << b) {
                let start = i;
                while i < n && self.hashes[i] >> shift == bucket {
                    i += 1;
                }
                put_varint(&mut out, (i - start) as u64);
            }
        }
        for h in &self.hashes {
            out.extend_from_slice(&(h >> (64 - LIST_FINGERPRINT_BITS)).to_le_bytes()[..width]);
        }
        out
    }

    /// Parses the compiled `.fwrep` format (version 3, see [`FingerprintSet::to_bytes`]).
    ///
    /// # Errors
    /// [`FingerprintError`] saying what is wrong and at which byte;
    /// [`FingerprintError::OldVersion`] for a list compiled in an older format.
    pub fn from_bytes(b: &[u8]) -> Result<Self, FingerprintError> {
        let header = parse_header(b)?;
        let Header { source, kind, count, bits, counts_at } = header;
        let width = entry_width(bits);
        let mut r = Reader { b, at: counts_at };
        let mut counts = Vec::with_capacity(if bits == 0 { 0 } else { (1usize << bits).min(b.len() - r.at) });
        if bits > 0 {
            let mut total = 0usize;
            for _ in 0..(1u32 << bits) {
                let c = r.varint()?;
                total = total.saturating_add(usize::try_from(c).unwrap_or(usize::MAX));
                counts.push(c);
            }
            if total != count {
                return Err(FingerprintError::Count { header: count, buckets: total });
            }
        }
        let body = &b[r.at..];
        if body.len() != count.saturating_mul(width) {
            return Err(FingerprintError::Length { expected: count.saturating_mul(width), found: body.len() });
        }
        let mut hashes = Vec::with_capacity(count);
        let mut chunks = body.chunks_exact(width);
        let shift = 64 - LIST_FINGERPRINT_BITS;
        let mut push = |bucket: u64, hashes: &mut Vec<u64>| -> Result<(), FingerprintError> {
            let chunk = chunks.next().ok_or(FingerprintError::Truncated { at: b.len() })?;
            let mut a = [0u8; 8];
            a[..width].copy_from_slice(chunk);
            let low = u64::from_le_bytes(a) << shift;
            let h = if bits == 0 { low } else { bucket << (64 - u32::from(bits)) | low };
            if hashes.last().is_some_and(|&p| p >= h) {
                return Err(FingerprintError::Unsorted { index: hashes.len() });
            }
            hashes.push(h);
            Ok(())
        };
        if bits == 0 {
            for _ in 0..count {
                push(0, &mut hashes)?;
            }
        } else {
            for (bucket, &c) in counts.iter().enumerate() {
                for _ in 0..c {
                    push(bucket as u64, &mut hashes)?;
                }
            }
        }
        Ok(Self { source, kind, hashes })
    }

    /// Number of distinct indicators.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Membership test.
    pub fn contains(&self, indicator: &str) -> bool {
        self.hashes.binary_search(&list_fingerprint(indicator)).is_ok()
    }

    /// Bytes of memory held.
    pub fn heap_bytes(&self) -> usize {
        self.hashes.capacity() * 8
    }
}

/// The header of a `.fwrep` v3 file, up to the bucket counts.
struct Header {
    source: String,
    kind: IndicatorKind,
    count: usize,
    bits: u8,
    /// Offset of the bucket counts.
    counts_at: usize,
}

fn parse_header(b: &[u8]) -> Result<Header, FingerprintError> {
    if b.len() >= 6 && &b[..5] == b"FWREP" && (1..MAGIC[5]).contains(&b[5]) {
        return Err(FingerprintError::OldVersion(b[5]));
    }
    if b.len() < 13 || &b[..6] != MAGIC {
        return Err(FingerprintError::Magic);
    }
    let kind = kind_from_byte(b[6])?;
    let name_len = u16::from_le_bytes([b[7], b[8]]) as usize;
    if name_len > 256 {
        return Err(FingerprintError::SourceTooLong(name_len));
    }
    let name_end = 9 + name_len;
    let source =
        b.get(9..name_end).and_then(|s| std::str::from_utf8(s).ok()).ok_or(FingerprintError::Source)?.to_string();
    let mut r = Reader { b, at: name_end };
    let count = r.u32()? as usize;
    let bits = r.take(1)?[0];
    if !matches!(bits, 0 | 8 | 16 | 24) {
        return Err(FingerprintError::BucketBits(bits));
    }
    Ok(Header { source, kind, count, bits, counts_at: r.at })
}

/// Bytes per entry of a table or file with `bits` bucket bits: the 48 − bits low bits.
fn entry_width(bits: u8) -> usize {
    (LIST_FINGERPRINT_BITS as usize - bits as usize) / 8
}

/// Sorted list fingerprints held compactly for lookups, in the layout of a `.fwrep` v3 file:
/// the top `bits` bits (0, 8 or 16) of a fingerprint pick a bucket, and each bucket keeps only
/// the other `48 − bits` bits of its 48-bit fingerprints, in increasing order. A million
/// fingerprints take 4 MB plus a 256 KB bucket table, and a lookup is one bucket plus a binary
/// search of about 15 entries. Loaded from a `.fwrep` file, the table *is* the file's bytes (no
/// decoding, no second copy).
#[derive(Clone, PartialEq, Eq)]
pub struct FingerprintTable {
    bits: u32,
    /// Bytes per entry: 6, 5 or 4.
    width: usize,
    /// Index of the first entry of each bucket, plus the total at the end (empty when `bits` is 0).
    offsets: Vec<u32>,
    data: Vec<u8>,
    /// Offset of the first entry in `data`.
    start: usize,
    len: usize,
}

impl std::fmt::Debug for FingerprintTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FingerprintTable {{ len: {}, bucket_bits: {} }}", self.len, self.bits)
    }
}

/// Largest bucket-bits value a table keeps (2¹⁶ buckets: a 256 KB offset table).
const TABLE_MAX_BITS: u8 = 16;

/// Reads the `W`-byte little-endian entry `i` of `data` from `start`.
#[inline(always)]
fn read_entry<const W: usize>(data: &[u8], start: usize, i: usize) -> u64 {
    let at = start + i * W;
    let mut a = [0u8; 8];
    a[..W].copy_from_slice(&data[at..at + W]);
    u64::from_le_bytes(a)
}

/// Binary search for `key` among the `W`-byte entries `lo..hi`.
#[inline(always)]
fn search<const W: usize>(data: &[u8], start: usize, mut lo: usize, mut hi: usize, key: u64) -> bool {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let v = read_entry::<W>(data, start, mid);
        if v == key {
            return true;
        }
        if v < key {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    false
}

impl FingerprintTable {
    /// A table over increasing 64-bit fingerprints (masked to list fingerprints here; equal ones
    /// are kept once).
    pub fn from_sorted(hashes: &[u64]) -> Self {
        let bits = bucket_bits(hashes.len()).min(TABLE_MAX_BITS);
        let width = entry_width(bits);
        let shift = 64 - LIST_FINGERPRINT_BITS;
        let mut data = Vec::with_capacity(hashes.len() * width);
        let mut offsets = Vec::with_capacity(if bits == 0 { 0 } else { (1 << bits) + 1 });
        let top = |h: u64| if bits == 0 { 0 } else { (h >> (64 - u32::from(bits))) as usize };
        let mut prev: Option<u64> = None;
        let mut n = 0usize;
        for &h in hashes {
            let h = h & LIST_FINGERPRINT_MASK;
            if prev == Some(h) {
                continue;
            }
            prev = Some(h);
            if bits > 0 {
                while offsets.len() <= top(h) {
                    offsets.push(n as u32);
                }
            }
            data.extend_from_slice(&(h >> shift).to_le_bytes()[..width]);
            n += 1;
        }
        if bits > 0 {
            while offsets.len() <= 1 << bits {
                offsets.push(n as u32);
            }
        }
        Self { bits: u32::from(bits), width, offsets, data, start: 0, len: n }
    }

    /// Takes a compiled `.fwrep` file as the table, keeping its bytes. Returns the source name,
    /// the kind and the table.
    ///
    /// # Errors
    /// Exactly the [`FingerprintError`] of [`FingerprintSet::from_bytes`] for the same bytes.
    pub fn from_file(bytes: Vec<u8>) -> Result<(String, IndicatorKind, Self), FingerprintError> {
        let header = parse_header(&bytes)?;
        if header.bits > TABLE_MAX_BITS {
            // 2²⁴ buckets (more than 16 million entries): decoded and rebuilt with 2¹⁶.
            let set = FingerprintSet::from_bytes(&bytes)?;
            let table = Self::from_sorted(&set.hashes);
            return Ok((set.source, set.kind, table));
        }
        match Self::layout_of(&bytes, &header) {
            Some((offsets, start)) => {
                let Header { source, kind, count, bits, .. } = header;
                let width = entry_width(bits);
                Ok((source, kind, Self { bits: u32::from(bits), width, offsets, data: bytes, start, len: count }))
            }
            // A damaged file: the full decoder says what is wrong.
            None => {
                Err(FingerprintSet::from_bytes(&bytes).err().unwrap_or(FingerprintError::Truncated { at: bytes.len() }))
            }
        }
    }

    /// The bucket offsets and the first entry's offset of a valid v3 file with at most
    /// [`TABLE_MAX_BITS`] bucket bits; `None` when the file is damaged.
    fn layout_of(b: &[u8], h: &Header) -> Option<(Vec<u32>, usize)> {
        let (count, bits) = (h.count, h.bits);
        let width = entry_width(bits);
        let mut r = Reader { b, at: h.counts_at };
        let mut offsets = Vec::new();
        if bits > 0 {
            offsets.reserve((1 << bits) + 1);
            let mut total = 0usize;
            for _ in 0..(1u32 << bits) {
                offsets.push(u32::try_from(total).ok()?);
                total = total.checked_add(usize::try_from(r.varint().ok()?).ok()?)?;
            }
            if total != count {
                return None;
            }
            offsets.push(u32::try_from(total).ok()?);
        }
        let start = r.at;
        if b.len() - start != count.checked_mul(width)? {
            return None;
        }
        // Strictly increasing: within each bucket (the bucket bits order the buckets).
        let sorted = |lo: usize, hi: usize| match width {
            4 => increasing::<4>(b, start, lo, hi),
            5 => increasing::<5>(b, start, lo, hi),
            _ => increasing::<6>(b, start, lo, hi),
        };
        if bits == 0 {
            sorted(0, count).then_some(())?;
        } else {
            offsets.windows(2).all(|w| sorted(w[0] as usize, w[1] as usize)).then_some(())?;
        }
        Some((offsets, start))
    }

    /// Number of fingerprints.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the table holds fingerprint `h`: a 64-bit [`fingerprint`] or a list fingerprint
    /// (only the top 48 bits are compared).
    #[inline]
    pub fn contains_fingerprint(&self, h: u64) -> bool {
        let key = (h >> (64 - LIST_FINGERPRINT_BITS)) & (u64::MAX >> (16 + self.bits));
        let (lo, hi) = if self.bits == 0 {
            (0, self.len)
        } else {
            let b = (h >> (64 - self.bits)) as usize;
            (self.offsets[b] as usize, self.offsets[b + 1] as usize)
        };
        match self.width {
            4 => search::<4>(&self.data, self.start, lo, hi, key),
            5 => search::<5>(&self.data, self.start, lo, hi, key),
            _ => search::<6>(&self.data, self.start, lo, hi, key),
        }
    }

    /// Whether the table holds the fingerprint of `indicator`.
    pub fn contains(&self, indicator: &str) -> bool {
        self.contains_fingerprint(fingerprint(indicator))
    }

    /// Bytes of memory held.
    pub fn heap_bytes(&self) -> usize {
        self.data.capacity() + self.offsets.capacity() * 4
    }

    fn entry(&self, i: usize) -> u64 {
        match self.width {
            4 => read_entry::<4>(&self.data, self.start, i),
            5 => read_entry::<5>(&self.data, self.start, i),
            _ => read_entry::<6>(&self.data, self.start, i),
        }
    }

    /// The list fingerprints, in increasing order.
    pub fn to_vec(&self) -> Vec<u64> {
        let shift = 64 - LIST_FINGERPRINT_BITS;
        let mut out = Vec::with_capacity(self.len);
        if self.bits == 0 {
            out.extend((0..self.len).map(|i| self.entry(i) << shift));
        } else {
            for (bucket, w) in self.offsets.windows(2).enumerate() {
                let top = (bucket as u64) << (64 - self.bits);
                out.extend((w[0] as usize..w[1] as usize).map(|i| top | self.entry(i) << shift));
            }
        }
        out
    }
}

/// Whether the `W`-byte entries `lo..hi` are strictly increasing.
fn increasing<const W: usize>(data: &[u8], start: usize, lo: usize, hi: usize) -> bool {
    (lo + 1..hi).all(|i| read_entry::<W>(data, start, i - 1) < read_entry::<W>(data, start, i))
}

const MAGIC: &[u8; 6] = b"FWREP\x03";

/// Bucket bits of a `.fwrep` file with `n` fingerprints.
fn bucket_bits(n: usize) -> u8 {
    let log2 = usize::BITS - n.max(1).leading_zeros() - 1;
    (8 * (log2 / 8)).min(24) as u8
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A compiled reputation list could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FingerprintError {
    /// The file does not start with the artifact's magic and a known format version.
    #[error("not a compiled reputation list (bad magic or version)")]
    Magic,
    /// The file was compiled in an older format version, which this build no longer reads.
    #[error(
        "compiled in format version {0}, which this build no longer reads (it reads version 3): recompile the \
         list with `ferretwatch reputation compile` or `ferretwatch pack build`"
    )]
    OldVersion(u8),
    /// Unknown indicator kind byte.
    #[error("unknown indicator kind {0} at byte 6")]
    Kind(u8),
    /// The source name is too long.
    #[error("source name is {0} bytes, more than 256")]
    SourceTooLong(usize),
    /// The source name is cut short or not UTF-8.
    #[error("source name is truncated or not UTF-8")]
    Source,
    /// The file ends early.
    #[error("file ends early at byte {at}")]
    Truncated {
        /// Offset.
        at: usize,
    },
    /// The body length does not match the count.
    #[error("expected {expected} bytes of fingerprints, found {found}")]
    Length {
        /// Expected.
        expected: usize,
        /// Found.
        found: usize,
    },
    /// Fingerprints are not strictly increasing.
    #[error("fingerprint #{index} is not greater than the one before")]
    Unsorted {
        /// Index.
        index: usize,
    },
    /// The bucket-bits byte is not 0, 8, 16 or 24.
    #[error("bucket bits {0} (expected 0, 8, 16 or 24)")]
    BucketBits(u8),
    /// The bucket counts do not add up to the header's count.
    #[error("header says {header} fingerprints, the buckets hold {buckets}")]
    Count {
        /// From the header.
        header: usize,
        /// Sum of the bucket counts.
        buckets: usize,
    },
    /// A variable-length count is malformed.
    #[error("malformed count at byte {at}")]
    Varint {
        /// Offset.
        at: usize,
    },
    /// A length-prefixed string is longer than allowed.
    #[error("string at byte {at} is {len} bytes, more than {max}")]
    StringTooLong {
        /// Offset of its length.
        at: usize,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A string is not UTF-8.
    #[error("string at byte {at} is not UTF-8")]
    Utf8 {
        /// Offset.
        at: usize,
    },
    /// Bytes follow the last section.
    #[error("unexpected bytes after the end, from byte {at}")]
    Trailing {
        /// Offset.
        at: usize,
    },
}

/// The fingerprint of a normalized indicator (same on every platform).
pub fn fingerprint(indicator: &str) -> u64 {
    xxh3_64(indicator.as_bytes())
}

/// One feed's list as the engine holds it.
#[derive(Debug, Clone)]
struct CompactSet {
    source: String,
    kind: IndicatorKind,
    table: FingerprintTable,
}

impl CompactSet {
    fn contains(&self, indicator: &str) -> bool {
        self.table.contains(indicator)
    }
}

/// All reputation sets of a pack.
#[derive(Debug, Clone, Default)]
pub struct Reputation {
    sets: Vec<CompactSet>,
    metamask: Vec<MetaMaskList>,
}

/// Confidence of a MetaMask fuzzylist (lookalike) match: with the default `reputation_hit`
/// weight of 70 it scores 42, yellow on its own and red together with any other signal. A
/// blocklist hit has confidence 1.0.
pub const METAMASK_FUZZY_CONFIDENCE: f64 = 0.6;

impl Reputation {
    /// Compiles the pack's lists (fingerprint lists and MetaMask lists).
    pub fn new(lists: &[ReputationList]) -> Self {
        Self::from_lists(lists.to_vec())
    }

    /// Compiles the pack's lists, consuming them: a compiled list's table (the `.fwrep` bytes)
    /// is moved in, not copied.
    pub fn from_lists(lists: Vec<ReputationList>) -> Self {
        let mut sets = Vec::new();
        let mut metamask = Vec::new();
        for mut list in lists {
            if let Some(m) = list.metamask.take() {
                metamask.push(*m);
                continue;
            }
            let table = match list.table.take() {
                Some(t) if list.entries.is_empty() && list.fingerprints.is_empty() => t,
                other => {
                    let mut hashes: Vec<u64> = list.entries.iter().map(|e| fingerprint(e)).collect();
                    hashes.append(&mut list.fingerprints);
                    if let Some(t) = other {
                        hashes.extend(t.to_vec());
                    }
                    hashes.sort_unstable();
                    hashes.dedup();
                    FingerprintTable::from_sorted(&hashes)
                }
            };
            sets.push(CompactSet { source: list.source, kind: list.kind, table });
        }
        Self { sets, metamask }
    }

    /// Bytes of memory held by the fingerprint tables (MetaMask lists not counted).
    pub fn heap_bytes(&self) -> usize {
        self.sets.iter().map(|s| s.table.heap_bytes()).sum()
    }

    /// Total indicators (a MetaMask list counts its blocklist and fuzzylist entries).
    pub fn len(&self) -> usize {
        self.sets.iter().map(|s| s.table.len()).sum::<usize>()
            + self.metamask.iter().map(MetaMaskList::len).sum::<usize>()
    }

    /// True when there are no indicators.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The MetaMask lists of the pack.
    pub fn metamask_lists(&self) -> &[MetaMaskList] {
        &self.metamask
    }

    /// Looks a page up: its host and every parent host (a listed host covers its subdomains),
    /// its registrable domain, its URL prefixes at each `/` (with the port when it is not the
    /// scheme's default, and the exact URL with its query), and its IP; then the MetaMask lists
    /// with MetaMask's own semantics. One finding per matching source, naming the `source`:
    ///
    /// - a fingerprint-list hit or a MetaMask blocklist hit: `reputation_hit`, confidence 1.0;
    /// - a MetaMask fuzzylist match: `reputation_hit`, confidence [`METAMASK_FUZZY_CONFIDENCE`],
    ///   `target` = the fuzzylist entry it resembles.
    ///
    /// A MetaMask allowlist entry silences only its own list (not the other feeds).
    pub fn check(&self, host: &HostInfo<'_>, url: &UrlParts<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        // Computed once per page, for all the lists of their kind.
        let mut url_keys: Option<PageUrlKeys<'_>> = None;
        let mut parents: Option<ParentPrints> = None;
        for set in &self.sets {
            let hit: Option<String> = match set.kind {
                IndicatorKind::Ip => (host.is_ip && set.contains(&host.ascii)).then(|| host.ascii.to_string()),
                IndicatorKind::Domain => set.contains(&host.registrable).then(|| host.registrable.to_string()),
                IndicatorKind::Host => parents
                    .get_or_insert_with(|| ParentPrints::new(&host.ascii))
                    .find(&host.ascii, |h| set.table.contains_fingerprint(h))
                    .map(str::to_string),
                IndicatorKind::Url => url_keys
                    .get_or_insert_with(|| PageUrlKeys::new(&host.ascii, url))
                    .find(|h| set.table.contains_fingerprint(h))
                    .map(str::to_string),
            };
            if let Some(indicator) = hit {
                let what = match set.kind {
                    IndicatorKind::Ip => "IP address",
                    IndicatorKind::Domain => "site",
                    IndicatorKind::Host => "host",
                    IndicatorKind::Url => "address",
                };
                out.push(
                    Finding::new(
                        "reputation_hit",
                        1.0,
                        format!("The {what} {indicator} is on the {} threat list.", set.source),
                    )
                    .with_source(set.source.clone()),
                );
            }
        }
        for list in &self.metamask {
            match list.check(&host.ascii) {
                MetaMaskMatch::Blocklist { entry } => out.push(
                    Finding::new(
                        "reputation_hit",
                        1.0,
                        format!("The host {} is on MetaMask's phishing blocklist (listed as {entry}).", host.ascii),
                    )
                    .with_source(list.source.clone()),
                ),
                MetaMaskMatch::Fuzzy { entry, distance } => {
                    let how = match distance {
                        0 => format!("uses the name of {entry} under another ending"),
                        1 => format!("is 1 letter away from {entry}"),
                        d => format!("is {d} letters away from {entry}"),
                    };
                    out.push(
                        Finding::new(
                            "reputation_hit",
                            METAMASK_FUZZY_CONFIDENCE,
                            format!(
                                "The address {} {how}, a crypto site that phishers imitate (MetaMask's lookalike \
                                 list).",
                                host.ascii
                            ),
                        )
                        .with_source(list.source.clone())
                        .with_target(entry),
                    );
                }
                MetaMaskMatch::Allowlist { .. } | MetaMaskMatch::None => {}
            }
        }
        out
    }
}

impl crate::engine::Engine {
    /// Reputation-only check of a URL: the findings of the pack's feeds and MetaMask lists, as
    /// [`crate::Engine::scan`] reports them (weights filled in), without the other signals or
    /// scoring. Meant for quick checks of navigations and link targets; an empty result means
    /// no list names the URL.
    ///
    /// # Errors
    /// [`crate::domain::UrlError`] when the text is not a URL with a host.
    pub fn check_reputation(&self, url: &str) -> Result<Vec<Finding>, crate::domain::UrlError> {
        let u = crate::domain::parse_url_parts(url)?;
        let parts = u.parts();
        let host = HostInfo::new(&self.psl, parts.host);
        let mut findings = self.reputation.check(&host, &parts);
        for f in &mut findings {
            f.weight = self.weight(&f.signal);
        }
        Ok(findings)
    }

    /// [`crate::Engine::check_reputation`] as a JSON array (for the wasm binding's `JSON.parse`).
    ///
    /// # Errors
    /// [`crate::domain::UrlError`] when the text is not a URL with a host.
    pub fn check_reputation_json(&self, url: &str) -> Result<String, crate::domain::UrlError> {
        let findings = self.check_reputation(url)?;
        Ok(serde_json::to_string(&findings).unwrap_or_else(|_| "[]".into()))
    }
}

/// [`page_url_keys`] without a string per key: every key is a prefix of one buffer — the URL's
/// own `host[:port]path[?query]` when its host is the page's ASCII host and its path has no
/// repeated slash (no copy), else a normalized copy — so only where the authority and the path
/// end are kept. Fingerprints are computed as the keys are tried.
struct PageUrlKeys<'u> {
    buf: Cow<'u, str>,
    /// End of `host[:port]` in `buf`.
    authority: usize,
    /// End of the path in `buf` (a non-empty `?query` may follow).
    path_end: usize,
}

impl<'u> PageUrlKeys<'u> {
    fn new(host_ascii: &str, url: &UrlParts<'u>) -> Self {
        let path = url.path;
        if url.host == host_ascii && path.starts_with('/') && !path.contains("//") {
            let path_end = url.joined.len() - url.query.map_or(0, |q| q.len() + 1);
            let end = if url.query.is_some_and(|q| !q.is_empty()) { url.joined.len() } else { path_end };
            return Self { buf: Cow::Borrowed(&url.joined[..end]), authority: path_end - path.len(), path_end };
        }
        let mut buf = String::with_capacity(host_ascii.len() + path.len() + 8);
        buf.push_str(host_ascii);
        if let Some(p) = url.port {
            buf.push(':');
            buf.push_str(&p.to_string());
        }
        let authority = buf.len();
        if !path.starts_with('/') {
            buf.push('/');
        }
        for ch in path.chars() {
            if ch == '/' && buf.len() > authority && buf.ends_with('/') {
                continue;
            }
            buf.push(ch);
        }
        let path_end = buf.len();
        if let Some(q) = url.query.filter(|q| !q.is_empty()) {
            buf.push('?');
            buf.push_str(q);
        }
        Self { buf: Cow::Owned(buf), authority, path_end }
    }

    /// The first key, most specific first (the exact URL with its query, the path, then the
    /// prefixes at each `/`, longest first), whose fingerprint `hit` accepts.
    fn find(&self, mut hit: impl FnMut(u64) -> bool) -> Option<&str> {
        self.find_key(|k| hit(fingerprint(k)))
    }

    /// The first key, most specific first, that `hit` accepts.
    fn find_key(&self, mut hit: impl FnMut(&str) -> bool) -> Option<&str> {
        let key = |end: usize| &self.buf[..end];
        if self.buf.len() > self.path_end && hit(&self.buf) {
            return Some(&self.buf);
        }
        let mut last = self.path_end;
        if hit(key(last)) {
            return Some(key(last));
        }
        let path = &self.buf.as_bytes()[self.authority..self.path_end];
        for i in (0..path.len()).rev().filter(|&i| path[i] == b'/') {
            for end in [self.authority + i + 1, self.authority + i] {
                if end == self.authority || end == last {
                    continue;
                }
                last = end;
                if hit(key(end)) {
                    return Some(key(end));
                }
            }
        }
        None
    }

    /// Every key, most specific first.
    #[cfg(test)]
    fn keys(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.find_key(|k| {
            out.push(k.to_string());
            false
        });
        out
    }
}

/// Fingerprints of a host and its parent hosts ([`parent_hosts`]), the first sixteen computed
/// once for all the host lists (and the rest, if any, as they are tried).
struct ParentPrints {
    prints: [u64; 16],
    len: usize,
}

impl ParentPrints {
    fn new(host: &str) -> Self {
        let mut prints = [0; 16];
        let mut len = 0;
        for (slot, h) in prints.iter_mut().zip(parent_hosts(host)) {
            *slot = fingerprint(h);
            len += 1;
        }
        Self { prints, len }
    }

    /// The first of `host` and its parents whose fingerprint `hit` accepts.
    fn find<'h>(&self, host: &'h str, mut hit: impl FnMut(u64) -> bool) -> Option<&'h str> {
        parent_hosts(host)
            .enumerate()
            .find(|&(k, h)| hit(if k < self.len { self.prints[k] } else { fingerprint(h) }))
            .map(|(_, h)| h)
    }
}

/// The URL-kind lookup keys of a page, most specific first: the exact `host[:port]/path?query`
/// when there is a query, then [`url_prefixes`] of `host[:port]` and the path. The port is kept
/// only when it is not the scheme's default (the URL parser drops default ports).
pub fn page_url_keys(host_ascii: &str, url: &url::Url) -> Vec<String> {
    let authority = match url.port() {
        Some(p) => format!("{host_ascii}:{p}"),
        None => host_ascii.to_string(),
    };
    let mut keys = url_prefixes(&authority, url.path());
    if let Some(q) = url.query().filter(|q| !q.is_empty()) {
        let exact = format!("{}?{q}", keys[0]);
        keys.insert(0, exact);
    }
    keys
}

/// The normalized URL indicator of a parsed URL, as [`page_url_keys`] looks it up:
/// `host[:port]/path` with repeated slashes collapsed, the host lowercase ASCII without trailing
/// dots, no scheme, no user info, no fragment; `?query` is appended only when `keep_query`.
/// `None` when the URL has no host.
pub fn url_indicator(url: &url::Url, keep_query: bool) -> Option<String> {
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let authority = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    };
    let mut key = url_prefixes(&authority, url.path()).swap_remove(0);
    if keep_query && let Some(q) = url.query().filter(|q| !q.is_empty()) {
        key.push('?');
        key.push_str(q);
    }
    Some(key)
}

// ---------------------------------------------------------------------------------------------
// MetaMask's phishing configuration
// ---------------------------------------------------------------------------------------------

/// MetaMask's phishing configuration (`eth-phishing-detect`'s `config.json`), compiled.
///
/// [`MetaMaskList::check`] gives the same verdict as the package's `PhishingDetector.check`:
/// the allowlist wins over everything, then the blocklist (an entry covers its subdomains), then
/// the fuzzylist (Levenshtein distance ≤ `tolerance` between the checked domain without its last
/// label and with its first `www.` removed, and each entry without its last label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaMaskList {
    /// Feed name shown in findings (`metamask`).
    pub source: String,
    /// The configuration's `version`.
    pub version: String,
    /// Largest edit distance that counts as a fuzzylist match (0 disables fuzzy matching).
    pub tolerance: u32,
    block: Vec<u64>,
    allow: Vec<u64>,
    fuzzy: Vec<String>,
    fuzzy_forms: Vec<String>,
}

/// What [`MetaMaskList::check`] found, named as the detector's `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaMaskMatch {
    /// Nothing matched (`all`): not blocked.
    None,
    /// The domain or a parent is allowlisted (`whitelist`): not blocked.
    Allowlist {
        /// The allowlisted domain (the checked domain or a parent of it).
        entry: String,
    },
    /// The domain or a parent is blocklisted (`blacklist`): blocked.
    Blocklist {
        /// The blocklisted domain (the checked domain or a parent of it).
        entry: String,
    },
    /// The domain is within the tolerance of a fuzzylist entry (`fuzzy`): blocked.
    Fuzzy {
        /// The first fuzzylist entry (in configuration order) within the tolerance.
        entry: String,
        /// Its edit distance.
        distance: u32,
    },
}

impl MetaMaskMatch {
    /// The detector's `result`: true when blocked.
    pub fn blocked(&self) -> bool {
        matches!(self, MetaMaskMatch::Blocklist { .. } | MetaMaskMatch::Fuzzy { .. })
    }

    /// The detector's legacy `type`: `all`, `whitelist`, `blacklist` or `fuzzy`.
    pub fn kind(&self) -> &'static str {
        match self {
            MetaMaskMatch::None => "all",
            MetaMaskMatch::Allowlist { .. } => "whitelist",
            MetaMaskMatch::Blocklist { .. } => "blacklist",
            MetaMaskMatch::Fuzzy { .. } => "fuzzy",
        }
    }
}

const MM_MAGIC: &[u8; 6] = b"FWMMK\x01";
/// Longest fuzzylist entry or version string accepted in a compiled MetaMask list.
const MM_MAX_STRING: usize = 1024;

fn fuzzy_form(domain: &str) -> &str {
    domain.rsplit_once('.').map_or("", |(rest, _)| rest)
}

impl MetaMaskList {
    /// Compiles a configuration whose entries are already normalized (see `intel::metamask`).
    /// Fuzzylist order is kept (the first entry within the tolerance is reported); duplicates
    /// are dropped.
    pub fn new(
        source: &str,
        version: &str,
        tolerance: u32,
        blocklist: &[String],
        allowlist: &[String],
        fuzzylist: &[String],
    ) -> Self {
        let set = |v: &[String]| {
            let mut h: Vec<u64> = v.iter().map(|e| fingerprint(e)).collect();
            h.sort_unstable();
            h.dedup();
            h
        };
        let mut fuzzy: Vec<String> = Vec::with_capacity(fuzzylist.len());
        for f in fuzzylist {
            if !fuzzy.contains(f) {
                fuzzy.push(f.clone());
            }
        }
        Self::from_parts(source.to_string(), version.to_string(), tolerance, set(blocklist), set(allowlist), fuzzy)
    }

    fn from_parts(
        source: String,
        version: String,
        tolerance: u32,
        block: Vec<u64>,
        allow: Vec<u64>,
        fuzzy: Vec<String>,
    ) -> Self {
        let fuzzy_forms = fuzzy.iter().map(|f| fuzzy_form(f).to_string()).collect();
        Self { source, version, tolerance, block, allow, fuzzy, fuzzy_forms }
    }

    /// Checks a domain (a host name as the browser gives it: lowercase ASCII) with the
    /// detector's semantics, step by step:
    ///
    /// 1. one trailing `.` is removed;
    /// 2. if the domain or any parent (label-aligned suffix, down to the last label) is on the
    ///    allowlist → [`MetaMaskMatch::Allowlist`];
    /// 3. if the domain or any parent is on the blocklist → [`MetaMaskMatch::Blocklist`];
    /// 4. if `tolerance > 0`: the domain without its last label, with the first occurrence of
    ///    `www.` removed, is compared with each fuzzylist entry without its last label; the first
    ///    entry at Levenshtein distance ≤ `tolerance` (counted in UTF-16 code units, as
    ///    `fast-levenshtein` does) → [`MetaMaskMatch::Fuzzy`];
    /// 5. otherwise [`MetaMaskMatch::None`].
    pub fn check(&self, domain: &str) -> MetaMaskMatch {
        let fqdn = domain.strip_suffix('.').unwrap_or(domain);
        if let Some(entry) = parent_hosts(fqdn).find(|h| self.allow.binary_search(&fingerprint(h)).is_ok()) {
            return MetaMaskMatch::Allowlist { entry: entry.to_string() };
        }
        if let Some(entry) = parent_hosts(fqdn).find(|h| self.block.binary_search(&fingerprint(h)).is_ok()) {
            return MetaMaskMatch::Blocklist { entry: entry.to_string() };
        }
        if self.tolerance > 0 {
            let form = fuzzy_form(fqdn).replacen("www.", "", 1);
            let max = self.tolerance as usize;
            for (entry, target) in self.fuzzy.iter().zip(&self.fuzzy_forms) {
                let d = if form.is_ascii() && target.is_ascii() {
                    levenshtein_within(form.as_bytes(), target.as_bytes(), max)
                } else {
                    let a: Vec<u16> = form.encode_utf16().collect();
                    let b: Vec<u16> = target.encode_utf16().collect();
                    levenshtein_within(&a, &b, max)
                };
                if let Some(distance) = d {
                    return MetaMaskMatch::Fuzzy { entry: entry.clone(), distance: distance as u32 };
                }
            }
        }
        MetaMaskMatch::None
    }

    /// Blocklist and fuzzylist entries.
    pub fn len(&self) -> usize {
        self.block.len() + self.fuzzy.len()
    }

    /// True when the list blocks nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of distinct blocklist entries.
    pub fn blocklist_len(&self) -> usize {
        self.block.len()
    }

    /// Number of distinct allowlist entries.
    pub fn allowlist_len(&self) -> usize {
        self.allow.len()
    }

    /// The fuzzylist, in configuration order.
    pub fn fuzzylist(&self) -> &[String] {
        &self.fuzzy
    }

    /// Wraps the list as a pack list (the engine's [`Reputation::new`] recognizes it).
    pub fn into_list(self, file: &str) -> ReputationList {
        ReputationList {
            file: file.to_string(),
            source: self.source.clone(),
            kind: IndicatorKind::Host,
            entries: Vec::new(),
            fingerprints: Vec::new(),
            metamask: Some(Box::new(self)),
            table: None,
        }
    }

    /// Serializes the list in the compiled `.fwmm` format (all integers little-endian):
    ///
    /// | bytes | what |
    /// |---|---|
    /// | 6 | magic `FWMMK` followed by format version `0x01` |
    /// | 2 + n | source name: length (u16, ≤ 256), UTF-8 bytes |
    /// | 2 + n | configuration version: length (u16, ≤ 1024), UTF-8 bytes |
    /// | 4 | tolerance (u32) |
    /// | 4 + 8·b | blocklist: count, then XXH3-64 fingerprints strictly increasing |
    /// | 4 + 8·a | allowlist: count, then fingerprints strictly increasing |
    /// | 4 + Σ(2 + n) | fuzzylist: count, then each entry as length (u16, ≤ 1024) + UTF-8, in order |
    ///
    /// Nothing may follow the fuzzylist.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + 8 * (self.block.len() + self.allow.len()) + 32 * self.fuzzy.len());
        out.extend_from_slice(MM_MAGIC);
        put_str(&mut out, &self.source, 256);
        put_str(&mut out, &self.version, MM_MAX_STRING);
        out.extend_from_slice(&self.tolerance.to_le_bytes());
        put_hashes(&mut out, &self.block);
        put_hashes(&mut out, &self.allow);
        out.extend_from_slice(&(self.fuzzy.len() as u32).to_le_bytes());
        for f in &self.fuzzy {
            put_str(&mut out, f, MM_MAX_STRING);
        }
        out
    }

    /// Parses the compiled `.fwmm` format (see [`MetaMaskList::to_bytes`]).
    ///
    /// # Errors
    /// [`FingerprintError`] saying what is wrong and at which byte.
    pub fn from_bytes(b: &[u8]) -> Result<Self, FingerprintError> {
        if b.len() < MM_MAGIC.len() || &b[..MM_MAGIC.len()] != MM_MAGIC {
            return Err(FingerprintError::Magic);
        }
        let mut r = Reader { b, at: MM_MAGIC.len() };
        let source = r.string(256)?;
        let version = r.string(MM_MAX_STRING)?;
        let tolerance = r.u32()?;
        let block = r.hashes()?;
        let allow = r.hashes()?;
        let n = r.u32()? as usize;
        // Each entry takes at least 2 bytes: a count larger than the rest is a lie.
        if n > (b.len() - r.at) / 2 {
            return Err(FingerprintError::Truncated { at: r.at });
        }
        let mut fuzzy = Vec::with_capacity(n);
        for _ in 0..n {
            fuzzy.push(r.string(MM_MAX_STRING)?);
        }
        if r.at != b.len() {
            return Err(FingerprintError::Trailing { at: r.at });
        }
        Ok(Self::from_parts(source, version, tolerance, block, allow, fuzzy))
    }
}

/// Levenshtein distance between `a` and `b` when it is at most `max`, else `None`. Stops as soon
/// as a whole row exceeds `max` (row minima never decrease), so a long input costs
/// O(max · len) at worst after the length check.
pub fn levenshtein_within<T: Eq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    // Rows on the stack for the short domains MetaMask compares (no allocation per entry).
    let mut stack = [[0usize; 64]; 2];
    let mut heap: [Vec<usize>; 2];
    let (prev, cur): (&mut [usize], &mut [usize]) = if b.len() < 64 {
        let [p, c] = &mut stack;
        (&mut p[..=b.len()], &mut c[..=b.len()])
    } else {
        heap = [vec![0; b.len() + 1], vec![0; b.len() + 1]];
        let [p, c] = &mut heap;
        (p.as_mut_slice(), c.as_mut_slice())
    };
    let (mut prev, mut cur) = (prev, cur);
    for (j, v) in prev.iter_mut().enumerate() {
        *v = j;
    }
    for (i, x) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, y) in b.iter().enumerate() {
            let cost = usize::from(x != y);
            let v = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur[j + 1] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

fn put_str(out: &mut Vec<u8>, s: &str, max: usize) {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    out.extend_from_slice(&(end as u16).to_le_bytes());
    out.extend_from_slice(&s.as_bytes()[..end]);
}

/// Count, then the top 48 bits of each fingerprint (6 bytes, little-endian).
fn put_hashes48(out: &mut Vec<u8>, h: &[u64]) {
    out.extend_from_slice(&(h.len() as u32).to_le_bytes());
    for x in h {
        out.extend_from_slice(&(x >> (64 - LIST_FINGERPRINT_BITS)).to_le_bytes()[..6]);
    }
}

fn put_hashes(out: &mut Vec<u8>, h: &[u64]) {
    out.extend_from_slice(&(h.len() as u32).to_le_bytes());
    for x in h {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// A bounds-checked little-endian reader over a compiled artifact.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], FingerprintError> {
        let s = self.b.get(self.at..self.at.saturating_add(n)).ok_or(FingerprintError::Truncated { at: self.at })?;
        self.at += n;
        Ok(s)
    }

    fn u16(&mut self) -> Result<u16, FingerprintError> {
        let s = self.take(2)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }

    fn u32(&mut self) -> Result<u32, FingerprintError> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }

    fn string(&mut self, max: usize) -> Result<String, FingerprintError> {
        let at = self.at;
        let n = self.u16()? as usize;
        if n > max {
            return Err(FingerprintError::StringTooLong { at, len: n, max });
        }
        let s = self.take(n)?;
        std::str::from_utf8(s).map(str::to_string).map_err(|_| FingerprintError::Utf8 { at: at + 2 })
    }

    fn varint(&mut self) -> Result<u64, FingerprintError> {
        let at = self.at;
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(FingerprintError::Varint { at })
    }

    fn hash(&mut self) -> Result<[u8; 32], FingerprintError> {
        let mut h = [0u8; 32];
        h.copy_from_slice(self.take(32)?);
        Ok(h)
    }

    /// [`put_hashes48`]'s layout, as list fingerprints, strictly increasing.
    fn hashes48(&mut self) -> Result<Vec<u64>, FingerprintError> {
        let n = self.u32()? as usize;
        let left = self.b.len().saturating_sub(self.at);
        let body = self
            .take(n.saturating_mul(6))
            .map_err(|_| FingerprintError::Length { expected: n.saturating_mul(6), found: left })?;
        let mut out = Vec::with_capacity(n);
        for (i, chunk) in body.chunks_exact(6).enumerate() {
            let mut a = [0u8; 8];
            a[..6].copy_from_slice(chunk);
            let h = u64::from_le_bytes(a) << (64 - LIST_FINGERPRINT_BITS);
            if out.last().is_some_and(|&p| p >= h) {
                return Err(FingerprintError::Unsorted { index: i });
            }
            out.push(h);
        }
        Ok(out)
    }

    fn hashes(&mut self) -> Result<Vec<u64>, FingerprintError> {
        let n = self.u32()? as usize;
        let left = self.b.len().saturating_sub(self.at);
        let body = self
            .take(n.saturating_mul(8))
            .map_err(|_| FingerprintError::Length { expected: n.saturating_mul(8), found: left })?;
        sorted_hashes(body)
    }
}

fn sorted_hashes(body: &[u8]) -> Result<Vec<u64>, FingerprintError> {
    let mut hashes = Vec::with_capacity(body.len() / 8);
    let mut prev: Option<u64> = None;
    for (i, chunk) in body.chunks_exact(8).enumerate() {
        let mut a = [0u8; 8];
        a.copy_from_slice(chunk);
        let h = u64::from_le_bytes(a);
        if prev.is_some_and(|p| p >= h) {
            return Err(FingerprintError::Unsorted { index: i });
        }
        prev = Some(h);
        hashes.push(h);
    }
    Ok(hashes)
}

fn kind_byte(kind: IndicatorKind) -> u8 {
    match kind {
        IndicatorKind::Host => 0,
        IndicatorKind::Domain => 1,
        IndicatorKind::Url => 2,
        IndicatorKind::Ip => 3,
    }
}

fn kind_from_byte(k: u8) -> Result<IndicatorKind, FingerprintError> {
    Ok(match k {
        0 => IndicatorKind::Host,
        1 => IndicatorKind::Domain,
        2 => IndicatorKind::Url,
        3 => IndicatorKind::Ip,
        k => return Err(FingerprintError::Kind(k)),
    })
}

// ---------------------------------------------------------------------------------------------
// Deltas
// ---------------------------------------------------------------------------------------------

/// SHA-256 of some bytes.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let d = Sha256::digest(bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_slice());
    out
}

/// Lowercase hex of a hash.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const DELTA_MAGIC: &[u8; 6] = b"FWDLT\x02";

/// An update of a compiled list: the fingerprints to remove from and add to a base `.fwrep`,
/// checked against the SHA-256 of the base file and of the resulting file.
///
/// With 6 bytes per changed fingerprint, a 1,000,000-host list with 1 % churn (10,000 removed,
/// 10,000 added) gives a 120 KB delta instead of a 4 MB list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    /// Feed name of the result.
    pub source: String,
    /// Indicator kind (the same for base and result).
    pub kind: IndicatorKind,
    /// SHA-256 of the base `.fwrep` file.
    pub base_sha256: [u8; 32],
    /// SHA-256 of the resulting `.fwrep` file.
    pub result_sha256: [u8; 32],
    /// Number of fingerprints in the result.
    pub result_len: u32,
    /// List fingerprints ([`list_fingerprint`]) to remove (each must be in the base), strictly
    /// increasing.
    pub removes: Vec<u64>,
    /// List fingerprints to add (none may be in the base), strictly increasing.
    pub adds: Vec<u64>,
}

/// A delta could not be read or applied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeltaError {
    /// The delta file itself is malformed.
    #[error("delta is malformed: {0}")]
    Format(FingerprintError),
    /// The base file is not a compiled list.
    #[error("base list is malformed: {0}")]
    Base(FingerprintError),
    /// The base is not the version the delta was made against.
    #[error("delta was made against base {expected}, but this base is {found}")]
    WrongBase {
        /// SHA-256 the delta expects (hex).
        expected: String,
        /// SHA-256 of the given base (hex).
        found: String,
    },
    /// The base holds a different kind of indicator.
    #[error("delta is for {expected:?} indicators, the base holds {found:?}")]
    Kind {
        /// Kind in the delta.
        expected: IndicatorKind,
        /// Kind of the base.
        found: IndicatorKind,
    },
    /// A fingerprint to remove is not in the base.
    #[error("fingerprint {0:016x} to remove is not in the base")]
    RemoveMissing(u64),
    /// A fingerprint to add is already in the base.
    #[error("fingerprint {0:016x} to add is already in the base")]
    AddPresent(u64),
    /// The result does not hash to what the delta promises.
    #[error("result hashes to {found}, the delta promises {expected}")]
    WrongResult {
        /// SHA-256 the delta promises (hex).
        expected: String,
        /// SHA-256 of the computed result (hex).
        found: String,
    },
}

impl Delta {
    /// The delta that turns `base` into `new` (the result takes `new`'s source name).
    pub fn between(base: &FingerprintSet, new: &FingerprintSet) -> Self {
        let (mut removes, mut adds) = (Vec::new(), Vec::new());
        let (a, b) = (&base.hashes, &new.hashes);
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) if x == y => {
                    i += 1;
                    j += 1;
                }
                (Some(x), Some(y)) if x < y => {
                    removes.push(*x);
                    i += 1;
                }
                (Some(x), None) => {
                    removes.push(*x);
                    i += 1;
                }
                (_, Some(y)) => {
                    adds.push(*y);
                    j += 1;
                }
                (None, None) => break,
            }
        }
        Self {
            source: new.source.clone(),
            kind: new.kind,
            base_sha256: sha256(&base.to_bytes()),
            result_sha256: sha256(&new.to_bytes()),
            result_len: new.hashes.len() as u32,
            removes,
            adds,
        }
    }

    /// Serializes the delta (`.fwdelta`, integers little-endian):
    ///
    /// | bytes | what |
    /// |---|---|
    /// | 6 | magic `FWDLT` followed by format version `0x02` |
    /// | 1 | kind: 0 host, 1 domain, 2 url, 3 ip |
    /// | 2 + n | source name of the result: length (u16, ≤ 256), UTF-8 |
    /// | 32 | SHA-256 of the base `.fwrep` file |
    /// | 32 | SHA-256 of the resulting `.fwrep` file |
    /// | 4 | number of fingerprints in the result (u32) |
    /// | 4 + 6·r | removals: count, then 48-bit list fingerprints (the top 48 bits of XXH3-64, 6 bytes each) strictly increasing |
    /// | 4 + 6·a | additions: count, then 48-bit list fingerprints strictly increasing |
    ///
    /// Version 1 (64-bit fingerprints, against `.fwrep` v2 bases) is refused with
    /// [`FingerprintError::OldVersion`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(90 + self.source.len() + 6 * (self.removes.len() + self.adds.len()));
        out.extend_from_slice(DELTA_MAGIC);
        out.push(kind_byte(self.kind));
        put_str(&mut out, &self.source, 256);
        out.extend_from_slice(&self.base_sha256);
        out.extend_from_slice(&self.result_sha256);
        out.extend_from_slice(&self.result_len.to_le_bytes());
        put_hashes48(&mut out, &self.removes);
        put_hashes48(&mut out, &self.adds);
        out
    }

    /// Parses a `.fwdelta` file (see [`Delta::to_bytes`]).
    ///
    /// # Errors
    /// [`FingerprintError`] saying what is wrong and at which byte.
    pub fn from_bytes(b: &[u8]) -> Result<Self, FingerprintError> {
        if b.len() >= 6 && &b[..5] == b"FWDLT" && (1..DELTA_MAGIC[5]).contains(&b[5]) {
            return Err(FingerprintError::OldVersion(b[5]));
        }
        if b.len() < DELTA_MAGIC.len() + 1 || &b[..DELTA_MAGIC.len()] != DELTA_MAGIC {
            return Err(FingerprintError::Magic);
        }
        let kind = kind_from_byte(b[6])?;
        let mut r = Reader { b, at: 7 };
        let source = r.string(256)?;
        let base_sha256 = r.hash()?;
        let result_sha256 = r.hash()?;
        let result_len = r.u32()?;
        let removes = r.hashes48()?;
        let adds = r.hashes48()?;
        if r.at != b.len() {
            return Err(FingerprintError::Trailing { at: r.at });
        }
        Ok(Self { source, kind, base_sha256, result_sha256, result_len, removes, adds })
    }

    /// Applies the delta to a base `.fwrep` file and returns the resulting list, after checking
    /// the base's hash, that every removal is present and no addition is, and the result's hash.
    ///
    /// # Errors
    /// [`DeltaError`], one variant per way the update is refused.
    pub fn apply(&self, base_bytes: &[u8]) -> Result<FingerprintSet, DeltaError> {
        let found = sha256(base_bytes);
        if found != self.base_sha256 {
            return Err(DeltaError::WrongBase { expected: hex(&self.base_sha256), found: hex(&found) });
        }
        let base = FingerprintSet::from_bytes(base_bytes).map_err(DeltaError::Base)?;
        if base.kind != self.kind {
            return Err(DeltaError::Kind { expected: self.kind, found: base.kind });
        }
        let mut kept = Vec::with_capacity(base.hashes.len());
        let mut rm = self.removes.iter().peekable();
        for h in &base.hashes {
            match rm.peek() {
                Some(&&r) if r == *h => {
                    rm.next();
                }
                Some(&&r) if r < *h => return Err(DeltaError::RemoveMissing(r)),
                _ => kept.push(*h),
            }
        }
        if let Some(&r) = rm.next() {
            return Err(DeltaError::RemoveMissing(r));
        }
        let mut hashes = Vec::with_capacity(kept.len() + self.adds.len());
        let (mut i, mut j) = (0, 0);
        while i < kept.len() || j < self.adds.len() {
            match (kept.get(i), self.adds.get(j)) {
                (Some(x), Some(y)) if x == y => return Err(DeltaError::AddPresent(*y)),
                (Some(x), Some(y)) if x < y => {
                    hashes.push(*x);
                    i += 1;
                }
                (Some(x), None) => {
                    hashes.push(*x);
                    i += 1;
                }
                (_, Some(y)) => {
                    // An addition equal to a removed fingerprint was in the base.
                    if base.hashes.binary_search(y).is_ok() {
                        return Err(DeltaError::AddPresent(*y));
                    }
                    hashes.push(*y);
                    j += 1;
                }
                (None, None) => break,
            }
        }
        let result = FingerprintSet { source: self.source.clone(), kind: self.kind, hashes };
        let found = sha256(&result.to_bytes());
        if found != self.result_sha256 || result.hashes.len() != self.result_len as usize {
            return Err(DeltaError::WrongResult { expected: hex(&self.result_sha256), found: hex(&found) });
        }
        Ok(result)
    }
}

/// `a.b.c.d` → `a.b.c.d`, `b.c.d`, `c.d`, `d`.
pub fn parent_hosts(host: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(host);
    std::iter::from_fn(move || {
        let cur = rest?;
        rest = cur.split_once('.').map(|(_, r)| r);
        Some(cur)
    })
}

/// URL prefixes of `host` + `path` at every `/`, longest first: `h/a/b`, `h/a/`, `h/a`, `h/`.
/// Repeated slashes are collapsed, as the importer does.
pub fn url_prefixes(host: &str, path: &str) -> Vec<String> {
    let mut norm = String::with_capacity(path.len());
    for ch in path.chars() {
        if ch == '/' && norm.ends_with('/') {
            continue;
        }
        norm.push(ch);
    }
    if !norm.starts_with('/') {
        norm.insert(0, '/');
    }
    let mut out = vec![format!("{host}{norm}")];
    for (i, ch) in norm.char_indices().rev() {
        if ch == '/' {
            out.push(format!("{host}{}", &norm[..=i]));
            if i > 0 {
                out.push(format!("{host}{}", &norm[..i]));
            }
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_lists_round_trip_and_reject_damage() {
        let set = FingerprintSet::new("feed", IndicatorKind::Url, &["a.example/x".into(), "b.example/".into()]);
        let bytes = set.to_bytes();
        let back = FingerprintSet::from_bytes(&bytes).unwrap();
        assert!(back.contains("a.example/x") && back.contains("b.example/") && !back.contains("c.example/"));
        assert_eq!(back.source, "feed");
        assert_eq!(
            FingerprintSet::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err(),
            FingerprintError::Length { expected: 12, found: 11 }
        );
        assert_eq!(FingerprintSet::from_bytes(b"nope").unwrap_err(), FingerprintError::Magic);
        let mut swapped = bytes.clone();
        let n = swapped.len();
        let (a, b) = swapped[n - 12..].split_at_mut(6);
        a.swap_with_slice(b);
        assert_eq!(FingerprintSet::from_bytes(&swapped).unwrap_err(), FingerprintError::Unsorted { index: 1 });
        let mut bad_kind = bytes;
        bad_kind[6] = 9;
        assert_eq!(FingerprintSet::from_bytes(&bad_kind).unwrap_err(), FingerprintError::Kind(9));
    }

    #[test]
    fn url_keys_without_strings_equal_the_string_keys() {
        for u in [
            "https://a.example/",
            "https://a.example",
            "http://a.example:8080/x//y/z.php?q=1&r=2",
            "https://a.example/x/",
            "https://a.example//x///",
            "https://a.example/?",
            "https://a.example/p?",
            "https://a.example/ä/ö?x=ü",
            "https://a.example/a/b/c/d/e/f",
            "ftp://a.example:21/x",
        ] {
            let url = url::Url::parse(u).unwrap();
            let host = url.host_str().unwrap();
            let want = page_url_keys(host, &url);
            let parts = UrlParts::of(&url);
            let got = PageUrlKeys::new(host, &parts);
            assert_eq!(got.keys(), want, "{u}");
            assert_eq!(matches!(got.buf, Cow::Borrowed(_)), !url.path().contains("//"), "{u}");
            // A host that is not the URL's (a trailing dot) is written out.
            let copied = PageUrlKeys::new("other.example", &parts);
            assert!(matches!(copied.buf, Cow::Owned(_)));
            assert_eq!(copied.keys(), page_url_keys("other.example", &url), "{u}");
            // The first key a list holds is found.
            for (k, key) in want.iter().enumerate() {
                let h = fingerprint(key);
                assert_eq!(
                    got.find(|x| x == h),
                    want.iter().take(k + 1).find(|w| fingerprint(w) == h).map(String::as_str)
                );
            }
        }
    }

    #[test]
    fn tables_answer_like_the_decoded_sets_and_refuse_the_same_damage() {
        for n in [0usize, 1, 2, 255, 256, 1000, 70_000] {
            let entries: Vec<String> = (0..n).map(|i| format!("h{i}.example")).collect();
            let set = FingerprintSet::new("feed", IndicatorKind::Url, &entries);
            let bytes = set.to_bytes();
            let (source, kind, table) = FingerprintTable::from_file(bytes.clone()).unwrap();
            assert_eq!((source.as_str(), kind, table.len()), ("feed", IndicatorKind::Url, n));
            // Kept in place: the file's bytes are the table (plus the bucket offsets).
            assert!(table.heap_bytes() <= bytes.len() + 4 * ((1 << 16) + 1), "n = {n}");
            assert_eq!(table.to_vec(), set.fingerprints(), "n = {n}");
            let built = FingerprintTable::from_sorted(set.fingerprints());
            assert_eq!(built.to_vec(), set.fingerprints(), "n = {n}");
            assert!(entries.iter().step_by(97).all(|e| built.contains(e)));
            for i in (0..n).step_by(97) {
                assert!(table.contains(&entries[i]), "member {i} of {n}");
            }
            for i in 0..2000 {
                assert!(!table.contains(&format!("other{i}.example")));
            }
            for h in set.fingerprints().iter().take(500) {
                assert!(table.contains_fingerprint(*h));
                // The full 64-bit fingerprint of a member matches too (only 48 bits are kept).
                assert!(table.contains_fingerprint(h | 0xffff));
                // A fingerprint differing in the lowest kept bit is another one.
                let other = h ^ (1 << 16);
                assert_eq!(table.contains_fingerprint(other), set.fingerprints().binary_search(&other).is_ok());
            }
        }
        // Damaged files: the same error as the full decoder.
        let entries: Vec<String> = (0..70_000).map(|i| format!("h{i}.example")).collect();
        let set = FingerprintSet::new("feed", IndicatorKind::Host, &entries);
        let bytes = set.to_bytes();
        let last = bytes.len() - 1;
        let mut swapped = bytes.clone();
        // Two neighbouring entries of one bucket exchanged (4 bytes each with 2^16 buckets): unsorted.
        let fps = set.fingerprints();
        let i = (0..fps.len() - 1).find(|&i| fps[i] >> 48 == fps[i + 1] >> 48).unwrap();
        let a = bytes.len() - 4 * fps.len() + 4 * i;
        let (x, y) = (swapped[a..a + 4].to_vec(), swapped[a + 4..a + 8].to_vec());
        swapped[a..a + 4].copy_from_slice(&y);
        swapped[a + 4..a + 8].copy_from_slice(&x);
        assert_eq!(FingerprintSet::from_bytes(&swapped).unwrap_err(), FingerprintError::Unsorted { index: i + 1 });
        for bad in [bytes[..last].to_vec(), swapped, b"FWREP\x03".to_vec(), b"FWREP\x02".to_vec(), vec![0u8; 40]] {
            let want = FingerprintSet::from_bytes(&bad).unwrap_err();
            assert_eq!(FingerprintTable::from_file(bad).unwrap_err(), want);
        }
    }

    #[test]
    fn compact_format_keeps_48_bits_without_the_bucket_bits_and_refuses_old_versions() {
        for n in [0usize, 1, 255, 256, 1000, 70_000] {
            let entries: Vec<String> = (0..n).map(|i| format!("h{i}.example")).collect();
            let set = FingerprintSet::new("feed", IndicatorKind::Host, &entries);
            let bytes = set.to_bytes();
            let bits = bucket_bits(n);
            assert_eq!(
                bits,
                if n >= 65_536 {
                    16
                } else if n >= 256 {
                    8
                } else {
                    0
                }
            );
            // At least one count byte per bucket.
            let counts: usize = if bits == 0 { 0 } else { 1 << bits };
            // At most 3 count bytes per bucket (a bucket of n/256 entries).
            let width = 6 - bits as usize / 8;
            assert!(bytes.len() >= 18 + counts + n * width, "n = {n}");
            assert!(bytes.len() <= 18 + 3 * counts + n * width, "n = {n}");
            let back = FingerprintSet::from_bytes(&bytes).unwrap();
            assert_eq!(back.fingerprints(), set.fingerprints(), "n = {n}");
            assert!(entries.iter().all(|e| back.contains(e)), "n = {n}");
            assert!(set.fingerprints().iter().all(|h| h & 0xffff == 0), "48-bit fingerprints");
            // Versions 1 and 2 (64-bit fingerprints): refused, saying to recompile.
            for v in [1u8, 2] {
                let mut old = bytes.clone();
                old[5] = v;
                let e = FingerprintSet::from_bytes(&old).unwrap_err();
                assert_eq!(e, FingerprintError::OldVersion(v));
                assert!(e.to_string().contains("recompile"), "{e}");
                assert_eq!(FingerprintTable::from_file(old).unwrap_err(), FingerprintError::OldVersion(v));
            }
        }
        // The same indicators give the same set whatever the 64-bit fingerprints' low bits.
        let a = FingerprintSet::from_fingerprints("f", IndicatorKind::Host, vec![0x1234_5678_9abc_0001, 7 << 40]);
        let b = FingerprintSet::from_fingerprints(
            "f",
            IndicatorKind::Host,
            vec![0x1234_5678_9abc_ffff, 7 << 40, 7 << 40 | 5],
        );
        assert_eq!(a.fingerprints(), [7 << 40, 0x1234_5678_9abc_0000]);
        assert_eq!(a.fingerprints(), b.fingerprints());
        assert_eq!(a.to_bytes(), b.to_bytes());
        let entries: Vec<String> = (0..300).map(|i| format!("h{i}.example")).collect();
        let bytes = FingerprintSet::new("feed", IndicatorKind::Host, &entries).to_bytes();
        let bits_at = 6 + 1 + 2 + 4 + 4;
        let mut bad_bits = bytes.clone();
        bad_bits[bits_at] = 9;
        assert_eq!(FingerprintSet::from_bytes(&bad_bits).unwrap_err(), FingerprintError::BucketBits(9));
        let mut bad_count = bytes.clone();
        bad_count[bits_at - 4] = 0x2d; // 301 instead of 300
        assert_eq!(
            FingerprintSet::from_bytes(&bad_count).unwrap_err(),
            FingerprintError::Count { header: 301, buckets: 300 }
        );
        let mut moved = bytes.clone();
        // Move one fingerprint from the first bucket to the second: order breaks or counts lie.
        let first = bits_at + 1;
        if moved[first] > 0 && moved[first + 1] < 0x7f {
            moved[first] -= 1;
            moved[first + 1] += 1;
            assert!(FingerprintSet::from_bytes(&moved).is_err());
        }
        assert!(FingerprintSet::from_bytes(&bytes[..bytes.len() - 3]).is_err());
    }

    #[test]
    fn parents() {
        let v: Vec<_> = parent_hosts("a.b.example.com").collect();
        assert_eq!(v, ["a.b.example.com", "b.example.com", "example.com", "com"]);
    }

    #[test]
    fn prefixes() {
        let p = url_prefixes("h.com", "/a//b/c.php");
        assert!(p.contains(&"h.com/a/b/c.php".to_string()));
        assert!(p.contains(&"h.com/a/b/".to_string()));
        assert!(p.contains(&"h.com/a".to_string()));
        assert!(p.contains(&"h.com/".to_string()));
    }
}
