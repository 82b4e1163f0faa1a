//! Prometheus sources: a `/metrics` text endpoint, a Prometheus server's HTTP API (range
//! queries), and the reverse — batches as OpenMetrics with timestamps (`ops-probe
//! export-openmetrics`, for `promtool tsdb create-blocks-from openmetrics`).
//!
//! The metric names are the batch fields as cumulative counters (`docs/telemetry.md` §
//! "Prometheus names"): `ferretwatch_page_loads_total`, `ferretwatch_detection_failures_total{kind}`,
//! `ferretwatch_detection_latency_seconds_bucket{le}`, ... The probe turns two cumulative
//! snapshots into one batch (their difference; a counter that went down was reset and counts
//! from zero) and validates it exactly like a batch file.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ferretwatch_core::telemetry::{LATENCY_BOUNDS_US, MEMORY_BOUNDS_BYTES};
use serde_json::{Value, json};

use crate::source::{BadInput, Loaded};
use crate::telemetry::{Batch, CPU_BOUNDS_PERCENT, DURATION_BOUNDS_MS, SCHEMA_V1, batch_from_value};

/// Cumulative values by series (`name{label="value",...}`, labels sorted).
pub type Snapshot = BTreeMap<String, f64>;

/// A histogram being rebuilt from series: `(le, cumulative count)` buckets, sum, count.
type HistParts = (Vec<(f64, f64)>, f64, f64);
/// Points of one series.
type Points = Vec<(u64, f64)>;

/// A Prometheus source failed.
#[derive(Debug, thiserror::Error)]
pub enum PromError {
    /// HTTP or network error.
    #[error("{url}: {message}")]
    Http {
        /// URL.
        url: String,
        /// What happened.
        message: String,
    },
    /// The API answered something else than a success with a matrix.
    #[error("{url}: unexpected answer: {message}")]
    Api {
        /// URL.
        url: String,
        /// What was wrong.
        message: String,
    },
}

/// Histogram families: name, unit multiplier from the exposed unit to the batch unit, bounds,
/// the batch field path.
const HISTOGRAMS: [(&str, f64, &[u64], &str); 5] = [
    ("ferretwatch_detection_latency_seconds", 1e6, &LATENCY_BOUNDS_US, "engine.latency_us"),
    ("ferretwatch_memory_bytes", 1.0, &MEMORY_BOUNDS_BYTES, "engine.memory_bytes"),
    ("ferretwatch_cpu_percent", 1.0, &CPU_BOUNDS_PERCENT, "cpu_percent"),
    ("ferretwatch_pack_download_seconds", 1e3, &DURATION_BOUNDS_MS, "pack_updates.download_ms"),
    ("ferretwatch_report_submit_seconds", 1e3, &DURATION_BOUNDS_MS, "reports.submit_ms"),
];

/// Counter families without labels, and their batch field.
const COUNTERS: [(&str, &str); 8] = [
    ("ferretwatch_sessions_total", "sessions"),
    ("ferretwatch_page_loads_total", "page_loads"),
    ("ferretwatch_pages_scanned_total", "engine.pages_scanned"),
    ("ferretwatch_partial_verdicts_total", "engine.partial"),
    ("ferretwatch_crashes_total", "engine.crashes"),
    ("ferretwatch_false_positive_installs_total", "reports.false_positive_installs"),
    ("ferretwatch_uninstalls_total", "uninstalls"),
    ("ferretwatch_installs", "installs"),
];

/// Every family and the labels a server-side `sum by (...)` keeps.
pub const FAMILIES: [(&str, &[&str]); 18] = [
    ("ferretwatch_installs", &[]),
    ("ferretwatch_sessions_total", &[]),
    ("ferretwatch_page_loads_total", &[]),
    ("ferretwatch_pages_scanned_total", &[]),
    ("ferretwatch_partial_verdicts_total", &[]),
    ("ferretwatch_crashes_total", &[]),
    ("ferretwatch_false_positive_installs_total", &[]),
    ("ferretwatch_uninstalls_total", &[]),
    ("ferretwatch_verdicts_total", &["level"]),
    ("ferretwatch_detection_failures_total", &["kind"]),
    ("ferretwatch_pack_updates_total", &["result", "kind"]),
    ("ferretwatch_reports_total", &["reason"]),
    ("ferretwatch_report_submissions_total", &["result"]),
    ("ferretwatch_detection_latency_seconds_bucket", &["le"]),
    ("ferretwatch_memory_bytes_bucket", &["le"]),
    ("ferretwatch_cpu_percent_bucket", &["le"]),
    ("ferretwatch_pack_download_seconds_bucket", &["le"]),
    ("ferretwatch_report_submit_seconds_bucket", &["le"]),
];

