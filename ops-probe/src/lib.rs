//! `ops-probe`: FerretWatch's native operations probe.
//!
//! It reads the fleet's aggregate telemetry (batch files, a Prometheus `/metrics` endpoint or a
//! Prometheus server), keeps per-minute samples and alert states in a small state file,
//! evaluates the alert rules of the operations seed with Prometheus `for:` semantics and SLO
//! burn-rate alerts, classifies the incident (P1–P4), recommends a degradation level (1–4) with
//! hysteresis, writes the signed control document and a hash-chained audit log, and checks the
//! rule CDN. See `docs/ops-probe.md` and `docs/telemetry.md`.
//!
//! ```
//! use ops_probe::{eval, rules::Rules, source, store::State};
//!
//! let batch = br#"{"schema": "ferretwatch.telemetry.v1", "period_start": 1800000000,
//!   "period_end": 1800000060, "sessions": 50, "page_loads": 1000,
//!   "engine": {"pages_scanned": 1000, "failures": {"timeout": 30}}}"#;
//! let mut loaded = source::Loaded::default();
//! source::load_bytes("example.json", batch, false, &mut loaded);
//! let mut state = State::default();
//! let rules = Rules::default_rules();
//! eval::ingest(&mut state, &loaded.batches, 0);
//! let e = eval::evaluate(&mut state, &rules, 1800000060, eval::TelemetryReport::default());
//! // 3 % errors in one minute: `error_rate` is pending (its rule says "for 5 minutes"), but
//! // detection failures > 1 % of page loads fire at once: P2, exit code 2.
//! let a = e.alerts.iter().find(|a| a.name == "error_rate").unwrap();
//! assert_eq!(a.state, ops_probe::store::AlertPhase::Pending);
//! assert_eq!(e.incident.severity, Some(ops_probe::rules::Severity::P2));
//! assert_eq!(e.exit_code(), 2);
//! ```

pub mod audit;
#[cfg(feature = "http")]
pub mod check;
pub mod control;
pub mod eval;
pub mod output;
pub mod prom;
pub mod review;
pub mod rules;
pub mod source;
pub mod store;
pub mod telemetry;
