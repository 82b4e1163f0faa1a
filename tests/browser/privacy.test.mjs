// Privacy: every request the extension makes while browsing the corpus and demo pages is
// recorded (all traffic goes through the local proxy), and the only ones allowed are
//   - pack / bulletin / control pulls from the configured update URLs,
//   - a report the user sends (to the report endpoint, once),
//   - opted-in telemetry (to the collector's /v1/telemetry, aggregates only).
// The report endpoint is the real collector (tests/browser/collector.mjs) behind a recording
// proxy, so a report or a telemetry batch sent by mistake would be seen and stored.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServers } from './server.mjs';
import { faultProxy, metric, startCollector } from './collector.mjs';
import { launch, tabState, keepInPlace, EXTENSION_ID } from './chromium.mjs';
import { allPages, redirectsByScript } from './common.mjs';
import { DEFAULTS } from '../../extension/lib/settings.js';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './server.mjs';

let servers;
let collector;
let recorder;
const pages = allPages();

/** Chromium's own service requests (not page, not extension), seen with or without it. */
const BROWSER_SERVICES = /^https?:\/\/(content-autofill|optimizationguide-pa|update|clients\d?|safebrowsing|accounts)\.google(apis)?\.com(:443)?\//;
/** Pack, bulletin and control-document pulls: GETs under a configured update URL (and the tunnel to its host). */
const UPDATE_URLS = DEFAULTS.updateUrls;
const isUpdatePull = (r) => {
  const [method, url] = r.split(' ');
  if (method === 'CONNECT') return UPDATE_URLS.some((u) => new URL(u).host === new URL(url).host.replace(/:443$/, ''));
  return method === 'GET' && UPDATE_URLS.some((u) => url.startsWith(u));
};

async function browse({ extension }) {
  const b = await launch({ proxyUrl: servers.proxyUrl, extension });
  if (extension) {
    withExt = { b }; // closed in after(), also when browsing fails
    // Reports and telemetry would go to the real collector (through the recording proxy).
    await b.sw.evaluate((url) => chrome.storage.local.set({ settings: { reportEndpoint: url } }), recorder.reportUrl);
  }
  const start = servers.log.length;
  for (const p of pages) {
    const page = await b.ctx.newPage();
    await keepInPlace(page, { scriptsOff: redirectsByScript(p) });
    await page.goto(p.url, { waitUntil: 'commit' });
    if (extension) await tabState(b.sw, p.url);
    // Let every page finish loading in both runs (a loaded machine can take seconds), so a
    // subresource (here: a cross-site favicon) is not missed by the run without the extension
    // and then blamed on it.
    await page.waitForLoadState('load', { timeout: 15000 }).catch(() => {});
    // The browser fetches a page's favicon after the load event: give both runs the same dwell.
    await new Promise((r) => setTimeout(r, 250));
    await page.close({ runBeforeUnload: false });
  }
  await new Promise((r) => setTimeout(r, 500));
  const seen = new Set(servers.log.slice(start).map((e) => `${e.method} ${e.url.split('#')[0]}`));
  return { b, seen };
}

before(async () => {
  servers = await startServers();
  collector = await startCollector({ ipLimit: 'off' });
  recorder = await faultProxy(collector.url);
  servers.forward(recorder.url);
});
let withExt;
/** The browser of the first test, or (when that one failed early) a fresh one set up the same way. */
async function extBrowser() {
  if (!withExt) {
    const b = await launch({ proxyUrl: servers.proxyUrl });
    await b.sw.evaluate((url) => chrome.storage.local.set({ settings: { reportEndpoint: url } }), recorder.reportUrl);
    withExt = { b };
  }
  return withExt.b;
}
after(async () => {
  await withExt?.b.close().catch(() => {});
  await servers?.close();
  await recorder?.close();
  await collector?.close();
});

