// Rule updates: pulls the signed rule pack, the control document and bulletins from the CDN
// (docs/DESIGN.md "Rule updates", docs/rule-pack-format.md §6 and §9).
//
// - Schedule: one alarm ("fw-update"), at most hourly plus up to 10 minutes of jitter; the first
//   check comes 5–15 minutes after the first start; failures back off exponentially (1 h, 2 h,
//   4 h … 24 h, plus jitter). Level 2 checks every 4 hours; level 3 pulls only the control
//   document (so the fleet can be brought back), level 4 the control document and bulletins.
// - Where: only the base URLs of settings.updateUrls (pinnable by enterprise policy), tried in
//   order (failover). No redirects, no credentials, bounded downloads.
// - Manifest: If-None-Match with the ETag of the last accepted manifest (304 = up to date).
//   Checked in wasm before any artifact is fetched (verifyManifest: key list, signatures,
//   threshold, freeze, extension version, rollback, declared size). Artifacts come from
//   artifacts/<sha256>, reused from the held pack when the hash is the same, each stopped at its
//   declared size.
// - Stage then swap: stagePack (wasm) runs every check of the verifier on the whole pack and
//   applies delta artifacts to the held lists; only then is the pack loaded into the engine
//   host, which keeps its current engine if that throws. The accepted pack is written to
//   IndexedDB (last known good, survives a worker restart); the bundled pack stays underneath.
// - Every rejection is recorded (kind, message, version) and shown in the popup.
// - Expired indicator lists are left out of the engine (livePackFiles) and an alarm
//   ("fw-expiry") reloads the engine when the next list expires.

import * as b from '../lib/browser.js';
import { DEFAULTS } from '../lib/settings.js';
import { parseBundle } from '../lib/packbundle.js';

export const SCHEDULE = Object.freeze({
  periodMs: 60 * 60_000,
  reducedPeriodMs: 4 * 60 * 60_000,
  jitterMs: 10 * 60_000,
  firstCheckMs: [5 * 60_000, 15 * 60_000],
  maxBackoffMs: 24 * 60 * 60_000,
  /** Pack considered stale when no check succeeded for this long (or it expired). */
  staleAfterMs: 48 * 60 * 60_000,
  requestTimeoutMs: 30_000,
});

/** `pack_updates.download_ms` bounds of the telemetry schema (docs/telemetry.md). */
const DOWNLOAD_BOUNDS = [100, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000];
// `pack`: the pack cache budget (PRODUCT.md: ≤ 10 MB), so a pack that could not be kept as the
// last known good is refused before any artifact is fetched (`download_too_large`).
const LIMITS = Object.freeze({ manifest: 1024 * 1024, document: 256 * 1024, pack: 10 * 1024 * 1024, bulletins: 32 });
const ALARM = 'fw-update';
const EXPIRY_ALARM = 'fw-expiry';
const STATE_KEY = 'updateState';

// --- IndexedDB: the last known good pack ----------------------------------------------------
const DB = { name: 'ferretwatch-packs', store: 'packs', key: 'lkg' };

