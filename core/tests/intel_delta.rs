//! Delta artifacts (`.fwdelta`): apply, refuse a wrong base or a wrong result, stay small; and
//! the size and false-positive rate of a 1,000,000-host fingerprint set.

use ferretwatch_core::pack::IndicatorKind;
use ferretwatch_core::reputation::{
    Delta, DeltaError, FingerprintError, FingerprintSet, fingerprint, hex, list_fingerprint, sha256,
};

fn hosts(range: std::ops::Range<u32>) -> Vec<String> {
    range.map(|i| format!("host{i}.example")).collect()
}

fn base_and_new() -> (FingerprintSet, FingerprintSet) {
    let base = FingerprintSet::new("urlhaus", IndicatorKind::Host, &hosts(0..1000));
    // 10 removed (0..10), 20 added (1000..1020).
    let new = FingerprintSet::new("urlhaus", IndicatorKind::Host, &hosts(10..1020));
    (base, new)
}

#[test]
fn apply_gives_the_new_list_byte_for_byte() {
    let (base, new) = base_and_new();
    let delta = Delta::between(&base, &new);
    assert_eq!((delta.removes.len(), delta.adds.len(), delta.result_len), (10, 20, 1010));
    let bytes = delta.to_bytes();
    assert_eq!(bytes.len(), 6 + 1 + 2 + 7 + 32 + 32 + 4 + 4 + 60 + 4 + 120);
    let parsed = Delta::from_bytes(&bytes).unwrap();
    assert_eq!(parsed, delta);
    let result = parsed.apply(&base.to_bytes()).unwrap();
    assert_eq!(result.to_bytes(), new.to_bytes());
    assert!(result.contains("host1019.example") && !result.contains("host5.example"));
    assert_eq!(hex(&parsed.result_sha256), hex(&sha256(&new.to_bytes())));
    // An empty delta (no change) applies too.
    let same = Delta::between(&new, &new);
    assert_eq!(same.apply(&new.to_bytes()).unwrap().to_bytes(), new.to_bytes());
}

#[test]
fn wrong_base_is_refused() {
    let (base, new) = base_and_new();
    let delta = Delta::between(&base, &new);
    let other = FingerprintSet::new("urlhaus", IndicatorKind::Host, &hosts(0..999));
    assert!(matches!(delta.apply(&other.to_bytes()), Err(DeltaError::WrongBase { .. })));
    // Applying twice: the result is not the base either.
    assert!(matches!(delta.apply(&new.to_bytes()), Err(DeltaError::WrongBase { .. })));
    // A base renamed (other source) has other bytes, so another hash.
    let renamed = FingerprintSet::new("phishtank", IndicatorKind::Host, &hosts(0..1000));
    let err = delta.apply(&renamed.to_bytes()).unwrap_err();
    assert!(err.to_string().contains("was made against base"), "{err}");
}

#[test]
fn wrong_result_hash_is_refused() {
    let (base, new) = base_and_new();
    let mut delta = Delta::between(&base, &new);
    delta.result_sha256[0] ^= 1;
    assert!(matches!(delta.apply(&base.to_bytes()), Err(DeltaError::WrongResult { .. })));
    // A dropped addition: the promised result is not reached.
    let mut short = Delta::between(&base, &new);
    short.adds.pop();
    assert!(matches!(short.apply(&base.to_bytes()), Err(DeltaError::WrongResult { .. })));
}

