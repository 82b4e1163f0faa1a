#!/usr/bin/env node
// Real logo hashes for the default pack's protected brands (packs/default/brands.json `phashes`,
// used by the `brand_asset_mismatch` signal), computed from the brand marks of the npm package
// `simple-icons` (CC0-1.0; its version is pinned in package.json). No logo image is written or
// committed: the marks are drawn in memory and only their hashes are kept.
//
//   node scripts/brand-logo-hashes.mjs            # writes brands.json and BRANDS.md's list
//   node scripts/brand-logo-hashes.mjs --check    # changes nothing; exits 1 when out of date
//   node scripts/brand-logo-hashes.mjs --explain  # also prints every dropped hash and its reason
//
// 1. Mapping (reviewed, no fuzzy matching): a brand gets the simple-icons mark whose title, slug
//    or "aka" alias is exactly the brand's name. The match is taken when the icon's `source` or
//    `guidelines` URL is on one of the brand's own domains; any other name match must be listed
//    in REVIEWED (accepted, with why) or REJECTED (refused, with why) below, or the script
//    fails, so a new simple-icons version cannot slip in an unreviewed mark. Marks that carry
//    another name but are the brand's own (Gmail for Google, Battle.net for Blizzard) are in
//    EXTRA: only marks of products named in the brand's `aliases` or owned domains.
// 2. Rendering (resvg, npm @resvg/resvg-wasm, pinned in package.json: a pure-wasm build of the
//    Rust SVG renderer, so the pixels are the same on every machine): each mark, as an SVG
//    document (iconSvg), as it shows on a phishing page, in the VARIANTS below: the mark in its brand colour on white (a logo
//    <img>, 128 px; tightly cropped for wide wordmarks), the same at favicon sizes 32 and 16
//    px, and the mark in white on its brand colour (an app-icon tile, 128 and 32 px). The
//    content script hashes an image at its natural size, box-reduced to 32x32
//    (extension/content/extract.js, phash.js); the same reduction and hash run here, with the
//    extension's own phash.js.
// 3. Safety (false positives matter more than coverage): a hash is dropped when it is fragile
//    (moves more than STABLE bits when the mark is drawn a third of a pixel off or 1 % larger or
//    smaller: then anti-aliasing noise, not the mark, decides its bits; this drops most
//    favicon-size hashes), or within CLEARANCE bits of any hash of
//    - another protected brand (both are dropped) or a corpus stand-in mark of another brand;
//    - a generic shape or icon: blank images, squares, discs, rings, bars, the letters A-Z and
//      digits 0-9 in plain fonts (DejaVu Sans, Serif and Mono from the npm package
//      dejavu-fonts-ttf, turned into path data by opentype.js; and Material Design Icons' letters alone, in a
//      box and in a disc), common favicon pictograms (globe, lock, house, shield, envelope,
//      cart, ...; from the npm package @mdi/svg, Apache-2.0), the extension's own icon;
//    - any other simple-icons mark (about 3,400 brands we do not protect: a site showing
//      one of those must never be told it shows a protected brand's logo).
// 4. Output: each mapped brand's kept hashes go into its `phashes` (after the stand-in hash of
//    tests/corpus/make_logos.mjs for the three brands that have one); every other brand gets
//    []. BRANDS.md's generated section lists what was kept, dropped and why.
// tests/node/brand_logo_hashes.test.mjs runs --check's comparison and the safety checks.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gray32FromRGBA, phash32x32 } from '../extension/content/phash.js';
import opentype from 'opentype.js';
import { Resvg, initWasm } from '@resvg/resvg-wasm';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BRANDS_JSON = join(ROOT, 'packs', 'default', 'brands.json');
const BRANDS_MD = join(ROOT, 'packs', 'default', 'BRANDS.md');
const PACK_JSON = join(ROOT, 'packs', 'default', 'pack.json');
const SI_DIR = join(ROOT, 'node_modules', 'simple-icons');
const MDI_DIR = join(ROOT, 'node_modules', '@mdi', 'svg');
const FONT_DIR = join(ROOT, 'node_modules', 'dejavu-fonts-ttf', 'ttf');
const RESVG_DIR = join(ROOT, 'node_modules', '@resvg', 'resvg-wasm');

/** The signal's distance (packs/default/pack.json `phash_max_distance`). */
export const MAX_DISTANCE = JSON.parse(readFileSync(PACK_JSON, 'utf8')).phash_max_distance;
/**
 * A kept hash is more than this many bits from every other brand's hash and every generic or
 * unprotected mark. The signal fires within MAX_DISTANCE; the extra bits allow for the page's
 * image not being our rendering of the mark (another rasterizer, a bit of padding: Chromium's
 * rendering of the same SVG is 0 bits from resvg's for about three kept hashes in four, 2 bits
 * for most others, 4 for a few; tests/browser/brand_logos.test.mjs).
 */
export const CLEARANCE = MAX_DISTANCE + 2;
/**
 * A kept hash moves by at most this many bits under the tiny rendering changes of JITTERS.
 * Marks with much symmetry have many DCT coefficients near the median, so their bits are
 * decided by anti-aliasing noise: another rasterizer's copy of the very same mark may be 20 or
 * 30 bits away (Bosch, Mega, Letterboxd). Such a hash would protect nothing and match at random.
 */
export const STABLE = 4;

