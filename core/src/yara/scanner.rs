//! Scanning: one overlapping aho-corasick pass over the data in 64 KiB chunks (checking the
//! clock between chunks), candidate confirmation, a chunked reverse-DFA pass for the few
//! patterns without atoms, then condition evaluation.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use aho_corasick::automaton::OverlappingState as AcState;
use regex_automata::hybrid::dfa::{Cache, OverlappingState};
use regex_automata::{Anchored, Input};

use super::compiler::{CRule, CString, Dep, Target};
use super::parser::{CmpOp, Expr, IntExpr, Quant};
use super::{RuleMatch, Rules, ScanResult};
use crate::budget::Budget;

/// Bytes scanned between two clock checks.
const CHUNK: usize = 64 * 1024;
/// Matches recorded per string at most (YARA caps too; `#a` saturates here).
pub const MAX_MATCHES_PER_STRING: usize = 1_000_000;
/// Longest hex/regex match looked for, from its start (YARA's regex scan limit is the same).
pub const REGEX_SCAN_LIMIT: usize = 4096;
/// Confirmations between two clock checks.
const CONFIRMS_PER_CHECK: u32 = 256;
/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 80;

struct Scan<'a, 'b, 'c> {
    rules: &'a Rules,
    data: &'a [u8],
    budget: &'b mut Budget<'c>,
    offsets: Vec<Vec<usize>>,
    caches: Vec<Option<Box<Cache>>>,
    tried: HashSet<(u32, usize), BuildHasherDefault<FxHasher>>,
    extra: Vec<bool>,
    confirms: u32,
    partial: bool,
}

/// A small multiplicative hasher for the (string, offset) pairs already tried: SipHash would
/// dominate the cost of confirming candidates. Keys are not attacker-chosen in a way that
/// matters: a collision only costs time, and the scan is under a time budget.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

fn alnum(b: Option<&u8>) -> bool {
    b.is_some_and(u8::is_ascii_alphanumeric)
}

