// End-to-end basics of the built extension in real headless Firefox ESR (geckodriver).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { By, until } from 'selenium-webdriver';
import { startServers } from './server.mjs';
import { launchFirefox, EXT_ORIGIN } from './firefox.mjs';
import { allPages, BADGE, rgba, SHOTS } from './common.mjs';

const RED_PAGE = 'https://www.xn--pypal-4ve.com/signin/?country.x=US&locale.x=en_US';

let servers;
let ff;
let extHandle;
let pageHandle;

/** Verdicts of all tabs, asked from an extension page (no "tabs" permission needed). */
async function verdictFor(url, timeout = 15000) {
  const d = ff.driver;
  await d.switchTo().window(extHandle);
  const until_ = Date.now() + timeout;
  for (;;) {
    const states = await d.executeAsyncScript(`const done = arguments[arguments.length - 1];
      browser.tabs.query({}).then((tabs) => browser.runtime.sendMessage({ type: 'tabsState', tabIds: tabs.map((t) => t.id) })).then(done, (e) => done(String(e)));`);
    const s = Array.isArray(states) ? states.find((x) => x.verdict.url.split('#')[0] === url.split('#')[0]) : null;
    if (s) return s;
    if (Date.now() > until_) throw new Error(`no verdict for ${url}: ${JSON.stringify(states).slice(0, 300)}`);
    await d.sleep(200);
  }
}

async function shot(name) {
  // Let the warning's 180 ms fade-in finish: a mid-animation shot shows the page through it.
  await ff.driver.sleep(400);
  writeFileSync(join(SHOTS, name), Buffer.from(await ff.driver.takeScreenshot(), 'base64'));
}

before(async () => {
  servers = await startServers();
  ff = await launchFirefox({ proxyPort: servers.proxyPort });
  const d = ff.driver;
  pageHandle = await d.getWindowHandle();
  await d.switchTo().newWindow('tab');
  extHandle = await d.getWindowHandle();
  await d.get(`${EXT_ORIGIN}/popup/popup.html`);
  await d.switchTo().window(pageHandle);
});

after(async () => {
  await ff?.close();
  await servers?.close();
});

describe('Firefox ESR', () => {
  test('red page: verdict, red badge, warning in a closed shadow root; popup in plain words', async () => {
    const d = ff.driver;
    await d.get(RED_PAGE);
    const s = await verdictFor(RED_PAGE);
    assert.equal(s.verdict.level, 'red');
    assert.equal(s.verdict.findings[0].signal, 'idn_homograph_high');
    assert.deepEqual(s.badge.color, rgba(BADGE.red.color));
    assert.equal(s.badge.text, BADGE.red.text);
    await d.switchTo().window(pageHandle);
    await d.wait(async () => d.executeScript('return !!document.querySelector("ferretwatch-alert")'), 5000);
    const hostInfo = await d.executeScript('const h = document.querySelector("ferretwatch-alert"); return { closed: h.shadowRoot === null, w: h.getBoundingClientRect ? 1 : 0 };');
    assert.equal(hostInfo.closed, true, 'the shadow root is closed to the page');
    await d.sleep(300);
    await shot('firefox-red-warning.png');
    await d.switchTo().window(extHandle);
    await d.get(`${EXT_ORIGIN}/popup/popup.html?tab=${s.tabId}`);
    await d.wait(until.elementLocated(By.css('body[data-ready=true]')), 10000);
    assert.equal(await d.findElement(By.id('headline')).getText(), 'This page is pretending to be PayPal.');
    assert.equal(await d.findElement(By.id('advice')).getText(), "Don't enter your password.");
    assert.equal(await d.findElement(By.id('level')).getText(), '1 – full protection · normal');
    await d.manage().window().setRect({ width: 420, height: 700 });
    await shot('firefox-popup-red.png');
    await d.manage().window().setRect({ width: 1100, height: 800 });
    await d.switchTo().window(pageHandle);
  });

  test('benign popular pages are green with a green badge; yellow pages get the notice', async () => {
    const d = ff.driver;
    const sample = [...allPages().filter((p) => p.popular).slice(0, 3), ...allPages().filter((p) => p.expected === 'yellow').slice(0, 1)];
    assert.ok(sample.length === 4);
    for (const p of sample) {
      await d.switchTo().window(pageHandle);
      await d.get(p.url);
      const s = await verdictFor(p.url);
      assert.deepEqual(s.badge.color, rgba(BADGE[s.verdict.level].color), p.id);
      if (p.popular) assert.equal(s.verdict.level, 'green', `${p.id} (popular) is green`);
      if (s.verdict.level === 'yellow') {
        await d.switchTo().window(pageHandle);
        await d.wait(async () => d.executeScript('return !!document.querySelector("ferretwatch-alert")'), 5000);
        await d.sleep(300);
        await shot('firefox-yellow-notice.png');
      }
    }
  });
});
