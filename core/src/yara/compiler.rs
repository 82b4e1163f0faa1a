//! Turns parsed rules into [`Rules`]: one aho-corasick automaton over every string's atoms
//! (text strings contribute each variant whole) plus the extra literals, and a lazy DFA per hex
//! string or regex for confirmation.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex_automata::hybrid::dfa::DFA;
use regex_automata::nfa::thompson;

use super::lexer::{SrcError, SrcResult};
use super::parser::{Expr, RuleAst, StringValue};
use super::pattern::{self, Node};
use super::{MetaValue, Rules};

/// Largest compiled NFA per regex or hex string (bytes).
const NFA_SIZE_LIMIT: usize = 1 << 20;
/// Lazy DFA cache per regex or hex string (bytes).
const DFA_CACHE: usize = 1 << 20;

/// One way a text string can appear in the data.
#[derive(Debug, Clone)]
pub(crate) struct TextVariant {
    /// Exact bytes (already widened for `wide`).
    pub bytes: Vec<u8>,
    /// Compare ASCII-case-insensitively.
    pub nocase: bool,
    /// UTF-16LE variant (affects the fullword check).
    pub wide: bool,
}

/// A compiled hex string or regex.
#[derive(Debug)]
pub(crate) struct RegexProg {
    /// The pattern's source, kept to build the DFA on first use (None once built eagerly).
    src: Option<pattern::PatSource>,
    /// Forward DFA, used anchored at candidate starts. Built at compile time for patterns that
    /// are not simple sequences (or are large: their size errors must be compile errors), else on
    /// first use (the snippet of a match): most hex strings never need one.
    /// Boxed: a DFA value holds its 256-byte class and start maps inline, too much to keep
    /// in every program whose DFA is never built.
    fwd: std::sync::OnceLock<Option<Box<DFA>>>,
    /// The pattern as a simple sequence (byte sets and small gaps), confirmed without the DFA.
    pub simple: Option<Vec<pattern::Simple>>,
    /// The bytes a match can start with (all of them unless the pattern is simple).
    pub first: pattern::ByteSet,
}

impl RegexProg {
    /// The forward DFA (None only if a lazily built one failed, which the compile-time size
    /// estimate rules out).
    pub(crate) fn fwd(&self) -> Option<&DFA> {
        self.fwd
            .get_or_init(|| {
                let node = self.src.as_ref()?.parse()?;
                build_fwd(&node, 0).ok().map(Box::new)
            })
            .as_deref()
    }
}

impl RegexProg {
    /// The DFA is still to be built.
    pub(crate) fn fwd_pending(&self) -> bool {
        self.fwd.get().is_none()
    }

    /// Builds the DFA now if confirming a candidate needs it (not a simple sequence) and it was
    /// left for later; true when it was built here.
    pub(crate) fn prepare(&self) -> bool {
        if self.simple.is_some() || self.fwd.get().is_some() {
            return false;
        }
        self.fwd().is_some()
    }
}

/// A compiled string.
#[derive(Debug)]
pub(crate) enum CString {
    Text { variants: Vec<TextVariant>, fullword: bool },
    Regex(Box<RegexProg>),
}

/// What an aho-corasick pattern hit means.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// Extra literal number `i`.
    Extra(u32),
    /// Variant `variant` of text string `string`; the pattern (the whole variant, or a window of
    /// a long one) starts `back` bytes into it.
    Text { string: u32, variant: u32, back: u32 },
    /// An atom of hex/regex string `string`: the match starts `back_min..=back_max` bytes
    /// before the atom.
    Atom {
        string: u32,
        back_min: u32,
        back_max: u32,
        /// Several starts may be tried twice (several atoms, or a range of starts).
        dedupe: bool,
    },
}

/// A compiled rule.
#[derive(Debug)]
pub(crate) struct CRule {
    pub name: String,
    pub private: bool,
    pub global: bool,
    pub tags: Vec<String>,
    pub meta: Vec<(String, MetaValue)>,
    /// Global string ids of this rule's strings, in declaration order.
    pub strings: Vec<u32>,
    /// Condition with string indices rewritten to global string ids.
    pub cond: Expr,
    /// How the condition depends on the matches found (decides what a partial scan reports).
    pub dep: Dep,
}

