//! Edit distance between a host label and a brand label: Damerau-Levenshtein (optimal string
//! alignment: insertions, deletions, substitutions and swaps of two neighbouring letters),
//! plus a *weighted* alignment in which the edits typosquatters use cost less:
//!
//! | edit | cost |
//! |---|---|
//! | substitution by a look-alike (`l`/`1`/`i`, `o`/`0`, `n`/`m`, `u`/`v`, `g`/`q`/`9`, …, or any two characters with the same UTS #39 skeleton) | 0.3 |
//! | doubled or undoubled letter (`gooogle`, `gogle`) | 0.5 |
//! | swap of two neighbouring letters (`payapl`) | 0.6 |
//! | substitution by a neighbouring key on a QWERTY keyboard (`paypak`) | 0.7 |
//! | anything else | 1.0 |
//!
//! Labels longer than [`MAX_LEN`] characters are never compared (no brand label is that long).

use std::sync::OnceLock;

use super::skeleton::skeleton;

/// Longest label (in characters) the alignment handles.
pub const MAX_LEN: usize = 32;

/// Pairs of ASCII characters that look alike in common fonts (unordered).
const LOOK_ALIKE: &[(char, char)] = &[
    ('0', 'o'),
    ('1', 'l'),
    ('1', 'i'),
    ('l', 'i'),
    ('5', 's'),
    ('3', 'e'),
    ('4', 'a'),
    ('8', 'b'),
    ('6', 'b'),
    ('9', 'g'),
    ('9', 'q'),
    ('q', 'g'),
    ('u', 'v'),
    ('n', 'm'),
    ('2', 'z'),
];

const KEYBOARD: [&str; 4] = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

/// How a substituted character relates to the one it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubKind {
    /// Looks alike.
    LookAlike,
    /// Next to it on a QWERTY keyboard.
    KeyboardNeighbour,
    /// Unrelated.
    Other,
}

/// One edit turning the brand label into the host label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The host has `got` where the brand has `want`.
    Substitute {
        /// Brand character.
        want: char,
        /// Host character.
        got: char,
        /// How they relate.
        kind: SubKind,
    },
    /// The host has an extra `ch` (`doubled` when it repeats a neighbour).
    Extra {
        /// The extra character.
        ch: char,
        /// It repeats its neighbour.
        doubled: bool,
        /// It is a keyboard neighbour of the character before or after it (a slipped finger).
        slip: bool,
        /// Its index in the host label.
        pos: usize,
    },
    /// The host lacks the brand's `ch`.
    Missing {
        /// The missing character.
        ch: char,
        /// It was one of a doubled pair.
        doubled: bool,
        /// Its index in the brand label.
        pos: usize,
    },
    /// The host has `first` and `second` where the brand has them the other way round.
    Swap {
        /// First character in the host.
        first: char,
        /// Second character in the host.
        second: char,
    },
}

impl Edit {
    /// Plain-words description, e.g. `'1' in place of 'l'`.
    pub fn describe(&self) -> String {
        match *self {
            Edit::Substitute { want, got, kind } => match kind {
                SubKind::LookAlike => format!("'{got}' in place of the look-alike '{want}'"),
                SubKind::KeyboardNeighbour => {
                    format!("'{got}' in place of '{want}' (its neighbour on the keyboard)")
                }
                SubKind::Other => format!("'{got}' in place of '{want}'"),
            },
            Edit::Extra { ch, doubled: true, .. } => format!("a doubled '{ch}'"),
            Edit::Extra { ch, .. } => format!("an extra '{ch}'"),
            Edit::Missing { ch, doubled: true, .. } => format!("a single '{ch}' where there are two"),
            Edit::Missing { ch, .. } => format!("a missing '{ch}'"),
            Edit::Swap { first, second } => format!("'{first}' and '{second}' swapped"),
        }
    }

    /// True for the edits typing mistakes make: a look-alike or neighbouring key, two letters
    /// swapped, a letter doubled or dropped (not the first), a slipped extra key.
    pub fn is_typo_like(&self) -> bool {
        match *self {
            Edit::Substitute { kind, .. } => kind != SubKind::Other,
            Edit::Swap { .. } => true,
            Edit::Extra { doubled, slip, pos, .. } => doubled || (slip && pos > 0),
            Edit::Missing { doubled, pos, .. } => doubled || pos > 0,
        }
    }

