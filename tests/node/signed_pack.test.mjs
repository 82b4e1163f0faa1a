// The wasm build runs the same signed-pack checks as the native tool: Engine.fromSignedPack
// loads what `ferretwatch pack verify` accepts and throws an Error with the same `kind` for what
// it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, PKG, ROOT, readPackDir } from './helpers.mjs';

const glue = await import(pathToFileURL(join(PKG, 'ferretwatch_wasm.js')).href);
glue.initSync({ module: readFileSync(join(PKG, 'ferretwatch_wasm_bg.wasm')) });
const { Engine } = glue;

const dir = mkdtempSync(join(tmpdir(), 'fw-signed-'));
const fw = (...args) => execFileSync(BIN, args, { cwd: dir, encoding: 'utf8' });
fw('keys', 'generate', '--out', 'keys', '--name', 'alice');
fw('keys', 'generate', '--out', 'keys', '--name', 'bob');
fw('pack', 'build', '--source', join(ROOT, 'packs', 'default'), '--out', 'pack', '--version', '2026.11.25.4');
fw('pack', 'sign', 'pack', '--key', 'keys/alice.key');
fw('pack', 'sign', 'pack', '--key', 'keys/bob.key');
const pub = (n) => JSON.parse(readFileSync(join(dir, 'keys', `${n}.pub`), 'utf8')).public_key;
const files = readPackDir(join(dir, 'pack'));
const trust = { publishers: [pub('alice'), pub('bob')], nowMs: Date.now(), extensionVersion: '0.1.0' };
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** The `kind` native `pack verify --json` reports for a pack directory written from `f`. */
function nativeKind(f, extra = []) {
  const d = mkdtempSync(join(tmpdir(), 'fw-pack-'));
  try {
    for (const [name, bytes] of Object.entries(f)) {
      execFileSync('mkdir', ['-p', join(d, name, '..')]);
      execFileSync('tee', [join(d, name)], { input: bytes, stdio: ['pipe', 'ignore', 'ignore'] });
    }
    let out;
    try {
      out = execFileSync(BIN, ['pack', 'verify', d, '--trust', join(dir, 'keys/alice.pub'), '--trust', join(dir, 'keys/bob.pub'), '--json', ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (e) {
      out = e.stdout;
    }
    const v = JSON.parse(out);
    return v.valid ? null : v.kind;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

function wasmKind(f, t = trust) {
  try {
    Engine.fromSignedPack(f, t).free();
    return null;
  } catch (e) {
    return e.kind ?? `untyped: ${e.message}`;
  }
}

test('a well-signed pack loads and scans like the native build', () => {
  const engine = Engine.fromSignedPack(files, trust);
  assert.equal(engine.packVersion(), '2026.11.25.4');
  const v = engine.checkUrl('https://www.xn--pypal-4ve.com/signin');
  assert.notEqual(v.level, 'green');
  engine.free();
  const info = Engine.verifySignedPack(files, trust);
  assert.equal(info.packVersion, '2026.11.25.4');
  assert.equal(info.signers.length, 2);
  assert.equal(nativeKind(files), null);
});

test('each tampering is refused with the same kind as the native tool', () => {
  const rules = Object.keys(files).find((p) => p.startsWith('rules/'));
  const flipped = { ...files, [rules]: files[rules].slice() };
  flipped[rules][0] ^= 1;
  const longer = { ...files, [rules]: new Uint8Array([...files[rules], 10]) };
  const extra = { ...files, 'rules/extra.yar': new TextEncoder().encode('rule x { condition: true }') };
  const missing = { ...files };
  delete missing['brands.json'];
  const unsigned = { ...files };
  delete unsigned['manifest.json'];
  const garbage = { ...files, 'manifest.json': new TextEncoder().encode('{"payload": 1}') };
  const cases = [
    [flipped, 'hash_mismatch'],
    [longer, 'size_mismatch'],
    [extra, 'extra_artifact'],
    [missing, 'missing_artifact'],
    [unsigned, 'missing_artifact'],
    [garbage, 'malformed'],
  ];
  for (const [f, kind] of cases) {
    assert.equal(wasmKind(f), kind);
    assert.equal(nativeKind(f), kind);
  }
});

test('trust, rollback, freeze and extension version are checked', () => {
  assert.equal(wasmKind(files, { ...trust, publishers: [pub('alice')] }), 'unknown_key');
  assert.equal(wasmKind(files, { ...trust, threshold: 3 }), 'below_threshold');
  assert.equal(wasmKind(files, { ...trust, heldVersion: '2026.11.26.1' }), 'rollback');
  assert.equal(nativeKind(files, ['--held-version', '2026.11.26.1']), 'rollback');
  assert.equal(wasmKind(files, { ...trust, nowMs: Date.now() + 400 * 86400e3 }), 'expired');
  assert.equal(wasmKind(files, { ...trust, extensionVersion: '0.0.1' }), 'extension_too_old');
  assert.equal(wasmKind(files, { ...trust, publishers: ['not base64'] }), 'encoding');
  assert.throws(() => Engine.fromSignedPack(files, { nowMs: 1 }), /trust options are malformed/);
});
