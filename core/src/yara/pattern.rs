//! Hex strings and regular expressions, parsed into one small byte-level AST ([`Node`]), which is
//! then turned into a `regex-syntax` [`Hir`] (compiled by regex-automata, a finite-automaton
//! engine) and mined for literal atoms for the shared aho-corasick automaton.
//!
//! Case-insensitivity and `.`'s newline rule are applied while parsing, so the AST is plain
//! byte sets and the result never depends on regex-syntax's own flag handling (`nocase` is
//! ASCII-only, and applies to a class before its negation, as in libyara).

use regex_syntax::hir::{self, Hir};

use super::lexer::{SrcError, SrcResult};

/// Largest repetition bound or jump length accepted.
pub(crate) const MAX_REPEAT: u32 = 1024;

/// Deepest group nesting accepted.
const MAX_NEST: usize = 64;

/// A set of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ByteSet([u64; 4]);

impl ByteSet {
    pub(crate) const EMPTY: ByteSet = ByteSet([0; 4]);
    pub(crate) const ALL: ByteSet = ByteSet([u64::MAX; 4]);

    pub(crate) fn single(b: u8) -> Self {
        let mut s = Self::EMPTY;
        s.insert(b);
        s
    }

    pub(crate) fn insert(&mut self, b: u8) {
        self.0[(b >> 6) as usize] |= 1 << (b & 63);
    }

    pub(crate) fn contains(&self, b: u8) -> bool {
        self.0[(b >> 6) as usize] & (1 << (b & 63)) != 0
    }

    fn insert_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.insert(b);
        }
    }

    fn union(&mut self, o: &ByteSet) {
        for i in 0..4 {
            self.0[i] |= o.0[i];
        }
    }

    fn negate(&self) -> Self {
        ByteSet([!self.0[0], !self.0[1], !self.0[2], !self.0[3]])
    }

    fn count(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    /// The smallest byte in the set.
    fn first(&self) -> Option<u8> {
        self.0.iter().enumerate().find(|(_, w)| **w != 0).map(|(i, w)| (i * 64) as u8 + w.trailing_zeros() as u8)
    }

    /// Number of runs of consecutive bytes (the byte ranges of the class).
    fn ranges(&self) -> usize {
        let mut carry = 0;
        let mut n = 0;
        for &w in &self.0 {
            // A range starts at each set bit whose lower neighbour is not set.
            n += (w & !((w << 1) | carry)).count_ones() as usize;
            carry = w >> 63;
        }
        n
    }

    /// Adds the other ASCII case of every letter in the set.
    fn case_closure(&self) -> Self {
        // Bits 1..=26 of the second word are `A..=Z` (65..=90), bits 33..=58 `a..=z` (97..=122).
        const LETTERS: u64 = 0x07ff_fffe;
        let mut out = *self;
        let w = self.0[1];
        out.0[1] |= ((w >> 32) & LETTERS) | ((w & LETTERS) << 32);
        out
    }

    /// The single byte this set stands for in a case-insensitive atom: a single byte, or an
    /// ASCII letter in both cases.
    fn atom_byte(&self) -> Option<u8> {
        match self.count() {
            1 => self.first(),
            2 => {
                let lo = self.first()?;
                (lo.is_ascii_uppercase() && self.contains(lo | 0x20)).then_some(lo | 0x20)
            }
            _ => None,
        }
    }

    /// The bytes this set stands for in a case-insensitive atom (letters lowercased), when
    /// there are at most [`MAX_CLASS_EXPAND`] of them.
    fn atom_bytes(&self) -> Option<Vec<u8>> {
        const LETTERS: u64 = 0x07ff_fffe;
        let mut folded = *self;
        folded.0[1] = (self.0[1] & !LETTERS) | ((self.0[1] & LETTERS) << 32);
        if folded.count() > MAX_CLASS_EXPAND {
            return None;
        }
        let mut out = Vec::with_capacity(folded.count() as usize);
        for (i, &w) in folded.0.iter().enumerate() {
            let mut w = w;
            while w != 0 {
                out.push((i * 64) as u8 + w.trailing_zeros() as u8);
                w &= w - 1;
            }
        }
        Some(out)
    }

    fn to_hir(self) -> Hir {
        let mut ranges = Vec::new();
        let mut b = 0u16;
        while b < 256 {
            if self.contains(b as u8) {
                let lo = b as u8;
                while b < 256 && self.contains(b as u8) {
                    b += 1;
                }
                ranges.push(hir::ClassBytesRange::new(lo, (b - 1) as u8));
            } else {
                b += 1;
            }
        }
        Hir::class(hir::Class::Bytes(hir::ClassBytes::new(ranges)))
    }
}

/// Zero-width assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Assert {
    /// `^`: start of the data.
    Start,
    /// `$`: end of the data.
    End,
    /// `\b` (ASCII word characters).
    Word,
    /// `\B`.
    NotWord,
}

/// A byte-level pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// One byte from the set.
    Class(ByteSet),
    /// A sequence.
    Concat(Vec<Node>),
    /// Alternatives.
    Alt(Vec<Node>),
    /// A repetition.
    Repeat {
        /// What repeats.
        node: Box<Node>,
        /// Least count.
        min: u32,
        /// Greatest count (None: unbounded).
        max: Option<u32>,
        /// Greedy or lazy (irrelevant to which offsets match, kept for fidelity).
        greedy: bool,
    },
    /// A zero-width assertion.
    Assert(Assert),
}

impl Node {
    /// The regex-syntax form.
    pub(crate) fn to_hir(&self) -> Hir {
        match self {
            Node::Class(s) => s.to_hir(),
            Node::Concat(v) => Hir::concat(v.iter().map(Node::to_hir).collect()),
            Node::Alt(v) => Hir::alternation(v.iter().map(Node::to_hir).collect()),
            Node::Repeat { node, min, max, greedy } => {
                Hir::repetition(hir::Repetition { min: *min, max: *max, greedy: *greedy, sub: Box::new(node.to_hir()) })
            }
            Node::Assert(a) => Hir::look(match a {
                Assert::Start => hir::Look::Start,
                Assert::End => hir::Look::End,
                Assert::Word => hir::Look::WordAscii,
                Assert::NotWord => hir::Look::WordAsciiNegate,
            }),
        }
    }

