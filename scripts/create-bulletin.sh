#!/usr/bin/env bash
# Runbook: broadcast a signed bulletin. Writes CDN/bulletins/<id>.json, signed with every key in
# $FERRETWATCH_SIGN_KEYS (or --key, repeatable).
#   scripts/create-bulletin.sh --severity critical --message "Critical phishing campaign detected"
#       [--id ID] [--scope DOMAIN]... [--brand NAME]... [--ttl-hours N] [--cdn DIR] [--key K.key]...
set -euo pipefail
# shellcheck source=lib/runbook.sh
source "$(dirname "$0")/lib/runbook.sh"
id="BULLETIN-$(date -u +%Y%m%d%H%M%S)"; cdn=${FERRETWATCH_CDN:-dist/cdn}; args=(); keys=0
while [ $# -gt 0 ]; do
  case "$1" in
    --id) id=$2; shift 2 ;;
    --cdn) cdn=$2; shift 2 ;;
    --key) args+=(--key "$2"); keys=1; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ "$keys" = 0 ]; then for k in ${FERRETWATCH_SIGN_KEYS:-}; do args+=(--key "$k"); done; fi
mkdir -p "$cdn/bulletins"
fw bulletin create --id "$id" --out "$cdn/bulletins/$id.json" "${args[@]}"