// ---- 1. mapping ------------------------------------------------------------------------------

/**
 * Name matches whose simple-icons `source`/`guidelines` is not on the brand's listed domains,
 * reviewed one by one: the icon is this brand's mark (source checked by hand).
 */
export const REVIEWED = {
  Google: 'source withgoogle.com / about.google: Google brand resources',
  Instagram: 'source about.meta.com: Meta brand resources',
  WhatsApp: 'source about.meta.com: Meta brand resources',
  Reddit: 'source redditinc.com: Reddit, Inc.',
  Audible: 'Wikimedia Commons "Audible logo"',
  AliExpress: 'source alibabagroup.com: the owner',
  Otto: 'source ottogroup.com press material: the owner',
  "Macy's": 'source macysinc.com: the owner',
  Carrefour: 'Wikipedia "Carrefour logo"',
  'Booking.com': 'source bookingholdings.com: the owner',
  Expedia: 'Expedia brand portal on brandfolder.com',
  Tripadvisor: 'source tripadvisor.mediaroom.com: its press room',
  Grab: 'Wikipedia "Grab (application) logo"',
  Wise: 'source wise.design: its design system',
  Klarna: 'source klarna.design: its design system',
  'American Express': 'Wikimedia Commons "American Express logo (2018)"',
  Discover: 'source discovernetwork.com: the owner',
  WeChat: 'source wechat.design: its design site',
  Chase: 'Wikimedia Commons "Chase logo 2007"',
  Barclays: 'source home.barclays: the owner',
  Commerzbank: 'Wikimedia Commons "Commerzbank logos"',
  'HDFC Bank': 'source hdfcsales.com: HDFC group',
  Trezor: 'source satoshilabs brand book: the maker of Trezor',
  OKX: 'Wikimedia Commons "OKX logo"',
  Optimism: 'source github.com/ethereum-optimism/brand-kit',
  DHL: 'source dpdhl-brands.com: the owner',
  Konami: 'Wikimedia Commons "Konami 4th logo"',
  Sega: 'Wikimedia Commons "SEGA logo"',
  miHoYo: 'Wikipedia "MiHoYo.svg"',
  G2A: 'source g2a.co: the owner',
  GMX: 'source united-internet.de: the owner',
  Vodafone: 'source vodafone.com.eg: Vodafone Egypt',
  O2: 'source telefonica.de press logos: the owner',
  Sky: 'source skysports.com: Sky',
  'Telefónica': 'Wikimedia Commons "Telefónica 2021 logo"',
  Verizon: 'source verizondigitalmedia.com: Verizon',
  Jio: 'Wikimedia Commons "Reliance Jio Logo"',
  Medium: 'source medium.design: its design site',
  Atlassian: 'source atlassian.design: its design system',
  GoDaddy: 'source aboutus.godaddy.net: its press site',
  BigCommerce: 'source bigcommerce.co.uk: the owner',
  Fandom: 'source fandomdesignsystem.com: its design system',
  Tubi: 'source gdpr.tubi.tv: the owner',
  Deezer: 'source deezerbrand.com: its brand site',
  Pandora: 'source pandoraforbrands.com: Pandora (music) advertising site',
  Honda: 'source honda.ie: Honda Ireland',
  Indeed: 'source indeed.design: its design site',
  DMM: 'source dmm-corp.com: the owner',
  Note: 'source help-note.com / note.jp: note inc. help and blog',
  jsDelivr: 'source github.com/jsdelivr/www.jsdelivr.com',
  unpkg: 'source github.com/mjackson/unpkg favicon',
  '9GAG': 'Wikimedia Commons "9gag logo"',
  '7-Zip': 'Wikimedia Commons "7ziplogo"',
  Strava: 'source its App Store listing',
  Boeing: 'Wikimedia Commons "Boeing full logo"',
  Shell: 'Wikipedia "Shell logo"',
  'Coca-Cola': 'Wikimedia Commons "Coca-Cola logo"',
  Todoist: 'source doist.com: the maker',
  'Rotten Tomatoes': 'Wikimedia Commons "Rotten Tomatoes alternative logo"',
};

/** Name matches refused: the simple-icons mark of that name is someone else's. */
export const REJECTED = {
  Max: 'simple-icons "Max" is Cycling \'74\'s Max (music software, source cycling74.com), not HBO Max',
};

/**
 * Marks under another name that are the brand's own: products named in the brand's `aliases`
 * (or whose name is the brand's full name), source on the brand's domains unless noted.
 */
export const EXTRA = {
  Google: ['gmail', 'googledrive', 'googledocs'], // aliases gmail, google drive, google docs
  Facebook: ['meta', 'messenger'], // aliases meta, messenger
  Instagram: ['threads'], // alias threads
  Apple: ['icloud', 'appstore', 'applepay', 'applemusic'], // aliases; iCloud from Wikimedia Commons
  DHL: ['deutschepost'], // alias deutsche post
  Proton: ['protonmail'], // alias proton mail
  Sky: ['now'], // alias now tv
  Atlassian: ['confluence', 'jirasoftware', 'trello', 'bitbucket', 'loom'], // aliases
  Max: ['hbo'], // alias hbo
  Blizzard: ['battledotnet', 'activision'], // aliases battle.net, activision
  'Electronic Arts': ['ea'],
  'Take-Two': ['taketwointeractivesoftware'],
  Aldi: ['aldisud', 'aldinord'], // aldi-sued.de, aldi-nord.de
  'Just Eat Takeaway': ['justeat'], // alias just eat
  'Hermes Germany': ['hermes'], // the parcel carrier (source on its domain), not Hermès
  OVHcloud: ['ovh'],
  'Canvas LMS': ['canvas', 'instructure'], // aliases canvas, instructure
  'Academia.edu': ['academia'],
  'The New York Times': ['newyorktimes'],
  'Vivo Mobile': ['vivo'],
  WHO: ['worldhealthorganization'],
  'Delta Air Lines': ['delta'],
  'Air France-KLM': ['airfrance', 'klm'],
  Etihad: ['etihadairways'],
  VLC: ['vlcmediaplayer'],
  GE: ['generalelectric'],
};