    fn cost(&self) -> f32 {
        match *self {
            Edit::Substitute { kind, .. } => sub_weight(kind),
            Edit::Extra { doubled, .. } | Edit::Missing { doubled, .. } => {
                if doubled {
                    0.5
                } else {
                    1.0
                }
            }
            Edit::Swap { .. } => 0.6,
        }
    }
}

fn sub_weight(kind: SubKind) -> f32 {
    match kind {
        SubKind::LookAlike => 0.3,
        SubKind::KeyboardNeighbour => 0.7,
        SubKind::Other => 1.0,
    }
}

fn key_pos(c: char) -> Option<(i32, i32)> {
    KEYBOARD
        .iter()
        .enumerate()
        .find_map(|(row, keys)| keys.find(c).map(|col| (row as i32, i32::try_from(col).unwrap_or(0))))
}

/// How `got` relates to `want` (two different characters). ASCII pairs come from a table
/// computed once.
pub fn sub_kind(want: char, got: char) -> SubKind {
    static TABLE: OnceLock<Vec<SubKind>> = OnceLock::new();
    if want.is_ascii() && got.is_ascii() {
        let table = TABLE.get_or_init(|| {
            let mut t = Vec::with_capacity(128 * 128);
            for a in 0u8..128 {
                for b in 0u8..128 {
                    t.push(sub_kind_slow(char::from(a), char::from(b)));
                }
            }
            t
        });
        return table.get(want as usize * 128 + got as usize).copied().unwrap_or(SubKind::Other);
    }
    sub_kind_slow(want, got)
}

fn sub_kind_slow(want: char, got: char) -> SubKind {
    let (a, b) = (want.to_ascii_lowercase(), got.to_ascii_lowercase());
    if LOOK_ALIKE.iter().any(|&(x, y)| (x, y) == (a, b) || (y, x) == (a, b)) {
        return SubKind::LookAlike;
    }
    if let (Some((ra, ca)), Some((rb, cb))) = (key_pos(a), key_pos(b)) {
        let dc = cb - ca;
        let near = match rb - ra {
            0 => dc.abs() == 1,
            1 => dc == 0 || dc == -1,
            -1 => dc == 0 || dc == 1,
            _ => false,
        };
        if near {
            return SubKind::KeyboardNeighbour;
        }
    }
    if !(want.is_ascii() && got.is_ascii()) {
        let mut buf = [0u8; 4];
        let mut buf2 = [0u8; 4];
        if skeleton(want.encode_utf8(&mut buf)) == skeleton(got.encode_utf8(&mut buf2)) {
            return SubKind::LookAlike;
        }
    }
    SubKind::Other
}

/// Result of aligning a host label with a brand label.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// Damerau-Levenshtein (OSA) distance: the number of edits.
    pub distance: usize,
    /// Weighted cost of the cheapest alignment (see the module doc).
    pub cost: f32,
    /// The edits of the cheapest alignment, in order.
    pub edits: Vec<Edit>,
}

/// Unweighted OSA distance, or `None` when it exceeds `max` or a label is too long.
pub fn osa_distance(host: &[char], brand: &[char], max: usize) -> Option<usize> {
    let (n, m) = (host.len(), brand.len());
    if n > MAX_LEN || m > MAX_LEN || n.abs_diff(m) > max {
        return None;
    }
    let mut d = [[0u8; MAX_LEN + 1]; MAX_LEN + 1];
    for (i, row) in d.iter_mut().enumerate().take(n + 1) {
        row[0] = i as u8;
    }
    for (j, cell) in d[0].iter_mut().enumerate().take(m + 1) {
        *cell = j as u8;
    }
    for i in 1..=n {
        let mut row_min = u8::MAX;
        for j in 1..=m {
            let same = host[i - 1] == brand[j - 1];
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + u8::from(!same));
            if i > 1 && j > 1 && host[i - 1] == brand[j - 2] && host[i - 2] == brand[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
            row_min = row_min.min(v);
        }
        if usize::from(row_min) > max + 1 {
            return None;
        }
    }
    let dist = usize::from(d[n][m]);
    (dist <= max).then_some(dist)
}

