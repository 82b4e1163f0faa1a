//! Two collector processes on one database (two replicas behind a load balancer) doing admin
//! actions at the same time: every action succeeds and the hash-chained audit log stays one
//! intact chain. SQLite file shared by both, or, with `FERRETWATCH_COLLECTOR_TEST_PG`
//! (tests/collector/run-postgres-test.sh), one real PostgreSQL database.

mod common;

use std::sync::Arc;

use common::*;

#[test]
fn concurrent_admin_actions_on_two_replicas_keep_one_audit_chain() {
    let dir = tempdir();
    let db = db_spec(&dir, "replicas");
    let admin = format!("Bearer {}", cli_token(&db, "root", "admin"));
    let replicas = Arc::new([Server::start(&db, NO_LIMITS), Server::start(&db, NO_LIMITS)]);
    let r = replicas[0].post_json("/v1/reports", &[], &report("https://evil.example/login", "rep-00000001"));
    assert_eq!(r.status, 201, "{}", r.body);
    let url_hash = ferretwatch_collector::payload::sha256_hex(b"https://evil.example/login");
    // 4 clients per replica, 12 admin actions each, all at once: decisions, lists, triage,
    // export and unauthenticated requests (denials are audited too).
    let per_client = 12;
    let clients: Vec<_> = (0..8)
        .map(|i| {
            let (replicas, admin, url_hash) = (replicas.clone(), admin.clone(), url_hash.clone());
            std::thread::spawn(move || {
                let s = &replicas[i % 2];
                let mut codes = Vec::new();
                for j in 0..per_client {
                    let auth = [("Authorization", admin.as_str())];
                    let r = match (i + j) % 5 {
                        0 => s.post_json(
                            "/admin/v1/decisions",
                            &auth,
                            &format!(r#"{{"url_hash":"{url_hash}","status":"verified","note":"c{i} n{j}"}}"#),
                        ),
                        1 => s.req("GET", "/admin/v1/reports?limit=5", &auth, b""),
                        2 => s.req("GET", "/admin/v1/triage", &auth, b""),
                        3 => s.req("GET", "/admin/v1/export", &auth, b""),
                        _ => s.req("GET", "/admin/v1/reports", &[], b""),
                    };
                    codes.push((r.status, r.body));
                }
                codes
            })
        })
        .collect();
    let mut n = 0;
    for c in clients {
        for (status, body) in c.join().unwrap() {
            assert!([200, 201, 401].contains(&status), "HTTP {status}: {body}");
            n += 1;
        }
    }
    assert_eq!(n, 8 * per_client);
    for s in replicas.iter() {
        let r = s.req("GET", "/admin/v1/audit", &[("Authorization", &admin)], b"");
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        assert_eq!(v["chain_ok"], true, "{}", r.body);
        assert_eq!(v["first_bad_seq"], serde_json::Value::Null);
        // token.create, the retention step each replica runs when it starts, every admin request
        // so far (and the first audit.read on the second check).
        let expected = 1 + 2 + n + usize::from(std::ptr::eq(s, &replicas[1]));
        assert_eq!(v["entries_checked"], expected, "{}", r.body);
    }
    let decisions = count(&db, "SELECT count(*) FROM decisions");
    assert_eq!(decisions, (0..8).map(|i| (0..per_client).filter(|j| (i + j) % 5 == 0).count() as i64).sum::<i64>());
}
