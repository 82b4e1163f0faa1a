#!/usr/bin/env node
// Output equality of two extension builds of the wasm engine (for performance work: an old build
// kept aside against a new one). Loads the default pack and the big bench pack into both builds
// and compares, as JSON text without `elapsed_us`:
//   - `checkUrl` on every URL of the sample (target/bench-src/urls.json), the URL fixture, every
//     corpus page's URL, the default pack's reputation entries and generated lookalikes of every
//     brand domain (deletions, doubled letters, swaps, look-alike characters, other suffixes,
//     combosquats), plus odd URLs (no scheme, capitals, ports, punycode, IP addresses, garbage);
//     failures must fail alike (same message);
//   - `checkUrlCompact` on the same URLs (array and the strings its indices name);
//   - `scan` of every corpus page (target/bench-src/corpus-features.jsonl).
// Exits 1 on the first difference.
//
// Usage: node benches/compare_wasm_builds.mjs OLD_PKG_DIR [NEW_PKG_DIR (default core/wasm/pkg)]
// (scripts/bench generates the sample and corpus features first.)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, readPackDir } from '../tests/node/helpers.mjs';

const [oldDir, newDir = join(ROOT, 'core', 'wasm', 'pkg')] = process.argv.slice(2);
if (!oldDir) {
  console.error('usage: node benches/compare_wasm_builds.mjs OLD_PKG_DIR [NEW_PKG_DIR]');
  process.exit(2);
}
const SRC = join(ROOT, 'target', 'bench-src');
for (const f of ['urls.json', 'corpus-features.jsonl']) {
  if (!existsSync(join(SRC, f))) {
    console.error(`${join(SRC, f)} is missing: run scripts/bench (or python3 benches/gen_pack.py) first`);
    process.exit(2);
  }
}

async function load(dir, tag) {
  const glue = await import(`${pathToFileURL(join(dir, 'ferretwatch_wasm.js')).href}?${tag}`);
  glue.initSync({ module: new WebAssembly.Module(readFileSync(join(dir, 'ferretwatch_wasm_bg.wasm'))) });
  return glue;
}
const builds = [await load(oldDir, 'old'), await load(newDir, 'new')];

// ---- URLs ----
const urls = JSON.parse(readFileSync(join(SRC, 'urls.json'), 'utf8')).map((u) => u.url);
const lines = (text) => text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
urls.push(...lines(readFileSync(join(ROOT, 'tests', 'node', 'fixtures', 'urls.txt'), 'utf8')));
const corpus = readFileSync(join(SRC, 'corpus-features.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
urls.push(...corpus.map((c) => c.features.url));
for (const f of ['demo-phishtank.txt', 'demo-urlhaus-hosts.txt']) {
  for (const l of lines(readFileSync(join(ROOT, 'packs', 'default', 'reputation', f), 'utf8'))) urls.push(`http://${l}`, `https://www.${l}?q=1`);
}
const brands = JSON.parse(readFileSync(join(ROOT, 'packs', 'default', 'brands.json'), 'utf8'));
const swaps = [['a', 'а'], ['o', 'ο'], ['o', '0'], ['l', '1'], ['e', 'е'], ['i', 'l'], ['m', 'rn']];
for (const b of brands) {
  for (const d of b.domains.slice(0, 2)) {
    const dot = d.indexOf('.');
    const [label, suffix] = dot < 0 ? [d, 'com'] : [d.slice(0, dot), d.slice(dot + 1)];
    const hosts = [d, `www.${d}`, `${label}.xyz`, `${label}-login.com`, `${label}secure.com`, `${d}-account.info`, `www.${d}.verify.info`];
    for (let i = 0; i < label.length; i++) {
      hosts.push(`${label.slice(0, i)}${label.slice(i + 1)}.${suffix}`, `${label.slice(0, i + 1)}${label.slice(i)}.${suffix}`);
      if (i + 1 < label.length) hosts.push(`${label.slice(0, i)}${label[i + 1]}${label[i]}${label.slice(i + 2)}.${suffix}`);
      for (const [from, to] of swaps) if (label[i] === from) hosts.push(`${label.slice(0, i)}${to}${label.slice(i + 1)}.${suffix}`);
    }
    hosts.forEach((h, k) => urls.push(`https://${h}${['/', '/login', '/a//b?next=%2F', ''][k % 4]}`));
  }
}
urls.push(
  '', ' ', 'http://', 'data:text/html,hi', 'about:blank', 'paypal.com/login', 'HTTPS://WWW.PAYPAL.COM/', 'https://PayPal.com./x',
  'https://paypal.com:8443/x', 'https://user:pw@paypal.com/', 'https://192.168.1.10/x', 'http://[::1]/', 'https://co.uk/',
  'xn--.com', 'https://xn--pypal-4ve.com/', 'https://münchen.de/', 'https://a..b/', 'https://x.com/a/../b', 'https://x.com/?q=\'1\'',
  '  https://paypal-login.example/  ', 'https://x.com/\u00e4?\u00fc#\u00f6', `https://${'a'.repeat(70)}.com/`, 'https://x.com/\ud800',
);

function compare(what, a, b) {
  if (a !== b) {
    console.error(`DIFFERENT ${what}\n  old: ${a}\n  new: ${b}`);
    process.exit(1);
  }
}
const text = (f) => {
  try {
    const v = f();
    if (v instanceof Uint32Array) return JSON.stringify(Array.from(v));
    if (v && typeof v === 'object' && 'elapsed_us' in v) {
      const { elapsed_us: _e, ...rest } = v;
      return JSON.stringify(rest);
    }
    return JSON.stringify(v);
  } catch (e) {
    return `throws ${e.message}`;
  }
};

const packs = { default: join(ROOT, 'packs', 'default'), big: join(ROOT, 'target', 'bench-pack') };
for (const [name, dir] of Object.entries(packs)) {
  if (!existsSync(dir)) continue;
  const files = readPackDir(dir);
  const engines = builds.map((g) => new g.Engine(files));
  let n = 0;
  for (const url of urls) {
    compare(`checkUrl ${JSON.stringify(url)} (${name} pack)`, ...engines.map((e) => text(() => e.checkUrl(url))));
    compare(`checkUrlCompact ${JSON.stringify(url)} (${name} pack)`, ...engines.map((e) => text(() => e.checkUrlCompact(url))));
    n++;
  }
  compare(`compactStrings (${name} pack)`, ...engines.map((e) => JSON.stringify(e.compactStrings())));
  for (const c of corpus) compare(`scan ${c.id} (${name} pack)`, ...engines.map((e) => text(() => e.scan(c.features))));
  compare(`telemetry (${name} pack)`, ...engines.map((e) => {
    const { latency_us: _l, ...t } = e.telemetry();
    return JSON.stringify(t);
  }));
  console.log(`${name} pack: ${n} URLs (checkUrl, checkUrlCompact) and ${corpus.length} corpus pages (scan): identical`);
  engines.forEach((e) => e.free());
}
