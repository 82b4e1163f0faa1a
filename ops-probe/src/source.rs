//! Telemetry sources: batch files and folders (this module), a Prometheus `/metrics` endpoint and
//! a Prometheus server's HTTP API ([`crate::prom`]).
//!
//! A file holds one batch (a JSON object), a JSON array of batches, or JSON Lines (one batch per
//! line, `.jsonl`/`.ndjson`). A folder is read recursively, files in name order, `.json`,
//! `.jsonl` and `.ndjson` only. Every batch that does not parse becomes a [`BadInput`] naming
//! the file, the batch's position and the field; the others are used.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::telemetry::{Batch, MAX_BATCH_BYTES, batch_from_value};

/// A batch (or file) that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadInput {
    /// File or URL.
    pub source: String,
    /// Where in it: `line 3`, `[2]`, or `""` for the whole file.
    pub position: String,
    /// The field at fault (`""` when the file itself is unreadable or not JSON).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// What a source produced.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Valid batches with a stable identity (source + position + content hash) for
    /// de-duplication.
    pub batches: Vec<(String, Batch)>,
    /// Unusable batches and files.
    pub bad: Vec<BadInput>,
    /// Files read.
    pub files: usize,
}

/// A source could not be read at all (the probe cannot do its job: exit 3).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The path does not exist or cannot be listed.
    #[error("cannot read telemetry at {path}: {message}")]
    Unreadable {
        /// The path or URL.
        path: String,
        /// The OS or HTTP error.
        message: String,
    },
}

fn batch_id(bytes: &[u8]) -> String {
    ferretwatch_core::signed::sha256_hex(bytes)
}

/// Reads a file or a folder of batch files.
///
/// # Errors
/// [`SourceError::Unreadable`] when `path` does not exist or a folder cannot be listed; a single
/// unreadable file inside a folder is a [`BadInput`] instead.
pub fn load_path(path: &Path) -> Result<Loaded, SourceError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| SourceError::Unreadable { path: path.display().to_string(), message: e.to_string() })?;
    let mut out = Loaded::default();
    if meta.is_dir() {
        let mut files = Vec::new();
        collect(path, &mut files)
            .map_err(|e| SourceError::Unreadable { path: path.display().to_string(), message: e.to_string() })?;
        files.sort();
        for f in files {
            load_file(&f, &mut out);
        }
    } else {
        load_file(path, &mut out);
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let p = entry.path();
        let ft = entry.file_type()?;
        if ft.is_dir() {
            collect(&p, out)?;
        } else if ft.is_file()
            && p.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "json" | "jsonl" | "ndjson"))
        {
            out.push(p);
        }
    }
    Ok(())
}

fn load_file(path: &Path, out: &mut Loaded) {
    let name = path.display().to_string();
    out.files += 1;
    let bytes = match read_capped(path, MAX_BATCH_BYTES * 64) {
        Ok(b) => b,
        Err(message) => {
            out.bad.push(BadInput { source: name, position: String::new(), field: String::new(), message });
            return;
        }
    };
    let lines = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e == "jsonl" || e == "ndjson");
    load_bytes(&name, &bytes, lines, out);
}

/// Parses the bytes of one file (or HTTP body) into batches.
pub fn load_bytes(name: &str, bytes: &[u8], json_lines: bool, out: &mut Loaded) {
    if json_lines {
        for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            one(name, &format!("line {}", i + 1), line, out);
        }
        return;
    }
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                let raw = serde_json::to_vec(v).unwrap_or_default();
                push(name, &format!("[{i}]"), &raw, batch_from_value(v), out);
            }
        }
        Ok(v) => {
            push(name, "", bytes, batch_from_value(&v), out);
        }
        Err(e) => out.bad.push(BadInput {
            source: name.into(),
            position: String::new(),
            field: String::new(),
            message: format!("not valid JSON: {e}"),
        }),
    }
}

fn one(name: &str, pos: &str, raw: &[u8], out: &mut Loaded) {
    if raw.len() > MAX_BATCH_BYTES {
        out.bad.push(BadInput {
            source: name.into(),
            position: pos.into(),
            field: String::new(),
            message: format!("batch larger than {MAX_BATCH_BYTES} bytes"),
        });
        return;
    }
    let r = crate::telemetry::parse_batch(raw);
    push(name, pos, raw, r, out);
}

fn push(name: &str, pos: &str, raw: &[u8], r: Result<Batch, crate::telemetry::BatchError>, out: &mut Loaded) {
    match r {
        Ok(b) => out.batches.push((batch_id(raw), b)),
        Err(e) => out.bad.push(BadInput {
            source: name.into(),
            position: pos.into(),
            field: e.field().into(),
            message: e.to_string(),
        }),
    }
}

fn read_capped(path: &Path, max: usize) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    f.take(max as u64 + 1).read_to_end(&mut buf).map_err(|e| e.to_string())?;
    if buf.len() > max {
        return Err(format!("larger than {max} bytes"));
    }
    Ok(buf)
}
