//! Signature lists: arbitrary JSON in the `signatures` array (and arbitrary key files) must be
//! refused or counted, never panic.
#![no_main]

use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::{KeySet, PublicKey, SecretKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let a = SecretKey::from_seed([1; 32]);
    let keys = KeySet::direct(&[a.public(), SecretKey::from_seed([2; 32]).public()], 2);
    let text = String::from_utf8_lossy(data);
    let doc = format!(r#"{{"payload": "e30=", "signatures": {text}}}"#);
    if let Ok(env) = Envelope::parse(doc.as_bytes(), 1 << 20, "fuzz") {
        for d in [Domain::Manifest, Domain::Keys, Domain::Bulletin, Domain::Control] {
            let _ = env.verify(d, &keys, 1_764_000_000);
        }
    }
    let _ = Envelope::parse(data, 1 << 20, "fuzz");
    let _ = PublicKey::from_pub_file(data);
    let _ = SecretKey::from_key_file(data);
    let _ = PublicKey::from_base64(&text);
    // A signed key list with arbitrary bytes as its body.
    let mut env = Envelope::unsigned(data);
    env.sign(Domain::Keys, &a);
    let roots = KeySet::direct(&[a.public()], 1);
    let _ = roots.publishers_from_list(&env.to_json(), 1_764_000_000, 0, 2);
});
