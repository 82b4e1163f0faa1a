//! Evaluation: samples → per-step rule conditions → Prometheus-style alert states →
//! incident severity and the recommended degradation level.
//!
//! Time is cut into 1-minute steps. A batch counts in the step containing the end of its period
//! (`step = ceil(period_end / 60) * 60`; the step ending at `t` covers `[t - 60, t)`). At each
//! step `t` a rule's value is computed over the samples of the steps in `(t - window, t]`.
//!
//! `for` follows Prometheus: the alert is *pending* from the first step whose condition holds
//! (`active_at` = the start of that step) and *firing* once `t - active_at >= for`; one step where
//! the condition does not hold — including a step without data or below `min_volume` — resets
//! it to inactive. So "for 5m" fires after five consecutive bad one-minute steps, not after four.
//!
//! Every step is evaluated once: a run evaluates the steps after the last evaluated one (kept in
//! the [`State`]) up to `now`, so running again with the same input changes nothing, and a
//! probe restarted in the middle of a window carries on where it stopped.

use std::collections::HashMap;

use serde::Serialize;

use crate::rules::{CompiledBurn, CompiledRule, Metric, Rules, STEP, Severity, Sli};
use crate::store::{AlertPhase, AlertState, State};
use crate::telemetry::{Batch, Sample, count_above, quantile};

/// The step a batch counts in.
pub fn step_of(period_end: u64) -> u64 {
    period_end.div_ceil(STEP) * STEP
}

/// What ingesting batches did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// Batches added.
    pub new: usize,
    /// Batches already counted in an earlier run (same bytes), ignored.
    pub duplicates: usize,
    /// New batches for steps already evaluated: counted for later windows, but those steps are
    /// not evaluated again.
    pub late: usize,
    /// Batches older than the retention, ignored.
    pub too_old: usize,
}

/// Adds batches to the state, once each.
pub fn ingest(state: &mut State, batches: &[(String, Batch)], oldest: u64) -> IngestReport {
    let mut r = IngestReport::default();
    for (id, b) in batches {
        let step = step_of(b.period_end);
        if step < oldest {
            r.too_old += 1;
            continue;
        }
        if state.seen.contains_key(id) {
            r.duplicates += 1;
            continue;
        }
        state.seen.insert(id.clone(), step);
        state.samples.entry(step).or_default().merge(&b.sample);
        r.new += 1;
        if state.last_eval.is_some_and(|l| step <= l) {
            r.late += 1;
        }
    }
    r
}

/// One alert in the report.
#[derive(Debug, Clone, Serialize)]
pub struct AlertReport {
    /// Name (`error_rate`, `slo:report_success:1h/5m`, `telemetry_stale`).
    pub name: String,
    /// `rule`, `slo` or `probe`.
    pub kind: &'static str,
    /// Phase at `now`.
    pub state: AlertPhase,
    /// Severity while firing.
    pub severity: Severity,
    /// Level recommended while firing.
    pub level: u8,
    /// Value at the last step (`null`: no data or not enough volume).
    pub value: Option<f64>,
    /// Comparison and threshold, e.g. `> 0.02`.
    pub condition: String,
    /// `for`, seconds.
    pub for_secs: u64,
    /// What the rule stands for.
    pub summary: String,
    /// Extra detail.
    pub detail: String,
    /// When the current run of true conditions began.
    pub active_at: Option<u64>,
    /// When it started firing.
    pub fired_at: Option<u64>,
}

/// The incident classification.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    /// Most severe firing alert, or none.
    pub severity: Option<Severity>,
    /// Response time for that class.
    pub response: Option<&'static str>,
    /// One line per firing alert, most severe first.
    pub reasons: Vec<String>,
}

/// A change of the recommended level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelChange {
    /// Step at which it changed.
    pub at: u64,
    /// Previous level.
    pub from: u8,
    /// New level.
    pub to: u8,
    /// Why.
    pub reason: String,
}

