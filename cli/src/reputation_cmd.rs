//! `ferretwatch reputation compile`: turns a text indicator list into the compact `.fwrep` form.
//! `ferretwatch reputation delta` / `apply`: the `.fwdelta` update between two `.fwrep` versions
//! (fingerprints removed and added, SHA-256 of the base and of the result), and applying it with
//! both hashes checked. Exit codes: 0 done; 1 `apply` refused the delta (wrong base, wrong
//! result, inconsistent changes; nothing written); 2 bad usage or unreadable input.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use ferretwatch_core::pack::parse_reputation;
use ferretwatch_core::reputation::{Delta, FingerprintSet, hex, sha256};

/// `ferretwatch reputation` subcommands.
#[derive(Subcommand, Debug)]
pub enum ReputationCommand {
    /// Compile a text list (`# source:` / `# kind:` header, one indicator a line) to `.fwrep`.
    Compile {
        /// The text list.
        input: PathBuf,
        /// Where to write the compiled list.
        #[arg(long)]
        out: PathBuf,
        /// Print `{"input", "out", "source", "kind", "indicators", "bytes"}`.
        #[arg(long)]
        json: bool,
    },
    /// Make the delta that turns one compiled list into another.
    Delta {
        /// The version clients hold (`.fwrep`).
        #[arg(long)]
        base: PathBuf,
        /// The new version (`.fwrep`).
        #[arg(long)]
        new: PathBuf,
        /// Where to write the delta (`.fwdelta`).
        #[arg(long)]
        out: PathBuf,
        /// Print `{"out", "source", "kind", "removes", "adds", "result_indicators", "base_sha256",
        /// "result_sha256", "bytes", "new_bytes"}`.
        #[arg(long)]
        json: bool,
    },
    /// Apply a delta to a base list, checking the base's and the result's SHA-256.
    Apply {
        /// The base list (`.fwrep`).
        #[arg(long)]
        base: PathBuf,
        /// The delta (`.fwdelta`).
        #[arg(long)]
        delta: PathBuf,
        /// Where to write the resulting list (`.fwrep`).
        #[arg(long)]
        out: PathBuf,
        /// Print `{"out", "ok", "error"?, "indicators"?, "sha256"?}`.
        #[arg(long)]
        json: bool,
    },
}

fn read(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn write_atomic(out: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let tmp = out.with_extension("partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("cannot write {}", out.display()))
}

fn load_set(path: &std::path::Path) -> Result<FingerprintSet> {
    FingerprintSet::from_bytes(&read(path)?)
        .with_context(|| format!("{} is not a compiled list (.fwrep)", path.display()))
}

/// Runs a `reputation` subcommand.
pub fn run(cmd: ReputationCommand) -> Result<ExitCode> {
    match cmd {
        ReputationCommand::Compile { input, out, json } => {
            let text = std::fs::read_to_string(&input).with_context(|| format!("cannot read {}", input.display()))?;
            let name = input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let list = parse_reputation(&name, &text)?;
            let set = FingerprintSet::from_list(&list);
            let bytes = set.to_bytes();
            let tmp = out.with_extension("fwrep.tmp");
            std::fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, &out).with_context(|| format!("cannot write {}", out.display()))?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"input": input, "out": out, "source": set.source, "kind": set.kind,
                        "indicators": set.len(), "bytes": bytes.len()})
                );
            } else {
                println!("{}: {} indicators from {} ({} bytes)", out.display(), set.len(), set.source, bytes.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        ReputationCommand::Delta { base, new, out, json } => {
            let (b, n) = (load_set(&base)?, load_set(&new)?);
            if b.kind != n.kind {
                anyhow::bail!(
                    "{} holds {:?} indicators but {} holds {:?}",
                    base.display(),
                    b.kind,
                    new.display(),
                    n.kind
                );
            }
            let delta = Delta::between(&b, &n);
            let bytes = delta.to_bytes();
            write_atomic(&out, &bytes)?;
            let new_bytes = n.to_bytes().len();
            if json {
                println!(
                    "{}",
                    serde_json::json!({"out": out, "source": delta.source, "kind": delta.kind,
                        "removes": delta.removes.len(), "adds": delta.adds.len(), "result_indicators": delta.result_len,
                        "base_sha256": hex(&delta.base_sha256), "result_sha256": hex(&delta.result_sha256),
                        "bytes": bytes.len(), "new_bytes": new_bytes})
                );
            } else {
                println!(
                    "{}: -{} +{} fingerprints, {} bytes (the full list is {new_bytes} bytes)",
                    out.display(),
                    delta.removes.len(),
                    delta.adds.len(),
                    bytes.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ReputationCommand::Apply { base, delta, out, json } => {
            let base_bytes = read(&base)?;
            let d = Delta::from_bytes(&read(&delta)?)
                .with_context(|| format!("{} is not a delta (.fwdelta)", delta.display()))?;
            match d.apply(&base_bytes) {
                Ok(set) => {
                    let bytes = set.to_bytes();
                    write_atomic(&out, &bytes)?;
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({"out": out, "ok": true, "indicators": set.len(), "sha256": hex(&sha256(&bytes))})
                        );
                    } else {
                        println!("{}: {} indicators, sha256 {}", out.display(), set.len(), hex(&sha256(&bytes)));
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    if json {
                        println!("{}", serde_json::json!({"out": out, "ok": false, "error": e.to_string()}));
                    } else {
                        eprintln!("ferretwatch: {}: refused: {e}", delta.display());
                    }
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
