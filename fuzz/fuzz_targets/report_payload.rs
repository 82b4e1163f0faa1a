//! Report and false-positive payloads (the collector's intake parser): never panics, and an
//! accepted payload's stored form parses again to the same thing.
#![no_main]

use ferretwatch_collector::payload::{Kind, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for kind in [Kind::Report, Kind::FalsePositive] {
        if let Ok(p) = parse(kind, data) {
            let again = parse(kind, p.stored_json.as_bytes()).expect("stored form is valid");
            assert_eq!((again.url, again.reason, again.id), (p.url, p.reason, p.id));
        }
    }
});
