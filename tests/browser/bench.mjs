// Extension benchmarks in headless Chromium over the corpus (results go to docs/BENCHMARKS.md,
// "Extension (browser)"). Usage, after scripts/build-extension:
//
//   node tests/browser/bench.mjs [--rounds N] [--cold N] [--out FILE] [--ext DIR]
//
// (--ext: another built extension folder instead of dist/chromium, e.g. an older build kept
// for a before/after comparison under the same conditions.)
//
// The built extension (dist/chromium) is copied to a temporary folder first, so a rebuild by
// someone else during the run cannot mix two builds. Two browsers run side by side, the same
// Chromium with and without the extension, and every page is loaded in one then the other,
// N rounds (default 3), so a change in the machine's load hits both alike. Measured:
// - detection round trip, warm (content script: features extracted → verdict shown), p50/p95,
//   and its parts: extract, message (content script → worker), worker (first-seen lookup +
//   engine), engine, reply (worker → content script), render; the engine's own histogram;
// - added page-load time: per page, median over the rounds of loadEventEnd, with − without;
//   p50/p95 over the pages;
// - service-worker cold start: the worker is stopped (CDP ServiceWorker.stopAllWorkers from an
//   extension page), then a page is opened; the first verdict's round trip (it includes waking
//   the worker and loading the engine), worker start → first verdict, and the load breakdown;
// - memory: the service worker's JS heap (CDP Runtime.getHeapUsage on the worker target, after
//   a GC), the engine's wasm linear memory (as the engine reports it), the content script's
//   share of a page's heap (page JS heap after a GC, with − without the extension, per page),
//   and, for comparison with earlier figures, the RSS of the --extension-process processes.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { chromium } from 'playwright-core';
import { startServers } from './server.mjs';
import { EXT_DIR, EXTENSION_ID, NO_NETWORK_FLAGS, keepInPlace } from './chromium.mjs';
import { allPages, redirectsByScript } from './common.mjs';
import { percentile } from '../../extension/lib/health.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1];
};
const ROUNDS = Number(arg('rounds', 3));
const COLD = Number(arg('cold', 5));
const OUT = arg('out', null);
const log = (...a) => console.error('[bench]', ...a);
const loads = [];
const noteLoad = () => loads.push(loadavg()[0]);

const pages = allPages().filter((p) => !redirectsByScript(p));
const servers = await startServers();
const extDir = mkdtempSync(join(tmpdir(), 'fw-bench-ext-'));
cpSync(arg('ext', EXT_DIR), extDir, { recursive: true });

