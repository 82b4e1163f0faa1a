//! `ferretwatch intel import` and the feed → pack-artifact conversion that `pack build --intel`
//! uses ([`pack_artifacts`]).
//!
//! `intel import --format FORMAT FILE... [--out DIR] [--json]` parses, normalizes and
//! deduplicates the feed (see `ferretwatch_core::intel`), then writes under `DIR`:
//! `reputation/<source>-<kind>.txt` (small lists) or `.fwrep`, `reputation/<source>.fwmm`
//! (MetaMask), and the provenance record `intel/<source>.json`. Without `--out` nothing is
//! written (a dry run). Each file is written to a temporary name and renamed into place.
//!
//! `--json` prints one object: the provenance record (`source`, `format`, `fetched_at`,
//! `expires_at`, `ttl_hours`, `licence`, `indicators`, `by_kind`, `skipped`, `filtered`,
//! `duplicates`, `files`, `metamask`?) plus `artifacts` (`[{path, kind, indicators, bytes}]`),
//! `warnings` (`[{file, line, message}]`, the first 1,000), `out` (the directory or `null`).
//!
//! Exit codes: 0 imported (skipped lines are reported as warnings); 1 imported but lines were
//! skipped and `--strict` was given (the artifacts are still written); 2 bad usage, an unreadable
//! file, or a file that is not the format at all (nothing written).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use ferretwatch_core::intel::{self, FORMATS, Format, Import, ImportOptions, time};

/// `ferretwatch intel` subcommands.
#[derive(Subcommand, Debug)]
pub enum IntelCommand {
    /// Import threat-intel feed files as pack artifacts.
    Import(ImportArgs),
    /// List the formats with their default source name, licence and lifetime.
    Formats {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
}

/// `ferretwatch intel import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Feed format: urlhaus, phishtank-csv, phishtank-json, feodo, metamask, hosts.
    #[arg(long, value_parser = parse_format)]
    format: Format,
    /// Feed files (several files of one format make one source; metamask takes one).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Pack directory to write the artifacts into (nothing is written without it).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    /// Source name shown in findings (default: the feed's name, e.g. `urlhaus`).
    #[arg(long)]
    source: Option<String>,
    /// Fetch time, RFC 3339 or Unix seconds (default: $SOURCE_DATE_EPOCH, else now).
    #[arg(long)]
    fetched_at: Option<String>,
    /// Lifetime of the indicators in hours (default per feed: urlhaus 72, phishtank 48, feodo
    /// and metamask 168, hosts 720).
    #[arg(long)]
    ttl_hours: Option<u64>,
    /// Licence text to record (default per feed).
    #[arg(long)]
    licence: Option<String>,
    /// hosts only: store registrable domains (eTLD+1) instead of hosts.
    #[arg(long)]
    as_domains: bool,
    /// Exit 1 when any line was skipped.
    #[arg(long)]
    strict: bool,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s).ok_or_else(|| {
        let names: Vec<&str> = FORMATS.iter().map(|f| f.name()).collect();
        format!("unknown format `{s}` (expected one of: {})", names.join(", "))
    })
}

/// Largest feed file read.
const MAX_FEED_BYTES: u64 = 1 << 30;

fn read_feed(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read feed file {}", path.display()))?;
    if meta.len() > MAX_FEED_BYTES {
        bail!("feed file {} is {} bytes, more than the limit of {MAX_FEED_BYTES}", path.display(), meta.len());
    }
    std::fs::read(path).with_context(|| format!("cannot read feed file {}", path.display()))
}

/// The fetch time: the option (RFC 3339 or Unix seconds), else `$SOURCE_DATE_EPOCH`, else now.
fn fetch_time(opt: Option<&str>) -> Result<u64> {
    let parse = |s: &str| s.trim().parse::<u64>().ok().or_else(|| time::parse_rfc3339(s));
    if let Some(s) = opt {
        return parse(s).with_context(|| {
            format!("--fetched-at `{s}` is neither RFC 3339 (2026-11-25T01:00:00Z) nor Unix seconds")
        });
    }
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
        return parse(&s).with_context(|| format!("SOURCE_DATE_EPOCH `{s}` is not Unix seconds"));
    }
    Ok(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0))
}

