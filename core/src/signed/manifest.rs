//! The pack manifest: what a pack version contains, and the client's checks of a whole pack.
//!
//! `manifest.json` is an [`Envelope`] (domain [`Domain::Manifest`]) whose payload is a
//! [`Manifest`] body. The artifacts sit next to it at their relative paths (the same layout as
//! a pack source, see [`crate::pack`]). `keys.json` may sit next to it too (the root-signed
//! publisher list, see [`super::keys`]); no other file may.

use serde::{Deserialize, Serialize};

use super::envelope::{Domain, Envelope};
use super::keys::KeySet;
use super::version::DottedVersion;
use super::{
    DEFAULT_MAX_PACK_BYTES, MAX_ARTIFACTS, MAX_MANIFEST_BYTES, MAX_PATH_BYTES, MAX_SOURCE_BYTES, MAX_SOURCES,
    MAX_TEXT_BYTES, SignedError, check_count, check_len, clip, is_lower_hex, parse_json, sha256_hex,
};
use crate::pack::PackFiles;

/// File name of the manifest inside a built pack.
pub const MANIFEST_FILE: &str = "manifest.json";
/// File name of the publisher key list inside a built pack (optional).
pub const KEYS_FILE: &str = "keys.json";

/// One artifact of a pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// Relative path (`rules/phishing_kits.yar`), `/`-separated.
    pub path: String,
    /// sha256 of the bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// A signed permission to install an older pack version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackDirective {
    /// The version this manifest rolls back to; must equal the manifest's `pack_version`.
    pub to: String,
    /// Clients holding a version up to and including this one may go back; a client holding a
    /// newer one refuses (so an old rollback cannot be replayed against later releases).
    pub replaces_up_to: String,
    /// Why (shown in logs).
    pub reason: String,
}

/// The manifest body (the signed payload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always 1.
    pub format_version: u32,
    /// Pack version, dotted numbers (`YYYY.MM.DD.N`), compared numerically.
    pub pack_version: String,
    /// Creation time (Unix seconds).
    pub created: u64,
    /// After this time (Unix seconds) the manifest is stale and refused (freeze protection).
    pub expires: u64,
    /// Oldest extension version that may load the pack.
    pub min_extension_version: String,
    /// Every file of the pack except `manifest.json` and `keys.json`, sorted by path.
    pub artifacts: Vec<Artifact>,
    /// Feed provenance (`intel/*.json` of `pack build --intel`): source, format, fetch time,
    /// licence, indicator count.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<serde_json::Value>,
    /// Present only on a rollback release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<RollbackDirective>,
}

impl Manifest {
    /// A manifest listing every file in `files` (sorted by path).
    pub fn for_files(
        pack_version: &str,
        created: u64,
        expires: u64,
        min_extension_version: &str,
        files: &PackFiles,
    ) -> Self {
        let artifacts = files
            .iter()
            .filter(|(p, _)| p.as_str() != MANIFEST_FILE && p.as_str() != KEYS_FILE)
            .map(|(p, b)| Artifact { path: p.clone(), sha256: sha256_hex(b), size: b.len() as u64 })
            .collect();
        Self {
            format_version: 1,
            pack_version: pack_version.into(),
            created,
            expires,
            min_extension_version: min_extension_version.into(),
            artifacts,
            sources: Vec::new(),
            rollback: None,
        }
    }

    /// The body as pretty JSON bytes (what gets signed).
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Parses a body and checks its fields (formats, lengths, paths), not its freshness.
    ///
    /// # Errors
    /// [`SignedError::Malformed`], [`SignedError::Oversized`], [`SignedError::FormatVersion`],
    /// [`SignedError::BadVersion`], [`SignedError::UnsafePath`], [`SignedError::Encoding`].
    pub fn parse(payload: &[u8]) -> Result<Self, SignedError> {
        let m: Manifest = parse_json("manifest payload", payload)?;
        m.validate()?;
        Ok(m)
    }

