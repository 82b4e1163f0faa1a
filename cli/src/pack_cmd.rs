//! `ferretwatch pack`: build, sign, verify, inspect, diff, test, roll back and deploy signed
//! rule packs. The format is in docs/rule-pack-format.md; the checks live in
//! `ferretwatch_core::signed`, shared with the extension.
//!
//! Exit codes: 0 success; 1 the command ran and the answer is "no" (a pack that does not
//! verify, a corpus test below its thresholds, artifacts that do not match the manifest when
//! signing); 2 usage or input error (unreadable files, bad arguments, a source pack that does
//! not load).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use ferretwatch_core::pack::{MAX_PACK_FILE_BYTES, PackFiles};
use ferretwatch_core::reputation::{Delta, FingerprintSet};
use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::{KeySet, PublicKey, SecretKey};
use ferretwatch_core::signed::manifest::{
    KEYS_FILE, MANIFEST_FILE, Manifest, Policy, RollbackDirective, Trust, check_path, verify_pack,
};
use ferretwatch_core::signed::{DEFAULT_THRESHOLD, MAX_DOCUMENT_BYTES, MAX_MANIFEST_BYTES, SignedError, sha256_hex};
use ferretwatch_core::{DegradationLevel, Engine, Level, Settings};
use serde_json::json;

use crate::util::{MonotonicClock, default_pack_dir, read_pack_dir};

/// `ferretwatch pack` subcommands.
#[derive(Subcommand, Debug)]
pub enum PackCommand {
    /// Build an unsigned pack from a source directory plus threat-intel feeds.
    Build(BuildArgs),
    /// Add one signature to a pack's manifest (checks the artifacts against it first).
    Sign {
        /// Built pack directory.
        pack: PathBuf,
        /// Secret key file (NAME.key).
        #[arg(long)]
        key: PathBuf,
        /// Print `{"pack", "pack_version", "key_id", "signatures"}`.
        #[arg(long)]
        json: bool,
    },
    /// Verify a pack as a client would; exit 0 only if it is valid.
    Verify(VerifyArgs),
    /// Show a pack's manifest and signatures (without verifying them).
    Inspect {
        /// Built pack directory.
        pack: PathBuf,
        /// Print the manifest body plus `signatures` and `keys_version`.
        #[arg(long)]
        json: bool,
    },
    /// Compare the artifacts of two packs.
    Diff {
        /// Older pack.
        a: PathBuf,
        /// Newer pack.
        b: PathBuf,
        /// Print `{"from", "to", "added", "removed", "changed", "unchanged"}`.
        #[arg(long)]
        json: bool,
    },
    /// Measure a pack on a labelled corpus (precision, recall, false-positive rate, latency).
    Test(TestArgs),
    /// Make a rollback release: an archived pack re-issued with a signed rollback directive.
    Rollback(RollbackArgs),
    /// Copy a verified pack to a CDN directory (cache-busting artifact names, manifest last).
    Deploy(DeployArgs),
}

/// `pack build` arguments.
#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// Output directory (must not exist unless --force).
    #[arg(long)]
    out: PathBuf,
    /// Pack version, dotted numbers (e.g. 2026.11.25.1); also written into pack.json.
    #[arg(long)]
    version: String,
    /// Source directory (default: the repository's packs/default).
    #[arg(long)]
    source: Option<PathBuf>,
    /// A threat-intel feed, `FORMAT:FILE` (formats as in `intel import`); repeatable.
    #[arg(long = "intel")]
    intel: Vec<String>,
    /// Days until the manifest expires (clients refuse it afterwards).
    #[arg(long, default_value_t = 14)]
    expires_days: u64,
    /// Oldest extension version that may load the pack.
    #[arg(long, default_value = "0.1.0")]
    min_extension_version: String,
    /// Creation time, Unix seconds (default: now).
    #[arg(long)]
    created: Option<u64>,
    /// The pack clients hold now: each compiled reputation list that also exists there ships as
    /// a delta against it (`reputation/NAME.fwdelta`) when that is smaller than the full list.
    #[arg(long, value_name = "PACK")]
    delta_from: Option<PathBuf>,
    /// Replace an existing output directory.
    #[arg(long)]
    force: bool,
    /// Print `{"out", "pack_version", "artifacts", "bytes", "sources", "manifest_sha256", "deltas"}`.
    #[arg(long)]
    json: bool,
}

/// Trust options shared by `verify`, `deploy` and `scan`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TrustArgs {
    /// A publisher public key (NAME.pub) trusted directly; repeatable.
    #[arg(long = "trust")]
    pub trust: Vec<PathBuf>,
    /// A root public key: the pack must carry a keys.json signed by the roots; repeatable.
    #[arg(long = "root")]
    pub root: Vec<PathBuf>,
    /// Distinct publisher signatures needed (default 2).
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    pub threshold: usize,
    /// Root signatures keys.json needs (with --root).
    #[arg(long, default_value_t = 1)]
    pub root_threshold: usize,
}

