//! Compiled reputation artifacts: arbitrary bytes as a `.fwrep` list (the decoder and the
//! engine's in-place table must agree: the same fingerprints or the same error), as a
//! `.fwdelta` (parsed, then applied to a small base) and as a `.fwmm` MetaMask list. Never a
//! panic; a parsed list re-serializes to bytes that parse to the same list.
#![no_main]

use ferretwatch_core::pack::IndicatorKind;
use ferretwatch_core::reputation::{Delta, FingerprintSet, FingerprintTable, MetaMaskList};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match (FingerprintSet::from_bytes(data), FingerprintTable::from_file(data.to_vec())) {
        (Ok(set), Ok((source, kind, table))) => {
            assert_eq!((source.as_str(), kind), (set.source.as_str(), set.kind));
            assert_eq!(table.to_vec(), set.fingerprints());
            for &h in set.fingerprints().iter().take(64) {
                assert!(table.contains_fingerprint(h));
            }
            let again = FingerprintSet::from_bytes(&set.to_bytes()).expect("re-serialized list parses");
            assert_eq!(again.fingerprints(), set.fingerprints());
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!("decoder and table disagree: {:?} vs {:?}", a.map(|s| s.len()), b.map(|t| t.2.len())),
    }
    if let Ok(delta) = Delta::from_bytes(data) {
        let entries: Vec<String> = (0..300).map(|i| format!("h{i}.example")).collect();
        let base = FingerprintSet::new("feed", IndicatorKind::Host, &entries).to_bytes();
        if let Ok(result) = delta.apply(&base) {
            assert_eq!(result.len(), delta.result_len as usize);
        }
        assert_eq!(Delta::from_bytes(&delta.to_bytes()).as_ref(), Ok(&delta));
    }
    if let Ok(list) = MetaMaskList::from_bytes(data) {
        assert_eq!(MetaMaskList::from_bytes(&list.to_bytes()).as_ref(), Ok(&list));
    }
});
