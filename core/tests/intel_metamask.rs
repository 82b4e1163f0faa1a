//! MetaMask semantics (as eth-phishing-detect's detector computes them), the compiled `.fwmm`
//! form, and the engine's findings for it.

use ferretwatch_core::pack::PackFiles;
use ferretwatch_core::reputation::{FingerprintError, MetaMaskList, MetaMaskMatch, levenshtein_within};
use ferretwatch_core::{Engine, PageFeatures, Settings, budget::FrozenClock};

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn list(tolerance: u32) -> MetaMaskList {
    MetaMaskList::new(
        "metamask",
        "2",
        tolerance,
        &strings(&["evil.example", "phish.github.io", "metamask-airdrop.com", "com.evil"]),
        &strings(&["metamask.io", "github.io", "myetherwallet.com", "launchpad.ethereum.org"]),
        &strings(&["metamask.io", "myetherwallet.com", "launchpad.ethereum.org", "opensea.io", "opensea.io"]),
    )
}

fn fuzzy(entry: &str, distance: u32) -> MetaMaskMatch {
    MetaMaskMatch::Fuzzy { entry: entry.into(), distance }
}
fn block(entry: &str) -> MetaMaskMatch {
    MetaMaskMatch::Blocklist { entry: entry.into() }
}
fn allow(entry: &str) -> MetaMaskMatch {
    MetaMaskMatch::Allowlist { entry: entry.into() }
}

#[test]
fn detector_semantics() {
    let l = list(2);
    let cases: &[(&str, &str, MetaMaskMatch)] = &[
        ("blocklisted domain", "evil.example", block("evil.example")),
        ("subdomain of a blocklisted domain", "a.b.evil.example", block("evil.example")),
        ("label-aligned only", "notevil.example", MetaMaskMatch::None),
        ("parent of a blocklisted domain", "example", MetaMaskMatch::None),
        ("one trailing dot removed", "evil.example.", block("evil.example")),
        ("allowlist wins over a blocklisted child", "phish.github.io", allow("github.io")),
        ("allowlisted subdomain", "www.metamask.io", allow("metamask.io")),
        ("allowlist wins over the fuzzylist", "launchpad.ethereum.org", allow("launchpad.ethereum.org")),
        ("fuzzylist entry off its allowlist", "opensea.io", fuzzy("opensea.io", 0)),
        ("other TLD: the TLD is not compared", "metamask.com", fuzzy("metamask.io", 0)),
        ("one edit", "metamusk.xyz", fuzzy("metamask.io", 1)),
        ("two edits", "metamsuk.xyz", fuzzy("metamask.io", 2)),
        ("three edits: beyond the tolerance", "metmsuk.xyz", MetaMaskMatch::None),
        ("leading www. removed", "www.metamusk.xyz", fuzzy("metamask.io", 1)),
        ("only the first www. is removed", "www.www.metamask.xyz", MetaMaskMatch::None),
        ("www. removed anywhere, first occurrence", "wwww.metamask.xyz", fuzzy("metamask.io", 1)),
        ("subdomains count as characters", "login.metamask.xyz", MetaMaskMatch::None),
        ("multi-label entry compares all but its TLD", "launchpad.ethereum.com", fuzzy("launchpad.ethereum.org", 0)),
        ("first match in list order", "myetherwallet.io", fuzzy("myetherwallet.com", 0)),
        ("single label: empty fuzzy form", "metamask", MetaMaskMatch::None),
        ("empty", "", MetaMaskMatch::None),
        ("unrelated", "example.org", MetaMaskMatch::None),
    ];
    for (name, domain, want) in cases {
        assert_eq!(&l.check(domain), want, "{name}: {domain}");
    }
    assert!(block("x").blocked() && fuzzy("x", 1).blocked() && !allow("x").blocked());
    assert!(!MetaMaskMatch::None.blocked());
    assert_eq!(
        [block("x").kind(), fuzzy("x", 0).kind(), allow("x").kind(), MetaMaskMatch::None.kind()],
        ["blacklist", "fuzzy", "whitelist", "all"]
    );
}

#[test]
fn tolerance_zero_turns_fuzzy_matching_off() {
    let l = list(0);
    assert_eq!(l.check("metamask.com"), MetaMaskMatch::None);
    assert_eq!(l.check("opensea.io"), MetaMaskMatch::None);
    assert_eq!(l.check("evil.example"), block("evil.example"));
    assert_eq!(list(3).check("metmsuk.xyz"), fuzzy("metamask.io", 3));
}