/**
 * Hashes dropped by hand ("slug hash" → why, whatever variant gives that hash): near-collisions that tests/browser/
 * brand_logos.test.mjs found with Chromium's own text rendering, which the glyphs drawn here
 * (placed as canvas text is, but not to the pixel) do not reproduce.
 */
export const EXCLUDED = {
  'twitch 4e93364c733c8dc3': "8 bits from a white sans-serif \"U\" on blue drawn by Chromium's canvas (browser test)",
};

/** Brands of brands.json, one JSON object per `{`-line. */
export function readBrands(text = readFileSync(BRANDS_JSON, 'utf8')) {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l.replace(/,\s*$/, '')));
}

/** The pinned simple-icons: version and icons ({title, slug, hex, path, source, ...}). */
export async function loadSimpleIcons() {
  const pinned = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies['simple-icons'];
  const version = JSON.parse(readFileSync(join(SI_DIR, 'package.json'), 'utf8')).version;
  if (version !== pinned) throw new Error(`node_modules has simple-icons ${version}, package.json pins ${pinned}: run npm ci`);
  const mod = await import(pathToFileURL(join(SI_DIR, 'index.mjs')).href);
  const data = JSON.parse(readFileSync(join(SI_DIR, 'data', 'simple-icons.json'), 'utf8'));
  const extra = new Map(data.map((d) => [d.title, d]));
  const icons = Object.values(mod)
    .filter((i) => i && typeof i.slug === 'string' && typeof i.path === 'string')
    .map((i) => ({ ...i, aka: extra.get(i.title)?.aliases?.aka ?? [] }))
    .sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  return { version, icons };
}

/** simple-icons' own title → slug rule (simple-icons/sdk titleToSlug). */
async function titleToSlug() {
  const sdk = await import(pathToFileURL(join(SI_DIR, 'sdk.mjs')).href);
  return sdk.titleToSlug;
}

const hostOf = (u) => {
  try {
    return new URL(u).hostname.toLowerCase();
  } catch {
    return '';
  }
};
const onDomains = (url, domains) => {
  const h = hostOf(url ?? '');
  return h !== '' && domains.some((d) => h === d || h.endsWith(`.${d}`));
};

/**
 * Brand → simple-icons marks. Returns {mapped: [{brand, marks: [{icon, how}]}], problems: [..]};
 * problems (unreviewed name matches, unknown slugs, a mark given to two brands) must be empty.
 */
export async function mapBrands(brands, icons) {
  const toSlug = await titleToSlug();
  const bySlug = new Map(icons.map((i) => [i.slug, i]));
  const byName = new Map();
  for (const i of icons) {
    for (const n of [i.title, ...i.aka]) {
      const k = n.toLowerCase();
      if (!byName.has(k)) byName.set(k, i);
    }
  }
  const problems = [];
  const mapped = [];
  const names = new Set(brands.map((b) => b.name));
  for (const list of [REVIEWED, REJECTED, EXTRA]) {
    for (const n of Object.keys(list)) if (!names.has(n)) problems.push(`${n}: listed in the mapping tables but not a brand`);
  }
  for (const b of brands) {
    const marks = [];
    const icon = bySlug.get(toSlug(b.name)) ?? byName.get(b.name.toLowerCase());
    if (icon) {
      const own = onDomains(icon.source, b.domains) || onDomains(icon.guidelines, b.domains);
      if (REJECTED[b.name]) {
        // refused
      } else if (own) {
        marks.push({ icon, how: `name; source ${hostOf(icon.source)}` });
      } else if (REVIEWED[b.name]) {
        marks.push({ icon, how: `name; reviewed: ${REVIEWED[b.name]}` });
      } else {
        problems.push(`${b.name}: simple-icons "${icon.title}" (${icon.slug}, source ${icon.source}) matches by name but is not reviewed: add it to REVIEWED or REJECTED`);
      }
      if (own && REVIEWED[b.name]) problems.push(`${b.name}: in REVIEWED but its source is already on its domains`);
    } else if (REVIEWED[b.name] || REJECTED[b.name]) {
      problems.push(`${b.name}: in REVIEWED/REJECTED but no simple-icons mark has its name any more`);
    }
    for (const slug of EXTRA[b.name] ?? []) {
      const i = bySlug.get(slug);
      if (!i) problems.push(`${b.name}: EXTRA mark ${slug} is not in simple-icons`);
      else if (marks.some((m) => m.icon.slug === slug)) problems.push(`${b.name}: EXTRA mark ${slug} is already its name match`);
      else marks.push({ icon: i, how: `extra: ${i.title}` });
    }
    if (marks.length) mapped.push({ brand: b, marks });
  }
  const owner = new Map();
  for (const m of mapped) {
    for (const { icon } of m.marks) {
      if (owner.has(icon.slug)) problems.push(`mark ${icon.slug} is given to ${owner.get(icon.slug)} and ${m.brand.name}`);
      owner.set(icon.slug, m.brand.name);
    }
  }
  return { mapped, problems };
}

