// Demo: the built extension in Chromium over the demo pages (demo/index.json), served locally.
// Prints each page's verdict and saves a screenshot per page to artifacts/screenshots/demo-*.png.
// Headless unless a display is present (DISPLAY set): then a visible browser.
// Usage: scripts/build-extension && node tests/browser/demo.mjs
import { join } from 'node:path';
import { startServers, demo } from './server.mjs';
import { launch, tabState, keepInPlace } from './chromium.mjs';
import { SHOTS, redirectsByScript } from './common.mjs';

const servers = await startServers();
const b = await launch({ proxyUrl: servers.proxyUrl, headless: !process.env.DISPLAY });
try {
  for (const p of demo()) {
    const page = await b.ctx.newPage();
    await keepInPlace(page, { scriptsOff: redirectsByScript(p) });
    await page.goto(p.url, { waitUntil: 'commit' });
    const { verdict: v } = await tabState(b.sw, p.url);
    await page.waitForTimeout(v.level === 'green' ? 100 : 500);
    await page.waitForTimeout(400); // the warning fades in over 180 ms (a closed shadow root: Playwright cannot disable it)
    await page.screenshot({ path: join(SHOTS, `demo-${p.id}.png`) });
    const top = v.findings[0];
    console.log(`${v.level.toUpperCase().padEnd(6)} ${String(v.score).padStart(3)}  ${p.id}  ${top ? `${top.signal}: ${top.evidence}` : ''}`);
    if (!process.env.DISPLAY) await page.close({ runBeforeUnload: false });
  }
} finally {
  await b.close();
  await servers.close();
}
