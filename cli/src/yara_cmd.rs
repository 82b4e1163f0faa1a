//! `ferretwatch yara scan RULES.yar INPUT... [--json]`: runs the YARA-subset engine (the same
//! code the extension runs) over files. The subset is documented in docs/yara-subset.md.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use ferretwatch_core::budget::{Budget, FrozenClock, Limits};
use ferretwatch_core::yara;

/// `ferretwatch yara` subcommands.
#[derive(Subcommand, Debug)]
pub enum YaraCommand {
    /// Scan files with a rules file (whole files, no time limit).
    #[command(after_help = "Output: without --json, one line `RULE INPUT` per matching (non-private) rule.\n\
With --json, one line per input: {\"input\": \"PATH\", \"matches\": [\"rule\", ...]} (rule names sorted).\n\n\
Exit codes:\n  0  every input was scanned (whether or not anything matched)\n  \
2  usage error, unreadable file, or a compile error (printed on stderr as `file:line:col: message`)")]
    Scan {
        /// The rules file.
        rules: PathBuf,
        /// Files to scan.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// One JSON line per input: {"input", "matches": [rule names, sorted]}.
        #[arg(long)]
        json: bool,
    },
    /// Time compile, scan and a bare aho-corasick pass (same automaton) over one input; prints
    /// one JSON line. Used by tests/yara_diff/bench.py.
    #[command(hide = true)]
    Bench {
        /// The rules file.
        rules: PathBuf,
        /// The input to scan.
        input: PathBuf,
        /// Timed repetitions (the median is reported).
        #[arg(long, default_value_t = 10)]
        iters: usize,
    },
}

/// Runs a `yara` subcommand.
pub fn run(cmd: YaraCommand) -> Result<ExitCode> {
    match cmd {
        YaraCommand::Scan { rules, inputs, json } => scan(&rules, &inputs, json),
        YaraCommand::Bench { rules, input, iters } => bench(&rules, &input, iters),
    }
}

fn scan(rules_path: &PathBuf, inputs: &[PathBuf], json: bool) -> Result<ExitCode> {
    let bytes =
        std::fs::read(rules_path).with_context(|| format!("cannot read rules file {}", rules_path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("rules file {} is not valid UTF-8", rules_path.display()))?;
    let name = rules_path.display().to_string();
    let rules = match yara::compile(&[(name.as_str(), text.as_str())], &[]) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for input in inputs {
        let data = std::fs::read(input).with_context(|| format!("cannot read input {}", input.display()))?;
        let clock = FrozenClock;
        let mut budget = Budget::start(&clock, Limits { time_us: u64::MAX, bytes: usize::MAX });
        let res = rules.scan(&data, &mut budget);
        let mut names: Vec<String> = res.matches.into_iter().map(|m| m.rule).collect();
        if json {
            names.sort();
            let line = serde_json::json!({ "input": input.display().to_string(), "matches": names });
            writeln!(out, "{line}")?;
        } else {
            for n in names {
                writeln!(out, "{n} {}", input.display())?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn median_ms(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn bench(rules_path: &PathBuf, input: &PathBuf, iters: usize) -> Result<ExitCode> {
    use std::time::Instant;
    let text = std::fs::read_to_string(rules_path).with_context(|| format!("cannot read {}", rules_path.display()))?;
    let data = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let name = rules_path.display().to_string();
    let t = Instant::now();
    let rules = match yara::compile(&[(name.as_str(), text.as_str())], &[]) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let compile_ms = t.elapsed().as_secs_f64() * 1e3;
    let iters = iters.max(1);
    let mut scan = Vec::new();
    let mut bare = Vec::new();
    let mut matched = 0;
    let mut hits = 0;
    for _ in 0..iters {
        let t = Instant::now();
        let mut budget = Budget::start(&FrozenClock, Limits { time_us: u64::MAX, bytes: usize::MAX });
        matched = rules.scan(&data, &mut budget).matches.len();
        scan.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        hits = rules.bare_automaton_pass(&data);
        bare.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let line = serde_json::json!({
        "rules": rules.len(),
        "automaton_patterns": rules.automaton_patterns(),
        "automaton_bytes": rules.automaton_memory().0,
        "automaton_kind": rules.automaton_memory().1,
        "bytes": data.len(),
        "compile_ms": compile_ms,
        "scan_ms": median_ms(scan),
        "bare_ac_ms": median_ms(bare),
        "matched_rules": matched,
        "ac_hits": hits,
    });
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}
