//! Matching and evaluation tests (table-driven: rule source, data, expected rule names).

use super::*;
use crate::budget::{Budget, FrozenClock, Limits};

fn names(src: &str, data: &[u8]) -> Vec<String> {
    let rules = compile(&[("t.yar", src)], &[]).unwrap_or_else(|e| panic!("{e}"));
    let mut b = Budget::start(&FrozenClock, Limits::default());
    let res = rules.scan(data, &mut b);
    assert!(!res.partial);
    res.matches.into_iter().map(|m| m.rule).collect()
}

fn matches(cond_strings: &str, cond: &str, data: &[u8]) -> bool {
    let src = format!("rule r {{ strings: {cond_strings} condition: {cond} }}");
    !names(&src, data).is_empty()
}

#[test]
fn table() {
    let cases: &[(&str, &str, &str, &[u8], bool)] = &[
        ("overlapping count", r#"$a = "aa""#, "#a == 3", b"aaaa", true),
        ("case sensitive", r#"$a = "abc""#, "$a", b"ABC", false),
        ("nocase", r#"$a = "abc" nocase"#, "$a", b"xAbC", true),
        ("wide", r#"$a = "ab" wide"#, "$a and not $a at 0", b"xa\0b\0", true),
        ("wide only", r#"$a = "ab" wide"#, "$a", b"ab", false),
        ("wide ascii", r#"$a = "ab" wide ascii"#, "#a == 2", b"ab a\0b\0", true),
        ("fullword ok", r#"$a = "pay" fullword"#, "#a == 1", b"pay-payment", true),
        ("fullword underscore", r#"$a = "pay" fullword"#, "$a", b"_pay_", true),
        ("fullword digit", r#"$a = "pay" fullword"#, "$a", b"1pay", false),
        ("at", r#"$a = "b""#, "$a at 1", b"abc", true),
        ("in", r#"$a = "c""#, "$a in (0..1)", b"abc", false),
        ("in inclusive", r#"$a = "c""#, "$a in (2..2)", b"abc", true),
        ("hex wildcard", "$a = { 61 ?? 63 }", "$a", b"xazc", true),
        ("hex nibble", "$a = { 6? 7A }", "$a", b"az", true),
        ("hex jump", "$a = { 61 [1-2] 62 }", "#a == 1", b"axxb ab", true),
        ("hex alt", "$a = { 61 ( 62 | 63 64 ) 65 }", "#a == 2", b"abe acde ace", true),
        ("regex dot no newline", "$a = /a.b/", "$a", b"a\nb", false),
        ("regex dot s", "$a = /a.b/s", "$a", b"a\nb", true),
        ("regex i", "$a = /ab+c/i", "#a == 1", b"xABBBC", true),
        ("regex no atom", "$a = /[a-c]x/", "#a == 2", b"axbxdx", true),
        ("regex anchors", "$a = /^ab/", "#a == 1", b"abab", true),
        ("regex end", "$a = /b$/", "$a at 3", b"abab", true),
        ("regex word", "$a = /\\bpay\\b/", "#a == 1", b"pay paypal", true),
        ("regex start count", "$a = /ab*/", "#a == 2", b"abbb ab", true),
        ("filesize", r#"$a = "x""#, "$a and filesize < 1KB", b"x", true),
        ("n of", r#"$a1 = "a" $a2 = "b" $c = "c""#, "2 of ($a*) and not $c", b"ab", true),
        ("all of them", r#"$a = "a" $b = "q""#, "all of them", b"ab", false),
        ("none of", r#"$a = "a" $b = "q""#, "none of ($b) and $a", b"ab", true),
        ("anonymous", r#"$ = "a" $ = "b""#, "all of them", b"ab", true),
        ("not precedence", r#"$a = "a""#, "not $a or true", b"a", true),
    ];
    for (name, strings, cond, data, want) in cases {
        assert_eq!(matches(strings, cond, data), *want, "case {name}");
    }
}

#[test]
fn rule_references_private_and_global() {
    let src = r#"
        private rule p { strings: $a = "x" condition: $a }
        rule uses { condition: p }
        rule other { condition: not p }
    "#;
    assert_eq!(names(src, b"x"), vec!["uses"]);
    assert_eq!(names(src, b"y"), vec!["other"]);
    let g = r#"global rule g { condition: filesize > 2 } rule r { condition: true }"#;
    assert_eq!(names(g, b"abc"), vec!["g", "r"]);
    assert!(names(g, b"ab").is_empty());
}

#[test]
fn snippet_is_escaped_and_short() {
    let rules = compile(
        &[("t.yar", r#"rule r { meta: severity = "high" w = 5 strings: $a = /ab[\x00-\xff]{100}/ condition: $a }"#)],
        &[],
    )
    .expect("compiles");
    let mut data = b"zzab\x00\\".to_vec();
    data.extend(std::iter::repeat_n(b'q', 200));
    let mut b = Budget::start(&FrozenClock, Limits::default());
    let res = rules.scan(&data, &mut b);
    assert_eq!(res.matches.len(), 1);
    let m = &res.matches[0];
    assert!(m.snippet.starts_with("ab\\x00\\\\qq"), "{}", m.snippet);
    assert!(m.snippet.chars().count() <= 80);
    assert_eq!(m.meta[0], ("severity".into(), MetaValue::Str("high".into())));
    assert_eq!(m.meta[1], ("w".into(), MetaValue::Int(5)));
}

#[test]
fn extra_literals_share_the_automaton() {
    let rules = compile(
        &[("t.yar", r#"rule r { strings: $a = "gift card" condition: $a }"#)],
        &["gift card".into(), "paypal".into(), "absent".into()],
    )
    .expect("compiles");
    let mut b = Budget::start(&FrozenClock, Limits::default());
    let res = rules.scan(b"Buy a GIFT CARD on PAYPAL", &mut b);
    assert_eq!(res.literal_hits, vec![0, 1]);
    // The rule's string is case-sensitive even though the automaton is not.
    assert!(res.matches.is_empty());
}

#[test]
fn matches_across_chunk_boundaries() {
    let mut data = vec![b'.'; 64 * 1024 - 2];
    data.extend_from_slice(b"needle ab");
    let src = r#"rule r { strings: $a = "needle" $b = { 61 62 } condition: $a at 65534 and #b == 1 }"#;
    assert_eq!(names(src, &data), vec!["r"]);
}

#[test]
fn partial_when_time_runs_out() {
    use std::cell::Cell;
    let t = Cell::new(0u64);
    let clock = || {
        t.set(t.get() + 1000);
        t.get()
    };
    let rules = compile(&[("t.yar", r#"rule r { strings: $a = "zz" condition: $a }"#)], &[]).expect("compiles");
    let data = vec![b'a'; 1 << 20];
    let mut b = Budget::start(&clock, Limits { time_us: 5000, bytes: usize::MAX });
    let res = rules.scan(&data, &mut b);
    assert!(res.partial);
    assert!(b.exhausted());
}

#[test]
fn partial_scans_report_only_monotone_rules() {
    use std::cell::Cell;
    let t = Cell::new(0u64);
    // Time advances 1 ms per clock read: the first 64 KiB chunk is scanned, then time is up.
    let clock = || {
        t.set(t.get() + 1000);
        t.get()
    };
    let src = r#"
        rule found { strings: $a = "early" condition: $a }
        rule count { strings: $a = "early" condition: #a >= 1 and filesize > 10 }
        rule absent { strings: $z = "late" condition: not $z }
        rule exact { strings: $a = "early" condition: #a == 1 }
        rule via_ref { condition: absent }
    "#;
    let rules = compile(&[("t.yar", src)], &[]).expect("compiles");
    let mut data = b"early".to_vec();
    data.resize(200_000, b'.');
    data.extend_from_slice(b"late");
    let mut b = Budget::start(&clock, Limits { time_us: 2500, bytes: usize::MAX });
    let res = rules.scan(&data, &mut b);
    assert!(res.partial);
    let names: Vec<_> = res.matches.iter().map(|m| m.rule.as_str()).collect();
    assert_eq!(names, vec!["found", "count"]);
}

#[test]
fn compile_errors_name_file_line_col() {
    let e = compile(&[("a.yar", "rule a { condition: true }"), ("b.yar", "\nrule a { condition: true }")], &[])
        .expect_err("duplicate across files");
    assert_eq!(e.to_string(), "b.yar:2:6: duplicate rule 'a'");
    let e = compile(&[("c.yar", "rule c { strings: $a = /a{0,3}/ condition: $a }")], &[])
        .expect_err("empty-matching regex");
    assert_eq!((e.line, e.col), (1, 24));
}

#[test]
fn rules_from_earlier_files_are_visible() {
    let rules = compile(&[("a.yar", "rule a { condition: true }"), ("b.yar", "rule b { condition: a }")], &[])
        .expect("compiles");
    assert_eq!(rules.len(), 2);
}

/// Simple hex strings and regexes build their DFA only for the snippet, from their source parsed
/// again: the snippet must be the match as at compile time (flags, escapes, laziness kept).
#[test]
fn lazily_built_patterns_give_the_whole_match_as_snippet() {
    let cases: [(&str, &[u8], &str); 4] = [
        ("{ 61 ?? [1-3] 62 }", b"xxaZZZbyy", "aZZZb"),
        (r"/a\/b[0-9]{2,3}/i", b"..A/B1234x", "A/B123"),
        ("/ab{1,3}?c??/", b"zabbbc", "ab"),
        ("/(php|html?)x/", b"--htmlx--", "htmlx"),
    ];
    for (pat, data, want) in cases {
        let src = format!("rule r {{ strings: $a = {pat} condition: $a }}");
        let rules = compile(&[("t.yar", src.as_str())], &[]).expect("compiles");
        let mut b = Budget::start(&FrozenClock, Limits::default());
        let res = rules.scan(data, &mut b);
        assert_eq!(res.matches.len(), 1, "{pat}");
        assert_eq!(res.matches[0].snippet, want, "{pat}");
    }
}
