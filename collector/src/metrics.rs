//! `GET /metrics`: Prometheus text exposition of the merged fleet telemetry and the service's
//! own request counters and latency.
//!
//! Histograms keep their fixed bounds (they merge exactly); the exposition writes cumulative
//! `_bucket{le="…"}` lines ending with `le="+Inf"` (= `_count`), then `_sum` and `_count`.
//! Durations are converted to seconds, the Prometheus base unit.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use ferretwatch_core::telemetry::Histogram;
use ops_probe::telemetry::Sample;

/// Upper bounds of the service's request latency buckets, in microseconds.
pub const REQUEST_BOUNDS_US: [u64; 12] =
    [500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000];

/// The service's own numbers.
#[derive(Default)]
pub struct ServiceMetrics {
    inner: Mutex<Inner>,
    /// Connections open now.
    pub connections_open: AtomicU64,
    /// Connections refused at accept because their IP had `--max-connections-per-ip` open.
    pub connections_refused_per_ip: AtomicU64,
    /// Connections closed because the request head did not arrive within `--header-timeout`.
    pub connections_header_timeout: AtomicU64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    stored: BTreeMap<&'static str, u64>,
    limited: BTreeMap<&'static str, u64>,
}

impl ServiceMetrics {
    /// Records a request to `route` answered with `status` after `us` microseconds.
    pub fn request(&self, route: &str, status: u16, us: u64) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *g.requests.entry((route.to_string(), status)).or_default() += 1;
        g.latency.entry(route.to_string()).or_insert_with(|| Histogram::new(&REQUEST_BOUNDS_US)).observe(us);
    }

    /// Counts a newly stored report of `kind`.
    pub fn stored(&self, kind: &'static str) {
        *self.inner.lock().unwrap_or_else(|p| p.into_inner()).stored.entry(kind).or_default() += 1;
    }

    /// Counts a request refused by the `scope` limiter (`ip`, `install`).
    pub fn limited(&self, scope: &'static str) {
        *self.inner.lock().unwrap_or_else(|p| p.into_inner()).limited.entry(scope).or_default() += 1;
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn counter(out: &mut String, name: &str, help: &str, v: u64) {
    head(out, name, "counter", help);
    let _ = writeln!(out, "{name} {v}");
}

fn labelled(out: &mut String, name: &str, help: &str, label: &str, m: &BTreeMap<String, u64>) {
    head(out, name, "counter", help);
    for (k, v) in m {
        let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {v}", esc(k));
    }
}

/// Writes one histogram series; `scale` divides bounds and sum (1e6: µs → s, 1e3: ms → s).
pub fn histogram(out: &mut String, name: &str, labels: &str, h: &Histogram, scale: f64) {
    let sep = if labels.is_empty() { "" } else { "," };
    let mut cum = 0u64;
    for (i, c) in h.counts.iter().enumerate() {
        cum = cum.saturating_add(*c);
        match h.bounds.get(i) {
            Some(b) => {
                let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{}\"}} {cum}", *b as f64 / scale);
            }
            None => {
                let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {cum}");
            }
        }
    }
    let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
    let _ = writeln!(out, "{name}_sum{braces} {}", h.sum as f64 / scale);
    let _ = writeln!(out, "{name}_count{braces} {}", h.count);
}

fn hist(out: &mut String, name: &str, help: &str, h: &Histogram, scale: f64) {
    head(out, name, "histogram", help);
    histogram(out, name, "", h, scale);
}

