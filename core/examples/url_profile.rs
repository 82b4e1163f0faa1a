//! A URL-only check in a loop, for profilers (`valgrind --tool=callgrind`, `perf record`): loads
//! the big bench pack (`target/bench-pack`, from `benches/gen_pack.py`), takes the URLs of one kind
//! from the sample (`target/bench-src/urls.json`), and runs the decision path
//! (`Engine::check_url_decision`, what `checkUrlCompact` calls) or the full verdict
//! (`Engine::scan` + `Verdict::to_json`, what `checkUrl` calls) over them `rounds` times.
//!
//! Run: `cargo run --release -p ferretwatch-core --example url_profile -- [decision|verdict]
//! [random|benign|lookalike|reputation|all] [rounds]`; under callgrind, build with
//! `CARGO_PROFILE_RELEASE_DEBUG=line-tables-only` and start the count with
//! `--toggle-collect=url_profile::run` to leave out the pack load.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use ferretwatch_core::budget::FrozenClock;
use ferretwatch_core::{Engine, PageFeatures, Settings};

#[path = "../benches/support/pack_dir.rs"]
mod pack_dir;

#[inline(never)]
fn run(engine: &Engine, urls: &[String], verdict: bool, rounds: usize) -> usize {
    let settings = Settings::default();
    let mut n = 0;
    for _ in 0..rounds {
        for u in urls {
            if verdict {
                if let Ok(v) = engine.scan(&PageFeatures::from_url(u.as_str()), &settings, &FrozenClock) {
                    n += black_box(v.to_json()).len();
                }
            } else if let Ok(d) = engine.check_url_decision(u, &settings, &FrozenClock) {
                n += black_box(d).findings.len();
            }
        }
    }
    n
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let verdict = args.get(1).is_some_and(|a| a == "verdict");
    let kind = args.get(2).map_or("random", String::as_str);
    let rounds: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(200);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let engine = Engine::from_files(
        &pack_dir::read_pack(&root.join("target/bench-pack")).expect("bench pack is readable: run scripts/bench first"),
    )
    .expect("bench pack loads");
    let sample: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join("target/bench-src/urls.json")).expect("URL sample: run scripts/bench first"),
    )
    .expect("urls.json parses");
    let urls: Vec<String> = sample
        .as_array()
        .expect("a list")
        .iter()
        .filter(|u| kind == "all" || u["kind"] == kind)
        .filter_map(|u| u["url"].as_str().map(str::to_string))
        .collect();
    let t = Instant::now();
    let n = run(&engine, &urls, verdict, rounds);
    let per = t.elapsed().as_nanos() as f64 / (urls.len() * rounds) as f64;
    println!(
        "{} {kind}: {} URLs x {rounds}: {per:.0} ns per check ({n})",
        if verdict { "verdict" } else { "decision" },
        urls.len()
    );
}
