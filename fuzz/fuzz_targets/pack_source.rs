//! Pack loading: arbitrary bytes in any pack file must load or give an error naming the file.
#![no_main]

use ferretwatch_core::Engine;
use ferretwatch_core::pack::PackFiles;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks which file the rest replaces in an otherwise valid pack.
    let Some((&which, rest)) = data.split_first() else { return };
    let mut files = PackFiles::new();
    files.insert("pack.json".into(), br#"{"version": "1", "weights": {"reputation_hit": 50}}"#.to_vec());
    files.insert("brands.json".into(), br#"[{"name": "PayPal", "category": "payment", "domains": ["paypal.com"]}]"#.to_vec());
    files.insert("reputation/a.txt".into(), b"# kind: host\nbad.example\n".to_vec());
    let name = match which % 5 {
        0 => "pack.json",
        1 => "brands.json",
        2 => "reputation/a.txt",
        3 => "rules/fuzz.yar",
        _ => "public_suffix_list.dat",
    };
    files.insert(name.into(), rest.to_vec());
    if let Err(e) = Engine::from_files(&files) {
        let msg = e.to_string();
        assert!(!msg.is_empty());
    }
});
