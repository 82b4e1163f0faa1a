//! Builds the compact Public Suffix List table ([`Built`]) from the publicsuffix.org text
//! format. The same code runs in `core/build.rs` (which turns the embedded list into static
//! arrays, so nothing is parsed at start-up) and at run time for a list a pack supplies.
//!
//! Only `std`, no crate paths: `build.rs` includes this file with `#[path]`.
//!
//! The rules form a trie of labels, read from the right (`co.uk` is `uk` → `co`). Node 0 is the
//! root; every other node is found through an open-addressing hash table keyed by (parent node,
//! label bytes). The parse is the publicsuffix crate's (2.3, `List::from_str`, without its
//! `punycode` and `anycase` features): the same lines are rules, the same rules are errors, a
//! later duplicate rule replaces an earlier one, and labels are compared byte for byte.

use std::collections::HashMap;

/// Node flag: a rule ends here.
pub const LEAF: u8 = 1;
/// Node flag: the rule ending here is an exception (`!city.kawasaki.jp`).
pub const EXCEPTION: u8 = 2;
/// Node flag: the node has a `*` child (a wildcard rule continues here).
pub const WILD_CHILD: u8 = 4;

/// Why a list is refused, named and worded as the publicsuffix crate's `Error` (whose `Debug`
/// text the engine reported before): `EmptyLabel(rule)`, `ExceptionAtFirstLabel(rule)`,
/// `InvalidList`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// A rule with an empty label (`a..b`, `.a`); the rule without its `!`.
    EmptyLabel(String),
    /// An exception rule of one label (`!a`).
    ExceptionAtFirstLabel(String),
    /// No rule at all (no `BEGIN ICANN DOMAINS` / `BEGIN PRIVATE DOMAINS` line before them).
    InvalidList,
}

/// One node of the trie: its parent, its label (`labels[label_start..label_start + label_len]`)
/// and its flags ([`LEAF`], [`EXCEPTION`], [`WILD_CHILD`]). 16 bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Node {
    /// Parent node (0, the root, for a top-level label and for the root itself).
    pub parent: u32,
    /// Where the label starts in [`Built::labels`].
    pub label_start: u32,
    /// The label's first four bytes ([`head`]): a label of up to four bytes (most top-level
    /// ones) is compared as one number.
    pub head: u32,
    /// Label length in bytes; [`LONG_LABEL`] for 65,535 bytes and more (the label then ends where
    /// the next node's starts, or at the end of the labels).
    pub label_len: u16,
    /// [`LEAF`], [`EXCEPTION`], [`WILD_CHILD`].
    pub flags: u8,
}

/// [`Node::label_len`] of a label too long for it.
pub const LONG_LABEL: u16 = u16::MAX;

/// Node `id`'s label.
#[inline]
pub fn label<'a>(nodes: &[Node], labels: &'a [u8], id: usize) -> &'a [u8] {
    let Some(n) = nodes.get(id) else { return &[] };
    let start = n.label_start as usize;
    let end = if n.label_len == LONG_LABEL {
        nodes.get(id + 1).map_or(labels.len(), |m| m.label_start as usize)
    } else {
        start + n.label_len as usize
    };
    labels.get(start..end).unwrap_or_default()
}

/// The first four bytes of a label as a little-endian number (zero-padded).
#[inline]
pub fn head(label: &[u8]) -> u32 {
    label.iter().take(4).rev().fold(0u32, |w, &b| w << 8 | u32::from(b))
}

/// A [`Node`] (for the static table that `build.rs` writes).
pub const fn node(parent: u32, label_start: u32, head: u32, label_len: u16, flags: u8) -> Node {
    Node { parent, label_start, head, label_len, flags }
}

/// The table: `slots` (a power of two long, at most half full) hold `key_hash << 32 | node id`
/// (0 = empty; the root, node 0, is never stored), so a probe compares hashes before it reads a
/// node; `nodes[0]` is the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Built {
    /// Hash slots.
    pub slots: Vec<u64>,
    /// The trie's nodes.
    pub nodes: Vec<Node>,
    /// Every node's label, in node order.
    pub labels: Vec<u8>,
}

