//! `ferretwatch yara ...` (being built).

use std::process::ExitCode;

use clap::Subcommand;

/// `ferretwatch yara` subcommands.
#[derive(Subcommand, Debug)]
pub enum YaraCommand {
    /// Scan files with a rules file.
    Scan {
        /// The rules file.
        rules: std::path::PathBuf,
        /// Files to scan.
        inputs: Vec<std::path::PathBuf>,
        /// One JSON line per input: {"input", "matches": [rule names, sorted]}.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `yara` subcommand.
pub fn run(_cmd: YaraCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