    /// Checks the fields.
    ///
    /// # Errors
    /// As [`Manifest::parse`].
    pub fn validate(&self) -> Result<(), SignedError> {
        if self.format_version != 1 {
            return Err(SignedError::FormatVersion {
                what: "manifest".into(),
                found: self.format_version,
                supported: 1,
            });
        }
        check_len("pack_version", &self.pack_version, 32)?;
        DottedVersion::parse("pack_version", &self.pack_version)?;
        check_len("min_extension_version", &self.min_extension_version, 32)?;
        DottedVersion::parse("min_extension_version", &self.min_extension_version)?;
        if self.created >= self.expires {
            return Err(SignedError::Invalid {
                what: "manifest".into(),
                message: format!("created {} is not before expires {}", self.created, self.expires),
            });
        }
        check_count("manifest artifacts", self.artifacts.len(), MAX_ARTIFACTS)?;
        let mut prev: Option<&str> = None;
        for a in &self.artifacts {
            check_path(&a.path)?;
            if prev.is_some_and(|p| p >= a.path.as_str()) {
                return Err(SignedError::Malformed {
                    what: "manifest artifacts".into(),
                    message: format!("`{}` is out of order or listed twice (sorted, unique paths)", a.path),
                });
            }
            prev = Some(&a.path);
            if !is_lower_hex(&a.sha256, 64) {
                return Err(SignedError::Encoding {
                    what: format!("sha256 of `{}`", a.path),
                    encoding: "64 lowercase hex digits",
                });
            }
        }
        check_count("manifest sources", self.sources.len(), MAX_SOURCES)?;
        for s in &self.sources {
            let n = serde_json::to_vec(s).map(|v| v.len()).unwrap_or(usize::MAX);
            if n > MAX_SOURCE_BYTES {
                return Err(SignedError::Oversized {
                    what: "manifest source entry".into(),
                    size: n as u64,
                    limit: MAX_SOURCE_BYTES as u64,
                });
            }
        }
        if let Some(r) = &self.rollback {
            check_len("rollback reason", &r.reason, MAX_TEXT_BYTES)?;
            DottedVersion::parse("rollback.to", &r.to)?;
            DottedVersion::parse("rollback.replaces_up_to", &r.replaces_up_to)?;
            if r.to != self.pack_version {
                return Err(SignedError::Invalid {
                    what: "rollback".into(),
                    message: format!("directive names {} but the manifest is {}", clip(&r.to, 32), self.pack_version),
                });
            }
        }
        Ok(())
    }

    /// Total declared size of the artifacts.
    pub fn total_size(&self) -> u64 {
        self.artifacts.iter().fold(0u64, |a, x| a.saturating_add(x.size))
    }
}

/// Checks an artifact path: relative, `/`-separated, `[A-Za-z0-9._-]` components, no `.`/`..`.
///
/// # Errors
/// [`SignedError::UnsafePath`] or [`SignedError::Oversized`].
pub fn check_path(path: &str) -> Result<(), SignedError> {
    check_len("artifact path", path, MAX_PATH_BYTES)?;
    let bad = |reason| Err(SignedError::UnsafePath { path: clip(path, 80), reason });
    if path.is_empty() {
        return bad("empty");
    }
    if path == MANIFEST_FILE || path == KEYS_FILE {
        return bad("reserved name");
    }
    for c in path.split('/') {
        if c.is_empty() {
            return bad("empty component (leading, trailing or double `/`)");
        }
        if c == "." || c == ".." {
            return bad("`.` or `..` component");
        }
        if !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-') {
            return bad("characters other than A-Z a-z 0-9 . _ -");
        }
    }
    Ok(())
}

/// Who the client trusts to sign manifests.
#[derive(Debug, Clone)]
pub enum Trust {
    /// These publisher keys, directly (`pack verify --trust`).
    Direct(KeySet),
    /// Root keys: the pack must carry a `keys.json` they signed, which names the publishers.
    Roots {
        /// Root keys and the number of root signatures `keys.json` needs.
        roots: KeySet,
        /// The highest key-list version this client has accepted.
        held_keys_version: u64,
        /// Floor under the list's own manifest threshold.
        min_threshold: usize,
    },
}

/// The client's situation when it checks a pack.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Current time (Unix seconds).
    pub now: u64,
    /// The pack version the client holds, if any.
    pub held_version: Option<String>,
    /// The client's extension version.
    pub extension_version: String,
    /// Most bytes all artifacts together may have.
    pub max_pack_bytes: u64,
    /// How far in the future `created` may be (clock skew allowance), seconds.
    pub clock_skew: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            now: 0,
            held_version: None,
            extension_version: env!("CARGO_PKG_VERSION").into(),
            max_pack_bytes: DEFAULT_MAX_PACK_BYTES,
            clock_skew: 600,
        }
    }
}

/// A pack that passed every check.
#[derive(Debug, Clone)]
pub struct VerifiedPack {
    /// The manifest body.
    pub manifest: Manifest,
    /// Key ids of the valid signers.
    pub signers: Vec<String>,
    /// The key-list version used (root trust only).
    pub keys_version: Option<u64>,
    /// The artifacts (without `manifest.json` / `keys.json`), ready for
    /// [`crate::Engine::from_files`].
    pub files: PackFiles,
}

