//! kill -9 during load, restart: every acknowledged report is present, none twice.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

#[test]
fn kill_9_under_load_loses_no_acknowledged_report() {
    let dir = tempdir();
    let db = db_spec(&dir, "c");
    let mut s = Server::start(&db, NO_LIMITS);
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let sent = Arc::new(Mutex::new(Vec::new()));
    let addr = s.addr.clone();
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let (acked, sent, addr) = (acked.clone(), sent.clone(), addr.clone());
            std::thread::spawn(move || {
                let t = Instant::now();
                let mut i = 0;
                while t.elapsed() < Duration::from_secs(5) {
                    let id = format!("crash-{w}-{i:06}");
                    i += 1;
                    sent.lock().unwrap().push(id.clone());
                    let body = report(&format!("https://w{w}.example/{i}"), &id);
                    match try_request(
                        &addr,
                        "POST",
                        "/v1/reports",
                        &[("Content-Type", "application/json")],
                        body.as_bytes(),
                    ) {
                        Ok(r) if r.status == 201 => {
                            acked.lock().unwrap().insert(id);
                        }
                        Ok(r) => panic!("unexpected {} {}", r.status, r.body),
                        Err(_) => break, // the server is gone
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    s.kill9();
    for w in workers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 50, "load was running: {} acknowledged", acked.len());

    // Restart on the same file: every acknowledged report is there exactly once.
    let s = Server::start(&db, NO_LIMITS);
    let keys: Vec<String> =
        open_db(&db).query("SELECT idem_key FROM reports", &[]).unwrap().iter().map(|r| r[0].text()).collect();
    let stored: HashSet<String> = keys.iter().cloned().collect();
    assert_eq!(stored.len(), keys.len(), "no report stored twice");
    let missing: Vec<_> = acked.difference(&stored).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    // The clients retry everything not acknowledged (as the extension's queue does): afterwards
    // the store holds each report sent exactly once.
    let sent = sent.lock().unwrap().clone();
    for id in sent.iter().filter(|id| !acked.contains(*id)) {
        let (w, i) = id.trim_start_matches("crash-").split_once('-').unwrap();
        let i: usize = i.parse().unwrap();
        let r = s.post_json("/v1/reports", &[], &report(&format!("https://w{w}.example/{}", i + 1), id));
        assert!(r.status == 201 || r.status == 200, "{}", r.body);
    }
    let n = count(&db, "SELECT count(*) FROM reports");
    assert_eq!(n as usize, sent.len());
}
