#!/usr/bin/env bash
# Runbook: download the threat-intel feeds into a directory and list them as FORMAT:FILE lines
# (feeds.txt) for build-rule-pack.sh. A feed that fails is reported and skipped; exit 1 if all fail.
#   scripts/fetch-threat-intel.sh [--out dist/intel] [--feeds FILE]
# --feeds: lines "NAME FORMAT URL" (default: the public feeds below). MetaMask's list comes from the
# npm registry (package eth-phishing-detect, src/config.json).
set -euo pipefail
# shellcheck source=lib/runbook.sh
source "$(dirname "$0")/lib/runbook.sh"
out=dist/intel; feeds=
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --feeds) feeds=$2; shift 2 ;;
    *) die "unknown argument $1 (see the header of this script)" ;;
  esac
done
mkdir -p "$out"
default_feeds='urlhaus urlhaus https://urlhaus.abuse.ch/downloads/csv_recent/
phishtank phishtank-csv https://data.phishtank.com/data/online-valid.csv
feodo feodo https://feodotracker.abuse.ch/downloads/ipblocklist.csv
metamask metamask npm:eth-phishing-detect'
list=$default_feeds; [ -n "$feeds" ] && list=$(cat "$feeds")
: > "$out/feeds.txt.tmp"; ok=0; failed=0
while read -r name format url; do
  [ -z "$name" ] || [ "${name#\#}" != "$name" ] && continue
  dest="$out/$name.data"
  if [ "${url#npm:}" != "$url" ]; then
    tmp=$(mktemp -d)
    if (cd "$tmp" && npm pack --silent "${url#npm:}" >/dev/null 2>&1 && tar xzf ./*.tgz package/src/config.json) ; then
      cp "$tmp/package/src/config.json" "$dest.tmp"
    else rm -f "$dest.tmp"; fi
    rm -rf "$tmp"
  else
    curl -fsSL --max-time 120 --max-filesize 200000000 -o "$dest.tmp" "$url" || rm -f "$dest.tmp"
  fi
  if [ -s "$dest.tmp" ]; then
    mv "$dest.tmp" "$dest"; echo "$format:$dest" >> "$out/feeds.txt.tmp"; ok=$((ok+1))
    echo "fetched $name ($(wc -c < "$dest") bytes)"
  else
    echo "FAILED to fetch $name from $url" >&2; failed=$((failed+1))
  fi
done <<< "$list"
mv "$out/feeds.txt.tmp" "$out/feeds.txt"
echo "$ok feed(s) fetched, $failed failed; list in $out/feeds.txt"
[ "$ok" -gt 0 ]
