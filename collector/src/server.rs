//! HTTP: routes, intake handlers, errors.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
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
use tokio::sync::Semaphore;

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
    /// How long a client may take to send a request head (also the idle keep-alive limit).
    pub header_timeout: Duration,
    /// Most connections open at once; beyond it new connections wait in the listen backlog.
    pub max_connections: usize,
    /// Most connections open at once from one IP (0 = no per-IP cap); beyond it: 503, closed.
    pub max_connections_per_ip: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ip_rate: Some(Rate { per_minute: 5.0, per_day: 300.0 }),
            install_rate: Some(Rate { per_minute: 3.0, per_day: 100.0 }),
            max_limiter_keys: 100_000,
            retention_days: 90,
            body_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_connections_per_ip: 256,
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

pub(crate) async fn read_body(state: &AppState, body: Body, limit: usize) -> Result<axum::body::Bytes, Response> {
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

/// `POST /health` with `{"check":"health"}` (the report API health probe of `ops-probe check
/// --report-health`): the same answer as `GET /health`.
async fn health_post(State(state): State<Arc<AppState>>, body: Body) -> Response {
    if let Err(r) = read_body(&state, body, 1024).await {
        return r;
    }
    health(State(state)).await
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
        .route("/health", get(health).post(health_post))
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

/// Per-connection read buffer cap (request heads and body chunks): bounds the memory a
/// connection can hold (`max_connections` × this, plus bodies capped by their route).
const CONN_BUF: usize = 32 * 1024;

/// How long graceful shutdown waits for requests in flight.
const GRACE: Duration = Duration::from_secs(10);

/// Open connections per client IP (bounded by `max_connections` entries).
struct PerIp {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection's place in [`PerIp`]; given back on drop.
struct IpSlot {
    per_ip: Arc<PerIp>,
    ip: IpAddr,
}

impl PerIp {
    fn enter(self: &Arc<Self>, ip: IpAddr) -> Option<IpSlot> {
        let mut m = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = m.entry(ip).or_insert(0);
        if self.max > 0 && *n >= self.max {
            if *n == 0 {
                m.remove(&ip);
            }
            return None;
        }
        *n += 1;
        Some(IpSlot { per_ip: self.clone(), ip })
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut m = self.per_ip.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = m.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

/// Counts an open connection in the metrics while it lives.
struct OpenGuard(Arc<AppState>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.metrics.connections_open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves on `listener` until `shutdown` completes, then lets requests in flight finish (at
/// most 10 s).
///
/// HTTP/1.1 (hyper) with the limits of [`Config`]: a request head (and the wait for the next
/// one on a keep-alive connection) must arrive within `header_timeout`, else the connection is
/// closed; at most `max_connections` are open (further ones wait in the listen backlog) and at
/// most `max_connections_per_ip` per client IP (further ones get a 503 and are closed).
///
/// # Errors
/// Never for now (accept errors such as too many open files are waited out); kept for callers.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let cfg = state.cfg.clone();
    let app = router(state.clone());
    let max = cfg.max_connections.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let slots = Arc::new(Semaphore::new(max));
    let per_ip = Arc::new(PerIp { max: cfg.max_connections_per_ip, open: Mutex::new(HashMap::new()) });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(cfg.header_timeout)
        .max_buf_size(CONN_BUF)
        .max_headers(64);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // EMFILE, ECONNABORTED...: not fatal; wait a little so a full fd table is not spun on.
                    eprintln!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(ip_slot) = per_ip.enter(peer.ip()) else {
            state.metrics.connections_refused_per_ip.fetch_add(1, Ordering::Relaxed);
            // Best effort, never waits: a client that does not read just sees the close.
            let body = r#"{"error":"too many connections from this address","field":""}"#;
            let _ = stream.try_write(
                format!(
                    "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
            continue;
        };
        let _ = stream.set_nodelay(true);
        state.metrics.connections_open.fetch_add(1, Ordering::Relaxed);
        let open = OpenGuard(state.clone());
        let router = app.clone();
        let svc = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let mut r = router.clone();
            async move {
                std::future::poll_fn(|cx| {
                    tower_service::Service::<Request<hyper::body::Incoming>>::poll_ready(&mut r, cx)
                })
                .await?;
                tower_service::Service::call(&mut r, req).await
            }
        });
        let conn = http.serve_connection(hyper_util::rt::TokioIo::new(stream), svc);
        let mut stop = stop_rx.clone();
        let st = state.clone();
        tokio::spawn(async move {
            let _slots = (permit, ip_slot, open);
            tokio::pin!(conn);
            let res = tokio::select! {
                r = conn.as_mut() => r,
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    tokio::time::timeout(GRACE, conn.as_mut()).await.unwrap_or(Ok(()))
                }
            };
            if let Err(e) = res
                && e.is_timeout()
            {
                st.metrics.connections_header_timeout.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    let _ = stop_tx.send(true);
    // Every connection gives its permit back when it ends.
    let _ = tokio::time::timeout(GRACE, slots.acquire_many(max as u32)).await;
    Ok(())
}
