//! YARA-subset content rules. (Being built: the engine relies on exactly these items.)

use crate::budget::Budget;

/// A compile error, displayed as `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct CompileError {
    /// Source file name.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
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
pub struct Rules {}

/// Compiles YARA sources `(file name, text)` plus extra case-insensitive literals (keywords, brand
/// names) that share the one aho-corasick automaton.
///
/// # Errors
/// The first [`CompileError`].
pub fn compile(
    _sources: &[(&str, &str)],
    _extra_literals: &[String],
) -> Result<Rules, CompileError> {
    Ok(Rules {})
}

impl Rules {
    /// Number of rules.
    pub fn len(&self) -> usize {
        0
    }

    /// True when there are no rules.
    pub fn is_empty(&self) -> bool {
        true
    }

    /// Scans one buffer under the budget.
    pub fn scan(&self, _data: &[u8], _budget: &mut Budget<'_>) -> ScanResult {
        ScanResult::default()
    }
}