fn key(name: &str, labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return name.to_string();
    }
    let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
    format!("{name}{{{}}}", l.join(","))
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Parses Prometheus text exposition; keeps `ferretwatch_` series. Returns the snapshot and
/// the lines that did not parse (1-based line, message).
pub fn parse_text(text: &str) -> (Snapshot, Vec<(usize, String)>) {
    let mut snap = Snapshot::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Ok((name, labels, v)) => {
                if name.starts_with("ferretwatch_") && !name.starts_with("ferretwatch_probe_") {
                    *snap.entry(key(&name, &labels)).or_default() += v;
                }
            }
            Err(m) => bad.push((i + 1, m)),
        }
    }
    (snap, bad)
}

fn parse_line(line: &str) -> Result<(String, BTreeMap<String, String>, f64), String> {
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace()).ok_or("no value")?;
    let name = &line[..name_end];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        return Err(format!("bad metric name `{name}`"));
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(r) = rest.strip_prefix('{') {
        let mut chars = r.char_indices().peekable();
        let mut consumed = None;
        loop {
            while chars.peek().is_some_and(|(_, c)| *c == ',' || c.is_whitespace()) {
                chars.next();
            }
            match chars.peek() {
                Some((i, '}')) => {
                    consumed = Some(*i + 1);
                    break;
                }
                None => break,
                _ => {}
            }
            let mut lname = String::new();
            for (_, c) in chars.by_ref() {
                if c == '=' {
                    break;
                }
                lname.push(c);
            }
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err("label value must be quoted".into());
            }
            let mut val = String::new();
            let mut closed = false;
            while let Some((_, c)) = chars.next() {
                match c {
                    '\\' => match chars.next().map(|(_, c)| c) {
                        Some('n') => val.push('\n'),
                        Some(c) => val.push(c),
                        None => break,
                    },
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => val.push(c),
                }
            }
            if !closed {
                return Err("unterminated label value".into());
            }
            labels.insert(lname.trim().to_string(), val);
        }
        let end = consumed.ok_or("unterminated label set")?;
        rest = &r[end..];
    }
    let v = rest.split_whitespace().next().ok_or("no value")?;
    let v = match v {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse::<f64>().map_err(|_| format!("bad value `{v}`"))?,
    };
    Ok((name.to_string(), labels, v))
}

fn labels_of(k: &str) -> (&str, BTreeMap<String, String>) {
    match k.find('{') {
        None => (k, BTreeMap::new()),
        Some(i) => {
            let line = format!("{k} 0");
            let labels = parse_line(&line).map(|(_, l, _)| l).unwrap_or_default();
            (&k[..i], labels)
        }
    }
}

fn set_path(v: &mut Value, path: &str, x: Value) {
    let mut cur = v;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        cur = cur.as_object_mut().unwrap().entry(p.to_string()).or_insert_with(|| json!({}));
    }
    cur.as_object_mut().unwrap().insert(parts[parts.len() - 1].to_string(), x);
}

fn add_path(v: &mut Value, path: &str, n: u64) {
    let mut cur = &mut *v;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        cur = cur.as_object_mut().unwrap().entry(p.to_string()).or_insert_with(|| json!({}));
    }
    let e = cur.as_object_mut().unwrap().entry(parts[parts.len() - 1].to_string()).or_insert(json!(0));
    *e = json!(e.as_u64().unwrap_or(0) + n);
}