async function launch(extension) {
  const dir = mkdtempSync(join(tmpdir(), 'fw-bench-profile-'));
  const args = [...NO_NETWORK_FLAGS, '--lang=en-US', `--proxy-server=${servers.proxyUrl}`, '--proxy-bypass-list=<-loopback>', '--remote-debugging-port=0'];
  if (extension) args.push(`--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`);
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: false,
    args,
    ignoreDefaultArgs: extension ? ['--disable-extensions'] : [],
    ignoreHTTPSErrors: true,
    viewport: { width: 1100, height: 800 },
    locale: 'en-US',
  });
  ctx.on('page', (p) => p.on('dialog', (d) => d.dismiss().catch(() => {})));
  if (extension) ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker', { timeout: 20000 }));
  // A browser-level CDP connection (for the service worker target).
  let port = null;
  for (let i = 0; i < 50 && !port; i++) {
    try {
      port = readFileSync(join(dir, 'DevToolsActivePort'), 'utf8').split('\n')[0];
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const cdpBrowser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  const bcdp = await cdpBrowser.newBrowserCDPSession();
  // An extension page to talk to the worker and to read storage without waking it.
  let extPage = null;
  if (extension) {
    extPage = await ctx.newPage();
    await extPage.goto(`chrome-extension://${EXTENSION_ID}/pages/safe.html`);
  }
  return {
    ctx,
    bcdp,
    extPage,
    version: cdpBrowser.version(),
    async close() {
      await cdpBrowser.close().catch(() => {});
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until the extension has stored a verdict for `url` newer than `since` (ms epoch). One
 * call into the extension page, which listens for the worker's session write: no polling, so
 * the bench adds no work to the extension's process while a page is being measured (an earlier
 * version asked every 20 ms, each time a CDP call and a storage read in that process).
 */
async function verdictStored(extPage, url, since, timeout = 15000) {
  const found = await extPage.evaluate(
    ([u, s, ms]) =>
      new Promise((resolve) => {
        const bare = (x) => x.split('#')[0];
        const match = (v) => v?.verdict && bare(v.verdict.url) === bare(u) && v.at >= s;
        const done = (ok) => {
          chrome.storage.session.onChanged.removeListener(onChanged);
          clearTimeout(timer);
          resolve(ok);
        };
        const onChanged = (changes) => {
          if (Object.values(changes).some((c) => match(c.newValue))) done(true);
        };
        const timer = setTimeout(() => done(false), ms);
        chrome.storage.session.onChanged.addListener(onChanged);
        // (A verdict stored before the listener was added.)
        chrome.storage.session.get(null).then((all) => Object.values(all).some(match) && done(true));
      }),
    [url, since, timeout],
  );
  if (!found) throw new Error(`no verdict for ${url}`);
}

const popupState = (b) => b.extPage.evaluate(() => chrome.runtime.sendMessage({ type: 'popupState' }));

/** Page JS heap after a GC (bytes), through the page's CDP session. */
async function pageHeap(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  } finally {
    await cdp.detach();
  }
}

/** Loads `p` in a new tab; returns {loadMs, heap?}. */
async function visit(b, p, { withVerdict, heap }) {
  const page = await b.ctx.newPage();
  await keepInPlace(page);
  const since = Date.now();
  await page.goto(p.url, { waitUntil: 'load' });
  const loadMs = await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd);
  if (withVerdict) await verdictStored(b.extPage, p.url, since);
  else await page.waitForTimeout(50); // about what waiting for the verdict takes, so both settle alike
  const out = { loadMs };
  if (heap) out.heap = await pageHeap(page);
  await page.close({ runBeforeUnload: false });
  return out;
}

/** Runtime.getHeapUsage (after a GC) of the extension's service worker, via the browser session. */
async function workerHeap(bcdp) {
  const { targetInfos } = await bcdp.send('Target.getTargets');
  const sw = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${EXTENSION_ID}/`));
  if (!sw) return null;
  const { sessionId } = await bcdp.send('Target.attachToTarget', { targetId: sw.targetId, flatten: false });
  let next = 1;
  const waiting = new Map();
  const onMsg = (e) => {
    if (e.sessionId !== sessionId) return;
    const m = JSON.parse(e.message);
    waiting.get(m.id)?.(m);
  };
  bcdp.on('Target.receivedMessageFromTarget', onMsg);
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)));
      bcdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
    });
  try {
    await call('HeapProfiler.collectGarbage');
    return await call('Runtime.getHeapUsage');
  } finally {
    bcdp.off('Target.receivedMessageFromTarget', onMsg);
    await bcdp.send('Target.detachFromTarget', { sessionId }).catch(() => {});
  }
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

const stats = (v) => ({ p50: percentile(v, 0.5), p95: percentile(v, 0.95), max: v.length ? Math.max(...v) : null, n: v.length });
const MB = (bytes) => (bytes === null || bytes === undefined ? null : bytes / 1048576);

const without = await launch(false);
const withExt = await launch(true);
noteLoad();
// Warm-up (not measured): the engine is loaded and each browser has loaded one page.
await visit(without, pages[0], { withVerdict: false });
await visit(withExt, pages[0], { withVerdict: true });

// --- page loads and warm round trips ---
const times = { with: new Map(), without: new Map() };
const heaps = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const p of pages) {
    const heap = round === 0;
    const a = await visit(without, p, { withVerdict: false, heap });
    const b = await visit(withExt, p, { withVerdict: true, heap });
    times.without.set(p.id, [...(times.without.get(p.id) ?? []), a.loadMs]);
    times.with.set(p.id, [...(times.with.get(p.id) ?? []), b.loadMs]);
    if (heap) heaps.push(b.heap - a.heap);
  }
  noteLoad();
  log(`round ${round + 1}/${ROUNDS} done, load average ${loadavg()[0].toFixed(1)}`);
}
const med = (m) => new Map([...m].map(([k, v]) => [k, percentile(v, 0.5)]));
const base = med(times.without);
const ext = med(times.with);
const added = pages.map((p) => ext.get(p.id) - base.get(p.id));

// The round-trip timings arrive in a message just after the verdict: wait for the last ones.
await new Promise((r) => setTimeout(r, 500));
const warm = await popupState(withExt);
const sw = await workerHeap(withExt.bcdp);
const rss = extensionRss();
noteLoad();

// --- cold starts ---
const cold = [];
const cdpExt = await withExt.ctx.newCDPSession(withExt.extPage);
await cdpExt.send('ServiceWorker.enable');
for (let i = 0; i < COLD; i++) {
  const p = pages[(i * 7 + 3) % pages.length];
  await cdpExt.send('ServiceWorker.stopAllWorkers');
  await new Promise((r) => setTimeout(r, 300));
  const { targetInfos } = await withExt.bcdp.send('Target.getTargets');
  const running = targetInfos.some((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${EXTENSION_ID}/`));
  const since = Date.now();
  await visit(withExt, p, { withVerdict: true });
  let s = null;
  // (One round trip since the worker started: its p95 is that round trip.)
  const first = (x) => x?.health.roundTripP95Ms;
  for (let j = 0; j < 50 && !(first(s) > 0); j++) {
    s = await popupState(withExt);
    if (!(first(s) > 0)) await new Promise((r) => setTimeout(r, 50));
  }
  cold.push({ stoppedBefore: !running, firstRoundTripMs: first(s), firstVerdictMs: s.health.firstVerdictMs ?? null, load: s.health.loadTimings, wallMs: Date.now() - since });
  log(`cold start ${i + 1}/${COLD}: worker ${running ? 'was still running' : 'stopped'}, first round trip ${first(s)?.toFixed(1)} ms`);
}
noteLoad();

