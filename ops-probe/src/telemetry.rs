//! Telemetry batch schema v1 (`docs/telemetry.md`, `docs/schemas/telemetry-v1.json`).
//!
//! A batch is what one extension (or a collector that summed many) uploads for one period:
//! counts and fixed-bucket histograms, no URLs, no content, no identifier beyond an optional
//! rotating install token. The engine's own counters ([`Counters`]) are embedded as `engine`, so
//! the extension builds a batch from what it already keeps.
//!
//! Parsing is field by field so that a bad batch is reported with the field at fault
//! ([`BatchError`]); the probe counts bad batches and carries on.

use std::collections::BTreeMap;

use ferretwatch_core::telemetry::{Counters, Histogram, LATENCY_BOUNDS_US, MEMORY_BOUNDS_BYTES};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The value of a batch's `schema` field.
pub const SCHEMA_V1: &str = "ferretwatch.telemetry.v1";
/// Upper bounds (inclusive) of the CPU-use buckets, in percent of one core.
pub const CPU_BOUNDS_PERCENT: [u64; 8] = [1, 2, 5, 10, 15, 20, 50, 100];
/// Upper bounds (inclusive) of the pack-download and report-submission duration buckets, in ms.
pub const DURATION_BOUNDS_MS: [u64; 9] = [100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000];
/// Longest period one batch may cover, in seconds (one day).
pub const MAX_PERIOD_SECS: u64 = 86_400;
/// Largest batch file the probe reads, in bytes.
pub const MAX_BATCH_BYTES: usize = 1 << 20;

/// A batch was rejected: which field, and why. One variant per way a batch is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// Not JSON at all (or cut short).
    #[error("not valid JSON: {0}")]
    Json(String),
    /// `schema` is missing or names another version.
    #[error("field `schema`: expected \"{SCHEMA_V1}\", found {0}")]
    Schema(String),
    /// A required field is absent.
    #[error("field `{0}`: missing")]
    Missing(String),
    /// A field has the wrong JSON type or an out-of-range value.
    #[error("field `{field}`: {message}")]
    Invalid {
        /// Dotted path of the field (`engine.latency_us.counts`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A field this schema version does not have (the schema is closed so no identifier or URL
    /// can slip in).
    #[error("field `{0}`: not part of schema v1")]
    Unknown(String),
}

impl BatchError {
    /// The field at fault (`""` for a JSON syntax error).
    pub fn field(&self) -> &str {
        match self {
            BatchError::Json(_) => "",
            BatchError::Schema(_) => "schema",
            BatchError::Missing(f) | BatchError::Unknown(f) => f,
            BatchError::Invalid { field, .. } => field,
        }
    }
}

/// Pack update outcomes in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackUpdates {
    /// Updates applied (or "no newer pack" answers).
    pub ok: u64,
    /// Failed fetches by kind (`network`, `timeout`, `http_5xx`, ...).
    pub failed: BTreeMap<String, u64>,
    /// Packs refused by verification, by `SignedError::kind` (`bad_signature`, `expired`, ...).
    pub rejected: BTreeMap<String, u64>,
    /// Pack download durations.
    pub download_ms: Histogram,
}

impl Default for PackUpdates {
    fn default() -> Self {
        Self {
            ok: 0,
            failed: BTreeMap::new(),
            rejected: BTreeMap::new(),
            download_ms: Histogram::new(&DURATION_BOUNDS_MS),
        }
    }
}

/// User reports in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reports {
    /// "This is phishing" reports.
    pub phishing: u64,
    /// "This is not phishing" (false-positive) reports.
    pub false_positive: u64,
    /// Installs that sent at least one false-positive report in the period.
    pub false_positive_installs: u64,
    /// Report submissions acknowledged by the report API.
    pub submitted: u64,
    /// Submission attempts that failed (retried later).
    pub submit_failed: u64,
    /// Submission durations.
    pub submit_ms: Histogram,
}

impl Default for Reports {
    fn default() -> Self {
        Self {
            phishing: 0,
            false_positive: 0,
            false_positive_installs: 0,
            submitted: 0,
            submit_failed: 0,
            submit_ms: Histogram::new(&DURATION_BOUNDS_MS),
        }
    }
}

/// The additive part of a batch: everything that sums across batches and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Installs this batch speaks for (1 for one extension).
    pub installs: u64,
    /// Browser sessions.
    pub sessions: u64,
    /// Page loads seen by the extension.
    pub page_loads: u64,
    /// The engine's counters (verdicts per level, failures by kind, crashes, latency, memory).
    pub engine: Counters,
    /// CPU use readings, percent of one core.
    pub cpu_percent: Histogram,
    /// Pack updates.
    pub pack_updates: PackUpdates,
    /// Reports.
    pub reports: Reports,
    /// Uninstalls (where the browser lets the extension know).
    pub uninstalls: u64,
    /// Batches summed into this sample.
    pub batches: u64,
}

