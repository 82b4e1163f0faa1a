//! `ops-probe`: fleet telemetry → alerts, incident severity (P1–P4), degradation level; the
//! signed control document; rule CDN health checks. See `docs/ops-probe.md`.
//!
//! Exit codes: 0 healthy; 1 warnings only (P3/P4); 2 an active P1/P2 (or, for `check`, a failed
//! check); 3 the probe itself could not do its job (it says why on stderr).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use ops_probe::eval::{self, TelemetryReport};
use ops_probe::output::{self, Format};
use ops_probe::rules::Rules;
use ops_probe::source::{self, Loaded};
use ops_probe::store::State;
use ops_probe::{audit, control};

#[derive(Parser, Debug)]
#[command(name = "ops-probe", version, about = "FerretWatch operations probe")]
struct Cli {
    #[command(subcommand)]
    cmd: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read telemetry, evaluate the alert rules, classify the incident, recommend a level.
    Evaluate {
        /// Batch file or folder, or a `http(s)://…/metrics` endpoint (repeatable).
        #[arg(long = "telemetry", required_unless_present = "prometheus")]
        telemetry: Vec<String>,
        /// A Prometheus server (`http://host:9090`): the telemetry is read with range queries
        /// since the last run (or over the rules' longest window).
        #[arg(long)]
        prometheus: Option<String>,
        /// Rules file (default: the built-in rules, `ops-probe rules --print`).
        #[arg(long)]
        rules: Option<PathBuf>,
        /// State file kept between runs (without it every run starts afresh).
        #[arg(long)]
        state: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Evaluation time, Unix seconds, or `latest` (the newest data); default: the clock.
        #[arg(long)]
        now: Option<String>,
        /// Append level changes to this hash-chained audit log.
        #[arg(long)]
        audit: Option<PathBuf>,
        /// Also write the output to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write a signed control document setting the fleet's degradation level.
    SetLevel {
        /// Level 1 (full) … 4 (minimal).
        #[arg(value_parser = clap::value_parser!(u8).range(1..=4))]
        level: u8,
        /// Why (shown to admins and in the popup).
        #[arg(long)]
        reason: String,
        /// Publish into this CDN directory (as `DIR/control.json`).
        #[arg(long)]
        publish: Option<PathBuf>,
        /// Write here instead (when not publishing); default `control.json`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Secret key file (`ferretwatch keys generate`); repeatable.
        #[arg(long = "key")]
        keys: Vec<PathBuf>,
        /// Signatures a client needs (publishing needs at least this many keys).
        #[arg(long, default_value_t = ferretwatch_core::signed::DEFAULT_THRESHOLD)]
        threshold: usize,
        /// Sequence number (default: now).
        #[arg(long)]
        sequence: Option<u64>,
        /// Hours until the document expires.
        #[arg(long, default_value_t = 24)]
        expires_hours: u64,
        /// Audit log (append-only, hash-chained).
        #[arg(long, default_value = "ops-audit.jsonl")]
        audit: PathBuf,
        /// Who (default: $USER).
        #[arg(long)]
        actor: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write batches as cumulative counters in OpenMetrics text with timestamps (for
    /// `promtool tsdb create-blocks-from openmetrics`).
    ExportOpenmetrics {
        /// Batch file or folder (repeatable).
        #[arg(long = "telemetry", required = true)]
        telemetry: Vec<PathBuf>,
        /// Output file (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Move every timestamp by this many seconds (a multiple of 60), e.g. to replay a
        /// fixture into a Prometheus whose retention window is around today.
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        shift: i64,
    },
    /// Daily health check: the rule CDN (manifest reachable, signatures, expiry, artifact hashes,
    /// download time, cache headers, control document), the report API and the admin endpoint.
    Check {
        /// The CDN's `manifest.json` URL.
        #[arg(long)]
        manifest_url: String,
        /// Publisher public key (`.pub`); repeatable.
        #[arg(long = "trust", required = true)]
        trust: Vec<PathBuf>,
        /// Signatures needed.
        #[arg(long, default_value_t = ferretwatch_core::signed::DEFAULT_THRESHOLD)]
        threshold: usize,
        /// Budget for downloading manifest and artifacts, ms (pack download SLO).
        #[arg(long, default_value_t = 2000)]
        budget_ms: u64,
        /// Warn when the manifest expires within this many hours.
        #[arg(long, default_value_t = 48)]
        expiry_warning_hours: u64,
        /// Report API health URL (POST {"check":"health"}).
        #[arg(long)]
        report_health: Option<String>,
        /// Admin API health URL (must refuse requests without a token).
        #[arg(long)]
        admin_url: Option<String>,
        /// Environment variable holding the admin bearer token.
        #[arg(long, default_value = "ADMIN_TOKEN")]
        admin_token_env: String,
        /// State file of `evaluate`: the report lists the alerts firing at its last evaluation.
        #[arg(long)]
        state: Option<PathBuf>,
        /// The collector's `/metrics`: security monitoring (failed authentications, rate limiting,
        /// server errors) since the previous check.
        #[arg(long)]
        collector_metrics: Option<String>,
        /// Where the security counters of the previous check are kept.
        #[arg(long, default_value = "ops-security-cursor.json")]
        security_cursor: PathBuf,
        /// Failed authentications above which to warn.
        #[arg(long, default_value_t = 5)]
        auth_failure_threshold: u64,
        /// Rate-limited requests above which to warn.
        #[arg(long, default_value_t = 10)]
        rate_limit_threshold: u64,
        /// Clock (Unix seconds; default now).
        #[arg(long)]
        now: Option<u64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Weekly performance review: detection latency average / median / p95 and the watched rates.
    Review {
        /// Required: the review period (the only one so far).
        #[arg(long, required = true)]
        weekly: bool,
        /// Batch files or folders.
        #[arg(long = "telemetry")]
        telemetry: Vec<PathBuf>,
        /// State file of `evaluate` (its samples).
        #[arg(long)]
        state: Option<PathBuf>,
        /// End of the week (Unix seconds; default now, or `latest`).
        #[arg(long)]
        now: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check an audit log's hash chain.
    VerifyAudit {
        /// The log.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the built-in rules, or check a rules file.
    Rules {
        /// A rules file to check (default: print the built-in rules).
        file: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ops-probe: could not do its job: {e:#}");
            ExitCode::from(3)
        }
    }
}

fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.cmd {
        Command::Evaluate { telemetry, prometheus, rules, state, format, now, audit, out } => evaluate(
            &telemetry,
            prometheus.as_deref(),
            rules.as_deref(),
            state.as_deref(),
            format,
            now.as_deref(),
            audit.as_deref(),
            out.as_deref(),
        ),
        Command::Check {
            manifest_url,
            trust,
            threshold,
            budget_ms,
            expiry_warning_hours,
            report_health,
            admin_url,
            admin_token_env,
            state,
            collector_metrics,
            security_cursor,
            auth_failure_threshold,
            rate_limit_threshold,
            now,
            json,
        } => {
            let mut keys = Vec::new();
            for p in &trust {
                let bytes = std::fs::read(p).with_context(|| format!("cannot read public key {}", p.display()))?;
                let (_, k) = ferretwatch_core::signed::keys::PublicKey::from_pub_file(&bytes)
                    .with_context(|| format!("{} is not a FerretWatch public key file", p.display()))?;
                keys.push(k);
            }
            let alerts = match &state {
                Some(p) => {
                    let st = State::load(p)?;
                    st.alerts
                        .iter()
                        .filter(|(_, a)| a.phase == ops_probe::store::AlertPhase::Firing)
                        .map(|(n, a)| format!("{n}: {}", a.detail))
                        .collect()
                }
                None => Vec::new(),
            };
            let targets = ops_probe::check::Targets {
                manifest_url,
                trust: keys,
                threshold,
                budget_ms,
                expiry_warning: expiry_warning_hours * 3600,
                report_health,
                admin: admin_url.map(|u| (u, std::env::var(&admin_token_env).ok().filter(|t| !t.is_empty()))),
                now: now.unwrap_or_else(now_unix),
            };
            let mut report = ops_probe::check::run(&targets);
            if let Some(url) = collector_metrics {
                let previous = match std::fs::read(&security_cursor) {
                    Ok(b) => Some(serde_json::from_slice(&b).with_context(|| {
                        format!("{} is not a security cursor; move it away", security_cursor.display())
                    })?),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(e) => return Err(e).with_context(|| format!("cannot read {}", security_cursor.display())),
                };
                let sec = ops_probe::check::Security {
                    url,
                    previous,
                    auth_failures: auth_failure_threshold,
                    rate_limited: rate_limit_threshold,
                };
                let (results, cursor) = ops_probe::check::security(&sec, targets.now);
                report.extend(results);
                if let Some(c) = cursor {
                    control::write_atomically(&security_cursor, &serde_json::to_vec(&c)?)
                        .with_context(|| format!("cannot write {}", security_cursor.display()))?;
                }
            }
            if json {
                println!(
                    "{}",
                    serde_json::json!({"report": report, "exit_code": report.exit_code(), "alerts_firing": alerts})
                );
            } else {
                print!("{}", ops_probe::check::render_text(&report, &alerts));
            }
            Ok(ExitCode::from(report.exit_code()))
        }
        Command::Review { weekly: _, telemetry, state, now, json } => {
            let mut st = match &state {
                Some(p) => State::load(p)?,
                None => State::default(),
            };
            let mut bad = 0;
            for p in &telemetry {
                let l = source::load_path(p)?;
                bad += l.bad.len();
                for b in &l.bad {
                    eprintln!("ops-probe: skipped {} {} field `{}`: {}", b.source, b.position, b.field, b.message);
                }
                eval::ingest(&mut st, &l.batches, 0);
            }
            let now = match now.as_deref() {
                None => now_unix(),
                Some("latest") => st.samples.keys().next_back().copied().context("no telemetry")?,
                Some(n) => n.parse().with_context(|| format!("--now {n}: expected Unix seconds or `latest`"))?,
            };
            let Some(w) = ops_probe::review::weekly(&st.samples, now) else {
                bail!("no telemetry in the 7 days before {now} ({bad} malformed batch(es) skipped)");
            };
            if json {
                println!("{}", serde_json::json!({"weekly": w, "malformed": bad}));
            } else {
                print!("{}", ops_probe::review::render_text(&w));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::ExportOpenmetrics { telemetry, out, shift } => {
            anyhow::ensure!(shift % 60 == 0, "--shift must be a multiple of 60 (whole steps)");
            let mut batches = Vec::new();
            for p in &telemetry {
                let l = source::load_path(p)?;
                for b in &l.bad {
                    eprintln!("ops-probe: skipped {} {} field `{}`: {}", b.source, b.position, b.field, b.message);
                }
                batches.extend(l.batches.into_iter().map(|(_, mut b)| {
                    b.period_start = b.period_start.saturating_add_signed(shift);
                    b.period_end = b.period_end.saturating_add_signed(shift);
                    b
                }));
            }
            let text = ops_probe::prom::to_openmetrics(&batches);
            match out {
                Some(o) => control::write_atomically(&o, text.as_bytes())
                    .with_context(|| format!("cannot write {}", o.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::SetLevel {
            level,
            reason,
            publish,
            out,
            keys,
            threshold,
            sequence,
            expires_hours,
            audit,
            actor,
            json,
        } => set_level(level, &reason, publish, out, &keys, threshold, sequence, expires_hours, &audit, actor, json),
        Command::VerifyAudit { file, json } => match audit::verify(&file) {
            Ok(entries) => {
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"valid": true, "entries": entries.len(), "level": audit::current_level(&entries),
                        "head": entries.last().map(|e| e.hash.clone())})
                    );
                } else {
                    println!(
                        "OK {}: {} entries, chain intact, level {}",
                        file.display(),
                        entries.len(),
                        audit::current_level(&entries)
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                if json {
                    println!("{}", serde_json::json!({"valid": false, "error": e.to_string()}));
                }
                eprintln!("ops-probe: {} does NOT verify: {e}", file.display());
                Ok(ExitCode::from(2))
            }
        },
        Command::Rules { file } => match file {
            None => {
                print!("{}", ops_probe::rules::DEFAULT_RULES);
                Ok(ExitCode::SUCCESS)
            }
            Some(f) => {
                let r = load_rules(Some(&f))?;
                println!("OK {}: {} rules, {} burn-rate alerts", f.display(), r.rules.len(), r.burns.len());
                Ok(ExitCode::SUCCESS)
            }
        },
    }
}

fn load_rules(path: Option<&Path>) -> Result<Rules> {
    match path {
        None => Ok(Rules::default_rules()),
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read rules file {}", p.display()))?;
            Rules::parse(&bytes).with_context(|| format!("rules file {} is not valid", p.display()))
        }
    }
}

fn load_telemetry(spec: &str, state: &mut State, now: u64) -> Result<Loaded> {
    if spec.starts_with("http://") || spec.starts_with("https://") {
        let mut out = Loaded::default();
        let key = format!("metrics:{spec}");
        let mut cursor = state.cursors.get(&key).cloned();
        ops_probe::prom::load_metrics(spec, &mut cursor, now, &mut out)
            .with_context(|| format!("cannot scrape {spec}"))?;
        if let Some(c) = cursor {
            state.cursors.insert(key, c);
        }
        return Ok(out);
    }
    Ok(source::load_path(Path::new(spec))?)
}

#[allow(clippy::too_many_arguments)]
fn evaluate(
    telemetry: &[String],
    prometheus: Option<&str>,
    rules: Option<&Path>,
    state_path: Option<&Path>,
    format: Format,
    now: Option<&str>,
    audit_path: Option<&Path>,
    out: Option<&Path>,
) -> Result<ExitCode> {
    let rules = load_rules(rules)?;
    let mut state = match state_path {
        Some(p) => State::load(p)?,
        None => State::default(),
    };
    let mut report = TelemetryReport::default();
    let mut batches = Vec::new();
    let clock = match now {
        Some(n) if n != "latest" => {
            n.parse().with_context(|| format!("--now {n}: expected Unix seconds or `latest`"))?
        }
        _ => now_unix(),
    };
    for spec in telemetry {
        let loaded = load_telemetry(spec, &mut state, clock)?;
        report.sources += loaded.files.max(1);
        report.malformed.extend(loaded.bad);
        batches.extend(loaded.batches);
    }
    if let Some(base) = prometheus {
        let key = format!("prometheus:{base}");
        let since = state.cursors.get(&key).and_then(|v| v.as_u64());
        // One range query holds at most 11 000 points: a week of minutes fits.
        let start = since.unwrap_or(0).max(clock.saturating_sub(rules.retention().min(7 * 86_400)));
        let mut loaded = Loaded::default();
        ops_probe::prom::load_prometheus(base, start, clock, &mut loaded)
            .with_context(|| format!("cannot read telemetry from Prometheus at {base}"))?;
        state.cursors.insert(key, serde_json::json!(clock / 60 * 60));
        report.sources += 1;
        report.malformed.extend(loaded.bad);
        batches.extend(loaded.batches);
    }
    let latest_new = batches.iter().map(|(_, b)| eval::step_of(b.period_end)).max();
    let now = match now {
        None => clock,
        // Nothing to take the time from (e.g. a /metrics endpoint's first scrape): the clock,
        // so the checks below say what is missing.
        Some("latest") => latest_new.or(state.samples.keys().next_back().copied()).unwrap_or(clock),
        Some(_) => clock,
    };
    let oldest = now.saturating_sub(rules.retention());
    report.ingest = eval::ingest(&mut state, &batches, oldest);
    state.prune(oldest);
    if state.samples.is_empty() {
        if let Some(p) = state_path {
            state.save(p)?; // keeps a /metrics endpoint's first scrape
        }
        if telemetry.iter().any(|t| t.starts_with("http")) && report.malformed.is_empty() {
            bail!(
                "no usable telemetry yet: a /metrics endpoint yields data from its second scrape on (run again with --state)"
            );
        }
        let bad = report.malformed.len();
        bail!(
            "no usable telemetry: {} batch(es) read, {bad} malformed{}, none within the last {} s before {now}",
            batches.len(),
            report
                .malformed
                .first()
                .map(|b| format!(" (first: {} {} `{}`: {})", b.source, b.position, b.field, b.message))
                .unwrap_or_default(),
            rules.retention()
        );
    }
    let level_before = state.level.level;
    let e = eval::evaluate(&mut state, &rules, now, report);
    if let Some(a) = audit_path
        && !e.level.changes.is_empty()
    {
        let items: Vec<audit::NewEntry> = e
            .level
            .changes
            .iter()
            .map(|c| audit::NewEntry {
                time: c.at,
                source: "evaluate".into(),
                actor: "ops-probe".into(),
                from: c.from,
                to: c.to,
                reason: format!("recommendation: {}", c.reason),
                control_sha256: None,
                control_path: None,
            })
            .collect();
        audit::append(a, &items).context("cannot record the level change in the audit log")?;
    }
    let _ = level_before;
    if let Some(p) = state_path {
        state.save(p)?;
    }
    let code = e.exit_code();
    let text = output::render(&e, format, code);
    print!("{text}");
    if let Some(o) = out {
        control::write_atomically(o, text.as_bytes()).with_context(|| format!("cannot write {}", o.display()))?;
    }
    Ok(ExitCode::from(code))
}

#[allow(clippy::too_many_arguments)]
fn set_level(
    level: u8,
    reason: &str,
    publish: Option<PathBuf>,
    out: Option<PathBuf>,
    key_files: &[PathBuf],
    threshold: usize,
    sequence: Option<u64>,
    expires_hours: u64,
    audit_path: &Path,
    actor: Option<String>,
    json: bool,
) -> Result<ExitCode> {
    let history = audit::verify(audit_path).context("the audit log does not verify; not changing the level")?;
    let mut keys = Vec::new();
    for k in key_files {
        let bytes = std::fs::read(k).with_context(|| format!("cannot read key file {}", k.display()))?;
        let (_, secret) = ferretwatch_core::signed::keys::SecretKey::from_key_file(&bytes)
            .with_context(|| format!("{} is not a FerretWatch secret key file", k.display()))?;
        keys.push(secret);
    }
    if publish.is_some() && keys.len() < threshold.max(1) {
        bail!(
            "publishing needs {} signature(s) (the two-person rule) and {} key(s) were given: add --key",
            threshold.max(1),
            keys.len()
        );
    }
    let now = now_unix();
    let verify_threshold = if keys.len() >= threshold.max(1) { threshold.max(1) } else { 0 };
    let signed = control::build(level, reason, now, sequence, expires_hours, &keys, verify_threshold)
        .context("the control document is not valid")?;
    let path = match (&publish, out) {
        (Some(dir), _) => dir.join(control::CONTROL_FILE),
        (None, Some(o)) => o,
        (None, None) => PathBuf::from(control::CONTROL_FILE),
    };
    control::write_atomically(&path, &signed.bytes).with_context(|| format!("cannot write {}", path.display()))?;
    let from = audit::current_level(&history);
    let actor = actor.or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "unknown".into());
    let entry = audit::append(
        audit_path,
        &[audit::NewEntry {
            time: now,
            source: "set-level".into(),
            actor,
            from,
            to: level,
            reason: reason.to_string(),
            control_sha256: Some(signed.sha256()),
            control_path: Some(path.display().to_string()),
        }],
    )
    .context("the control document was written but the audit log could not be appended")?;
    if json {
        println!(
            "{}",
            serde_json::json!({"out": path, "level": level, "from": from, "sequence": signed.doc.sequence,
            "expires": signed.doc.expires, "signatures": signed.signers, "published": publish.is_some(),
            "audit_seq": entry[0].seq, "audit_hash": entry[0].hash})
        );
    } else {
        println!(
            "control document {}: level {from} -> {level} (sequence {}, expires {}), {} signature(s); audit entry {}",
            path.display(),
            signed.doc.sequence,
            signed.doc.expires,
            signed.signers.len(),
            entry[0].seq
        );
    }
    Ok(ExitCode::SUCCESS)
}
