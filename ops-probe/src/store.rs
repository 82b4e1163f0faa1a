//! The probe's embedded state store: one JSON file (`--state`), replaced atomically (written to
//! a temporary file, synced, renamed) at the end of every run, so a run that dies half-way
//! leaves the previous state intact.
//!
//! It keeps the per-minute samples (as long as the longest window or baseline needs), the ids
//! of batches already counted (so feeding the same files again changes nothing), the last
//! evaluated step, every alert's state and the degradation-level state.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::telemetry::Sample;

/// Current state file format.
pub const STATE_FORMAT: u32 = 1;

/// A state file cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// I/O.
    #[error("state file {path}: {message}")]
    Io {
        /// Path.
        path: String,
        /// OS error.
        message: String,
    },
    /// Not a state file of this format (never silently replaced: it may hold alert history).
    #[error("state file {path} is not a valid ops-probe state file ({message}); move it away to start afresh")]
    Corrupt {
        /// Path.
        path: String,
        /// Parser message.
        message: String,
    },
}

/// Prometheus-style alert state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AlertPhase {
    /// Condition false.
    #[default]
    Inactive,
    /// Condition true for less than `for`.
    Pending,
    /// Condition true for at least `for`.
    Firing,
}

/// One alert's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AlertState {
    /// Phase.
    pub phase: AlertPhase,
    /// Start of the first step of the current run of true conditions.
    pub active_at: Option<u64>,
    /// When it started firing.
    pub fired_at: Option<u64>,
    /// When it last stopped firing.
    pub resolved_at: Option<u64>,
    /// Value at the last evaluated step (absent: no data or not enough volume).
    pub value: Option<f64>,
    /// Extra detail at the last step (dominant failure kind, both burn rates, ...).
    pub detail: String,
    /// Severity other than the rule's, while firing (a single detection module failing).
    #[serde(default)]
    pub severity_override: Option<crate::rules::Severity>,
}

/// The degradation level the probe recommends, with its hysteresis clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelState {
    /// Current recommendation, 1–4.
    pub level: u8,
    /// When it was set.
    pub since: u64,
    /// Since when nothing has called for the current level (the recovery clock).
    pub recovering_since: Option<u64>,
    /// Why it is at this level.
    pub reason: String,
}

impl Default for LevelState {
    fn default() -> Self {
        Self { level: 1, since: 0, recovering_since: None, reason: "initial".into() }
    }
}

/// Everything kept between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// [`STATE_FORMAT`].
    pub format: u32,
    /// Samples by step end (Unix seconds, multiple of 60).
    pub samples: BTreeMap<u64, Sample>,
    /// Ids (sha256 of the batch's bytes) of counted batches, with their step.
    pub seen: BTreeMap<String, u64>,
    /// Last evaluated step.
    pub last_eval: Option<u64>,
    /// Alert states by alert name.
    pub alerts: BTreeMap<String, AlertState>,
    /// Level state.
    pub level: LevelState,
    /// Unusable batches seen, all runs.
    pub malformed_total: u64,
    /// Source cursors (`/metrics` counter values of the last scrape, Prometheus query end).
    #[serde(default)]
    pub cursors: BTreeMap<String, serde_json::Value>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            format: STATE_FORMAT,
            samples: BTreeMap::new(),
            seen: BTreeMap::new(),
            last_eval: None,
            alerts: BTreeMap::new(),
            level: LevelState::default(),
            malformed_total: 0,
            cursors: BTreeMap::new(),
        }
    }
}

impl State {
    /// Loads the state, or a fresh one when the file does not exist.
    ///
    /// # Errors
    /// [`StoreError`] when it exists but cannot be read or parsed.
    pub fn load(path: &Path) -> Result<Self, StoreError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(StoreError::Io { path: path.display().to_string(), message: e.to_string() }),
        };
        let s: State = serde_json::from_slice(&bytes)
            .map_err(|e| StoreError::Corrupt { path: path.display().to_string(), message: e.to_string() })?;
        if s.format != STATE_FORMAT {
            return Err(StoreError::Corrupt {
                path: path.display().to_string(),
                message: format!("format {} (this probe writes {STATE_FORMAT})", s.format),
            });
        }
        Ok(s)
    }

    /// Writes the state atomically.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), StoreError> {
        let io = |e: std::io::Error| StoreError::Io { path: path.display().to_string(), message: e.to_string() };
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&serde_json::to_vec(self).unwrap_or_default()).map_err(io)?;
        f.sync_all().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Drops samples and batch ids older than `keep_from`.
    pub fn prune(&mut self, keep_from: u64) {
        self.samples = self.samples.split_off(&keep_from);
        self.seen.retain(|_, step| *step >= keep_from);
    }
}
