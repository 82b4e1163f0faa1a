//! Admin API (`/admin/v1/…`): bearer tokens stored as sha256 hashes, five roles, moderation
//! decisions by URL hash, export, retention, and an append-only hash-chained audit log that
//! records every admin request (allowed or denied).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::db::{Db, Val, transaction};
use crate::payload::sha256_hex;
use crate::server::{AppState, error, read_body, store_error, unix_now};
use crate::store::StoreError;

/// Admin roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Reads reports and triage groups.
    Viewer,
    /// Viewer + records moderation decisions.
    Reviewer,
    /// Viewer + exports verified URLs (for rule packs).
    Publisher,
    /// Everything, including tokens and retention.
    Admin,
    /// Reads and verifies the audit log only.
    Auditor,
}

impl Role {
    /// Parses a lowercase role name.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "viewer" => Role::Viewer,
            "reviewer" => Role::Reviewer,
            "publisher" => Role::Publisher,
            "admin" => Role::Admin,
            "auditor" => Role::Auditor,
            _ => return None,
        })
    }

    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Reviewer => "reviewer",
            Role::Publisher => "publisher",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }
}

/// What an admin request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    /// List and read reports and triage groups.
    Read,
    /// Record a moderation decision.
    Decide,
    /// Export decided URLs.
    Export,
    /// Read and verify the audit log.
    Audit,
    /// Tokens and retention.
    Manage,
}

/// The role matrix.
pub fn allows(role: Role, perm: Perm) -> bool {
    use Role::*;
    match perm {
        Perm::Read => matches!(role, Viewer | Reviewer | Publisher | Admin),
        Perm::Decide => matches!(role, Reviewer | Admin),
        Perm::Export => matches!(role, Publisher | Admin),
        Perm::Audit => matches!(role, Auditor | Admin),
        Perm::Manage => role == Admin,
    }
}

/// Moderation statuses.
pub const STATUSES: [&str; 4] = ["queued", "verified", "rejected", "benign"];

/// Key of the PostgreSQL advisory lock that serializes audit appends across replicas
/// (`ferretwatch` in ASCII).
const AUDIT_LOCK: i64 = 0x6665_7272_6574_7761;

/// Appends an audit entry: `hash = sha256(prev_hash + JSON [seq, at, actor, role, action, target, outcome])`.
///
/// Safe across replicas sharing one database: the read of the chain head and the insert run in
/// one transaction (joined when the caller has one) that first takes the write lock (SQLite:
/// `BEGIN IMMEDIATE`; PostgreSQL: `pg_advisory_xact_lock`, held until commit), so two
/// collectors never link two entries to the same head.
///
/// # Errors
/// A database error.
pub fn audit_append(
    c: &mut dyn Db,
    actor: &str,
    role: &str,
    action: &str,
    target: &str,
    outcome: &str,
) -> Result<(), StoreError> {
    transaction(c, |c| {
        if c.dialect() == crate::db::Dialect::Postgres {
            c.batch(&format!("SELECT pg_advisory_xact_lock({AUDIT_LOCK})"))?;
        }
        let last = c.query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[])?;
        let (seq, prev) = match last.first() {
            Some(r) => (r[0].int() + 1, r[1].text()),
            None => (1, "0".repeat(64)),
        };
        let at = unix_now();
        let hash = chain_hash(&prev, seq, at, actor, role, action, target, outcome);
        c.execute(
            "INSERT INTO audit (seq, at, actor, role, action, target, outcome, prev, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[seq.into(), at.into(), actor.into(), role.into(), action.into(), target.into(), outcome.into(), prev.into(), hash.into()],
        )?;
        Ok(())
    })
}

#[allow(clippy::too_many_arguments)]
fn chain_hash(
    prev: &str,
    seq: i64,
    at: i64,
    actor: &str,
    role: &str,
    action: &str,
    target: &str,
    outcome: &str,
) -> String {
    let body = json!([seq, at, actor, role, action, target, outcome]).to_string();
    sha256_hex(format!("{prev}\n{body}").as_bytes())
}