/// Checks `manifest.json` alone: envelope, signatures, body, freshness, extension version and
/// rollback. Returns the body and the signers.
///
/// # Errors
/// Any [`SignedError`] about the manifest.
pub fn verify_manifest(
    manifest_json: &[u8],
    publishers: &KeySet,
    policy: &Policy,
) -> Result<(Manifest, Vec<String>), SignedError> {
    let env = Envelope::parse(manifest_json, MAX_MANIFEST_BYTES, MANIFEST_FILE)?;
    let signers = env.verify_signers(Domain::Manifest, publishers, policy.now)?;
    let m = Manifest::parse(&env.payload)?;
    check_fresh(&m, policy)?;
    Ok((m, signers))
}

/// Freshness, extension version and rollback checks of a parsed manifest.
///
/// # Errors
/// [`SignedError::Expired`], [`SignedError::NotYetValid`], [`SignedError::ExtensionTooOld`],
/// [`SignedError::Rollback`], [`SignedError::BadVersion`].
pub fn check_fresh(m: &Manifest, policy: &Policy) -> Result<(), SignedError> {
    if policy.now >= m.expires {
        return Err(SignedError::Expired { what: "manifest".into(), expires: m.expires, now: policy.now });
    }
    if m.created > policy.now.saturating_add(policy.clock_skew) {
        return Err(SignedError::NotYetValid { what: "manifest".into(), created: m.created, now: policy.now });
    }
    let need = DottedVersion::parse("min_extension_version", &m.min_extension_version)?;
    let have = DottedVersion::parse("extension version", &policy.extension_version)?;
    if have < need {
        return Err(SignedError::ExtensionTooOld {
            what: "manifest".into(),
            required: m.min_extension_version.clone(),
            have: policy.extension_version.clone(),
        });
    }
    if let Some(held) = &policy.held_version {
        let held_v = DottedVersion::parse("held version", held)?;
        let v = DottedVersion::parse("pack_version", &m.pack_version)?;
        if v < held_v {
            let allowed = match &m.rollback {
                Some(r) => {
                    r.to == m.pack_version
                        && DottedVersion::parse("rollback.replaces_up_to", &r.replaces_up_to)? >= held_v
                }
                None => false,
            };
            if !allowed {
                return Err(SignedError::Rollback { version: m.pack_version.clone(), held: held.clone() });
            }
        }
    }
    Ok(())
}

/// Checks a whole built pack (`manifest.json`, optional `keys.json`, artifacts).
///
/// Order: key list (root trust), manifest signatures, manifest body, freshness, then the
/// declared total size against [`Policy::max_pack_bytes`] (before touching any artifact),
/// then every artifact's presence, size (before hashing) and sha256, then stray files.
///
/// # Errors
/// The first [`SignedError`] found.
pub fn verify_pack(files: &PackFiles, trust: &Trust, policy: &Policy) -> Result<VerifiedPack, SignedError> {
    let (manifest, signers, keys_version) = verify_header(files, trust, policy)?;
    let out = verify_artifacts(&manifest, files, policy)?;
    Ok(VerifiedPack { manifest, signers, keys_version, files: out })
}

/// [`verify_pack`] taking the files by value: the artifacts are moved into the result instead
/// of copied (one copy of a large pack in memory instead of two).
///
/// # Errors
/// As [`verify_pack`].
pub fn verify_pack_owned(mut files: PackFiles, trust: &Trust, policy: &Policy) -> Result<VerifiedPack, SignedError> {
    let (manifest, signers, keys_version) = verify_header(&files, trust, policy)?;
    check_artifacts(&manifest, &files, policy)?;
    files.remove(MANIFEST_FILE);
    files.remove(KEYS_FILE);
    Ok(VerifiedPack { manifest, signers, keys_version, files })
}

/// Key list and manifest checks of [`verify_pack`] (everything but the artifacts): lets a client
/// verify `manifest.json` (and `keys.json`) before it downloads any artifact. Returns the body,
/// the signers and the key-list version.
///
/// # Errors
/// Any [`SignedError`] about the key list or the manifest.
pub fn verify_header(
    files: &PackFiles,
    trust: &Trust,
    policy: &Policy,
) -> Result<(Manifest, Vec<String>, Option<u64>), SignedError> {
    let manifest_json =
        files.get(MANIFEST_FILE).ok_or_else(|| SignedError::MissingArtifact { path: MANIFEST_FILE.into() })?;
    let (publishers, keys_version) = match trust {
        Trust::Direct(k) => (k.clone(), None),
        Trust::Roots { roots, held_keys_version, min_threshold } => {
            let kj = files.get(KEYS_FILE).ok_or_else(|| SignedError::MissingArtifact { path: KEYS_FILE.into() })?;
            let (set, list) = roots.publishers_from_list(kj, policy.now, *held_keys_version, *min_threshold)?;
            (set, Some(list.version))
        }
    };
    let (manifest, signers) = verify_manifest(manifest_json, &publishers, policy)?;
    Ok((manifest, signers, keys_version))
}