    /// Shortest and longest match length (None: unbounded).
    pub(crate) fn len_range(&self) -> (u64, Option<u64>) {
        match self {
            Node::Class(_) => (1, Some(1)),
            Node::Assert(_) => (0, Some(0)),
            Node::Concat(v) => v.iter().fold((0, Some(0)), |(lo, hi), n| {
                let (l, h) = n.len_range();
                (lo + l, hi.zip(h).map(|(a, b)| a + b))
            }),
            Node::Alt(v) => {
                let mut lo = u64::MAX;
                let mut hi = Some(0);
                for n in v {
                    let (l, h) = n.len_range();
                    lo = lo.min(l);
                    hi = hi.zip(h).map(|(a, b): (u64, u64)| a.max(b));
                }
                (if v.is_empty() { 0 } else { lo }, hi)
            }
            Node::Repeat { node, min, max, .. } => {
                let (l, h) = node.len_range();
                (l * u64::from(*min), h.zip(*max).map(|(h, m)| h * u64::from(m)))
            }
        }
    }
}

/// A literal atom of a pattern: every match contains `bytes` (compared ASCII-case-insensitively)
/// starting between `back_min` and `back_max` bytes after the match start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Atom {
    /// Lowercase atom bytes.
    pub bytes: Vec<u8>,
    /// Least distance from match start to atom start.
    pub back_min: u32,
    /// Greatest distance from match start to atom start.
    pub back_max: u32,
}

/// One item of a simple pattern (see [`simple_seq`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SeqItem {
    /// One byte from the set.
    Set(ByteSet),
    /// `min..=max` bytes from the set.
    Gap(ByteSet, u32, u32),
}

/// Largest number of gap-length combinations a simple sequence may have.
const MAX_SIMPLE_COMBOS: u64 = 64;
/// Largest number of sequences an alternation may expand into.
const MAX_SIMPLE_SEQS: usize = 16;

/// The pattern as a few sequences of byte sets and bounded gaps (alternations expanded), when it
/// is one (most hex strings and many regexes): such patterns are confirmed by direct comparison
/// instead of a DFA search. None when it has assertions, unbounded or complex repetitions, or
/// expands too much.
pub(crate) fn simple_seq(node: &Node) -> Option<Vec<Simple>> {
    let seqs = flatten(node)?;
    for seq in &seqs {
        if seq.iter().any(|it| matches!(it, SeqItem::Gap(_, _, max) if *max > u32::from(u16::MAX))) {
            return None;
        }
        let combos = seq.iter().fold(1u64, |c, it| match it {
            SeqItem::Gap(_, min, max) => c.saturating_mul(u64::from(max - min) + 1),
            SeqItem::Set(_) => c,
        });
        if combos > MAX_SIMPLE_COMBOS {
            return None;
        }
    }
    Some(seqs.into_iter().map(Simple::new).collect())
}

