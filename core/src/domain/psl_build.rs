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

/// The table: `slots` (a power of two long) hold node ids (0 = empty slot, the root is never
/// stored); per node, `parent`, `flags` and its label `labels[label_start[n]..label_start[n + 1]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Built {
    /// Hash slots: node id or 0.
    pub slots: Vec<u32>,
    /// Parent node of each node (0 for the root itself).
    pub parent: Vec<u32>,
    /// Where each node's label starts in `labels`, plus the end.
    pub label_start: Vec<u32>,
    /// [`LEAF`], [`EXCEPTION`], [`WILD_CHILD`] of each node.
    pub flags: Vec<u8>,
    /// Every node's label, in node order.
    pub labels: Vec<u8>,
}

/// The hash of a (parent node, label) key (FNV-1a over the label, seeded with the parent; `u32`
/// arithmetic only, so the build script and every target agree).
#[inline]
pub fn key_hash(parent: u32, label: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5 ^ parent.wrapping_mul(0x9e37_79b1);
    for &b in label {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h ^ (h >> 16)
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
    if t.parent.len() == 1 {
        return Err(BuildError::InvalidList);
    }
    Ok(t.freeze())
}

#[derive(Debug)]
struct Trie {
    children: HashMap<(u32, Vec<u8>), u32>,
    parent: Vec<u32>,
    label_start: Vec<u32>,
    flags: Vec<u8>,
    labels: Vec<u8>,
}

impl Default for Trie {
    fn default() -> Self {
        Self { children: HashMap::new(), parent: vec![0], label_start: vec![0, 0], flags: vec![0], labels: Vec::new() }
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
        let f = &mut self.flags[node as usize];
        *f = (*f & WILD_CHILD) | LEAF | if exception { EXCEPTION } else { 0 };
        Ok(())
    }

    fn child(&mut self, parent: u32, label: &[u8]) -> u32 {
        if let Some(&id) = self.children.get(&(parent, label.to_vec())) {
            return id;
        }
        let id = self.parent.len() as u32;
        self.parent.push(parent);
        self.flags.push(0);
        self.labels.extend_from_slice(label);
        self.label_start.push(self.labels.len() as u32);
        if label == b"*" {
            self.flags[parent as usize] |= WILD_CHILD;
        }
        self.children.insert((parent, label.to_vec()), id);
        id
    }

    fn freeze(self) -> Built {
        let nodes = self.parent.len();
        let size = (nodes * 2).next_power_of_two().max(16);
        let mask = size - 1;
        let mut slots = vec![0u32; size];
        for id in 1..nodes {
            let label = &self.labels[self.label_start[id] as usize..self.label_start[id + 1] as usize];
            let mut i = key_hash(self.parent[id], label) as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = id as u32;
        }
        Built { slots, parent: self.parent, label_start: self.label_start, flags: self.flags, labels: self.labels }
    }
}
