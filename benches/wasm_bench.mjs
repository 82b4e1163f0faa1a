#!/usr/bin/env node
// Benchmarks the WebAssembly engine under node (issue 2, "Speed and memory"), in one run:
//   - engine load with the big pack (target/bench-pack, from benches/gen_pack.py)
//   - corpus page scans (p50/p95), URL-only checks (median per URL, timed in batches; the full
//     `checkUrl` verdict and the `checkUrlCompact` decision side by side)
//   - a 1 MiB page scan next to a bare aho-corasick pass over the same atoms, in the same build
//   - wasm linear memory after load and after the corpus, .wasm size gzipped
//   - a breakdown of the load time by step (to find the hot spot when a goal is missed)
// The extension's build (scripts/build-wasm → core/wasm/pkg) gives every public number; the
// `bench-api` build (target/wasm-bench, see scripts/bench) adds the bare automaton, the load
// breakdown and in-wasm timings without the JS ⇄ Rust conversions.
//
// Usage: node benches/wasm_bench.mjs [--quick] [--load-only]   (scripts/bench builds the inputs first)
//   --load-only  only the load and memory figures (verify+load, load, breakdowns, heap peaks, in
//                fresh module instances), skipping the scans: a quick before/after of loading
// Writes target/bench-results/wasm.json (wasm-load.json with --load-only).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ROOT, readPackDir } from '../tests/node/helpers.mjs';

const QUICK = process.argv.includes('--quick');
const LOAD_ONLY = process.argv.includes('--load-only');
// FW_WASM_PROD_DIR / FW_WASM_BENCH_DIR: other builds of the same two variants (e.g. from a
// private CARGO_TARGET_DIR), to compare builds without touching the shared ones; FW_BENCH_PACK_DIR:
// another big pack (e.g. a copy in the old format, for a before/after).
const PROD_DIR = process.env.FW_WASM_PROD_DIR ?? join(ROOT, 'core', 'wasm', 'pkg');
const BENCH_DIR = process.env.FW_WASM_BENCH_DIR ?? join(ROOT, 'target', 'wasm-bench');
const PACK_DIR = process.env.FW_BENCH_PACK_DIR ?? join(ROOT, 'target', 'bench-pack');
const SRC_DIR = join(ROOT, 'target', 'bench-src');
const OUT = process.env.FW_BENCH_OUT ?? join(ROOT, 'target', 'bench-results', LOAD_ONLY ? 'wasm-load.json' : 'wasm.json');
const MB = 1024 * 1024;

const GOALS = {
  load_ms: 50,
  corpus_p95_ms: 5,
  page_ratio: 2,
  url_median_us: 2,
  memory_mb: 20,
  wasm_gzip_mb: 1.5,
};

function need(path, what) {
  if (!existsSync(path)) {
    console.error(`wasm_bench: ${path} is missing (${what}).\nRun scripts/bench, which builds and generates everything.`);
    process.exit(2);
  }
  return path;
}

need(join(PROD_DIR, 'ferretwatch_wasm_bg.wasm'), 'the release wasm build: scripts/build-wasm');
need(join(BENCH_DIR, 'ferretwatch_wasm_bg.wasm'), 'the bench-api wasm build: scripts/bench --wasm-only');
need(join(PACK_DIR, 'pack.json'), 'the big pack: python3 benches/gen_pack.py');
for (const f of ['urls.json', 'atoms.json', 'page-1mib.features.json', 'page-1mib-disjoint.features.json', 'corpus-features.jsonl']) {
  need(join(SRC_DIR, f), 'benchmark inputs: python3 benches/gen_pack.py (the corpus needs tests/corpus/index.json)');
}

const now = () => performance.now();
const sorted = (v) => [...v].sort((a, b) => a - b);
const median = (v) => sorted(v)[Math.floor(v.length / 2)];
const percentile = (v, p) => sorted(v)[Math.min(v.length, Math.max(1, Math.ceil((p / 100) * v.length))) - 1];
const ms = (x) => `${x.toFixed(2)} ms`;
const mb = (x) => `${(x / MB).toFixed(1)} MB`;
const timeMs = (fn) => {
  const t = now();
  fn();
  return now() - t;
};

