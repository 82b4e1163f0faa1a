//! `ferretwatch yara scan`: the JSON line contract, exit codes and compile-error format.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ferretwatch"))
}

fn tmp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fw-yara-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write temp file");
    p
}

#[test]
fn json_lines_with_sorted_rule_names() {
    let rules = tmp(
        "ok.yar",
        br#"
        rule zeta { strings: $a = "login" nocase condition: $a }
        private rule hidden { condition: filesize > 0 }
        rule alpha { condition: hidden and filesize < 1KB }
        "#,
    );
    let a = tmp("a.html", b"<form>LOGIN</form>");
    let b = tmp("b.html", b"");
    let out = bin().args(["yara", "scan"]).arg(&rules).arg(&a).arg(&b).arg("--json").output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(
        lines,
        vec![
            serde_json::json!({"input": a.display().to_string(), "matches": ["alpha", "zeta"]}),
            serde_json::json!({"input": b.display().to_string(), "matches": []}),
        ]
    );
}

#[test]
fn compile_error_exits_2_with_position() {
    let rules = tmp("bad.yar", b"rule r {\n  condition:\n    $nope\n}\n");
    let a = tmp("c.html", b"x");
    let out = bin().args(["yara", "scan"]).arg(&rules).arg(&a).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end(), format!("{}:3:5: undefined string identifier '$nope'", rules.display()));
}

#[test]
fn unreadable_input_exits_2() {
    let rules = tmp("ok2.yar", b"rule r { condition: true }");
    let out = bin().args(["yara", "scan"]).arg(&rules).arg("/nonexistent/ferretwatch-input").output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
}
