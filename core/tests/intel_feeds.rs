//! `intel::import` on the sample feeds of `tests/intel/` (see its README): every format, with
//! malformed lines, IDN hosts, ports, repeated slashes, queries, trailing dots and duplicates.

use ferretwatch_core::Engine;
use ferretwatch_core::intel::{Format, Import, ImportOptions, IntelError, import, normalize};
use ferretwatch_core::pack::{IndicatorKind, PackFiles, parse_reputation};
use ferretwatch_core::reputation::FingerprintSet;

const FETCHED: u64 = 1_795_564_800; // 2026-11-25T00:00:00Z

fn feed(name: &str) -> Vec<u8> {
    let path = format!("{}/../tests/intel/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn run(format: Format, name: &str) -> Import {
    let bytes = feed(name);
    let opts = ImportOptions { fetched_at: FETCHED, ..ImportOptions::default() };
    import(format, &[(name, &bytes)], &opts).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn list(imp: &Import, kind: IndicatorKind) -> Vec<&str> {
    imp.lists.iter().find(|(k, _)| *k == kind).map(|(_, l)| l.iter().map(String::as_str).collect()).unwrap_or_default()
}

fn warning_lines(imp: &Import) -> Vec<usize> {
    imp.warnings.iter().map(|w| w.line).collect()
}

#[test]
fn urlhaus_csv() {
    let imp = run(Format::Urlhaus, "urlhaus.csv");
    assert_eq!(
        list(&imp, IndicatorKind::Url),
        [
            "192.168.13.37:8080/i",              // IP host, non-default port kept
            "cdn.example.net/file.exe",          // query dropped (not a script)
            "dl.example.org/download.php?id=42", // query kept (script)
            "evil.example.com/bins/mozi.a",      // upper case host; its duplicate had a trailing dot and #frag
            "evil.example.com/x/y/z.zip",        // :443 on https dropped, slashes collapsed
            "root.example.org/?a=1",             // query kept at the site root
            "xn--bcher-kva.example/payload.exe", // IDN host
        ]
    );
    assert_eq!((imp.duplicates, imp.skipped, imp.filtered), (1, 5, 0));
    assert_eq!(warning_lines(&imp), [18, 19, 20, 21, 22]);
    assert!(imp.warnings[0].to_string().starts_with("urlhaus.csv:18: id `abc`"), "{}", imp.warnings[0]);
    assert_eq!(imp.source, "urlhaus");
    assert_eq!(imp.expires_at, FETCHED + 72 * 3600);
}

#[test]
fn phishtank_csv_and_json() {
    let csv = run(Format::PhishtankCsv, "phishtank.csv");
    let paypal_cyrillic = normalize::host("pаypal.example").unwrap();
    assert!(paypal_cyrillic.starts_with("xn--"));
    let mut want = vec![
        "login.example.net/a,b/index.html".to_string(), // quoted field with a comma
        "ok.example/login".to_string(),                 // ?session= dropped
        "paypal.com.secure-login.example/signin".to_string(),
        "xn--pypal-4ve.com/login".to_string(),
        format!("{paypal_cyrillic}/verify"),
    ];
    want.sort();
    assert_eq!(list(&csv, IndicatorKind::Url), want);
    assert_eq!((csv.duplicates, csv.skipped, csv.filtered), (1, 2, 1)); // the upper-case repeat; the unverified entry
    assert_eq!(warning_lines(&csv), [7, 10]);

    let json = run(Format::PhishtankJson, "phishtank.json");
    assert_eq!(
        list(&json, IndicatorKind::Url),
        [
            "bank.example:8443/login.php?acct=9",
            "paypal.com.secure-login.example/signin",
            "wallet-verify.example/connect/seed", // `//connect///seed?step=2` and the `Wallet-Verify.Example.` repeat
        ]
    );
    assert_eq!((json.duplicates, json.skipped, json.filtered), (1, 3, 1));
    // Warnings point at the line where the bad array element starts.
    assert_eq!(warning_lines(&json), [22, 23, 24]);
    assert_eq!(json.source, "phishtank");
}

#[test]
fn feodo_csv_and_ip_list() {
    let csv = run(Format::Feodo, "feodo.csv");
    assert_eq!(list(&csv, IndicatorKind::Ip), ["203.0.113.7", "51.75.54.155", "[2001:db8::5]"]);
    assert_eq!((csv.duplicates, csv.skipped), (1, 2));
    assert_eq!(warning_lines(&csv), [12, 14]);

    let plain = run(Format::Feodo, "feodo-ipblocklist.txt");
    assert_eq!(list(&plain, IndicatorKind::Ip), ["192.0.2.44", "198.51.100.23", "51.75.54.155"]);
    assert_eq!((plain.duplicates, plain.skipped), (1, 1));
    assert_eq!(warning_lines(&plain), [7]);
}

#[test]
fn hosts_file() {
    let imp = run(Format::Hosts, "hosts.txt");
    assert_eq!(
        list(&imp, IndicatorKind::Host),
        [
            "ads.example.com",
            "good-after-bad.example",
            "phish.example.org",
            "tab.separated.example",
            "tracker.example.net",
            "xn--bcher-phish-thb.example",
        ]
    );
    assert_eq!(list(&imp, IndicatorKind::Ip), ["1.2.3.4"]);
    // localhost, localhost.localdomain, localhost + ip6-localhost + ip6-loopback, broadcasthost,
    // 0.0.0.0, and the addresses 127.0.0.1 and :: in the host position
    assert_eq!(imp.filtered, 9);
    assert_eq!((imp.duplicates, imp.skipped), (1, 3));
    assert_eq!(warning_lines(&imp), [12, 14, 15]);

    let bytes = feed("hosts.txt");
    let opts =
        ImportOptions { fetched_at: FETCHED, as_domains: true, source: Some("blocklist".into()), ..Default::default() };
    let domains = import(Format::Hosts, &[("hosts.txt", &bytes)], &opts).unwrap();
    let d = list(&domains, IndicatorKind::Domain);
    assert!(d.contains(&"example.com") && d.contains(&"example.org") && !d.contains(&"ads.example.com"), "{d:?}");
}

#[test]
fn metamask_config() {
    let imp = run(Format::Metamask, "metamask-config.json");
    let m = imp.metamask.as_ref().unwrap();
    assert_eq!((m.version.as_str(), m.tolerance), ("3", 2));
    let cyrillic = normalize::host("mеtamask.io").unwrap();
    let mut block = vec![
        "claim-wallet.example".to_string(),
        "evil.example".into(),
        "metamask-airdrop.com".into(),
        "phish.github.io".into(),
        "xn--mtamask-2fg.io".into(),
        cyrillic.clone(),
    ];
    block.sort();
    block.dedup();
    assert_eq!(m.blocklist.iter().cloned().collect::<Vec<_>>(), block);
    assert_eq!(m.allowlist.len(), 4); // METAMASK.IO is metamask.io again
    assert_eq!(m.fuzzylist, ["metamask.io", "myetherwallet.com", "launchpad.ethereum.org"]);
    assert_eq!(imp.skipped, 2); // 42, bad/entry.com
    assert_eq!(imp.indicator_count(), block.len() + 3);
}

#[test]
fn files_that_are_not_the_format_fail() {
    let html = feed("not-a-feed.html");
    let opts = ImportOptions { fetched_at: FETCHED, ..Default::default() };
    for f in
        [Format::Urlhaus, Format::PhishtankCsv, Format::PhishtankJson, Format::Feodo, Format::Metamask, Format::Hosts]
    {
        let err = import(f, &[("not-a-feed.html", &html)], &opts).unwrap_err();
        assert!(matches!(err, IntelError::NotFormat { .. } | IntelError::Json { .. }), "{f:?}: {err}");
        assert!(err.to_string().contains("not-a-feed.html"), "{err}");
    }
    // JSON where CSV is expected, and the wrong JSON shape.
    let json = feed("phishtank.json");
    let err = import(Format::Urlhaus, &[("p.json", &json)], &opts).unwrap_err();
    assert!(err.to_string().contains("it is JSON"), "{err}");
    let err = import(Format::Metamask, &[("p.json", &json)], &opts).unwrap_err();
    assert!(err.to_string().contains("not an object"), "{err}");
    let err = import(Format::PhishtankJson, &[("m.json", &feed("metamask-config.json"))], &opts).unwrap_err();
    assert!(err.to_string().contains("not an array"), "{err}");
    // Not UTF-8: the error names the line.
    let err = import(Format::Hosts, &[("bin", b"0.0.0.0 a.example\n\xff\xfe")], &opts).unwrap_err();
    assert_eq!(err, IntelError::Encoding { file: "bin".into(), line: 2, offset: 18 });
    // Mostly malformed (more than half of ≥ 10 lines): refused even though some lines parse.
    let mut mostly_bad = String::from("0.0.0.0 ok.example\n0.0.0.0 ok2.example\n");
    for i in 0..10 {
        mostly_bad.push_str(&format!("<p>line {i}</p> and more\n"));
    }
    assert!(matches!(import(Format::Hosts, &[("h", mostly_bad.as_bytes())], &opts), Err(IntelError::NotFormat { .. })));
    assert_eq!(import(Format::Hosts, &[], &opts).unwrap_err(), IntelError::NoFiles);
    let bad_source = ImportOptions { source: Some("Bad Name".into()), ..opts.clone() };
    assert!(matches!(import(Format::Hosts, &[("h", b"a.example")], &bad_source), Err(IntelError::Source(_))));
}

#[test]
fn overlong_lines_and_hostile_input_do_not_abort_the_import() {
    let mut text = String::from("0.0.0.0 fine.example\n");
    text.push_str(&"x".repeat(100_000));
    text.push('\n');
    text.push_str("0.0.0.0 also-fine.example\n");
    text.push_str(&format!("0.0.0.0 {}.example\n", "a".repeat(5000)));
    let opts = ImportOptions { fetched_at: FETCHED, ..Default::default() };
    let imp = import(Format::Hosts, &[("h", text.as_bytes())], &opts).unwrap();
    assert_eq!(list(&imp, IndicatorKind::Host), ["also-fine.example", "fine.example"]);
    assert_eq!(warning_lines(&imp), [2, 4]);
    let csv = "\"1\",\"2\",\"".to_string() + &"\"".repeat(10_000);
    let imp = import(
        Format::Urlhaus,
        &[("u", format!("\"9\",\"d\",\"http://a.example/\",\"\",\"\",\"\",\"\",\"\",\"\"\n{csv}\n").as_bytes())],
        &opts,
    )
    .unwrap();
    assert_eq!((imp.indicator_count(), imp.skipped), (1, 1));
}

#[test]
fn artifacts_load_in_the_engine_and_name_their_source() {
    let imp = run(Format::Urlhaus, "urlhaus.csv");
    let artifacts = imp.artifacts();
    let paths: Vec<&str> = artifacts.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["reputation/urlhaus-url.txt", "intel/urlhaus.json"]);
    let text = std::str::from_utf8(&artifacts[0].1).unwrap();
    assert!(
        text.starts_with("# source: urlhaus\n# kind: url\n# format: urlhaus\n# fetched_at: 2026-11-25T00:00:00Z\n")
    );
    let parsed = parse_reputation("reputation/urlhaus-url.txt", text).unwrap();
    assert_eq!(parsed.entries.len(), 7);
    let prov: serde_json::Value = serde_json::from_slice(&artifacts[1].1).unwrap();
    assert_eq!(prov["source"], "urlhaus");
    assert_eq!(prov["format"], "urlhaus");
    assert_eq!(prov["fetched_at"], "2026-11-25T00:00:00Z");
    assert_eq!(prov["expires_at"], "2026-11-28T00:00:00Z");
    assert_eq!(prov["licence"], "CC0-1.0 (abuse.ch)");
    assert_eq!(prov["indicators"], 7);
    assert_eq!(prov["skipped"], 5);
    assert_eq!(prov["files"][0]["name"], "urlhaus.csv");
    assert_eq!(prov["artifacts"][0]["path"], "reputation/urlhaus-url.txt");

    let mut files = PackFiles::new();
    files.insert("pack.json".into(), br#"{"version": "t", "weights": {"reputation_hit": 70}}"#.to_vec());
    files.insert("brands.json".into(), b"[]".to_vec());
    for (p, b) in artifacts {
        files.insert(p, b);
    }
    let engine = Engine::from_files(&files).unwrap();
    let clock = ferretwatch_core::budget::FrozenClock;
    let settings = ferretwatch_core::Settings::default();
    let scan =
        |url: &str| engine.scan(&ferretwatch_core::PageFeatures::from_url(url), &settings, &clock).unwrap().findings;
    for (url, hit) in [
        ("http://evil.example.com/bins/mozi.a", true),
        ("http://EVIL.example.com.//bins//mozi.a?x=1", true),
        ("https://evil.example.com/x/y/z.zip", true),
        ("http://evil.example.com/bins/other", false),
        ("http://192.168.13.37:8080/i", true),
        ("http://192.168.13.37/i", false), // another port, another service
        ("http://dl.example.org/download.php?id=42", true),
        ("http://dl.example.org/download.php?id=43", false),
        ("http://root.example.org/?a=1", true),
        ("http://root.example.org/", false),
        ("http://bücher.example/payload.exe", true),
    ] {
        let f = scan(url);
        assert_eq!(f.iter().any(|x| x.source.as_deref() == Some("urlhaus")), hit, "{url}: {f:?}");
    }
}

#[test]
fn large_lists_are_compiled_and_expire_per_feed() {
    let mut text = String::new();
    for i in 0..1500 {
        text.push_str(&format!("0.0.0.0 host{i}.example\n"));
    }
    let opts = ImportOptions { fetched_at: FETCHED, ttl_hours: Some(1), ..Default::default() };
    let imp = import(Format::Hosts, &[("big", text.as_bytes())], &opts).unwrap();
    let artifacts = imp.artifacts();
    assert_eq!(artifacts[0].0, "reputation/hosts-host.fwrep");
    let set = FingerprintSet::from_bytes(&artifacts[0].1).unwrap();
    assert_eq!(set.len(), 1500);
    assert!(set.contains("host1499.example") && !set.contains("host1500.example"));
    assert_eq!(imp.expires_at, FETCHED + 3600);
    let all: Vec<_> = imp.indicators().collect();
    assert_eq!(all.len(), 1500);
    assert!(all.iter().all(|i| i.source == "hosts" && i.expires_at == FETCHED + 3600 && i.kind == IndicatorKind::Host));
}

#[test]
fn url_paths_keep_their_case_through_a_text_list() {
    let feed = "\"1\",\"d\",\"http://EVIL.example/Login/Verify.PHP?Id=7\",\"online\",\"\",\"m\",\"\",\"l\",\"r\"\n";
    let opts = ImportOptions { fetched_at: FETCHED, ..Default::default() };
    let imp = import(Format::Urlhaus, &[("u.csv", feed.as_bytes())], &opts).unwrap();
    assert_eq!(list(&imp, IndicatorKind::Url), ["evil.example/Login/Verify.PHP?Id=7"]);
    let mut files = PackFiles::new();
    files.insert("pack.json".into(), br#"{"version": "t", "weights": {"reputation_hit": 70}}"#.to_vec());
    files.insert("brands.json".into(), b"[]".to_vec());
    for (p, b) in imp.artifacts() {
        files.insert(p, b);
    }
    assert!(files.contains_key("reputation/urlhaus-url.txt"));
    let engine = Engine::from_files(&files).unwrap();
    let hit = |url: &str| {
        let v = engine
            .scan(
                &ferretwatch_core::PageFeatures::from_url(url),
                &ferretwatch_core::Settings::default(),
                &ferretwatch_core::budget::FrozenClock,
            )
            .unwrap();
        v.findings.iter().any(|f| f.source.as_deref() == Some("urlhaus"))
    };
    assert!(hit("http://evil.example/Login/Verify.PHP?Id=7"));
    assert!(!hit("http://evil.example/login/verify.php?id=7"));
}
