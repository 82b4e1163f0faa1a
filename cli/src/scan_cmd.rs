//! `ferretwatch scan` and `ferretwatch features`.
//!
//! JSON output of `scan --json` (stable contract): one object per page, one per line, in input
//! order:
//! `{"url", "host", "registrable_domain", "score", "level", "findings": [{"signal", "weight",
//! "confidence", "evidence", "target"?, "source"?, "rule"?, "brand"?}], "pack_version", "partial",
//! "trusted", "elapsed_us"}`, plus `"id"` for `--corpus` entries. A page that cannot be scanned
//! gives `{"url", "error"}` (and `"id"`) instead, and the exit code becomes 1.
//!
//! Exit codes: 0 every page was scanned; 1 some pages could not be scanned; 2 usage error or a
//! pack/file that cannot be read.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use ferretwatch_core::pack::Thresholds;
use ferretwatch_core::{DegradationLevel, Engine, PageFeatures, Settings, Verdict};
use serde::Deserialize;

use crate::util::{MonotonicClock, default_pack_dir, read_pack_dir, read_text_capped};

/// HTML beyond this many bytes is not read (the verdict is marked partial).
pub const MAX_HTML_BYTES: usize = 8 * 1024 * 1024;

/// The fixed "now" used for corpus entries, so fresh-domain results are reproducible
/// (2025-11-24T16:00:00Z).
pub const CORPUS_NOW_MS: u64 = 1_764_000_000_000;

/// Where the pages come from (exactly one).
#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
pub struct PageSource {
    /// One page URL (with `--html`, the page's HTML; otherwise a URL-only check).
    #[arg(long)]
    url: Option<String>,
    /// A file of URLs, one per line (`#` comments and blank lines skipped).
    #[arg(long)]
    urls: Option<PathBuf>,
    /// A corpus index (tests/corpus/index.json): scans every entry.
    #[arg(long)]
    corpus: Option<PathBuf>,
}

/// `ferretwatch scan` arguments.
#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    source: PageSource,
    /// The page's HTML (with `--url`).
    #[arg(long, requires = "url")]
    html: Option<PathBuf>,
    /// Rule pack: a built, signed pack (verified with --trust keys before use) or, with
    /// --allow-unsigned, a source directory or unsigned pack. Without --pack the repository's
    /// packs/default sources are used unverified, as before.
    #[arg(long)]
    pack: Option<PathBuf>,
    /// Publisher key (NAME.pub) trusted to sign --pack; repeatable.
    #[arg(long = "trust", requires = "pack")]
    trust: Vec<PathBuf>,
    /// Distinct signatures --pack needs.
    #[arg(long, default_value_t = ferretwatch_core::signed::DEFAULT_THRESHOLD)]
    threshold: usize,
    /// Load --pack even if it is unsigned or does not verify.
    #[arg(long, requires = "pack")]
    allow_unsigned: bool,
    /// One JSON object per page, one per line.
    #[arg(long)]
    json: bool,
    /// Degradation level 1–4 (which signals run).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=4))]
    level: u8,
    /// Yellow threshold (default: the pack's).
    #[arg(long)]
    yellow: Option<u32>,
    /// Red threshold (default: the pack's).
    #[arg(long)]
    red: Option<u32>,
    /// A registrable domain the user trusts (repeatable).
    #[arg(long = "trust-site")]
    trust_sites: Vec<String>,
    /// The page's domain was first seen this many hours ago (with `--url`).
    #[arg(long)]
    first_seen_hours_ago: Option<f64>,
    /// Time budget per page in milliseconds (the extension's is 200 ms; past it the verdict is
    /// partial).
    #[arg(long, default_value_t = 200)]
    budget_ms: u64,
}

/// `ferretwatch features` arguments.
#[derive(clap::Args, Debug)]
pub struct FeaturesArgs {
    #[command(flatten)]
    source: PageSource,
    /// The page's HTML (with `--url`).
    #[arg(long, requires = "url")]
    html: Option<PathBuf>,
}

