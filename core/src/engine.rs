//! The engine: a compiled pack plus the scan pipeline and the scoring model.
//!
//! Data flow of [`Engine::scan`]: URL → [`HostInfo`] (IDNA, eTLD+1) → URL signals (lookalike,
//! reputation) → page signals (forms, brand names, redirects, fresh domain, hotlinking, pHash,
//! data: URLs, obfuscation) → content scan (YARA rules and keyword/brand literals in one
//! aho-corasick pass per target, under the budget) → scoring (weight × confidence, per-signal
//! caps, thresholds, trusted sites) → [`Verdict`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::budget::{Budget, Clock, Limits};
use crate::degrade::{DegradationLevel, SignalGroup};
use crate::domain::{HostInfo, ParsedUrl, SuffixList, UrlError, parse_url, parse_url_parts};
use crate::features::PageFeatures;
use crate::lookalike::{BrandIndex, FastSet, LookalikeDecision};
use crate::pack::{PackConfig, PackError, PackFiles, PackSource, Thresholds};
use crate::reputation::Reputation;
use crate::signals::{self, PageContext};
use crate::verdict::{Finding, Level, Verdict};
use crate::yara;

/// The user's settings for a scan.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Thresholds chosen by the user (the pack's defaults when `None`).
    pub thresholds: Option<Thresholds>,
    /// Registrable domains the user trusts ("Trust this site").
    pub trusted_sites: Vec<String>,
    /// Degradation level in force.
    pub level: DegradationLevel,
    /// Budget per page (the default is 200 ms and 4 MiB).
    pub limits: Limits,
}

/// The engine could not be built from a pack.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The pack's files are wrong.
    #[error(transparent)]
    Pack(#[from] PackError),
}

/// [`Engine::from_staged_files`] failed.
#[derive(Debug, thiserror::Error)]
pub enum StagedLoadError<E> {
    /// The pack's files are wrong.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The second stage's files could not be had.
    #[error("the reputation files could not be read")]
    Source(E),
}

/// A page could not be scanned at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScanError {
    /// The page URL is not usable.
    #[error("cannot scan `{url}`: {reason}")]
    BadUrl {
        /// The URL as given (truncated to 200 bytes).
        url: String,
        /// Why.
        reason: String,
    },
}

impl ScanError {
    /// Short failure kind for telemetry.
    pub fn kind(&self) -> &'static str {
        match self {
            ScanError::BadUrl { .. } => "bad_url",
        }
    }
}

/// A loaded rule pack, ready to scan pages. Immutable: share it between threads or tabs.
#[derive(Debug)]
pub struct Engine {
    pub(crate) config: PackConfig,
    pub(crate) psl: SuffixList,
    pub(crate) brands: BrandIndex,
    pub(crate) rules: yara::Rules,
    pub(crate) reputation: Reputation,
    pub(crate) cdn_allowlist: FastSet<String>,
    pub(crate) trusted: FastSet<String>,
    /// Extra literals in the shared automaton: urgency keywords first, then brand names.
    pub(crate) keyword_count: u32,
    pub(crate) brand_literal_owner: Vec<usize>,
    pub(crate) severe: FastSet<String>,
}

/// The decision of a URL-only check ([`Engine::check_url_decision`]): what [`Engine::scan`] of
/// the bare URL decides, without the evidence text and the verdict's other strings.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlDecision<'e> {
    /// Score in [0, 100] (the verdict's `score`).
    pub score: u32,
    /// Level from the thresholds (the verdict's `level`).
    pub level: Level,
    /// The verdict's `trusted`.
    pub trusted: bool,
    /// The verdict's `partial`.
    pub partial: bool,
    /// Time spent, measured with the injected clock (µs).
    pub elapsed_us: u64,
    /// The verdict's findings, in its order, each reduced to what names it.
    pub findings: Vec<DecisionFinding<'e>>,
}

/// One finding of a [`UrlDecision`]: the `signal`, `target` and `source` of the verdict's finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionFinding<'e> {
    /// Canonical signal id.
    pub signal: Cow<'e, str>,
    /// The impersonated brand's domain, for lookalike signals.
    pub target: Option<Cow<'e, str>>,
    /// The feed an indicator came from, for reputation hits.
    pub source: Option<Cow<'e, str>>,
}

