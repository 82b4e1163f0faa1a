//! The `ops-probe` binary: exit code 3 when it cannot do its job, the output formats agree with
//! the JSON, `set-level` writes the same signed control document as the rule-pack tools and an
//! audit log whose tampering is detected.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ferretwatch_core::signed::control::verify_control;
use ferretwatch_core::signed::keys::{KeySet, SecretKey};
use serde_json::Value;

fn probe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ops-probe")).args(args).output().unwrap()
}

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/ops/scenarios").join(name)
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

#[test]
fn cannot_do_its_job_exits_3_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nothing-here");
    let o = probe(&["evaluate", "--telemetry", missing.to_str().unwrap(), "--now", "1800000000"]);
    assert_eq!(code(&o), 3);
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read telemetry"));

    // Only malformed batches: nothing to evaluate.
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, b"{\"schema\": \"ferretwatch.telemetry.v1\", \"period_start\": 1}").unwrap();
    let o = probe(&["evaluate", "--telemetry", bad.to_str().unwrap(), "--now", "1800000000"]);
    assert_eq!(code(&o), 3);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no usable telemetry") && err.contains("period_end"), "{err}");

    // A damaged state file is never silently replaced.
    let state = tmp.path().join("state.json");
    std::fs::write(&state, b"{not json").unwrap();
    let t = scenario("healthy").join("t.jsonl");
    let o = probe(&[
        "evaluate",
        "--telemetry",
        t.to_str().unwrap(),
        "--now",
        "1800000000",
        "--state",
        state.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 3);
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a valid ops-probe state file"));
    assert_eq!(std::fs::read(&state).unwrap(), b"{not json");

    // A rules file with a bad duration.
    let rules = tmp.path().join("rules.json");
    let text = ops_probe::rules::DEFAULT_RULES.replacen("\"5m\"", "\"5 minutes\"", 1);
    std::fs::write(&rules, text).unwrap();
    let o = probe(&["evaluate", "--telemetry", t.to_str().unwrap(), "--rules", rules.to_str().unwrap()]);
    assert_eq!(code(&o), 3);
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a duration"));
}

