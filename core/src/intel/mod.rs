//! Threat-intel import: feed files → normalized, deduplicated indicators tagged with their
//! source and expiry → pack artifacts.
//!
//! Formats ([`Format`]): URLhaus CSV, PhishTank CSV and JSON, Feodo Tracker CSV or IP list,
//! MetaMask's `eth-phishing-detect` configuration, hosts files. Like the rest of the engine this
//! module has no I/O and no clock: the caller passes the files' bytes and the fetch time.
//!
//! A malformed line is skipped and reported as a [`Warning`] (`file:line: why`); the import
//! goes on. A file that is not the format at all (wrong JSON shape, no header, not UTF-8, or
//! more than half of its data lines malformed) fails the import with an [`IntelError`].
//!
//! ```
//! use ferretwatch_core::intel::{Format, ImportOptions, import};
//!
//! let feed = b"0.0.0.0 Evil.Example.\n127.0.0.1 localhost\n0.0.0.0 evil.example # again\n";
//! let opts = ImportOptions { fetched_at: 1_795_000_000, ..ImportOptions::default() };
//! let imp = import(Format::Hosts, &[("hosts.txt", &feed[..])], &opts).unwrap();
//! assert_eq!(imp.indicator_count(), 1);
//! assert_eq!((imp.duplicates, imp.filtered), (1, 1));
//! let artifacts = imp.artifacts();
//! assert_eq!(artifacts[0].0, "reputation/hosts-host.txt");
//! assert_eq!(artifacts[1].0, "intel/hosts.json");
//! ```

mod csv;
mod feeds;
mod metamask;
pub mod normalize;
pub mod time;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::domain::SuffixList;
use crate::pack::IndicatorKind;
use crate::reputation::{FingerprintSet, MetaMaskList};

pub use metamask::MetaMaskConfig;

/// A feed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// URLhaus CSV (`id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter`).
    Urlhaus,
    /// PhishTank CSV with its header line (`phish_id,url,…,verified,…`).
    PhishtankCsv,
    /// PhishTank JSON: an array of objects with `url` (and `verified`).
    PhishtankJson,
    /// Feodo Tracker: the CSV (`first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware`)
    /// or the plain IP blocklist.
    Feodo,
    /// MetaMask's `eth-phishing-detect` `src/config.json`.
    Metamask,
    /// A hosts file (`0.0.0.0 host …`), or a plain list of hosts.
    Hosts,
}

/// Every format, in the order the CLI lists them.
pub const FORMATS: &[Format] =
    &[Format::Urlhaus, Format::PhishtankCsv, Format::PhishtankJson, Format::Feodo, Format::Metamask, Format::Hosts];

impl Format {
    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Urlhaus => "urlhaus",
            Format::PhishtankCsv => "phishtank-csv",
            Format::PhishtankJson => "phishtank-json",
            Format::Feodo => "feodo",
            Format::Metamask => "metamask",
            Format::Hosts => "hosts",
        }
    }

    /// Parses a format name.
    pub fn parse(name: &str) -> Option<Format> {
        FORMATS.iter().copied().find(|f| f.name() == name)
    }

    /// The default source name (shown in findings).
    pub fn default_source(self) -> &'static str {
        match self {
            Format::Urlhaus => "urlhaus",
            Format::PhishtankCsv | Format::PhishtankJson => "phishtank",
            Format::Feodo => "feodo",
            Format::Metamask => "metamask",
            Format::Hosts => "hosts",
        }
    }

    /// The feed's licence, recorded in the provenance file.
    pub fn licence(self) -> &'static str {
        match self {
            Format::Urlhaus | Format::Feodo => "CC0-1.0 (abuse.ch)",
            Format::PhishtankCsv | Format::PhishtankJson => {
                "PhishTank terms of use: free with attribution to PhishTank (https://phishtank.org/developer_info.php)"
            }
            Format::Metamask => "DBAD-1.1 (eth-phishing-detect's package licence, \"Don't Be A Dick\" v1.1)",
            Format::Hosts => "unknown (user-supplied)",
        }
    }

    /// How long an import stays valid by default (hours): fast-moving URL feeds expire sooner.
    pub fn default_ttl_hours(self) -> u64 {
        match self {
            Format::Urlhaus => 72,
            Format::PhishtankCsv | Format::PhishtankJson => 48,
            Format::Feodo | Format::Metamask => 168,
            Format::Hosts => 720,
        }
    }
}

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Source name (default: [`Format::default_source`]); `[a-z0-9_-]`, 1–64 characters.
    pub source: Option<String>,
    /// Fetch time (Unix seconds), supplied by the caller.
    pub fetched_at: u64,
    /// Lifetime of the indicators (default: [`Format::default_ttl_hours`]).
    pub ttl_hours: Option<u64>,
    /// Licence text (default: [`Format::licence`]).
    pub licence: Option<String>,
    /// Hosts format only: store registrable domains (eTLD+1, kind `domain`) instead of hosts.
    pub as_domains: bool,
}

