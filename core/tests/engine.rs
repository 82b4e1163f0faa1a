//! Engine behaviour: scoring model, thresholds, trusted sites, degradation levels, budgets,
//! determinism and bad input. Uses a small pack built in the test.

use std::cell::Cell;

use ferretwatch_core::budget::{FrozenClock, Limits};
use ferretwatch_core::features::{Form, Input};
use ferretwatch_core::pack::{PackFiles, Thresholds};
use ferretwatch_core::{DegradationLevel, Engine, Level, PageFeatures, Settings};

fn pack() -> PackFiles {
    let mut files = PackFiles::new();
    files.insert(
        "pack.json".into(),
        br#"{
          "version": "test-1",
          "weights": {"phishing_form_cross_domain": 30, "redirect_unrelated_domain": 10,
                      "reputation_hit": 70, "new_domain_local_first_seen": 15,
                      "cross_domain_hotlink": 12, "login_form_unknown_host": 15,
                      "hidden_credential_fields": 10, "data_url_resources": 6},
          "caps": {"reputation_hit": 100},
          "severe_signals": ["reputation_hit"],
          "cdn_allowlist": ["jsdelivr.net"],
          "trusted_sites": ["pack-trusted.example"]
        }"#
        .to_vec(),
    );
    files.insert(
        "brands.json".into(),
        br#"[{"name": "PayPal", "category": "payment", "domains": ["paypal.com", "paypalobjects.com"]}]"#.to_vec(),
    );
    files.insert("reputation/feed-a.txt".into(), b"# source: feed-a\n# kind: host\nbad.example\n".to_vec());
    files.insert("reputation/feed-b.txt".into(), b"# source: feed-b\n# kind: url\nphish.example/login/\n".to_vec());
    files
}

fn engine() -> Engine {
    Engine::from_files(&pack()).expect("test pack loads")
}

fn password_form(action: &str) -> Form {
    Form {
        action: action.into(),
        inputs: vec![
            Input { kind: "email".into(), name: "email".into(), hidden: false },
            Input { kind: "password".into(), name: "pass".into(), hidden: false },
        ],
    }
}

fn signals(v: &ferretwatch_core::Verdict) -> Vec<&str> {
    v.findings.iter().map(|f| f.signal.as_str()).collect()
}

#[test]
fn score_is_weight_times_confidence_summed() {
    let e = engine();
    let mut f = PageFeatures::from_url("https://shop.example/login");
    f.forms.push(password_form("https://collector.example/post.php"));
    f.redirect = "https://elsewhere.example/".into();
    let v = e.scan(&f, &Settings::default(), &FrozenClock).unwrap();
    // 30 (cross-domain form) + 10 (redirect) + 15 × 0.4 (login form on an unknown host) = 46
    assert_eq!(v.score, 46, "{:#?}", v.findings);
    assert_eq!(v.level, Level::Yellow);
    assert_eq!(signals(&v), ["phishing_form_cross_domain", "redirect_unrelated_domain", "login_form_unknown_host"]);
    assert_eq!(v.pack_version, "test-1");
    assert!(!v.partial);
}

#[test]
fn per_signal_caps_hold() {
    let e = engine();
    let mut f = PageFeatures::from_url("https://shop.example/login");
    for i in 0..5 {
        f.forms.push(password_form(&format!("https://c{i}.example/post")));
    }
    let v = e.scan(&f, &Settings::default(), &FrozenClock).unwrap();
    // five cross-domain forms still count 30 (cap = weight), plus 6 for the unknown-host login
    assert_eq!(v.score, 36);
}

