//! Signed rule packs, publisher key lists, bulletins and control documents.
//!
//! Everything a client fetches from the CDN travels in one **envelope** (see [`envelope`]):
//! `{"payload": <base64 of the body's JSON bytes>, "signatures": [{"key_id", "sig"}]}`. A
//! signature is ed25519 over `DOMAIN || payload bytes`, where `DOMAIN` names the document kind
//! (`ferretwatch-manifest-v1\0`, `ferretwatch-keys-v1\0`, `ferretwatch-bulletin-v1\0`,
//! `ferretwatch-control-v1\0`), so a signature made for one kind never verifies as another.
//!
//! The checks here are pure: no I/O and no clock (`now` is a parameter, Unix seconds). The same
//! code runs in the extension (wasm) and in the `ferretwatch` tool. Every way a document can be
//! rejected is its own [`SignedError`] variant. The format is documented in
//! `docs/rule-pack-format.md`.
//!
//! ```
//! use ferretwatch_core::signed::{self, keys::{KeySet, SecretKey}, manifest::Manifest};
//!
//! let alice = SecretKey::from_seed([1; 32]);
//! let bob = SecretKey::from_seed([2; 32]);
//! let mut files = ferretwatch_core::pack::PackFiles::new();
//! files.insert("rules/a.yar".into(), b"rule a { strings: $a = \"x\" condition: $a }".to_vec());
//! let body = Manifest::for_files("2026.11.25.1", 1_000, 2_000, "0.1.0", &files);
//! let mut env = signed::envelope::Envelope::unsigned(&body.to_json());
//! env.sign(signed::envelope::Domain::Manifest, &alice);
//! env.sign(signed::envelope::Domain::Manifest, &bob);
//! files.insert("manifest.json".into(), env.to_json());
//! let trust = signed::manifest::Trust::Direct(KeySet::direct(&[alice.public(), bob.public()], 2));
//! let policy = signed::manifest::Policy { now: 1_500, ..Default::default() };
//! let verified = signed::manifest::verify_pack(&files, &trust, &policy).unwrap();
//! assert_eq!(verified.manifest.pack_version, "2026.11.25.1");
//! ```

pub mod bulletin;
pub mod control;
pub mod download;
pub mod envelope;
pub mod keys;
pub mod manifest;
pub mod store;
pub mod version;

use sha2::{Digest, Sha256};

pub use envelope::{Domain, Envelope};
pub use keys::{KeySet, PublicKey, SecretKey};
pub use manifest::{Manifest, Policy, VerifiedPack, verify_pack};
pub use store::PackStore;
pub use version::DottedVersion;

/// Largest `manifest.json` (the envelope) a client reads, in bytes.
pub const MAX_MANIFEST_BYTES: usize = 1024 * 1024;
/// Largest `keys.json`, bulletin or control document, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Most signatures on one envelope.
pub const MAX_SIGNATURES: usize = 16;
/// Most artifacts in one manifest.
pub const MAX_ARTIFACTS: usize = 4096;
/// Longest artifact path, in bytes.
pub const MAX_PATH_BYTES: usize = 200;
/// Most feed-provenance entries in a manifest, and the largest one (serialized, bytes).
pub const MAX_SOURCES: usize = 64;
/// Largest serialized feed-provenance entry, in bytes.
pub const MAX_SOURCE_BYTES: usize = 4096;
/// Longest free-text field (reasons, names), in bytes.
pub const MAX_TEXT_BYTES: usize = 512;
/// Default limit on one pack's total download (all artifacts), in bytes.
pub const DEFAULT_MAX_PACK_BYTES: u64 = 32 * 1024 * 1024;
/// Default number of distinct publisher signatures a manifest needs (the two-person rule).
pub const DEFAULT_THRESHOLD: usize = 2;