/// The exposition: fleet telemetry (`ferretwatch_*`) and the service (`ferretwatch_collector_*`).
pub fn render(fleet: &Sample, svc: &ServiceMetrics) -> String {
    let mut o = String::with_capacity(16 * 1024);
    let s = fleet;
    // Names and labels as in docs/telemetry.md "Prometheus names" (ops-probe reads them).
    head(&mut o, "ferretwatch_installs", "gauge", "Sum of the installs field over every merged batch.");
    let _ = writeln!(o, "ferretwatch_installs {}", s.installs);
    counter(&mut o, "ferretwatch_sessions_total", "Browser sessions.", s.sessions);
    counter(&mut o, "ferretwatch_page_loads_total", "Page loads seen by the extension.", s.page_loads);
    counter(&mut o, "ferretwatch_pages_scanned_total", "Verdicts produced by the engine.", s.engine.pages_scanned);
    counter(&mut o, "ferretwatch_partial_verdicts_total", "Verdicts cut short by the time budget.", s.engine.partial);
    counter(&mut o, "ferretwatch_crashes_total", "Engine crashes.", s.engine.crashes);
    labelled(&mut o, "ferretwatch_verdicts_total", "Verdicts per level.", "level", &s.engine.levels);
    labelled(&mut o, "ferretwatch_detection_failures_total", "Detection failures by kind.", "kind", &s.engine.failures);
    head(&mut o, "ferretwatch_pack_updates_total", "counter", "Pack updates by result (and kind of failure).");
    let _ = writeln!(o, "ferretwatch_pack_updates_total{{result=\"ok\"}} {}", s.pack_updates.ok);
    for (result, m) in [("failed", &s.pack_updates.failed), ("rejected", &s.pack_updates.rejected)] {
        for (k, v) in m {
            let _ = writeln!(o, "ferretwatch_pack_updates_total{{kind=\"{}\",result=\"{result}\"}} {v}", esc(k));
        }
    }
    let r = &s.reports;
    head(&mut o, "ferretwatch_reports_total", "counter", "User reports by kind (client side).");
    let _ = writeln!(o, "ferretwatch_reports_total{{reason=\"false_positive\"}} {}", r.false_positive);
    let _ = writeln!(o, "ferretwatch_reports_total{{reason=\"phishing\"}} {}", r.phishing);
    counter(
        &mut o,
        "ferretwatch_false_positive_installs_total",
        "Installs that sent a false-positive report in a period.",
        r.false_positive_installs,
    );
    head(&mut o, "ferretwatch_report_submissions_total", "counter", "Report submissions by result (client side).");
    let _ = writeln!(o, "ferretwatch_report_submissions_total{{result=\"failed\"}} {}", r.submit_failed);
    let _ = writeln!(o, "ferretwatch_report_submissions_total{{result=\"ok\"}} {}", r.submitted);
    counter(&mut o, "ferretwatch_uninstalls_total", "Uninstalls.", s.uninstalls);
    hist(&mut o, "ferretwatch_detection_latency_seconds", "Detection latency.", &s.engine.latency_us, 1e6);
    hist(&mut o, "ferretwatch_memory_bytes", "Engine memory readings.", &s.engine.memory_bytes, 1.0);
    hist(&mut o, "ferretwatch_cpu_percent", "CPU use readings, percent of one core.", &s.cpu_percent, 1.0);
    hist(&mut o, "ferretwatch_pack_download_seconds", "Pack download duration.", &s.pack_updates.download_ms, 1e3);
    hist(&mut o, "ferretwatch_report_submit_seconds", "Report submission duration (client side).", &r.submit_ms, 1e3);
    counter(&mut o, "ferretwatch_collector_telemetry_batches_total", "Telemetry batches merged.", s.batches);

    let g = svc.inner.lock().unwrap_or_else(|p| p.into_inner());
    head(&mut o, "ferretwatch_collector_requests_total", "counter", "Requests by route and status code.");
    for ((route, code), v) in &g.requests {
        let _ = writeln!(o, "ferretwatch_collector_requests_total{{route=\"{}\",code=\"{code}\"}} {v}", esc(route));
    }
    head(&mut o, "ferretwatch_collector_request_duration_seconds", "histogram", "Request latency by route.");
    for (route, h) in &g.latency {
        histogram(
            &mut o,
            "ferretwatch_collector_request_duration_seconds",
            &format!("route=\"{}\"", esc(route)),
            h,
            1e6,
        );
    }
    head(
        &mut o,
        "ferretwatch_collector_reports_stored_total",
        "counter",
        "Reports stored (retries not counted twice).",
    );
    for kind in ["false_positive", "report"] {
        let _ = writeln!(
            o,
            "ferretwatch_collector_reports_stored_total{{kind=\"{kind}\"}} {}",
            g.stored.get(kind).copied().unwrap_or(0)
        );
    }
    head(&mut o, "ferretwatch_collector_rate_limited_total", "counter", "Requests refused with 429 by limiter.");
    for scope in ["install", "ip"] {
        let _ = writeln!(
            o,
            "ferretwatch_collector_rate_limited_total{{scope=\"{scope}\"}} {}",
            g.limited.get(scope).copied().unwrap_or(0)
        );
    }
    let c = |a: &AtomicU64| a.load(Ordering::Relaxed);
    head(&mut o, "ferretwatch_collector_connections_open", "gauge", "HTTP connections open now.");
    let _ = writeln!(o, "ferretwatch_collector_connections_open {}", c(&svc.connections_open));
    head(
        &mut o,
        "ferretwatch_collector_connections_closed_total",
        "counter",
        "Connections refused or closed by the server's limits, by reason.",
    );
    let _ = writeln!(
        o,
        "ferretwatch_collector_connections_closed_total{{reason=\"header_timeout\"}} {}",
        c(&svc.connections_header_timeout)
    );
    let _ = writeln!(
        o,
        "ferretwatch_collector_connections_closed_total{{reason=\"per_ip_limit\"}} {}",
        c(&svc.connections_refused_per_ip)
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_lines_are_cumulative() {
        let mut h = Histogram::new(&[250, 500]);
        for v in [100, 300, 300, 900] {
            h.observe(v);
        }
        let mut o = String::new();
        histogram(&mut o, "x_seconds", "", &h, 1e6);
        assert_eq!(
            o,
            "x_seconds_bucket{le=\"0.00025\"} 1\nx_seconds_bucket{le=\"0.0005\"} 3\nx_seconds_bucket{le=\"+Inf\"} 4\nx_seconds_sum 0.0016\nx_seconds_count 4\n"
        );
    }
}
