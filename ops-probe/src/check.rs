//! `ops-probe check`: the daily health check of the rule CDN, the report API and the admin
//! endpoint (operations seed §3.1 and the daily routine), with every result counted and shown —
//! a check passes on what it measured, never on a command having run.

use std::time::Instant;

use ferretwatch_core::signed::control::verify_control;
use ferretwatch_core::signed::download::ArtifactDownload;
use ferretwatch_core::signed::keys::{KeySet, PublicKey};
use ferretwatch_core::signed::manifest::{Policy, verify_manifest};
use ferretwatch_core::signed::{MAX_DOCUMENT_BYTES, MAX_MANIFEST_BYTES};
use serde::Serialize;

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// As it should be.
    Ok,
    /// Works, but something needs attention (exit 1).
    Warn,
    /// Broken (exit 2).
    Fail,
}

impl Status {
    /// `OK`, `WARN`, `FAIL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        }
    }
}

/// One check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// `cdn.manifest.reachable`, `cdn.artifacts.hashes`, `report_api.health`, ...
    pub name: String,
    /// Outcome.
    pub status: Status,
    /// What was measured.
    pub detail: String,
    /// Time taken, ms.
    pub ms: Option<u64>,
}

/// What to check.
#[derive(Debug, Clone)]
pub struct Targets {
    /// `https://rules.example/v1/manifest.json` (the CDN layout of `docs/rule-pack-format.md` §6).
    pub manifest_url: String,
    /// Publisher keys.
    pub trust: Vec<PublicKey>,
    /// Signatures needed.
    pub threshold: usize,
    /// Download budget for manifest + artifacts, ms (pack download SLO: 2 s).
    pub budget_ms: u64,
    /// Warn when the manifest expires sooner than this, seconds.
    pub expiry_warning: u64,
    /// Report API health endpoint (POST `{"check":"health"}`).
    pub report_health: Option<String>,
    /// Admin health endpoint and its bearer token.
    pub admin: Option<(String, Option<String>)>,
    /// Clock.
    pub now: u64,
}

/// Security monitoring from the collector's `/metrics` (the sibling seed's 4-hourly routine):
/// failed authentications, rate-limited requests and server errors since the previous check.
#[derive(Debug, Clone)]
pub struct Security {
    /// The collector's `/metrics` URL.
    pub url: String,
    /// Counter values of the previous check (`{"time", "values"}`), if any.
    pub previous: Option<serde_json::Value>,
    /// Failed authentications (401/403) above which to warn (seed: `--alert-threshold 5`).
    pub auth_failures: u64,
    /// Rate-limited requests above which to warn (seed: `detect-abuse.sh --threshold 10`).
    pub rate_limited: u64,
}

/// Runs the security checks; returns the results and the cursor for the next check.
pub fn security(sec: &Security, now: u64) -> (Vec<CheckResult>, Option<serde_json::Value>) {
    let mut out = Vec::new();
    let (status, body) = match crate::prom::get_text(&sec.url, 16 << 20) {
        Ok(r) => r,
        Err(e) => {
            out.push(CheckResult {
                name: "security.collector_metrics".into(),
                status: Status::Fail,
                detail: e.to_string(),
                ms: None,
            });
            return (out, sec.previous.clone());
        }
    };
    if status != 200 {
        out.push(CheckResult {
            name: "security.collector_metrics".into(),
            status: Status::Fail,
            detail: format!("HTTP {status} from {}", sec.url),
            ms: None,
        });
        return (out, sec.previous.clone());
    }
    let (snap, _) = crate::prom::parse_text(&body);
    let prev: crate::prom::Snapshot = sec
        .previous
        .as_ref()
        .and_then(|p| p["values"].as_object())
        .map(|m| m.iter().filter_map(|(k, v)| v.as_f64().map(|f| (k.clone(), f))).collect())
        .unwrap_or_default();
    let since = match sec.previous.as_ref().and_then(|p| p["time"].as_u64()) {
        Some(t) => format!("since the previous check at {t}"),
        None => "since the collector started (no previous check)".into(),
    };
    let delta = |k: &str, v: f64| match prev.get(k) {
        Some(p) if v >= *p => v - p,
        _ => v,
    };
    let (mut auth, mut limited, mut errors, mut requests) = (0.0, 0.0, 0.0, 0.0);
    for (k, &v) in &snap {
        let d = delta(k, v);
        if k.starts_with("ferretwatch_collector_requests_total{") {
            requests += d;
            if k.contains("code=\"401\"") || k.contains("code=\"403\"") {
                auth += d;
            } else if k.contains("code=\"5") {
                errors += d;
            }
        } else if k.starts_with("ferretwatch_collector_rate_limited_total") {
            limited += d;
        }
    }
    let push = |out: &mut Vec<CheckResult>, name: &str, bad: bool, fail: bool, detail: String| {
        let status = if !bad {
            Status::Ok
        } else if fail {
            Status::Fail
        } else {
            Status::Warn
        };
        out.push(CheckResult { name: name.into(), status, detail, ms: None });
    };
    push(
        &mut out,
        "security.auth_failures",
        auth as u64 > sec.auth_failures,
        false,
        format!("{auth} failed authentications (401/403) {since}; threshold {}", sec.auth_failures),
    );
    push(
        &mut out,
        "security.rate_limited",
        limited as u64 > sec.rate_limited,
        false,
        format!("{limited} requests refused with 429 {since}; threshold {}", sec.rate_limited),
    );
    let ratio = if requests > 0.0 { errors / requests } else { 0.0 };
    push(
        &mut out,
        "collector.server_errors",
        ratio > 0.02,
        true,
        format!("{errors} server errors in {requests} requests ({:.2} %) {since}; threshold 2 %", ratio * 100.0),
    );
    (out, Some(serde_json::json!({"time": now, "values": snap})))
}

