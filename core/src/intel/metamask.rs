//! MetaMask's phishing configuration (`eth-phishing-detect`'s `src/config.json`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::feeds::json_error;
use super::normalize;
use super::{Collector, Format, IntelError};
use crate::reputation::MetaMaskList;

/// The detector's tolerance when the configuration has none.
pub const DEFAULT_TOLERANCE: u32 = 3;

/// A parsed, normalized MetaMask configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaMaskConfig {
    /// `version` (a number or a string in the file).
    pub version: String,
    /// `tolerance` as the detector uses it: absent → 3; a fraction is floored (`d ≤ 2.5` is
    /// `d ≤ 2`); negative, `null` or non-numeric → 0 (fuzzy matching off); `true` → 1.
    pub tolerance: u32,
    /// `blacklist` (or `blocklist`), normalized and deduplicated.
    pub blocklist: BTreeSet<String>,
    /// `whitelist` (or `allowlist`), normalized and deduplicated.
    pub allowlist: BTreeSet<String>,
    /// `fuzzylist`, normalized, deduplicated, in file order.
    pub fuzzylist: Vec<String>,
}

impl MetaMaskConfig {
    /// Compiles it under a source name.
    pub fn compile(&self, source: &str) -> MetaMaskList {
        let block: Vec<String> = self.blocklist.iter().cloned().collect();
        let allow: Vec<String> = self.allowlist.iter().cloned().collect();
        MetaMaskList::new(source, &self.version, self.tolerance, &block, &allow, &self.fuzzylist)
    }
}

fn tolerance(v: Option<&Value>) -> u32 {
    let n = match v {
        None => return DEFAULT_TOLERANCE,
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Some(Value::String(s)) if s.trim().is_empty() => 0.0,
        Some(Value::String(s)) => s.trim().parse::<f64>().unwrap_or(0.0),
        Some(Value::Bool(b)) => f64::from(u8::from(*b)),
        Some(_) => 0.0,
    };
    if n.is_nan() || n < 1.0 { 0 } else { n.floor().min(f64::from(u32::MAX)) as u32 }
}

fn line_of_entry(text: &str, raw: &str) -> usize {
    let needle = serde_json::to_string(raw).unwrap_or_default();
    text.find(&needle).map_or(1, |o| text.as_bytes()[..o].iter().filter(|&&b| b == b'\n').count() + 1)
}

/// Parses `config.json`.
///
/// # Errors
/// [`IntelError::Json`] when it is not JSON; [`IntelError::NotFormat`] when it is not an
/// object with at least one of the `blacklist`/`blocklist`, `whitelist`/`allowlist` and
/// `fuzzylist` arrays, or one of them is not an array.
pub(crate) fn parse(file: &str, text: &str, c: &mut Collector) -> Result<MetaMaskConfig, IntelError> {
    let not = |reason: &str| IntelError::NotFormat {
        file: file.to_string(),
        format: Format::Metamask.name(),
        reason: reason.to_string(),
    };
    let v: Value = serde_json::from_str(text).map_err(|e| json_error(file, &e))?;
    let Value::Object(obj) = v else {
        return Err(not("the top level is not an object"));
    };
    let mut found = false;
    let mut list = |keys: [&str; 2], c: &mut Collector| -> Result<Vec<String>, IntelError> {
        let Some((key, val)) = keys.iter().find_map(|k| obj.get(*k).map(|v| (*k, v))) else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = val else {
            return Err(not(&format!("`{key}` is not an array")));
        };
        found = true;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let Some(s) = item.as_str() else {
                c.warn(file, 1, format!("{key}[{i}] is not a string"));
                continue;
            };
            match normalize::host(s) {
                Ok(h) => out.push(h),
                Err(e) => c.warn(file, line_of_entry(text, s), format!("{key}[{i}]: {e}")),
            }
        }
        Ok(out)
    };
    let block = list(["blacklist", "blocklist"], c)?;
    let allow = list(["whitelist", "allowlist"], c)?;
    let fuzzy_raw = list(["fuzzylist", "fuzzylist"], c)?;
    if !found {
        return Err(not("no `blacklist`, `whitelist` or `fuzzylist` array"));
    }
    let mut set = |v: Vec<String>| {
        let mut s = BTreeSet::new();
        for x in v {
            if !s.insert(x) {
                c.duplicates += 1;
            }
        }
        s
    };
    let blocklist = set(block);
    let allowlist = set(allow);
    let mut fuzzylist: Vec<String> = Vec::with_capacity(fuzzy_raw.len());
    for f in fuzzy_raw {
        if fuzzylist.contains(&f) {
            c.duplicates += 1;
        } else {
            fuzzylist.push(f);
        }
    }
    let version = match obj.get("version") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    Ok(MetaMaskConfig { version, tolerance: tolerance(obj.get("tolerance")), blocklist, allowlist, fuzzylist })
}
