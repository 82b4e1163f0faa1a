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
