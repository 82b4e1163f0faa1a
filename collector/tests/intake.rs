//! Intake over real HTTP: the binary on 127.0.0.1:0 with a real SQLite file.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use common::*;

#[test]
fn a_retried_report_is_stored_once_with_the_same_acknowledgement() {
    let dir = tempdir();
    let s = Server::start(&db_spec(&dir, "c"), NO_LIMITS);
    let body = report("https://xn--pypal-4ve.com/signin", "0f9c2a7e-1111-4222-8333-944455556666");
    let first = s.post_json("/v1/reports", &[("Idempotency-Key", "0f9c2a7e-1111-4222-8333-944455556666")], &body);
    assert_eq!(first.status, 201, "{}", first.body);
    let ack = first.json();
    assert_eq!(ack["id"], "0f9c2a7e-1111-4222-8333-944455556666");
    assert!(ack["receipt"].as_i64().unwrap() >= 1);
    let again = s.post_json("/v1/reports", &[("Idempotency-Key", "0f9c2a7e-1111-4222-8333-944455556666")], &body);
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body, "same acknowledgement");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // The `id` field alone is an idempotency key too.
    assert_eq!(s.post_json("/v1/reports", &[], &body).body, first.body);
    // Same key, different payload: refused.
    let other = report("https://other.example/", "0f9c2a7e-1111-4222-8333-944455556666");
    let r = s.post_json("/v1/reports", &[], &other);
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["field"], "Idempotency-Key");
    // No key at all: the payload's hash is the key.
    let nokey = report("https://no-key.example/", "x").replace("\"id\":\"x\",", "");
    assert_eq!(s.post_json("/v1/reports", &[], &nokey).status, 201);
    assert_eq!(s.post_json("/v1/reports", &[], &nokey).status, 200);
    let fp = r#"{"url":"https://www.paypal.com/signin","timestamp":"2026-11-25T02:31:33Z","extension_version":"0.1.0","score":72,"note":"this is the real PayPal"}"#;
    assert_eq!(s.post_json("/v1/false-positives", &[("Idempotency-Key", "fp-000000001")], fp).status, 201);
    let h = s.req("GET", "/health", &[], b"");
    assert_eq!(h.status, 200);
    assert_eq!(h.json()["reports"], 3);
    assert_eq!(count(&s.db, "SELECT count(*) FROM reports WHERE kind = 'false_positive'"), 1);
    // The install token is never stored.
    let with_token = report("https://t.example/", "key-with-token")
        .replace("\"id\"", "\"install_token\":\"install-abcdef01\",\"id\"");
    assert_eq!(s.post_json("/v1/reports", &[], &with_token).status, 201);
    assert_eq!(count(&s.db, "SELECT count(*) FROM reports WHERE payload LIKE '%install-abcdef01%'"), 0);
}

#[test]
fn bad_input_gets_clear_errors_and_the_service_keeps_serving() {
    let dir = tempdir();
    let s = Server::start(&db_spec(&dir, "c"), &["--ip-limit", "off", "--install-limit", "off", "--body-timeout", "1"]);
    let cases: &[(&str, &str, &str, u16, &str)] = &[
        ("malformed JSON", "application/json", "{\"url\":", 400, ""),
        ("wrong content type", "text/plain", "{}", 415, "Content-Type"),
        ("not an object", "application/json", "[1]", 422, "(body)"),
        ("unknown field", "application/json", r#"{"email":"a@b.example"}"#, 422, "email"),
        ("missing url", "application/json", r#"{"timestamp":"2026-11-25T02:31:33Z"}"#, 422, "url"),
    ];
    for (name, ct, body, status, field) in cases {
        let r = s.req("POST", "/v1/reports", &[("Content-Type", ct)], body.as_bytes());
        assert_eq!(r.status, *status, "{name}: {}", r.body);
        assert_eq!(r.json()["field"], *field, "{name}");
        assert!(!r.json()["error"].as_str().unwrap().is_empty());
    }
    let big = format!("{{\"note\":\"{}\"}}", "a".repeat(11 * 1024));
    let r = s.post_json("/v1/reports", &[], &big);
    assert_eq!(r.status, 413, "{}", r.body);
    let r = s.post_json("/v1/reports", &[("Idempotency-Key", "bad key!")], &report("https://a.example/", "abcdefgh1"));
    assert_eq!((r.status, r.json()["field"].as_str()), (400, Some("Idempotency-Key")));
    assert_eq!(s.req("GET", "/v2/nothing", &[], b"").status, 404);
    // A slow client: announces 100 bytes, sends 10, stalls; the server answers 408.
    let mut slow = TcpStream::connect(&s.addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(slow, "POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"url\":\"h").unwrap();
    let mut raw = Vec::new();
    let _ = std::io::Read::read_to_end(&mut slow, &mut raw);
    assert_eq!(parse_response(&raw).unwrap().status, 408);
    // A flood of garbage, then a good report still goes through.
    for i in 0..200 {
        let _ = try_request(
            &s.addr,
            "POST",
            "/v1/reports",
            &[("Content-Type", "application/json")],
            format!("{{{i}").as_bytes(),
        );
    }
    assert_eq!(s.post_json("/v1/reports", &[], &report("https://still.example/", "still-serving")).status, 201);
}

#[test]
fn token_buckets_per_ip_and_per_install_answer_429_with_retry_after() {
    let dir = tempdir();
    let s = Server::start(&db_spec(&dir, "c"), &[]);
    for i in 0..5 {
        let r = s.post_json("/v1/reports", &[], &report("https://a.example/", &format!("ip-limit-{i:04}")));
        assert_eq!(r.status, 201, "{i}: {}", r.body);
    }
    let r = s.post_json("/v1/reports", &[], &report("https://a.example/", "ip-limit-9999"));
    assert_eq!(r.status, 429);
    let after: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=12).contains(&after), "5/min refills one every 12 s: {after}");
    drop(s);

    let s = Server::start(&db_spec(&dir, "d"), &["--ip-limit", "off"]);
    for i in 0..3 {
        let r = s.post_json(
            "/v1/reports",
            &[("X-Install-Token", "install-0001")],
            &report("https://b.example/", &format!("inst-{i:04}")),
        );
        assert_eq!(r.status, 201);
    }
    let r =
        s.post_json("/v1/reports", &[("X-Install-Token", "install-0001")], &report("https://b.example/", "inst-9999"));
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("20"));
    // Another install is not affected.
    assert_eq!(
        s.post_json("/v1/reports", &[("X-Install-Token", "install-0002")], &report("https://b.example/", "inst-other"))
            .status,
        201
    );
    let m = s.req("GET", "/metrics", &[], b"").body;
    assert!(m.contains("ferretwatch_collector_rate_limited_total{scope=\"install\"} 1\n"), "{m}");
}