/// Turns the difference of two cumulative snapshots into a batch JSON value for
/// `[start, end)` (validated by the caller with [`batch_from_value`]).
pub fn delta_batch(prev: &Snapshot, cur: &Snapshot, start: u64, end: u64) -> Result<Value, String> {
    let mut b = json!({"schema": SCHEMA_V1, "period_start": start, "period_end": end, "engine": {}});
    let delta = |k: &str, v: f64| -> f64 {
        match prev.get(k) {
            Some(p) if v >= *p => v - *p,
            _ => v, // new series or a reset: counts from zero
        }
    };
    let int = |k: &str, x: f64| -> Result<u64, String> {
        if !(x.is_finite() && x >= 0.0) || (x - x.round()).abs() > 1e-6 {
            return Err(format!("series `{k}`: {x} is not a whole, non-negative count"));
        }
        Ok(x.round() as u64)
    };
    let mut hists: BTreeMap<&str, HistParts> = BTreeMap::new();
    for (k, &v) in cur {
        let (name, labels) = labels_of(k);
        let lab = |l: &str| labels.get(l).cloned().unwrap_or_default();
        if let Some((_, field)) = COUNTERS.iter().find(|(n, _)| *n == name) {
            add_path(&mut b, field, int(k, delta(k, v))?);
            continue;
        }
        let d = delta(k, v);
        match name {
            "ferretwatch_verdicts_total" => add_path(&mut b, &format!("engine.levels.{}", lab("level")), int(k, d)?),
            "ferretwatch_detection_failures_total" => {
                add_path(&mut b, &format!("engine.failures.{}", lab("kind")), int(k, d)?)
            }
            "ferretwatch_pack_updates_total" => match lab("result").as_str() {
                "ok" => add_path(&mut b, "pack_updates.ok", int(k, d)?),
                r @ ("failed" | "rejected") => {
                    add_path(&mut b, &format!("pack_updates.{r}.{}", lab("kind")), int(k, d)?)
                }
                other => return Err(format!("series `{k}`: result `{other}` is not ok, failed or rejected")),
            },
            "ferretwatch_reports_total" => match lab("reason").as_str() {
                r @ ("phishing" | "false_positive") => add_path(&mut b, &format!("reports.{r}"), int(k, d)?),
                other => return Err(format!("series `{k}`: reason `{other}` is not phishing or false_positive")),
            },
            "ferretwatch_report_submissions_total" => match lab("result").as_str() {
                "ok" => add_path(&mut b, "reports.submitted", int(k, d)?),
                "failed" => add_path(&mut b, "reports.submit_failed", int(k, d)?),
                other => return Err(format!("series `{k}`: result `{other}` is not ok or failed")),
            },
            _ => {
                let Some((fam, suffix)) = HISTOGRAMS.iter().find_map(|h| {
                    name.strip_prefix(h.0).filter(|s| ["_bucket", "_sum", "_count"].contains(s)).map(|s| (h.0, s))
                }) else {
                    continue; // another ferretwatch_ series: not telemetry
                };
                let e = hists.entry(fam).or_default();
                match suffix {
                    "_bucket" => {
                        let le = lab("le");
                        let le = if le == "+Inf" {
                            f64::INFINITY
                        } else {
                            le.parse().map_err(|_| format!("series `{k}`: bad le"))?
                        };
                        e.0.push((le, d));
                    }
                    "_sum" => e.1 = d,
                    _ => e.2 = d,
                }
            }
        }
    }
    for (fam, (mut buckets, sum, count)) in hists {
        let (_, mul, bounds, field) = HISTOGRAMS.iter().find(|h| h.0 == fam).copied().unwrap_or(HISTOGRAMS[0]);
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        let got: Vec<u64> =
            buckets.iter().filter(|(le, _)| le.is_finite()).map(|(le, _)| (le * mul).round() as u64).collect();
        if got != bounds {
            return Err(format!("histogram `{fam}`: bucket bounds {got:?} are not the v1 bounds"));
        }
        let mut counts = Vec::new();
        let mut prev_cum = 0.0;
        for (_, c) in &buckets {
            counts.push(int(fam, c - prev_cum)?);
            prev_cum = *c;
        }
        set_path(
            &mut b,
            field,
            json!({"bounds": bounds, "counts": counts, "sum": (sum * mul).round().max(0.0) as u64, "count": int(fam, count)?}),
        );
    }
    for f in ["sessions", "page_loads", "installs"] {
        if b.get(f).is_none() {
            b[f] = json!(0);
        }
    }
    Ok(b)
}

