//! The signed envelope shared by manifests, key lists, bulletins and control documents.
//!
//! ```json
//! {"payload": "<base64 (standard, padded) of the body's exact JSON bytes>",
//!  "signatures": [{"key_id": "<16 hex>", "sig": "<base64 of the 64-byte ed25519 signature>"}]}
//! ```
//!
//! The signed message is `DOMAIN || payload bytes` (the decoded bytes, not the base64), with
//! `DOMAIN` one of the [`Domain`] strings, each ending in a NUL byte. The body is parsed only
//! after the signatures check out, from exactly the bytes that were signed.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use super::keys::{KeySet, SecretKey};
use super::{MAX_SIGNATURES, SignedError, check_count, clip, is_lower_hex, parse_json};

/// What kind of document a signature is for (domain separation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// `manifest.json` of a rule pack.
    Manifest,
    /// `keys.json`, the root-signed publisher key list.
    Keys,
    /// A bulletin.
    Bulletin,
    /// The control document (fleet degradation level).
    Control,
}

impl Domain {
    /// The prefix of the signed message.
    pub fn prefix(self) -> &'static [u8] {
        match self {
            Domain::Manifest => b"ferretwatch-manifest-v1\0",
            Domain::Keys => b"ferretwatch-keys-v1\0",
            Domain::Bulletin => b"ferretwatch-bulletin-v1\0",
            Domain::Control => b"ferretwatch-control-v1\0",
        }
    }

    /// The message that is signed for `payload`.
    pub fn message(self, payload: &[u8]) -> Vec<u8> {
        let mut m = Vec::with_capacity(self.prefix().len() + payload.len());
        m.extend_from_slice(self.prefix());
        m.extend_from_slice(payload);
        m
    }

    fn what(self) -> &'static str {
        match self {
            Domain::Manifest => "manifest",
            Domain::Keys => "keys.json",
            Domain::Bulletin => "bulletin",
            Domain::Control => "control document",
        }
    }
}

/// One signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureEntry {
    /// Signer's key id.
    pub key_id: String,
    /// Base64 of the 64-byte signature.
    pub sig: String,
}

/// A parsed envelope (payload decoded, signatures not yet checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The body bytes that are signed.
    pub payload: Vec<u8>,
    /// Signatures in file order.
    pub signatures: Vec<SignatureEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    payload: String,
    signatures: Vec<SignatureEntry>,
}

impl Envelope {
    /// An envelope with no signatures around `payload`.
    pub fn unsigned(payload: &[u8]) -> Self {
        Self { payload: payload.to_vec(), signatures: Vec::new() }
    }

    /// Parses an envelope of at most `limit` bytes; `what` names it in errors.
    ///
    /// # Errors
    /// [`SignedError::Oversized`] before parsing anything when `bytes` is over `limit` or there
    /// are more than [`MAX_SIGNATURES`] signatures; [`SignedError::Malformed`] for bad JSON;
    /// [`SignedError::Encoding`] for bad base64 or key ids.
    pub fn parse(bytes: &[u8], limit: usize, what: &str) -> Result<Self, SignedError> {
        if bytes.len() > limit {
            return Err(SignedError::Oversized { what: what.into(), size: bytes.len() as u64, limit: limit as u64 });
        }
        let w: Wire = parse_json(what, bytes)?;
        check_count(&format!("{what} signatures"), w.signatures.len(), MAX_SIGNATURES)?;
        let payload = B64
            .decode(w.payload.as_bytes())
            .map_err(|_| SignedError::Encoding { what: format!("{what} payload"), encoding: "base64" })?;
        for s in &w.signatures {
            if !is_lower_hex(&s.key_id, 16) {
                return Err(SignedError::Encoding {
                    what: format!("{what} signature key_id"),
                    encoding: "16 lowercase hex digits",
                });
            }
            if s.sig.len() != 88 {
                return Err(SignedError::Encoding {
                    what: format!("{what} signature by {}", s.key_id),
                    encoding: "base64 of 64 bytes",
                });
            }
        }
        Ok(Self { payload, signatures: w.signatures })
    }

