//! Report and false-positive payloads: schema v1 (`docs/schemas/report-v1.json`).
//!
//! Parsing is field by field so that a refused payload names the field at fault
//! ([`PayloadError`]). The schema is closed: an unknown field is refused, so no other personal
//! data can slip in. The whole body is at most [`MAX_BODY_BYTES`].

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Largest accepted body (PRODUCT.md: report payload ≤ 10 KB).
pub const MAX_BODY_BYTES: usize = 10 * 1024;
/// Closed list of report reasons (PRODUCT.md "Reports").
pub const REASONS: [&str; 6] =
    ["phishing_login", "payment_fraud", "malware_download", "brand_impersonation", "data_exfiltration", "other"];
/// Most findings in one payload.
pub const MAX_FINDINGS: usize = 16;
/// Longest free-text note, in characters.
pub const MAX_NOTE_CHARS: usize = 280;
/// Longest URL, in bytes.
pub const MAX_URL_BYTES: usize = 4096;

/// What kind of payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// "This is phishing" (`POST /v1/reports`).
    Report,
    /// "This is not phishing" (`POST /v1/false-positives`).
    FalsePositive,
}

impl Kind {
    /// Name stored in the database and used in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Report => "report",
            Kind::FalsePositive => "false_positive",
        }
    }
}

/// A payload was refused. One variant per way; each names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// The body is larger than [`MAX_BODY_BYTES`].
    #[error("body larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    /// Not JSON (or cut short).
    #[error("not valid JSON: {0}")]
    Json(String),
    /// A required field is absent.
    #[error("field `{0}`: missing")]
    Missing(String),
    /// A field has the wrong type or value.
    #[error("field `{field}`: {message}")]
    Invalid {
        /// Dotted path (`findings[2].signal`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A field the schema does not have.
    #[error("field `{0}`: not part of the report schema v1")]
    Unknown(String),
}

impl PayloadError {
    /// The field at fault (`""` for size and JSON syntax errors).
    pub fn field(&self) -> &str {
        match self {
            PayloadError::TooLarge | PayloadError::Json(_) => "",
            PayloadError::Missing(f) | PayloadError::Unknown(f) => f,
            PayloadError::Invalid { field, .. } => field,
        }
    }
}

/// A valid payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    /// Report or false positive.
    pub kind: Kind,
    /// The client's idempotency key (`id` field), if any.
    pub id: Option<String>,
    /// The reported URL.
    pub url: String,
    /// Reason (reports only; `None` for false positives).
    pub reason: Option<String>,
    /// Score shown to the user.
    pub score: f64,
    /// Install token used for rate limiting (never stored in clear).
    pub install_token: Option<String>,
    /// The payload as stored: the accepted fields, re-serialized (no `install_token`).
    pub stored_json: String,
}

impl Payload {
    /// sha256 (hex) of the URL: the deduplication key for triage.
    pub fn url_hash(&self) -> String {
        sha256_hex(self.url.as_bytes())
    }
}

/// Lowercase hex sha256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d.iter() {
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    s
}

fn invalid(field: &str, message: impl Into<String>) -> PayloadError {
    PayloadError::Invalid { field: field.into(), message: message.into() }
}