/// A signed document or pack was rejected. One variant per reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignedError {
    /// A document is not valid JSON or does not have the expected shape.
    #[error("{what} is malformed: {message}")]
    Malformed {
        /// Which document or field.
        what: String,
        /// serde's message or what is wrong.
        message: String,
    },
    /// A base64 or hex field does not decode, or decodes to the wrong length.
    #[error("{what} is not valid {encoding}")]
    Encoding {
        /// Which field.
        what: String,
        /// `base64`, `hex`, `UTF-8`, ...
        encoding: &'static str,
    },
    /// A document or field is larger than its limit.
    #[error("{what} is too large: {size} > {limit}")]
    Oversized {
        /// Which document or field.
        what: String,
        /// Its size (bytes or items).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The document's `format_version` is not one this client understands.
    #[error("{what}: unsupported format_version {found} (this client reads {supported})")]
    FormatVersion {
        /// Which document.
        what: String,
        /// Found.
        found: u32,
        /// Supported.
        supported: u32,
    },
    /// The envelope carries no signatures at all.
    #[error("{what} is not signed")]
    MissingSignature {
        /// Which document.
        what: String,
    },
    /// A signature by a known, current key does not verify (the document was altered, or the
    /// signature was made for another kind of document).
    #[error("bad signature by key {key_id} on {what}")]
    BadSignature {
        /// Signer.
        key_id: String,
        /// Which document.
        what: String,
    },
    /// Two signatures name the same key.
    #[error("key {key_id} signed {what} more than once; signers must be distinct")]
    DuplicateSigner {
        /// Signer.
        key_id: String,
        /// Which document.
        what: String,
    },
    /// Fewer valid signatures from distinct trusted keys than the threshold, and no more
    /// specific reason (unknown or expired signers) applies.
    #[error("{what} has {valid} valid signature(s), {threshold} needed")]
    BelowThreshold {
        /// Which document.
        what: String,
        /// Valid distinct signatures.
        valid: usize,
        /// Needed.
        threshold: usize,
    },
    /// Too few valid signatures, and at least one came from a key this client does not know.
    #[error("{what} is signed by unknown key {key_id} ({valid} valid signature(s), {threshold} needed)")]
    UnknownKey {
        /// Signer.
        key_id: String,
        /// Which document.
        what: String,
        /// Valid distinct signatures.
        valid: usize,
        /// Needed.
        threshold: usize,
    },
    /// Too few valid signatures, and at least one came from a key outside its validity window.
    #[error("{what} is signed by key {key_id}, which is not valid at {now} (valid {not_before}..{expires})")]
    ExpiredKey {
        /// Signer.
        key_id: String,
        /// Which document.
        what: String,
        /// Key valid from (Unix seconds).
        not_before: u64,
        /// Key valid until (Unix seconds).
        expires: u64,
        /// The client's time.
        now: u64,
    },
    /// A signature by a revoked key: the whole document is rejected.
    #[error("{what} is signed by revoked key {key_id}")]
    RevokedKey {
        /// Signer.
        key_id: String,
        /// Which document.
        what: String,
    },
    /// The pack is older than the one held and no signed rollback directive allows it.
    #[error("pack version {version} is older than the held {held} (rollback) and carries no rollback directive for it")]
    Rollback {
        /// Offered version.
        version: String,
        /// Held version.
        held: String,
    },
    /// A document's validity has ended (a frozen manifest, an old control document).
    #[error("{what} expired at {expires} (now {now})")]
    Expired {
        /// Which document.
        what: String,
        /// Expiry (Unix seconds).
        expires: u64,
        /// The client's time.
        now: u64,
    },
    /// A document was created in the future (clock skew beyond the allowance, or forged time).
    #[error("{what} is dated {created}, in the future (now {now})")]
    NotYetValid {
        /// Which document.
        what: String,
        /// Creation time.
        created: u64,
        /// The client's time.
        now: u64,
    },
    /// The document needs a newer extension.
    #[error("{what} needs extension version {required} or newer (this is {have})")]
    ExtensionTooOld {
        /// Which document.
        what: String,
        /// Required version.
        required: String,
        /// The client's version.
        have: String,
    },
    /// An artifact listed in the manifest is not there.
    #[error("artifact `{path}` is listed in the manifest but missing")]
    MissingArtifact {
        /// Path.
        path: String,
    },
    /// A file is present that the manifest does not list.
    #[error("file `{path}` is not listed in the manifest")]
    ExtraArtifact {
        /// Path.
        path: String,
    },
    /// An artifact's size differs from the manifest's.
    #[error("artifact `{path}` is {actual} bytes, the manifest says {declared}")]
    SizeMismatch {
        /// Path.
        path: String,
        /// Manifest's size.
        declared: u64,
        /// Actual size (at least; reading stops past the declared size).
        actual: u64,
    },
    /// An artifact's sha256 differs from the manifest's (altered, or from another version).
    #[error("artifact `{path}` has sha256 {actual}, the manifest says {declared}")]
    HashMismatch {
        /// Path.
        path: String,
        /// Manifest's hash.
        declared: String,
        /// Actual hash.
        actual: String,
    },
    /// A download went past its limit (endless data): reading stopped at the limit.
    #[error("download of `{path}` exceeds its limit of {limit} bytes")]
    DownloadTooLarge {
        /// Path.
        path: String,
        /// The limit.
        limit: u64,
    },
    /// An artifact path is absolute, climbs out of the pack, or has unexpected characters.
    #[error("artifact path `{path}` is not allowed: {reason}")]
    UnsafePath {
        /// The path (truncated).
        path: String,
        /// Why.
        reason: &'static str,
    },
    /// A version string is not dotted numbers.
    #[error("{what} `{value}` is not a version (1 to 6 dot-separated numbers)")]
    BadVersion {
        /// Which field.
        what: String,
        /// The value (truncated).
        value: String,
    },
    /// A key list or control document older than the one held (replay).
    #[error("{what} sequence {found} is older than the held {held} (replay)")]
    Replay {
        /// Which document.
        what: String,
        /// Offered number.
        found: u64,
        /// Held number.
        held: u64,
    },
    /// The pack's own `pack.json` version differs from the manifest's.
    #[error("pack.json says version {config}, the manifest says {manifest}")]
    VersionMismatch {
        /// Manifest's.
        manifest: String,
        /// pack.json's.
        config: String,
    },
    /// The artifacts verified but do not load into an engine.
    #[error("the pack's artifacts do not load: {0}")]
    Artifacts(String),
    /// A delta artifact (`reputation/*.fwdelta`) does not apply to the held list: no such list,
    /// another base than the one it was made against, inconsistent changes, or a result whose
    /// SHA-256 differs from the one it promises.
    #[error("delta `{path}` does not apply: {message}")]
    Delta {
        /// The delta artifact.
        path: String,
        /// Why.
        message: String,
    },
    /// A field is out of range (threshold 0, level 5, ttl too long, ...).
    #[error("{what}: {message}")]
    Invalid {
        /// Which field.
        what: String,
        /// What is wrong.
        message: String,
    },
}