// ---- 2. rendering ----------------------------------------------------------------------------

/** [r, g, b] of a hex colour ("1a2b3c" or "#1a2b3c"). */
export function rgbOf(hex) {
  const h = hex.replace(/^#/, '');
  if (!/^[0-9a-fA-F]{6}$/.test(h)) throw new Error(`bad colour ${hex}`);
  return [0, 2, 4].map((k) => parseInt(h.slice(k, k + 2), 16));
}

/** BT.601 luma of a hex colour, as phash.js computes it. */
export function lumaOf(hex) {
  const [r, g, b] = rgbOf(hex);
  return Math.floor((299 * r + 587 * g + 114 * b + 500) / 1000);
}

/** The pinned resvg (npm @resvg/resvg-wasm), initialised once: its version. */
async function loadResvg() {
  const pinned = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies['@resvg/resvg-wasm'];
  const version = JSON.parse(readFileSync(join(RESVG_DIR, 'package.json'), 'utf8')).version;
  if (version !== pinned) throw new Error(`node_modules has @resvg/resvg-wasm ${version}, package.json pins ${pinned}: run npm ci`);
  await initWasm(readFileSync(join(RESVG_DIR, 'index_bg.wasm')));
  return version;
}
/** Version of the resvg that draws the marks (the hashes depend on it as on simple-icons'). */
export const RESVG_VERSION = await loadResvg();

/** Renders an SVG document with resvg: {width, height, rgba} (or the PNG file with `png`). */
export function renderSvg(svg, { png = false } = {}) {
  const r = new Resvg(svg);
  const im = r.render();
  try {
    if (png) return Buffer.from(im.asPng());
    return { width: im.width, height: im.height, rgba: im.pixels };
  } finally {
    im.free();
    r.free();
  }
}

const BBOXES = new Map();
/** Bounding box [x, y, w, h] of path data (of its fill, curves exact; resvg), in path units. */
export function bboxOf(path) {
  let box = BBOXES.get(path);
  if (!box) {
    const r = new Resvg(`<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24"><path d="${path}"/></svg>`);
    const b = r.getBBox();
    box = b ? [b.x, b.y, b.width, b.height] : [0, 0, 0, 0];
    b?.free();
    r.free();
    BBOXES.set(path, box);
  }
  return box;
}

/**
 * One path-data icon as an SVG document of `width`×`height` px: a `bg` background, the icon
 * (its `viewBox`, default 24x24) in `fg`, fitted into the image less `pad` (a fraction of the
 * shorter side, on each edge) and centred, as an <svg> with that viewBox shows it; then, to test
 * how stable a hash is, scaled by `zoom` about the image's centre and moved by `shift` pixels
 * along both axes (a transform on the icon).
 */
export function iconSvg(path, { width, height, fg, bg, pad = 0, viewBox = [0, 0, 24, 24], zoom = 1, shift = 0 }) {
  const margin = Math.min(width, height) * pad;
  const moved = zoom === 1 && shift === 0 ? '' : ` transform="translate(${width / 2 + shift} ${height / 2 + shift}) scale(${zoom}) translate(${-width / 2} ${-height / 2})"`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="${width}" height="${height}" fill="#${bg}"/>` +
    `<g${moved}><svg x="${margin}" y="${margin}" width="${width - 2 * margin}" height="${height - 2 * margin}" viewBox="${viewBox.join(' ')}" overflow="visible">` +
    `<path fill="#${fg}" d="${path}"/></svg></g></svg>`
  );
}

/**
 * How a mark shows on a page. `fg`/`bg` are colours or 'brand'; a mark whose brand colour is
 * too light to show on white (luma >= LIGHT) is drawn in black there, and in black on its
 * colour for the tiles (a white mark would not show either).
 */
export const LIGHT = 200;
export const VARIANTS = [
  { name: 'logo', size: 128, on: 'white' },
  { name: 'wide', size: 128, on: 'white', tight: true },
  { name: 'favicon-32', size: 32, on: 'white' },
  { name: 'favicon-16', size: 16, on: 'white' },
  { name: 'tile', size: 128, on: 'brand', pad: 0.125 },
  { name: 'tile-32', size: 32, on: 'brand', pad: 0.125 },
];

/**
 * The images of one mark ({path, hex, viewBox?}) in every variant: [{variant, width, height,
 * svg, rgba}]. The `wide` variant exists only for marks at least 1.5 times wider than tall (a
 * wordmark cropped to its own shape, as logo <img>s are); otherwise it would repeat `logo`.
 */
export function variantImages(mark, { zoom = 1, shift = 0 } = {}, only = null) {
  const light = lumaOf(mark.hex) >= LIGHT;
  const out = [];
  for (const v of VARIANTS) {
    if (only && !only.has(v.name)) continue;
    let viewBox = mark.viewBox ?? [0, 0, 24, 24];
    let width = v.size;
    let height = v.size;
    if (v.tight) {
      const [bx, by, bw, bh] = bboxOf(mark.path);
      if (!(bw >= 1.5 * bh) || bh <= 0) continue;
      viewBox = [bx, by, bw, bh];
      height = Math.max(8, Math.round((v.size * bh) / bw));
    }
    const fg = v.on === 'white' ? (light ? '000000' : mark.hex) : light ? '000000' : 'ffffff';
    const bg = v.on === 'white' ? 'ffffff' : mark.hex;
    const svg = iconSvg(mark.path, { width, height, fg, bg, pad: v.pad ?? 0, viewBox, zoom, shift });
    const im = renderSvg(svg);
    if (im.width !== width || im.height !== height) throw new Error(`resvg drew ${im.width}x${im.height}, not ${width}x${height}`);
    out.push({ variant: v.name, width, height, svg, rgba: im.rgba });
  }
  return out;
}

/** The pHash of RGBA pixels, exactly as the content script computes it. */
export const hashOf = (rgba, width, height) => phash32x32(gray32FromRGBA(rgba, width, height));

/** Hashes of a mark's variants, [{variant, hash}]. */
export const markHashes = (mark, jitter, only) =>
  variantImages(mark, jitter, only).map((im) => ({ variant: im.variant, hash: hashOf(im.rgba, im.width, im.height) }));

/**
 * Tiny changes that another rasterizer's copy of the same mark has against ours: the mark moved
 * by a third of a pixel (`shift`, output pixels, along both axes) or 1 % smaller or larger. At
 * favicon sizes a third of a pixel is a lot, as it is for real favicons, whose pixel grid
 * never falls where ours does: most small-size hashes are dropped as fragile, rightly.
 */
export const JITTERS = [{ shift: 1 / 3 }, { zoom: 0.99 }, { shift: -1 / 3, zoom: 1.01 }];

// ---- 3. generic shapes and icons ---------------------------------------------------------

/** Plain shapes in a 24x24 box: any site may show them. */
const SHAPES = {
  'square (full)': 'M0 0H24V24H0Z',
  square: 'M3 3H21V21H3Z',
  'rounded square': 'M7 2H17A5 5 0 0 1 22 7V17A5 5 0 0 1 17 22H7A5 5 0 0 1 2 17V7A5 5 0 0 1 7 2Z',
  disc: 'M12 2A10 10 0 1 1 12 22A10 10 0 1 1 12 2Z',
  'disc (full)': 'M12 0A12 12 0 1 1 12 24A12 12 0 1 1 12 0Z',
  ring: 'M12 2A10 10 0 1 1 12 22A10 10 0 1 1 12 2ZM12 5A7 7 0 1 0 12 19A7 7 0 1 0 12 5Z',
  'square outline': 'M3 3H21V21H3ZM6 6V18H18V6Z',
  triangle: 'M12 3L22 21H2Z',
  diamond: 'M12 1L23 12L12 23L1 12Z',
  'horizontal bar': 'M1 9H23V15H1Z',
  'vertical bar': 'M9 1H15V23H9Z',
  plus: 'M9 2H15V9H22V15H15V22H9V15H2V9H9Z',
  'left half': 'M0 0H12V24H0Z',
  'top half': 'M0 0H24V12H0Z',
  'three lines': 'M2 4H22V7H2ZM2 10.5H22V13.5H2ZM2 17H22V20H2Z',
};

/** Generic favicon pictograms and plain letters from @mdi/svg (Material Design Icons). */
const MDI_ICONS = [
  'earth', 'web', 'lock', 'lock-outline', 'lock-open', 'home', 'home-outline', 'shield', 'shield-check',
  'shield-outline', 'account', 'account-circle', 'email', 'email-outline', 'cart', 'cart-outline',
  'shopping', 'store', 'storefront', 'magnify', 'cog', 'bell', 'star', 'heart', 'information',
  'help-circle', 'check-circle', 'checkbox-marked-circle', 'close-circle', 'alert', 'alert-circle',
  'menu', 'download', 'file', 'file-document', 'folder', 'calendar', 'phone', 'map-marker', 'play',
  'play-circle', 'wifi', 'key', 'credit-card', 'bank', 'cloud', 'login', 'logout', 'chat', 'message',
  'bookmark', 'rss', 'circle', 'square', 'checkbox-blank', 'triangle', 'hexagon', 'octagon', 'rhombus',
  'briefcase', 'school', 'music', 'video', 'camera', 'image', 'thumb-up', 'send', 'newspaper',
  'wordpress',
  ...'abcdefghijklmnopqrstuvwxyz'.split('').flatMap((c) => [`alpha-${c}`, `alpha-${c}-box`, `alpha-${c}-circle`, `alpha-${c}-box-outline`, `alpha-${c}-circle-outline`]),
  ...'0123456789'.split('').flatMap((c) => [`numeric-${c}`, `numeric-${c}-box`, `numeric-${c}-circle`]),
];

/** Fonts whose letters and digits are generic images (npm dejavu-fonts-ttf; Chromium's defaults here). */
const FONTS = ['DejaVuSans', 'DejaVuSans-Bold', 'DejaVuSerif', 'DejaVuSerif-Bold', 'DejaVuSansMono'];
const GLYPHS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'];

/**
 * A-Z, a-z, 0-9 of each font as path data in a 24x24 box, placed twice: as text is (font size
 * 0.8 of the box, centred on its advance and on the em box's middle, as canvas fillText with
 * textAlign center / textBaseline middle draws it), and cropped to the glyph with 10 % padding
 * (a letter used as a logo). [{name, path, viewBox?}]
 */
function fontGlyphs() {
  const out = [];
  for (const f of FONTS) {
    const font = opentype.parse(readFileSync(join(FONT_DIR, `${f}.ttf`)).buffer);
    const size = 24 * 0.8;
    const k = size / font.unitsPerEm;
    const baseline = 12 + ((font.ascender + font.descender) / 2) * k;
    for (const g of GLYPHS) {
      const glyph = font.charToGlyph(g);
      const path = glyph.getPath(12 - (glyph.advanceWidth * k) / 2, baseline, size).toPathData(3);
      if (!path) throw new Error(`${f}: no outline for ${g}`);
      out.push({ name: `${g} in ${f}`, path });
      const [x, y, w, h] = bboxOf(path);
      const side = Math.max(w, h) * 1.2;
      out.push({ name: `${g} in ${f}, cropped`, path, viewBox: [x + w / 2 - side / 2, y + h / 2 - side / 2, side, side] });
    }
  }
  return out;
}

/** The extension's toolbar icon, drawn by the very function scripts/build-extension uses. */
function extensionIconPixel() {
  const src = readFileSync(join(ROOT, 'scripts', 'build-extension'), 'utf8');
  const m = /^function iconPixel\(x, y, size\) \{\n[\s\S]*?\n\}\n/m.exec(src);
  if (!m) throw new Error('iconPixel not found in scripts/build-extension');
  return new Function(`${m[0]}\nreturn iconPixel;`)();
}

/**
 * Hashes of generic images no brand hash may be near: [{name, hash}] (each shape, icon and
 * glyph in the same variants as the marks, and in white on blue filling 16, 32 and 64 px
 * images; blank images; the extension's icon at its four sizes).
 */
export function genericHashes() {
  const out = [];
  // Besides the marks' variants: light on dark filling the whole image (a letter favicon).
  const inverse = (name, path, viewBox) => {
    for (const size of [16, 32, 64]) {
      const { rgba } = renderSvg(iconSvg(path, { width: size, height: size, fg: 'ffffff', bg: '1a73e8', viewBox }));
      out.push({ name: `${name} (white on blue, ${size} px)`, hash: hashOf(rgba, size, size) });
    }
  };
  const add = (name, path) => {
    for (const hex of ['111111', '1a73e8', 'd93025']) {
      for (const { variant, hash } of markHashes({ path, hex })) out.push({ name: `${name} (${variant}, #${hex})`, hash });
    }
    inverse(name, path);
  };
  for (const [name, path] of Object.entries(SHAPES)) add(name, path);
  for (const n of MDI_ICONS) {
    const svg = readFileSync(join(MDI_DIR, 'svg', `${n}.svg`), 'utf8');
    const paths = [...svg.matchAll(/<path d="([^"]+)"/g)];
    if (paths.length !== 1 || !/viewBox="0 0 24 24"/.test(svg)) throw new Error(`@mdi/svg ${n}: not one path in 24x24`);
    add(`mdi ${n}`, paths[0][1]);
  }
  for (const { name, path, viewBox } of fontGlyphs()) {
    for (const { variant, hash } of markHashes({ path, hex: '111111', viewBox })) out.push({ name: `${name} (${variant})`, hash });
    inverse(name, path, viewBox);
  }
  for (const hex of ['ffffff', '000000', '808080', '1a73e8']) {
    const rgba = new Uint8Array(32 * 32 * 4).fill(255);
    const [r, g, b] = rgbOf(hex);
    for (let p = 0; p < 32 * 32; p++) rgba.set([r, g, b], p * 4);
    out.push({ name: `blank #${hex}`, hash: hashOf(rgba, 32, 32) });
  }
  const icon = extensionIconPixel();
  for (const s of [16, 32, 48, 128]) {
    const rgba = new Uint8Array(s * s * 4);
    for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) rgba.set(icon(x, y, s), (y * s + x) * 4);
    out.push({ name: `FerretWatch icon ${s}px`, hash: hashOf(rgba, s, s) });
  }
  return out;
}