fn flatten(node: &Node) -> Option<Vec<Vec<SeqItem>>> {
    match node {
        Node::Class(s) => Some(vec![vec![SeqItem::Set(*s)]]),
        Node::Repeat { node, min, max: Some(max), .. } => match **node {
            Node::Class(s) => Some(vec![vec![SeqItem::Gap(s, *min, *max)]]),
            _ => None,
        },
        Node::Concat(items) => {
            let mut acc: Vec<Vec<SeqItem>> = vec![Vec::new()];
            for it in items {
                // One byte set, the common case: append in place.
                if let Node::Class(s) = it {
                    acc.iter_mut().for_each(|a| a.push(SeqItem::Set(*s)));
                    continue;
                }
                let mut parts = flatten(it)?;
                if acc.len() * parts.len() > MAX_SIMPLE_SEQS {
                    return None;
                }
                if parts.len() == 1 {
                    let part = parts.pop().unwrap_or_default();
                    acc.iter_mut().for_each(|a| a.extend(part.iter().cloned()));
                    continue;
                }
                acc = acc
                    .iter()
                    .flat_map(|a| {
                        parts.iter().map(move |p| {
                            let mut v = a.clone();
                            v.extend(p.iter().cloned());
                            v
                        })
                    })
                    .collect();
            }
            Some(acc)
        }
        Node::Alt(branches) => {
            let mut out = Vec::new();
            for b in branches {
                out.extend(flatten(b)?);
                if out.len() > MAX_SIMPLE_SEQS {
                    return None;
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// A rough upper bound of the Thompson NFA bytes of a simple pattern (states times the class
/// ranges they carry), to decide whether its DFA can safely be built lazily.
pub(crate) fn nfa_estimate(seqs: &[Simple]) -> usize {
    let ranges = ByteSet::ranges;
    seqs.iter()
        .map(|q| {
            q.prefix.len() * 32
                + q.rest
                    .iter()
                    .map(|it| match it {
                        Item::Byte(_) | Item::Any => 48,
                        Item::Set(s) => 32 + 16 * ranges(s),
                        Item::Gap(s, _, max) => (*max as usize + 1) * (48 + 16 * ranges(s)),
                    })
                    .sum::<usize>()
        })
        .sum()
}

/// A generous upper bound of the Thompson NFA memory (bytes) of any pattern, as
/// [`nfa_estimate`] is for simple ones: every byte set a state with a transition per range,
/// every alternative and optional copy a union state, bounded repetitions copied out (an
/// unbounded one `min + 1` times), plus the unanchored prefix. Tested against the real NFA's
/// `memory_usage` (`compiler::estimate_tests`).
pub(crate) fn node_nfa_estimate(node: &Node) -> usize {
    fn walk(n: &Node) -> usize {
        match n {
            Node::Class(s) => 48 + 16 * s.ranges(),
            Node::Assert(_) => 48,
            Node::Concat(v) => v.iter().fold(16, |a, n| a.saturating_add(walk(n))),
            Node::Alt(v) => v.iter().fold(48, |a, n| a.saturating_add(walk(n)).saturating_add(24)),
            Node::Repeat { node, min, max, .. } => {
                let copies = max.unwrap_or(min.saturating_add(1)).max(*min).max(1) as usize;
                walk(node).saturating_add(64).saturating_mul(copies).saturating_add(64)
            }
        }
    }
    walk(node).saturating_add(1024)
}

/// One item of a simple pattern after its prefix, in a compact form (most items of a hex string
/// are single bytes: 16 bytes each, or 8 in wasm, instead of a 40-byte [`SeqItem`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// This byte.
    Byte(u8),
    /// Any byte.
    Any,
    /// One byte from the set.
    Set(Box<ByteSet>),
    /// `min..=max` bytes from the set.
    Gap(Box<ByteSet>, u16, u16),
}

impl Item {
    fn new(it: &SeqItem) -> Self {
        match *it {
            SeqItem::Set(s) if s.count() == 1 => s.first().map_or(Item::Any, Item::Byte),
            SeqItem::Set(s) if s == ByteSet::ALL => Item::Any,
            SeqItem::Set(s) => Item::Set(Box::new(s)),
            // Bounds fit: `simple_seq` takes no gap over `u16::MAX` (the parser none over 1024).
            SeqItem::Gap(s, min, max) => Item::Gap(Box::new(s), min as u16, max as u16),
        }
    }
}

/// A simple pattern split into its leading exact bytes (compared with one slice comparison) and
/// the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Simple {
    /// Leading bytes that must match exactly.
    pub prefix: Vec<u8>,
    /// The remaining items.
    pub rest: Box<[Item]>,
}

impl Simple {
    pub(crate) fn new(items: Vec<SeqItem>) -> Self {
        let k = items.iter().take_while(|it| matches!(it, SeqItem::Set(s) if s.count() == 1)).count();
        let prefix = items[..k]
            .iter()
            .filter_map(|it| match it {
                SeqItem::Set(s) => s.first(),
                SeqItem::Gap(..) => None,
            })
            .collect();
        Self { prefix, rest: items[k..].iter().map(Item::new).collect() }
    }

    /// True when the pattern matches `data` at `pos`, ending at most at `limit`.
    pub(crate) fn matches(&self, data: &[u8], pos: usize, limit: usize) -> bool {
        let end = pos + self.prefix.len();
        // Prefixes are short: a byte loop beats a `memcmp` call.
        end <= limit
            && self.prefix.iter().zip(&data[pos..end]).all(|(a, b)| a == b)
            && simple_match(&self.rest, data, end, limit)
    }

    /// Approximate heap bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        size_of::<Simple>()
            + self.prefix.capacity()
            + self
                .rest
                .iter()
                .map(|it| size_of::<Item>() + if matches!(it, Item::Set(_) | Item::Gap(..)) { 32 } else { 0 })
                .sum::<usize>()
    }

    /// The bytes a match can start with (every byte when unsure).
    fn first_bytes(&self) -> ByteSet {
        if let Some(&b) = self.prefix.first() {
            return ByteSet::single(b);
        }
        match self.rest.first() {
            Some(Item::Byte(b)) => ByteSet::single(*b),
            Some(Item::Set(s)) => **s,
            Some(Item::Gap(s, min, _)) if *min > 0 => **s,
            _ => ByteSet::ALL,
        }
    }
}

/// The bytes any match of the simple sequences can start with (a cheap filter applied before
/// confirming a candidate start).
pub(crate) fn first_bytes(seqs: &[Simple]) -> ByteSet {
    let mut out = ByteSet::EMPTY;
    for q in seqs {
        out.union(&q.first_bytes());
    }
    out
}

/// True when the simple pattern matches `data` starting at `pos`, ending at most at `limit`.
pub(crate) fn simple_match(items: &[Item], data: &[u8], pos: usize, limit: usize) -> bool {
    let Some((first, rest)) = items.split_first() else {
        return true;
    };
    match first {
        Item::Byte(b) => pos < limit && data[pos] == *b && simple_match(rest, data, pos + 1, limit),
        Item::Any => pos < limit && simple_match(rest, data, pos + 1, limit),
        Item::Set(s) => pos < limit && s.contains(data[pos]) && simple_match(rest, data, pos + 1, limit),
        Item::Gap(s, min, max) => {
            // Try every gap length k in min..=max; the gap covers data[pos..pos + k].
            let (min, max) = (*min as usize, *max as usize);
            for k in 0..=max {
                let p = pos + k;
                if k >= min && simple_match(rest, data, p, limit) {
                    return true;
                }
                if k == max || p >= limit || !s.contains(data[p]) {
                    return false;
                }
            }
            false
        }
    }
}

/// Longest atom kept. The shared automaton is a contiguous NFA over whole text strings anyway,
/// so a long atom costs little there and makes an automaton hit (nearly) a match: short atoms
/// shared by many patterns would turn each hit into many confirmations. The window is chosen
/// for rare bytes.
pub(crate) const MAX_ATOM: usize = 16;
/// Atoms shorter than this are not worth it (a full DFA pass is used instead).
const MIN_ATOM: usize = 2;
/// Widest range of candidate start positions per atom hit.
const MAX_BACK_SPREAD: u64 = 64;

/// The atoms for a pattern: every match contains at least one of them. None when the pattern has
/// no usable atom (it is then found by the one multi-pattern reverse-DFA pass).
///
/// Like libyara, alternations give one atom per alternative: `/<(form|input)[ >]/` has the atoms
/// `<for` and `<inp`, `/(ctrl|control) ?\+ ?v/` has `ctrl` and `cont`.
pub(crate) fn atoms(node: &Node) -> Option<Vec<Atom>> {
    atoms_with(node, false).or_else(|| atoms_with(node, true))
}

/// [`atoms`] without (`expand` false) or with small byte classes and repetitions of literals
/// taken as literal alternatives. Expansion is the fallback for patterns that would otherwise
/// have no atom (`/8[0-8]{2}[) .-]/`): where a plain atom exists it gives more, longer atoms
/// that grow the automaton for little gain.
fn atoms_with(node: &Node, expand: bool) -> Option<Vec<Atom>> {
    match node {
        Node::Alt(branches) => {
            let mut out = Vec::new();
            for b in branches {
                out.extend(atoms_with(b, expand)?);
            }
            dedup_atoms(&mut out);
            Some(out)
        }
        Node::Concat(items) => best_atoms(items, expand),
        other => best_atoms(std::slice::from_ref(other), expand),
    }
}

fn dedup_atoms(v: &mut Vec<Atom>) {
    v.sort_by(|a, b| (&a.bytes, a.back_min, a.back_max).cmp(&(&b.bytes, b.back_min, b.back_max)));
    v.dedup();
}

/// Most literal strings an alternation may expand into when atoms are picked.
const MAX_ATOM_SET: usize = 16;
/// Score taken off per extra atom of a set (more atoms, more automaton hits).
const ATOM_SET_PENALTY: u64 = 100;

/// Largest byte class (distinct bytes up to ASCII case) expanded into its bytes for atoms: a
/// digit class is 10 bytes.
const MAX_CLASS_EXPAND: u32 = 10;

/// The few exact strings (lowercase atom bytes) `node` can match, when it is made only of
/// single bytes (or ASCII letters in both cases), small byte classes, concatenations, fixed
/// repetitions and small alternations.
fn literal_set(node: &Node, expand: bool) -> Option<Vec<Vec<u8>>> {
    match node {
        Node::Class(s) => match s.atom_byte() {
            Some(b) => Some(vec![vec![b]]),
            None if expand => s.atom_bytes().map(|v| v.into_iter().map(|b| vec![b]).collect()),
            None => None,
        },
        Node::Assert(_) => Some(vec![Vec::new()]),
        Node::Concat(items) => {
            let mut acc = vec![Vec::new()];
            for it in items {
                let part = literal_set(it, expand)?;
                if let [one] = part.as_slice() {
                    acc.iter_mut().for_each(|s| s.extend_from_slice(one));
                } else {
                    acc = cross(&acc, &part)?;
                }
            }
            Some(acc)
        }
        Node::Alt(branches) => {
            let mut out = Vec::new();
            for b in branches {
                out.extend(literal_set(b, expand)?);
                if out.len() > MAX_ATOM_SET {
                    return None;
                }
            }
            Some(out)
        }
        Node::Repeat { node, min, max: Some(max), .. }
            if expand && min == max && *min >= 1 && *min <= MAX_ATOM as u32 =>
        {
            let part = literal_set(node, expand)?;
            let mut acc = part.clone();
            for _ in 1..*min {
                acc = cross(&acc, &part)?;
            }
            Some(acc)
        }
        Node::Repeat { .. } => None,
    }
}

/// Every `a + b`, or None when there would be more than [`MAX_ATOM_SET`].
fn cross(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if a.len() * b.len() > MAX_ATOM_SET {
        return None;
    }
    Some(
        a.iter()
            .flat_map(|x| {
                b.iter().map(move |y| {
                    let mut v = x.clone();
                    v.extend_from_slice(y);
                    v
                })
            })
            .collect(),
    )
}

/// Where something starts: least and greatest offset from the match start (None: unbounded).
type Span = (u64, Option<u64>);

/// Candidate atoms with their score (higher is better).
type Scored = (Vec<Atom>, i64);

fn keep_best(best: &mut Option<Scored>, cand: Option<Scored>) {
    if let Some(c) = cand
        && best.as_ref().is_none_or(|(_, s)| c.1 > *s)
    {
        *best = Some(c);
    }
}

/// Atoms for a set of literal strings that all start `start.0..=start.1` bytes into the match.
fn set_atoms(set: &[Vec<u8>], start: (u64, Option<u64>)) -> Option<Scored> {
    let max = start.1?;
    let spread = max - start.0;
    if set.is_empty() || spread > MAX_BACK_SPREAD {
        return None;
    }
    let mut out = Vec::with_capacity(set.len());
    let mut min_q = u64::MAX;
    for s in set {
        if s.len() < MIN_ATOM || max + s.len() as u64 > u64::from(u32::MAX) {
            return None;
        }
        let (w, len, q) = best_window(s);
        min_q = min_q.min(q);
        out.push(Atom {
            bytes: s[w..w + len].to_vec(),
            back_min: (start.0 + w as u64) as u32,
            back_max: (max + w as u64) as u32,
        });
    }
    dedup_atoms(&mut out);
    Some(score(out, min_q, spread))
}

fn score(atoms: Vec<Atom>, min_q: u64, spread: u64) -> Scored {
    let n = atoms.len() as u64;
    let s = (min_q * 1000) as i64 - spread as i64 - (ATOM_SET_PENALTY * (n - 1)) as i64;
    (atoms, s)
}

/// The atoms of a non-literal item (an alternation with non-literal branches, a group, a
/// repetition of at least one), shifted by the item's start range in the enclosing sequence.
fn inner_atoms(item: &Node, start: (u64, Option<u64>), expand: bool) -> Option<Scored> {
    let inner = match item {
        Node::Alt(_) | Node::Concat(_) => atoms_with(item, expand)?,
        Node::Repeat { node, min, .. } if *min >= 1 => atoms_with(node, expand)?,
        _ => return None,
    };
    let max = start.1?;
    let mut out = Vec::with_capacity(inner.len());
    let mut min_q = u64::MAX;
    let mut spread = 0;
    for a in inner {
        let lo = start.0 + u64::from(a.back_min);
        let hi = max + u64::from(a.back_max);
        if hi > u64::from(u32::MAX) || hi - lo > MAX_BACK_SPREAD {
            return None;
        }
        spread = spread.max(hi - lo);
        min_q = min_q.min(atom_quality(&a.bytes));
        out.push(Atom { bytes: a.bytes, back_min: lo as u32, back_max: hi as u32 });
    }
    if out.is_empty() {
        return None;
    }
    dedup_atoms(&mut out);
    Some(score(out, min_q, spread))
}

/// The best atoms of a sequence: a run of literal items (small alternations of literals
/// expand into one atom per string), or the atoms inside one non-literal item.
fn best_atoms(items: &[Node], expand: bool) -> Option<Vec<Atom>> {
    let mut best: Option<Scored> = None;
    let mut off = (0u64, Some(0u64));
    // The literal strings of the current run of literal items, and where the run starts.
    let mut run: Option<(Vec<Vec<u8>>, Span)> = None;
    for item in items {
        // The common case, one byte: extend the run in place without building a set.
        if let Node::Class(c) = item
            && let Some(b) = c.atom_byte()
        {
            match &mut run {
                Some((set, _)) => set.iter_mut().for_each(|s| s.push(b)),
                None => run = Some((vec![vec![b]], off)),
            }
            off = (off.0 + 1, off.1.map(|h| h + 1));
            continue;
        }
        match literal_set(item, expand) {
            Some(ls) => {
                run = match run.take() {
                    None => Some((ls, off)),
                    // One string (a byte, the common case): extend in place.
                    Some((mut set, start)) if ls.len() == 1 => {
                        for s in &mut set {
                            s.extend_from_slice(&ls[0]);
                        }
                        Some((set, start))
                    }
                    Some((set, start)) => match cross(&set, &ls) {
                        Some(joined) => Some((joined, start)),
                        None => {
                            keep_best(&mut best, set_atoms(&set, start));
                            Some((ls, off))
                        }
                    },
                };
            }
            None => {
                // A repetition of at least one literal: its first copy still extends the run,
                // which ends there (`8[0-8]{2}` gives `80`..`88`).
                let first_copy = match item {
                    Node::Repeat { node, min, .. } if expand && *min >= 1 => literal_set(node, expand),
                    _ => None,
                };
                if let Some((set, start)) = run.take() {
                    keep_best(&mut best, set_atoms(&set, start));
                    if let Some(joined) = first_copy.and_then(|ls| cross(&set, &ls)) {
                        keep_best(&mut best, set_atoms(&joined, start));
                    }
                }
                keep_best(&mut best, inner_atoms(item, off, expand));
            }
        }
        let (l, h) = item.len_range();
        off = (off.0 + l, off.1.zip(h).map(|(a, b)| a + b));
    }
    if let Some((set, start)) = run {
        keep_best(&mut best, set_atoms(&set, start));
    }
    best.map(|(a, _)| a)
}

/// How selective a byte is likely to be in web pages (higher is rarer).
fn byte_quality(b: u8) -> u64 {
    match b.to_ascii_lowercase() {
        0x00 | 0x20 | 0xff | 0xcc => 1,
        b'<' | b'>' | b'"' | b'=' | b'/' | b'.' | b'\n' | b'\t' | b'-' | b'_' => 2,
        b'a'..=b'z' => 3,
        b'0'..=b'9' => 5,
        _ => 4,
    }
}

/// Quality of an atom: rare bytes and distinct bytes score higher (like YARA's atom choice).
fn atom_quality(w: &[u8]) -> u64 {
    let mut seen = ByteSet::EMPTY;
    let mut q = 0;
    for &b in w {
        let b = b.to_ascii_lowercase();
        q += byte_quality(b);
        if !seen.contains(b) {
            seen.insert(b);
            q += 2;
        }
    }
    q
}

/// The best window of at most [`MAX_ATOM`] bytes of `bytes`: (offset, length, quality).
pub(crate) fn best_window(bytes: &[u8]) -> (usize, usize, u64) {
    best_window_quality(bytes, MAX_ATOM)
}

/// The best window of at most `max` bytes of `bytes`: (offset, length).
pub(crate) fn best_window_of(bytes: &[u8], max: usize) -> (usize, usize) {
    let (off, len, _) = best_window_quality(bytes, max);
    (off, len)
}

fn best_window_quality(bytes: &[u8], max: usize) -> (usize, usize, u64) {
    let len = bytes.len().min(max);
    let mut best = (0, len, 0);
    for off in 0..=bytes.len() - len {
        let q = atom_quality(&bytes[off..off + len]);
        if q > best.2 {
            best = (off, len, q);
        }
    }
    best
}

/// A cursor over pattern source text; errors carry absolute source offsets.
struct Cursor<'a> {
    src: &'a [u8],
    pos: usize,
    end: usize,
    depth: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.src[self.pos])
    }
    fn peek2(&self) -> Option<u8> {
        (self.pos + 1 < self.end).then(|| self.src[self.pos + 1])
    }
    fn err<T>(&self, at: usize, msg: impl Into<String>) -> SrcResult<T> {
        Err(SrcError::new(at, msg))
    }
    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else if b == b'/' && self.peek2() == Some(b'/') {
                while self.peek().is_some_and(|c| c != b'\n') {
                    self.pos += 1;
                }
            } else if b == b'/' && self.peek2() == Some(b'*') {
                self.pos += 2;
                while self.pos < self.end && !(self.peek() == Some(b'*') && self.peek2() == Some(b'/')) {
                    self.pos += 1;
                }
                self.pos = (self.pos + 2).min(self.end);
            } else {
                return;
            }
        }
    }
    fn number(&mut self) -> SrcResult<Option<u32>> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return Ok(None);
        }
        let text = std::str::from_utf8(&self.src[start..self.pos]).unwrap_or("");
        match text.parse::<u32>() {
            Ok(n) if n <= MAX_REPEAT => Ok(Some(n)),
            _ => self.err(start, format!("repetition or jump larger than {MAX_REPEAT}")),
        }
    }
}

