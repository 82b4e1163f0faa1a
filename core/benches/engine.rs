//! Native benchmarks of the engine with the big pack (issue 2, "Speed and memory"): pack load
//! (and each of its steps), URL-only checks, corpus page scans, and a 1 MiB page scan next to a
//! bare aho-corasick pass over the same atoms.
//!
//! Inputs come from `benches/gen_pack.py` (`scripts/bench` builds and runs everything):
//! `target/bench-pack/` (the pack), `target/bench-src/` (URL sample, 1 MiB page, atoms, corpus
//! features). Run: `scripts/bench --native-only`, or after generating the inputs
//! `cargo bench -p ferretwatch-core --bench engine`.
//!
//! Before criterion's own measurements, a summary (per-URL median, corpus p50/p95, 1 MiB ratio)
//! is printed and written to `target/bench-results/native.json`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, MatchKind};
use criterion::{Criterion, Throughput};
use ferretwatch_core::budget::{Budget, Clock, Limits};
use ferretwatch_core::domain::{HostInfo, SuffixList, UrlParts, parse_url};
use ferretwatch_core::lookalike::BrandIndex;
use ferretwatch_core::pack::{PackFiles, PackSource};
use ferretwatch_core::reputation::Reputation;
use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::{KeySet, SecretKey};
use ferretwatch_core::signed::manifest::{Manifest, Policy, Trust, verify_pack};
use ferretwatch_core::signed::store::load_engine;
use ferretwatch_core::{Engine, PageFeatures, Settings, yara};

/// The engine's clock in the CLI: µs since the clock was made.
struct MonotonicClock(Instant);

impl Clock for MonotonicClock {
    fn now_us(&self) -> u64 {
        self.0.elapsed().as_micros() as u64
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const HOW_TO: &str = "generate the benchmark inputs first: scripts/bench --native-only \
     (or: cargo build --release -p ferretwatch-cli && python3 benches/gen_pack.py)";

/// Every input of the bench, read once.
struct Inputs {
    pack: PackFiles,
    urls: Vec<(String, String)>,
    corpus: Vec<(String, PageFeatures)>,
    page_full: PageFeatures,
    page_html: PageFeatures,
    /// The 1 MiB page whose text shares no words with the rules (html only).
    disjoint_html: PageFeatures,
    atoms: Vec<String>,
}

#[path = "support/pack_dir.rs"]
mod pack_dir;
use pack_dir::{read, read_pack};

fn load_inputs() -> Result<Inputs, String> {
    let root = root();
    let src = root.join("target").join("bench-src");
    let pack = read_pack(&root.join("target").join("bench-pack"))?;
    let urls: Vec<serde_json::Value> =
        serde_json::from_slice(&read(&src.join("urls.json"))?).map_err(|e| format!("urls.json: {e}"))?;
    let urls = urls
        .iter()
        .map(|u| {
            (u["url"].as_str().unwrap_or_default().to_string(), u["kind"].as_str().unwrap_or_default().to_string())
        })
        .collect();
    let mut corpus = Vec::new();
    let corpus_file = src.join("corpus-features.jsonl");
    for line in String::from_utf8_lossy(&read(&corpus_file)?).lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("{}: {e}", corpus_file.display()))?;
        let f: PageFeatures =
            serde_json::from_value(v["features"].clone()).map_err(|e| format!("{}: {e}", corpus_file.display()))?;
        corpus.push((v["id"].as_str().unwrap_or_default().to_string(), f));
    }
    if corpus.is_empty() {
        return Err(format!("{} holds no pages", corpus_file.display()));
    }
    let page_full = PageFeatures::from_json(&read(&src.join("page-1mib.features.json"))?)
        .map_err(|e| format!("page-1mib.features.json: {e}"))?;
    let page_html =
        PageFeatures { url: page_full.url.clone(), html: page_full.html.clone(), ..PageFeatures::default() };
    let disjoint = PageFeatures::from_json(&read(&src.join("page-1mib-disjoint.features.json"))?)
        .map_err(|e| format!("page-1mib-disjoint.features.json: {e}"))?;
    let disjoint_html = PageFeatures { url: disjoint.url, html: disjoint.html, ..PageFeatures::default() };
    let atoms: Vec<String> =
        serde_json::from_slice(&read(&src.join("atoms.json"))?).map_err(|e| format!("atoms.json: {e}"))?;
    Ok(Inputs { pack, urls, corpus, page_full, page_html, disjoint_html, atoms })
}

/// The extra literals of the engine's automaton, as `Engine::from_source` makes them.
fn extra_literals(src: &PackSource) -> Vec<String> {
    let mut literals: Vec<String> = src.config.urgency_keywords.iter().map(|k| k.to_lowercase()).collect();
    literals.extend(src.brands.iter().map(|b| b.name.to_lowercase()).filter(|n| n.chars().count() >= 4));
    literals
}

