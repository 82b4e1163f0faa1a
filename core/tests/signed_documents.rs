//! Bulletins, control documents and key files: what is accepted and each way they are refused.

use std::collections::BTreeMap;

use ferretwatch_core::DegradationLevel;
use ferretwatch_core::signed::SignedError;
use ferretwatch_core::signed::bulletin::{Bulletin, FrequencyCap, Severity, verify_bulletin};
use ferretwatch_core::signed::control::{ControlDocument, verify_control};
use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::{KeySet, PublicKey, SecretKey};

const NOW: u64 = 1_764_000_000;

fn key(n: u8) -> SecretKey {
    SecretKey::from_seed([n; 32])
}

fn keys() -> KeySet {
    KeySet::direct(&[key(1).public(), key(2).public()], 2)
}

fn seal(body: &[u8], domain: Domain, signers: &[u8]) -> Vec<u8> {
    let mut env = Envelope::unsigned(body);
    for n in signers {
        env.sign(domain, &key(*n));
    }
    env.to_json()
}

fn bulletin() -> Bulletin {
    Bulletin {
        format_version: 1,
        id: "PHISH-2025-001".into(),
        version: 1,
        created_at: NOW - 60,
        ttl: 3 * 86_400,
        severity: Severity::Critical,
        locales: vec!["en".into(), "de".into()],
        brands: vec!["PayPal".into()],
        scope: vec!["paypa1.com".into()],
        advisory: BTreeMap::from([("en".into(), "Active campaign".into()), ("de".into(), "Aktive Kampagne".into())]),
        safe_links: vec!["https://www.paypal.com/".into()],
        min_extension_version: "0.1.0".into(),
        frequency_cap: FrequencyCap { max_shows: 3, per_hours: 24 },
    }
}

#[test]
fn bulletin_round_trip_and_scope() {
    let b = verify_bulletin(&seal(&bulletin().to_json(), Domain::Bulletin, &[1, 2]), &keys(), NOW, "0.1.0").unwrap();
    assert_eq!(b, bulletin());
    assert!(b.applies_to("paypa1.com", None));
    assert!(b.applies_to("other.example", Some("paypal")));
    assert!(!b.applies_to("other.example", Some("Chase")));
}

#[test]
fn bulletin_rejections() {
    let ok = bulletin();
    let check = |b: &Bulletin, now: u64, ext: &str| {
        verify_bulletin(&seal(&b.to_json(), Domain::Bulletin, &[1, 2]), &keys(), now, ext)
    };
    assert!(matches!(check(&ok, NOW + 4 * 86_400, "0.1.0"), Err(SignedError::Expired { .. })));
    assert!(matches!(check(&ok, NOW, "0.0.9"), Err(SignedError::ExtensionTooOld { .. })));
    let mut long = ok.clone();
    long.advisory.insert("en".into(), "x".repeat(5000));
    assert!(matches!(check(&long, NOW, "0.1.0"), Err(SignedError::Oversized { .. })));
    let mut ttl = ok.clone();
    ttl.ttl = 365 * 86_400;
    assert!(matches!(check(&ttl, NOW, "0.1.0"), Err(SignedError::Invalid { .. })));
    let mut link = ok.clone();
    link.safe_links = vec!["javascript:alert(1)".into()];
    assert!(matches!(check(&link, NOW, "0.1.0"), Err(SignedError::Invalid { .. })));
    let mut locale = ok.clone();
    locale.advisory.insert("fr".into(), "Campagne".into());
    assert!(matches!(check(&locale, NOW, "0.1.0"), Err(SignedError::Invalid { .. })));
    // One signature is below the threshold; a manifest signature is not a bulletin signature.
    let one = seal(&ok.to_json(), Domain::Bulletin, &[1]);
    assert!(matches!(verify_bulletin(&one, &keys(), NOW, "0.1.0"), Err(SignedError::BelowThreshold { valid: 1, .. })));
    let wrong = seal(&ok.to_json(), Domain::Manifest, &[1, 2]);
    assert!(matches!(verify_bulletin(&wrong, &keys(), NOW, "0.1.0"), Err(SignedError::BadSignature { .. })));
}

fn control(sequence: u64, level: u8) -> ControlDocument {
    ControlDocument {
        format_version: 1,
        sequence,
        level,
        reason: "CDN incident".into(),
        issued_at: NOW - 10,
        expires: NOW + 3600,
    }
}

#[test]
fn control_document_sets_level_and_refuses_replay() {
    let doc = seal(&control(7, 3).to_json(), Domain::Control, &[1, 2]);
    let (c, level) = verify_control(&doc, &keys(), NOW, 7).unwrap();
    assert_eq!((c.sequence, level), (7, DegradationLevel::Cached));
    assert_eq!(
        verify_control(&doc, &keys(), NOW, 8),
        Err(SignedError::Replay { what: "control document".into(), found: 7, held: 8 })
    );
    assert!(matches!(verify_control(&doc, &keys(), NOW + 7200, 0), Err(SignedError::Expired { .. })));
    let bad = seal(&control(9, 5).to_json(), Domain::Control, &[1, 2]);
    assert!(matches!(verify_control(&bad, &keys(), NOW, 0), Err(SignedError::Invalid { .. })));
    let bulletin_sig = seal(&control(9, 2).to_json(), Domain::Bulletin, &[1, 2]);
    assert!(matches!(verify_control(&bulletin_sig, &keys(), NOW, 0), Err(SignedError::BadSignature { .. })));
    assert!(matches!(verify_control(b"{}", &keys(), NOW, 0), Err(SignedError::Malformed { .. })));
}

#[test]
fn key_files_round_trip_and_reject_mismatches() {
    let k = key(7);
    let (name, p) = PublicKey::from_pub_file(&k.public().to_pub_file("alice")).unwrap();
    assert_eq!((name.as_str(), p.id()), ("alice", k.public().id()));
    let (name, s) = SecretKey::from_key_file(&k.to_key_file("alice")).unwrap();
    assert_eq!(name, "alice");
    assert_eq!(s.public(), k.public());
    assert_eq!(k.public().id().len(), 16);
    // A key id that does not match the key, a secret file given as public, garbage.
    let mut v: serde_json::Value = serde_json::from_slice(&k.public().to_pub_file("a")).unwrap();
    v["key_id"] = "0000000000000000".into();
    assert!(matches!(PublicKey::from_pub_file(v.to_string().as_bytes()), Err(SignedError::Malformed { .. })));
    assert!(PublicKey::from_pub_file(&k.to_key_file("a")).is_err());
    assert!(SecretKey::from_key_file(b"\x00\x01").is_err());
    assert!(PublicKey::from_base64("AAAA").is_err());
    // Signatures verify only for their message.
    let sig = k.sign(b"hello");
    assert!(k.public().verify(b"hello", &sig));
    assert!(!k.public().verify(b"hellp", &sig));
}
