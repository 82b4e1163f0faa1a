#!/usr/bin/env bash
# Runbook: validate a built pack: manifest well-formed and fresh, every artifact present with the
# listed size and sha256, no stray files, and the pack loads into the engine. It runs before
# signing, so signatures are checked only when trusted keys are given (--trust KEY.pub ...).
#   scripts/validate-rule-pack.sh PACK [--trust KEY.pub]...
set -euo pipefail
# shellcheck source=lib/runbook.sh
source "$(dirname "$0")/lib/runbook.sh"
[ $# -ge 1 ] || die "usage: validate-rule-pack.sh PACK [--trust KEY.pub]..."
pack=$1; shift
trust=("$@")
fw pack inspect "$pack"
if [ ${#trust[@]} -eq 0 ]; then
  fw pack verify "$pack" --skip-signatures
else
  fw pack verify "$pack" "${trust[@]}"
fi
