//! The YARA-subset compiler never panics or hangs on any source text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let _ = ferretwatch_core::yara::compile(&[("fuzz.yar", src)], &["paypal".to_string()]);
    }
});