/// Parses a hex string body `src[start..end]` (between the braces).
pub(crate) fn parse_hex(src: &[u8], start: usize, end: usize) -> SrcResult<Node> {
    let mut c = Cursor { src, pos: start, end, depth: 0 };
    let node = hex_seq(&mut c, start)?;
    c.skip_ws();
    if let Some(b) = c.peek() {
        return c.err(c.pos, format!("unexpected '{}' in hex string", b as char));
    }
    Ok(node)
}

fn hex_seq(c: &mut Cursor<'_>, open: usize) -> SrcResult<Node> {
    let mut items: Vec<Node> = Vec::new();
    let mut last_jump: Option<usize> = None;
    let mut first_jump: Option<usize> = None;
    loop {
        c.skip_ws();
        let at = c.pos;
        match c.peek() {
            None | Some(b'|' | b')') => break,
            Some(b'[') => {
                c.pos += 1;
                c.skip_ws();
                let lo = c.number()?;
                c.skip_ws();
                let (min, max) = if c.peek() == Some(b'-') {
                    c.pos += 1;
                    c.skip_ws();
                    let hi = c.number()?;
                    match hi {
                        None => {
                            return c.err(at, "unbounded jumps are not supported");
                        }
                        Some(h) => (lo.unwrap_or(0), h),
                    }
                } else {
                    match lo {
                        Some(0) => return c.err(at, "invalid jump length [0]"),
                        Some(n) => (n, n),
                        None => return c.err(c.pos, "invalid jump: expected a number"),
                    }
                };
                c.skip_ws();
                if c.peek() != Some(b']') {
                    return c.err(c.pos, "invalid jump: expected ']'");
                }
                c.pos += 1;
                if min > max {
                    return c.err(at, format!("invalid jump [{min}-{max}]: lower bound exceeds upper bound"));
                }
                if items.is_empty() {
                    first_jump = Some(at);
                }
                last_jump = Some(at);
                items.push(Node::Repeat {
                    node: Box::new(Node::Class(ByteSet::ALL)),
                    min,
                    max: Some(max),
                    greedy: true,
                });
                continue;
            }
            Some(b'(') => {
                c.depth += 1;
                if c.depth > MAX_NEST {
                    return c.err(at, "hex string nested too deeply");
                }
                c.pos += 1;
                let mut branches = vec![hex_seq(c, at)?];
                while c.peek() == Some(b'|') {
                    c.pos += 1;
                    branches.push(hex_seq(c, at)?);
                }
                if c.peek() != Some(b')') {
                    return c.err(at, "unclosed '(' in hex string");
                }
                c.pos += 1;
                c.depth -= 1;
                items.push(if branches.len() == 1 {
                    branches.pop().unwrap_or(Node::Concat(Vec::new()))
                } else {
                    Node::Alt(branches)
                });
            }
            Some(b'~') => return c.err(at, "negated hex bytes (~) are not supported"),
            Some(b) if b.is_ascii_hexdigit() || b == b'?' => {
                let hi = b;
                c.pos += 1;
                let Some(lo) = c.peek().filter(|x| x.is_ascii_hexdigit() || *x == b'?') else {
                    return c.err(at, "invalid hex string: odd number of hex digits");
                };
                c.pos += 1;
                let nib = |x: u8| (x as char).to_digit(16).map(|d| d as u8);
                let set = match (nib(hi), nib(lo)) {
                    (Some(h), Some(l)) => ByteSet::single(h << 4 | l),
                    (None, None) => ByteSet::ALL,
                    (Some(h), None) => {
                        let mut set = ByteSet::EMPTY;
                        set.insert_range(h << 4, h << 4 | 15);
                        set
                    }
                    (None, Some(l)) => {
                        let mut set = ByteSet::EMPTY;
                        for h in 0..16u8 {
                            set.insert(h << 4 | l);
                        }
                        set
                    }
                };
                items.push(Node::Class(set));
            }
            Some(b) => {
                return c.err(at, format!("invalid character '{}' in hex string", b as char));
            }
        }
        last_jump = None;
    }
    if items.is_empty() {
        return c.err(open, "empty hex string or alternative");
    }
    if let Some(at) = first_jump.or(last_jump) {
        return c.err(at, "a hex string or alternative cannot start or end with a jump");
    }
    Ok(if items.len() == 1 { items.pop().unwrap_or(Node::Concat(Vec::new())) } else { Node::Concat(items) })
}

