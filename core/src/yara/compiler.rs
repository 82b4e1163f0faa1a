//! Turns parsed rules into [`Rules`]: one aho-corasick automaton over every string's atoms
//! (text strings contribute each variant whole) plus the extra literals, and a lazy DFA per hex
//! string or regex for confirmation.

use std::collections::HashMap;

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
    /// Forward DFA, used anchored at candidate starts.
    pub fwd: DFA,
    /// Reverse DFA (match kind All), used for a full pass when there is no atom.
    pub rev: Option<DFA>,
    /// The pattern as a simple sequence (byte sets and small gaps), confirmed without the DFA.
    pub simple: Option<Vec<pattern::Simple>>,
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
    /// Variant `variant` of text string `string` (the pattern is the whole variant).
    /// Variant `variant` of text string `string`; the atom starts `back` bytes into it.
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

fn widen(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().flat_map(|&b| [b, 0]).collect()
}

struct Builder {
    patterns: Vec<Vec<u8>>,
    index: HashMap<Vec<u8>, usize>,
    targets: Vec<Vec<Target>>,
}

impl Builder {
    fn add(&mut self, bytes: &[u8], t: Target) {
        let key = bytes.to_ascii_lowercase();
        let id = *self.index.entry(key.clone()).or_insert_with(|| {
            self.patterns.push(key);
            self.targets.push(Vec::new());
            self.patterns.len() - 1
        });
        self.targets[id].push(t);
    }
}

fn build_prog(node: &Node, need_rev: bool, at: usize) -> SrcResult<RegexProg> {
    let hir = node.to_hir();
    let nfa_cfg = thompson::Config::new()
        .utf8(false)
        .nfa_size_limit(Some(NFA_SIZE_LIMIT))
        .which_captures(thompson::WhichCaptures::None);
    let too_big =
        |e: &dyn std::fmt::Display| SrcError::new(at, format!("pattern too large or complex to compile: {e}"));
    let fwd_nfa = thompson::Compiler::new().configure(nfa_cfg.clone()).build_from_hir(&hir).map_err(|e| too_big(&e))?;
    let dfa_cfg =
        DFA::config().minimum_cache_clear_count(None).cache_capacity(DFA_CACHE).skip_cache_capacity_check(true);
    let fwd = DFA::builder().configure(dfa_cfg.clone()).build_from_nfa(fwd_nfa).map_err(|e| too_big(&e))?;
    let rev = if need_rev {
        let rev_nfa =
            thompson::Compiler::new().configure(nfa_cfg.reverse(true)).build_from_hir(&hir).map_err(|e| too_big(&e))?;
        Some(
            DFA::builder()
                .configure(dfa_cfg.match_kind(regex_automata::MatchKind::All))
                .build_from_nfa(rev_nfa)
                .map_err(|e| too_big(&e))?,
        )
    } else {
        None
    };
    Ok(RegexProg { fwd, rev, simple: pattern::simple_seq(node) })
}

/// Largest aho-corasick DFA kept (bytes); bigger automata use the contiguous NFA, which is
/// several times smaller and somewhat slower.
const AC_DFA_MEMORY_LIMIT: usize = 16 << 20;

/// Every atom is matched ASCII-case-insensitively; confirmation checks the real case. The
/// automaton is built case-sensitively over lowercased atoms and the scanner lowercases the
/// haystack chunk by chunk: the same matches as `ascii_case_insensitive(true)`, but the build is
/// several times faster (≈ 4× in wasm for 11,000 atoms) and the automaton smaller.
fn build_automaton(patterns: &[Vec<u8>]) -> Result<AhoCorasick, aho_corasick::BuildError> {
    let patterns: Vec<Vec<u8>> = patterns.iter().map(|p| p.to_ascii_lowercase()).collect();
    let patterns = &patterns;
    let builder = || {
        let mut b = AhoCorasick::builder();
        b.match_kind(MatchKind::Standard);
        b
    };
    if let Ok(dfa) = builder().kind(Some(AhoCorasickKind::DFA)).build(patterns)
        && dfa.memory_usage() <= AC_DFA_MEMORY_LIMIT
    {
        return Ok(dfa);
    }
    builder().kind(Some(AhoCorasickKind::ContiguousNFA)).build(patterns)
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
pub(crate) fn build(asts: Vec<(usize, RuleAst)>, extra_literals: &[String]) -> Result<Rules, (usize, SrcError)> {
    let mut b = Builder { patterns: Vec::new(), index: HashMap::new(), targets: Vec::new() };
    for (i, lit) in extra_literals.iter().enumerate() {
        if !lit.is_empty() {
            b.add(lit.as_bytes(), Target::Extra(i as u32));
        }
    }
    let mut strings = Vec::new();
    let mut fallback = Vec::new();
    let mut rules = Vec::new();
    for (file, ast) in asts {
        let mut ids = Vec::with_capacity(ast.strings.len());
        for s in &ast.strings {
            let sid = strings.len() as u32;
            ids.push(sid);
            match &s.value {
                StringValue::Text { bytes, nocase, wide, ascii, fullword } => {
                    let mut variants = Vec::new();
                    if *ascii {
                        variants.push(TextVariant { bytes: bytes.clone(), nocase: *nocase, wide: false });
                    }
                    if *wide {
                        variants.push(TextVariant { bytes: widen(bytes), nocase: *nocase, wide: true });
                    }
                    for (vi, v) in variants.iter().enumerate() {
                        let (w, len, _) = pattern::best_window(&v.bytes);
                        b.add(&v.bytes[w..w + len], Target::Text { string: sid, variant: vi as u32, back: w as u32 });
                    }
                    strings.push(CString::Text { variants, fullword: *fullword });
                }
                StringValue::Pattern(node) => {
                    let atoms = pattern::atoms(node);
                    let prog = build_prog(node, atoms.is_none(), s.at).map_err(|e| (file, e))?;
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
                        None => fallback.push(sid),
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
    let max_pattern_len = b.patterns.iter().map(Vec::len).max().unwrap_or(0);
    let ac = if b.patterns.is_empty() {
        None
    } else {
        Some(
            build_automaton(&b.patterns)
                .map_err(|e| (0, SrcError::new(0, format!("cannot build the literal automaton: {e}"))))?,
        )
    };
    Ok(Rules {
        rules,
        strings,
        ac,
        targets: b.targets,
        max_pattern_len,
        fallback,
        extra_count: extra_literals.len(),
        cache_pool: std::sync::Mutex::default(),
    })
}
