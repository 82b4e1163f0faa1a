//! `ferretwatch scan` and `ferretwatch features` (being built).

use std::process::ExitCode;

/// `ferretwatch scan` arguments.
#[derive(clap::Args, Debug)]
pub struct ScanArgs {}

/// `ferretwatch features` arguments.
#[derive(clap::Args, Debug)]
pub struct FeaturesArgs {}

/// Runs `scan`.
pub fn run(_a: ScanArgs) -> anyhow::Result<ExitCode> {
    let _ = crate::extract::extract("", "");
    anyhow::bail!("not built yet")
}

/// Runs `features`.
pub fn features(_a: FeaturesArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
