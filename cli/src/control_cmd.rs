//! `ferretwatch control`: the signed control document that sets the fleet's degradation level.
//!
//! Exit codes: 0 success; 1 a verification said no; 2 usage or input error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use ferretwatch_core::signed::control::{ControlDocument, verify_control};
use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::KeySet;
use ferretwatch_core::signed::{DEFAULT_THRESHOLD, MAX_DOCUMENT_BYTES};
use serde_json::json;

use crate::pack_cmd::{error_kind, now_unix, read_public_key, read_secret_key, write_file_atomically};

/// `ferretwatch control` subcommands.
#[derive(Subcommand, Debug)]
pub enum ControlCommand {
    /// Write a control document setting the degradation level (1 full … 4 minimal).
    SetLevel {
        /// Level 1–4.
        #[arg(value_parser = clap::value_parser!(u8).range(1..=4))]
        level: u8,
        /// Why (shown in logs and the popup).
        #[arg(long)]
        reason: String,
        /// Output file.
        #[arg(long, default_value = "control.json")]
        out: PathBuf,
        /// Sequence number (default: now in Unix seconds, which only goes up).
        #[arg(long)]
        sequence: Option<u64>,
        /// Hours until it expires.
        #[arg(long, default_value_t = 24)]
        expires_hours: u64,
        /// Secret key to sign with; repeatable (or add later with `control sign`).
        #[arg(long = "key")]
        keys: Vec<PathBuf>,
        /// Print `{"out", "level", "sequence", "expires", "signatures"}`.
        #[arg(long)]
        json: bool,
    },
    /// Add one signature to a control document.
    Sign {
        /// The control document.
        file: PathBuf,
        /// Secret key.
        #[arg(long)]
        key: PathBuf,
        /// Print `{"file", "key_id", "signatures"}`.
        #[arg(long)]
        json: bool,
    },
    /// Verify a control document as a client would.
    Verify {
        /// The control document.
        file: PathBuf,
        /// Publisher public key; repeatable.
        #[arg(long = "trust", required = true)]
        trust: Vec<PathBuf>,
        /// Signatures needed.
        #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
        threshold: usize,
        /// The sequence number the client last applied.
        #[arg(long, default_value_t = 0)]
        held_sequence: u64,
        /// Client time (Unix seconds; default now).
        #[arg(long)]
        now: Option<u64>,
        /// Print `{"valid": true, "level", "sequence", "reason", "expires"}` or `{"valid": false, "kind", "error"}`.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `control` subcommand.
pub fn run(cmd: ControlCommand) -> Result<ExitCode> {
    match cmd {
        ControlCommand::SetLevel { level, reason, out, sequence, expires_hours, keys, json } => {
            let now = now_unix();
            let doc = ControlDocument {
                format_version: 1,
                sequence: sequence.unwrap_or(now),
                level,
                reason: reason.clone(),
                issued_at: now,
                expires: now + expires_hours.max(1) * 3600,
            };
            doc.validate().context("the control document is not valid")?;
            let mut env = Envelope::unsigned(&doc.to_json());
            for k in &keys {
                let (_, secret) = read_secret_key(k)?;
                env.sign(Domain::Control, &secret);
            }
            write_file_atomically(&out, &env.to_json())?;
            let sigs: Vec<&str> = env.signatures.iter().map(|s| s.key_id.as_str()).collect();
            if json {
                println!(
                    "{}",
                    json!({"out": out, "level": level, "sequence": doc.sequence, "expires": doc.expires, "signatures": sigs})
                );
            } else {
                println!(
                    "control document {}: level {level} (sequence {}, expires {}), {} signature(s)",
                    out.display(),
                    doc.sequence,
                    doc.expires,
                    sigs.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ControlCommand::Sign { file, key, json } => sign(&file, &key, json),
        ControlCommand::Verify { file, trust, threshold, held_sequence, now, json } => {
            let keys = trust.iter().map(|p| read_public_key(p)).collect::<Result<Vec<_>>>()?;
            let set = KeySet::direct(&keys, threshold.max(1));
            let bytes = crate::pack_cmd::read_capped(&file, MAX_DOCUMENT_BYTES as u64 + 1)
                .with_context(|| format!("cannot read {}", file.display()))?;
            match verify_control(&bytes, &set, now.unwrap_or_else(now_unix), held_sequence) {
                Ok((doc, _)) => {
                    if json {
                        println!(
                            "{}",
                            json!({"valid": true, "level": doc.level, "sequence": doc.sequence, "reason": doc.reason, "expires": doc.expires})
                        );
                    } else {
                        println!(
                            "OK control document: level {} (sequence {}): {}",
                            doc.level, doc.sequence, doc.reason
                        );
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

fn sign(file: &Path, key: &Path, json_out: bool) -> Result<ExitCode> {
    let (_, secret) = read_secret_key(key)?;
    let bytes = crate::pack_cmd::read_capped(file, MAX_DOCUMENT_BYTES as u64 + 1)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let mut env = Envelope::parse(&bytes, MAX_DOCUMENT_BYTES, "control document")?;
    let doc: ControlDocument = serde_json::from_slice(&env.payload).context("the payload is not a control document")?;
    doc.validate()?;
    env.sign(Domain::Control, &secret);
    write_file_atomically(file, &env.to_json())?;
    let sigs: Vec<&str> = env.signatures.iter().map(|s| s.key_id.as_str()).collect();
    if json_out {
        println!("{}", json!({"file": file, "key_id": secret.public().id(), "signatures": sigs}));
    } else {
        println!("signed control document with {}; {} signature(s)", secret.public().id(), sigs.len());
    }
    Ok(ExitCode::SUCCESS)
}
