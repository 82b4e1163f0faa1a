//! YARA-subset scan throughput: 1,000 generated rules (~10,000 strings: text with
//! nocase/wide/fullword, hex with wildcards and jumps, regexes) over a 1 MiB HTML-like page, next
//! to a bare overlapping aho-corasick pass over the same automaton (the same atoms).
//! The side-by-side comparison with yara-python is tests/yara_diff/bench.py.
//!
//! `cargo bench -p ferretwatch-core --bench yara`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ferretwatch_core::budget::{Budget, FrozenClock, Limits};
use ferretwatch_core::yara;

/// A small deterministic generator (xorshift64*), so the bench needs no extra crates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "account",
    "verify",
    "login",
    "password",
    "secure",
    "update",
    "bank",
    "paypal",
    "apple",
    "wallet",
    "bitcoin",
    "invoice",
    "payment",
    "confirm",
    "suspended",
    "unlock",
    "billing",
    "support",
    "session",
    "token",
    "signin",
    "office",
    "outlook",
    "amazon",
    "gift",
    "card",
    "prize",
    "winner",
    "claim",
    "urgent",
];

fn gen_rules(rng: &mut Rng, rules: usize, per_rule: usize) -> (String, Vec<String>) {
    let mut src = String::new();
    let mut planted = Vec::new();
    for r in 0..rules {
        src += &format!("rule bench_{r} : phishing {{\n  meta: severity = \"medium\"\n  strings:\n");
        for s in 0..per_rule {
            let w = format!("{}{}", rng.pick(WORDS), rng.below(100_000));
            let k = rng.below(100);
            if k < 70 {
                let mut mods = String::new();
                if rng.below(10) < 3 {
                    mods += " nocase";
                }
                if rng.below(10) < 1 {
                    mods += " wide ascii";
                }
                if rng.below(10) < 2 {
                    mods += " fullword";
                }
                src += &format!("    $s{s} = \"{w}\"{mods}\n");
                planted.push(w);
            } else if k < 85 {
                let tail = &w.as_bytes()[w.len().saturating_sub(6)..];
                let hex: Vec<String> = tail.iter().map(|b| format!("{b:02X}")).collect();
                src += &format!("    $s{s} = {{ {} ?? [0-4] {:02X} 3? }}\n", hex.join(" "), rng.below(256));
            } else {
                let flag = if rng.below(10) < 3 { "i" } else { "" };
                src += &format!("    $s{s} = /{w}[a-z0-9_]{{0,8}}\\.(php|html?)/{flag}\n");
            }
        }
        src += "  condition:\n    any of them\n}\n";
    }
    (src, planted)
}

fn gen_page(rng: &mut Rng, size: usize, planted: &[String]) -> Vec<u8> {
    let tags = ["<div class=\"c\">", "<span>", "</span>", "<p>", "</p>", "<a href=\"/x/1\">", "</a>", "</div>"];
    let mut page = String::from("<!doctype html><html><head><title>Welcome</title></head><body>");
    while page.len() < size {
        let r = rng.below(1000);
        if r < 400 {
            page += rng.pick(&tags);
        } else if r < 995 || planted.is_empty() {
            page += rng.pick(WORDS);
            page.push(' ');
        } else {
            page += &planted[rng.below(planted.len() as u64) as usize];
            page.push(' ');
        }
    }
    page.truncate(size);
    page.into_bytes()
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (src, planted) = gen_rules(&mut rng, 1000, 10);
    let page = gen_page(&mut rng, 1 << 20, &planted);
    let rules = yara::compile(&[("bench.yar", &src)], &[]).expect("bench rules compile");
    let mut g = c.benchmark_group("yara_1MiB_page");
    g.throughput(Throughput::Bytes(page.len() as u64));
    g.sample_size(10);
    g.bench_function("ferretwatch_scan", |b| {
        b.iter(|| {
            let mut budget = Budget::start(&FrozenClock, Limits { time_us: u64::MAX, bytes: usize::MAX });
            black_box(rules.scan(black_box(&page), &mut budget))
        })
    });
    g.bench_function("bare_aho_corasick", |b| b.iter(|| black_box(rules.bare_automaton_pass(black_box(&page)))));
    g.finish();
    c.bench_function("yara_compile_1000_rules", |b| {
        b.iter(|| black_box(yara::compile(&[("bench.yar", &src)], &[]).expect("compiles")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
