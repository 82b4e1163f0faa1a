// Report flow end to end in headless Chromium, against the real collector
// (target/debug/ferretwatch-collector on 127.0.0.1, tests/browser/collector.mjs):
// - through a fault-injecting proxy that resets the connection, answers 503, rate-limits (429 +
//   Retry-After), then forwards but loses the acknowledgement: every report the person sends is
//   stored exactly once, under its idempotency key (issue 5);
// - across a browser restart: a report queued while the collector is down is still there when
//   the browser starts again with the same profile, and is delivered once, with no test hook.
// Backoff waits (30 s and up) are not slept through: the test moves the queue's due times, as
// the passing of time would; a 429's Retry-After is waited for for real.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServers } from './server.mjs';
import { faultProxy, startCollector } from './collector.mjs';
import { EXT_DIR, EXTENSION_ID, NO_NETWORK_FLAGS, tabState } from './chromium.mjs';
import { allPages, redirectsByScript } from './common.mjs';

let servers;
const profiles = [];
const reds = allPages().filter((p) => p.expected === 'red' && !redirectsByScript(p));

/** Chromium with the extension on a profile folder that outlives the browser (a restart). */
async function launchProfile(dir) {
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: false,
    args: [...NO_NETWORK_FLAGS, `--proxy-server=${servers.proxyUrl}`, '--proxy-bypass-list=<-loopback>', `--disable-extensions-except=${EXT_DIR}`, `--load-extension=${EXT_DIR}`],
    ignoreDefaultArgs: ['--disable-extensions'],
    ignoreHTTPSErrors: true,
  });
  ctx.on('page', (p) => p.on('dialog', (d) => d.dismiss().catch(() => {})));
  const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker', { timeout: 20000 }));
  return { ctx, sw };
}

function newProfile() {
  const dir = mkdtempSync(join(tmpdir(), 'fw-profile-'));
  profiles.push(dir);
  return dir;
}

/** Opens `page`, then its report page; picks `reason` and presses "Send report". Returns the result text. */
async function report(b, page, reason) {
  const tab = await b.ctx.newPage();
  await tab.goto(page.url, { waitUntil: 'commit' });
  const s = await tabState(b.sw, page.url, { timeout: 30000 });
  const r = await b.ctx.newPage();
  await r.goto(`chrome-extension://${EXTENSION_ID}/report/report.html?tab=${s.tabId}`);
  await r.waitForSelector('body[data-ready=true]');
  await r.check(`#r-${reason}`);
  await r.waitForFunction((why) => document.getElementById('payload').textContent.includes(`"reason": "${why}"`), reason);
  await r.click('#send');
  await r.waitForFunction(() => document.getElementById('result').textContent !== '');
  const text = await r.textContent('#result');
  await r.close();
  await tab.close();
  return text;
}

const queue = (sw) => sw.evaluate(async () => (await chrome.storage.local.get('reportQueue')).reportQueue ?? []);

before(async () => {
  servers = await startServers();
});
after(async () => {
  await servers?.close();
  for (const d of profiles) rmSync(d, { recursive: true, force: true });
});

