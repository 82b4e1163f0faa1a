// The wasm build and the native build give identical verdicts on the same inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, cliJsonLines, makeHost, comparable, readPackDir } from './helpers.mjs';

const corpus = join(ROOT, 'tests', 'corpus', 'index.json');

test('corpus pages: wasm verdicts equal native verdicts', async () => {
  const host = await makeHost();
  const features = cliJsonLines(['features', '--corpus', corpus]);
  const native = cliJsonLines(['scan', '--corpus', corpus, '--json', '--budget-ms', '60000']);
  assert.equal(features.length, native.length);
  assert.ok(features.length >= 80, `corpus has ${features.length} pages`);
  for (let i = 0; i < features.length; i++) {
    const { id, features: f } = features[i];
    const wasm = await host.scan(f);
    const { id: _id, ...nat } = native[i];
    assert.equal(native[i].id, id);
    assert.deepEqual(comparable(wasm), comparable(nat), `page ${id}`);
  }
});

test('URL-only checks: wasm verdicts equal native verdicts', async () => {
  const host = await makeHost();
  const urlsFile = join(ROOT, 'tests', 'node', 'fixtures', 'urls.txt');
  const native = cliJsonLines(['scan', '--urls', urlsFile, '--json']);
  assert.ok(native.length >= 50);
  for (const n of native) {
    if (n.error) {
      await assert.rejects(async () => host.checkUrl(n.url), `${n.url} fails in wasm too`);
      continue;
    }
    const w = await host.checkUrl(n.url);
    assert.deepEqual(comparable(w), comparable(n), n.url);
  }
});

test('a panic inside wasm is counted as a crash and the engine is re-created', async () => {
  const host = await makeHost();
  const before = await host.checkUrl('https://www.paypal.com/');
  const snapshot = await host.telemetry();
  assert.equal(snapshot.pages_scanned, 1);
  await assert.rejects(async () => host.debugCrash(), (e) => e.crashed === true);
  const after = await host.checkUrl('https://www.paypal.com/');
  assert.deepEqual(comparable(after), comparable(before));
  let t = await host.telemetry();
  assert.equal(t.crashes, 1);
  assert.equal(t.pages_scanned, 2, 'counters up to the last snapshot carry over, plus the scan after the crash');
  await assert.rejects(async () => host.debugCrash(), (e) => e.crashed === true);
  t = await host.telemetry();
  assert.equal(t.crashes, 2, 'a second crash is survived too');
});

test('bad features are an error, not a crash', async () => {
  const host = await makeHost();
  await assert.rejects(async () => host.scan({ url: 'not a url at all ::' }), /cannot scan|URL/);
  await assert.rejects(async () => host.scan({ url: 'https://a.example/', forms: 'nope' }), /malformed/);
  const t = await host.telemetry();
  assert.equal(t.crashes, 0);
  assert.equal(t.failures.bad_url, 1);
  assert.equal(t.failures.bad_features, 1);
});

test('warmUp counts nothing and changes no answer; prepareFastScan keeps every verdict, also for later engines', async () => {
  const host = await makeHost();
  const pages = cliJsonLines(['features', '--corpus', corpus]);
  const before = [];
  for (const { features: f } of pages) before.push(comparable(await host.scan(f)));
  const t0 = await host.telemetry();
  await host.warmUp();
  await host.warmUp();
  assert.deepEqual(await host.telemetry(), t0, 'warm-up scans are not counted');
  assert.equal(await host.prepareFastScan(), true, 'the fast automaton is built (the default pack fits a DFA)');
  assert.equal(await host.prepareFastScan(), false, 'only once');
  for (let i = 0; i < pages.length; i++) assert.deepEqual(comparable(await host.scan(pages[i].features)), before[i], pages[i].id);
  // A pack update (or a recovery) loads a new engine: it gets the fast automaton at once.
  await host.load(readPackDir(join(ROOT, 'packs', 'default')));
  assert.equal(await host.prepareFastScan(), false, 'the new engine was prepared by load');
  for (let i = 0; i < pages.length; i++) assert.deepEqual(comparable(await host.scan(pages[i].features)), before[i], pages[i].id);
});
