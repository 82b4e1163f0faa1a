// Real brand-mark hashes in packs/default/brands.json (scripts/brand-logo-hashes.mjs, from the
// pinned npm package simple-icons): up to date, safe against false positives, and working end to
// end: the native extractor (Rust pHash) hashes a page's real-mark PNG exactly as phash.js does,
// and the engine flags a page showing a real mark on an unrelated host (brand_asset_mismatch)
// but not the brand's own site or pages showing generic icons. No logo image is committed: the
// pages are written to a temporary folder from the marks drawn here.
// Run: node --test tests/node/   (needs target/debug/ferretwatch, as the other node tests)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, cliJsonLines } from './helpers.mjs';
import {
  CLEARANCE,
  JITTERS,
  MAX_DISTANCE,
  REJECTED,
  STABLE,
  compute,
  bboxOf,
  distance,
  hashOf,
  iconSvg,
  markHashes,
  readBrands,
  renderSvg,
  updateBrandsJson,
  updateBrandsMd,
  variantImages,
} from '../../scripts/brand-logo-hashes.mjs';

const BRANDS_JSON = join(ROOT, 'packs', 'default', 'brands.json');
const BRANDS_MD = join(ROOT, 'packs', 'default', 'BRANDS.md');
/** resvg's PNG of an SVG document as a data: URL. */
const pngUrl = (svg) => `data:image/png;base64,${renderSvg(svg, { png: true }).toString('base64')}`;

// One computation (about a minute: every simple-icons mark in six variants) for all tests.
const result = await compute();
const brands = readBrands();
/** brand name → its phashes in the committed brands.json */
const committed = new Map(brands.map((b) => [b.name, b.phashes]));
const standinOf = new Map(result.brands.filter((b) => b.standin).map((b) => [b.name, b.standin]));
/** Every real-mark hash in brands.json: [{brand, hash, slug, variant}] */
const kept = result.brands.flatMap((b) => b.kept.map((k) => ({ brand: b.name, ...k })));

test('mapping: no unreviewed name match, no mark given to two brands, refused marks unused', () => {
  assert.deepEqual(result.problems, []);
  for (const name of Object.keys(REJECTED)) {
    const b = result.brands.find((x) => x.name === name);
    const own = b?.marks.find((m) => m.how.startsWith('name'));
    assert.equal(own, undefined, `${name}: refused name match is used`);
  }
  const slugs = result.brands.flatMap((b) => b.marks.map((m) => m.slug));
  assert.equal(new Set(slugs).size, slugs.length);
  assert.ok(result.brands.filter((b) => b.marks.length).length >= 300, 'most matchable brands are mapped');
});

test('brands.json holds exactly the hashes the pinned simple-icons gives (else: node scripts/brand-logo-hashes.mjs)', () => {
  const text = readFileSync(BRANDS_JSON, 'utf8');
  const want = readBrands(updateBrandsJson(text, result));
  const stale = want.filter((b) => JSON.stringify(b.phashes) !== JSON.stringify(committed.get(b.name))).map((b) => b.name);
  assert.deepEqual(stale, [], 'brands whose phashes are out of date');
  assert.equal(updateBrandsJson(text, result), text, 'brands.json otherwise unchanged');
  assert.equal(updateBrandsMd(readFileSync(BRANDS_MD, 'utf8'), result), readFileSync(BRANDS_MD, 'utf8'), "BRANDS.md's generated list is out of date");
});

test('the corpus stand-in images and pages are up to date (tests/corpus/make_logos.mjs --check)', () => {
  const out = execFileSync(process.execPath, [join(ROOT, 'tests', 'corpus', 'make_logos.mjs'), '--check'], { encoding: 'utf8' });
  assert.match(out, /^paypal +[0-9a-f]{16} +\(PayPal\)$/m);
  assert.doesNotMatch(out, /out of date/);
});

