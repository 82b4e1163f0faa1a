//! Slow clients and connection caps against the real binary: slowloris connections (a request
//! head trickled one byte at a time) and idle ones are closed within `--header-timeout`, a
//! client IP over `--max-connections-per-ip` gets 503 at once, connections over
//! `--max-connections` wait in the backlog and are served when a slot frees, and other clients
//! are answered all along.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

/// A blocking TCP connection to `addr` from the loopback address `from` (127.0.0.0/8 on Linux):
/// lets one test play several client IPs.
fn connect_from(from: &str, addr: &str) -> TcpStream {
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
    let s = rt.block_on(async {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind(format!("{from}:0").parse().unwrap()).unwrap();
        sock.connect(addr.parse().unwrap()).await.unwrap()
    });
    let s = s.into_std().unwrap();
    s.set_nonblocking(false).unwrap();
    s
}

/// How a client connection ended.
#[derive(Debug)]
struct Ended {
    /// Seconds from connect to the server's close.
    after: f64,
    /// What the server sent before closing.
    got: String,
}

/// Sends `POST /v1/reports HTTP/1.1\r\n` and then one header byte every 200 ms (never the end
/// of the head) until the server closes; `trickle = false` sends nothing at all (idle).
fn slow_client(mut s: TcpStream, trickle: bool) -> Ended {
    let t = Instant::now();
    s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    // First listen for an immediate refusal (writing first could turn the server's close into
    // a reset that discards its 503 before it is read).
    let mut started = false;
    loop {
        if trickle && !started && t.elapsed() > Duration::from_millis(300) {
            started = true;
            let _ = s.write_all(b"POST /v1/reports HTTP/1.1\r\nHost: x\r\n");
        }
        assert!(t.elapsed() < Duration::from_secs(30), "the server never closed a slow connection");
        if started && s.write_all(b"X").is_err() {
            break;
        }
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    Ended { after: t.elapsed().as_secs_f64(), got: String::from_utf8_lossy(&got).into_owned() }
}

fn metric(addr: &str, series: &str) -> f64 {
    let m = request(addr, "GET", "/metrics", &[], b"").body;
    m.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
        .unwrap_or_else(|| panic!("{series} missing from /metrics"))
}

#[test]
fn slowloris_and_idle_connections_are_closed_and_others_are_served() {
    let dir = tempdir();
    let db = db_spec(&dir, "slow");
    let timeout = 2.0;
    let s = Server::start(
        &db,
        &["--header-timeout", "2", "--max-connections-per-ip", "16", "--ip-limit", "off", "--install-limit", "off"],
    );
    // 24 slowloris connections from 127.0.0.2 (16 fit under its cap) and one idle from 127.0.0.3.
    let mut slow = Vec::new();
    for _ in 0..24 {
        let c = connect_from("127.0.0.2", &s.addr);
        slow.push(std::thread::spawn(move || slow_client(c, true)));
    }
    let idle = connect_from("127.0.0.3", &s.addr);
    let idle = std::thread::spawn(move || slow_client(idle, false));
    // Meanwhile other clients are answered, quickly, all along.
    let t = Instant::now();
    let mut n = 0;
    while t.elapsed() < Duration::from_secs_f64(timeout + 1.0) {
        let asked = Instant::now();
        let r = s.post_json("/v1/reports", &[], &report("https://busy.example/", &format!("busy-{n:08}")));
        assert_eq!(r.status, 201, "{}", r.body);
        assert!(asked.elapsed() < Duration::from_secs(1), "a normal client waited {:?}", asked.elapsed());
        n += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(n >= 10, "only {n} normal reports in {timeout} s");
    let ended: Vec<Ended> = slow.into_iter().map(|h| h.join().unwrap()).collect();
    let (refused, held): (Vec<&Ended>, Vec<&Ended>) = ended.iter().partition(|e| e.got.starts_with("HTTP/1.1 503"));
    assert_eq!((refused.len(), held.len()), (8, 16), "{ended:?}");
    for e in &refused {
        assert!(e.after < 1.5, "refused late: {e:?}");
        assert!(e.got.contains("Retry-After: 1") && e.got.contains("too many connections"), "{e:?}");
    }
    for e in held.iter().copied().chain([&idle.join().unwrap()]) {
        assert!(e.got.is_empty(), "a slow head got an answer: {e:?}");
        assert!(
            e.after >= timeout - 0.3 && e.after <= timeout + 3.0,
            "closed after {:.2} s, expected about {timeout} s",
            e.after
        );
    }
    assert_eq!(metric(&s.addr, "ferretwatch_collector_connections_closed_total{reason=\"header_timeout\"}"), 17.0);
    assert_eq!(metric(&s.addr, "ferretwatch_collector_connections_closed_total{reason=\"per_ip_limit\"}"), 8.0);
    // /metrics answered on a connection of its own, the only one open now.
    assert_eq!(metric(&s.addr, "ferretwatch_collector_connections_open"), 1.0);
    assert_eq!(count(&db, "SELECT count(*) FROM reports"), n);
}

#[test]
fn connections_over_the_cap_wait_for_a_free_slot() {
    let dir = tempdir();
    let db = db_spec(&dir, "cap");
    let s = Server::start(&db, &["--header-timeout", "2", "--max-connections", "4", "--max-connections-per-ip", "0"]);
    // Four idle connections take every slot (no per-IP cap here).
    let hogs: Vec<_> = (0..4)
        .map(|_| connect_from("127.0.0.4", &s.addr))
        .map(|c| std::thread::spawn(move || slow_client(c, false)))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // A fifth client is accepted only when an idle one is closed, then served normally.
    let t = Instant::now();
    let r = request(&s.addr, "GET", "/health", &[], b"");
    let waited = t.elapsed().as_secs_f64();
    assert_eq!(r.status, 200, "{}", r.body);
    assert!((1.2..5.0).contains(&waited), "the fifth connection was served after {waited:.2} s");
    for h in hogs {
        let e = h.join().unwrap();
        assert!(e.after < 5.0, "{e:?}");
    }
}

#[test]
fn ops_probe_check_probes_the_health_and_admin_endpoints() {
    let dir = tempdir();
    let db = db_spec(&dir, "health");
    let token = cli_token(&db, "probe", "viewer");
    let s = Server::start(&db, NO_LIMITS);
    let r = s.post_json("/health", &[], r#"{"check":"health"}"#);
    assert_eq!((r.status, r.json()["status"].as_str()), (200, Some("ok")), "{}", r.body);
    // `ops-probe check --report-health URL --admin-url URL`, the probe's own code; the rule CDN
    // part fails here (nothing listens on port 9), only the collector's checks are looked at.
    let report = ops_probe::check::run(&ops_probe::check::Targets {
        manifest_url: "http://127.0.0.1:9/v1/manifest.json".into(),
        trust: Vec::new(),
        threshold: 1,
        budget_ms: 2000,
        expiry_warning: 0,
        report_health: Some(format!("http://{}/health", s.addr)),
        admin: Some((format!("http://{}/admin/v1/reports?limit=1", s.addr), Some(token))),
        now: 1_790_000_000,
    });
    for name in ["report_api.health", "admin.auth_required", "admin.health"] {
        let c = report.checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(c.status, ops_probe::check::Status::Ok, "{name}: {}", c.detail);
    }
}