/// The pack signed by two publishers (fixed seeds), and the trust that accepts it.
fn signed_pack(files: &PackFiles) -> (PackFiles, Trust) {
    let version = PackSource::from_files(files).expect("pack").config.version;
    let (a, b) = (SecretKey::from_seed([1; 32]), SecretKey::from_seed([2; 32]));
    let body = Manifest::for_files(&version, 1_000, 4_000_000_000, "0.1.0", files);
    let mut env = Envelope::unsigned(&body.to_json());
    env.sign(Domain::Manifest, &a);
    env.sign(Domain::Manifest, &b);
    let mut out = files.clone();
    out.insert("manifest.json".into(), env.to_json());
    (out, Trust::Direct(KeySet::direct(&[a.public(), b.public()], 2)))
}

/// What a client does with an update: verify, then compile.
fn verify_and_load(files: &PackFiles, trust: &Trust) -> Engine {
    let policy = Policy { now: 2_000, ..Policy::default() };
    load_engine(&verify_pack(files, trust, &policy).expect("verify")).expect("load")
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[i.clamp(1, v.len()) - 1]
}

fn time_ms(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1000.0
}

fn bare_ac(atoms: &[String]) -> AhoCorasick {
    AhoCorasick::builder().ascii_case_insensitive(true).match_kind(MatchKind::Standard).build(atoms).expect("automaton")
}

/// The numbers the docs quote, measured outside criterion (medians of a few runs).
fn summary(inp: &Inputs, engine: &Engine) {
    let clock = MonotonicClock(Instant::now());
    let settings = Settings::default();
    let scan = |f: &PageFeatures| engine.scan(f, &settings, &clock).expect("scan");

    let mut loads: Vec<f64> = (0..3).map(|_| time_ms(|| drop(black_box(Engine::from_files(&inp.pack))))).collect();
    let load_ms = median(&mut loads);
    let (signed, trust) = signed_pack(&inp.pack);
    let mut vloads: Vec<f64> = (0..3).map(|_| time_ms(|| drop(black_box(verify_and_load(&signed, &trust))))).collect();
    let verify_load_ms = median(&mut vloads);

    let reps = 64;
    let mut per_url: Vec<f64> = inp
        .urls
        .iter()
        .map(|(u, _)| {
            let f = PageFeatures::from_url(u.as_str());
            let t = Instant::now();
            for _ in 0..reps {
                black_box(engine.scan(&f, &settings, &clock).ok());
            }
            t.elapsed().as_secs_f64() * 1e6 / f64::from(reps)
        })
        .collect();
    let url_median_us = median(&mut per_url);

    for (_, f) in &inp.corpus {
        black_box(scan(f));
    }
    let mut pages: Vec<f64> = inp
        .corpus
        .iter()
        .map(|(_, f)| {
            let mut t: Vec<f64> = (0..5).map(|_| time_ms(|| drop(black_box(scan(f))))).collect();
            median(&mut t)
        })
        .collect();
    let p50 = percentile(&mut pages, 50.0);
    let p95 = percentile(&mut pages, 95.0);
    let max = percentile(&mut pages, 100.0);

    let ac = bare_ac(&inp.atoms);
    let data = inp.page_html.html.as_bytes();
    let mut bare: Vec<f64> = (0..7)
        .map(|_| {
            time_ms(|| {
                black_box(ac.find_overlapping_iter(data).count());
            })
        })
        .collect();
    let mut html_only: Vec<f64> = (0..7).map(|_| time_ms(|| drop(black_box(scan(&inp.page_html))))).collect();
    let mut full: Vec<f64> = (0..7).map(|_| time_ms(|| drop(black_box(scan(&inp.page_full))))).collect();
    let (bare, html_only, full) = (median(&mut bare), median(&mut html_only), median(&mut full));
    let (html_partial, full_partial) = (scan(&inp.page_html).partial, scan(&inp.page_full).partial);
    let other = inp.disjoint_html.html.as_bytes();
    let mut bare_disjoint: Vec<f64> = (0..7)
        .map(|_| {
            time_ms(|| {
                black_box(ac.find_overlapping_iter(other).count());
            })
        })
        .collect();
    let mut html_disjoint: Vec<f64> = (0..7).map(|_| time_ms(|| drop(black_box(scan(&inp.disjoint_html))))).collect();
    let (bare_disjoint, html_disjoint) = (median(&mut bare_disjoint), median(&mut html_disjoint));
    let page_bytes = inp.page_full.text.len() + inp.page_full.html.len() + inp.page_full.inline_script.len();

    println!("native summary (medians)");
    println!("  engine verify+load, big pack        {verify_load_ms:9.2} ms");
    println!("  engine load only, big pack          {load_ms:9.2} ms");
    println!("  URL-only check, median per URL      {url_median_us:9.2} µs  ({} URLs)", inp.urls.len());
    println!("  corpus page scan p50 / p95 / max    {p50:9.3} / {p95:.3} / {max:.3} ms  ({} pages)", inp.corpus.len());
    println!(
        "  1 MiB page, html only               {html_only:9.2} ms  ({:.2}x the bare pass; partial: {html_partial})",
        html_only / bare
    );
    println!(
        "  1 MiB page, all features            {full:9.2} ms  ({page_bytes} bytes scanned; partial: {full_partial})"
    );
    println!("  bare aho-corasick, 1 MiB            {bare:9.2} ms  ({} atoms)", inp.atoms.len());
    println!(
        "  1 MiB page sharing no rule words    {html_disjoint:9.2} ms  ({:.2}x the bare pass of {bare_disjoint:.2} ms)",
        html_disjoint / bare_disjoint
    );

    let out = serde_json::json!({
        "engine_verify_load_ms": verify_load_ms,
        "engine_load_ms": load_ms,
        "url_check_median_us": url_median_us,
        "corpus_pages": inp.corpus.len(),
        "corpus_scan_p50_ms": p50,
        "corpus_scan_p95_ms": p95,
        "corpus_scan_max_ms": max,
        "page_1mib_html_only_ms": html_only,
        "page_1mib_full_ms": full,
        "page_1mib_full_bytes": page_bytes,
        "page_1mib_html_only_partial": html_partial,
        "page_1mib_full_partial": full_partial,
        "bare_ac_1mib_ms": bare,
        "ratio_html_only_vs_bare": html_only / bare,
        "disjoint_page_html_only_ms": html_disjoint,
        "disjoint_bare_ac_ms": bare_disjoint,
        "disjoint_ratio": html_disjoint / bare_disjoint,
        "atoms": inp.atoms.len(),
    });
    let dir = root().join("target").join("bench-results");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("native.json"), format!("{out:#}\n"));
    }
}