#[test]
fn reputation_hits_name_their_source_and_cover_subdomains_and_url_prefixes() {
    let e = engine();
    let v = e.scan(&PageFeatures::from_url("http://www.bad.example/x"), &Settings::default(), &FrozenClock).unwrap();
    assert_eq!(v.level, Level::Red);
    assert_eq!(v.findings[0].source.as_deref(), Some("feed-a"));
    let v = e
        .scan(&PageFeatures::from_url("https://phish.example/login/index.php?x=1"), &Settings::default(), &FrozenClock)
        .unwrap();
    assert_eq!(v.findings[0].source.as_deref(), Some("feed-b"));
    let v = e.scan(&PageFeatures::from_url("https://phish.example/other"), &Settings::default(), &FrozenClock).unwrap();
    assert!(v.findings.is_empty());
}

#[test]
fn thresholds_are_user_adjustable() {
    let e = engine();
    let mut f = PageFeatures::from_url("https://shop.example/login");
    f.forms.push(password_form("https://collector.example/post.php"));
    let strict = Settings { thresholds: Some(Thresholds { yellow: 10, red: 30 }), ..Settings::default() };
    assert_eq!(e.scan(&f, &strict, &FrozenClock).unwrap().level, Level::Red);
    assert_eq!(e.scan(&f, &Settings::default(), &FrozenClock).unwrap().level, Level::Green);
}

#[test]
fn trusted_sites_silence_all_but_severe_signals() {
    let e = engine();
    let mut f = PageFeatures::from_url("https://shop.example/login");
    f.forms.push(password_form("https://collector.example/post.php"));
    let trust = Settings { trusted_sites: vec!["shop.example".into()], ..Settings::default() };
    let v = e.scan(&f, &trust, &FrozenClock).unwrap();
    assert!(v.trusted);
    assert_eq!(v.score, 0);
    // ...but a reputation hit (severe) still shows on a trusted site
    let trust = Settings { trusted_sites: vec!["bad.example".into()], ..Settings::default() };
    let v = e.scan(&PageFeatures::from_url("https://bad.example/"), &trust, &FrozenClock).unwrap();
    assert_eq!(v.level, Level::Red);
    // the pack's own trusted list and the brands' own domains are trusted too
    let v =
        e.scan(&PageFeatures::from_url("https://pack-trusted.example/"), &Settings::default(), &FrozenClock).unwrap();
    assert!(v.trusted);
    let mut f = PageFeatures::from_url("https://www.paypal.com/signin");
    f.forms.push(password_form("https://www.paypalobjects.com/post"));
    let v = e.scan(&f, &Settings::default(), &FrozenClock).unwrap();
    assert!(v.trusted);
    assert_eq!(v.score, 0);
}

#[test]
fn fresh_domains_raise_risk_for_24_hours() {
    let e = engine();
    let now = 1_764_000_000_000u64;
    let mut f = PageFeatures::from_url("https://new.example/");
    f.now_ms = Some(now);
    f.first_seen_ms = Some(now - 2 * 3_600_000);
    let v = e.scan(&f, &Settings::default(), &FrozenClock).unwrap();
    assert_eq!(signals(&v), ["new_domain_local_first_seen"]);
    f.first_seen_ms = Some(now - 25 * 3_600_000);
    assert!(e.scan(&f, &Settings::default(), &FrozenClock).unwrap().findings.is_empty());
}

#[test]
fn hotlinking_from_a_brand_site_is_certain_and_cdns_are_allowed() {
    let e = engine();
    let mut f = PageFeatures::from_url("https://login.example/");
    f.images = vec!["https://www.paypalobjects.com/logo.svg".into(), "/local.png".into()];
    let v = e.scan(&f, &Settings::default(), &FrozenClock).unwrap();
    assert_eq!(v.findings[0].signal, "cross_domain_hotlink");
    assert_eq!(v.findings[0].confidence, 1.0);
    assert_eq!(v.findings[0].brand.as_deref(), Some("PayPal"));
    let mut f = PageFeatures::from_url("https://blog.example/");
    f.styles = vec!["https://cdn.jsdelivr.net/npm/x.css".into()];
    assert!(e.scan(&f, &Settings::default(), &FrozenClock).unwrap().findings.is_empty());
}

