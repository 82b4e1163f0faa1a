//! Runs every scenario under `tests/ops/scenarios/` (written by `tests/ops/make_fixtures.py`)
//! through the `ops-probe evaluate` binary, run after run on one state file, and checks what each
//! run must report: exit code, incident severity, firing / pending / quiet alerts, the level,
//! the malformed batches (file and field), duplicates. A run that repeats the previous one
//! (same files, same time) must leave the state file byte for byte as it was.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/ops/scenarios")
}

fn names(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect()).unwrap_or_default()
}

fn check_scenario(dir: &Path) -> Vec<String> {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let spec: Value = serde_json::from_slice(&std::fs::read(dir.join("scenario.json")).unwrap()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state.json");
    let audit = tmp.path().join("audit.jsonl");
    let mut errors = Vec::new();
    let mut previous: Option<(Value, Value, Vec<u8>, Value)> = None;
    for (i, run) in spec["runs"].as_array().unwrap().iter().enumerate() {
        let ctx = format!("{name} run {}", i + 1);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ops-probe"));
        cmd.arg("evaluate").arg("--format").arg("json");
        for f in run["telemetry"].as_array().unwrap() {
            cmd.arg("--telemetry").arg(dir.join(f.as_str().unwrap()));
        }
        cmd.arg("--now").arg(run["now"].as_u64().unwrap().to_string());
        cmd.arg("--state").arg(&state).arg("--audit").arg(&audit);
        let out = cmd.output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        let exp = &run["expect"];
        let Ok(doc) = serde_json::from_slice::<Value>(&out.stdout) else {
            errors.push(format!("{ctx}: no JSON output (exit {code}): {}", String::from_utf8_lossy(&out.stderr)));
            break;
        };
        if i64::from(code) != exp["exit_code"].as_i64().unwrap() {
            errors.push(format!("{ctx}: exit code {code}, expected {}", exp["exit_code"]));
        }
        if doc["exit_code"].as_i64() != Some(i64::from(code)) {
            errors.push(format!("{ctx}: JSON exit_code {} differs from the process's {code}", doc["exit_code"]));
        }
        if doc["incident"]["severity"] != exp["severity"] {
            errors.push(format!(
                "{ctx}: severity {}, expected {}; reasons {}",
                doc["incident"]["severity"], exp["severity"], doc["incident"]["reasons"]
            ));
        }
        let alerts = doc["alerts"].as_array().unwrap();
        let state_of =
            |n: &str| alerts.iter().find(|a| a["name"] == n).map(|a| a["state"].as_str().unwrap_or("").to_string());
        for n in names(&exp["firing"]) {
            match state_of(&n) {
                Some(s) if s == "firing" => {}
                other => errors.push(format!("{ctx}: `{n}` should fire, is {other:?}")),
            }
        }
        for n in names(&exp["not_firing"]) {
            match state_of(&n) {
                Some(s) if s != "firing" => {}
                other => errors.push(format!("{ctx}: `{n}` should not fire, is {other:?}")),
            }
        }
        for n in names(&exp["pending"]) {
            match state_of(&n) {
                Some(s) if s == "pending" => {}
                other => errors.push(format!("{ctx}: `{n}` should be pending, is {other:?}")),
            }
        }
        if let Some(l) = exp.get("level")
            && doc["level"]["recommended"] != *l
        {
            errors.push(format!(
                "{ctx}: level {}, expected {l}; changes {}",
                doc["level"]["recommended"], doc["level"]["changes"]
            ));
        }
        if let Some(m) = exp.get("malformed") {
            let got: Vec<Value> = doc["telemetry"]["malformed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| {
                    let file =
                        Path::new(b["source"].as_str().unwrap()).file_name().unwrap().to_string_lossy().to_string();
                    serde_json::json!([file, b["field"]])
                })
                .collect();
            if Value::Array(got.clone()) != *m {
                errors.push(format!("{ctx}: malformed {got:?}, expected {m}"));
            }
        }
        if let Some(d) = exp.get("duplicates")
            && doc["telemetry"]["ingest"]["duplicates"] != *d
        {
            errors.push(format!("{ctx}: duplicates {}, expected {d}", doc["telemetry"]["ingest"]["duplicates"]));
        }
        if let Some(d) = exp.get("new")
            && doc["telemetry"]["ingest"]["new"] != *d
        {
            errors.push(format!("{ctx}: new {}, expected {d}", doc["telemetry"]["ingest"]["new"]));
        }
        if let Some(b) = exp.get("baseline_ms") {
            let got = doc["telemetry"]["baseline_ms"].as_f64();
            let ok = match b.as_f64() {
                Some(want) => got.is_some_and(|g| (g - want).abs() < 1e-6),
                None => got.is_none(),
            };
            if !ok {
                errors.push(format!("{ctx}: baseline {got:?}, expected {b}"));
            }
        }
        if let Some(sev) = exp.get("alert_severity").and_then(|v| v.as_object()) {
            for (n, want) in sev {
                let got = alerts.iter().find(|a| a["name"] == n.as_str()).map(|a| a["severity"].clone());
                if got.as_ref() != Some(want) {
                    errors.push(format!("{ctx}: `{n}` severity {got:?}, expected {want}"));
                }
            }
        }
        let state_bytes = std::fs::read(&state).unwrap_or_default();
        if let Some((tel, now, prev_state, prev_alerts)) = &previous
            && *tel == run["telemetry"]
            && *now == run["now"]
        {
            if *prev_state != state_bytes {
                errors.push(format!("{ctx}: repeating the previous run changed the state file"));
            }
            if *prev_alerts != doc["alerts"] {
                errors.push(format!("{ctx}: repeating the previous run changed the alerts"));
            }
        }
        previous = Some((run["telemetry"].clone(), run["now"].clone(), state_bytes, doc["alerts"].clone()));
    }
    if audit.exists() {
        let out = Command::new(env!("CARGO_BIN_EXE_ops-probe")).arg("verify-audit").arg(&audit).output().unwrap();
        if !out.status.success() {
            errors.push(format!("{name}: audit log does not verify: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    errors
}

#[test]
fn every_scenario_reports_what_it_must() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .expect("tests/ops/scenarios exists (python3 tests/ops/make_fixtures.py)")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("scenario.json").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 30, "expected the scenario set, found {}", dirs.len());
    let errors: Vec<String> = dirs.iter().flat_map(|d| check_scenario(d)).collect();
    assert!(errors.is_empty(), "{} scenario failure(s):\n{}", errors.len(), errors.join("\n"));
}
