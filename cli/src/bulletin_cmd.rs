//! `ferretwatch bulletin`: create, sign and verify signed campaign bulletins.
//!
//! Exit codes: 0 success; 1 a verification said no; 2 usage or input error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use ferretwatch_core::signed::bulletin::{Bulletin, FrequencyCap, Severity, verify_bulletin};
use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::KeySet;
use ferretwatch_core::signed::{DEFAULT_THRESHOLD, MAX_DOCUMENT_BYTES};
use serde_json::json;

use crate::pack_cmd::{error_kind, now_unix, read_public_key, read_secret_key, write_file_atomically};

/// `ferretwatch bulletin` subcommands.
#[derive(Subcommand, Debug)]
pub enum BulletinCommand {
    /// Write a bulletin (signed with each --key given; add more with `bulletin sign`).
    Create(CreateArgs),
    /// Add one signature to a bulletin.
    Sign {
        /// The bulletin file.
        file: PathBuf,
        /// Secret key.
        #[arg(long)]
        key: PathBuf,
        /// Print `{"file", "id", "key_id", "signatures"}`.
        #[arg(long)]
        json: bool,
    },
    /// Verify a bulletin as a client would.
    Verify {
        /// The bulletin file.
        file: PathBuf,
        /// Publisher public key; repeatable.
        #[arg(long = "trust", required = true)]
        trust: Vec<PathBuf>,
        /// Signatures needed.
        #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
        threshold: usize,
        /// Client time (Unix seconds; default now).
        #[arg(long)]
        now: Option<u64>,
        /// Client extension version.
        #[arg(long, default_value = env!("CARGO_PKG_VERSION"))]
        extension_version: String,
        /// Print `{"valid": true, "bulletin": {...}}` or `{"valid": false, "kind", "error"}`.
        #[arg(long)]
        json: bool,
    },
}

/// `bulletin create` arguments.
#[derive(clap::Args, Debug)]
pub struct CreateArgs {
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    /// Bulletin id (e.g. PHISH-2025-001).
    #[arg(long)]
    id: String,
    /// low, medium, high or critical.
    #[arg(long, value_parser = ["low", "medium", "high", "critical"])]
    severity: String,
    /// Advisory text (for --locale).
    #[arg(long)]
    message: String,
    /// Locale of --message.
    #[arg(long, default_value = "en")]
    locale: String,
    /// Registrable domain where it shows; repeatable.
    #[arg(long = "scope")]
    scope: Vec<String>,
    /// Impersonated brand; repeatable.
    #[arg(long = "brand")]
    brands: Vec<String>,
    /// A safe https link; repeatable.
    #[arg(long = "safe-link")]
    safe_links: Vec<String>,
    /// Lifetime in hours (at most 720).
    #[arg(long, default_value_t = 72)]
    ttl_hours: u64,
    /// Revision of this bulletin id.
    #[arg(long, default_value_t = 1)]
    version: u32,
    /// Oldest extension version that shows it.
    #[arg(long, default_value = "0.1.0")]
    min_extension_version: String,
    /// Shown at most this many times ...
    #[arg(long, default_value_t = 3)]
    max_shows: u32,
    /// ... per this many hours.
    #[arg(long, default_value_t = 24)]
    per_hours: u32,
    /// Secret key to sign with; repeatable.
    #[arg(long = "key")]
    keys: Vec<PathBuf>,
    /// Print `{"out", "id", "expires", "signatures"}`.
    #[arg(long)]
    json: bool,
}

/// Runs a `bulletin` subcommand.
pub fn run(cmd: BulletinCommand) -> Result<ExitCode> {
    match cmd {
        BulletinCommand::Create(a) => create(a),
        BulletinCommand::Sign { file, key, json } => sign(&file, &key, json),
        BulletinCommand::Verify { file, trust, threshold, now, extension_version, json } => {
            let keys = trust.iter().map(|p| read_public_key(p)).collect::<Result<Vec<_>>>()?;
            let set = KeySet::direct(&keys, threshold.max(1));
            let bytes = crate::pack_cmd::read_capped(&file, MAX_DOCUMENT_BYTES as u64 + 1)
                .with_context(|| format!("cannot read {}", file.display()))?;
            match verify_bulletin(&bytes, &set, now.unwrap_or_else(now_unix), &extension_version) {
                Ok(b) => {
                    if json {
                        println!("{}", json!({"valid": true, "bulletin": b}));
                    } else {
                        println!("OK bulletin {} v{} ({:?}), expires {}", b.id, b.version, b.severity, b.expires());
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    if json {
                        println!("{}", json!({"valid": false, "kind": error_kind(&e), "error": e.to_string()}));
                    }
                    eprintln!("ferretwatch: {} is NOT valid: {e}", file.display());
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

fn create(a: CreateArgs) -> Result<ExitCode> {
    let severity = match a.severity.as_str() {
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        _ => Severity::Critical,
    };
    let b = Bulletin {
        format_version: 1,
        id: a.id.clone(),
        version: a.version,
        created_at: now_unix(),
        ttl: a.ttl_hours * 3600,
        severity,
        locales: vec![a.locale.clone()],
        brands: a.brands.clone(),
        scope: a.scope.iter().map(|s| s.trim().to_ascii_lowercase()).collect(),
        advisory: BTreeMap::from([(a.locale.clone(), a.message.clone())]),
        safe_links: a.safe_links.clone(),
        min_extension_version: a.min_extension_version.clone(),
        frequency_cap: FrequencyCap { max_shows: a.max_shows, per_hours: a.per_hours },
    };
    b.validate().context("the bulletin is not valid")?;
    let mut env = Envelope::unsigned(&b.to_json());
    for k in &a.keys {
        let (_, secret) = read_secret_key(k)?;
        env.sign(Domain::Bulletin, &secret);
    }
    write_file_atomically(&a.out, &env.to_json())?;
    let sigs: Vec<&str> = env.signatures.iter().map(|s| s.key_id.as_str()).collect();
    if a.json {
        println!("{}", json!({"out": a.out, "id": b.id, "expires": b.expires(), "signatures": sigs}));
    } else {
        println!(
            "bulletin {} written to {} ({} signature(s)); expires {}",
            b.id,
            a.out.display(),
            sigs.len(),
            b.expires()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn sign(file: &Path, key: &Path, json_out: bool) -> Result<ExitCode> {
    let (_, secret) = read_secret_key(key)?;
    let bytes = crate::pack_cmd::read_capped(file, MAX_DOCUMENT_BYTES as u64 + 1)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let mut env = Envelope::parse(&bytes, MAX_DOCUMENT_BYTES, "bulletin")?;
    let b: Bulletin = serde_json::from_slice(&env.payload).context("the payload is not a bulletin")?;
    b.validate()?;
    env.sign(Domain::Bulletin, &secret);
    write_file_atomically(file, &env.to_json())?;
    let sigs: Vec<&str> = env.signatures.iter().map(|s| s.key_id.as_str()).collect();
    if json_out {
        println!("{}", json!({"file": file, "id": b.id, "key_id": secret.public().id(), "signatures": sigs}));
    } else {
        println!("signed bulletin {} with {}; {} signature(s)", b.id, secret.public().id(), sigs.len());
    }
    Ok(ExitCode::SUCCESS)
}