/// How a condition's value depends on the matches found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Dep {
    /// Not at all.
    Constant,
    /// Once true, more matches keep it true (`$a`, `#a > 2`, `any of`, `and`/`or` of those):
    /// safe to report from a partial scan.
    Monotone,
    /// May turn false with more matches (`not $a`, `#a == 1`, `none of`).
    Other,
}

fn int_dep(x: &super::parser::IntExpr) -> bool {
    matches!(x, super::parser::IntExpr::Count(_))
}

/// The dependency class of a condition; `rules` are the rules compiled so far.
pub(crate) fn dep(e: &Expr, rules: &[CRule]) -> Dep {
    use super::parser::{CmpOp, Quant};
    match e {
        Expr::Bool(_) => Dep::Constant,
        Expr::And(a, b) | Expr::Or(a, b) => dep(a, rules).max(dep(b, rules)),
        Expr::Not(a) => match dep(a, rules) {
            Dep::Constant => Dep::Constant,
            _ => Dep::Other,
        },
        Expr::Present(_) | Expr::At(..) | Expr::In(..) => Dep::Monotone,
        Expr::Of(Quant::None, _) => Dep::Other,
        Expr::Of(..) => Dep::Monotone,
        Expr::Rule(r) => rules.get(*r).map_or(Dep::Other, |r| r.dep),
        Expr::Cmp(a, op, b) => match (int_dep(a), int_dep(b)) {
            (false, false) => Dep::Constant,
            (true, false) if matches!(op, CmpOp::Gt | CmpOp::Ge) => Dep::Monotone,
            (false, true) if matches!(op, CmpOp::Lt | CmpOp::Le) => Dep::Monotone,
            _ => Dep::Other,
        },
    }
}

/// Longest automaton pattern taken from a text string. Up to this length the whole variant is
/// the pattern, so an automaton hit is a match up to case and `fullword` (no fan-out: a short
/// window shared by many strings would make every hit a confirmation of each of them).
pub(crate) const MAX_TEXT_PATTERN: usize = 32;

/// The part of a text variant used as its automaton pattern: `(offset, length)`.
fn text_window(bytes: &[u8]) -> (usize, usize) {
    if bytes.len() <= MAX_TEXT_PATTERN {
        return (0, bytes.len());
    }
    pattern::best_window_of(bytes, MAX_TEXT_PATTERN)
}

fn widen(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().flat_map(|&b| [b, 0]).collect()
}

/// The automaton's patterns as they are added: every pattern's lowercased bytes in one buffer
/// and `(offset, length, target)` per addition (no map and no allocation per pattern).
#[derive(Default)]
struct Builder {
    bytes: Vec<u8>,
    entries: Vec<(u32, u32, Target)>,
}

/// The automaton's distinct patterns (`(offset, length)` into the builder's bytes) and their
/// targets: pattern `i`'s targets are `targets[starts[i]..starts[i + 1]]`.
struct Grouped {
    patterns: Vec<(u32, u32)>,
    starts: Vec<u32>,
    targets: Vec<Target>,
}

impl Builder {
    fn add(&mut self, bytes: &[u8], t: Target) {
        let off = self.bytes.len() as u32;
        self.bytes.extend(bytes.iter().map(u8::to_ascii_lowercase));
        self.entries.push((off, bytes.len() as u32, t));
    }

    fn slice(&self, (off, len): (u32, u32)) -> &[u8] {
        &self.bytes[off as usize..(off + len) as usize]
    }

