//! The `ferretwatch scan` contract: JSON shape, order, errors, exit codes, bulk URLs.

use std::io::Write;
use std::process::Command;

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ferretwatch"))
}

fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
}

#[test]
fn url_only_json_has_the_documented_shape() {
    let out = bin().args(["scan", "--url", "https://www.paypal.com/signin", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 1);
    let v = &lines[0];
    for key in
        ["url", "host", "registrable_domain", "score", "level", "findings", "pack_version", "partial", "elapsed_us"]
    {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    assert_eq!(v["host"], "www.paypal.com");
    assert_eq!(v["registrable_domain"], "paypal.com");
    assert_eq!(v["level"], "green");
    assert!(v["score"].as_u64().unwrap() <= 100);
}

#[test]
fn findings_carry_signal_weight_confidence_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("p.html");
    std::fs::write(
        &html,
        r#"<html><head><title>Sign in</title></head><body>
        <form action="https://collector.example/p.php"><input type="email" name="email">
        <input type="password" name="pw"></form></body></html>"#,
    )
    .unwrap();
    let out = bin()
        .args(["scan", "--url", "https://shop.example/login", "--html", html.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = &json_lines(&out.stdout)[0];
    let f = v["findings"].as_array().unwrap();
    let cross = f.iter().find(|x| x["signal"] == "phishing_form_cross_domain").expect("cross-domain form found");
    assert_eq!(cross["weight"], 30.0);
    assert_eq!(cross["confidence"], 1.0);
    assert!(cross["evidence"].as_str().unwrap().contains("collector.example"));
}

#[test]
fn urls_file_keeps_input_order_and_reports_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("urls.txt");
    std::fs::write(&list, "# comment\nhttps://a.example/\n\nnot a url ::\nhttps://b.example/\n").unwrap();
    let out = bin().args(["scan", "--urls", list.to_str().unwrap(), "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a bad line makes the exit code 1");
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["host"], "a.example");
    assert!(lines[1]["error"].as_str().unwrap().contains("not a url"));
    assert_eq!(lines[2]["host"], "b.example");
}

#[test]
fn usage_errors_exit_2() {
    let out = bin().args(["scan"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin().args(["scan", "--url", "https://a.example/", "--pack", "/nonexistent/pack"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/pack"));
    let out = bin().args(["scan", "--url", "https://a.example/", "--html", "/nonexistent.html"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn human_output_names_level_score_and_url() {
    let out = bin().args(["scan", "--url", "http://paypal-login.example/"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("paypal-login.example"), "{text}");
}

#[test]
fn one_hundred_thousand_urls_in_one_process() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("urls.txt");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&list).unwrap());
    for i in 0..100_000u32 {
        match i % 4 {
            0 => writeln!(f, "https://site{i}.example/path").unwrap(),
            1 => writeln!(f, "http://www.paypal-secure{i}.example/login").unwrap(),
            2 => writeln!(f, "https://sub{i}.github.io/").unwrap(),
            _ => writeln!(f, "https://xn--pypal-4ve.com/{i}").unwrap(),
        }
    }
    drop(f);
    let out = bin().args(["scan", "--urls", list.to_str().unwrap(), "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap();
        if i % 4 == 0 {
            assert_eq!(v["host"], format!("site{i}.example"));
        }
        n += 1;
    }
    assert_eq!(n, 100_000);
}