function idb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB.name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(DB.store);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function idbOp(mode, fn) {
  const db = await idb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(DB.store, mode);
      const req = fn(tx.objectStore(DB.store));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

const lkgGet = () => idbOp('readonly', (s) => s.get(DB.key));
const lkgPut = (rec) => idbOp('readwrite', (s) => s.put(rec, DB.key));
const lkgDelete = () => idbOp('readwrite', (s) => s.delete(DB.key));

// --- network ---------------------------------------------------------------------------------

/** A CDN problem (unreachable, HTTP error): try the next URL, back off. */
class CdnError extends Error {
  constructor(kind, message, metric = 'network') {
    super(message);
    this.kind = kind;
    this.cdn = true;
    /** The telemetry kind (`network`, `timeout`, `http_4xx`, `http_5xx`). */
    this.metric = metric;
  }
}

function rejection(kind, message) {
  const e = new Error(message);
  e.kind = kind;
  return e;
}

/**
 * GETs `url` and reads at most `limit` bytes (a longer body is refused as soon as it passes the
 * limit). Returns {status, bytes, etag}; 304 gives no bytes; 404 gives status 404 (absent).
 */
async function fetchLimited(url, limit, headers = {}) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), SCHEDULE.requestTimeoutMs);
  try {
    let r;
    try {
      r = await fetch(url, { headers, cache: 'no-store', credentials: 'omit', redirect: 'error', signal: ctrl.signal });
    } catch (e) {
      throw new CdnError('cdn_unreachable', `${url}: ${e.message ?? e}`, ctrl.signal.aborted ? 'timeout' : 'network');
    }
    if (r.status === 304 || r.status === 404) return { status: r.status, bytes: null, etag: r.headers.get('etag') };
    if (!r.ok) throw new CdnError('cdn_http_error', `${url}: HTTP ${r.status}`, `http_${Math.min(5, Math.floor(r.status / 100))}xx`);
    const declared = Number(r.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > limit) {
      ctrl.abort();
      throw rejection('download_too_large', `${url} is ${declared} bytes, more than ${limit}`);
    }
    const out = new Uint8Array(limit + 1);
    let n = 0;
    const reader = r.body.getReader();
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new CdnError('cdn_unreachable', `${url}: ${e.message ?? e}`, ctrl.signal.aborted ? 'timeout' : 'network');
      }
      if (chunk.done) break;
      if (n + chunk.value.length > limit) {
        ctrl.abort();
        throw rejection('download_too_large', `${url} goes past its limit of ${limit} bytes`);
      }
      out.set(chunk.value, n);
      n += chunk.value.length;
    }
    return { status: r.status, bytes: out.slice(0, n), etag: r.headers.get('etag') };
  } finally {
    clearTimeout(timer);
  }
}

const jitter = (ms) => Math.floor(Math.random() * ms);
const errorInfo = (e, extra = {}) => ({ kind: e?.kind ?? 'error', message: String(e?.message ?? e).slice(0, 300), at: Date.now(), ...extra });
const iso = (unixSeconds) => new Date(unixSeconds * 1000).toISOString();

/** Artifacts of a stored record as the manifest lists them (deltas instead of their results). */
function rawFiles(rec) {
  const files = { ...rec.files };
  for (const [path, bytes] of Object.entries(rec.deltas ?? {})) {
    delete files[path.replace(/\.fwdelta$/, '.fwrep')];
    files[path] = bytes;
  }
  files['manifest.json'] = rec.manifest;
  if (rec.keys) files['keys.json'] = rec.keys;
  return files;
}

/** Drops the lists whose expiry (unix seconds, computed by core) has passed; for the first load only. */
function withoutExpired(files, expiries = {}, now = Date.now()) {
  const out = { ...files };
  for (const [path, at] of Object.entries(expiries)) if (now >= at * 1000) delete out[path];
  return out;
}

export class Updater {
  /**
   * @param {object} deps
   * @param {(path: string) => Promise<Uint8Array>} deps.fetchBytes  reads a file of the extension
   * @param {() => Promise<object>} deps.host  the engine host, once it runs
   * @param {() => object|null} deps.settings  the settings in force (policy applied)
   * @param {() => number} deps.level  the degradation level in force
   * @param {(pack: object) => void} deps.onPack  told about the pack in force
   */
  constructor({ fetchBytes, host, settings, level, onPack }) {
    this.fetchBytes = fetchBytes;
    this.host = host;
    this.settings = () => settings() ?? DEFAULTS;
    this.level = level;
    this.onPack = onPack;
    this.trust = null;
    this.bundled = null; // a promise of {files, index}
    this.active = null; // {version, created, expires, source, files (resolved), expiries, ...}
    this.running = null;
    this.readying = null;
    /** How long the startup pack's two sources took to read (ms; for health.loadTimings). */
    this.startupTimings = {};
    /** This worker life's update outcomes, as the telemetry batch's `pack_updates`. */
    this.counts = { ok: 0, failed: {}, rejected: {}, download_ms: { bounds: [...DOWNLOAD_BOUNDS], counts: new Array(DOWNLOAD_BOUNDS.length + 1).fill(0), sum: 0, count: 0 } };
    b.onAlarm((alarm) => {
      if (alarm.name === ALARM) this.check({ scheduled: true }).catch(() => {});
      if (alarm.name === EXPIRY_ALARM) this.refreshExpiry().catch(() => {});
    });
  }

