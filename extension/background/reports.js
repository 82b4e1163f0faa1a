// Reports: the payload a user sees before sending, and a persistent queue that delivers each
// report exactly once: written to storage.local before the first attempt, sent with an
// idempotency key (the report id), retried with exponential backoff (honouring 429
// Retry-After), removed only when the server acknowledges with a 2xx. Survives restarts.
// A report the server refuses for its content (400, 409, 413, 415, 422: the same bytes will never be
// accepted) is not retried: it moves, with the server's answer, to `reportRejected` (the newest
// MAX_REJECTED kept), so nothing is lost and nothing is retried forever.

/** Closed list of reasons (PRODUCT.md). */
export const REASONS = Object.freeze(['phishing_login', 'payment_fraud', 'malware_download', 'brand_impersonation', 'data_exfiltration', 'other']);

/** Largest payload sent (bytes of JSON). */
export const MAX_REPORT_BYTES = 10 * 1024;
const MAX_NOTE = 280;
const MAX_EVIDENCE = 400;

const cut = (s, n) => (typeof s === 'string' && s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The report payload for a verdict. Only: URL, time, versions, score, top findings, reason. */
export function buildReport(verdict, { reason, note, version, now = Date.now(), id }) {
  if (!REASONS.includes(reason)) reason = 'other';
  const payload = {
    id: id ?? null,
    url: verdict.url,
    timestamp: new Date(now).toISOString(),
    extension_version: version,
    pack_version: verdict.pack_version,
    score: verdict.score,
    level: verdict.level,
    reason,
    findings: verdict.findings.slice(0, 8).map((f) => {
      const o = { signal: f.signal, evidence: cut(f.evidence, MAX_EVIDENCE) };
      for (const k of ['rule', 'target', 'source', 'brand']) if (f[k]) o[k] = cut(f[k], 200);
      return o;
    }),
  };
  if (reason === 'other' && note) payload.note = cut(String(note), MAX_NOTE);
  while (new TextEncoder().encode(JSON.stringify(payload)).length > MAX_REPORT_BYTES && payload.findings.length) {
    payload.findings.pop();
  }
  if (new TextEncoder().encode(JSON.stringify(payload)).length > MAX_REPORT_BYTES) payload.url = cut(payload.url, 2048);
  return payload;
}

/** Delay before retry number `attempts` (1, 2, …): 30 s doubling to at most 1 h, ±20 % jitter. */
export function backoffMs(attempts, random = Math.random) {
  const base = Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3600_000);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Retry-After (seconds or an HTTP date) in ms from `now`; null when absent or unparsable. */
export function retryAfterMs(header, now = Date.now()) {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const t = Date.parse(header);
  return Number.isFinite(t) ? Math.max(0, t - now) : null;
}

/** HTTP statuses that refuse the report itself (not the moment, the route or the credentials). */
export const REFUSED_STATUSES = Object.freeze([400, 409, 413, 415, 422]);
/** Refused reports kept (with the server's answer) for the person and support to see. */
export const MAX_REJECTED = 20;

/** Longest a report request may take before it counts as failed (then retried). */
export const REPORT_TIMEOUT_MS = 30_000;

export class ReportQueue {
  /**
   * @param {object} deps
   * @param {{get, set}} deps.storage  storage.local-like
   * @param {(fn) => Promise} deps.serialized  runs read-modify-write steps one at a time
   * @param {() => string} deps.endpoint  the report endpoint in force
   * @param {typeof fetch} deps.fetch
   * @param {() => number} [deps.now]
   * @param {(outcome: {ok: boolean, ms: number}) => void} [deps.onAttempt]  each attempt's outcome (telemetry)
   */
  constructor({ storage, serialized, endpoint, fetch, now = Date.now, onAttempt = () => {} }) {
    Object.assign(this, { storage, serialized, endpoint, fetchFn: fetch, now, onAttempt });
    this.flushing = null;
    this.rerun = null;
  }

  async pending() {
    return (await this.storage.get('reportQueue')).reportQueue ?? [];
  }

  #update(fn) {
    return this.serialized(async () => {
      const q = await this.pending();
      const next = fn(q);
      await this.storage.set({ reportQueue: next });
      return next;
    });
  }

  /** Reports the server refused for their content, newest last: `{id, payload, status, error, at}`. */
  async rejected() {
    return (await this.storage.get('reportRejected')).reportRejected ?? [];
  }

  /** Moves `item` from the queue to the refused reports, with the server's answer. */
  #reject(item, status, error) {
    return this.serialized(async () => {
      const q = await this.pending();
      const kept = [...(await this.rejected()), { id: item.id, payload: item.payload, status, error, at: this.now() }].slice(-MAX_REJECTED);
      await this.storage.set({ reportRejected: kept, reportQueue: q.filter((x) => x.id !== item.id) });
    });
  }

  /** Stores a report; returns its id. */
  async enqueue(payload) {
    const id = crypto.randomUUID();
    await this.#update((q) => [...q, { id, payload: { ...payload, id }, attempts: 0, nextAt: 0 }]);
    return id;
  }

  /**
   * A new browser session: reports waiting after a network error or a server error are due
   * again now (the network or the server may be back); a server's 429 Retry-After still holds.
   */
  async resume() {
    await this.#update((q) => q.map((x) => (x.lastStatus === 429 ? x : { ...x, nextAt: 0 })));
  }

  /**
   * Sends every due report once. Returns `{sent, rejected (ids refused by the server), pending,
   * nextAt}`. A call during a flush runs
   * another flush after it (so a report queued meanwhile is not left for the next alarm).
   */
  flush() {
    if (this.flushing) {
      this.rerun ??= this.flushing.then(() => {
        this.rerun = null;
        return this.flush();
      });
      return this.rerun;
    }
    this.flushing = this.#flush().finally(() => (this.flushing = null));
    return this.flushing;
  }

  async #flush() {
    let sent = 0;
    const rejected = [];
    const endpoint = this.endpoint();
    // After a 429 the server wants this client to wait: no report is tried before then.
    const queue = await this.pending();
    let blockedUntil = Math.max(0, ...queue.filter((x) => x.lastStatus === 429 && x.nextAt > this.now()).map((x) => x.nextAt));
    for (const item of queue) {
      if (item.nextAt > this.now() || !endpoint) continue;
      if (blockedUntil) {
        await this.#update((q) => q.map((x) => (x.id === item.id ? { ...x, nextAt: Math.max(x.nextAt, blockedUntil), lastStatus: 429 } : x)));
        continue;
      }
      let outcome;
      const t0 = this.now();
      try {
        const r = await this.fetchFn(endpoint, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': item.id },
          body: JSON.stringify(item.payload),
          credentials: 'omit',
          cache: 'no-store',
          redirect: 'error',
          signal: AbortSignal.timeout(REPORT_TIMEOUT_MS),
        });
        if (r.ok) outcome = { done: true };
        else if (r.status === 429) outcome = { wait: retryAfterMs(r.headers.get('Retry-After'), this.now()) ?? backoffMs(item.attempts + 1), status: 429, error: 'HTTP 429' };
        else if (REFUSED_STATUSES.includes(r.status)) outcome = { refused: true, status: r.status, error: `HTTP ${r.status}: ${(await r.text().catch(() => '')).slice(0, 300)}` };
        else outcome = { wait: backoffMs(item.attempts + 1), status: r.status, error: `HTTP ${r.status}` };
      } catch (e) {
        outcome = { wait: backoffMs(item.attempts + 1), status: 0, error: String(e?.message ?? e) };
      }
      this.onAttempt({ ok: Boolean(outcome.done), ms: this.now() - t0 });
      if (outcome.done) sent += 1;
      if (outcome.status === 429) blockedUntil = this.now() + outcome.wait;
      if (outcome.refused) {
        await this.#reject(item, outcome.status, outcome.error);
        rejected.push(item.id);
        continue;
      }
      await this.#update((q) =>
        outcome.done
          ? q.filter((x) => x.id !== item.id)
          : q.map((x) =>
              x.id === item.id
                ? { ...x, attempts: x.attempts + 1, nextAt: this.now() + outcome.wait, lastStatus: outcome.status, lastError: outcome.error }
                : x,
            ),
      );
    }
    const q = await this.pending();
    return { sent, rejected, pending: q.length, nextAt: q.length ? Math.min(...q.map((x) => x.nextAt)) : null };
  }
}
