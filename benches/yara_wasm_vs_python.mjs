#!/usr/bin/env node
// The wasm side of benches/yara_wasm_vs_python.py (which runs yara-python and the native build on
// the same rules and inputs in the same run). Loads the `bench-api` wasm build, compiles one YARA
// source with the engine's compiler (no extra literals, as yara-python and `ferretwatch yara bench`)
// and, per input: the matching rules, the median scan time (timed in JS around the call, and inside
// wasm without the JS conversion), the engine's own automaton pass alone, and a bare aho-corasick
// pass over the given atoms (`BareAc`: ASCII case-insensitive, overlapping, as the engine).
//
// Usage: node benches/yara_wasm_vs_python.mjs --wasm DIR --rules FILE --atoms FILE.json
//          --iters N INPUT...
// Prints one JSON object on stdout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const wasmDir = opt('--wasm', 'target/wasm-bench');
const rulesPath = opt('--rules');
const atomsPath = opt('--atoms');
const iters = Number(opt('--iters', '10'));
const inputs = args;
if (!rulesPath || inputs.length === 0) {
  console.error('usage: yara_wasm_vs_python.mjs --wasm DIR --rules FILE [--atoms FILE.json] [--iters N] INPUT...');
  process.exit(2);
}

const now = () => performance.now();
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const timeMs = (fn) => {
  const t = now();
  fn();
  return now() - t;
};

const glue = await import(pathToFileURL(join(wasmDir, 'ferretwatch_wasm.js')).href);
const module = new WebAssembly.Module(readFileSync(join(wasmDir, 'ferretwatch_wasm_bg.wasm')));
const exports = glue.initSync({ module });

const out = { wasm_memory_before: exports.memory.buffer.byteLength };
const text = readFileSync(rulesPath, 'utf8');
// Warm-up compile (V8 tiers up), then the timed ones.
new glue.YaraSource(rulesPath, text).free();
const compiles = [];
let rules;
for (let i = 0; i < 3; i++) {
  rules?.free();
  const t = now();
  rules = new glue.YaraSource(rulesPath, text);
  compiles.push({ js: now() - t, wasm: rules.compileMs() });
}
out.compile_ms = median(compiles.map((c) => c.js));
out.compile_wasm_ms = median(compiles.map((c) => c.wasm));
out.heap_bytes = rules.heapBytes();
out.automaton_patterns = rules.patternCount();
out.memory_breakdown = rules.memoryBreakdown();

let bare = null;
if (atomsPath) {
  const atoms = JSON.parse(readFileSync(atomsPath, 'utf8'));
  const t = now();
  bare = new glue.BareAc(atoms);
  out.bare_build_ms = now() - t;
  out.bare_patterns = bare.patternCount();
  out.bare_bytes = bare.memoryUsage();
}

out.inputs = [];
for (const path of inputs) {
  const data = new Uint8Array(readFileSync(path));
  const matches = rules.scan(data); // warm-up, and the result
  const r = { input: path, bytes: data.length, matches };
  r.scan_ms = median(Array.from({ length: iters }, () => timeMs(() => rules.scan(data))));
  r.scan_wasm_ms = median(Array.from(rules.timeScans(data, iters)));
  rules.barePass(data);
  r.automaton_hits = rules.barePass(data);
  r.automaton_only_ms = median(Array.from({ length: iters }, () => timeMs(() => rules.barePass(data))));
  if (bare) {
    r.bare_hits = bare.count(data);
    r.bare_ms = median(Array.from({ length: iters }, () => timeMs(() => bare.count(data))));
  }
  out.inputs.push(r);
}
out.wasm_memory_after = exports.memory.buffer.byteLength;
console.log(JSON.stringify(out));
