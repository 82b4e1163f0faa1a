//! `ops-probe check` against a CDN directory (the layout of `ferretwatch pack deploy`: manifest,
//! `artifacts/<sha256>`, `control.json`) served by a small HTTP server on loopback, with the
//! report API health endpoint and an admin endpoint that needs a bearer token.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::SecretKey;
use ferretwatch_core::signed::manifest::Manifest;
use serde_json::Value;

#[derive(Clone, Default)]
struct Mode {
    artifact_delay_ms: u64,
    admin_open: bool,
    manifest_cache: Option<String>,
    collector: String,
}

/// Serves `/cdn/...` from `dir`, `POST /health`, `GET /admin/health` (token `s3cret`).
fn serve(dir: PathBuf, mode: Arc<Mutex<Mode>>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { continue };
            let dir = dir.clone();
            let mode = mode.lock().unwrap().clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(c.try_clone().unwrap());
                let mut first = String::new();
                r.read_line(&mut first).unwrap();
                let mut headers = BTreeMap::new();
                let mut line = String::new();
                while r.read_line(&mut line).is_ok_and(|n| n > 2) {
                    if let Some((k, v)) = line.trim().split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                    }
                    line.clear();
                }
                let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                let mut parts = first.split_whitespace();
                let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let (status, cache, out): (u16, Option<String>, Vec<u8>) = if let Some(p) = path.strip_prefix("/cdn/") {
                    match std::fs::read(dir.join(p)) {
                        Ok(b) if p.starts_with("artifacts/") => {
                            std::thread::sleep(std::time::Duration::from_millis(mode.artifact_delay_ms));
                            (200, Some("public, max-age=31536000, immutable".into()), b)
                        }
                        Ok(b) => (200, Some(mode.manifest_cache.clone().unwrap_or_else(|| "max-age=300".into())), b),
                        Err(_) => (404, None, b"not found".to_vec()),
                    }
                } else if path == "/health" && method == "POST" && body == br#"{"check":"health"}"# {
                    (200, None, br#"{"status":"ok"}"#.to_vec())
                } else if path == "/collector/metrics" {
                    (200, None, mode.collector.clone().into_bytes())
                } else if path == "/admin/health" {
                    let ok = mode.admin_open || headers.get("authorization").is_some_and(|a| a == "Bearer s3cret");
                    if ok { (200, None, b"{}".to_vec()) } else { (401, None, b"unauthorized".to_vec()) }
                } else {
                    (404, None, b"not found".to_vec())
                };
                let cc = cache.map(|c| format!("Cache-Control: {c}\r\n")).unwrap_or_default();
                let _ =
                    write!(c, "HTTP/1.1 {status} X\r\n{cc}Content-Length: {}\r\nConnection: close\r\n\r\n", out.len());
                let _ = c.write_all(&out);
            });
        }
    });
    format!("http://{addr}")
}

struct Cdn {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    trust: Vec<PathBuf>,
    keys: Vec<SecretKey>,
    manifest: Manifest,
}

const NOW: u64 = 1_800_000_000;

fn cdn(expires: u64) -> Cdn {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cdn");
    let mut files = ferretwatch_core::pack::PackFiles::new();
    files.insert("pack.json".into(), br#"{"version": "2027.1.15.1"}"#.to_vec());
    files.insert("rules/kits.yar".into(), b"rule kit { strings: $a = \"verify your account\" condition: $a }".to_vec());
    files.insert("brands.json".into(), br#"{"brands": []}"#.to_vec());
    let m = Manifest::for_files("2027.1.15.1", NOW - 3600, expires, "0.1.0", &files);
    let keys = vec![SecretKey::from_seed([3; 32]), SecretKey::from_seed([4; 32])];
    let mut env = Envelope::unsigned(&m.to_json());
    for k in &keys {
        env.sign(Domain::Manifest, k);
    }
    std::fs::create_dir_all(dir.join("artifacts")).unwrap();
    for a in &m.artifacts {
        std::fs::write(dir.join("artifacts").join(&a.sha256), &files[&a.path]).unwrap();
    }
    std::fs::write(dir.join("manifest.json"), env.to_json()).unwrap();
    let mut trust = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let p = tmp.path().join(format!("k{i}.pub"));
        std::fs::write(&p, k.public().to_pub_file(&format!("k{i}"))).unwrap();
        trust.push(p);
    }
    Cdn { _tmp: tmp, dir, trust, keys, manifest: m }
}

fn check(base: &str, c: &Cdn, extra: &[&str]) -> (i32, Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ops-probe"));
    cmd.args(["check", "--manifest-url", &format!("{base}/cdn/manifest.json"), "--now", &NOW.to_string(), "--json"]);
    for t in &c.trust {
        cmd.arg("--trust").arg(t);
    }
    cmd.args(extra).env("OPS_TEST_ADMIN", "s3cret");
    let o = cmd.output().unwrap();
    let v =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("no JSON: {}", String::from_utf8_lossy(&o.stderr)));
    (o.status.code().unwrap_or(-1), v)
}

