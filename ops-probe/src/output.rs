//! Output formats of `ops-probe evaluate`: a human table (default), JSON, Prometheus text
//! exposition, JUnit XML and Markdown. Shapes are documented in `docs/ops-probe.md`.

use std::fmt::Write as _;

use serde_json::json;

use crate::eval::Evaluation;
use crate::store::AlertPhase;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    Table,
    /// One JSON object.
    Json,
    /// Prometheus text exposition (for a textfile collector or a Pushgateway).
    Prometheus,
    /// JUnit XML: one test case per alert, failing while it fires.
    Junit,
    /// Markdown (CI job summaries).
    Markdown,
}

fn phase(p: AlertPhase) -> &'static str {
    match p {
        AlertPhase::Firing => "firing",
        AlertPhase::Pending => "pending",
        AlertPhase::Inactive => "inactive",
    }
}

fn fmt_value(v: Option<f64>) -> String {
    v.map(|v| if v.abs() >= 100.0 { format!("{v:.1}") } else { format!("{v:.4}") }).unwrap_or_else(|| "-".into())
}

/// The JSON document.
pub fn to_json(e: &Evaluation, exit_code: u8) -> serde_json::Value {
    json!({
        "format_version": 1,
        "now": e.now,
        "exit_code": exit_code,
        "evaluated": e.evaluated.map(|(a, b)| json!({"from": a, "to": b})),
        "incident": e.incident,
        "level": e.level,
        "alerts": e.alerts,
        "telemetry": e.telemetry,
    })
}

/// Renders an evaluation.
pub fn render(e: &Evaluation, format: Format, exit_code: u8) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(e, exit_code)).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Table => table(e),
        Format::Markdown => markdown(e),
        Format::Prometheus => prometheus(e, exit_code),
        Format::Junit => junit(e),
    }
}

fn headline(e: &Evaluation) -> String {
    match e.incident.severity {
        Some(s) => format!(
            "INCIDENT {} (respond within {}); recommended degradation level {}",
            s.as_str(),
            s.response(),
            e.level.recommended
        ),
        None => format!("healthy; recommended degradation level {}", e.level.recommended),
    }
}

fn table(e: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "ops-probe evaluation at {} — {}", e.now, headline(e));
    for r in &e.incident.reasons {
        let _ = writeln!(out, "  {r}");
    }
    let _ = writeln!(
        out,
        "level {} since {} ({}); firing alerts call for {}",
        e.level.recommended, e.level.since, e.level.reason, e.level.target
    );
    for c in &e.level.changes {
        let _ = writeln!(out, "  level {} -> {} at {}: {}", c.from, c.to, c.at, c.reason);
    }
    let t = &e.telemetry;
    let _ = writeln!(
        out,
        "telemetry: {} source(s), {} new batch(es), {} duplicate(s), {} late, {} malformed (total {}), latest data {}",
        t.sources,
        t.ingest.new,
        t.ingest.duplicates,
        t.ingest.late,
        t.malformed.len(),
        t.malformed_total,
        t.latest_sample.map(|l| l.to_string()).unwrap_or_else(|| "none".into())
    );
    for b in &t.malformed {
        let _ = writeln!(out, "  malformed: {} {} field `{}`: {}", b.source, b.position, b.field, b.message);
    }
    let w = e.alerts.iter().map(|a| a.name.len()).max().unwrap_or(5).max(5);
    let _ = writeln!(out, "{:<w$}  {:<8}  {:<3}  {:>10}  condition", "alert", "state", "sev", "value");
    for a in &e.alerts {
        if a.kind == "slo" && a.state == AlertPhase::Inactive {
            continue; // 24 burn-rate alerts: show them only when they are not inactive
        }
        let _ = writeln!(
            out,
            "{:<w$}  {:<8}  {:<3}  {:>10}  {}  [{}]",
            a.name,
            phase(a.state),
            a.severity.as_str(),
            fmt_value(a.value),
            a.condition,
            a.detail
        );
    }
    let quiet = e.alerts.iter().filter(|a| a.kind == "slo" && a.state == AlertPhase::Inactive).count();
    let _ = writeln!(out, "({quiet} SLO burn-rate alerts inactive, not listed; --format json lists all)");
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

