//! The client's pack store: the bundled pack, the last known good pack, and "stage then swap".
//!
//! A candidate pack is verified ([`super::manifest::verify_pack`]), its delta artifacts are
//! applied to the lists the client holds ([`apply_deltas`]), and it is compiled into an
//! [`Engine`] on the side; only when all of that succeeds does it replace the active pack. On
//! any rejection the store keeps what it had (the last known good pack, or the bundled one).
//!
//! **Deltas.** A pack may carry `reputation/NAME.fwdelta` instead of `reputation/NAME.fwrep`:
//! the fingerprints added to and removed from the list of that name the client holds (from
//! the last accepted pack, else the bundled one), checked against the SHA-256 of that base and
//! of the result (`crate::reputation::Delta`). The resolved pack holds `NAME.fwrep`, the base
//! of the next delta.
//!
//! **Indicator expiry.** `intel import` tags every indicator with an expiry. The store reads it
//! from the signed manifest's `sources` (`expires_at` and the `artifacts` of each feed) and from
//! the `# expires_at:` header of text lists ([`indicator_expiries`]). A list whose expiry has
//! passed is left out of the engine ([`live_files`]); [`PackStore::refresh`] rebuilds the
//! engine when the time (passed in, never read here) crosses the next expiry.

use std::collections::BTreeMap;

use super::SignedError;
use super::envelope::Envelope;
use super::manifest::{KEYS_FILE, MANIFEST_FILE, Manifest, Policy, Trust, VerifiedPack, verify_pack};
use crate::Engine;
use crate::pack::PackFiles;
use crate::reputation::Delta;

/// Compiles a verified pack into an engine, checking that `pack.json` carries the manifest's
/// version.
///
/// # Errors
/// [`SignedError::Artifacts`] when the artifacts do not load; [`SignedError::VersionMismatch`].
pub fn load_engine(v: &VerifiedPack) -> Result<Engine, SignedError> {
    load_files(&v.files, &v.manifest.pack_version)
}

/// Compiles `files` into an engine whose `pack.json` must say `version`.
///
/// # Errors
/// [`SignedError::Artifacts`]; [`SignedError::VersionMismatch`].
pub fn load_files(files: &PackFiles, version: &str) -> Result<Engine, SignedError> {
    let engine = Engine::from_files(files).map_err(|e| SignedError::Artifacts(e.to_string()))?;
    if engine.pack_version() != version {
        return Err(SignedError::VersionMismatch {
            manifest: version.to_string(),
            config: super::clip(engine.pack_version(), 40),
        });
    }
    Ok(engine)
}

/// What [`verify_and_load_staged`] returns: the verified manifest and the loaded engine.
#[derive(Debug)]
pub struct StagedPack {
    /// The manifest body.
    pub manifest: Manifest,
    /// Key ids of the valid signers.
    pub signers: Vec<String>,
    /// The key-list version used (root trust only).
    pub keys_version: Option<u64>,
    /// The engine.
    pub engine: Engine,
}

/// Verifies and loads a signed pack whose artifacts are handed over one at a time, so that each
/// file's bytes exist once and the reputation lists arrive after the rules are compiled (the
/// wasm binding copies them from JS on demand: its linear memory never shrinks).
///
/// `head` holds `manifest.json` (and `keys.json` for root trust); `sizes` names every file the
/// caller has, with its length; `fetch(path)` returns an artifact's bytes (called once per
/// listed artifact, after the manifest and the listing check out). Steps: the manifest and key
/// list ([`super::manifest::verify_header`]); the total, presence, sizes and stray files
/// ([`super::manifest::check_listing`]); then every artifact but the reputation lists is fetched
/// and its sha256 checked, and the pack is compiled ([`Engine::from_staged_files`]); then the
/// reputation lists are fetched, checked and adopted; last, `pack.json`'s version against the
/// manifest's. The checks and the engine are those of [`super::manifest::verify_pack`] +
/// [`load_engine`]; only the order differs (a pack with several faults may be refused for
/// another of them).
///
/// # Errors
/// Every [`SignedError`] of `verify_pack` and `load_engine`.
pub fn verify_and_load_staged(
    head: &PackFiles,
    sizes: &BTreeMap<String, u64>,
    mut fetch: impl FnMut(&str) -> Vec<u8>,
    trust: &Trust,
    policy: &Policy,
) -> Result<StagedPack, SignedError> {
    let (manifest, signers, keys_version) = super::manifest::verify_header(head, trust, policy)?;
    super::manifest::check_listing(&manifest, sizes, policy)?;
    let mut take = |reputation: bool| -> Result<PackFiles, SignedError> {
        let mut out = PackFiles::new();
        for a in manifest.artifacts.iter().filter(|a| crate::pack::is_reputation_file(&a.path) == reputation) {
            let bytes = fetch(&a.path);
            super::manifest::check_artifact_bytes(a, &bytes)?;
            out.insert(a.path.clone(), bytes);
        }
        Ok(out)
    };
    let first = take(false)?;
    let engine = Engine::from_staged_files(first, || take(true)).map_err(|e| match e {
        crate::engine::StagedLoadError::Engine(e) => SignedError::Artifacts(e.to_string()),
        crate::engine::StagedLoadError::Source(e) => e,
    })?;
    if engine.pack_version() != manifest.pack_version {
        return Err(SignedError::VersionMismatch {
            manifest: manifest.pack_version.clone(),
            config: super::clip(engine.pack_version(), 40),
        });
    }
    Ok(StagedPack { manifest, signers, keys_version, engine })
}

