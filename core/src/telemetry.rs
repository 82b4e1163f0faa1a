//! Aggregate telemetry: counters and fixed-bucket histograms. No URLs, no content: only counts.
//!
//! Histograms have fixed bucket bounds, so two histograms merge exactly by adding their counts
//! (the fleet's numbers add up the same whichever way batches are combined).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::verdict::Level;

/// Upper bounds (inclusive) of the detection latency buckets, in microseconds; one more bucket
/// counts everything above the last bound.
pub const LATENCY_BOUNDS_US: [u64; 16] = [
    250, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000,
    10_000_000, 30_000_000,
];

/// Upper bounds (inclusive) of the memory buckets, in bytes.
pub const MEMORY_BOUNDS_BYTES: [u64; 10] =
    [1 << 20, 2 << 20, 5 << 20, 10 << 20, 20 << 20, 40 << 20, 80 << 20, 100 << 20, 200 << 20, 500 << 20];

/// A histogram with fixed bucket bounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// Inclusive upper bounds; `counts` has one more entry (the overflow bucket).
    pub bounds: Vec<u64>,
    /// Count per bucket.
    pub counts: Vec<u64>,
    /// Sum of the observed values.
    pub sum: u64,
    /// Number of observations.
    pub count: u64,
}

/// Two histograms with different bucket bounds cannot be merged.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("histogram bucket bounds differ; cannot merge")]
pub struct BoundsMismatch;

impl Histogram {
    /// An empty histogram with these bounds (must be increasing).
    pub fn new(bounds: &[u64]) -> Self {
        Self { bounds: bounds.to_vec(), counts: vec![0; bounds.len() + 1], sum: 0, count: 0 }
    }

    /// Records one value.
    pub fn observe(&mut self, v: u64) {
        let i = self.bounds.partition_point(|&b| b < v);
        self.counts[i] += 1;
        self.sum = self.sum.saturating_add(v);
        self.count += 1;
    }

    /// Adds another histogram's counts.
    ///
    /// # Errors
    /// [`BoundsMismatch`] when the bounds differ.
    pub fn merge(&mut self, other: &Histogram) -> Result<(), BoundsMismatch> {
        if self.bounds != other.bounds || other.counts.len() != self.counts.len() {
            return Err(BoundsMismatch);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a = a.saturating_add(*b);
        }
        self.sum = self.sum.saturating_add(other.sum);
        self.count = self.count.saturating_add(other.count);
        Ok(())
    }

    /// The upper bound of the bucket holding quantile `q` (0–1): an upper estimate, as
    /// Prometheus' `histogram_quantile` would bracket it. `None` when empty; `u64::MAX` when it
    /// falls in the overflow bucket.
    pub fn quantile_upper_bound(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(self.bounds.get(i).copied().unwrap_or(u64::MAX));
            }
        }
        Some(u64::MAX)
    }
}

/// The engine's local counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Pages scanned (verdicts produced).
    pub pages_scanned: u64,
    /// Verdicts per level.
    pub levels: BTreeMap<String, u64>,
    /// Verdicts cut short by the budget.
    pub partial: u64,
    /// Detection failures by kind (`bad_features`, `bad_url`, `timeout`, ...).
    pub failures: BTreeMap<String, u64>,
    /// Engine crashes (panics caught by the binding).
    pub crashes: u64,
    /// Detection latency.
    pub latency_us: Histogram,
    /// Memory used by the engine.
    pub memory_bytes: Histogram,
}

impl Default for Counters {
    fn default() -> Self {
        Self {
            pages_scanned: 0,
            levels: BTreeMap::new(),
            partial: 0,
            failures: BTreeMap::new(),
            crashes: 0,
            latency_us: Histogram::new(&LATENCY_BOUNDS_US),
            memory_bytes: Histogram::new(&MEMORY_BOUNDS_BYTES),
        }
    }
}

impl Counters {
    /// Records a verdict.
    pub fn record_verdict(&mut self, level: Level, partial: bool, elapsed_us: u64) {
        self.pages_scanned += 1;
        // The level's name is copied only the first time (a URL check is a few µs: an
        // allocation per verdict shows).
        match self.levels.get_mut(level.as_str()) {
            Some(n) => *n += 1,
            None => {
                self.levels.insert(level.as_str().to_string(), 1);
            }
        }
        if partial {
            self.partial += 1;
        }
        self.latency_us.observe(elapsed_us);
    }

    /// Records a failure of kind `kind`.
    pub fn record_failure(&mut self, kind: &str) {
        *self.failures.entry(kind.to_string()).or_default() += 1;
    }

    /// Records a crash.
    pub fn record_crash(&mut self) {
        self.crashes += 1;
    }

    /// Records a memory reading.
    pub fn record_memory(&mut self, bytes: u64) {
        self.memory_bytes.observe(bytes);
    }

    /// Adds another set of counters.
    ///
    /// # Errors
    /// [`BoundsMismatch`] when histogram bounds differ.
    pub fn merge(&mut self, other: &Counters) -> Result<(), BoundsMismatch> {
        self.pages_scanned += other.pages_scanned;
        for (k, v) in &other.levels {
            *self.levels.entry(k.clone()).or_default() += v;
        }
        self.partial += other.partial;
        for (k, v) in &other.failures {
            *self.failures.entry(k.clone()).or_default() += v;
        }
        self.crashes += other.crashes;
        self.latency_us.merge(&other.latency_us)?;
        self.memory_bytes.merge(&other.memory_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_merge_is_exact() {
        let mut a = Histogram::new(&LATENCY_BOUNDS_US);
        let mut b = Histogram::new(&LATENCY_BOUNDS_US);
        let mut all = Histogram::new(&LATENCY_BOUNDS_US);
        for v in [1, 250, 251, 9_999, 40_000_000] {
            a.observe(v);
            all.observe(v);
        }
        for v in [3, 500, 100_000] {
            b.observe(v);
            all.observe(v);
        }
        a.merge(&b).unwrap();
        assert_eq!(a, all);
        assert_eq!(a.counts[0], 3); // 1, 3 and 250: bounds are inclusive
        assert!(Histogram::new(&[1, 2]).merge(&a).is_err());
    }

    #[test]
    fn quantiles_bracket_from_above() {
        let mut h = Histogram::new(&LATENCY_BOUNDS_US);
        for _ in 0..95 {
            h.observe(900);
        }
        for _ in 0..5 {
            h.observe(60_000);
        }
        assert_eq!(h.quantile_upper_bound(0.95), Some(1_000));
        assert_eq!(h.quantile_upper_bound(0.96), Some(100_000));
    }
}
