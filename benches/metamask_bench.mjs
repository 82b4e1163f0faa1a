// MetaMask comparison bench: per-domain check time of our wasm engine vs eth-phishing-detect's
// detector, in one node run, on MetaMask's own configuration and the same domain sample as
// tests/node/metamask_parity.test.mjs; then the size, load time and false-positive rate of a
// 1,000,000-host list.
//
//   cargo build -p ferretwatch-cli && scripts/build-wasm && node benches/metamask_bench.mjs [--json]
//
// Needs target/debug/ferretwatch (for `intel import`) and the release wasm in core/wasm/pkg.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BIN, ROOT, makeHost } from '../tests/node/helpers.mjs';
import { rng, sample } from '../tests/node/fixtures/metamask_sample.mjs';

const require = createRequire(import.meta.url);
const PhishingDetector = require('eth-phishing-detect/src/detector');
const CONFIG_PATH = require.resolve('eth-phishing-detect/src/config.json');
const config = JSON.parse(readFileSync(CONFIG_PATH, 'utf8'));
const detectorVersion = require('eth-phishing-detect/package.json').version;
const asJson = process.argv.includes('--json');

function packDir(importArgs) {
  const dir = mkdtempSync(join(tmpdir(), 'fw-mmbench-'));
  copyFileSync(join(ROOT, 'packs', 'default', 'pack.json'), join(dir, 'pack.json'));
  const brands = join(ROOT, 'packs', 'default', 'brands.json');
  if (existsSync(brands)) copyFileSync(brands, join(dir, 'brands.json'));
  else writeFileSync(join(dir, 'brands.json'), '[]');
  const summary = JSON.parse(
    execFileSync(BIN, ['intel', 'import', ...importArgs, '--out', dir, '--json', '--fetched-at', '2026-11-25T00:00:00Z'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    }),
  );
  return { dir, summary };
}

/** Median of per-check µs over `rounds` passes of `fn` over `items`. */
function time(items, fn, rounds = 7) {
  for (const x of items) fn(x); // warm-up
  const perCheck = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (const x of items) fn(x);
    perCheck.push(((performance.now() - t0) * 1000) / items.length);
  }
  perCheck.sort((a, b) => a - b);
  return perCheck[Math.floor(rounds / 2)];
}

const results = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length };

// 1. Per-domain checks on MetaMask's configuration.
{
  const { dir } = packDir(['--format', 'metamask', CONFIG_PATH]);
  const host = await makeHost(dir);
  const engine = host.engine; // the raw wasm Engine: synchronous calls, no crash guard
  const detector = new PhishingDetector(config);
  const domains = sample(config).map(({ domain }) => ({ url: `https://${domain}/`, hostname: new URL(`https://${domain}/`).hostname }));
  let blocked = 0;
  for (const d of domains) if (detector.check(d.hostname).result) blocked++;
  const theirs = time(domains, (d) => detector.check(d.hostname));
  const oursCheckUrl = time(domains, (d) => engine.checkUrl(d.url));
  const oursCompact = time(domains, (d) => engine.checkUrlCompact(d.url));
  const oursReputation = time(domains, (d) => engine.checkReputation(d.url));
  results.metamask = {
    domains: domains.length,
    blocked_by_detector: blocked,
    detector_version: detectorVersion,
    blocklist: config.blacklist.length,
    allowlist: config.whitelist.length,
    fuzzylist: config.fuzzylist.length,
    eth_phishing_detect_us: +theirs.toFixed(2),
    ferretwatch_wasm_checkUrl_us: +oursCheckUrl.toFixed(2),
    ferretwatch_wasm_checkUrlCompact_us: +oursCompact.toFixed(2),
    ferretwatch_wasm_checkReputation_us: +oursReputation.toFixed(2),
    speedup_checkUrl: +(theirs / oursCheckUrl).toFixed(1),
    speedup_checkUrlCompact: +(theirs / oursCompact).toFixed(1),
    speedup_checkReputation: +(theirs / oursReputation).toFixed(1),
  };
  rmSync(dir, { recursive: true, force: true });
}

