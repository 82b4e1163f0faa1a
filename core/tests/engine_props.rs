//! Property tests: whatever the features, a scan gives a verdict in range or a clean error, and
//! the same input gives the same verdict.

use ferretwatch_core::budget::FrozenClock;
use ferretwatch_core::features::{Form, Input};
use ferretwatch_core::pack::PackFiles;
use ferretwatch_core::{Engine, PageFeatures, Settings};
use proptest::prelude::*;

static ENGINE: std::sync::LazyLock<Engine> = std::sync::LazyLock::new(build_engine);

fn build_engine() -> Engine {
    let mut files = PackFiles::new();
    files.insert(
        "pack.json".into(),
        br#"{"version": "p", "weights": {"phishing_form_cross_domain": 30, "redirect_unrelated_domain": 10,
            "cross_domain_hotlink": 12, "login_form_unknown_host": 15, "hidden_credential_fields": 10,
            "data_url_resources": 6, "obfuscated_inline_js": 12, "new_domain_local_first_seen": 15,
            "reputation_hit": 70, "brand_name_mismatch": 20, "idn_homograph_high": 40, "idn_homograph_medium": 25},
            "urgency_keywords": ["verify your account", "gift card"]}"#
            .to_vec(),
    );
    files.insert(
        "brands.json".into(),
        br#"[{"name": "PayPal", "category": "payment", "domains": ["paypal.com"]},
             {"name": "Google", "category": "email", "domains": ["google.com"]}]"#
            .to_vec(),
    );
    files.insert("reputation/r.txt".into(), b"# kind: host\nbad.example\n".to_vec());
    Engine::from_files(&files).unwrap()
}

fn any_url() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "(https?|ftp|data|javascript)://[a-z0-9.\\-\u{430}-\u{44f}]{0,30}(/\\PC{0,20})?",
        "https?://(xn--)?[a-z0-9-]{1,20}\\.(com|co\\.uk|example|github\\.io|рф)/[a-z]{0,10}",
        "https?://\\[[0-9a-f:]{0,20}\\]/",
    ]
}

fn any_form() -> impl Strategy<Value = Form> {
    (any_url(), prop::collection::vec(("(password|email|hidden|text|\\PC{0,5})", "\\PC{0,10}", any::<bool>()), 0..5))
        .prop_map(|(action, inputs)| Form {
            action,
            inputs: inputs.into_iter().map(|(kind, name, hidden)| Input { kind, name, hidden }).collect(),
        })
}

prop_compose! {
    fn any_features()(
        url in any_url(),
        title in "\\PC{0,30}",
        og in "\\PC{0,10}",
        forms in prop::collection::vec(any_form(), 0..3),
        images in prop::collection::vec(any_url(), 0..4),
        styles in prop::collection::vec(any_url(), 0..3),
        scripts in prop::collection::vec(any_url(), 0..3),
        redirect in any_url(),
        text in "\\PC{0,200}",
        html in "\\PC{0,200}",
        script in "(eval\\(|atob\\(|\\PC){0,60}",
        phashes in prop::collection::vec("[0-9a-fA-Fx]{0,17}", 0..3),
        first_seen in proptest::option::of(any::<u64>()),
        now in proptest::option::of(any::<u64>()),
    ) -> PageFeatures {
        PageFeatures { url, title, og_site_name: og, image_phashes: phashes, forms, links: vec![], images, scripts,
            styles, redirect, text, html, inline_script: script, first_seen_ms: first_seen, now_ms: now }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn scans_never_panic_and_stay_in_range(f in any_features()) {
        let e = &*ENGINE;
        match e.scan(&f, &Settings::default(), &FrozenClock) {
            Ok(v) => {
                prop_assert!(v.score <= 100);
                for x in &v.findings {
                    prop_assert!((0.0..=1.0).contains(&x.confidence));
                    prop_assert!(!x.evidence.is_empty());
                }
                let again = e.scan(&f, &Settings::default(), &FrozenClock).unwrap();
                prop_assert_eq!(again, v);
            }
            Err(err) => prop_assert_eq!(err.kind(), "bad_url"),
        }
    }

    #[test]
    fn features_json_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = PageFeatures::from_json(&bytes);
    }
}
