//! `ferretwatch intel import` and the feed → pack-artifact conversion (being built).

use std::process::ExitCode;

use clap::Subcommand;

/// `ferretwatch intel` subcommands.
#[derive(Subcommand, Debug)]
pub enum IntelCommand {}

/// Runs an `intel` subcommand.
pub fn run(cmd: IntelCommand) -> anyhow::Result<ExitCode> {
    match cmd {}
}

/// Converts one `--intel FORMAT:FILE` spec into pack artifacts: `(relative path, bytes)`, e.g.
/// `reputation/urlhaus-hosts.fwrep` plus a provenance file `intel/urlhaus.json`
/// (`{"source", "format", "fetched_at", "licence", "indicators"}`) that `pack build` copies into
/// the manifest.
pub fn pack_artifacts(spec: &str) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    anyhow::bail!("intel import is not built yet ({spec})")
}
