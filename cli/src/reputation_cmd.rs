//! `ferretwatch reputation compile`: turns a text indicator list into the compact `.fwrep` form.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use ferretwatch_core::pack::parse_reputation;
use ferretwatch_core::reputation::FingerprintSet;

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
    }
}
