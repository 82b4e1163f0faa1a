//! Rule packs: loading a pack's source files into typed data.
//!
//! This is the one module that knows the on-disk layout of a pack. A pack source is a map from
//! relative path to bytes (the engine does no I/O; the caller reads the files):
//!
//! | path | what |
//! |---|---|
//! | `pack.json` | [`PackConfig`]: version, weights, caps, thresholds, severe signals, CDN allowlist, trusted sites, urgency keywords |
//! | `brands.json` | the protected brands ([`Brand`]) |
//! | `rules/*.yar` | YARA-subset content rules |
//! | `reputation/*.txt` | indicator lists ([`ReputationList`]), one indicator a line, `#` comments; a `# source: NAME` and `# kind: host|domain|url|ip` header |
//! | `reputation/*.fwrep` | the same, compiled to sorted fingerprints (see [`crate::reputation::FingerprintSet::from_bytes`]) |
//! | `reputation/*.fwmm` | MetaMask's phishing configuration, compiled (see [`crate::reputation::MetaMaskList::from_bytes`]) |
//! | `public_suffix_list.dat` | optional: a newer Public Suffix List than the embedded one |

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A pack's files: relative path (with `/`) → contents.
pub type PackFiles = BTreeMap<String, Vec<u8>>;

/// The most bytes any single pack file may have (the reputation lists are the largest).
pub const MAX_PACK_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Score thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Scores at or above this are yellow.
    pub yellow: u32,
    /// Scores at or above this are red.
    pub red: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { yellow: 40, red: 70 }
    }
}

/// `pack.json`: the tunable numbers and lists of a pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackConfig {
    /// Pack version, e.g. `2026.11.25.1`.
    pub version: String,
    /// Weight of each signal id.
    pub weights: BTreeMap<String, f64>,
    /// Cap on the summed contribution of each signal (defaults to the weight).
    #[serde(default)]
    pub caps: BTreeMap<String, f64>,
    /// Default thresholds (users may move them).
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Signals that still count on trusted (allowlisted) sites.
    #[serde(default)]
    pub severe_signals: Vec<String>,
    /// Registrable domains of CDNs whose resources are never hotlinking.
    #[serde(default)]
    pub cdn_allowlist: Vec<String>,
    /// Registrable domains trusted by the pack itself.
    #[serde(default)]
    pub trusted_sites: Vec<String>,
    /// Urgency phrases (lowercase) for `phishing_keywords_only`.
    #[serde(default)]
    pub urgency_keywords: Vec<String>,
    /// Largest Hamming distance at which an image pHash matches a brand's.
    #[serde(default = "default_phash_distance")]
    pub phash_max_distance: u32,
    /// How long a domain counts as fresh after this browser first saw it (hours).
    #[serde(default = "default_fresh_hours")]
    pub fresh_domain_hours: u32,
}

fn default_phash_distance() -> u32 {
    8
}
fn default_fresh_hours() -> u32 {
    24
}

/// One protected brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Brand {
    /// Display name ("PayPal").
    pub name: String,
    /// Category (bank, payment, email, social, crypto, delivery, tax, gaming, shopping, ...).
    pub category: String,
    /// The brand's own registrable domains, ASCII; the first is the main one.
    pub domains: Vec<String>,
    /// Extra lowercase names the brand goes by in page titles (the name itself is implied).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// 64-bit perceptual hashes (16 hex digits) of the brand's logos and favicons.
    #[serde(default)]
    pub phashes: Vec<String>,
}

/// What an indicator list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorKind {
    /// Exact hosts; subdomains of a listed host are covered too.
    Host,
    /// Registrable domains (eTLD+1): the whole site.
    Domain,
    /// URL prefixes (`host/path`, no scheme, no query).
    Url,
    /// IP addresses.
    Ip,
}

/// One reputation list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReputationList {
    /// File name inside the pack.
    pub file: String,
    /// Feed name shown in findings (`source`).
    pub source: String,
    /// What the entries are.
    pub kind: IndicatorKind,
    /// Entries, normalized (lowercase ASCII; a URL keeps the case of its path).
    pub entries: Vec<String>,
    /// Precomputed fingerprints (from a compiled `.fwrep` list), sorted.
    pub fingerprints: Vec<u64>,
    /// A MetaMask phishing configuration (from a `.fwmm` file); `entries`/`fingerprints` are
    /// empty then.
    pub metamask: Option<Box<crate::reputation::MetaMaskList>>,
    /// A compiled `.fwrep` list, kept in its compact on-disk layout (the engine looks fingerprints
    /// up in it directly); `entries`/`fingerprints` are empty then.
    pub table: Option<crate::reputation::FingerprintTable>,
}

/// A whole pack, parsed but not yet compiled into the engine's indices.
#[derive(Debug, Clone)]
pub struct PackSource {
    /// `pack.json`.
    pub config: PackConfig,
    /// `brands.json`.
    pub brands: Vec<Brand>,
    /// YARA sources: (file name, text).
    pub yara: Vec<(String, String)>,
    /// Reputation lists.
    pub reputation: Vec<ReputationList>,
    /// Public Suffix List text, when the pack carries one.
    pub public_suffix_list: Option<String>,
}

