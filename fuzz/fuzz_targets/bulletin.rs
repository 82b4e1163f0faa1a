//! Bulletins: arbitrary bytes as a bulletin file and as a signed bulletin body must verify or
//! give an error, never panic.
#![no_main]

use ferretwatch_core::signed::bulletin::verify_bulletin;
use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::{KeySet, SecretKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let a = SecretKey::from_seed([1; 32]);
    let keys = KeySet::direct(&[a.public()], 1);
    let _ = verify_bulletin(data, &keys, 1_764_000_000, "0.1.0");
    let mut env = Envelope::unsigned(data);
    env.sign(Domain::Bulletin, &a);
    if let Ok(b) = verify_bulletin(&env.to_json(), &keys, 1_764_000_000, "0.1.0") {
        assert!(b.validate().is_ok());
        let _ = b.applies_to("example.com", Some("PayPal"));
    }
});