impl Scan<'_, '_, '_> {
    fn time_ok(&mut self) -> bool {
        if self.partial || !self.budget.check_time() {
            self.partial = true;
            return false;
        }
        true
    }

    fn record(&mut self, sid: u32, start: usize) {
        let v = &mut self.offsets[sid as usize];
        if v.len() < MAX_MATCHES_PER_STRING * 2 {
            v.push(start);
        }
    }

    /// A text-string candidate: `[s, e)` equals the variant ASCII-case-insensitively.
    /// A text-string candidate: the variant's atom, `back` bytes into it, starts at `p`.
    fn text_hit(&mut self, sid: u32, vi: u32, back: u32, p: usize) {
        let CString::Text { variants, fullword } = &self.rules.strings[sid as usize] else {
            return;
        };
        let Some(v) = variants.get(vi as usize) else {
            return;
        };
        let Some(s) = p.checked_sub(back as usize) else {
            return;
        };
        let e = s + v.bytes.len();
        let Some(found) = self.data.get(s..e) else {
            return;
        };
        let equal = if v.nocase { found.eq_ignore_ascii_case(&v.bytes) } else { found == v.bytes.as_slice() };
        if !equal {
            return;
        }
        if *fullword {
            let d = self.data;
            let len = e - s;
            if v.wide {
                if s >= 2 && d[s - 1] == 0 && alnum(d.get(s - 2)) {
                    return;
                }
                if s + len + 1 < d.len() && d[s + len + 1] == 0 && alnum(d.get(s + len)) {
                    return;
                }
            } else {
                if s >= 1 && alnum(d.get(s - 1)) {
                    return;
                }
                if alnum(d.get(s + len)) {
                    return;
                }
            }
        }
        self.record(sid, s);
    }

    /// True when hex/regex string `sid` matches starting at `s` (within the scan limit).
    fn confirm(&mut self, sid: u32, s: usize) -> bool {
        let CString::Regex(prog) = &self.rules.strings[sid as usize] else {
            return false;
        };
        self.confirms += 1;
        if self.confirms >= CONFIRMS_PER_CHECK {
            self.confirms = 0;
            if !self.time_ok() {
                return false;
            }
        }
        if self.data.get(s).is_some_and(|&b| !prog.first.contains(b)) {
            return false;
        }
        let end = self.data.len().min(s.saturating_add(REGEX_SCAN_LIMIT));
        if let Some(seq) = &prog.simple {
            return seq.iter().any(|q| q.matches(self.data, s, end));
        }
        let Some(fwd) = prog.fwd() else {
            return false;
        };
        let cache = self.caches[sid as usize].get_or_insert_with(|| Box::new(fwd.create_cache()));
        let input = Input::new(self.data).range(s..end).anchored(Anchored::Yes).earliest(true);
        match fwd.try_search_fwd(cache, &input) {
            Ok(m) => m.is_some(),
            Err(_) => {
                self.partial = true;
                false
            }
        }
    }

    fn atom_hit(&mut self, sid: u32, back_min: u32, back_max: u32, dedupe: bool, p: usize) {
        let (bmin, bmax) = (back_min as usize, back_max as usize);
        if p < bmin {
            return;
        }
        let lo = p.saturating_sub(bmax);
        let hi = p - bmin;
        let rules = self.rules;
        let first = match &rules.strings[sid as usize] {
            CString::Regex(prog) => &prog.first,
            CString::Text { .. } => return,
        };
        for s in lo..=hi {
            if self.partial {
                return;
            }
            // Cheap filter before the dedupe set and the confirmation.
            if self.data.get(s).is_some_and(|&b| !first.contains(b)) {
                continue;
            }
            if (!dedupe || self.tried.insert((sid, s))) && self.confirm(sid, s) {
                self.record(sid, s);
            }
        }
    }

    fn ac_pass(&mut self) {
        let Some(ac) = &self.rules.ac else {
            return;
        };
        let overlap = self.rules.max_pattern_len.saturating_sub(1);
        let n = self.data.len();
        let mut chunk = 0;
        // The automaton holds lowercased atoms (see `compiler::build_automaton`): each chunk is
        // lowercased into this buffer; offsets are the same as in the data.
        let mut lower = Vec::with_capacity(CHUNK + overlap);
        while chunk < n {
            if !self.time_ok() {
                return;
            }
            let hi = n.min(chunk + CHUNK);
            let lo = chunk.saturating_sub(overlap);
            lower.clear();
            lower.extend(self.data[lo..hi].iter().map(u8::to_ascii_lowercase));
            let input = aho_corasick::Input::new(&lower);
            let mut state = AcState::start();
            loop {
                ac.find_overlapping(input.clone(), &mut state);
                let Some(m) = state.get_match() else { break };
                let (start, end) = (lo + m.start(), lo + m.end());
                if end <= chunk {
                    continue; // reported with the previous chunk
                }
                let pid = m.pattern().as_usize();
                let (lo_t, hi_t) = (self.rules.target_starts[pid] as usize, self.rules.target_starts[pid + 1] as usize);
                for t in &self.rules.targets[lo_t..hi_t] {
                    match *t {
                        Target::Extra(i) => {
                            if let Some(x) = self.extra.get_mut(i as usize) {
                                *x = true;
                            }
                        }
                        Target::Text { string, variant, back } => {
                            self.text_hit(string, variant, back, start);
                        }
                        Target::Atom { string, back_min, back_max, dedupe } => {
                            self.atom_hit(string, back_min, back_max, dedupe, start)
                        }
                    }
                }
                if self.partial {
                    return;
                }
            }
            chunk = hi;
        }
    }

    /// Patterns without atoms: each one's reverse DFA finds every start position in one pass
    /// (chunked, so the clock is checked); each start is confirmed forward.
    fn fallback_pass(&mut self) {
        let n = self.data.len();
        let rules = self.rules;
        let mut starts: Vec<usize> = Vec::new();
        for (&sid, rev) in rules.fallback.iter().zip(&rules.fallback_rev) {
            let mut cache = rev.create_cache();
            let mut chunk = 0;
            // An empty buffer still gets one pass.
            loop {
                if !self.time_ok() {
                    return;
                }
                let hi = n.min(chunk + CHUNK);
                let span_end = n.min(hi.saturating_add(REGEX_SCAN_LIMIT));
                let input = Input::new(self.data).range(chunk..span_end);
                let mut state = OverlappingState::start();
                starts.clear();
                loop {
                    if rev.try_search_overlapping_rev(&mut cache, &input, &mut state).is_err() {
                        self.partial = true;
                        return;
                    }
                    match state.get_match() {
                        None => break,
                        Some(hm) => {
                            let s = hm.offset();
                            if s >= chunk && (s < hi || (hi == n && s == n)) {
                                starts.push(s);
                            }
                        }
                    }
                }
                starts.sort_unstable();
                starts.dedup();
                for &s in &starts {
                    if s < n && self.confirm(sid, s) {
                        self.record(sid, s);
                    }
                    if self.partial {
                        return;
                    }
                }
                if hi >= n {
                    break;
                }
                chunk = hi;
            }
        }
    }
}

fn int_value(x: &IntExpr, offsets: &[Vec<usize>], filesize: i64) -> i64 {
    match x {
        IntExpr::Lit(n) => *n,
        IntExpr::Filesize => filesize,
        IntExpr::Count(s) => offsets[*s].len() as i64,
    }
}