impl Default for Sample {
    fn default() -> Self {
        Self {
            installs: 0,
            sessions: 0,
            page_loads: 0,
            engine: Counters::default(),
            cpu_percent: Histogram::new(&CPU_BOUNDS_PERCENT),
            pack_updates: PackUpdates::default(),
            reports: Reports::default(),
            uninstalls: 0,
            batches: 0,
        }
    }
}

fn add_map(a: &mut BTreeMap<String, u64>, b: &BTreeMap<String, u64>) {
    for (k, v) in b {
        let e = a.entry(k.clone()).or_default();
        *e = e.saturating_add(*v);
    }
}

impl Sample {
    /// Adds another sample. Bounds always match: parsing refuses other bounds.
    pub fn merge(&mut self, o: &Sample) {
        self.installs = self.installs.saturating_add(o.installs);
        self.sessions = self.sessions.saturating_add(o.sessions);
        self.page_loads = self.page_loads.saturating_add(o.page_loads);
        let _ = self.engine.merge(&o.engine);
        let _ = self.cpu_percent.merge(&o.cpu_percent);
        let p = &mut self.pack_updates;
        p.ok = p.ok.saturating_add(o.pack_updates.ok);
        add_map(&mut p.failed, &o.pack_updates.failed);
        add_map(&mut p.rejected, &o.pack_updates.rejected);
        let _ = p.download_ms.merge(&o.pack_updates.download_ms);
        let r = &mut self.reports;
        r.phishing = r.phishing.saturating_add(o.reports.phishing);
        r.false_positive = r.false_positive.saturating_add(o.reports.false_positive);
        r.false_positive_installs = r.false_positive_installs.saturating_add(o.reports.false_positive_installs);
        r.submitted = r.submitted.saturating_add(o.reports.submitted);
        r.submit_failed = r.submit_failed.saturating_add(o.reports.submit_failed);
        let _ = r.submit_ms.merge(&o.reports.submit_ms);
        self.uninstalls = self.uninstalls.saturating_add(o.uninstalls);
        self.batches = self.batches.saturating_add(o.batches);
    }

    /// Detection failures (all kinds).
    pub fn detection_failures(&self) -> u64 {
        self.engine.failures.values().sum()
    }

    /// Pack update attempts (ok + failed + rejected).
    pub fn pack_attempts(&self) -> u64 {
        self.pack_updates.ok + self.pack_bad()
    }

    /// Pack updates that failed or were rejected.
    pub fn pack_bad(&self) -> u64 {
        self.pack_updates.failed.values().sum::<u64>() + self.pack_updates.rejected.values().sum::<u64>()
    }
}

/// A parsed, valid batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// Start of the period (Unix seconds, inclusive).
    pub period_start: u64,
    /// End of the period (Unix seconds, exclusive).
    pub period_end: u64,
    /// Extension version.
    pub extension_version: Option<String>,
    /// Rule pack version in use at the end of the period.
    pub pack_version: Option<String>,
    /// `chrome`, `firefox`, `edge` or `other`.
    pub browser: Option<String>,
    /// The additive counts.
    pub sample: Sample,
}

type Obj = Map<String, Value>;

fn invalid(field: &str, message: impl Into<String>) -> BatchError {
    BatchError::Invalid { field: field.into(), message: message.into() }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") }
}

fn check_keys(obj: &Obj, prefix: &str, allowed: &[&str]) -> Result<(), BatchError> {
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(BatchError::Unknown(join(prefix, k)));
        }
    }
    Ok(())
}

fn as_obj<'a>(v: &'a Value, field: &str) -> Result<&'a Obj, BatchError> {
    v.as_object().ok_or_else(|| invalid(field, "must be an object"))
}

fn u64_of(v: &Value, field: &str) -> Result<u64, BatchError> {
    v.as_u64().ok_or_else(|| invalid(field, format!("must be a non-negative integer, found {}", short(v))))
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 40 { format!("{}…", &s[..s.char_indices().nth(40).map(|(i, _)| i).unwrap_or(s.len())]) } else { s }
}

fn req_u64(obj: &Obj, prefix: &str, name: &str) -> Result<u64, BatchError> {
    let f = join(prefix, name);
    u64_of(obj.get(name).ok_or_else(|| BatchError::Missing(f.clone()))?, &f)
}