    /// The envelope as JSON (pretty, with a trailing newline).
    pub fn to_json(&self) -> Vec<u8> {
        let w = Wire { payload: B64.encode(&self.payload), signatures: self.signatures.clone() };
        let mut v = serde_json::to_vec_pretty(&w).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Adds (or replaces) `key`'s signature for `domain`.
    pub fn sign(&mut self, domain: Domain, key: &SecretKey) {
        let id = key.public().id().to_string();
        let sig = B64.encode(key.sign(&domain.message(&self.payload)));
        self.signatures.retain(|s| s.key_id != id);
        self.signatures.push(SignatureEntry { key_id: id, sig });
    }

    /// Checks the signatures against `keys` at time `now` and returns the payload.
    ///
    /// Rules, in order: no signatures → [`SignedError::MissingSignature`]; the same key id
    /// twice → [`SignedError::DuplicateSigner`]; a signature by a revoked key →
    /// [`SignedError::RevokedKey`]; a signature by a known key that is in its validity window
    /// but does not verify → [`SignedError::BadSignature`]. Signatures by unknown keys or keys
    /// outside their window do not count; if fewer than `keys.threshold` distinct valid
    /// signatures remain, the error is [`SignedError::ExpiredKey`] when an expired signer was
    /// seen, else [`SignedError::UnknownKey`] when an unknown one was, else
    /// [`SignedError::BelowThreshold`].
    ///
    /// # Errors
    /// As above.
    pub fn verify(&self, domain: Domain, keys: &KeySet, now: u64) -> Result<Vec<u8>, SignedError> {
        self.verify_signers(domain, keys, now).map(|_| self.payload.clone())
    }

    /// Like [`Envelope::verify`], returning the key ids of the valid signers instead.
    ///
    /// # Errors
    /// As [`Envelope::verify`].
    pub fn verify_signers(&self, domain: Domain, keys: &KeySet, now: u64) -> Result<Vec<String>, SignedError> {
        let what = domain.what().to_string();
        if self.signatures.is_empty() {
            return Err(SignedError::MissingSignature { what });
        }
        let mut seen = BTreeSet::new();
        for s in &self.signatures {
            if !seen.insert(s.key_id.as_str()) {
                return Err(SignedError::DuplicateSigner { key_id: s.key_id.clone(), what });
            }
        }
        let message = domain.message(&self.payload);
        let mut valid = Vec::new();
        let mut expired = None;
        let mut unknown = None;
        for s in &self.signatures {
            let Some(k) = keys.keys.get(&s.key_id) else {
                unknown.get_or_insert_with(|| s.key_id.clone());
                continue;
            };
            if k.revoked {
                return Err(SignedError::RevokedKey { key_id: s.key_id.clone(), what });
            }
            if now < k.not_before || now >= k.expires {
                expired.get_or_insert((s.key_id.clone(), k.not_before, k.expires));
                continue;
            }
            let sig = B64.decode(s.sig.as_bytes()).ok().and_then(|v| <[u8; 64]>::try_from(v.as_slice()).ok());
            let Some(sig) = sig else {
                return Err(SignedError::Encoding {
                    what: format!("{what} signature by {}", clip(&s.key_id, 16)),
                    encoding: "base64 of 64 bytes",
                });
            };
            if !k.key.verify(&message, &sig) {
                return Err(SignedError::BadSignature { key_id: s.key_id.clone(), what });
            }
            valid.push(s.key_id.clone());
        }
        let threshold = keys.threshold.max(1);
        if valid.len() >= threshold {
            return Ok(valid);
        }
        if let Some((key_id, not_before, expires)) = expired {
            return Err(SignedError::ExpiredKey { key_id, what, not_before, expires, now });
        }
        if let Some(key_id) = unknown {
            return Err(SignedError::UnknownKey { key_id, what, valid: valid.len(), threshold });
        }
        Err(SignedError::BelowThreshold { what, valid: valid.len(), threshold })
    }
}
