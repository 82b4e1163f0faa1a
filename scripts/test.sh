#!/usr/bin/env bash
# Runs every test of the project. Installs what it needs first (scripts/setup.sh).
# Used by README.md and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
step() { printf '\n=== %s ===\n' "$*"; }
t0=$(date +%s)

step "setup"
scripts/setup.sh

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings

step "Rust tests (native)"
cargo test --workspace

step "wasm build"
scripts/build-wasm

step "node tests (wasm engine, JS helpers)"
node --test tests/node/

step "browser end-to-end (Chromium, Firefox ESR)"
tests/browser/run.sh

if [ -f tests/yara_diff/run.py ]; then
  step "YARA differential test against yara-python"
  .venv/bin/python tests/yara_diff/run.py --bin target/debug/ferretwatch
fi

step "default pack rules against the corpus with real YARA"
.venv/bin/python tests/corpus/check_rules_with_yara.py

step "fuzz smoke runs (${FUZZ_SECONDS:=20} s per target)"
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^ferretwatch-fuzz$')
(cd fuzz && cargo +nightly fuzz build)
for t in $targets; do
  (cd fuzz && cargo +nightly fuzz run "$t" -- -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 2>&1 | tail -n 2)
done

step "done in $(( $(date +%s) - t0 )) s"
