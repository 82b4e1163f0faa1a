#!/usr/bin/env bash
# Runbook: verify what the CDN serves (manifest, every artifact by its sha256 name) and any pack
# directories given, as a client that trusts $FERRETWATCH_TRUST (or --trust KEY.pub ...) would.
#   scripts/verify-rule-packs.sh [--cdn DIR] [--trust KEY.pub]... [PACK...]
# Exit 0 only if everything verifies.
set -euo pipefail
# shellcheck source=lib/runbook.sh
source "$(dirname "$0")/lib/runbook.sh"
cdn=${FERRETWATCH_CDN:-dist/cdn}; trust=(); packs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cdn) cdn=$2; shift 2 ;;
    --trust|--root) trust+=("$1" "$2"); shift 2 ;;
    *) packs+=("$1"); shift ;;
  esac
done
if [ ${#trust[@]} -eq 0 ]; then
  [ -n "${FERRETWATCH_TRUST:-}" ] || die "give --trust KEY.pub or set FERRETWATCH_TRUST"
  for k in $FERRETWATCH_TRUST; do trust+=(--trust "$k"); done
fi
status=0
if [ -f "$cdn/manifest.json" ]; then
  fw pack verify "$cdn" --cdn "${trust[@]}" || status=1
fi
for p in "${packs[@]}"; do fw pack verify "$p" "${trust[@]}" || status=1; done
exit $status