#[test]
fn levenshtein_counts_utf16_units_like_fast_levenshtein() {
    for (a, b, max, want) in [
        ("kitten", "sitting", 3, Some(3)),
        ("kitten", "sitting", 2, None),
        ("", "abc", 3, Some(3)),
        ("abc", "abc", 0, Some(0)),
        ("ab", "ba", 2, Some(2)),
        ("flaw", "lawn", 2, Some(2)),
    ] {
        assert_eq!(levenshtein_within(a.as_bytes(), b.as_bytes(), max), want, "{a} / {b}");
    }
    // A non-BMP character is two UTF-16 units, as in JavaScript's charCodeAt.
    let a: Vec<u16> = "a😀".encode_utf16().collect();
    let b: Vec<u16> = "a".encode_utf16().collect();
    assert_eq!(levenshtein_within(&a, &b, 5), Some(2));
    // Long input: rejected by length without quadratic work.
    let long = "x".repeat(1_000_000);
    assert_eq!(levenshtein_within(long.as_bytes(), b"metamask", 2), None);
}

#[test]
fn compiled_form_round_trips_and_rejects_damage() {
    let l = list(2);
    let bytes = l.to_bytes();
    let back = MetaMaskList::from_bytes(&bytes).unwrap();
    assert_eq!(back, l);
    assert_eq!((back.blocklist_len(), back.allowlist_len(), back.fuzzylist().len()), (4, 4, 4));
    assert_eq!(back.len(), 8);
    assert_eq!(MetaMaskList::from_bytes(b"FWREP\x01").unwrap_err(), FingerprintError::Magic);
    for cut in [7, 20, bytes.len() - 1] {
        assert!(MetaMaskList::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(MetaMaskList::from_bytes(&trailing).unwrap_err(), FingerprintError::Trailing { at: bytes.len() });
    // A huge fuzzylist count with no bytes behind it is refused, not allocated.
    let mut lie = bytes.clone();
    let n = lie.len();
    let fuzzy_section = n - l.fuzzylist().iter().map(|f| 2 + f.len()).sum::<usize>() - 4;
    lie[fuzzy_section..fuzzy_section + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(MetaMaskList::from_bytes(&lie), Err(FingerprintError::Truncated { .. })));
    // Unsorted blocklist fingerprints.
    let mut unsorted = bytes;
    let start = 6 + 2 + "metamask".len() + 2 + 1 + 4 + 4;
    let (a, b) = unsorted[start..start + 16].split_at_mut(8);
    a.swap_with_slice(b);
    assert_eq!(MetaMaskList::from_bytes(&unsorted).unwrap_err(), FingerprintError::Unsorted { index: 1 });
}

fn engine_with(list: &MetaMaskList) -> Engine {
    let mut files = PackFiles::new();
    files.insert("pack.json".into(), br#"{"version": "t", "weights": {"reputation_hit": 70}}"#.to_vec());
    files.insert("brands.json".into(), b"[]".to_vec());
    files.insert("reputation/metamask.fwmm".into(), list.to_bytes());
    Engine::from_files(&files).unwrap()
}

#[test]
fn engine_findings_name_the_source() {
    let engine = engine_with(&list(2));
    assert_eq!(engine.indicator_count(), 8);
    let scan = |url: &str| engine.scan(&PageFeatures::from_url(url), &Settings::default(), &FrozenClock).unwrap();
    let v = scan("https://login.evil.example/wallet");
    let f = v.findings.iter().find(|f| f.source.as_deref() == Some("metamask")).unwrap();
    assert_eq!((f.signal.as_str(), f.confidence, f.target.as_deref()), ("reputation_hit", 1.0, None));
    assert_eq!(v.score, 70);
    let v = scan("https://www.metamusk.xyz/");
    let f = v.findings.iter().find(|f| f.source.as_deref() == Some("metamask")).unwrap();
    assert_eq!(f.target.as_deref(), Some("metamask.io"));
    assert_eq!(f.confidence, ferretwatch_core::reputation::METAMASK_FUZZY_CONFIDENCE);
    assert!(f.evidence.contains("1 letter away from metamask.io"), "{}", f.evidence);
    assert_eq!(v.score, 42);
    let v = scan("https://metamask.com/");
    let f = v.findings.iter().find(|f| f.source.as_deref() == Some("metamask")).unwrap();
    assert!(f.evidence.contains("uses the name of metamask.io under another ending"), "{}", f.evidence);
    for clean in ["https://phish.github.io/", "https://metamask.io/", "https://example.org/"] {
        assert!(scan(clean).findings.iter().all(|f| f.source.as_deref() != Some("metamask")), "{clean}");
    }
    let mut files = PackFiles::new();
    files.insert("pack.json".into(), br#"{"version": "t", "weights": {}}"#.to_vec());
    files.insert("brands.json".into(), b"[]".to_vec());
    files.insert("reputation/metamask.fwmm".into(), b"FWMMK\x01\x00".to_vec());
    let err = Engine::from_files(&files).unwrap_err().to_string();
    assert!(err.contains("reputation/metamask.fwmm"), "{err}");
}
