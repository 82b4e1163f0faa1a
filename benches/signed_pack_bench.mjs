#!/usr/bin/env node
// Signed rule packs in the wasm build under node (issue 4, "Speed"): verify + load of the big
// pack (1,000,000 reputation hosts, 1,000 generated YARA rules; target/bench-pack from
// benches/gen_pack.py), next to a plain load of the same artifacts without verification, and
// the pack's size on disk and gzipped.
//
// Usage: node benches/signed_pack_bench.mjs [--pkg DIR] [--runs N]
//   --pkg   wasm-bindgen --target web output holding Engine.fromSignedPack
//           (default core/wasm/pkg; scripts/build-wasm writes it)
// Needs the CLI (FW_BIN or target/debug/ferretwatch) to build and sign the pack.
// Writes target/bench-results/signed_pack.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { BIN, ROOT, readPackDir } from '../tests/node/helpers.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const PKG = arg('--pkg', join(ROOT, 'core', 'wasm', 'pkg'));
const RUNS = Number(arg('--runs', '15'));
const SRC = join(ROOT, 'target', 'bench-pack');
const OUT = join(ROOT, 'target', 'bench-pack-signed');
const KEYS = join(ROOT, 'target', 'bench-keys');
const VERSION = '2026.11.25.1';
const GOALS = { verify_load_ms: 50, pack_mb: 8 };

if (!existsSync(join(SRC, 'reputation', 'bench-hosts.fwrep'))) {
  console.error('signed_pack_bench: target/bench-pack is missing; run python3 benches/gen_pack.py');
  process.exit(2);
}
const fw = (...args) => execFileSync(BIN, args, { cwd: ROOT, encoding: 'utf8' });
for (const name of ['bench-signer-a', 'bench-signer-b']) {
  if (!existsSync(join(KEYS, `${name}.pub`))) fw('keys', 'generate', '--out', KEYS, '--name', name, '--force');
}
fw('pack', 'build', '--source', SRC, '--out', OUT, '--version', VERSION, '--force');
fw('pack', 'sign', OUT, '--key', join(KEYS, 'bench-signer-a.key'));
fw('pack', 'sign', OUT, '--key', join(KEYS, 'bench-signer-b.key'));
const publishers = ['bench-signer-a', 'bench-signer-b'].map(
  (n) => JSON.parse(readFileSync(join(KEYS, `${n}.pub`), 'utf8')).public_key,
);

const glue = await import(pathToFileURL(join(PKG, 'ferretwatch_wasm.js')).href);
glue.initSync({ module: readFileSync(join(PKG, 'ferretwatch_wasm_bg.wasm')) });
const { Engine } = glue;
if (typeof Engine.fromSignedPack !== 'function' || typeof Engine.verifySignedPack !== 'function') {
  console.error(`signed_pack_bench: ${PKG} has no Engine.fromSignedPack; rebuild it (scripts/build-wasm)`);
  process.exit(2);
}

const files = readPackDir(OUT);
const artifacts = { ...files };
delete artifacts['manifest.json'];
const trust = { publishers, threshold: 2, nowMs: Date.now(), extensionVersion: '0.1.0' };

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.round((s.length - 1) * p))];
  return { min: s[0], median: at(0.5), p95: at(0.95), runs: s.length };
};
const time = (f) => {
  const t0 = performance.now();
  const r = f();
  const ms = performance.now() - t0;
  r?.free?.();
  return ms;
};

const verifyLoad = [];
const plainLoad = [];
const verifyOnly = [];
time(() => Engine.fromSignedPack(files, trust)); // warm-up (compiles the wasm code paths)
time(() => new Engine(artifacts));
time(() => Engine.verifySignedPack(files, trust));
for (let i = 0; i < RUNS; i++) {
  verifyLoad.push(time(() => Engine.fromSignedPack(files, trust)));
  plainLoad.push(time(() => new Engine(artifacts)));
  verifyOnly.push(time(() => Engine.verifySignedPack(files, trust)));
}

// A tampered copy is rejected with its reason (and the time it takes to find out).
const tampered = { ...files, 'reputation/bench-hosts.fwrep': files['reputation/bench-hosts.fwrep'].slice() };
tampered['reputation/bench-hosts.fwrep'][1000] ^= 1;
let kind = null;
const rejectMs = time(() => {
  try {
    Engine.fromSignedPack(tampered, trust);
  } catch (e) {
    kind = e.kind;
  }
});
if (kind !== 'hash_mismatch') {
  console.error(`signed_pack_bench: tampered pack gave ${kind}, expected hash_mismatch`);
  process.exit(1);
}

const bytes = Object.values(files).reduce((a, b) => a + b.length, 0);
const fwrep = files['reputation/bench-hosts.fwrep'];
const gz = Object.values(files).reduce((a, b) => a + gzipSync(b, { level: 9 }).length, 0);
const vl = stats(verifyLoad);
const pl = stats(plainLoad);
const vo = stats(verifyOnly);
const result = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}`,
  pkg: PKG,
  pack: { version: VERSION, files: Object.keys(files).length, bytes, gzip_bytes: gz, hosts_fwrep_bytes: fwrep.length },
  verify_load_ms: vl,
  load_only_ms: pl,
  verify_only_ms: vo,
  verify_overhead_median_ms: vl.median - pl.median,
  tampered_reject_ms: rejectMs,
  goals: GOALS,
  pass: { verify_load: vl.median <= GOALS.verify_load_ms, pack_size: bytes <= GOALS.pack_mb * 1024 * 1024 },
};
mkdirSync(join(ROOT, 'target', 'bench-results'), { recursive: true });
writeFileSync(join(ROOT, 'target', 'bench-results', 'signed_pack.json'), JSON.stringify(result, null, 2));
const f = (x) => x.toFixed(1);
console.log(`signed pack ${VERSION}: ${Object.keys(files).length} files, ${(bytes / 1048576).toFixed(2)} MiB (${(gz / 1048576).toFixed(2)} MiB gzipped); 1M-host list ${(fwrep.length / 1048576).toFixed(2)} MiB`);
console.log(`verify + load   median ${f(vl.median)} ms  min ${f(vl.min)}  p95 ${f(vl.p95)}  (goal ≤ ${GOALS.verify_load_ms} ms: ${result.pass.verify_load ? 'met' : 'MISSED'})`);
console.log(`load only       median ${f(pl.median)} ms  min ${f(pl.min)}  p95 ${f(pl.p95)}`);
console.log(`verify only     median ${f(vo.median)} ms  min ${f(vo.min)}  p95 ${f(vo.p95)}  (sha256 of every artifact + 2 ed25519 signatures + JS→wasm copy)`);
console.log(`verify overhead median ${f(result.verify_overhead_median_ms)} ms; tampered pack rejected in ${f(rejectMs)} ms`);
console.log(`pack size ≤ ${GOALS.pack_mb} MB: ${result.pass.pack_size ? 'met' : 'MISSED'}  (${statSync(OUT).isDirectory() ? OUT : ''})`);
