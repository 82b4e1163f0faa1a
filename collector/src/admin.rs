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
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::payload::sha256_hex;
use crate::server::{AppState, error, store_error, unix_now};
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

/// Appends an audit entry: `hash = sha256(prev_hash + JSON [seq, at, actor, role, action, target, outcome])`.
///
/// # Errors
/// A database error.
pub fn audit_append(
    c: &Connection,
    actor: &str,
    role: &str,
    action: &str,
    target: &str,
    outcome: &str,
) -> Result<(), StoreError> {
    let last: Option<(i64, String)> = c
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, "0".repeat(64)),
    };
    let at = unix_now();
    let hash = chain_hash(&prev, seq, at, actor, role, action, target, outcome);
    c.execute(
        "INSERT INTO audit (seq, at, actor, role, action, target, outcome, prev, hash) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
        params![seq, at, actor, role, action, target, outcome, prev, hash],
    )?;
    Ok(())
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
pub fn audit_verify(c: &Connection) -> Result<Result<i64, i64>, StoreError> {
    let mut st =
        c.prepare("SELECT seq, at, actor, role, action, target, outcome, prev, hash FROM audit ORDER BY seq")?;
    let mut rows = st.query([])?;
    let mut prev = "0".repeat(64);
    let mut expect = 1;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let (p, h): (String, String) = (r.get(7)?, r.get(8)?);
        let calc = chain_hash(
            &p,
            seq,
            r.get(1)?,
            &r.get::<_, String>(2)?,
            &r.get::<_, String>(3)?,
            &r.get::<_, String>(4)?,
            &r.get::<_, String>(5)?,
            &r.get::<_, String>(6)?,
        );
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
pub fn create_token(c: &Connection, name: &str, role: Role, by: &str) -> Result<String, StoreError> {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| StoreError::Db(rusqlite::Error::InvalidParameterName(e.to_string())))?;
    let token = format!("fwc_{}", raw.iter().map(|b| format!("{b:02x}")).collect::<String>());
    c.execute(
        "INSERT INTO admin_tokens (token_hash, name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![sha256_hex(token.as_bytes()), name, role.as_str(), unix_now()],
    )?;
    audit_append(
        c,
        by,
        if by == "cli" { "cli" } else { "admin" },
        "token.create",
        &format!("{name}:{}", role.as_str()),
        "ok",
    )?;
    Ok(token)
}