// ---- distances -------------------------------------------------------------------------------

const POP = new Uint8Array(65536);
for (let i = 1; i < 65536; i++) POP[i] = POP[i >> 1] + (i & 1);
const split = (h) => [parseInt(h.slice(0, 8), 16), parseInt(h.slice(8), 16)];
/** Hamming distance of two 16-hex-digit hashes (fast; phash.js `hamming` for one-offs). */
export function distance(a, b) {
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const x = (ah ^ bh) >>> 0;
  const y = (al ^ bl) >>> 0;
  return POP[x & 0xffff] + POP[x >>> 16] + POP[y & 0xffff] + POP[y >>> 16];
}

/** Nearest entry of `pool` ([{hash, ...}]) to `hash`, skipping entries for which skip(e) holds. */
function nearest(hash, pool, skip = () => false) {
  const [h, l] = split(hash);
  let best = null;
  let bd = 65;
  for (const e of pool) {
    if (skip(e)) continue;
    const x = (h ^ e.hi) >>> 0;
    const y = (l ^ e.lo) >>> 0;
    const d = POP[x & 0xffff] + POP[x >>> 16] + POP[y & 0xffff] + POP[y >>> 16];
    if (d < bd) {
      bd = d;
      best = e;
    }
  }
  return best ? { ...best, d: bd } : null;
}
const withHalves = (e) => {
  const [hi, lo] = split(e.hash);
  return { ...e, hi, lo };
};

