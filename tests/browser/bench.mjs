// Extension benchmarks in headless Chromium over the corpus (results go to docs/BENCHMARKS.md):
// - detection round trip (content script: features extracted → verdict received), p50/p95;
// - engine time per page (the engine's own latency histogram, p95 upper bound);
// - service-worker cold start (worker start → engine ready) and first verdict;
// - added page-load time: load event with vs without the extension, p50/p95 of the difference
//   of per-page medians over 3 loads;
// - memory: RSS of the processes Chromium runs with --extension-process (worker + extension pages).
// Usage: node tests/browser/bench.mjs   (after scripts/build-extension)
import { readFileSync, readdirSync } from 'node:fs';
import { startServers } from './server.mjs';
import { launch, tabState, keepInPlace, EXTENSION_ID } from './chromium.mjs';
import { allPages, redirectsByScript } from './common.mjs';
import { percentile } from '../../extension/lib/health.js';

const pages = allPages().filter((p) => !redirectsByScript(p));
const servers = await startServers();

async function loadTimes(b, waitVerdict) {
  const times = new Map();
  for (let round = 0; round < 3; round++) {
    for (const p of pages) {
      const page = await b.ctx.newPage();
      await keepInPlace(page);
      await page.goto(p.url, { waitUntil: 'load' });
      const ms = await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd);
      if (waitVerdict) await tabState(b.sw, p.url);
      times.set(p.id, [...(times.get(p.id) ?? []), ms]);
      await page.close({ runBeforeUnload: false });
    }
  }
  return new Map([...times].map(([k, v]) => [k, percentile(v, 0.5)]));
}

function extensionRss() {
  let kb = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes('--extension-process')) kb += Number(/Rss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]);
    } catch {}
  }
  return kb / 1024;
}

const without = await launch({ proxyUrl: servers.proxyUrl, extension: false });
const base = await loadTimes(without, false);
await without.close();

const b = await launch({ proxyUrl: servers.proxyUrl });
const withExt = await loadTimes(b, true);
const ext = await b.ctx.newPage();
await ext.goto(`chrome-extension://${EXTENSION_ID}/popup/popup.html`);
const state = await ext.evaluate(() => chrome.runtime.sendMessage({ type: 'popupState' }));
const rss = extensionRss();
const added = pages.map((p) => withExt.get(p.id) - base.get(p.id));
console.log(JSON.stringify({
  pages: pages.length,
  roundTripP95Ms: state.health.roundTripP95Ms,
  engineP95UpperBoundMs: state.health.p95Ms,
  coldStartMs: state.health.coldStartMs,
  loadTimings: state.health.loadTimings,
  addedLoadP50Ms: percentile(added, 0.5),
  addedLoadP95Ms: percentile(added, 0.95),
  baseLoadP50Ms: percentile([...base.values()], 0.5),
  extensionProcessRssMb: rss,
  scanned: state.health.pages,
}, null, 1));
await b.close();
await servers.close();
