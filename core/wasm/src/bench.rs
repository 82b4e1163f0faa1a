//! Extra JS entry points for the node bench (`benches/wasm_bench.mjs`), compiled only with the
//! `bench-api` feature and never shipped in the extension:
//!
//! - [`BareAc`]: a bare aho-corasick automaton (same settings as the engine's: ASCII
//!   case-insensitive, standard semantics, overlapping matches) to compare the engine's content
//!   scan with, in the same wasm build;
//! - `loadBreakdown(files)`: the time of each step of loading a pack;
//! - `signPack(files)` / `verifyAndLoad(files)`: a pack signed by two publishers, then verified
//!   (`signed::verify_pack`) and loaded (`signed::store::load_engine`) as a client does;
//! - `Engine.benchCheckUrlEach` / `Engine.benchScanRaw`: the engine's own time, without the JS ⇄
//!   Rust conversion of features and verdicts;
//! - `heapStats()`: live and peak heap bytes, from a counting global allocator (this build only),
//!   to attribute the linear memory to the structures that hold it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::{AhoCorasick, MatchKind};
use ferretwatch_core::budget::{Budget, Limits};
use ferretwatch_core::domain::SuffixList;
use ferretwatch_core::lookalike::BrandIndex;
use ferretwatch_core::pack::{PackFiles, PackSource};
use ferretwatch_core::reputation::Reputation;
use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::{KeySet, SecretKey};
use ferretwatch_core::signed::manifest::{Manifest, Policy, Trust, verify_pack};
use ferretwatch_core::signed::store::load_engine;
use ferretwatch_core::{PageFeatures, yara};
use wasm_bindgen::prelude::*;

use crate::{Engine, PerformanceClock, performance_now, to_js};

/// The system allocator, counting live and peak bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let live = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// `[live, peak]` heap bytes; `resetPeak` sets the peak to the live bytes.
#[wasm_bindgen(js_name = heapStats)]
pub fn heap_stats(reset_peak: bool) -> Vec<f64> {
    let live = LIVE.load(Ordering::Relaxed);
    let peak = PEAK.load(Ordering::Relaxed);
    if reset_peak {
        PEAK.store(live, Ordering::Relaxed);
    }
    vec![live as f64, peak as f64]
}

/// A bare aho-corasick automaton over given patterns.
#[wasm_bindgen]
pub struct BareAc {
    ac: AhoCorasick,
}

#[wasm_bindgen]
impl BareAc {
    /// Builds the automaton (standard match semantics, as the engine; ASCII case-insensitive
    /// unless `case_sensitive`, which shows what the case-insensitive build costs).
    #[wasm_bindgen(constructor)]
    pub fn new(patterns: Vec<String>, case_sensitive: Option<bool>) -> Result<BareAc, JsError> {
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(!case_sensitive.unwrap_or(false))
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(BareAc { ac })
    }

    /// Number of patterns.
    #[wasm_bindgen(js_name = patternCount)]
    pub fn pattern_count(&self) -> u32 {
        self.ac.patterns_len() as u32
    }

    /// Heap bytes held by the automaton.
    #[wasm_bindgen(js_name = memoryUsage)]
    pub fn memory_usage(&self) -> u32 {
        self.ac.memory_usage() as u32
    }

    /// One pass over `data`, reporting every overlapping match (as the engine's pass does);
    /// returns the number of matches.
    pub fn count(&self, data: &[u8]) -> u32 {
        self.ac.find_overlapping_iter(data).count() as u32
    }
}

/// A pack's YARA rules compiled as the engine compiles them (same sources, same extra
/// literals), to time the engine's own automaton alone and the YARA scan alone.
#[wasm_bindgen]
pub struct YaraRules {
    rules: yara::Rules,
}

#[wasm_bindgen]
impl YaraRules {
    /// Compiles the rules of a pack: all of them, or only the sources whose file name contains
    /// `only` (or, when `only` starts with `!`, does not contain the rest).
    #[wasm_bindgen(constructor)]
    pub fn new(files: &js_sys::Object, only: Option<String>) -> Result<YaraRules, JsError> {
        let src = PackSource::from_files(&pack_files(files)?).map_err(|e| JsError::new(&e.to_string()))?;
        let only = only.unwrap_or_default();
        let keep = |f: &str| match only.strip_prefix('!') {
            Some(not) => !f.contains(not),
            None => f.contains(only.as_str()),
        };
        let sources: Vec<(&str, &str)> =
            src.yara.iter().filter(|(f, _)| keep(f)).map(|(f, t)| (f.as_str(), t.as_str())).collect();
        let rules = yara::compile(&sources, &extra_literals(&src)).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(YaraRules { rules })
    }

