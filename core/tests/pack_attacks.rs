//! One test per attack on signed rule packs (docs/rule-pack-format.md, "What the client
//! rejects"). Each builds a real pack, signs it with real ed25519 keys, tampers with it the way
//! the attack would, and asserts the exact rejection.

use ferretwatch_core::Engine;
use ferretwatch_core::pack::PackFiles;
use ferretwatch_core::signed::download::{ArtifactDownload, read_limited};
use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::{KeyList, KeySet, PublisherEntry, SecretKey};
use ferretwatch_core::signed::manifest::{Manifest, Policy, RollbackDirective, Trust, verify_pack};
use ferretwatch_core::signed::{PackStore, SignedError};

const NOW: u64 = 1_764_000_000;
const DAY: u64 = 86_400;

fn key(n: u8) -> SecretKey {
    SecretKey::from_seed([n; 32])
}

/// A small loadable pack source at `version`.
fn source(version: &str) -> PackFiles {
    let mut f = PackFiles::new();
    f.insert(
        "pack.json".into(),
        format!(r#"{{"version": "{version}", "weights": {{"reputation_hit": 70, "idn_homograph_high": 40}}}}"#)
            .into_bytes(),
    );
    f.insert(
        "brands.json".into(),
        br#"[{"name": "PayPal", "category": "payment", "domains": ["paypal.com"]}]"#.to_vec(),
    );
    f.insert(
        "reputation/feed.txt".into(),
        format!("# source: feed\n# kind: host\nbad-{version}.example\n").into_bytes(),
    );
    f.insert("rules/a.yar".into(), br#"rule a { strings: $a = "verify your account" condition: $a }"#.to_vec());
    f
}

fn manifest_for(files: &PackFiles, version: &str) -> Manifest {
    Manifest::for_files(version, NOW - DAY, NOW + 7 * DAY, "0.1.0", files)
}

/// Signs `body` with `signers` and returns the full pack (artifacts + manifest.json).
fn seal(mut files: PackFiles, body: &Manifest, signers: &[&SecretKey]) -> PackFiles {
    let mut env = Envelope::unsigned(&body.to_json());
    for k in signers {
        env.sign(Domain::Manifest, k);
    }
    files.insert("manifest.json".into(), env.to_json());
    files
}

fn signed_pack(version: &str) -> PackFiles {
    let src = source(version);
    let body = manifest_for(&src, version);
    seal(src, &body, &[&key(1), &key(2)])
}

fn trust() -> Trust {
    Trust::Direct(KeySet::direct(&[key(1).public(), key(2).public(), key(3).public()], 2))
}

fn policy() -> Policy {
    Policy { now: NOW, extension_version: "0.1.0".into(), ..Policy::default() }
}

fn reject(files: &PackFiles, trust: &Trust, policy: &Policy) -> SignedError {
    match verify_pack(files, trust, policy) {
        Ok(v) => panic!("accepted a pack that should be rejected: {}", v.manifest.pack_version),
        Err(e) => e,
    }
}

#[test]
fn accepts_a_well_signed_pack_and_it_loads() {
    let v = verify_pack(&signed_pack("2026.11.25.1"), &trust(), &policy()).expect("valid pack");
    assert_eq!(v.manifest.pack_version, "2026.11.25.1");
    assert_eq!(v.signers.len(), 2);
    assert!(!v.files.contains_key("manifest.json"));
    let engine = ferretwatch_core::signed::store::load_engine(&v).expect("loads");
    assert_eq!(engine.pack_version(), "2026.11.25.1");
}

#[test]
fn rejects_bad_signature() {
    // Change one byte of the payload after signing: the signatures no longer match.
    let mut files = signed_pack("2026.11.25.1");
    let mut env = Envelope::parse(&files["manifest.json"], 1 << 20, "m").unwrap();
    let at = env.payload.iter().position(|&b| b == b'7').expect("a digit to alter");
    env.payload[at] = b'8';
    files.insert("manifest.json".into(), env.to_json());
    assert!(matches!(reject(&files, &trust(), &policy()), SignedError::BadSignature { .. }));
}

#[test]
fn rejects_missing_signature() {
    let src = source("2026.11.25.1");
    let body = manifest_for(&src, "2026.11.25.1");
    let files = seal(src, &body, &[]);
    assert!(matches!(reject(&files, &trust(), &policy()), SignedError::MissingSignature { .. }));
}

#[test]
fn rejects_signature_from_another_domain() {
    // A bulletin signature over the same bytes must not count as a manifest signature.
    let src = source("2026.11.25.1");
    let body = manifest_for(&src, "2026.11.25.1");
    let mut env = Envelope::unsigned(&body.to_json());
    env.sign(Domain::Bulletin, &key(1));
    env.sign(Domain::Bulletin, &key(2));
    let mut files = src;
    files.insert("manifest.json".into(), env.to_json());
    assert!(matches!(reject(&files, &trust(), &policy()), SignedError::BadSignature { .. }));
}

#[test]
fn rejects_below_threshold() {
    let src = source("2026.11.25.1");
    let body = manifest_for(&src, "2026.11.25.1");
    let files = seal(src, &body, &[&key(1)]);
    assert_eq!(
        reject(&files, &trust(), &policy()),
        SignedError::BelowThreshold { what: "manifest".into(), valid: 1, threshold: 2 }
    );
}

#[test]
fn rejects_duplicate_signer() {
    // The same key's signature twice must not count as two people.
    let src = source("2026.11.25.1");
    let body = manifest_for(&src, "2026.11.25.1");
    let mut files = seal(src, &body, &[&key(1)]);
    let mut env = Envelope::parse(&files["manifest.json"], 1 << 20, "m").unwrap();
    let dup = env.signatures[0].clone();
    env.signatures.push(dup);
    files.insert("manifest.json".into(), env.to_json());
    assert!(
        matches!(reject(&files, &trust(), &policy()), SignedError::DuplicateSigner { key_id, .. } if key_id == key(1).public().id())
    );
}

#[test]
fn rejects_unknown_key() {
    let src = source("2026.11.25.1");
    let body = manifest_for(&src, "2026.11.25.1");
    let files = seal(src, &body, &[&key(1), &key(9)]);
    assert!(
        matches!(reject(&files, &trust(), &policy()), SignedError::UnknownKey { key_id, valid: 1, .. } if key_id == key(9).public().id())
    );
}

/// A trust store built from a root-signed key list.
fn root_trust(publishers: Vec<PublisherEntry>, list_version: u64, held: u64) -> (Trust, Vec<u8>) {
    let list = KeyList {
        format_version: 1,
        version: list_version,
        issued: NOW - DAY,
        expires: NOW + 365 * DAY,
        threshold: 2,
        publishers,
    };
    let mut env = Envelope::unsigned(&list.to_json());
    env.sign(Domain::Keys, &key(100));
    let roots = KeySet::direct(&[key(100).public()], 1);
    (Trust::Roots { roots, held_keys_version: held, min_threshold: 2 }, env.to_json())
}

fn entry(n: u8, not_before: u64, expires: u64, revoked: bool) -> PublisherEntry {
    let k = key(n).public();
    PublisherEntry {
        key_id: k.id().into(),
        public_key: k.to_base64(),
        name: format!("publisher-{n}"),
        not_before,
        expires,
        revoked,
    }
}

#[test]
fn rejects_expired_key() {
    let (t, keys_json) = root_trust(
        vec![entry(1, 0, NOW + DAY, false), entry(2, 0, NOW - 1, false), entry(3, 0, NOW + DAY, false)],
        1,
        0,
    );
    let mut files = signed_pack("2026.11.25.1");
    files.insert("keys.json".into(), keys_json);
    assert!(
        matches!(reject(&files, &t, &policy()), SignedError::ExpiredKey { key_id, .. } if key_id == key(2).public().id())
    );
}

#[test]
fn rejects_revoked_key() {
    let (t, keys_json) = root_trust(
        vec![entry(1, 0, NOW + DAY, false), entry(2, 0, NOW + DAY, true), entry(3, 0, NOW + DAY, false)],
        1,
        0,
    );
    let mut files = signed_pack("2026.11.25.1");
    files.insert("keys.json".into(), keys_json);
    assert!(
        matches!(reject(&files, &t, &policy()), SignedError::RevokedKey { key_id, .. } if key_id == key(2).public().id())
    );
}

#[test]
fn rejects_key_list_not_signed_by_root() {
    let list = KeyList {
        format_version: 1,
        version: 1,
        issued: NOW - DAY,
        expires: NOW + DAY,
        threshold: 2,
        publishers: vec![entry(1, 0, NOW + DAY, false), entry(2, 0, NOW + DAY, false)],
    };
    let mut env = Envelope::unsigned(&list.to_json());
    env.sign(Domain::Keys, &key(1)); // a publisher, not a root
    let mut files = signed_pack("2026.11.25.1");
    files.insert("keys.json".into(), env.to_json());
    let t = Trust::Roots { roots: KeySet::direct(&[key(100).public()], 1), held_keys_version: 0, min_threshold: 2 };
    assert!(matches!(reject(&files, &t, &policy()), SignedError::UnknownKey { .. }));
}

#[test]
fn rejects_key_list_replay() {
    let (t, keys_json) = root_trust(vec![entry(1, 0, NOW + DAY, false), entry(2, 0, NOW + DAY, false)], 3, 4);
    let mut files = signed_pack("2026.11.25.1");
    files.insert("keys.json".into(), keys_json);
    assert_eq!(reject(&files, &t, &policy()), SignedError::Replay { what: "keys.json".into(), found: 3, held: 4 });
}

#[test]
fn key_rotation_dual_signature_period() {
    // Old key 1 is valid until NOW + 2 days; new key 3 from NOW - 1 day. Key 2 stays.
    let publishers = vec![
        entry(1, 0, NOW + 2 * DAY, false),
        entry(2, 0, NOW + 30 * DAY, false),
        entry(3, NOW - DAY, NOW + 30 * DAY, false),
    ];
    let (t, keys_json) = root_trust(publishers, 2, 1);
    let src = source("2026.11.25.1");
    let body = Manifest::for_files("2026.11.25.1", NOW - DAY, NOW + 30 * DAY, "0.1.0", &src);
    // During the overlap, old (1) + new (3) are two distinct valid signers.
    let mut files = seal(src.clone(), &body, &[&key(1), &key(3)]);
    files.insert("keys.json".into(), keys_json.clone());
    let v = verify_pack(&files, &t, &policy()).expect("both keys valid during the overlap");
    assert_eq!(v.signers.len(), 2);
    assert_eq!(v.keys_version, Some(2));
    // After the old key expires, the same two signatures are no longer enough ...
    let later = Policy { now: NOW + 3 * DAY, ..policy() };
    assert!(
        matches!(reject(&files, &t, &later), SignedError::ExpiredKey { key_id, .. } if key_id == key(1).public().id())
    );
    // ... while new (3) + remaining (2) are.
    let mut files = seal(src, &body, &[&key(2), &key(3)]);
    files.insert("keys.json".into(), keys_json);
    assert!(verify_pack(&files, &t, &later).is_ok());
}

#[test]
fn rejects_rollback_without_directive() {
    let files = signed_pack("2026.11.24.3");
    let held = Policy { held_version: Some("2026.11.25.1".into()), ..policy() };
    assert_eq!(
        reject(&files, &trust(), &held),
        SignedError::Rollback { version: "2026.11.24.3".into(), held: "2026.11.25.1".into() }
    );
    // A newer or equal version is fine.
    assert!(verify_pack(&signed_pack("2026.11.25.1"), &trust(), &held).is_ok());
    assert!(verify_pack(&signed_pack("2026.11.25.10"), &trust(), &held).is_ok());
}

#[test]
fn accepts_signed_rollback_directive() {
    let src = source("2026.11.24.3");
    let mut body = manifest_for(&src, "2026.11.24.3");
    body.rollback = Some(RollbackDirective {
        to: "2026.11.24.3".into(),
        replaces_up_to: "2026.11.25.2".into(),
        reason: "false positives on bank logins".into(),
    });
    let files = seal(src, &body, &[&key(1), &key(2)]);
    let held = Policy { held_version: Some("2026.11.25.1".into()), ..policy() };
    let v = verify_pack(&files, &trust(), &held).expect("rollback allowed by the signed directive");
    assert_eq!(v.manifest.pack_version, "2026.11.24.3");
    // The directive does not reach clients already past `replaces_up_to` (no replay later).
    let newer = Policy { held_version: Some("2026.11.26.1".into()), ..policy() };
    assert!(matches!(reject(&files, &trust(), &newer), SignedError::Rollback { .. }));
}

#[test]
fn rejects_rollback_directive_naming_another_version() {
    let src = source("2026.11.24.3");
    let mut body = manifest_for(&src, "2026.11.24.3");
    body.rollback = Some(RollbackDirective {
        to: "2026.11.24.1".into(),
        replaces_up_to: "2026.11.25.2".into(),
        reason: "x".into(),
    });
    let files = seal(src, &body, &[&key(1), &key(2)]);
    let held = Policy { held_version: Some("2026.11.25.1".into()), ..policy() };
    assert!(matches!(reject(&files, &trust(), &held), SignedError::Invalid { what, .. } if what == "rollback"));
}

#[test]
fn rejects_expired_manifest_freeze() {
    let files = signed_pack("2026.11.25.1");
    let frozen = Policy { now: NOW + 8 * DAY, ..policy() };
    assert!(matches!(reject(&files, &trust(), &frozen), SignedError::Expired { what, .. } if what == "manifest"));
}

#[test]
fn rejects_manifest_from_the_future() {
    let src = source("2026.11.25.1");
    let body = Manifest::for_files("2026.11.25.1", NOW + DAY, NOW + 7 * DAY, "0.1.0", &src);
    let files = seal(src, &body, &[&key(1), &key(2)]);
    assert!(matches!(reject(&files, &trust(), &policy()), SignedError::NotYetValid { .. }));
}

#[test]
fn rejects_min_extension_version() {
    let src = source("2026.11.25.1");
    let body = Manifest::for_files("2026.11.25.1", NOW - DAY, NOW + DAY, "0.10.0", &src);
    let files = seal(src, &body, &[&key(1), &key(2)]);
    let old = Policy { extension_version: "0.9.7".into(), ..policy() };
    assert_eq!(
        reject(&files, &trust(), &old),
        SignedError::ExtensionTooOld { what: "manifest".into(), required: "0.10.0".into(), have: "0.9.7".into() }
    );
}

#[test]
fn rejects_artifact_hash_mismatch() {
    let mut files = signed_pack("2026.11.25.1");
    let rule = files.get_mut("rules/a.yar").unwrap();
    rule[0] = b'R'; // same size, different bytes
    assert!(
        matches!(reject(&files, &trust(), &policy()), SignedError::HashMismatch { path, .. } if path == "rules/a.yar")
    );
}

#[test]
fn rejects_artifact_size_mismatch() {
    let mut files = signed_pack("2026.11.25.1");
    files.get_mut("rules/a.yar").unwrap().push(b'\n');
    assert!(matches!(
        reject(&files, &trust(), &policy()),
        SignedError::SizeMismatch { path, declared, actual } if path == "rules/a.yar" && actual == declared + 1
    ));
}

#[test]
fn rejects_mix_and_match() {
    // The manifest of version 2 with an artifact of version 1 (same path, valid on its own).
    let v1 = signed_pack("2026.11.25.1");
    let mut v2 = signed_pack("2026.11.25.2");
    v2.insert("reputation/feed.txt".into(), v1["reputation/feed.txt"].clone());
    let e = reject(&v2, &trust(), &policy());
    assert!(
        matches!(e, SignedError::HashMismatch { ref path, .. } | SignedError::SizeMismatch { ref path, .. } if path == "reputation/feed.txt"),
        "{e:?}"
    );
}

#[test]
fn rejects_missing_artifact() {
    let mut files = signed_pack("2026.11.25.1");
    files.remove("brands.json");
    assert_eq!(reject(&files, &trust(), &policy()), SignedError::MissingArtifact { path: "brands.json".into() });
}

#[test]
fn rejects_extra_artifact() {
    let mut files = signed_pack("2026.11.25.1");
    files.insert("rules/injected.yar".into(), b"rule x { condition: true }".to_vec());
    assert_eq!(reject(&files, &trust(), &policy()), SignedError::ExtraArtifact { path: "rules/injected.yar".into() });
}

#[test]
fn rejects_unsafe_artifact_path() {
    let src = source("2026.11.25.1");
    let mut body = manifest_for(&src, "2026.11.25.1");
    body.artifacts.insert(
        0,
        ferretwatch_core::signed::manifest::Artifact { path: "../etc/passwd".into(), sha256: "0".repeat(64), size: 1 },
    );
    let files = seal(src, &body, &[&key(1), &key(2)]);
    assert!(matches!(reject(&files, &trust(), &policy()), SignedError::UnsafePath { .. }));
}

#[test]
fn rejects_endless_data() {
    // 1. A manifest that declares more than the pack budget is refused before any download.
    let src = source("2026.11.25.1");
    let mut body = manifest_for(&src, "2026.11.25.1");
    body.artifacts[0].size = 40 * 1024 * 1024;
    let files = seal(src, &body, &[&key(1), &key(2)]);
    assert!(matches!(reject(&files, &trust(), &policy()), SignedError::DownloadTooLarge { .. }));
    // 2. A server that keeps sending: the download stops at the declared size.
    let good = verify_pack(&signed_pack("2026.11.25.1"), &trust(), &policy()).unwrap();
    let art = good.manifest.artifacts.iter().find(|a| a.path == "rules/a.yar").unwrap().clone();
    let mut dl = ArtifactDownload::new(&art);
    let chunk = [b'A'; 16];
    let mut pushed = 0u64;
    let err = loop {
        match dl.push(&chunk) {
            Ok(()) => pushed += 16,
            Err(e) => break e,
        }
        assert!(pushed <= art.size, "kept reading past the declared size");
    };
    assert_eq!(err, SignedError::DownloadTooLarge { path: "rules/a.yar".into(), limit: art.size });
    // 3. An endless reader is cut at the limit.
    let endless = std::io::repeat(b'x');
    assert_eq!(
        read_limited(endless, 1024, "manifest.json"),
        Err(SignedError::DownloadTooLarge { path: "manifest.json".into(), limit: 1024 })
    );
    // 4. An oversized manifest.json is refused before parsing.
    let mut files = signed_pack("2026.11.25.1");
    files.insert("manifest.json".into(), vec![b' '; 2 * 1024 * 1024]);
    assert!(matches!(reject(&files, &trust(), &policy()), SignedError::Oversized { .. }));
}

#[test]
fn artifact_download_checks_hash_and_short_reads() {
    let good = verify_pack(&signed_pack("2026.11.25.1"), &trust(), &policy()).unwrap();
    let art = good.manifest.artifacts.iter().find(|a| a.path == "rules/a.yar").unwrap().clone();
    let bytes = &good.files["rules/a.yar"];
    let mut dl = ArtifactDownload::new(&art);
    for c in bytes.chunks(7) {
        dl.push(c).unwrap();
    }
    assert_eq!(&dl.finish().unwrap(), bytes);
    let mut short = ArtifactDownload::new(&art);
    short.push(&bytes[..bytes.len() - 1]).unwrap();
    assert!(matches!(short.finish(), Err(SignedError::SizeMismatch { .. })));
    let mut wrong = ArtifactDownload::new(&art);
    wrong.push(&vec![b'z'; bytes.len()]).unwrap();
    assert!(matches!(wrong.finish(), Err(SignedError::HashMismatch { .. })));
}

#[test]
fn rejects_malformed_json() {
    for bad in [
        &b"{"[..],
        b"[]",
        b"{\"payload\": 5, \"signatures\": []}",
        b"{\"payload\": \"!!\", \"signatures\": []}",
        b"\xff\xfe",
    ] {
        let mut files = signed_pack("2026.11.25.1");
        files.insert("manifest.json".into(), bad.to_vec());
        let e = reject(&files, &trust(), &policy());
        assert!(matches!(e, SignedError::Malformed { .. } | SignedError::Encoding { .. }), "{e:?}");
    }
    // A correctly signed payload that is not a manifest body.
    let mut env = Envelope::unsigned(b"{\"format_version\": 1, \"surprise\": true}");
    env.sign(Domain::Manifest, &key(1));
    env.sign(Domain::Manifest, &key(2));
    let mut files = signed_pack("2026.11.25.1");
    files.insert("manifest.json".into(), env.to_json());
    assert!(matches!(reject(&files, &trust(), &policy()), SignedError::Malformed { .. }));
}

#[test]
fn rejects_oversized_fields() {
    let src = source("2026.11.25.1");
    // Long version string.
    let mut body = manifest_for(&src, "2026.11.25.1");
    body.pack_version = "1.".repeat(40) + "1";
    let files = seal(src.clone(), &body, &[&key(1), &key(2)]);
    assert!(
        matches!(reject(&files, &trust(), &policy()), SignedError::Oversized { what, .. } if what == "pack_version")
    );
    // Long artifact path.
    let mut body = manifest_for(&src, "2026.11.25.1");
    body.artifacts[0].path = "a".repeat(300);
    let files = seal(src.clone(), &body, &[&key(1), &key(2)]);
    assert!(
        matches!(reject(&files, &trust(), &policy()), SignedError::Oversized { what, .. } if what == "artifact path")
    );
    // Too many signatures.
    let body = manifest_for(&src, "2026.11.25.1");
    let keys: Vec<SecretKey> = (10..30).map(key).collect();
    let refs: Vec<&SecretKey> = keys.iter().collect();
    let files = seal(src.clone(), &body, &refs);
    assert!(matches!(reject(&files, &trust(), &policy()), SignedError::Oversized { .. }));
    // A huge provenance entry.
    let mut body = manifest_for(&src, "2026.11.25.1");
    body.sources.push(serde_json::json!({"source": "x".repeat(10_000)}));
    let files = seal(src, &body, &[&key(1), &key(2)]);
    assert!(
        matches!(reject(&files, &trust(), &policy()), SignedError::Oversized { what, .. } if what == "manifest source entry")
    );
}

#[test]
fn rejects_pack_json_version_mismatch() {
    // Signed, hashes fine, but pack.json claims another version than the manifest.
    let src = source("2026.11.25.1");
    let body = manifest_for(&src, "2026.11.25.9");
    let files = seal(src, &body, &[&key(1), &key(2)]);
    let v = verify_pack(&files, &trust(), &policy()).unwrap();
    assert!(matches!(ferretwatch_core::signed::store::load_engine(&v), Err(SignedError::VersionMismatch { .. })));
}

#[test]
fn keeps_last_known_good_on_rejection() {
    let bundled = Engine::from_files(&source("2026.1.1.1")).unwrap();
    let mut store = PackStore::new(bundled, trust(), "0.1.0");
    assert_eq!(store.engine().pack_version(), "2026.1.1.1");
    assert_eq!(store.held_version(), None);
    // A bad first update: the bundled pack stays.
    let mut tampered = signed_pack("2026.11.25.1");
    tampered.get_mut("rules/a.yar").unwrap()[0] = b'R';
    assert!(store.offer(&tampered, NOW).is_err());
    assert_eq!(store.engine().pack_version(), "2026.1.1.1");
    // A good update is staged and swapped in.
    store.offer(&signed_pack("2026.11.25.1"), NOW).expect("good pack accepted");
    assert_eq!(store.engine().pack_version(), "2026.11.25.1");
    // Each rejection keeps it: tampered, rollback, expired, unsigned.
    let mut tampered = signed_pack("2026.11.25.2");
    tampered.get_mut("rules/a.yar").unwrap()[0] = b'R';
    assert!(matches!(store.offer(&tampered, NOW), Err(SignedError::HashMismatch { .. })));
    assert!(matches!(store.offer(&signed_pack("2026.11.24.1"), NOW), Err(SignedError::Rollback { .. })));
    assert!(matches!(store.offer(&signed_pack("2026.11.25.3"), NOW + 30 * DAY), Err(SignedError::Expired { .. })));
    assert!(matches!(store.offer(&source("2026.11.25.4"), NOW), Err(SignedError::MissingArtifact { .. })));
    // Verified but does not compile: still kept.
    let mut broken = source("2026.11.25.5");
    broken.insert("rules/a.yar".into(), b"rule {".to_vec());
    let body = manifest_for(&broken, "2026.11.25.5");
    let broken = seal(broken, &body, &[&key(1), &key(2)]);
    assert!(matches!(store.offer(&broken, NOW), Err(SignedError::Artifacts(_))));
    assert_eq!(store.engine().pack_version(), "2026.11.25.1");
    assert_eq!(store.held_version(), Some("2026.11.25.1"));
    assert!(store.last_rejection().is_some());
    // The next good one goes through.
    store.offer(&signed_pack("2026.11.25.6"), NOW).expect("next good pack");
    assert_eq!(store.engine().pack_version(), "2026.11.25.6");
    assert!(store.last_rejection().is_none());
}

#[test]
fn owned_verification_gives_the_same_answers() {
    use ferretwatch_core::signed::manifest::verify_pack_owned;
    let good = signed_pack("2026.11.25.1");
    let a = verify_pack(&good, &trust(), &policy()).unwrap();
    let b = verify_pack_owned(good.clone(), &trust(), &policy()).unwrap();
    assert_eq!(a.files, b.files);
    assert_eq!(a.manifest, b.manifest);
    let mut bad = good;
    bad.insert("rules/extra.yar".into(), b"x".to_vec());
    assert_eq!(
        verify_pack_owned(bad, &trust(), &policy()).unwrap_err(),
        SignedError::ExtraArtifact { path: "rules/extra.yar".into() }
    );
}