fn opt_u64(obj: &Obj, prefix: &str, name: &str) -> Result<u64, BatchError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(0),
        Some(v) => u64_of(v, &join(prefix, name)),
    }
}

fn opt_str(obj: &Obj, prefix: &str, name: &str, max: usize) -> Result<Option<String>, BatchError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let f = join(prefix, name);
            if s.len() > max {
                return Err(invalid(&f, format!("longer than {max} bytes")));
            }
            if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_') {
                return Err(invalid(&f, "only A-Z a-z 0-9 . - _ allowed"));
            }
            Ok(Some(s.clone()))
        }
        Some(v) => Err(invalid(&join(prefix, name), format!("must be a string, found {}", short(v)))),
    }
}

/// A `{kind: count}` map; kinds are short snake_case names (never URLs or free text).
fn kind_map(obj: &Obj, prefix: &str, name: &str) -> Result<BTreeMap<String, u64>, BatchError> {
    let f = join(prefix, name);
    let mut out = BTreeMap::new();
    let Some(v) = obj.get(name) else { return Ok(out) };
    if v.is_null() {
        return Ok(out);
    }
    let m = as_obj(v, &f)?;
    if m.len() > 64 {
        return Err(invalid(&f, "more than 64 kinds"));
    }
    for (k, v) in m {
        let kf = format!("{f}.{k}");
        if k.is_empty() || k.len() > 40 || !k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(invalid(&kf, "kind names are 1-40 characters of a-z 0-9 _"));
        }
        out.insert(k.clone(), u64_of(v, &kf)?);
    }
    Ok(out)
}

fn histogram(obj: &Obj, prefix: &str, name: &str, bounds: &[u64]) -> Result<Histogram, BatchError> {
    let f = join(prefix, name);
    let Some(v) = obj.get(name).filter(|v| !v.is_null()) else { return Ok(Histogram::new(bounds)) };
    let m = as_obj(v, &f)?;
    check_keys(m, &f, &["bounds", "counts", "sum", "count"])?;
    let list = |n: &str| -> Result<Vec<u64>, BatchError> {
        let lf = format!("{f}.{n}");
        let arr = m.get(n).ok_or_else(|| BatchError::Missing(lf.clone()))?;
        let arr = arr.as_array().ok_or_else(|| invalid(&lf, "must be an array"))?;
        arr.iter().enumerate().map(|(i, x)| u64_of(x, &format!("{lf}[{i}]"))).collect()
    };
    let got_bounds = list("bounds")?;
    if got_bounds != bounds {
        return Err(invalid(
            &format!("{f}.bounds"),
            format!("must be the v1 bounds {bounds:?} (histograms merge exactly only with equal bounds)"),
        ));
    }
    let counts = list("counts")?;
    if counts.len() != bounds.len() + 1 {
        return Err(invalid(
            &format!("{f}.counts"),
            format!("must have {} entries, found {}", bounds.len() + 1, counts.len()),
        ));
    }
    let count = req_u64(m, &f, "count")?;
    let sum = req_u64(m, &f, "sum")?;
    let total = counts
        .iter()
        .try_fold(0u64, |a, c| a.checked_add(*c))
        .ok_or_else(|| invalid(&format!("{f}.counts"), "overflow"))?;
    if total != count {
        return Err(invalid(&format!("{f}.count"), format!("is {count} but the buckets add up to {total}")));
    }
    Ok(Histogram { bounds: bounds.to_vec(), counts, sum, count })
}

const TOP_FIELDS: &[&str] = &[
    "schema",
    "period_start",
    "period_end",
    "install_token",
    "extension_version",
    "pack_version",
    "browser",
    "installs",
    "sessions",
    "page_loads",
    "engine",
    "cpu_percent",
    "pack_updates",
    "reports",
    "uninstalls",
];

/// Parses one batch from JSON bytes.
///
/// # Errors
/// A [`BatchError`] naming the field at fault.
pub fn parse_batch(bytes: &[u8]) -> Result<Batch, BatchError> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| BatchError::Json(e.to_string()))?;
    batch_from_value(&v)
}