#[test]
fn every_format_reports_the_same_alerts() {
    let t = scenario("error_rate_2_1_percent_5_minutes").join("t.jsonl");
    let run = |f: &str| {
        let o = probe(&["evaluate", "--telemetry", t.to_str().unwrap(), "--now", "1800000000", "--format", f]);
        assert_eq!(code(&o), 2, "{f}");
        String::from_utf8(o.stdout).unwrap()
    };
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    let firing: Vec<String> = json["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["state"] == "firing")
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    assert!(firing.contains(&"error_rate".to_string()));
    assert_eq!(json["exit_code"], 2);

    let prom = run("prometheus");
    let firing_prom: Vec<&str> = prom
        .lines()
        .filter(|l| l.starts_with("ferretwatch_probe_alert_state{") && l.ends_with(" 2"))
        .map(|l| l.split('"').nth(1).unwrap())
        .collect();
    assert_eq!(firing_prom.len(), firing.len());
    assert!(firing.iter().all(|f| firing_prom.contains(&f.as_str())));
    assert!(prom.contains("ferretwatch_probe_incident_severity 2\n"));
    assert!(prom.contains("ferretwatch_probe_exit_code 2\n"));
    for l in prom.lines().filter(|l| !l.starts_with('#')) {
        let v = l.rsplit(' ').next().unwrap();
        assert!(v.parse::<f64>().is_ok(), "sample line without a number: {l}");
    }

    let junit = run("junit");
    assert!(junit.contains(&format!("failures=\"{}\"", firing.len())));
    assert_eq!(junit.matches("<failure ").count(), firing.len());
    assert_eq!(junit.matches("<testcase ").count(), json["alerts"].as_array().unwrap().len());

    let md = run("markdown");
    assert!(md.starts_with("## ops-probe: INCIDENT P2"));
    for f in &firing {
        assert!(md.contains(&format!("| `{f}` | firing |")), "{f}");
    }
    let table = run("table");
    assert!(table.contains("INCIDENT P2 (respond within 1 hour)"));
    assert!(table.lines().any(|l| l.starts_with("error_rate ") && l.contains("firing")));
}

fn write_key(dir: &Path, name: &str, seed: u8) -> (PathBuf, SecretKey) {
    let k = SecretKey::from_seed([seed; 32]);
    let p = dir.join(format!("{name}.key"));
    std::fs::write(&p, k.to_key_file(name)).unwrap();
    (p, k)
}

#[test]
fn set_level_publishes_a_control_document_clients_accept() {
    let tmp = tempfile::tempdir().unwrap();
    let (ka, a) = write_key(tmp.path(), "alice", 7);
    let (kb, b) = write_key(tmp.path(), "bob", 8);
    let cdn = tmp.path().join("cdn");
    let audit = tmp.path().join("audit.jsonl");
    let o = probe(&[
        "set-level",
        "3",
        "--reason",
        "CDN incident INC-7",
        "--publish",
        cdn.to_str().unwrap(),
        "--key",
        ka.to_str().unwrap(),
        "--key",
        kb.to_str().unwrap(),
        "--audit",
        audit.to_str().unwrap(),
        "--actor",
        "alice",
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((out["level"].as_u64(), out["from"].as_u64(), out["audit_seq"].as_u64()), (Some(3), Some(1), Some(1)));

    // What a client does with CDN/control.json (core's verify_control, as `ferretwatch control verify`).
    let bytes = std::fs::read(cdn.join("control.json")).unwrap();
    let keys = KeySet::direct(&[a.public(), b.public()], 2);
    let now = out["sequence"].as_u64().unwrap();
    let (doc, level) = verify_control(&bytes, &keys, now, 0).unwrap();
    assert_eq!((doc.level, level.number(), doc.reason.as_str()), (3, 3, "CDN incident INC-7"));
    // Signed for the control domain only: not valid for one key alone at threshold 2.
    assert!(verify_control(&bytes, &KeySet::direct(&[a.public()], 2), now, 0).is_err());

    // One key is not enough to publish (two-person rule); nothing is written or logged.
    let cdn2 = tmp.path().join("cdn2");
    let o = probe(&[
        "set-level",
        "4",
        "--reason",
        "x",
        "--publish",
        cdn2.to_str().unwrap(),
        "--key",
        ka.to_str().unwrap(),
        "--audit",
        audit.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 3);
    assert!(String::from_utf8_lossy(&o.stderr).contains("two-person rule"));
    assert!(!cdn2.exists());

    // Back to level 1: the log chains both entries.
    let o = probe(&[
        "set-level",
        "1",
        "--reason",
        "resolved",
        "--publish",
        cdn.to_str().unwrap(),
        "--key",
        ka.to_str().unwrap(),
        "--key",
        kb.to_str().unwrap(),
        "--audit",
        audit.to_str().unwrap(),
        "--sequence",
        &(now + 1).to_string(),
    ]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let v = probe(&["verify-audit", audit.to_str().unwrap(), "--json"]);
    assert_eq!(code(&v), 0);
    let v: Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!((v["entries"].as_u64(), v["level"].as_u64()), (Some(2), Some(1)));
    let entries = ops_probe::audit::verify(&audit).unwrap();
    assert_eq!((entries[0].from, entries[0].to, entries[1].from, entries[1].to), (1, 3, 3, 1));
    assert_eq!(entries[1].prev, entries[0].hash);
    let published = std::fs::read(cdn.join("control.json")).unwrap();
    assert_eq!(entries[1].control_sha256.as_deref(), Some(ferretwatch_core::signed::sha256_hex(&published).as_str()));
}

#[test]
fn a_tampered_audit_log_is_detected_and_not_appended_to() {
    let tmp = tempfile::tempdir().unwrap();
    let audit = tmp.path().join("audit.jsonl");
    for (lvl, why) in [("2", "slow"), ("3", "cdn"), ("1", "ok")] {
        let out = tmp.path().join("control.json");
        let o = probe(&[
            "set-level",
            lvl,
            "--reason",
            why,
            "--out",
            out.to_str().unwrap(),
            "--audit",
            audit.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(code(&probe(&["verify-audit", audit.to_str().unwrap()])), 0);
    let text = std::fs::read_to_string(&audit).unwrap();
    let cases = [
        ("changed reason", text.replacen("\"cdn\"", "\"CDN\"", 1), "line 2"),
        (
            "removed line",
            text.lines().enumerate().filter(|(i, _)| *i != 1).map(|(_, l)| format!("{l}\n")).collect(),
            "line 2",
        ),
        ("cut short", text[..text.len() - 10].to_string(), "line 3"),
        (
            "swapped lines",
            {
                let l: Vec<&str> = text.lines().collect();
                format!("{}\n{}\n{}\n", l[1], l[0], l[2])
            },
            "line 1",
        ),
    ];
    for (what, bad, line) in cases {
        std::fs::write(&audit, &bad).unwrap();
        let o = probe(&["verify-audit", audit.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{what}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(line), "{what}: {err}");
        let o = probe(&[
            "set-level",
            "2",
            "--reason",
            "r",
            "--out",
            tmp.path().join("c.json").to_str().unwrap(),
            "--audit",
            audit.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 3, "{what}: must refuse to append");
        assert_eq!(std::fs::read_to_string(&audit).unwrap(), bad, "{what}: log untouched");
    }
}

#[test]
fn weekly_review_reports_latency_and_rates() {
    // An hour of healthy minutes: 10 000 detections each at 15 ms (bucket 10–20 ms).
    let t = scenario("healthy").join("t.jsonl");
    let o = probe(&["review", "--weekly", "--telemetry", t.to_str().unwrap(), "--now", "1800000000", "--json"]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let w = &v["weekly"]["week"];
    assert_eq!(w["page_loads"], 600_000);
    assert_eq!(w["latency_avg_ms"], 15.0); // exact: sum / count
    assert_eq!(w["latency_median_ms"], 15.0); // half-way through the 10–20 ms bucket
    assert_eq!(w["latency_p95_ms"], 19.5);
    assert_eq!(w["detection_failure_rate"], 0.0);
    assert_eq!(w["pack_update_success"], 1.0);
    assert_eq!(v["weekly"]["days"].as_array().unwrap().len(), 1);

    // A week with 105 uninstalls over seven daily batches: seven days listed.
    let t = scenario("uninstalls_2_1_percent").join("t.jsonl");
    let o = probe(&["review", "--weekly", "--telemetry", t.to_str().unwrap(), "--now", "1800000000"]);
    assert_eq!(code(&o), 0);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("105 uninstalls"), "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l
                .split_whitespace()
                .next()
                .is_some_and(|w| w.len() == 10 && w.bytes().all(|b| b.is_ascii_digit())))
            .count(),
        7,
        "{text}"
    );

    // Nothing in the week: the probe says so (exit 3).
    let o = probe(&["review", "--weekly", "--telemetry", t.to_str().unwrap(), "--now", "1900000000"]);
    assert_eq!(code(&o), 3);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no telemetry in the 7 days"));
}