fn eval(e: &Expr, offsets: &[Vec<usize>], results: &[bool], filesize: i64) -> bool {
    let iv = |x: &IntExpr| int_value(x, offsets, filesize);
    match e {
        Expr::Bool(b) => *b,
        Expr::And(a, b) => eval(a, offsets, results, filesize) && eval(b, offsets, results, filesize),
        Expr::Or(a, b) => eval(a, offsets, results, filesize) || eval(b, offsets, results, filesize),
        Expr::Not(a) => !eval(a, offsets, results, filesize),
        Expr::Present(s) => !offsets[*s].is_empty(),
        Expr::At(s, n) => {
            let n = iv(n);
            n >= 0 && offsets[*s].binary_search(&(n as usize)).is_ok()
        }
        Expr::In(s, a, b) => {
            let (a, b) = (iv(a), iv(b));
            if b < 0 || a > b {
                return false;
            }
            let v = &offsets[*s];
            let i = v.partition_point(|&o| (o as i64) < a.max(0));
            i < v.len() && (v[i] as i64) <= b
        }
        Expr::Of(q, set) => {
            let count = set.iter().filter(|&&s| !offsets[s].is_empty()).count();
            match q {
                Quant::Any => count >= 1,
                Quant::All => count == set.len(),
                Quant::None => count == 0,
                Quant::AtLeast(n) => count as i64 >= *n,
            }
        }
        Expr::Rule(r) => results.get(*r).copied().unwrap_or(false),
        Expr::Cmp(a, op, b) => {
            let (a, b) = (iv(a), iv(b));
            match op {
                CmpOp::Eq => a == b,
                CmpOp::Ne => a != b,
                CmpOp::Lt => a < b,
                CmpOp::Le => a <= b,
                CmpOp::Gt => a > b,
                CmpOp::Ge => a >= b,
            }
        }
    }
}

/// Escapes bytes for plain-text evidence: printable ASCII as is, everything else `\xHH`.
pub(crate) fn escape_snippet(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        let piece = match b {
            b'\\' => "\\\\".to_string(),
            0x20..=0x7e => (b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        };
        if out.len() + piece.len() > SNIPPET_CHARS {
            break;
        }
        out.push_str(&piece);
    }
    out
}

impl Rules {
    fn match_len(&self, sid: usize, data: &[u8], s: usize) -> usize {
        match &self.strings[sid] {
            CString::Text { variants, .. } => variants
                .iter()
                .find(|v| {
                    data.get(s..s + v.bytes.len()).is_some_and(|d| {
                        if v.nocase { d.eq_ignore_ascii_case(&v.bytes) } else { d == v.bytes.as_slice() }
                    })
                })
                .map_or(0, |v| v.bytes.len()),
            CString::Regex(prog) => {
                let Some(fwd) = prog.fwd() else {
                    return 0;
                };
                let mut cache = fwd.create_cache();
                let end = data.len().min(s.saturating_add(REGEX_SCAN_LIMIT));
                let input = Input::new(data).range(s..end).anchored(Anchored::Yes);
                match fwd.try_search_fwd(&mut cache, &input) {
                    Ok(Some(m)) => m.offset() - s,
                    _ => 0,
                }
            }
        }
    }

    pub(crate) fn scan_impl(&self, data: &[u8], budget: &mut Budget<'_>) -> ScanResult {
        let mut st = Scan {
            rules: self,
            data,
            budget,
            offsets: vec![Vec::new(); self.strings.len()],
            caches: {
                let mut pooled = self.cache_pool.try_lock().map(|mut g| std::mem::take(&mut *g)).unwrap_or_default();
                pooled.resize_with(self.strings.len(), || None);
                pooled
            },
            tried: HashSet::default(),
            extra: vec![false; self.extra_count],
            confirms: 0,
            partial: false,
        };
        st.ac_pass();
        if !st.partial {
            st.fallback_pass();
        }
        let partial = st.partial;
        if let Ok(mut pool) = self.cache_pool.try_lock() {
            *pool = std::mem::take(&mut st.caches);
        }
        let mut offsets = st.offsets;
        for v in &mut offsets {
            v.sort_unstable();
            v.dedup();
            v.truncate(MAX_MATCHES_PER_STRING);
        }
        let literal_hits = st.extra.iter().enumerate().filter(|(_, h)| **h).map(|(i, _)| i as u32).collect();
        let filesize = i64::try_from(data.len()).unwrap_or(i64::MAX);
        let mut results = Vec::with_capacity(self.rules.len());
        for r in &self.rules {
            let ok = eval(&r.cond, &offsets, &results, filesize);
            results.push(ok);
        }
        // A partial scan reports only what more data could not undo: rules whose condition is
        // monotone in the matches (no `not $a`, `#a == n`, `none of` ...), and nothing at all
        // when a global rule is not.
        let settled = |r: &CRule| !partial || r.dep != Dep::Other;
        let global_failed = self.rules.iter().zip(&results).any(|(r, ok)| r.global && (!ok || !settled(r)));
        let mut matches = Vec::new();
        if !global_failed {
            for (r, _) in self.rules.iter().zip(&results).filter(|(r, ok)| **ok && !r.private && settled(r)) {
                let snippet = r
                    .strings
                    .iter()
                    .find_map(|&sid| {
                        let s = *offsets[sid as usize].first()?;
                        let len = self.match_len(sid as usize, data, s).clamp(1, SNIPPET_CHARS);
                        Some(escape_snippet(&data[s..data.len().min(s + len)]))
                    })
                    .unwrap_or_default();
                matches.push(RuleMatch { rule: r.name.clone(), tags: r.tags.clone(), meta: r.meta.clone(), snippet });
            }
        }
        ScanResult { matches, literal_hits, partial }
    }
}