async function instantiate(dir, tag) {
  const glue = await import(`${pathToFileURL(join(dir, 'ferretwatch_wasm.js')).href}?${tag}`);
  const module = new WebAssembly.Module(readFileSync(join(dir, 'ferretwatch_wasm_bg.wasm')));
  const exports = glue.initSync({ module });
  return { glue, memory: () => exports.memory.buffer.byteLength };
}

// ---- inputs ----
const packFiles = readPackDir(PACK_DIR);
const packBytes = Object.values(packFiles).reduce((n, b) => n + b.length, 0);
const corpus = readFileSync(join(SRC_DIR, 'corpus-features.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l));
const page = JSON.parse(readFileSync(join(SRC_DIR, 'page-1mib.features.json'), 'utf8'));
const pageHtml = { url: page.url, html: page.html };
const disjoint = JSON.parse(readFileSync(join(SRC_DIR, 'page-1mib-disjoint.features.json'), 'utf8'));
const disjointHtml = { url: disjoint.url, html: disjoint.html };
const urls = JSON.parse(readFileSync(join(SRC_DIR, 'urls.json'), 'utf8'));
const atoms = JSON.parse(readFileSync(join(SRC_DIR, 'atoms.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(SRC_DIR, 'manifest.json'), 'utf8'));
const pageSize = (f) => (f.html?.length ?? 0) + (f.text?.length ?? 0) + (f.inline_script?.length ?? 0);

const R = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, mem_gb: +(totalmem() / 2 ** 30).toFixed(1), node: process.version },
  inputs: { pack_bytes: packBytes, corpus_pages: corpus.length, urls: urls.length, atoms: atoms.length, ...manifest },
};

// ---- the extension's build ----
const wasmBytes = readFileSync(join(PROD_DIR, 'ferretwatch_wasm_bg.wasm'));
R.wasm_bytes = wasmBytes.length;
R.wasm_gzip_bytes = gzipSync(wasmBytes, { level: 9 }).length;

// The pack as a client receives it: signed by two publishers (signPack of the bench build, keys
// from fixed seeds), verified and loaded by the extension build's Engine.fromSignedPack.
const bench = await instantiate(BENCH_DIR, 'bench');
const signedFiles = bench.glue.signPack(packFiles);
const trust = { publishers: bench.glue.benchPublisherKeys(), threshold: 2, nowMs: 2_000_000, extensionVersion: '0.1.0' };

const prod = await instantiate(PROD_DIR, 'prod');
R.memory_initial_bytes = prod.memory();
let engine;
R.verify_load_first_ms = timeMs(() => {
  engine = prod.glue.Engine.fromSignedPack(signedFiles, trust);
});
R.memory_after_load_bytes = prod.memory();
if (LOAD_ONLY) await loadOnly();
// A new engine scans with the YARA automaton's cheap-to-build NFA; the extension calls
// prepareFastScan after its first verdict (it builds the DFA when one fits the 20 MiB budget:
// never for this big pack, whose DFA would be ≈ 63 MiB, so here it is a no-op). Called before
// every scan below, so the scan figures are those of an engine in its steady state; its time is
// reported apart and is not in the load figures.
// (Builds older than prepareFastScan have nothing to prepare.)
R.prepare_fast_scan_ms = timeMs(() => {
  R.prepare_fast_scan_built = engine.prepareFastScan?.() ?? null;
});
R.memory_after_prepare_bytes = prod.memory();

// Corpus: one cold pass, then rounds; each page's time is its median over the rounds.
const cold = corpus.map(({ features }) => timeMs(() => engine.scan(features)));
const rounds = QUICK ? 3 : 7;
const perPage = corpus.map(() => []);
for (let r = 0; r < rounds; r++) {
  corpus.forEach(({ features }, i) => perPage[i].push(timeMs(() => engine.scan(features))));
}
const pageMs = perPage.map(median);
R.corpus_cold_p95_ms = percentile(cold, 95);
R.corpus_p50_ms = percentile(pageMs, 50);
R.corpus_p95_ms = percentile(pageMs, 95);
R.corpus_max_ms = Math.max(...pageMs);
R.corpus_largest_page_bytes = Math.max(...corpus.map(({ features }) => pageSize(features)));
const slowest = pageMs.map((t, i) => [t, corpus[i].id, pageSize(corpus[i].features)]).sort((a, b) => b[0] - a[0]);
R.corpus_slowest = slowest.slice(0, 3).map(([ms, id, bytes]) => ({ id, ms, bytes }));
R.memory_after_corpus_bytes = prod.memory();

// URL-only checks through the public API, batched per URL: `checkUrl` (the full verdict object)
// and `checkUrlCompact` (score, level and finding indices only: a Uint32Array), each URL timed
// both ways one after the other.
const reps = QUICK ? 8 : 32;
const timeUrls = (check) =>
  urls.map(({ url }) => {
    try {
      check(url);
    } catch {
      return null;
    }
    return (timeMs(() => {
      for (let i = 0; i < reps; i++) check(url);
    }) * 1000) / reps;
  });
const byKind = (us) => {
  const out = {};
  for (const kind of ['benign', 'lookalike', 'random', 'reputation']) {
    const v = us.filter((x, i) => x !== null && urls[i].kind === kind);
    if (v.length) out[kind] = median(v);
  }
  return out;
};
const urlUs = timeUrls((url) => engine.checkUrl(url));
const compactUs = timeUrls((url) => engine.checkUrlCompact(url));
R.url_median_us = median(urlUs.filter((x) => x !== null));
R.url_median_us_by_kind = byKind(urlUs);
R.url_compact_median_us = median(compactUs.filter((x) => x !== null));
R.url_compact_median_us_by_kind = byKind(compactUs);

// 1 MiB page through the public API.
const pageRuns = QUICK ? 3 : 7;
engine.scan(page);
R.page_full_bytes = pageSize(page);
R.page_full_ms = median(Array.from({ length: pageRuns }, () => timeMs(() => engine.scan(page))));
R.page_html_ms = median(Array.from({ length: pageRuns }, () => timeMs(() => engine.scan(pageHtml))));
const brief = ({ score, level, partial, findings }) => ({ score, level, partial, findings: findings.length });
R.page_full_verdict = brief(engine.scan(page));
R.page_html_verdict = brief(engine.scan(pageHtml));
R.memory_after_page_bytes = prod.memory();

// Reloads (the first load above is the cold one): verify+load, and load alone (new Engine over
// the unsigned files, as for the bundled pack).
const reloads = QUICK ? 2 : 5;
const vloads = [];
for (let i = 0; i < reloads; i++) {
  engine.free();
  vloads.push(
    timeMs(() => {
      engine = prod.glue.Engine.fromSignedPack(signedFiles, trust);
    }),
  );
}
R.verify_load_median_ms = median(vloads);
const loads = [];
for (let i = 0; i < reloads; i++) {
  engine.free();
  loads.push(
    timeMs(() => {
      engine = new prod.glue.Engine(packFiles);
    }),
  );
}
R.load_median_ms = median(loads);
R.memory_after_reloads_bytes = prod.memory();
engine.free();

// ---- the bench-api build: breakdowns, bare automaton, in-wasm timings ----
const breakdowns = loadBreakdowns(QUICK ? 1 : 3);
R.load_breakdown_peak_bytes = breakdowns[0].peak_bytes;
const [live0] = bench.glue.heapStats(true);
const eb = new bench.glue.Engine(packFiles);
const [live1, peak1] = bench.glue.heapStats(true);
R.engine_heap_bytes = live1 - live0;
R.engine_load_peak_heap_bytes = peak1 - live0;
eb.prepareFastScan?.();
let bare;
R.bare_build_ms = timeMs(() => {
  bare = new bench.glue.BareAc(atoms);
});
R.bare_memory_bytes = bare.memoryUsage();
// The same automaton built case-sensitively over lowercased patterns (a scan would lowercase the
// input instead): what ASCII case-insensitivity costs at load.
const lowered = atoms.map((a) => a.toLowerCase());
const cs = [];
for (let i = 0; i < 3; i++) {
  const t = now();
  const x = new bench.glue.BareAc(lowered, true);
  cs.push(now() - t);
  x.free();
}
R.bare_build_case_sensitive_ms = median(cs);
const pageBytes = new TextEncoder().encode(page.html);
R.bare_matches = bare.count(pageBytes);
R.bare_1mib_ms = median(Array.from({ length: pageRuns }, () => timeMs(() => bare.count(pageBytes))));
eb.scan(pageHtml);
R.bench_page_html_ms = median(Array.from({ length: pageRuns }, () => timeMs(() => eb.scan(pageHtml))));
R.bench_page_html_raw_ms = median(eb.benchScanRaw(pageHtml, pageRuns));
R.bench_page_full_raw_ms = median(eb.benchScanRaw(page, pageRuns));
// Where a 1 MiB scan goes: the engine's own automaton alone, the YARA scan alone (all rules, the
// generated ones, the default pack's).
const yAll = new bench.glue.YaraRules(packFiles);
const yGen = new bench.glue.YaraRules(packFiles, 'bench_generated');
const yDef = new bench.glue.YaraRules(packFiles, '!bench_generated');
R.engine_automaton_patterns = yAll.patternCount();
R.engine_automaton_only_1mib_ms = median(Array.from({ length: pageRuns }, () => timeMs(() => yAll.barePass(pageBytes))));
R.yara_all_1mib_ms = median(Array.from({ length: pageRuns }, () => timeMs(() => yAll.scan(pageBytes))));
R.yara_generated_1mib_ms = median(Array.from({ length: pageRuns }, () => timeMs(() => yGen.scan(pageBytes))));
R.yara_default_1mib_ms = median(Array.from({ length: pageRuns }, () => timeMs(() => yDef.scan(pageBytes))));
R.page_ratio = R.bench_page_html_ms / R.bare_1mib_ms;
// The same with the page whose text shares no words with the rules (few atom hits).
const disjointBytes = new TextEncoder().encode(disjoint.html);
eb.scan(disjointHtml);
R.disjoint = {
  bare_ms: median(Array.from({ length: pageRuns }, () => timeMs(() => bare.count(disjointBytes)))),
  engine_html_ms: median(Array.from({ length: pageRuns }, () => timeMs(() => eb.scan(disjointHtml)))),
  engine_html_raw_ms: median(eb.benchScanRaw(disjointHtml, pageRuns)),
  automaton_only_ms: median(Array.from({ length: pageRuns }, () => timeMs(() => yAll.barePass(disjointBytes)))),
  yara_generated_ms: median(Array.from({ length: pageRuns }, () => timeMs(() => yGen.scan(disjointBytes)))),
  yara_default_ms: median(Array.from({ length: pageRuns }, () => timeMs(() => yDef.scan(disjointBytes)))),
  verdict: brief(eb.scan(disjointHtml)),
};
R.disjoint.ratio = R.disjoint.engine_html_ms / R.disjoint.bare_ms;
R.page_ratio_raw = R.bench_page_html_raw_ms / R.bare_1mib_ms;
const rawUrl = Array.from(eb.benchCheckUrlEach(urls.map((u) => u.url), QUICK ? 8 : 32)).filter((x) => x >= 0);
R.url_median_raw_us = median(rawUrl);
const rawDecision = Array.from(eb.benchCheckUrlDecisionEach(urls.map((u) => u.url), QUICK ? 8 : 32)).filter((x) => x >= 0);
R.url_compact_median_raw_us = median(rawDecision);
for (const x of [eb, bare, yAll, yGen, yDef]) x.free();

// ---- report ----
const rows = [
  ['engine verify+load, big pack (fromSignedPack, median)', `≤ ${GOALS.load_ms} ms`, ms(R.verify_load_median_ms), R.verify_load_median_ms <= GOALS.load_ms],
  ['  first (cold) verify+load', '', ms(R.verify_load_first_ms), null],
  ['  of which signatures + sha256 (bench build)', '', ms(R.verify_load_breakdown_ms.verify), null],
  ['engine load only (new Engine, median)', '', ms(R.load_median_ms), null],
  [`corpus page scan p95 (${corpus.length} pages)`, `≤ ${GOALS.corpus_p95_ms} ms`, ms(R.corpus_p95_ms), R.corpus_p95_ms <= GOALS.corpus_p95_ms],
  ['corpus page scan p50', '', ms(R.corpus_p50_ms), null],
  ['1 MiB page (html) / bare aho-corasick', `≤ ${GOALS.page_ratio}×`, `${R.page_ratio.toFixed(2)}× (${ms(R.bench_page_html_ms)} / ${ms(R.bare_1mib_ms)})`, R.page_ratio <= GOALS.page_ratio],
  ['  same, engine only (no JS conversion)', '', `${R.page_ratio_raw.toFixed(2)}× (${ms(R.bench_page_html_raw_ms)})`, null],
  ['  same, page sharing no words with the rules', `≤ ${GOALS.page_ratio}×`, `${R.disjoint.ratio.toFixed(2)}× (${ms(R.disjoint.engine_html_ms)} / ${ms(R.disjoint.bare_ms)})`, R.disjoint.ratio <= GOALS.page_ratio],
  [`1 MiB page, all features (${(R.page_full_bytes / MB).toFixed(2)} MB scanned)`, '', ms(R.page_full_ms), null],
  ['URL-only check, median per URL', `≤ ${GOALS.url_median_us} µs`, `${R.url_median_us.toFixed(2)} µs`, R.url_median_us <= GOALS.url_median_us],
  ['  same, compact result (checkUrlCompact)', `≤ ${GOALS.url_median_us} µs`, `${R.url_compact_median_us.toFixed(2)} µs`, R.url_compact_median_us <= GOALS.url_median_us],
  ['  same, engine only (no verdict object)', '', `${R.url_median_raw_us.toFixed(2)} µs`, null],
  ['  same, engine decision path only (checkUrlCompact without JS)', '', `${R.url_compact_median_raw_us.toFixed(2)} µs`, null],
  ['wasm memory after verify+load', `≤ ${GOALS.memory_mb} MB`, mb(R.memory_after_load_bytes), R.memory_after_load_bytes <= GOALS.memory_mb * MB],
  ['wasm memory after corpus', `≤ ${GOALS.memory_mb} MB`, mb(R.memory_after_corpus_bytes), R.memory_after_corpus_bytes <= GOALS.memory_mb * MB],
  ['.wasm gzipped (extension build)', `≤ ${GOALS.wasm_gzip_mb} MB`, `${mb(R.wasm_gzip_bytes)} (${mb(R.wasm_bytes)} raw)`, R.wasm_gzip_bytes <= GOALS.wasm_gzip_mb * MB],
];
R.goals = Object.fromEntries(
  rows.filter((r) => r[3] !== null).map((r) => [r[0].trim(), { goal: r[1], measured: r[2], met: r[3] }]),
);
const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
const w2 = Math.max(...rows.map((r) => r[2].length));
console.log(`wasm engine under node ${process.version}, ${R.machine.cpus} cores, ${R.date}${QUICK ? ' (quick)' : ''}`);
console.log(`${'metric'.padEnd(w0)}  ${'goal'.padEnd(w1)}  ${'measured'.padEnd(w2)}  met`);
for (const [name, goal, measured, met] of rows) {
  console.log(`${name.padEnd(w0)}  ${goal.padEnd(w1)}  ${measured.padEnd(w2)}  ${met === null ? '' : met ? 'yes' : 'NO'}`);
}
console.log(loadBreakdownLine());
console.log(
  `prepareFastScan after the first load: ${R.prepare_fast_scan_ms.toFixed(2)} ms (built a DFA: ${R.prepare_fast_scan_built}; ` +
    `memory after it ${mb(R.memory_after_prepare_bytes)})`,
);
const h = R.load_breakdown_heap_bytes;
console.log(
  `heap held (MB): engine ${mb(R.engine_heap_bytes)} (load peak ${mb(R.engine_load_peak_heap_bytes)}); by step: ` +
    `files copy ${mb(h.copy)}, parsed pack ${mb(h.parse)}, psl ${mb(h.psl)}, brands ${mb(h.brands)}, ` +
    `yara ${mb(h.yara)}, reputation ${mb(h.reputation)}`,
);
console.log(
  `1 MiB page (ms): bare ${R.bare_1mib_ms.toFixed(2)}, engine's automaton alone ${R.engine_automaton_only_1mib_ms.toFixed(2)} ` +
    `(${R.engine_automaton_patterns} patterns), YARA scan: all rules ${R.yara_all_1mib_ms.toFixed(2)}, ` +
    `generated rules ${R.yara_generated_1mib_ms.toFixed(2)}, default pack rules ${R.yara_default_1mib_ms.toFixed(2)}`,
);
const d = R.disjoint;
console.log(
  `1 MiB page sharing no words with the rules (ms): bare ${d.bare_ms.toFixed(2)}, engine's automaton alone ` +
    `${d.automaton_only_ms.toFixed(2)}, YARA generated ${d.yara_generated_ms.toFixed(2)}, default ${d.yara_default_ms.toFixed(2)}, ` +
    `engine (no JS conversion) ${d.engine_html_raw_ms.toFixed(2)}`,
);
console.log(
  `automaton build (ms): bare ASCII-case-insensitive ${R.bare_build_ms.toFixed(1)}, ` +
    `bare case-sensitive over lowercased patterns ${R.bare_build_case_sensitive_ms.toFixed(1)}`,
);
console.log(
  `1 MiB verdicts: html only ${JSON.stringify(R.page_html_verdict)}, all features ${JSON.stringify(R.page_full_verdict)} ` +
    '(partial = the 200 ms budget ran out, so the time is capped)',
);
console.log(`URL median by kind (µs): ${Object.entries(R.url_median_us_by_kind).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
console.log(`URL median by kind, compact (µs): ${Object.entries(R.url_compact_median_us_by_kind).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
console.log(`slowest corpus pages: ${R.corpus_slowest.map((s) => `${s.id} ${s.ms.toFixed(2)} ms (${s.bytes} B)`).join(', ')}`);
console.log(
  `memory: initial ${mb(R.memory_initial_bytes)}, after 1 MiB page ${mb(R.memory_after_page_bytes)}, ` +
    `after reloads ${mb(R.memory_after_reloads_bytes)}`,
);
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(R, null, 2)}\n`);
console.log(`results: ${OUT}`);

// ---- --load-only: the load and memory figures alone ----
// The bench build's step timings, `runs` times each (medians into R): verifyAndLoad's copy /
// verify / load and loadBreakdown's steps, with the heap held after each step of the first run.
function loadBreakdowns(runs) {
  const vl = Array.from({ length: runs }, () => bench.glue.verifyAndLoad(signedFiles));
  R.verify_load_breakdown_ms = {};
  for (const k of ['copy', 'verify', 'load', 'total']) R.verify_load_breakdown_ms[k] = median(vl.map((x) => x[k]));
  const breakdowns = Array.from({ length: runs }, () => bench.glue.loadBreakdown(packFiles));
  R.load_breakdown_ms = {};
  for (const k of ['copy', 'parse', 'psl', 'brands', 'yara', 'reputation', 'total', 'fast_scan']) {
    R.load_breakdown_ms[k] = median(breakdowns.map((b) => b[k]));
  }
  R.load_breakdown_heap_bytes = breakdowns[0].heap;
  return breakdowns;
}

function loadBreakdownLine() {
  const b = R.load_breakdown_ms;
  return (
    `load breakdown (ms): copy ${b.copy.toFixed(1)}, parse ${b.parse.toFixed(1)}, psl ${b.psl.toFixed(1)}, ` +
    `brands ${b.brands.toFixed(1)}, yara ${b.yara.toFixed(1)}, reputation ${b.reputation.toFixed(1)}, total ${b.total.toFixed(1)}; ` +
    `then prepareFastScan ${(b.fast_scan ?? NaN).toFixed(1)}`
  );
}

async function loadOnly() {
  const runs = QUICK ? 5 : 11;
  // Each load in a fresh instance of the extension build: the linear memory a client keeps
  // (it never shrinks) after its first verify+load, and that load's time.
  const fresh = [];
  const freshMem = [];
  for (let i = 0; i < runs; i++) {
    const p = await instantiate(PROD_DIR, `fresh${i}`);
    let e;
    fresh.push(timeMs(() => {
      e = p.glue.Engine.fromSignedPack(signedFiles, trust);
    }));
    freshMem.push(p.memory());
    e.free();
  }
  R.verify_load_fresh_median_ms = median(fresh);
  R.memory_after_load_fresh_bytes = median(freshMem);
  // Reloads in one instance (warm JIT, memory already grown).
  const vloads = [];
  const loads = [];
  engine.free();
  for (let i = 0; i < runs; i++) {
    const t = now();
    const e = prod.glue.Engine.fromSignedPack(signedFiles, trust);
    vloads.push(now() - t);
    e.free();
  }
  for (let i = 0; i < runs; i++) {
    const t = now();
    const e = new prod.glue.Engine(packFiles);
    loads.push(now() - t);
    e.free();
  }
  R.verify_load_median_ms = median(vloads);
  R.load_median_ms = median(loads);
  // The bench build: breakdowns and the counting allocator's heap figures.
  loadBreakdowns(runs);
  // Linear memory by step, in a fresh bench instance (the first load sets it).
  const fb = await instantiate(BENCH_DIR, 'bench-fresh');
  R.load_breakdown_memory_initial_bytes = fb.memory();
  R.load_breakdown_memory_bytes = fb.glue.loadBreakdown(packFiles).memory;
  const [live0] = bench.glue.heapStats(true);
  const eb = new bench.glue.Engine(packFiles);
  const [live1, peak1] = bench.glue.heapStats(true);
  R.engine_heap_bytes = live1 - live0;
  R.engine_load_peak_heap_bytes = peak1 - live0;
  eb.free();
  const [live2] = bench.glue.heapStats(true);
  const es = bench.glue.Engine.fromSignedPack(signedFiles, trust);
  const [live3, peak3] = bench.glue.heapStats(true);
  R.signed_engine_heap_bytes = live3 - live2;
  R.signed_load_peak_heap_bytes = peak3 - live2;
  es.free();
  const h = R.load_breakdown_heap_bytes;
  const v = R.verify_load_breakdown_ms;
  console.log(`wasm engine load under node ${process.version}, ${R.machine.cpus} cores, ${R.date}, ${runs} runs each (medians)`);
  console.log(`pack: ${(packBytes / MB).toFixed(2)} MB of files`);
  console.log(`verify+load (fromSignedPack), fresh instance each: ${ms(R.verify_load_fresh_median_ms)}; reloads in one instance: ${ms(R.verify_load_median_ms)}`);
  console.log(`load only (new Engine), reloads: ${ms(R.load_median_ms)}`);
  console.log(`wasm memory after the first verify+load (fresh instances): ${mb(R.memory_after_load_fresh_bytes)} (first instance ${mb(R.memory_after_load_bytes)})`);
  console.log(`bench build verifyAndLoad (ms): copy ${v.copy.toFixed(1)}, verify ${v.verify.toFixed(1)}, load ${v.load.toFixed(1)}, total ${v.total.toFixed(1)}`);
  console.log(loadBreakdownLine());
  console.log(
    `heap: engine ${mb(R.engine_heap_bytes)} (new Engine peak ${mb(R.engine_load_peak_heap_bytes)}; fromSignedPack peak ` +
      `${mb(R.signed_load_peak_heap_bytes)}); by step: files copy ${mb(h.copy)}, parsed pack ${mb(h.parse)}, ` +
      `psl ${mb(h.psl)}, brands ${mb(h.brands)}, yara ${mb(h.yara)}, reputation ${mb(h.reputation)}`,
  );
  const lm = R.load_breakdown_memory_bytes;
  if (lm) {
    console.log(
      `linear memory after each step of loadBreakdown (fresh bench instance, ${mb(R.load_breakdown_memory_initial_bytes)} at start): ` +
        `copy ${mb(lm.copy)}, parse ${mb(lm.parse)}, psl ${mb(lm.psl)}, brands ${mb(lm.brands)}, yara ${mb(lm.yara)}, reputation ${mb(lm.reputation)}`,
    );
  }
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(R, null, 2)}\n`);
  console.log(`results: ${OUT}`);
  process.exit(0);
}
