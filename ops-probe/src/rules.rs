//! The declarative rules file (`ops-probe/rules/default.json`, documented in
//! `docs/ops-probe.md`): threshold rules with a window and a Prometheus-style `for`, SLOs with
//! multiwindow burn-rate alerts, the latency baseline and the level hysteresis.

use serde::{Deserialize, Serialize};

/// The default rules: the operations seed's numbers.
pub const DEFAULT_RULES: &str = include_str!("../rules/default.json");

/// The evaluation step, seconds: every rule is evaluated once per minute of telemetry.
pub const STEP: u64 = 60;

/// A rules file is not usable.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// Not JSON, or a field has the wrong shape.
    #[error("rules file: {0}")]
    Json(String),
    /// A duration is not `<number><s|m|h|d>`.
    #[error("rules file: `{field}`: `{value}` is not a duration like 30s, 5m, 1h or 7d")]
    Duration {
        /// Field.
        field: String,
        /// Value.
        value: String,
    },
    /// A value is out of range or names something unknown.
    #[error("rules file: `{field}`: {message}")]
    Invalid {
        /// Field.
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// Incident severity (seed §4.1). `P1` is the most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    /// Critical: response within 15 minutes.
    P1,
    /// High: 1 hour.
    P2,
    /// Medium: 4 hours.
    P3,
    /// Low: 24 hours.
    P4,
}

impl Severity {
    /// `P1` … `P4`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::P1 => "P1",
            Severity::P2 => "P2",
            Severity::P3 => "P3",
            Severity::P4 => "P4",
        }
    }

    /// The response time the seed gives this class.
    pub fn response(self) -> &'static str {
        match self {
            Severity::P1 => "15 minutes",
            Severity::P2 => "1 hour",
            Severity::P3 => "4 hours",
            Severity::P4 => "24 hours",
        }
    }
}

/// What a threshold rule measures (definitions in `docs/ops-probe.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// (detection failures + crashes + failed/rejected pack updates + failed report submissions)
    /// / (page loads + pack update attempts + report submission attempts).
    ErrorRatio,
    /// Detection failures / page loads.
    DetectionFailureRatio,
    /// Crashes / sessions.
    CrashRatio,
    /// False-positive reports / all reports.
    FalsePositiveReportRatio,
    /// Installs that reported a false positive / installs.
    FalsePositiveInstallRatio,
    /// Uninstalls / installs.
    UninstallRatio,
    /// Detection latency p95, ms.
    LatencyP95Ms,
    /// Detection latency p95 / the baseline.
    LatencyVsBaseline,
    /// Memory p95, MiB.
    MemoryP95Mb,
    /// Mean CPU use, percent.
    CpuMeanPercent,
    /// Successful pack updates / attempts.
    PackUpdateSuccessRatio,
    /// Packs refused for one of `integrity_kinds`.
    PackIntegrityRejections,
}

/// Comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Strictly greater.
    #[serde(rename = ">")]
    Gt,
    /// Strictly less.
    #[serde(rename = "<")]
    Lt,
}

impl Op {
    /// Applies the comparison.
    pub fn holds(self, v: f64, threshold: f64) -> bool {
        match self {
            Op::Gt => v > threshold,
            Op::Lt => v < threshold,
        }
    }

    /// `>` or `<`.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Lt => "<",
        }
    }
}

/// A threshold rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique name.
    pub name: String,
    /// What is measured.
    pub metric: Metric,
    /// Comparison with `threshold`.
    pub op: Op,
    /// Threshold.
    pub threshold: f64,
    /// Span the value is computed over, ending at the evaluated step.
    pub window: String,
    /// How long the condition must hold before the alert fires (Prometheus `for`).
    #[serde(rename = "for")]
    pub for_: String,
    /// Least denominator (page loads, sessions, reports, ...) in the window for the rule to be
    /// evaluated at all; below it the condition is false ("not enough data").
    #[serde(default)]
    pub min_volume: u64,
    /// Severity while firing.
    pub severity: Severity,
    /// For `detection_failure_ratio`: severity when one failure kind makes up 80 % or more of
    /// the failures (a single detection module failing, seed §4.1 P3).
    #[serde(default)]
    pub module_severity: Option<Severity>,
    /// Degradation level recommended while firing (1 = no change).
    pub level: u8,
    /// One line for humans.
    pub summary: String,
}

/// The service level indicator of an SLO: which events are good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sli {
    /// Page loads without a detection failure.
    DetectionAvailability,
    /// Pack updates that succeeded.
    PackUpdateSuccess,
    /// Report submissions that succeeded.
    ReportSuccess,
    /// Detections within `le_ms`.
    DetectionLatency,
    /// Pack downloads within `le_ms`.
    PackDownloadLatency,
    /// Report submissions within `le_ms`.
    ReportLatency,
}

