// The real-mark logo hashes of packs/default/brands.json (scripts/brand-logo-hashes.mjs) against
// Chromium: every kept mark drawn by Chromium's own SVG renderer (not the script's resvg),
// shown on a page as a data: PNG and hashed by the content script's extractor
// (extension/content/extract.js + phash.js, as in the extension) lands within a few bits of
// the hash in brands.json; the native engine flags those pages on an unrelated host for the right
// brand; and letters drawn in this machine's real fonts (the generic-image check in the script
// draws DejaVu and Material Design Icons letters in node) are never taken for a brand's logo.
// Run: node --test tests/browser/brand_logos.test.mjs   (tests/browser/run.sh runs it; needs
// /usr/bin/chromium and target/debug/ferretwatch)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from './chromium.mjs';
import { extractorScript } from './common.mjs';
import { cliJsonLines } from '../node/helpers.mjs';
import { LIGHT, MAX_DISTANCE, STABLE, VARIANTS, bboxOf, compute, distance, hashOf, lumaOf, readBrands } from '../../scripts/brand-logo-hashes.mjs';

const result = await compute();
const brands = readBrands();
const kept = result.brands.flatMap((b) => b.kept.map((k) => ({ brand: b.name, ...k })));
const allHashes = brands.flatMap((b) => b.phashes.map((hash) => ({ brand: b.name, hash })));
const VARIANT = new Map(VARIANTS.map((v) => [v.name, v]));

let browser;
let page;
before(async () => {
  browser = await launch({ extension: false });
  page = await browser.ctx.newPage();
  await page.setContent('<!doctype html><title>x</title>');
});
after(async () => {
  await browser?.close();
});

/** A mark drawn by Chromium (SVG → canvas) as the script's variant describes: a PNG data: URL. */
async function chromiumPng(icon, variant) {
  const v = VARIANT.get(variant);
  const light = lumaOf(icon.hex) >= LIGHT;
  const fg = v.on === 'white' ? (light ? '000000' : icon.hex) : light ? '000000' : 'ffffff';
  const bg = v.on === 'white' ? 'ffffff' : icon.hex;
  let viewBox = [0, 0, 24, 24];
  let [width, height] = [v.size, v.size];
  if (v.tight) {
    viewBox = bboxOf(icon.path);
    height = Math.max(8, Math.round((v.size * viewBox[3]) / viewBox[2]));
  }
  const margin = Math.min(width, height) * (v.pad ?? 0);
  const s = Math.min((width - 2 * margin) / viewBox[2], (height - 2 * margin) / viewBox[3]);
  const [w, h] = [viewBox[2] * s, viewBox[3] * s];
  return page.evaluate(
    async ({ path, viewBox, width, height, w, h, fg, bg }) => {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${viewBox.join(' ')}" width="${w}" height="${h}"><path fill="#${fg}" d="${path}"/></svg>`;
      const img = new Image();
      img.src = `data:image/svg+xml;base64,${btoa(svg)}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = width;
      c.height = height;
      const ctx = c.getContext('2d');
      ctx.fillStyle = `#${bg}`;
      ctx.fillRect(0, 0, width, height);
      ctx.drawImage(img, (width - w) / 2, (height - h) / 2, w, h);
      return c.toDataURL('image/png');
    },
    { path: icon.path, viewBox, width, height, w, h, fg, bg },
  );
}

/** The content script's pHashes of a page holding these tags. */
async function contentScriptHashes(html) {
  await page.setContent(`<!doctype html><html><head><title>Sign in</title></head><body>${html}</body></html>`);
  await page.addScriptTag({ content: extractorScript() });
  return (await page.evaluate(() => window.__fwExtract())).image_phashes;
}

