//! `ferretwatch-collector`: the report, false-positive and telemetry intake service.
//!
//! `POST /v1/reports` and `POST /v1/false-positives` take the extension's report payload
//! ([`payload`], ≤ 10 KB, closed schema), rate-limited per IP and per install token
//! ([`limits`]), stored once per idempotency key and acknowledged only after the SQLite
//! transaction committed ([`store`]). `POST /v1/telemetry` takes the probe's telemetry batch
//! schema v1 (`ops_probe::telemetry`) and `GET /metrics` exposes the merged fleet numbers in
//! Prometheus format ([`metrics`]). The admin API ([`admin`]) has hashed bearer tokens, five
//! roles and a hash-chained audit log. See `docs/collector.md`.
//!
//! ```
//! use ferretwatch_collector::payload::{Kind, parse};
//!
//! let body = br#"{"url": "https://paypa1.example/login", "timestamp": "2026-11-25T02:31:33Z",
//!   "extension_version": "0.1.0", "pack_version": "2026.11.25.1", "score": 80,
//!   "reason": "phishing_login", "findings": [{"signal": "idn_homograph_high", "evidence": "paypal"}]}"#;
//! assert_eq!(parse(Kind::Report, body).unwrap().reason.as_deref(), Some("phishing_login"));
//! let bad = br#"{"url": "https://a.example/", "email": "me@example.com"}"#;
//! assert_eq!(parse(Kind::Report, bad).unwrap_err().field(), "email");
//! ```

// Handlers return ready `Response`s as their error (an early return of a 4xx); boxing them buys nothing.
#![allow(clippy::result_large_err)]

pub mod payload;

#[cfg(feature = "server")]
pub mod admin;
#[cfg(feature = "server")]
pub mod db;
#[cfg(feature = "server")]
pub mod limits;
#[cfg(feature = "server")]
pub mod metrics;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub mod store;
