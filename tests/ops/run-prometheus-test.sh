#!/usr/bin/env bash
# ops-probe's Prometheus API source against a real Prometheus (Debian's `prometheus` package).
#
# For each scenario below: the fixture's batches become cumulative counters in OpenMetrics
# (`ops-probe export-openmetrics`, timestamps moved to the last hours so they sit inside the
# retention), `promtool tsdb create-blocks-from openmetrics` backfills them into a fresh storage
# directory, a Prometheus serves that directory on a loopback port (own config, own storage, never
# the system service), and `ops-probe evaluate --prometheus` must report exactly what
# `ops-probe evaluate --telemetry FILES` reports on the same fixture: the same alerts in the same
# states and severities, the same level and exit code. A second run with the same state file must
# add nothing (idempotent). Prometheus is stopped and its directory removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

PROBE=${OPS_PROBE:-target/debug/ops-probe}
if [ ! -x "$PROBE" ]; then scripts/build-debug-bins; fi
if [ ! -x /usr/bin/prometheus ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus
fi

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

T0=1800000000 # "now" of the scenarios (tests/ops/make_fixtures.py)
now=$(( $(date +%s) / 60 * 60 - 3600 ))
shift_s=$(( now - T0 ))
failures=0

for scenario in error_rate_2_1_percent_5_minutes error_rate_1_9_percent cdn_outage memory_p95_above_100mb \
                detection_failures_single_module slo_report_burn_15x mass_false_positives healthy; do
  dir=tests/ops/scenarios/$scenario
  files=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["runs"][0]["telemetry"]))' "$dir/scenario.json")
  d=$work/$scenario
  mkdir -p "$d"
  args=()
  for f in $files; do args+=(--telemetry "$dir/$f"); done
  "$PROBE" export-openmetrics "${args[@]}" --shift "$shift_s" --out "$d/data.om"
  promtool tsdb create-blocks-from openmetrics "$d/data.om" "$d/tsdb" > "$d/backfill.log"
  printf 'global:\n  scrape_interval: 1m\n  evaluation_interval: 1m\n' > "$d/prometheus.yml"
  port=$(free_port)
  prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/tsdb" \
    --web.listen-address="127.0.0.1:$port" --storage.tsdb.retention.time=30d > "$d/prometheus.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    if curl -sf "http://127.0.0.1:$port/-/ready" > /dev/null; then break; fi
    sleep 0.1
  done
  curl -sf "http://127.0.0.1:$port/-/ready" > /dev/null || { cat "$d/prometheus.log"; exit 1; }

  set +e
  "$PROBE" evaluate "${args[@]}" --now "$T0" --format json > "$d/files.json"
  want=$?
  "$PROBE" evaluate --prometheus "http://127.0.0.1:$port" --now "$now" --state "$d/state.json" --format json > "$d/prom.json"
  got=$?
  "$PROBE" evaluate --prometheus "http://127.0.0.1:$port" --now "$now" --state "$d/state.json" --format json > "$d/prom2.json"
  again=$?
  set -e
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

  if python3 - "$d/files.json" "$d/prom.json" "$d/prom2.json" "$want" "$got" "$again" <<'EOF'
import json, sys
f, p, p2 = (json.load(open(x)) for x in sys.argv[1:4])
want, got, again = sys.argv[4:7]
def active(d):
    return sorted((a["name"], a["state"], a["severity"]) for a in d["alerts"] if a["state"] != "inactive")
problems = []
if want != got or got != again:
    problems.append(f"exit codes: files {want}, prometheus {got}, again {again}")
if active(f) != active(p):
    problems.append(f"alerts differ:\n  files      {active(f)}\n  prometheus {active(p)}")
if f["level"]["recommended"] != p["level"]["recommended"]:
    problems.append(f"level: files {f['level']['recommended']}, prometheus {p['level']['recommended']}")
if p["telemetry"]["ingest"]["new"] < 1 or p["telemetry"]["malformed"]:
    problems.append(f"prometheus source: {p['telemetry']['ingest']} malformed {p['telemetry']['malformed'][:3]}")
if p2["telemetry"]["ingest"]["new"] != 0 or active(p2) != active(p):
    problems.append(f"second run not idempotent: {p2['telemetry']['ingest']}")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"exit {got}, {len(active(p))} active alert(s), level {p['level']['recommended']}, "
      f"{p['telemetry']['ingest']['new']} batches from Prometheus")
EOF
  then
    echo "ok   $scenario"
  else
    echo "FAIL $scenario"
    failures=$((failures + 1))
  fi
done

if [ "$failures" -ne 0 ]; then
  echo "$failures scenario(s) differ between the Prometheus and the file source"
  exit 1
fi
echo "Prometheus source agrees with the file source on every scenario"
