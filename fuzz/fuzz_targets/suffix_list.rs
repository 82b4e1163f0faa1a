//! Public Suffix List parsing (a pack may carry its own `public_suffix_list.dat`): any text must
//! parse or give an error, never panic, and agree with the publicsuffix crate (the reference the
//! compact table replaced) on the error and on every host's suffix and registrable domain.
#![no_main]

use std::str::FromStr;

use ferretwatch_core::domain::SuffixList;
use libfuzzer_sys::fuzz_target;
use publicsuffix::{List, Psl};

fuzz_target!(|data: &[u8]| {
    // The list, then a NUL, then one host per line.
    let (list, hosts) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(text) = std::str::from_utf8(list) else { return };
    let ours = SuffixList::parse(text);
    let reference = List::from_str(text);
    assert_eq!(
        ours.as_ref().err().map(ToString::to_string),
        reference.as_ref().err().map(|e| format!("public suffix list is malformed: {e:?}"))
    );
    let (Ok(ours), Ok(reference)) = (ours, reference) else { return };
    for host in String::from_utf8_lossy(hosts).lines() {
        let tail = |n: usize| host.get(host.len() - n..);
        let want = (
            reference.suffix(host.as_bytes()).and_then(|s| tail(s.as_bytes().len())),
            reference.domain(host.as_bytes()).and_then(|d| tail(d.as_bytes().len())),
        );
        assert_eq!(ours.suffix_and_registrable(host), want, "{host:?}");
        assert_eq!((ours.suffix(host), ours.registrable(host)), want, "{host:?}");
    }
});