/// One corpus entry (tests/corpus/index.json); unknown fields are ignored here.
#[derive(Debug, Deserialize)]
pub struct CorpusEntry {
    /// Entry id.
    pub id: String,
    /// Page URL.
    pub url: String,
    /// HTML file relative to the index.
    #[serde(default)]
    pub html: Option<String>,
    /// First seen this many hours before [`CORPUS_NOW_MS`].
    #[serde(default)]
    pub first_seen_hours_ago: Option<f64>,
}

/// A page to scan: its features, whether its HTML was cut, and its corpus id.
struct Job {
    id: Option<String>,
    features: PageFeatures,
    html_cut: bool,
}

/// A page's features from its URL and optional HTML file; returns whether the HTML was cut.
pub fn page_features(
    url: &str,
    html: Option<&Path>,
    first_seen_hours_ago: Option<f64>,
) -> Result<(PageFeatures, bool)> {
    let (mut f, cut) = match html {
        Some(p) => {
            let (text, cut) = read_text_capped(p, MAX_HTML_BYTES)?;
            (crate::extract::extract_with_assets(url, &text, p.parent()), cut)
        }
        None => (PageFeatures::from_url(url), false),
    };
    if let Some(h) = first_seen_hours_ago {
        f.now_ms = Some(CORPUS_NOW_MS);
        f.first_seen_ms = Some(CORPUS_NOW_MS.saturating_sub((h.max(0.0) * 3_600_000.0) as u64));
    }
    Ok((f, cut))
}

/// Reads a corpus index.
pub fn read_corpus(index: &Path) -> Result<Vec<CorpusEntry>> {
    let text =
        std::fs::read_to_string(index).with_context(|| format!("cannot read corpus index {}", index.display()))?;
    serde_json::from_str(&text).with_context(|| format!("corpus index {} is malformed", index.display()))
}

/// Calls `each` for every page of the source, in order, without holding them all in memory.
fn for_each_job(
    src: &PageSource,
    html: Option<&Path>,
    first_seen: Option<f64>,
    mut each: impl FnMut(Job) -> Result<()>,
) -> Result<()> {
    if let Some(url) = &src.url {
        let (features, html_cut) = page_features(url, html, first_seen)?;
        return each(Job { id: None, features, html_cut });
    }
    if let Some(path) = &src.urls {
        let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        for line in std::io::BufReader::new(file).lines() {
            let line = line.with_context(|| format!("cannot read {}", path.display()))?;
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            each(Job { id: None, features: PageFeatures::from_url(t), html_cut: false })?;
        }
        return Ok(());
    }
    if let Some(index) = &src.corpus {
        let base = index.parent().unwrap_or(Path::new("."));
        for e in read_corpus(index)? {
            let html = e.html.as_ref().map(|h| base.join(h));
            let (features, html_cut) = page_features(&e.url, html.as_deref(), e.first_seen_hours_ago)?;
            each(Job { id: Some(e.id), features, html_cut })?;
        }
    }
    Ok(())
}

/// Loads the engine from a pack directory.
pub fn load_engine(pack: Option<&Path>) -> Result<Engine> {
    let dir = pack.map(Path::to_path_buf).unwrap_or_else(default_pack_dir);
    let files = read_pack_dir(&dir)?;
    Engine::from_files(&files).with_context(|| format!("cannot load the rule pack in {}", dir.display()))
}

/// Loads the engine for `scan`: the default source pack without --pack; a verified signed pack
/// with --pack; the pack as-is with --allow-unsigned when it does not verify.
fn scan_engine(a: &ScanArgs) -> Result<Engine> {
    let Some(dir) = a.pack.as_deref() else {
        return load_engine(None);
    };
    let verified = if a.trust.is_empty() {
        Err("no --trust keys given".to_string())
    } else {
        let trust = crate::pack_cmd::trust_from_args(&crate::pack_cmd::TrustArgs {
            trust: a.trust.clone(),
            threshold: a.threshold,
            ..Default::default()
        })?;
        let policy = ferretwatch_core::signed::Policy {
            now: crate::pack_cmd::now_unix(),
            ..ferretwatch_core::signed::Policy::default()
        };
        crate::pack_cmd::verify_and_load(dir, &trust, &policy, false)?.map(|(e, _)| e).map_err(|e| e.to_string())
    };
    match verified {
        Ok(engine) => Ok(engine),
        Err(why) if a.allow_unsigned => load_engine(Some(dir)).with_context(|| format!("(unverified pack: {why})")),
        Err(why) => anyhow::bail!(
            "refusing the pack in {}: {why}; give the signers' keys with --trust KEY.pub, or --allow-unsigned to load it anyway",
            dir.display()
        ),
    }
}

