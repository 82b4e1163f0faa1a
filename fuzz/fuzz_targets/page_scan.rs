//! Whole-page scans: any features JSON the content script could send must give a verdict or a
//! clean error, within the budget.
#![no_main]

use std::sync::OnceLock;

use ferretwatch_core::budget::FrozenClock;
use ferretwatch_core::{Engine, PageFeatures, Settings};
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../packs/default"));
        let mut files = ferretwatch_core::pack::PackFiles::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("pack dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x != "md") {
                    let rel = p.strip_prefix(dir).expect("inside").to_string_lossy().replace('\\', "/");
                    files.insert(rel, std::fs::read(&p).expect("pack file"));
                }
            }
        }
        Engine::from_files(&files).expect("default pack loads")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = PageFeatures::from_json(data) {
        if let Ok(v) = engine().scan(&f, &Settings::default(), &FrozenClock) {
            assert!(v.score <= 100);
        }
    } else {
        // Not JSON: use the bytes as the page's text and HTML with a fixed URL.
        let s = String::from_utf8_lossy(data);
        let mut f = PageFeatures::from_url("https://fuzz.example/login");
        f.text = s.to_string();
        f.html = s.to_string();
        f.inline_script = s.to_string();
        let v = engine().scan(&f, &Settings::default(), &FrozenClock).expect("fixed URL scans");
        assert!(v.score <= 100);
    }
});
