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
rm -rf artifacts/e2e-telemetry
tests/browser/run.sh

step "ops-probe on the telemetry of the browser run (fails on P1/P2 or when the probe cannot work)"
scripts/build-debug-bins # (a no-op after `cargo test --workspace`)
code=0
target/debug/ops-probe evaluate --telemetry artifacts/e2e-telemetry --now latest --format markdown || code=$?
[ "$code" -le 1 ] || { echo "ops-probe exit $code: P1/P2 or probe failure" >&2; exit 1; }

step "ops-probe: Prometheus source against a real Prometheus"
tests/ops/run-prometheus-test.sh

step "collector against PostgreSQL (Debian's postgresql on loopback)"
tests/collector/run-postgres-test.sh

step "collector load smoke (wrk; fails if an acknowledged report is missing)"
tests/collector/load.sh 5 16

step "YARA differential test against yara-python"
.venv/bin/python tests/yara_diff/run.py --bin target/debug/ferretwatch

step "default pack rules against the corpus with real YARA"
.venv/bin/python tests/corpus/check_rules_with_yara.py

step "fuzz smoke runs (${FUZZ_SECONDS:=10} s per target)"
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^ferretwatch-fuzz$')
(cd fuzz && cargo +nightly fuzz build)
for t in $targets; do
  (cd fuzz && cargo +nightly fuzz run "$t" -- -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 2>&1 | tail -n 2)
done

step "done in $(( $(date +%s) - t0 )) s"
