//! The signed-pack commands end to end: keys, build, sign, verify, scan --pack, deploy,
//! rollback, bulletins, control documents, `pack test`, and the runbook scripts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ferretwatch")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fw(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin()).current_dir(dir).args(args).output().expect("ferretwatch runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn json(o: &Output) -> Value {
    let text = String::from_utf8_lossy(&o.stdout);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {text}\nstderr: {}", String::from_utf8_lossy(&o.stderr)))
}

fn ok(dir: &Path, args: &[&str]) -> Output {
    let o = fw(dir, args);
    assert_eq!(
        code(&o),
        0,
        "{args:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A small source pack (loads fast, independent of packs/default).
fn write_source(dir: &Path) {
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::create_dir_all(dir.join("reputation")).unwrap();
    std::fs::write(
        dir.join("pack.json"),
        r#"{"version": "0", "weights": {"reputation_hit": 70, "idn_homograph_high": 40, "yara_phishing_high": 45},
            "caps": {"reputation_hit": 100}, "severe_signals": ["reputation_hit"]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("brands.json"),
        r#"[{"name": "PayPal", "category": "payment", "domains": ["paypal.com"]}]"#,
    )
    .unwrap();
    std::fs::write(dir.join("reputation/feed.txt"), "# source: test-feed\n# kind: host\nevil.example\n").unwrap();
    std::fs::write(
        dir.join("rules/kit.yar"),
        "rule kit { meta: severity = \"high\" strings: $a = \"verify your account now\" condition: $a }\n",
    )
    .unwrap();
}

struct Setup {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

/// Two signers' keys and a source pack in a temp dir.
fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    write_source(&dir.join("src"));
    ok(&dir, &["keys", "generate", "--out", "keys", "--name", "alice"]);
    ok(&dir, &["keys", "generate", "--out", "keys", "--name", "bob"]);
    Setup { _tmp: tmp, dir }
}

const TRUST: [&str; 4] = ["--trust", "keys/alice.pub", "--trust", "keys/bob.pub"];

fn build_signed(dir: &Path, out: &str, version: &str) {
    ok(dir, &["pack", "build", "--source", "src", "--out", out, "--version", version]);
    ok(dir, &["pack", "sign", out, "--key", "keys/alice.key"]);
    ok(dir, &["pack", "sign", out, "--key", "keys/bob.key"]);
}

fn verify_json(dir: &Path, pack: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["pack", "verify", pack, "--json"];
    args.extend_from_slice(&TRUST);
    args.extend_from_slice(extra);
    let o = fw(dir, &args);
    (code(&o), json(&o))
}

#[test]
fn keys_generate_writes_private_key_0600_and_public_key() {
    let s = setup();
    let o = ok(&s.dir, &["keys", "generate", "--out", "keys", "--name", "carol", "--json"]);
    let v = json(&o);
    assert_eq!(v["name"], "carol");
    assert_eq!(v["key_id"].as_str().unwrap().len(), 16);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.dir.join("keys/carol.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let pubf: Value = serde_json::from_slice(&std::fs::read(s.dir.join("keys/carol.pub")).unwrap()).unwrap();
    assert_eq!(pubf["key_id"], v["key_id"]);
    assert!(pubf.get("seed").is_none(), "public file must not hold the secret");
    // Refuses to overwrite.
    assert_eq!(code(&fw(&s.dir, &["keys", "generate", "--out", "keys", "--name", "carol"])), 2);
}

#[test]
fn publish_flow_with_two_signers() {
    let s = setup();
    let d = &s.dir;
    let o = ok(d, &["pack", "build", "--source", "src", "--out", "dist/pack", "--version", "2026.11.25.1", "--json"]);
    let b = json(&o);
    assert_eq!(b["pack_version"], "2026.11.25.1");
    assert_eq!(b["artifacts"], 4);
    assert!(d.join("dist/pack/reputation/feed.fwrep").is_file(), "text lists are compiled");
    assert!(!d.join("dist/pack/reputation/feed.txt").exists());
    // Unsigned, then one signature: refused with the reason.
    let (c, v) = verify_json(d, "dist/pack", &[]);
    assert_eq!((c, v["kind"].as_str()), (1, Some("missing_signature")));
    ok(d, &["pack", "sign", "dist/pack", "--key", "keys/alice.key"]);
    let (c, v) = verify_json(d, "dist/pack", &[]);
    assert_eq!((c, v["kind"].as_str()), (1, Some("below_threshold")));
    // Signing twice with the same key does not make two signers.
    ok(d, &["pack", "sign", "dist/pack", "--key", "keys/alice.key"]);
    assert_eq!(verify_json(d, "dist/pack", &[]).1["kind"], "below_threshold");
    let o = ok(d, &["pack", "sign", "dist/pack", "--key", "keys/bob.key", "--json"]);
    assert_eq!(json(&o)["signatures"].as_array().unwrap().len(), 2);
    let (c, v) = verify_json(d, "dist/pack", &[]);
    assert_eq!(c, 0, "{v}");
    assert_eq!(v["valid"], true);
    assert_eq!(v["signers"].as_array().unwrap().len(), 2);
    // --threshold 3 with two signers fails; --threshold 1 with one trusted key passes.
    let (c, _) = verify_json(d, "dist/pack", &["--threshold", "3"]);
    assert_eq!(c, 1);
    assert_eq!(code(&fw(d, &["pack", "verify", "dist/pack", "--trust", "keys/alice.pub", "--threshold", "1"])), 0);
    // An untrusted signer set.
    ok(d, &["keys", "generate", "--out", "other", "--name", "mallory"]);
    let o = fw(d, &["pack", "verify", "dist/pack", "--trust", "other/mallory.pub", "--json"]);
    assert_eq!((code(&o), json(&o)["kind"].clone()), (1, Value::from("unknown_key")));
    // Deploy: artifacts under their sha256, archive, manifest.
    let o = ok(d, &["pack", "deploy", "dist/pack", "--cdn", "cdn", "--json", TRUST[0], TRUST[1], TRUST[2], TRUST[3]]);
    assert_eq!(json(&o)["artifacts_written"], 4);
    let m = ok(d, &["pack", "inspect", "cdn/packs/2026.11.25.1", "--json"]);
    for a in json(&m)["artifacts"].as_array().unwrap() {
        assert!(d.join("cdn/artifacts").join(a["sha256"].as_str().unwrap()).is_file());
    }
    assert_eq!(
        std::fs::read(d.join("cdn/manifest.json")).unwrap(),
        std::fs::read(d.join("dist/pack/manifest.json")).unwrap()
    );
    let (c, v) = verify_json(d, "cdn", &["--cdn"]);
    assert_eq!(c, 0, "{v}");
}

#[test]
fn verify_reports_each_tampering() {
    let s = setup();
    let d = &s.dir;
    build_signed(d, "p", "2026.11.25.1");
    let yar = d.join("p/rules/kit.yar");
    let orig = std::fs::read(&yar).unwrap();
    let mut same_len = orig.clone();
    same_len[0] = b'R';
    std::fs::write(&yar, &same_len).unwrap();
    assert_eq!(verify_json(d, "p", &[]).1["kind"], "hash_mismatch");
    let mut longer = orig.clone();
    longer.extend_from_slice(b"// more\n");
    std::fs::write(&yar, &longer).unwrap();
    assert_eq!(verify_json(d, "p", &[]).1["kind"], "size_mismatch");
    std::fs::write(&yar, &orig).unwrap();
    std::fs::write(d.join("p/rules/extra.yar"), "rule x { condition: true }").unwrap();
    assert_eq!(verify_json(d, "p", &[]).1["kind"], "extra_artifact");
    std::fs::remove_file(d.join("p/rules/extra.yar")).unwrap();
    std::fs::remove_file(&yar).unwrap();
    assert_eq!(verify_json(d, "p", &[]).1["kind"], "missing_artifact");
    std::fs::write(&yar, &orig).unwrap();
    assert_eq!(verify_json(d, "p", &[]).0, 0);
    // Frozen: the client's clock is past the expiry.
    assert_eq!(verify_json(d, "p", &["--now", "99999999999"]).1["kind"], "expired");
    // An old extension.
    assert_eq!(verify_json(d, "p", &["--extension-version", "0.0.1"]).1["kind"], "extension_too_old");
    // Garbage manifest.
    std::fs::write(d.join("p/manifest.json"), "{not json").unwrap();
    assert_eq!(verify_json(d, "p", &[]).1["kind"], "malformed");
    // Signing refuses a pack whose artifacts do not match its manifest.
    build_signed(d, "q", "2026.11.25.1");
    std::fs::write(d.join("q/rules/kit.yar"), &same_len).unwrap();
    assert_eq!(code(&fw(d, &["pack", "sign", "q", "--key", "keys/alice.key"])), 1);
}

#[test]
fn scan_refuses_unsigned_or_unverifiable_pack_unless_allowed() {
    let s = setup();
    let d = &s.dir;
    ok(d, &["pack", "build", "--source", "src", "--out", "unsigned", "--version", "2026.11.25.1"]);
    build_signed(d, "signed", "2026.11.25.1");
    let url = ["--url", "https://evil.example/login", "--json"];
    let refuse = fw(d, &[&["scan", "--pack", "unsigned"][..], &TRUST, &url].concat());
    assert_eq!(code(&refuse), 2);
    assert!(String::from_utf8_lossy(&refuse.stderr).contains("refusing"));
    assert_eq!(code(&fw(d, &[&["scan", "--pack", "signed"][..], &url].concat())), 2, "no --trust: unverifiable");
    let o = ok(d, &[&["scan", "--pack", "signed"][..], &TRUST, &url].concat());
    let v = json(&o);
    assert_eq!(v["pack_version"], "2026.11.25.1");
    assert_eq!(v["level"], "red");
    let o = ok(d, &[&["scan", "--pack", "unsigned", "--allow-unsigned"][..], &url].concat());
    assert_eq!(json(&o)["level"], "red");
    // A plain source directory still works with --allow-unsigned.
    let o = ok(d, &[&["scan", "--pack", "src", "--allow-unsigned"][..], &url].concat());
    assert_eq!(json(&o)["pack_version"], "0");
}

#[test]
fn rollback_needs_a_signed_directive() {
    let s = setup();
    let d = &s.dir;
    let deploy = |p: &str| ok(d, &[&["pack", "deploy", p, "--cdn", "cdn"][..], &TRUST].concat());
    build_signed(d, "v1", "2026.11.25.1");
    deploy("v1");
    build_signed(d, "v2", "2026.11.25.2");
    deploy("v2");
    let o = ok(d, &["pack", "diff", "v1", "v2", "--json"]);
    let diff = json(&o);
    assert_eq!((diff["from"].as_str(), diff["to"].as_str()), (Some("2026.11.25.1"), Some("2026.11.25.2")));
    assert_eq!(diff["changed"][0]["path"], "pack.json");
    // Deploying v1 again over v2 is a rollback without a directive: refused.
    assert_eq!(code(&fw(d, &[&["pack", "deploy", "v1", "--cdn", "cdn"][..], &TRUST].concat())), 1);
    assert_eq!(verify_json(d, "v1", &["--held-version", "2026.11.25.2"]).1["kind"], "rollback");
    let o =
        ok(d, &["pack", "rollback", "--to", "2026.11.25.1", "--cdn", "cdn", "--out", "rb", "--reason", "fp", "--json"]);
    assert_eq!(json(&o)["replaces_up_to"], "2026.11.25.2");
    ok(d, &["pack", "sign", "rb", "--key", "keys/alice.key"]);
    ok(d, &["pack", "sign", "rb", "--key", "keys/bob.key"]);
    let (c, v) = verify_json(d, "rb", &["--held-version", "2026.11.25.2"]);
    assert_eq!((c, v["rollback"].clone()), (0, Value::Bool(true)));
    assert_eq!(verify_json(d, "rb", &["--held-version", "2026.11.26.1"]).1["kind"], "rollback");
    deploy("rb");
    let i = json(&ok(d, &["pack", "inspect", "cdn", "--json"]));
    assert_eq!(i["pack_version"], "2026.11.25.1");
    assert_eq!(i["rollback"]["to"], "2026.11.25.1");
}

#[test]
fn root_signed_key_list_rotation_and_revocation() {
    let s = setup();
    let d = &s.dir;
    ok(d, &["keys", "generate", "--out", "keys", "--name", "root"]);
    ok(d, &["keys", "generate", "--out", "keys", "--name", "carol"]);
    build_signed(d, "p", "2026.11.25.1");
    let bob: Value = serde_json::from_slice(&std::fs::read(d.join("keys/bob.pub")).unwrap()).unwrap();
    let bob_id = bob["key_id"].as_str().unwrap().to_string();
    // v1: alice + bob. The pack carries the list; clients trust only the root.
    ok(
        d,
        &[
            "keys",
            "publish-list",
            "--out",
            "p/keys.json",
            "--version",
            "1",
            "--publisher",
            "keys/alice.pub",
            "--publisher",
            "keys/bob.pub",
            "--key",
            "keys/root.key",
        ],
    );
    let root = ["pack", "verify", "p", "--root", "keys/root.pub", "--json"];
    let o = fw(d, &root);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    assert_eq!(json(&o)["keys_version"], 1);
    // An older list than the client holds is a replay.
    let o = fw(d, &[&root[..], &["--held-keys-version", "2"]].concat());
    assert_eq!(json(&o)["kind"], "replay");
    // v2 revokes bob (whose signature is on the pack): refused.
    ok(
        d,
        &[
            "keys",
            "publish-list",
            "--out",
            "p/keys.json",
            "--version",
            "2",
            "--publisher",
            "keys/alice.pub",
            "--publisher",
            "keys/bob.pub",
            "--publisher",
            "keys/carol.pub",
            "--revoke",
            &bob_id,
            "--key",
            "keys/root.key",
            "--threshold",
            "1",
        ],
    );
    let o = fw(d, &root);
    assert_eq!(json(&o)["kind"], "revoked_key");
    // A list signed by a non-root key is refused.
    ok(
        d,
        &[
            "keys",
            "publish-list",
            "--out",
            "p/keys.json",
            "--version",
            "3",
            "--publisher",
            "keys/alice.pub",
            "--publisher",
            "keys/bob.pub",
            "--key",
            "keys/alice.key",
        ],
    );
    assert_eq!(json(&fw(d, &root))["kind"], "unknown_key");
    assert_eq!(code(&fw(d, &["keys", "verify-list", "p/keys.json", "--root", "keys/root.pub"])), 1);
}

#[test]
fn bulletin_and_control_documents() {
    let s = setup();
    let d = &s.dir;
    let o = ok(
        d,
        &[
            "bulletin",
            "create",
            "--out",
            "b.json",
            "--id",
            "PHISH-2025-001",
            "--severity",
            "critical",
            "--message",
            "Critical phishing campaign detected",
            "--scope",
            "evil.example",
            "--key",
            "keys/alice.key",
            "--json",
        ],
    );
    assert_eq!(json(&o)["signatures"].as_array().unwrap().len(), 1);
    let verify_b = [&["bulletin", "verify", "b.json", "--json"][..], &TRUST].concat();
    assert_eq!(json(&fw(d, &verify_b))["kind"], "below_threshold");
    ok(d, &["bulletin", "sign", "b.json", "--key", "keys/bob.key"]);
    let v = json(&ok(d, &verify_b));
    assert_eq!(v["bulletin"]["id"], "PHISH-2025-001");
    assert_eq!(v["bulletin"]["severity"], "critical");
    assert_eq!(json(&fw(d, &[&verify_b[..], &["--now", "99999999999"]].concat()))["kind"], "expired");
    // A bulletin is not a control document (domain separation) even with the same keys.
    let cross = fw(d, &[&["control", "verify", "b.json", "--json"][..], &TRUST].concat());
    assert_eq!(code(&cross), 1);
    // Bad input is a usage error, not a crash.
    assert_eq!(
        code(&fw(
            d,
            &[
                "bulletin",
                "create",
                "--out",
                "x.json",
                "--id",
                "bad id!",
                "--severity",
                "low",
                "--message",
                "m",
                "--scope",
                "a.example"
            ]
        )),
        2
    );

    let o = ok(
        d,
        &[
            "control",
            "set-level",
            "4",
            "--reason",
            "CDN outage",
            "--out",
            "c.json",
            "--sequence",
            "7",
            "--key",
            "keys/alice.key",
            "--key",
            "keys/bob.key",
            "--json",
        ],
    );
    assert_eq!(json(&o)["level"], 4);
    let verify_c = [&["control", "verify", "c.json", "--json"][..], &TRUST].concat();
    let v = json(&ok(d, &verify_c));
    assert_eq!((v["level"].clone(), v["sequence"].clone()), (Value::from(4), Value::from(7)));
    assert_eq!(json(&fw(d, &[&verify_c[..], &["--held-sequence", "8"]].concat()))["kind"], "replay");
    assert_eq!(code(&fw(d, &["control", "set-level", "5", "--reason", "x"])), 2);
}

#[test]
fn pack_test_reports_metrics_and_fails_below_thresholds() {
    let s = setup();
    let d = &s.dir;
    std::fs::create_dir_all(d.join("corpus/pages")).unwrap();
    std::fs::write(d.join("corpus/pages/kit.html"), "<html><body><p>Please verify your account now</p></body></html>")
        .unwrap();
    std::fs::write(
        d.join("corpus/index.json"),
        r#"[{"id": "bad-host", "url": "https://evil.example/", "expected": "red", "signals": ["reputation_hit"]},
            {"id": "kit", "url": "https://kit.example/", "html": "pages/kit.html", "expected": "yellow", "signals": ["yara_phishing_high"]},
            {"id": "fine", "url": "https://www.wikipedia.org/", "expected": "green", "signals": []},
            {"id": "missed", "url": "https://unknown-phish.example/", "expected": "red", "signals": ["reputation_hit"]}]"#,
    )
    .unwrap();
    let o = fw(d, &["pack", "test", "src", "corpus", "--json"]);
    assert_eq!(code(&o), 1, "recall 2/3 is below the default 0.9");
    let v = json(&o);
    assert_eq!(
        (v["tp"].clone(), v["fn"].clone(), v["fp"].clone(), v["tn"].clone()),
        (2.into(), 1.into(), 0.into(), 1.into())
    );
    assert_eq!(v["precision"], 1.0);
    assert!((v["recall"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(v["passed"], false);
    let rep = v["signals"].as_array().unwrap().iter().find(|s| s["signal"] == "reputation_hit").unwrap();
    assert_eq!((rep["expected"].clone(), rep["hit"].clone()), (2.into(), 1.into()));
    assert!(rep["p95_ms"].as_f64().unwrap() >= rep["p50_ms"].as_f64().unwrap());
    let o = fw(d, &["pack", "test", "src", "corpus/index.json", "--min-recall", "0.6"]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    assert!(String::from_utf8_lossy(&o.stdout).contains("PASS"));
}

#[test]
fn build_never_leaves_a_half_written_pack() {
    let s = setup();
    let d = &s.dir;
    std::fs::write(d.join("src/rules/broken.yar"), "rule {").unwrap();
    let o = fw(d, &["pack", "build", "--source", "src", "--out", "out", "--version", "1.0"]);
    assert_eq!(code(&o), 2);
    assert!(!d.join("out").exists());
    assert!(std::fs::read_dir(d).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains(".tmp-")));
    std::fs::remove_file(d.join("src/rules/broken.yar")).unwrap();
    ok(d, &["pack", "build", "--source", "src", "--out", "out", "--version", "1.0"]);
    assert_eq!(code(&fw(d, &["pack", "build", "--source", "src", "--out", "out", "--version", "1.1"])), 2, "exists");
    ok(d, &["pack", "build", "--source", "src", "--out", "out", "--version", "1.1", "--force"]);
    assert_eq!(json(&ok(d, &["pack", "inspect", "out", "--json"]))["pack_version"], "1.1");
    assert_eq!(code(&fw(d, &["pack", "build", "--source", "src", "--out", "x", "--version", "v1"])), 2, "bad version");
}

#[test]
fn runbook_scripts_publish_deploy_rollback_and_bulletin() {
    let s = setup();
    let d = &s.dir;
    let script = |name: &str, args: &[&str]| {
        let o = Command::new("bash")
            .arg(repo().join("scripts").join(name))
            .args(args)
            .current_dir(d)
            .env("FERRETWATCH", bin())
            .env("FERRETWATCH_SIGN_KEYS", "keys/alice.key keys/bob.key")
            .env("FERRETWATCH_TRUST", "keys/alice.pub keys/bob.pub")
            .env("FERRETWATCH_CDN", "cdn")
            .output()
            .expect("bash runs");
        (code(&o), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
    };
    let must = |r: (i32, String)| assert_eq!(r.0, 0, "{}", r.1);
    // Feeds come from URLs (file:// here; the defaults are the public feeds) into dist/intel.
    std::fs::write(d.join("feed-hosts.txt"), "0.0.0.0 script-feed.example\n").unwrap();
    std::fs::write(
        d.join("feeds.list"),
        format!(
            "local-hosts hosts file://{}\nbroken hosts file:///nonexistent/x\n",
            d.join("feed-hosts.txt").display()
        ),
    )
    .unwrap();
    must(script("fetch-threat-intel.sh", &["--feeds", "feeds.list"]));
    assert!(
        std::fs::read_to_string(d.join("dist/intel/feeds.txt"))
            .unwrap()
            .starts_with("hosts:dist/intel/local-hosts.data")
    );
    must(script("build-rule-pack.sh", &["--version", "2026.11.25.1", "--source", "src", "--out", "dist/pack"]));
    assert_eq!(json(&ok(d, &["pack", "inspect", "dist/pack", "--json"]))["sources"][0]["indicators"], 1);
    must(script("validate-rule-pack.sh", &["dist/pack"]));
    must(script("test-rule-pack.sh", &["dist/pack", "--min-recall", "0", "--min-precision", "0"]));
    must(script("sign-rule-pack.sh", &["dist/pack"]));
    must(script("deploy-rule-pack.sh", &["dist/pack"]));
    must(script("build-rule-pack.sh", &["--version", "2026.11.25.2", "--source", "src", "--out", "dist/pack"]));
    must(script("sign-rule-pack.sh", &["dist/pack", "--key", "keys/alice.key"]));
    let (c, out) = script("deploy-rule-pack.sh", &["dist/pack"]);
    assert_eq!(c, 1, "one signature must not deploy: {out}");
    must(script("sign-rule-pack.sh", &["dist/pack", "--key", "keys/bob.key"]));
    must(script("deploy-rule-pack.sh", &["dist/pack"]));
    must(script("verify-rule-packs.sh", &["dist/pack"]));
    must(script("rollback-rule.sh", &["--version", "2026.11.25.1", "--reason", "false positives"]));
    assert_eq!(json(&ok(d, &["pack", "inspect", "cdn", "--json"]))["pack_version"], "2026.11.25.1");
    must(script("verify-rule-packs.sh", &[]));
    std::fs::write(
        d.join("emergency.yar"),
        "rule emergency_kit { strings: $a = \"totally-unique-kit-marker\" condition: $a }\n",
    )
    .unwrap();
    must(script(
        "emergency-rule-deploy.sh",
        &[
            "--rule-id",
            "PHISH-2025-001",
            "--severity",
            "critical",
            "--rule-file",
            "emergency.yar",
            "--source",
            "src",
            "--skip-test",
        ],
    ));
    let cur = json(&ok(d, &["pack", "inspect", "cdn", "--json"]));
    assert!(cur["artifacts"].as_array().unwrap().iter().any(|a| a["path"] == "rules/emergency-PHISH-2025-001.yar"));
    must(script(
        "create-bulletin.sh",
        &[
            "--severity",
            "critical",
            "--message",
            "Critical phishing campaign detected",
            "--id",
            "PHISH-2025-001",
            "--scope",
            "evil.example",
        ],
    ));
    ok(d, &[&["bulletin", "verify", "cdn/bulletins/PHISH-2025-001.json"][..], &TRUST].concat());
    // Tampering with what the CDN serves is caught by verify-rule-packs.
    let m = json(&ok(d, &["pack", "inspect", "cdn", "--json"]));
    let sha = m["artifacts"][0]["sha256"].as_str().unwrap();
    std::fs::write(d.join("cdn/artifacts").join(sha), b"tampered").unwrap();
    assert_eq!(script("verify-rule-packs.sh", &[]).0, 1);
}

#[test]
fn build_with_intel_feeds_carries_provenance_in_the_manifest() {
    let s = setup();
    let d = &s.dir;
    std::fs::write(d.join("hosts.txt"), "0.0.0.0 feed-phish.example\n0.0.0.0 other-phish.example\n").unwrap();
    let o = ok(
        d,
        &[
            "pack",
            "build",
            "--source",
            "src",
            "--out",
            "p",
            "--version",
            "2026.11.25.3",
            "--intel",
            "hosts:hosts.txt",
            "--json",
        ],
    );
    assert_eq!(json(&o)["sources"], 1);
    let m = json(&ok(d, &["pack", "inspect", "p", "--json"]));
    assert_eq!(m["sources"][0]["source"], "hosts");
    assert_eq!(m["sources"][0]["indicators"], 2);
    assert!(m["artifacts"].as_array().unwrap().iter().all(|a| !a["path"].as_str().unwrap().starts_with("intel/")));
    ok(d, &["pack", "sign", "p", "--key", "keys/alice.key"]);
    ok(d, &["pack", "sign", "p", "--key", "keys/bob.key"]);
    let v = json(&ok(
        d,
        &[&["scan", "--pack", "p", "--url", "https://feed-phish.example/x", "--json"][..], &TRUST].concat(),
    ));
    assert_eq!(v["level"], "red");
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["source"] == "hosts"));
    assert_eq!(
        code(&fw(
            d,
            &["pack", "build", "--source", "src", "--out", "q", "--version", "1", "--intel", "nosuch:hosts.txt"]
        )),
        2
    );
}

#[test]
fn build_delta_from_ships_a_reputation_delta_that_turns_the_held_list_into_the_new_one() {
    let s = setup();
    let d = &s.dir;
    let hosts: Vec<String> = (0..300).map(|i| format!("evil-{i}.example")).collect();
    let feed = |n: usize| format!("# source: test-feed\n# kind: host\n{}\n", hosts[..n].join("\n"));
    std::fs::write(d.join("src/reputation/feed.txt"), feed(200)).unwrap();
    build_signed(d, "v1", "2026.11.25.1");
    // One day later the feed has 100 more hosts and lost the first one.
    std::fs::write(d.join("src/reputation/feed.txt"), feed(300).replacen("evil-0.example\n", "", 1)).unwrap();
    ok(d, &["pack", "build", "--source", "src", "--out", "full", "--version", "2026.11.26.1"]);
    let o = ok(
        d,
        &[
            "pack",
            "build",
            "--source",
            "src",
            "--out",
            "v2",
            "--version",
            "2026.11.26.1",
            "--delta-from",
            "v1",
            "--json",
        ],
    );
    assert_eq!(json(&o)["deltas"], serde_json::json!(["reputation/feed.fwdelta"]));
    assert!(!d.join("v2/reputation/feed.fwrep").exists(), "the full list is not shipped next to its delta");
    let delta_len = std::fs::metadata(d.join("v2/reputation/feed.fwdelta")).unwrap().len();
    assert!(delta_len < std::fs::metadata(d.join("full/reputation/feed.fwrep")).unwrap().len());
    // The delta pack signs and verifies like any other (its artifacts are in the manifest).
    ok(d, &["pack", "sign", "v2", "--key", "keys/alice.key"]);
    ok(d, &["pack", "sign", "v2", "--key", "keys/bob.key"]);
    let (c, v) = verify_json(d, "v2", &["--held-version", "2026.11.25.1"]);
    assert_eq!(c, 0, "{v}");
    // Applied to the list clients hold, it gives exactly the full build's list.
    let args =
        ["--base", "v1/reputation/feed.fwrep", "--delta", "v2/reputation/feed.fwdelta", "--out", "applied.fwrep"];
    ok(d, &[&["reputation", "apply"][..], &args[..]].concat());
    assert_eq!(
        std::fs::read(d.join("applied.fwrep")).unwrap(),
        std::fs::read(d.join("full/reputation/feed.fwrep")).unwrap()
    );
    // A base that is not a pack is a clear error.
    let o = fw(d, &["pack", "build", "--source", "src", "--out", "v3", "--version", "3", "--delta-from", "src"]);
    assert_ne!(code(&o), 0);
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a pack"), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!d.join("v3").exists(), "no half-written pack");
}