/// The level recommendation.
#[derive(Debug, Clone, Serialize)]
pub struct LevelReport {
    /// Recommended level now.
    pub recommended: u8,
    /// What the firing alerts call for (before hysteresis).
    pub target: u8,
    /// Since when.
    pub since: u64,
    /// Why.
    pub reason: String,
    /// Changes made in this run.
    pub changes: Vec<LevelChange>,
}

/// Telemetry accounting of the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TelemetryReport {
    /// Files or URLs read.
    pub sources: usize,
    /// Ingest counts.
    pub ingest: IngestReport,
    /// Unusable batches this run (each with file and field).
    pub malformed: Vec<crate::source::BadInput>,
    /// Unusable batches, all runs.
    pub malformed_total: u64,
    /// Latest step with data.
    pub latest_sample: Option<u64>,
    /// Detection latency baseline at `now`, ms.
    pub baseline_ms: Option<f64>,
}

/// The result of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Evaluation time (the last step evaluated).
    pub now: u64,
    /// First and last step evaluated in this run (none when nothing new).
    pub evaluated: Option<(u64, u64)>,
    /// Alerts, firing first, then pending, then inactive.
    pub alerts: Vec<AlertReport>,
    /// Incident.
    pub incident: Incident,
    /// Level.
    pub level: LevelReport,
    /// Telemetry accounting.
    pub telemetry: TelemetryReport,
}

impl Evaluation {
    /// Exit code: 2 with an active P1/P2, 1 with only P3/P4, 0 healthy.
    pub fn exit_code(&self) -> u8 {
        match self.incident.severity {
            Some(Severity::P1 | Severity::P2) => 2,
            Some(_) => 1,
            None => 0,
        }
    }
}

struct Windows<'a> {
    samples: &'a std::collections::BTreeMap<u64, Sample>,
    cache: HashMap<(u64, u64), Option<Sample>>,
}