/// Checks the chain. `Ok(entries)` or `Err(first bad seq)`.
///
/// # Errors
/// `Ok(Err(seq))` names the first entry whose link or hash is wrong.
pub fn audit_verify(c: &mut dyn Db) -> Result<Result<i64, i64>, StoreError> {
    let rows =
        c.query("SELECT seq, at, actor, role, action, target, outcome, prev, hash FROM audit ORDER BY seq", &[])?;
    let mut prev = "0".repeat(64);
    let mut expect = 1;
    for r in rows {
        let seq = r[0].int();
        let (p, h) = (r[7].text(), r[8].text());
        let calc =
            chain_hash(&p, seq, r[1].int(), &r[2].text(), &r[3].text(), &r[4].text(), &r[5].text(), &r[6].text());
        if seq != expect || p != prev || calc != h {
            return Ok(Err(seq));
        }
        prev = h;
        expect += 1;
    }
    Ok(Ok(expect - 1))
}

/// Creates a token for `name` with `role`; returns the token (only its hash is stored).
///
/// # Errors
/// A database error or no randomness.
pub fn create_token(c: &mut dyn Db, name: &str, role: Role, by: &str) -> Result<String, StoreError> {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| StoreError::Db(format!("no randomness: {e}")))?;
    let token = format!("fwc_{}", raw.iter().map(|b| format!("{b:02x}")).collect::<String>());
    transaction(c, |c| {
        c.execute(
            "INSERT INTO admin_tokens (token_hash, name, role, created_at) VALUES ($1, $2, $3, $4)",
            &[sha256_hex(token.as_bytes()).into(), name.into(), role.as_str().into(), unix_now().into()],
        )?;
        audit_append(
            c,
            by,
            if by == "cli" { "cli" } else { "admin" },
            "token.create",
            &format!("{name}:{}", role.as_str()),
            "ok",
        )
    })?;
    Ok(token)
}

/// Archives (reduced record: no URL, no payload) and deletes raw reports older than `days`.
///
/// # Errors
/// A database error.
pub fn retention(c: &mut dyn Db, days: u64, actor: &str, role: &str) -> Result<u64, StoreError> {
    let now = unix_now();
    let cutoff = now - (days as i64) * 86_400;
    transaction(c, |tx| {
        let n = tx.execute(
            "INSERT INTO reports_archive (seq, kind, idem_key, body_hash, received_at, archived_at, url_hash, reason, score)
             SELECT seq, kind, idem_key, body_hash, received_at, $2, url_hash, reason, score FROM reports WHERE received_at < $1",
            &[cutoff.into(), now.into()],
        )?;
        tx.execute("DELETE FROM reports WHERE received_at < $1", &[cutoff.into()])?;
        audit_append(tx, actor, role, "retention.run", &format!("older_than_days={days}"), &format!("archived={n}"))?;
        Ok(n)
    })
}

struct Actor {
    name: String,
    role: Role,
}

