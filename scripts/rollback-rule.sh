#!/usr/bin/env bash
# Runbook: roll clients back to an earlier pack version. Re-issues the archived pack
# (CDN/packs/VERSION) with a signed rollback directive (clients otherwise refuse older versions),
# signs it with $FERRETWATCH_SIGN_KEYS and deploys it.
#   scripts/rollback-rule.sh --version 2025.09.24.15 [--cdn DIR] [--reason TEXT]
set -euo pipefail
# shellcheck source=lib/runbook.sh
source "$(dirname "$0")/lib/runbook.sh"
version=; cdn=${FERRETWATCH_CDN:-dist/cdn}; reason="rollback"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --cdn) cdn=$2; shift 2 ;;
    --reason) reason=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -n "$version" ] || die "usage: rollback-rule.sh --version VERSION [--cdn DIR] [--reason TEXT]"
out="dist/rollback-$version"
fw pack rollback --to "$version" --cdn "$cdn" --reason "$reason" --out "$out" --force
if [ -z "${FERRETWATCH_SIGN_KEYS:-}" ]; then
  echo "built $out; now two signers run: scripts/sign-rule-pack.sh $out --key NAME.key; then scripts/deploy-rule-pack.sh $out"
  exit 0
fi
for k in $FERRETWATCH_SIGN_KEYS; do fw pack sign "$out" --key "$k"; done
trust=(); for k in ${FERRETWATCH_TRUST:-}; do trust+=(--trust "$k"); done
[ ${#trust[@]} -gt 0 ] || die "set FERRETWATCH_TRUST to the signers' .pub files to deploy"
fw pack deploy "$out" --cdn "$cdn" "${trust[@]}"
