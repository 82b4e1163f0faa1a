//! The YARA-subset scanner never panics on any input: a fixed rule set covering every construct
//! scans the fuzz data; when the data holds a NUL, the part before it is also compiled as rules
//! and scans the rest.
#![no_main]

use std::sync::OnceLock;

use ferretwatch_core::budget::{Budget, FrozenClock, Limits};
use ferretwatch_core::yara::{self, Rules};
use libfuzzer_sys::fuzz_target;

const RULES: &str = r#"
private rule small { condition: filesize < 64KB }
rule text : phishing {
  meta: severity = "high" weight = 40
  strings:
    $a = "verify your account" nocase
    $b = "paypal" wide ascii fullword
    $c = "\x00\xff"
  condition: small and (any of them or #b >= 2)
}
rule hex {
  strings:
    $h1 = { 3C 66 6F 72 6D [0-16] 70 61 73 73 }
    $h2 = { 4? ?A ( 90 | 91 92 ) ?? 00 }
  condition: $h1 in (0..1000) or $h2 at 0 or 2 of ($h*)
}
rule re {
  strings:
    $r1 = /https?:\/\/[a-z0-9.-]+\/(login|signin)/i
    $r2 = /[a-z]{3,8}\d+/s
    $r3 = /\bbtc\b.{0,20}wallet$/
  condition: none of ($r1, $r2) or all of ($r*) or text
}
"#;

fn rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| yara::compile(&[("fuzz.yar", RULES)], &["gift card".into()]).expect("fixed rules compile"))
}

fuzz_target!(|data: &[u8]| {
    let mut budget = Budget::start(&FrozenClock, Limits::default());
    let _ = rules().scan(data, &mut budget);
    if let Some(nul) = data.iter().position(|&b| b == 0)
        && let Ok(src) = std::str::from_utf8(&data[..nul])
        && let Ok(r) = yara::compile(&[("fuzz.yar", src)], &[])
    {
        let mut budget = Budget::start(&FrozenClock, Limits::default());
        let _ = r.scan(&data[nul + 1..], &mut budget);
    }
});