/// What the scorer needs of a finding (it scores [`Finding`]s and the lighter [`Scored`] alike).
trait Scorable {
    fn signal(&self) -> &str;
    fn evidence(&self) -> &str;
    fn weight(&self) -> f64;
    fn set_weight(&mut self, w: f64);
    fn confidence(&self) -> f64;
}

impl Scorable for Finding {
    fn signal(&self) -> &str {
        &self.signal
    }
    fn evidence(&self) -> &str {
        &self.evidence
    }
    fn weight(&self) -> f64 {
        self.weight
    }
    fn set_weight(&mut self, w: f64) {
        self.weight = w;
    }
    fn confidence(&self) -> f64 {
        self.confidence
    }
}

/// A finding of the decision path. The lookalike finding carries no evidence: it is the only
/// finding of its signal in a URL-only check, so the scorer never compares its evidence (ties
/// are broken, and duplicates dropped, by evidence only between findings of one signal). The
/// reputation findings keep theirs (several may share `reputation_hit`).
struct Scored<'e> {
    signal: Cow<'e, str>,
    weight: f64,
    confidence: f64,
    evidence: Cow<'e, str>,
    target: Option<Cow<'e, str>>,
    source: Option<Cow<'e, str>>,
}

impl<'e> Scored<'e> {
    fn lookalike(d: LookalikeDecision<'e>) -> Self {
        Self {
            signal: Cow::Borrowed(d.signal),
            weight: 0.0,
            confidence: d.confidence,
            evidence: Cow::Borrowed(""),
            target: d.target.map(Cow::Borrowed),
            source: None,
        }
    }

    fn from_finding(f: Finding) -> Self {
        Self {
            signal: Cow::Owned(f.signal),
            weight: f.weight,
            confidence: f.confidence,
            evidence: Cow::Owned(f.evidence),
            target: f.target.map(Cow::Owned),
            source: f.source.map(Cow::Owned),
        }
    }
}

impl Scorable for Scored<'_> {
    fn signal(&self) -> &str {
        &self.signal
    }
    fn evidence(&self) -> &str {
        &self.evidence
    }
    fn weight(&self) -> f64 {
        self.weight
    }
    fn set_weight(&mut self, w: f64) {
        self.weight = w;
    }
    fn confidence(&self) -> f64 {
        self.confidence
    }
}

impl Engine {
    /// Loads a pack from its files.
    ///
    /// # Errors
    /// [`EngineError`] naming the file and the problem.
    pub fn from_files(files: &PackFiles) -> Result<Self, EngineError> {
        Self::from_source(PackSource::from_files(files)?)
    }

    /// Loads a pack from its files, consuming them: each file is released once parsed, and the
    /// compiled reputation lists are used in place (the way to load when the caller has no
    /// further use for the bytes, as in the wasm build, where memory never shrinks).
    ///
    /// # Errors
    /// [`EngineError`] naming the file and the problem.
    pub fn from_owned_files(files: PackFiles) -> Result<Self, EngineError> {
        Self::from_source(PackSource::from_owned_files(files)?)
    }

    /// Loads a pack in two stages, so that its largest files (the reputation lists) never share
    /// memory with the rule compiler's working set: `first` (every file but the `reputation/…`
    /// ones, see [`crate::pack::is_reputation_file`]) is parsed and compiled — brands, YARA
    /// rules, whose sources are freed right after — and only then is `rest` called for the
    /// reputation files, whose compiled lists are adopted without a copy. In the wasm build,
    /// where the linear memory never shrinks, this keeps the load peak at the larger of the two
    /// stages instead of their sum. The engine is the one [`Engine::from_owned_files`] builds
    /// from all the files (lists in file-name order); the errors are the same, except that when
    /// a pack has several faults, those of the first stage are reported before those of the
    /// reputation files.
    ///
    /// # Errors
    /// [`StagedLoadError::Engine`] naming the file and the problem; [`StagedLoadError::Source`]
    /// when `rest` fails.
    pub fn from_staged_files<E>(
        first: PackFiles,
        rest: impl FnOnce() -> Result<PackFiles, E>,
    ) -> Result<Self, StagedLoadError<E>> {
        let engine_err = |e: PackError| StagedLoadError::Engine(EngineError::Pack(e));
        let mut src = PackSource::from_owned_files(first).map_err(engine_err)?;
        let mut lists = std::mem::take(&mut src.reputation);
        let mut engine = Self::from_source(src).map_err(StagedLoadError::Engine)?;
        for (name, bytes) in rest().map_err(StagedLoadError::Source)? {
            if let Some(list) =
                crate::pack::parse_reputation_file(&name, std::borrow::Cow::Owned(bytes)).map_err(engine_err)?
            {
                lists.push(list);
            }
        }
        lists.sort_by(|a, b| a.file.cmp(&b.file));
        engine.reputation = Reputation::from_lists(lists);
        Ok(engine)
    }