/// Checks that `pack.json` says `version` without compiling the pack (a cheap check for a
/// caller that compiles elsewhere, e.g. the extension's engine host).
///
/// # Errors
/// [`SignedError::MissingArtifact`], [`SignedError::Malformed`], [`SignedError::VersionMismatch`].
pub fn check_config_version(files: &PackFiles, version: &str) -> Result<(), SignedError> {
    #[derive(serde::Deserialize)]
    struct VersionOnly {
        version: String,
    }
    let bytes = files.get("pack.json").ok_or_else(|| SignedError::MissingArtifact { path: "pack.json".into() })?;
    let v: VersionOnly = super::parse_json("pack.json", bytes)?;
    if v.version != version {
        return Err(SignedError::VersionMismatch { manifest: version.into(), config: super::clip(&v.version, 40) });
    }
    Ok(())
}

/// The list a delta artifact updates: `reputation/NAME.fwdelta` → `reputation/NAME.fwrep`.
pub fn delta_target(path: &str) -> Option<String> {
    let stem = path.strip_prefix("reputation/")?.strip_suffix(".fwdelta")?;
    (!stem.is_empty()).then(|| format!("reputation/{stem}.fwrep"))
}

/// Replaces every delta artifact of `files` by the list it produces from the same-named list
/// of `base` (the pack the client holds). When that held list already hashes to the delta's
/// promised result, it is the result (re-checking a cached pack). A pack must not carry both a
/// delta and the full list.
///
/// # Errors
/// [`SignedError::Delta`] naming the delta: no base list, a base other than the one the delta
/// was made against, inconsistent changes, or a result whose SHA-256 differs from the promised
/// one; [`SignedError::Malformed`] for a delta file that does not parse.
pub fn apply_deltas(files: &mut PackFiles, base: Option<&PackFiles>) -> Result<(), SignedError> {
    let deltas: Vec<String> = files.keys().filter(|p| delta_target(p).is_some()).cloned().collect();
    for path in deltas {
        let target = delta_target(&path).unwrap_or_default();
        let fail = |message: String| SignedError::Delta { path: path.clone(), message };
        if files.contains_key(&target) {
            return Err(fail(format!("the pack also carries {target}")));
        }
        let delta = Delta::from_bytes(&files[&path])
            .map_err(|e| SignedError::Malformed { what: path.clone(), message: e.to_string() })?;
        let base_bytes =
            base.and_then(|b| b.get(&target)).ok_or_else(|| fail(format!("no held {target} to apply it to")))?;
        // A held list that already is the promised result (a cached pack re-checked after a
        // restart keeps the resolved list, not the base) is taken as it is.
        let result = if crate::reputation::sha256(base_bytes) == delta.result_sha256 {
            base_bytes.clone()
        } else {
            delta.apply(base_bytes).map_err(|e| fail(e.to_string()))?.to_bytes()
        };
        files.remove(&path);
        files.insert(target, result);
    }
    Ok(())
}

