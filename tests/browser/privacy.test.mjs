// Privacy: while browsing every corpus and demo page, the extension adds no network request
// (everything reaching the local proxy with the extension also reaches it without); and a
// user-initiated report goes only to the report endpoint, exactly once, through a server that
// first fails and rate-limits (idempotency key, retries, 429 Retry-After honoured).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServers } from './server.mjs';
import { launch, tabState, keepInPlace, EXTENSION_ID } from './chromium.mjs';
import { allPages, redirectsByScript } from './common.mjs';

let servers;
const pages = allPages();

/** Chromium's own service requests (not page, not extension), seen with or without it. */
const BROWSER_SERVICES = /^https?:\/\/(content-autofill|optimizationguide-pa|update|clients\d?|safebrowsing)\.google(apis)?\.com(:443)?\//;

async function browse({ extension }) {
  const b = await launch({ proxyUrl: servers.proxyUrl, extension });
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
});
let withExt;
after(async () => {
  await withExt?.b.close().catch(() => {});
  await servers?.close();
});

describe('privacy (Chromium)', () => {
  test('browsing the corpus, the extension makes no request of its own', async () => {
    const without = await browse({ extension: false });
    await without.b.close();
    withExt = await browse({ extension: true });
    // Compared by destination: page subresources load or not depending on how long a tab
    // stays open (with the extension, until its verdict is read), but no destination may be
    // contacted only when the extension is installed.
    const host = (r) => new URL(r.split(' ')[1]).host.replace(/:443$/, '');
    const hostsWithout = new Set([...without.seen].map(host));
    const extra = [...withExt.seen].filter((r) => !hostsWithout.has(host(r)) && !BROWSER_SERVICES.test(r.split(' ')[1]));
    assert.ok(without.seen.size > pages.length, 'the pages themselves were requested');
    assert.deepEqual(extra, [], 'destinations contacted only with the extension');
    assert.ok(![...withExt.seen].some((r) => r.includes('/reports')), 'no report without the user asking');
  });

  test('a report is sent only when asked, to the report endpoint only, exactly once despite failures and 429', async () => {
    const { b } = withExt;
    try {
      const red = pages.find((p) => p.expected === 'red');
      const tab = await b.ctx.newPage();
      await tab.goto(red.url, { waitUntil: 'commit' });
      const s = await tabState(b.sw, red.url);
      await b.sw.evaluate((url) => chrome.storage.local.set({ settings: { reportEndpoint: url } }), servers.reportUrl);
      servers.reports.script.push({ status: 503 }, { status: 429, headers: { 'Retry-After': '1' } });
      const start = servers.log.length;
      const page = await b.ctx.newPage();
      await page.goto(`chrome-extension://${EXTENSION_ID}/report/report.html?tab=${s.tabId}`);
      await page.waitForSelector('body[data-ready=true]');
      const shown = JSON.parse(await page.textContent('#payload'));
      assert.equal(shown.url, red.url);
      assert.equal(shown.reason, 'phishing_login');
      assert.ok(Buffer.byteLength(await page.textContent('#payload')) < 10 * 1024);
      assert.equal(servers.reports.received.length, 0, 'nothing sent before "Send report"');
      await page.click('#send');
      await page.waitForFunction(() => document.getElementById('result').textContent !== '');
      assert.equal(servers.reports.received.length, 1, 'first attempt (503)');
      // Retries (the background's alarm would do this; here the queue is flushed by hand).
      const flush = () => page.evaluate(() => chrome.runtime.sendMessage({ type: 'flushReports' }));
      const deadline = Date.now() + 120_000;
      let q;
      while (Date.now() < deadline) {
        await page.evaluate(async () => {
          const { reportQueue = [] } = await chrome.storage.local.get('reportQueue');
          await chrome.storage.local.set({ reportQueue: reportQueue.map((x) => ({ ...x, nextAt: Math.min(x.nextAt, Date.now() + 1500) })) });
        });
        await new Promise((r) => setTimeout(r, 1600));
        q = await flush();
        if (q.pending === 0) break;
      }
      assert.equal(q.pending, 0, 'the queue empties once the server accepts');
      const keys = servers.reports.received.map((r) => r.idem);
      assert.equal(servers.reports.received.length, 3, '503, 429, then 201');
      assert.equal(new Set(keys).size, 1, 'one idempotency key across retries');
      assert.equal(servers.reports.accepted.size, 1, 'stored exactly once');
      const stored = [...servers.reports.accepted.values()][0];
      assert.equal(stored.url, red.url);
      assert.equal(stored.id, keys[0]);
      const gap = servers.reports.received[2].t - servers.reports.received[1].t;
      assert.ok(gap >= 1000, `Retry-After honoured (${gap} ms)`);
      // Nothing but the report endpoint was contacted while reporting.
      const other = servers.log.slice(start).filter((e) => !e.url.startsWith('report:') && !BROWSER_SERVICES.test(e.url));
      assert.deepEqual(other.map((e) => e.url), []);
    } finally {
      await b.close();
      withExt = null;
    }
  });
});
