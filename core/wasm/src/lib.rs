//! Thin wasm-bindgen binding of `ferretwatch-core` for the browser extension.
//!
//! It converts types and errors and supplies the clock (`performance.now()`); nothing else.
//! JS usage (from the `--target web` output):
//!
//! ```js
//! import init, { Engine } from './ferretwatch_wasm.js';
//! await init();
//! const engine = new Engine({ 'pack.json': bytes, 'brands.json': bytes, ... });
//! const verdict = engine.scan({ url: 'https://xn--pypal-4ve.com/' });
//! ```

use ferretwatch_core as core;
use ferretwatch_core::budget::Clock;
use ferretwatch_core::features::FeatureLimits;
use ferretwatch_core::pack::{PackFiles, Thresholds};
use ferretwatch_core::signed;
use ferretwatch_core::telemetry::Counters;
use ferretwatch_core::{DegradationLevel, PageFeatures, Settings};
use serde::Deserialize;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

#[cfg(feature = "bench-api")]
mod bench;
mod store;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;

    /// `JSON.parse`: results leave wasm as one JSON string (one crossing and V8's parser) rather
    /// than as objects built field by field through serde-wasm-bindgen (a crossing per key and
    /// value), which cost more than the URL check itself.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &str) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen(module = "/js/results.js")]
extern "C" {
    /// Builds the verdict object from its strings (one after the other in `text`, each ending
    /// at the given UTF-16 offset; the findings' JSON array after them, when there are any) and
    /// its numbers: the object `JSON.parse` of the verdict's JSON gives (`js/results.js`).
    #[wasm_bindgen(js_name = fwVerdict)]
    #[allow(clippy::too_many_arguments)]
    fn js_verdict(
        text: &str,
        url_end: u32,
        host_end: u32,
        reg_end: u32,
        pack_end: u32,
        score: u32,
        level: u32,
        flags: u32,
        elapsed_us: f64,
    ) -> JsValue;

    /// `Uint32Array [score, level, flags]`: a compact result without findings.
    #[wasm_bindgen(js_name = fwCompact)]
    fn js_compact(score: u32, level: u32, flags: u32) -> js_sys::Uint32Array;

    /// A copy of a compact result with findings as a `Uint32Array`.
    #[wasm_bindgen(js_name = fwCompactOf)]
    fn js_compact_of(values: &[u32]) -> js_sys::Uint32Array;
}

/// A verdict → the JS object of `JSON.parse(verdict.to_json())`, with one string crossing and
/// no JSON parse of the whole document (only of the findings, when there are any).
fn verdict_to_js(v: &core::Verdict) -> JsValue {
    let parts = [v.url.as_str(), v.host.as_str(), v.registrable_domain.as_str(), v.pack_version.as_str()];
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + 2);
    let mut ends = [0u32; 4];
    let mut units = 0usize;
    for (end, part) in ends.iter_mut().zip(parts) {
        text.push_str(part);
        units += if part.is_ascii() { part.len() } else { part.encode_utf16().count() };
        *end = u32::try_from(units).unwrap_or(u32::MAX);
    }
    if !v.findings.is_empty() {
        text.push_str(&serde_json::to_string(&v.findings).unwrap_or_else(|_| "[]".into()));
    }
    let flags = u32::from(v.trusted) | (u32::from(v.partial) << 1);
    // As `JSON.parse` reads the integer: the nearest double.
    let elapsed = v.elapsed_us as f64;
    js_verdict(&text, ends[0], ends[1], ends[2], ends[3], v.score, level_code(v.level), flags, elapsed)
}

/// A JSON document made by the engine → the JS value.
fn from_json(text: &str) -> Result<JsValue, JsError> {
    json_parse(text).map_err(|_| JsError::new("internal error: the engine produced malformed JSON"))
}

struct PerformanceClock;

impl Clock for PerformanceClock {
    fn now_us(&self) -> u64 {
        (performance_now() * 1000.0) as u64
    }
}

/// User settings as JS passes them (camelCase).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
struct JsSettings {
    yellow: Option<u32>,
    red: Option<u32>,
    trusted_sites: Vec<String>,
}