    /// Sorts the additions by pattern (stable: each pattern's targets stay in insertion order)
    /// and groups equal patterns (one allocation instead of one per pattern).
    #[inline(never)]
    fn grouped(&mut self) -> Grouped {
        let mut entries = std::mem::take(&mut self.entries);
        entries.sort_by(|a, b| self.slice((a.0, a.1)).cmp(self.slice((b.0, b.1))));
        let mut patterns: Vec<(u32, u32)> = Vec::new();
        let mut starts = Vec::new();
        let mut targets = Vec::with_capacity(entries.len());
        for (i, &(off, len, t)) in entries.iter().enumerate() {
            if patterns.last().is_none_or(|&p| self.slice(p) != self.slice((off, len))) {
                patterns.push((off, len));
                starts.push(i as u32);
            }
            targets.push(t);
        }
        starts.push(targets.len() as u32);
        starts.shrink_to_fit();
        Grouped { patterns, starts, targets }
    }
}

fn nfa_config() -> thompson::Config {
    thompson::Config::new()
        .utf8(false)
        .nfa_size_limit(Some(NFA_SIZE_LIMIT))
        .which_captures(thompson::WhichCaptures::None)
}

fn dfa_config() -> regex_automata::hybrid::dfa::Config {
    DFA::config().minimum_cache_clear_count(None).cache_capacity(DFA_CACHE).skip_cache_capacity_check(true)
}

fn too_big(at: usize, e: &dyn std::fmt::Display) -> SrcError {
    SrcError::new(at, format!("pattern too large or complex to compile: {e}"))
}

fn build_fwd(node: &Node, at: usize) -> SrcResult<DFA> {
    let hir = node.to_hir();
    let fwd_nfa =
        thompson::Compiler::new().configure(nfa_config()).build_from_hir(&hir).map_err(|e| too_big(at, &e))?;
    DFA::builder().configure(dfa_config()).build_from_nfa(fwd_nfa).map_err(|e| too_big(at, &e))
}

/// Simple patterns up to this estimated NFA size get their DFA lazily (far below the NFA size
/// limit, so building it later cannot fail).
const LAZY_NFA_ESTIMATE: usize = 64 << 10;

#[inline(never)]
fn build_prog(node: &Node, src: pattern::PatSource, at: usize, when: DfaBuild) -> SrcResult<RegexProg> {
    let simple = pattern::simple_seq(node);
    let lazy = match &simple {
        Some(seqs) => pattern::nfa_estimate(seqs) <= LAZY_NFA_ESTIMATE,
        // Other patterns need their DFA to confirm a candidate: a fast-start compile leaves it
        // to the first candidate or to `Rules::prepare_fast_scan` when it is surely within the
        // NFA size limit (so its size error could not have been a compile error).
        None => when == DfaBuild::Deferred && pattern::node_nfa_estimate(node) <= LAZY_NFA_ESTIMATE,
    };
    let fwd = std::sync::OnceLock::new();
    if !lazy {
        let _ = fwd.set(Some(Box::new(build_fwd(node, at)?)));
    }
    let first = simple.as_deref().map_or(pattern::ByteSet::ALL, pattern::first_bytes);
    Ok(RegexProg { src: lazy.then_some(src), fwd, simple, first })
}

/// A reverse lazy DFA (match kind All) per pattern without atoms: a pass over the data yields
/// every match start. (One multi-pattern reverse DFA would make one pass for all of them, but
/// regex-automata's overlapping reverse search does not report every pattern matching at the
/// same start — found by the differential test — so each keeps its own.)
fn build_rev(node: &Node, at: usize) -> SrcResult<DFA> {
    let nfa = thompson::Compiler::new()
        .configure(nfa_config().reverse(true))
        .build_from_hir(&node.to_hir())
        .map_err(|e| too_big(at, &e))?;
    DFA::builder()
        .configure(dfa_config().match_kind(regex_automata::MatchKind::All))
        .build_from_nfa(nfa)
        .map_err(|e| too_big(at, &e))
}

/// Largest aho-corasick DFA built (bytes). The DFA scans 2-2.5x faster than the contiguous NFA
/// when hits are rare (one table lookup per byte); it is tried only when [`dfa_estimate`] fits,
/// so sets whose DFA would be larger (tens of MiB) get the contiguous NFA directly, which is
/// several times smaller and faster to build, without a DFA built and thrown away.
const AC_DFA_MEMORY_LIMIT: usize = 20 << 20;