describe('reports (Chromium, real collector)', () => {
  test('through reset, 503, 429 Retry-After and a lost acknowledgement, every report arrives exactly once', async () => {
    const collector = await startCollector();
    const proxy = await faultProxy(collector.url, [{ reset: true }, { status: 503 }, { status: 429, retryAfter: 2 }, { lose: true }]);
    servers.forward(proxy.url);
    const b = await launchProfile(newProfile());
    try {
      await b.sw.evaluate((url) => chrome.storage.local.set({ settings: { reportEndpoint: url } }), proxy.reportUrl);
      assert.ok(reds.length >= 3);
      const reasons = ['phishing_login', 'brand_impersonation', 'payment_fraud'];
      for (let i = 0; i < 3; i++) await report(b, reds[i], reasons[i]);
      let q = await queue(b.sw);
      assert.equal(q.length, 3, 'all three kept until acknowledged');
      assert.deepEqual(q.map((x) => x.lastStatus), [0, 503, 429], 'reset, 503, 429');
      const t429 = proxy.seen[2].t;
      assert.ok(q[2].nextAt >= t429 + 2000 - 50 && q[2].nextAt <= Date.now() + 2000, 'due after Retry-After');
      assert.ok(q[0].nextAt > Date.now() + 20_000, 'backoff after a reset (30 s ± 20 %)');
      // Time passes: backoff waits end (moved in storage); Retry-After waits end for real.
      const deadline = Date.now() + 60_000;
      while (q.length && Date.now() < deadline) {
        await b.sw.evaluate(async () => {
          const { reportQueue = [] } = await chrome.storage.local.get('reportQueue');
          await chrome.storage.local.set({ reportQueue: reportQueue.map((x) => (x.lastStatus === 429 ? x : { ...x, nextAt: Math.min(x.nextAt, Date.now()) })) });
        });
        await new Promise((r) => setTimeout(r, 500));
        const page = await b.ctx.newPage();
        await page.goto(`chrome-extension://${EXTENSION_ID}/report/report.html?tab=-1`);
        q = (await page.evaluate(() => chrome.runtime.sendMessage({ type: 'flushReports' }))).queue;
        await page.close();
      }
      assert.deepEqual(q, [], 'the queue empties once the collector accepts');
      const stored = await collector.reports();
      const attempts = proxy.seen.filter((e) => e.path === '/v1/reports');
      const keys = [...new Set(attempts.map((e) => e.idem))];
      assert.equal(keys.length, 3, 'one idempotency key per report, the same on every retry');
      assert.deepEqual(stored.map((x) => x.payload.id).sort(), [...keys].sort(), 'each report stored exactly once, under its key');
      assert.deepEqual(stored.map((x) => x.reason).sort(), [...reasons].sort());
      for (const e of attempts) assert.equal(JSON.parse(e.body).id, e.idem, 'Idempotency-Key = payload id');
      const lost = attempts.find((e) => e.got === '201, answer lost');
      assert.ok(lost, 'one acknowledgement was lost');
      assert.deepEqual(attempts.filter((e) => e.idem === lost.idem).map((e) => e.got).slice(-2), ['201, answer lost', 200], 'its retry was answered from the stored report');
      const after429 = attempts.find((e) => e.t > t429);
      assert.ok(after429.t - t429 >= 2000, `nothing sent before Retry-After (${after429.t - t429} ms)`);
    } finally {
      await b.ctx.close();
      await proxy.close();
      await collector.close();
    }
  });

  test('after a 429 the alarm sends the report at Retry-After by itself', async () => {
    const collector = await startCollector();
    const proxy = await faultProxy(collector.url, [{ status: 429, retryAfter: 2 }]);
    servers.forward(proxy.url);
    const b = await launchProfile(newProfile());
    try {
      await b.sw.evaluate((url) => chrome.storage.local.set({ settings: { reportEndpoint: url } }), proxy.reportUrl);
      await report(b, reds[1], 'brand_impersonation');
      const [item] = await queue(b.sw);
      assert.equal(item.lastStatus, 429);
      const alarm = await b.sw.evaluate(() => chrome.alarms.get('reports'));
      assert.ok(alarm && Math.abs(alarm.scheduledTime - item.nextAt) < 1500, 'the alarm is armed for Retry-After');
      // No test hook from here on.
      const deadline = Date.now() + 30_000;
      let stored = [];
      while (!stored.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 300));
        stored = await collector.reports();
      }
      assert.deepEqual(stored.map((x) => x.payload.id), [item.id], 'delivered by the alarm');
      const [first, second] = proxy.seen;
      assert.ok(second.t - first.t >= 2000, `not before Retry-After (${second.t - first.t} ms)`);
    } finally {
      await b.ctx.close();
      await proxy.close();
      await collector.close();
    }
  });

  test('a report queued while the collector is down survives a browser restart and is delivered once', async () => {
    const collector = await startCollector();
    await collector.stop();
    servers.forward(collector.url);
    const dir = newProfile();
    let b = await launchProfile(dir);
    try {
      await b.sw.evaluate((url) => chrome.storage.local.set({ settings: { reportEndpoint: url } }), collector.reportUrl);
      await report(b, reds[0], 'phishing_login');
      const q = await queue(b.sw);
      assert.equal(q.length, 1, 'queued');
      assert.equal(q[0].attempts, 1);
      assert.equal(q[0].lastStatus, 0, `the collector is down: a network error (${q[0].lastError})`);
      await b.ctx.close();
      b = null;
      await collector.start();
      b = await launchProfile(dir);
      // No test hook: the new browser session sends what is waiting on its own.
      const deadline = Date.now() + 30_000;
      let stored = [];
      while (Date.now() < deadline && !stored.length) {
        await new Promise((r) => setTimeout(r, 300));
        stored = await collector.reports();
      }
      assert.equal(stored.length, 1, 'delivered after the restart');
      assert.equal(stored[0].payload.id, q[0].id);
      assert.equal(stored[0].url, reds[0].url);
      const until = Date.now() + 10_000;
      while ((await queue(b.sw)).length && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await queue(b.sw), [], 'removed once acknowledged');
      assert.equal((await collector.reports()).length, 1, 'exactly once');
    } finally {
      await b?.ctx.close();
      await collector.close();
    }
  });
});