describe('privacy (Chromium)', () => {
  test('browsing the corpus, the extension makes no request of its own but update pulls', async () => {
    const without = await browse({ extension: false });
    await without.b.close();
    withExt = await browse({ extension: true });
    // Compared by destination: page subresources load or not depending on how long a tab
    // stays open (with the extension, until its verdict is read), but no destination may be
    // contacted only when the extension is installed, except the update URLs' hosts.
    const host = (r) => new URL(r.split(' ')[1]).host.replace(/:443$/, '');
    const hostsWithout = new Set([...without.seen].map(host));
    const extra = [...withExt.seen].filter((r) => !hostsWithout.has(host(r)) && !BROWSER_SERVICES.test(r.split(' ')[1]));
    assert.ok(without.seen.size > pages.length, 'the pages themselves were requested');
    assert.deepEqual(extra.filter((r) => !isUpdatePull(r)), [], 'destinations contacted only with the extension (other than update pulls)');
    assert.deepEqual([...withExt.seen].filter((r) => r.includes(recorder.url)), [], 'nothing sent to the report endpoint');
    assert.equal(recorder.seen.length, 0, 'the collector saw no request');
    assert.equal((await collector.reports()).length, 0);
    assert.equal(metric(await collector.metrics(), 'ferretwatch_collector_telemetry_batches_total') ?? 0, 0, 'no telemetry (not opted in)');
  });

  test('a report is sent only when asked, to the report endpoint only, and stored once', async () => {
    const b = await extBrowser();
    const red = pages.find((p) => p.expected === 'red');
    const tab = await b.ctx.newPage();
    await tab.goto(red.url, { waitUntil: 'commit' });
    const s = await tabState(b.sw, red.url);
    const start = servers.log.length;
    const page = await b.ctx.newPage();
    await page.goto(`chrome-extension://${EXTENSION_ID}/report/report.html?tab=${s.tabId}`);
    await page.waitForSelector('body[data-ready=true]');
    const shown = JSON.parse(await page.textContent('#payload'));
    assert.equal(shown.url, red.url);
    assert.equal(shown.reason, 'phishing_login');
    assert.ok(Buffer.byteLength(await page.textContent('#payload')) < 10 * 1024);
    assert.equal(recorder.seen.length, 0, 'nothing sent before "Send report"');
    await page.click('#send');
    await page.waitForFunction(() => document.getElementById('result').textContent !== '');
    const stored = await collector.reports();
    assert.equal(stored.length, 1, 'stored exactly once');
    assert.equal(stored[0].url, red.url);
    assert.deepEqual(recorder.seen.map((e) => [e.method, e.path, e.idem, e.got]), [['POST', '/v1/reports', stored[0].payload.id, 201]]);
    // The stored payload is exactly what the page showed (but the id, filled in on sending).
    assert.deepEqual({ ...stored[0].payload, id: undefined, timestamp: undefined }, { ...shown, id: undefined, timestamp: undefined });
    const other = servers.log.slice(start).filter((e) => !e.url.startsWith(recorder.url) && !BROWSER_SERVICES.test(e.url) && !isUpdatePull(`${e.method} ${e.url}`));
    assert.deepEqual(other.map((e) => e.url), [], 'nothing else contacted while reporting');
    await page.close();
    await tab.close();
  });

  test('telemetry leaves only when opted in, as one aggregate batch to the collector', async () => {
    const b = await extBrowser();
    try {
      const page = await b.ctx.newPage();
      await page.goto(`chrome-extension://${EXTENSION_ID}/options/options.html`);
      await page.waitForSelector('body[data-ready=true]');
      const before = recorder.seen.length;
      const off = await page.evaluate(() => chrome.runtime.sendMessage({ type: 'uploadTelemetry' }));
      assert.equal(off.status, 'optedOut');
      assert.equal(recorder.seen.length, before, 'opted out: no request');
      // The person opts in on the options page; from then on scans are counted.
      assert.equal(await page.isChecked('#telemetry'), false);
      await page.check('#telemetry');
      await page.waitForFunction(async () => (await chrome.storage.local.get('settings')).settings?.telemetryOptIn === true);
      let alarm = null;
      for (const until = Date.now() + 10000; !alarm && Date.now() < until; ) {
        alarm = await b.sw.evaluate(() => chrome.alarms.get('telemetry'));
        if (!alarm) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(alarm && alarm.scheduledTime > Date.now() + 50 * 60_000 && alarm.scheduledTime < Date.now() + 70 * 60_000, 'hourly upload scheduled (with jitter)');
      // This worker life's scan count (the same counters, not yet uploaded), before and after 3 pages.
      const scanned = async () => (await page.evaluate(() => chrome.runtime.sendMessage({ type: 'telemetryBatch' }))).engine.pages_scanned;
      const n0 = await scanned();
      assert.ok(n0 >= 1, 'pages were scanned before opting in');
      // (Tabs stay open until scanned: the content script scans after the load event.)
      const opened = [];
      for (const p of pages.filter((x) => !redirectsByScript(x)).slice(0, 3)) {
        const t = await b.ctx.newPage();
        opened.push(t);
        await t.goto(p.url, { waitUntil: 'commit' });
      }
      const until = Date.now() + 30000;
      let n1 = await scanned();
      while (n1 < n0 + 3 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        n1 = await scanned();
      }
      for (const t of opened) await t.close();
      assert.ok(n1 >= n0 + 3, `the 3 pages were scanned (${n1 - n0})`);
      // ops-probe reads the collector's /metrics: a first scrape (baseline) now, one after the upload.
      const probeState = join(collector.dir, 'probe-state.json');
      // (The second run evaluates up to a minute ahead, so the step holding the new batch is in.)
      const probe = (now = []) => spawnSync(process.env.FW_OPS_PROBE ?? join(ROOT, 'target', 'debug', 'ops-probe'), ['evaluate', '--telemetry', `${collector.url}/metrics`, '--state', probeState, '--format', 'json', ...now], { encoding: 'utf8' });
      const baseline = probe();
      assert.equal(baseline.status, 3, `first scrape: no batch yet (${baseline.stderr})`);
      const start = servers.log.length;
      const on = await page.evaluate(() => chrome.runtime.sendMessage({ type: 'uploadTelemetry' }));
      assert.equal(on.status, 'sent', JSON.stringify(on));
      const sent = recorder.seen.filter((e) => e.path === '/v1/telemetry');
      assert.equal(sent.length, 1);
      const batch = JSON.parse(sent[0].body);
      assert.equal(batch.schema, 'ferretwatch.telemetry.v1');
      assert.ok(batch.engine.pages_scanned >= 3, `scans after opting in are counted (${batch.engine.pages_scanned})`);
      assert.ok(batch.engine.pages_scanned <= n1 - n0, `scans before opting in are not (${batch.engine.pages_scanned} > ${n1 - n0})`);
      for (const p of pages) assert.ok(!sent[0].body.includes(new URL(p.url).hostname), 'no host name in the batch');
      assert.ok(!/https?:/.test(sent[0].body), 'no URL in the batch');
      const m = await collector.metrics();
      assert.equal(metric(m, 'ferretwatch_collector_telemetry_batches_total'), 1);
      assert.equal(metric(m, 'ferretwatch_pages_scanned_total'), batch.engine.pages_scanned, '/metrics shows the batch');
      await new Promise((r) => setTimeout(r, 1100));
      const probed = probe(['--now', String(Math.floor(Date.now() / 1000) + 60)]);
      assert.ok(probed.status === 0 || probed.status === 1, `ops-probe on the collector: exit ${probed.status} ${probed.stderr}`);
      assert.equal(JSON.parse(probed.stdout).telemetry.ingest.new, 1, 'ops-probe read the uploaded counts from /metrics');
      const other = servers.log.slice(start).filter((e) => !e.url.startsWith(recorder.url) && !BROWSER_SERVICES.test(e.url) && !isUpdatePull(`${e.method} ${e.url}`));
      assert.deepEqual(other.map((e) => e.url), [], 'nothing else contacted');
    } finally {
      await b.close();
      withExt = null;
    }
  });
});