/// The expiry (Unix seconds) of each indicator list that has one, by artifact path: from the
/// manifest's feed provenance (`sources[].expires_at`, RFC 3339 or Unix seconds, for each
/// `sources[].artifacts[].path`) and from the `# expires_at:` header of text lists
/// (`reputation/*.txt`). A delta's expiry is its list's. When both give one, the earlier wins.
pub fn indicator_expiries(manifest: Option<&Manifest>, files: &PackFiles) -> BTreeMap<String, u64> {
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    let mut note = |path: &str, at: u64| {
        let path = delta_target(path).unwrap_or_else(|| path.to_string());
        let e = out.entry(path).or_insert(at);
        *e = (*e).min(at);
    };
    for src in manifest.map(|m| m.sources.as_slice()).unwrap_or_default() {
        let at = match src.get("expires_at") {
            Some(serde_json::Value::String(s)) => crate::intel::time::parse_rfc3339(s),
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            _ => None,
        };
        let (Some(at), Some(arts)) = (at, src.get("artifacts").and_then(|a| a.as_array())) else { continue };
        for p in arts.iter().filter_map(|a| a.get("path").and_then(|p| p.as_str())) {
            note(p, at);
        }
    }
    for (path, bytes) in files {
        if !(path.starts_with("reputation/") && path.ends_with(".txt")) {
            continue;
        }
        // Headers come first; stop at the first indicator line.
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
        for line in text.lines().map(str::trim).take_while(|l| l.is_empty() || l.starts_with('#')) {
            let Some(v) = line.trim_start_matches('#').trim().strip_prefix("expires_at:") else { continue };
            if let Some(at) = crate::intel::time::parse_rfc3339(v.trim()) {
                note(path, at);
            }
        }
    }
    out
}

/// The files an engine should load at `now`: `files` without the lists whose expiry has
/// passed (`now >= expiry`), and the next expiry still ahead, if any.
pub fn live_files(files: &PackFiles, expiries: &BTreeMap<String, u64>, now: u64) -> (PackFiles, Option<u64>) {
    let mut next: Option<u64> = None;
    let mut live = PackFiles::new();
    for (path, bytes) in files {
        match expiries.get(path) {
            Some(&at) if now >= at => continue,
            Some(&at) => next = Some(next.map_or(at, |n| n.min(at))),
            None => {}
        }
        live.insert(path.clone(), bytes.clone());
    }
    (live, next)
}

/// Verifies a pack the client already accepted (its cache after a restart) or shipped (the
/// bundled pack) **as of the manifest's creation time**: signatures, key list, artifact sizes
/// and hashes are all checked, but the manifest's own expiry is not (a held pack that expires
/// stays in use — and is shown as stale — until a newer one arrives; freeze protection is about
/// *offers*). The rollback check does not apply either.
///
/// # Errors
/// Any [`SignedError`] of [`verify_pack`] except [`SignedError::Expired`] of the manifest.
pub fn verify_as_issued(files: &PackFiles, trust: &Trust, policy: &Policy) -> Result<VerifiedPack, SignedError> {
    let manifest_json =
        files.get(MANIFEST_FILE).ok_or_else(|| SignedError::MissingArtifact { path: MANIFEST_FILE.into() })?;
    let env = Envelope::parse(manifest_json, super::MAX_MANIFEST_BYTES, MANIFEST_FILE)?;
    let body = Manifest::parse(&env.payload)?;
    let policy = Policy { now: body.created, held_version: None, ..policy.clone() };
    verify_pack(files, trust, &policy)
}

/// A pack after verification: deltas applied, expiries known.
#[derive(Debug, Clone)]
pub struct ResolvedPack {
    /// The verified pack (manifest, signers; `files` are the artifacts as listed).
    pub pack: VerifiedPack,
    /// The artifacts with every delta replaced by the list it produced (all lists, expired or
    /// not): the base for the next delta and what a cache keeps.
    pub files: PackFiles,
    /// Expiry of each list that has one ([`indicator_expiries`]).
    pub expiries: BTreeMap<String, u64>,
}

/// Verifies `files` as an update offered at `policy.now` and resolves its deltas against
/// `base` (the held pack's resolved files). Does not compile anything.
///
/// # Errors
/// The first [`SignedError`] found.
pub fn resolve(
    files: &PackFiles,
    base: Option<&PackFiles>,
    trust: &Trust,
    policy: &Policy,
) -> Result<ResolvedPack, SignedError> {
    let pack = verify_pack(files, trust, policy)?;
    resolved(pack, base)
}

/// [`resolve`] for a pack verified some other way ([`verify_as_issued`]).
///
/// # Errors
/// Delta errors ([`apply_deltas`]).
pub fn resolved(pack: VerifiedPack, base: Option<&PackFiles>) -> Result<ResolvedPack, SignedError> {
    let mut files = pack.files.clone();
    files.remove(KEYS_FILE);
    apply_deltas(&mut files, base)?;
    let expiries = indicator_expiries(Some(&pack.manifest), &files);
    Ok(ResolvedPack { pack, files, expiries })
}

