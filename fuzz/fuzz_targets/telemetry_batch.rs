//! Telemetry: arbitrary bytes as a batch file (one object, an array, JSON Lines) and as a
//! `/metrics` exposition must give batches or field-named errors, never panic; an accepted batch
//! has consistent histograms and survives a merge.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ops_probe::prom::{Snapshot, delta_batch, parse_text, push_batch};
use ops_probe::source::{Loaded, load_bytes};
use ops_probe::telemetry::{Sample, parse_batch};

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = parse_batch(data) {
        assert!(b.period_end > b.period_start);
        for h in [&b.sample.engine.latency_us, &b.sample.engine.memory_bytes, &b.sample.cpu_percent] {
            assert_eq!(h.counts.iter().sum::<u64>(), h.count);
        }
        let mut s = Sample::default();
        s.merge(&b.sample);
        s.merge(&b.sample);
        assert_eq!(s.engine.latency_us.count, b.sample.engine.latency_us.count.saturating_mul(2));
    }
    for lines in [false, true] {
        let mut out = Loaded::default();
        load_bytes("fuzz", data, lines, &mut out);
        for bad in &out.bad {
            assert!(!bad.message.is_empty());
        }
    }
    let text = String::from_utf8_lossy(data);
    let (snap, _) = parse_text(&text);
    let mut out = Loaded::default();
    push_batch("fuzz", "scrape", delta_batch(&Snapshot::new(), &snap, 1_800_000_000, 1_800_000_060), &mut out);
    assert_eq!(out.batches.len() + out.bad.len(), 1);
});