/// A service level objective.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    /// Unique name.
    pub name: String,
    /// Indicator.
    pub sli: Sli,
    /// Target fraction of good events (0.999).
    pub objective: f64,
    /// Latency bound for the latency SLIs, ms (must be a histogram bucket bound).
    #[serde(default)]
    pub le_ms: Option<u64>,
    /// Least number of events in the long window.
    #[serde(default)]
    pub min_volume: u64,
    /// One line for humans.
    pub summary: String,
}

/// A multiwindow burn-rate alert (Google SRE workbook, "Alerting on SLOs"): fires when the
/// error budget burns faster than `burn_rate` over both the long and the short window.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BurnWindow {
    /// Long window.
    pub long: String,
    /// Short window (about 1/12 of the long one), so the alert resets soon after recovery.
    pub short: String,
    /// Burn rate: error ratio / (1 - objective).
    pub burn_rate: f64,
    /// Severity while firing.
    pub severity: Severity,
    /// Level recommended while firing.
    pub level: u8,
    /// Note.
    #[serde(default)]
    pub comment: String,
}

/// How the latency baseline is computed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineSpec {
    /// Window on each previous day, ending at the same time of day as the evaluated step.
    pub window: String,
    /// Previous days looked at.
    pub days: u32,
    /// Days with enough data needed for a baseline.
    pub min_days: u32,
    /// Latency quantile.
    pub quantile: f64,
    /// Least detections in a day's window for the day to count.
    pub min_volume: u64,
    /// Note.
    #[serde(default)]
    pub comment: String,
}

/// Level hysteresis.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelSpec {
    /// Time without a reason for the current level before the level goes back up one step.
    pub recovery: String,
    /// Note.
    #[serde(default)]
    pub comment: String,
}

/// A rules file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    /// Always 1.
    pub format_version: u32,
    /// Note.
    #[serde(default)]
    pub comment: String,
    /// Threshold rules.
    pub rules: Vec<Rule>,
    /// SLOs.
    pub slos: Vec<Slo>,
    /// Burn-rate windows applied to every SLO.
    pub burn_windows: Vec<BurnWindow>,
    /// Latency baseline.
    pub baseline: BaselineSpec,
    /// Level hysteresis.
    pub levels: LevelSpec,
    /// No telemetry for this long is itself an alert (`telemetry_stale`, P3).
    pub stale_after: String,
    /// Pack rejection kinds that count as integrity violations.
    pub integrity_kinds: Vec<String>,
}

/// Parses `30s`, `5m`, `1h`, `7d` into seconds.
///
/// # Errors
/// [`RulesError::Duration`].
pub fn parse_duration(field: &str, s: &str) -> Result<u64, RulesError> {
    let bad = || RulesError::Duration { field: field.into(), value: s.into() };
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: u64 = num.parse().map_err(|_| bad())?;
    let mul = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(mul).ok_or_else(bad)
}

/// A rule with its durations in seconds.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// The rule.
    pub rule: Rule,
    /// Window, s.
    pub window: u64,
    /// `for`, s.
    pub for_secs: u64,
}

/// A burn-rate alert of one SLO.
#[derive(Debug, Clone)]
pub struct CompiledBurn {
    /// `slo:<name>:<long>/<short>`.
    pub name: String,
    /// The SLO.
    pub slo: Slo,
    /// The window pair.
    pub window: BurnWindow,
    /// Long window, s.
    pub long: u64,
    /// Short window, s.
    pub short: u64,
}

/// A validated rules file.
#[derive(Debug, Clone)]
pub struct Rules {
    /// As written.
    pub file: RulesFile,
    /// Threshold rules.
    pub rules: Vec<CompiledRule>,
    /// Burn-rate alerts.
    pub burns: Vec<CompiledBurn>,
    /// Baseline window, s.
    pub baseline_window: u64,
    /// Recovery time, s.
    pub recovery: u64,
    /// Stale-telemetry time, s.
    pub stale_after: u64,
}

impl Rules {
    /// The defaults.
    pub fn default_rules() -> Self {
        Self::parse(DEFAULT_RULES.as_bytes()).expect("the embedded default rules are valid")
    }

