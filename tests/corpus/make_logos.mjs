// Stand-in brand logos for the brand_asset_mismatch signal (logo/favicon pHash vs the brands'
// logo hashes in packs/default/brands.json).
//
// There is no network here, so real logos cannot be fetched; and real logos are trademarks that
// do not belong in a test corpus anyway. This script draws simple, made-up geometric marks, one
// per brand below, and:
//   1. writes each as a PNG to tests/corpus/logos/<slug>.png (and a 32x32 favicon variant
//      <slug>-32.png) so a person can look at them;
//   2. computes their pHashes with the extension's own implementation
//      (extension/content/phash.js, bit-identical to core/src/phash.rs; the corpus test checks
//      the native side finds the same hash in the pages);
//   3. exports them (`standins()`) to scripts/brand-logo-hashes.mjs, which owns the `phashes`
//      of packs/default/brands.json and puts each stand-in hash first in its brand's list,
//      before the brand's real-mark hashes;
//   4. rewrites, in tests/corpus/pages/*.html, the `src`/`href` of every element carrying
//      `data-standin-logo="<slug>"` (or `"<slug>-32"` for the favicon) to the PNG as a
//      base64 `data:` URL, so the native extractor and the content script hash the same bytes
//      without any request.
//
// Deterministic: running it again rewrites the same bytes. `--check` changes nothing and exits 1
// when a file is out of date. After changing a stand-in, run scripts/brand-logo-hashes.mjs too
// (it writes the hash into brands.json). The stand-ins stay for the corpus: real logos are not
// committed, and the real-mark hashes are tested apart (tests/node/brand_logo_hashes.test.mjs).
//
//   node tests/corpus/make_logos.mjs [--check]

import { deflateSync } from 'node:zlib';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gray32FromRGBA, hamming, phash32x32 } from '../../extension/content/phash.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const PAGES = join(HERE, 'pages');
const LOGOS = join(HERE, 'logos');

const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const inRect = (x, y, x0, y0, x1, y1) => x >= x0 && x < x1 && y >= y0 && y < y1;
const inCircle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

/**
 * Made-up marks, drawn on a unit square (u, v in [0, 1)) so the favicon variant is the same
 * design at another size. `brand` is the `name` in brands.json.
 */
const STANDINS = [
  {
    slug: 'paypal',
    brand: 'PayPal',
    width: 128,
    height: 128,
    // A dark-blue upright bar with a lighter-blue disc overlapping its top right.
    paint(u, v) {
      // (Bar and disc placed so that the hash is not near a bold "r" or "p": the stand-in ships
      // in the pack, so it passes scripts/brand-logo-hashes.mjs's generic-image check. Both
      // made a little larger when the script moved to resvg, whose bold "p" came within 10 bits.)
      if (inCircle(u, v, 0.62, 0.38, 0.27)) return rgb('#1e8fd6');
      if (inRect(u, v, 0.18, 0.12, 0.42, 0.9)) return rgb('#0b2f6b');
      return rgb('#ffffff');
    },
  },
  {
    slug: 'microsoft',
    brand: 'Microsoft',
    width: 128,
    height: 128,
    // Four tiles of different shades with a white cross between them, its bar a little below
    // the middle (centred, the hash was 10 bits from an unprotected simple-icons mark's favicon
    // as scripts/brand-logo-hashes.mjs draws it with resvg).
    paint(u, v) {
      const gap = (t, c) => t > c - 0.03 && t < c + 0.03;
      if (gap(u, 0.5) || gap(v, 0.54) || u < 0.08 || u > 0.92 || v < 0.08 || v > 0.92) return rgb('#ffffff');
      if (u < 0.5 && v < 0.54) return rgb('#e0481f');
      if (v < 0.54) return rgb('#7eb900');
      if (u < 0.5) return rgb('#00a2ed');
      return rgb('#ffb900');
    },
  },
  {
    slug: 'dhl',
    brand: 'DHL',
    width: 192,
    height: 64,
    // A yellow band crossed by three slanted red stripes on the left.
    paint(u, v) {
      if (v < 0.15 || v > 0.85) return rgb('#ffffff');
      const s = u + 0.35 * v;
      for (const a of [0.12, 0.27, 0.42]) if (s > a && s < a + 0.08) return rgb('#d40511');
      return rgb('#ffcc00');
    },
  },
];

