// Rule updates in headless Chromium against a local static CDN (tests/browser/cdn.mjs) filled
// with the real `ferretwatch pack build / sign / deploy`, `control set-level` and `bulletin
// create`, signed with the dev keys the built extension trusts (scripts/build-extension).
// Scenarios, in one browser profile: the signed bundled pack is verified at start; a good update
// becomes active and verdicts use it (failover past a dead URL, ETag 304 next time, a bulletin
// pulled with it); a tampered artifact, a bad signature, a rollback and an expired manifest are
// each refused with the reason recorded and shown in the popup while the last known good stays;
// the last known good survives a browser restart (IndexedDB); a signed control document switches
// the degradation level (and level 3 stops pack pulls); with the CDN down, the popup shows the
// rules as stale.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { EXT_DIR, EXTENSION_ID, NO_NETWORK_FLAGS, overlayContent, tabState } from './chromium.mjs';
import { DEV_KEYS, fw, startCdn, updateWorkspace } from './cdn.mjs';
import { SHOTS } from './common.mjs';

const HOST = 'fresh-scam.example';
const { work, cdnDir, bundledVersion, key, buildPack, publishRaw, publishTampered, publishBadSignature } = updateWorkspace({
  prefix: 'fw-updates-',
  host: HOST,
  bundle: join(EXT_DIR, 'packs', 'default.fwpack'),
});
const profile = join(work, 'profile');

let cdn;
let browser;
let ctl; // an extension page that talks to the background

async function launch() {
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: false,
    args: [...NO_NETWORK_FLAGS, `--host-resolver-rules=MAP ${HOST} 127.0.0.1`, `--disable-extensions-except=${EXT_DIR}`, `--load-extension=${EXT_DIR}`],
    ignoreDefaultArgs: ['--disable-extensions'],
    viewport: { width: 1000, height: 800 },
  });
  const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker', { timeout: 20000 }));
  const page = await ctx.newPage();
  await page.goto(`chrome-extension://${EXTENSION_ID}/popup/popup.html`);
  return { ctx, sw, page };
}

