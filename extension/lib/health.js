// Local health figures for the popup, computed from the engine's telemetry snapshot
// (core/src/telemetry.rs: counts and fixed-bucket histograms). Pure functions.

/**
 * Upper bound of the bucket holding quantile `q` of a histogram `{bounds, counts, count}`, as
 * core's `Histogram::quantile_upper_bound`: null when empty, Infinity in the overflow bucket.
 */
export function quantileUpperBound(h, q) {
  if (!h || !h.count) return null;
  const rank = Math.max(1, Math.ceil(Math.min(Math.max(q, 0), 1) * h.count));
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i];
    if (seen >= rank) return i < h.bounds.length ? h.bounds[i] : Infinity;
  }
  return Infinity;
}

/** Summary of a telemetry snapshot: pages, p95 latency (ms, upper bound), crashes, failures. */
export function summarize(t) {
  if (!t) return { pages: 0, p95Ms: null, crashes: 0, failures: 0, partial: 0 };
  const p95 = quantileUpperBound(t.latency_us, 0.95);
  const failures = Object.values(t.failures ?? {}).reduce((a, b) => a + b, 0);
  return {
    pages: t.pages_scanned ?? 0,
    p95Ms: p95 === null ? null : p95 / 1000,
    crashes: t.crashes ?? 0,
    failures,
    partial: t.partial ?? 0,
  };
}

/** Exact p-quantile of a list of numbers (nearest rank), for the extension's own timings. */
export function percentile(values, p) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}
