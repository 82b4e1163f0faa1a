// Rule updates in headless Firefox ESR (geckodriver) against the local static CDN
// (tests/browser/cdn.mjs), the Firefox side of updates.test.mjs: packs made with the real
// `ferretwatch pack build / sign / deploy` and `control set-level`, signed with the dev keys the
// built extension trusts. Firefox reaches the CDN through the test proxy (every request goes
// through it, tests/browser/server.mjs `forward`). In one profile: the signed bundled pack is
// verified at start; a good update becomes active and verdicts use it (ETag 304 next time); a
// tampered artifact and a bad signature are refused with the reason shown in the popup while the
// last known good stays; a signed control document switches the degradation level; with the CDN
// down the popup shows the rules as stale.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServers } from './server.mjs';
import { launchFirefox, EXT_ORIGIN, runAsync } from './firefox.mjs';
import { DEV_KEYS, fw, startCdn, updateWorkspace } from './cdn.mjs';
import { ROOT, SHOTS } from './common.mjs';

const HOST = 'fresh-scam.example';
const { work, cdnDir, bundledVersion, key, buildPack, publishRaw, publishTampered, publishBadSignature } = updateWorkspace({
  prefix: 'fw-updates-ff-',
  host: HOST,
  bundle: join(ROOT, 'dist', 'firefox', 'packs', 'default.fwpack'),
});

/** A page under HOST, served by the test proxy's site map. */
const pageFile = join(work, 'page.html');
writeFileSync(pageFile, '<!doctype html><title>Gift shop</title><h1>Welcome to our shop</h1><p>Nothing to see here.</p>');

let servers;
let cdn;
let ff;
let d;
let extHandle;
let pageHandle;
let visits = 0;

/** Runs an async script in the extension's own tab (it may use `browser.*`); returns its result. */
async function inExtension(body, ...args) {
  await d.switchTo().window(extHandle);
  return runAsync(d, body, ...args);
}

async function send(msg) {
  const r = await inExtension('return browser.runtime.sendMessage(args[0]);', msg);
  if (r && typeof r === 'object' && 'error' in r) throw new Error(r.error);
  return r;
}
const status = () => send({ type: 'updateStatus' });
const checkNow = () => send({ type: 'updateNow' });

/** Requests the CDN saw during `fn`. */
async function seen(fn) {
  const start = cdn.log.length;
  const r = await fn();
  return { r, requests: cdn.log.slice(start) };
}

/** Polls `get` until `ok(value)` (up to 10 s); returns the last value. */
async function until(get, ok) {
  let v = await get();
  for (const end = Date.now() + 10000; !ok(v) && Date.now() < end; ) {
    await d.sleep(100);
    v = await get();
  }
  return v;
}

/** The verdict of a fresh visit to the test page. */
async function visit() {
  const url = `http://${HOST}/page.html?v=${++visits}`;
  await d.switchTo().window(pageHandle);
  await d.get(url);
  const s = await until(
    async () => {
      const states = await inExtension(`const tabs = await browser.tabs.query({});
        return browser.runtime.sendMessage({ type: 'tabsState', tabIds: tabs.map((t) => t.id) });`);
      return states.find((x) => x.verdict.url === url);
    },
    (x) => x !== undefined,
  );
  assert.ok(s, `a verdict for ${url}`);
  return s.verdict;
}

/** The popup's update lines (null when hidden), with a screenshot when named. */
async function popup(name) {
  await d.switchTo().window(extHandle);
  await d.get(`${EXT_ORIGIN}/popup/popup.html`);
  await d.wait(async () => (await d.executeScript('return document.body.dataset.ready')) === 'true', 15000);
  const out = await d.executeScript(`const text = (sel) => {
      const e = document.querySelector(sel);
      return e && !e.hidden && e.getClientRects().length ? e.textContent.trim() : null;
    };
    return { updates: text('#updates'), rejected: text('#rejected'), stale: text('#stale'), level: text('#level'), pack: text('#pack') };`);
  if (name) writeFileSync(join(SHOTS, `firefox-popup-${name}.png`), await d.takeScreenshot(), 'base64');
  return out;
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  servers = await startServers({ pages: [{ url: `http://${HOST}/page.html`, file: pageFile }] });
  cdn = await startCdn(cdnDir);
  servers.forward(cdn.url);
  ff = await launchFirefox({ proxyPort: servers.proxyPort });
  d = ff.driver;
  extHandle = await d.getWindowHandle();
  await d.get(`${EXT_ORIGIN}/popup/popup.html`);
  await d.switchTo().newWindow('tab');
  pageHandle = await d.getWindowHandle();
  await inExtension('await browser.storage.local.set({ settings: { updateUrls: [args[0]] } });', cdn.url);
  await send({ type: 'settingsChanged' });
});