/// The hash of a (parent node, label) key: the label eight bytes per multiply (most labels are
/// one step), then a final mix. `u64` arithmetic only, so the build script and every target
/// (wasm32 included) agree.
#[inline]
pub fn key_hash(parent: u32, label: &[u8]) -> u32 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (u64::from(parent) << 8 ^ label.len() as u64).wrapping_mul(K);
    let mut chunks = label.chunks_exact(8);
    for c in &mut chunks {
        let w = c.iter().rev().fold(0u64, |w, &b| w << 8 | u64::from(b));
        h = (h ^ w).wrapping_mul(K).rotate_left(31);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let w = rest.iter().rev().fold(0u64, |w, &b| w << 8 | u64::from(b));
        h = (h ^ w).wrapping_mul(K);
    }
    h ^= h >> 29;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    (h >> 32) as u32
}

/// Builds the table from a list in the publicsuffix.org text format.
///
/// # Errors
/// [`BuildError`] exactly when the publicsuffix crate refuses the text.
pub fn build(text: &str) -> Result<Built, BuildError> {
    let mut t = Trie::default();
    let mut in_rules = false;
    for line in text.lines() {
        if line.contains("BEGIN ICANN DOMAINS") || line.contains("BEGIN PRIVATE DOMAINS") {
            in_rules = true;
            continue;
        }
        if line.starts_with("//") || !in_rules {
            continue;
        }
        let Some(rule) = line.split_whitespace().next() else {
            continue;
        };
        t.append(rule)?;
    }
    if t.nodes.len() == 1 {
        return Err(BuildError::InvalidList);
    }
    Ok(t.freeze())
}

#[derive(Debug)]
struct Trie {
    children: HashMap<(u32, Vec<u8>), u32>,
    nodes: Vec<Node>,
    labels: Vec<u8>,
}

impl Default for Trie {
    fn default() -> Self {
        Self { children: HashMap::new(), nodes: vec![Node::default()], labels: Vec::new() }
    }
}

impl Trie {
    fn append(&mut self, rule: &str) -> Result<(), BuildError> {
        let (rule, exception) = match rule.strip_prefix('!') {
            Some(_) if !rule.contains('.') => return Err(BuildError::ExceptionAtFirstLabel(rule.to_owned())),
            Some(rest) => (rest, true),
            None => (rule, false),
        };
        let mut node = 0u32;
        for label in rule.rsplit('.') {
            if label.is_empty() {
                return Err(BuildError::EmptyLabel(rule.to_owned()));
            }
            node = self.child(node, label.as_bytes());
        }
        let f = &mut self.nodes[node as usize].flags;
        *f = (*f & WILD_CHILD) | LEAF | if exception { EXCEPTION } else { 0 };
        Ok(())
    }

    fn child(&mut self, parent: u32, label: &[u8]) -> u32 {
        if let Some(&id) = self.children.get(&(parent, label.to_vec())) {
            return id;
        }
        let id = self.nodes.len() as u32;
        self.nodes.push(Node {
            parent,
            label_start: self.labels.len() as u32,
            head: head(label),
            label_len: u16::try_from(label.len()).unwrap_or(LONG_LABEL),
            flags: 0,
        });
        self.labels.extend_from_slice(label);
        if label == b"*" {
            self.nodes[parent as usize].flags |= WILD_CHILD;
        }
        self.children.insert((parent, label.to_vec()), id);
        id
    }

    fn freeze(self) -> Built {
        // At most half full: a miss (most lookups end with one) stops at an empty slot soon.
        let size = (self.nodes.len() * 2).next_power_of_two().max(16);
        let mask = size - 1;
        let mut slots = vec![0u64; size];
        for (id, n) in self.nodes.iter().enumerate().skip(1) {
            let h = key_hash(n.parent, label(&self.nodes, &self.labels, id));
            let mut i = h as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = u64::from(h) << 32 | id as u64;
        }
        Built { slots, nodes: self.nodes, labels: self.labels }
    }
}
