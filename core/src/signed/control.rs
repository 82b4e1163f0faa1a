//! The control document: a signed, fleet-wide degradation level (PRODUCT.md "Degradation
//! levels"), pulled with the manifest. Envelope domain [`Domain::Control`].
//!
//! Body: `{"format_version": 1, "sequence", "level": 1..4, "reason", "issued_at", "expires"}`.
//! `sequence` only goes up: a client that applied sequence N refuses anything lower (replay).
//! An expired document no longer applies (the client falls back to level 1 or its own
//! self-protection level).

use serde::{Deserialize, Serialize};

use super::envelope::{Domain, Envelope};
use super::keys::KeySet;
use super::{MAX_DOCUMENT_BYTES, MAX_TEXT_BYTES, SignedError, check_len, parse_json};
use crate::DegradationLevel;

/// The control document body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlDocument {
    /// Always 1.
    pub format_version: u32,
    /// Monotonic sequence number.
    pub sequence: u64,
    /// Degradation level 1–4.
    pub level: u8,
    /// Why (≤ 512 bytes).
    pub reason: String,
    /// Issue time (Unix seconds).
    pub issued_at: u64,
    /// End of validity (Unix seconds).
    pub expires: u64,
}

impl ControlDocument {
    /// The body as pretty JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Checks the fields.
    ///
    /// # Errors
    /// [`SignedError::FormatVersion`], [`SignedError::Invalid`], [`SignedError::Oversized`].
    pub fn validate(&self) -> Result<DegradationLevel, SignedError> {
        if self.format_version != 1 {
            return Err(SignedError::FormatVersion {
                what: "control document".into(),
                found: self.format_version,
                supported: 1,
            });
        }
        check_len("control reason", &self.reason, MAX_TEXT_BYTES)?;
        if self.reason.trim().is_empty() {
            return Err(SignedError::Invalid { what: "control reason".into(), message: "is empty".into() });
        }
        if self.issued_at >= self.expires {
            return Err(SignedError::Invalid {
                what: "control document".into(),
                message: "issued_at must be before expires".into(),
            });
        }
        DegradationLevel::try_from(self.level)
            .map_err(|e| SignedError::Invalid { what: "control level".into(), message: e.to_string() })
    }
}

/// Verifies a control document at `now` for a client that last applied `held_sequence`.
///
/// # Errors
/// Envelope errors; [`SignedError::Replay`]; [`SignedError::Expired`];
/// [`SignedError::NotYetValid`] (more than 10 minutes ahead); field errors.
pub fn verify_control(
    bytes: &[u8],
    keys: &KeySet,
    now: u64,
    held_sequence: u64,
) -> Result<(ControlDocument, DegradationLevel), SignedError> {
    let env = Envelope::parse(bytes, MAX_DOCUMENT_BYTES, "control document")?;
    let payload = env.verify(Domain::Control, keys, now)?;
    let doc: ControlDocument = parse_json("control document payload", &payload)?;
    let level = doc.validate()?;
    if doc.sequence < held_sequence {
        return Err(SignedError::Replay { what: "control document".into(), found: doc.sequence, held: held_sequence });
    }
    if now >= doc.expires {
        return Err(SignedError::Expired { what: "control document".into(), expires: doc.expires, now });
    }
    if doc.issued_at > now.saturating_add(600) {
        return Err(SignedError::NotYetValid { what: "control document".into(), created: doc.issued_at, now });
    }
    Ok((doc, level))
}