/// `pack verify` arguments.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// Built pack directory (or, with --cdn, a CDN directory).
    pack: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// The pack version the client holds (older packs are a rollback).
    #[arg(long)]
    held_version: Option<String>,
    /// The key-list version the client holds (with --root).
    #[arg(long, default_value_t = 0)]
    held_keys_version: u64,
    /// The client's extension version.
    #[arg(long, default_value = env!("CARGO_PKG_VERSION"))]
    extension_version: String,
    /// The client's time, Unix seconds (default: now).
    #[arg(long)]
    now: Option<u64>,
    /// Most bytes all artifacts together may have.
    #[arg(long, default_value_t = ferretwatch_core::signed::DEFAULT_MAX_PACK_BYTES)]
    max_pack_bytes: u64,
    /// Read the CDN layout written by `pack deploy` (artifacts under artifacts/<sha256>).
    #[arg(long)]
    cdn: bool,
    /// Check everything except the signatures (CI validation of an unsigned build).
    #[arg(long, conflicts_with_all = ["trust", "root"])]
    skip_signatures: bool,
    /// Print `{"valid": true, "pack_version", "signers", "artifacts", "bytes", "expires",
    /// "keys_version", "load_ms"}` or `{"valid": false, "kind", "error"}`.
    #[arg(long)]
    json: bool,
}

/// `pack test` arguments.
#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Pack: a built pack or a source directory.
    pack: PathBuf,
    /// Corpus: an index.json or the directory holding it (tests/corpus).
    corpus: PathBuf,
    /// Fail (exit 1) below this precision.
    #[arg(long, default_value_t = 0.9)]
    min_precision: f64,
    /// Fail (exit 1) below this recall.
    #[arg(long, default_value_t = 0.9)]
    min_recall: f64,
    /// Fail (exit 1) above this false-positive rate.
    #[arg(long, default_value_t = 0.05)]
    max_fpr: f64,
    /// Fail (exit 1) above this p95 scan latency (ms).
    #[arg(long, default_value_t = 100.0)]
    max_p95_ms: f64,
    /// Print the report as JSON (see docs/rule-pack-format.md).
    #[arg(long)]
    json: bool,
}

/// `pack rollback` arguments.
#[derive(clap::Args, Debug)]
pub struct RollbackArgs {
    /// The version to go back to.
    #[arg(long)]
    to: String,
    /// The archived built pack of that version (default: CDN/packs/VERSION with --cdn).
    #[arg(long)]
    from: Option<PathBuf>,
    /// CDN directory whose packs/ archive holds the version.
    #[arg(long)]
    cdn: Option<PathBuf>,
    /// Clients holding up to this version may go back (default: the CDN's current version).
    #[arg(long)]
    replaces_up_to: Option<String>,
    /// Why (kept in the manifest).
    #[arg(long, default_value = "rollback")]
    reason: String,
    /// Output directory of the (unsigned) rollback release.
    #[arg(long)]
    out: PathBuf,
    /// Days until the rollback manifest expires.
    #[arg(long, default_value_t = 14)]
    expires_days: u64,
    /// Replace an existing output directory.
    #[arg(long)]
    force: bool,
    /// Print `{"out", "pack_version", "replaces_up_to"}`.
    #[arg(long)]
    json: bool,
}

/// `pack deploy` arguments.
#[derive(clap::Args, Debug)]
pub struct DeployArgs {
    /// Built, signed pack directory.
    pack: PathBuf,
    /// CDN directory (created if missing).
    #[arg(long)]
    cdn: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// The held version to check against (default: the CDN's current manifest's version).
    #[arg(long)]
    held_version: Option<String>,
    /// Print `{"cdn", "pack_version", "artifacts_written", "artifacts_reused", "manifest"}`.
    #[arg(long)]
    json: bool,
}

/// Runs a `pack` subcommand.
pub fn run(cmd: PackCommand) -> Result<ExitCode> {
    match cmd {
        PackCommand::Build(a) => build(a),
        PackCommand::Sign { pack, key, json } => sign(&pack, &key, json),
        PackCommand::Verify(a) => verify(a),
        PackCommand::Inspect { pack, json } => inspect(&pack, json),
        PackCommand::Diff { a, b, json } => diff(&a, &b, json),
        PackCommand::Test(a) => test(a),
        PackCommand::Rollback(a) => rollback(a),
        PackCommand::Deploy(a) => deploy(a),
    }
}

/// Seconds since the Unix epoch.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Reads a secret key file.
pub fn read_secret_key(path: &Path) -> Result<(String, SecretKey)> {
    let bytes =
        read_capped(path, KEY_FILE_LIMIT).with_context(|| format!("cannot read key file {}", path.display()))?;
    SecretKey::from_key_file(&bytes).with_context(|| format!("{} is not a FerretWatch secret key file", path.display()))
}

/// Reads a public key file.
pub fn read_public_key(path: &Path) -> Result<PublicKey> {
    let bytes =
        read_capped(path, KEY_FILE_LIMIT).with_context(|| format!("cannot read public key {}", path.display()))?;
    let (_, k) = PublicKey::from_pub_file(&bytes)
        .with_context(|| format!("{} is not a FerretWatch public key file", path.display()))?;
    Ok(k)
}

