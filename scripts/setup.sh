#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh machine.
# Idempotent: every step is skipped when what it installs is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

# Rust wasm target (stable toolchain).
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli at exactly the version Cargo.lock pins for the wasm-bindgen crate.
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  log "installing wasm-bindgen-cli $want (found: ${have:-none}); takes ≈ 2.5 minutes on 2 cores"
  # --locked fails here (its lock file names a webpki-roots the registry does not serve),
  # so resolve against what the registry serves; the CLI version itself is exact.
  cargo install wasm-bindgen-cli --version "=$want" --force
fi

# cargo-fuzz for the fuzz smoke runs (the nightly toolchain is on these machines).
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  log "installing cargo-fuzz (≈ 30 s on 2 cores)"
  cargo install cargo-fuzz --locked
fi

# Debian's Chromium for the extension demo and the browser tests (tests/browser/run.sh adds
# Firefox ESR and geckodriver for the tests).
if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium and chromium-driver from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# Node packages (exact versions from package-lock.json).
if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "npm ci"
    npm ci --no-audit --no-fund
  fi
fi

# Python packages for differential tests, in a project-local virtualenv.
if [ -f tests/requirements.txt ]; then
  if [ ! -x .venv/bin/python ] || ! cmp -s tests/requirements.txt .venv/requirements.installed; then
    log "installing tests/requirements.txt into .venv"
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install --quiet -r tests/requirements.txt
    cp tests/requirements.txt .venv/requirements.installed
  fi
fi
