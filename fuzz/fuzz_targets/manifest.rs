//! Signed-pack manifests: arbitrary bytes as `manifest.json` (and as a manifest body inside a
//! correctly signed envelope) must verify or give an error, never panic.
#![no_main]

use ferretwatch_core::pack::PackFiles;
use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::{KeySet, SecretKey};
use ferretwatch_core::signed::manifest::{Manifest, Policy, Trust, verify_pack};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let a = SecretKey::from_seed([1; 32]);
    let b = SecretKey::from_seed([2; 32]);
    let trust = Trust::Direct(KeySet::direct(&[a.public(), b.public()], 2));
    let policy = Policy { now: 1_764_000_000, held_version: Some("2026.1.1".into()), ..Policy::default() };
    let mut files = PackFiles::new();
    files.insert("pack.json".into(), br#"{"version": "1", "weights": {}}"#.to_vec());
    // 1. The bytes as the whole manifest.json.
    files.insert("manifest.json".into(), data.to_vec());
    if let Err(e) = verify_pack(&files, &trust, &policy) {
        assert!(!e.to_string().is_empty());
    }
    // 2. The bytes as a signed body: the parser and every later check run on them.
    let _ = Manifest::parse(data);
    let mut env = Envelope::unsigned(data);
    env.sign(Domain::Manifest, &a);
    env.sign(Domain::Manifest, &b);
    files.insert("manifest.json".into(), env.to_json());
    if let Err(e) = verify_pack(&files, &trust, &policy) {
        assert!(!e.kind().is_empty());
    }
});
