// The warning in French and in Arabic (right to left), in real Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServers } from './server.mjs';
import { launch, tabState, overlayContent } from './chromium.mjs';
import { SHOTS, WARNING_TRANSLATIONS } from './common.mjs';

const RED_PAGE = 'https://www.xn--pypal-4ve.com/signin/?country.x=US&locale.x=en_US';
let servers;
before(async () => {
  servers = await startServers();
});
after(async () => servers?.close());

for (const [locale, headline, advice, dir] of WARNING_TRANSLATIONS) {
  test(`red warning in ${locale} (${dir})`, async () => {
    const b = await launch({ proxyUrl: servers.proxyUrl, locale });
    try {
      const page = await b.ctx.newPage();
      await page.goto(RED_PAGE, { waitUntil: 'commit' });
      await tabState(b.sw, RED_PAGE);
      let o = null;
      for (let i = 0; i < 50 && !o; i++) {
        o = await overlayContent(page);
        if (!o) await page.waitForTimeout(50);
      }
      assert.equal(o.texts[1], headline);
      assert.equal(o.texts[2], advice);
      const cdp = await page.context().newCDPSession(page);
      const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
      const dirs = [];
      const walk = (n) => {
        const a = n.attributes ?? [];
        for (let i = 0; i < a.length; i += 2) if (a[i] === 'dir') dirs.push(a[i + 1]);
        (n.children ?? []).forEach(walk);
        (n.shadowRoots ?? []).forEach(walk);
      };
      walk(root);
      assert.ok(dirs.includes(dir), `dir=${dir} on the warning (${dirs})`);
      await page.waitForTimeout(400); // the warning fades in over 180 ms (a closed shadow root: Playwright cannot disable it)
      await page.screenshot({ path: join(SHOTS, `chromium-red-warning-${locale}.png`) });
    } finally {
      await b.close();
    }
  });
}