/// The source of a hex string or regex (between the braces or slashes), from which its
/// [`Node`] is parsed again when needed: a few bytes instead of the tree (40 bytes per byte set).
#[derive(Debug, Clone)]
pub(crate) enum PatSource {
    /// Hex string body.
    Hex(Box<[u8]>),
    /// Regex body and flags.
    Regex(Box<[u8]>, ReFlags),
}

impl PatSource {
    /// The pattern, parsed as at compile time (None only if parsing failed, which compiling
    /// the same source already ruled out).
    pub(crate) fn parse(&self) -> Option<Node> {
        match self {
            PatSource::Hex(s) => parse_hex(s, 0, s.len()).ok(),
            PatSource::Regex(s, f) => parse_regex(s, 0, s.len(), *f).ok(),
        }
    }

    /// Heap bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            PatSource::Hex(s) | PatSource::Regex(s, _) => s.len(),
        }
    }
}

/// Regex flags.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ReFlags {
    /// `i`: ASCII case-insensitive.
    pub nocase: bool,
    /// `s`: `.` matches newline.
    pub dot_all: bool,
}

/// Parses a regex body `src[start..end]` (between the slashes).
pub(crate) fn parse_regex(src: &[u8], start: usize, end: usize, flags: ReFlags) -> SrcResult<Node> {
    let mut c = Cursor { src, pos: start, end, depth: 0 };
    let mut p = ReParser { c: &mut c, flags, greedy_seen: false, lazy_seen: false };
    let node = p.alt()?;
    if let Some(b) = p.c.peek() {
        return p.c.err(p.c.pos, format!("unexpected '{}' in regular expression", b as char));
    }
    Ok(node)
}