    /// Parses and checks a rules file.
    ///
    /// # Errors
    /// [`RulesError`] naming the field.
    pub fn parse(bytes: &[u8]) -> Result<Self, RulesError> {
        let file: RulesFile = serde_json::from_slice(bytes).map_err(|e| RulesError::Json(e.to_string()))?;
        let invalid = |field: String, message: &str| RulesError::Invalid { field, message: message.into() };
        if file.format_version != 1 {
            return Err(invalid("format_version".into(), "must be 1"));
        }
        let mut names = std::collections::BTreeSet::new();
        let mut rules = Vec::new();
        for (i, r) in file.rules.iter().enumerate() {
            let f = format!("rules[{i}]");
            if !names.insert(r.name.clone()) {
                return Err(invalid(format!("{f}.name"), "duplicate rule name"));
            }
            if !(1..=4).contains(&r.level) {
                return Err(invalid(format!("{f}.level"), "must be 1-4"));
            }
            if !r.threshold.is_finite() {
                return Err(invalid(format!("{f}.threshold"), "must be a number"));
            }
            let window = parse_duration(&format!("{f}.window"), &r.window)?;
            if window < STEP || window % STEP != 0 {
                return Err(invalid(format!("{f}.window"), "must be a whole number of minutes"));
            }
            let for_secs = parse_duration(&format!("{f}.for"), &r.for_)?;
            if for_secs % STEP != 0 {
                return Err(invalid(format!("{f}.for"), "must be a whole number of minutes"));
            }
            rules.push(CompiledRule { rule: r.clone(), window, for_secs });
        }
        let mut burns = Vec::new();
        for (i, s) in file.slos.iter().enumerate() {
            let f = format!("slos[{i}]");
            if !(s.objective > 0.0 && s.objective < 1.0) {
                return Err(invalid(format!("{f}.objective"), "must be between 0 and 1"));
            }
            let latency = matches!(s.sli, Sli::DetectionLatency | Sli::PackDownloadLatency | Sli::ReportLatency);
            if latency != s.le_ms.is_some() {
                return Err(invalid(format!("{f}.le_ms"), "latency SLIs need le_ms; the others must not have it"));
            }
            if let Some(le) = s.le_ms {
                let ok = match s.sli {
                    Sli::DetectionLatency => {
                        ferretwatch_core::telemetry::LATENCY_BOUNDS_US.contains(&le.saturating_mul(1000))
                    }
                    _ => crate::telemetry::DURATION_BOUNDS_MS.contains(&le),
                };
                if !ok {
                    return Err(invalid(format!("{f}.le_ms"), "must be one of the histogram's bucket bounds"));
                }
            }
            for (j, w) in file.burn_windows.iter().enumerate() {
                let wf = format!("burn_windows[{j}]");
                let long = parse_duration(&format!("{wf}.long"), &w.long)?;
                let short = parse_duration(&format!("{wf}.short"), &w.short)?;
                if short >= long || short < STEP || short % STEP != 0 || long % STEP != 0 {
                    return Err(invalid(wf, "short must be shorter than long, both whole minutes"));
                }
                burns.push(CompiledBurn {
                    name: format!("slo:{}:{}/{}", s.name, w.long, w.short),
                    slo: s.clone(),
                    window: w.clone(),
                    long,
                    short,
                });
            }
        }
        let baseline_window = parse_duration("baseline.window", &file.baseline.window)?;
        if file.baseline.min_days == 0 || file.baseline.min_days > file.baseline.days {
            return Err(invalid("baseline.min_days".into(), "must be 1..=days"));
        }
        let recovery = parse_duration("levels.recovery", &file.levels.recovery)?;
        let stale_after = parse_duration("stale_after", &file.stale_after)?;
        Ok(Self { file, rules, burns, baseline_window, recovery, stale_after })
    }

    /// The longest span of history evaluation looks at (windows, baseline days).
    pub fn retention(&self) -> u64 {
        let w = self.rules.iter().map(|r| r.window).chain(self.burns.iter().map(|b| b.long)).max().unwrap_or(0);
        let b = u64::from(self.file.baseline.days) * 86_400 + self.baseline_window;
        w.max(b) + STEP
    }

    /// How many steps back a cold start must evaluate so `for` and recovery clocks are right.
    pub fn horizon(&self) -> u64 {
        let f = self.rules.iter().map(|r| r.for_secs).max().unwrap_or(0);
        f.max(self.recovery) + STEP
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_parse_with_the_seed_numbers() {
        let r = Rules::default_rules();
        let e = r.rules.iter().find(|r| r.rule.name == "error_rate").unwrap();
        assert_eq!((e.rule.threshold, e.window, e.for_secs), (0.02, 60, 300));
        assert_eq!(r.burns.len(), 6 * 4);
        assert_eq!(parse_duration("x", "7d").unwrap(), 604_800);
        assert!(parse_duration("x", "5").is_err());
        assert!(parse_duration("x", "m").is_err());
    }
}