/// A skipped line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// File name as given.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// At most this many warnings are kept (all are counted in [`Import::skipped`]).
pub const MAX_WARNINGS: usize = 1000;

/// The import failed as a whole. Every variant names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntelError {
    /// No input file.
    #[error("no feed file given")]
    NoFiles,
    /// The source name is not `[a-z0-9_-]{1,64}`.
    #[error("source name `{0}` must be 1-64 characters of a-z, 0-9, `-` or `_`")]
    Source(String),
    /// A file is not UTF-8.
    #[error("{file}:{line}: not UTF-8 text (byte {offset})")]
    Encoding {
        /// File.
        file: String,
        /// Line of the first bad byte.
        line: usize,
        /// Offset of the first bad byte.
        offset: usize,
    },
    /// A JSON file does not parse.
    #[error("{file}:{line}:{column}: not JSON: {message}")]
    Json {
        /// File.
        file: String,
        /// Line.
        line: usize,
        /// Column.
        column: usize,
        /// serde's message.
        message: String,
    },
    /// The file is not in the format at all.
    #[error("{file}: not a {format} feed: {reason}")]
    NotFormat {
        /// File.
        file: String,
        /// The format expected.
        format: &'static str,
        /// Why.
        reason: String,
    },
    /// The option does not apply to the format.
    #[error("{0}")]
    Option(String),
}

/// The result of importing one feed (one or more files of one format).
#[derive(Debug, Clone)]
pub struct Import {
    /// Source name.
    pub source: String,
    /// Format.
    pub format: Format,
    /// Fetch time (Unix seconds).
    pub fetched_at: u64,
    /// Expiry of every indicator (Unix seconds): `fetched_at` + TTL.
    pub expires_at: u64,
    /// Licence.
    pub licence: String,
    /// Distinct normalized indicators by kind (host, domain, url, ip).
    pub lists: Vec<(IndicatorKind, BTreeSet<String>)>,
    /// MetaMask configuration (format `metamask` only).
    pub metamask: Option<MetaMaskConfig>,
    /// Files read: name, SHA-256 (hex), lines.
    pub files: Vec<FileInfo>,
    /// Malformed lines skipped.
    pub skipped: usize,
    /// Well-formed records left out on purpose (unverified PhishTank entries, localhost lines).
    pub filtered: usize,
    /// Indicators seen again after normalization.
    pub duplicates: usize,
    /// The first [`MAX_WARNINGS`] skipped lines.
    pub warnings: Vec<Warning>,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileInfo {
    /// Name as given.
    pub name: String,
    /// SHA-256 of its bytes (hex).
    pub sha256: String,
    /// Number of lines.
    pub lines: usize,
}

/// One indicator with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    /// Normalized value.
    pub value: String,
    /// Kind.
    pub kind: IndicatorKind,
    /// Source name.
    pub source: String,
    /// Expiry (Unix seconds).
    pub expires_at: u64,
}

/// Lists of at most this many indicators are written as readable `.txt`; larger ones as `.fwrep`.
pub const TEXT_LIST_MAX: usize = 1000;

fn kind_name(k: IndicatorKind) -> &'static str {
    match k {
        IndicatorKind::Host => "host",
        IndicatorKind::Domain => "domain",
        IndicatorKind::Url => "url",
        IndicatorKind::Ip => "ip",
    }
}

/// Collects the indicators and warnings of one import.
pub(crate) struct Collector {
    lists: [BTreeSet<String>; 4],
    pub(crate) skipped: usize,
    pub(crate) filtered: usize,
    pub(crate) duplicates: usize,
    pub(crate) warnings: Vec<Warning>,
}

impl Collector {
    fn new() -> Self {
        Self { lists: Default::default(), skipped: 0, filtered: 0, duplicates: 0, warnings: Vec::new() }
    }

    pub(crate) fn add(&mut self, kind: IndicatorKind, value: String) {
        let i = match kind {
            IndicatorKind::Host => 0,
            IndicatorKind::Domain => 1,
            IndicatorKind::Url => 2,
            IndicatorKind::Ip => 3,
        };
        if !self.lists[i].insert(value) {
            self.duplicates += 1;
        }
    }

