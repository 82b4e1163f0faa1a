//! Bounded downloads: an artifact is fed in chunks and refused the moment it goes past its
//! declared size, so an endless or oversized response never fills memory.

use sha2::{Digest, Sha256};

use super::manifest::Artifact;
use super::{SignedError, hex};

/// An artifact being downloaded.
#[derive(Debug)]
pub struct ArtifactDownload {
    path: String,
    declared_size: u64,
    declared_sha256: String,
    hasher: Sha256,
    bytes: Vec<u8>,
}

impl ArtifactDownload {
    /// Starts the download of `artifact` (after the manifest was verified).
    pub fn new(artifact: &Artifact) -> Self {
        Self {
            path: artifact.path.clone(),
            declared_size: artifact.size,
            declared_sha256: artifact.sha256.clone(),
            hasher: Sha256::new(),
            bytes: Vec::with_capacity(artifact.size.min(1 << 20) as usize),
        }
    }

    /// Adds a chunk.
    ///
    /// # Errors
    /// [`SignedError::DownloadTooLarge`] as soon as the total passes the declared size (the
    /// chunk is not kept).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), SignedError> {
        if (self.bytes.len() as u64).saturating_add(chunk.len() as u64) > self.declared_size {
            return Err(SignedError::DownloadTooLarge { path: self.path.clone(), limit: self.declared_size });
        }
        self.hasher.update(chunk);
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    /// Ends the download.
    ///
    /// # Errors
    /// [`SignedError::SizeMismatch`] when short; [`SignedError::HashMismatch`].
    pub fn finish(self) -> Result<Vec<u8>, SignedError> {
        if self.bytes.len() as u64 != self.declared_size {
            return Err(SignedError::SizeMismatch {
                path: self.path,
                declared: self.declared_size,
                actual: self.bytes.len() as u64,
            });
        }
        let h = hex(&self.hasher.finalize());
        if h != self.declared_sha256 {
            return Err(SignedError::HashMismatch { path: self.path, declared: self.declared_sha256, actual: h });
        }
        Ok(self.bytes)
    }
}

/// Reads at most `limit` bytes from `reader`; more is an error (it reads `limit + 1` at most).
///
/// # Errors
/// [`SignedError::DownloadTooLarge`]; an I/O error becomes [`SignedError::Malformed`].
pub fn read_limited(reader: impl std::io::Read, limit: u64, path: &str) -> Result<Vec<u8>, SignedError> {
    use std::io::Read as _;
    let mut buf = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| SignedError::Malformed { what: path.into(), message: e.to_string() })?;
    if buf.len() as u64 > limit {
        return Err(SignedError::DownloadTooLarge { path: path.into(), limit });
    }
    Ok(buf)
}
