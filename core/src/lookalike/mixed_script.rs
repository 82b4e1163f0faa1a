//! Mixed-script labels: one name (between hyphens) that mixes letters of scripts that are never
//! written together, e.g. Latin with Cyrillic (`pаypal` with a Cyrillic `а`). UTS #39's resolved
//! script set does the work: digits and hyphens fit any script, and Japanese (Han + kana) or
//! Korean (Hangul + Han) count as one writing system, so `例え` and `münchen` are single-script.

use unicode_security::MixedScript;

use super::skeleton::script_name;

/// When some hyphen-separated part of `label` mixes scripts, the names of the scripts involved
/// (first appearance order, e.g. `["Latin", "Cyrillic"]`) and the offending part.
pub fn mixed_scripts(label: &str) -> Option<(Vec<&'static str>, &str)> {
    if label.is_ascii() {
        return None;
    }
    for part in label.split('-') {
        if part.is_ascii() || part.is_single_script() {
            continue;
        }
        let mut scripts: Vec<&'static str> = Vec::new();
        for c in part.chars() {
            let s = script_name(c);
            if !matches!(s, "digit" | "common") && !scripts.contains(&s) {
                scripts.push(s);
            }
        }
        return Some((scripts, part));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_script_table() {
        for (name, label, want) in [
            ("latin + cyrillic", "pаypal", Some(vec!["Latin", "Cyrillic"])),
            ("latin + greek", "gοogle", Some(vec!["Latin", "Greek"])),
            ("cyrillic + latin", "яндеx", Some(vec!["Cyrillic", "Latin"])),
            ("ascii", "paypal", None),
            ("latin with umlaut", "münchen", None),
            ("japanese", "例え", None),
            ("korean", "한국", None),
            ("russian", "яндекс", None),
            ("greek", "ελλάδα", None),
            ("digits", "яндекс24", None),
            ("scripts in separate parts", "münchen-москва", None),
        ] {
            let got = mixed_scripts(label).map(|(s, _)| s);
            assert_eq!(got, want, "{name}: {label}");
        }
    }
}