/// A pack could not be loaded. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// A required file is missing.
    #[error("pack file `{0}` is missing")]
    Missing(String),
    /// A file is larger than [`MAX_PACK_FILE_BYTES`].
    #[error("pack file `{file}` is {size} bytes, more than the limit of {limit}")]
    TooLarge {
        /// File.
        file: String,
        /// Size.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// A text file is not UTF-8.
    #[error("pack file `{file}` is not UTF-8 (byte {offset})")]
    Encoding {
        /// File.
        file: String,
        /// Offset of the first bad byte.
        offset: usize,
    },
    /// A JSON file is malformed.
    #[error("pack file `{file}`: {message}")]
    Json {
        /// File.
        file: String,
        /// serde's message, with line and column.
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("pack file `{file}`: {message}")]
    Invalid {
        /// File.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A YARA rule did not compile.
    #[error("{0}")]
    Yara(String),
    /// The Public Suffix List did not parse.
    #[error("pack file `public_suffix_list.dat`: {0}")]
    SuffixList(String),
}

fn text<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, PackError> {
    if bytes.len() > MAX_PACK_FILE_BYTES {
        return Err(PackError::TooLarge { file: file.into(), size: bytes.len(), limit: MAX_PACK_FILE_BYTES });
    }
    std::str::from_utf8(bytes).map_err(|e| PackError::Encoding { file: file.into(), offset: e.valid_up_to() })
}

/// [`text`] of a file that may be owned (then it becomes the `String` without a copy).
fn into_text(file: &str, bytes: Cow<'_, [u8]>) -> Result<String, PackError> {
    match bytes {
        Cow::Borrowed(b) => Ok(text(file, b)?.to_string()),
        Cow::Owned(v) => {
            if v.len() > MAX_PACK_FILE_BYTES {
                return Err(PackError::TooLarge { file: file.into(), size: v.len(), limit: MAX_PACK_FILE_BYTES });
            }
            String::from_utf8(v)
                .map_err(|e| PackError::Encoding { file: file.into(), offset: e.utf8_error().valid_up_to() })
        }
    }
}

fn json<T: for<'de> Deserialize<'de>>(file: &str, bytes: &[u8]) -> Result<T, PackError> {
    let t = text(file, bytes)?;
    serde_json::from_str(t).map_err(|e| PackError::Json { file: file.into(), message: e.to_string() })
}

impl PackSource {
    /// Parses a pack's files.
    ///
    /// # Errors
    /// [`PackError`] naming the file and what is wrong with it.
    pub fn from_files(files: &PackFiles) -> Result<Self, PackError> {
        Self::parse(files.iter().map(|(k, v)| (k.as_str(), Cow::Borrowed(v.as_slice()))))
    }

    /// Parses a pack's files, consuming them: each file is dropped as soon as it is parsed, YARA
    /// sources become `String`s without a copy and compiled reputation lists keep their bytes
    /// (so loading never holds a pack twice).
    ///
    /// # Errors
    /// [`PackError`] naming the file and what is wrong with it (the same as
    /// [`PackSource::from_files`]).
    pub fn from_owned_files(files: PackFiles) -> Result<Self, PackError> {
        Self::parse(files.into_iter().map(|(k, v)| (k, Cow::Owned(v))))
    }

    fn parse<'a, N: AsRef<str>>(files: impl Iterator<Item = (N, Cow<'a, [u8]>)>) -> Result<Self, PackError> {
        let mut config_bytes = None;
        let mut brand_bytes = None;
        let mut rest = Vec::new();
        for (name, bytes) in files {
            match name.as_ref() {
                "pack.json" => config_bytes = Some(bytes),
                "brands.json" => brand_bytes = Some(bytes),
                _ => rest.push((name, bytes)),
            }
        }
        let config: PackConfig =
            json("pack.json", &config_bytes.ok_or_else(|| PackError::Missing("pack.json".into()))?)?;
        validate_config(&config)?;
        let brands: Vec<Brand> =
            json("brands.json", &brand_bytes.ok_or_else(|| PackError::Missing("brands.json".into()))?)?;
        for (i, b) in brands.iter().enumerate() {
            if b.name.trim().is_empty() || b.domains.is_empty() {
                return Err(PackError::Invalid {
                    file: "brands.json".into(),
                    message: format!("brand #{i} (`{}`) needs a name and at least one domain", b.name),
                });
            }
        }
        let mut yara = Vec::new();
        let mut reputation = Vec::new();
        let mut psl_bytes = None;
        for (name, bytes) in rest {
            let name = name.as_ref();
            if let Some(rest) = name.strip_prefix("rules/") {
                if rest.ends_with(".yar") || rest.ends_with(".yara") {
                    yara.push((name.to_string(), into_text(name, bytes)?));
                }
            } else if is_reputation_file(name) {
                if let Some(list) = parse_reputation_file(name, bytes)? {
                    reputation.push(list);
                }
            } else if name == "public_suffix_list.dat" {
                psl_bytes = Some(bytes);
            }
        }
        let public_suffix_list = match psl_bytes {
            Some(b) => Some(into_text("public_suffix_list.dat", b)?),
            None => None,
        };
        Ok(Self { config, brands, yara, reputation, public_suffix_list })
    }
}

