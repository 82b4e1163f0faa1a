//! Dotted numeric versions: pack versions (`2026.11.25.1`) and extension versions (`0.1.0`).
//!
//! 1 to 6 components, each 1 to 9 ASCII digits; compared numerically component by component,
//! missing components counting as 0 (`1.2` = `1.2.0` < `1.10`).

use std::cmp::Ordering;

use super::SignedError;

/// A parsed dotted version.
#[derive(Debug, Clone)]
pub struct DottedVersion {
    parts: Vec<u32>,
    text: String,
}

impl DottedVersion {
    /// Parses `s`; `what` names the field in the error.
    ///
    /// # Errors
    /// [`SignedError::BadVersion`] unless `s` is 1–6 dot-separated numbers of 1–9 digits.
    pub fn parse(what: &str, s: &str) -> Result<Self, SignedError> {
        let bad = || SignedError::BadVersion { what: what.into(), value: super::clip(s, 40) };
        if s.is_empty() || s.len() > 64 {
            return Err(bad());
        }
        let mut parts = Vec::new();
        for p in s.split('.') {
            if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            parts.push(p.parse::<u32>().map_err(|_| bad())?);
        }
        if parts.len() > 6 {
            return Err(bad());
        }
        Ok(Self { parts, text: s.to_string() })
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for DottedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Ord for DottedVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.parts.len().max(other.parts.len());
        for i in 0..n {
            let a = self.parts.get(i).copied().unwrap_or(0);
            let b = other.parts.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for DottedVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DottedVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DottedVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_numerically() {
        let v = |s| DottedVersion::parse("v", s).unwrap();
        assert!(v("2026.11.25.10") > v("2026.11.25.9"));
        assert!(v("1.2") == v("1.2.0"));
        assert!(v("1.2") < v("1.10"));
        for bad in ["", "1..2", "a.1", "1.2.3.4.5.6.7", "-1", "1.0000000000", " 1"] {
            assert!(DottedVersion::parse("v", bad).is_err(), "{bad:?}");
        }
    }
}
