#!/usr/bin/env bash
# Runbook: test a pack against the labelled corpus (precision, recall, false-positive rate, latency
# per signal); exit 1 below the thresholds.
#   scripts/test-rule-pack.sh PACK [CORPUS=tests/corpus] [--min-precision X] [--min-recall X]
#       [--max-fpr X] [--max-p95-ms X] [--json]
set -euo pipefail
# shellcheck source=lib/runbook.sh
source "$(dirname "$0")/lib/runbook.sh"
[ $# -ge 1 ] || die "usage: test-rule-pack.sh PACK [CORPUS] [options]"
pack=$1; shift
corpus="$root/tests/corpus"
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then corpus=$1; shift; fi
fw pack test "$pack" "$corpus" "$@"