#[test]
fn inconsistent_changes_are_refused() {
    let (base, new) = base_and_new();
    let b = base.to_bytes();
    let mut missing = Delta::between(&base, &new);
    let absent = list_fingerprint("never-listed.example");
    missing.removes.push(absent);
    missing.removes.sort_unstable();
    assert_eq!(missing.apply(&b).unwrap_err(), DeltaError::RemoveMissing(absent));
    let mut present = Delta::between(&base, &new);
    let listed = list_fingerprint("host500.example");
    present.adds.push(listed);
    present.adds.sort_unstable();
    assert_eq!(present.apply(&b).unwrap_err(), DeltaError::AddPresent(listed));
    // Removing and re-adding the same fingerprint is not a change a delta makes.
    let mut both = Delta::between(&base, &new);
    let first = list_fingerprint("host0.example");
    both.adds.push(first);
    both.adds.sort_unstable();
    assert_eq!(both.apply(&b).unwrap_err(), DeltaError::AddPresent(first));
    let mut kind = Delta::between(&base, &new);
    kind.kind = IndicatorKind::Url;
    assert!(matches!(kind.apply(&b), Err(DeltaError::Kind { .. })));
}

#[test]
fn malformed_deltas_are_refused() {
    let (base, new) = base_and_new();
    let bytes = Delta::between(&base, &new).to_bytes();
    assert_eq!(Delta::from_bytes(b"FWREP\x01\x00").unwrap_err(), FingerprintError::Magic);
    // Version 1 (64-bit fingerprints against .fwrep v2 bases): refused as an old version.
    let mut v1 = bytes.clone();
    v1[5] = 1;
    assert_eq!(Delta::from_bytes(&v1).unwrap_err(), FingerprintError::OldVersion(1));
    for cut in [6, 7, 40, 90, bytes.len() - 1] {
        assert!(Delta::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut extra = bytes.clone();
    extra.extend_from_slice(&[0; 8]);
    assert_eq!(Delta::from_bytes(&extra).unwrap_err(), FingerprintError::Trailing { at: bytes.len() });
    let mut kind = bytes.clone();
    kind[6] = 7;
    assert_eq!(Delta::from_bytes(&kind).unwrap_err(), FingerprintError::Kind(7));
    // A count promising more fingerprints than there are bytes.
    let mut lie = bytes;
    let at = 6 + 1 + 2 + 7 + 64 + 4;
    lie[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(Delta::from_bytes(&lie), Err(FingerprintError::Length { .. })));
}

#[test]
fn a_million_hosts_fit_in_4_mb_and_a_1_percent_update_in_2_mb() {
    let base = FingerprintSet::from_fingerprints(
        "feed",
        IndicatorKind::Host,
        (0..1_000_000u32).map(|i| fingerprint(&format!("host{i}.example"))).collect(),
    );
    let base_bytes = base.to_bytes();
    assert_eq!(base.len(), 1_000_000);
    assert!(base_bytes.len() <= 4_100_000, "{} bytes", base_bytes.len()); // .fwrep v3: 4 bytes each + bucket counts
    // 1 % churn: 10,000 hosts leave, 10,000 arrive.
    let new = FingerprintSet::from_fingerprints(
        "feed",
        IndicatorKind::Host,
        (10_000..1_010_000u32).map(|i| fingerprint(&format!("host{i}.example"))).collect(),
    );
    let delta = Delta::between(&base, &new);
    let delta_bytes = delta.to_bytes();
    assert_eq!((delta.removes.len(), delta.adds.len()), (10_000, 10_000));
    assert!(delta_bytes.len() < 2_000_000, "{} bytes", delta_bytes.len());
    assert!(delta_bytes.len() < 125_000, "{} bytes", delta_bytes.len()); // 6 bytes per change
    let applied = Delta::from_bytes(&delta_bytes).unwrap().apply(&base_bytes).unwrap();
    assert_eq!(applied.fingerprints(), new.fingerprints());

    // False positives: analytically n / 2^48 per lookup (≈ 3.6e-9 for n = 1e6), so 1e6
    // lookups of non-members expect 0.0036 false hits. Check empirically: none.
    let false_hits = (0..1_000_000u32).filter(|i| base.contains(&format!("other{i}.test"))).count();
    assert_eq!(false_hits, 0);
    let members = (0..1_000_000u32).step_by(997).all(|i| base.contains(&format!("host{i}.example")));
    assert!(members, "no false negatives");
}
