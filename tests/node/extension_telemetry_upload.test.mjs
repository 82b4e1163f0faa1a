// The opted-in telemetry upload (extension/background/telemetry_upload.js) against the real
// collector on 127.0.0.1 (POST /v1/telemetry, /metrics), with a fault-injecting proxy in front.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { combine, buildBatch, nextUploadAt, telemetryEndpoint, TelemetryUploader, PERIOD_MS } from '../../extension/background/telemetry_upload.js';
import { faultProxy, metric, startCollector } from '../browser/collector.mjs';
import { memoryStorage, serializer } from './memory_storage.mjs';

const LAT = [250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000, 2000000, 5000000, 10000000, 30000000];
const MEM = [1048576, 2097152, 5242880, 10485760, 20971520, 41943040, 83886080, 104857600, 209715200, 524288000];

/** Engine counters as `EngineHost.telemetry()` returns them, after `pages` scans of 800 µs. */
function counters(pages, { red = 0, timeouts = 0 } = {}) {
  const counts = new Array(17).fill(0);
  counts[2] = pages;
  return {
    pages_scanned: pages,
    levels: { green: pages - red, red },
    partial: 0,
    failures: timeouts ? { timeout: timeouts } : {},
    crashes: 0,
    latency_us: { bounds: LAT, counts, sum: 800 * pages, count: pages },
    memory_bytes: { bounds: MEM, counts: new Array(11).fill(0), sum: 0, count: 0 },
  };
}

let collector;
before(async () => {
  collector = await startCollector();
});
after(async () => {
  await collector?.close();
});

function uploader({ endpoint, optIn = true, clock = { now: Date.now() } }) {
  const world = { settings: { telemetryOptIn: optIn, reportEndpoint: endpoint }, counters: { engine: counters(0) }, clock };
  const up = new TelemetryUploader({
    storage: memoryStorage(),
    serialized: serializer(),
    settings: () => world.settings,
    counters: async () => structuredClone(world.counters),
    meta: () => ({ extension_version: '0.1.0', pack_version: '2026.11.25.1', browser: 'chrome' }),
    fetch: (...a) => fetch(...a),
    now: () => clock.now,
    random: () => 0.5,
  });
  return { up, world, clock };
}

test('endpoint, schedule and counter arithmetic', () => {
  assert.equal(telemetryEndpoint('https://reports.ferretwatch.example/v1/reports'), 'https://reports.ferretwatch.example/v1/telemetry');
  assert.equal(telemetryEndpoint('http://127.0.0.1:9/v1/reports?x=1'), 'http://127.0.0.1:9/v1/telemetry');
  assert.equal(telemetryEndpoint('not a url'), null);
  assert.equal(nextUploadAt(1000, () => 0.5), 1000 + PERIOD_MS);
  assert.equal(nextUploadAt(0, () => 0), 0.9 * PERIOD_MS);
  assert.equal(nextUploadAt(0, () => 1), Math.round(1.1 * PERIOD_MS));
  const a = counters(5, { red: 1 });
  const b = counters(3, { timeouts: 2 });
  const sum = combine(a, b);
  assert.equal(sum.pages_scanned, 8);
  assert.deepEqual(sum.levels, { green: 7, red: 1 });
  assert.deepEqual(sum.failures, { timeout: 2 });
  assert.equal(sum.latency_us.counts[2], 8);
  assert.deepEqual(combine(sum, b, -1), { ...a, failures: { timeout: 0 } });
  assert.throws(() => combine(a.latency_us, { ...a.latency_us, bounds: [1] }), /bounds differ/);
  const batch = buildBatch({ start: 100, sessions: 1, counts: { engine: a }, reports: undefined }, 200_000 * 1000, { browser: 'chrome', pack_version: 'x y' });
  assert.equal(batch.period_start, 200_000 - 86399, 'a batch covers at most one day');
  assert.equal(batch.pack_version, undefined, 'a malformed version is left out');
  assert.equal(batch.page_loads, 5);
});

test('opted out: nothing counted, nothing sent', async () => {
  const proxy = await faultProxy(collector.url);
  try {
    const { up, world } = uploader({ endpoint: proxy.reportUrl, optIn: false });
    world.counters = { engine: counters(20) };
    await up.checkpoint();
    await up.noteSession();
    await up.noteReport({ queued: true });
    up.soon();
    assert.equal(up.timer, null);
    assert.deepEqual(await up.upload({ force: true }), { status: 'optedOut', nextAt: null });
    assert.equal(await up.schedule(), null);
    assert.equal(await up.state(), null, 'nothing stored');
    assert.equal(proxy.seen.length, 0, 'no request');
    // Opting in later: only what is counted from then on is sent.
    await up.consent(false);
    world.counters = { engine: counters(23) };
    world.settings.telemetryOptIn = true;
    await up.consent(true);
    world.counters = { engine: counters(26) };
    await up.checkpoint();
    const s = await up.state();
    assert.equal(s.acc.counts.engine.pages_scanned, 3, 'the 3 scans made before consent are not counted');
  } finally {
    await proxy.close();
  }
});

