//! `ops-probe review --weekly`: the weekly performance review (the seed's routine) over the last
//! seven days of samples — detection latency average / median / p95 and the rates the alert
//! rules watch, per day and for the week.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::telemetry::{Sample, quantile};

/// One period's numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// Start (Unix seconds, inclusive).
    pub from: u64,
    /// End (exclusive).
    pub to: u64,
    /// Page loads.
    pub page_loads: u64,
    /// Detections timed.
    pub detections: u64,
    /// Mean detection latency, ms (exact: histogram sum / count).
    pub latency_avg_ms: Option<f64>,
    /// Median, ms (interpolated in the bucket).
    pub latency_median_ms: Option<f64>,
    /// 95th percentile, ms.
    pub latency_p95_ms: Option<f64>,
    /// Detection failures / page loads.
    pub detection_failure_rate: Option<f64>,
    /// Crashes / sessions.
    pub crash_rate: Option<f64>,
    /// False-positive reports / reports.
    pub false_positive_rate: Option<f64>,
    /// Pack updates ok / attempts.
    pub pack_update_success: Option<f64>,
    /// Report submissions ok / attempts.
    pub report_success: Option<f64>,
    /// Uninstalls.
    pub uninstalls: u64,
}

fn r(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

fn period(from: u64, to: u64, s: &Sample) -> Period {
    let h = &s.engine.latency_us;
    let submits = s.reports.submitted + s.reports.submit_failed;
    Period {
        from,
        to,
        page_loads: s.page_loads,
        detections: h.count,
        latency_avg_ms: r(h.sum, h.count).map(|x| x / 1000.0),
        latency_median_ms: quantile(h, 0.5).map(|x| x / 1000.0),
        latency_p95_ms: quantile(h, 0.95).map(|x| x / 1000.0),
        detection_failure_rate: r(s.detection_failures(), s.page_loads),
        crash_rate: r(s.engine.crashes, s.sessions),
        false_positive_rate: r(s.reports.false_positive, s.reports.false_positive + s.reports.phishing),
        pack_update_success: r(s.pack_updates.ok, s.pack_attempts()),
        report_success: r(s.reports.submitted, submits),
        uninstalls: s.uninstalls,
    }
}

/// The review.
#[derive(Debug, Clone, Serialize)]
pub struct Weekly {
    /// The seven days.
    pub week: Period,
    /// Each day (oldest first; days without data are left out).
    pub days: Vec<Period>,
}

/// Reviews the seven days ending at `now` (steps in `(now - 7d, now]`). `None` without data.
pub fn weekly(samples: &BTreeMap<u64, Sample>, now: u64) -> Option<Weekly> {
    let start = now.saturating_sub(7 * 86_400);
    let mut week: Option<Sample> = None;
    let mut days = Vec::new();
    for d in 0..7 {
        let from = start + d * 86_400;
        let to = from + 86_400;
        let mut day: Option<Sample> = None;
        for (_, s) in samples.range(from + 1..=to) {
            day.get_or_insert_with(Sample::default).merge(s);
            week.get_or_insert_with(Sample::default).merge(s);
        }
        if let Some(s) = day {
            days.push(period(from, to, &s));
        }
    }
    week.map(|w| Weekly { week: period(start, now, &w), days })
}

fn f(x: Option<f64>, pct: bool) -> String {
    match x {
        None => "-".into(),
        Some(v) if pct => format!("{:.3} %", v * 100.0),
        Some(v) => format!("{v:.1}"),
    }
}

/// The review as text.
pub fn render_text(w: &Weekly) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let p = &w.week;
    let _ = writeln!(o, "FerretWatch weekly performance review, {} .. {}", p.from, p.to);
    let _ = writeln!(
        o,
        "detection latency over {} detections: average {} ms, median {} ms, p95 {} ms (SLO: p95 < 100 ms)",
        p.detections,
        f(p.latency_avg_ms, false),
        f(p.latency_median_ms, false),
        f(p.latency_p95_ms, false)
    );
    let _ = writeln!(
        o,
        "detection failures {} of page loads (alert > 1 %), crashes {} of sessions (> 0.1 %), false positives {} of reports (> 5 %)",
        f(p.detection_failure_rate, true),
        f(p.crash_rate, true),
        f(p.false_positive_rate, true)
    );
    let _ = writeln!(
        o,
        "pack updates {} successful (SLO 99.5 %), report submissions {} successful (SLO 99.0 %), {} uninstalls",
        f(p.pack_update_success, true),
        f(p.report_success, true),
        p.uninstalls
    );
    let _ = writeln!(
        o,
        "{:>12}  {:>10}  {:>8}  {:>8}  {:>8}  {:>10}",
        "day ending", "page loads", "avg ms", "p50 ms", "p95 ms", "failures"
    );
    for d in &w.days {
        let _ = writeln!(
            o,
            "{:>12}  {:>10}  {:>8}  {:>8}  {:>8}  {:>10}",
            d.to,
            d.page_loads,
            f(d.latency_avg_ms, false),
            f(d.latency_median_ms, false),
            f(d.latency_p95_ms, false),
            f(d.detection_failure_rate, true)
        );
    }
    o
}
