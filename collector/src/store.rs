//! Storage: SQLite in WAL mode behind one writer thread with group commit.
//!
//! Every write goes through a bounded queue to one thread that owns the connection. Reports that
//! arrive together are inserted in one transaction; each is acknowledged only after `COMMIT`
//! returned (`synchronous=FULL`), so a `kill -9` or power loss never loses an acknowledged report.
//! Idempotency keys are unique across `reports` and `reports_archive`: a retried report is stored
//! once and gets the acknowledgement of the first attempt. `reports`, `decisions` and `audit` are
//! append-only (triggers refuse `UPDATE`; only the retention step deletes raw reports, after
//! copying a reduced record to `reports_archive`).

use std::path::Path;
use std::sync::mpsc;

use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;

use crate::payload::{Payload, sha256_hex};

/// The schema (migration 1). Idempotent.
pub const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE IF NOT EXISTS reports (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  idem_key TEXT NOT NULL UNIQUE,
  body_hash TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  url_hash TEXT NOT NULL,
  url TEXT NOT NULL,
  reason TEXT,
  score REAL NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_url_hash ON reports(url_hash);
CREATE INDEX IF NOT EXISTS reports_received ON reports(received_at);
CREATE TABLE IF NOT EXISTS reports_archive (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  idem_key TEXT NOT NULL UNIQUE,
  body_hash TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  archived_at INTEGER NOT NULL,
  url_hash TEXT NOT NULL,
  reason TEXT,
  score REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
  seq INTEGER PRIMARY KEY,
  url_hash TEXT NOT NULL,
  status TEXT NOT NULL,
  note TEXT,
  actor TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_url_hash ON decisions(url_hash, seq);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  prev TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS admin_tokens (
  token_hash TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS telemetry (
  batch_id TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS reports_no_update BEFORE UPDATE ON reports BEGIN SELECT RAISE(ABORT, 'reports are append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#];

/// Storage errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused the operation (disk full, locked, corrupt...).
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// The idempotency key was used before with a different payload.
    #[error("Idempotency-Key already used for a different payload")]
    KeyReused,
    /// The write queue is full (back-pressure) or the writer stopped.
    #[error("storage busy")]
    Busy,
}

/// The acknowledgement of a stored report (identical for every retry).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ack {
    /// The idempotency key.
    pub id: String,
    /// Receipt number (the report's sequence number).
    pub receipt: i64,
    /// When it was first stored (Unix seconds).
    pub received_at: i64,
    /// `true` when this answer replays an earlier acknowledgement.
    #[serde(skip)]
    pub replayed: bool,
}

/// A report ready to store.
pub struct NewReport {
    /// The payload.
    pub payload: Payload,
    /// Idempotency key (header, `id` field, or the body hash).
    pub key: String,
    /// Receive time (Unix seconds).
    pub now: i64,
}

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

enum Msg {
    Insert(NewReport, oneshot::Sender<Result<Ack, StoreError>>),
    Run(Job),
}

/// Handle to the writer thread (cheap to clone).
#[derive(Clone)]
pub struct Store {
    tx: mpsc::SyncSender<Msg>,
}

/// Opens (creating if needed) the database and applies the migrations.
///
/// # Errors
/// When the file cannot be opened or the schema applied.
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    for m in MIGRATIONS {
        conn.execute_batch(m)?;
    }
    Ok(conn)
}

/// Most reports committed in one transaction.
const GROUP: usize = 512;

impl Store {
    /// Starts the writer thread on `conn`. `queue` bounds the pending writes (memory).
    pub fn start(conn: Connection, queue: usize) -> Store {
        let (tx, rx) = mpsc::sync_channel::<Msg>(queue);
        std::thread::Builder::new()
            .name("collector-db".into())
            .spawn(move || writer(conn, rx))
            .map(|_| ())
            .unwrap_or_else(|e| eprintln!("cannot start the database thread: {e}"));
        Store { tx }
    }

    /// Stores a report (or finds the earlier one with the same key) and acknowledges it after
    /// commit.
    ///
    /// # Errors
    /// [`StoreError::KeyReused`], [`StoreError::Busy`] or a database error.
    pub async fn insert(&self, r: NewReport) -> Result<Ack, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.tx.try_send(Msg::Insert(r, tx)).map_err(|_| StoreError::Busy)?;
        rx.await.map_err(|_| StoreError::Busy)?
    }

    /// Runs `f` on the writer thread (in order with the writes).
    ///
    /// # Errors
    /// [`StoreError::Busy`] when the queue is full, or `f`'s error.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |c| {
            let _ = tx.send(f(c));
        });
        self.tx.try_send(Msg::Run(job)).map_err(|_| StoreError::Busy)?;
        rx.await.map_err(|_| StoreError::Busy)?
    }
}

fn writer(mut conn: Connection, rx: mpsc::Receiver<Msg>) {
    let mut pending: Vec<(NewReport, oneshot::Sender<Result<Ack, StoreError>>)> = Vec::with_capacity(GROUP);
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Msg::Insert(r, tx) => pending.push((r, tx)),
                Msg::Run(job) => {
                    flush(&mut conn, &mut pending);
                    job(&mut conn);
                }
            }
            if pending.len() < GROUP {
                next = rx.try_recv().ok();
            }
        }
        flush(&mut conn, &mut pending);
    }
    flush(&mut conn, &mut pending);
}

fn flush(conn: &mut Connection, pending: &mut Vec<(NewReport, oneshot::Sender<Result<Ack, StoreError>>)>) {
    if pending.is_empty() {
        return;
    }
    let result = (|| -> Result<Vec<Result<Ack, StoreError>>, rusqlite::Error> {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(pending.len());
        {
            let mut find = tx.prepare_cached(
                "SELECT seq, body_hash, received_at FROM reports WHERE idem_key = ?1
                 UNION ALL SELECT seq, body_hash, received_at FROM reports_archive WHERE idem_key = ?1",
            )?;
            let mut ins = tx.prepare_cached(
                "INSERT INTO reports (kind, idem_key, body_hash, received_at, url_hash, url, reason, score, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for (r, _) in pending.iter() {
                let body_hash = sha256_hex(r.payload.stored_json.as_bytes());
                let found: Option<(i64, String, i64)> =
                    find.query_row([&r.key], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).optional()?;
                out.push(match found {
                    Some((seq, h, at)) if h == body_hash => {
                        Ok(Ack { id: r.key.clone(), receipt: seq, received_at: at, replayed: true })
                    }
                    Some(_) => Err(StoreError::KeyReused),
                    None => {
                        let p = &r.payload;
                        ins.execute(params![
                            p.kind.as_str(),
                            r.key,
                            body_hash,
                            r.now,
                            p.url_hash(),
                            p.url,
                            p.reason,
                            p.score,
                            p.stored_json
                        ])?;
                        Ok(Ack {
                            id: r.key.clone(),
                            receipt: tx.last_insert_rowid(),
                            received_at: r.now,
                            replayed: false,
                        })
                    }
                });
            }
        }
        tx.commit()?;
        Ok(out)
    })();
    match result {
        Ok(acks) => {
            for ((_, reply), ack) in pending.drain(..).zip(acks) {
                let _ = reply.send(ack);
            }
        }
        Err(e) => {
            let msg = e.to_string();
            for (_, reply) in pending.drain(..) {
                let _ = reply.send(Err(StoreError::Db(rusqlite::Error::InvalidParameterName(msg.clone()))));
            }
        }
    }
}
