//! # ferretwatch-core
//!
//! The FerretWatch detection engine: given a page's features, a rule pack and the user's
//! settings, it computes a deterministic, explainable verdict (score 0–100, green/yellow/red,
//! findings with evidence). It has no I/O, no clock and no JavaScript types: the caller reads
//! files, passes a [`budget::Clock`], and converts types (the `ferretwatch-wasm` crate does that
//! for the browser).
//!
//! ```
//! use ferretwatch_core::{Engine, PageFeatures, Settings, budget::FrozenClock, pack::PackFiles};
//!
//! let mut files = PackFiles::new();
//! files.insert("pack.json".into(), br#"{"version": "1", "weights": {"idn_homograph_high": 40}}"#.to_vec());
//! files.insert("brands.json".into(), br#"[{"name": "PayPal", "category": "payment", "domains": ["paypal.com"]}]"#.to_vec());
//! let engine = Engine::from_files(&files).unwrap();
//! let verdict = engine.scan(&PageFeatures::from_url("https://www.paypal.com/"), &Settings::default(), &FrozenClock).unwrap();
//! assert_eq!(verdict.registrable_domain, "paypal.com");
//! ```

pub mod budget;
pub mod degrade;
pub mod domain;
pub mod engine;
pub mod features;
pub mod intel;
pub mod lookalike;
pub mod pack;
pub mod phash;
pub mod reputation;
pub mod signals;
pub mod signed;
pub mod telemetry;
pub mod verdict;
pub mod yara;

pub use degrade::DegradationLevel;
pub use engine::{Engine, EngineError, Settings};
pub use features::{FeatureError, PageFeatures};
pub use verdict::{Finding, Level, Verdict};