// ---- 4. everything ---------------------------------------------------------------------------

/** The stand-in marks' hashes (tests/corpus/make_logos.mjs): brand name → hash. */
async function standinHashes() {
  const { standins } = await import(pathToFileURL(join(ROOT, 'tests', 'corpus', 'make_logos.mjs')).href);
  return new Map(standins().map((s) => [s.brand, s.hash]));
}

/**
 * Computes every brand's kept hashes. Returns {version, brands: [{name, marks, kept: [{hash,
 * slug, variant}], dropped: [{hash, slug, variant, reason}]}], standins, unmapped: [names],
 * problems}.
 */
export async function compute({ brands = readBrands(), log = () => {} } = {}) {
  const { version, icons } = await loadSimpleIcons();
  const { mapped, problems } = await mapBrands(brands, icons);
  const standins = await standinHashes();
  const usedSlugs = new Set(mapped.flatMap((m) => m.marks.map((k) => k.icon.slug)));

  log(`simple-icons ${version}: ${icons.length} marks; ${mapped.length} brands mapped`);
  // Candidates: every variant of every mapped mark.
  const cands = [];
  for (const m of mapped) {
    for (const { icon } of m.marks) {
      const jittered = JITTERS.map((j) => markHashes(icon, j));
      markHashes(icon).forEach(({ variant, hash }, k) => {
        const moved = Math.max(...jittered.map((js) => distance(js[k].hash, hash)));
        cands.push(withHalves({ brand: m.brand.name, slug: icon.slug, variant, hash, moved }));
      });
    }
  }
  for (const [brand, hash] of standins) cands.push(withHalves({ brand, slug: 'stand-in', variant: 'corpus', hash, standin: true }));
  log(`${cands.length} candidate hashes; rendering generic shapes and the other marks`);
  const generic = genericHashes().map(withHalves);
  const others = [];
  for (const icon of icons) {
    if (usedSlugs.has(icon.slug)) continue;
    for (const { variant, hash } of markHashes(icon)) others.push(withHalves({ slug: icon.slug, title: icon.title, variant, hash }));
  }
  log(`${generic.length} generic and ${others.length} unprotected-mark hashes`);

  const reasons = new Map(); // cand index → reason
  cands.forEach((c, i) => {
    if (EXCLUDED[`${c.slug} ${c.hash}`]) {
      reasons.set(i, `excluded: ${EXCLUDED[`${c.slug} ${c.hash}`]}`);
      return;
    }
    if (c.moved > STABLE) {
      reasons.set(i, `fragile (moves ${c.moved} bits)`);
      return;
    }
    const g = nearest(c.hash, generic);
    if (g && g.d <= CLEARANCE) {
      reasons.set(i, `${g.d} bits from generic ${g.name}`);
      return;
    }
    const b = nearest(c.hash, cands, (e) => e.brand === c.brand);
    if (b && b.d <= CLEARANCE) {
      reasons.set(i, `${b.d} bits from ${b.brand}'s ${b.standin ? 'corpus stand-in' : `${b.slug} ${b.variant}`}`);
      return;
    }
    const o = nearest(c.hash, others);
    if (o && o.d <= CLEARANCE) reasons.set(i, `${o.d} bits from unprotected ${o.title} (${o.variant})`);
  });
  cands.forEach((c, i) => {
    if (c.standin && reasons.has(i)) problems.push(`${c.brand}'s corpus stand-in hash ${c.hash} is unsafe: ${reasons.get(i)}`);
  });

  const out = [];
  for (const b of brands) {
    const m = mapped.find((x) => x.brand.name === b.name);
    if (!m && !standins.has(b.name)) continue;
    const kept = [];
    const dropped = [];
    cands.forEach((c, i) => {
      if (c.brand !== b.name || c.standin) return;
      if (reasons.has(i)) dropped.push({ hash: c.hash, slug: c.slug, variant: c.variant, reason: reasons.get(i) });
      else if (!kept.some((k) => k.hash === c.hash)) kept.push({ hash: c.hash, slug: c.slug, variant: c.variant });
    });
    out.push({ name: b.name, marks: m ? m.marks.map((k) => ({ slug: k.icon.slug, title: k.icon.title, how: k.how })) : [], standin: standins.get(b.name) ?? null, kept, dropped });
  }
  const unmapped = brands.filter((b) => !mapped.some((m) => m.brand.name === b.name)).map((b) => b.name);
  return { version, brands: out, unmapped, problems, pools: { generic, others }, marks: new Map(mapped.flatMap((m) => m.marks.map((k) => [k.icon.slug, k.icon]))) };
}