test('opted in: the aggregate reaches the collector once, through 503, reset and 429; /metrics shows it', async () => {
  const proxy = await faultProxy(collector.url, [{ status: 503 }, { reset: true }, { status: 429, retryAfter: 5 }, { lose: true }], { paths: ['/v1/telemetry'] });
  const before = await collector.metrics();
  const pagesBefore = metric(before, 'ferretwatch_pages_scanned_total') ?? 0;
  try {
    const { up, world, clock } = uploader({ endpoint: proxy.reportUrl });
    await up.noteSession();
    world.counters = { engine: counters(4, { red: 1 }) };
    await up.checkpoint();
    // The updater's running totals come along (pack_updates of the batch).
    const DL = [100, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000];
    const download = { bounds: DL, counts: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0], sum: 180, count: 1 };
    world.counters = { engine: counters(7, { red: 2, timeouts: 1 }), pack_updates: { ok: 1, failed: { network: 2 }, rejected: {}, download_ms: download } };
    await up.noteReport({ queued: true });
    await up.noteReport({ ok: true, ms: 180 });
    assert.equal((await up.schedule()), clock.now + PERIOD_MS);
    assert.equal((await up.upload()).status, 'notDue');
    clock.now += PERIOD_MS;
    let r = await up.upload();
    assert.equal(r.status, 'retry');
    assert.equal(r.error, 'HTTP 503');
    const frozen = (await up.state()).outbox.body;
    // Counted while the batch waits: goes into the next one, the frozen bytes do not change.
    world.counters = { engine: counters(9, { red: 2, timeouts: 1 }), pack_updates: { ok: 1, failed: { network: 2 }, rejected: {}, download_ms: download } };
    clock.now = r.nextAt;
    r = await up.upload();
    assert.equal(r.status, 'retry');
    clock.now = r.nextAt;
    r = await up.upload();
    assert.deepEqual([r.status, r.nextAt - clock.now], ['retry', 5000]);
    clock.now = r.nextAt;
    r = await up.upload();
    assert.equal(r.status, 'retry', 'the answer was lost');
    clock.now = r.nextAt;
    r = await up.upload();
    assert.deepEqual([r.status, r.httpStatus], ['sent', 200], 'the collector recognised the same bytes');
    const bodies = proxy.seen.filter((e) => e.path === '/v1/telemetry').map((e) => e.body);
    assert.equal(bodies.length, 5);
    assert.ok(bodies.every((b) => b === frozen), 'the same bytes each time');
    const batch = JSON.parse(frozen);
    assert.equal(batch.schema, 'ferretwatch.telemetry.v1');
    assert.equal(batch.engine.pages_scanned, 7);
    assert.equal(batch.page_loads, 8);
    assert.equal(batch.sessions, 1);
    assert.deepEqual([batch.reports.phishing, batch.reports.submitted, batch.reports.submit_ms.counts[1]], [1, 1, 1]);
    assert.ok(!/https?:|xn--|paypal/.test(frozen), 'no URL or host in a batch');
    assert.deepEqual(batch.pack_updates, { ok: 1, failed: { network: 2 }, rejected: {}, download_ms: download });
    const m = await collector.metrics();
    assert.equal(metric(m, 'ferretwatch_pages_scanned_total') - pagesBefore, 7, 'merged once');
    assert.equal(metric(m, 'ferretwatch_pack_updates_total{result="ok"}'), 1);
    assert.ok(metric(m, 'ferretwatch_collector_telemetry_batches_total') >= 1);
    // The next batch holds what was counted after the frozen one.
    assert.equal((await up.state()).acc.counts.engine.pages_scanned, 2);
    clock.now += 2 * PERIOD_MS;
    r = await up.upload();
    assert.equal(r.status, 'sent');
    const second = JSON.parse(proxy.seen.at(-1).body);
    assert.equal(second.engine.pages_scanned, 2);
    assert.equal(second.pack_updates.ok, 0, 'the update was in the first batch only');
    assert.equal(metric(await collector.metrics(), 'ferretwatch_pages_scanned_total') - pagesBefore, 9);
    // Nothing new: nothing sent.
    clock.now += 2 * PERIOD_MS;
    assert.equal((await up.upload()).status, 'nothing');
  } finally {
    await proxy.close();
  }
});

test('a batch the collector refuses (4xx) is dropped, not resent forever; opting out forgets', async () => {
  const proxy = await faultProxy(collector.url, [{ status: 422 }], { paths: ['/v1/telemetry'] });
  try {
    const { up, world } = uploader({ endpoint: proxy.reportUrl });
    world.counters = { engine: counters(2) };
    await up.checkpoint();
    const r = await up.upload({ force: true });
    assert.deepEqual([r.status, r.httpStatus], ['rejected', 422]);
    assert.equal((await up.state()).outbox, null);
    world.counters = { engine: counters(3) };
    await up.checkpoint();
    world.settings.telemetryOptIn = false;
    assert.equal((await up.upload({ force: true })).status, 'optedOut');
    assert.equal(await up.state(), null);
    assert.equal(proxy.seen.length, 1);
  } finally {
    await proxy.close();
  }
});
