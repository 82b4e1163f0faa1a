// The extension's report queue (extension/background/reports.js) against the real collector
// (target/debug/ferretwatch-collector on 127.0.0.1) behind a fault-injecting proxy: every report
// is stored exactly once through connection resets, 5xx, 429 Retry-After and a lost
// acknowledgement. Time is a test clock (backoff waits are skipped by moving it, not by sleeping).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport, backoffMs, retryAfterMs, ReportQueue, MAX_REPORT_BYTES } from '../../extension/background/reports.js';
import { faultProxy, startCollector } from '../browser/collector.mjs';
import { memoryStorage, serializer } from './memory_storage.mjs';

const VERDICT = {
  url: 'https://www.xn--pypal-4ve.com/signin/?country.x=US',
  pack_version: '2026.11.25.1',
  score: 96,
  level: 'red',
  findings: [
    { signal: 'idn_homograph_high', evidence: 'pаypal.com looks like paypal.com (Cyrillic а)', target: 'paypal', weight: 40, confidence: 1 },
    { signal: 'phishing_form_cross_domain', evidence: 'password form posts to collect.example', rule: 'form', weight: 30, confidence: 1 },
  ],
};

let collector;
before(async () => {
  collector = await startCollector({ ipLimit: 'off', installLimit: 'off' });
});
after(async () => {
  await collector?.close();
});

function queueFor(url, clock) {
  return new ReportQueue({ storage: memoryStorage(), serialized: serializer(), endpoint: () => url, fetch: (...a) => fetch(...a), now: () => clock.now });
}

test('the payload the extension builds is accepted by the collector as it is', async () => {
  const p = buildReport(VERDICT, { reason: 'phishing_login', version: '0.1.0', id: 'unit-accept-1' });
  assert.deepEqual(Object.keys(p).sort(), ['extension_version', 'findings', 'id', 'level', 'pack_version', 'reason', 'score', 'timestamp', 'url']);
  const r = await fetch(collector.reportUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(p) });
  assert.equal(r.status, 201, await r.text());
  const big = buildReport({ ...VERDICT, findings: Array.from({ length: 40 }, (_, i) => ({ signal: 'yara_phishing_high', evidence: 'x'.repeat(2000), rule: `r${i}` })) }, { reason: 'other', note: 'n'.repeat(600), version: '0.1.0', id: 'unit-accept-2' });
  assert.ok(Buffer.byteLength(JSON.stringify(big)) <= MAX_REPORT_BYTES);
  assert.equal(big.note.length, 280);
  const r2 = await fetch(collector.reportUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(big) });
  assert.equal(r2.status, 201, await r2.text());
});

test('backoff and Retry-After', () => {
  assert.equal(backoffMs(1, () => 0.5), 30_000);
  assert.equal(backoffMs(3, () => 0.5), 120_000);
  assert.equal(backoffMs(30, () => 0.5), 3600_000);
  assert.equal(retryAfterMs('7'), 7000);
  assert.equal(retryAfterMs(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1)), 10_000);
  assert.equal(retryAfterMs('soon'), null);
});

test('reset, 503, 429 Retry-After, lost acknowledgement: each report stored exactly once', async () => {
  const proxy = await faultProxy(collector.url, [{ reset: true }, { status: 503 }, { status: 429, retryAfter: 7 }, { lose: true }]);
  const clock = { now: Date.now() };
  const q = queueFor(proxy.reportUrl, clock);
  try {
    const ids = [];
    for (const reason of ['phishing_login', 'payment_fraud', 'brand_impersonation']) {
      ids.push(await q.enqueue(buildReport({ ...VERDICT, url: `${VERDICT.url}&r=${reason}` }, { reason, version: '0.1.0', now: clock.now })));
    }
    // Round 1: report 0 → reset, report 1 → 503, report 2 → 429 (7 s).
    let r = await q.flush();
    assert.deepEqual({ sent: r.sent, pending: r.pending }, { sent: 0, pending: 3 });
    let items = await q.pending();
    assert.deepEqual(items.map((x) => x.lastStatus), [0, 503, 429]);
    assert.equal(items[2].nextAt, clock.now + 7000, 'Retry-After honoured');
    assert.ok(items[0].nextAt >= clock.now + 24_000 && items[0].nextAt <= clock.now + 36_000, 'backoff 30 s ± 20 %');
    // Nothing is due yet: no request.
    const before = proxy.seen.length;
    clock.now += 6000;
    r = await q.flush();
    assert.equal(proxy.seen.length, before, 'nothing sent before its time');
    // Time passes: everything due. Report 0 is delivered but its ack lost; 1 and 2 are stored.
    clock.now += 60_000;
    r = await q.flush();
    assert.deepEqual({ sent: r.sent, pending: r.pending }, { sent: 2, pending: 1 });
    items = await q.pending();
    assert.equal(items[0].id, ids[0]);
    clock.now += 120_000;
    r = await q.flush();
    assert.deepEqual({ sent: r.sent, pending: r.pending }, { sent: 1, pending: 0 });
    // At the collector: each once, under the queue's id; report 0's retry was a replay.
    const stored = (await collector.reports()).filter((x) => ids.includes(x.payload.id));
    assert.deepEqual(stored.map((x) => x.payload.id).sort(), [...ids].sort());
    const attempts = proxy.seen.filter((e) => e.path === '/v1/reports');
    assert.equal(attempts.length, 7, "3 faults, 1 lost answer, 2 stored, 1 replay");
    for (const e of attempts) assert.equal(JSON.parse(e.body).id, e.idem, 'Idempotency-Key = payload id');
    assert.deepEqual(attempts.filter((e) => e.idem === ids[0]).map((e) => e.got), ['reset', '201, answer lost', 200]);
  } finally {
    await proxy.close();
  }
});

