// Opted-in telemetry upload (PRODUCT.md "Telemetry and ops", docs/telemetry.md).
//
// Only when the user (or the policy) turned `telemetryOptIn` on — it is off by default — the
// engine's aggregate counters are folded, from then on, into one stored aggregate, and about once
// an hour (jittered) that aggregate goes to the collector's `POST /v1/telemetry` as one schema-v1
// batch: counts and fixed-bucket histograms, no URL, no host, no content, no identifier.
//
// Delivery: the batch is frozen (its exact bytes kept in storage.local) before the first attempt
// and resent byte for byte until the collector acknowledges it (the collector merges a batch
// once and answers "duplicate" to the same bytes again), with exponential backoff and 429
// Retry-After; counts made meanwhile go into the next batch. Opting out drops what was not sent.
//
// The endpoint is the report endpoint's sibling: `…/v1/reports` → `…/v1/telemetry` (so a policy
// or the options page that points reports at a collector points telemetry there too).

import { backoffMs, retryAfterMs } from './reports.js';

export const SCHEMA = 'ferretwatch.telemetry.v1';
/** Upload period and its jitter (± this fraction). */
export const PERIOD_MS = 3600_000;
export const JITTER = 0.1;
/** Longest period one batch may cover (docs/telemetry.md). */
const MAX_PERIOD_S = 86400;
const SUBMIT_BOUNDS = [100, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000];
const KEY = 'telemetryUpload';

/** `https://host/v1/reports` → `https://host/v1/telemetry` (null for an unusable endpoint). */
export function telemetryEndpoint(reportEndpoint) {
  try {
    const u = new URL('telemetry', reportEndpoint);
    u.search = '';
    u.hash = '';
    return u.href;
  } catch {
    return null;
  }
}

/** Next upload time: one period from `now`, ± JITTER. */
export function nextUploadAt(now, random = Math.random) {
  return Math.round(now + PERIOD_MS * (1 - JITTER + 2 * JITTER * random()));
}

const isHist = (h) => h && Array.isArray(h.bounds) && Array.isArray(h.counts);

function histogram(bounds) {
  return { bounds: [...bounds], counts: new Array(bounds.length + 1).fill(0), sum: 0, count: 0 };
}

function observe(h, v) {
  let i = h.bounds.findIndex((b) => v <= b);
  if (i < 0) i = h.bounds.length;
  h.counts[i] += 1;
  h.sum += Math.round(v);
  h.count += 1;
}

/**
 * `a + sign × b` for engine counter objects (numbers, maps of numbers, histograms with equal
 * bounds). Used to add a worker's counters to the stored aggregate (sign 1) and to take what
 * was already folded off a worker's running totals (sign -1). Negative results are clamped to 0.
 */