#[cfg(feature = "http")]
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// GETs a URL as text (at most `limit` bytes). Returns status and body.
///
/// # Errors
/// [`PromError::Http`].
#[cfg(feature = "http")]
pub fn get_text(url: &str, limit: u64) -> Result<(u16, String), PromError> {
    let http = |m: String| PromError::Http { url: url.into(), message: m };
    let mut resp = agent().get(url).call().map_err(|e| http(e.to_string()))?;
    let status = resp.status().as_u16();
    let body = resp.body_mut().with_config().limit(limit).read_to_string().map_err(|e| http(e.to_string()))?;
    Ok((status, body))
}

/// Scrapes a `/metrics` endpoint. The first scrape only records the counters (in `cursor`);
/// every later one yields the batch since the previous scrape.
///
/// # Errors
/// [`PromError`] when the endpoint cannot be scraped.
#[cfg(feature = "http")]
pub fn load_metrics(url: &str, cursor: &mut Option<Value>, now: u64, out: &mut Loaded) -> Result<(), PromError> {
    let (status, body) = get_text(url, 16 << 20)?;
    if status != 200 {
        return Err(PromError::Http { url: url.into(), message: format!("HTTP {status}") });
    }
    out.files += 1;
    let (snap, bad) = parse_text(&body);
    for (line, message) in bad {
        out.bad.push(BadInput { source: url.into(), position: format!("line {line}"), field: String::new(), message });
    }
    if let Some(prev) = cursor.as_ref()
        && let (Some(t), Some(values)) = (prev["time"].as_u64(), prev["values"].as_object())
        && now > t
    {
        let prev_snap: Snapshot = values.iter().filter_map(|(k, v)| v.as_f64().map(|f| (k.clone(), f))).collect();
        push_batch(url, &format!("scrape at {now}"), delta_batch(&prev_snap, &snap, t, now), out);
    }
    *cursor = Some(json!({"time": now, "values": snap}));
    Ok(())
}

/// Validates a batch built from snapshots ([`delta_batch`]) and adds it to `out`, or reports it
/// as bad input (source, position, field).
pub fn push_batch(source: &str, position: &str, v: Result<Value, String>, out: &mut Loaded) {
    let parsed: Result<Batch, (String, String)> = v
        .map_err(|m| (String::new(), m))
        .and_then(|v| batch_from_value(&v).map_err(|e| (e.field().to_string(), e.to_string())));
    match parsed {
        Ok(b) => {
            let id = ferretwatch_core::signed::sha256_hex(
                format!("{source}|{}|{}", b.period_start, b.period_end).as_bytes(),
            );
            out.batches.push((id, b));
        }
        Err((field, message)) => {
            out.bad.push(BadInput { source: source.into(), position: position.into(), field, message })
        }
    }
}

#[cfg(feature = "http")]
fn url_encode(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            o.push(b as char);
        } else {
            let _ = write!(o, "%{b:02X}");
        }
    }
    o
}

/// Runs a range query; returns, per series, its labels and `(time, value)` points.
///
/// # Errors
/// [`PromError`].
#[cfg(feature = "http")]
#[allow(clippy::type_complexity)]
pub fn query_range(
    base: &str,
    query: &str,
    start: u64,
    end: u64,
    step: u64,
) -> Result<Vec<(BTreeMap<String, String>, Vec<(u64, f64)>)>, PromError> {
    let url = format!(
        "{}/api/v1/query_range?query={}&start={start}&end={end}&step={step}",
        base.trim_end_matches('/'),
        url_encode(query)
    );
    let (status, body) = get_text(&url, 64 << 20)?;
    let api = |m: String| PromError::Api { url: url.clone(), message: m };
    let v: Value = serde_json::from_str(&body).map_err(|e| api(format!("HTTP {status}, not JSON: {e}")))?;
    if v["status"] != "success" {
        return Err(api(format!("HTTP {status}: {} {}", v["errorType"], v["error"])));
    }
    if v["data"]["resultType"] != "matrix" {
        return Err(api(format!("resultType {}", v["data"]["resultType"])));
    }
    let mut out = Vec::new();
    for s in v["data"]["result"].as_array().into_iter().flatten() {
        let labels: BTreeMap<String, String> = s["metric"]
            .as_object()
            .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect())
            .unwrap_or_default();
        let mut pts = Vec::new();
        for p in s["values"].as_array().into_iter().flatten() {
            let t = p[0].as_f64().unwrap_or(0.0) as u64;
            let x = match p[1].as_str() {
                Some("+Inf") => f64::INFINITY,
                Some(x) => x.parse().unwrap_or(f64::NAN),
                None => f64::NAN,
            };
            pts.push((t, x));
        }
        out.push((labels, pts));
    }
    Ok(out)
}