    /// Patterns in the automaton.
    #[wasm_bindgen(js_name = patternCount)]
    pub fn pattern_count(&self) -> u32 {
        self.rules.automaton_patterns() as u32
    }

    /// The automaton's overlapping pass alone (no confirmation): the number of hits.
    #[wasm_bindgen(js_name = barePass)]
    pub fn bare_pass(&self, data: &[u8]) -> u32 {
        self.rules.bare_automaton_pass(data) as u32
    }

    /// The whole YARA scan of `data` (default budget); returns the number of matching rules.
    pub fn scan(&self, data: &[u8]) -> u32 {
        let mut budget = Budget::start(&PerformanceClock, Limits::default());
        self.rules.scan(data, &mut budget).matches.len() as u32
    }
}

/// The extra literals of the engine's automaton, as `Engine::from_source` makes them.
fn extra_literals(src: &PackSource) -> Vec<String> {
    let mut literals: Vec<String> = src.config.urgency_keywords.iter().map(|k| k.to_lowercase()).collect();
    literals.extend(src.brands.iter().map(|b| b.name.to_lowercase()).filter(|n| n.chars().count() >= 4));
    literals
}

fn pack_files(files: &js_sys::Object) -> Result<PackFiles, JsError> {
    let mut map = PackFiles::new();
    for entry in js_sys::Object::entries(files).iter() {
        let pair = js_sys::Array::from(&entry);
        let name = pair.get(0).as_string().ok_or_else(|| JsError::new("pack file names must be strings"))?;
        map.insert(name, js_sys::Uint8Array::from(pair.get(1)).to_vec());
    }
    Ok(map)
}

/// Milliseconds per load step, live heap bytes each step leaves, and what was loaded.
#[derive(serde::Serialize)]
struct LoadBreakdown {
    heap: StepBytes,
    /// Linear memory (bytes) after each step: where it grows (it never shrinks).
    memory: StepBytes,
    peak_bytes: usize,
    copy: f64,
    parse: f64,
    psl: f64,
    brands: f64,
    yara: f64,
    reputation: f64,
    total: f64,
    /// `prepareFastScan` after the load (the YARA automaton's DFA; not in `total`).
    fast_scan: f64,
    rules: usize,
    indicators: usize,
    brand_count: usize,
}

/// Live heap bytes held by each step's result.
#[derive(serde::Serialize, Default)]
struct StepBytes {
    copy: usize,
    parse: usize,
    psl: usize,
    brands: usize,
    yara: usize,
    reputation: usize,
}

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// Current linear memory size in bytes.
fn linear_memory() -> usize {
    core::arch::wasm32::memory_size(0) * 65_536
}

/// Times each step of loading a pack, as `Engine::from_files` does them, in milliseconds:
/// `{copy, parse, psl, brands, yara, reputation, total}` (`copy` is JS → wasm memory; `parse` is
/// `PackSource::from_files`: JSON, UTF-8 checks, `.fwrep` decoding).
#[wasm_bindgen(js_name = loadBreakdown)]
pub fn load_breakdown(files: &js_sys::Object) -> Result<JsValue, JsError> {
    let mut heap = StepBytes::default();
    let mut memory = StepBytes::default();
    PEAK.store(live(), Ordering::Relaxed);
    let base = live();
    let t0 = performance_now();
    let map = pack_files(files)?;
    let t1 = performance_now();
    heap.copy = live() - base;
    memory.copy = linear_memory();
    let src = PackSource::from_files(&map).map_err(|e| JsError::new(&e.to_string()))?;
    drop(map);
    let t2 = performance_now();
    heap.parse = live() - base;
    memory.parse = linear_memory();
    let mark = live();
    let psl = match &src.public_suffix_list {
        Some(t) => SuffixList::parse(t).map_err(|e| JsError::new(&e.to_string()))?,
        None => SuffixList::embedded(),
    };
    let t3 = performance_now();
    heap.psl = live() - mark;
    memory.psl = linear_memory();
    let mark = live();
    let brands = BrandIndex::new(&src.brands);
    let t4 = performance_now();
    heap.brands = live() - mark;
    memory.brands = linear_memory();
    let mark = live();
    let literals = extra_literals(&src);
    let sources: Vec<(&str, &str)> = src.yara.iter().map(|(f, t)| (f.as_str(), t.as_str())).collect();
    // As the engine loads: the automaton's DFA is left to `prepareFastScan` (timed apart).
    let mut rules = yara::compile_fast_start(&sources, &literals).map_err(|e| JsError::new(&e.to_string()))?;
    let t5 = performance_now();
    drop((literals, sources));
    heap.yara = live() - mark;
    memory.yara = linear_memory();
    rules.prepare_fast_scan();
    let t5b = performance_now();
    let mark = live();
    let reputation = Reputation::new(&src.reputation);
    let t6 = performance_now() - (t5b - t5);
    heap.reputation = live() - mark;
    memory.reputation = linear_memory();
    let out = LoadBreakdown {
        heap,
        memory,
        peak_bytes: PEAK.load(Ordering::Relaxed) - base,
        copy: t1 - t0,
        parse: t2 - t1,
        psl: t3 - t2,
        brands: t4 - t3,
        yara: t5 - t4,
        reputation: t6 - t5,
        total: t6 - t0,
        fast_scan: t5b - t5,
        rules: rules.len(),
        indicators: reputation.len(),
        brand_count: brands.len(),
    };
    drop((psl, brands, rules, reputation));
    to_js(&out)
}

