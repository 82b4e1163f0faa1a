//! The signed control document that sets the fleet's degradation level, built with the same core
//! functions and the same key files as `ferretwatch control set-level` (format:
//! `docs/rule-pack-format.md` §5; CDN path `CDN/control.json`, §6).

use std::path::Path;

use ferretwatch_core::signed::control::{ControlDocument, verify_control};
use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::{KeySet, SecretKey};
use ferretwatch_core::signed::{SignedError, sha256_hex};

/// File name of the control document on the CDN.
pub const CONTROL_FILE: &str = "control.json";

/// A signed control document, ready to write.
#[derive(Debug, Clone)]
pub struct SignedControl {
    /// The body.
    pub doc: ControlDocument,
    /// The envelope bytes.
    pub bytes: Vec<u8>,
    /// Signer key ids.
    pub signers: Vec<String>,
}

impl SignedControl {
    /// sha256 of the envelope bytes.
    pub fn sha256(&self) -> String {
        sha256_hex(&self.bytes)
    }
}

/// Builds and signs a control document, then verifies it as a client holding the signers'
/// public keys (threshold `threshold`) would, so a document that clients would refuse is never
/// published.
///
/// # Errors
/// [`SignedError`] from the field checks or the self-verification.
pub fn build(
    level: u8,
    reason: &str,
    now: u64,
    sequence: Option<u64>,
    expires_hours: u64,
    keys: &[SecretKey],
    threshold: usize,
) -> Result<SignedControl, SignedError> {
    let doc = ControlDocument {
        format_version: 1,
        sequence: sequence.unwrap_or(now),
        level,
        reason: reason.to_string(),
        issued_at: now,
        expires: now + expires_hours.max(1) * 3600,
    };
    doc.validate()?;
    let mut env = Envelope::unsigned(&doc.to_json());
    for k in keys {
        env.sign(Domain::Control, k);
    }
    let bytes = env.to_json();
    if threshold > 0 {
        let pubs: Vec<_> = keys.iter().map(|k| k.public()).collect();
        verify_control(&bytes, &KeySet::direct(&pubs, threshold), now, 0)?;
    }
    let signers = env.signatures.iter().map(|s| s.key_id.clone()).collect();
    Ok(SignedControl { doc, bytes, signers })
}

/// Writes `bytes` to `path` atomically (temporary file, sync, rename).
///
/// # Errors
/// The I/O error.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}