/// Reads `(start, end]` from a Prometheus server at one-minute steps: one range query per metric
/// family (`sum by (labels) (family)`), one batch per step from the difference with the step
/// before.
///
/// # Errors
/// [`PromError`] when the server cannot be queried.
#[cfg(feature = "http")]
pub fn load_prometheus(base: &str, start: u64, end: u64, out: &mut Loaded) -> Result<(), PromError> {
    let step = crate::rules::STEP;
    let start = start / step * step;
    let end = end / step * step;
    if end <= start {
        return Ok(());
    }
    let mut by_time: BTreeMap<u64, Snapshot> = BTreeMap::new();
    let mut families: Vec<(String, Vec<&str>)> = FAMILIES.iter().map(|(n, l)| (n.to_string(), l.to_vec())).collect();
    for h in HISTOGRAMS {
        families.push((format!("{}_sum", h.0), vec![]));
        families.push((format!("{}_count", h.0), vec![]));
    }
    for (name, by) in &families {
        let q = if by.is_empty() { format!("sum({name})") } else { format!("sum by ({}) ({name})", by.join(",")) };
        for (labels, pts) in query_range(base, &q, start, end, step)? {
            let k = key(name, &labels);
            for (t, v) in pts {
                if v.is_finite() {
                    by_time.entry(t).or_default().insert(k.clone(), v);
                }
            }
        }
    }
    out.files += 1;
    let mut prev: Option<(u64, Snapshot)> = None;
    for (t, snap) in by_time {
        if let Some((pt, ps)) = &prev
            && t == pt + step
        {
            push_batch(base, &format!("step {t}"), delta_batch(ps, &snap, *pt, t), out);
        }
        prev = Some((t, snap));
    }
    Ok(())
}

