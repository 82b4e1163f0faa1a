// The warning in French and in Arabic (right to left), in real Firefox ESR: the Firefox side of
// locales.test.mjs. Firefox picks the extension's `_locales` from its own UI language, which it
// can only switch to when that language is installed: tests/browser/run.sh installs Debian's
// firefox-esr-l10n-fr and firefox-esr-l10n-ar language packs, and `intl.locale.requested`
// selects one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { By } from 'selenium-webdriver';
import { startServers } from './server.mjs';
import { launchFirefox, overlayContent } from './firefox.mjs';
import { SHOTS, WARNING_TRANSLATIONS } from './common.mjs';

const RED_PAGE = 'https://www.xn--pypal-4ve.com/signin/?country.x=US&locale.x=en_US';
let servers;
before(async () => {
  servers = await startServers();
});
after(async () => servers?.close());

for (const [locale, headline, advice, dir] of WARNING_TRANSLATIONS) {
  test(`red warning in ${locale} (${dir})`, async () => {
    const ff = await launchFirefox({ proxyPort: servers.proxyPort, locale });
    const d = ff.driver;
    try {
      await d.get(RED_PAGE);
      let o = null;
      for (const end = Date.now() + 15000; !(o && o.text) && Date.now() < end; ) {
        o = await overlayContent(d);
        if (!(o && o.text)) await d.sleep(100);
      }
      assert.ok(o, 'the warning is shown');
      assert.equal(o.role, 'alertdialog');
      assert.deepEqual(o.lines.slice(0, 2), [headline, advice]);
      const dirs = [];
      for (const e of await o.root.findElements(By.css('[dir]'))) dirs.push(await e.getAttribute('dir'));
      assert.ok(dirs.includes(dir), `dir=${dir} on the warning (${dirs})`);
      writeFileSync(join(SHOTS, `firefox-red-warning-${locale}.png`), await d.takeScreenshot(), 'base64');
    } finally {
      await ff.close();
    }
  });
}
