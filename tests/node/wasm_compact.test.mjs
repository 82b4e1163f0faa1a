// `Engine.checkUrlCompact` (the decision only: score, level, flags, and per finding the signal,
// target and source as indices into `compactStrings()`) agrees with the full `checkUrl` verdict on
// every URL: the URL fixture, every corpus page's URL, and (with MetaMask's lists imported) every
// domain of the MetaMask parity sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, makeHost } from './helpers.mjs';
import { sample } from './fixtures/metamask_sample.mjs';

const LEVELS = ['green', 'yellow', 'red'];

/** A compact result decoded into the fields of the full verdict it stands for. */
function decode(packed, strings) {
  assert.ok(packed instanceof Uint32Array);
  assert.equal((packed.length - 3) % 3, 0, 'header of 3, then 3 per finding');
  const str = (i) => {
    assert.ok(i < strings.length, `index ${i} is in compactStrings()`);
    return strings[i];
  };
  const findings = [];
  for (let i = 3; i < packed.length; i += 3) {
    const f = { signal: str(packed[i]) };
    if (packed[i + 1]) f.target = str(packed[i + 1] - 1);
    if (packed[i + 2]) f.source = str(packed[i + 2] - 1);
    findings.push(f);
  }
  assert.ok(packed[2] <= 3, 'flags use bits 0 and 1 only');
  return { score: packed[0], level: LEVELS[packed[1]], trusted: !!(packed[2] & 1), partial: !!(packed[2] & 2), findings };
}

/** The same fields taken from a full verdict. */
function decision(v) {
  const findings = v.findings.map(({ signal, target, source }) => {
    const f = { signal };
    if (target !== undefined) f.target = target;
    if (source !== undefined) f.source = source;
    return f;
  });
  return { score: v.score, level: v.level, trusted: v.trusted, partial: v.partial, findings };
}

/** Checks every URL both ways on one engine; returns how many had findings. */
function compareAll(engine, urls) {
  let strings = engine.compactStrings();
  let withFindings = 0;
  let failures = 0;
  for (const url of urls) {
    let full;
    try {
      full = engine.checkUrl(url);
    } catch (e) {
      assert.throws(() => engine.checkUrlCompact(url), { message: e.message }, `${url} fails compactly too`);
      failures++;
      continue;
    }
    const packed = engine.checkUrlCompact(url);
    if (packed.some((x, i) => i >= 3 && x >= strings.length)) strings = engine.compactStrings();
    assert.deepEqual(decode(packed, strings), decision(full), url);
    if (full.findings.length) withFindings++;
  }
  return { withFindings, failures };
}

test('compact check equals the full verdict on the URL fixture and the corpus URLs', async () => {
  const host = await makeHost();
  const fixture = readFileSync(join(ROOT, 'tests', 'node', 'fixtures', 'urls.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const corpus = JSON.parse(readFileSync(join(ROOT, 'tests', 'corpus', 'index.json'), 'utf8')).map((p) => p.url);
  assert.ok(fixture.length >= 50 && corpus.length >= 80, `${fixture.length} fixture URLs, ${corpus.length} corpus URLs`);
  const r = compareAll(host.engine, [...fixture, ...corpus]);
  assert.ok(r.withFindings >= 20, `${r.withFindings} URLs with findings`);
  // With user settings (trusted site, thresholds) the two still agree.
  host.engine.setSettings({ yellow: 10, red: 30, trustedSites: ['xn--pypal-4ve.com'] });
  compareAll(host.engine, [...fixture, ...corpus]);
});

test('compact check equals the full verdict on the MetaMask sample (sources and fuzzy targets)', async () => {
  const require = createRequire(import.meta.url);
  const configPath = require.resolve('eth-phishing-detect/src/config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'fw-compact-'));
  try {
    copyFileSync(join(ROOT, 'packs', 'default', 'pack.json'), join(dir, 'pack.json'));
    copyFileSync(join(ROOT, 'packs', 'default', 'brands.json'), join(dir, 'brands.json'));
    execFileSync(BIN, ['intel', 'import', '--format', 'metamask', configPath, '--out', dir, '--fetched-at', '2026-11-25T00:00:00Z'], {
      stdio: 'ignore',
    });
    const host = await makeHost(dir);
    const urls = sample(config).map(({ domain }) => `https://${domain}/`);
    const r = compareAll(host.engine, urls);
    assert.ok(r.withFindings >= 1000, `${r.withFindings} domains with findings`);
    const strings = host.engine.compactStrings();
    assert.ok(strings.includes('metamask'), 'the source is interned');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compact check counts like checkUrl and throws on bad URLs', async () => {
  const host = await makeHost();
  const e = host.engine;
  assert.throws(() => e.checkUrlCompact('not a url at all ::'), /cannot scan|URL/);
  e.checkUrlCompact('https://www.paypal.com/');
  const t = e.telemetry();
  assert.equal(t.pages_scanned, 1);
  assert.equal(t.failures.bad_url, 1);
});