fn run_import(format: Format, paths: &[PathBuf], opts: &ImportOptions) -> Result<Import> {
    let mut contents = Vec::with_capacity(paths.len());
    for p in paths {
        contents.push((p.display().to_string(), read_feed(p)?));
    }
    let files: Vec<(&str, &[u8])> = contents.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    Ok(intel::import(format, &files, opts)?)
}

/// Writes the artifacts under `dir`, each through a temporary file renamed into place.
fn write_artifacts(dir: &Path, artifacts: &[(String, Vec<u8>)]) -> Result<()> {
    for (rel, bytes) in artifacts {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let tmp = path.with_extension("partial");
        std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Runs an `intel` subcommand.
pub fn run(cmd: IntelCommand) -> Result<ExitCode> {
    match cmd {
        IntelCommand::Formats { json } => {
            let rows: Vec<_> = FORMATS
                .iter()
                .map(|f| {
                    serde_json::json!({"format": f.name(), "source": f.default_source(), "licence": f.licence(),
                        "ttl_hours": f.default_ttl_hours()})
                })
                .collect();
            if json {
                println!("{}", serde_json::Value::Array(rows));
            } else {
                for f in FORMATS {
                    println!(
                        "{:<15} source {:<10} ttl {:>4} h  {}",
                        f.name(),
                        f.default_source(),
                        f.default_ttl_hours(),
                        f.licence()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        IntelCommand::Import(a) => {
            let opts = ImportOptions {
                source: a.source.clone(),
                fetched_at: fetch_time(a.fetched_at.as_deref())?,
                ttl_hours: a.ttl_hours,
                licence: a.licence.clone(),
                as_domains: a.as_domains,
            };
            let imp = run_import(a.format, &a.files, &opts)?;
            let artifacts = imp.artifacts();
            if let Some(dir) = &a.out {
                write_artifacts(dir, &artifacts)?;
            }
            if a.json {
                let mut v = imp.provenance();
                v["artifacts"] = artifacts
                    .iter()
                    .map(|(p, b)| serde_json::json!({"path": p, "bytes": b.len()}))
                    .collect::<Vec<_>>()
                    .into();
                v["warnings"] = serde_json::to_value(&imp.warnings)?;
                v["out"] = serde_json::to_value(&a.out)?;
                println!("{v}");
            } else {
                for w in imp.warnings.iter().take(20) {
                    eprintln!("warning: {w}");
                }
                if imp.skipped > 20 {
                    eprintln!("warning: … {} more skipped", imp.skipped - 20);
                }
                println!(
                    "{}: {} indicators from {} file(s) ({} duplicates, {} filtered, {} skipped), expires {}",
                    imp.source,
                    imp.indicator_count(),
                    imp.files.len(),
                    imp.duplicates,
                    imp.filtered,
                    imp.skipped,
                    time::rfc3339(imp.expires_at)
                );
                for (p, b) in &artifacts {
                    let where_ =
                        a.out.as_ref().map_or_else(|| "(dry run)".to_string(), |d| d.join(p).display().to_string());
                    println!("  {p}: {} bytes {where_}", b.len());
                }
            }
            Ok(if a.strict && imp.skipped > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
    }
}

/// Converts one `--intel FORMAT:FILE` spec into pack artifacts: `(relative path, bytes)`, e.g.
/// `reputation/urlhaus-url.fwrep` plus a provenance file `intel/urlhaus.json`
/// (`{"source", "format", "fetched_at", "expires_at", "licence", "indicators", "skipped", …}`)
/// that `pack build` copies into the manifest. The fetch time is `$SOURCE_DATE_EPOCH` when set
/// (reproducible builds), else now. Skipped lines are reported on stderr.
#[allow(dead_code)] // called by `pack build --intel` (pack_cmd.rs)
pub fn pack_artifacts(spec: &str) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let Some((fmt, file)) = spec.split_once(':') else {
        bail!("--intel `{spec}` must be FORMAT:FILE, e.g. metamask:config.json");
    };
    let format = parse_format(fmt).map_err(anyhow::Error::msg)?;
    let opts = ImportOptions { fetched_at: fetch_time(None)?, ..ImportOptions::default() };
    let imp = run_import(format, &[PathBuf::from(file)], &opts).with_context(|| format!("--intel {spec}"))?;
    if imp.skipped > 0 {
        eprintln!("ferretwatch: --intel {spec}: skipped {} malformed line(s); first: {}", imp.skipped, imp.warnings[0]);
    }
    Ok(imp.artifacts())
}