export function combine(a, b, sign = 1) {
  if (b === undefined || b === null) return structuredClone(a);
  if (a === undefined || a === null) return sign > 0 ? structuredClone(b) : undefined;
  if (typeof a === 'number') return Math.max(0, a + sign * (typeof b === 'number' ? b : 0));
  if (isHist(a) && isHist(b)) {
    if (a.bounds.length !== b.bounds.length || a.bounds.some((x, i) => x !== b.bounds[i])) throw new Error('histogram bounds differ');
    return {
      bounds: [...a.bounds],
      counts: a.counts.map((n, i) => Math.max(0, n + sign * (b.counts[i] ?? 0))),
      sum: Math.max(0, a.sum + sign * b.sum),
      count: Math.max(0, a.count + sign * b.count),
    };
  }
  if (typeof a === 'object') {
    const out = {};
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const v = combine(a[k], b[k], sign);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  return structuredClone(a);
}

const emptyReports = () => ({ phishing: 0, submitted: 0, submit_failed: 0, submit_ms: histogram(SUBMIT_BOUNDS) });

function freshAggregate(nowMs) {
  return { start: Math.floor(nowMs / 1000), sessions: 0, counts: null, reports: emptyReports() };
}

const pagesOf = (engine) => (engine?.pages_scanned ?? 0) + Object.values(engine?.failures ?? {}).reduce((a, n) => a + n, 0);

/** The schema-v1 batch for an aggregate that ends at `nowMs`. */
export function buildBatch(acc, nowMs, meta) {
  const end = Math.floor(nowMs / 1000);
  const start = Math.min(Math.max(acc.start, end - MAX_PERIOD_S + 1), end - 1);
  const batch = { schema: SCHEMA, period_start: start, period_end: end };
  for (const k of ['extension_version', 'pack_version', 'browser']) {
    if (typeof meta[k] === 'string' && /^[A-Za-z0-9._-]+$/.test(meta[k]) && meta[k].length <= (k === 'browser' ? 16 : 32)) batch[k] = meta[k];
  }
  Object.assign(batch, {
    installs: 1,
    sessions: acc.sessions,
    page_loads: pagesOf(acc.counts?.engine),
    engine: acc.counts?.engine ?? {},
    ...(acc.counts?.pack_updates ? { pack_updates: acc.counts.pack_updates } : {}),
    reports: acc.reports,
  });
  return batch;
}

const updatesOf = (u) => (u?.ok ?? 0) + [u?.failed, u?.rejected].reduce((a, m) => a + Object.values(m ?? {}).reduce((x, n) => x + n, 0), 0);
const hasData = (acc) => acc.sessions > 0 || pagesOf(acc.counts?.engine) > 0 || (acc.counts?.engine?.crashes ?? 0) > 0 || updatesOf(acc.counts?.pack_updates) > 0 || acc.reports.phishing > 0 || acc.reports.submitted + acc.reports.submit_failed > 0;

export class TelemetryUploader {
  /**
   * @param {object} deps
   * @param {{get, set, remove}} deps.storage  storage.local-like
   * @param {(fn) => Promise} deps.serialized  runs read-modify-write steps one at a time
   * @param {() => object|null} deps.settings  the settings in force (null while unknown)
   * @param {() => Promise<object|null>} deps.counters  this worker life's running totals, `{engine, pack_updates?}`
   *   (the engine's `Counters`, the updater's `pack_updates`); null while there is no engine
   * @param {() => object} deps.meta  {extension_version, pack_version, browser}
   * @param {typeof fetch} deps.fetch
   * @param {() => number} [deps.now]
   * @param {() => number} [deps.random]
   */
  constructor({ storage, serialized, settings, counters, meta, fetch, now = Date.now, random = Math.random }) {
    Object.assign(this, { storage, serialized, settings, counters, meta, fetchFn: fetch, now, random });
    /** The part of this worker life's counters already folded (or discarded while opted out). */
    this.base = null;
    this.timer = null;
    /** The opt-in last seen by `consent` (undefined: not seen yet in this worker life). */
    this.seenOptIn = undefined;
  }

  /**
   * Called whenever the settings in force change. Opting in during a worker life marks the
   * engine counters at that moment, so scans made before consent are never counted.
   */
  async consent(on) {
    const was = this.seenOptIn;
    this.seenOptIn = Boolean(on);
    if (on && was === false) this.base = (await this.counters()) ?? this.base;
  }

  get optedIn() {
    return Boolean(this.settings()?.telemetryOptIn);
  }

  async state() {
    return (await this.storage.get(KEY))[KEY] ?? null;
  }

  #update(fn) {
    return this.serialized(async () => {
      const next = fn((await this.state()) ?? { acc: freshAggregate(this.now()), outbox: null, nextAt: null });
      if (next === null) await this.storage.remove(KEY);
      else await this.storage.set({ [KEY]: next });
      return next;
    });
  }

  /**
   * Folds the engine counters counted since the last checkpoint into the stored aggregate when
   * opted in; when not, only moves the mark (nothing counted before consent is ever sent).
   */
  async checkpoint() {
    const now = await this.counters();
    if (!now) return;
    const delta = this.base ? combine(now, this.base, -1) : now;
    this.base = now;
    if (!this.optedIn) return;
    await this.#update((s) => ({ ...s, acc: { ...s.acc, counts: s.acc.counts ? combine(s.acc.counts, delta) : structuredClone(delta) } }));
  }

  /** A checkpoint a few seconds after activity (scans), at most one pending at a time. */
  soon(ms = 5000) {
    if (this.timer || !this.optedIn) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.checkpoint().catch(() => {});
    }, ms);
  }

  /** A new browser session started. */
  async noteSession() {
    if (!this.optedIn) return;
    await this.#update((s) => ({ ...s, acc: { ...s.acc, sessions: s.acc.sessions + 1 } }));
  }

  /** A user report was queued (`queued`) or a delivery attempt ended (`{ok, ms}`). */
  async noteReport({ queued = false, ok, ms } = {}) {
    if (!this.optedIn) return;
    await this.#update((s) => {
      const r = structuredClone(s.acc.reports ?? emptyReports());
      if (queued) r.phishing += 1;
      if (ok === true) r.submitted += 1;
      if (ok === false) r.submit_failed += 1;
      if (ok !== undefined && Number.isFinite(ms)) observe(r.submit_ms, Math.max(0, ms));
      return { ...s, acc: { ...s.acc, reports: r } };
    });
  }

  /** The user opted out (or the policy did): what was counted and not sent is dropped. */
  async forget() {
    await this.#update(() => null);
  }

  /**
   * When the next upload should happen (ms since the epoch), stored so that a new worker life
   * re-arms the same alarm rather than pushing it back; null when not opted in.
   */
  async schedule() {
    if (!this.optedIn) return null;
    const s = await this.#update((st) => (st.nextAt ? st : { ...st, nextAt: nextUploadAt(this.now(), this.random) }));
    return s.nextAt;
  }

  /**
   * Uploads the aggregate when due (`force`: now — the test hook). Returns `{status, …}` with
   * status `optedOut`, `noEndpoint`, `notDue`, `nothing`, `sent`, `retry` or `rejected`, and
   * `nextAt` (when to try again; null when opted out).
   */
  async upload({ force = false } = {}) {
    if (!this.optedIn) {
      await this.forget();
      return { status: 'optedOut', nextAt: null };
    }
    const endpoint = telemetryEndpoint(this.settings().reportEndpoint);
    if (!endpoint) return { status: 'noEndpoint', nextAt: nextUploadAt(this.now(), this.random) };
    await this.checkpoint();
    const st = await this.state();
    if (!force && st?.nextAt && st.nextAt > this.now()) return { status: 'notDue', nextAt: st.nextAt };
    // Freeze the batch (exact bytes) unless one is already waiting for its acknowledgement.
    const frozen = await this.#update((s) => {
      if (s.outbox || !hasData(s.acc)) return s;
      const body = JSON.stringify(buildBatch(s.acc, this.now(), this.meta()));
      return { ...s, acc: freshAggregate(this.now()), outbox: { body, attempts: 0 } };
    });
    if (!frozen.outbox) return this.#done({ status: 'nothing' }, nextUploadAt(this.now(), this.random));
    const { outbox } = frozen;
    let r;
    try {
      r = await this.fetchFn(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: outbox.body,
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'error',
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      return this.#retry(outbox, backoffMs(outbox.attempts + 1, this.random), String(e?.message ?? e));
    }
    if (r.ok) {
      await this.#update((s) => ({ ...s, outbox: null, lastSentAt: this.now() }));
      return this.#done({ status: 'sent', httpStatus: r.status }, nextUploadAt(this.now(), this.random));
    }
    if (r.status === 429) return this.#retry(outbox, retryAfterMs(r.headers.get('Retry-After'), this.now()) ?? backoffMs(outbox.attempts + 1, this.random), 'HTTP 429');
    if (r.status >= 500 || r.status === 408) return this.#retry(outbox, backoffMs(outbox.attempts + 1, this.random), `HTTP ${r.status}`);
    // Refused for good (4xx: malformed, too large): resending the same bytes cannot help.
    await this.#update((s) => ({ ...s, outbox: null, lastError: `HTTP ${r.status}` }));
    return this.#done({ status: 'rejected', httpStatus: r.status }, nextUploadAt(this.now(), this.random));
  }

  async #retry(outbox, wait, error) {
    const nextAt = this.now() + wait;
    await this.#update((s) => ({ ...s, outbox: s.outbox && { ...s.outbox, attempts: outbox.attempts + 1 }, lastError: error, nextAt }));
    return { status: 'retry', error, nextAt };
  }

  async #done(result, nextAt) {
    await this.#update((s) => ({ ...s, nextAt }));
    return { ...result, nextAt };
  }
}