fn markdown(e: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## ops-probe: {}\n", headline(e));
    for r in &e.incident.reasons {
        let _ = writeln!(out, "- {}", md_escape(r));
    }
    if !e.incident.reasons.is_empty() {
        out.push('\n');
    }
    for c in &e.level.changes {
        let _ = writeln!(out, "- level {} → {} at {}: {}", c.from, c.to, c.at, md_escape(&c.reason));
    }
    let _ = writeln!(out, "| alert | state | severity | value | condition | detail |\n|---|---|---|---|---|---|");
    for a in e.alerts.iter().filter(|a| !(a.kind == "slo" && a.state == AlertPhase::Inactive)) {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            a.name,
            phase(a.state),
            a.severity.as_str(),
            fmt_value(a.value),
            md_escape(&a.condition),
            md_escape(&a.detail)
        );
    }
    let t = &e.telemetry;
    let _ = writeln!(
        out,
        "\nTelemetry: {} new batch(es), {} duplicate(s), {} malformed.",
        t.ingest.new,
        t.ingest.duplicates,
        t.malformed.len()
    );
    for b in &t.malformed {
        let _ =
            writeln!(out, "- malformed: `{}` {} field `{}`: {}", b.source, b.position, b.field, md_escape(&b.message));
    }
    out
}

fn label(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn prometheus(e: &Evaluation, exit_code: u8) -> String {
    let mut out = String::new();
    out.push_str("# HELP ferretwatch_probe_alert_state Alert state: 0 inactive, 1 pending, 2 firing.\n");
    out.push_str("# TYPE ferretwatch_probe_alert_state gauge\n");
    for a in &e.alerts {
        let v = match a.state {
            AlertPhase::Inactive => 0,
            AlertPhase::Pending => 1,
            AlertPhase::Firing => 2,
        };
        let _ = writeln!(
            out,
            "ferretwatch_probe_alert_state{{alert=\"{}\",kind=\"{}\",severity=\"{}\"}} {v}",
            label(&a.name),
            a.kind,
            a.severity.as_str()
        );
    }
    out.push_str("# HELP ferretwatch_probe_alert_value Value of the alert's expression at the last step.\n");
    out.push_str("# TYPE ferretwatch_probe_alert_value gauge\n");
    for a in &e.alerts {
        if let Some(v) = a.value {
            let _ = writeln!(out, "ferretwatch_probe_alert_value{{alert=\"{}\"}} {v}", label(&a.name));
        }
    }
    let sev = e.incident.severity.map(|s| s as u8 + 1).unwrap_or(0);
    out.push_str("# HELP ferretwatch_probe_incident_severity Active incident class 1-4 (P1-P4), 0 none.\n");
    out.push_str("# TYPE ferretwatch_probe_incident_severity gauge\n");
    let _ = writeln!(out, "ferretwatch_probe_incident_severity {sev}");
    out.push_str("# HELP ferretwatch_probe_recommended_level Recommended degradation level 1-4.\n");
    out.push_str("# TYPE ferretwatch_probe_recommended_level gauge\n");
    let _ = writeln!(out, "ferretwatch_probe_recommended_level {}", e.level.recommended);
    out.push_str("# HELP ferretwatch_probe_malformed_batches Unusable telemetry batches in this run.\n");
    out.push_str("# TYPE ferretwatch_probe_malformed_batches gauge\n");
    let _ = writeln!(out, "ferretwatch_probe_malformed_batches {}", e.telemetry.malformed.len());
    out.push_str(
        "# HELP ferretwatch_probe_exit_code The probe's exit code (0 healthy, 1 warnings, 2 P1/P2, 3 failed).\n",
    );
    out.push_str("# TYPE ferretwatch_probe_exit_code gauge\n");
    let _ = writeln!(out, "ferretwatch_probe_exit_code {exit_code}");
    let _ = writeln!(out, "ferretwatch_probe_evaluated_timestamp_seconds {}", e.now);
    out
}

/// Escapes text for XML.
pub fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

fn junit(e: &Evaluation) -> String {
    let failures = e.alerts.iter().filter(|a| a.state == AlertPhase::Firing).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"ops-probe\" tests=\"{}\" failures=\"{failures}\">\n  <testsuite name=\"ops-probe alerts\" tests=\"{}\" failures=\"{failures}\" timestamp=\"{}\">",
        e.alerts.len(),
        e.alerts.len(),
        e.now
    );
    for a in &e.alerts {
        let _ = write!(out, "    <testcase classname=\"ops-probe.{}\" name=\"{}\"", a.kind, xml(&a.name));
        if a.state == AlertPhase::Firing {
            let _ = writeln!(
                out,
                ">\n      <failure type=\"{}\" message=\"{}\">{} {} value {} [{}]</failure>\n    </testcase>",
                a.severity.as_str(),
                xml(&a.summary),
                xml(&a.name),
                xml(&a.condition),
                fmt_value(a.value),
                xml(&a.detail)
            );
        } else {
            let _ = writeln!(out, "/>");
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
