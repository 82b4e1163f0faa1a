//! URL-only check: `BrandIndex::check_host` over the default pack's full brand set, on a mixed
//! sample of benign, lookalike and random hosts. `HostInfo` is built beforehand (its cost is
//! measured separately), so this is the lookalike matching alone.
//!
//! Run: `cargo bench -p ferretwatch-core --bench url_check`

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use ferretwatch_core::domain::{HostInfo, SuffixList, parse_url};
use ferretwatch_core::lookalike::BrandIndex;
use ferretwatch_core::pack::Brand;

const BRANDS_JSON: &str = include_str!("../../packs/default/brands.json");

const BENIGN: &[&str] = &[
    "www.google.com",
    "mail.google.com",
    "en.wikipedia.org",
    "www.paypal.com",
    "github.com",
    "docs.rs",
    "www.bbc.co.uk",
    "news.ycombinator.com",
    "www.example.com",
    "rust-lang.github.io",
    "münchen.de",
    "www.lemonde.fr",
    "shop.example-store.net",
    "blog.someone.dev",
    "my-bucket.s3.amazonaws.com",
    "cdn.jsdelivr.net",
];

const LOOKALIKE: &[&str] = &[
    "pаypal.com",
    "xn--pypal-4ve.com",
    "paypa1.com",
    "rnicrosoft.com",
    "gooogle.com",
    "payapl.com",
    "paypal-login.example",
    "paypal.com-secure.example",
    "www.paypal.com.account-verify.info",
    "secure-chase-verify.com",
    "аррӏе.com",
    "faceb00k.com",
];

/// Deterministic pseudo-random hosts (xorshift), so every run measures the same sample.
fn random_hosts(n: usize) -> Vec<String> {
    let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let tlds = ["com", "net", "org", "info", "xyz", "co.uk", "de", "io"];
    (0..n)
        .map(|_| {
            let len = 4 + (next() % 12) as usize;
            let label: String = (0..len).map(|_| char::from(b'a' + (next() % 26) as u8)).collect();
            let tld = tlds[(next() % tlds.len() as u64) as usize];
            if next() % 3 == 0 { format!("www.{label}.{tld}") } else { format!("{label}.{tld}") }
        })
        .collect()
}

fn host_infos(psl: &SuffixList, hosts: &[String]) -> Vec<HostInfo<'static>> {
    hosts
        .iter()
        .filter_map(|h| parse_url(&format!("http://{h}/")).ok())
        .map(|u| HostInfo::new(psl, u.host_str().unwrap_or_default()).into_owned())
        .collect()
}

fn bench(c: &mut Criterion) {
    let brands: Vec<Brand> = serde_json::from_str(BRANDS_JSON).expect("brands.json parses");
    let psl = SuffixList::embedded();
    let index = BrandIndex::with_suffix_list(&brands, &psl);
    let mut mixed: Vec<String> = Vec::new();
    mixed.extend(BENIGN.iter().map(|s| s.to_string()));
    mixed.extend(LOOKALIKE.iter().map(|s| s.to_string()));
    mixed.extend(random_hosts(32));
    let mixed = host_infos(&psl, &mixed);
    let benign = host_infos(&psl, &BENIGN.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let lookalike = host_infos(&psl, &LOOKALIKE.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let random = host_infos(&psl, &random_hosts(64));

    per_host_report(&index, &mixed);
    c.bench_function("build_brand_index", |b| b.iter(|| BrandIndex::with_suffix_list(black_box(&brands), &psl)));
    let mut group = c.benchmark_group("check_host");
    for (name, sample) in [("mixed", &mixed), ("benign", &benign), ("lookalike", &lookalike), ("random", &random)] {
        let mut i = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % sample.len();
                index.check_host(black_box(&sample[i]))
            })
        });
    }
    group.finish();
    c.bench_function("brands_named_in", |b| {
        b.iter(|| index.brands_named_in(black_box("Sign in to your PayPal account | Secure")))
    });
}

/// The figure the budget is about: the *median over hosts* of the time one `check_host` takes
/// (each host timed over many repetitions), plus p90 and the slowest hosts, printed once.
fn per_host_report(index: &BrandIndex, sample: &[HostInfo]) {
    const REPS: u32 = 2_000;
    let mut times: Vec<(f64, &str)> = sample
        .iter()
        .map(|h| {
            let _ = index.check_host(h);
            let start = Instant::now();
            for _ in 0..REPS {
                black_box(index.check_host(black_box(h)));
            }
            (start.elapsed().as_secs_f64() * 1e9 / f64::from(REPS), h.ascii.as_ref())
        })
        .collect();
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize].0;
    println!(
        "check_host per host over {} mixed hosts: median {:.0} ns, p90 {:.0} ns, max {:.0} ns",
        times.len(),
        at(0.5),
        at(0.9),
        at(1.0)
    );
    for (t, h) in times.iter().rev().take(5) {
        println!("  slowest: {h} {t:.0} ns");
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