test('coverage: over 200 brands have real-mark hashes, the stand-ins stay first', () => {
  const withReal = brands.filter((b) => b.phashes.some((h) => h !== standinOf.get(b.name)));
  assert.ok(withReal.length >= 200, `${withReal.length} brands with real-mark hashes`);
  for (const [name, h] of standinOf) assert.equal(committed.get(name)[0], h, `${name}: stand-in first`);
  for (const b of brands) assert.equal(new Set(b.phashes).size, b.phashes.length, `${b.name}: duplicate hashes`);
});

test('safety: every hash in brands.json is more than CLEARANCE bits from every other brand\'s', () => {
  assert.ok(CLEARANCE >= MAX_DISTANCE);
  const all = brands.flatMap((b) => b.phashes.map((hash) => ({ brand: b.name, hash })));
  const close = [];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      if (all[i].brand !== all[j].brand && distance(all[i].hash, all[j].hash) <= CLEARANCE) close.push(`${all[i].brand}/${all[j].brand}`);
    }
  }
  assert.deepEqual(close, []);
});

test('safety: no hash in brands.json is near a generic image or an unprotected simple-icons mark', () => {
  const { generic, others } = result.pools;
  // The pools hold what they must (names as genericHashes() writes them).
  for (const name of ['blank #ffffff', 'square (logo', 'disc (logo', 'ring (tile', 'mdi earth (', 'mdi web (', 'mdi lock (', 'mdi home (', 'mdi alpha-a (', 'mdi alpha-z-circle (', 'mdi numeric-7-box (', 'FerretWatch icon 16px']) {
    assert.ok(generic.some((g) => g.name.startsWith(name)), `generic pool lacks ${name}`);
  }
  assert.ok(generic.length > 2000, `${generic.length} generic hashes`);
  assert.ok(others.length > 10000, `${others.length} unprotected-mark hashes`);
  const bad = [];
  for (const b of brands) {
    for (const h of b.phashes) {
      for (const g of generic) if (distance(h, g.hash) <= CLEARANCE) bad.push(`${b.name} ${h} ~ ${g.name}`);
      if (h === standinOf.get(b.name)) continue; // made-up marks: nothing to confuse with
      for (const o of others) if (distance(h, o.hash) <= CLEARANCE) bad.push(`${b.name} ${h} ~ ${o.title} ${o.variant}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('safety, drawn independently here: blank, square, disc and the letter-like bars hash far from every brand', () => {
  const img = (size, inside) => {
    const rgba = new Uint8Array(size * size * 4);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const on = inside((x + 0.5) / size, (y + 0.5) / size);
        rgba.set(on ? [20, 20, 20, 255] : [255, 255, 255, 255], (y * size + x) * 4);
      }
    }
    return hashOf(rgba, size, size);
  };
  const shapes = {
    white: () => false,
    black: () => true,
    transparent: null,
    square: (u, v) => u > 0.15 && u < 0.85 && v > 0.15 && v < 0.85,
    disc: (u, v) => (u - 0.5) ** 2 + (v - 0.5) ** 2 < 0.16,
    'letter I': (u, v) => u > 0.42 && u < 0.58 && v > 0.1 && v < 0.9,
    'letter L': (u, v) => (u > 0.25 && u < 0.4 && v > 0.1 && v < 0.9) || (u > 0.25 && u < 0.75 && v > 0.75 && v < 0.9),
    'letter T': (u, v) => (u > 0.42 && u < 0.58 && v > 0.1 && v < 0.9) || (u > 0.2 && u < 0.8 && v > 0.1 && v < 0.25),
  };
  for (const [name, inside] of Object.entries(shapes)) {
    for (const size of [16, 32, 128]) {
      const h = inside ? img(size, inside) : hashOf(new Uint8Array(size * size * 4), size, size);
      for (const b of brands) {
        for (const bh of b.phashes) assert.ok(distance(h, bh) > CLEARANCE, `${name} ${size}px is ${distance(h, bh)} bits from ${b.name}`);
      }
    }
  }
});

test('stability: every kept hash moves at most STABLE bits when its mark is drawn slightly off', () => {
  const bySlug = new Map();
  for (const k of kept) bySlug.set(k.slug, [...(bySlug.get(k.slug) ?? []), k]);
  for (const [slug, ks] of bySlug) {
    const icon = result.marks.get(slug);
    const only = new Set(ks.map((k) => k.variant));
    const base = markHashes(icon, {}, only);
    for (const j of JITTERS) {
      const moved = markHashes(icon, j, only);
      for (const k of ks) {
        const i = base.findIndex((x) => x.variant === k.variant);
        assert.equal(base[i].hash, k.hash, `${slug} ${k.variant} renders to its kept hash`);
        assert.ok(distance(moved[i].hash, k.hash) <= STABLE, `${slug} ${k.variant} moves ${distance(moved[i].hash, k.hash)} bits under ${JSON.stringify(j)}`);
      }
    }
  }
});

test('rendering: the SVG documents resvg draws place, crop, pad and move the mark as described', () => {
  const px = (im, x, y) => [...im.rgba.subarray((y * im.width + x) * 4, (y * im.width + x) * 4 + 4)];
  // A square covering the middle half of the 24x24 box, on 32 px: pixels 8..23 are filled.
  const sq = 'M6 6H18V18H6Z';
  const plain = renderSvg(iconSvg(sq, { width: 32, height: 32, fg: '000000', bg: 'ff0000' }));
  assert.equal(plain.rgba.length, 32 * 32 * 4);
  assert.deepEqual([px(plain, 0, 0), px(plain, 7, 16), px(plain, 8, 8), px(plain, 23, 23), px(plain, 24, 16)], [
    [255, 0, 0, 255], [255, 0, 0, 255], [0, 0, 0, 255], [0, 0, 0, 255], [255, 0, 0, 255],
  ]);
  // Moved by half a pixel: the edge pixels are half covered.
  const half = renderSvg(iconSvg(sq, { width: 32, height: 32, fg: '000000', bg: 'ffffff', shift: 0.5 }));
  assert.ok(Math.abs(px(half, 8, 16)[0] - 128) <= 2 && Math.abs(px(half, 24, 16)[0] - 128) <= 2, `half-covered: ${px(half, 8, 16)} ${px(half, 24, 16)}`);
  // Scaled about the centre: 1.25 times the square is pixels 6..25.
  const big = renderSvg(iconSvg(sq, { width: 32, height: 32, fg: '000000', bg: 'ffffff', zoom: 1.25 }));
  assert.deepEqual([px(big, 5, 16)[0], px(big, 6, 16)[0], px(big, 25, 16)[0], px(big, 26, 16)[0]], [255, 0, 0, 255]);
  // Padding (an eighth of the side on each edge) and a crop to the mark's own bounding box.
  const pad = renderSvg(iconSvg('M0 0H24V24H0Z', { width: 32, height: 32, fg: '000000', bg: 'ffffff', pad: 0.125 }));
  assert.deepEqual([px(pad, 3, 16)[0], px(pad, 4, 16)[0], px(pad, 27, 16)[0], px(pad, 28, 16)[0]], [255, 0, 0, 255]);
  // Exact bounds of curves (not their control points), and a mark reaching past its box is drawn.
  assert.deepEqual(bboxOf('M0 10C0 0 10 0 10 10Z'), [0, 2.5, 10, 7.5]);
  // viewBox (12, 12) to (24, 24) in 48x24 px: scale 2, the box at x 12..36; the square (6..18)
  // at x 0..24, y -12..12, partly outside the box: not clipped to it.
  const crop = renderSvg(iconSvg(sq, { width: 48, height: 24, fg: '000000', bg: 'ffffff', viewBox: [12, 12, 12, 12] }));
  assert.deepEqual([px(crop, 2, 2)[0], px(crop, 23, 11)[0], px(crop, 24, 11)[0], px(crop, 23, 12)[0]], [0, 0, 255, 255]);
  // resvg's PNG holds the very pixels hashed (what the pages below embed).
  assert.match(renderSvg(iconSvg(sq, { width: 16, height: 16, fg: '000000', bg: 'ffffff' }), { png: true }).subarray(1, 4).toString(), /^PNG$/);
});

test('Rust and JS hash real-mark images alike; a page showing a real mark on another host gets brand_asset_mismatch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-brand-logos-'));
  try {
    const entries = [];
    const expect = new Map(); // id → {hash, target | null}
    const page = (id, url, tag, hash, target) => {
      writeFileSync(join(dir, `${id}.html`), `<!doctype html><html><head><title>Sign in</title></head><body>${tag}<p>Welcome back.</p></body></html>`);
      entries.push({ id, url, html: `${id}.html`, expected: 'green', signals: [] });
      expect.set(id, { hash, target });
    };
    const mainDomain = new Map(brands.map((b) => [b.name, b.domains[0]]));
    kept.forEach((k, i) => {
      const im = variantImages(result.marks.get(k.slug)).find((x) => x.variant === k.variant);
      const src = pngUrl(im.svg);
      assert.equal(hashOf(im.rgba, im.width, im.height), k.hash);
      const tag = k.variant.startsWith('favicon') ? `<link rel="icon" href="${src}">` : `<img class="logo" alt="" src="${src}">`;
      // On an unrelated host: flagged as the brand.
      page(`mark-${i}`, `https://account-review-${i}.example/signin`, tag, k.hash, mainDomain.get(k.brand));
      // On the brand's own site: not flagged.
      if (i % 10 === 0) page(`own-${i}`, `https://www.${mainDomain.get(k.brand)}/`, tag, k.hash, null);
    });
    // Generic favicons and logos, drawn like the marks: never flagged.
    for (const [i, path] of [
      'M0 0H24V24H0Z',
      'M12 2A10 10 0 1 1 12 22A10 10 0 1 1 12 2Z',
      readFileSync(join(ROOT, 'node_modules', '@mdi', 'svg', 'svg', 'earth.svg'), 'utf8').match(/ d="([^"]+)"/)[1],
      readFileSync(join(ROOT, 'node_modules', '@mdi', 'svg', 'svg', 'lock.svg'), 'utf8').match(/ d="([^"]+)"/)[1],
      readFileSync(join(ROOT, 'node_modules', '@mdi', 'svg', 'svg', 'home.svg'), 'utf8').match(/ d="([^"]+)"/)[1],
    ].entries()) {
      for (const im of variantImages({ path, hex: '3c4043' })) {
        page(`generic-${i}-${im.variant}`, `https://small-shop-${i}.example/`, `<img class="logo" src="${pngUrl(im.svg)}">`, hashOf(im.rgba, im.width, im.height), null);
      }
    }
    const index = join(dir, 'index.json');
    writeFileSync(index, JSON.stringify(entries));
    const features = new Map(cliJsonLines(['features', '--corpus', index]).map((l) => [l.id, l.features]));
    const verdicts = new Map(cliJsonLines(['scan', '--corpus', index, '--json', '--budget-ms', '60000']).map((l) => [l.id, l]));
    assert.equal(verdicts.size, entries.length);
    let flagged = 0;
    for (const [id, want] of expect) {
      assert.deepEqual(features.get(id).image_phashes, [want.hash], `${id}: the Rust pHash of the PNG is phash.js's`);
      const found = (verdicts.get(id).findings ?? []).filter((f) => f.signal === 'brand_asset_mismatch');
      if (want.target) {
        assert.equal(found.length, 1, `${id}: brand_asset_mismatch expected`);
        assert.equal(found[0].target, want.target, `${id}: the right brand`);
        flagged++;
      } else {
        assert.deepEqual(found, [], `${id}: must not be flagged`);
      }
    }
    assert.equal(flagged, kept.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
