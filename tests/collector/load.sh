#!/usr/bin/env bash
# Load benchmark of the collector with SQLite (docs/BENCHMARKS.md "Collector").
# wrk (Debian's, installed when absent) on loopback posts reports with unique idempotency keys;
# afterwards the stored count is compared with the acknowledged (201) count.
# Usage: tests/collector/load.sh [SECONDS] [CONNECTIONS] [--release]   (COLLECTOR_DB=postgres://… for PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
conns=${2:-16}
profile=debug
if [ "${3:-}" = "--release" ]; then profile=release; fi
if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
if [ "$profile" = release ]; then
  cargo build -q --release -p ferretwatch-collector
else
  scripts/build-debug-bins
fi
bin=${CARGO_TARGET_DIR:-target}/$profile/ferretwatch-collector
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$bin" --listen 127.0.0.1:0 --db "${COLLECTOR_DB:-sqlite:$dir/load.db}" --ip-limit off --install-limit off 2>"$dir/log" &
pid=$!
for _ in $(seq 50); do grep -q listening "$dir/log" && break; sleep 0.1; done
addr=$(sed -n 's/.*http:\/\///p' "$dir/log" | head -1)
echo "collector ($profile) on $addr; wrk: 2 threads, $conns connections, $secs s"
out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -s tests/collector/report.lua "http://$addr" -- "$$")
echo "$out" | grep -E "Requests/sec|Latency|99%|ACKED"
sleep 1
acked=$(echo "$out" | sed -n 's/^ACKED \([0-9]*\).*/\1/p')
stored=$(curl -s "http://$addr/health" | sed -n 's/.*"reports":\([0-9]*\).*/\1/p')
p99=$(echo "$out" | sed -n 's/.*P99_MS \([0-9.]*\).*/\1/p')
secs_run=$(echo "$out" | sed -n 's/.*SECONDS \([0-9.]*\).*/\1/p')
rate=$(awk -v a="$acked" -v s="$secs_run" 'BEGIN { printf "%.0f", a / s }')
echo "acknowledged $acked, stored $stored, accepted reports/s $rate, p99 ${p99} ms"
# wrk stops at the deadline without reading the answers in flight: those reports are stored
# (acknowledged to nobody), at most one per connection. Every acknowledged one must be stored.
if [ "$stored" -lt "$acked" ] || [ "$stored" -gt $((acked + conns)) ]; then
  echo "FAIL: stored $stored vs acknowledged $acked" >&2; exit 1
fi
awk -v r="$rate" -v p="$p99" 'BEGIN { if (r >= 5000 && p < 50) print "PASS: >= 5000 reports/s and p99 < 50 ms"; else print "WARN: below the target (>= 5000 reports/s, p99 < 50 ms); is the machine busy?" }'
kill "$pid"; wait "$pid" 2>/dev/null || true