/** The `phashes` a brand gets: its stand-in (if any) first, then its kept hashes. */
export function phashesOf(entry) {
  return [...(entry?.standin ? [entry.standin] : []), ...(entry?.kept ?? []).map((k) => k.hash)];
}

/** brands.json with every brand's `phashes` replaced (one brand per line, nothing else touched). */
export function updateBrandsJson(text, result) {
  const byName = new Map(result.brands.map((b) => [b.name, b]));
  return text
    .split('\n')
    .map((line) => {
      if (!line.startsWith('{')) return line;
      const name = JSON.parse(line.replace(/,\s*$/, '')).name;
      const hashes = phashesOf(byName.get(name));
      const next = line.replace(/"phashes": \[[^\]]*\]/, `"phashes": ${JSON.stringify(hashes).replaceAll(',', ', ')}`);
      if (!/"phashes": \[/.test(line)) throw new Error(`brand ${name} has no phashes field`);
      return next;
    })
    .join('\n');
}

const START = '<!-- brand-logo-hashes: generated by scripts/brand-logo-hashes.mjs, do not edit by hand -->';
const END = '<!-- /brand-logo-hashes -->';

/** The generated part of BRANDS.md: what has hashes, what was dropped and why, what has none. */
export function docsSection(result) {
  const withHashes = result.brands.filter((b) => b.kept.length);
  const lost = result.brands.filter((b) => b.marks.length && !b.kept.length);
  const droppedCount = result.brands.reduce((n, b) => n + b.dropped.length, 0);
  const keptCount = withHashes.reduce((n, b) => n + b.kept.length, 0);
  const kinds = { fragile: 0, generic: 0, brand: 0, other: 0 };
  for (const d of result.brands.flatMap((b) => b.dropped)) {
    if (d.reason.startsWith('fragile')) kinds.fragile++;
    else if (d.reason.includes(' from generic ') || d.reason.startsWith('excluded')) kinds.generic++;
    else if (d.reason.includes(' from unprotected ')) kinds.other++;
    else kinds.brand++;
  }
  const lines = [
    START,
    '',
    `From simple-icons ${result.version}, drawn by resvg (@resvg/resvg-wasm ${RESVG_VERSION}): **${withHashes.length} brands have real-mark hashes** (${keptCount} hashes);`,
    `${droppedCount} candidate hashes were dropped, and ${lost.length} mapped brands lost all of theirs. Dropped as`,
    `fragile: ${kinds.fragile}; near a generic image: ${kinds.generic}; near another protected brand's mark: ${kinds.brand};`,
    `near an unprotected simple-icons mark: ${kinds.other}.`,
    '',
    '<details><summary>Brands with hashes (mark: kept variants)</summary>',
    '',
    ...withHashes.map((b) => {
      const bySlug = new Map();
      for (const k of b.kept) bySlug.set(k.slug, [...(bySlug.get(k.slug) ?? []), k.variant]);
      return `- ${b.name}: ${[...bySlug].map(([s, v]) => `${s} (${v.join(', ')})`).join('; ')}`;
    }),
    '',
    '</details>',
    '',
    '<details><summary>Mapped brands left without a hash (every variant fragile or too close to something else)</summary>',
    '',
    ...lost.map((b) => `- ${b.name}: ${b.dropped.map((d) => `${d.slug} ${d.variant} ${d.reason}`).join('; ')}`),
    '',
    '</details>',
    '',
    '<details><summary>Hashes dropped from brands that kept others</summary>',
    '',
    ...result.brands
      .filter((b) => b.kept.length && b.dropped.length)
      .map((b) => `- ${b.name}: ${b.dropped.map((d) => `${d.slug} ${d.variant} ${d.reason}`).join('; ')}`),
    '',
    '</details>',
    '',
    `<details><summary>Brands with no simple-icons mark (${result.unmapped.length}; no logo hash)</summary>`,
    '',
    result.unmapped.join(', '),
    '',
    '</details>',
    '',
    END,
  ];
  return lines.join('\n');
}

