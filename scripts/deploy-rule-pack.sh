#!/usr/bin/env bash
# Runbook: verify a signed pack and publish it to the CDN directory: artifacts under
# artifacts/<sha256> (cache-busting, immutable), an archive under packs/<version>/ (for rollbacks),
# keys.json, and manifest.json written last.
#   scripts/deploy-rule-pack.sh PACK [--cdn DIR] [--trust KEY.pub]...
# Defaults: --cdn $FERRETWATCH_CDN or dist/cdn; trust $FERRETWATCH_TRUST (space-separated .pub files).
set -euo pipefail
# shellcheck source=lib/runbook.sh
source "$(dirname "$0")/lib/runbook.sh"
[ $# -ge 1 ] || die "usage: deploy-rule-pack.sh PACK [--cdn DIR] [--trust KEY.pub]..."
pack=$1; shift
cdn=${FERRETWATCH_CDN:-dist/cdn}; trust=(); rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cdn) cdn=$2; shift 2 ;;
    --trust|--root) trust+=("$1" "$2"); shift 2 ;;
    *) rest+=("$1"); shift ;;
  esac
done
if [ ${#trust[@]} -eq 0 ]; then
  [ -n "${FERRETWATCH_TRUST:-}" ] || die "give --trust KEY.pub (twice for the two-person rule) or set FERRETWATCH_TRUST"
  for k in $FERRETWATCH_TRUST; do trust+=(--trust "$k"); done
fi
fw pack deploy "$pack" --cdn "$cdn" "${trust[@]}" "${rest[@]}"
