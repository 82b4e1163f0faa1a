//! HTTP: routes, intake handlers, errors.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ops_probe::telemetry::{MAX_BATCH_BYTES, Sample, parse_batch};
use serde_json::json;

use crate::limits::{Limiter, Rate};
use crate::metrics::ServiceMetrics;
use crate::payload::{self, Kind, MAX_BODY_BYTES, sha256_hex, valid_key};
use crate::store::{NewReport, Store, StoreError};

/// Service settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Per-IP limit on report and false-positive submissions (`None` = off).
    pub ip_rate: Option<Rate>,
    /// Per-install-token limit (`None` = off).
    pub install_rate: Option<Rate>,
    /// Most keys each limiter tracks.
    pub max_limiter_keys: usize,
    /// Raw reports older than this are archived (reduced record) and deleted.
    pub retention_days: u64,
    /// How long a client may take to send its body.
    pub body_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ip_rate: Some(Rate { per_minute: 5.0, per_day: 300.0 }),
            install_rate: Some(Rate { per_minute: 3.0, per_day: 100.0 }),
            max_limiter_keys: 100_000,
            retention_days: 90,
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// Shared state of the handlers.
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Settings.
    pub cfg: Config,
    ip: Option<Limiter>,
    install: Option<Limiter>,
    /// Fleet telemetry merged from every accepted batch.
    pub fleet: Mutex<Sample>,
    /// The service's own metrics.
    pub metrics: ServiceMetrics,
}

impl AppState {
    /// State over `store` with the telemetry already stored merged in.
    pub fn new(store: Store, cfg: Config, fleet: Sample) -> Arc<AppState> {
        Arc::new(AppState {
            ip: cfg.ip_rate.map(|r| Limiter::new(r, cfg.max_limiter_keys)),
            install: cfg.install_rate.map(|r| Limiter::new(r, cfg.max_limiter_keys)),
            store,
            cfg,
            fleet: Mutex::new(fleet),
            metrics: ServiceMetrics::default(),
        })
    }
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// A JSON error: `{"error": message, "field": field}`.
pub fn error(status: StatusCode, field: &str, message: impl std::fmt::Display) -> Response {
    (status, axum::Json(json!({"error": message.to_string(), "field": field}))).into_response()
}

fn too_many(retry_after: u64, scope: &str) -> Response {
    let mut r = error(StatusCode::TOO_MANY_REQUESTS, "", format!("rate limit ({scope}); retry after {retry_after} s"));
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

pub(crate) fn store_error(e: StoreError) -> Response {
    match e {
        StoreError::KeyReused => error(StatusCode::CONFLICT, "Idempotency-Key", e),
        StoreError::Busy => {
            let mut r = error(StatusCode::SERVICE_UNAVAILABLE, "", "storage busy; retry");
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r
        }
        StoreError::Db(e) => {
            eprintln!("database error: {e}");
            error(StatusCode::INTERNAL_SERVER_ERROR, "", "database error")
        }
    }
}

fn json_content_type(h: &HeaderMap) -> Result<(), Response> {
    let ok = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"));
    if ok { Ok(()) } else { Err(error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type", "must be application/json")) }
}

async fn read_body(state: &AppState, body: Body, limit: usize) -> Result<axum::body::Bytes, Response> {
    match tokio::time::timeout(state.cfg.body_timeout, axum::body::to_bytes(body, limit)).await {
        Err(_) => Err(error(StatusCode::REQUEST_TIMEOUT, "", "body not received in time")),
        Ok(Err(_)) => Err(error(StatusCode::PAYLOAD_TOO_LARGE, "", format!("body larger than {limit} bytes"))),
        Ok(Ok(b)) => Ok(b),
    }
}

async fn intake(state: Arc<AppState>, kind: Kind, peer: SocketAddr, headers: HeaderMap, body: Body) -> Response {
    if let Err(r) = json_content_type(&headers) {
        return r;
    }
    if let Some(l) = &state.ip
        && let Err(s) = l.take(&peer.ip().to_string(), Instant::now())
    {
        state.metrics.limited("ip");
        return too_many(s, "per IP");
    }
    let bytes = match read_body(&state, body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let p = match payload::parse(kind, &bytes) {
        Ok(p) => p,
        Err(e @ payload::PayloadError::TooLarge) => return error(StatusCode::PAYLOAD_TOO_LARGE, "", e),
        Err(e @ payload::PayloadError::Json(_)) => return error(StatusCode::BAD_REQUEST, "", e),
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, e.field(), &e),
    };
    let header_key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => match v.to_str().ok().filter(|s| valid_key(s)) {
            Some(s) => Some(s.to_string()),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Idempotency-Key",
                    "must be 8-128 characters of A-Z a-z 0-9 - _ .",
                );
            }
        },
    };
    let install = match headers.get("x-install-token") {
        Some(v) => match v.to_str().ok().filter(|s| valid_key(s)) {
            Some(s) => Some(s.to_string()),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "X-Install-Token",
                    "must be 8-128 characters of A-Z a-z 0-9 - _ .",
                );
            }
        },
        None => p.install_token.clone(),
    };
    if let (Some(l), Some(t)) = (&state.install, &install)
        && let Err(s) = l.take(&sha256_hex(t.as_bytes()), Instant::now())
    {
        state.metrics.limited("install");
        return too_many(s, "per install");
    }
    let key = header_key.or_else(|| p.id.clone()).unwrap_or_else(|| sha256_hex(p.stored_json.as_bytes()));
    let kind_name = p.kind.as_str();
    match state.store.insert(NewReport { payload: p, key, now: unix_now() }).await {
        Ok(ack) => {
            let status = if ack.replayed { StatusCode::OK } else { StatusCode::CREATED };
            if !ack.replayed {
                state.metrics.stored(kind_name);
            }
            let mut r = (status, axum::Json(&ack)).into_response();
            if ack.replayed {
                r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            }
            r
        }
        Err(e) => store_error(e),
    }
}