/// The batches as cumulative counters in OpenMetrics text with timestamps, one point per batch
/// end (for `promtool tsdb create-blocks-from openmetrics`). Batches are summed in order of
/// their period end; every series is written at every point.
pub fn to_openmetrics(batches: &[Batch]) -> String {
    let mut sorted: Vec<&Batch> = batches.iter().collect();
    sorted.sort_by_key(|b| b.period_end);
    let mut points: Vec<(u64, Snapshot)> = Vec::new();
    let mut cum = Snapshot::new();
    for b in sorted {
        let s = &b.sample;
        let mut add = |k: String, v: u64| *cum.entry(k).or_default() += v as f64;
        add("ferretwatch_sessions_total".into(), s.sessions);
        add("ferretwatch_page_loads_total".into(), s.page_loads);
        add("ferretwatch_pages_scanned_total".into(), s.engine.pages_scanned);
        add("ferretwatch_partial_verdicts_total".into(), s.engine.partial);
        add("ferretwatch_crashes_total".into(), s.engine.crashes);
        add("ferretwatch_false_positive_installs_total".into(), s.reports.false_positive_installs);
        add("ferretwatch_uninstalls_total".into(), s.uninstalls);
        for (l, n) in &s.engine.levels {
            add(format!("ferretwatch_verdicts_total{{level=\"{l}\"}}"), *n);
        }
        for (k, n) in &s.engine.failures {
            add(format!("ferretwatch_detection_failures_total{{kind=\"{k}\"}}"), *n);
        }
        add("ferretwatch_pack_updates_total{result=\"ok\"}".into(), s.pack_updates.ok);
        for (k, n) in &s.pack_updates.failed {
            add(format!("ferretwatch_pack_updates_total{{kind=\"{k}\",result=\"failed\"}}"), *n);
        }
        for (k, n) in &s.pack_updates.rejected {
            add(format!("ferretwatch_pack_updates_total{{kind=\"{k}\",result=\"rejected\"}}"), *n);
        }
        add("ferretwatch_reports_total{reason=\"phishing\"}".into(), s.reports.phishing);
        add("ferretwatch_reports_total{reason=\"false_positive\"}".into(), s.reports.false_positive);
        add("ferretwatch_report_submissions_total{result=\"ok\"}".into(), s.reports.submitted);
        add("ferretwatch_report_submissions_total{result=\"failed\"}".into(), s.reports.submit_failed);
        let hs = [
            &s.engine.latency_us,
            &s.engine.memory_bytes,
            &s.cpu_percent,
            &s.pack_updates.download_ms,
            &s.reports.submit_ms,
        ];
        for ((fam, mul, _, _), h) in HISTOGRAMS.iter().zip(hs) {
            for (i, n) in h.counts.iter().enumerate() {
                let le = h.bounds.get(i).map(|b| fmt_le(*b as f64 / mul)).unwrap_or_else(|| "+Inf".into());
                let k = format!("{fam}_bucket{{le=\"{le}\"}}");
                let e = cum.entry(k).or_default();
                *e += *n as f64;
            }
            *cum.entry(format!("{fam}_count")).or_default() += h.count as f64;
            *cum.entry(format!("{fam}_sum")).or_default() += h.sum as f64 / mul;
        }
        *cum.entry("ferretwatch_installs".into()).or_default() += s.installs as f64;
        let mut snap = cum.clone();
        // Histogram buckets are cumulative over `le` too.
        for (fam, _, _, _) in HISTOGRAMS {
            let mut acc = 0.0;
            let mut keys: Vec<(f64, String)> = snap
                .keys()
                .filter(|k| k.starts_with(&format!("{fam}_bucket{{")))
                .map(|k| {
                    let le = labels_of(k).1.get("le").cloned().unwrap_or_default();
                    (if le == "+Inf" { f64::INFINITY } else { le.parse().unwrap_or(0.0) }, k.clone())
                })
                .collect();
            keys.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (_, k) in keys {
                acc += cum[&k];
                snap.insert(k, acc);
            }
        }
        if points.last().is_some_and(|(t, _)| *t == b.period_end) {
            points.pop();
        }
        points.push((b.period_end, snap));
    }
    let mut series: BTreeMap<String, Points> = BTreeMap::new();
    for (t, snap) in &points {
        for (k, v) in snap {
            series.entry(k.clone()).or_default().push((*t, *v));
        }
    }
    let mut by_family: BTreeMap<String, Vec<(&String, &Points)>> = BTreeMap::new();
    for (k, pts) in &series {
        by_family.entry(labels_of(k).0.to_string()).or_default().push((k, pts));
    }
    let mut out = String::new();
    for (fam, list) in by_family {
        let _ = writeln!(out, "# TYPE {fam} unknown");
        for (k, pts) in list {
            for (t, v) in pts {
                let _ = writeln!(out, "{k} {v} {t}");
            }
        }
    }
    out.push_str("# EOF\n");
    out
}

fn fmt_le(x: f64) -> String {
    let s = format!("{x}");
    if s.contains('e') { format!("{x:.9}").trim_end_matches('0').to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lines_parse_with_labels_and_escapes() {
        let (s, bad) = parse_text(
            "# HELP x\nferretwatch_page_loads_total 10\nferretwatch_verdicts_total{level=\"red\"} 2 1700000000\n\
             ferretwatch_detection_failures_total{kind=\"a\\\"b\",x=\"1\"} 3\nother_metric 5\nferretwatch_bad{ 1\n",
        );
        assert_eq!(s.get("ferretwatch_page_loads_total"), Some(&10.0));
        assert_eq!(s.get("ferretwatch_verdicts_total{level=\"red\"}"), Some(&2.0));
        assert_eq!(s.get("ferretwatch_detection_failures_total{kind=\"a\\\"b\",x=\"1\"}"), Some(&3.0));
        assert!(!s.contains_key("other_metric"));
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0, 6);
    }
}