/// The check report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// When.
    pub now: u64,
    /// Every check, in order.
    pub checks: Vec<CheckResult>,
    /// Counts.
    pub ok: usize,
    /// Counts.
    pub warnings: usize,
    /// Counts.
    pub failures: usize,
}

impl Report {
    /// 0 all OK, 1 warnings only, 2 a failure.
    pub fn exit_code(&self) -> u8 {
        if self.failures > 0 {
            2
        } else if self.warnings > 0 {
            1
        } else {
            0
        }
    }
}

struct Fetched {
    status: u16,
    body: Vec<u8>,
    cache_control: Option<String>,
    ms: u64,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(20)))
        .http_status_as_error(false)
        .build()
        .into()
}

fn fetch(a: &ureq::Agent, url: &str, limit: u64) -> Result<Fetched, String> {
    let t = Instant::now();
    let mut r = a.get(url).call().map_err(|e| e.to_string())?;
    let cache_control = r.headers().get("cache-control").and_then(|v| v.to_str().ok()).map(String::from);
    let status = r.status().as_u16();
    let body = r.body_mut().with_config().limit(limit).read_to_vec().map_err(|e| e.to_string())?;
    Ok(Fetched { status, body, cache_control, ms: t.elapsed().as_millis() as u64 })
}

fn max_age(cc: &str) -> Option<u64> {
    cc.split(',').find_map(|d| d.trim().strip_prefix("max-age=").and_then(|v| v.trim().parse().ok()))
}

fn base_of(url: &str) -> String {
    match url.rfind('/') {
        Some(i) => url[..=i].to_string(),
        None => format!("{url}/"),
    }
}

impl Report {
    /// Adds results (and recounts).
    pub fn extend(&mut self, more: Vec<CheckResult>) {
        self.checks.extend(more);
        let count = |s: Status| self.checks.iter().filter(|c| c.status == s).count();
        (self.ok, self.warnings, self.failures) = (count(Status::Ok), count(Status::Warn), count(Status::Fail));
    }
}