    pub(crate) fn warn(&mut self, file: &str, line: usize, message: impl Into<String>) {
        self.skipped += 1;
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(Warning { file: file.to_string(), line, message: message.into() });
        }
    }
}

/// Counts data lines and malformed ones of one file, to tell "a few bad lines" from "not this
/// format at all".
pub(crate) struct FileTally {
    pub(crate) data: usize,
    pub(crate) bad: usize,
}

impl FileTally {
    /// Fails when nothing parsed or more than half of at least 10 data lines were malformed.
    pub(crate) fn verdict(&self, file: &str, format: Format) -> Result<(), IntelError> {
        let not = |reason: String| Err(IntelError::NotFormat { file: file.to_string(), format: format.name(), reason });
        if self.data > 0 && self.bad == self.data {
            return not(format!("none of its {} data lines is a valid record", self.data));
        }
        if self.data >= 10 && self.bad * 2 > self.data {
            return not(format!("{} of its {} data lines are malformed", self.bad, self.data));
        }
        Ok(())
    }
}

fn utf8<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, IntelError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        IntelError::Encoding { file: file.to_string(), line, offset }
    })
}

/// Imports one feed from its files (`(name, bytes)`).
///
/// # Errors
/// [`IntelError`] when a file is not in the format at all, or an option is invalid. Malformed
/// lines are not errors: they are counted in [`Import::skipped`] and listed in
/// [`Import::warnings`].
pub fn import(format: Format, files: &[(&str, &[u8])], opts: &ImportOptions) -> Result<Import, IntelError> {
    if files.is_empty() {
        return Err(IntelError::NoFiles);
    }
    let source = opts.source.clone().unwrap_or_else(|| format.default_source().to_string());
    if source.is_empty()
        || source.len() > 64
        || !source.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return Err(IntelError::Source(source));
    }
    if opts.as_domains && format != Format::Hosts {
        return Err(IntelError::Option("registrable domains (--as-domains) apply to the hosts format only".into()));
    }
    if format == Format::Metamask && files.len() > 1 {
        return Err(IntelError::Option("the metamask format takes exactly one config.json".into()));
    }
    let psl = opts.as_domains.then(SuffixList::embedded);
    let mut c = Collector::new();
    let mut infos = Vec::new();
    let mut mm: Option<MetaMaskConfig> = None;
    for (name, bytes) in files {
        let text = utf8(name, bytes)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        infos.push(FileInfo {
            name: name.to_string(),
            sha256: crate::reputation::hex(&crate::reputation::sha256(bytes)),
            lines: text.lines().count(),
        });
        match format {
            Format::Urlhaus => feeds::urlhaus(name, text, &mut c)?,
            Format::PhishtankCsv => feeds::phishtank_csv(name, text, &mut c)?,
            Format::PhishtankJson => feeds::phishtank_json(name, text, &mut c)?,
            Format::Feodo => feeds::feodo(name, text, &mut c)?,
            Format::Hosts => feeds::hosts(name, text, psl.as_ref(), &mut c)?,
            Format::Metamask => mm = Some(metamask::parse(name, text, &mut c)?),
        }
    }
    let kinds = [IndicatorKind::Host, IndicatorKind::Domain, IndicatorKind::Url, IndicatorKind::Ip];
    let lists = kinds.into_iter().zip(c.lists).filter(|(_, l)| !l.is_empty()).collect();
    let ttl = opts.ttl_hours.unwrap_or_else(|| format.default_ttl_hours());
    Ok(Import {
        source,
        format,
        fetched_at: opts.fetched_at,
        expires_at: opts.fetched_at.saturating_add(ttl.saturating_mul(3600)),
        licence: opts.licence.clone().unwrap_or_else(|| format.licence().to_string()),
        lists,
        metamask: mm,
        files: infos,
        skipped: c.skipped,
        filtered: c.filtered,
        duplicates: c.duplicates,
        warnings: c.warnings,
    })
}

impl Import {
    /// Distinct indicators (for MetaMask: blocklist + fuzzylist entries).
    pub fn indicator_count(&self) -> usize {
        self.lists.iter().map(|(_, l)| l.len()).sum::<usize>()
            + self.metamask.as_ref().map_or(0, |m| m.blocklist.len() + m.fuzzylist.len())
    }

