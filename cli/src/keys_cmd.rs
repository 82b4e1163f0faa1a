//! `ferretwatch keys`: ed25519 key pairs and the root-signed publisher key list (`keys.json`).
//!
//! Exit codes: 0 success; 1 a verification said no; 2 usage or input error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::{KeyList, KeySet, PublisherEntry, SecretKey};
use ferretwatch_core::signed::{DEFAULT_THRESHOLD, MAX_DOCUMENT_BYTES};
use serde_json::json;

use crate::pack_cmd::{error_kind, now_unix, read_public_key, read_secret_key, write_file_atomically};

/// `ferretwatch keys` subcommands.
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Generate a key pair: DIR/NAME.key (secret, mode 0600) and DIR/NAME.pub.
    Generate {
        /// Directory to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Key name (file stem): letters, digits, `.`, `_`, `-`.
        #[arg(long)]
        name: String,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
        /// Print `{"name", "key_id", "public_key", "secret_file", "public_file"}`.
        #[arg(long)]
        json: bool,
    },
    /// Write a publisher key list (keys.json), signed by the given root keys.
    PublishList {
        /// Output file (keys.json).
        #[arg(long)]
        out: PathBuf,
        /// List version; must be higher than the last published one.
        #[arg(long)]
        version: u64,
        /// A publisher key, `NAME.pub` or `NAME.pub@NOT_BEFORE..EXPIRES` (Unix seconds); repeatable.
        #[arg(long = "publisher", required = true)]
        publishers: Vec<String>,
        /// Key id of a publisher to list as revoked; repeatable.
        #[arg(long = "revoke")]
        revoke: Vec<String>,
        /// Manifest signatures needed (the two-person rule is 2).
        #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
        threshold: usize,
        /// Days until the list (and publishers without a window) expire.
        #[arg(long, default_value_t = 365)]
        expires_days: u64,
        /// Root secret key to sign with; repeatable (more can be added with `keys sign-list`).
        #[arg(long = "key")]
        keys: Vec<PathBuf>,
        /// Print `{"out", "version", "publishers", "signatures"}`.
        #[arg(long)]
        json: bool,
    },
    /// Add a root signature to a keys.json.
    SignList {
        /// keys.json.
        file: PathBuf,
        /// Root secret key.
        #[arg(long)]
        key: PathBuf,
        /// Print `{"file", "key_id", "signatures"}`.
        #[arg(long)]
        json: bool,
    },
    /// Verify a keys.json with root public keys.
    VerifyList {
        /// keys.json.
        file: PathBuf,
        /// Root public key; repeatable.
        #[arg(long = "root", required = true)]
        roots: Vec<PathBuf>,
        /// Root signatures needed.
        #[arg(long, default_value_t = 1)]
        root_threshold: usize,
        /// The list version the client holds.
        #[arg(long, default_value_t = 0)]
        held_version: u64,
        /// Print `{"valid", "version", "publishers"}` or `{"valid": false, "kind", "error"}`.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `keys` subcommand.
pub fn run(cmd: KeysCommand) -> Result<ExitCode> {
    match cmd {
        KeysCommand::Generate { out, name, force, json } => generate(&out, &name, force, json),
        KeysCommand::PublishList { out, version, publishers, revoke, threshold, expires_days, keys, json } => {
            publish_list(&out, version, &publishers, &revoke, threshold, expires_days, &keys, json)
        }
        KeysCommand::SignList { file, key, json } => sign_list(&file, &key, json),
        KeysCommand::VerifyList { file, roots, root_threshold, held_version, json } => {
            verify_list(&file, &roots, root_threshold, held_version, json)
        }
    }
}

fn generate(out: &Path, name: &str, force: bool, json_out: bool) -> Result<ExitCode> {
    if name.is_empty() || name.len() > 64 || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
        bail!("--name must be 1-64 letters, digits, `.`, `_` or `-`");
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("the OS random source failed: {e}"))?;
    let secret = SecretKey::from_seed(seed);
    seed.fill(0);
    let public = secret.public();
    let key_path = out.join(format!("{name}.key"));
    let pub_path = out.join(format!("{name}.pub"));
    if !force && (key_path.exists() || pub_path.exists()) {
        bail!("{} or {} already exists (use --force to replace)", key_path.display(), pub_path.display());
    }
    write_secret(&key_path, &secret.to_key_file(name))?;
    write_file_atomically(&pub_path, &public.to_pub_file(name))?;
    if json_out {
        println!(
            "{}",
            json!({"name": name, "key_id": public.id(), "public_key": public.to_base64(),
                   "secret_file": key_path, "public_file": pub_path})
        );
    } else {
        println!(
            "key {} ({name}): secret {} (keep it offline), public {}",
            public.id(),
            key_path.display(),
            pub_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a secret file readable only by its owner (0600 from creation on Unix).
fn write_secret(path: &Path, bytes: &[u8]) -> Result<()> {
    let _ = std::fs::remove_file(path);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn parse_publisher(spec: &str, now: u64, default_expires: u64) -> Result<PublisherEntry> {
    let (path, window) = match spec.split_once('@') {
        Some((p, w)) => (p, Some(w)),
        None => (spec, None),
    };
    let key = read_public_key(Path::new(path))?;
    let bytes = crate::pack_cmd::read_capped(Path::new(path), 4097)?;
    let (name, _) = ferretwatch_core::signed::keys::PublicKey::from_pub_file(&bytes)?;
    let (not_before, expires) = match window {
        None => (now, default_expires),
        Some(w) => {
            let (a, b) = w.split_once("..").with_context(|| format!("`{spec}`: window must be NOT_BEFORE..EXPIRES"))?;
            let a: u64 = a.parse().with_context(|| format!("`{spec}`: NOT_BEFORE must be Unix seconds"))?;
            let b: u64 = b.parse().with_context(|| format!("`{spec}`: EXPIRES must be Unix seconds"))?;
            anyhow::ensure!(a < b, "`{spec}`: NOT_BEFORE must be before EXPIRES");
            (a, b)
        }
    };
    Ok(PublisherEntry {
        key_id: key.id().into(),
        public_key: key.to_base64(),
        name,
        not_before,
        expires,
        revoked: false,
    })
}

#[allow(clippy::too_many_arguments)]
fn publish_list(
    out: &Path,
    version: u64,
    publishers: &[String],
    revoke: &[String],
    threshold: usize,
    expires_days: u64,
    keys: &[PathBuf],
    json_out: bool,
) -> Result<ExitCode> {
    anyhow::ensure!(threshold >= 1, "--threshold must be at least 1");
    let now = now_unix();
    let expires = now + expires_days.max(1) * 86_400;
    let mut entries = publishers.iter().map(|s| parse_publisher(s, now, expires)).collect::<Result<Vec<_>>>()?;
    for r in revoke {
        let e = entries
            .iter_mut()
            .find(|e| &e.key_id == r)
            .with_context(|| format!("--revoke {r}: no --publisher has that key id (list the revoked key too)"))?;
        e.revoked = true;
    }
    let current = entries.iter().filter(|e| !e.revoked).count();
    anyhow::ensure!(current >= threshold, "only {current} non-revoked publisher(s) for a threshold of {threshold}");
    let list = KeyList { format_version: 1, version, issued: now, expires, threshold, publishers: entries };
    let mut env = Envelope::unsigned(&list.to_json());
    for k in keys {
        let (_, secret) = read_secret_key(k)?;
        env.sign(Domain::Keys, &secret);
    }
    write_file_atomically(out, &env.to_json())?;
    let sigs: Vec<&str> = env.signatures.iter().map(|s| s.key_id.as_str()).collect();
    if json_out {
        println!(
            "{}",
            json!({"out": out, "version": version, "publishers": list.publishers.len(), "signatures": sigs})
        );
    } else {
        println!(
            "wrote {} (version {version}, {} publishers, threshold {threshold}, {} root signature(s))",
            out.display(),
            list.publishers.len(),
            sigs.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn sign_list(file: &Path, key: &Path, json_out: bool) -> Result<ExitCode> {
    let (_, secret) = read_secret_key(key)?;
    let bytes = crate::pack_cmd::read_capped(file, MAX_DOCUMENT_BYTES as u64 + 1)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let mut env = Envelope::parse(&bytes, MAX_DOCUMENT_BYTES, "keys.json")?;
    let _: KeyList = serde_json::from_slice(&env.payload).context("keys.json payload is not a key list")?;
    env.sign(Domain::Keys, &secret);
    write_file_atomically(file, &env.to_json())?;
    let sigs: Vec<&str> = env.signatures.iter().map(|s| s.key_id.as_str()).collect();
    if json_out {
        println!("{}", json!({"file": file, "key_id": secret.public().id(), "signatures": sigs}));
    } else {
        println!("signed {} with {}; {} signature(s)", file.display(), secret.public().id(), sigs.len());
    }
    Ok(ExitCode::SUCCESS)
}

fn verify_list(file: &Path, roots: &[PathBuf], root_threshold: usize, held: u64, json_out: bool) -> Result<ExitCode> {
    let roots = roots.iter().map(|p| read_public_key(p)).collect::<Result<Vec<_>>>()?;
    let set = KeySet::direct(&roots, root_threshold.max(1));
    let bytes = crate::pack_cmd::read_capped(file, MAX_DOCUMENT_BYTES as u64 + 1)
        .with_context(|| format!("cannot read {}", file.display()))?;
    match set.publishers_from_list(&bytes, now_unix(), held, 1) {
        Ok((_, list)) => {
            if json_out {
                println!("{}", json!({"valid": true, "version": list.version, "publishers": list.publishers}));
            } else {
                println!("OK {}: version {}, {} publishers", file.display(), list.version, list.publishers.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if json_out {
                println!("{}", json!({"valid": false, "kind": error_kind(&e), "error": e.to_string()}));
            }
            eprintln!("ferretwatch: {} is NOT valid: {e}", file.display());
            Ok(ExitCode::from(1))
        }
    }
}