impl SignedError {
    /// A stable snake_case name of the rejection (`bad_signature`, `rollback`, ...), for JSON
    /// output, JS errors and telemetry.
    pub fn kind(&self) -> &'static str {
        match self {
            SignedError::Malformed { .. } => "malformed",
            SignedError::Encoding { .. } => "encoding",
            SignedError::Oversized { .. } => "oversized",
            SignedError::FormatVersion { .. } => "format_version",
            SignedError::MissingSignature { .. } => "missing_signature",
            SignedError::BadSignature { .. } => "bad_signature",
            SignedError::DuplicateSigner { .. } => "duplicate_signer",
            SignedError::BelowThreshold { .. } => "below_threshold",
            SignedError::UnknownKey { .. } => "unknown_key",
            SignedError::ExpiredKey { .. } => "expired_key",
            SignedError::RevokedKey { .. } => "revoked_key",
            SignedError::Rollback { .. } => "rollback",
            SignedError::Expired { .. } => "expired",
            SignedError::NotYetValid { .. } => "not_yet_valid",
            SignedError::ExtensionTooOld { .. } => "extension_too_old",
            SignedError::MissingArtifact { .. } => "missing_artifact",
            SignedError::ExtraArtifact { .. } => "extra_artifact",
            SignedError::SizeMismatch { .. } => "size_mismatch",
            SignedError::HashMismatch { .. } => "hash_mismatch",
            SignedError::DownloadTooLarge { .. } => "download_too_large",
            SignedError::UnsafePath { .. } => "unsafe_path",
            SignedError::BadVersion { .. } => "bad_version",
            SignedError::Replay { .. } => "replay",
            SignedError::VersionMismatch { .. } => "version_mismatch",
            SignedError::Artifacts(_) => "artifacts",
            SignedError::Delta { .. } => "delta",
            SignedError::Invalid { .. } => "invalid",
        }
    }
}

/// sha256 of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha256(bytes))
}

/// sha256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(bytes);
    let out = h.finalize();
    let mut a = [0u8; 32];
    a.copy_from_slice(&out);
    a
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// True for exactly `n` lowercase hex digits.
pub fn is_lower_hex(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Truncates `s` to at most `n` bytes (on a char boundary), for error messages.
pub(crate) fn clip(s: &str, n: usize) -> String {
    let mut end = s.len().min(n);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// Checks a text field's length.
pub(crate) fn check_len(what: &str, s: &str, limit: usize) -> Result<(), SignedError> {
    if s.len() > limit {
        return Err(SignedError::Oversized { what: what.into(), size: s.len() as u64, limit: limit as u64 });
    }
    Ok(())
}

/// Checks a list's length.
pub(crate) fn check_count(what: &str, n: usize, limit: usize) -> Result<(), SignedError> {
    if n > limit {
        return Err(SignedError::Oversized { what: what.into(), size: n as u64, limit: limit as u64 });
    }
    Ok(())
}

/// Parses JSON into `T`, mapping errors to [`SignedError::Malformed`].
pub(crate) fn parse_json<T: for<'de> serde::Deserialize<'de>>(what: &str, bytes: &[u8]) -> Result<T, SignedError> {
    serde_json::from_slice(bytes).map_err(|e| SignedError::Malformed { what: what.into(), message: e.to_string() })
}