struct ReParser<'a, 'b> {
    c: &'a mut Cursor<'b>,
    flags: ReFlags,
    /// Whether a greedy / a lazy quantifier was seen (YARA rejects mixing them).
    greedy_seen: bool,
    lazy_seen: bool,
}

fn word_set() -> ByteSet {
    let mut s = ByteSet::EMPTY;
    s.insert_range(b'a', b'z');
    s.insert_range(b'A', b'Z');
    s.insert_range(b'0', b'9');
    s.insert(b'_');
    s
}

fn space_set() -> ByteSet {
    let mut s = ByteSet::EMPTY;
    for b in [b' ', b'\t', b'\n', 0x0b, 0x0c, b'\r'] {
        s.insert(b);
    }
    s
}

fn digit_set() -> ByteSet {
    let mut s = ByteSet::EMPTY;
    s.insert_range(b'0', b'9');
    s
}

/// What an escape stands for.
enum Esc {
    Byte(u8),
    Set(ByteSet),
    Assert(Assert),
}

impl ReParser<'_, '_> {
    fn class_node(&self, set: ByteSet) -> Node {
        Node::Class(if self.flags.nocase { set.case_closure() } else { set })
    }

    fn alt(&mut self) -> SrcResult<Node> {
        let mut branches = vec![self.concat()?];
        while self.c.peek() == Some(b'|') {
            self.c.pos += 1;
            branches.push(self.concat()?);
        }
        Ok(if branches.len() == 1 { branches.pop().unwrap_or(Node::Concat(Vec::new())) } else { Node::Alt(branches) })
    }

    fn concat(&mut self) -> SrcResult<Node> {
        let start = self.c.pos;
        let mut items = Vec::new();
        while let Some(b) = self.c.peek() {
            if b == b'|' || b == b')' {
                break;
            }
            let atom_at = self.c.pos;
            let atom = self.atom()?;
            let node = self.quantified(atom, atom_at)?;
            items.push(node);
        }
        if items.is_empty() {
            return self.c.err(start, "empty regular expression or alternative is not supported");
        }
        Ok(if items.len() == 1 { items.pop().unwrap_or(Node::Concat(Vec::new())) } else { Node::Concat(items) })
    }