/// Milliseconds of a client's pack update: verify, then load.
#[derive(serde::Serialize)]
struct VerifyAndLoad {
    copy: f64,
    verify: f64,
    load: f64,
    total: f64,
}

fn publishers() -> (SecretKey, SecretKey) {
    (SecretKey::from_seed([1; 32]), SecretKey::from_seed([2; 32]))
}

/// Returns the pack's files plus a `manifest.json` signed by two publisher keys (fixed seeds),
/// the ones `verifyAndLoad` trusts.
#[wasm_bindgen(js_name = signPack)]
pub fn sign_pack(files: &js_sys::Object) -> Result<js_sys::Object, JsError> {
    let map = pack_files(files)?;
    let version = PackSource::from_files(&map).map_err(|e| JsError::new(&e.to_string()))?.config.version;
    let (a, b) = publishers();
    let body = Manifest::for_files(&version, 1_000, 4_000_000_000, "0.1.0", &map);
    let mut env = Envelope::unsigned(&body.to_json());
    env.sign(Domain::Manifest, &a);
    env.sign(Domain::Manifest, &b);
    let out = js_sys::Object::new();
    js_sys::Object::assign(&out, files);
    js_sys::Reflect::set(
        &out,
        &JsValue::from_str("manifest.json"),
        &js_sys::Uint8Array::from(env.to_json().as_slice()),
    )
    .map_err(|_| JsError::new("cannot add manifest.json"))?;
    Ok(out)
}

/// The base64 public keys of the two publishers of `signPack` (for `Engine.fromSignedPack`).
#[wasm_bindgen(js_name = benchPublisherKeys)]
pub fn bench_publisher_keys() -> Vec<String> {
    let (a, b) = publishers();
    vec![a.public().to_base64(), b.public().to_base64()]
}

/// Times a client's pack update (`{copy, verify, load, total}` in ms) of a pack made by
/// `signPack`: copy into wasm memory, verify (`signed::verify_pack`, two signatures required),
/// compile (`signed::store::load_engine`).
#[wasm_bindgen(js_name = verifyAndLoad)]
pub fn verify_and_load(files: &js_sys::Object) -> Result<JsValue, JsError> {
    let (a, b) = publishers();
    let trust = Trust::Direct(KeySet::direct(&[a.public(), b.public()], 2));
    let policy = Policy { now: 2_000, ..Policy::default() };
    let t0 = performance_now();
    let map = pack_files(files)?;
    let t1 = performance_now();
    let verified = verify_pack(&map, &trust, &policy).map_err(|e| JsError::new(&e.to_string()))?;
    drop(map);
    let t2 = performance_now();
    let engine = load_engine(&verified).map_err(|e| JsError::new(&e.to_string()))?;
    let t3 = performance_now();
    drop((engine, verified));
    to_js(&VerifyAndLoad { copy: t1 - t0, verify: t2 - t1, load: t3 - t2, total: t3 - t0 })
}

#[wasm_bindgen]
impl Engine {
    /// URL-only checks inside wasm: for each URL, the mean time in µs of `reps` scans (no verdict
    /// conversion to JS). Unscannable URLs give -1.
    #[wasm_bindgen(js_name = benchCheckUrlEach)]
    pub fn bench_check_url_each(&self, urls: Vec<String>, reps: u32) -> Vec<f64> {
        let reps = reps.max(1);
        urls.iter()
            .map(|u| {
                let f = PageFeatures::from_url(u.as_str());
                let t0 = performance_now();
                for _ in 0..reps {
                    if self.inner.scan(&f, &self.settings, &PerformanceClock).is_err() {
                        return -1.0;
                    }
                }
                (performance_now() - t0) * 1000.0 / f64::from(reps)
            })
            .collect()
    }