/// `{name: Uint8Array}` → pack files, copied into wasm memory.
fn files_from_js(files: &js_sys::Object) -> Result<PackFiles, JsError> {
    Ok(js_files(files)?.into_iter().map(|(name, bytes)| (name, bytes.to_vec())).collect())
}

/// `{name: Uint8Array}` → the files by name, still in JS memory: each is copied into wasm memory
/// when it is needed (`Engine.new` / `fromSignedPack` load the reputation lists last).
fn js_files(files: &js_sys::Object) -> Result<std::collections::BTreeMap<String, js_sys::Uint8Array>, JsError> {
    let mut map = std::collections::BTreeMap::new();
    for entry in js_sys::Object::entries(files).iter() {
        let pair = js_sys::Array::from(&entry);
        let name = pair.get(0).as_string().ok_or_else(|| JsError::new("pack file names must be strings"))?;
        let value = pair.get(1);
        if !value.is_instance_of::<js_sys::Uint8Array>() {
            return Err(JsError::new(&format!("pack file `{name}` must be a Uint8Array")));
        }
        map.insert(name, js_sys::Uint8Array::from(value));
    }
    Ok(map)
}

/// What `verifySignedPack` returns (camelCase).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct PackInfo<'a> {
    pack_version: &'a str,
    signers: &'a [String],
    artifacts: usize,
    bytes: u64,
    expires: u64,
    keys_version: Option<u64>,
    rollback: bool,
}

/// A rejection as a JS `Error` whose `kind` is the reason.
fn reject(e: signed::SignedError) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    let _ = js_sys::Reflect::set(&err, &"kind".into(), &e.kind().into());
    JsValue::from(err)
}

/// The checks of `fromSignedPack` / `verifySignedPack`: the trust options are those of the
/// store functions (`store.rs`), without `asIssued`.
fn verify_js(files: &js_sys::Object, trust: JsValue) -> Result<signed::VerifiedPack, JsValue> {
    let t = store::trust_options(trust)?;
    let map = files_from_js(files).map_err(JsValue::from)?;
    signed::manifest::verify_pack_owned(map, &t.trust().map_err(reject)?, &t.policy()).map_err(reject)
}

/// The detection engine with its loaded pack, settings and telemetry counters.
#[wasm_bindgen]
pub struct Engine {
    inner: core::Engine,
    settings: Settings,
    counters: Counters,
    /// Strings that `checkUrlCompact` results refer to by index (`compactStrings`).
    compact: Interner,
}

/// The strings of compact results (signal ids, targets, sources), each given an index once.
#[derive(Default)]
struct Interner {
    index: HashMap<String, u32>,
    strings: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }
}

/// `level` of a compact result.
fn level_code(level: core::Level) -> u32 {
    match level {
        core::Level::Green => 0,
        core::Level::Yellow => 1,
        core::Level::Red => 2,
    }
}

impl Engine {
    /// A loaded engine with default settings; the pack's signal ids take the first compact indices.
    fn wrap(inner: core::Engine) -> Engine {
        let mut compact = Interner::default();
        for signal in inner.config().weights.keys() {
            compact.id(signal);
        }
        Engine { inner, settings: Settings::default(), counters: Counters::default(), compact }
    }
}

fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsError> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    v.serialize(&ser).map_err(|e| JsError::new(&e.to_string()))
}