    fn quantified(&mut self, atom: Node, atom_at: usize) -> SrcResult<Node> {
        let at = self.c.pos;
        let (min, max) = match self.c.peek() {
            Some(b'*') => {
                self.c.pos += 1;
                (0, None)
            }
            Some(b'+') => {
                self.c.pos += 1;
                (1, None)
            }
            Some(b'?') => {
                self.c.pos += 1;
                (0, Some(1))
            }
            Some(b'{') => {
                self.c.pos += 1;
                let lo = self.c.number()?;
                let (min, max) = if self.c.peek() == Some(b',') {
                    self.c.pos += 1;
                    let hi = self.c.number()?;
                    if lo.is_none() && hi.is_none() {
                        return self.c.err(at, "invalid repetition '{,}'");
                    }
                    (lo.unwrap_or(0), hi)
                } else {
                    match lo {
                        Some(n) => (n, Some(n)),
                        None => return self.c.err(at, "unescaped '{' is not supported"),
                    }
                };
                if self.c.peek() != Some(b'}') {
                    return self.c.err(at, "invalid repetition: expected '}'");
                }
                self.c.pos += 1;
                if max.is_some_and(|m| m < min) {
                    return self.c.err(at, "invalid repetition: lower bound exceeds upper bound");
                }
                (min, max)
            }
            _ => return Ok(atom),
        };
        if matches!(atom, Node::Assert(_)) {
            return self.c.err(at, "a repetition cannot apply to an assertion");
        }
        let greedy = if self.c.peek() == Some(b'?') {
            self.c.pos += 1;
            false
        } else {
            true
        };
        if greedy {
            self.greedy_seen = true;
        } else {
            self.lazy_seen = true;
        }
        if self.greedy_seen && self.lazy_seen {
            return self.c.err(at, "greedy and lazy quantifiers cannot be mixed in a regular expression (as in YARA)");
        }
        if matches!(self.c.peek(), Some(b'*' | b'+' | b'?' | b'{')) {
            return self.c.err(self.c.pos, "nested repetition operators are not supported");
        }
        let _ = atom_at;
        Ok(Node::Repeat { node: Box::new(atom), min, max, greedy })
    }

    fn atom(&mut self) -> SrcResult<Node> {
        let at = self.c.pos;
        let Some(b) = self.c.peek() else {
            return self.c.err(at, "unexpected end of regular expression");
        };
        self.c.pos += 1;
        match b {
            b'(' => {
                if self.c.peek() == Some(b'?') {
                    return self.c.err(at, "'(?' groups and inline flags are not supported");
                }
                self.c.depth += 1;
                if self.c.depth > MAX_NEST {
                    return self.c.err(at, "regular expression nested too deeply");
                }
                let inner = self.alt()?;
                if self.c.peek() != Some(b')') {
                    return self.c.err(at, "unclosed '(' in regular expression");
                }
                self.c.pos += 1;
                self.c.depth -= 1;
                Ok(inner)
            }
            b')' => self.c.err(at, "unmatched ')' in regular expression"),
            b'[' => self.class(at),
            b'.' => {
                let set = if self.flags.dot_all {
                    ByteSet::ALL
                } else {
                    let mut s = ByteSet::ALL;
                    s.0[0] &= !(1 << b'\n');
                    s
                };
                Ok(Node::Class(set))
            }
            b'^' => Ok(Node::Assert(Assert::Start)),
            b'$' => Ok(Node::Assert(Assert::End)),
            b'*' | b'+' | b'?' => self.c.err(at, format!("'{}' has nothing to repeat", b as char)),
            b'{' => self.c.err(at, "unescaped '{' is not supported"),
            b']' | b'}' => self.c.err(at, format!("unescaped '{}' is not supported", b as char)),
            b'\\' => match self.escape(at)? {
                Esc::Byte(x) => Ok(self.class_node(ByteSet::single(x))),
                Esc::Set(s) => Ok(self.class_node(s)),
                Esc::Assert(a) => Ok(Node::Assert(a)),
            },
            _ => Ok(self.class_node(ByteSet::single(b))),
        }
    }

    /// After a backslash at `at`.
    fn escape(&mut self, at: usize) -> SrcResult<Esc> {
        let Some(e) = self.c.peek() else {
            return self.c.err(at, "trailing backslash in regular expression");
        };
        self.c.pos += 1;
        Ok(match e {
            b'n' => Esc::Byte(b'\n'),
            b't' => Esc::Byte(b'\t'),
            b'r' => Esc::Byte(b'\r'),
            b'f' => Esc::Byte(0x0c),
            b'a' => Esc::Byte(0x07),
            b'x' => {
                let hex = |o: usize| {
                    (self.c.pos + o < self.c.end).then(|| (self.c.src[self.c.pos + o] as char).to_digit(16)).flatten()
                };
                match (hex(0), hex(1)) {
                    (Some(h), Some(l)) => {
                        self.c.pos += 2;
                        Esc::Byte((h * 16 + l) as u8)
                    }
                    _ => return self.c.err(at, "invalid \\x escape: expected two hex digits"),
                }
            }
            b'w' => Esc::Set(word_set()),
            b'W' => Esc::Set(word_set().negate()),
            b's' => Esc::Set(space_set()),
            b'S' => Esc::Set(space_set().negate()),
            b'd' => Esc::Set(digit_set()),
            b'D' => Esc::Set(digit_set().negate()),
            b'b' => Esc::Assert(Assert::Word),
            b'B' => Esc::Assert(Assert::NotWord),
            c if c.is_ascii_alphanumeric() => {
                return self.c.err(at, format!("unsupported escape sequence '\\{}'", c as char));
            }
            c => Esc::Byte(c),
        })
    }

