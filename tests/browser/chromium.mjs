// Headless Chromium with the built extension, per ../../shared BROWSER-TESTING facts:
// playwright-core over /usr/bin/chromium, no-network flags, a fresh profile, every request
// through the local proxy (tests/browser/server.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from './server.mjs';

export const EXT_DIR = join(ROOT, 'dist', 'chromium');
/** Pinned by the manifest's `key`. */
export const EXTENSION_ID = 'idhdlhjomgbkmjejnjlgjflpfmnghbag';

export const NO_NETWORK_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Launches Chromium. `extension: false` gives the same browser without it (for comparisons).
 * Returns {ctx, sw, extensionId, close}.
 */
export async function launch({ proxyUrl, extension = true, locale = 'en-US', viewport = { width: 1100, height: 800 }, headless = true, bfcache = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fw-chromium-'));
  const args = [...NO_NETWORK_FLAGS.filter((f) => headless || f !== '--headless=new'), `--lang=${locale}`];
  if (proxyUrl) args.push(`--proxy-server=${proxyUrl}`, '--proxy-bypass-list=<-loopback>');
  if (extension) args.push(`--disable-extensions-except=${EXT_DIR}`, `--load-extension=${EXT_DIR}`);
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: false,
    args,
    ignoreDefaultArgs: [...(extension ? ['--disable-extensions'] : []), ...(bfcache ? ['--disable-back-forward-cache'] : [])],
    ignoreHTTPSErrors: true,
    viewport,
    locale,
    env: { ...process.env, LANGUAGE: locale.replace('-', '_') },
  });
  // Scam pages open alert()/confirm() loops; a person would close them, so do the tests.
  ctx.on('page', (p) => p.on('dialog', (d) => d.dismiss().catch(() => {})));
  let sw = null;
  if (extension) {
    sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker', { timeout: 20000 }));
  }
  return {
    ctx,
    sw,
    extensionId: sw ? new URL(sw.url()).host : null,
    async close() {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The verdict and badge the extension holds for the tab showing `url` (polls until ready). `sw`:
 * the service worker or an extension page (anything with `evaluate` in the extension's origin).
 */
export async function tabState(sw, url, { timeout = 10000 } = {}) {
  const until = Date.now() + timeout;
  for (;;) {
    const s = await sw.evaluate(async (u) => {
      // (Tabs are found by their stored verdict; only open tabs count — the test of closed tabs
      // checks that none keeps one.)
      const all = await chrome.storage.session.get(null);
      const open = new Set((await chrome.tabs.query({})).map((t) => t.id));
      // Pages may rewrite their fragment (history.pushState floods): compare without it.
      const bare = (x) => x.split('#')[0];
      const key = Object.keys(all).find((k) => k.startsWith('tab:') && open.has(Number(k.slice(4))) && bare(all[k].verdict.url) === bare(u));
      if (!key) return null;
      const tabId = Number(key.slice(4));
      const color = await chrome.action.getBadgeBackgroundColor({ tabId });
      const text = await chrome.action.getBadgeText({ tabId });
      return { tabId, verdict: all[key].verdict, badge: { color, text } };
    }, url);
    if (s) return s;
    if (Date.now() > until) throw new Error(`no verdict for ${url} within ${timeout} ms; ${await tabDiagnosis(sw, url)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * What the extension sees of the tabs showing `url`, for a failure message: their loading status
 * and whether the content script has run in their document (its flag, read in its own world).
 */
async function tabDiagnosis(sw, url) {
  try {
    const seen = await sw.evaluate(async (u) => {
      const bare = (x) => (x ?? '').split('#')[0];
      const all = await chrome.tabs.query({});
      return Promise.all(
        all
          .filter((t) => bare(t.url) === bare(u) || bare(t.pendingUrl) === bare(u))
          .map(async (t) => {
            const ran = await chrome.scripting
              .executeScript({ target: { tabId: t.id }, func: () => globalThis.__ferretwatchScanned ?? false })
              .then(([r]) => r.result, (e) => `unknown (${e.message})`);
            return `tab ${t.id}: status ${t.status}, content script ran: ${ran}`;
          }),
      );
    }, url);
    return seen.length ? seen.join('; ') : 'no tab shows it';
  } catch (e) {
    return `tabs not readable (${e.message})`;
  }
}

/**
 * Texts and buttons of the FerretWatch overlay (closed shadow root) through CDP, which sees it;
 * `tag` 'ferretwatch-bulletin' reads the campaign bulletin's banner instead.
 */
export async function overlayContent(page, tag = 'ferretwatch-alert') {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
    let host = null;
    const find = (n) => {
      if (host) return;
      if (n.localName === tag) host = n;
      for (const c of n.children ?? []) find(c);
    };
    find(root);
    if (!host) return null;
    const shadow = host.shadowRoots?.[0];
    const texts = [];
    const buttons = [];
    const walk = (n, hidden) => {
      const attrs = Object.fromEntries((n.attributes ?? []).reduce((a, v, i, arr) => (i % 2 ? a : [...a, [v, arr[i + 1]]]), []));
      const h = hidden || 'hidden' in attrs || n.localName === 'style';
      if (n.nodeType === 3 && !h && n.nodeValue.trim()) texts.push(n.nodeValue.trim());
      if (n.localName === 'button' && !h) buttons.push({ action: attrs['data-action'], nodeId: n.nodeId, backendNodeId: n.backendNodeId });
      for (const c of n.children ?? []) walk(c, h);
    };
    walk(shadow, false);
    const roles = [];
    const collectRoles = (n) => {
      const a = n.attributes ?? [];
      const i = a.indexOf('role');
      if (i >= 0 && i % 2 === 0) roles.push(a[i + 1]);
      for (const c of n.children ?? []) collectRoles(c);
    };
    collectRoles(shadow);
    return { mode: shadow.shadowRootType, texts, buttons, roles };
  } finally {
    await cdp.detach();
  }
}

/** Clicks an overlay button (by its data-action) through CDP coordinates. */
export async function clickOverlayButton(page, action) {
  const content = await overlayContent(page);
  const b = content?.buttons.find((x) => x.action === action);
  if (!b) throw new Error(`no overlay button ${action}`);
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.scrollIntoViewIfNeeded', { backendNodeId: b.backendNodeId });
    const { model } = await cdp.send('DOM.getBoxModel', { backendNodeId: b.backendNodeId });
    const [x1, y1, , , x3, y3] = model.content;
    await page.mouse.click((x1 + x3) / 2, (y1 + y3) / 2);
  } finally {
    await cdp.detach();
  }
}

/**
 * Keeps a tab on the first page it loads: later top-level navigations (meta refresh, script
 * redirects) are answered 204 No Content, so the browser stays. Only document requests are
 * intercepted (CDP Fetch), the page's other requests go straight through.
 */
export async function keepInPlace(page, { scriptsOff = false } = {}) {
  const cdp = await page.context().newCDPSession(page);
  if (scriptsOff) await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
  let mainFrame = null;
  cdp.on('Fetch.requestPaused', (e) => {
    mainFrame ??= e.frameId;
    const stay = e.frameId === mainFrame && e.request.url.split('#')[0] !== page.__fwFirstUrl;
    page.__fwFirstUrl ??= e.request.url.split('#')[0];
    const call = !stay || page.__fwFirstUrl === e.request.url.split('#')[0]
      ? cdp.send('Fetch.continueRequest', { requestId: e.requestId })
      : cdp.send('Fetch.fulfillRequest', { requestId: e.requestId, responseCode: 204, responseHeaders: [] });
    call.catch(() => {});
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*', resourceType: 'Document' }] });
  return cdp;
}

/**
 * Runs `script` (which must define `window.__fwExtract`) in a fresh isolated world of the page,
 * as the content script runs, and returns `__fwExtract()`'s result. Works with the page's own
 * scripts switched off.
 */
export async function extractIsolated(page, script) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { frameTree } = await cdp.send('Page.getFrameTree');
    const { executionContextId: contextId } = await cdp.send('Page.createIsolatedWorld', { frameId: frameTree.frame.id, worldName: 'fw-test' });
    await cdp.send('Runtime.evaluate', { expression: script, contextId });
    const r = await cdp.send('Runtime.evaluate', { expression: 'window.__fwExtract()', contextId, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`extraction failed: ${JSON.stringify(r.exceptionDetails).slice(0, 300)}`);
    return r.result.value;
  } finally {
    await cdp.detach();
  }
}