test('after a 429 no other report is tried before Retry-After', async () => {
  const proxy = await faultProxy(collector.url, [{ status: 429, retryAfter: 12 }]);
  const clock = { now: Date.now() };
  const q = queueFor(proxy.reportUrl, clock);
  try {
    await q.enqueue(buildReport(VERDICT, { reason: 'other', note: 'a', version: '0.1.0', now: clock.now }));
    await q.enqueue(buildReport(VERDICT, { reason: 'other', note: 'b', version: '0.1.0', now: clock.now }));
    const r = await q.flush();
    assert.equal(proxy.seen.length, 1, 'the second report waits too');
    assert.equal(r.nextAt, clock.now + 12_000);
    assert.deepEqual((await q.pending()).map((x) => x.nextAt), [clock.now + 12_000, clock.now + 12_000]);
    // A new browser session does not override a server's Retry-After…
    await q.resume();
    assert.deepEqual((await q.pending()).map((x) => x.nextAt), [clock.now + 12_000, clock.now + 12_000]);
    // …and a report queued meanwhile waits for it as well.
    await q.enqueue(buildReport(VERDICT, { reason: 'other', note: 'c', version: '0.1.0', now: clock.now }));
    clock.now += 11_000;
    await q.flush();
    assert.equal(proxy.seen.length, 1, 'nothing sent before Retry-After');
    clock.now += 1000;
    assert.equal((await q.flush()).pending, 0);
    assert.equal(proxy.seen.length, 4);
  } finally {
    await proxy.close();
  }
});

test('a new browser session retries reports that failed on the network at once', async () => {
  const clock = { now: Date.now() };
  // Nothing listens on the collector's address while it is stopped.
  const down = await startCollector({ ipLimit: 'off' });
  await down.stop();
  const q = queueFor(down.reportUrl, clock);
  try {
    const id = await q.enqueue(buildReport(VERDICT, { reason: 'phishing_login', version: '0.1.0', now: clock.now }));
    const r = await q.flush();
    assert.equal(r.pending, 1);
    assert.ok(r.nextAt > clock.now + 20_000);
    await down.start();
    await q.resume();
    assert.equal((await q.pending())[0].nextAt, 0);
    assert.equal((await q.flush()).sent, 1);
    assert.deepEqual((await down.reports()).map((x) => x.payload.id), [id]);
  } finally {
    await down.close();
  }
});

test('a report queued during a flush is sent by that flush call', async () => {
  const clock = { now: Date.now() };
  const q = queueFor(collector.reportUrl, clock);
  const a = await q.enqueue(buildReport(VERDICT, { reason: 'malware_download', version: '0.1.0', now: clock.now }));
  const first = q.flush();
  const b = await q.enqueue(buildReport(VERDICT, { reason: 'data_exfiltration', version: '0.1.0', now: clock.now }));
  const second = q.flush();
  await first;
  const r = await second;
  assert.equal(r.pending, 0);
  const ids = (await collector.reports()).map((x) => x.payload.id);
  assert.ok(ids.includes(a) && ids.includes(b));
});

test('a report the collector refuses for its content (422) is kept aside, not retried; the others are sent', async () => {
  const clock = { now: Date.now() };
  const q = queueFor(collector.reportUrl, clock);
  // A payload the collector's validation refuses: a reason outside the closed list.
  const bad = await q.enqueue({ ...buildReport(VERDICT, { reason: 'phishing_login', version: '0.1.0', now: clock.now }), reason: 'not-a-reason' });
  const good = await q.enqueue(buildReport(VERDICT, { reason: 'payment_fraud', version: '0.1.0', now: clock.now }));
  const r = await q.flush();
  assert.deepEqual(r.rejected, [bad]);
  assert.equal(r.sent, 1);
  assert.equal(r.pending, 0, 'the refused report is not left to be retried');
  const [kept] = await q.rejected();
  assert.equal(kept.id, bad);
  assert.equal(kept.status, 422);
  assert.match(kept.error, /^HTTP 422: .*reason/);
  assert.equal(kept.payload.reason, 'not-a-reason', 'the refused payload is kept as it was');
  const ids = (await collector.reports()).map((x) => x.payload.id);
  assert.ok(ids.includes(good) && !ids.includes(bad));
  // Later flushes do not try it again.
  clock.now += 7 * 86400_000;
  assert.deepEqual(await q.flush(), { sent: 0, rejected: [], pending: 0, nextAt: null });
});