/// True for an idempotency key / install token: 8–128 characters of `A-Z a-z 0-9 - _ .`.
pub fn valid_key(s: &str) -> bool {
    (8..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

fn text(
    obj: &Map<String, Value>,
    field: &str,
    path: &str,
    max_chars: usize,
    required: bool,
) -> Result<Option<String>, PayloadError> {
    match obj.get(field) {
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(PayloadError::Missing(path.into())),
        Some(Value::String(s)) => {
            if s.chars().count() > max_chars {
                return Err(invalid(path, format!("longer than {max_chars} characters")));
            }
            if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                return Err(invalid(path, "control characters are not allowed"));
            }
            Ok(Some(s.clone()))
        }
        Some(_) => Err(invalid(path, "must be a string")),
    }
}

fn token_like(
    obj: &Map<String, Value>,
    field: &str,
    max: usize,
    required: bool,
) -> Result<Option<String>, PayloadError> {
    let v = text(obj, field, field, max, required)?;
    if let Some(s) = &v
        && (s.is_empty()
            || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_' || b == b'+'))
    {
        return Err(invalid(field, "only A-Z a-z 0-9 . - _ + allowed"));
    }
    Ok(v)
}

/// Checks an RFC 3339 timestamp's shape (`2026-11-25T02:31:33Z`, fractions and offsets allowed).
fn valid_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || b.len() > 40 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(99);
    digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (1..=12).contains(&num(5..7))
        && (1..=31).contains(&num(8..10))
        && num(11..13) < 24
        && num(14..16) < 60
        && num(17..19) < 61
        && b[19..].iter().all(|c| c.is_ascii_digit() || b".Zz+-:".contains(c))
}

const FIELDS: &[&str] = &[
    "id",
    "url",
    "timestamp",
    "extension_version",
    "pack_version",
    "score",
    "level",
    "reason",
    "findings",
    "note",
    "install_token",
];
const FINDING_FIELDS: &[&str] = &["signal", "evidence", "weight", "confidence", "rule", "target", "source", "brand"];

/// Parses and checks a payload.
///
/// # Errors
/// A [`PayloadError`] naming the field at fault.
pub fn parse(kind: Kind, body: &[u8]) -> Result<Payload, PayloadError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(PayloadError::TooLarge);
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| PayloadError::Json(e.to_string()))?;
    let Value::Object(obj) = v else { return Err(invalid("(body)", "must be a JSON object")) };
    for k in obj.keys() {
        if !FIELDS.contains(&k.as_str()) {
            return Err(PayloadError::Unknown(k.chars().take(64).collect()));
        }
    }
    let id = match obj.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if valid_key(s) => Some(s.clone()),
        Some(_) => return Err(invalid("id", "must be 8-128 characters of A-Z a-z 0-9 - _ . (or null)")),
    };
    let url = text(&obj, "url", "url", MAX_URL_BYTES, true)?.unwrap_or_default();
    if url.len() > MAX_URL_BYTES {
        return Err(invalid("url", format!("longer than {MAX_URL_BYTES} bytes")));
    }
    let lower = url.get(..8).unwrap_or(&url).to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://"))
        || url.len() < 10
        || url.contains(char::is_whitespace)
    {
        return Err(invalid("url", "must be an absolute http:// or https:// URL without spaces"));
    }
    let ts = text(&obj, "timestamp", "timestamp", 40, true)?.unwrap_or_default();
    if !valid_timestamp(&ts) {
        return Err(invalid("timestamp", "must be an RFC 3339 date-time such as 2026-11-25T02:31:33Z"));
    }
    token_like(&obj, "extension_version", 32, true)?;
    token_like(&obj, "pack_version", 64, kind == Kind::Report)?;
    let score = match obj.get("score") {
        None | Some(Value::Null) => return Err(PayloadError::Missing("score".into())),
        Some(v) => v
            .as_f64()
            .filter(|s| (0.0..=100.0).contains(s))
            .ok_or_else(|| invalid("score", "must be a number from 0 to 100"))?,
    };
    if let Some(l) = obj.get("level").filter(|v| !v.is_null())
        && !matches!(l.as_str(), Some("green" | "yellow" | "red"))
    {
        return Err(invalid("level", "must be green, yellow or red"));
    }
    let reason = match kind {
        Kind::Report => {
            let r = text(&obj, "reason", "reason", 40, true)?.unwrap_or_default();
            if !REASONS.contains(&r.as_str()) {
                return Err(invalid("reason", format!("must be one of {}", REASONS.join(", "))));
            }
            Some(r)
        }
        Kind::FalsePositive => {
            if obj.get("reason").is_some_and(|v| !v.is_null()) {
                return Err(invalid("reason", "false-positive reports have no reason (use `note`)"));
            }
            None
        }
    };
    let note = text(&obj, "note", "note", MAX_NOTE_CHARS, false)?;
    if note.is_some() && kind == Kind::Report && reason.as_deref() != Some("other") {
        return Err(invalid("note", "free text is only for reason \"other\""));
    }
    match obj.get("findings") {
        None | Some(Value::Null) if kind == Kind::FalsePositive => {}
        None | Some(Value::Null) => return Err(PayloadError::Missing("findings".into())),
        Some(Value::Array(items)) => {
            if items.len() > MAX_FINDINGS {
                return Err(invalid("findings", format!("at most {MAX_FINDINGS} findings")));
            }
            for (i, f) in items.iter().enumerate() {
                let p = format!("findings[{i}]");
                let Value::Object(f) = f else { return Err(invalid(&p, "must be an object")) };
                for k in f.keys() {
                    if !FINDING_FIELDS.contains(&k.as_str()) {
                        return Err(PayloadError::Unknown(format!("{p}.{}", k.chars().take(64).collect::<String>())));
                    }
                }
                let signal = text(f, "signal", &format!("{p}.signal"), 64, true)?.unwrap_or_default();
                if signal.is_empty()
                    || !signal.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                {
                    return Err(invalid(&format!("{p}.signal"), "signal ids are 1-64 characters of a-z 0-9 _"));
                }
                text(f, "evidence", &format!("{p}.evidence"), 1000, true)?;
                for k in ["rule", "target", "source", "brand"] {
                    text(f, k, &format!("{p}.{k}"), 200, false)?;
                }
                for k in ["weight", "confidence"] {
                    if let Some(x) = f.get(k).filter(|v| !v.is_null())
                        && !x.as_f64().is_some_and(|x| (0.0..=100.0).contains(&x))
                    {
                        return Err(invalid(&format!("{p}.{k}"), "must be a number from 0 to 100"));
                    }
                }
            }
        }
        Some(_) => return Err(invalid("findings", "must be an array")),
    }
    let install_token = match obj.get("install_token") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if valid_key(s) => Some(s.clone()),
        Some(_) => return Err(invalid("install_token", "must be 8-128 characters of A-Z a-z 0-9 - _ .")),
    };
    let mut stored = obj;
    stored.remove("install_token");
    let stored_json = serde_json::to_string(&stored).map_err(|e| PayloadError::Json(e.to_string()))?;
    Ok(Payload { kind, id, url, reason, score, install_token, stored_json })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id":"0f9c2a7e-1111-4222-8333-944455556666","url":"https://paypa1-login.example/signin",
      "timestamp":"2026-11-25T02:31:33.123Z","extension_version":"0.1.0","pack_version":"2026.11.25.1",
      "score":75,"level":"red","reason":"phishing_login",
      "findings":[{"signal":"idn_homograph_high","evidence":"looks like paypal.com","target":"paypal.com"}]}"#;

    #[test]
    fn accepts_the_extension_payload() {
        let p = parse(Kind::Report, GOOD.as_bytes()).unwrap();
        assert_eq!(p.reason.as_deref(), Some("phishing_login"));
        assert_eq!(p.id.as_deref(), Some("0f9c2a7e-1111-4222-8333-944455556666"));
        assert_eq!(p.url_hash(), sha256_hex(b"https://paypa1-login.example/signin"));
    }

    #[test]
    fn each_refusal_names_its_field() {
        let cases: &[(&str, &str, &str)] = &[
            ("unknown field", r#""email":"a@b.c""#, "email"),
            ("bad reason", r#""reason":"spam""#, "reason"),
            ("score out of range", r#""score":101"#, "score"),
            ("bad timestamp", r#""timestamp":"yesterday""#, "timestamp"),
            ("note without other", r#""note":"hi""#, "note"),
            ("bad url", r#""url":"javascript:alert(1)""#, "url"),
            ("bad finding", r#""findings":[{"signal":"X Y","evidence":"e"}]"#, "findings[0].signal"),
            ("finding extra", r#""findings":[{"signal":"x","evidence":"e","cookie":"1"}]"#, "findings[0].cookie"),
        ];
        for (name, patch, field) in cases {
            let mut v: Value = serde_json::from_str(GOOD).unwrap();
            let p: Value = serde_json::from_str(&format!("{{{patch}}}")).unwrap();
            for (k, x) in p.as_object().unwrap() {
                v[k] = x.clone();
            }
            let e = parse(Kind::Report, v.to_string().as_bytes()).unwrap_err();
            assert_eq!(e.field(), *field, "{name}: {e}");
        }
        assert_eq!(parse(Kind::Report, &vec![b' '; MAX_BODY_BYTES + 1]), Err(PayloadError::TooLarge));
        assert!(matches!(parse(Kind::Report, b"{\"url\":"), Err(PayloadError::Json(_))));
    }
}
