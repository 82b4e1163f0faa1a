//! Bulletins: signed notices about an active campaign, shown when the user visits a matching
//! registrable domain (or a protected brand's lookalike). Envelope domain [`Domain::Bulletin`].
//!
//! A bulletin stops applying at `created_at + ttl`. Field limits keep a hostile document small.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::envelope::{Domain, Envelope};
use super::keys::KeySet;
use super::version::DottedVersion;
use super::{MAX_DOCUMENT_BYTES, SignedError, check_count, check_len, clip, parse_json};

/// Longest ttl: 30 days.
pub const MAX_TTL_SECONDS: u64 = 30 * 24 * 3600;
/// Longest advisory text per locale, in bytes.
pub const MAX_ADVISORY_BYTES: usize = 2000;

/// How severe the campaign is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Low,
    /// Worth a banner.
    Medium,
    /// Active, widespread.
    High,
    /// Emergency (still shown at degradation level 4).
    Critical,
}

/// How often a user may see the bulletin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrequencyCap {
    /// At most this many times ...
    pub max_shows: u32,
    /// ... per this many hours.
    pub per_hours: u32,
}

/// The bulletin body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bulletin {
    /// Always 1.
    pub format_version: u32,
    /// Stable id (`PHISH-2025-001`), 1–64 of `A-Z a-z 0-9 . _ -`.
    pub id: String,
    /// Revision of this bulletin (a higher one replaces a lower one with the same id).
    pub version: u32,
    /// Creation time (Unix seconds).
    pub created_at: u64,
    /// Lifetime in seconds (≤ 30 days).
    pub ttl: u64,
    /// Severity.
    pub severity: Severity,
    /// Locales with advisory text (`en`, `de`, ...).
    pub locales: Vec<String>,
    /// Brands the campaign impersonates.
    #[serde(default)]
    pub brands: Vec<String>,
    /// Registrable domains (eTLD+1) where it is shown.
    #[serde(default)]
    pub scope: Vec<String>,
    /// Advisory text by locale.
    pub advisory: BTreeMap<String, String>,
    /// Where to go instead (https URLs).
    #[serde(default)]
    pub safe_links: Vec<String>,
    /// Oldest extension version that shows it.
    pub min_extension_version: String,
    /// Frequency cap.
    pub frequency_cap: FrequencyCap,
}

impl Bulletin {
    /// The body as pretty JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// End of validity (Unix seconds).
    pub fn expires(&self) -> u64 {
        self.created_at.saturating_add(self.ttl)
    }

    /// Whether it applies to a page on `registrable_domain` (ASCII, lowercase) or naming
    /// `brand`.
    pub fn applies_to(&self, registrable_domain: &str, brand: Option<&str>) -> bool {
        self.scope.iter().any(|s| s.eq_ignore_ascii_case(registrable_domain))
            || brand.is_some_and(|b| self.brands.iter().any(|x| x.eq_ignore_ascii_case(b)))
    }

    /// Checks the fields.
    ///
    /// # Errors
    /// [`SignedError::FormatVersion`], [`SignedError::Oversized`], [`SignedError::Invalid`],
    /// [`SignedError::BadVersion`].
    pub fn validate(&self) -> Result<(), SignedError> {
        let invalid = |what: &str, message: String| Err(SignedError::Invalid { what: what.into(), message });
        if self.format_version != 1 {
            return Err(SignedError::FormatVersion {
                what: "bulletin".into(),
                found: self.format_version,
                supported: 1,
            });
        }
        check_len("bulletin id", &self.id, 64)?;
        if self.id.is_empty() || !self.id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
            return invalid("bulletin id", "1-64 of A-Z a-z 0-9 . _ -".into());
        }
        if self.ttl == 0 || self.ttl > MAX_TTL_SECONDS {
            return invalid("bulletin ttl", format!("{} s, expected 1..={MAX_TTL_SECONDS}", self.ttl));
        }
        check_count("bulletin locales", self.locales.len(), 32)?;
        check_count("bulletin brands", self.brands.len(), 64)?;
        check_count("bulletin scope", self.scope.len(), 256)?;
        check_count("bulletin advisory", self.advisory.len(), 32)?;
        check_count("bulletin safe_links", self.safe_links.len(), 16)?;
        for l in &self.locales {
            check_len("bulletin locale", l, 16)?;
        }
        for b in &self.brands {
            check_len("bulletin brand", b, 64)?;
        }
        for s in &self.scope {
            check_len("bulletin scope entry", s, 253)?;
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') {
                return invalid("bulletin scope", format!("`{}` is not an ASCII registrable domain", clip(s, 60)));
            }
        }
        for l in &self.safe_links {
            check_len("bulletin safe link", l, 500)?;
            if !l.starts_with("https://") {
                return invalid("bulletin safe_links", format!("`{}` is not an https URL", clip(l, 60)));
            }
        }
        if self.advisory.is_empty() {
            return invalid("bulletin advisory", "needs text in at least one locale".into());
        }
        for (locale, text) in &self.advisory {
            check_len("bulletin advisory text", text, MAX_ADVISORY_BYTES)?;
            if !self.locales.contains(locale) {
                return invalid("bulletin advisory", format!("locale `{}` is not in `locales`", clip(locale, 16)));
            }
        }
        if self.scope.is_empty() && self.brands.is_empty() {
            return invalid("bulletin", "needs a scope or brands".into());
        }
        if self.frequency_cap.max_shows == 0 || self.frequency_cap.per_hours == 0 {
            return invalid("bulletin frequency_cap", "max_shows and per_hours must be > 0".into());
        }
        DottedVersion::parse("bulletin min_extension_version", &self.min_extension_version)?;
        Ok(())
    }
}

/// Verifies a bulletin at `now` for a client of `extension_version`.
///
/// # Errors
/// Envelope errors; field errors; [`SignedError::Expired`]; [`SignedError::NotYetValid`];
/// [`SignedError::ExtensionTooOld`].
pub fn verify_bulletin(
    bytes: &[u8],
    keys: &KeySet,
    now: u64,
    extension_version: &str,
) -> Result<Bulletin, SignedError> {
    let env = Envelope::parse(bytes, MAX_DOCUMENT_BYTES, "bulletin")?;
    let payload = env.verify(Domain::Bulletin, keys, now)?;
    let b: Bulletin = parse_json("bulletin payload", &payload)?;
    b.validate()?;
    if now >= b.expires() {
        return Err(SignedError::Expired { what: format!("bulletin {}", b.id), expires: b.expires(), now });
    }
    if b.created_at > now.saturating_add(600) {
        return Err(SignedError::NotYetValid { what: format!("bulletin {}", b.id), created: b.created_at, now });
    }
    let need = DottedVersion::parse("min_extension_version", &b.min_extension_version)?;
    if DottedVersion::parse("extension version", extension_version)? < need {
        return Err(SignedError::ExtensionTooOld {
            what: format!("bulletin {}", b.id),
            required: b.min_extension_version.clone(),
            have: extension_version.into(),
        });
    }
    Ok(b)
}
