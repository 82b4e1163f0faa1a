//! Admin API over real HTTP: roles, decisions, triage by URL hash, export, retention, audit chain.

mod common;

use common::*;

#[test]
fn roles_decisions_export_retention_and_the_audit_chain() {
    let dir = tempdir();
    let db = db_spec(&dir, "c");
    let admin = cli_token(&db, "root", "admin");
    assert!(admin.starts_with("fwc_") && admin.len() == 68);
    let mut c = open_db(&db);
    let stored = c.query("SELECT token_hash FROM admin_tokens", &[]).unwrap()[0][0].text();
    assert_ne!(stored, admin, "only the hash is stored");
    assert_eq!(stored, ferretwatch_collector::payload::sha256_hex(admin.as_bytes()));

    let s = Server::start(&db, NO_LIMITS);
    let bearer = |t: &str| format!("Bearer {t}");
    let mut tokens = std::collections::BTreeMap::new();
    for role in ["viewer", "reviewer", "publisher", "auditor"] {
        let a = bearer(&admin);
        let r = s.post_json(
            "/admin/v1/tokens",
            &[("Authorization", &a)],
            &format!(r#"{{"name":"{role}-1","role":"{role}"}}"#),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        tokens.insert(role, bearer(r.json()["token"].as_str().unwrap()));
    }
    // Two reports of the same URL and one of another: triage groups them by URL hash.
    for (url, id) in [
        ("https://evil.example/login", "rep-00000001"),
        ("https://evil.example/login", "rep-00000002"),
        ("https://other.example/", "rep-00000003"),
    ] {
        assert_eq!(s.post_json("/v1/reports", &[], &report(url, id)).status, 201);
    }
    let viewer = tokens["viewer"].as_str();
    let r = s.req("GET", "/admin/v1/triage", &[("Authorization", viewer)], b"");
    assert_eq!(r.status, 200, "{}", r.body);
    let groups = r.json()["groups"].as_array().unwrap().clone();
    assert_eq!(groups.len(), 2);
    assert_eq!(
        (groups[0]["url"].as_str(), groups[0]["reports"].as_i64(), groups[0]["status"].as_str()),
        (Some("https://evil.example/login"), Some(2), Some("queued"))
    );
    let hash = groups[0]["url_hash"].as_str().unwrap().to_string();

    // Who may do what.
    let decision = format!(r#"{{"url_hash":"{hash}","status":"verified","note":"kit seen before"}}"#);
    assert_eq!(s.req("GET", "/admin/v1/reports", &[], b"").status, 401);
    assert_eq!(s.req("GET", "/admin/v1/reports", &[("Authorization", "Bearer fwc_nope")], b"").status, 401);
    assert_eq!(s.post_json("/admin/v1/decisions", &[("Authorization", viewer)], &decision).status, 403);
    assert_eq!(s.req("GET", "/admin/v1/export", &[("Authorization", tokens["reviewer"].as_str())], b"").status, 403);
    assert_eq!(s.req("GET", "/admin/v1/reports", &[("Authorization", tokens["auditor"].as_str())], b"").status, 403);
    assert_eq!(s.req("GET", "/admin/v1/audit", &[("Authorization", tokens["publisher"].as_str())], b"").status, 403);
    assert_eq!(
        s.post_json(
            "/admin/v1/tokens",
            &[("Authorization", tokens["reviewer"].as_str())],
            r#"{"name":"x","role":"admin"}"#
        )
        .status,
        403
    );

    let r = s.post_json("/admin/v1/decisions", &[("Authorization", tokens["reviewer"].as_str())], &decision);
    assert_eq!(r.status, 201, "{}", r.body);
    let r = s.post_json(
        "/admin/v1/decisions",
        &[("Authorization", tokens["reviewer"].as_str())],
        r#"{"url_hash":"00","status":"verified"}"#,
    );
    assert_eq!((r.status, r.json()["field"].as_str()), (422, Some("url_hash")));
    let r = s.post_json(
        "/admin/v1/decisions",
        &[("Authorization", tokens["reviewer"].as_str())],
        &decision.replace("verified", "maybe"),
    );
    assert_eq!((r.status, r.json()["field"].as_str()), (422, Some("status")));

    let r = s.req("GET", "/admin/v1/reports?status=verified", &[("Authorization", viewer)], b"");
    let listed = r.json()["reports"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|x| x["status"] == "verified" && x["payload"]["reason"] == "phishing_login"));
    assert_eq!(s.req("GET", "/admin/v1/reports?status=nope", &[("Authorization", viewer)], b"").status, 400);
    let r = s.req("GET", "/admin/v1/reports?status=queued", &[("Authorization", viewer)], b"");
    assert_eq!(r.json()["reports"][0]["url"], "https://other.example/");

    let r = s.req("GET", "/admin/v1/export", &[("Authorization", tokens["publisher"].as_str())], b"");
    assert_eq!(r.status, 200);
    let lines: Vec<serde_json::Value> = r.body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1);
    assert_eq!((lines[0]["url"].as_str(), lines[0]["reports"].as_i64()), (Some("https://evil.example/login"), Some(2)));

    // Retention: archive everything older than 0 days (after a second has passed).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let ack_before = s.post_json("/v1/reports", &[], &report("https://other.example/", "rep-00000003")).body;
    let r = s.post_json("/admin/v1/retention", &[("Authorization", &bearer(&admin))], r#"{"older_than_days":0}"#);
    assert_eq!((r.status, r.json()["archived"].as_i64()), (200, Some(3)), "{}", r.body);
    assert_eq!(
        s.req("GET", "/admin/v1/reports", &[("Authorization", viewer)], b"").json()["reports"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let archived_url =
        c.query("SELECT count(*) FROM reports_archive WHERE url_hash = $1", &[hash.as_str().into()]).unwrap()[0][0]
            .int();
    assert_eq!(archived_url, 2, "the archive keeps the URL hash, not the URL");
    // A retry after archiving still gets its first acknowledgement and is not stored again.
    let retry = s.post_json("/v1/reports", &[], &report("https://other.example/", "rep-00000003"));
    assert_eq!((retry.status, retry.body.as_str()), (200, ack_before.as_str()));
    // Decisions are append-only (a new decision supersedes; none is edited).
    assert!(c.execute("UPDATE decisions SET status = 'benign'", &[]).is_err());

    // The audit log: every admin request, denied ones included; the chain verifies.
    let r = s.req("GET", "/admin/v1/audit", &[("Authorization", tokens["auditor"].as_str())], b"");
    assert_eq!(r.status, 200, "{}", r.body);
    let a = r.json();
    assert_eq!(a["chain_ok"], true);
    let entries = a["entries"].as_array().unwrap();
    let has = |action: &str, outcome: &str| {
        entries.iter().any(|e| e["action"] == action && e["outcome"].as_str().unwrap().starts_with(outcome))
    };
    assert!(has("decision.record", "status=verified"));
    assert!(has("decision.record", "denied: role"));
    assert!(has("reports.list", "denied: no valid bearer token"));
    assert!(has("retention.run", "archived=3"));
    assert!(has("token.create", "ok"));
    assert!(c.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 3", &[]).is_err(), "append-only");
    // Tampering (with the trigger dropped) is detected at the entry changed.
    let drop = match c.dialect() {
        ferretwatch_collector::db::Dialect::Sqlite => "DROP TRIGGER audit_no_update",
        ferretwatch_collector::db::Dialect::Postgres => "DROP TRIGGER audit_no_update ON audit",
    };
    c.batch(&format!("{drop}; UPDATE audit SET actor = 'mallory' WHERE seq = 3;")).unwrap();
    let a = s.req("GET", "/admin/v1/audit", &[("Authorization", tokens["auditor"].as_str())], b"").json();
    assert_eq!((a["chain_ok"].as_bool(), a["first_bad_seq"].as_i64()), (Some(false), Some(3)));
}