/// The pack in force, when it came from an update.
#[derive(Debug)]
pub struct ActivePack {
    /// The verified pack (manifest, signers, artifacts as listed).
    pub pack: VerifiedPack,
    /// Resolved artifacts (deltas applied), expired lists included.
    pub files: PackFiles,
    /// Expiry of each list that has one.
    pub expiries: BTreeMap<String, u64>,
    /// Its engine, built from the lists not expired when it was (re)built.
    pub engine: Engine,
    /// The next list expiry after the engine was built (when [`PackStore::refresh`] rebuilds).
    pub next_expiry: Option<u64>,
}

/// The bundled pack: its engine, and its files when given (delta base, expiry).
#[derive(Debug)]
struct Bundled {
    engine: Engine,
    files: Option<PackFiles>,
    expiries: BTreeMap<String, u64>,
    next_expiry: Option<u64>,
}

/// Holds the bundled pack and the last known good update.
#[derive(Debug)]
pub struct PackStore {
    trust: Trust,
    extension_version: String,
    max_pack_bytes: u64,
    bundled: Bundled,
    current: Option<ActivePack>,
    keys_version: u64,
    last_rejection: Option<SignedError>,
}

impl PackStore {
    /// A store that starts on the `bundled` engine (no delta base, no expiry for its lists).
    pub fn new(bundled: Engine, trust: Trust, extension_version: &str) -> Self {
        let bundled = Bundled { engine: bundled, files: None, expiries: BTreeMap::new(), next_expiry: None };
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

    /// A store that starts on the bundled pack given as files (a source or a built pack; its
    /// signatures are the caller's business — it ships inside the client). Its lists are the
    /// base of a first delta and their expiry is enforced from `now`.
    ///
    /// # Errors
    /// [`SignedError::Artifacts`] when the files do not load.
    pub fn with_bundled_files(
        files: PackFiles,
        trust: Trust,
        extension_version: &str,
        now: u64,
    ) -> Result<Self, SignedError> {
        let manifest = files.get(MANIFEST_FILE).and_then(|m| {
            let env = Envelope::parse(m, super::MAX_MANIFEST_BYTES, MANIFEST_FILE).ok()?;
            Manifest::parse(&env.payload).ok()
        });
        let mut files = files;
        files.remove(MANIFEST_FILE);
        files.remove(KEYS_FILE);
        let expiries = indicator_expiries(manifest.as_ref(), &files);
        let (live, next_expiry) = live_files(&files, &expiries, now);
        let engine = Engine::from_files(&live).map_err(|e| SignedError::Artifacts(e.to_string()))?;
        let mut store = Self::new(engine, trust, extension_version);
        store.bundled = Bundled { engine: store.bundled.engine, files: Some(files), expiries, next_expiry };
        Ok(store)
    }

    /// Sets the download limit of a whole pack.
    pub fn with_max_pack_bytes(mut self, limit: u64) -> Self {
        self.max_pack_bytes = limit;
        self
    }

    /// Offers a downloaded pack at time `now`. Verifies it, applies its deltas, compiles it
    /// (without its expired lists), and only then makes it the active pack. On error nothing
    /// changes (the error is also kept in [`PackStore::last_rejection`]).
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

    /// The trust checks of an offer at `now`: the held version and key-list version are the
    /// store's.
    pub fn policy(&self, now: u64) -> (Trust, Policy) {
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
        (trust, policy)
    }

    /// The resolved files of the pack in force (the delta base), when known.
    pub fn held_files(&self) -> Option<&PackFiles> {
        self.current.as_ref().map(|a| &a.files).or(self.bundled.files.as_ref())
    }

    fn stage(&self, files: &PackFiles, now: u64) -> Result<ActivePack, SignedError> {
        let (trust, policy) = self.policy(now);
        let r = resolve(files, self.held_files(), &trust, &policy)?;
        let (live, next_expiry) = live_files(&r.files, &r.expiries, now);
        let engine = load_files(&live, &r.pack.manifest.pack_version)?;
        Ok(ActivePack { pack: r.pack, files: r.files, expiries: r.expiries, engine, next_expiry })
    }

    /// Enforces indicator expiry at `now`: when a held list's expiry has passed since the
    /// engine was built, rebuilds the engine without it. Returns whether an engine was rebuilt.
    ///
    /// # Errors
    /// [`SignedError::Artifacts`] if the remaining lists do not load (the old engine stays).
    pub fn refresh(&mut self, now: u64) -> Result<bool, SignedError> {
        let mut changed = false;
        if let Some(a) = &mut self.current
            && a.next_expiry.is_some_and(|at| now >= at)
        {
            let (live, next) = live_files(&a.files, &a.expiries, now);
            a.engine = load_files(&live, &a.pack.manifest.pack_version)?;
            a.next_expiry = next;
            changed = true;
        }
        let b = &mut self.bundled;
        if let Some(files) = &b.files
            && b.next_expiry.is_some_and(|at| now >= at)
        {
            let (live, next) = live_files(files, &b.expiries, now);
            b.engine = Engine::from_files(&live).map_err(|e| SignedError::Artifacts(e.to_string()))?;
            b.next_expiry = next;
            changed = true;
        }
        Ok(changed)
    }

    /// When the engine in force next loses an expired list (call [`PackStore::refresh`] then).
    pub fn next_expiry(&self) -> Option<u64> {
        match &self.current {
            Some(a) => a.next_expiry,
            None => self.bundled.next_expiry,
        }
    }

    /// The engine in force: the last known good update, else the bundled pack.
    pub fn engine(&self) -> &Engine {
        self.current.as_ref().map(|a| &a.engine).unwrap_or(&self.bundled.engine)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::IndicatorKind;
    use crate::reputation::FingerprintSet;
    use crate::signed::envelope::Domain;
    use crate::signed::keys::{KeySet, SecretKey};

    const NOW: u64 = 1_764_000_000;
    const DAY: u64 = 86_400;

    fn key(n: u8) -> SecretKey {
        SecretKey::from_seed([n; 32])
    }

    fn trust() -> Trust {
        Trust::Direct(KeySet::direct(&[key(1).public(), key(2).public()], 2))
    }

    fn hosts(range: std::ops::Range<u32>) -> Vec<String> {
        range.map(|i| format!("bad{i}.example")).collect()
    }

    fn list(range: std::ops::Range<u32>) -> FingerprintSet {
        FingerprintSet::new("feed", IndicatorKind::Host, &hosts(range))
    }

    /// A loadable pack at `version` with `extra` artifacts.
    fn source(version: &str, extra: &[(&str, Vec<u8>)]) -> PackFiles {
        let mut f = PackFiles::new();
        f.insert(
            "pack.json".into(),
            format!(r#"{{"version": "{version}", "weights": {{"reputation_hit": 70}}}}"#).into_bytes(),
        );
        f.insert(
            "brands.json".into(),
            br#"[{"name": "PayPal", "category": "payment", "domains": ["paypal.com"]}]"#.to_vec(),
        );
        for (p, b) in extra {
            f.insert((*p).into(), b.clone());
        }
        f
    }

    fn seal_with(mut files: PackFiles, version: &str, sources: Vec<serde_json::Value>) -> PackFiles {
        let mut body = Manifest::for_files(version, NOW - DAY, NOW + 30 * DAY, "0.1.0", &files);
        body.sources = sources;
        let mut env = Envelope::unsigned(&body.to_json());
        env.sign(Domain::Manifest, &key(1));
        env.sign(Domain::Manifest, &key(2));
        files.insert(MANIFEST_FILE.into(), env.to_json());
        files
    }

    fn seal(files: PackFiles, version: &str) -> PackFiles {
        seal_with(files, version, Vec::new())
    }

    fn store() -> PackStore {
        let bundled = Engine::from_files(&source("2026.1.1.1", &[])).unwrap();
        PackStore::new(bundled, trust(), "0.1.0")
    }

    fn listed(store: &PackStore, host: &str) -> bool {
        !store.engine().check_reputation(&format!("https://{host}/")).unwrap().is_empty()
    }

    /// [`verify_and_load_staged`] over a map of files (as the wasm binding calls it over JS).
    fn staged(files: &PackFiles) -> Result<StagedPack, SignedError> {
        let head: PackFiles = files
            .iter()
            .filter(|(p, _)| *p == MANIFEST_FILE || *p == KEYS_FILE)
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect();
        let sizes = files.iter().map(|(p, b)| (p.clone(), b.len() as u64)).collect();
        let mut fetched = Vec::new();
        let r = verify_and_load_staged(
            &head,
            &sizes,
            |p| {
                fetched.push(p.to_string());
                files[p].clone()
            },
            &trust(),
            &Policy { now: NOW, extension_version: "0.1.0".into(), ..Policy::default() },
        );
        if r.is_ok() {
            // Each artifact fetched once, the reputation lists last.
            let first_list = fetched.iter().position(|p| p.starts_with("reputation/")).unwrap_or(fetched.len());
            assert!(fetched[first_list..].iter().all(|p| p.starts_with("reputation/")), "{fetched:?}");
            assert_eq!(fetched.len(), files.len() - 1, "{fetched:?}");
        }
        r
    }

    #[test]
    fn staged_verify_and_load_gives_the_engine_and_the_refusals_of_verify_pack() {
        let rule = b"rule kit { strings: $a = \"secure-login-kit\" condition: $a }".to_vec();
        let extra = [
            ("rules/kit.yar", rule),
            ("reputation/feed.fwrep", list(0..3000).to_bytes()),
            ("reputation/hosts.txt", b"# source: txt\n# kind: host\ntxt-bad.example\n".to_vec()),
        ];
        let pack = seal(source("2026.2.1.1", &extra), "2026.2.1.1");
        let policy = Policy { now: NOW, extension_version: "0.1.0".into(), ..Policy::default() };
        let whole = load_engine(&verify_pack(&pack, &trust(), &policy).unwrap()).unwrap();
        let got = staged(&pack).expect("the pack verifies and loads");
        assert_eq!(got.manifest.pack_version, "2026.2.1.1");
        assert_eq!(got.signers.len(), 2);
        let e = &got.engine;
        assert_eq!((e.rule_count(), e.indicator_count()), (whole.rule_count(), whole.indicator_count()));
        assert_eq!(e.indicator_count(), 3001);
        for url in [
            "https://bad5.example/",
            "https://x.bad2999.example/a",
            "https://txt-bad.example/",
            "https://good.example/",
        ] {
            let a = serde_json::to_string(&e.check_reputation(url).unwrap()).unwrap();
            let b = serde_json::to_string(&whole.check_reputation(url).unwrap()).unwrap();
            assert_eq!(a, b, "{url}");
        }
        assert!(!e.check_reputation("https://bad5.example/").unwrap().is_empty());
        assert!(e.check_reputation("https://good.example/").unwrap().is_empty());

        // Refusals: the same kinds as verify_pack + load_engine.
        let mut tampered = pack.clone();
        let fwrep = tampered.get_mut("reputation/feed.fwrep").unwrap();
        let last = fwrep.len() - 1;
        fwrep[last] ^= 1;
        assert_eq!(staged(&tampered).unwrap_err().kind(), "hash_mismatch");
        let mut tampered_rule = pack.clone();
        tampered_rule.get_mut("rules/kit.yar").unwrap()[0] = b'R';
        assert_eq!(staged(&tampered_rule).unwrap_err().kind(), "hash_mismatch");
        let mut extra_file = pack.clone();
        extra_file.insert("rules/x.yar".into(), b"rule x { condition: true }".to_vec());
        assert_eq!(staged(&extra_file).unwrap_err().kind(), "extra_artifact");
        let mut missing = pack.clone();
        missing.remove("reputation/feed.fwrep");
        assert_eq!(staged(&missing).unwrap_err().kind(), "missing_artifact");
        let mut resized = pack.clone();
        resized.get_mut("reputation/hosts.txt").unwrap().push(b'\n');
        assert_eq!(staged(&resized).unwrap_err().kind(), "size_mismatch");
        let mut unsigned = pack.clone();
        unsigned.remove(MANIFEST_FILE);
        assert_eq!(staged(&unsigned).unwrap_err().kind(), "missing_artifact");
        // A signed pack whose list does not load (an old format version): `artifacts`.
        let mut old = list(0..10).to_bytes();
        old[5] = 2;
        let bad = seal(source("2026.2.1.1", &[("reputation/feed.fwrep", old)]), "2026.2.1.1");
        let err = staged(&bad).unwrap_err();
        assert_eq!(err.kind(), "artifacts");
        assert!(err.to_string().contains("recompile"), "{err}");
        let wrong_version = seal(source("2026.2.1.1", &[]), "2026.2.1.2");
        assert_eq!(staged(&wrong_version).unwrap_err().kind(), "version_mismatch");
    }

    #[test]
    fn applies_a_reputation_delta_against_the_held_list() {
        let mut s = store();
        let v1 = list(0..1000);
        s.offer(&seal(source("2026.2.1.1", &[("reputation/feed.fwrep", v1.to_bytes())]), "2026.2.1.1"), NOW).unwrap();
        let v2 = list(10..1020);
        let delta = Delta::between(&v1, &v2).to_bytes();
        assert!(delta.len() < v2.to_bytes().len() / 10, "a 2 % change travels as a small delta");
        let pack = seal(source("2026.2.1.2", &[("reputation/feed.fwdelta", delta)]), "2026.2.1.2");
        let active = s.offer(&pack, NOW).expect("delta applies");
        assert_eq!(active.files["reputation/feed.fwrep"], v2.to_bytes(), "the held list is the new one, byte for byte");
        assert!(!active.files.contains_key("reputation/feed.fwdelta"));
        assert!(listed(&s, "bad1015.example"), "added indicator matches");
        assert!(!listed(&s, "bad5.example"), "removed indicator no longer matches");
        assert!(listed(&s, "bad500.example"), "kept indicator still matches");
        // The next delta applies to the resolved list.
        let v3 = list(20..1030);
        let pack = seal(
            source("2026.2.1.3", &[("reputation/feed.fwdelta", Delta::between(&v2, &v3).to_bytes())]),
            "2026.2.1.3",
        );
        s.offer(&pack, NOW).expect("second delta applies to the first one's result");
        assert!(listed(&s, "bad1025.example") && !listed(&s, "bad15.example"));
    }

    #[test]
    fn a_cached_pack_with_a_delta_rechecks_against_its_resolved_list() {
        let (v1, v2) = (list(0..100), list(5..105));
        let raw = seal(
            source("2026.2.1.2", &[("reputation/feed.fwdelta", Delta::between(&v1, &v2).to_bytes())]),
            "2026.2.1.2",
        );
        // After a restart the cache holds the resolved list (v2), not the base (v1).
        let cached: PackFiles = [("reputation/feed.fwrep".to_string(), v2.to_bytes())].into();
        let late = Policy { now: NOW + 365 * DAY, extension_version: "0.1.0".into(), ..Policy::default() };
        let r = resolved(verify_as_issued(&raw, &trust(), &late).unwrap(), Some(&cached)).expect("re-checks");
        assert_eq!(r.files["reputation/feed.fwrep"], v2.to_bytes());
        // A cached list that is neither the base nor the promised result is refused.
        let wrong: PackFiles = [("reputation/feed.fwrep".to_string(), list(0..3).to_bytes())].into();
        let err = resolved(verify_as_issued(&raw, &trust(), &late).unwrap(), Some(&wrong)).unwrap_err();
        assert_eq!(err.kind(), "delta");
    }

    #[test]
    fn refuses_a_delta_made_against_another_base_and_keeps_the_last_known_good() {
        let mut s = store();
        let v1 = list(0..100);
        s.offer(&seal(source("2026.2.1.1", &[("reputation/feed.fwrep", v1.to_bytes())]), "2026.2.1.1"), NOW).unwrap();
        let other = list(50..150);
        let delta = Delta::between(&other, &list(60..160)).to_bytes();
        let pack = seal(source("2026.2.1.2", &[("reputation/feed.fwdelta", delta)]), "2026.2.1.2");
        let err = s.offer(&pack, NOW).unwrap_err();
        assert_eq!(err.kind(), "delta", "{err}");
        assert_eq!(s.engine().pack_version(), "2026.2.1.1");
        assert!(listed(&s, "bad5.example"));
        assert_eq!(s.last_rejection().map(SignedError::kind), Some("delta"));
    }

    #[test]
    fn refuses_a_signed_delta_whose_result_hash_differs() {
        let mut s = store();
        let v1 = list(0..100);
        s.offer(&seal(source("2026.2.1.1", &[("reputation/feed.fwrep", v1.to_bytes())]), "2026.2.1.1"), NOW).unwrap();
        let mut d = Delta::between(&v1, &list(0..120));
        d.result_sha256[0] ^= 1;
        let pack = seal(source("2026.2.1.2", &[("reputation/feed.fwdelta", d.to_bytes())]), "2026.2.1.2");
        assert_eq!(s.offer(&pack, NOW).unwrap_err().kind(), "delta");
        assert_eq!(s.held_version(), Some("2026.2.1.1"));
    }

    #[test]
    fn refuses_a_delta_with_no_held_list_or_next_to_the_full_list() {
        let mut s = store();
        let v1 = list(0..100);
        let delta = Delta::between(&v1, &list(0..120)).to_bytes();
        let pack = seal(source("2026.2.1.2", &[("reputation/feed.fwdelta", delta.clone())]), "2026.2.1.2");
        assert_eq!(s.offer(&pack, NOW).unwrap_err().kind(), "delta", "the bundled pack has no such list");
        let both = seal(
            source("2026.2.1.2", &[("reputation/feed.fwdelta", delta), ("reputation/feed.fwrep", v1.to_bytes())]),
            "2026.2.1.2",
        );
        assert_eq!(s.offer(&both, NOW).unwrap_err().kind(), "delta");
        let garbage = seal(source("2026.2.1.2", &[("reputation/feed.fwdelta", b"FWDLT".to_vec())]), "2026.2.1.2");
        assert_eq!(s.offer(&garbage, NOW).unwrap_err().kind(), "malformed");
        assert_eq!(s.engine().pack_version(), "2026.1.1.1");
    }

    #[test]
    fn a_first_delta_applies_to_the_bundled_list() {
        let v1 = list(0..100);
        let bundled = source("2026.1.1.1", &[("reputation/feed.fwrep", v1.to_bytes())]);
        let mut s = PackStore::with_bundled_files(bundled, trust(), "0.1.0", NOW).unwrap();
        assert!(listed(&s, "bad5.example"));
        let delta = Delta::between(&v1, &list(10..110)).to_bytes();
        s.offer(&seal(source("2026.2.1.1", &[("reputation/feed.fwdelta", delta)]), "2026.2.1.1"), NOW).unwrap();
        assert!(!listed(&s, "bad5.example") && listed(&s, "bad105.example"));
    }

    fn feed_source(expires_at: &str, path: &str) -> serde_json::Value {
        serde_json::json!({"source": "feed", "format": "hosts", "fetched_at": "2025-11-24T00:00:00Z",
            "expires_at": expires_at, "licence": "CC0", "artifacts": [{"path": path, "kind": "host"}]})
    }

    #[test]
    fn an_expired_indicator_does_not_match() {
        let mut s = store();
        let expires = NOW + 3600;
        let at = crate::intel::time::rfc3339(expires);
        let files = source("2026.2.1.1", &[("reputation/feed-host.fwrep", list(0..10).to_bytes())]);
        let pack = seal_with(files, "2026.2.1.1", vec![feed_source(&at, "reputation/feed-host.fwrep")]);
        let active = s.offer(&pack, NOW).unwrap();
        assert_eq!(active.expiries.get("reputation/feed-host.fwrep"), Some(&expires));
        assert!(listed(&s, "bad3.example"), "matches before its expiry");
        assert_eq!(s.next_expiry(), Some(expires));
        assert!(!s.refresh(expires - 1).unwrap(), "nothing to do before the expiry");
        assert!(listed(&s, "bad3.example"));
        assert!(s.refresh(expires).unwrap(), "the engine is rebuilt at the expiry");
        assert!(!listed(&s, "bad3.example"), "an expired indicator must not match");
        assert_eq!(s.next_expiry(), None);
        assert_eq!(s.engine().pack_version(), "2026.2.1.1", "the rest of the pack stays in force");
    }

    #[test]
    fn a_pack_offered_after_its_lists_expired_loads_without_them() {
        let mut s = store();
        let files = source("2026.2.1.1", &[("reputation/feed-host.fwrep", list(0..10).to_bytes())]);
        let at = crate::intel::time::rfc3339(NOW - 60);
        let pack = seal_with(files, "2026.2.1.1", vec![feed_source(&at, "reputation/feed-host.fwrep")]);
        s.offer(&pack, NOW).unwrap();
        assert!(!listed(&s, "bad3.example"));
        assert!(s.current().unwrap().files.contains_key("reputation/feed-host.fwrep"), "kept as a delta base");
    }

    #[test]
    fn a_text_list_expires_at_its_header_time() {
        let text = format!(
            "# source: feed\n# kind: host\n# expires_at: {}\nshort-lived.example\n",
            crate::intel::time::rfc3339(NOW + 60)
        );
        let bundled = source("2026.1.1.1", &[("reputation/feed.txt", text.into_bytes())]);
        let mut s = PackStore::with_bundled_files(bundled, trust(), "0.1.0", NOW).unwrap();
        assert!(listed(&s, "short-lived.example"));
        assert!(s.refresh(NOW + 60).unwrap());
        assert!(!listed(&s, "short-lived.example"), "the bundled pack's lists expire too");
    }

    #[test]
    fn a_held_pack_is_rechecked_as_issued_even_after_it_expired() {
        let pack = seal(source("2026.2.1.1", &[]), "2026.2.1.1");
        let late = Policy { now: NOW + 365 * DAY, extension_version: "0.1.0".into(), ..Policy::default() };
        assert_eq!(verify_pack(&pack, &trust(), &late).unwrap_err().kind(), "expired", "as an offer: frozen");
        let v = verify_as_issued(&pack, &trust(), &late).expect("as the held pack: still good");
        assert_eq!(v.manifest.pack_version, "2026.2.1.1");
        let mut tampered = pack.clone();
        tampered.get_mut("pack.json").unwrap().push(b' ');
        assert_eq!(verify_as_issued(&tampered, &trust(), &late).unwrap_err().kind(), "size_mismatch");
    }

    #[test]
    fn config_version_check_reads_only_the_version() {
        let files = source("2026.2.1.1", &[]);
        assert!(check_config_version(&files, "2026.2.1.1").is_ok());
        assert_eq!(check_config_version(&files, "2026.2.1.2").unwrap_err().kind(), "version_mismatch");
        assert_eq!(check_config_version(&PackFiles::new(), "1").unwrap_err().kind(), "missing_artifact");
    }
}