/// Archives (reduced record: no URL, no payload) and deletes raw reports older than `days`.
///
/// # Errors
/// A database error.
pub fn retention(c: &mut Connection, days: u64, actor: &str, role: &str) -> Result<usize, StoreError> {
    let now = unix_now();
    let cutoff = now - (days as i64) * 86_400;
    let tx = c.transaction()?;
    let n = tx.execute(
        "INSERT INTO reports_archive (seq, kind, idem_key, body_hash, received_at, archived_at, url_hash, reason, score)
         SELECT seq, kind, idem_key, body_hash, received_at, ?2, url_hash, reason, score FROM reports WHERE received_at < ?1",
        params![cutoff, now],
    )?;
    tx.execute("DELETE FROM reports WHERE received_at < ?1", params![cutoff])?;
    audit_append(&tx, actor, role, "retention.run", &format!("older_than_days={days}"), &format!("archived={n}"))?;
    tx.commit()?;
    Ok(n)
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
                Ok(c.query_row(
                    "SELECT name, role FROM admin_tokens WHERE token_hash = ?1 AND revoked_at IS NULL",
                    [h],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
                )
                .optional()?)
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

async fn list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let actor = match authorize(&state, &headers, Perm::Read, "reports.list").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Ok(Query(q)) = q else {
        return error(StatusCode::BAD_REQUEST, "(query)", "unknown or malformed query parameter");
    };
    if let Err(r) = check_list(&q) {
        return r;
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000) as i64;
    let res = state
        .store
        .run(move |c| {
            let sql = format!(
                "SELECT * FROM (SELECT r.seq, r.kind, r.received_at, r.url_hash, r.url, r.reason, r.score, r.payload, {STATUS_SQL} AS status FROM reports r
                 WHERE r.seq > ?1 AND (?2 IS NULL OR r.kind = ?2) AND (?3 IS NULL OR r.reason = ?3) AND (?4 IS NULL OR r.url_hash = ?4)
                 AND (?5 IS NULL OR r.received_at >= ?5) AND (?6 IS NULL OR r.received_at < ?6))
                 WHERE (?7 IS NULL OR status = ?7) ORDER BY seq LIMIT ?8"
            );
            let mut st = c.prepare(&sql)?;
            let rows = st
                .query_map(params![q.after.unwrap_or(0), q.kind, q.reason, q.url_hash, q.since, q.until, q.status, limit], |r| {
                    Ok(json!({"receipt": r.get::<_, i64>(0)?, "kind": r.get::<_, String>(1)?, "received_at": r.get::<_, i64>(2)?,
                        "url_hash": r.get::<_, String>(3)?, "url": r.get::<_, String>(4)?, "reason": r.get::<_, Option<String>>(5)?,
                        "score": r.get::<_, f64>(6)?, "payload": serde_json::from_str::<Value>(&r.get::<_, String>(7)?).unwrap_or(Value::Null),
                        "status": r.get::<_, String>(8)?}))
                })?
                .collect::<Result<Vec<_>, _>>()?;
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
    let actor = match authorize(&state, &headers, Perm::Read, "triage.list").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Ok(Query(q)) = q else {
        return error(StatusCode::BAD_REQUEST, "(query)", "unknown or malformed query parameter");
    };
    if let Err(r) = check_list(&q) {
        return r;
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000) as i64;
    let res = state
        .store
        .run(move |c| {
            let sql = format!(
                "SELECT * FROM (SELECT r.url_hash, MIN(r.url), SUM(r.kind = 'report'), SUM(r.kind = 'false_positive'), MIN(r.received_at), MAX(r.received_at), {STATUS_SQL} AS status
                 FROM reports r GROUP BY r.url_hash) WHERE (?1 IS NULL OR status = ?1) ORDER BY 3 DESC, 1 LIMIT ?2"
            );
            let mut st = c.prepare(&sql)?;
            let rows = st
                .query_map(params![q.status, limit], |r| {
                    Ok(json!({"url_hash": r.get::<_, String>(0)?, "url": r.get::<_, String>(1)?, "reports": r.get::<_, i64>(2)?,
                        "false_positives": r.get::<_, i64>(3)?, "first_at": r.get::<_, i64>(4)?, "last_at": r.get::<_, i64>(5)?, "status": r.get::<_, String>(6)?}))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            audit_append(c, &actor.name, actor.role.as_str(), "triage.list", "", &format!("returned={}", rows.len()))?;
            Ok(rows)
        })
        .await;
    match res {
        Ok(rows) => axum::Json(json!({"groups": rows})).into_response(),
        Err(e) => store_error(e),
    }
}

async fn json_body(body: Body) -> Result<serde_json::Map<String, Value>, Response> {
    let b = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map_err(|_| error(StatusCode::PAYLOAD_TOO_LARGE, "", "body larger than 16 KiB"))?;
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
    let m = match json_body(body).await {
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
            let tx = c.transaction()?;
            let known: i64 =
                tx.query_row("SELECT count(*) FROM reports WHERE url_hash = ?1", [&url_hash], |r| r.get(0))?;
            if known == 0 {
                audit_append(
                    &tx,
                    &actor.name,
                    actor.role.as_str(),
                    "decision.record",
                    &url_hash,
                    "refused: unknown url_hash",
                )?;
                tx.commit()?;
                return Ok(None);
            }
            tx.execute(
                "INSERT INTO decisions (url_hash, status, note, actor, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![url_hash, status, note, actor.name, unix_now()],
            )?;
            let seq = tx.last_insert_rowid();
            audit_append(
                &tx,
                &actor.name,
                actor.role.as_str(),
                "decision.record",
                &url_hash,
                &format!("status={status}"),
            )?;
            tx.commit()?;
            Ok(Some((seq, url_hash, status)))
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
    let actor = match authorize(&state, &headers, Perm::Export, "reports.export").await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Ok(Query(q)) = q else {
        return error(StatusCode::BAD_REQUEST, "(query)", "unknown or malformed query parameter");
    };
    if let Err(r) = check_list(&q) {
        return r;
    }
    let status = q.status.unwrap_or_else(|| "verified".into());
    let res = state
        .store
        .run(move |c| {
            let sql = format!(
                "SELECT * FROM (SELECT r.url_hash, MIN(r.url), COUNT(*), MAX(r.received_at), {STATUS_SQL} AS status FROM reports r WHERE r.kind = 'report' GROUP BY r.url_hash)
                 WHERE status = ?1 ORDER BY 1"
            );
            let mut st = c.prepare(&sql)?;
            let mut out = String::new();
            let rows = st.query_map([&status], |r| {
                Ok(json!({"url": r.get::<_, String>(1)?, "url_hash": r.get::<_, String>(0)?, "reports": r.get::<_, i64>(2)?, "last_at": r.get::<_, i64>(3)?, "status": r.get::<_, String>(4)?}))
            })?;
            let mut n = 0;
            for row in rows {
                out.push_str(&row?.to_string());
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
    let m = match json_body(body).await {
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
    let m = match json_body(body).await {
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
            let mut st = c.prepare("SELECT seq, at, actor, role, action, target, outcome, prev, hash FROM audit ORDER BY seq DESC LIMIT 1000")?;
            let rows = st
                .query_map([], |r| {
                    Ok(json!({"seq": r.get::<_, i64>(0)?, "at": r.get::<_, i64>(1)?, "actor": r.get::<_, String>(2)?, "role": r.get::<_, String>(3)?,
                        "action": r.get::<_, String>(4)?, "target": r.get::<_, String>(5)?, "outcome": r.get::<_, String>(6)?,
                        "prev": r.get::<_, String>(7)?, "hash": r.get::<_, String>(8)?}))
                })?
                .collect::<Result<Vec<_>, _>>()?;
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
