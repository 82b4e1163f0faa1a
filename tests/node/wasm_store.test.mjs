// The wasm store API the extension's updater uses (core/wasm/src/store.rs over
// ferretwatch_core::signed::store), on packs made by the real CLI: threat-intel expiry from
// `pack build --intel` is enforced (an expired indicator does not match), a `.fwdelta` made by
// `reputation delta` is applied against the held list, a cached pack is re-checked as issued,
// and the manifest, control document and bulletins are verified before use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, PKG, ROOT, readPackDir } from './helpers.mjs';

const glue = await import(pathToFileURL(join(PKG, 'ferretwatch_wasm.js')).href);
glue.initSync({ module: readFileSync(join(PKG, 'ferretwatch_wasm_bg.wasm')) });
const { Engine, stagePack, livePackFiles, verifyManifest, verifyControl, verifyBulletin } = glue;

const dir = mkdtempSync(join(tmpdir(), 'fw-store-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const fw = (...args) => JSON.parse(execFileSync(BIN, [...args, '--json'], { cwd: dir, encoding: 'utf8' }));
for (const n of ['root', 'alice', 'bob']) fw('keys', 'generate', '--out', 'keys', '--name', n);
const now = Math.floor(Date.now() / 1000);
fw('keys', 'publish-list', '--out', 'keys.json', '--version', '1', '--publisher', `keys/alice.pub@${now - 86400}..${now + 86400 * 365}`, '--publisher', `keys/bob.pub@${now - 86400}..${now + 86400 * 365}`, '--key', 'keys/root.key');
const root = JSON.parse(readFileSync(join(dir, 'keys', 'root.pub'), 'utf8')).public_key;
const opts = (extra = {}) => ({ roots: [root], threshold: 2, nowMs: Date.now(), extensionVersion: '0.1.0', ...extra });

// A hosts feed of 1,500 hosts: compiled to .fwrep, tagged with the feed's expiry.
const hosts = Array.from({ length: 1500 }, (_, i) => `scam${i}.example`);
writeFileSync(join(dir, 'hosts.txt'), hosts.map((h) => `0.0.0.0 ${h}`).join('\n') + '\n');

function sealed(out) {
  cpSync(join(dir, 'keys.json'), join(dir, out, 'keys.json'));
  for (const k of ['alice', 'bob']) fw('pack', 'sign', out, '--key', `keys/${k}.key`);
  const files = readPackDir(join(dir, out));
  return files;
}

const v1 = (() => {
  fw('pack', 'build', '--source', join(ROOT, 'packs', 'default'), '--out', 'v1', '--version', '2026.12.1.1', '--intel', `hosts:${join(dir, 'hosts.txt')}`);
  return sealed('v1');
})();
const listPath = Object.keys(v1).find((p) => p.startsWith('reputation/') && p.endsWith('.fwrep') && !p.includes('demo'));

const listed = (files, host) => {
  const e = new Engine(files);
  try {
    return e.checkReputation(`https://${host}/`).length > 0;
  } finally {
    e.free();
  }
};

test('intel indicators carry their expiry and an expired one does not match', () => {
  const s = stagePack(v1, null, opts());
  assert.equal(s.packVersion, '2026.12.1.1');
  const at = s.expiries[listPath];
  assert.ok(at > now && at < now + 40 * 86400, `expiry of ${listPath} from the signed manifest: ${at}`);
  const before = livePackFiles(s.files, s.expiries, Date.now());
  assert.ok(before.files[listPath], 'live before its expiry');
  assert.equal(before.nextExpiryMs, at * 1000);
  assert.ok(listed(before.files, 'scam42.example'));
  const afterExpiry = livePackFiles(s.files, s.expiries, at * 1000);
  assert.equal(afterExpiry.files[listPath], undefined, 'left out at its expiry');
  assert.equal(afterExpiry.nextExpiryMs, null);
  assert.equal(listed(afterExpiry.files, 'scam42.example'), false, 'an expired indicator must not match');
  assert.ok(afterExpiry.files['pack.json'] && afterExpiry.files['brands.json'], 'the rest of the pack stays');
});

test('a delta made with `reputation delta` applies to the held list; a wrong base is refused', () => {
  const held = stagePack(v1, null, opts());
  // v2: 100 hosts removed, 200 added, shipped as a delta against v1's list.
  const text = ['# source: hosts', '# kind: host', ...hosts.slice(100), ...Array.from({ length: 200 }, (_, i) => `new${i}.example`)].join('\n') + '\n';
  writeFileSync(join(dir, 'new.txt'), text);
  fw('reputation', 'compile', join(dir, 'new.txt'), '--out', join(dir, 'new.fwrep'));
  writeFileSync(join(dir, 'base.fwrep'), held.files[listPath]);
  const d = fw('reputation', 'delta', '--base', join(dir, 'base.fwrep'), '--new', join(dir, 'new.fwrep'), '--out', join(dir, 'list.fwdelta'));
  assert.ok(d.bytes < d.new_bytes / 4, `delta ${d.bytes} B vs full list ${d.new_bytes} B`);
  const src = join(dir, 'src2');
  cpSync(join(ROOT, 'packs', 'default'), src, { recursive: true });
  mkdirSync(join(src, 'reputation'), { recursive: true });
  cpSync(join(dir, 'list.fwdelta'), join(src, listPath.replace(/\.fwrep$/, '.fwdelta')));
  fw('pack', 'build', '--source', src, '--out', 'v2', '--version', '2026.12.1.2');
  const v2 = sealed('v2');
  const s = stagePack(v2, held.files, opts({ heldVersion: '2026.12.1.1' }));
  assert.deepEqual([...s.files[listPath]], [...readFileSync(join(dir, 'new.fwrep'))], 'resolved list = the new list, byte for byte');
  assert.ok(listed(s.files, 'new7.example') && !listed(s.files, 'scam7.example') && listed(s.files, 'scam700.example'));
  // Without the held list, or against another one: refused with kind `delta`.
  assert.throws(() => stagePack(v2, null, opts({ heldVersion: '2026.12.1.1' })), (e) => e.kind === 'delta');
  const other = { ...held.files, [listPath]: new Uint8Array(readFileSync(join(dir, 'base.fwrep')).subarray(0, 200)) };
  assert.throws(() => stagePack(v2, other, opts({ heldVersion: '2026.12.1.1' })), (e) => e.kind === 'delta');
  // After a restart the cache holds the resolved list: it re-checks as issued.
  const again = stagePack(v2, s.files, opts({ asIssued: true, nowMs: Date.now() + 400 * 86400_000 }));
  assert.equal(again.packVersion, '2026.12.1.2');
  assert.throws(() => stagePack(v2, s.files, opts({ heldVersion: '2026.12.1.2', nowMs: Date.now() + 400 * 86400_000 })), (e) => e.kind === 'expired', 'as an offer, a year later, it is frozen');
});

test('the manifest is checked before any artifact: tampering, rollback and size', () => {
  const m = verifyManifest(v1['manifest.json'], v1['keys.json'], opts());
  assert.equal(m.packVersion, '2026.12.1.1');
  assert.equal(m.signers.length, 2);
  assert.ok(m.artifacts.every((a) => /^[0-9a-f]{64}$/.test(a.sha256) && a.size > 0));
  const env = JSON.parse(new TextDecoder().decode(v1['manifest.json']));
  const sig = Buffer.from(env.signatures[0].sig, 'base64');
  sig[3] ^= 1;
  env.signatures[0].sig = sig.toString('base64');
  const bad = new TextEncoder().encode(JSON.stringify(env));
  assert.throws(() => verifyManifest(bad, v1['keys.json'], opts()), (e) => e.kind === 'bad_signature');
  assert.throws(() => verifyManifest(v1['manifest.json'], v1['keys.json'], opts({ heldVersion: '2026.12.1.2' })), (e) => e.kind === 'rollback');
  assert.throws(() => verifyManifest(v1['manifest.json'], v1['keys.json'], opts({ maxPackBytes: 1000 })), (e) => e.kind === 'download_too_large');
  assert.throws(() => verifyManifest(v1['manifest.json'], undefined, opts()), (e) => e.kind === 'missing_artifact', 'root trust needs keys.json');
});

test('control documents and bulletins are verified with the publishers of keys.json', () => {
  const seq = now;
  fw('control', 'set-level', '3', '--reason', 'CDN incident', '--out', 'control.json', '--sequence', String(seq), '--key', 'keys/alice.key', '--key', 'keys/bob.key');
  const doc = readFileSync(join(dir, 'control.json'));
  const keys = v1['keys.json'];
  const c = verifyControl(doc, 0, keys, opts());
  assert.deepEqual({ level: c.level, sequence: c.sequence, reason: c.reason }, { level: 3, sequence: seq, reason: 'CDN incident' });
  assert.throws(() => verifyControl(doc, seq + 1, keys, opts()), (e) => e.kind === 'replay');
  assert.throws(() => verifyControl(doc, 0, keys, opts({ nowMs: Date.now() + 2 * 86400_000 })), (e) => e.kind === 'expired');
  fw('control', 'set-level', '2', '--reason', 'one signer only', '--out', 'control1.json', '--sequence', String(seq + 1), '--key', 'keys/alice.key');
  assert.throws(() => verifyControl(readFileSync(join(dir, 'control1.json')), 0, keys, opts()), (e) => e.kind === 'below_threshold');
  fw('bulletin', 'create', '--out', 'b.json', '--id', 'PHISH-1', '--severity', 'critical', '--message', 'Campaign', '--scope', 'paypa1.com', '--key', 'keys/alice.key', '--key', 'keys/bob.key');
  const b = verifyBulletin(readFileSync(join(dir, 'b.json')), keys, opts());
  assert.equal(b.id, 'PHISH-1');
  assert.deepEqual(b.scope, ['paypa1.com']);
  assert.throws(() => verifyBulletin(readFileSync(join(dir, 'b.json')), keys, opts({ nowMs: Date.now() + 40 * 86400_000 })), (e) => e.kind === 'expired');
});

test('bad input is refused with an error, never a trap', () => {
  const junk = new TextEncoder().encode('{"payload": "!!", "signatures": []}');
  const cases = [
    () => stagePack({}, null, opts()),
    () => stagePack({ 'manifest.json': junk }, 7, opts()),
    () => stagePack({ 'manifest.json': 'not bytes' }, null, opts()),
    () => stagePack(v1, { [listPath]: 'x' }, opts()),
    () => stagePack(v1, null, { nowMs: 'soon' }),
    () => stagePack(v1, null, opts({ roots: ['not base64'] })),
    () => verifyManifest(junk, undefined, opts()),
    () => verifyManifest(new Uint8Array(2 * 1024 * 1024), undefined, opts()),
    () => livePackFiles(v1, { [listPath]: 'tomorrow' }, Date.now()),
    () => verifyControl(junk, -5, v1['keys.json'], opts()),
    () => verifyControl(v1['manifest.json'], 0, v1['keys.json'], opts()),
    () => verifyBulletin(new Uint8Array([0xff, 0xfe]), undefined, opts()),
  ];
  for (const [i, f] of cases.entries()) {
    assert.throws(f, (e) => !(e instanceof WebAssembly.RuntimeError) && e instanceof Error, `case ${i}`);
  }
  // The module still works afterwards.
  assert.equal(stagePack(v1, null, opts()).packVersion, '2026.12.1.1');
});