    /// Compiles a parsed pack.
    ///
    /// # Errors
    /// [`EngineError`] naming the file and the problem.
    pub fn from_source(src: PackSource) -> Result<Self, EngineError> {
        let mut literals: Vec<String> = src.config.urgency_keywords.iter().map(|k| k.to_lowercase()).collect();
        let keyword_count = literals.len() as u32;
        let mut brand_literal_owner = Vec::new();
        for (i, b) in src.brands.iter().enumerate() {
            let name = b.name.to_lowercase();
            if name.chars().count() >= 4 {
                literals.push(name);
                brand_literal_owner.push(i);
            }
        }
        // The rules first: their compile's temporaries are the load's peak, so the Public Suffix
        // List and the brand index (1.6 MB for the full brand set) are built after they are
        // freed, in memory they leave (the wasm memory never shrinks).
        let sources: Vec<(&str, &str)> = src.yara.iter().map(|(f, t)| (f.as_str(), t.as_str())).collect();
        // The automaton starts as the contiguous NFA (cheap to build): the first verdict should
        // not wait for the DFA. `prepare_fast_scan` builds it when the caller has time.
        let rules = yara::compile_fast_start(&sources, &literals).map_err(|e| PackError::Yara(e.to_string()))?;
        drop(sources);
        drop(src.yara);
        drop(literals);
        let psl = match &src.public_suffix_list {
            Some(t) => SuffixList::parse(t).map_err(|e| PackError::SuffixList(e.to_string()))?,
            None => SuffixList::embedded(),
        };
        let brands = BrandIndex::from_brands(src.brands, &psl);
        let reputation = Reputation::from_lists(src.reputation);
        let lower = |v: &Vec<String>| v.iter().map(|s| s.trim().to_ascii_lowercase()).collect::<FastSet<_>>();
        let cdn_allowlist = lower(&src.config.cdn_allowlist);
        let trusted = lower(&src.config.trusted_sites);
        let severe = src.config.severe_signals.iter().cloned().collect();
        Ok(Self {
            config: src.config,
            psl,
            brands,
            rules,
            reputation,
            cdn_allowlist,
            trusted,
            keyword_count,
            brand_literal_owner,
            severe,
        })
    }

    /// Builds what makes content scans fastest but is not needed for a first answer: the YARA
    /// automaton's DFA (see [`yara::compile_fast_start`]). A freshly loaded engine scans with the
    /// contiguous NFA, which gives the same verdicts ≈ 2× slower on large pages; call this once
    /// after loading when start-up time does not matter (CLI, benches) or after the first verdict
    /// (the extension). Returns whether anything was built; cheap when already done.
    pub fn prepare_fast_scan(&mut self) -> bool {
        self.rules.prepare_fast_scan()
    }

    /// True when [`Engine::prepare_fast_scan`] still has something to build.
    pub fn fast_scan_pending(&self) -> bool {
        self.rules.fast_scan_pending()
    }

    /// The pack version.
    pub fn pack_version(&self) -> &str {
        &self.config.version
    }

    /// The pack's configuration.
    pub fn config(&self) -> &PackConfig {
        &self.config
    }

    /// The Public Suffix List in use.
    pub fn suffix_list(&self) -> &SuffixList {
        &self.psl
    }

    /// The brand index.
    pub fn brands(&self) -> &BrandIndex {
        &self.brands
    }

    /// Number of YARA rules.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Number of reputation indicators.
    pub fn indicator_count(&self) -> usize {
        self.reputation.len()
    }