/// Aligns `host` with `brand` when their OSA distance is at most `max`.
pub fn align(host: &[char], brand: &[char], max: usize) -> Option<Alignment> {
    let distance = osa_distance(host, brand, max)?;
    let (n, m) = (host.len(), brand.len());
    let extra = |i: usize| {
        let ch = host[i - 1];
        let near = |k: usize| host.get(k).is_some_and(|&o| sub_kind(o, ch) == SubKind::KeyboardNeighbour);
        Edit::Extra {
            ch,
            doubled: (i > 1 && host[i - 2] == ch) || (i < n && host[i] == ch),
            slip: (i > 1 && near(i - 2)) || near(i),
            pos: i - 1,
        }
    };
    let missing = |j: usize| Edit::Missing {
        ch: brand[j - 1],
        doubled: (j > 1 && brand[j - 2] == brand[j - 1]) || (j < m && brand[j] == brand[j - 1]),
        pos: j - 1,
    };
    let mut extra_cost = [0f32; MAX_LEN + 1];
    let mut missing_cost = [0f32; MAX_LEN + 1];
    for (i, c) in extra_cost.iter_mut().enumerate().take(n + 1).skip(1) {
        *c = extra(i).cost();
    }
    for (j, c) in missing_cost.iter_mut().enumerate().take(m + 1).skip(1) {
        *c = missing(j).cost();
    }
    let mut w = [[0f32; MAX_LEN + 1]; MAX_LEN + 1];
    for i in 1..=n {
        w[i][0] = w[i - 1][0] + extra_cost[i];
    }
    for j in 1..=m {
        w[0][j] = w[0][j - 1] + missing_cost[j];
    }
    for i in 1..=n {
        for j in 1..=m {
            let (g, b) = (host[i - 1], brand[j - 1]);
            let sub = if g == b { 0.0 } else { sub_weight(sub_kind(b, g)) };
            let mut v = (w[i - 1][j] + extra_cost[i]).min(w[i][j - 1] + missing_cost[j]).min(w[i - 1][j - 1] + sub);
            if i > 1 && j > 1 && g == brand[j - 2] && host[i - 2] == b && g != b {
                v = v.min(w[i - 2][j - 2] + 0.6);
            }
            w[i][j] = v;
        }
    }
    // Walk back along the cheapest path.
    let mut edits = Vec::new();
    let (mut i, mut j) = (n, m);
    let close = |a: f32, b: f32| (a - b).abs() < 1e-4;
    while i > 0 || j > 0 {
        let here = w[i][j];
        if i > 0 && j > 0 {
            let (g, b) = (host[i - 1], brand[j - 1]);
            if g == b && close(here, w[i - 1][j - 1]) {
                i -= 1;
                j -= 1;
                continue;
            }
            if i > 1 && j > 1 && g == brand[j - 2] && host[i - 2] == b && g != b && close(here, w[i - 2][j - 2] + 0.6) {
                edits.push(Edit::Swap { first: host[i - 2], second: g });
                i -= 2;
                j -= 2;
                continue;
            }
            if g != b {
                let kind = sub_kind(b, g);
                if close(here, w[i - 1][j - 1] + sub_weight(kind)) {
                    edits.push(Edit::Substitute { want: b, got: g, kind });
                    i -= 1;
                    j -= 1;
                    continue;
                }
            }
        }
        if i > 0 && close(here, w[i - 1][j] + extra_cost[i]) {
            edits.push(extra(i));
            i -= 1;
        } else if j > 0 {
            edits.push(missing(j));
            j -= 1;
        } else {
            // Unreachable with consistent costs; stop rather than loop.
            break;
        }
    }
    edits.reverse();
    Some(Alignment { distance, cost: w[n][m], edits })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn osa_table() {
        for (name, a, b, max, want) in [
            ("equal", "paypal", "paypal", 1, Some(0)),
            ("substitution", "paypai", "paypal", 1, Some(1)),
            ("swap is one edit", "payapl", "paypal", 1, Some(1)),
            ("insertion", "gooogle", "google", 1, Some(1)),
            ("deletion", "amazn", "amazon", 1, Some(1)),
            ("two edits over max", "paipai", "paypal", 1, None),
            ("two edits", "mircosotf", "microsoft", 2, Some(2)),
            ("length gap", "pay", "paypal", 2, None),
            ("empty", "", "ab", 2, Some(2)),
        ] {
            assert_eq!(osa_distance(&chars(a), &chars(b), max), want, "{name}");
        }
    }

    #[test]
    fn weighted_alignment_table() {
        for (name, host, brand, cost, edit) in [
            (
                "look-alike digit",
                "paypa1",
                "paypal",
                0.3,
                Edit::Substitute { want: 'l', got: '1', kind: SubKind::LookAlike },
            ),
            (
                "look-alike n for m",
                "amazom",
                "amazon",
                0.3,
                Edit::Substitute { want: 'n', got: 'm', kind: SubKind::LookAlike },
            ),
            ("doubled letter", "gooogle", "google", 0.5, Edit::Extra { ch: 'o', doubled: true, slip: false, pos: 1 }),
            ("undoubled letter", "gogle", "google", 0.5, Edit::Missing { ch: 'o', doubled: true, pos: 1 }),
            ("swap", "payapl", "paypal", 0.6, Edit::Swap { first: 'a', second: 'p' }),
            (
                "unrelated",
                "paypak",
                "paypal",
                0.7,
                Edit::Substitute { want: 'l', got: 'k', kind: SubKind::KeyboardNeighbour },
            ),
            ("other", "paypax", "paypal", 1.0, Edit::Substitute { want: 'l', got: 'x', kind: SubKind::Other }),
            (
                "cyrillic letter",
                "pаypal",
                "paypal",
                0.3,
                Edit::Substitute { want: 'a', got: 'а', kind: SubKind::LookAlike },
            ),
        ] {
            let a = align(&chars(host), &chars(brand), 2).unwrap_or_else(|| panic!("{name}"));
            assert!((a.cost - cost).abs() < 1e-4, "{name}: cost {}", a.cost);
            assert_eq!(a.edits, vec![edit], "{name}");
            assert_eq!(a.distance, 1, "{name}");
        }
    }

    #[test]
    fn keyboard_neighbours() {
        for (a, b, want) in [
            ('n', 'b', SubKind::KeyboardNeighbour),
            ('s', 'w', SubKind::KeyboardNeighbour),
            ('s', 'e', SubKind::KeyboardNeighbour),
            ('s', 'z', SubKind::KeyboardNeighbour),
            ('s', 'p', SubKind::Other),
            ('o', '0', SubKind::LookAlike),
            ('b', 'd', SubKind::Other),
        ] {
            assert_eq!(sub_kind(a, b), want, "{a}/{b}");
        }
    }

    #[test]
    fn typo_like_edits() {
        for (name, host, brand, want) in [
            ("look-alike", "paypa1", "paypal", true),
            ("keyboard", "paypak", "paypal", true),
            ("swap", "payapl", "paypal", true),
            ("doubled", "paypall", "paypal", true),
            ("dropped letter", "paypl", "paypal", true),
            ("dropped first letter", "aypal", "paypal", false),
            ("slipped key", "paypaol", "paypal", true),
            ("random extra", "paypaxl", "paypal", false),
            ("random substitution", "paypxl", "paypal", false),
        ] {
            let a = align(&chars(host), &chars(brand), 1).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(a.edits.len(), 1, "{name}");
            assert_eq!(a.edits[0].is_typo_like(), want, "{name}: {:?}", a.edits[0]);
        }
    }

    #[test]
    fn two_edit_description() {
        let a = align(&chars("mircosotf"), &chars("microsoft"), 2).unwrap_or_else(|| panic!());
        let described: Vec<String> = a.edits.iter().map(Edit::describe).collect();
        assert_eq!(described, ["'r' and 'c' swapped", "'t' and 'f' swapped"]);
    }
}
