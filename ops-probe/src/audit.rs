//! The append-only, hash-chained audit log of degradation-level changes (JSON Lines).
//!
//! Each line is an [`Entry`]; `hash` = sha256 hex of `prev` + `"\n"` + the entry's JSON without
//! `hash` (fields in the order below). The first entry's `prev` is 64 zeros. `seq` counts from 1.
//! Changing, removing or reordering any line breaks the chain at that line ([`verify`]), and the
//! probe refuses to append to a log that does not verify.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One level change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// 1, 2, 3, ...
    pub seq: u64,
    /// When (Unix seconds).
    pub time: u64,
    /// `set-level` (a person, `actor` names them) or `evaluate` (a recommendation).
    pub source: String,
    /// Who.
    pub actor: String,
    /// Level before.
    pub from: u8,
    /// Level after.
    pub to: u8,
    /// Why.
    pub reason: String,
    /// sha256 of the control document written, if any.
    #[serde(default)]
    pub control_sha256: Option<String>,
    /// Where it was written.
    #[serde(default)]
    pub control_path: Option<String>,
    /// Hash of the previous entry.
    pub prev: String,
    /// This entry's hash.
    #[serde(default)]
    pub hash: String,
}

/// The audit log is damaged or cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// I/O.
    #[error("audit log {path}: {message}")]
    Io {
        /// Path.
        path: String,
        /// OS error.
        message: String,
    },
    /// A line is not an entry.
    #[error("audit log line {line}: not an audit entry: {message}")]
    Malformed {
        /// 1-based line.
        line: usize,
        /// Parser message.
        message: String,
    },
    /// The chain is broken.
    #[error("audit log line {line}: {message}")]
    Broken {
        /// 1-based line.
        line: usize,
        /// What does not match.
        message: String,
    },
}

/// The hash of an entry (ignoring its `hash` field).
pub fn entry_hash(e: &Entry) -> String {
    let mut c = e.clone();
    c.hash = String::new();
    let body = serde_json::to_vec(&c).unwrap_or_default();
    let mut msg = e.prev.as_bytes().to_vec();
    msg.push(b'\n');
    msg.extend_from_slice(&body);
    ferretwatch_core::signed::sha256_hex(&msg)
}

/// Reads and checks a whole log; returns its entries (empty when the file does not exist).
///
/// # Errors
/// [`AuditError`] naming the first bad line.
pub fn verify(path: &Path) -> Result<Vec<Entry>, AuditError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(AuditError::Io { path: path.display().to_string(), message: e.to_string() }),
    };
    let mut out: Vec<Entry> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            return Err(AuditError::Broken { line: n, message: "empty line".into() });
        }
        let e: Entry =
            serde_json::from_str(line).map_err(|e| AuditError::Malformed { line: n, message: e.to_string() })?;
        let (want_seq, want_prev) = match out.last() {
            Some(p) => (p.seq + 1, p.hash.clone()),
            None => (1, GENESIS.to_string()),
        };
        if e.seq != want_seq {
            return Err(AuditError::Broken {
                line: n,
                message: format!("seq {} where {want_seq} was expected", e.seq),
            });
        }
        if e.prev != want_prev {
            return Err(AuditError::Broken {
                line: n,
                message: "prev does not match the previous entry's hash (a line was changed, removed or inserted)"
                    .into(),
            });
        }
        let h = entry_hash(&e);
        if e.hash != h {
            return Err(AuditError::Broken {
                line: n,
                message: "hash does not match the entry (it was altered)".into(),
            });
        }
        out.push(e);
    }
    if !text.is_empty() && !text.ends_with('\n') {
        return Err(AuditError::Broken { line: out.len(), message: "last line is not terminated (cut short)".into() });
    }
    Ok(out)
}

/// A change to append.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// When.
    pub time: u64,
    /// `set-level` or `evaluate`.
    pub source: String,
    /// Who.
    pub actor: String,
    /// Before.
    pub from: u8,
    /// After.
    pub to: u8,
    /// Why.
    pub reason: String,
    /// Control document hash.
    pub control_sha256: Option<String>,
    /// Control document path.
    pub control_path: Option<String>,
}

/// Verifies the log, then appends entries (with `O_APPEND`, synced).
///
/// # Errors
/// [`AuditError`] when the log does not verify or cannot be written.
pub fn append(path: &Path, items: &[NewEntry]) -> Result<Vec<Entry>, AuditError> {
    let existing = verify(path)?;
    let io = |e: std::io::Error| AuditError::Io { path: path.display().to_string(), message: e.to_string() };
    let (mut seq, mut prev) = existing.last().map(|e| (e.seq, e.hash.clone())).unwrap_or((0, GENESIS.to_string()));
    let mut lines = Vec::new();
    let mut written = Vec::new();
    for it in items {
        seq += 1;
        let mut e = Entry {
            seq,
            time: it.time,
            source: it.source.clone(),
            actor: it.actor.clone(),
            from: it.from,
            to: it.to,
            reason: it.reason.clone(),
            control_sha256: it.control_sha256.clone(),
            control_path: it.control_path.clone(),
            prev: prev.clone(),
            hash: String::new(),
        };
        e.hash = entry_hash(&e);
        prev = e.hash.clone();
        lines.extend_from_slice(&serde_json::to_vec(&e).unwrap_or_default());
        lines.push(b'\n');
        written.push(e);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
    f.write_all(&lines).map_err(io)?;
    f.sync_all().map_err(io)?;
    Ok(written)
}

/// The level after the last entry (1 when the log is empty).
pub fn current_level(entries: &[Entry]) -> u8 {
    entries.last().map(|e| e.to).unwrap_or(1)
}
