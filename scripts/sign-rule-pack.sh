#!/usr/bin/env bash
# Runbook: add one signature to a pack (each of the two signers runs this with their own key).
#   scripts/sign-rule-pack.sh PACK --key NAME.key
# Without --key, signs with every key in $FERRETWATCH_SIGN_KEYS (space-separated; for test setups).
set -euo pipefail
# shellcheck source=lib/runbook.sh
source "$(dirname "$0")/lib/runbook.sh"
[ $# -ge 1 ] || die "usage: sign-rule-pack.sh PACK --key NAME.key"
pack=$1; shift
if [ $# -gt 0 ]; then fw pack sign "$pack" "$@"; exit; fi
[ -n "${FERRETWATCH_SIGN_KEYS:-}" ] || die "give --key NAME.key (or set FERRETWATCH_SIGN_KEYS)"
for k in $FERRETWATCH_SIGN_KEYS; do fw pack sign "$pack" --key "$k"; done
