//! Hostile input never panics: feed importers on arbitrary text, and the compiled artifacts'
//! readers (`.fwrep`, `.fwmm`, `.fwdelta`) on arbitrary or damaged bytes.

use ferretwatch_core::intel::{FORMATS, ImportOptions, import};
use ferretwatch_core::pack::IndicatorKind;
use ferretwatch_core::reputation::{Delta, FingerprintSet, MetaMaskList};
use proptest::prelude::*;

fn feedish() -> impl Strategy<Value = String> {
    // Lines mixing the feeds' punctuation with host- and URL-like tokens.
    let token = prop_oneof![
        Just("0.0.0.0".to_string()),
        Just("\"".to_string()),
        Just(",".to_string()),
        Just("#".to_string()),
        Just("http://".to_string()),
        Just("[".to_string()),
        Just("{".to_string()),
        Just("\"blacklist\":".to_string()),
        "[a-zA-Z0-9.:/?=%_-]{0,12}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(prop::collection::vec(token, 0..8).prop_map(|t| t.join(" ")), 0..20)
        .prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn importers_never_panic(text in feedish()) {
        let opts = ImportOptions { fetched_at: 1_795_564_800, ..ImportOptions::default() };
        for f in FORMATS {
            if let Ok(imp) = import(*f, &[("fuzz", text.as_bytes())], &opts) {
                let _ = imp.artifacts();
                prop_assert!(imp.skipped >= imp.warnings.len());
            }
        }
    }

    #[test]
    fn readers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        // Whatever is accepted re-serializes to something that reads back the same.
        if let Ok(s) = FingerprintSet::from_bytes(&bytes) {
            let again = FingerprintSet::from_bytes(&s.to_bytes()).unwrap();
            prop_assert_eq!(again.fingerprints(), s.fingerprints());
        }
        if let Ok(m) = MetaMaskList::from_bytes(&bytes) {
            prop_assert_eq!(MetaMaskList::from_bytes(&m.to_bytes()).unwrap(), m);
        }
        if let Ok(d) = Delta::from_bytes(&bytes) {
            prop_assert_eq!(Delta::from_bytes(&d.to_bytes()).unwrap(), d);
        }
    }

    #[test]
    fn damaged_artifacts_are_refused_or_read_without_panic(flip in 0usize..4000, byte in any::<u8>()) {
        let entries: Vec<String> = (0..300).map(|i| format!("h{i}.example")).collect();
        let set = FingerprintSet::new("feed", IndicatorKind::Host, &entries);
        let mut rep = set.to_bytes();
        let i = flip % rep.len();
        rep[i] = byte;
        if let Ok(back) = FingerprintSet::from_bytes(&rep) {
            prop_assert!(back.len() <= 300);
        }
        let mm = MetaMaskList::new("metamask", "1", 2, &entries[..50], &entries[50..60], &entries[60..65]);
        let mut mmb = mm.to_bytes();
        let j = flip % mmb.len();
        mmb[j] = byte;
        let _ = MetaMaskList::from_bytes(&mmb);
        let other = FingerprintSet::new("feed", IndicatorKind::Host, &entries[10..]);
        let mut d = Delta::between(&set, &other).to_bytes();
        let k = flip % d.len();
        d[k] = byte;
        if let Ok(delta) = Delta::from_bytes(&d) {
            let _ = delta.apply(&set.to_bytes());
        }
    }
}