/** RGBA pixels of a mark at a size (opaque: no alpha, so every decoder agrees on the pixels). */
function draw(mark, width, height) {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = mark.paint((x + 0.5) / width, (y + 0.5) / height);
      rgba.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return rgba;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** An 8-bit RGB PNG (colour type 2, no gamma/colour chunks, so browsers apply no conversion). */
function png(rgba, width, height) {
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + width * 3)] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      raw.set(rgba.subarray(i, i + 3), y * (1 + width * 3) + 1 + x * 3);
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Every stand-in image: slug or slug-32 → {png, hash, brand}; checks they are not alike. */
function drawAll() {
  const images = new Map(); // slug or slug-32 → {png, hash}
  for (const m of STANDINS) {
    for (const [key, w, h] of [[m.slug, m.width, m.height], [`${m.slug}-32`, 32, 32]]) {
      const pixels = draw(m, w, h);
      const bytes = png(pixels, w, h);
      images.set(key, { png: bytes, hash: phash32x32(gray32FromRGBA(pixels, w, h)), brand: m.brand });
    }
  }
  // The marks must not be confused with one another.
  const keys = [...images.keys()];
  for (const a of keys) {
    for (const b of keys) {
      if (a < b && images.get(a).brand !== images.get(b).brand && hamming(images.get(a).hash, images.get(b).hash) <= 16) {
        throw new Error(`stand-ins ${a} and ${b} are too alike (${hamming(images.get(a).hash, images.get(b).hash)} bits)`);
      }
    }
  }
  return images;
}

/** The stand-in marks' hashes (the full-size image of each), for brands.json. */
export function standins() {
  const images = drawAll();
  return STANDINS.map((m) => ({ brand: m.brand, slug: m.slug, hash: images.get(m.slug).hash }));
}

function main() {
  const CHECK = process.argv.includes('--check');
  const stale = [];
  const put = (path, content) => {
    let old = null;
    try {
      old = readFileSync(path);
    } catch {
      // missing: written below
    }
    if (old && Buffer.compare(old, Buffer.from(content)) === 0) return;
    stale.push(path.slice(ROOT.length + 1));
    if (!CHECK) writeFileSync(path, content);
  };

  // 1–2: images and hashes.
  const images = drawAll();
  mkdirSync(LOGOS, { recursive: true });
  for (const [key, img] of images) put(join(LOGOS, `${key}.png`), img.png);

  // 4: the pages' data: URLs.
  const TAG = /<(img|link)\b[^>]*\bdata-standin-logo="([a-z0-9-]+)"[^>]*>/g;
  for (const f of readdirSync(PAGES).filter((n) => n.endsWith('.html'))) {
    const path = join(PAGES, f);
    const html = readFileSync(path, 'utf8');
    const out = html.replace(TAG, (tag, name, slug) => {
      const img = images.get(slug);
      if (!img) throw new Error(`${f}: unknown stand-in logo ${slug}`);
      const attr = name === 'img' ? 'src' : 'href';
      const url = `data:image/png;base64,${img.png.toString('base64')}`;
      if (!new RegExp(`\\b${attr}="[^"]*"`).test(tag)) throw new Error(`${f}: <${name} data-standin-logo="${slug}"> has no ${attr}`);
      return tag.replace(new RegExp(`\\b${attr}="[^"]*"`), `${attr}="${url}"`);
    });
    put(path, out);
  }

  for (const [k, v] of images) console.log(`${k.padEnd(14)} ${v.hash}  (${v.brand})`);
  if (stale.length) console.log(`${CHECK ? 'out of date' : 'written'}: ${stale.join(', ')}`);
  if (CHECK && stale.length) process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