/// Parses one batch from a JSON value.
///
/// # Errors
/// A [`BatchError`] naming the field at fault.
pub fn batch_from_value(v: &Value) -> Result<Batch, BatchError> {
    let top = v.as_object().ok_or_else(|| invalid("(batch)", "must be a JSON object"))?;
    match top.get("schema") {
        Some(Value::String(s)) if s == SCHEMA_V1 => {}
        Some(other) => return Err(BatchError::Schema(short(other))),
        None => return Err(BatchError::Schema("nothing".into())),
    }
    check_keys(top, "", TOP_FIELDS)?;
    let period_start = req_u64(top, "", "period_start")?;
    let period_end = req_u64(top, "", "period_end")?;
    if period_end <= period_start {
        return Err(invalid("period_end", "must be after period_start"));
    }
    if period_end - period_start > MAX_PERIOD_SECS {
        return Err(invalid("period_end", format!("a batch covers at most {MAX_PERIOD_SECS} s")));
    }
    if let Some(t) = top.get("install_token") {
        let ok = t.as_str().is_some_and(|s| {
            (8..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
        if !ok {
            return Err(invalid(
                "install_token",
                "must be 8-64 characters of A-Z a-z 0-9 - _ (a rotating random token)",
            ));
        }
    }
    let extension_version = opt_str(top, "", "extension_version", 32)?;
    let pack_version = opt_str(top, "", "pack_version", 32)?;
    let browser = opt_str(top, "", "browser", 16)?;
    let mut s = Sample {
        installs: match top.get("installs") {
            None | Some(Value::Null) => 1,
            Some(v) => u64_of(v, "installs")?,
        },
        sessions: req_u64(top, "", "sessions")?,
        page_loads: req_u64(top, "", "page_loads")?,
        uninstalls: opt_u64(top, "", "uninstalls")?,
        batches: 1,
        ..Sample::default()
    };
    let engine = as_obj(top.get("engine").ok_or_else(|| BatchError::Missing("engine".into()))?, "engine")?;
    check_keys(
        engine,
        "engine",
        &["pages_scanned", "levels", "partial", "failures", "crashes", "latency_us", "memory_bytes"],
    )?;
    s.engine = Counters {
        pages_scanned: opt_u64(engine, "engine", "pages_scanned")?,
        levels: kind_map(engine, "engine", "levels")?,
        partial: opt_u64(engine, "engine", "partial")?,
        failures: kind_map(engine, "engine", "failures")?,
        crashes: opt_u64(engine, "engine", "crashes")?,
        latency_us: histogram(engine, "engine", "latency_us", &LATENCY_BOUNDS_US)?,
        memory_bytes: histogram(engine, "engine", "memory_bytes", &MEMORY_BOUNDS_BYTES)?,
    };
    for k in s.engine.levels.keys() {
        if !["green", "yellow", "red"].contains(&k.as_str()) {
            return Err(invalid(&format!("engine.levels.{k}"), "levels are green, yellow and red"));
        }
    }
    let verdicts: u64 = s.engine.levels.values().sum();
    if verdicts > s.engine.pages_scanned {
        return Err(invalid(
            "engine.levels",
            format!("{verdicts} verdicts but engine.pages_scanned is {}", s.engine.pages_scanned),
        ));
    }
    s.cpu_percent = histogram(top, "", "cpu_percent", &CPU_BOUNDS_PERCENT)?;
    if let Some(v) = top.get("pack_updates").filter(|v| !v.is_null()) {
        let p = as_obj(v, "pack_updates")?;
        check_keys(p, "pack_updates", &["ok", "failed", "rejected", "download_ms"])?;
        s.pack_updates = PackUpdates {
            ok: opt_u64(p, "pack_updates", "ok")?,
            failed: kind_map(p, "pack_updates", "failed")?,
            rejected: kind_map(p, "pack_updates", "rejected")?,
            download_ms: histogram(p, "pack_updates", "download_ms", &DURATION_BOUNDS_MS)?,
        };
    }
    if let Some(v) = top.get("reports").filter(|v| !v.is_null()) {
        let r = as_obj(v, "reports")?;
        check_keys(
            r,
            "reports",
            &["phishing", "false_positive", "false_positive_installs", "submitted", "submit_failed", "submit_ms"],
        )?;
        s.reports = Reports {
            phishing: opt_u64(r, "reports", "phishing")?,
            false_positive: opt_u64(r, "reports", "false_positive")?,
            false_positive_installs: opt_u64(r, "reports", "false_positive_installs")?,
            submitted: opt_u64(r, "reports", "submitted")?,
            submit_failed: opt_u64(r, "reports", "submit_failed")?,
            submit_ms: histogram(r, "reports", "submit_ms", &DURATION_BOUNDS_MS)?,
        };
        if s.reports.false_positive_installs > s.installs {
            return Err(invalid("reports.false_positive_installs", "is more than installs"));
        }
    }
    Ok(Batch { period_start, period_end, extension_version, pack_version, browser, sample: s })
}

/// Value at quantile `q` (0–1) by linear interpolation inside the bucket, as Prometheus'
/// `histogram_quantile` does (the first bucket starts at 0; a quantile in the overflow bucket
/// is reported as the last bound). `None` when empty.
pub fn quantile(h: &Histogram, q: f64) -> Option<f64> {
    if h.count == 0 {
        return None;
    }
    let rank = q.clamp(0.0, 1.0) * h.count as f64;
    let mut seen = 0u64;
    for (i, &c) in h.counts.iter().enumerate() {
        if c > 0 && (seen + c) as f64 >= rank {
            let Some(&upper) = h.bounds.get(i) else { return h.bounds.last().map(|&b| b as f64) };
            let lower = if i == 0 { 0.0 } else { h.bounds[i - 1] as f64 };
            let within = (rank - seen as f64) / c as f64;
            return Some(lower + (upper as f64 - lower) * within);
        }
        seen += c;
    }
    h.bounds.last().map(|&b| b as f64)
}

/// Observations above `bound` (which must be one of the histogram's bounds; otherwise the
/// count above the next lower bound is returned, an overestimate).
pub fn count_above(h: &Histogram, bound: u64) -> u64 {
    let i = h.bounds.partition_point(|&b| b <= bound);
    h.counts[i.min(h.counts.len())..].iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interpolates_like_prometheus() {
        let mut h = Histogram::new(&[10, 20, 40]);
        for v in [5, 15, 15, 30] {
            h.observe(v);
        }
        assert_eq!(quantile(&h, 0.5), Some(15.0)); // rank 2 in (10,20], half-way
        assert_eq!(quantile(&h, 1.0), Some(40.0));
        assert_eq!(count_above(&h, 20), 1);
        assert_eq!(count_above(&h, 10), 3);
    }

    #[test]
    fn the_engines_counters_embed_as_they_are() {
        use ferretwatch_core::verdict::Level;
        let mut c = Counters::default();
        c.record_verdict(Level::Red, false, 12_000);
        c.record_verdict(Level::Green, true, 180_000);
        c.record_failure("bad_features");
        c.record_crash();
        c.record_memory(30 << 20);
        let batch = serde_json::json!({"schema": SCHEMA_V1, "period_start": 60, "period_end": 120,
            "sessions": 1, "page_loads": 3, "engine": c});
        let b = batch_from_value(&batch).unwrap();
        assert_eq!(b.sample.engine, c);
        assert_eq!(b.sample.detection_failures(), 1);
    }

    #[test]
    fn the_json_schema_matches_the_parser() {
        let schema: Value = serde_json::from_str(include_str!("../../docs/schemas/telemetry-v1.json")).unwrap();
        let props: Vec<&str> = schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = TOP_FIELDS.to_vec();
        want.sort_unstable();
        let mut got = props.clone();
        got.sort_unstable();
        assert_eq!(got, want);
        assert_eq!(schema["properties"]["schema"]["const"], SCHEMA_V1);
        let bounds = |v: &Value| -> Vec<u64> { v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect() };
        let e = &schema["properties"]["engine"]["properties"];
        assert_eq!(bounds(&e["latency_us"]["properties"]["bounds"]["const"]), LATENCY_BOUNDS_US);
        assert_eq!(bounds(&e["memory_bytes"]["properties"]["bounds"]["const"]), MEMORY_BOUNDS_BYTES);
        assert_eq!(bounds(&schema["properties"]["cpu_percent"]["properties"]["bounds"]["const"]), CPU_BOUNDS_PERCENT);
        let p = &schema["properties"]["pack_updates"]["properties"];
        assert_eq!(bounds(&p["download_ms"]["properties"]["bounds"]["const"]), DURATION_BOUNDS_MS);
    }

    #[test]
    fn fields_are_named_in_errors() {
        let e = parse_batch(br#"{"schema":"ferretwatch.telemetry.v1","period_start":0,"period_end":60,"sessions":1,"page_loads":"x","engine":{}}"#).unwrap_err();
        assert_eq!(e.field(), "page_loads");
        let e = parse_batch(br#"{"schema":"ferretwatch.telemetry.v1","period_start":0,"period_end":60,"sessions":1,"page_loads":1,"engine":{},"url":"https://x"}"#).unwrap_err();
        assert_eq!(e, BatchError::Unknown("url".into()));
        let e = parse_batch(br#"{"schema":"ferretwatch.telemetry.v1","period_start":0,"period_end":60,"sessions":1,"page_loads":1,"engine":{"failures":{"https://a.example/":1}}}"#).unwrap_err();
        assert_eq!(e.field(), "engine.failures.https://a.example/");
        let e = parse_batch(br#"{"schema":"ferretwatch.telemetry.v1","period_start":0"#).unwrap_err();
        assert!(matches!(e, BatchError::Json(_)));
    }
}