fn benches(c: &mut Criterion, inp: &Inputs, engine: &Engine) {
    let clock = MonotonicClock(Instant::now());
    let settings = Settings::default();

    let mut g = c.benchmark_group("load");
    g.sample_size(10).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    g.bench_function("engine_big_pack", |b| b.iter(|| Engine::from_files(black_box(&inp.pack)).expect("load")));
    let (signed, trust) = signed_pack(&inp.pack);
    g.bench_function("verify_and_load", |b| b.iter(|| verify_and_load(black_box(&signed), &trust)));
    let src = PackSource::from_files(&inp.pack).expect("pack");
    g.bench_function("step_parse", |b| b.iter(|| PackSource::from_files(black_box(&inp.pack)).expect("pack")));
    g.bench_function("step_psl", |b| b.iter(SuffixList::embedded));
    g.bench_function("step_brands", |b| b.iter(|| BrandIndex::new(black_box(&src.brands))));
    let literals = extra_literals(&src);
    let sources: Vec<(&str, &str)> = src.yara.iter().map(|(f, t)| (f.as_str(), t.as_str())).collect();
    g.bench_function("step_yara", |b| b.iter(|| yara::compile(black_box(&sources), &literals).expect("rules")));
    g.bench_function("step_reputation", |b| b.iter(|| Reputation::new(black_box(&src.reputation))));
    // The share of the automaton in `step_yara`, and what ASCII case-insensitivity costs.
    g.bench_function("bare_ac_build", |b| b.iter(|| bare_ac(black_box(&inp.atoms))));
    let lowered: Vec<String> = inp.atoms.iter().map(|a| a.to_ascii_lowercase()).collect();
    g.bench_function("bare_ac_build_case_sensitive", |b| {
        b.iter(|| AhoCorasick::builder().match_kind(MatchKind::Standard).build(black_box(&lowered)).expect("automaton"))
    });
    g.finish();

    let mut g = c.benchmark_group("url_check");
    g.sample_size(30).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    for kind in ["mixed", "benign", "lookalike", "random", "reputation"] {
        let feats: Vec<PageFeatures> = inp
            .urls
            .iter()
            .filter(|(_, k)| kind == "mixed" || k == kind)
            .map(|(u, _)| PageFeatures::from_url(u.as_str()))
            .collect();
        let mut i = 0;
        g.bench_function(kind, |b| {
            b.iter(|| {
                i = (i + 1) % feats.len();
                engine.scan(&feats[i], &settings, &clock).ok()
            })
        });
    }
    g.finish();

    // Where a URL-only check spends its time, step by step (same mixed sample, cycled).
    let mut g = c.benchmark_group("url_steps");
    g.sample_size(20).measurement_time(Duration::from_secs(1)).warm_up_time(Duration::from_millis(300));
    let urls: Vec<&str> = inp.urls.iter().map(|(u, _)| u.as_str()).collect();
    let parsed: Vec<url::Url> = urls.iter().filter_map(|u| parse_url(u).ok()).collect();
    let psl = engine.suffix_list();
    let hosts: Vec<HostInfo> = parsed.iter().map(|u| HostInfo::new(psl, u.host_str().unwrap_or_default())).collect();
    let src = PackSource::from_files(&inp.pack).expect("pack");
    let reputation = Reputation::new(&src.reputation);
    let mut i = 0;
    g.bench_function("parse_url", |b| {
        b.iter(|| {
            i = (i + 1) % urls.len();
            parse_url(urls[i]).ok()
        })
    });
    g.bench_function("host_info", |b| {
        b.iter(|| {
            i = (i + 1) % parsed.len();
            HostInfo::new(psl, parsed[i].host_str().unwrap_or_default())
        })
    });
    g.bench_function("lookalike_check_host", |b| {
        b.iter(|| {
            i = (i + 1) % hosts.len();
            engine.brands().check_host(&hosts[i])
        })
    });
    g.bench_function("reputation_check", |b| {
        b.iter(|| {
            i = (i + 1) % hosts.len();
            reputation.check(&hosts[i], &UrlParts::of(&parsed[i]))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("corpus");
    g.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
    g.throughput(Throughput::Elements(inp.corpus.len() as u64));
    g.bench_function("all_pages", |b| {
        b.iter(|| {
            for (_, f) in &inp.corpus {
                black_box(engine.scan(f, &settings, &clock).expect("scan"));
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("page_1mib");
    g.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
    g.throughput(Throughput::Bytes(inp.page_html.html.len() as u64));
    g.bench_function("engine_html_only", |b| b.iter(|| engine.scan(&inp.page_html, &settings, &clock).expect("scan")));
    g.bench_function("engine_all_features", |b| {
        b.iter(|| engine.scan(&inp.page_full, &settings, &clock).expect("scan"))
    });
    let ac = bare_ac(&inp.atoms);
    let data = inp.page_html.html.as_bytes();
    g.bench_function("bare_aho_corasick", |b| b.iter(|| ac.find_overlapping_iter(black_box(data)).count()));
    // Where the time goes: the engine's own automaton alone, then the YARA scan (all rules, the
    // generated ones, the default pack's), without the other signals.
    let src = PackSource::from_files(&inp.pack).expect("pack");
    let literals = extra_literals(&src);
    let compile = |keep: &dyn Fn(&str) -> bool| {
        let sources: Vec<(&str, &str)> =
            src.yara.iter().filter(|(f, _)| keep(f)).map(|(f, t)| (f.as_str(), t.as_str())).collect();
        yara::compile(&sources, &literals).expect("rules")
    };
    let all = compile(&|_| true);
    g.bench_function("engine_automaton_only", |b| b.iter(|| all.bare_automaton_pass(black_box(data))));
    let other = inp.disjoint_html.html.as_bytes();
    g.bench_function("disjoint_engine_html_only", |b| {
        b.iter(|| engine.scan(&inp.disjoint_html, &settings, &clock).expect("scan"))
    });
    g.bench_function("disjoint_bare_aho_corasick", |b| b.iter(|| ac.find_overlapping_iter(black_box(other)).count()));
    let generated = compile(&|f| f.ends_with("bench_generated.yar"));
    let default = compile(&|f| !f.ends_with("bench_generated.yar"));
    for (name, rules) in
        [("yara_all_rules", &all), ("yara_generated_rules", &generated), ("yara_default_rules", &default)]
    {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut budget = Budget::start(&clock, Limits::default());
                rules.scan(black_box(data), &mut budget)
            })
        });
    }
    g.finish();
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not (a quick smoke run).
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let inp = match load_inputs() {
        Ok(i) => i,
        Err(e) if !bench_mode => {
            eprintln!("core/benches/engine.rs: not run ({e}); {HOW_TO}");
            return;
        }
        Err(e) => panic!("{e}\n{HOW_TO}"),
    };
    let engine = Engine::from_files(&inp.pack).unwrap_or_else(|e| panic!("cannot load target/bench-pack: {e}"));
    if bench_mode {
        summary(&inp, &engine);
    }
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, &inp, &engine);
    c.final_summary();
}
