#!/usr/bin/env node
// URL-only checks of the wasm engine under node, alone (the URL rows of benches/wasm_bench.mjs
// without the load, corpus, page and memory parts, which take minutes): for comparing builds back
// to back. Loads the big pack (target/bench-pack, signed as in wasm_bench.mjs) into the extension
// build and the bench-api build, then times the 1,000-URL sample (target/bench-src/urls.json)
// `rounds` times, each URL over `reps` calls, in this order per round: `checkUrl`,
// `checkUrlCompact`, the engine alone in wasm (`benchCheckUrlEach`, full verdict) and, when the
// bench build has it, the decision path alone (`benchCheckUrlDecisionEach`). Prints the median
// over URLs (and by kind) of each round and the median over rounds, then the brand index build
// time of the big pack (`loadBreakdown`, median of 5 loads).
//
// Usage: node benches/wasm_url_bench.mjs [--rounds N] [--reps N]
//   FW_WASM_PROD_DIR / FW_WASM_BENCH_DIR: the two builds (default core/wasm/pkg, target/wasm-bench)
//   FW_BENCH_OUT: JSON output (default target/bench-results/wasm-url.json)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, readPackDir } from '../tests/node/helpers.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('--rounds', 3);
const REPS = arg('--reps', 32);
const PROD_DIR = process.env.FW_WASM_PROD_DIR ?? join(ROOT, 'core', 'wasm', 'pkg');
const BENCH_DIR = process.env.FW_WASM_BENCH_DIR ?? join(ROOT, 'target', 'wasm-bench');
const OUT = process.env.FW_BENCH_OUT ?? join(ROOT, 'target', 'bench-results', 'wasm-url.json');
const PACK_DIR = join(ROOT, 'target', 'bench-pack');
const urls = JSON.parse(readFileSync(join(ROOT, 'target', 'bench-src', 'urls.json'), 'utf8'));

const sorted = (v) => [...v].sort((a, b) => a - b);
const median = (v) => sorted(v)[Math.floor(v.length / 2)];

async function instantiate(dir, tag) {
  const glue = await import(`${pathToFileURL(join(dir, 'ferretwatch_wasm.js')).href}?${tag}`);
  glue.initSync({ module: new WebAssembly.Module(readFileSync(join(dir, 'ferretwatch_wasm_bg.wasm'))) });
  return glue;
}

const packFiles = readPackDir(PACK_DIR);
const bench = await instantiate(BENCH_DIR, 'bench');
const signed = bench.signPack(packFiles);
const trust = { publishers: bench.benchPublisherKeys(), threshold: 2, nowMs: 2_000_000, extensionVersion: '0.1.0' };
const prod = await instantiate(PROD_DIR, 'prod');
const engine = prod.Engine.fromSignedPack(signed, trust);
const eb = bench.Engine.fromSignedPack(bench.signPack(packFiles), trust);

const timeEach = (check) =>
  urls.map(({ url }) => {
    try {
      check(url);
    } catch {
      return null;
    }
    const t = performance.now();
    for (let i = 0; i < REPS; i++) check(url);
    return ((performance.now() - t) * 1000) / REPS;
  });
const summary = (us) => {
  const out = { median: median(us.filter((x) => x !== null && x >= 0)) };
  for (const kind of ['benign', 'lookalike', 'random', 'reputation']) {
    const v = us.filter((x, i) => x !== null && x >= 0 && urls[i].kind === kind);
    if (v.length) out[kind] = median(v);
  }
  return out;
};
const list = urls.map((u) => u.url);
const ways = {
  checkUrl: () => summary(timeEach((u) => engine.checkUrl(u))),
  checkUrlCompact: () => summary(timeEach((u) => engine.checkUrlCompact(u))),
  engine_full: () => summary(Array.from(eb.benchCheckUrlEach(list, REPS))),
};
if (typeof eb.benchCheckUrlDecisionEach === 'function') {
  ways.engine_decision = () => summary(Array.from(eb.benchCheckUrlDecisionEach(list, REPS)));
}
const rounds = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) for (const [k, f] of Object.entries(ways)) rounds[k].push(f());

const R = { date: new Date().toISOString(), prod: PROD_DIR, bench: BENCH_DIR, rounds: ROUNDS, reps: REPS, results: {} };
// The brand index build of the big pack's load (`loadBreakdown` of the bench build), median of 5.
R.brand_index_build_ms = median(Array.from({ length: 5 }, () => bench.loadBreakdown(packFiles).brands));
const fmt = (s) => Object.entries(s).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
for (const [k, rs] of Object.entries(rounds)) {
  const keys = Object.keys(rs[0]);
  const med = Object.fromEntries(keys.map((x) => [x, median(rs.map((s) => s[x]))]));
  R.results[k] = { median_of_rounds: med, rounds: rs };
  console.log(`${k.padEnd(16)} µs: ${fmt(med)}   (round medians: ${rs.map((s) => s.median.toFixed(2)).join(' ')})`);
}
console.log(`brand index build (loadBreakdown, median of 5): ${R.brand_index_build_ms.toFixed(2)} ms`);
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(R, null, 2));
engine.free();
eb.free();
