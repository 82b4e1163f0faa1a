//! Confusable skeletons (UTS #39) and the words used to describe characters in evidence.
//!
//! [`skeleton`] lowercases, maps every character to its UTS #39 prototype (`unicode-security`),
//! lowercases again (the prototype of `0` is `O`) and folds `vv` to `w`, so that `pаypal`,
//! `paypa1`, `PAYPAL` and `paypal` share one skeleton, as do `rnicrosoft` and `microsoft`.
//! Lowercase ASCII host characters take a fast path that gives exactly the same result.

use unicode_security::mixed_script::AugmentedScriptSet;

/// Confusable skeleton of `s`, appended to `out` (which is cleared first).
pub fn skeleton_into(s: &str, out: &mut String) {
    out.clear();
    if s.is_ascii() {
        for b in s.bytes() {
            match b.to_ascii_lowercase() {
                b'0' => out.push('o'),
                b'1' | b'|' => out.push('l'),
                b'm' => out.push_str("rn"),
                b'v' if out.ends_with('v') => {
                    out.pop();
                    out.push('w');
                }
                c => out.push(char::from(c)),
            }
        }
        return;
    }
    let lower = s.to_lowercase();
    for c in unicode_security::skeleton(&lower).flat_map(char::to_lowercase) {
        if c == 'v' && out.ends_with('v') {
            out.pop();
            out.push('w');
        } else {
            out.push(c);
        }
    }
}

/// Confusable skeleton of `s`.
pub fn skeleton(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    skeleton_into(s, &mut out);
    out
}

/// The script a character belongs to, in words ("Latin", "Cyrillic", "Greek"); digits and
/// punctuation are "common".
pub fn script_name(c: char) -> &'static str {
    let set = AugmentedScriptSet::for_char(c);
    if set.is_all() {
        return if c.is_ascii_digit() { "digit" } else { "common" };
    }
    set.base.iter().next().map_or("unknown", |s| s.full_name())
}

/// `1st`, `2nd`, `3rd`, `4th`, … `11th`, `12th`, `13th`, `21st`, …
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Describes a character for evidence: `the Cyrillic 'а'`, `the digit '1'`.
pub fn describe_char(c: char) -> String {
    match script_name(c) {
        "digit" => format!("the digit '{c}'"),
        "common" => format!("the symbol '{c}'"),
        s => format!("the {s} '{c}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeleton_table() {
        for (name, input, want) in [
            ("identity", "paypal", "paypal"),
            ("uppercase", "PayPal", "paypal"),
            ("cyrillic a", "pаypal", "paypal"),
            ("greek omicron", "gοogle", "google"),
            ("whole-script cyrillic", "аррӏе", "apple"),
            ("digit one", "paypa1", "paypal"),
            ("digit zero", "g00gle", "google"),
            ("m is rn", "microsoft", "rnicrosoft"),
            ("rn stays", "rnicrosoft", "rnicrosoft"),
            ("vv is w", "vvalmart", "walrnart"),
            ("w", "walmart", "walrnart"),
            ("cyrillic x", "х", "x"),
            ("script g", "ɡoogle", "google"),
            ("hyphen kept", "pay-pal", "pay-pal"),
        ] {
            assert_eq!(skeleton(input), want, "{name}: {input}");
        }
    }

    #[test]
    fn ascii_fast_path_equals_uts39() {
        let chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._|";
        for a in chars.chars() {
            for b in chars.chars() {
                let s = format!("{a}{b}x");
                let slow: String = {
                    let lower = s.to_lowercase();
                    let raw: String = unicode_security::skeleton(&lower).flat_map(char::to_lowercase).collect();
                    raw.replace("vv", "w")
                };
                assert_eq!(skeleton(&s), slow, "{s}");
            }
        }
    }

    #[test]
    fn scripts_and_ordinals() {
        assert_eq!(script_name('а'), "Cyrillic");
        assert_eq!(script_name('a'), "Latin");
        assert_eq!(script_name('ο'), "Greek");
        assert_eq!(script_name('1'), "digit");
        assert_eq!(describe_char('а'), "the Cyrillic 'а'");
        assert_eq!(describe_char('0'), "the digit '0'");
        let ords: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22].map(ordinal).into();
        assert_eq!(ords, ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"]);
    }
}
