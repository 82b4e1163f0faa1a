//! The labelled corpus (tests/corpus/, see its README): every page gets its expected level and at
//! least the signals its entry lists, and popular legitimate sites are never red (the
//! false-positive gate). A second test keeps the corpus itself honest (size, balance, signal
//! coverage, files).
//!
//! Run: `cargo test -p ferretwatch-cli --test corpus`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Largest page the corpus may hold.
const MAX_PAGE_BYTES: u64 = 300 * 1024;

/// Signals no corpus page has to exercise (none: `brand_asset_mismatch` is covered by pages
/// showing stand-in logos, see tests/corpus/make_logos.mjs).
const NOT_COVERED: &[&str] = &[];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("cli/ has a parent").to_path_buf()
}

fn index_path() -> PathBuf {
    repo().join("tests/corpus/index.json")
}

/// One corpus entry, read from index.json.
struct Entry {
    id: String,
    url: String,
    html: String,
    expected: String,
    signals: Vec<String>,
    popular: bool,
}

impl Entry {
    fn is_phishing(&self) -> bool {
        !self.popular && matches!(self.expected.as_str(), "red" | "yellow")
    }
}

fn entries() -> Vec<Entry> {
    let path = index_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    let list = v.as_array().expect("index.json is a JSON array");
    list.iter()
        .enumerate()
        .map(|(i, e)| {
            let s = |k: &str| {
                e.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("entry #{i} has no string `{k}`: {e}"))
                    .to_string()
            };
            let signals = e
                .get("signals")
                .and_then(Value::as_array)
                .unwrap_or_else(|| panic!("entry #{i} has no `signals` array"))
                .iter()
                .map(|x| x.as_str().expect("signal ids are strings").to_string())
                .collect();
            if let Some(h) = e.get("first_seen_hours_ago") {
                assert!(
                    h.as_f64().is_some_and(|h| h >= 0.0),
                    "entry #{i}: first_seen_hours_ago must be a non-negative number"
                );
            }
            Entry {
                id: s("id"),
                url: s("url"),
                html: s("html"),
                expected: s("expected"),
                signals,
                popular: e.get("popular").and_then(Value::as_bool).unwrap_or(false),
            }
        })
        .collect()
}

fn pack_signals() -> BTreeSet<String> {
    let path = repo().join("packs/default/pack.json");
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("pack.json")).expect("pack.json is JSON");
    v["weights"].as_object().expect("pack.json has weights").keys().cloned().collect()
}

#[test]
fn corpus_is_large_balanced_and_covers_every_signal() {
    let entries = entries();
    let known = pack_signals();
    let dir = index_path().parent().unwrap().to_path_buf();
    let mut problems = Vec::new();

    let mut ids = BTreeSet::new();
    let mut covered = BTreeSet::new();
    for e in &entries {
        if !ids.insert(e.id.as_str()) {
            problems.push(format!("{}: duplicate id", e.id));
        }
        if !matches!(e.expected.as_str(), "green" | "yellow" | "red") {
            problems.push(format!("{}: expected `{}` is not green/yellow/red", e.id, e.expected));
        }
        if e.popular && e.expected != "green" {
            problems.push(format!("{}: popular sites must be expected green, not {}", e.id, e.expected));
        }
        if !(e.url.starts_with("https://") || e.url.starts_with("http://")) {
            problems.push(format!("{}: url `{}` is not http(s)", e.id, e.url));
        }
        for s in &e.signals {
            if !known.contains(s) {
                problems.push(format!("{}: signal `{s}` is not weighted in packs/default/pack.json", e.id));
            }
            covered.insert(s.clone());
        }
        let page = dir.join(&e.html);
        match std::fs::metadata(&page) {
            Ok(m) if m.len() >= MAX_PAGE_BYTES => {
                problems.push(format!("{}: {} is {} bytes (limit {MAX_PAGE_BYTES})", e.id, e.html, m.len()))
            }
            Ok(m) if m.len() == 0 => problems.push(format!("{}: {} is empty", e.id, e.html)),
            Ok(_) => {}
            Err(err) => problems.push(format!("{}: cannot read {}: {err}", e.id, e.html)),
        }
    }
    for s in &known {
        if !covered.contains(s) && !NOT_COVERED.contains(&s.as_str()) {
            problems.push(format!("signal `{s}` is listed by no corpus entry"));
        }
    }
    let phishing = entries.iter().filter(|e| e.is_phishing()).count();
    let benign = entries.len() - phishing;
    let popular = entries.iter().filter(|e| e.popular).count();
    if entries.len() < 80 {
        problems.push(format!("{} entries, want at least 80", entries.len()));
    }
    if phishing < 40 {
        problems.push(format!("{phishing} phishing entries, want at least 40"));
    }
    if benign < 40 {
        problems.push(format!("{benign} benign entries, want at least 40"));
    }
    if popular < 20 {
        problems.push(format!("{popular} popular entries, want at least 20"));
    }
    assert!(problems.is_empty(), "corpus hygiene problems:\n  {}", problems.join("\n  "));
}