async fn authorize(state: &AppState, headers: &HeaderMap, perm: Perm, action: &'static str) -> Result<Actor, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| sha256_hex(t.trim().as_bytes()));
    let found = match token {
        None => None,
        Some(h) => state
            .store
            .run(move |c| {
                let rows = c.query(
                    "SELECT name, role FROM admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
                    &[h.into()],
                )?;
                Ok(rows.first().map(|r| (r[0].text(), r[1].text())))
            })
            .await
            .map_err(store_error)?,
    };
    let Some((name, role)) = found else {
        let _ = state
            .store
            .run(move |c| audit_append(c, "(unknown)", "", action, "", "denied: no valid bearer token"))
            .await;
        let mut r = error(StatusCode::UNAUTHORIZED, "Authorization", "a valid admin bearer token is required");
        r.headers_mut().insert(header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        return Err(r);
    };
    let role = Role::parse(&role).unwrap_or(Role::Viewer);
    if !allows(role, perm) {
        let n = name.clone();
        let _ = state.store.run(move |c| audit_append(c, &n, role.as_str(), action, "", "denied: role")).await;
        return Err(error(StatusCode::FORBIDDEN, "Authorization", format!("role {} may not {action}", role.as_str())));
    }
    Ok(Actor { name, role })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    kind: Option<String>,
    reason: Option<String>,
    url_hash: Option<String>,
    since: Option<i64>,
    until: Option<i64>,
    after: Option<i64>,
    limit: Option<u32>,
}

/// SQLite has no `::TYPE` casts (PostgreSQL needs them to type `$n IS NULL`): drop them there.
fn casts(d: crate::db::Dialect, sql: &str) -> String {
    match d {
        crate::db::Dialect::Postgres => sql.to_string(),
        crate::db::Dialect::Sqlite => sql.replace("::TEXT", "").replace("::BIGINT", ""),
    }
}

const STATUS_SQL: &str =
    "COALESCE((SELECT d.status FROM decisions d WHERE d.url_hash = r.url_hash ORDER BY d.seq DESC LIMIT 1), 'queued')";

fn check_list(q: &ListQuery) -> Result<(), Response> {
    if let Some(s) = &q.status
        && !STATUSES.contains(&s.as_str())
    {
        return Err(error(StatusCode::BAD_REQUEST, "status", "must be queued, verified, rejected or benign"));
    }
    if let Some(k) = &q.kind
        && k != "report"
        && k != "false_positive"
    {
        return Err(error(StatusCode::BAD_REQUEST, "kind", "must be report or false_positive"));
    }
    Ok(())
}

/// The common start of the list-style handlers: authorize, then parse and check the query.
async fn list_request(
    state: &AppState,
    headers: &HeaderMap,
    perm: Perm,
    action: &'static str,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<(Actor, ListQuery), Response> {
    let actor = authorize(state, headers, perm, action).await?;
    let Ok(Query(q)) = q else {
        return Err(error(StatusCode::BAD_REQUEST, "(query)", "unknown or malformed query parameter"));
    };
    check_list(&q)?;
    Ok((actor, q))
}

async fn list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (actor, q) = match list_request(&state, &headers, Perm::Read, "reports.list", q).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 1000) as i64;
    let res = state
        .store
        .run(move |c| {
            let sql = format!(
                "SELECT * FROM (SELECT r.seq, r.kind, r.received_at, r.url_hash, r.url, r.reason, r.score, r.payload, {STATUS_SQL} AS status FROM reports r
                 WHERE r.seq > $1 AND ($2::TEXT IS NULL OR r.kind = $2) AND ($3::TEXT IS NULL OR r.reason = $3) AND ($4::TEXT IS NULL OR r.url_hash = $4)
                 AND ($5::BIGINT IS NULL OR r.received_at >= $5) AND ($6::BIGINT IS NULL OR r.received_at < $6)) AS t
                 WHERE ($7::TEXT IS NULL OR status = $7) ORDER BY seq LIMIT $8"
            );
            let params: [Val; 8] = [
                q.after.unwrap_or(0).into(),
                q.kind.into(),
                q.reason.into(),
                q.url_hash.into(),
                q.since.into(),
                q.until.into(),
                q.status.into(),
                limit.into(),
            ];
            let rows: Vec<Value> = c
                .query(&casts(c.dialect(), &sql), &params)?
                .into_iter()
                .map(|r| {
                    json!({"receipt": r[0].int(), "kind": r[1].text(), "received_at": r[2].int(), "url_hash": r[3].text(),
                        "url": r[4].text(), "reason": r[5].opt_text(), "score": r[6].real(),
                        "payload": serde_json::from_str::<Value>(&r[7].text()).unwrap_or(Value::Null), "status": r[8].text()})
                })
                .collect();
            audit_append(c, &actor.name, actor.role.as_str(), "reports.list", "", &format!("returned={}", rows.len()))?;
            Ok(rows)
        })
        .await;
    match res {
        Ok(rows) => {
            let next = rows.last().and_then(|r| r["receipt"].as_i64());
            axum::Json(json!({"reports": rows, "next_after": next})).into_response()
        }
        Err(e) => store_error(e),
    }
}

