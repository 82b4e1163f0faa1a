//! Property tests: the YARA-subset compiler and scanner never panic, whatever the source text
//! or data (token soup biased towards YARA syntax, so deep parser paths are reached).

use ferretwatch_core::budget::{Budget, FrozenClock, Limits};
use ferretwatch_core::yara;
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "rule",
    "r",
    "private",
    "global",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    "=",
    "meta",
    "strings",
    "condition",
    "$a",
    "$b",
    "$",
    "$a*",
    "#a",
    "@a",
    "!a",
    "\"x\"",
    "\"\\x00y\"",
    "nocase",
    "wide",
    "ascii",
    "fullword",
    "xor",
    "{ 41 ?? [1-2] ( 42 | 43 ) }",
    "{ 4? ?1 }",
    "{ [1] }",
    "/a.b/is",
    "/[^a]+?/",
    "/(a|b){2,}/",
    "/\\bx\\d/",
    "and",
    "or",
    "not",
    "of",
    "them",
    "any",
    "all",
    "none",
    "at",
    "in",
    "..",
    "filesize",
    "1KB",
    "0x10",
    "2",
    "==",
    "<",
    ">=",
    "!=",
    "true",
    "false",
    "for",
    "import",
    "\"pe\"",
    "//c\n",
    "/*c*/",
    "\n",
    "-",
    "+",
    "%",
];

fn source() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|t| t.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn compile_never_panics(src in source()) {
        let _ = yara::compile(&[("p.yar", &src)], &[]);
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        let _ = yara::compile(&[("p.yar", &src)], &[]);
    }

    #[test]
    fn scan_never_panics(data in prop::collection::vec(any::<u8>(), 0..2000)) {
        let rules = yara::compile(&[("p.yar", r#"
            rule a { strings: $a = "ab" nocase wide ascii fullword $b = { 61 ?? [0-3] ( 62 | 63 64 ) } $c = /[^a]b+?\b/is
                     condition: (#a > 1 or $b at 0 or $c in (0..filesize)) and 1 of them }
            rule b { strings: $x = /(.)\x00/ condition: a or $x }
        "#)], &["ab".into(), "zz".into()]).expect("compiles");
        let mut budget = Budget::start(&FrozenClock, Limits::default());
        let res = rules.scan(&data, &mut budget);
        prop_assert!(!res.partial);
        for m in &res.matches {
            prop_assert!(m.snippet.chars().count() <= 80);
            prop_assert!(m.snippet.chars().all(|c| c.is_ascii_graphic() || c == ' '));
        }
    }
}