/// Checks the artifacts of a pack against its (already verified) manifest: the declared total
/// against [`Policy::max_pack_bytes`] first, then each artifact's presence, size (before
/// hashing) and sha256, then stray files. Returns the artifacts.
///
/// # Errors
/// [`SignedError::DownloadTooLarge`], [`SignedError::MissingArtifact`],
/// [`SignedError::SizeMismatch`], [`SignedError::HashMismatch`], [`SignedError::ExtraArtifact`].
pub fn verify_artifacts(manifest: &Manifest, files: &PackFiles, policy: &Policy) -> Result<PackFiles, SignedError> {
    check_artifacts(manifest, files, policy)?;
    Ok(manifest.artifacts.iter().filter_map(|a| files.get(&a.path).map(|b| (a.path.clone(), b.clone()))).collect())
}

/// The checks of [`check_artifacts`] that need no artifact bytes, for a client that copies the
/// artifacts in one at a time ([`super::store::verify_and_load_staged`]): the declared total
/// against [`Policy::max_pack_bytes`], each artifact's presence and size (`sizes`: every file the
/// client has, by path, with its length), then stray files. The sha256 of each artifact is then
/// checked as it is copied in ([`check_artifact_bytes`]).
///
/// # Errors
/// [`SignedError::DownloadTooLarge`], [`SignedError::MissingArtifact`],
/// [`SignedError::SizeMismatch`], [`SignedError::ExtraArtifact`].
pub fn check_listing(
    manifest: &Manifest,
    sizes: &std::collections::BTreeMap<String, u64>,
    policy: &Policy,
) -> Result<(), SignedError> {
    let total = manifest.total_size();
    if total > policy.max_pack_bytes {
        return Err(SignedError::DownloadTooLarge { path: "(all artifacts)".into(), limit: policy.max_pack_bytes });
    }
    let mut listed = std::collections::BTreeSet::new();
    for a in &manifest.artifacts {
        let size = *sizes.get(&a.path).ok_or_else(|| SignedError::MissingArtifact { path: a.path.clone() })?;
        if size != a.size {
            return Err(SignedError::SizeMismatch { path: a.path.clone(), declared: a.size, actual: size });
        }
        listed.insert(a.path.as_str());
    }
    for p in sizes.keys() {
        if p != MANIFEST_FILE && p != KEYS_FILE && !listed.contains(p.as_str()) {
            return Err(SignedError::ExtraArtifact { path: clip(p, MAX_PATH_BYTES) });
        }
    }
    Ok(())
}

/// Checks one artifact's bytes against its manifest entry: size, then sha256.
///
/// # Errors
/// [`SignedError::SizeMismatch`], [`SignedError::HashMismatch`].
pub fn check_artifact_bytes(a: &Artifact, bytes: &[u8]) -> Result<(), SignedError> {
    if bytes.len() as u64 != a.size {
        return Err(SignedError::SizeMismatch { path: a.path.clone(), declared: a.size, actual: bytes.len() as u64 });
    }
    let h = sha256_hex(bytes);
    if h != a.sha256 {
        return Err(SignedError::HashMismatch { path: a.path.clone(), declared: a.sha256.clone(), actual: h });
    }
    Ok(())
}

/// The checks of [`verify_artifacts`], without copying anything.
fn check_artifacts(manifest: &Manifest, files: &PackFiles, policy: &Policy) -> Result<(), SignedError> {
    let total = manifest.total_size();
    if total > policy.max_pack_bytes {
        return Err(SignedError::DownloadTooLarge { path: "(all artifacts)".into(), limit: policy.max_pack_bytes });
    }
    let mut listed = std::collections::BTreeSet::new();
    for a in &manifest.artifacts {
        let bytes = files.get(&a.path).ok_or_else(|| SignedError::MissingArtifact { path: a.path.clone() })?;
        check_artifact_bytes(a, bytes)?;
        listed.insert(a.path.as_str());
    }
    for p in files.keys() {
        if p != MANIFEST_FILE && p != KEYS_FILE && !listed.contains(p.as_str()) {
            return Err(SignedError::ExtraArtifact { path: clip(p, MAX_PATH_BYTES) });
        }
    }
    Ok(())
}
