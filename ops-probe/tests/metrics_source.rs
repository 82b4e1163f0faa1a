//! The `/metrics` source against a small HTTP server on loopback that serves Prometheus text
//! exposition, changing between scrapes like a collector's counters do.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};

use ferretwatch_core::telemetry::LATENCY_BOUNDS_US;
use serde_json::Value;

/// Serves `body` at any path, one connection at a time, until the process ends.
fn serve(body: Arc<Mutex<String>>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { continue };
            let mut r = BufReader::new(c.try_clone().unwrap());
            let mut line = String::new();
            while r.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let b = body.lock().unwrap().clone();
            let _ = write!(
                c,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}",
                b.len()
            );
        }
    });
    format!("http://{addr}/metrics")
}

/// Cumulative counters after `page_loads` page loads with `failures` timeouts, all scanned in
/// 15 ms.
fn exposition(page_loads: u64, failures: u64) -> String {
    let scanned = page_loads - failures;
    let mut s = String::from("# TYPE ferretwatch_page_loads_total counter\n");
    s += &format!("ferretwatch_page_loads_total {page_loads}\nferretwatch_sessions_total {}\n", page_loads / 20);
    s += &format!(
        "ferretwatch_pages_scanned_total {scanned}\nferretwatch_verdicts_total{{level=\"green\"}} {scanned}\n"
    );
    s += &format!("ferretwatch_detection_failures_total{{kind=\"timeout\"}} {failures}\nferretwatch_installs 900\n");
    s += "# TYPE ferretwatch_detection_latency_seconds histogram\n";
    for b in LATENCY_BOUNDS_US {
        let cum = if b >= 20_000 { scanned } else { 0 };
        s += &format!("ferretwatch_detection_latency_seconds_bucket{{le=\"{}\"}} {cum}\n", b as f64 / 1e6);
    }
    s += &format!("ferretwatch_detection_latency_seconds_bucket{{le=\"+Inf\"}} {scanned}\n");
    s += &format!("ferretwatch_detection_latency_seconds_sum {}\n", scanned as f64 * 0.015);
    s += &format!("ferretwatch_detection_latency_seconds_count {scanned}\n");
    s += "go_goroutines 12\n";
    s
}

fn evaluate(url: &str, state: &std::path::Path, now: u64) -> (i32, Option<Value>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_ops-probe"))
        .args(["evaluate", "--telemetry", url, "--format", "json", "--now", &now.to_string(), "--state"])
        .arg(state)
        .output()
        .unwrap();
    (o.status.code().unwrap_or(-1), serde_json::from_slice(&o.stdout).ok(), String::from_utf8_lossy(&o.stderr).into())
}

fn state_of(doc: &Value, name: &str) -> String {
    doc["alerts"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap()["state"].as_str().unwrap().into()
}

#[test]
fn metrics_endpoint_counters_become_batches_between_scrapes() {
    let body = Arc::new(Mutex::new(exposition(50_000, 10)));
    let url = serve(body.clone());
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state.json");
    let t0 = 1_800_000_000;

    // First scrape: only the counters' starting point; the probe says so (exit 3) and keeps it.
    let (code, _, err) = evaluate(&url, &state, t0);
    assert_eq!(code, 3);
    assert!(err.contains("second scrape"), "{err}");

    // One minute later: 10 000 more page loads, 300 failed (3 %): detection failures fire.
    *body.lock().unwrap() = exposition(60_000, 310);
    let (code, doc, err) = evaluate(&url, &state, t0 + 60);
    let doc = doc.unwrap_or_else(|| panic!("no output: {err}"));
    assert_eq!(code, 2, "{doc}");
    assert_eq!(doc["telemetry"]["ingest"]["new"], 1);
    assert_eq!(state_of(&doc, "detection_failures"), "firing");
    assert_eq!(state_of(&doc, "error_rate"), "pending");
    let d = doc["alerts"].as_array().unwrap().iter().find(|a| a["name"] == "detection_failures").unwrap();
    assert!((d["value"].as_f64().unwrap() - 0.03).abs() < 1e-9);

    // A counter reset (collector restarted): the new values count from zero, nothing negative.
    *body.lock().unwrap() = exposition(10_000, 0);
    let (code, doc, err) = evaluate(&url, &state, t0 + 120);
    let doc = doc.unwrap_or_else(|| panic!("no output: {err}"));
    assert_eq!(doc["telemetry"]["ingest"]["new"], 1);
    assert!(doc["telemetry"]["malformed"].as_array().unwrap().is_empty());
    assert_eq!(state_of(&doc, "error_rate"), "inactive");
    assert!(code == 2, "the 15-minute detection-failure window still holds the bad minute: {doc}");

    // Histogram bounds other than v1's are reported with the series, not used.
    *body.lock().unwrap() = exposition(20_000, 0).replace("le=\"0.00025\"", "le=\"0.0003\"");
    let (_, doc, err) = evaluate(&url, &state, t0 + 180);
    let doc = doc.unwrap_or_else(|| panic!("no output: {err}"));
    let bad = &doc["telemetry"]["malformed"][0];
    assert!(bad["message"].as_str().unwrap().contains("ferretwatch_detection_latency_seconds"), "{bad}");
    assert_eq!(state_of(&doc, "telemetry_malformed"), "firing");
}

#[test]
fn now_latest_on_a_first_scrape_says_a_second_scrape_is_needed() {
    let url = serve(Arc::new(Mutex::new(exposition(1_000, 0))));
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state.json");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_ops-probe"))
            .args(["evaluate", "--telemetry", &url, "--format", "json", "--now", "latest", "--state"])
            .arg(&state)
            .output()
            .unwrap()
    };
    let o = run();
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("second scrape"), "{err}");
    assert!(state.exists(), "the first scrape is kept");
    // The second scrape, a second later (scrapes are timed in whole seconds; same counters: an
    // idle fleet), evaluates at the time of its data.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let o = run();
    let doc: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("no output: {}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(doc["telemetry"]["ingest"]["new"], 1, "{doc}");
}
