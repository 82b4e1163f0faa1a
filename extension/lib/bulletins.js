// Signed bulletins (active-campaign notices, docs/rule-pack-format.md §4): which one concerns a
// page, in which words, and whether its frequency cap lets it be shown on the page again. Pure:
// the bulletins are the ones the updater verified in wasm and stored; times are Unix seconds.

const SEVERITY = { critical: 4, high: 3, medium: 2, low: 1 };

/** Whether `b` is in force at `now` (created, not past `created_at + ttl`). */
export function active(b, now) {
  return b.created_at <= now + 300 && b.created_at + b.ttl > now;
}

/**
 * The bulletin about a page with this verdict, or null: its scope names the page's registrable
 * domain, or its brands name the brand the page impersonates (a finding's brand name or target
 * domain), compared without case as the core's `Bulletin::applies_to` does. The most severe
 * first, then the newest.
 */
export function bulletinFor(bulletins, verdict, now) {
  if (!verdict || !Array.isArray(bulletins)) return null;
  const site = verdict.registrable_domain ? String(verdict.registrable_domain).toLowerCase() : null;
  const brands = new Set();
  for (const f of verdict.findings ?? []) {
    if (f.brand) brands.add(String(f.brand).toLowerCase());
    if (f.target) brands.add(String(f.target).toLowerCase());
  }
  const matches = bulletins.filter(
    (b) => active(b, now) && ((site && (b.scope ?? []).some((d) => String(d).toLowerCase() === site)) || (b.brands ?? []).some((n) => brands.has(String(n).toLowerCase()))),
  );
  matches.sort((a, b) => (SEVERITY[b.severity] ?? 0) - (SEVERITY[a.severity] ?? 0) || b.created_at - a.created_at);
  return matches[0] ?? null;
}

/** The advisory in the person's language (`fr-CA` → `fr`), else English, else the first given. */
export function advisoryText(b, lang) {
  const a = b.advisory ?? {};
  const base = String(lang ?? '').split(/[-_]/)[0];
  return a[lang] ?? a[base] ?? a.en ?? Object.values(a)[0] ?? '';
}

/** The bulletin's safe links that may be shown (https only). */
export function safeLinks(b) {
  return (b.safe_links ?? []).filter((u) => typeof u === 'string' && u.startsWith('https://'));
}

/**
 * Whether the frequency cap lets `b` be shown on a page at `now`, given `shows` (Unix seconds
 * of its earlier shows). Without a cap: once per `per_hours` default of 24 h, at most 3 shows.
 */
export function capAllows(b, shows, now) {
  const cap = b.frequency_cap ?? { max_shows: 3, per_hours: 24 };
  const since = now - cap.per_hours * 3600;
  return (shows ?? []).filter((t) => t > since).length < cap.max_shows;
}

/**
 * The show history with one more show of `id` at `now`, keeping only what a cap can still look
 * at (the last 30 days, bulletins' longest life) and only bulletins still held.
 */
export function recordShow(history, id, now, heldIds) {
  const keep = now - 30 * 86400;
  const out = {};
  for (const [k, v] of Object.entries(history ?? {})) {
    if (heldIds.includes(k)) out[k] = v.filter((t) => t > keep);
  }
  out[id] = [...(out[id] ?? []), now];
  return out;
}