/// What `ferretwatch scan --json` said about one page.
struct Got {
    level: String,
    score: u64,
    signals: BTreeSet<String>,
    /// Brand domains named by the page's `brand_asset_mismatch` findings.
    logo_targets: BTreeSet<String>,
    error: Option<String>,
}

fn scan_corpus() -> BTreeMap<String, Got> {
    let out = Command::new(env!("CARGO_BIN_EXE_ferretwatch"))
        .arg("scan")
        .arg("--corpus")
        .arg(index_path())
        .arg("--json")
        // Labels are about detection, not speed: a generous budget keeps a loaded test machine
        // (debug build) from turning verdicts partial. Budgets are tested in core/tests/engine.rs.
        .args(["--budget-ms", "60000"])
        .output()
        .expect("run ferretwatch");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stdout.trim().is_empty(),
        "`ferretwatch scan --corpus` printed nothing (exit {:?}); stderr:\n{stderr}",
        out.status.code()
    );
    let mut got = BTreeMap::new();
    let mut order = Vec::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("scan printed a line that is not JSON ({e}): {line}"));
        let id = v["id"].as_str().unwrap_or_else(|| panic!("corpus output line without `id`: {line}")).to_string();
        let signals = v["findings"]
            .as_array()
            .map(|f| f.iter().filter_map(|x| x["signal"].as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let logo_targets = v["findings"]
            .as_array()
            .map(|f| {
                f.iter()
                    .filter(|x| x["signal"] == "brand_asset_mismatch")
                    .filter_map(|x| x["target"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        order.push(id.clone());
        got.insert(
            id,
            Got {
                level: v["level"].as_str().unwrap_or("?").to_string(),
                score: v["score"].as_u64().unwrap_or(0),
                signals,
                logo_targets,
                error: v["error"].as_str().map(str::to_string),
            },
        );
    }
    let want: Vec<String> = entries().into_iter().map(|e| e.id).collect();
    assert_eq!(order, want, "scan --corpus must print one line per entry, in index order");
    got
}

#[test]
fn every_page_gets_its_expected_level_and_signals() {
    let entries = entries();
    let got = scan_corpus();
    let mut rows = Vec::new();
    let mut popular_red = Vec::new();
    for e in &entries {
        let g = &got[&e.id];
        let missing: Vec<&str> = e.signals.iter().filter(|s| !g.signals.contains(*s)).map(String::as_str).collect();
        if e.popular && g.level == "red" {
            popular_red.push(e.id.as_str());
        }
        if g.error.is_some() || g.level != e.expected || !missing.is_empty() {
            let problem = match &g.error {
                Some(err) => format!("error: {err}"),
                None if missing.is_empty() => String::new(),
                None => format!("missing {}", missing.join(",")),
            };
            let seen: Vec<&str> = g.signals.iter().map(String::as_str).collect();
            rows.push(format!(
                "{:<32} {:<8} {:<8} {:>5}  {:<40} got: {}",
                e.id,
                e.expected,
                g.level,
                g.score,
                problem,
                seen.join(",")
            ));
        }
    }
    if !rows.is_empty() || !popular_red.is_empty() {
        let mut msg = format!(
            "{} of {} corpus entries disagree\n{:<32} {:<8} {:<8} {:>5}  {:<40} signals\n",
            rows.len(),
            entries.len(),
            "id",
            "expected",
            "got",
            "score",
            "problem"
        );
        for r in &rows {
            msg.push_str(r);
            msg.push('\n');
        }
        if !popular_red.is_empty() {
            msg.push_str(&format!("FALSE-POSITIVE GATE: popular sites flagged red: {}\n", popular_red.join(", ")));
        }
        panic!("{msg}");
    }
}

/// Every stand-in logo of the corpus (tests/corpus/logos/<slug>.png, drawn by
/// tests/corpus/make_logos.mjs) has its hash among its brand's logo hashes in the default pack and
/// is recognised on at least one phishing page, so brands.json and the pages' embedded images
/// cannot drift apart. (The real-mark hashes that scripts/brand-logo-hashes.mjs puts beside them
/// are not in the corpus, which holds no real logo: tests/node/brand_logo_hashes.test.mjs checks
/// them, and that a page showing a real mark gets the signal.)
#[test]
fn every_standin_logo_is_exercised() {
    use ferretwatch_core::phash;
    let path = repo().join("packs/default/brands.json");
    let brands: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("brands.json")).expect("brands.json is JSON");
    let brands = brands.as_array().expect("brands.json is an array");
    let logos = repo().join("tests/corpus/logos");
    let mut standins = Vec::new();
    for e in std::fs::read_dir(&logos).expect("tests/corpus/logos") {
        let p = e.expect("dir entry").path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if !name.ends_with(".png") || name.ends_with("-32.png") {
            continue;
        }
        let img = image::load_from_memory(&std::fs::read(&p).expect("logo png")).expect("logo decodes").to_rgba8();
        let gray = phash::gray32_from_rgba(img.as_raw(), img.width(), img.height()).expect("logo shape");
        let hash = phash::to_hex(phash::phash_32x32(&gray));
        let owner = brands
            .iter()
            .find(|b| b["phashes"].as_array().is_some_and(|h| h.iter().any(|x| x.as_str() == Some(hash.as_str()))))
            .unwrap_or_else(|| {
                panic!("stand-in {name} (hash {hash}) is in no brand's phashes: run scripts/brand-logo-hashes.mjs")
            });
        standins.push((name, owner["domains"][0].as_str().expect("brand has a main domain").to_string()));
    }
    assert!(standins.len() >= 3, "expected the stand-in logos of PayPal, Microsoft and DHL, found {standins:?}");
    let entries = entries();
    let got = scan_corpus();
    let recognised: BTreeSet<&str> = entries
        .iter()
        .filter(|e| e.is_phishing())
        .flat_map(|e| got[&e.id].logo_targets.iter().map(String::as_str))
        .collect();
    let missing: Vec<&(String, String)> = standins.iter().filter(|(_, d)| !recognised.contains(d.as_str())).collect();
    assert!(missing.is_empty(), "stand-in logos that no phishing page shows: {missing:?}");
}

/// The demo pages (demo/index.json, scanned by scripts/demo) are copies of corpus pages with the
/// same URL and label, so the corpus test vouches for what the demo shows.
#[test]
fn demo_pages_are_corpus_pages() {
    let demo = repo().join("demo/index.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&demo).expect("demo/index.json"))
        .expect("demo/index.json is JSON");
    let corpus: BTreeMap<String, Entry> = entries().into_iter().map(|e| (e.id.clone(), e)).collect();
    let corpus_dir = index_path().parent().unwrap().to_path_buf();
    let demo_dir = demo.parent().unwrap().to_path_buf();
    let list = v.as_array().expect("demo/index.json is an array");
    assert!((5..=8).contains(&list.len()), "the demo has {} pages, want 5 to 8", list.len());
    for d in list {
        let id = d["id"].as_str().expect("demo entry id");
        let c = corpus.get(id).unwrap_or_else(|| panic!("demo page `{id}` is not in the corpus"));
        assert_eq!(d["url"].as_str(), Some(c.url.as_str()), "{id}: url differs");
        assert_eq!(d["expected"].as_str(), Some(c.expected.as_str()), "{id}: label differs");
        let html = d["html"].as_str().expect("demo entry html");
        let demo_page = std::fs::read(demo_dir.join(html)).expect("demo page");
        let corpus_page = std::fs::read(corpus_dir.join(&c.html)).expect("corpus page");
        assert!(demo_page == corpus_page, "{id}: demo/{html} differs from tests/corpus/{}", c.html);
    }
    let benign = list.iter().filter(|d| d["expected"].as_str() == Some("green")).count();
    assert!(benign >= 2, "the demo shows {benign} benign pages, want at least 2");
}
