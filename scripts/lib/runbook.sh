# Shared start of the rule-pack runbook scripts (sourced, not run).
# Sets $root (the checkout) and $FERRETWATCH (the binary: $FERRETWATCH if set, else a debug build
# of this checkout), and defines fw (runs it) and die (message on stderr, exit 2).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -z "${FERRETWATCH:-}" ]; then
  cargo build -q --manifest-path "$root/Cargo.toml" -p ferretwatch-cli >&2
  FERRETWATCH="$root/target/debug/ferretwatch"
fi
fw() { "$FERRETWATCH" "$@"; }
die() { echo "$(basename "$0"): $*" >&2; exit 2; }
