//! Reads a pack directory into [`PackFiles`] (keys are `/`-separated paths relative to the
//! directory; `.md` files are left out), for the benchmark and the profiling example: core has no
//! I/O. Included with `#[path]` by `benches/engine.rs` and `examples/url_profile.rs`.

use std::path::Path;

use ferretwatch_core::pack::PackFiles;

/// The bytes of a file, or an error naming it.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Every file below `dir`, keyed by its relative path.
pub fn read_pack(dir: &Path) -> Result<PackFiles, String> {
    let mut files = PackFiles::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("cannot read {}: {e}", d.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                let key = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                if !key.ends_with(".md") {
                    files.insert(key, read(&path)?);
                }
            }
        }
    }
    Ok(files)
}
