#!/usr/bin/env bash
# Runbook: rapid deployment of one new YARA rule for a critical threat: copies the pack sources,
# adds the rule as rules/emergency-<rule-id>.yar, builds a pack versioned by the current UTC time,
# tests it on the corpus, signs it with $FERRETWATCH_SIGN_KEYS (two keys), verifies and deploys it.
#   scripts/emergency-rule-deploy.sh --rule-id PHISH-2025-001 --severity critical --rule-file FILE
#       [--source DIR] [--cdn DIR] [--skip-test]
# Without FERRETWATCH_SIGN_KEYS it stops after the build and prints the signing commands.
set -euo pipefail
# shellcheck source=lib/runbook.sh
source "$(dirname "$0")/lib/runbook.sh"
id=; severity=; rule=; source="$root/packs/default"; cdn=${FERRETWATCH_CDN:-dist/cdn}; skip_test=
while [ $# -gt 0 ]; do
  case "$1" in
    --rule-id) id=$2; shift 2 ;;
    --severity) severity=$2; shift 2 ;;
    --rule-file) rule=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    --cdn) cdn=$2; shift 2 ;;
    --skip-test) skip_test=1; shift ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -n "$id" ] && [ -n "$rule" ] || die "usage: emergency-rule-deploy.sh --rule-id ID --severity S --rule-file FILE"
case "$severity" in low|medium|high|critical) ;; *) die "--severity must be low, medium, high or critical" ;; esac
case "$id" in *[!A-Za-z0-9._-]*) die "--rule-id may use A-Z a-z 0-9 . _ - only" ;; esac
[ -f "$rule" ] || die "no rule file $rule"
version=$(date -u +%Y.%m.%d.%H%M%S)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp -R "$source" "$work/src"
cp "$rule" "$work/src/rules/emergency-$id.yar"
out="dist/emergency-$version"
echo "emergency $severity rule $id -> pack $version"
fw pack build --source "$work/src" --out "$out" --version "$version" --force
[ -n "$skip_test" ] || fw pack test "$out" "$root/tests/corpus"
if [ -z "${FERRETWATCH_SIGN_KEYS:-}" ]; then
  echo "built $out; now two signers run: scripts/sign-rule-pack.sh $out --key NAME.key; then scripts/deploy-rule-pack.sh $out"
  exit 0
fi
for k in $FERRETWATCH_SIGN_KEYS; do fw pack sign "$out" --key "$k"; done
trust=(); for k in ${FERRETWATCH_TRUST:-}; do trust+=(--trust "$k"); done
[ ${#trust[@]} -gt 0 ] || die "set FERRETWATCH_TRUST to the signers' .pub files to deploy"
fw pack deploy "$out" --cdn "$cdn" "${trust[@]}"