/// Runs every check.
pub fn run(t: &Targets) -> Report {
    let a = agent();
    let mut checks = Vec::new();
    let mut push = |name: &str, status: Status, detail: String, ms: Option<u64>| {
        checks.push(CheckResult { name: name.into(), status, detail, ms })
    };
    let total = Instant::now();
    // 1. Manifest reachable.
    let manifest = match fetch(&a, &t.manifest_url, MAX_MANIFEST_BYTES as u64) {
        Ok(f) if f.status == 200 => {
            push("cdn.manifest.reachable", Status::Ok, format!("HTTP 200, {} bytes", f.body.len()), Some(f.ms));
            Some(f)
        }
        Ok(f) => {
            push(
                "cdn.manifest.reachable",
                Status::Fail,
                format!("HTTP {} from {}", f.status, t.manifest_url),
                Some(f.ms),
            );
            None
        }
        Err(e) => {
            push("cdn.manifest.reachable", Status::Fail, format!("{}: {e}", t.manifest_url), None);
            None
        }
    };
    let base = base_of(&t.manifest_url);
    if let Some(m) = manifest {
        // Cache headers: the manifest must be revalidated at least hourly (clients poll hourly).
        match m.cache_control.as_deref() {
            None => push("cdn.manifest.cache_headers", Status::Warn, "no Cache-Control header".into(), None),
            Some(cc)
                if cc.contains("no-cache") || cc.contains("no-store") || max_age(cc).is_some_and(|s| s <= 3600) =>
            {
                push("cdn.manifest.cache_headers", Status::Ok, format!("Cache-Control: {cc}"), None)
            }
            Some(cc) => push(
                "cdn.manifest.cache_headers",
                Status::Warn,
                format!(
                    "Cache-Control: {cc} — a new manifest (or a rollback) would reach clients late; use max-age ≤ 3600"
                ),
                None,
            ),
        }
        // 2. Signatures and expiry (the client's own checks).
        let policy = Policy { now: t.now, ..Policy::default() };
        let keys = KeySet::direct(&t.trust, t.threshold.max(1));
        match verify_manifest(&m.body, &keys, &policy) {
            Err(e) => push("cdn.manifest.signature", Status::Fail, format!("{} ({})", e, e.kind()), None),
            Ok((man, signers)) => {
                push(
                    "cdn.manifest.signature",
                    Status::Ok,
                    format!(
                        "pack {} signed by {} ({} of {} needed)",
                        man.pack_version,
                        signers.join(", "),
                        signers.len(),
                        t.threshold.max(1)
                    ),
                    None,
                );
                let left = man.expires.saturating_sub(t.now);
                let st = if left < t.expiry_warning { Status::Warn } else { Status::Ok };
                push("cdn.manifest.expiry", st, format!("expires at {} ({} h left)", man.expires, left / 3600), None);
                // 3. Artifacts match their hashes.
                if man.artifacts.is_empty() {
                    push("cdn.artifacts.hashes", Status::Fail, "the manifest lists no artifacts".into(), None);
                } else {
                    let mut good = 0;
                    let mut problems = Vec::new();
                    let mut immutable = 0;
                    let t_art = Instant::now();
                    for art in &man.artifacts {
                        let url = format!("{base}artifacts/{}", art.sha256);
                        match fetch(&a, &url, art.size.saturating_add(1)) {
                            Ok(f) if f.status == 200 => {
                                let mut d = ArtifactDownload::new(art);
                                match d.push(&f.body).and_then(|_| d.finish()) {
                                    Ok(_) => good += 1,
                                    Err(e) => problems.push(format!("{}: {e}", art.path)),
                                }
                                if f.cache_control.as_deref().and_then(max_age).is_some_and(|s| s >= 86_400) {
                                    immutable += 1;
                                }
                            }
                            Ok(f) => problems.push(format!("{}: HTTP {}", art.path, f.status)),
                            Err(e) => problems.push(format!("{}: {e}", art.path)),
                        }
                    }
                    let n = man.artifacts.len();
                    let st = if good == n { Status::Ok } else { Status::Fail };
                    let mut detail = format!("{good}/{n} artifacts match their sha256 and size");
                    if !problems.is_empty() {
                        detail += &format!("; {}", problems.iter().take(5).cloned().collect::<Vec<_>>().join("; "));
                    }
                    push("cdn.artifacts.hashes", st, detail, Some(t_art.elapsed().as_millis() as u64));
                    let st = if immutable == n { Status::Ok } else { Status::Warn };
                    push(
                        "cdn.artifacts.cache_headers",
                        st,
                        format!("{immutable}/{n} artifacts cacheable for a day or more (content-addressed, immutable)"),
                        None,
                    );
                }
            }
        }
        // Download time against the budget (manifest + artifacts, as a client fetches them).
        let ms = total.elapsed().as_millis() as u64;
        let st = if ms <= t.budget_ms { Status::Ok } else { Status::Fail };
        push(
            "cdn.download_time",
            st,
            format!("{ms} ms for manifest and artifacts (budget {} ms)", t.budget_ms),
            Some(ms),
        );
        // The control document, if published.
        match fetch(&a, &format!("{base}control.json"), MAX_DOCUMENT_BYTES as u64) {
            Ok(f) if f.status == 404 => {
                push("cdn.control", Status::Ok, "no control document published (level 1)".into(), None)
            }
            Ok(f) if f.status == 200 => match verify_control(&f.body, &keys, t.now, 0) {
                Ok((doc, _)) => {
                    let st = if doc.level > 1 { Status::Warn } else { Status::Ok };
                    push(
                        "cdn.control",
                        st,
                        format!("level {} since {}: {}", doc.level, doc.issued_at, doc.reason),
                        None,
                    )
                }
                Err(e) => push("cdn.control", Status::Fail, format!("control.json does not verify: {e}"), None),
            },
            Ok(f) => push("cdn.control", Status::Fail, format!("control.json: HTTP {}", f.status), None),
            Err(e) => push("cdn.control", Status::Fail, format!("control.json: {e}"), None),
        }
    }
    // Report API health (seed §3.1: POST {"check":"health"}), against the 1 s submission SLO.
    if let Some(url) = &t.report_health {
        let start = Instant::now();
        let r = a
            .post(url)
            .header("Content-Type", "application/json")
            .send(r#"{"check":"health"}"#)
            .map(|r| r.status().as_u16());
        let ms = start.elapsed().as_millis() as u64;
        match r {
            Ok(s) if (200..300).contains(&s) && ms <= 1000 => {
                push("report_api.health", Status::Ok, format!("HTTP {s} in {ms} ms"), Some(ms))
            }
            Ok(s) if (200..300).contains(&s) => {
                push("report_api.health", Status::Warn, format!("HTTP {s} but {ms} ms > 1000 ms"), Some(ms))
            }
            Ok(s) => push("report_api.health", Status::Fail, format!("HTTP {s}"), Some(ms)),
            Err(e) => push("report_api.health", Status::Fail, e.to_string(), Some(ms)),
        }
    }
    // Admin endpoint: refuses without credentials, answers with them (admin ops SLO 5 s).
    if let Some((url, token)) = &t.admin {
        match a.get(url).call().map(|r| r.status().as_u16()) {
            Ok(s @ (401 | 403)) => push("admin.auth_required", Status::Ok, format!("HTTP {s} without a token"), None),
            Ok(s) => push(
                "admin.auth_required",
                Status::Fail,
                format!("HTTP {s} without a token: the admin endpoint must refuse unauthenticated requests"),
                None,
            ),
            Err(e) => push("admin.auth_required", Status::Fail, e.to_string(), None),
        }
        match token {
            None => push("admin.health", Status::Warn, "no token given (--admin-token-env): not checked".into(), None),
            Some(tok) => {
                let start = Instant::now();
                let r = a.get(url).header("Authorization", format!("Bearer {tok}")).call().map(|r| r.status().as_u16());
                let ms = start.elapsed().as_millis() as u64;
                match r {
                    Ok(s) if (200..300).contains(&s) && ms <= 5000 => {
                        push("admin.health", Status::Ok, format!("HTTP {s} in {ms} ms"), Some(ms))
                    }
                    Ok(s) if (200..300).contains(&s) => {
                        push("admin.health", Status::Warn, format!("HTTP {s} but {ms} ms > 5000 ms"), Some(ms))
                    }
                    Ok(s) => push("admin.health", Status::Fail, format!("HTTP {s} with the token"), Some(ms)),
                    Err(e) => push("admin.health", Status::Fail, e.to_string(), Some(ms)),
                }
            }
        }
    }
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    Report { now: t.now, ok: count(Status::Ok), warnings: count(Status::Warn), failures: count(Status::Fail), checks }
}

/// The daily health report as text.
pub fn render_text(r: &Report, alerts: &[String]) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "FerretWatch daily health check at {}: {} OK, {} warning(s), {} failure(s) of {} checks",
        r.now,
        r.ok,
        r.warnings,
        r.failures,
        r.checks.len()
    );
    let w = r.checks.iter().map(|c| c.name.len()).max().unwrap_or(4);
    for c in &r.checks {
        let ms = c.ms.map(|m| format!(" [{m} ms]")).unwrap_or_default();
        let _ = writeln!(o, "{:<4}  {:<w$}  {}{ms}", c.status.as_str(), c.name, c.detail);
    }
    if !alerts.is_empty() {
        let _ = writeln!(o, "alerts firing at the last evaluation:");
        for a in alerts {
            let _ = writeln!(o, "  {a}");
        }
    }
    o
}
