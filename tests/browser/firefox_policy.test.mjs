// Enterprise policy in real headless Firefox ESR: the admin's settings reach the extension through
// Firefox's enterprise policies (policies.json, `3rdparty.Extensions.<extension id>`, checked
// against extension/policy/managed_schema.json), exactly as an IT department deploys them. See
// firefox.mjs for how this Firefox gets its own policies.json without touching the system's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { By, until } from 'selenium-webdriver';
import { startServers } from './server.mjs';
import { launchFirefox, EXT_ORIGIN, GECKO_ID, runAsync } from './firefox.mjs';
import { ROOT, allPages, comparable, nodeEngine, registrableDomains, SHOTS } from './common.mjs';
import { effective, engineSettings } from '../../extension/lib/settings.js';

/** What the admin pins (every kind of key: number, level, URL, list, boolean). */
const POLICY = {
  redThreshold: 50,
  degradationLevel: 2,
  reportEndpoint: 'https://reports.corp.example/v1/reports',
  trustedSites: ['intranet.corp.example'],
  telemetryOptIn: false,
};

let servers;
let ff;
let d;
let extHandle;
let pageHandle;
let seeded;

async function inExtension(body, ...args) {
  await d.switchTo().window(extHandle);
  return runAsync(d, body, ...args);
}

async function verdictFor(url, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    const states = await inExtension(`const tabs = await browser.tabs.query({});
      return browser.runtime.sendMessage({ type: 'tabsState', tabIds: tabs.map((t) => t.id) });`);
    const s = states.find((x) => x.verdict.url === url);
    if (s) return s;
    if (Date.now() > end) throw new Error(`no verdict for ${url}: ${JSON.stringify(states).slice(0, 400)}`);
    await d.sleep(100);
  }
}

async function shot(name) {
  await d.sleep(400);
  writeFileSync(join(SHOTS, name), Buffer.from(await d.takeScreenshot(), 'base64'));
}

before(async () => {
  servers = await startServers();
  ff = await launchFirefox({ proxyPort: servers.proxyPort, policies: { '3rdparty': { Extensions: { [GECKO_ID]: POLICY } } } });
  d = ff.driver;
  pageHandle = await d.getWindowHandle();
  await d.switchTo().newWindow('tab');
  extHandle = await d.getWindowHandle();
  await d.get(`${EXT_ORIGIN}/popup/popup.html`);
  const domains = await registrableDomains(allPages().map((p) => p.url));
  const weekAgo = Date.now() - 7 * 86400_000;
  seeded = Object.fromEntries(Object.values(domains).map((x) => [x, weekAgo]));
  await inExtension('await browser.storage.local.set({ firstSeen: arguments[0] });', seeded);
});

after(async () => {
  await ff?.close();
  await servers?.close();
});