async fn reports(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    intake(s, Kind::Report, peer, headers, body).await
}

async fn false_positives(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    intake(s, Kind::FalsePositive, peer, headers, body).await
}

async fn telemetry(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    if let Err(r) = json_content_type(&headers) {
        return r;
    }
    let bytes = match read_body(&state, body, MAX_BATCH_BYTES).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let batch = match parse_batch(&bytes) {
        Ok(b) => b,
        Err(e @ ops_probe::telemetry::BatchError::Json(_)) => return error(StatusCode::BAD_REQUEST, "", e),
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, e.field(), &e),
    };
    let id = sha256_hex(&bytes);
    let body_text = String::from_utf8_lossy(&bytes).into_owned();
    let id2 = id.clone();
    let now = unix_now();
    let inserted = state
        .store
        .run(move |c| {
            Ok(c.execute(
                "INSERT INTO telemetry (batch_id, received_at, body) VALUES ($1, $2, $3) ON CONFLICT (batch_id) DO NOTHING",
                &[id2.into(), now.into(), body_text.into()],
            )? == 1)
        })
        .await;
    match inserted {
        Ok(true) => {
            state.fleet.lock().unwrap_or_else(|p| p.into_inner()).merge(&batch.sample);
            (StatusCode::ACCEPTED, axum::Json(json!({"batch_id": id, "status": "merged"}))).into_response()
        }
        Ok(false) => (StatusCode::OK, axum::Json(json!({"batch_id": id, "status": "duplicate"}))).into_response(),
        Err(e) => store_error(e),
    }
}

async fn health(State(state): State<Arc<AppState>>) -> Response {
    let q = state.store.run(|c| Ok(c.query("SELECT count(*) FROM reports", &[])?.first().map_or(0, |r| r[0].int())));
    match tokio::time::timeout(Duration::from_secs(2), q).await {
        Ok(Ok(n)) => axum::Json(json!({"status": "ok", "reports": n})).into_response(),
        _ => error(StatusCode::SERVICE_UNAVAILABLE, "", "database not answering"),
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let fleet = state.fleet.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let text = crate::metrics::render(&fleet, &state.metrics);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

async fn track(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let route =
        req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "(unmatched)".into());
    let t = Instant::now();
    let resp = next.run(req).await;
    state.metrics.request(&route, resp.status().as_u16(), t.elapsed().as_micros() as u64);
    resp
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "", "no such endpoint")
}

/// The router (intake, telemetry, health, metrics, admin).
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/reports", post(reports))
        .route("/v1/false-positives", post(false_positives))
        .route("/v1/telemetry", post(telemetry))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .merge(crate::admin::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

/// Loads every stored telemetry batch and merges it (startup).
///
/// # Errors
/// A database error.
pub fn load_fleet(db: &mut dyn crate::db::Db) -> Result<Sample, StoreError> {
    let mut s = Sample::default();
    for row in db.query("SELECT body FROM telemetry ORDER BY received_at, batch_id", &[])? {
        if let Ok(b) = parse_batch(row[0].text().as_bytes()) {
            s.merge(&b.sample);
        }
    }
    Ok(s)
}

/// Serves on `listener` until `shutdown` completes.
///
/// # Errors
/// An I/O error from the listener.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