  async #trust() {
    if (!this.trust) this.trust = JSON.parse(new TextDecoder().decode(await this.fetchBytes('packs/trust.json')));
    const keys = this.settings().trustedKeys;
    return keys?.length ? { ...this.trust, roots: [...keys] } : this.trust;
  }

  async #bundledFiles() {
    // One file (scripts/build-extension): {index: {version, created, files}, files}.
    this.bundled ??= this.fetchBytes('packs/default.fwpack')
      .then(parseBundle)
      .catch((e) => {
        this.bundled = null; // (tried again next time)
        throw e;
      });
    return this.bundled;
  }

  async #state() {
    return (await b.local.get(STATE_KEY))[STATE_KEY] ?? {};
  }

  async #setState(patch) {
    const next = { ...(await this.#state()), ...patch };
    await b.local.set({ [STATE_KEY]: next });
    return next;
  }

  /**
   * The pack the worker starts with: the last known good update if one is stored, else the
   * bundled pack. Plain file reads (no wasm yet): `engineReady` re-verifies it in wasm.
   * Returns {files, created, source}.
   */
  async startupPack() {
    // The cache must never hold up the first verdict: after 1.5 s without an answer from
    // IndexedDB, start on the bundled pack (the next start tries the cache again).
    const t0 = performance.now();
    const cached = Promise.race([lkgGet().catch(() => null), new Promise((r) => setTimeout(() => r(null), 1500))]).then((x) => {
      this.startupTimings.cacheMs = performance.now() - t0;
      return x;
    });
    const files = this.#bundledFiles().then((x) => {
      this.startupTimings.filesMs = performance.now() - t0;
      return x;
    });
    const [rec, bundled] = await Promise.all([cached, files]);
    if (rec?.files) {
      this.startedFrom = rec;
      const files = withoutExpired(rec.files, rec.expiries);
      this.loadedDropped = Object.keys(rec.files).length - Object.keys(files).length;
      return { files, created: iso(rec.created), source: 'update' };
    }
    this.startedFrom = null;
    this.loadedDropped = 0;
    return { files: bundled.files, created: bundled.index.created, source: 'bundled' };
  }

  #opts(trust, extra = {}) {
    return { roots: trust.roots, rootThreshold: trust.rootThreshold ?? 1, threshold: trust.threshold ?? 2, extensionVersion: b.extensionVersion(), nowMs: Date.now(), maxPackBytes: LIMITS.pack, ...extra };
  }

  /**
   * After the engine runs: re-checks the pack it started with in wasm (signatures, key list,
   * hashes, as of its creation), falls back to the bundled pack if the stored one fails, sets
   * the expiry alarm, and schedules the next update check.
   */
  /** `engineReady` once per worker life (again after a failure). */
  ready() {
    this.readying ??= this.engineReady().catch((e) => {
      this.readying = null;
      throw e;
    });
    return this.readying;
  }

  async engineReady() {
    const host = await this.host();
    const trust = await this.#trust();
    const st = await this.#state();
    const bundled = await this.#bundledFiles();
    let staged = null;
    if (this.startedFrom) {
      try {
        staged = host.glue.stagePack(rawFiles(this.startedFrom), this.startedFrom.files, this.#opts(trust, { asIssued: true, heldKeysVersion: 0 }));
        this.active = { ...staged, source: 'update', deltas: this.startedFrom.deltas ?? {}, manifest: this.startedFrom.manifest, keys: this.startedFrom.keys, artifactList: this.startedFrom.artifactList ?? [] };
      } catch (e) {
        await this.#setState({ lastRejection: errorInfo(e, { version: this.startedFrom.version, stage: 'cache' }) });
        await lkgDelete().catch(() => {});
        staged = null;
      }
    }
    if (!staged) {
      try {
        staged = host.glue.stagePack(bundled.files, null, this.#opts(trust, { asIssued: true }));
        this.active = { ...staged, source: 'bundled', deltas: {}, manifest: bundled.files['manifest.json'], keys: bundled.files['keys.json'], artifactList: [] };
      } catch (e) {
        // The bundled pack ships inside the extension: keep it running, but say so.
        await this.#setState({ bundledError: errorInfo(e) });
        this.active = { packVersion: bundled.index.version, created: Date.parse(bundled.index.created) / 1000, expires: null, files: bundled.files, expiries: {}, source: 'bundled', deltas: {}, artifactList: [] };
      }
      if (this.startedFrom) await this.#load(this.active);
    }
    await this.refreshExpiry();
    await this.#dropExpiredControl();
    await this.#schedule(st.nextCheckAt ?? Date.now() + SCHEDULE.firstCheckMs[0] + jitter(SCHEDULE.firstCheckMs[1] - SCHEDULE.firstCheckMs[0]));
    // Announced last: whoever sees the checked pack (its signers) also sees the next check.
    this.#announce();
  }

  #announce() {
    const a = this.active;
    this.onPack({ version: a.packVersion, created: iso(a.created), expires: a.expires, source: a.source, signers: a.signers ?? [] });
  }

  /**
   * Loads a pack's live lists (expired ones left out, livePackFiles in wasm) into the engine
   * host: stage then swap, the host keeps its engine if this throws.
   */
  async #load(a) {
    const host = await this.host();
    const live = host.glue.livePackFiles(a.files, a.expiries ?? {}, Date.now());
    await host.load(live.files);
    this.loadedDropped = Object.keys(a.files).length - Object.keys(live.files).length;
    if (live.nextExpiryMs) b.createAlarm(EXPIRY_ALARM, { when: Math.max(live.nextExpiryMs, Date.now() + 30_000) });
  }

  /** Reloads the engine when a list of the active pack expired since it was loaded. */
  async refreshExpiry() {
    if (!this.active) return;
    const host = await this.host();
    const live = host.glue.livePackFiles(this.active.files, this.active.expiries ?? {}, Date.now());
    const dropped = Object.keys(this.active.files).length - Object.keys(live.files).length;
    if (dropped !== this.loadedDropped) {
      await host.load(live.files);
      this.loadedDropped = dropped;
    }
    if (live.nextExpiryMs) b.createAlarm(EXPIRY_ALARM, { when: Math.max(live.nextExpiryMs, Date.now() + 30_000) });
  }

  async #schedule(when) {
    const at = Math.max(when, Date.now() + 30_000);
    b.createAlarm(ALARM, { when: at });
    await this.#setState({ nextCheckAt: at });
  }

  /** Runs one update check now (or joins the one running). Returns the status. */
  check({ scheduled = false } = {}) {
    this.running ??= this.#check(scheduled).finally(() => (this.running = null));
    return this.running;
  }

  async #check(scheduled) {
    await this.host();
    if (!this.active) await this.ready();
    await this.#dropExpiredControl();
    const settings = this.settings();
    const urls = (settings.updateUrls ?? DEFAULTS.updateUrls).slice(0, 8);
    const level = this.level();
    const st = await this.#state();
    const outcome = { at: Date.now(), url: null, result: null };
    let cdnError = null;
    let rejected = null;
    for (const base of urls) {
      try {
        const r = await this.#checkBase(base, level, st);
        outcome.url = base;
        outcome.result = r;
        cdnError = null;
        break;
      } catch (e) {
        if (e.cdn) cdnError = e;
        else rejected = e;
      }
    }
    const now = Date.now();
    this.#count(outcome.result ? null : rejected ?? cdnError);
    const patch = { lastCheckAt: now, lastCheck: outcome };
    let next;
    if (outcome.result) {
      patch.lastSuccessAt = now;
      patch.failures = 0;
      patch.lastError = null;
      patch.lastUrl = outcome.url;
      // The CDN now serves the pack in force (accepted now, or unchanged): nothing stands refused.
      if (outcome.result.accepted || outcome.result.unchanged) patch.lastRejection = null;
      const period = level === 2 ? SCHEDULE.reducedPeriodMs : SCHEDULE.periodMs;
      next = now + period + jitter(SCHEDULE.jitterMs);
    } else {
      const failures = (st.failures ?? 0) + 1;
      patch.failures = failures;
      patch.lastError = errorInfo(rejected ?? cdnError, { urls: urls.length });
      if (rejected) patch.lastRejection = errorInfo(rejected, { version: rejected.version ?? null });
      next = now + Math.min(SCHEDULE.periodMs * 2 ** (failures - 1), SCHEDULE.maxBackoffMs) + jitter(SCHEDULE.jitterMs);
    }
    await this.#setState(patch);
    await this.#schedule(next);
    return this.status();
  }

  #count(error) {
    const c = this.counts;
    if (!error) c.ok += 1;
    else {
      const map = error.cdn ? c.failed : c.rejected;
      const kind = error.cdn ? error.metric : /^[a-z0-9_]{1,40}$/.test(error.kind ?? '') ? error.kind : 'other';
      map[kind] = (map[kind] ?? 0) + 1;
    }
  }

  #observeDownload(ms) {
    const h = this.counts.download_ms;
    let i = h.bounds.findIndex((x) => ms <= x);
    if (i < 0) i = h.bounds.length;
    h.counts[i] += 1;
    h.sum += Math.round(ms);
    h.count += 1;
  }

  /** `pack_updates` of a schema-v1 telemetry batch for this worker life (docs/telemetry.md). */
  telemetry() {
    return structuredClone(this.counts);
  }

  /** One base URL: manifest (+ pack), control document, bulletins. Throws CdnError or a rejection. */
  async #checkBase(base, level, st) {
    const trust = await this.#trust();
    const host = await this.host();
    const result = { accepted: false, unchanged: false, packVersion: this.active.packVersion };
    let keys = this.active.keys ?? null;
    if (level <= 2) {
      const etag = st.etags?.[base];
      const t0 = performance.now();
      const m = await fetchLimited(`${base}manifest.json`, LIMITS.manifest, etag ? { 'If-None-Match': etag } : {});
      if (m.status === 404) throw new CdnError('cdn_http_error', `${base}manifest.json: HTTP 404`);
      if (m.status === 304) {
        result.unchanged = true;
      } else if (this.active.manifest && sameBytes(m.bytes, this.active.manifest)) {
        result.unchanged = true;
        await this.#setState({ etags: { ...(st.etags ?? {}), [base]: m.etag ?? undefined } });
      } else {
        const k = await fetchLimited(`${base}keys.json`, LIMITS.document);
        keys = k.bytes ?? keys;
        const accepted = await this.#offer(base, host, trust, m.bytes, k.bytes, st);
        result.accepted = true;
        // Pack download: manifest request → new pack in force.
        this.#observeDownload(performance.now() - t0);
        result.packVersion = accepted.packVersion;
        const fresh = await this.#state();
        await this.#setState({ etags: { ...(fresh.etags ?? {}), [base]: m.etag ?? undefined } });
      }
    }
    // The control document and bulletins are pulled with the manifest, from the same place.
    await this.#pullControl(base, host, trust, keys);
    if (level <= 2 || level === 4) await this.#pullBulletins(base, host, trust, keys);
    return result;
  }

  async #offer(base, host, trust, manifest, keys, st) {
    const a = this.active;
    // The held version is the pack in force, bundled or not: nothing older is installed.
    const opts = this.#opts(trust, {
      heldVersion: a.packVersion,
      heldKeysVersion: st.keysVersion ?? 0,
    });
    let info;
    try {
      info = host.glue.verifyManifest(manifest, keys ?? undefined, opts);
    } catch (e) {
      e.version = peekVersion(manifest);
      throw e;
    }
    // Artifacts: reuse what the held pack has under the same hash (known from its manifest, or
    // hashed here for a file of the same size, e.g. of the bundled pack), fetch the rest.
    // Whatever is reused is checked again by stagePack like a download.
    const held = new Map();
    for (const art of a.artifactList ?? []) {
      const bytes = a.deltas?.[art.path] ?? a.files[art.path];
      if (bytes) held.set(art.sha256, bytes);
    }
    const heldBySize = new Map();
    for (const bytes of [...Object.values(a.files), ...Object.values(a.deltas ?? {})]) {
      if (!heldBySize.has(bytes.length)) heldBySize.set(bytes.length, []);
      heldBySize.get(bytes.length).push(bytes);
    }
    const files = { 'manifest.json': manifest };
    if (keys) files['keys.json'] = keys;
    for (const art of info.artifacts) {
      if (!held.has(art.sha256)) {
        for (const bytes of heldBySize.get(art.size) ?? []) {
          if ((await sha256Hex(bytes)) === art.sha256) held.set(art.sha256, bytes);
        }
      }
      if (held.has(art.sha256) && held.get(art.sha256).length === art.size) {
        files[art.path] = held.get(art.sha256);
        continue;
      }
      const r = await fetchLimited(`${base}artifacts/${art.sha256}`, art.size);
      if (r.status !== 200) throw new CdnError('cdn_http_error', `${base}artifacts/${art.sha256}: HTTP ${r.status}`);
      files[art.path] = r.bytes;
    }
    let staged;
    try {
      staged = host.glue.stagePack(files, a.files, opts);
    } catch (e) {
      e.version = info.packVersion;
      throw e;
    }
    const deltas = Object.fromEntries(info.artifacts.filter((x) => x.path.endsWith('.fwdelta')).map((x) => [x.path, files[x.path]]));
    const next = { ...staged, source: 'update', deltas, manifest, keys, artifactList: info.artifacts.map(({ path, sha256 }) => ({ path, sha256 })) };
    try {
      await this.#load(next); // the host keeps its engine if this throws
    } catch (e) {
      const err = rejection('artifacts', `the pack's artifacts do not load: ${e.message ?? e}`);
      err.version = info.packVersion;
      throw err;
    }
    this.active = next;
    this.#announce();
    await lkgPut({ version: staged.packVersion, created: staged.created, expires: staged.expires, files: staged.files, expiries: staged.expiries, deltas, manifest, keys, artifactList: next.artifactList, acceptedAt: Date.now() }).catch(async (e) => {
      await this.#setState({ cacheError: errorInfo(e) });
    });
    await this.#setState({ keysVersion: Math.max(st.keysVersion ?? 0, staged.keysVersion ?? 0), acceptedAt: Date.now() });
    return staged;
  }

  /** A control document past its expiry no longer sets the level: dropping it re-applies the level sources. */
  async #dropExpiredControl() {
    const { control } = await b.local.get('control');
    if (control && Number.isFinite(control.expires) && control.expires * 1000 <= Date.now()) await b.local.remove('control');
  }

  async #pullControl(base, host, trust, keys) {
    const r = await fetchLimited(`${base}control.json`, LIMITS.document);
    if (r.status !== 200) return;
    const { control } = await b.local.get('control');
    // The highest sequence applied survives the document's expiry (replay protection).
    const held = Math.max(control?.sequence ?? 0, (await this.#state()).controlSequence ?? 0);
    try {
      const c = host.glue.verifyControl(r.bytes, held, keys ?? undefined, this.#opts(trust));
      if (!control || c.sequence !== control.sequence || c.level !== control.level) await b.local.set({ control: c });
      await this.#setState({ controlError: null, controlSequence: Math.max(held, c.sequence) });
    } catch (e) {
      // A replayed control document at the held sequence is the same one: not an error.
      await this.#setState({ controlError: errorInfo(e) });
    }
  }

  async #pullBulletins(base, host, trust, keys) {
    const idx = await fetchLimited(`${base}bulletins/index.json`, LIMITS.document);
    if (idx.status !== 200) return;
    let ids;
    try {
      ids = JSON.parse(new TextDecoder().decode(idx.bytes)).bulletins;
    } catch {
      return;
    }
    if (!Array.isArray(ids)) return;
    const out = [];
    for (const id of ids.slice(0, LIMITS.bulletins)) {
      if (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) continue;
      const r = await fetchLimited(`${base}bulletins/${id}.json`, LIMITS.document);
      if (r.status !== 200) continue;
      try {
        out.push(host.glue.verifyBulletin(r.bytes, keys ?? undefined, this.#opts(trust)));
      } catch {
        // Expired or badly signed bulletins are not shown.
      }
    }
    await b.local.set({ bulletins: out });
  }

  /** What the popup shows about updates. */
  async status() {
    const st = await this.#state();
    const a = this.active;
    const now = Date.now();
    const expired = a?.expires ? now >= a.expires * 1000 : false;
    const lastGood = st.lastSuccessAt ?? null;
    const stale = expired || (st.failures > 0 && (lastGood === null || now - lastGood > SCHEDULE.staleAfterMs));
    return {
      packVersion: a?.packVersion ?? null,
      source: a?.source ?? null,
      created: a?.created ?? null,
      expires: a?.expires ?? null,
      expired,
      stale,
      lastCheckAt: st.lastCheckAt ?? null,
      lastCheck: st.lastCheck ?? null,
      lastSuccessAt: lastGood,
      nextCheckAt: st.nextCheckAt ?? null,
      failures: st.failures ?? 0,
      lastError: st.lastError ?? null,
      lastRejection: st.lastRejection ?? null,
      controlError: st.controlError ?? null,
      keysVersion: st.keysVersion ?? 0,
      urls: this.settings().updateUrls ?? DEFAULTS.updateUrls,
    };
  }
}

async function sha256Hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (x) => x.toString(16).padStart(2, '0')).join('');
}

function sameBytes(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The version an (unverified) manifest claims, for the rejection record only. */
function peekVersion(manifest) {
  try {
    const env = JSON.parse(new TextDecoder().decode(manifest));
    return JSON.parse(atob(env.payload)).pack_version ?? null;
  } catch {
    return null;
  }
}