/// When the shared automaton's DFA is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DfaBuild {
    /// At compile time, whenever it fits [`AC_DFA_MEMORY_LIMIT`].
    Eager,
    /// Later, by [`super::Rules::prepare_fast_scan`]: the compile builds the contiguous NFA
    /// (several times cheaper to build: the DFA's transition table is most of a small pack's
    /// compile) and keeps the patterns when a DFA would fit.
    Deferred,
}

/// The automaton's distinct patterns, kept by a [`DfaBuild::Deferred`] compile whose DFA would fit
/// the budget: `(offset, length)` of each pattern (in pattern-id order) in `bytes`.
#[derive(Debug, Default)]
pub(crate) struct PendingDfa {
    bytes: Vec<u8>,
    patterns: Vec<(u32, u32)>,
}

impl PendingDfa {
    fn new(patterns: &[&[u8]]) -> Self {
        let mut bytes = Vec::with_capacity(patterns.iter().map(|p| p.len()).sum());
        let mut spans = Vec::with_capacity(patterns.len());
        for p in patterns {
            spans.push((bytes.len() as u32, p.len() as u32));
            bytes.extend_from_slice(p);
        }
        Self { bytes, patterns: spans }
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.patterns.capacity() * 8
    }

    /// The DFA over the kept patterns (same pattern ids, same match semantics as the NFA built
    /// from them), or `None` when it fails or is over the budget (the NFA stays).
    pub(crate) fn build(&self) -> Option<AhoCorasick> {
        let slices: Vec<&[u8]> =
            self.patterns.iter().map(|&(o, l)| &self.bytes[o as usize..(o + l) as usize]).collect();
        build_dfa(&slices)
    }
}

fn ac_builder() -> aho_corasick::AhoCorasickBuilder {
    let mut b = AhoCorasick::builder();
    b.match_kind(MatchKind::Standard);
    b
}

/// The DFA, when it builds within [`AC_DFA_MEMORY_LIMIT`] (the caller checked the estimate).
fn build_dfa(patterns: &[&[u8]]) -> Option<AhoCorasick> {
    ac_builder()
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .ok()
        .filter(|dfa| dfa.memory_usage() <= AC_DFA_MEMORY_LIMIT)
}

/// Every pattern is matched ASCII-case-insensitively; confirmation checks the real case. The
/// automaton is built case-sensitively over the lowercased patterns (see [`Builder::add`]) and the
/// scanner lowercases the haystack chunk by chunk: the same matches as
/// `ascii_case_insensitive(true)`, but the build is several times faster (≈ 4× in wasm for 11,000
/// atoms) and the automaton smaller.
///
/// With [`DfaBuild::Deferred`] the contiguous NFA is returned with the patterns kept for the DFA
/// whenever the DFA would have been tried; [`PendingDfa::build`] then gives the automaton an
/// eager build gives (DFA when it builds within the budget, else this same NFA).
#[inline(never)]
fn build_automaton(
    patterns: &[&[u8]],
    when: DfaBuild,
) -> Result<(AhoCorasick, Option<PendingDfa>), aho_corasick::BuildError> {
    let fits = dfa_estimate(patterns) <= AC_DFA_MEMORY_LIMIT;
    if fits && when == DfaBuild::Eager {
        if let Some(dfa) = build_dfa(patterns) {
            return Ok((dfa, None));
        }
    }
    let nfa = ac_builder().kind(Some(AhoCorasickKind::ContiguousNFA)).build(patterns)?;
    let pending = (fits && when == DfaBuild::Deferred).then(|| PendingDfa::new(patterns));
    Ok((nfa, pending))
}

