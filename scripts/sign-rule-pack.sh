#!/usr/bin/env bash
# Runbook: add one signature to a pack (each of the two signers runs this with their own key).
#   scripts/sign-rule-pack.sh PACK --key NAME.key
# Without --key, signs with every key in $FERRETWATCH_SIGN_KEYS (space-separated; for test setups).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# The ferretwatch binary: $FERRETWATCH, else a debug build of this checkout.
if [ -z "${FERRETWATCH:-}" ]; then
  cargo build -q --manifest-path "$root/Cargo.toml" -p ferretwatch-cli >&2
  FERRETWATCH="$root/target/debug/ferretwatch"
fi
fw() { "$FERRETWATCH" "$@"; }
die() { echo "$(basename "$0"): $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: sign-rule-pack.sh PACK --key NAME.key"
pack=$1; shift
if [ $# -gt 0 ]; then fw pack sign "$pack" "$@"; exit; fi
[ -n "${FERRETWATCH_SIGN_KEYS:-}" ] || die "give --key NAME.key (or set FERRETWATCH_SIGN_KEYS)"
for k in $FERRETWATCH_SIGN_KEYS; do fw pack sign "$pack" --key "$k"; done
