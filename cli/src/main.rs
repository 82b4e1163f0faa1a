//! `ferretwatch`: the native admin/CI tool. See `ferretwatch --help` and README.md.
//!
//! Exit codes: 0 success; 1 the command ran and found a problem (e.g. a verification failed);
//! 2 usage or input error (bad arguments, unreadable file, YARA compile error).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bulletin_cmd;
mod control_cmd;
mod extract;
mod intel_cmd;
mod keys_cmd;
mod pack_cmd;
mod reputation_cmd;
mod scan_cmd;
mod util;
mod yara_cmd;

/// FerretWatch admin and CI tool.
#[derive(Parser, Debug)]
#[command(name = "ferretwatch", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan pages or URLs with a rule pack and print verdicts.
    Scan(scan_cmd::ScanArgs),
    /// Extract page features from an HTML file (the JSON the engine takes).
    Features(scan_cmd::FeaturesArgs),
    /// Threat-intel feeds.
    Intel {
        #[command(subcommand)]
        command: intel_cmd::IntelCommand,
    },
    /// Reputation lists.
    Reputation {
        #[command(subcommand)]
        command: reputation_cmd::ReputationCommand,
    },
    /// YARA-subset rules.
    Yara {
        #[command(subcommand)]
        command: yara_cmd::YaraCommand,
    },
    /// Signing keys and the root-signed publisher key list.
    Keys {
        #[command(subcommand)]
        command: keys_cmd::KeysCommand,
    },
    /// Signed rule packs: build, sign, verify, inspect, diff, test, rollback, deploy.
    Pack {
        #[command(subcommand)]
        command: pack_cmd::PackCommand,
    },
    /// Signed campaign bulletins.
    Bulletin {
        #[command(subcommand)]
        command: bulletin_cmd::BulletinCommand,
    },
    /// The signed control document (fleet degradation level).
    Control {
        #[command(subcommand)]
        command: control_cmd::ControlCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(a) => scan_cmd::run(a),
        Command::Features(a) => scan_cmd::features(a),
        Command::Intel { command } => intel_cmd::run(command),
        Command::Reputation { command } => reputation_cmd::run(command),
        Command::Yara { command } => yara_cmd::run(command),
        Command::Keys { command } => keys_cmd::run(command),
        Command::Pack { command } => pack_cmd::run(command),
        Command::Bulletin { command } => bulletin_cmd::run(command),
        Command::Control { command } => control_cmd::run(command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ferretwatch: {e:#}");
            ExitCode::from(2)
        }
    }
}