/// Estimated transition table size of an aho-corasick DFA over `patterns` (bytes): one state per
/// distinct pattern prefix (the trie), times the row stride (the byte classes as aho-corasick
/// computes them, rounded up to a power of two), times 4 bytes per transition. Within a few
/// percent below the DFA's `memory_usage` (which adds match and failure data).
fn dfa_estimate(patterns: &[&[u8]]) -> usize {
    let mut sorted: Vec<&[u8]> = patterns.to_vec();
    sorted.sort_unstable();
    let mut states = 1;
    let mut prev: &[u8] = &[];
    for p in sorted {
        let common = prev.iter().zip(p).take_while(|(a, b)| a == b).count();
        states += p.len() - common;
        prev = p;
    }
    // As aho-corasick's byte classes: a class boundary on each side of every pattern byte.
    let mut boundary = [false; 256];
    for p in patterns {
        for &b in *p {
            boundary[b as usize] = true;
            if b > 0 {
                boundary[b as usize - 1] = true;
            }
        }
    }
    let classes = boundary[..255].iter().filter(|&&s| s).count() + 1;
    states.saturating_mul(classes.next_power_of_two()).saturating_mul(4)
}

fn remap(e: &Expr, ids: &[u32]) -> Expr {
    use super::parser::IntExpr;
    let m = |i: usize| ids[i] as usize;
    let mi = |x: &IntExpr| match x {
        IntExpr::Count(i) => IntExpr::Count(m(*i)),
        other => other.clone(),
    };
    match e {
        Expr::Bool(b) => Expr::Bool(*b),
        Expr::And(a, b) => Expr::And(Box::new(remap(a, ids)), Box::new(remap(b, ids))),
        Expr::Or(a, b) => Expr::Or(Box::new(remap(a, ids)), Box::new(remap(b, ids))),
        Expr::Not(a) => Expr::Not(Box::new(remap(a, ids))),
        Expr::Present(i) => Expr::Present(m(*i)),
        Expr::At(i, n) => Expr::At(m(*i), mi(n)),
        Expr::In(i, a, b) => Expr::In(m(*i), mi(a), mi(b)),
        Expr::Of(q, set) => Expr::Of(*q, set.iter().map(|&i| m(i)).collect()),
        Expr::Rule(r) => Expr::Rule(*r),
        Expr::Cmp(a, op, b) => Expr::Cmp(mi(a), *op, mi(b)),
    }
}

/// Builds the rules. `asts` pairs every rule with the byte offset of its source used for errors
/// (pattern compile errors are reported at the rule's file, see [`super::compile`]).
#[inline(never)]
pub(crate) fn build(
    asts: Vec<(usize, RuleAst)>,
    extra_literals: &[String],
    when: DfaBuild,
) -> Result<Rules, (usize, SrcError)> {
    let mut b = Builder::default();
    for (i, lit) in extra_literals.iter().enumerate() {
        if !lit.is_empty() {
            b.add(lit.as_bytes(), Target::Extra(i as u32));
        }
    }
    let mut strings = Vec::new();
    let mut fallback = Vec::new();
    let mut fallback_rev = Vec::new();
    let mut rules = Vec::new();
    for (file, ast) in asts {
        let mut ids = Vec::with_capacity(ast.strings.len());
        for s in ast.strings {
            let sid = strings.len() as u32;
            ids.push(sid);
            match s.value {
                StringValue::Text { bytes, nocase, wide, ascii, fullword } => {
                    let mut variants = Vec::with_capacity(usize::from(ascii) + usize::from(wide));
                    if wide {
                        variants.push(TextVariant { bytes: widen(&bytes), nocase, wide: true });
                    }
                    if ascii {
                        variants.insert(0, TextVariant { bytes, nocase, wide: false });
                    }
                    for (vi, v) in variants.iter().enumerate() {
                        let (w, len) = text_window(&v.bytes);
                        b.add(&v.bytes[w..w + len], Target::Text { string: sid, variant: vi as u32, back: w as u32 });
                    }
                    strings.push(CString::Text { variants, fullword });
                }
                StringValue::Pattern(node, src) => {
                    let atoms = pattern::atoms(&node);
                    let prog = build_prog(&node, src, s.at, when).map_err(|e| (file, e))?;
                    match atoms {
                        Some(atoms) => {
                            let several = atoms.len() > 1;
                            for a in atoms {
                                b.add(
                                    &a.bytes,
                                    Target::Atom {
                                        string: sid,
                                        back_min: a.back_min,
                                        back_max: a.back_max,
                                        dedupe: several || a.back_min != a.back_max,
                                    },
                                );
                            }
                        }
                        None => {
                            fallback.push(sid);
                            fallback_rev.push(build_rev(&node, s.at).map_err(|e| (file, e))?);
                        }
                    }
                    strings.push(CString::Regex(Box::new(prog)));
                }
            }
        }
        let cond = remap(&ast.cond, &ids);
        let dep = dep(&cond, &rules);
        rules.push(CRule {
            dep,
            name: ast.name,
            private: ast.private,
            global: ast.global,
            tags: ast.tags,
            meta: ast.meta,
            strings: ids,
            cond,
        });
    }
    let Grouped { patterns, starts: target_starts, targets } = b.grouped();
    let max_pattern_len = patterns.iter().map(|p| p.1 as usize).max().unwrap_or(0);
    let (ac, pending_dfa) = if patterns.is_empty() {
        (None, None)
    } else {
        let slices: Vec<&[u8]> = patterns.iter().map(|&p| b.slice(p)).collect();
        let (ac, pending) = build_automaton(&slices, when)
            .map_err(|e| (0, SrcError::new(0, format!("cannot build the literal automaton: {e}"))))?;
        (Some(ac), pending.map(Box::new))
    };
    Ok(Rules {
        rules,
        strings,
        ac,
        pending_dfa,
        target_starts,
        targets,
        max_pattern_len,
        fallback,
        fallback_rev,
        extra_count: extra_literals.len(),
        cache_pool: std::sync::Mutex::default(),
    })
}