async function send(msg) {
  const r = await ctl.evaluate((m) => chrome.runtime.sendMessage(m), msg);
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

/** The verdict of a fresh visit to the test page. */
async function visit() {
  const url = `http://${HOST}:${cdn.port}/pages/page.html?t=${Date.now()}`;
  const page = await browser.ctx.newPage();
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  const s = await tabState(browser.sw, url);
  await page.close();
  return s.verdict;
}

async function popup(name) {
  const p = await browser.ctx.newPage();
  await p.setViewportSize({ width: 412, height: 760 });
  await p.goto(`chrome-extension://${EXTENSION_ID}/popup/popup.html`);
  await p.waitForSelector('body[data-ready=true]');
  const text = async (sel) => ((await p.isVisible(sel)) ? (await p.textContent(sel)).trim() : null);
  const out = { updates: await text('#updates'), rejected: await text('#rejected'), stale: await text('#stale'), level: await text('#level'), pack: await text('#pack') };
  if (name) await p.screenshot({ path: join(SHOTS, `chromium-popup-${name}.png`), fullPage: true });
  await p.close();
  return out;
}

before(async () => {
  cdn = await startCdn(cdnDir, { 'page.html': '<!doctype html><title>Gift shop</title><h1>Welcome to our shop</h1><p>Nothing to see here.</p>' });
  browser = await launch();
  ctl = browser.page;
  // Failover: the first URL is a closed port; the CDN is the second.
  await browser.sw.evaluate((urls) => chrome.storage.local.set({ settings: { updateUrls: urls } }), ['http://127.0.0.1:1/', cdn.url]);
  await send({ type: 'settingsChanged' });
});

after(async () => {
  await browser?.ctx.close().catch(() => {});
  await cdn?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('rule updates (Chromium, local CDN)', () => {
  test('the signed bundled pack is verified in wasm at start', async (t) => {
    let s = await status();
    for (let i = 0; i < 50 && !s.pack?.signers; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await status();
    }
    assert.equal(s.source, 'bundled');
    assert.equal(s.packVersion, bundledVersion);
    assert.equal(s.pack.signers.length, 2, 'two publisher signatures checked');
    const { health } = await send({ type: 'popupState' });
    t.diagnostic(`cold start from the bundled pack: ${JSON.stringify(health.loadTimings)}`);
    assert.ok(s.nextCheckAt > Date.now() + 60_000, 'the first scheduled check is minutes away, not at start');
    assert.deepEqual(s.urls, ['http://127.0.0.1:1/', cdn.url]);
    const v = await visit();
    assert.ok(!v.findings.some((f) => f.signal === 'reputation_hit'), 'the bundled pack does not list the test host');
  });

  test('a good update becomes active and verdicts use it (failover, ETag, bulletin)', async () => {
    const v2 = buildPack('2026.11.25.2');
    const d = fw('pack', 'deploy', v2, '--cdn', cdnDir, '--root', join(DEV_KEYS, 'root.pub'));
    assert.equal(d.pack_version, '2026.11.25.2');
    mkdirSync(join(cdnDir, 'bulletins'), { recursive: true });
    fw('bulletin', 'create', '--out', join(cdnDir, 'bulletins', 'TEST-1.json'), '--id', 'TEST-1', '--severity', 'high', '--message', 'Fake gift-card shops are active', '--scope', HOST, '--max-shows', '2', '--per-hours', '24', '--key', key('alice'), '--key', key('bob'));
    writeFileSync(join(cdnDir, 'bulletins', 'index.json'), JSON.stringify({ bulletins: ['TEST-1'] }));
    const t0 = performance.now();
    const { r, requests } = await seen(checkNow);
    const ms = performance.now() - t0;
    assert.equal(r.packVersion, '2026.11.25.2');
    assert.equal(r.source, 'update');
    assert.equal(r.failures, 0);
    assert.equal(r.lastRejection, null);
    const paths = requests.filter((q) => q.method === 'GET').map((q) => q.path);
    assert.ok(paths.includes('/cdn/manifest.json') && paths.includes('/cdn/keys.json') && paths.includes('/cdn/control.json'));
    const fetched = paths.filter((p) => p.startsWith('/cdn/artifacts/'));
    assert.ok(fetched.length > 0, 'artifacts fetched by hash');
    const brands = fw('pack', 'inspect', v2).artifacts.find((x) => x.path === 'brands.json');
    assert.ok(!fetched.includes(`/cdn/artifacts/${brands.sha256}`), 'an artifact the bundled pack already has is not downloaded again');
    assert.ok(requests.every((q) => q.path.startsWith('/cdn/')), 'requests only under the configured update URL');
    // Verdicts use the new pack.
    const v = await visit();
    assert.equal(v.pack_version, '2026.11.25.2');
    const hit = v.findings.find((f) => f.signal === 'reputation_hit');
    assert.ok(hit, 'the new list matches');
    // The bulletin came with it.
    const { bulletins } = await browser.sw.evaluate(() => chrome.storage.local.get('bulletins'));
    assert.deepEqual(bulletins.map((x) => x.id), ['TEST-1']);
    // …the page it names shows it (the visit above was its first show of two per 24 h)…
    const url = `http://${HOST}:${cdn.port}/pages/page.html?bulletin=1`;
    const tab = await browser.ctx.newPage();
    await tab.goto(url, { waitUntil: 'domcontentloaded' });
    const ts = await tabState(browser.sw, url);
    let banner = null;
    for (let i = 0; i < 50 && !banner; i++) {
      banner = await overlayContent(tab, 'ferretwatch-bulletin');
      if (!banner) await tab.waitForTimeout(100);
    }
    assert.ok(banner, 'the bulletin is shown on the page');
    assert.equal(banner.mode, 'closed');
    assert.deepEqual(banner.roles, ['status']);
    assert.deepEqual(banner.texts, ['FerretWatch alert: a scam campaign is active', 'Fake gift-card shops are active', 'Close']);
    assert.deepEqual(banner.buttons.map((x) => x.action), ['close']);
    assert.deepEqual((await overlayContent(tab, 'ferretwatch-alert'))?.roles, ['alertdialog', 'group'], 'the red warning (the new list names the site) is there too');
    await tab.waitForTimeout(400); // the warning fades in over 180 ms
    await tab.screenshot({ path: join(SHOTS, 'chromium-page-bulletin.png') });
    const { bulletinShows } = await browser.sw.evaluate(() => chrome.storage.local.get('bulletinShows'));
    assert.equal(bulletinShows['TEST-1'].length, 2, 'two shows recorded');
    // …not a third time within its frequency cap…
    const capped = await browser.ctx.newPage();
    const cappedUrl = `http://${HOST}:${cdn.port}/pages/page.html?bulletin=3`;
    await capped.goto(cappedUrl, { waitUntil: 'domcontentloaded' });
    await tabState(browser.sw, cappedUrl);
    await capped.waitForTimeout(500);
    assert.equal(await overlayContent(capped, 'ferretwatch-bulletin'), null, 'capped at 2 shows per 24 h');
    await capped.close();
    // …and the popup shows it on the site it names.
    const pp = await browser.ctx.newPage();
    await pp.setViewportSize({ width: 412, height: 760 });
    await pp.goto(`chrome-extension://${EXTENSION_ID}/popup/popup.html?tab=${ts.tabId}`);
    await pp.waitForSelector('body[data-ready=true]');
    assert.equal(await pp.isVisible('#bulletin'), true);
    assert.equal(await pp.textContent('#bulletin-text'), 'Fake gift-card shops are active');
    await pp.screenshot({ path: join(SHOTS, 'chromium-popup-bulletin.png'), fullPage: true });
    await pp.close();
    await tab.close();
    // Next check: If-None-Match, 304, nothing else downloaded.
    const tb = await send({ type: 'telemetryBatch' });
    assert.equal(tb.pack_updates.download_ms.count, 1, 'one pack downloaded');
    assert.equal(tb.pack_updates.ok, 1);
    const again = await seen(checkNow);
    const m = again.requests.find((q) => q.path === '/cdn/manifest.json' && q.method === 'GET');
    assert.equal(m.status, 304);
    assert.ok(m.inm, 'If-None-Match sent');
    assert.ok(!again.requests.some((q) => q.path.startsWith('/cdn/artifacts/')));
    assert.equal(again.r.lastCheck.result.unchanged, true);
    console.log(`# good update: ${ms.toFixed(0)} ms from check to active pack`);
  });

  const refused = [
    {
      name: 'a tampered artifact',
      version: '2026.11.25.3',
      kinds: ['hash_mismatch'],
      make() {
        publishTampered(this.version);
      },
    },
    {
      name: 'a bad signature',
      version: '2026.11.25.4',
      kinds: ['bad_signature'],
      make() {
        publishBadSignature(this.version);
      },
    },
    {
      name: 'a rollback to a lower version',
      version: '2026.11.24.9',
      kinds: ['rollback'],
      make() {
        publishRaw(buildPack(this.version));
      },
    },
    {
      name: 'an expired manifest',
      version: '2026.11.25.5',
      kinds: ['expired'],
      make() {
        const created = Math.floor(Date.now() / 1000) - 20 * 86400;
        publishRaw(buildPack(this.version, ['--created', String(created), '--expires-days', '2']));
      },
    },
  ];
  for (const c of refused) {
    test(`${c.name} is refused, the last known good is kept, the reason is shown`, async () => {
      c.make();
      const r = await checkNow();
      assert.ok(c.kinds.includes(r.lastRejection?.kind), `kind ${r.lastRejection?.kind}: ${r.lastRejection?.message}`);
      assert.equal(r.lastRejection.version, c.version);
      assert.equal(r.packVersion, '2026.11.25.2', 'last known good kept');
      assert.ok(r.failures >= 1, 'counts as a failed check (backoff)');
      const p = await popup();
      assert.match(p.rejected, new RegExp(`^Update ${c.version.replaceAll('.', '\\.')} was refused: .+\\. The rules in use were kept\\.$`));
      assert.match(p.pack, /^2026\.11\.25\.2 /);
      assert.equal((await visit()).pack_version, '2026.11.25.2');
      const tb = await send({ type: 'telemetryBatch' });
      assert.ok(tb.pack_updates.rejected[c.kinds[0]] >= 1, 'counted in telemetry by kind');
    });
  }

  test('the last known good pack survives a browser restart (IndexedDB)', async (t) => {
    await browser.ctx.close();
    browser = await launch();
    ctl = browser.page;
    let s = await status();
    for (let i = 0; i < 50 && s.source === null; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await status();
    }
    assert.equal(s.source, 'update');
    assert.equal(s.packVersion, '2026.11.25.2');
    const { health } = await send({ type: 'popupState' });
    t.diagnostic(`cold start from the cached pack: ${JSON.stringify(health.loadTimings)}`);
    const v = await visit();
    assert.equal(v.pack_version, '2026.11.25.2');
    assert.ok(v.findings.some((f) => f.signal === 'reputation_hit'));
  });

  test('a signed control document switches the degradation level; level 3 pulls no pack', async () => {
    // The good pack is back on the CDN (the last refused manifest would be refused again).
    publishRaw(join(work, 'pack-2026.11.25.2'));
    const seq = Math.floor(Date.now() / 1000);
    fw('control', 'set-level', '3', '--reason', 'CDN incident', '--out', join(cdnDir, 'control.json'), '--sequence', String(seq), '--key', key('alice'), '--key', key('bob'));
    cpSync(join(cdnDir, 'control.json'), join(work, 'control-3.json'));
    await checkNow();
    let s = await status();
    for (let i = 0; i < 50 && s.level.level !== 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await status();
    }
    assert.deepEqual(s.level, { level: 3, source: 'control' });
    const p = await popup('level-control');
    assert.equal(p.level, '3 – saved rules only · set by the FerretWatch team');
    assert.equal(p.rejected, null, 'the CDN serves the pack in force again: no refusal shown');
    const { requests } = await seen(checkNow);
    assert.deepEqual(requests.filter((q) => q.method === 'GET').map((q) => q.path), ['/cdn/control.json'], 'level 3: cached rules only, the control document is still pulled');
    // A later document brings the fleet back to level 1.
    fw('control', 'set-level', '1', '--reason', 'resolved', '--out', join(cdnDir, 'control.json'), '--sequence', String(seq + 1), '--key', key('alice'), '--key', key('bob'));
    await checkNow();
    for (let i = 0; i < 50 && s.level.level !== 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await status();
    }
    assert.deepEqual(s.level, { level: 1, source: 'control' });
    // Past its expiry a control document no longer sets the level (the clock cannot be moved:
    // the stored document's expiry is), and an older one replayed afterwards is refused.
    const level3 = readFileSync(join(work, 'control-3.json'));
    rmSync(join(cdnDir, 'control.json'));
    await browser.sw.evaluate(async () => {
      const { control } = await chrome.storage.local.get('control');
      await chrome.storage.local.set({ control: { ...control, expires: Math.floor(Date.now() / 1000) - 1 } });
    });
    await checkNow();
    for (let i = 0; i < 50 && s.level.source !== 'default'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await status();
    }
    assert.deepEqual(s.level, { level: 1, source: 'default' });
    writeFileSync(join(cdnDir, 'control.json'), level3);
    const replay = await checkNow();
    assert.equal(replay.controlError?.kind, 'replay');
    assert.deepEqual((await status()).level, { level: 1, source: 'default' });
  });

  test('with the CDN down, updates fail over, back off, and the popup shows the rules as stale', async () => {
    cdn.down = true;
    // Two days without a successful check (the clock cannot be moved: the record is).
    await browser.sw.evaluate(async () => {
      const { updateState } = await chrome.storage.local.get('updateState');
      await chrome.storage.local.set({ updateState: { ...updateState, lastSuccessAt: Date.now() - 3 * 86400_000 } });
    });
    const before = Date.now();
    const r = await checkNow();
    assert.equal(r.failures, 1);
    assert.equal(r.lastError.kind, 'cdn_unreachable');
    assert.equal(r.stale, true);
    assert.equal(r.packVersion, '2026.11.25.2', 'still protected by the last known good pack');
    assert.ok(r.nextCheckAt >= before + 60 * 60_000, 'backs off at least an hour');
    const r2 = await checkNow();
    assert.equal(r2.failures, 2);
    assert.ok(r2.nextCheckAt >= before + 2 * 60 * 60_000, 'exponential backoff');
    // Update outcomes feed the telemetry batch (this worker life: since the restart).
    const batch = await send({ type: 'telemetryBatch' });
    assert.equal(batch.pack_updates.failed.network, 2);
    assert.ok(batch.pack_updates.ok >= 3, `ok ${batch.pack_updates.ok}`);
    assert.deepEqual(batch.pack_updates.rejected, {});
    const p = await popup('stale');
    assert.match(p.updates, /^Failing since .+: the update server cannot be reached$/);
    assert.match(p.stale ?? '', /^The rules could not be updated recently\./);
    cdn.down = false;
  });
});