    /// The same for the decision path (`checkUrlCompact`'s engine call,
    /// `Engine::check_url_decision`): mean µs per URL of `reps` decisions; -1 when unscannable.
    #[wasm_bindgen(js_name = benchCheckUrlDecisionEach)]
    pub fn bench_check_url_decision_each(&self, urls: Vec<String>, reps: u32) -> Vec<f64> {
        let reps = reps.max(1);
        urls.iter()
            .map(|u| {
                let t0 = performance_now();
                for _ in 0..reps {
                    if self.inner.check_url_decision(u, &self.settings, &PerformanceClock).is_err() {
                        return -1.0;
                    }
                }
                (performance_now() - t0) * 1000.0 / f64::from(reps)
            })
            .collect()
    }

    /// Scans one features object `reps` times after converting it once; returns each scan's time
    /// in ms (the engine alone, without the JS ⇄ Rust conversions).
    #[wasm_bindgen(js_name = benchScanRaw)]
    pub fn bench_scan_raw(&self, features: JsValue, reps: u32) -> Result<Vec<f64>, JsError> {
        let f: PageFeatures = serde_wasm_bindgen::from_value(features)
            .map_err(|e| JsError::new(&format!("features are malformed: {e}")))?;
        let mut out = Vec::with_capacity(reps as usize);
        for _ in 0..reps.max(1) {
            let t0 = performance_now();
            self.inner.scan(&f, &self.settings, &PerformanceClock).map_err(|e| JsError::new(&e.to_string()))?;
            out.push(performance_now() - t0);
        }
        Ok(out)
    }
}

/// One YARA source compiled alone (no extra literals: the same rules yara-python and
/// `ferretwatch yara bench` compile), for `benches/yara_wasm_vs_python.mjs`: the wasm side of the
/// side-by-side run with yara-python and the native build on the same rules and inputs.
#[wasm_bindgen]
pub struct YaraSource {
    rules: yara::Rules,
    compile_ms: f64,
    heap_bytes: usize,
}

#[wasm_bindgen]
impl YaraSource {
    /// Compiles `text` (file name `name` in errors); records the compile time and the heap bytes
    /// the compiled rules hold (counting allocator of this build).
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, text: &str) -> Result<YaraSource, JsError> {
        let before = live();
        let t0 = performance_now();
        let rules = yara::compile(&[(name, text)], &[]).map_err(|e| JsError::new(&e.to_string()))?;
        let compile_ms = performance_now() - t0;
        let heap_bytes = live().saturating_sub(before);
        Ok(YaraSource { rules, compile_ms, heap_bytes })
    }

    /// Milliseconds the compile took (inside wasm).
    #[wasm_bindgen(js_name = compileMs)]
    pub fn compile_ms(&self) -> f64 {
        self.compile_ms
    }

    /// Heap bytes held by the compiled rules right after compiling.
    #[wasm_bindgen(js_name = heapBytes)]
    pub fn heap_bytes(&self) -> f64 {
        self.heap_bytes as f64
    }

    /// Patterns in the engine's automaton.
    #[wasm_bindgen(js_name = patternCount)]
    pub fn pattern_count(&self) -> u32 {
        self.rules.automaton_patterns() as u32
    }

    /// The engine's automaton pass alone (no confirmation): the number of hits.
    #[wasm_bindgen(js_name = barePass)]
    pub fn bare_pass(&self, data: &[u8]) -> u32 {
        self.rules.bare_automaton_pass(data) as u32
    }

    /// The whole scan (no time limit, as yara-python's); returns the names of the matching
    /// rules, sorted.
    pub fn scan(&self, data: &[u8]) -> Vec<String> {
        let mut budget = Budget::start(&PerformanceClock, Limits { time_us: u64::MAX, bytes: usize::MAX });
        let mut names: Vec<String> = self.rules.scan(data, &mut budget).matches.into_iter().map(|m| m.rule).collect();
        names.sort();
        names
    }

    /// Scans `data` `reps` times; each scan's milliseconds (inside wasm, no JS conversion).
    #[wasm_bindgen(js_name = timeScans)]
    pub fn time_scans(&self, data: &[u8], reps: u32) -> Vec<f64> {
        (0..reps.max(1))
            .map(|_| {
                let mut budget = Budget::start(&PerformanceClock, Limits { time_us: u64::MAX, bytes: usize::MAX });
                let t0 = performance_now();
                let n = self.rules.scan(data, &mut budget).matches.len();
                std::hint::black_box(n);
                performance_now() - t0
            })
            .collect()
    }
}

#[wasm_bindgen]
impl YaraSource {
    /// Approximate heap bytes of the compiled rules by part (`Rules::memory_breakdown`), as
    /// `{part: bytes}`.
    #[wasm_bindgen(js_name = memoryBreakdown)]
    pub fn memory_breakdown(&self) -> Result<JsValue, JsError> {
        let map: std::collections::BTreeMap<&str, usize> = self.rules.memory_breakdown().into_iter().collect();
        to_js(&map)
    }
}