/// Whether a pack file belongs to the reputation lists (`reputation/…`): what
/// [`crate::Engine::from_staged_files`] loads last.
pub fn is_reputation_file(name: &str) -> bool {
    name.starts_with("reputation/")
}

/// Parses one `reputation/…` file: a text list (`.txt`), a compiled list (`.fwrep`, whose bytes
/// become the lookup table without a copy when owned) or a MetaMask list (`.fwmm`); `None` for
/// other files (deltas are resolved before loading; anything else is ignored, as by
/// [`PackSource::from_files`]).
///
/// # Errors
/// [`PackError`] naming the file.
pub fn parse_reputation_file(name: &str, bytes: Cow<'_, [u8]>) -> Result<Option<ReputationList>, PackError> {
    if !is_reputation_file(name) {
        return Ok(None);
    }
    let too_large = || PackError::TooLarge { file: name.into(), size: bytes.len(), limit: MAX_PACK_FILE_BYTES };
    if name.ends_with(".txt") {
        return Ok(Some(parse_reputation(name, text(name, &bytes)?)?));
    }
    if name.ends_with(".fwrep") {
        if bytes.len() > MAX_PACK_FILE_BYTES {
            return Err(too_large());
        }
        let (source, kind, table) = crate::reputation::FingerprintTable::from_file(bytes.into_owned())
            .map_err(|e| PackError::Invalid { file: name.into(), message: e.to_string() })?;
        return Ok(Some(ReputationList {
            file: name.into(),
            source,
            kind,
            entries: Vec::new(),
            fingerprints: Vec::new(),
            metamask: None,
            table: Some(table),
        }));
    }
    if name.ends_with(".fwmm") {
        if bytes.len() > MAX_PACK_FILE_BYTES {
            return Err(too_large());
        }
        let list = crate::reputation::MetaMaskList::from_bytes(&bytes)
            .map_err(|e| PackError::Invalid { file: name.into(), message: e.to_string() })?;
        return Ok(Some(list.into_list(name)));
    }
    Ok(None)
}

fn validate_config(c: &PackConfig) -> Result<(), PackError> {
    let bad = |message: String| Err(PackError::Invalid { file: "pack.json".into(), message });
    if c.version.trim().is_empty() {
        return bad("`version` is empty".into());
    }
    for (k, w) in c.weights.iter().chain(c.caps.iter()) {
        if !w.is_finite() || *w < 0.0 || *w > 100.0 {
            return bad(format!("weight/cap of `{k}` is {w}, expected 0..=100"));
        }
    }
    let t = c.thresholds;
    if t.yellow == 0 || t.yellow > t.red || t.red > 100 {
        return bad(format!("thresholds yellow {} / red {} must satisfy 0 < yellow <= red <= 100", t.yellow, t.red));
    }
    if c.phash_max_distance > 64 {
        return bad(format!("`phash_max_distance` {} is more than 64", c.phash_max_distance));
    }
    Ok(())
}

/// Parses one reputation list file.
///
/// # Errors
/// [`PackError::Invalid`] for a missing or unknown `# kind:` header.
pub fn parse_reputation(file: &str, text: &str) -> Result<ReputationList, PackError> {
    let mut source = file.rsplit('/').next().unwrap_or(file).trim_end_matches(".txt").to_string();
    let mut kind = None;
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(c) = line.strip_prefix('#') {
            let c = c.trim();
            if let Some(v) = c.strip_prefix("source:") {
                source = v.trim().to_string();
            } else if let Some(v) = c.strip_prefix("kind:") {
                kind = Some(match v.trim() {
                    "host" => IndicatorKind::Host,
                    "domain" => IndicatorKind::Domain,
                    "url" => IndicatorKind::Url,
                    "ip" => IndicatorKind::Ip,
                    other => {
                        return Err(PackError::Invalid {
                            file: file.into(),
                            message: format!("line {}: unknown kind `{other}` (host, domain, url or ip)", n + 1),
                        });
                    }
                });
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        entries.push(line.to_string());
    }
    let kind = kind.ok_or_else(|| PackError::Invalid {
        file: file.into(),
        message: "missing `# kind: host|domain|url|ip` header".into(),
    })?;
    // Hosts are case-insensitive; URL paths are not (only a URL's host part is lowercased).
    for e in &mut entries {
        let host_end = if kind == IndicatorKind::Url { e.find('/').unwrap_or(e.len()) } else { e.len() };
        e[..host_end].make_ascii_lowercase();
    }
    Ok(ReputationList {
        file: file.into(),
        source,
        kind,
        entries,
        fingerprints: Vec::new(),
        metamask: None,
        table: None,
    })
}
