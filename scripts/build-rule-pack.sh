#!/usr/bin/env bash
# Runbook: build an unsigned rule pack from the default sources plus the fetched feeds.
#   scripts/build-rule-pack.sh --version $(date +%Y.%m.%d.%H) [--out dist/pack] [--source DIR]
#       [--feeds dist/intel/feeds.txt] [other `ferretwatch pack build` options]
set -euo pipefail
# shellcheck source=lib/runbook.sh
source "$(dirname "$0")/lib/runbook.sh"
out=dist/pack; feeds=dist/intel/feeds.txt; args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --feeds) feeds=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
intel=()
if [ -f "$feeds" ]; then
  while read -r spec; do [ -n "$spec" ] && intel+=(--intel "$spec"); done < "$feeds"
fi
fw pack build --out "$out" --force "${intel[@]}" "${args[@]}"