#[wasm_bindgen]
impl Engine {
    /// Loads a pack from an object mapping relative file names to `Uint8Array` contents.
    #[wasm_bindgen(constructor)]
    pub fn new(files: &js_sys::Object) -> Result<Engine, JsError> {
        console_error_panic_hook::set_once();
        let js = js_files(files)?;
        // Every file but the reputation lists first; the lists once the rules are compiled.
        let copy = |reputation: bool| -> PackFiles {
            js.iter()
                .filter(|(name, _)| core::pack::is_reputation_file(name) == reputation)
                .map(|(name, a)| (name.clone(), a.to_vec()))
                .collect()
        };
        let inner = core::Engine::from_staged_files(copy(false), || Ok::<_, std::convert::Infallible>(copy(true)))
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Engine::wrap(inner))
    }

    /// Verifies a signed pack (`manifest.json`, optional `keys.json`, artifacts; same object
    /// shape as the constructor) and loads it. `trust` is
    /// `{publishers?: [base64 key], roots?: [base64 key], threshold?: 2, rootThreshold?: 1,
    /// heldVersion?, heldKeysVersion?: 0, nowMs, extensionVersion, maxPackBytes?}`: with `roots`,
    /// the pack must carry a `keys.json` they signed; otherwise `publishers` are trusted
    /// directly. A rejection throws an `Error` whose `kind` is the reason
    /// (`bad_signature`, `rollback`, `hash_mismatch`, ...; docs/rule-pack-format.md); the caller
    /// keeps its current engine (last known good).
    #[wasm_bindgen(js_name = fromSignedPack)]
    pub fn from_signed_pack(files: &js_sys::Object, trust: JsValue) -> Result<Engine, JsValue> {
        console_error_panic_hook::set_once();
        // `signed::store::verify_and_load_staged`: the manifest first, then each artifact copied
        // into wasm memory once, hashed and consumed, the reputation lists after the rules are
        // compiled (the wasm memory never shrinks: its peak is what stays).
        let t = store::trust_options(trust)?;
        let js = js_files(files).map_err(JsValue::from)?;
        let head: PackFiles = [signed::manifest::MANIFEST_FILE, signed::manifest::KEYS_FILE]
            .into_iter()
            .filter_map(|name| js.get(name).map(|a| (name.to_string(), a.to_vec())))
            .collect();
        let sizes = js.iter().map(|(name, a)| (name.clone(), u64::from(a.length()))).collect();
        let fetch = |path: &str| js.get(path).map(js_sys::Uint8Array::to_vec).unwrap_or_default();
        let staged =
            signed::store::verify_and_load_staged(&head, &sizes, fetch, &t.trust().map_err(reject)?, &t.policy())
                .map_err(reject)?;
        Ok(Engine::wrap(staged.engine))
    }

    /// Verifies a signed pack without loading it (same arguments and errors as
    /// `fromSignedPack`); returns `{packVersion, signers, artifacts, bytes, expires, keysVersion,
    /// rollback}`. For checking a download before it replaces the cached copy.
    #[wasm_bindgen(js_name = verifySignedPack)]
    pub fn verify_signed_pack(files: &js_sys::Object, trust: JsValue) -> Result<JsValue, JsValue> {
        let v = verify_js(files, trust)?;
        let m = &v.manifest;
        let info = PackInfo {
            pack_version: &m.pack_version,
            signers: &v.signers,
            artifacts: m.artifacts.len(),
            bytes: m.total_size(),
            expires: m.expires,
            keys_version: v.keys_version,
            rollback: m.rollback.is_some(),
        };
        to_js(&info).map_err(JsValue::from)
    }

    /// Builds what makes content scans fastest but is not needed for a first answer (the YARA
    /// automaton's DFA; `core::Engine::prepare_fast_scan`). A new engine answers at once with
    /// the same verdicts, its content scans ≈ 2× slower on large pages until this is called:
    /// call it once, after the first verdict has gone out. Returns whether anything was built
    /// (`false` when already done, or when the pack's automaton is too large for a DFA).
    #[wasm_bindgen(js_name = prepareFastScan)]
    pub fn prepare_fast_scan(&mut self) -> bool {
        self.inner.prepare_fast_scan()
    }

    /// Scans `features` (a page-features object) and throws the verdict away without counting
    /// it anywhere: the first scan in a fresh wasm instance pays for compiling the scan's code
    /// (V8 compiles wasm functions on their first call), so a host with time to spare before its
    /// first real page calls this with a sample page. Answers and counters are unchanged;
    /// malformed features are ignored.
    #[wasm_bindgen(js_name = warmUp)]
    pub fn warm_up(&self, features: JsValue) {
        let Ok(f) = serde_wasm_bindgen::from_value::<PageFeatures>(features) else {
            return;
        };
        if f.validate(&FeatureLimits::default()).is_ok()
            && let Ok(v) = self.inner.scan(&f, &self.settings, &PerformanceClock)
        {
            drop(verdict_to_js(&v));
        }
    }

    /// The pack version.
    #[wasm_bindgen(js_name = packVersion)]
    pub fn pack_version(&self) -> String {
        self.inner.pack_version().to_string()
    }

    /// Scans a page-features object; returns the verdict object. Bad features throw (and count
    /// as a failure).
    pub fn scan(&mut self, features: JsValue) -> Result<JsValue, JsError> {
        let f: PageFeatures = match serde_wasm_bindgen::from_value(features) {
            Ok(f) => f,
            Err(e) => {
                self.counters.record_failure("bad_features");
                return Err(JsError::new(&format!("features are malformed: {e}")));
            }
        };
        self.scan_features(&f)
    }

    /// Scans a page-features JSON document (same result as `scan`).
    #[wasm_bindgen(js_name = scanJson)]
    pub fn scan_json(&mut self, json: &str) -> Result<JsValue, JsError> {
        match PageFeatures::from_json(json.as_bytes()) {
            Ok(f) => self.scan_features(&f),
            Err(e) => {
                self.counters.record_failure("bad_features");
                Err(JsError::new(&e.to_string()))
            }
        }
    }

    /// URL-only check (lookalike, reputation).
    #[wasm_bindgen(js_name = checkUrl)]
    pub fn check_url(&mut self, url: &str) -> Result<JsValue, JsError> {
        self.scan_features(&PageFeatures::from_url(url))
    }

    /// URL-only check returning only the decision, as a `Uint32Array` (no verdict object, no JSON):
    /// `[score, level, flags, then per finding: signal, target, source]`, where `level` is 0
    /// green, 1 yellow, 2 red; `flags` has bit 0 set when the site is trusted and bit 1 when the
    /// verdict is partial; `signal` is an index into `compactStrings()`, `target` and `source`
    /// are such an index plus one, or 0 when the finding has none. Findings come in the order of
    /// `checkUrl`'s, and score, level and findings are always those of `checkUrl(url)` (same
    /// validation, same counters; the engine's decision path, `Engine::check_url_decision`,
    /// which writes no evidence text). Bad URLs throw.
    #[wasm_bindgen(js_name = checkUrlCompact)]
    pub fn check_url_compact(&mut self, url: &str) -> Result<js_sys::Uint32Array, JsError> {
        // `checkUrl`'s validation of URL-only features: only the URL's length can fail.
        let limit = FeatureLimits::default().max_url_len;
        if url.len() > limit {
            self.counters.record_failure("bad_features");
            let e = core::FeatureError::FieldTooLong { field: "url".into(), len: url.len(), limit };
            return Err(JsError::new(&e.to_string()));
        }
        let d = match self.inner.check_url_decision(url, &self.settings, &PerformanceClock) {
            Ok(d) => d,
            Err(e) => {
                self.counters.record_failure(e.kind());
                return Err(JsError::new(&e.to_string()));
            }
        };
        self.counters.record_verdict(d.level, d.partial, d.elapsed_us);
        let head = [d.score, level_code(d.level), u32::from(d.trusted) | (u32::from(d.partial) << 1)];
        if d.findings.is_empty() {
            return Ok(js_compact(head[0], head[1], head[2]));
        }
        let mut out = Vec::with_capacity(3 + 3 * d.findings.len());
        out.extend(head);
        for x in &d.findings {
            out.push(self.compact.id(&x.signal));
            out.push(x.target.as_deref().map_or(0, |t| self.compact.id(t) + 1));
            out.push(x.source.as_deref().map_or(0, |s| self.compact.id(s) + 1));
        }
        Ok(js_compact_of(&out))
    }

    /// The strings `checkUrlCompact` results refer to, by index. The list only grows (a string
    /// keeps its index for the engine's life): a caller may cache it and fetch it again when it
    /// meets an index past its end.
    #[wasm_bindgen(js_name = compactStrings)]
    pub fn compact_strings(&self) -> js_sys::Array {
        self.compact.strings.iter().map(|s| JsValue::from_str(s)).collect()
    }

    /// Reputation-only check of a URL (feeds and MetaMask lists): an array of findings, empty
    /// when no list names it. Bad URLs throw.
    #[wasm_bindgen(js_name = checkReputation)]
    pub fn check_reputation(&self, url: &str) -> Result<JsValue, JsError> {
        let findings = self.inner.check_reputation_json(url).map_err(|e| JsError::new(&e.to_string()))?;
        from_json(&findings)
    }

    fn scan_features(&mut self, f: &PageFeatures) -> Result<JsValue, JsError> {
        Ok(verdict_to_js(&self.run(f)?))
    }

    /// Validates and scans, counting the verdict or the failure.
    fn run(&mut self, f: &PageFeatures) -> Result<core::Verdict, JsError> {
        if let Err(e) = f.validate(&FeatureLimits::default()) {
            self.counters.record_failure("bad_features");
            return Err(JsError::new(&e.to_string()));
        }
        match self.inner.scan(f, &self.settings, &PerformanceClock) {
            Ok(v) => {
                self.counters.record_verdict(v.level, v.partial, v.elapsed_us);
                Ok(v)
            }
            Err(e) => {
                self.counters.record_failure(e.kind());
                Err(JsError::new(&e.to_string()))
            }
        }
    }

    /// Sets the user's thresholds and trusted sites: `{yellow?, red?, trustedSites?}`.
    #[wasm_bindgen(js_name = setSettings)]
    pub fn set_settings(&mut self, settings: JsValue) -> Result<(), JsError> {
        let s: JsSettings = serde_wasm_bindgen::from_value(settings)
            .map_err(|e| JsError::new(&format!("settings are malformed: {e}")))?;
        let base = self.inner.config().thresholds;
        let t = Thresholds { yellow: s.yellow.unwrap_or(base.yellow), red: s.red.unwrap_or(base.red) };
        if t.yellow == 0 || t.yellow > t.red || t.red > 100 {
            return Err(JsError::new("thresholds must satisfy 0 < yellow <= red <= 100"));
        }
        self.settings.thresholds = Some(t);
        self.settings.trusted_sites = s.trusted_sites;
        Ok(())
    }

    /// Sets the degradation level (1–4).
    #[wasm_bindgen(js_name = setDegradationLevel)]
    pub fn set_degradation_level(&mut self, level: u8) -> Result<(), JsError> {
        self.settings.level = DegradationLevel::try_from(level).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(())
    }

    /// The degradation level in force (1–4).
    #[wasm_bindgen(js_name = degradationLevel)]
    pub fn degradation_level(&self) -> u8 {
        self.settings.level.number()
    }

    /// A snapshot of the telemetry counters (aggregate only: counts and histograms).
    pub fn telemetry(&self) -> Result<JsValue, JsError> {
        to_js(&self.counters)
    }

    /// Adds a telemetry snapshot taken from an earlier engine (the host carries the counters of
    /// an engine that crashed over to the one that replaces it).
    #[wasm_bindgen(js_name = mergeTelemetry)]
    pub fn merge_telemetry(&mut self, snapshot: JsValue) -> Result<(), JsError> {
        let other: Counters = serde_wasm_bindgen::from_value(snapshot)
            .map_err(|e| JsError::new(&format!("telemetry snapshot is malformed: {e}")))?;
        self.counters.merge(&other).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Records a crash (the host calls this on the engine it re-created after a trap).
    #[wasm_bindgen(js_name = recordCrash)]
    pub fn record_crash(&mut self) {
        self.counters.record_crash();
    }

    /// Records a memory reading (bytes of the wasm memory, read by the host).
    #[wasm_bindgen(js_name = recordMemory)]
    pub fn record_memory(&mut self, bytes: f64) {
        self.counters.record_memory(bytes as u64);
    }

    /// Panics on purpose: lets the host's crash-recovery path be tested.
    #[wasm_bindgen(js_name = debugCrash)]
    pub fn debug_crash(&self) {
        panic!("debugCrash called: deliberate panic for crash-recovery tests");
    }
}