async fn triage(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (actor, q) = match list_request(&state, &headers, Perm::Read, "triage.list", q).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 1000) as i64;
    let res = state
        .store
        .run(move |c| {
            let sql = format!(
                "SELECT * FROM (SELECT r.url_hash, MIN(r.url) AS url, CAST(SUM(CASE WHEN r.kind = 'report' THEN 1 ELSE 0 END) AS BIGINT) AS n,
                 CAST(SUM(CASE WHEN r.kind = 'false_positive' THEN 1 ELSE 0 END) AS BIGINT) AS fp, MIN(r.received_at) AS first_at,
                 MAX(r.received_at) AS last_at, {STATUS_SQL} AS status
                 FROM reports r GROUP BY r.url_hash) AS t WHERE ($1::TEXT IS NULL OR status = $1) ORDER BY n DESC, url_hash LIMIT $2"
            );
            let rows: Vec<Value> = c
                .query(&casts(c.dialect(), &sql), &[q.status.into(), limit.into()])?
                .into_iter()
                .map(|r| {
                    json!({"url_hash": r[0].text(), "url": r[1].text(), "reports": r[2].int(), "false_positives": r[3].int(),
                        "first_at": r[4].int(), "last_at": r[5].int(), "status": r[6].text()})
                })
                .collect();
            audit_append(c, &actor.name, actor.role.as_str(), "triage.list", "", &format!("returned={}", rows.len()))?;
            Ok(rows)
        })
        .await;
    match res {
        Ok(rows) => axum::Json(json!({"groups": rows})).into_response(),
        Err(e) => store_error(e),
    }
}

async fn json_body(state: &AppState, body: Body) -> Result<serde_json::Map<String, Value>, Response> {
    let b = read_body(state, body, 16 * 1024).await?;
    if b.is_empty() {
        return Ok(Default::default());
    }
    match serde_json::from_slice::<Value>(&b) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(error(StatusCode::UNPROCESSABLE_ENTITY, "(body)", "must be a JSON object")),
        Err(e) => Err(error(StatusCode::BAD_REQUEST, "", format!("not valid JSON: {e}"))),
    }
}

async fn decide(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let actor = match authorize(&state, &headers, Perm::Decide, "decision.record").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let m = match json_body(&state, body).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    for k in m.keys() {
        if !["url_hash", "status", "note"].contains(&k.as_str()) {
            return error(StatusCode::UNPROCESSABLE_ENTITY, k, "unknown field");
        }
    }
    let Some(url_hash) = m
        .get("url_hash")
        .and_then(Value::as_str)
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
    else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "url_hash", "must be the 64-hex sha256 of a reported URL");
    };
    let Some(status) = m.get("status").and_then(Value::as_str).filter(|s| STATUSES.contains(s)).map(str::to_string)
    else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "status", "must be queued, verified, rejected or benign");
    };
    let note = match m.get("note") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() <= 1000 => Some(s.clone()),
        Some(_) => {
            return error(StatusCode::UNPROCESSABLE_ENTITY, "note", "must be a string of at most 1000 characters");
        }
    };
    let res = state
        .store
        .run(move |c| {
            transaction(c, |tx| {
                let known = tx.query("SELECT count(*) FROM reports WHERE url_hash = $1", &[(&url_hash).into()])?;
                if known.first().map_or(0, |r| r[0].int()) == 0 {
                    audit_append(tx, &actor.name, actor.role.as_str(), "decision.record", &url_hash, "refused: unknown url_hash")?;
                    return Ok(None);
                }
                let row = tx.query(
                    "INSERT INTO decisions (url_hash, status, note, actor, at) VALUES ($1, $2, $3, $4, $5) RETURNING seq",
                    &[(&url_hash).into(), (&status).into(), note.into(), (&actor.name).into(), unix_now().into()],
                )?;
                let seq = row.first().map_or(0, |r| r[0].int());
                audit_append(tx, &actor.name, actor.role.as_str(), "decision.record", &url_hash, &format!("status={status}"))?;
                Ok(Some((seq, url_hash, status)))
            })
        })
        .await;
    match res {
        Ok(Some((seq, h, s))) => {
            (StatusCode::CREATED, axum::Json(json!({"decision": seq, "url_hash": h, "status": s}))).into_response()
        }
        Ok(None) => error(StatusCode::NOT_FOUND, "url_hash", "no stored report has this URL hash"),
        Err(e) => store_error(e),
    }
}

