// The local first-seen cache behind the fresh-domain signal: registrable domain → the time
// (ms) this browser first saw it. Stored in storage.local only, never sent anywhere.
//
// The engine works out the registrable domain (eTLD+1, with the Public Suffix List) during the
// scan, but the first-seen time must go *into* the scan. So the cache is keyed by the
// registrable domains of earlier verdicts, and a lookup tries every parent of the host: the
// page's registrable domain is one of them, so if none is in the cache, the domain is new.

/** Most domains kept; the oldest are dropped beyond this. */
export const MAX_ENTRIES = 20000;

/** The host and its parent domains, longest first (`a.b.example.com` → 4 names). */
export function candidates(host) {
  const labels = String(host).toLowerCase().replace(/\.$/, '').split('.');
  const out = [];
  for (let i = 0; i < labels.length; i++) out.push(labels.slice(i).join('.'));
  return out;
}

/** When `host`'s registrable domain was first seen: the cached time, or `now` when new. */
export function lookup(cache, host, now) {
  for (const c of candidates(host)) {
    const t = cache[c];
    if (Number.isFinite(t)) return { firstSeen: t, known: true };
  }
  return { firstSeen: now, known: false };
}

/** Records `domain` at `time` unless already present; returns the (possibly pruned) cache. */
export function record(cache, domain, time) {
  if (!domain || Number.isFinite(cache[domain])) return cache;
  const next = { ...cache, [domain]: time };
  const keys = Object.keys(next);
  if (keys.length > MAX_ENTRIES) {
    keys.sort((a, b) => next[a] - next[b]);
    for (const k of keys.slice(0, keys.length - MAX_ENTRIES)) delete next[k];
  }
  return next;
}

/**
 * The cache kept in memory by the background (a lookup is on the hot path of every scan, and
 * reading 20,000 entries from storage per page cost more than the engine). `storage` is
 * storage.local (`get`, `set`). The stored form is the plain object above, so anything that
 * reads or writes `firstSeen` in storage.local keeps working; `external(value)` takes a change
 * made by someone else (a reset, a test seeding the cache).
 */
export class FirstSeenStore {
  constructor(storage) {
    this.storage = storage;
    /** domain → ms, or null until loaded. */
    this.map = null;
    /** Entries recorded since the last write started (kept across an external replace). */
    this.unsaved = new Map();
    this.loading = null;
    this.writing = null;
    this.dirty = false;
    /** Our own writes whose storage.onChanged echo has not arrived yet. */
    this.echoes = 0;
  }

  /** Loads the stored cache once; later calls return the same promise. */
  ready() {
    this.loading ??= this.storage.get('firstSeen').then(({ firstSeen } = {}) => {
      if (this.map === null) this.#replace(firstSeen);
    });
    return this.loading;
  }

  get loaded() {
    return this.map !== null;
  }

  #replace(obj) {
    const map = new Map();
    for (const [k, v] of Object.entries(obj ?? {})) if (Number.isFinite(v)) map.set(k, v);
    for (const [k, v] of this.unsaved) if (!map.has(k)) map.set(k, v);
    this.map = map;
  }

  /** A storage.onChanged value of `firstSeen` (undefined when removed or cleared). */
  external(value) {
    if (value !== undefined && this.echoes > 0) {
      this.echoes -= 1;
      return;
    }
    if (value === undefined) this.unsaved.clear();
    this.#replace(value);
  }

  /** As `lookup` above, from memory (call after `ready()`). */
  lookup(host, now) {
    for (const c of candidates(host)) {
      const t = this.map.get(c);
      if (t !== undefined) return { firstSeen: t, known: true };
    }
    return { firstSeen: now, known: false };
  }

  /** Records `domain` at `time` unless present; true when the cache changed. */
  record(domain, time) {
    if (!domain || this.map.has(domain)) return false;
    this.map.set(domain, time);
    this.unsaved.set(domain, time);
    this.dirty = true;
    if (this.map.size > MAX_ENTRIES) {
      // Drop the oldest down to 95 % of the cap, so the sort runs once per 1,000 new domains.
      const keep = Math.floor(MAX_ENTRIES * 0.95);
      const byAge = [...this.map].sort((a, b) => a[1] - b[1]);
      for (const [k] of byAge.slice(0, byAge.length - keep)) {
        this.map.delete(k);
        this.unsaved.delete(k);
      }
    }
    return true;
  }

  /** Writes the cache if it changed; concurrent calls share one write (plus one after it). */
  async flush() {
    while (this.dirty) {
      if (this.writing) {
        await this.writing;
        continue;
      }
      this.dirty = false;
      this.unsaved.clear();
      this.echoes += 1;
      this.writing = Promise.resolve(this.storage.set({ firstSeen: Object.fromEntries(this.map) }))
        .catch((e) => {
          this.echoes -= 1;
          this.dirty = true;
          throw e;
        })
        .finally(() => (this.writing = null));
      await this.writing;
    }
  }
}
