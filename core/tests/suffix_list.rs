//! The compact Public Suffix List table (`domain::SuffixList`, pre-built at compile time for the
//! embedded list, built at run time for a pack's) against the publicsuffix crate it replaced:
//! the same suffix and registrable domain for every host, the same parse errors for every list.

use std::str::FromStr;

use ferretwatch_core::domain::{EMBEDDED_PSL, SuffixList};
use proptest::prelude::*;
use publicsuffix::{List, Psl};

/// What the engine used to compute with the publicsuffix crate: `(suffix, registrable)`.
fn reference<'a>(list: &List, host: &'a str) -> (Option<&'a str>, Option<&'a str>) {
    let tail = |n: usize| host.get(host.len() - n..);
    let suffix = list.suffix(host.as_bytes()).and_then(|s| tail(s.as_bytes().len()));
    let reg = list.domain(host.as_bytes()).and_then(|d| tail(d.as_bytes().len()));
    (suffix, reg)
}

fn assert_same(ours: &SuffixList, list: &List, host: &str) {
    let want = reference(list, host);
    assert_eq!((ours.suffix(host), ours.registrable(host)), want, "host {host:?}");
    assert_eq!(ours.suffix_and_registrable(host), want, "host {host:?} (one walk)");
}

/// The rules of a list in the text format (first token of each rule line).
fn rules(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

/// A deterministic pseudo-random label (xorshift; no clock, no global state).
fn label(seed: &mut u64) -> String {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    let len = 1 + (*seed % 12) as usize;
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789-";
    (0..len).map(|i| alphabet[((*seed >> (i * 5)) % alphabet.len() as u64) as usize] as char).collect()
}

/// Hosts around every rule of the embedded list: the rule itself (wildcards filled in), one and
/// two labels in front, the exception rules and their neighbours, Unicode rules in Unicode and
/// in punycode, with a trailing dot, upper case, and hosts that no rule covers.
fn embedded_hosts() -> Vec<String> {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut hosts = Vec::new();
    for rule in rules(EMBEDDED_PSL) {
        let bare = rule.trim_start_matches('!');
        let mut forms = vec![bare.to_string(), bare.replace('*', "x"), bare.replace('*', &label(&mut seed))];
        if !bare.is_ascii() {
            if let Ok(ascii) = idna::domain_to_ascii(&bare.replace('*', "x")) {
                forms.push(ascii);
            }
        }
        for f in forms {
            let l = label(&mut seed);
            hosts.push(format!("{l}.{f}"));
            hosts.push(format!("www.{l}.{f}"));
            hosts.push(format!("{f}."));
            hosts.push(format!("{l}.{f}."));
            hosts.push(format!("{}.{f}", l.to_uppercase()));
            hosts.push(f.to_uppercase());
            // The rule's parent, and the rule with its first label cut short.
            if let Some((_, parent)) = f.split_once('.') {
                hosts.push(parent.to_string());
                hosts.push(format!("{l}.{parent}"));
            }
            hosts.push(f);
        }
    }
    for _ in 0..20_000 {
        let (a, b) = (label(&mut seed), label(&mut seed));
        hosts.push(format!("{a}.{b}"));
        hosts.push(format!("{a}.{b}.com"));
    }
    for h in [
        "",
        ".",
        "..",
        "...",
        "com",
        ".com",
        "com.",
        "a..com",
        "..com",
        "a.com..",
        "*",
        "*.com",
        "a.*.com",
        "*.ck",
        "www.ck",
        "a.www.ck",
        "a.b.ck",
        "ck",
        ".ck",
        "a..ck",
        "city.kawasaki.jp",
        "a.city.kawasaki.jp",
        "kawasaki.jp",
        "x.kawasaki.jp",
        "a.x.kawasaki.jp",
        "foo.github.io",
        "github.io",
        "a.b.c.d.e.f.g.h.co.uk",
        "xn--p1ai",
        "пример.рф",
        "a.公司.cn",
        "公司.cn",
        "xn--55qx5d.cn",
        "a.xn--55qx5d.cn",
        "example.unknowntld",
        "unknowntld",
        "192.168.1.1",
        "[::1]",
        "paypal.com.",
        "PAYPAL.COM",
        "a b.com",
        "a.com/x",
        "-.com",
        "a-.co.uk",
    ] {
        hosts.push(h.to_string());
    }
    hosts
}

#[test]
fn embedded_table_matches_the_publicsuffix_crate() {
    let list = List::from_str(EMBEDDED_PSL).expect("embedded list parses");
    let ours = SuffixList::embedded();
    let parsed = SuffixList::parse(EMBEDDED_PSL).expect("embedded list parses");
    let hosts = embedded_hosts();
    assert!(hosts.len() > 150_000, "{} hosts", hosts.len());
    let mut wildcard_or_exception = 0;
    for h in &hosts {
        assert_same(&ours, &list, h);
        assert_same(&parsed, &list, h);
        if h.contains("kawasaki.jp") || h.ends_with(".ck") || h.contains("city.") {
            wildcard_or_exception += 1;
        }
    }
    assert!(wildcard_or_exception > 100);
}

#[test]
fn known_answers() {
    let psl = SuffixList::embedded();
    for (host, suffix, reg) in [
        ("www.paypal.co.uk", Some("co.uk"), Some("paypal.co.uk")),
        ("a.b.ck", Some("b.ck"), Some("a.b.ck")), // *.ck
        ("www.ck", Some("ck"), Some("www.ck")),   // !www.ck
        ("a.city.kawasaki.jp", Some("kawasaki.jp"), Some("city.kawasaki.jp")),
        ("a.b.kawasaki.jp", Some("b.kawasaki.jp"), Some("a.b.kawasaki.jp")),
        ("foo.github.io", Some("github.io"), Some("foo.github.io")),
        ("example.unknowntld", Some("unknowntld"), Some("example.unknowntld")),
        ("co.uk", Some("co.uk"), None),
        ("", None, None),
    ] {
        assert_eq!(psl.suffix_and_registrable(host), (suffix, reg), "{host}");
    }
}

#[test]
fn parse_errors_are_the_publicsuffix_crates() {
    let head = "// BEGIN ICANN DOMAINS\n";
    for body in [
        "",
        "// nothing\n",
        "com\n",
        "!com\n",
        "!\n",
        "a..b\n",
        ".a\n",
        "a.\n",
        "!.a\n",
        "!a.b\n",
        "*\n*.a\n!b.a\n",
        "a.*.b  trailing words\n\t\n   \n",
        "a\r\nb.a\r\n",
        "// BEGIN PRIVATE DOMAINS\nx.y\n",
    ] {
        for text in [body.to_string(), format!("{head}{body}"), format!("x.y\n{head}{body}")] {
            let ours = SuffixList::parse(&text).err().map(|e| e.to_string());
            let want = List::from_str(&text).err().map(|e| format!("public suffix list is malformed: {e:?}"));
            assert_eq!(ours, want, "list {text:?}");
        }
    }
}

#[test]
fn labels_of_any_length() {
    let long = "x".repeat(70_000);
    let edge = "y".repeat(65_535);
    let text = format!("// BEGIN ICANN DOMAINS\n{long}.com\n{edge}\nabcd\nabcde.abcd\n*.{edge}\nz\n");
    let list = List::from_str(&text).unwrap();
    let ours = SuffixList::parse(&text).unwrap();
    for h in [
        format!("a.{long}.com"),
        format!("{long}.com"),
        format!("a.{long}x.com"),
        format!("b.a.{edge}"),
        format!("a.{edge}"),
        format!("a.{edge}y"),
        "q.abcde.abcd".to_string(),
        "q.abcdf.abcd".to_string(),
        "q.abcd".to_string(),
        "abce".to_string(),
        "a.z".to_string(),
    ] {
        assert_same(&ours, &list, &h);
    }
}

/// Small lists over a tiny alphabet, so rules, wildcards, exceptions and hosts collide often.
fn small_list() -> impl Strategy<Value = String> {
    let label = prop::sample::select(vec!["a", "b", "c", "*", "ab", "é", "A", ""]);
    let rule = (prop::bool::weighted(0.2), prop::collection::vec(label, 1..4))
        .prop_map(|(exc, labels)| format!("{}{}", if exc { "!" } else { "" }, labels.join(".")));
    let line = prop_oneof![
        6 => rule,
        1 => Just("// comment".to_string()),
        1 => Just("".to_string()),
        1 => Just("// ===BEGIN PRIVATE DOMAINS===".to_string()),
    ];
    prop::collection::vec(line, 0..12).prop_map(|lines| format!("// ===BEGIN ICANN DOMAINS===\n{}\n", lines.join("\n")))
}

fn small_host() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(vec!["a", "b", "c", "*", "ab", "é", "A", "", "x"]), 0..6)
        .prop_map(|labels| labels.join("."))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_lists_match_the_publicsuffix_crate(text in small_list(), hosts in prop::collection::vec(small_host(), 1..20)) {
        let want = List::from_str(&text);
        let ours = SuffixList::parse(&text);
        prop_assert_eq!(
            ours.as_ref().err().map(ToString::to_string),
            want.as_ref().err().map(|e| format!("public suffix list is malformed: {e:?}"))
        );
        if let (Ok(ours), Ok(list)) = (ours, want) {
            for h in &hosts {
                let r = reference(&list, h);
                prop_assert_eq!((ours.suffix(h), ours.registrable(h)), r, "host {:?} list {:?}", h, text);
                prop_assert_eq!(ours.suffix_and_registrable(h), r, "host {:?} list {:?}", h, text);
            }
        }
    }
}