    /// Scans a page. Deterministic: the same features, pack and settings give the same verdict
    /// (except `elapsed_us`, and `partial` when the clock runs out).
    ///
    /// # Errors
    /// [`ScanError::BadUrl`] when the page URL is not an absolute URL with a host.
    pub fn scan(&self, f: &PageFeatures, settings: &Settings, clock: &dyn Clock) -> Result<Verdict, ScanError> {
        self.scan_with(f, settings, clock, f.is_url_only())
    }

    /// [`Engine::scan`]; `url_only` skips the page signals and the content scan (which find
    /// nothing in features that hold only a URL).
    fn scan_with(
        &self,
        f: &PageFeatures,
        settings: &Settings,
        clock: &dyn Clock,
        url_only: bool,
    ) -> Result<Verdict, ScanError> {
        let mut budget = Budget::start(clock, settings.limits);
        // A URL-only scan reads only the URL's parts: a plain URL skips the WHATWG parser.
        let parsed = if url_only { parse_url_parts(&f.url) } else { parse_url(&f.url).map(ParsedUrl::Parsed) }
            .map_err(|e| bad_url(&f.url, &e))?;
        let parts = parsed.parts();
        let host = HostInfo::new(&self.psl, parts.host);
        let level = settings.level;

        let mut findings: Vec<Finding> = Vec::new();
        if level.runs(SignalGroup::Url) {
            findings.extend(self.brands.check_host(&host));
            findings.extend(self.reputation.check(&host, &parts));
        }
        if level.runs(SignalGroup::Core)
            && !url_only
            && let ParsedUrl::Parsed(url) = &parsed
        {
            let ctx = PageContext { engine: self, features: f, url, host: &host };
            let content = signals::content_scan(&ctx, &mut budget);
            findings.extend(signals::fresh_domain(&ctx));
            findings.extend(signals::forms(&ctx, &content));
            findings.extend(signals::brand_names(&ctx));
            findings.extend(signals::redirect(&ctx));
            findings.extend(content.rule_findings.iter().cloned());
            if level.runs(SignalGroup::Auxiliary) {
                findings.extend(signals::hotlinking(&ctx));
                findings.extend(signals::brand_assets(&ctx));
                findings.extend(signals::data_urls(&ctx));
                findings.extend(signals::obfuscated_script(&ctx, &mut budget));
                findings.extend(signals::keywords(&ctx, &content));
            }
        }

        let trusted = self.is_trusted(&host, settings, self.brands.owner_of(&host.registrable).is_some());
        if trusted {
            findings.retain(|x| self.severe.contains(&x.signal));
        }
        let (score, findings) = self.score(findings);
        let level = self.level_of(score, settings);
        Ok(Verdict {
            url: f.url.clone(),
            host: host.ascii.to_string(),
            registrable_domain: host.registrable.to_string(),
            score,
            level,
            findings,
            pack_version: self.config.version.clone(),
            partial: budget.exhausted(),
            trusted,
            elapsed_us: budget.elapsed_us(),
        })
    }