/// Approximate heap bytes of the compiled strings: `(text strings, hex/regex programs)`.
pub(crate) fn strings_memory(strings: &[CString]) -> (usize, usize) {
    let mut text = size_of_val(strings);
    let mut progs = 0;
    for s in strings {
        match s {
            CString::Text { variants, .. } => {
                text += variants.capacity() * size_of::<TextVariant>()
                    + variants.iter().map(|v| v.bytes.capacity()).sum::<usize>();
            }
            CString::Regex(p) => {
                progs += size_of::<RegexProg>() + p.src.as_ref().map_or(0, pattern::PatSource::heap_bytes);
                if let Some(Some(d)) = p.fwd.get() {
                    progs += size_of::<DFA>() + d.memory_usage() + d.get_nfa().memory_usage();
                }
                progs += p.simple.as_ref().map_or(0, |v| v.iter().map(pattern::Simple::heap_bytes).sum());
            }
        }
    }
    (text, progs)
}

/// Approximate heap bytes of the rules (names, tags, meta, string ids, conditions).
pub(crate) fn rules_memory(rules: &[CRule]) -> usize {
    size_of_val(rules)
        + rules
            .iter()
            .map(|r| {
                r.name.capacity()
                    + r.tags.iter().map(|t| t.capacity() + size_of::<String>()).sum::<usize>()
                    + r.meta
                        .iter()
                        .map(|(k, v)| {
                            size_of::<(String, MetaValue)>()
                                + k.capacity()
                                + if let MetaValue::Str(s) = v { s.capacity() } else { 0 }
                        })
                        .sum::<usize>()
                    + r.strings.capacity() * 4
                    + expr_heap_bytes(&r.cond)
            })
            .sum::<usize>()
}

fn expr_heap_bytes(e: &Expr) -> usize {
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => 2 * size_of::<Expr>() + expr_heap_bytes(a) + expr_heap_bytes(b),
        Expr::Not(a) => size_of::<Expr>() + expr_heap_bytes(a),
        Expr::Of(_, v) => v.capacity() * size_of::<usize>(),
        _ => 0,
    }
}

#[cfg(test)]
mod estimate_tests {
    use super::*;

