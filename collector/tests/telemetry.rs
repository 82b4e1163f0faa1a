//! Telemetry intake and /metrics over real HTTP; the probe's own parser reads our exposition.

mod common;

use common::*;

const BATCH: &str = r#"{"schema":"ferretwatch.telemetry.v1","period_start":1800000000,"period_end":1800000060,
 "sessions":5,"page_loads":100,"engine":{"pages_scanned":100,"levels":{"green":97,"red":3},"failures":{"timeout":2},
 "latency_us":{"bounds":[250,500,1000,2000,5000,10000,20000,50000,100000,200000,500000,1000000,2000000,5000000,10000000,30000000],
   "counts":[50,30,20,0,0,0,0,0,0,0,0,0,0,0,0,0,0],"sum":40000,"count":100}},
 "reports":{"phishing":2,"false_positive":1,"submitted":3}}"#;

fn line_value(m: &str, series: &str) -> f64 {
    m.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|r| r.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no series {series} in\n{m}"))
        .parse()
        .unwrap()
}

#[test]
fn batches_merge_exactly_into_prometheus_histograms_and_survive_restarts() {
    let dir = tempdir();
    let db = db_spec(&dir, "c");
    let mut s = Server::start(&db, &[]);
    let r = s.post_json("/v1/telemetry", &[], BATCH);
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.json()["status"], "merged");
    assert_eq!(s.post_json("/v1/telemetry", &[], BATCH).json()["status"], "duplicate");
    let second = BATCH.replace("1800000060", "1800000120");
    assert_eq!(s.post_json("/v1/telemetry", &[], &second).status, 202);
    let bad = BATCH.replace("\"sessions\":5", "\"sessions\":5,\"url\":\"https://x.example\"");
    let r = s.post_json("/v1/telemetry", &[], &bad);
    assert_eq!((r.status, r.json()["field"].as_str()), (422, Some("url")));
    let r = s.post_json("/v1/telemetry", &[], &BATCH.replace("\"count\":100", "\"count\":99"));
    assert_eq!((r.status, r.json()["field"].as_str()), (422, Some("engine.latency_us.count")));

    let check = |m: &str| {
        assert_eq!(line_value(m, "ferretwatch_page_loads_total"), 200.0);
        assert_eq!(line_value(m, "ferretwatch_verdicts_total{level=\"red\"}"), 6.0);
        assert_eq!(line_value(m, "ferretwatch_detection_failures_total{kind=\"timeout\"}"), 4.0);
        assert_eq!(line_value(m, "ferretwatch_detection_latency_seconds_bucket{le=\"0.00025\"}"), 100.0);
        assert_eq!(line_value(m, "ferretwatch_detection_latency_seconds_bucket{le=\"0.0005\"}"), 160.0);
        assert_eq!(line_value(m, "ferretwatch_detection_latency_seconds_bucket{le=\"0.001\"}"), 200.0);
        assert_eq!(line_value(m, "ferretwatch_detection_latency_seconds_bucket{le=\"+Inf\"}"), 200.0);
        assert_eq!(line_value(m, "ferretwatch_detection_latency_seconds_count"), 200.0);
        assert_eq!(line_value(m, "ferretwatch_detection_latency_seconds_sum"), 0.08);
        assert_eq!(line_value(m, "ferretwatch_reports_total{reason=\"phishing\"}"), 4.0);
        assert_eq!(line_value(m, "ferretwatch_collector_telemetry_batches_total"), 2.0);
        assert!(m.contains("# TYPE ferretwatch_detection_latency_seconds histogram\n"));
    };
    let m = s.req("GET", "/metrics", &[], b"").body;
    check(&m);
    // The service's own request metrics.
    assert_eq!(line_value(&m, "ferretwatch_collector_requests_total{route=\"/v1/telemetry\",code=\"202\"}"), 2.0);
    assert!(
        m.contains("ferretwatch_collector_request_duration_seconds_bucket{route=\"/v1/telemetry\",le=\"+Inf\"} 5\n")
    );
    // ops-probe reads this exposition without complaint, and the difference of two scrapes is a
    // valid telemetry batch.
    let (snap, bad) = ops_probe::prom::parse_text(&m);
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(snap.get("ferretwatch_page_loads_total"), Some(&200.0));

    s.kill9();
    let s = Server::start(&db, &[]);
    check(&s.req("GET", "/metrics", &[], b"").body);
}