/// The trust a client would have, from `--trust` / `--root` options.
pub fn trust_from_args(t: &TrustArgs) -> Result<Trust> {
    anyhow::ensure!(t.threshold >= 1, "--threshold must be at least 1");
    if !t.root.is_empty() {
        let roots = t.root.iter().map(|p| read_public_key(p)).collect::<Result<Vec<_>>>()?;
        return Ok(Trust::Roots {
            roots: KeySet::direct(&roots, t.root_threshold.max(1)),
            held_keys_version: 0,
            min_threshold: t.threshold,
        });
    }
    anyhow::ensure!(!t.trust.is_empty(), "give the publisher keys to trust with --trust KEY.pub (or --root ROOT.pub)");
    let keys = t.trust.iter().map(|p| read_public_key(p)).collect::<Result<Vec<_>>>()?;
    Ok(Trust::Direct(KeySet::direct(&keys, t.threshold)))
}

/// Key files are tiny; anything longer is not one (and /dev/zero must not hang us).
const KEY_FILE_LIMIT: u64 = 4097;

/// Reads at most `limit` bytes of a file (a longer file is cut; the parsers then refuse it).
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut buf = Vec::new();
    f.take(limit).read_to_end(&mut buf).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(buf)
}

/// The manifest body of a pack directory, without checking signatures (for read limits,
/// inspect and diff).
fn unverified_manifest(dir: &Path) -> Result<(Manifest, Envelope)> {
    let path = dir.join(MANIFEST_FILE);
    let bytes = read_capped(&path, MAX_MANIFEST_BYTES as u64 + 1)?;
    let env =
        Envelope::parse(&bytes, MAX_MANIFEST_BYTES, MANIFEST_FILE).with_context(|| format!("{}", path.display()))?;
    let m = Manifest::parse(&env.payload).with_context(|| format!("{}", path.display()))?;
    Ok((m, env))
}

/// Reads a built pack for verification: the manifest (≤ 1 MiB), keys.json (≤ 256 KiB), each
/// listed artifact reading at most one byte more than its declared size (so a larger file shows
/// as a size mismatch without being read whole), and the names of unlisted files. With `cdn`,
/// artifacts come from `artifacts/<sha256>`.
pub fn read_built_pack(dir: &Path, cdn: bool, max_pack_bytes: u64) -> Result<PackFiles> {
    let mut files = PackFiles::new();
    let mpath = dir.join(MANIFEST_FILE);
    if !mpath.is_file() {
        // No manifest: an unsigned pack. Read it whole so the verifier says what is missing.
        return read_pack_dir(dir);
    }
    files.insert(MANIFEST_FILE.into(), read_capped(&mpath, MAX_MANIFEST_BYTES as u64 + 1)?);
    let kpath = dir.join(KEYS_FILE);
    if kpath.is_file() {
        files.insert(KEYS_FILE.into(), read_capped(&kpath, MAX_DOCUMENT_BYTES as u64 + 1)?);
    }
    let Ok((m, _)) = unverified_manifest(dir) else {
        return Ok(files); // the verifier reports the manifest's problem
    };
    if m.total_size() > max_pack_bytes {
        return Ok(files); // refused on declared size before any artifact is read
    }
    for a in &m.artifacts {
        if check_path(&a.path).is_err() {
            continue;
        }
        let p = if cdn { dir.join("artifacts").join(&a.sha256) } else { dir.join(&a.path) };
        if p.is_file() {
            files.insert(a.path.clone(), read_capped(&p, a.size.saturating_add(1))?);
        }
    }
    if !cdn {
        for (rel, _) in crate::util::walk(dir)? {
            files.entry(rel).or_default();
        }
    }
    Ok(files)
}