/** BRANDS.md with the generated section replaced. */
export function updateBrandsMd(text, result) {
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`BRANDS.md has no generated section (${START} … ${END})`);
  return text.slice(0, a) + docsSection(result) + text.slice(b + END.length);
}

async function main() {
  const check = process.argv.includes('--check');
  const explain = process.argv.includes('--explain');
  const t0 = Date.now();
  const result = await compute({ log: (s) => console.error(`[brand-logo-hashes] ${s}`) });
  if (result.problems.length) {
    for (const p of result.problems) console.error(`problem: ${p}`);
    process.exit(2);
  }
  const stale = [];
  for (const [path, update] of [[BRANDS_JSON, updateBrandsJson], [BRANDS_MD, updateBrandsMd]]) {
    const old = readFileSync(path, 'utf8');
    const next = update(old, result);
    if (next !== old) {
      stale.push(path.slice(ROOT.length + 1));
      if (!check) writeFileSync(path, next);
    }
  }
  const withHashes = result.brands.filter((b) => b.kept.length);
  if (explain) {
    for (const b of result.brands) {
      for (const d of b.dropped) console.log(`dropped ${b.name} ${d.slug} ${d.variant} ${d.hash}: ${d.reason}`);
    }
  }
  console.log(
    `${withHashes.length} brands with hashes (${withHashes.reduce((n, b) => n + b.kept.length, 0)} hashes), ` +
      `${result.brands.reduce((n, b) => n + b.dropped.length, 0)} hashes dropped, ${result.unmapped.length} brands without a mark; ` +
      `${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  if (stale.length) console.log(`${check ? 'out of date' : 'written'}: ${stale.join(', ')}`);
  if (check && stale.length) process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
