//! The engine's output: score, level and findings with evidence.

use serde::{Deserialize, Serialize};

/// Traffic-light level of a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Below the yellow threshold.
    Green,
    /// At or above the yellow threshold, below red.
    Yellow,
    /// At or above the red threshold: show the warning.
    Red,
}

impl Level {
    /// Lowercase name (`green`, `yellow`, `red`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Green => "green",
            Level::Yellow => "yellow",
            Level::Red => "red",
        }
    }
}

/// One piece of evidence contributing to a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Canonical signal id, e.g. `idn_homograph_high`.
    pub signal: String,
    /// The signal's weight in the pack.
    pub weight: f64,
    /// Confidence in [0, 1]; the contribution is `weight × confidence` (before caps).
    pub confidence: f64,
    /// Human-readable evidence (plain text; never HTML).
    pub evidence: String,
    /// The impersonated brand's domain, for lookalike and brand signals.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub target: Option<String>,
    /// The feed an indicator came from, for reputation hits.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source: Option<String>,
    /// The YARA rule that matched.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rule: Option<String>,
    /// The impersonated brand's display name, when known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub brand: Option<String>,
}

impl Finding {
    /// A finding with no target/source/rule; the weight is filled in by the scorer.
    pub fn new(signal: &str, confidence: f64, evidence: impl Into<String>) -> Self {
        Self {
            signal: signal.to_string(),
            weight: 0.0,
            confidence: confidence.clamp(0.0, 1.0),
            evidence: evidence.into(),
            target: None,
            source: None,
            rule: None,
            brand: None,
        }
    }

    /// Sets `target` (the impersonated brand domain).
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Sets `brand` (the impersonated brand's name).
    pub fn with_brand(mut self, brand: impl Into<String>) -> Self {
        self.brand = Some(brand.into());
        self
    }

    /// Sets `source` (the reputation feed).
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Sets `rule` (the YARA rule).
    pub fn with_rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = Some(rule.into());
        self
    }
}

/// The result of scanning one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The page URL as given.
    pub url: String,
    /// The host, in ASCII (punycode) form.
    pub host: String,
    /// The registrable domain (eTLD+1), or the host when it has none (IP address, bare suffix).
    pub registrable_domain: String,
    /// Score in [0, 100].
    pub score: u32,
    /// Level from the thresholds.
    pub level: Level,
    /// Findings, strongest contribution first.
    pub findings: Vec<Finding>,
    /// Version of the rule pack used.
    pub pack_version: String,
    /// True when the byte or time budget ran out and some content was not examined.
    pub partial: bool,
    /// True when the site is on the user's or the pack's trusted list (only severe signals count).
    pub trusted: bool,
    /// Time spent, measured with the injected clock (µs).
    pub elapsed_us: u64,
}