    fn class(&mut self, open: usize) -> SrcResult<Node> {
        let negated = if self.c.peek() == Some(b'^') {
            self.c.pos += 1;
            true
        } else {
            false
        };
        let mut set = ByteSet::EMPTY;
        let mut first = true;
        loop {
            let at = self.c.pos;
            let Some(b) = self.c.peek() else {
                return self.c.err(open, "unterminated character class");
            };
            self.c.pos += 1;
            if b == b']' && !first {
                break;
            }
            first = false;
            let lo = match b {
                b'\\' => match self.escape(at)? {
                    Esc::Byte(x) => x,
                    Esc::Set(s) => {
                        set.union(&s);
                        continue;
                    }
                    Esc::Assert(_) => {
                        return self.c.err(at, "assertions are not allowed in a character class");
                    }
                },
                b'[' => {
                    return self.c.err(at, "'[' inside a character class must be escaped");
                }
                x => x,
            };
            if self.c.peek() == Some(b'-') && self.c.peek2().is_some_and(|n| n != b']') {
                self.c.pos += 1;
                let hi_at = self.c.pos;
                let hi = match self.c.peek() {
                    Some(b'\\') => {
                        self.c.pos += 1;
                        match self.escape(hi_at)? {
                            Esc::Byte(x) => x,
                            _ => return self.c.err(hi_at, "invalid range end in character class"),
                        }
                    }
                    Some(x) => {
                        self.c.pos += 1;
                        x
                    }
                    None => return self.c.err(open, "unterminated character class"),
                };
                if hi < lo {
                    return self.c.err(at, "invalid range in character class");
                }
                set.insert_range(lo, hi);
            } else {
                set.insert(lo);
            }
        }
        // Case folding applies before negation: `/[^a]/i` matches neither `a` nor `A`
        // (checked against libyara 4.5).
        let set = if self.flags.nocase { set.case_closure() } else { set };
        let set = if negated { set.negate() } else { set };
        Ok(self.class_node(set))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> SrcResult<Node> {
        parse_hex(s.as_bytes(), 0, s.len())
    }

    fn re(s: &str, nocase: bool) -> SrcResult<Node> {
        parse_regex(s.as_bytes(), 0, s.len(), ReFlags { nocase, dot_all: false })
    }

    #[test]
    fn hex_atoms_skip_wildcards_and_jumps() {
        let n = hex("4D 5A ?? [2-4] 50 45 00 00").expect("parses");
        let a = atoms(&n).expect("has atom");
        assert_eq!(a, vec![Atom { bytes: vec![0x50, 0x45, 0, 0], back_min: 5, back_max: 7 }]);
    }

    #[test]
    fn hex_nibbles() {
        let n = hex("A? ?5").expect("parses");
        let Node::Concat(items) = n else { panic!("concat expected") };
        assert_eq!(items.len(), 2);
        let Node::Class(a) = items[0] else { panic!() };
        assert!(a.contains(0xA0) && a.contains(0xAF) && !a.contains(0xB0));
        let Node::Class(b) = items[1] else { panic!() };
        assert!(b.contains(0x05) && b.contains(0xF5) && !b.contains(0x06));
    }

    #[test]
    fn hex_errors() {
        for bad in ["", "4", "4G", "[1-2] 41", "41 [1-2]", "41 [2-1] 42", "41 [1-] 42", "(41", "~41", "41 ( | 42) 43"] {
            assert!(hex(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn regex_nocase_applies_before_negation() {
        let n = re("[^a]", true).expect("parses");
        let Node::Class(s) = n else { panic!() };
        assert!(!s.contains(b'a') && !s.contains(b'A') && s.contains(b'b') && s.contains(b'B'));
    }

    #[test]
    fn regex_atoms() {
        let n = re("foo(bar|baz)\\d+qux", false).expect("parses");
        let a = atoms(&n).expect("atoms");
        assert_eq!(a.iter().map(|a| a.bytes.clone()).collect::<Vec<_>>(), vec![b"foobar".to_vec(), b"foobaz".to_vec()]);
        // One atom per alternative of an inner alternation, at its offset.
        let n = re("<(form|input)[ >]", true).expect("parses");
        let a = atoms(&n).expect("atoms");
        assert_eq!(
            a.iter().map(|a| (a.bytes.clone(), a.back_min)).collect::<Vec<_>>(),
            vec![(b"<form".to_vec(), 0), (b"<input".to_vec(), 0)]
        );
        let n = re("[a-z]{1,3}(ctrl|control) ?v", false).expect("parses");
        let a = atoms(&n).expect("atoms");
        assert_eq!(a.iter().map(|a| (a.back_min, a.back_max)).collect::<Vec<_>>(), vec![(1, 3), (1, 3)]);
        // Alternatives that are not literals give their own atoms.
        let n = re("x(ab[0-9]cd|ef?gh)", false).expect("parses");
        assert_eq!(atoms(&n).map(|v| v.len()), Some(2));
        let n = re("ab|cd", false).expect("parses");
        assert_eq!(atoms(&n).map(|v| v.len()), Some(2));
        let n = re("[a-z]+xyz", false).expect("parses");
        assert_eq!(atoms(&n), None);
        let n = re("Ab", true).expect("parses");
        assert_eq!(atoms(&n).expect("atom")[0].bytes, b"ab".to_vec());
        // Without a plain atom, small byte classes and repetitions expand (the default pack's
        // phone-number regex): one atom per digit, each starting 0..=4 bytes into the match.
        let n = re("\\+?1?[ (-]{0,2}8[0-8]{2}[) .-]{1,2}[0-9]{3}", false).expect("parses");
        let a = atoms(&n).expect("atoms");
        assert_eq!(
            a.iter().map(|a| a.bytes.clone()).collect::<Vec<_>>(),
            (b'0'..=b'8').map(|d| vec![b'8', d]).collect::<Vec<_>>()
        );
        assert!(a.iter().all(|a| (a.back_min, a.back_max) == (0, 4)));
        let n = re("[xy]{2}[0-9]", true).expect("parses");
        assert_eq!(atoms(&n).map(|v| v.len()), Some(4));
        // A plain atom is kept when there is one.
        let n = re("abcd[0-9]{2}ef", false).expect("parses");
        assert_eq!(atoms(&n), Some(vec![Atom { bytes: b"abcd".to_vec(), back_min: 0, back_max: 0 }]));
    }

    #[test]
    fn simple_patterns_match_like_the_dfa() {
        let n = hex("61 ?? [0-2] 62 6?").expect("parses");
        let seqs = simple_seq(&n).expect("simple");
        let seq = &seqs[0];
        assert_eq!(seq.prefix, b"a".to_vec());
        let m = |d: &[u8]| seq.matches(d, 0, d.len());
        assert!(m(b"axb`"));
        assert!(m(b"axyzbc"));
        assert!(!m(b"axyzwbc"));
        assert!(!m(b"axb"));
        assert_eq!(simple_seq(&hex("61 ( 62 | 63 ( 64 | 65 ) ) 66").expect("parses")).map(|v| v.len()), Some(3));
        assert!(simple_seq(&re("a+b", false).expect("parses")).is_none());
        assert!(simple_seq(&re("\\ba", false).expect("parses")).is_none());
        let n = re("ab{2,3}c", false).expect("parses");
        let seqs = simple_seq(&n).expect("simple");
        let seq = &seqs[0];
        assert!(seq.matches(b"abbbc", 0, 5));
        assert!(!seq.matches(b"abbbc", 0, 4));
        assert!(!seq.matches(b"abc", 0, 3));
        assert!(!seq.matches(b"Abbc", 0, 4));
    }

    #[test]
    fn regex_errors() {
        for bad in ["a**", "(?i)a", "a{2,1}", "*a", "a|", "(a", "a)", "[a", "\\q", "a{", "[z-a]", "a{99999}"] {
            assert!(re(bad, false).is_err(), "{bad:?} should fail");
        }
    }
}
