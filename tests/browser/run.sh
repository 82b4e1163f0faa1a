#!/usr/bin/env bash
# Browser end-to-end tests of the extension: one entry point.
# Installs what is missing (Debian chromium, chromium-driver, firefox-esr; geckodriver via cargo;
# the npm dev dependencies), builds the native CLI (the extraction-parity test compares with it)
# and the extension, lints it, then runs the Chromium and Firefox tests one browser at a time.
# The tests start their own local servers on 127.0.0.1 (tests/browser/server.mjs, and the real
# collector from tests/browser/collector.mjs) and stop them.
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf '[browser-tests] %s\n' "$*" >&2; }

# Firefox shows an extension's _locales only in a UI language it has installed: the French and
# Arabic language packs let tests/browser/locales_firefox.test.mjs switch to them.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v firefox-esr >/dev/null ||
  [ ! -e /usr/lib/firefox-esr/browser/extensions/langpack-fr@firefox-esr.mozilla.org.xpi ] ||
  [ ! -e /usr/lib/firefox-esr/browser/extensions/langpack-ar@firefox-esr.mozilla.org.xpi ]; then
  log "installing chromium, chromium-driver, firefox-esr and its fr/ar language packs (~40 s)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver firefox-esr firefox-esr-l10n-fr firefox-esr-l10n-ar >/dev/null
fi
if ! command -v geckodriver >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/geckodriver" ]; then
  # A debug build: geckodriver only relays WebDriver commands, and it builds in ≈ 50 s instead of ≈ 100.
  log "building geckodriver (≈ 1 minute on 2 cores)"
  cargo install geckodriver --locked --debug
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/selenium-webdriver ] || [ ! -d node_modules/web-ext ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
fi

log "building the CLI, the collector (the report/telemetry endpoint of the tests), ops-probe and the extension"
scripts/build-debug-bins
# (The CLI just built: build-extension's own `cargo build -p ferretwatch-cli` would resolve features
# differently from the workspace build above and recompile shared dependencies.)
FERRETWATCH=target/debug/ferretwatch scripts/build-extension

log "web-ext lint (errors, and warnings other than the expected background.service_worker one, fail)"
node tests/browser/lint.mjs

log "node unit tests of the extension's modules"
node --test tests/node/extension_*.test.mjs

log "Chromium"
node --test --test-concurrency=1 tests/browser/chromium.test.mjs tests/browser/locales.test.mjs tests/browser/privacy.test.mjs tests/browser/reports.test.mjs tests/browser/updates.test.mjs tests/browser/brand_logos.test.mjs
log "Firefox ESR"
node --test --test-concurrency=1 tests/browser/firefox.test.mjs tests/browser/firefox_policy.test.mjs tests/browser/reports_firefox.test.mjs tests/browser/updates_firefox.test.mjs tests/browser/locales_firefox.test.mjs