/// Writes `files` into a fresh directory next to `out`, then renames it into place, so `out`
/// is never half-written.
pub fn write_dir_atomically(out: &Path, files: &PackFiles, force: bool) -> Result<()> {
    if out.exists() && !force {
        bail!("{} already exists (use --force to replace it)", out.display());
    }
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "pack".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = (|| -> Result<()> {
        for (rel, bytes) in files {
            let p = tmp.join(rel);
            if let Some(d) = p.parent() {
                std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
            }
            std::fs::write(&p, bytes).with_context(|| format!("cannot write {}", p.display()))?;
        }
        if out.exists() {
            let old = parent.join(format!(".{name}.old-{}", std::process::id()));
            std::fs::rename(out, &old).with_context(|| format!("cannot move {} aside", out.display()))?;
            std::fs::rename(&tmp, out).with_context(|| format!("cannot rename into {}", out.display()))?;
            let _ = std::fs::remove_dir_all(&old);
        } else {
            std::fs::rename(&tmp, out).with_context(|| format!("cannot rename into {}", out.display()))?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Writes one file atomically (temp file in the same directory, then rename).
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Turns a source pack into artifacts: text reputation lists compiled to `.fwrep`, `pack.json`
/// given `version`, hidden files dropped.
fn artifacts_from_source(src: &PackFiles, version: &str) -> Result<PackFiles> {
    let mut out = PackFiles::new();
    for (path, bytes) in src {
        if path.split('/').any(|c| c.starts_with('.')) {
            continue;
        }
        if path == "pack.json" {
            let mut v: serde_json::Value = serde_json::from_slice(bytes).context("pack.json is not valid JSON")?;
            let obj = v.as_object_mut().ok_or_else(|| anyhow!("pack.json must be a JSON object"))?;
            obj.insert("version".into(), json!(version));
            let mut b = serde_json::to_vec_pretty(&v)?;
            b.push(b'\n');
            out.insert(path.clone(), b);
        } else if path.starts_with("reputation/") && path.ends_with(".txt") {
            let text = std::str::from_utf8(bytes).with_context(|| format!("{path} is not UTF-8"))?;
            let list = ferretwatch_core::pack::parse_reputation(path, text)?;
            let compiled = FingerprintSet::from_list(&list).to_bytes();
            out.insert(format!("{}.fwrep", path.trim_end_matches(".txt")), compiled);
        } else {
            out.insert(path.clone(), bytes.clone());
        }
    }
    for p in out.keys() {
        check_path(p).with_context(|| format!("source file {p} cannot be a pack artifact"))?;
    }
    Ok(out)
}

/// `pack build --delta-from BASE`: every compiled list `reputation/NAME.fwrep` that BASE also
/// carries is replaced by `reputation/NAME.fwdelta` (base and result sha256 inside) when the delta
/// is smaller. Clients apply it to the list they hold (docs/rule-pack-format.md "Deltas"). Returns
/// the delta paths.
fn replace_lists_by_deltas(files: &mut PackFiles, base: &Path) -> Result<Vec<String>> {
    if !base.join(MANIFEST_FILE).is_file() {
        bail!("--delta-from {}: not a pack (no {MANIFEST_FILE})", base.display());
    }
    let lists: Vec<String> =
        files.keys().filter(|p| p.starts_with("reputation/") && p.ends_with(".fwrep")).cloned().collect();
    let mut deltas = Vec::new();
    for path in lists {
        let held = base.join(&path);
        if !held.is_file() {
            continue;
        }
        let old = read_capped(&held, MAX_PACK_FILE_BYTES as u64)?;
        let old = FingerprintSet::from_bytes(&old)
            .with_context(|| format!("--delta-from: {} is not a compiled list", held.display()))?;
        let new = FingerprintSet::from_bytes(&files[&path]).with_context(|| format!("{path} (just compiled)"))?;
        if old.kind != new.kind {
            continue;
        }
        let delta = Delta::between(&old, &new).to_bytes();
        if delta.len() < files[&path].len() {
            let name = format!("{}.fwdelta", path.trim_end_matches(".fwrep"));
            files.remove(&path);
            files.insert(name.clone(), delta);
            deltas.push(name);
        }
    }
    Ok(deltas)
}

fn build(a: BuildArgs) -> Result<ExitCode> {
    ferretwatch_core::signed::DottedVersion::parse("--version", &a.version)?;
    ferretwatch_core::signed::DottedVersion::parse("--min-extension-version", &a.min_extension_version)?;
    let source = a.source.clone().unwrap_or_else(default_pack_dir);
    let src = read_pack_dir(&source)?;
    let mut files = artifacts_from_source(&src, &a.version)?;
    let mut sources = Vec::new();
    for spec in &a.intel {
        let arts = crate::intel_cmd::pack_artifacts(spec).with_context(|| format!("--intel {spec}"))?;
        for (path, bytes) in arts {
            if path.starts_with("intel/") && path.ends_with(".json") {
                let v: serde_json::Value =
                    serde_json::from_slice(&bytes).with_context(|| format!("--intel {spec}: {path} is not JSON"))?;
                sources.push(v);
            } else {
                check_path(&path).with_context(|| format!("--intel {spec}"))?;
                if files.insert(path.clone(), bytes).is_some() {
                    bail!("--intel {spec}: artifact {path} clashes with another file of the pack");
                }
            }
        }
    }
    let engine = Engine::from_files(&files)
        .with_context(|| format!("the pack built from {} does not load", source.display()))?;
    let deltas = match &a.delta_from {
        Some(base) => replace_lists_by_deltas(&mut files, base)?,
        None => Vec::new(),
    };
    let created = a.created.unwrap_or_else(now_unix);
    let mut m = Manifest::for_files(
        &a.version,
        created,
        created + a.expires_days.max(1) * 86_400,
        &a.min_extension_version,
        &files,
    );
    m.sources = sources;
    m.validate()?;
    let manifest = Envelope::unsigned(&m.to_json()).to_json();
    let manifest_sha = sha256_hex(&manifest);
    files.insert(MANIFEST_FILE.into(), manifest);
    write_dir_atomically(&a.out, &files, a.force)?;
    let bytes = m.total_size();
    if a.json {
        println!(
            "{}",
            json!({"out": a.out, "pack_version": a.version, "artifacts": m.artifacts.len(), "bytes": bytes,
                   "sources": m.sources.len(), "manifest_sha256": manifest_sha, "rules": engine.config().version,
                   "deltas": deltas})
        );
    } else {
        println!(
            "built {} (version {}, {} artifacts, {} bytes, {} feed(s)); unsigned: sign it with `ferretwatch pack sign {} --key NAME.key` (twice)",
            a.out.display(),
            a.version,
            m.artifacts.len(),
            bytes,
            m.sources.len(),
            a.out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn sign(pack: &Path, key: &Path, json_out: bool) -> Result<ExitCode> {
    let (name, secret) = read_secret_key(key)?;
    let (m, mut env) = unverified_manifest(pack)?;
    // The signer checks what they sign: every artifact on disk must match the manifest.
    for a in &m.artifacts {
        let p = pack.join(&a.path);
        let bytes = read_capped(&p, a.size.saturating_add(1)).with_context(|| format!("artifact {}", a.path))?;
        if bytes.len() as u64 != a.size || sha256_hex(&bytes) != a.sha256 {
            eprintln!("ferretwatch: refusing to sign: {} does not match the manifest", p.display());
            return Ok(ExitCode::from(1));
        }
    }
    env.sign(Domain::Manifest, &secret);
    write_file_atomically(&pack.join(MANIFEST_FILE), &env.to_json())?;
    let ids: Vec<&str> = env.signatures.iter().map(|s| s.key_id.as_str()).collect();
    if json_out {
        println!(
            "{}",
            json!({"pack": pack, "pack_version": m.pack_version, "key_id": secret.public().id(), "name": name, "signatures": ids})
        );
    } else {
        println!(
            "signed {} (version {}) with {} ({}); {} signature(s): {}",
            pack.display(),
            m.pack_version,
            name,
            secret.public().id(),
            ids.len(),
            ids.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Snake-case name of a rejection, for `--json` output.
pub fn error_kind(e: &SignedError) -> &'static str {
    e.kind()
}

/// Verifies and loads a built pack as a client would. Returns the engine and what was verified.
pub fn verify_and_load(
    dir: &Path,
    trust: &Trust,
    policy: &Policy,
    cdn: bool,
) -> Result<std::result::Result<(Engine, ferretwatch_core::signed::VerifiedPack), SignedError>> {
    let files = read_built_pack(dir, cdn, policy.max_pack_bytes)?;
    Ok(verify_pack(&files, trust, policy)
        .and_then(|v| ferretwatch_core::signed::store::load_engine(&v).map(|e| (e, v))))
}

/// Every check of [`verify_and_load`] except the signatures.
fn validate_unsigned(
    dir: &Path,
    policy: &Policy,
    cdn: bool,
) -> Result<std::result::Result<(Engine, ferretwatch_core::signed::VerifiedPack), SignedError>> {
    let files = read_built_pack(dir, cdn, policy.max_pack_bytes)?;
    let check = || -> std::result::Result<_, SignedError> {
        let bytes =
            files.get(MANIFEST_FILE).ok_or_else(|| SignedError::MissingArtifact { path: MANIFEST_FILE.into() })?;
        let env = Envelope::parse(bytes, MAX_MANIFEST_BYTES, MANIFEST_FILE)?;
        let manifest = Manifest::parse(&env.payload)?;
        ferretwatch_core::signed::manifest::check_fresh(&manifest, policy)?;
        let out = ferretwatch_core::signed::manifest::verify_artifacts(&manifest, &files, policy)?;
        let v =
            ferretwatch_core::signed::VerifiedPack { manifest, signers: Vec::new(), keys_version: None, files: out };
        let engine = ferretwatch_core::signed::store::load_engine(&v)?;
        Ok((engine, v))
    };
    Ok(check())
}

fn verify(a: VerifyArgs) -> Result<ExitCode> {
    let policy = Policy {
        now: a.now.unwrap_or_else(now_unix),
        held_version: a.held_version.clone(),
        extension_version: a.extension_version.clone(),
        max_pack_bytes: a.max_pack_bytes,
        ..Policy::default()
    };
    let t0 = Instant::now();
    let result = if a.skip_signatures {
        validate_unsigned(&a.pack, &policy, a.cdn)?
    } else {
        let mut trust = trust_from_args(&a.trust)?;
        if let Trust::Roots { held_keys_version, .. } = &mut trust {
            *held_keys_version = a.held_keys_version;
        }
        verify_and_load(&a.pack, &trust, &policy, a.cdn)?
    };
    let load_ms = t0.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok((_, v)) => {
            if a.json {
                println!(
                    "{}",
                    json!({"valid": true, "pack_version": v.manifest.pack_version, "signers": v.signers,
                           "artifacts": v.manifest.artifacts.len(), "bytes": v.manifest.total_size(),
                           "expires": v.manifest.expires, "keys_version": v.keys_version,
                           "rollback": v.manifest.rollback.is_some(), "load_ms": load_ms})
                );
            } else {
                println!(
                    "OK {}: version {}, {} artifacts ({} bytes), {}{}",
                    a.pack.display(),
                    v.manifest.pack_version,
                    v.manifest.artifacts.len(),
                    v.manifest.total_size(),
                    if v.signers.is_empty() {
                        "signatures not checked".to_string()
                    } else {
                        format!("signed by {}", v.signers.join(", "))
                    },
                    if v.manifest.rollback.is_some() { " (rollback release)" } else { "" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if a.json {
                println!("{}", json!({"valid": false, "kind": error_kind(&e), "error": e.to_string()}));
            }
            eprintln!("ferretwatch: {} is NOT valid: {e}", a.pack.display());
            Ok(ExitCode::from(1))
        }
    }
}

fn inspect(pack: &Path, json_out: bool) -> Result<ExitCode> {
    let (m, env) = unverified_manifest(pack)?;
    let keys_version = read_capped(&pack.join(KEYS_FILE), MAX_DOCUMENT_BYTES as u64 + 1)
        .ok()
        .and_then(|b| Envelope::parse(&b, MAX_DOCUMENT_BYTES, KEYS_FILE).ok())
        .and_then(|e| serde_json::from_slice::<serde_json::Value>(&e.payload).ok())
        .and_then(|v| v["version"].as_u64());
    let sigs: Vec<&str> = env.signatures.iter().map(|s| s.key_id.as_str()).collect();
    if json_out {
        let mut v = serde_json::to_value(&m)?;
        v["signatures"] = json!(sigs);
        v["keys_version"] = json!(keys_version);
        v["total_bytes"] = json!(m.total_size());
        println!("{v}");
        return Ok(ExitCode::SUCCESS);
    }
    println!("pack {} (unverified)", pack.display());
    println!("  version              {}", m.pack_version);
    println!("  created / expires    {} / {}", m.created, m.expires);
    println!("  min extension        {}", m.min_extension_version);
    println!("  signatures           {}", if sigs.is_empty() { "none".to_string() } else { sigs.join(", ") });
    if let Some(k) = keys_version {
        println!("  keys.json version    {k}");
    }
    if let Some(r) = &m.rollback {
        println!("  rollback             to {} for clients up to {} ({})", r.to, r.replaces_up_to, r.reason);
    }
    println!("  artifacts            {} ({} bytes)", m.artifacts.len(), m.total_size());
    for a in &m.artifacts {
        println!("    {:>10}  {}  {}", a.size, &a.sha256[..16], a.path);
    }
    for s in &m.sources {
        println!("  source               {s}");
    }
    Ok(ExitCode::SUCCESS)
}

fn diff(a: &Path, b: &Path, json_out: bool) -> Result<ExitCode> {
    let (ma, _) = unverified_manifest(a)?;
    let (mb, _) = unverified_manifest(b)?;
    let old: BTreeMap<&str, _> = ma.artifacts.iter().map(|x| (x.path.as_str(), x)).collect();
    let new: BTreeMap<&str, _> = mb.artifacts.iter().map(|x| (x.path.as_str(), x)).collect();
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut changed = Vec::new();
    let mut unchanged = 0usize;
    for (p, x) in &new {
        match old.get(p) {
            None => added.push(json!({"path": p, "size": x.size})),
            Some(o) if o.sha256 != x.sha256 => {
                changed.push(json!({"path": p, "from_size": o.size, "to_size": x.size}));
            }
            Some(_) => unchanged += 1,
        }
    }
    for (p, x) in &old {
        if !new.contains_key(p) {
            removed.push(json!({"path": p, "size": x.size}));
        }
    }
    if json_out {
        println!(
            "{}",
            json!({"from": ma.pack_version, "to": mb.pack_version, "added": added, "removed": removed,
                   "changed": changed, "unchanged": unchanged,
                   "bytes_from": ma.total_size(), "bytes_to": mb.total_size()})
        );
    } else {
        println!("{} → {}", ma.pack_version, mb.pack_version);
        for x in &added {
            println!("  + {} ({} bytes)", x["path"].as_str().unwrap_or_default(), x["size"]);
        }
        for x in &removed {
            println!("  - {} ({} bytes)", x["path"].as_str().unwrap_or_default(), x["size"]);
        }
        for x in &changed {
            println!("  ~ {} ({} → {} bytes)", x["path"].as_str().unwrap_or_default(), x["from_size"], x["to_size"]);
        }
        println!("  {unchanged} unchanged; {} → {} bytes", ma.total_size(), mb.total_size());
    }
    Ok(ExitCode::SUCCESS)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ratio(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

#[derive(Default)]
struct SignalStats {
    expected: usize,
    fired: usize,
    hit: usize,
    latencies_ms: Vec<f64>,
}

fn test(a: TestArgs) -> Result<ExitCode> {
    let mut engine = Engine::from_files(&read_pack_dir(&a.pack)?)
        .with_context(|| format!("cannot load the pack in {}", a.pack.display()))?;
    engine.prepare_fast_scan();
    let index = if a.corpus.is_dir() { a.corpus.join("index.json") } else { a.corpus.clone() };
    let text =
        std::fs::read_to_string(&index).with_context(|| format!("cannot read corpus index {}", index.display()))?;
    let entries: Vec<serde_json::Value> =
        serde_json::from_str(&text).with_context(|| format!("corpus index {} is malformed", index.display()))?;
    let base = index.parent().unwrap_or(Path::new(".")).to_path_buf();
    let settings = Settings { level: DegradationLevel::Full, ..Settings::default() };
    let clock = MonotonicClock::new();
    let (mut tp, mut fp, mut tn, mut fnn, mut exact) = (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut latencies = Vec::new();
    let mut per_signal: BTreeMap<String, SignalStats> = BTreeMap::new();
    let mut misses = Vec::new();
    for e in &entries {
        let id = e["id"].as_str().unwrap_or("?").to_string();
        let url = e["url"].as_str().ok_or_else(|| anyhow!("corpus entry {id} has no url"))?;
        let expected = match e["expected"].as_str() {
            Some("red") => Level::Red,
            Some("yellow") => Level::Yellow,
            Some("green") => Level::Green,
            other => bail!("corpus entry {id}: expected must be green, yellow or red (got {other:?})"),
        };
        let html = e["html"].as_str().map(|h| base.join(h));
        let (features, _) = crate::scan_cmd::page_features(url, html.as_deref(), e["first_seen_hours_ago"].as_f64())?;
        let t0 = Instant::now();
        let v = engine.scan(&features, &settings, &clock).map_err(|err| anyhow!("corpus entry {id}: {err}"))?;
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        latencies.push(ms);
        let flagged = v.level != Level::Green;
        let bad = expected != Level::Green;
        match (bad, flagged) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (false, false) => tn += 1,
            (true, false) => fnn += 1,
        }
        if v.level == expected {
            exact += 1;
        } else {
            misses.push(json!({"id": id, "expected": expected, "got": v.level, "score": v.score}));
        }
        let fired: std::collections::BTreeSet<&str> = v.findings.iter().map(|f| f.signal.as_str()).collect();
        let wanted: std::collections::BTreeSet<&str> =
            e["signals"].as_array().map(|s| s.iter().filter_map(|x| x.as_str()).collect()).unwrap_or_default();
        for s in fired.union(&wanted) {
            let st = per_signal.entry((*s).to_string()).or_default();
            let f = fired.contains(s);
            let w = wanted.contains(s);
            st.expected += usize::from(w);
            st.fired += usize::from(f);
            st.hit += usize::from(f && w);
            if f {
                st.latencies_ms.push(ms);
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    let precision = ratio(tp, tp + fp).unwrap_or(1.0);
    let recall = ratio(tp, tp + fnn).unwrap_or(1.0);
    let fpr = ratio(fp, fp + tn).unwrap_or(0.0);
    let p50 = percentile(&latencies, 0.5);
    let p95 = percentile(&latencies, 0.95);
    let mut failures = Vec::new();
    if precision < a.min_precision {
        failures.push(format!("precision {precision:.3} < {}", a.min_precision));
    }
    if recall < a.min_recall {
        failures.push(format!("recall {recall:.3} < {}", a.min_recall));
    }
    if fpr > a.max_fpr {
        failures.push(format!("false-positive rate {fpr:.3} > {}", a.max_fpr));
    }
    if p95 > a.max_p95_ms {
        failures.push(format!("p95 latency {p95:.2} ms > {}", a.max_p95_ms));
    }
    let signals: Vec<serde_json::Value> = per_signal
        .iter_mut()
        .map(|(name, st)| {
            st.latencies_ms.sort_by(f64::total_cmp);
            json!({"signal": name, "expected": st.expected, "fired": st.fired, "hit": st.hit,
                   "precision": ratio(st.hit, st.fired), "recall": ratio(st.hit, st.expected),
                   "p50_ms": percentile(&st.latencies_ms, 0.5), "p95_ms": percentile(&st.latencies_ms, 0.95)})
        })
        .collect();
    if a.json {
        println!(
            "{}",
            json!({"pack_version": engine.pack_version(), "pages": entries.len(), "tp": tp, "fp": fp, "tn": tn, "fn": fnn,
                   "precision": precision, "recall": recall, "false_positive_rate": fpr,
                   "level_accuracy": ratio(exact, entries.len()), "p50_ms": p50, "p95_ms": p95,
                   "signals": signals, "misses": misses, "passed": failures.is_empty(), "failures": failures})
        );
    } else {
        println!("pack {} on {} pages ({})", engine.pack_version(), entries.len(), index.display());
        println!(
            "  precision {precision:.3}  recall {recall:.3}  false-positive rate {fpr:.3}  (tp {tp} fp {fp} tn {tn} fn {fnn})"
        );
        println!("  exact level {exact}/{}  scan latency p50 {p50:.2} ms  p95 {p95:.2} ms", entries.len());
        println!(
            "  {:<30} {:>8} {:>6} {:>5} {:>9} {:>7} {:>8} {:>8}",
            "signal", "expected", "fired", "hit", "precision", "recall", "p50 ms", "p95 ms"
        );
        let fmt = |x: &serde_json::Value| x.as_f64().map(|f| format!("{f:.3}")).unwrap_or_else(|| "-".into());
        for s in &signals {
            println!(
                "  {:<30} {:>8} {:>6} {:>5} {:>9} {:>7} {:>8.2} {:>8.2}",
                s["signal"].as_str().unwrap_or_default(),
                s["expected"].as_u64().unwrap_or(0),
                s["fired"].as_u64().unwrap_or(0),
                s["hit"].as_u64().unwrap_or(0),
                fmt(&s["precision"]),
                fmt(&s["recall"]),
                s["p50_ms"].as_f64().unwrap_or(0.0),
                s["p95_ms"].as_f64().unwrap_or(0.0)
            );
        }
        for m in &misses {
            println!(
                "  level miss: {} expected {} got {} (score {})",
                m["id"].as_str().unwrap_or_default(),
                m["expected"],
                m["got"],
                m["score"]
            );
        }
        if failures.is_empty() {
            println!("PASS");
        } else {
            println!("FAIL: {}", failures.join("; "));
        }
    }
    Ok(if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn rollback(a: RollbackArgs) -> Result<ExitCode> {
    ferretwatch_core::signed::DottedVersion::parse("--to", &a.to)?;
    let from = match (&a.from, &a.cdn) {
        (Some(f), _) => f.clone(),
        (None, Some(cdn)) => cdn.join("packs").join(&a.to),
        (None, None) => bail!("give the archived pack with --from DIR or the CDN with --cdn DIR"),
    };
    let (old, _) =
        unverified_manifest(&from).with_context(|| format!("no archived pack of {} at {}", a.to, from.display()))?;
    anyhow::ensure!(old.pack_version == a.to, "{} holds version {}, not {}", from.display(), old.pack_version, a.to);
    let replaces_up_to = match (&a.replaces_up_to, &a.cdn) {
        (Some(v), _) => v.clone(),
        (None, Some(cdn)) => unverified_manifest(cdn)
            .map(|(m, _)| m.pack_version)
            .with_context(|| format!("cannot read the current manifest of {}; give --replaces-up-to", cdn.display()))?,
        (None, None) => bail!("give --replaces-up-to VERSION (the newest version clients may hold)"),
    };
    let mut files = PackFiles::new();
    for x in &old.artifacts {
        let bytes = read_capped(&from.join(&x.path), MAX_PACK_FILE_BYTES as u64)?;
        anyhow::ensure!(sha256_hex(&bytes) == x.sha256, "archived artifact {} does not match its manifest", x.path);
        files.insert(x.path.clone(), bytes);
    }
    let created = now_unix();
    let mut m = Manifest::for_files(
        &a.to,
        created,
        created + a.expires_days.max(1) * 86_400,
        &old.min_extension_version,
        &files,
    );
    m.sources = old.sources.clone();
    m.rollback =
        Some(RollbackDirective { to: a.to.clone(), replaces_up_to: replaces_up_to.clone(), reason: a.reason.clone() });
    m.validate()?;
    files.insert(MANIFEST_FILE.into(), Envelope::unsigned(&m.to_json()).to_json());
    write_dir_atomically(&a.out, &files, a.force)?;
    if a.json {
        println!("{}", json!({"out": a.out, "pack_version": a.to, "replaces_up_to": replaces_up_to}));
    } else {
        println!(
            "rollback release of {} written to {} (for clients up to {}); sign it twice, then deploy",
            a.to,
            a.out.display(),
            replaces_up_to
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn deploy(a: DeployArgs) -> Result<ExitCode> {
    let trust = trust_from_args(&a.trust)?;
    let held = a.held_version.clone().or_else(|| unverified_manifest(&a.cdn).ok().map(|(m, _)| m.pack_version));
    let policy = Policy { now: now_unix(), held_version: held, ..Policy::default() };
    let v = match verify_and_load(&a.pack, &trust, &policy, false)? {
        Ok((_, v)) => v,
        Err(e) => {
            eprintln!("ferretwatch: not deploying {}: {e}", a.pack.display());
            if a.json {
                println!("{}", json!({"deployed": false, "kind": error_kind(&e), "error": e.to_string()}));
            }
            return Ok(ExitCode::from(1));
        }
    };
    let art_dir = a.cdn.join("artifacts");
    std::fs::create_dir_all(&art_dir).with_context(|| format!("cannot create {}", art_dir.display()))?;
    let (mut written, mut reused) = (0usize, 0usize);
    for x in &v.manifest.artifacts {
        let dest = art_dir.join(&x.sha256);
        if dest.is_file() && std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0) == x.size {
            reused += 1;
            continue;
        }
        write_file_atomically(&dest, &v.files[&x.path])?;
        written += 1;
    }
    // The archive of this version (for rollback-rule), then keys.json, then the manifest last.
    let mut archive = v.files.clone();
    let manifest_bytes = read_capped(&a.pack.join(MANIFEST_FILE), MAX_MANIFEST_BYTES as u64 + 1)?;
    archive.insert(MANIFEST_FILE.into(), manifest_bytes.clone());
    let keys = read_capped(&a.pack.join(KEYS_FILE), MAX_DOCUMENT_BYTES as u64 + 1).ok();
    if let Some(k) = &keys {
        archive.insert(KEYS_FILE.into(), k.clone());
    }
    write_dir_atomically(&a.cdn.join("packs").join(&v.manifest.pack_version), &archive, true)?;
    if let Some(k) = &keys {
        write_file_atomically(&a.cdn.join(KEYS_FILE), k)?;
    }
    write_file_atomically(&a.cdn.join(MANIFEST_FILE), &manifest_bytes)?;
    if a.json {
        println!(
            "{}",
            json!({"cdn": a.cdn, "pack_version": v.manifest.pack_version, "artifacts_written": written,
                   "artifacts_reused": reused, "manifest": a.cdn.join(MANIFEST_FILE)})
        );
    } else {
        println!(
            "deployed {} to {} ({} artifacts written, {} reused; manifest written last)",
            v.manifest.pack_version,
            a.cdn.display(),
            written,
            reused
        );
    }
    Ok(ExitCode::SUCCESS)
}
