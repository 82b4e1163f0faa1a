//! Small helpers shared by the commands: reading packs and files, the clock.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use ferretwatch_core::pack::PackFiles;

/// The repository's default pack (the source tree this binary was built from), unless
/// `FERRETWATCH_PACK` names another directory.
pub fn default_pack_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("FERRETWATCH_PACK") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("packs").join("default")
}

/// Relative paths (with `/`) and full paths of every file under `dir`, sorted.
pub fn walk(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("cannot read directory {}", d.display()))? {
            let entry = entry?;
            let path = entry.path();
            let ft = entry.file_type()?;
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() {
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                let key = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                out.push((key, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads every file under `dir` into a [`PackFiles`] map keyed by relative path with `/`
/// (documentation, `*.md`, is left out).
pub fn read_pack_dir(dir: &Path) -> Result<PackFiles> {
    let mut files = PackFiles::new();
    for (key, path) in walk(dir).with_context(|| format!("cannot read pack directory {}", dir.display()))? {
        if key.ends_with(".md") {
            continue;
        }
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        files.insert(key, bytes);
    }
    if files.is_empty() {
        bail!("{} holds no pack files", dir.display());
    }
    Ok(files)
}

/// Reads a file of at most `max` bytes as text (invalid UTF-8 replaced); returns the text and
/// whether it was cut at `max`.
pub fn read_text_capped(path: &Path, max: usize) -> Result<(String, bool)> {
    use std::io::Read;
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut buf = Vec::new();
    f.take(max as u64 + 1).read_to_end(&mut buf).with_context(|| format!("cannot read {}", path.display()))?;
    let cut = buf.len() > max;
    buf.truncate(max);
    Ok((String::from_utf8_lossy(&buf).into_owned(), cut))
}

/// A monotonic clock for the engine (µs since the process started using it).
pub struct MonotonicClock(Instant);

impl MonotonicClock {
    /// Starts the clock.
    pub fn new() -> Self {
        Self(Instant::now())
    }
}

impl ferretwatch_core::budget::Clock for MonotonicClock {
    fn now_us(&self) -> u64 {
        self.0.elapsed().as_micros() as u64
    }
}
