// Our MetaMask list (imported with `ferretwatch intel import --format metamask` from
// eth-phishing-detect's own config.json, checked by the wasm engine) gives the same verdict as
// eth-phishing-detect's detector on every domain of a deterministic ≥ 2,000-domain sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, makeHost } from './helpers.mjs';
import { sample } from './fixtures/metamask_sample.mjs';

const require = createRequire(import.meta.url);
const PhishingDetector = require('eth-phishing-detect/src/detector');
const CONFIG_PATH = require.resolve('eth-phishing-detect/src/config.json');
const config = JSON.parse(readFileSync(CONFIG_PATH, 'utf8'));

/** A temporary pack: the default pack.json and brands.json plus the imported MetaMask artifacts. */
export function metamaskPack(configPath = CONFIG_PATH) {
  const dir = mkdtempSync(join(tmpdir(), 'fw-metamask-'));
  copyFileSync(join(ROOT, 'packs', 'default', 'pack.json'), join(dir, 'pack.json'));
  const brands = join(ROOT, 'packs', 'default', 'brands.json');
  if (existsSync(brands)) copyFileSync(brands, join(dir, 'brands.json'));
  else writeFileSync(join(dir, 'brands.json'), '[]');
  const summary = JSON.parse(
    execFileSync(BIN, ['intel', 'import', '--format', 'metamask', configPath, '--out', dir, '--json', '--fetched-at', '2026-11-25T00:00:00Z'], {
      encoding: 'utf8',
    }),
  );
  return { dir, summary };
}

/** Our verdict in the detector's legacy shape, from the engine's findings with source `metamask`. */
export function ours(verdict) {
  const f = verdict.findings.find((x) => x.source === 'metamask');
  if (!f) return { result: false };
  return f.target ? { result: true, type: 'fuzzy', match: f.target } : { result: true, type: 'blacklist' };
}

/** The detector's verdict without the fields we do not reproduce (allowlist vs nothing). */
export function theirs(r) {
  if (!r.result) return { result: false };
  return r.type === 'fuzzy' ? { result: true, type: 'fuzzy', match: r.match } : { result: true, type: r.type };
}

test('the import keeps every list entry of the MetaMask configuration', () => {
  const { dir, summary } = metamaskPack();
  try {
    assert.equal(summary.skipped, 0, JSON.stringify(summary.warnings));
    assert.equal(summary.metamask.blocklist, new Set(config.blacklist).size);
    assert.equal(summary.metamask.allowlist, new Set(config.whitelist).size);
    assert.equal(summary.metamask.fuzzylist, new Set(config.fuzzylist).size);
    assert.equal(summary.metamask.tolerance, config.tolerance);
    assert.equal(summary.source, 'metamask');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wasm engine agrees with eth-phishing-detect on ≥ 2,000 domains', async () => {
  const { dir } = metamaskPack();
  try {
    const host = await makeHost(dir);
    const detector = new PhishingDetector(config);
    const domains = sample(config);
    assert.ok(domains.length >= 2000, `sample has ${domains.length} domains`);
    const disagreements = [];
    const counts = {};
    for (const { domain, group } of domains) {
      // What a browser hands both detectors: the URL parser's hostname.
      const hostname = new URL(`https://${domain}/`).hostname;
      const want = theirs(detector.check(hostname));
      const got = ours(await host.checkUrl(`https://${domain}/`));
      // The narrow reputation-only entry point gives the same answer.
      const narrow = ours({ findings: host.engine.checkReputation(`https://${domain}/`) });
      const key = `${group}:${want.result ? want.type : 'pass'}`;
      counts[key] = (counts[key] ?? 0) + 1;
      try {
        assert.deepEqual(got, want);
        assert.deepEqual(narrow, want);
      } catch {
        disagreements.push({ domain, hostname, group, want, got, narrow });
      }
    }
    if (disagreements.length) console.log('disagreements:', JSON.stringify(disagreements, null, 1));
    // The sample must exercise every outcome, or agreement would prove little.
    for (const k of ['blacklist:blacklist', 'blacklist-subdomain:blacklist', 'whitelist:pass', 'popular:pass']) {
      assert.ok(counts[k] > 0, `sample covers ${k}: ${JSON.stringify(counts)}`);
    }
    assert.ok(Object.keys(counts).some((k) => k.endsWith(':fuzzy')), 'sample covers fuzzy matches');
    assert.ok(counts['fuzzy-4-edits:pass'] > 0, 'sample covers edits beyond the tolerance');
    assert.equal(disagreements.length, 0, `${disagreements.length} of ${domains.length} domains disagree`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MetaMask findings name their source and the lookalike target', async () => {
  const { dir } = metamaskPack();
  try {
    const host = await makeHost(dir);
    const blocked = config.blacklist.find((d) => !d.includes('xn--'));
    const v = await host.checkUrl(`https://login.${blocked}/`);
    const f = v.findings.find((x) => x.source === 'metamask');
    assert.equal(f.signal, 'reputation_hit');
    assert.equal(f.confidence, 1);
    assert.equal(v.level, 'red');
    const fuzzy = await host.checkUrl('https://www.metamazk.io/');
    const g = fuzzy.findings.find((x) => x.source === 'metamask');
    assert.equal(g.target, 'metamask.io');
    assert.ok(g.confidence < 1 && g.confidence > 0);
    const allowed = await host.checkUrl('https://metamask.io/');
    assert.equal(allowed.findings.find((x) => x.source === 'metamask'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('control: a list imported with another tolerance disagrees (the comparison can fail)', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fw-mmcfg-'));
  const cfg = join(tmp, 'config.json');
  writeFileSync(cfg, JSON.stringify({ ...config, tolerance: config.tolerance - 1 }));
  const { dir } = metamaskPack(cfg);
  try {
    const host = await makeHost(dir);
    const detector = new PhishingDetector(config);
    let differ = 0;
    for (const { domain } of sample(config)) {
      const want = theirs(detector.check(new URL(`https://${domain}/`).hostname));
      const got = ours({ findings: host.engine.checkReputation(`https://${domain}/`) });
      if (JSON.stringify(want) !== JSON.stringify(got)) differ++;
    }
    assert.ok(differ > 10, `only ${differ} domains differ`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
});