// 2. A 1,000,000-host list: artifact size, pack load, lookups, false positives.
{
  const tmp = mkdtempSync(join(tmpdir(), 'fw-1m-'));
  const hostsFile = join(tmp, 'hosts.txt');
  const r = rng(7);
  const name = (i) => `h${i.toString(36)}-${Math.floor(r() * 1e9).toString(36)}.example`;
  const lines = [];
  const members = [];
  for (let i = 0; i < 1_000_000; i++) {
    const h = name(i);
    lines.push(`0.0.0.0 ${h}`);
    if (i % 1000 === 0) members.push(h);
  }
  writeFileSync(hostsFile, lines.join('\n') + '\n');
  const t0 = performance.now();
  const { dir, summary } = packDir(['--format', 'hosts', hostsFile, '--source', 'big']);
  const importMs = performance.now() - t0;
  const fwrep = join(dir, 'reputation', 'big-host.fwrep');
  const bytes = statSync(fwrep).size;
  const t1 = performance.now();
  const host = await makeHost(dir);
  const loadMs = performance.now() - t1;
  // Loading again into the instantiated module: pack parsing and index building only.
  const files = host.packFiles;
  const reloads = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await host.load(files);
    reloads.push(performance.now() - t);
  }
  reloads.sort((a, b) => a - b);
  const engine = host.engine;
  let missed = 0;
  for (const m of members) {
    if (!engine.checkUrl(`https://${m}/`).findings.some((f) => f.source === 'big')) missed++;
  }
  // Non-members: names from another generator, never in the list.
  const N = 1_000_000;
  let falseHits = 0;
  const t2 = performance.now();
  for (let i = 0; i < N; i++) {
    const f = engine.checkReputation(`https://n${i.toString(36)}.nonmember.test/`);
    if (f.some((x) => x.source === 'big')) falseHits++;
  }
  const lookupUs = ((performance.now() - t2) * 1000) / N;
  results.million = {
    indicators: summary.indicators,
    fwrep_bytes: bytes,
    fwrep_gzip_bytes: execFileSync('gzip', ['-9c', fwrep], { maxBuffer: 64 << 20 }).length,
    cli_import_ms: Math.round(importMs),
    wasm_first_load_ms: Math.round(loadMs),
    wasm_pack_load_ms: +reloads[2].toFixed(1),
    members_checked: members.length,
    members_missed: missed,
    non_members_checked: N,
    false_positives: falseHits,
    // .fwrep v3 keeps 48-bit fingerprints (docs/rule-pack-format.md): n / 2^48 per lookup.
    analytical_fp_rate_per_lookup: summary.indicators / 2 ** 48,
    checkReputation_us: +lookupUs.toFixed(2),
  };
  rmSync(tmp, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}

if (asJson) {
  console.log(JSON.stringify(results));
} else {
  const m = results.metamask;
  console.log(`${results.date}  node ${results.node}  ${results.cpu} × ${results.cores}`);
  console.log(`MetaMask config: ${m.blocklist} blocklist, ${m.allowlist} allowlist, ${m.fuzzylist} fuzzylist (eth-phishing-detect ${m.detector_version})`);
  console.log(`sample: ${m.domains} domains, ${m.blocked_by_detector} blocked by the detector`);
  console.log(`eth-phishing-detect check(): ${m.eth_phishing_detect_us} µs/domain`);
  console.log(`ferretwatch wasm checkUrl() (all URL signals + verdict): ${m.ferretwatch_wasm_checkUrl_us} µs/domain  (${m.speedup_checkUrl}× faster)`);
  console.log(`ferretwatch wasm checkUrlCompact() (same check, decision only): ${m.ferretwatch_wasm_checkUrlCompact_us} µs/domain  (${m.speedup_checkUrlCompact}× faster)`);
  console.log(`ferretwatch wasm checkReputation() (same lists): ${m.ferretwatch_wasm_checkReputation_us} µs/domain  (${m.speedup_checkReputation}× faster)`);
  const b = results.million;
  console.log(`1,000,000 hosts: .fwrep ${b.fwrep_bytes} bytes (${b.fwrep_gzip_bytes} gzipped), CLI import ${b.cli_import_ms} ms, wasm pack load ${b.wasm_pack_load_ms} ms (first load with module instantiation and file reads ${b.wasm_first_load_ms} ms)`);
  console.log(`  members missed ${b.members_missed}/${b.members_checked}; false positives ${b.false_positives}/${b.non_members_checked} (analytical ${b.analytical_fp_rate_per_lookup.toExponential(2)} per lookup); checkReputation ${b.checkReputation_us} µs`);
}