    /// The decision of a URL-only check: exactly the score, level, `trusted`, `partial` and
    /// findings (signal, target, source, in order) of [`Engine::scan`] on
    /// [`PageFeatures::from_url`]`(url)`, without writing evidence text or copying the URL, host
    /// and pack version into a verdict. For callers that only block or allow.
    ///
    /// # Errors
    /// [`ScanError::BadUrl`] when the URL is not an absolute URL with a host (as [`Engine::scan`]).
    pub fn check_url_decision(
        &self,
        url: &str,
        settings: &Settings,
        clock: &dyn Clock,
    ) -> Result<UrlDecision<'_>, ScanError> {
        let budget = Budget::start(clock, settings.limits);
        let parsed = parse_url_parts(url).map_err(|e| bad_url(url, &e))?;
        let parts = parsed.parts();
        let host = HostInfo::new(&self.psl, parts.host);
        // The findings of `scan_with`'s URL group, in its order: lookalike, then reputation.
        let owned = self.brands.owner_of(&host.registrable).is_some();
        let mut findings: Vec<Scored<'_>> = Vec::new();
        if settings.level.runs(SignalGroup::Url) {
            findings.extend(self.brands.decision_for(&host, owned).map(Scored::lookalike));
            findings.extend(self.reputation.check(&host, &parts).into_iter().map(Scored::from_finding));
        }
        let trusted = self.is_trusted(&host, settings, owned);
        if trusted {
            findings.retain(|x| self.severe.contains(x.signal.as_ref()));
        }
        let (score, findings) = self.score(findings);
        Ok(UrlDecision {
            score,
            level: self.level_of(score, settings),
            trusted,
            partial: budget.exhausted(),
            elapsed_us: budget.elapsed_us(),
            findings: findings
                .into_iter()
                .map(|x| DecisionFinding { signal: x.signal, target: x.target, source: x.source })
                .collect(),
        })
    }

    /// The site is trusted: a brand's own (`owned`), on the pack's or the user's trusted list.
    fn is_trusted(&self, host: &HostInfo<'_>, settings: &Settings, owned: bool) -> bool {
        owned
            || self.trusted.contains(&*host.registrable)
            || settings.trusted_sites.iter().any(|s| s.trim().eq_ignore_ascii_case(&host.registrable))
    }

    /// The level of a score under the user's (or the pack's) thresholds.
    fn level_of(&self, score: u32, settings: &Settings) -> Level {
        let thresholds = settings.thresholds.unwrap_or(self.config.thresholds);
        if score >= thresholds.red {
            Level::Red
        } else if score >= thresholds.yellow {
            Level::Yellow
        } else {
            Level::Green
        }
    }

    /// Whether a registrable domain belongs to an allowlisted CDN: the entry itself or any
    /// subdomain of it (`d123.cloudfront.net` is registrable on its own, since `cloudfront.net` is a
    /// private public suffix, but it is still the CDN).
    pub fn is_allowlisted_cdn(&self, registrable: &str) -> bool {
        crate::reputation::parent_hosts(registrable).any(|h| self.cdn_allowlist.contains(h))
    }

    /// Weight of a signal in the pack (0 when the pack does not weigh it).
    pub fn weight(&self, signal: &str) -> f64 {
        self.config.weights.get(signal).copied().unwrap_or(0.0)
    }

    /// Fills in weights, applies per-signal caps, sorts by contribution, and sums.
    fn score<T: Scorable>(&self, mut findings: Vec<T>) -> (u32, Vec<T>) {
        for x in &mut findings {
            // A finding may carry its own weight (a YARA rule's `weight` meta); the rest take the
            // pack's weight for their signal.
            if x.weight() == 0.0 {
                x.set_weight(self.weight(x.signal()));
            }
        }
        findings.retain(|x| x.weight() > 0.0 && x.confidence() > 0.0);
        let mut per_signal: BTreeMap<&str, f64> = BTreeMap::new();
        for x in &findings {
            *per_signal.entry(x.signal()).or_default() += x.weight() * x.confidence();
        }
        let mut total = 0.0;
        for (signal, sum) in per_signal {
            let cap = self.config.caps.get(signal).copied().unwrap_or_else(|| {
                findings.iter().filter(|x| x.signal() == signal).map(|x| x.weight()).fold(0.0, f64::max)
            });
            total += sum.min(cap);
        }
        findings.sort_by(|a, b| {
            (b.weight() * b.confidence())
                .total_cmp(&(a.weight() * a.confidence()))
                .then_with(|| a.signal().cmp(b.signal()))
                .then_with(|| a.evidence().cmp(b.evidence()))
        });
        findings.dedup_by(|a, b| a.signal() == b.signal() && a.evidence() == b.evidence());
        let score = total.round().clamp(0.0, 100.0) as u32;
        (score, findings)
    }
}

impl Verdict {
    /// The verdict as one JSON object (the shape of `ferretwatch scan --json`, without `id`).
    /// The wasm binding hands this to `JSON.parse`: one string crossing instead of an object
    /// built field by field.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()))
    }
}

