//! Control documents: arbitrary bytes as a control file and as a signed control body must
//! verify or give an error, never panic; an accepted one has a level 1–4.
#![no_main]

use ferretwatch_core::signed::control::verify_control;
use ferretwatch_core::signed::envelope::{Domain, Envelope};
use ferretwatch_core::signed::keys::{KeySet, SecretKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let a = SecretKey::from_seed([1; 32]);
    let keys = KeySet::direct(&[a.public()], 1);
    let _ = verify_control(data, &keys, 1_764_000_000, 5);
    let mut env = Envelope::unsigned(data);
    env.sign(Domain::Control, &a);
    if let Ok((doc, level)) = verify_control(&env.to_json(), &keys, 1_764_000_000, 5) {
        assert!((1..=4).contains(&doc.level));
        assert_eq!(level.number(), doc.level);
    }
});
