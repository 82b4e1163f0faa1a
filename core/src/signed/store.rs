//! The client's pack store: the bundled pack, the last known good pack, and "stage then swap".
//!
//! A candidate pack is verified ([`super::manifest::verify_pack`]) and compiled into an
//! [`Engine`] on the side; only when both succeed does it replace the active pack. On any
//! rejection the store keeps what it had (the last known good pack, or the bundled one).

use super::SignedError;
use super::manifest::{Policy, Trust, VerifiedPack, verify_pack};
use crate::Engine;
use crate::pack::PackFiles;

/// Compiles a verified pack into an engine, checking that `pack.json` carries the manifest's
/// version.
///
/// # Errors
/// [`SignedError::Artifacts`] when the artifacts do not load; [`SignedError::VersionMismatch`].
pub fn load_engine(v: &VerifiedPack) -> Result<Engine, SignedError> {
    let engine = Engine::from_files(&v.files).map_err(|e| SignedError::Artifacts(e.to_string()))?;
    if engine.pack_version() != v.manifest.pack_version {
        return Err(SignedError::VersionMismatch {
            manifest: v.manifest.pack_version.clone(),
            config: super::clip(engine.pack_version(), 40),
        });
    }
    Ok(engine)
}

/// The pack in force, when it came from an update.
#[derive(Debug)]
pub struct ActivePack {
    /// The verified pack (manifest, signers, artifact bytes for the cache).
    pub pack: VerifiedPack,
    /// Its engine.
    pub engine: Engine,
}

/// Holds the bundled pack and the last known good update.
#[derive(Debug)]
pub struct PackStore {
    trust: Trust,
    extension_version: String,
    max_pack_bytes: u64,
    bundled: Engine,
    current: Option<ActivePack>,
    keys_version: u64,
    last_rejection: Option<SignedError>,
}

impl PackStore {
    /// A store that starts on the `bundled` engine.
    pub fn new(bundled: Engine, trust: Trust, extension_version: &str) -> Self {
        Self {
            trust,
            extension_version: extension_version.into(),
            max_pack_bytes: super::DEFAULT_MAX_PACK_BYTES,
            bundled,
            current: None,
            keys_version: 0,
            last_rejection: None,
        }
    }

    /// Sets the download limit of a whole pack.
    pub fn with_max_pack_bytes(mut self, limit: u64) -> Self {
        self.max_pack_bytes = limit;
        self
    }

    /// Offers a downloaded pack at time `now`. Verifies it, compiles it, and only then makes it
    /// the active pack. On error nothing changes (the error is also kept in
    /// [`PackStore::last_rejection`]).
    ///
    /// # Errors
    /// The [`SignedError`] that rejected the candidate.
    pub fn offer(&mut self, files: &PackFiles, now: u64) -> Result<&ActivePack, SignedError> {
        match self.stage(files, now) {
            Ok(active) => {
                if let Some(v) = active.pack.keys_version {
                    self.keys_version = self.keys_version.max(v);
                }
                self.last_rejection = None;
                Ok(self.current.insert(active))
            }
            Err(e) => {
                self.last_rejection = Some(e.clone());
                Err(e)
            }
        }
    }

    fn stage(&self, files: &PackFiles, now: u64) -> Result<ActivePack, SignedError> {
        let policy = Policy {
            now,
            held_version: self.held_version().map(str::to_string),
            extension_version: self.extension_version.clone(),
            max_pack_bytes: self.max_pack_bytes,
            ..Policy::default()
        };
        let trust = match &self.trust {
            Trust::Roots { roots, held_keys_version, min_threshold } => Trust::Roots {
                roots: roots.clone(),
                held_keys_version: (*held_keys_version).max(self.keys_version),
                min_threshold: *min_threshold,
            },
            t => t.clone(),
        };
        let pack = verify_pack(files, &trust, &policy)?;
        let engine = load_engine(&pack)?;
        Ok(ActivePack { pack, engine })
    }

    /// The engine in force: the last known good update, else the bundled pack.
    pub fn engine(&self) -> &Engine {
        self.current.as_ref().map(|a| &a.engine).unwrap_or(&self.bundled)
    }

    /// The version of the last accepted update, if any.
    pub fn held_version(&self) -> Option<&str> {
        self.current.as_ref().map(|a| a.pack.manifest.pack_version.as_str())
    }

    /// The last accepted update.
    pub fn current(&self) -> Option<&ActivePack> {
        self.current.as_ref()
    }

    /// Why the last offer was refused (cleared by an accepted one).
    pub fn last_rejection(&self) -> Option<&SignedError> {
        self.last_rejection.as_ref()
    }

    /// Drops the update and goes back to the bundled pack (e.g. the cached copy is corrupt).
    pub fn reset_to_bundled(&mut self) {
        self.current = None;
    }
}
