//! The `intel import` and `reputation delta`/`apply` command contracts: exit codes, the `--json`
//! shape, the files written.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ferretwatch"))
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("tests").join("intel").join(name)
}

fn import(args: &[&str], out: &Path) -> (i32, String, String) {
    let o = bin()
        .args(["intel", "import", "--fetched-at", "2026-11-25T00:00:00Z", "--out"])
        .arg(out)
        .args(args)
        .output()
        .unwrap();
    (o.status.code().unwrap(), String::from_utf8(o.stdout).unwrap(), String::from_utf8(o.stderr).unwrap())
}

#[test]
fn import_json_shape_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let feed = sample("urlhaus.csv");
    let (code, out, err) = import(&["--format", "urlhaus", feed.to_str().unwrap(), "--json"], dir.path());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "artifacts",
            "by_kind",
            "duplicates",
            "expires_at",
            "fetched_at",
            "files",
            "filtered",
            "format",
            "indicators",
            "licence",
            "out",
            "skipped",
            "source",
            "ttl_hours",
            "warnings"
        ]
    );
    assert_eq!(
        (v["indicators"].as_u64(), v["skipped"].as_u64(), v["by_kind"]["url"].as_u64()),
        (Some(7), Some(5), Some(7))
    );
    assert_eq!(v["warnings"][0]["line"], 18);
    assert_eq!(v["expires_at"], "2026-11-28T00:00:00Z");
    for a in v["artifacts"].as_array().unwrap() {
        let p = dir.path().join(a["path"].as_str().unwrap());
        assert_eq!(std::fs::metadata(&p).unwrap().len(), a["bytes"].as_u64().unwrap(), "{}", p.display());
    }
    let prov: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("intel/urlhaus.json")).unwrap()).unwrap();
    assert_eq!(prov["licence"], "CC0-1.0 (abuse.ch)");
    assert!(!dir.path().join("reputation/urlhaus-url.partial").exists());
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let feed = sample("hosts.txt");
    // Skipped lines: 0 normally, 1 with --strict (the artifacts are still written).
    assert_eq!(import(&["--format", "hosts", feed.to_str().unwrap()], dir.path()).0, 0);
    let strict = tempfile::tempdir().unwrap();
    assert_eq!(import(&["--format", "hosts", feed.to_str().unwrap(), "--strict"], strict.path()).0, 1);
    assert!(strict.path().join("intel/hosts.json").is_file());
    // Not the format: 2, nothing written.
    let none = tempfile::tempdir().unwrap();
    let (code, _, err) = import(&["--format", "feodo", sample("not-a-feed.html").to_str().unwrap()], none.path());
    assert_eq!(code, 2);
    assert!(err.contains("not a feodo feed"), "{err}");
    assert_eq!(std::fs::read_dir(none.path()).unwrap().count(), 0);
    // Bad usage: unknown format, missing file, bad time.
    assert_eq!(import(&["--format", "nope", feed.to_str().unwrap()], none.path()).0, 2);
    assert_eq!(import(&["--format", "hosts", "/nonexistent/feed"], none.path()).0, 2);
    let o = bin().args(["intel", "import", "--format", "hosts", "--fetched-at", "soon"]).arg(&feed).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = bin().args(["intel", "formats", "--json"]).output().unwrap();
    let formats: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(formats.as_array().unwrap().len(), 6);
}

#[test]
fn delta_and_apply() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let list = |name: &str, range: std::ops::Range<u32>| {
        let mut t = String::from("# source: feed\n# kind: host\n");
        for i in range {
            t.push_str(&format!("h{i}.example\n"));
        }
        std::fs::write(d.join(format!("{name}.txt")), t).unwrap();
        let o = bin()
            .args(["reputation", "compile"])
            .arg(d.join(format!("{name}.txt")))
            .arg("--out")
            .arg(d.join(format!("{name}.fwrep")))
            .output()
            .unwrap();
        assert!(o.status.success());
    };
    list("a", 0..2000);
    list("b", 20..2020);
    let o = bin()
        .args(["reputation", "delta", "--json", "--base"])
        .arg(d.join("a.fwrep"))
        .arg("--new")
        .arg(d.join("b.fwrep"))
        .arg("--out")
        .arg(d.join("d.fwdelta"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["removes"].as_u64(), v["adds"].as_u64()), (Some(20), Some(20)));
    let apply = |base: &str, out: &str| {
        bin()
            .args(["reputation", "apply", "--json", "--base"])
            .arg(d.join(base))
            .arg("--delta")
            .arg(d.join("d.fwdelta"))
            .arg("--out")
            .arg(d.join(out))
            .output()
            .unwrap()
    };
    let ok = apply("a.fwrep", "c.fwrep");
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(std::fs::read(d.join("c.fwrep")).unwrap(), std::fs::read(d.join("b.fwrep")).unwrap());
    let wrong = apply("b.fwrep", "e.fwrep");
    assert_eq!(wrong.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&wrong.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("was made against base"));
    assert!(!d.join("e.fwrep").exists());
}