async fn export(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (actor, q) = match list_request(&state, &headers, Perm::Export, "reports.export", q).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let status = q.status.unwrap_or_else(|| "verified".into());
    let res = state
        .store
        .run(move |c| {
            let sql = format!(
                "SELECT * FROM (SELECT r.url_hash, MIN(r.url) AS url, COUNT(*) AS n, MAX(r.received_at) AS last_at, {STATUS_SQL} AS status
                 FROM reports r WHERE r.kind = 'report' GROUP BY r.url_hash) AS t WHERE status = $1 ORDER BY url_hash"
            );
            let mut out = String::new();
            let mut n = 0;
            for r in c.query(&sql, &[(&status).into()])? {
                let line = json!({"url": r[1].text(), "url_hash": r[0].text(), "reports": r[2].int(), "last_at": r[3].int(), "status": r[4].text()});
                out.push_str(&line.to_string());
                out.push('\n');
                n += 1;
            }
            audit_append(c, &actor.name, actor.role.as_str(), "reports.export", &status, &format!("exported={n}"))?;
            Ok(out)
        })
        .await;
    match res {
        Ok(text) => ([(header::CONTENT_TYPE, "application/x-ndjson")], text).into_response(),
        Err(e) => store_error(e),
    }
}

async fn run_retention(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let actor = match authorize(&state, &headers, Perm::Manage, "retention.run").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let m = match json_body(&state, body).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let days = match m.get("older_than_days") {
        None => state.cfg.retention_days,
        Some(v) => match v.as_u64() {
            Some(d) => d,
            None => {
                return error(StatusCode::UNPROCESSABLE_ENTITY, "older_than_days", "must be a non-negative integer");
            }
        },
    };
    match state.store.run(move |c| retention(c, days, &actor.name, actor.role.as_str())).await {
        Ok(n) => axum::Json(json!({"archived": n, "older_than_days": days})).into_response(),
        Err(e) => store_error(e),
    }
}

async fn tokens(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let actor = match authorize(&state, &headers, Perm::Manage, "token.create").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let m = match json_body(&state, body).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(name) =
        m.get("name").and_then(Value::as_str).filter(|n| !n.is_empty() && n.len() <= 64).map(str::to_string)
    else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "name", "must be a string of 1-64 bytes");
    };
    let Some(role) = m.get("role").and_then(Value::as_str).and_then(Role::parse) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "role",
            "must be viewer, reviewer, publisher, admin or auditor",
        );
    };
    match state.store.run(move |c| create_token(c, &name, role, &actor.name)).await {
        Ok(t) => (StatusCode::CREATED, axum::Json(json!({"token": t, "role": role.as_str()}))).into_response(),
        Err(e) => store_error(e),
    }
}

async fn audit_log(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let actor = match authorize(&state, &headers, Perm::Audit, "audit.read").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let res = state
        .store
        .run(move |c| {
            let verified = audit_verify(c)?;
            let rows: Vec<Value> = c
                .query("SELECT seq, at, actor, role, action, target, outcome, prev, hash FROM audit ORDER BY seq DESC LIMIT 1000", &[])?
                .into_iter()
                .map(|r| {
                    json!({"seq": r[0].int(), "at": r[1].int(), "actor": r[2].text(), "role": r[3].text(), "action": r[4].text(),
                        "target": r[5].text(), "outcome": r[6].text(), "prev": r[7].text(), "hash": r[8].text()})
                })
                .collect();
            audit_append(c, &actor.name, actor.role.as_str(), "audit.read", "", "ok")?;
            Ok((verified, rows))
        })
        .await;
    match res {
        Ok((v, rows)) => axum::Json(
            json!({"chain_ok": v.is_ok(), "entries_checked": v.ok(), "first_bad_seq": v.err(), "entries": rows}),
        )
        .into_response(),
        Err(e) => store_error(e),
    }
}

/// The admin routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/v1/reports", get(list))
        .route("/admin/v1/triage", get(triage))
        .route("/admin/v1/decisions", post(decide))
        .route("/admin/v1/export", get(export))
        .route("/admin/v1/retention", post(run_retention))
        .route("/admin/v1/tokens", post(tokens))
        .route("/admin/v1/audit", get(audit_log))
}