#[test]
fn degradation_levels_gate_signals() {
    let e = engine();
    let mut f = PageFeatures::from_url("https://bad.example/login");
    f.forms.push(password_form("https://collector.example/post.php"));
    f.images = vec!["data:image/png;base64,AA==".into(); 3];
    let at = |level| {
        let s = Settings { level, ..Settings::default() };
        e.scan(&f, &s, &FrozenClock).unwrap()
    };
    let full = at(DegradationLevel::Full);
    assert!(signals(&full).contains(&"data_url_resources"));
    let core = at(DegradationLevel::Core);
    assert!(!signals(&core).contains(&"data_url_resources"));
    assert!(signals(&core).contains(&"phishing_form_cross_domain"));
    assert_eq!(signals(&at(DegradationLevel::Cached)), signals(&core));
    assert_eq!(signals(&at(DegradationLevel::Minimal)), ["reputation_hit"]);
}

#[test]
fn running_out_of_time_gives_a_partial_verdict() {
    let e = engine();
    let t = Cell::new(0u64);
    let clock = move || {
        t.set(t.get() + 150_000);
        t.get()
    };
    let mut f = PageFeatures::from_url("https://shop.example/");
    f.text = "word ".repeat(100_000);
    f.html = "<p>x</p>".repeat(100_000);
    let v = e.scan(&f, &Settings::default(), &clock).unwrap();
    assert!(v.partial);
}

#[test]
fn running_out_of_bytes_gives_a_partial_verdict() {
    let e = engine();
    let mut f = PageFeatures::from_url("https://shop.example/");
    f.html = "a".repeat(2_000);
    let s = Settings { limits: Limits { time_us: u64::MAX, bytes: 1_000 }, ..Settings::default() };
    assert!(e.scan(&f, &s, &FrozenClock).unwrap().partial);
    assert!(!e.scan(&f, &Settings::default(), &FrozenClock).unwrap().partial);
}

#[test]
fn same_input_same_verdict() {
    let e = engine();
    let mut f = PageFeatures::from_url("https://shop.example/login");
    f.forms.push(password_form("https://collector.example/post.php"));
    f.redirect = "https://elsewhere.example/".into();
    let a = e.scan(&f, &Settings::default(), &FrozenClock).unwrap();
    let b = engine().scan(&f, &Settings::default(), &FrozenClock).unwrap();
    assert_eq!(a, b);
}

#[test]
fn bad_urls_are_errors_not_panics() {
    let e = engine();
    for bad in ["", "http://", "data:text/html,hi", "javascript:alert(1)", "http://exa mple.com/"] {
        let err = e.scan(&PageFeatures::from_url(bad), &Settings::default(), &FrozenClock).unwrap_err();
        assert_eq!(err.kind(), "bad_url", "{bad}");
    }
}

#[test]
fn bad_packs_are_errors_naming_the_file() {
    let mut files = pack();
    files.insert("pack.json".into(), b"{\"version\": \"1\", \"weights\": {\"x\": 500}}".to_vec());
    let err = Engine::from_files(&files).unwrap_err().to_string();
    assert!(err.contains("pack.json") && err.contains("500"), "{err}");
    let mut files = pack();
    files.insert("brands.json".into(), b"[{\"name\": \"X\"".to_vec());
    let err = Engine::from_files(&files).unwrap_err().to_string();
    assert!(err.contains("brands.json"), "{err}");
    let mut files = pack();
    files.insert("reputation/x.txt".into(), b"no header\n".to_vec());
    let err = Engine::from_files(&files).unwrap_err().to_string();
    assert!(err.contains("reputation/x.txt") && err.contains("kind"), "{err}");
    let mut files = pack();
    files.insert("pack.json".into(), vec![0xff, 0xfe]);
    let err = Engine::from_files(&files).unwrap_err().to_string();
    assert!(err.contains("UTF-8"), "{err}");
    let mut files = pack();
    files.remove("brands.json");
    assert!(Engine::from_files(&files).unwrap_err().to_string().contains("missing"));
}
