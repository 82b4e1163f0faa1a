//! YARA-subset content rules: a compiler and an interpreter (no code generation), built on one
//! aho-corasick automaton and regex-automata lazy DFAs, so scanning is linear in the input and
//! runs under a [`Budget`]. The supported subset is documented in `docs/yara-subset.md`;
//! anything outside it is a [`CompileError`], never a silent mis-evaluation.
//!
//! Layout: [`lexer`](self) (tokens, positions) → `parser` (rules with resolved references) →
//! `pattern` (hex strings and regexes as byte patterns, atoms) → `compiler` (automaton, DFAs) →
//! `scanner` (matching, confirmation, evaluation).
//!
//! ```
//! use ferretwatch_core::budget::{Budget, FrozenClock, Limits};
//! use ferretwatch_core::yara;
//!
//! let rules = yara::compile(
//!     &[("kit.yar", r#"rule kit : phishing_kit { strings: $a = "verify your account" nocase condition: $a }"#)],
//!     &["paypal".to_string()],
//! ).unwrap();
//! let mut budget = Budget::start(&FrozenClock, Limits::default());
//! let res = rules.scan(b"PayPal: VERIFY YOUR ACCOUNT now", &mut budget);
//! assert_eq!(res.matches[0].rule, "kit");
//! assert_eq!(res.matches[0].snippet, "VERIFY YOUR ACCOUNT");
//! assert_eq!(res.literal_hits, vec![0]);
//! assert!(!res.partial);
//! ```

use std::collections::HashMap;

use crate::budget::Budget;

mod compiler;
mod lexer;
mod parser;
mod pattern;
mod scanner;

pub use scanner::{MAX_MATCHES_PER_STRING, REGEX_SCAN_LIMIT};

/// A compile error, displayed as `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct CompileError {
    /// Source file name.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in bytes).
    pub col: u32,
    /// What is wrong.
    pub message: String,
}

/// A meta value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaValue {
    /// String.
    Str(String),
    /// Integer.
    Int(i64),
    /// Boolean.
    Bool(bool),
}

/// A rule that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    /// Rule name.
    pub rule: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Meta, in source order.
    pub meta: Vec<(String, MetaValue)>,
    /// A short snippet (≤ 80 chars, control characters escaped) of the first matched string.
    pub snippet: String,
}

/// The result of scanning one buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanResult {
    /// Matching rules (private rules excluded), in source order.
    pub matches: Vec<RuleMatch>,
    /// Indices of the extra literals (see [`compile`]) that occur in the buffer.
    pub literal_hits: Vec<u32>,
    /// The budget ran out before the whole buffer was examined.
    pub partial: bool,
}

/// Compiled rules.
#[derive(Debug, Default)]
pub struct Rules {
    rules: Vec<compiler::CRule>,
    strings: Vec<compiler::CString>,
    ac: Option<aho_corasick::AhoCorasick>,
    /// The patterns of `ac` when it is the contiguous NFA of a [`compile_fast_start`] whose DFA
    /// would fit: [`Rules::prepare_fast_scan`] builds the DFA from them.
    pending_dfa: Option<Box<compiler::PendingDfa>>,
    /// What each automaton pattern means: pattern `i`'s targets are
    /// `targets[target_starts[i]..target_starts[i + 1]]`.
    target_starts: Vec<u32>,
    targets: Vec<compiler::Target>,
    max_pattern_len: usize,
    /// Hex/regex strings without atoms, and their reverse DFAs (same order).
    fallback: Vec<u32>,
    fallback_rev: Vec<regex_automata::hybrid::dfa::DFA>,
    extra_count: usize,
    /// Lazy-DFA caches kept between scans (creating one costs more than a typical
    /// confirmation). A concurrent scan that finds the pool taken starts with fresh caches.
    cache_pool: std::sync::Mutex<Vec<Option<Box<regex_automata::hybrid::dfa::Cache>>>>,
}

fn to_compile_error(file: &str, src: &str, e: &lexer::SrcError) -> CompileError {
    let (line, col) = lexer::line_col(src, e.offset);
    CompileError { file: file.to_string(), line, col, message: e.message.clone() }
}

/// Compiles YARA sources `(file name, text)` plus extra case-insensitive literals (keywords, brand
/// names) that share the one aho-corasick automaton.
///
/// All sources form one namespace: rule names are unique across them and a rule may refer to
/// rules of earlier sources.
///
/// The shared automaton is an aho-corasick DFA when its table fits 20 MiB (one lookup per byte:
/// the fastest scan), else a contiguous NFA.
///
/// # Errors
/// The first [`CompileError`].
pub fn compile(sources: &[(&str, &str)], extra_literals: &[String]) -> Result<Rules, CompileError> {
    compile_with(sources, extra_literals, compiler::DfaBuild::Eager)
}