fn status(v: &Value, name: &str) -> (String, String) {
    let c = v["report"]["checks"].as_array().unwrap().iter().find(|c| c["name"] == name);
    let c = c.unwrap_or_else(|| panic!("no check {name}: {v}"));
    (c["status"].as_str().unwrap().into(), c["detail"].as_str().unwrap().into())
}

fn all_args(base: &str) -> Vec<String> {
    vec![
        "--report-health".into(),
        format!("{base}/health"),
        "--admin-url".into(),
        format!("{base}/admin/health"),
        "--admin-token-env".into(),
        "OPS_TEST_ADMIN".into(),
    ]
}

#[test]
fn a_healthy_cdn_passes_every_check_and_each_fault_is_named() {
    let c = cdn(NOW + 14 * 86_400);
    let mode = Arc::new(Mutex::new(Mode::default()));
    let base = serve(c.dir.clone(), mode.clone());
    let args = all_args(&base);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let (code, v) = check(&base, &c, &args);
    assert_eq!(code, 0, "{v:#}");
    let n = c.manifest.artifacts.len();
    assert_eq!(
        status(&v, "cdn.artifacts.hashes"),
        ("ok".into(), format!("{n}/{n} artifacts match their sha256 and size"))
    );
    for name in [
        "cdn.manifest.reachable",
        "cdn.manifest.signature",
        "cdn.manifest.expiry",
        "cdn.manifest.cache_headers",
        "cdn.artifacts.cache_headers",
        "cdn.download_time",
        "cdn.control",
        "report_api.health",
        "admin.auth_required",
        "admin.health",
    ] {
        assert_eq!(status(&v, name).0, "ok", "{name}: {v:#}");
    }
    assert_eq!(v["report"]["ok"].as_u64(), Some(v["report"]["checks"].as_array().unwrap().len() as u64));

    // An altered artifact (same size): the hash check fails and says which.
    let a = &c.manifest.artifacts[0];
    let p = c.dir.join("artifacts").join(&a.sha256);
    let mut bytes = std::fs::read(&p).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&p, &bytes).unwrap();
    let (code, v) = check(&base, &c, &[]);
    assert_eq!(code, 2);
    let (st, detail) = status(&v, "cdn.artifacts.hashes");
    assert_eq!(st, "fail");
    assert!(detail.starts_with(&format!("{}/{n} artifacts", n - 1)) && detail.contains(&a.path), "{detail}");
    bytes[0] ^= 1;
    std::fs::write(&p, &bytes).unwrap();

    // The admin endpoint answering without a token is a failure, not a pass.
    mode.lock().unwrap().admin_open = true;
    let (code, v) = check(&base, &c, &args);
    assert_eq!(code, 2);
    assert_eq!(status(&v, "admin.auth_required").0, "fail");
    mode.lock().unwrap().admin_open = false;

    // Slow artifacts against a tight budget.
    mode.lock().unwrap().artifact_delay_ms = 60;
    let (code, v) = check(&base, &c, &["--budget-ms", "100"]);
    assert_eq!(code, 2);
    assert_eq!(status(&v, "cdn.download_time").0, "fail");
    mode.lock().unwrap().artifact_delay_ms = 0;

    // A manifest cached for a day: warning only.
    mode.lock().unwrap().manifest_cache = Some("public, max-age=86400".into());
    let (code, v) = check(&base, &c, &[]);
    assert_eq!(code, 1);
    assert_eq!(status(&v, "cdn.manifest.cache_headers").0, "warn");
    mode.lock().unwrap().manifest_cache = None;

    // A published control document at level 3 is reported (warning), verified with the same keys.
    let signed = ops_probe::control::build(3, "CDN incident", NOW - 60, None, 24, &c.keys, 2).unwrap();
    std::fs::write(c.dir.join("control.json"), &signed.bytes).unwrap();
    let (code, v) = check(&base, &c, &[]);
    assert_eq!(code, 1);
    assert_eq!(status(&v, "cdn.control"), ("warn".into(), format!("level 3 since {}: CDN incident", NOW - 60)));
}