const coldKeys = Object.keys(cold[0]?.load ?? {});
const result = {
  date: new Date().toISOString(),
  chromium: withExt.version,
  loadAverage: { min: Math.min(...loads), max: Math.max(...loads), samples: loads.map((x) => Number(x.toFixed(1))) },
  pages: pages.length,
  rounds: ROUNDS,
  roundTrip: { p50: warm.health.roundTripP50Ms ?? null, p95: warm.health.roundTripP95Ms, parts: warm.health.parts ?? null },
  engineP95UpperBoundMs: warm.health.p95Ms,
  addedLoadMs: { p50: percentile(added, 0.5), p95: percentile(added, 0.95), max: Math.max(...added) },
  baseLoadP50Ms: percentile([...base.values()], 0.5),
  coldStart: {
    runs: cold.length,
    allStopped: cold.every((c) => c.stoppedBefore),
    firstRoundTripMs: stats(cold.map((c) => c.firstRoundTripMs)),
    workerStartToFirstVerdictMs: stats(cold.map((c) => c.firstVerdictMs)),
    breakdownMedianMs: Object.fromEntries(coldKeys.map((k) => [k, percentile(cold.map((c) => c.load[k]), 0.5)])),
  },
  memoryMb: {
    workerJsHeapUsed: MB(sw?.usedSize),
    workerJsHeapTotal: MB(sw?.totalSize),
    workerBackingStorage: MB(sw?.backingStorageSize),
    wasmLinearMemory: MB(warm.health.wasmMemoryBytes ?? null),
    contentScriptPerPage: { p50: MB(percentile(heaps, 0.5)), p95: MB(percentile(heaps, 0.95)) },
    workerPlusOneTab: MB((sw?.usedSize ?? 0) + (warm.health.wasmMemoryBytes ?? 0) + percentile(heaps, 0.5)),
    extensionProcessesRss: rss,
  },
  scanned: warm.health.pages,
};
const text = JSON.stringify(result, null, 1);
console.log(text);
if (OUT) {
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, text);
}
await withExt.close();
await without.close();
await servers.close();
rmSync(extDir, { recursive: true, force: true });
