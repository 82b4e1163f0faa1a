//! `yara::compile_fast_start` (the shared automaton as the contiguous NFA, its DFA built later by
//! `Rules::prepare_fast_scan`) against `yara::compile` (the DFA at once): the same matches,
//! snippets, literal hits and automaton hits on every input, before and after the DFA is built.

use ferretwatch_core::budget::{Budget, FrozenClock, Limits};
use ferretwatch_core::yara::{self, Rules, ScanResult};
use proptest::prelude::*;

const WORDS: &[&str] = &["ab", "abc", "bca", "verify", "account", "pay", "paypal", "aaa", "a", "b c", "gift card"];

fn scan(rules: &Rules, data: &[u8]) -> ScanResult {
    let mut budget = Budget::start(&FrozenClock, Limits::default());
    rules.scan(data, &mut budget)
}

/// One rule per string kind and condition shape, over words that overlap each other (the
/// overlapping automaton matches must agree hit for hit).
fn rules_source() -> impl Strategy<Value = String> {
    let string = prop_oneof![
        (
            prop::sample::select(WORDS),
            prop::sample::select(vec!["", " nocase", " wide ascii", " fullword", " nocase fullword"])
        )
            .prop_map(|(w, m)| format!("\"{w}\"{m}")),
        prop::sample::select(vec!["{ 61 62 }", "{ 61 ?? 63 }", "{ 70 61 [0-2] 70 }", "{ ( 61 | 62 ) 63 }"])
            .prop_map(String::from),
        prop::sample::select(vec!["/ab+c/", "/pay(pal)?/i", "/[ab]{2}c/", "/gift\\s+card/"]).prop_map(String::from),
    ];
    let cond = prop::sample::select(vec![
        "any of them",
        "all of them",
        "$s0",
        "#s0 > 1",
        "not $s0",
        "2 of them",
        "$s0 and not $s1",
    ]);
    let rule = (prop::collection::vec(string, 2..4), cond).prop_map(|(strings, cond)| {
        let decl: Vec<String> = strings.iter().enumerate().map(|(i, s)| format!("$s{i} = {s}")).collect();
        (decl.join(" "), cond)
    });
    prop::collection::vec(rule, 1..5).prop_map(|rules| {
        rules
            .into_iter()
            .enumerate()
            .map(|(i, (decl, cond))| format!("rule r{i} {{ strings: {decl} condition: {cond} }}\n"))
            .collect()
    })
}

fn data() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        prop::sample::select(WORDS).prop_map(|w| w.as_bytes().to_vec()),
        prop::sample::select(WORDS).prop_map(|w| w.to_uppercase().into_bytes()),
        prop::sample::select(WORDS).prop_map(|w| w.bytes().flat_map(|b| [b, 0]).collect()),
        prop::collection::vec(any::<u8>(), 0..4),
        Just(b" ".to_vec()),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|p| p.concat())
}

fn literals() -> Vec<String> {
    ["pay", "verify your account", "paypal", "aaa"].iter().map(|s| (*s).to_string()).collect()
}

#[test]
fn the_pack_rules_start_as_an_nfa_and_end_as_the_eager_dfa() {
    let src = include_str!("../../packs/default/rules/phishing_kits.yar");
    let eager = yara::compile(&[("k.yar", src)], &literals()).unwrap();
    let mut lazy = yara::compile_fast_start(&[("k.yar", src)], &literals()).unwrap();
    assert!(eager.automaton_memory().1.contains("DFA"), "{:?}", eager.automaton_memory());
    assert!(lazy.automaton_memory().1.contains("NFA"), "{:?}", lazy.automaton_memory());
    assert!(lazy.fast_scan_pending());
    let page = b"Please VERIFY YOUR ACCOUNT at PayPal: <form action=x><input type=password></form>";
    let before = scan(&lazy, page);
    assert!(lazy.prepare_fast_scan());
    assert!(!lazy.fast_scan_pending());
    assert!(!lazy.prepare_fast_scan(), "second call is a no-op");
    assert_eq!(lazy.automaton_memory(), eager.automaton_memory());
    assert_eq!(before, scan(&eager, page));
    assert_eq!(scan(&lazy, page), scan(&eager, page));
}

#[test]
fn no_pending_dfa_without_patterns_or_after_an_eager_compile() {
    let mut empty = yara::compile_fast_start(&[("e.yar", "rule e { condition: true }")], &[]).unwrap();
    assert!(!empty.fast_scan_pending());
    assert!(!empty.prepare_fast_scan());
    let mut eager = yara::compile(&[("e.yar", "rule e { strings: $a = \"x\" condition: $a }")], &[]).unwrap();
    assert!(!eager.prepare_fast_scan());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn nfa_and_dfa_give_the_same_results(src in rules_source(), inputs in prop::collection::vec(data(), 1..4)) {
        let eager = match yara::compile(&[("p.yar", &src)], &literals()) {
            Ok(r) => r,
            Err(e) => {
                // Both compiles refuse the same sources the same way.
                prop_assert_eq!(yara::compile_fast_start(&[("p.yar", &src)], &literals()).err(), Some(e));
                return Ok(());
            }
        };
        let mut lazy = yara::compile_fast_start(&[("p.yar", &src)], &literals()).unwrap();
        prop_assert!(lazy.automaton_memory().1.contains("NFA"));
        for d in &inputs {
            prop_assert_eq!(scan(&lazy, d), scan(&eager, d), "NFA, rules {}", src);
            prop_assert_eq!(lazy.bare_automaton_pass(d), eager.bare_automaton_pass(d));
        }
        lazy.prepare_fast_scan();
        prop_assert_eq!(lazy.automaton_memory().1, eager.automaton_memory().1);
        for d in &inputs {
            prop_assert_eq!(scan(&lazy, d), scan(&eager, d), "DFA, rules {}", src);
        }
    }
}