#[test]
fn expired_unsigned_or_missing_manifests_fail() {
    // Expired (freeze): the client would refuse it.
    let c = cdn(NOW - 1);
    let base = serve(c.dir.clone(), Arc::new(Mutex::new(Mode::default())));
    let (code, v) = check(&base, &c, &[]);
    assert_eq!(code, 2);
    let (st, detail) = status(&v, "cdn.manifest.signature");
    assert!(st == "fail" && detail.contains("(expired)"), "{detail}");

    // Trusting only one of the two keys with threshold 2: the other signer is unknown here.
    let c = cdn(NOW + 86_400);
    let base = serve(c.dir.clone(), Arc::new(Mutex::new(Mode::default())));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ops-probe"));
    let o = cmd
        .args(["check", "--manifest-url", &format!("{base}/cdn/manifest.json"), "--now", &NOW.to_string(), "--json"])
        .arg("--trust")
        .arg(&c.trust[0])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let detail = status(&v, "cdn.manifest.signature").1;
    assert!(detail.contains("(unknown_key)") && detail.contains("1 valid signature(s), 2 needed"), "{detail}");
    // Expiring within the warning window: a warning.
    let (code, v) = check(&base, &c, &["--expiry-warning-hours", "48"]);
    assert_eq!((code, status(&v, "cdn.manifest.expiry").0.as_str()), (1, "warn"));

    // No manifest at that URL.
    let o = Command::new(env!("CARGO_BIN_EXE_ops-probe"))
        .args(["check", "--manifest-url", &format!("{base}/cdn/nothing.json"), "--now", &NOW.to_string()])
        .arg("--trust")
        .arg(&c.trust[0])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("FAIL  cdn.manifest.reachable  HTTP 404"), "{text}");
    assert!(text.starts_with("FerretWatch daily health check"), "{text}");
    assert!(Path::new(&c.dir).join("manifest.json").exists());
}

fn collector(auth_fail: u64, limited: u64, ok: u64, errors: u64) -> String {
    format!(
        "# TYPE ferretwatch_collector_requests_total counter\n\
         ferretwatch_collector_requests_total{{route=\"/v1/reports\",code=\"202\"}} {ok}\n\
         ferretwatch_collector_requests_total{{route=\"/v1/reports\",code=\"500\"}} {errors}\n\
         ferretwatch_collector_requests_total{{route=\"/v1/admin/export\",code=\"401\"}} {auth_fail}\n\
         ferretwatch_collector_rate_limited_total{{scope=\"ip\"}} {limited}\n\
         ferretwatch_page_loads_total 5\n"
    )
}

#[test]
fn security_monitoring_counts_since_the_previous_check() {
    let c = cdn(NOW + 14 * 86_400);
    let mode = Arc::new(Mutex::new(Mode { collector: collector(4, 3, 1000, 1), ..Mode::default() }));
    let base = serve(c.dir.clone(), mode.clone());
    let cursor = c.dir.parent().unwrap().join("cursor.json");
    let args = [
        "--collector-metrics".to_string(),
        format!("{base}/collector/metrics"),
        "--security-cursor".into(),
        cursor.to_str().unwrap().into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // First check: totals since the collector started, below the thresholds (5 and 10).
    let (code, v) = check(&base, &c, &args);
    assert_eq!(code, 0, "{v:#}");
    let (st, detail) = status(&v, "security.auth_failures");
    assert_eq!(st, "ok");
    assert!(
        detail.starts_with("4 failed authentications") && detail.contains("since the collector started"),
        "{detail}"
    );
    assert!(cursor.exists());

    // Next check: 6 more 401s, 12 more 429s, 30 more 5xx out of 1 036 new requests (2.9 %).
    mode.lock().unwrap().collector = collector(10, 15, 2000, 31);
    let (code, v) = check(&base, &c, &args);
    assert_eq!(code, 2, "{v:#}");
    let (st, detail) = status(&v, "security.auth_failures");
    assert_eq!(st, "warn");
    assert!(detail.starts_with("6 failed authentications (401/403) since the previous check"), "{detail}");
    let (st, detail) = status(&v, "security.rate_limited");
    assert!(st == "warn" && detail.starts_with("12 requests refused with 429"), "{detail}");
    let (st, detail) = status(&v, "collector.server_errors");
    assert!(st == "fail" && detail.starts_with("30 server errors in 1036 requests"), "{detail}");

    // Nothing new: all quiet again.
    let (code, v) = check(&base, &c, &args);
    assert_eq!(code, 0, "{v:#}");
    assert!(status(&v, "security.auth_failures").1.starts_with("0 failed"));
}
