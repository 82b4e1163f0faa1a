//! `PageFeatures::from_json` on arbitrary bytes: a parsed document or a clean `FeatureError`,
//! never a panic. An accepted document is within the limits, survives a JSON round trip, and
//! every pHash string in it either parses to a value that prints back the same or is rejected.
#![no_main]

use ferretwatch_core::features::FeatureLimits;
use ferretwatch_core::{PageFeatures, phash};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(f) = PageFeatures::from_json(data) else {
        return;
    };
    assert!(f.validate(&FeatureLimits::default()).is_ok());
    let again = serde_json::to_vec(&f).expect("features serialize");
    // Defaults are written out in full, so the copy may be a little larger than the input.
    let roomy = FeatureLimits { max_json_bytes: usize::MAX, ..FeatureLimits::default() };
    let back = PageFeatures::from_json_with(&again, &roomy).expect("a serialized accepted document is accepted");
    assert_eq!(back, f);
    for h in &f.image_phashes {
        if let Some(v) = phash::parse_hex(h) {
            assert_eq!(phash::to_hex(v), h.trim().to_ascii_lowercase());
        }
    }
});