    /// Every indicator, tagged with its source and expiry (MetaMask: the blocklist as hosts).
    pub fn indicators(&self) -> impl Iterator<Item = Indicator> + '_ {
        let mm = self.metamask.iter().flat_map(|m| m.blocklist.iter().map(|v| (IndicatorKind::Host, v)));
        self.lists.iter().flat_map(|(k, l)| l.iter().map(move |v| (*k, v))).chain(mm).map(|(kind, v)| Indicator {
            value: v.clone(),
            kind,
            source: self.source.clone(),
            expires_at: self.expires_at,
        })
    }

    /// The pack artifacts: `(relative path, bytes)`.
    ///
    /// - `reputation/<source>-<kind>.txt` (≤ [`TEXT_LIST_MAX`] indicators, with `# source:`,
    ///   `# kind:`, `# fetched_at:`, `# expires_at:` and `# licence:` headers) or
    ///   `reputation/<source>-<kind>.fwrep` (compiled) for each kind present;
    /// - `reputation/<source>.fwmm` for a MetaMask configuration;
    /// - `intel/<source>.json`, the provenance record (see [`Import::provenance`]).
    pub fn artifacts(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut listed = Vec::new();
        for (kind, list) in &self.lists {
            let k = kind_name(*kind);
            let (path, bytes) = if list.len() <= TEXT_LIST_MAX {
                let mut t = format!(
                    "# source: {}\n# kind: {k}\n# format: {}\n# fetched_at: {}\n# expires_at: {}\n# licence: {}\n",
                    self.source,
                    self.format.name(),
                    time::rfc3339(self.fetched_at),
                    time::rfc3339(self.expires_at),
                    self.licence.replace('\n', " ")
                );
                for v in list {
                    t.push_str(v);
                    t.push('\n');
                }
                (format!("reputation/{}-{k}.txt", self.source), t.into_bytes())
            } else {
                let entries: Vec<String> = list.iter().cloned().collect();
                let set = FingerprintSet::new(&self.source, *kind, &entries);
                (format!("reputation/{}-{k}.fwrep", self.source), set.to_bytes())
            };
            listed.push(serde_json::json!({"path": path, "kind": k, "indicators": list.len(), "bytes": bytes.len()}));
            out.push((path, bytes));
        }
        if let Some(m) = &self.metamask {
            let bytes = m.compile(&self.source).to_bytes();
            let path = format!("reputation/{}.fwmm", self.source);
            listed.push(serde_json::json!({"path": path, "kind": "metamask",
                "indicators": m.blocklist.len() + m.fuzzylist.len(), "bytes": bytes.len()}));
            out.push((path, bytes));
        }
        let mut prov = self.provenance();
        prov["artifacts"] = serde_json::Value::Array(listed);
        let mut json = serde_json::to_vec_pretty(&prov).unwrap_or_default();
        json.push(b'\n');
        out.push((format!("intel/{}.json", self.source), json));
        out
    }

    /// The provenance record written to `intel/<source>.json`:
    /// `{"source", "format", "fetched_at", "expires_at", "ttl_hours", "licence", "indicators",
    /// "by_kind": {kind: n}, "skipped", "filtered", "duplicates", "files": [{"name", "sha256",
    /// "lines"}], "metamask"?: {"version", "tolerance", "blocklist", "allowlist", "fuzzylist"}}`
    /// (times in RFC 3339 UTC); [`Import::artifacts`] adds `"artifacts": [{"path", "kind",
    /// "indicators", "bytes"}]`.
    pub fn provenance(&self) -> serde_json::Value {
        let by_kind: serde_json::Map<String, serde_json::Value> =
            self.lists.iter().map(|(k, l)| (kind_name(*k).to_string(), l.len().into())).collect();
        let mut v = serde_json::json!({
            "source": self.source,
            "format": self.format.name(),
            "fetched_at": time::rfc3339(self.fetched_at),
            "expires_at": time::rfc3339(self.expires_at),
            "ttl_hours": (self.expires_at - self.fetched_at) / 3600,
            "licence": self.licence,
            "indicators": self.indicator_count(),
            "by_kind": by_kind,
            "skipped": self.skipped,
            "filtered": self.filtered,
            "duplicates": self.duplicates,
            "files": self.files,
        });
        if let Some(m) = &self.metamask {
            v["metamask"] = serde_json::json!({
                "version": m.version, "tolerance": m.tolerance, "blocklist": m.blocklist.len(),
                "allowlist": m.allowlist.len(), "fuzzylist": m.fuzzylist.len(),
            });
        }
        v
    }

    /// The compiled MetaMask list, when the format is `metamask`.
    pub fn metamask_list(&self) -> Option<MetaMaskList> {
        self.metamask.as_ref().map(|m| m.compile(&self.source))
    }
}