impl<'a> Windows<'a> {
    /// The merged samples of steps in `(t - w, t]`; `None` when there is none.
    fn get(&mut self, t: u64, w: u64) -> Option<Sample> {
        if let Some(s) = self.cache.get(&(t, w)) {
            return s.clone();
        }
        let mut acc: Option<Sample> = None;
        for (_, s) in self.samples.range(t.saturating_sub(w) + 1..=t) {
            acc.get_or_insert_with(Sample::default).merge(s);
        }
        self.cache.insert((t, w), acc.clone());
        acc
    }
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// A metric's value, its volume (denominator) and a detail line.
struct Value {
    value: Option<f64>,
    volume: u64,
    detail: String,
    /// One failure kind dominates (≥ 80 %).
    narrow: bool,
}

fn pct(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

fn metric_value(m: Metric, s: &Sample, baseline_ms: Option<f64>, rules: &Rules, samples: usize) -> Value {
    let mut v = Value { value: None, volume: 0, detail: String::new(), narrow: false };
    match m {
        Metric::ErrorRatio => {
            let submits = s.reports.submitted + s.reports.submit_failed;
            let num = s.detection_failures() + s.engine.crashes + s.pack_bad() + s.reports.submit_failed;
            v.volume = s.page_loads + s.pack_attempts() + submits;
            v.value = ratio(num, v.volume);
            v.detail = format!("{num} errors in {} operations", v.volume);
        }
        Metric::DetectionFailureRatio => {
            let f = s.detection_failures();
            v.volume = s.page_loads;
            v.value = ratio(f, s.page_loads);
            if let Some((kind, n)) = s.engine.failures.iter().max_by_key(|(_, n)| **n)
                && f > 0
            {
                let share = *n as f64 / f as f64;
                v.narrow = share >= 0.8;
                v.detail = format!("{f} failures in {} page loads; `{kind}` is {} of them", s.page_loads, pct(share));
            }
        }
        Metric::CrashRatio => {
            v.volume = s.sessions;
            v.value = ratio(s.engine.crashes, s.sessions);
            v.detail = format!("{} crashes in {} sessions", s.engine.crashes, s.sessions);
        }
        Metric::FalsePositiveReportRatio => {
            v.volume = s.reports.phishing + s.reports.false_positive;
            v.value = ratio(s.reports.false_positive, v.volume);
            v.detail = format!("{} false-positive reports of {}", s.reports.false_positive, v.volume);
        }
        Metric::FalsePositiveInstallRatio => {
            v.volume = s.installs;
            v.value = ratio(s.reports.false_positive_installs, s.installs);
            v.detail = format!(
                "{} of {} install-periods reported a false positive",
                s.reports.false_positive_installs, s.installs
            );
        }
        Metric::UninstallRatio => {
            // Installs per step, averaged over the steps with data: the fleet size.
            let fleet = if samples > 0 { s.installs / samples as u64 } else { 0 };
            v.volume = fleet;
            v.value = ratio(s.uninstalls, fleet);
            v.detail = format!("{} uninstalls, fleet of {fleet}", s.uninstalls);
        }
        Metric::LatencyP95Ms | Metric::LatencyVsBaseline => {
            v.volume = s.engine.latency_us.count;
            let p = quantile(&s.engine.latency_us, rules.file.baseline.quantile).map(|us| us / 1000.0);
            if m == Metric::LatencyP95Ms {
                v.value = p;
                v.detail = p.map(|p| format!("p95 {p:.1} ms")).unwrap_or_default();
            } else {
                match (p, baseline_ms) {
                    (Some(p), Some(b)) if b > 0.0 => {
                        v.value = Some(p / b);
                        v.detail = format!("p95 {p:.1} ms vs baseline {b:.1} ms");
                    }
                    _ => v.detail = "no baseline yet (needs enough data on previous days)".into(),
                }
            }
        }
        Metric::MemoryP95Mb => {
            v.volume = s.engine.memory_bytes.count;
            v.value = quantile(&s.engine.memory_bytes, 0.95).map(|b| b / (1024.0 * 1024.0));
            v.detail = v.value.map(|x| format!("p95 {x:.1} MiB")).unwrap_or_default();
        }
        Metric::CpuMeanPercent => {
            v.volume = s.cpu_percent.count;
            v.value = ratio(s.cpu_percent.sum, s.cpu_percent.count);
            v.detail = format!("{} readings", s.cpu_percent.count);
        }
        Metric::PackUpdateSuccessRatio => {
            v.volume = s.pack_attempts();
            v.value = ratio(s.pack_updates.ok, v.volume);
            let why: Vec<String> = s
                .pack_updates
                .failed
                .iter()
                .chain(&s.pack_updates.rejected)
                .filter(|(_, n)| **n > 0)
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            v.detail = format!("{} of {} updates ok; {}", s.pack_updates.ok, v.volume, why.join(", "));
        }
        Metric::PackIntegrityRejections => {
            v.volume = s.pack_attempts();
            let n: u64 = rules.file.integrity_kinds.iter().filter_map(|k| s.pack_updates.rejected.get(k)).sum();
            v.value = Some(n as f64);
            v.detail = format!("{n} packs refused for {}", rules.file.integrity_kinds.join("/"));
        }
    }
    v
}

fn sli_counts(sli: Sli, le_ms: Option<u64>, s: &Sample) -> (u64, u64) {
    match sli {
        Sli::DetectionAvailability => (s.detection_failures(), s.page_loads),
        Sli::PackUpdateSuccess => (s.pack_bad(), s.pack_attempts()),
        Sli::ReportSuccess => (s.reports.submit_failed, s.reports.submitted + s.reports.submit_failed),
        Sli::DetectionLatency => {
            let h = &s.engine.latency_us;
            (count_above(h, le_ms.unwrap_or(0) * 1000), h.count)
        }
        Sli::PackDownloadLatency => {
            let h = &s.pack_updates.download_ms;
            (count_above(h, le_ms.unwrap_or(0)), h.count)
        }
        Sli::ReportLatency => {
            let h = &s.reports.submit_ms;
            (count_above(h, le_ms.unwrap_or(0)), h.count)
        }
    }
}

fn baseline_at(w: &mut Windows, rules: &Rules, t: u64) -> Option<f64> {
    let b = &rules.file.baseline;
    let mut days = Vec::new();
    for k in 1..=u64::from(b.days) {
        let Some(end) = t.checked_sub(k * 86_400) else { break };
        if let Some(s) = w.get(end, rules.baseline_window)
            && s.engine.latency_us.count >= b.min_volume.max(1)
            && let Some(p) = quantile(&s.engine.latency_us, b.quantile)
        {
            days.push(p / 1000.0);
        }
    }
    if days.len() < b.min_days as usize {
        return None;
    }
    days.sort_by(f64::total_cmp);
    let n = days.len();
    Some(if n % 2 == 1 { days[n / 2] } else { (days[n / 2 - 1] + days[n / 2]) / 2.0 })
}

fn advance(st: &mut AlertState, cond: bool, t: u64, for_secs: u64) {
    if cond {
        if st.phase == AlertPhase::Inactive {
            st.phase = AlertPhase::Pending;
            st.active_at = Some(t - STEP);
        }
        if st.phase == AlertPhase::Pending && t - st.active_at.unwrap_or(t) >= for_secs {
            st.phase = AlertPhase::Firing;
            st.fired_at = Some(t);
        }
    } else {
        if st.phase == AlertPhase::Firing {
            st.resolved_at = Some(t);
        }
        st.phase = AlertPhase::Inactive;
        st.active_at = None;
        st.fired_at = None;
        st.severity_override = None;
    }
}

fn rule_severity(r: &CompiledRule, narrow: bool) -> Severity {
    match r.rule.module_severity {
        Some(m) if narrow => m,
        _ => r.rule.severity,
    }
}

/// Evaluates every step after the state's last one up to `now` and reports.
pub fn evaluate(state: &mut State, rules: &Rules, now: u64, mut telemetry: TelemetryReport) -> Evaluation {
    let now_step = now / STEP * STEP;
    let horizon_start = now_step.saturating_sub(rules.horizon());
    let first_data = state.samples.keys().next().copied();
    let mut start = match state.last_eval {
        Some(l) => l + STEP,
        None => first_data.unwrap_or(now_step + STEP),
    };
    if start < horizon_start {
        // Too long since the last run (or a cold start over old data): evaluating only the
        // horizon gives the same `for` and recovery clocks; older alert states are stale.
        if state.last_eval.is_some() {
            for a in state.alerts.values_mut() {
                advance(a, false, horizon_start.max(STEP), 0);
            }
        }
        start = horizon_start;
    }
    let samples = std::mem::take(&mut state.samples);
    let mut w = Windows { samples: &samples, cache: HashMap::new() };
    let mut changes = Vec::new();
    let mut evaluated = None;
    let mut baseline_now = None;
    let mut t = start;
    let mut raised_this_run = false;
    while t <= now_step && t >= STEP {
        let baseline = if rules.rules.iter().any(|r| r.rule.metric == Metric::LatencyVsBaseline) {
            baseline_at(&mut w, rules, t)
        } else {
            None
        };
        baseline_now = baseline;
        let mut target = 1u8;
        let mut why: Vec<String> = Vec::new();
        for r in &rules.rules {
            let agg = w.get(t, r.window);
            let n = samples.range(t.saturating_sub(r.window) + 1..=t).count();
            let val = agg.as_ref().map(|s| metric_value(r.rule.metric, s, baseline, rules, n));
            let st = state.alerts.entry(r.rule.name.clone()).or_default();
            let cond = val.as_ref().is_some_and(|v| {
                v.volume >= r.rule.min_volume && v.value.is_some_and(|x| r.rule.op.holds(x, r.rule.threshold))
            });
            st.value = val.as_ref().filter(|v| v.volume >= r.rule.min_volume).and_then(|v| v.value);
            st.detail = match &val {
                None => "no data in the window".into(),
                Some(v) if v.volume < r.rule.min_volume => {
                    format!("not enough data: volume {} < {}", v.volume, r.rule.min_volume)
                }
                Some(v) => v.detail.clone(),
            };
            advance(st, cond, t, r.for_secs);
            if cond && st.phase == AlertPhase::Firing {
                st.severity_override = val.as_ref().is_some_and(|v| v.narrow).then(|| rule_severity(r, true));
            }
            if st.phase == AlertPhase::Firing && r.rule.level > 1 {
                target = target.max(r.rule.level);
                why.push(r.rule.name.clone());
            }
        }
        for b in &rules.burns {
            let cond = burn(&mut w, b, t, state.alerts.entry(b.name.clone()).or_default());
            let st = state.alerts.entry(b.name.clone()).or_default();
            advance(st, cond, t, 0);
            if st.phase == AlertPhase::Firing && b.window.level > 1 {
                target = target.max(b.window.level);
                why.push(b.name.clone());
            }
        }
        // Level hysteresis.
        let ls = &mut state.level;
        if target > ls.level {
            changes.push(LevelChange {
                at: t,
                from: ls.level,
                to: target,
                reason: format!("degrade at once: {}", why.join(", ")),
            });
            ls.level = target;
            ls.since = t;
            ls.recovering_since = None;
            ls.reason = why.join(", ");
        } else if target < ls.level {
            let since = *ls.recovering_since.get_or_insert(t - STEP);
            if t - since >= rules.recovery && !raised_this_run {
                changes.push(LevelChange {
                    at: t,
                    from: ls.level,
                    to: ls.level - 1,
                    reason: format!(
                        "recovered: nothing called for level {} for {} min; one level at a time",
                        ls.level,
                        (t - since) / 60
                    ),
                });
                ls.level -= 1;
                ls.since = t;
                ls.recovering_since = if target < ls.level { Some(t) } else { None };
                ls.reason = "recovery".into();
                raised_this_run = true;
            }
        } else {
            ls.recovering_since = None;
        }
        state.last_eval = Some(t);
        evaluated = Some((evaluated.map_or(t, |(a, _)| a), t));
        t += STEP;
    }
    state.samples = samples;
    let eval_now = state.last_eval.unwrap_or(now_step);
    telemetry.latest_sample = state.samples.keys().next_back().copied();
    telemetry.baseline_ms = baseline_now;
    state.malformed_total += telemetry.malformed.len() as u64;
    telemetry.malformed_total = state.malformed_total;

    let mut alerts = Vec::new();
    let mut target = 1;
    for r in &rules.rules {
        let st = state.alerts.get(&r.rule.name).cloned().unwrap_or_default();
        if st.phase == AlertPhase::Firing {
            target = target.max(r.rule.level);
        }
        alerts.push(AlertReport {
            name: r.rule.name.clone(),
            kind: "rule",
            state: st.phase,
            severity: st.severity_override.unwrap_or(r.rule.severity),
            level: r.rule.level,
            value: st.value,
            condition: format!("{} {}", r.rule.op.as_str(), r.rule.threshold),
            for_secs: r.for_secs,
            summary: r.rule.summary.clone(),
            detail: st.detail.clone(),
            active_at: st.active_at,
            fired_at: st.fired_at,
        });
    }
    for b in &rules.burns {
        let st = state.alerts.get(&b.name).cloned().unwrap_or_default();
        if st.phase == AlertPhase::Firing {
            target = target.max(b.window.level);
        }
        alerts.push(AlertReport {
            name: b.name.clone(),
            kind: "slo",
            state: st.phase,
            severity: b.window.severity,
            level: b.window.level,
            value: st.value,
            condition: format!("burn rate > {} over {} and {}", b.window.burn_rate, b.window.long, b.window.short),
            for_secs: 0,
            summary: b.slo.summary.clone(),
            detail: st.detail.clone(),
            active_at: st.active_at,
            fired_at: st.fired_at,
        });
    }
    // Probe-level alerts: blind monitoring and bad input.
    let latest = telemetry.latest_sample;
    let stale = latest.is_none_or(|l| eval_now.saturating_sub(l) >= rules.stale_after);
    alerts.push(AlertReport {
        name: "telemetry_stale".into(),
        kind: "probe",
        state: if stale { AlertPhase::Firing } else { AlertPhase::Inactive },
        severity: Severity::P3,
        level: 1,
        value: latest.map(|l| eval_now.saturating_sub(l) as f64),
        condition: format!(">= {} s without telemetry", rules.stale_after),
        for_secs: 0,
        summary: "no telemetry: alerts cannot be trusted (MTTD target < 5 minutes, seed §10.1)".into(),
        detail: match latest {
            Some(l) => format!("latest data at {l}, {} s before {eval_now}", eval_now.saturating_sub(l)),
            None => "no data at all".into(),
        },
        active_at: None,
        fired_at: None,
    });
    let bad = telemetry.malformed.len();
    alerts.push(AlertReport {
        name: "telemetry_malformed".into(),
        kind: "probe",
        state: if bad > 0 { AlertPhase::Firing } else { AlertPhase::Inactive },
        severity: Severity::P4,
        level: 1,
        value: Some(bad as f64),
        condition: "> 0 unusable batches in this run".into(),
        for_secs: 0,
        summary: "malformed or partial telemetry batches (each listed with file and field)".into(),
        detail: telemetry
            .malformed
            .first()
            .map(|b| format!("first: {} {} `{}`: {}", b.source, b.position, b.field, b.message))
            .unwrap_or_default(),
        active_at: None,
        fired_at: None,
    });
    let rank = |p: AlertPhase| match p {
        AlertPhase::Firing => 0,
        AlertPhase::Pending => 1,
        AlertPhase::Inactive => 2,
    };
    alerts.sort_by(|a, b| (rank(a.state), a.severity, &a.name).cmp(&(rank(b.state), b.severity, &b.name)));
    let firing: Vec<&AlertReport> = alerts.iter().filter(|a| a.state == AlertPhase::Firing).collect();
    let severity = firing.iter().map(|a| a.severity).min();
    let reasons = firing
        .iter()
        .map(|a| {
            let v = a.value.map(|v| format!("{v:.4}")).unwrap_or_else(|| "-".into());
            format!("{}: {} ({}; value {v} {}) {}", a.severity.as_str(), a.name, a.summary, a.condition, a.detail)
        })
        .collect();
    let ls = &state.level;
    Evaluation {
        now: eval_now,
        evaluated,
        alerts,
        incident: Incident { severity, response: severity.map(Severity::response), reasons },
        level: LevelReport { recommended: ls.level, target, since: ls.since, reason: ls.reason.clone(), changes },
        telemetry,
    }
}

fn burn(w: &mut Windows, b: &CompiledBurn, t: u64, st: &mut AlertState) -> bool {
    let budget = 1.0 - b.slo.objective;
    let rate = |s: Option<Sample>| -> Option<(f64, u64)> {
        let s = s?;
        let (bad, total) = sli_counts(b.slo.sli, b.slo.le_ms, &s);
        ratio(bad, total).map(|r| (r / budget, total))
    };
    let long = rate(w.get(t, b.long));
    let short = rate(w.get(t, b.short));
    st.value = long.map(|l| l.0);
    match (long, short) {
        (Some((l, vol)), Some((s, _))) => {
            st.detail =
                format!("burn rate {l:.2} over {} ({vol} events), {s:.2} over {}", b.window.long, b.window.short);
            vol >= b.slo.min_volume && l > b.window.burn_rate && s > b.window.burn_rate
        }
        _ => {
            st.detail = "no events in a window".into();
            false
        }
    }
}
