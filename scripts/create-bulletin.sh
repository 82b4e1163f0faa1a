#!/usr/bin/env bash
# Runbook: broadcast a signed bulletin. Writes CDN/bulletins/<id>.json, signed with every key in
# $FERRETWATCH_SIGN_KEYS (or --key, repeatable), and rewrites CDN/bulletins/index.json (the ids
# the extension pulls, {"bulletins": [...]}).
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
# The index clients read to find the bulletins (an unsigned list of ids; each bulletin is signed).
python3 - "$cdn/bulletins" <<'PY'
import json, os, sys
d = sys.argv[1]
ids = sorted(f[:-5] for f in os.listdir(d) if f.endswith('.json') and f != 'index.json')
tmp = os.path.join(d, '.index.json.tmp')
with open(tmp, 'w') as f:
    json.dump({'bulletins': ids}, f)
os.replace(tmp, os.path.join(d, 'index.json'))
PY