after(async () => {
  await ff?.close();
  await cdn?.close();
  await servers?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('rule updates (Firefox ESR, local CDN)', () => {
  test('the signed bundled pack is verified in wasm at start', async () => {
    const s = await until(status, (x) => x.pack?.signers);
    assert.equal(s.source, 'bundled');
    assert.equal(s.packVersion, bundledVersion);
    assert.equal(s.pack.signers.length, 2, 'two publisher signatures checked');
    assert.deepEqual(s.urls, [cdn.url]);
    const v = await visit();
    assert.equal(v.pack_version, bundledVersion);
    assert.ok(!v.findings.some((f) => f.signal === 'reputation_hit'), 'the bundled pack does not list the test host');
  });

  test('a good update becomes active, verdicts use it, and the next check is a 304', async () => {
    const v2 = buildPack('2026.11.25.2');
    assert.equal(fw('pack', 'deploy', v2, '--cdn', cdnDir, '--root', join(DEV_KEYS, 'root.pub')).pack_version, '2026.11.25.2');
    const { r, requests } = await seen(checkNow);
    assert.equal(r.packVersion, '2026.11.25.2');
    assert.equal(r.source, 'update');
    assert.equal(r.lastRejection, null);
    const paths = requests.filter((q) => q.method === 'GET').map((q) => q.path);
    assert.ok(paths.includes('/cdn/manifest.json') && paths.includes('/cdn/keys.json'), paths.join(' '));
    assert.ok(paths.some((p) => p.startsWith('/cdn/artifacts/')), 'artifacts fetched by hash');
    const v = await visit();
    assert.equal(v.pack_version, '2026.11.25.2');
    const hit = v.findings.find((f) => f.signal === 'reputation_hit');
    assert.equal(hit?.source, 'update-test', 'the new list matches and names its source');
    const again = await seen(checkNow);
    const m = again.requests.find((q) => q.path === '/cdn/manifest.json' && q.method === 'GET');
    assert.equal(m.status, 304);
    assert.ok(m.inm, 'If-None-Match sent');
    assert.ok(!again.requests.some((q) => q.path.startsWith('/cdn/artifacts/')), 'nothing downloaded again');
  });

  const refused = [
    {
      name: 'a tampered artifact',
      version: '2026.11.25.3',
      kind: 'hash_mismatch',
      make() {
        publishTampered(this.version);
      },
    },
    {
      name: 'a bad signature',
      version: '2026.11.25.4',
      kind: 'bad_signature',
      make() {
        publishBadSignature(this.version);
      },
    },
  ];
  for (const c of refused) {
    test(`${c.name} is refused, the last known good is kept, the reason is shown`, async () => {
      c.make();
      const r = await checkNow();
      assert.equal(r.lastRejection?.kind, c.kind, r.lastRejection?.message);
      assert.equal(r.lastRejection.version, c.version);
      assert.equal(r.packVersion, '2026.11.25.2', 'last known good kept');
      const p = await popup(`rejected-${c.kind}`);
      assert.match(p.rejected, new RegExp(`^Update ${c.version.replaceAll('.', '\\.')} was refused: .+\\. The rules in use were kept\\.$`));
      assert.match(p.pack, /^2026\.11\.25\.2 /);
      assert.equal((await visit()).pack_version, '2026.11.25.2');
    });
  }

  test('a signed control document switches the degradation level', async () => {
    publishRaw(join(work, 'pack-2026.11.25.2'));
    const seq = Math.floor(Date.now() / 1000);
    fw('control', 'set-level', '3', '--reason', 'CDN incident', '--out', join(cdnDir, 'control.json'), '--sequence', String(seq), '--key', key('alice'), '--key', key('bob'));
    await checkNow();
    const s = await until(status, (x) => x.level?.level === 3);
    assert.deepEqual(s.level, { level: 3, source: 'control' });
    const p = await popup('level-control');
    assert.equal(p.level, '3 – saved rules only · set by the FerretWatch team');
    const { requests } = await seen(checkNow);
    assert.deepEqual(requests.filter((q) => q.method === 'GET').map((q) => q.path), ['/cdn/control.json'], 'level 3: saved rules only, the control document is still pulled');
    fw('control', 'set-level', '1', '--reason', 'resolved', '--out', join(cdnDir, 'control.json'), '--sequence', String(seq + 1), '--key', key('alice'), '--key', key('bob'));
    await checkNow();
    assert.deepEqual((await until(status, (x) => x.level?.level === 1)).level, { level: 1, source: 'control' });
  });

  test('with the CDN down, updates back off and the popup shows the rules as stale', async () => {
    cdn.down = true;
    // Three days without a successful check (the clock cannot be moved: the record is).
    await inExtension(`const { updateState } = await browser.storage.local.get('updateState');
      await browser.storage.local.set({ updateState: { ...updateState, lastSuccessAt: Date.now() - 3 * 86400_000 } });`);
    const before = Date.now();
    const r = await checkNow();
    assert.equal(r.failures, 1);
    assert.equal(r.lastError.kind, 'cdn_unreachable');
    assert.equal(r.stale, true);
    assert.equal(r.packVersion, '2026.11.25.2', 'still protected by the last known good pack');
    assert.ok(r.nextCheckAt >= before + 60 * 60_000, 'backs off at least an hour');
    const p = await popup('stale');
    assert.match(p.updates, /^Failing since .+: the update server cannot be reached$/);
    assert.match(p.stale ?? '', /^The rules could not be updated recently\./);
    assert.equal((await visit()).pack_version, '2026.11.25.2');
    cdn.down = false;
  });
});