describe('Firefox ESR with an enterprise policy', () => {
  test('the policy reaches storage.managed and pins the settings; the popup says who set the level', async () => {
    assert.deepEqual(await inExtension(`return browser.storage.managed.get(null);`), POLICY);
    // The background reads the policy asynchronously at start: wait until it is in force.
    let state;
    const end = Date.now() + 10000;
    do {
      state = await inExtension(`return browser.runtime.sendMessage({ type: 'popupState' });`);
    } while (state.level.source !== 'policy' && Date.now() < end && (await d.sleep(100), true));
    assert.deepEqual(state.level, { level: 2, source: 'policy' });
    assert.equal(state.settings.redThreshold, 50);
    assert.equal(state.settings.reportEndpoint, POLICY.reportEndpoint);
    assert.ok(state.settings.trustedSites.includes('intranet.corp.example'));
    assert.deepEqual(new Set(state.locked), new Set(['redThreshold', 'degradationLevel', 'reportEndpoint', 'telemetryOptIn']));
    // A user's own choice cannot undo a pinned key.
    await inExtension(`await browser.storage.local.set({ settings: { redThreshold: 90, telemetryOptIn: true } });`);
    const after_ = await inExtension(`return browser.runtime.sendMessage({ type: 'settingsChanged' });`);
    assert.equal(after_.settings.redThreshold, 50);
    assert.equal(after_.settings.telemetryOptIn, false);
    await inExtension(`await browser.storage.local.remove('settings'); await browser.runtime.sendMessage({ type: 'settingsChanged' });`);
    await d.get(`${EXT_ORIGIN}/popup/popup.html`);
    await d.wait(until.elementLocated(By.css('body[data-ready=true]')), 10000);
    assert.equal(await d.findElement(By.id('level')).getText(), '2 – core checks only · set by your organization');
  });

  test('the options page shows the managed settings locked', async () => {
    await d.switchTo().window(extHandle);
    await d.get(`${EXT_ORIGIN}/options/options.html`);
    await d.wait(until.elementLocated(By.css('body[data-ready=true]')), 10000);
    assert.equal(await d.findElement(By.id('policy-note')).isDisplayed(), true);
    assert.equal(await d.findElement(By.id('policy-note')).getText(), 'Some settings are managed by your organization and cannot be changed here.');
    assert.equal(await d.findElement(By.id('threshold')).getAttribute('value'), '50');
    for (const id of ['threshold', 'telemetry', 'endpoint']) assert.equal(await d.findElement(By.id(id)).isEnabled(), false, `#${id} locked`);
    assert.equal(await d.findElement(By.id('update-urls')).isEnabled(), true, 'a key the policy leaves alone stays editable');
    // A site trusted by policy is listed as such, with no Remove button (the policy would add it back).
    assert.equal((await d.findElements(By.css('#trusted-list li'))).length, 1);
    const spans = await d.findElements(By.css('#trusted-list li span'));
    assert.deepEqual(await Promise.all(spans.map((x) => x.getText())), ['intranet.corp.example', 'set by your organization']);
    assert.equal((await d.findElements(By.css('#trusted-list button'))).length, 0);
    await shot('firefox-options-policy.png');
    await d.get(`${EXT_ORIGIN}/popup/popup.html`);
  });

  test('verdicts follow the policy: level 2 skips the level-1 signals, the red threshold is 50', async () => {
    // The engine in node with the same settings and level is the reference.
    const engine = await nodeEngine();
    engine.setSettings(engineSettings(effective({}, POLICY).settings));
    engine.setDegradationLevel(2);
    const bin = process.env.FW_BIN ?? join(ROOT, 'target', 'debug', 'ferretwatch');
    const native = execFileSync(bin, ['features', '--corpus', join(ROOT, 'tests', 'corpus', 'index.json')], { encoding: 'utf8', maxBuffer: 1 << 28 })
      .split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const byId = new Map(native.map((x) => [x.id, x.features]));
    const scan = async (id) => {
      const f = byId.get(id);
      return engine.scan({ ...f, first_seen_ms: Date.now() - 7 * 86400_000, now_ms: Date.now() });
    };
    // A logo page: brand_asset_mismatch (level 1 only) must not run at level 2.
    const logo = allPages().find((p) => p.id === 'paypal-logo-only-kit');
    // A page red only because the policy lowered the threshold to 50.
    let between = null;
    // (Pages without scripts of their own: what Firefox sees is then exactly the served HTML.)
    for (const p of allPages().filter((x) => byId.has(x.id) && !/<script/i.test(readFileSync(x.file, 'utf8')))) {
      const v = await scan(p.id);
      if (v.level === 'red' && v.score < 70 && p.id !== logo.id) {
        between = p;
        break;
      }
    }
    assert.ok(between, 'a corpus page scoring 50-69 at level 2');
    const seen = new Map();
    for (const p of [logo, between]) {
      await d.switchTo().window(pageHandle);
      await d.get(p.url);
      const s = await verdictFor(p.url);
      seen.set(p.id, s.verdict);
      const expected = await scan(p.id);
      assert.equal(s.verdict.level, expected.level, `${p.id}: level under the policy`);
      assert.equal(s.verdict.score, expected.score, `${p.id}: score under the policy`);
      assert.deepEqual(comparable(s.verdict).findings.map((f) => f.signal).sort(), comparable(expected).findings.map((f) => f.signal).sort(), p.id);
    }
    assert.ok(!seen.get(logo.id).findings.some((f) => f.signal === 'brand_asset_mismatch'), 'no logo check at level 2');
    const b = seen.get(between.id);
    assert.equal(b.level, 'red', `${between.id} (score ${b.score}) is red under the policy's threshold 50`);
  });
});