test('every kept mark drawn by Chromium hashes (in the content script) close to its hash in brands.json, and the engine flags it', async () => {
  assert.ok(kept.length >= 300, `${kept.length} kept hashes`);
  const dir = mkdtempSync(join(tmpdir(), 'fw-brand-logos-chromium-'));
  try {
    const entries = [];
    const far = [];
    const hist = {};
    for (const [i, k] of kept.entries()) {
      const url = await chromiumPng(result.marks.get(k.slug), k.variant);
      const tag = k.variant.startsWith('favicon') ? `<link rel="icon" href="${url}">` : `<img class="logo" alt="" src="${url}">`;
      const [h] = await contentScriptHashes(tag);
      const d = distance(h, k.hash);
      hist[d] = (hist[d] ?? 0) + 1;
      // Large images: within the script's stability bound. Favicons: a pixel grid of their own,
      // so only within the signal's distance.
      if (d > (VARIANT.get(k.variant).size >= 128 ? STABLE : MAX_DISTANCE)) far.push(`${k.brand} ${k.slug} ${k.variant}: ${d} bits`);
      writeFileSync(join(dir, `m${i}.html`), `<!doctype html><html><head><title>Sign in</title></head><body>${tag}</body></html>`);
      entries.push({ id: `m${i}`, url: `https://verify-account-${i}.example/login`, html: `m${i}.html`, hash: h, brand: k.brand });
    }
    console.log(`Chromium vs script hash distances (bits: count): ${JSON.stringify(hist)}`);
    assert.deepEqual(far, []);
    writeFileSync(join(dir, 'index.json'), JSON.stringify(entries));
    const features = new Map(cliJsonLines(['features', '--corpus', join(dir, 'index.json')]).map((l) => [l.id, l.features]));
    const verdicts = new Map(cliJsonLines(['scan', '--corpus', join(dir, 'index.json'), '--json', '--budget-ms', '60000']).map((l) => [l.id, l]));
    const mainDomain = new Map(brands.map((b) => [b.name, b.domains[0]]));
    for (const e of entries) {
      assert.deepEqual(features.get(e.id).image_phashes, [e.hash], `${e.id}: native extractor and content script hash Chromium's PNG alike`);
      const f = verdicts.get(e.id).findings.filter((x) => x.signal === 'brand_asset_mismatch');
      assert.deepEqual(f.map((x) => x.target), [mainDomain.get(e.brand)], `${e.id} (${e.brand}): brand_asset_mismatch for the right brand`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("letters and digits in this machine's fonts are not taken for any brand's logo", async () => {
  const glyphs = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'];
  const fonts = ['sans-serif', 'bold sans-serif', 'serif', 'bold serif', 'monospace'];
  const images = await page.evaluate(
    ({ glyphs, fonts }) => {
      const out = [];
      for (const size of [16, 32, 64]) {
        for (const font of fonts) {
          for (const g of glyphs) {
            for (const [fg, bg] of [['#202124', '#ffffff'], ['#ffffff', '#1a73e8']]) {
              const c = document.createElement('canvas');
              c.width = size;
              c.height = size;
              const ctx = c.getContext('2d');
              ctx.fillStyle = bg;
              ctx.fillRect(0, 0, size, size);
              ctx.fillStyle = fg;
              const [weight, ...family] = font.split(' ');
              ctx.font = family.length ? `${weight} ${Math.round(size * 0.8)}px ${family.join(' ')}` : `${Math.round(size * 0.8)}px ${font}`;
              ctx.textAlign = 'center';
              ctx.textBaseline = 'middle';
              ctx.fillText(g, size / 2, size / 2);
              const px = ctx.getImageData(0, 0, size, size).data;
              let bin = '';
              for (let i = 0; i < px.length; i++) bin += String.fromCharCode(px[i]);
              out.push({ name: `${g} ${font} ${size}px ${fg} on ${bg}`, size, data: btoa(bin) });
            }
          }
        }
      }
      return out;
    },
    { glyphs, fonts },
  );
  assert.equal(images.length, glyphs.length * fonts.length * 3 * 2);
  const hits = [];
  for (const im of images) {
    const h = hashOf(new Uint8Array(Buffer.from(im.data, 'base64')), im.size, im.size);
    for (const b of allHashes) if (distance(h, b.hash) <= MAX_DISTANCE) hits.push(`${im.name} ~ ${b.brand} (${distance(h, b.hash)} bits)`);
  }
  assert.deepEqual(hits, []);
});
