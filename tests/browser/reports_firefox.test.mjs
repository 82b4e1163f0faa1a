// Report flow in headless Firefox ESR against the real collector (tests/browser/collector.mjs)
// behind a fault-injecting proxy (503, then 429 + Retry-After, then forwarded): the report the
// person sends from the report page is stored exactly once, under its idempotency key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { By } from 'selenium-webdriver';
import { startServers } from './server.mjs';
import { faultProxy, startCollector } from './collector.mjs';
import { launchFirefox, EXT_ORIGIN, runAsync } from './firefox.mjs';
import { allPages, redirectsByScript } from './common.mjs';

let servers;
let collector;
let proxy;
let ff;
const red = allPages().find((p) => p.expected === 'red' && !redirectsByScript(p));

before(async () => {
  servers = await startServers();
  collector = await startCollector();
  proxy = await faultProxy(collector.url, [{ status: 503 }, { status: 429, retryAfter: 1 }]);
  servers.forward(proxy.url);
  ff = await launchFirefox({ proxyPort: servers.proxyPort });
});
after(async () => {
  await ff?.close();
  await proxy?.close();
  await collector?.close();
  await servers?.close();
});

describe('reports (Firefox ESR, real collector)', () => {
  test('through 503 and 429 Retry-After the report is stored exactly once', async () => {
    const d = ff.driver;
    const first = await d.getWindowHandle();
    await d.get(`${EXT_ORIGIN}/options/options.html`);
    await runAsync(d, `await browser.storage.local.set({ settings: { reportEndpoint: args[0] } });`, proxy.reportUrl);
    await d.switchTo().newWindow('tab');
    await d.get(red.url);
    const pageHandle = await d.getWindowHandle();
    await d.switchTo().window(first);
    // The page's tab id, once the extension holds its verdict.
    let tabId;
    for (const until = Date.now() + 30000; tabId === undefined && Date.now() < until; ) {
      const states = await runAsync(d, `const tabs = await browser.tabs.query({});
        return browser.runtime.sendMessage({ type: 'tabsState', tabIds: tabs.map((t) => t.id) });`);
      tabId = states.find((s) => s.verdict.url.split('#')[0] === red.url.split('#')[0])?.tabId;
      if (tabId === undefined) await d.sleep(200);
    }
    assert.notEqual(tabId, undefined, 'the page has a verdict');
    await d.get(`${EXT_ORIGIN}/report/report.html?tab=${tabId}`);
    await d.wait(async () => (await d.executeScript('return document.body.dataset.ready')) === 'true', 15000);
    assert.equal(proxy.seen.length, 0, 'nothing sent before "Send report"');
    await d.findElement(By.id('send')).click();
    await d.wait(async () => (await d.findElement(By.id('result')).getText()) !== '', 15000);
    let q = await runAsync(d, `return (await browser.storage.local.get('reportQueue')).reportQueue ?? [];`);
    assert.equal(q.length, 1, 'kept until acknowledged');
    assert.equal(q[0].lastStatus, 503);
    // Time passes (the backoff moved in storage); the 429's Retry-After is waited for for real.
    for (const until = Date.now() + 30000; q.length && Date.now() < until; ) {
      await runAsync(d, `const { reportQueue = [] } = await browser.storage.local.get('reportQueue');
        await browser.storage.local.set({ reportQueue: reportQueue.map((x) => (x.lastStatus === 429 ? x : { ...x, nextAt: Math.min(x.nextAt, Date.now()) })) });`);
      await d.sleep(300);
      q = (await runAsync(d, `return browser.runtime.sendMessage({ type: 'flushReports' });`)).queue;
    }
    assert.deepEqual(q, [], 'the queue empties');
    const attempts = proxy.seen.filter((e) => e.path === '/v1/reports');
    assert.deepEqual(attempts.map((e) => e.got), [503, 429, 201]);
    assert.ok(attempts[2].t - attempts[1].t >= 1000, 'Retry-After honoured');
    assert.equal(new Set(attempts.map((e) => e.idem)).size, 1, 'one idempotency key');
    const stored = await collector.reports();
    assert.equal(stored.length, 1, 'stored exactly once');
    assert.equal(stored[0].payload.id, attempts[0].idem);
    assert.equal(stored[0].url, red.url);
    await d.switchTo().window(pageHandle);
    await d.close();
    await d.switchTo().window(first);
  });
});