/// [`compile`], but the shared automaton is always built as the contiguous NFA, several times
/// cheaper to build than the DFA (for a small rule set the DFA's table is most of the compile);
/// [`Rules::prepare_fast_scan`] later builds the DFA [`compile`] would have built. Scans give the
/// same results with either automaton; only their speed differs (the DFA is ≈ 2× faster on pages
/// with few hits). For a fast start: the first page is scanned before the DFA exists.
///
/// # Errors
/// The first [`CompileError`] (the same as [`compile`]'s).
pub fn compile_fast_start(sources: &[(&str, &str)], extra_literals: &[String]) -> Result<Rules, CompileError> {
    compile_with(sources, extra_literals, compiler::DfaBuild::Deferred)
}

fn compile_with(
    sources: &[(&str, &str)],
    extra_literals: &[String],
    when: compiler::DfaBuild,
) -> Result<Rules, CompileError> {
    let mut names = HashMap::new();
    let mut asts = Vec::new();
    for (fi, (file, src)) in sources.iter().enumerate() {
        let mut p = parser::Parser::new(src, &mut names, asts.len());
        let rules = p.parse_file().map_err(|e| to_compile_error(file, src, &e))?;
        asts.extend(rules.into_iter().map(|r| (fi, r)));
    }
    compiler::build(asts, extra_literals, when).map_err(|(fi, e)| {
        let (file, src) = sources.get(fi).copied().unwrap_or(("<rules>", ""));
        to_compile_error(file, src, &e)
    })
}

impl Rules {
    /// Number of rules (private ones included).
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Builds what a [`compile_fast_start`] left for later, so that the rules are as [`compile`]
    /// builds them: the shared automaton's DFA, when its table fits the 20 MiB budget, and the
    /// lazy DFAs of the hex strings and regexes that confirm candidates with one. Returns whether
    /// anything was built. Idempotent and cheap once done; a no-op after [`compile`]. The rules
    /// match exactly as before (same patterns, same overlapping matches), only faster.
    pub fn prepare_fast_scan(&mut self) -> bool {
        let mut built = false;
        for s in &self.strings {
            if let compiler::CString::Regex(p) = s {
                built |= p.prepare();
            }
        }
        let Some(pending) = self.pending_dfa.take() else {
            return built;
        };
        match pending.build() {
            Some(dfa) => {
                self.ac = Some(dfa);
                true
            }
            None => built,
        }
    }

    /// True when [`Rules::prepare_fast_scan`] would build something.
    pub fn fast_scan_pending(&self) -> bool {
        self.pending_dfa.is_some()
            || self
                .strings
                .iter()
                .any(|s| matches!(s, compiler::CString::Regex(p) if p.simple.is_none() && p.fwd_pending()))
    }

    /// The patterns of the shared aho-corasick automaton (lowercase; atoms, text-string variants
    /// and extra literals). For benchmarks and diagnostics.
    #[doc(hidden)]
    pub fn automaton_patterns(&self) -> usize {
        self.ac.as_ref().map_or(0, aho_corasick::AhoCorasick::patterns_len)
    }

    /// Heap bytes of the shared aho-corasick automaton and its kind (DFA or NFA).
    #[doc(hidden)]
    pub fn automaton_memory(&self) -> (usize, String) {
        self.ac.as_ref().map_or((0, "none".into()), |ac| (ac.memory_usage(), format!("{:?}", ac.kind())))
    }

    /// Approximate heap bytes held, by part: `(part, bytes)` for the automaton, its targets, the
    /// text strings, the hex/regex programs (built DFAs with their NFAs, the simple sequences and
    /// the kept patterns), the fallback DFA and the rules (names, meta, conditions). For
    /// benchmarks and diagnostics; pooled lazy-DFA caches are not counted.
    #[doc(hidden)]
    pub fn memory_breakdown(&self) -> Vec<(&'static str, usize)> {
        let (text, progs) = compiler::strings_memory(&self.strings);
        vec![
            ("automaton", self.automaton_memory().0 + self.pending_dfa.as_ref().map_or(0, |p| p.heap_bytes())),
            ("targets", self.targets.capacity() * size_of::<compiler::Target>() + self.target_starts.capacity() * 4),
            ("text_strings", text),
            ("patterns", progs),
            ("fallback_dfa", self.fallback_rev.iter().map(|d| d.memory_usage() + d.get_nfa().memory_usage()).sum()),
            ("rules", compiler::rules_memory(&self.rules)),
        ]
    }

    /// Runs only the overlapping aho-corasick pass (same automaton, no confirmation, no clock)
    /// and returns the number of hits: the "bare aho-corasick" baseline of the benchmarks.
    #[doc(hidden)]
    pub fn bare_automaton_pass(&self, data: &[u8]) -> usize {
        self.ac.as_ref().map_or(0, |ac| ac.find_overlapping_iter(data).count())
    }

    /// Scans one buffer under the budget. The clock is checked every 64 KiB and during regex
    /// confirmation; when time runs out `partial` is set and the result holds the rules that
    /// already match for good (conditions monotone in the matches: `$a`, `#a > n`, `any of`, ...;
    /// never `not $a`-style rules). Bytes are not taken from the budget here: the caller grants
    /// them.
    pub fn scan(&self, data: &[u8], budget: &mut Budget<'_>) -> ScanResult {
        self.scan_impl(data, budget)
    }
}

#[cfg(test)]
mod tests;
