#!/usr/bin/env bash
# Runs the collector's HTTP tests against a real PostgreSQL on loopback.
# Installs Debian's `postgresql` only when no server binaries are present, initdb's a throw-away
# cluster in a temp dir (as the `postgres` user when run as root), starts it on 127.0.0.1:PORT,
# runs the tests (each creates its own database), stops the server and removes the cluster.
# Usage: tests/collector/run-postgres-test.sh   (env PG_TEST_PORT, default 54329)
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
port=${PG_TEST_PORT:-54329}
dir=$(mktemp -d /tmp/fw-collector-pg.XXXXXX)
as=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
stop() {
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
"${as[@]}" "$bin/initdb" -D "$dir/data" -U fw --auth=trust -E UTF8 >/dev/null
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=50" start >/dev/null
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
export FERRETWATCH_COLLECTOR_TEST_PG="postgres://fw@127.0.0.1:$port"
# (--workspace: the features `cargo test --workspace` resolved, so its build is reused)
cargo test --workspace --test intake --test telemetry --test admin --test crash --test replicas
