//! Offline reputation sets: hosts, registrable domains, URL prefixes and IPs from threat feeds.
//!
//! Each list becomes a sorted array of 64-bit XXH3 fingerprints (a "sorted hash table"): 8 bytes
//! per indicator, binary search per lookup, false-positive rate ≈ n / 2⁶⁴ (≈ 5·10⁻¹⁴ for a
//! million entries), far below the spec's 10⁻⁶ bloom filter, with no false negatives.

use xxhash_rust::xxh3::xxh3_64;

use crate::domain::HostInfo;
use crate::pack::{IndicatorKind, ReputationList};
use crate::verdict::Finding;

/// One compiled list.
#[derive(Debug, Clone)]
pub struct FingerprintSet {
    /// Feed name.
    pub source: String,
    /// What the entries are.
    pub kind: IndicatorKind,
    hashes: Vec<u64>,
}

impl FingerprintSet {
    /// Builds the set from normalized entries.
    pub fn new(source: &str, kind: IndicatorKind, entries: &[String]) -> Self {
        Self::from_list(&ReputationList {
            file: String::new(),
            source: source.to_string(),
            kind,
            entries: entries.to_vec(),
            fingerprints: Vec::new(),
        })
    }

    /// Builds the set from a pack list (its text entries and precomputed fingerprints).
    pub fn from_list(list: &ReputationList) -> Self {
        let mut hashes: Vec<u64> = list.entries.iter().map(|e| fingerprint(e)).collect();
        if hashes.is_empty() {
            hashes = list.fingerprints.clone();
        } else {
            hashes.extend_from_slice(&list.fingerprints);
            hashes.sort_unstable();
            hashes.dedup();
        }
        Self { source: list.source.clone(), kind: list.kind, hashes }
    }

    /// Turns the set back into a pack list (fingerprints only).
    pub fn into_list(self, file: &str) -> ReputationList {
        ReputationList {
            file: file.to_string(),
            source: self.source,
            kind: self.kind,
            entries: Vec::new(),
            fingerprints: self.hashes,
        }
    }

    /// Serializes the set in the compiled `.fwrep` format:
    ///
    /// | bytes | what |
    /// |---|---|
    /// | 6 | magic `FWREP` followed by format version `0x01` |
    /// | 1 | kind: 0 host, 1 domain, 2 url, 3 ip |
    /// | 2 | length of the source name (u16 LE), then the name (UTF-8, ≤ 256 bytes) |
    /// | 4 | number of fingerprints n (u32 LE) |
    /// | 8·n | fingerprints (u64 LE, XXH3-64 of the normalized indicator), strictly increasing |
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(13 + self.source.len() + self.hashes.len() * 8);
        out.extend_from_slice(MAGIC);
        out.push(match self.kind {
            IndicatorKind::Host => 0,
            IndicatorKind::Domain => 1,
            IndicatorKind::Url => 2,
            IndicatorKind::Ip => 3,
        });
        let name = &self.source.as_bytes()[..self.source.len().min(256)];
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(&(self.hashes.len() as u32).to_le_bytes());
        for h in &self.hashes {
            out.extend_from_slice(&h.to_le_bytes());
        }
        out
    }

    /// Parses the compiled `.fwrep` format (see [`FingerprintSet::to_bytes`]).
    ///
    /// # Errors
    /// [`FingerprintError`] saying what is wrong and at which byte.
    pub fn from_bytes(b: &[u8]) -> Result<Self, FingerprintError> {
        if b.len() < 13 || &b[..6] != MAGIC {
            return Err(FingerprintError::Magic);
        }
        let kind = match b[6] {
            0 => IndicatorKind::Host,
            1 => IndicatorKind::Domain,
            2 => IndicatorKind::Url,
            3 => IndicatorKind::Ip,
            k => return Err(FingerprintError::Kind(k)),
        };
        let name_len = u16::from_le_bytes([b[7], b[8]]) as usize;
        if name_len > 256 {
            return Err(FingerprintError::SourceTooLong(name_len));
        }
        let name_end = 9 + name_len;
        let source =
            b.get(9..name_end).and_then(|s| std::str::from_utf8(s).ok()).ok_or(FingerprintError::Source)?.to_string();
        let count_bytes = b.get(name_end..name_end + 4).ok_or(FingerprintError::Truncated { at: name_end })?;
        let count = u32::from_le_bytes([count_bytes[0], count_bytes[1], count_bytes[2], count_bytes[3]]) as usize;
        let body = &b[name_end + 4..];
        if body.len() != count.saturating_mul(8) {
            return Err(FingerprintError::Length { expected: count.saturating_mul(8), found: body.len() });
        }
        let mut hashes = Vec::with_capacity(count);
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
        self.hashes.binary_search(&fingerprint(indicator)).is_ok()
    }

    /// Bytes of memory held.
    pub fn heap_bytes(&self) -> usize {
        self.hashes.capacity() * 8
    }
}

const MAGIC: &[u8; 6] = b"FWREP\x01";

/// A compiled reputation list could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FingerprintError {
    /// The file does not start with `FWREP\x01`.
    #[error("not a compiled reputation list (bad magic or version)")]
    Magic,
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
}

/// The fingerprint of a normalized indicator (same on every platform).
pub fn fingerprint(indicator: &str) -> u64 {
    xxh3_64(indicator.as_bytes())
}

/// All reputation sets of a pack.
#[derive(Debug, Clone, Default)]
pub struct Reputation {
    sets: Vec<FingerprintSet>,
}

impl Reputation {
    /// Compiles the pack's lists.
    pub fn new(lists: &[ReputationList]) -> Self {
        Self { sets: lists.iter().map(FingerprintSet::from_list).collect() }
    }

    /// Total indicators.
    pub fn len(&self) -> usize {
        self.sets.iter().map(FingerprintSet::len).sum()
    }

    /// True when there are no indicators.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Looks a page up: its host and every parent host (a listed host covers its subdomains),
    /// its registrable domain, its URL prefixes at each `/`, and its IP. One finding per
    /// matching source.
    pub fn check(&self, host: &HostInfo, url: &url::Url) -> Vec<Finding> {
        let mut out = Vec::new();
        for set in &self.sets {
            let hit: Option<String> = match set.kind {
                IndicatorKind::Ip => (host.is_ip && set.contains(&host.ascii)).then(|| host.ascii.clone()),
                IndicatorKind::Domain => set.contains(&host.registrable).then(|| host.registrable.clone()),
                IndicatorKind::Host => parent_hosts(&host.ascii).find(|h| set.contains(h)).map(str::to_string),
                IndicatorKind::Url => url_prefixes(&host.ascii, url.path()).into_iter().find(|p| set.contains(p)),
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
        out
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
            FingerprintError::Length { expected: 16, found: 15 }
        );
        assert_eq!(FingerprintSet::from_bytes(b"nope").unwrap_err(), FingerprintError::Magic);
        let mut swapped = bytes.clone();
        let n = swapped.len();
        let (a, b) = swapped[n - 16..].split_at_mut(8);
        a.swap_with_slice(b);
        assert_eq!(FingerprintSet::from_bytes(&swapped).unwrap_err(), FingerprintError::Unsorted { index: 1 });
        let mut bad_kind = bytes;
        bad_kind[6] = 9;
        assert_eq!(FingerprintSet::from_bytes(&bad_kind).unwrap_err(), FingerprintError::Kind(9));
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
