//! URL-only checks: any string as a page URL must give a verdict or a clean error.
#![no_main]

use std::sync::OnceLock;

use ferretwatch_core::budget::FrozenClock;
use ferretwatch_core::{Engine, PageFeatures, Settings};
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../packs/default");
        let mut files = ferretwatch_core::pack::PackFiles::new();
        for rel in ["pack.json", "brands.json"] {
            files.insert(rel.into(), std::fs::read(format!("{dir}/{rel}")).expect("default pack file"));
        }
        Engine::from_files(&files).expect("default pack loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let url = String::from_utf8_lossy(data);
    if let Ok(v) = engine().scan(&PageFeatures::from_url(url.as_ref()), &Settings::default(), &FrozenClock) {
        assert!(v.score <= 100);
    }
});