    #[test]
    fn dfa_estimate_is_close_to_the_built_dfa() {
        let words = ["password", "passwd", "login", "verify your account", "wallet", "seed phrase"];
        let mut owned: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        owned.extend((0u8..200).map(|i| vec![i, i.wrapping_mul(7), 0, i ^ 0x55]));
        let patterns: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        let dfa = AhoCorasick::builder().kind(Some(AhoCorasickKind::DFA)).build(&patterns).unwrap();
        let (est, real) = (dfa_estimate(&patterns), dfa.memory_usage());
        assert!(est <= real && est * 10 >= real * 8, "estimate {est}, DFA {real}");
    }

    /// The real Thompson NFA's memory (the quantity its size limit bounds) of a pattern.
    fn nfa_bytes(node: &Node) -> Option<usize> {
        thompson::Compiler::new()
            .configure(nfa_config().nfa_size_limit(None))
            .build_from_hir(&node.to_hir())
            .ok()
            .map(|n| n.memory_usage())
    }

    fn assert_bound(what: &str, node: &Node) {
        let est = pattern::node_nfa_estimate(node);
        if let Some(real) = nfa_bytes(node) {
            assert!(real <= est, "{what}: NFA {real} bytes, estimate {est}");
        }
    }

    /// A pattern left for later must build within the NFA size limit: the estimate is an upper
    /// bound of the real NFA (checked on every pattern of the default pack and on generated ones),
    /// and the lazy threshold is 16× under the limit.
    #[test]
    fn node_estimate_bounds_the_real_nfa() {
        const { assert!(LAZY_NFA_ESTIMATE * 16 <= NFA_SIZE_LIMIT) };
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../packs/default/rules");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let mut names = std::collections::HashMap::new();
            let rules = super::super::parser::Parser::new(&text, &mut names, 0).parse_file().unwrap();
            for r in rules {
                for s in r.strings {
                    if let StringValue::Pattern(node, _) = s.value {
                        assert_bound(&r.name, &node);
                        seen += 1;
                    }
                }
            }
        }
        assert!(seen >= 30, "{seen} patterns");
        for src in [
            "(a|bc|def){2,9}x",
            "((ab)?c{0,3}|[a-z]{1,40})+\\d",
            "[^a]{0,200}(x|y)*",
            "(a(b(c|d){1,3}){2,4}){3}",
            "\\bword\\b.{0,30}(é|e)",
            "(a?){50}b",
            "[\\x00-\\xff]{0,1000}",
        ] {
            let node = pattern::parse_regex(src.as_bytes(), 0, src.len(), pattern::ReFlags::default()).unwrap();
            assert_bound(src, &node);
            let nocase = pattern::ReFlags { nocase: true, ..Default::default() };
            assert_bound(src, &pattern::parse_regex(src.as_bytes(), 0, src.len(), nocase).unwrap());
        }
        for hex in ["41 ?? [1-8] ( 42 | 43 44 ) 4? [2-30] ?5", "( 61 | 62 | 63 ) [0-300] 64"] {
            assert_bound(hex, &pattern::parse_hex(hex.as_bytes(), 0, hex.len()).unwrap());
        }
    }

    proptest::proptest! {
        #[test]
        fn node_estimate_bounds_generated_regexes(parts in proptest::collection::vec(proptest::sample::select(vec![
            "a", "bc", "[a-f]", "[^x]", ".", "(a|bc)", "(x|yz|[0-9])", "?", "*", "+", "{2,5}", "{0,12}", "{3}", "\\d", "\\s", "\\b", "(", ")", "|",
        ]), 1..14)) {
            let src = parts.concat();
            for flags in [pattern::ReFlags::default(), pattern::ReFlags { nocase: true, dot_all: true }] {
                if let Ok(node) = pattern::parse_regex(src.as_bytes(), 0, src.len(), flags) {
                    let est = pattern::node_nfa_estimate(&node);
                    if let Some(real) = nfa_bytes(&node) {
                        proptest::prop_assert!(real <= est, "{}: NFA {} bytes, estimate {}", src, real, est);
                    }
                }
            }
        }
    }
}