/// Runs `scan`.
pub fn run(a: ScanArgs) -> Result<ExitCode> {
    let mut engine = scan_engine(&a)?;
    // A batch tool: build the fast-scan automaton before the first page (same verdicts).
    engine.prepare_fast_scan();
    let mut thresholds: Thresholds = engine.config().thresholds;
    if let Some(y) = a.yellow {
        thresholds.yellow = y;
    }
    if let Some(r) = a.red {
        thresholds.red = r;
    }
    anyhow::ensure!(
        thresholds.yellow <= thresholds.red && thresholds.red <= 100,
        "thresholds must satisfy yellow <= red <= 100 (got {} / {})",
        thresholds.yellow,
        thresholds.red
    );
    let settings = Settings {
        thresholds: Some(thresholds),
        trusted_sites: a.trust_sites.clone(),
        level: DegradationLevel::try_from(a.level)?,
        limits: ferretwatch_core::budget::Limits {
            time_us: a.budget_ms.saturating_mul(1000),
            ..ferretwatch_core::budget::Limits::default()
        },
    };
    let clock = MonotonicClock::new();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failures = 0usize;
    for_each_job(&a.source, a.html.as_deref(), a.first_seen_hours_ago, |job| {
        match engine.scan(&job.features, &settings, &clock) {
            Ok(mut v) => {
                v.partial |= job.html_cut;
                if a.json {
                    write_json(&mut out, &v, job.id.as_deref())?;
                } else {
                    write_human(&mut out, &v, job.id.as_deref())?;
                }
            }
            Err(e) => {
                failures += 1;
                if a.json {
                    let mut obj = serde_json::json!({"url": job.features.url, "error": e.to_string()});
                    if let Some(id) = &job.id {
                        obj["id"] = id.as_str().into();
                    }
                    writeln!(out, "{obj}")?;
                } else {
                    writeln!(out, "ERROR  {}", e)?;
                }
            }
        }
        Ok(())
    })?;
    out.flush()?;
    Ok(if failures > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn write_json(out: &mut impl Write, v: &Verdict, id: Option<&str>) -> Result<()> {
    let mut obj = serde_json::to_value(v)?;
    if let Some(id) = id {
        obj["id"] = id.into();
    }
    writeln!(out, "{obj}")?;
    Ok(())
}

fn write_human(out: &mut impl Write, v: &Verdict, id: Option<&str>) -> Result<()> {
    let label = match v.level {
        ferretwatch_core::Level::Red => "RED   ",
        ferretwatch_core::Level::Yellow => "YELLOW",
        ferretwatch_core::Level::Green => "green ",
    };
    let id = id.map(|i| format!("[{i}] ")).unwrap_or_default();
    let partial = if v.partial { " (partial)" } else { "" };
    writeln!(out, "{label} {:>3}  {id}{}{partial}", v.score, v.url)?;
    for f in &v.findings {
        writeln!(out, "           +{:<4.1} {:<28} {}", f.weight * f.confidence, f.signal, f.evidence)?;
    }
    Ok(())
}

/// Runs `features`: prints the features JSON of each page (one per line).
pub fn features(a: FeaturesArgs) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for_each_job(&a.source, a.html.as_deref(), None, |job| {
        let mut obj = serde_json::to_value(&job.features)?;
        if let Some(id) = &job.id {
            obj = serde_json::json!({"id": id, "features": obj});
        }
        writeln!(out, "{obj}")?;
        Ok(())
    })?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