/// The error of a page URL that is not usable.
fn bad_url(url: &str, e: &UrlError) -> ScanError {
    ScanError::BadUrl { url: truncate(url, 200), reason: e.to_string() }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::FrozenClock;

    fn default_pack() -> PackFiles {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../packs/default");
        let mut files = PackFiles::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("default pack is readable").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_none_or(|e| e != "md") {
                    let rel = path.strip_prefix(&dir).expect("inside the pack");
                    let key = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                    files.insert(key, std::fs::read(&path).expect("pack file is readable"));
                }
            }
        }
        files
    }

    /// The URL-only shortcut gives exactly the verdict of the full pipeline.
    #[test]
    fn url_only_shortcut_matches_the_full_scan() {
        let engine = Engine::from_files(&default_pack()).expect("default pack loads");
        let list = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/node/fixtures/urls.txt"))
            .expect("URL fixture is readable");
        let settings = Settings::default();
        let mut scanned = 0;
        let mut with_findings = 0;
        for url in list.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let f = PageFeatures::from_url(url);
            assert!(f.is_url_only());
            let fast = engine.scan_with(&f, &settings, &FrozenClock, true);
            let full = engine.scan_with(&f, &settings, &FrozenClock, false);
            assert_eq!(fast, full, "{url}");
            if let Ok(v) = fast {
                scanned += 1;
                with_findings += usize::from(!v.findings.is_empty());
            }
        }
        assert!(scanned >= 40 && with_findings >= 10, "{scanned} URLs scanned, {with_findings} with findings");
        let mut f = PageFeatures::from_url("https://a.example/");
        f.title = "PayPal".into();
        assert!(!f.is_url_only());
    }

    /// Score, level, trusted, partial and each finding's (signal, target, source).
    type DecisionTuple = (u32, Level, bool, bool, Vec<(String, Option<String>, Option<String>)>);

    /// The decision a full verdict carries, in the shape of [`UrlDecision`] (without the time).
    fn decision_of(v: &Verdict) -> DecisionTuple {
        let findings = v.findings.iter().map(|x| (x.signal.clone(), x.target.clone(), x.source.clone())).collect();
        (v.score, v.level, v.trusted, v.partial, findings)
    }

    fn decision_tuple(d: &UrlDecision<'_>) -> DecisionTuple {
        let findings = d
            .findings
            .iter()
            .map(|x| {
                (x.signal.to_string(), x.target.as_deref().map(str::to_string), x.source.as_deref().map(str::to_string))
            })
            .collect();
        (d.score, d.level, d.trusted, d.partial, findings)
    }

    /// URLs for the decision tests: the URL fixture, the corpus pages, the default pack's
    /// reputation entries, and generated lookalikes of every brand domain (typos, swaps, doubled
    /// letters, homoglyphs, the label on another suffix, combosquats, the domain inside another).
    fn decision_urls() -> Vec<String> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut urls: Vec<String> = Vec::new();
        let list = std::fs::read_to_string(format!("{root}/tests/node/fixtures/urls.txt")).expect("URL fixture");
        urls.extend(list.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string));
        let corpus: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{root}/tests/corpus/index.json")).expect("corpus"))
                .expect("corpus index parses");
        urls.extend(corpus.as_array().expect("a list").iter().filter_map(|p| p["url"].as_str()).map(str::to_string));
        for file in ["demo-phishtank.txt", "demo-urlhaus-hosts.txt"] {
            let text = std::fs::read_to_string(format!("{root}/packs/default/reputation/{file}")).expect("list");
            for l in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
                urls.push(format!("http://{l}"));
                urls.push(format!("https://www.{l}"));
            }
        }
        let brands: Vec<crate::pack::Brand> =
            serde_json::from_str(include_str!("../../packs/default/brands.json")).expect("brands parse");
        for b in &brands {
            for d in b.domains.iter().take(2) {
                let (label, suffix) = d.split_once('.').unwrap_or((d, "com"));
                let chars: Vec<char> = label.chars().collect();
                let mut hosts = vec![
                    d.clone(),
                    format!("www.{d}"),
                    format!("{label}.xyz"),
                    format!("{label}-login.com"),
                    format!("secure-{label}-verify.net"),
                    format!("{label}secure.com"),
                    format!("login{label}.com"),
                    format!("{d}-account.info"),
                    format!("www.{d}.account-verify.info"),
                    format!("{label}.github.io"),
                ];
                for i in 0..chars.len() {
                    let mut v = chars.clone();
                    v.remove(i);
                    hosts.push(format!("{}.{suffix}", v.iter().collect::<String>()));
                    let mut v = chars.clone();
                    v.insert(i, chars[i]);
                    hosts.push(format!("{}.{suffix}", v.iter().collect::<String>()));
                    if i + 1 < chars.len() {
                        let mut v = chars.clone();
                        v.swap(i, i + 1);
                        hosts.push(format!("{}.{suffix}", v.iter().collect::<String>()));
                    }
                    for (from, to) in
                        [('a', 'а'), ('o', 'ο'), ('o', '0'), ('l', '1'), ('e', 'е'), ('i', 'l'), ('m', 'n')]
                    {
                        if chars[i] == from {
                            let mut v = chars.clone();
                            v[i] = to;
                            hosts.push(format!("{}.{suffix}", v.iter().collect::<String>()));
                        }
                    }
                }
                let paths = ["/", "/login", "/signin?next=%2Faccount"];
                for (k, h) in hosts.into_iter().enumerate() {
                    urls.push(format!("https://{h}{}", paths[k % paths.len()]));
                }
            }
        }
        urls.extend(
            [
                "",
                "http://",
                "data:text/html,hi",
                "https://192.168.1.10/x",
                "http://[::1]/",
                "https://co.uk/",
                "xn--.com",
            ]
            .map(str::to_string),
        );
        urls
    }

    /// The decision path decides exactly what the full verdict says: score, level, trusted,
    /// partial and each finding's signal, target and source in order; bad URLs fail alike.
    #[test]
    fn url_decision_matches_the_full_verdict() {
        let engine = Engine::from_files(&default_pack()).expect("default pack loads");
        let urls = decision_urls();
        let settings = [
            Settings::default(),
            Settings {
                thresholds: Some(Thresholds { yellow: 10, red: 30 }),
                trusted_sites: vec!["account-verify.info".into(), " XN--PYPAL-4VE.COM ".into()],
                ..Settings::default()
            },
            Settings { level: DegradationLevel::try_from(4).expect("level 4"), ..Settings::default() },
        ];
        let (mut found, mut yellow, mut red, mut reputation) = (0, 0, 0, 0);
        for (k, s) in settings.iter().enumerate() {
            for url in &urls {
                let full = engine.scan(&PageFeatures::from_url(url.as_str()), s, &FrozenClock);
                let fast = engine.check_url_decision(url, s, &FrozenClock);
                match (&full, &fast) {
                    (Ok(v), Ok(d)) => {
                        assert_eq!(decision_of(v), decision_tuple(d), "{url} (settings {k})");
                        assert_eq!(v.elapsed_us, d.elapsed_us);
                        if k == 0 {
                            found += usize::from(!v.findings.is_empty());
                            red += usize::from(v.level == Level::Red);
                            yellow += usize::from(v.level == Level::Yellow);
                            reputation += usize::from(v.findings.iter().any(|x| x.source.is_some()));
                        }
                    }
                    (Err(a), Err(b)) => assert_eq!(a, b, "{url}"),
                    _ => panic!("{url} (settings {k}): {full:?} vs {fast:?}"),
                }
            }
        }
        assert!(urls.len() > 20_000, "{} URLs", urls.len());
        assert!(
            found > 10_000 && yellow > 1_000 && red >= 10 && reputation >= 4,
            "{found} with findings, {yellow} yellow, {red} red, {reputation} listed"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Any host (ASCII, hyphens, look-alike characters, punycode prefixes) and path: the
        /// decision path agrees with the full verdict.
        #[test]
        fn url_decision_agrees_on_generated_hosts(
            host in "(www\\.|xn--|secure-)?[a-z0-9аοеі\\-]{1,24}(\\.[a-z]{2,6}){1,2}",
            path in "(/[a-z0-9]{0,8}){0,2}",
        ) {
            static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
            let engine = ENGINE.get_or_init(|| Engine::from_files(&default_pack()).expect("default pack loads"));
            let url = format!("https://{host}{path}");
            let s = Settings::default();
            let full = engine.scan(&PageFeatures::from_url(url.as_str()), &s, &FrozenClock);
            let fast = engine.check_url_decision(&url, &s, &FrozenClock);
            match (&full, &fast) {
                (Ok(v), Ok(d)) => proptest::prop_assert_eq!(decision_of(v), decision_tuple(d)),
                (Err(a), Err(b)) => proptest::prop_assert_eq!(a, b),
                _ => proptest::prop_assert!(false, "{} vs {}", full.is_ok(), fast.is_ok()),
            }
        }
    }
}
