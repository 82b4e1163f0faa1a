//! Brand names in page titles and `og:site_name`: whole words, case-insensitive, one
//! aho-corasick pass over all names and aliases.
//!
//! Names of four characters or more match anywhere as whole words ("Sign in to your PayPal
//! account"). Shorter names (`DHL`, `UPS`, `X`, `EA`) match only *exactly as a word*: either a
//! whole segment of the title between separators (`Track your parcel | DHL`, `Log in | X`), or,
//! for names written in capitals of two letters or more, the same capitals as a word
//! (`DHL Express`), never `x` inside ordinary text.

use std::collections::{BTreeSet, HashMap};

use aho_corasick::{AhoCorasick, MatchKind};

use crate::pack::Brand;

/// Separators between the segments of a title.
const SEGMENT_SEPARATORS: &[char] = &['|', '-', '–', '—', ':', '·', '•', '/', ',', '»', '«'];

/// Finds brand names and aliases in short texts.
#[derive(Debug, Default)]
pub struct NameMatcher {
    automaton: Option<AhoCorasick>,
    /// Pattern id → brand ids.
    pattern_brands: Vec<Vec<usize>>,
    /// Short names (lowercase) → brand ids, matched as whole segments.
    short_segments: HashMap<String, Vec<usize>>,
    /// Short all-capital names → brand ids, matched case-sensitively as words.
    short_capitals: HashMap<String, Vec<usize>>,
}

impl NameMatcher {
    /// Builds the matcher over every brand's name and aliases.
    pub fn new(brands: &[Brand]) -> Self {
        let mut long: Vec<(String, Vec<usize>)> = Vec::new();
        let mut long_pos: HashMap<String, usize> = HashMap::new();
        let mut short_segments: HashMap<String, Vec<usize>> = HashMap::new();
        let mut short_capitals: HashMap<String, Vec<usize>> = HashMap::new();
        for (id, b) in brands.iter().enumerate() {
            for raw in std::iter::once(&b.name).chain(&b.aliases) {
                let raw = raw.trim();
                let lower = raw.to_lowercase();
                if lower.is_empty() {
                    continue;
                }
                if lower.chars().count() >= 4 {
                    let pos = *long_pos.entry(lower.clone()).or_insert_with(|| {
                        long.push((lower.clone(), Vec::new()));
                        long.len() - 1
                    });
                    push_unique(&mut long[pos].1, id);
                } else {
                    push_unique(short_segments.entry(lower).or_default(), id);
                    if raw.chars().count() >= 2 && raw.chars().all(|c| c.is_ascii_uppercase()) {
                        push_unique(short_capitals.entry(raw.to_string()).or_default(), id);
                    }
                }
            }
        }
        let automaton = if long.is_empty() {
            None
        } else {
            AhoCorasick::builder().match_kind(MatchKind::Standard).build(long.iter().map(|(p, _)| p.as_str())).ok()
        };
        Self {
            automaton,
            pattern_brands: long.into_iter().map(|(_, ids)| ids).collect(),
            short_segments,
            short_capitals,
        }
    }

    /// Brand ids named in `text`, ascending.
    pub fn find(&self, text: &str) -> Vec<usize> {
        let mut found = BTreeSet::new();
        if let Some(ac) = &self.automaton {
            let lower = text.to_lowercase();
            for m in ac.find_overlapping_iter(&lower) {
                let before = lower[..m.start()].chars().next_back();
                let after = lower[m.end()..].chars().next();
                if before.is_none_or(|c| !c.is_alphanumeric()) && after.is_none_or(|c| !c.is_alphanumeric()) {
                    if let Some(ids) = self.pattern_brands.get(m.pattern().as_usize()) {
                        found.extend(ids.iter().copied());
                    }
                }
            }
        }
        if !self.short_segments.is_empty() {
            for seg in text.split(SEGMENT_SEPARATORS) {
                let seg = seg.trim();
                if seg.is_empty() || seg.chars().count() > 3 {
                    continue;
                }
                if let Some(ids) = self.short_segments.get(&seg.to_lowercase()) {
                    found.extend(ids.iter().copied());
                }
            }
        }
        if !self.short_capitals.is_empty() {
            for word in text.split(|c: char| !c.is_alphanumeric()) {
                if let Some(ids) = self.short_capitals.get(word) {
                    found.extend(ids.iter().copied());
                }
            }
        }
        found.into_iter().collect()
    }
}

fn push_unique(v: &mut Vec<usize>, id: usize) {
    if !v.contains(&id) {
        v.push(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brand(name: &str, aliases: &[&str]) -> Brand {
        Brand {
            name: name.into(),
            category: "other".into(),
            domains: vec![format!("{}.com", name.to_lowercase())],
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            phashes: Vec::new(),
        }
    }

    #[test]
    fn names_table() {
        let brands = [
            brand("PayPal", &[]),
            brand("Microsoft", &["office 365", "outlook"]),
            brand("DHL", &["dhl express"]),
            brand("X", &["twitter"]),
            brand("Apple", &["icloud"]),
            brand("ING", &[]),
        ];
        let m = NameMatcher::new(&brands);
        for (name, text, want) in [
            ("plain", "Log in to your PayPal account", vec![0]),
            ("case-insensitive", "PAYPAL - secure", vec![0]),
            ("alias", "Sign in to Outlook", vec![1]),
            ("alias with space", "Office 365 login", vec![1]),
            ("two brands", "PayPal and Microsoft", vec![0, 1]),
            ("not inside a word", "paypalish things", vec![]),
            ("short as segment", "Track your parcel | DHL", vec![2]),
            ("short in capitals", "DHL Parcel tracking", vec![2]),
            ("short lowercase word is not enough", "the dhl way", vec![]),
            ("long alias", "dhl express tracking", vec![2]),
            ("single letter as segment", "Log in | X", vec![3]),
            ("single letter in text", "Page x of 10", vec![]),
            ("single letter capital in text", "Win an X box", vec![]),
            ("apple not in appleton", "Appleton Public Library", vec![]),
            ("ing not in ordinary words", "Nothing is working", vec![]),
            ("ing in capitals", "ING Online Banking", vec![5]),
            ("unicode text", "Ваш аккаунт PayPal", vec![0]),
            ("empty", "", vec![]),
        ] {
            assert_eq!(m.find(text), want, "{name}: {text}");
        }
    }
}
