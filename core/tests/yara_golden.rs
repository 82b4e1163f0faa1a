//! Golden compile-error tests: every `yara_golden/N.yar` must fail to compile with exactly the
//! `file:line:col: message` in `N.out`. Regenerate an expectation by deleting its `.out` and
//! running with `FERRETWATCH_BLESS=1`.

use std::path::Path;

use ferretwatch_core::yara;

#[test]
fn compile_errors_match_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("yara_golden");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .expect("golden dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yar"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 15, "expected at least 15 golden cases, found {}", inputs.len());
    let bless = std::env::var_os("FERRETWATCH_BLESS").is_some();
    let mut failures = Vec::new();
    let mut messages = std::collections::BTreeSet::new();
    for path in &inputs {
        let name = path.file_name().and_then(|n| n.to_str()).expect("utf-8 name");
        let src = std::fs::read_to_string(path).expect("readable");
        let got = match yara::compile(&[(name, &src)], &[]) {
            Ok(_) => "(compiled without error)".to_string(),
            Err(e) => e.to_string(),
        };
        messages.insert(got.split(": ").nth(1).unwrap_or_default().to_string());
        let out = path.with_extension("out");
        if bless && !out.exists() {
            std::fs::write(&out, format!("{got}\n")).expect("write golden");
            continue;
        }
        let want = std::fs::read_to_string(&out).unwrap_or_else(|_| panic!("missing {}", out.display()));
        if got != want.trim_end() {
            failures.push(format!("{name}:\n  want: {}\n  got:  {got}", want.trim_end()));
        }
    }
    assert!(failures.is_empty(), "golden mismatches:\n{}", failures.join("\n"));
    assert!(messages.len() >= 15, "golden cases should cover at least 15 distinct errors");
}
