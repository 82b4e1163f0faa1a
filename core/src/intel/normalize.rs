//! Normalization of indicators, so that a feed's entry and the page the engine checks produce
//! the same string (and so the same fingerprint).
//!
//! | kind | rule |
//! |---|---|
//! | host | trimmed; trailing dots removed; parsed as the URL parser parses a host (lowercase, IDNA to ASCII with the `idna` crate via `url`, IPv4 in dotted form, IPv6 in brackets); no port, path or spaces |
//! | domain | the host's registrable domain (eTLD+1, Public Suffix List); IPs and bare suffixes are refused |
//! | ip | an IPv4 address (dotted) or an IPv6 address (`[…]`, compressed), as the URL parser writes it |
//! | url | `host[:port]/path[?query]`: scheme `http`/`https` (assumed `http` when missing), user info and fragment dropped, default port dropped, repeated `/` collapsed, percent-encoding as the URL parser writes it; the query is kept only when it picks the resource (see [`keeps_query`]) |

use std::net::Ipv6Addr;

use crate::domain::SuffixList;
use crate::reputation::url_indicator;

/// Why an indicator was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NormalizeError {
    /// Nothing left after trimming.
    #[error("empty indicator")]
    Empty,
    /// Longer than [`MAX_INDICATOR_LEN`].
    #[error("indicator is {0} bytes long, more than {MAX_INDICATOR_LEN}")]
    TooLong(usize),
    /// Not a host name or IP address.
    #[error("`{0}` is not a valid host name")]
    Host(String),
    /// Not an IP address.
    #[error("`{0}` is not an IP address")]
    Ip(String),
    /// Not an http(s) URL with a host.
    #[error("`{0}` is not an http(s) URL: {1}")]
    Url(String, String),
    /// The host has no registrable domain (an IP address or a public suffix).
    #[error("`{0}` has no registrable domain")]
    NoRegistrable(String),
}

/// Longest indicator accepted (bytes, before normalization).
pub const MAX_INDICATOR_LEN: usize = 4096;

fn shorten(s: &str) -> String {
    let mut end = s.len().min(80);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    if end < s.len() { format!("{}…", &s[..end]) } else { s.to_string() }
}

fn check_len(s: &str) -> Result<&str, NormalizeError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(NormalizeError::Empty);
    }
    if t.len() > MAX_INDICATOR_LEN {
        return Err(NormalizeError::TooLong(t.len()));
    }
    Ok(t)
}

/// Normalizes a host name or IP address literal (see the module table).
///
/// # Errors
/// [`NormalizeError`] when it is not a host.
pub fn host(s: &str) -> Result<String, NormalizeError> {
    let t = check_len(s)?.trim_end_matches('.');
    let bad = || NormalizeError::Host(shorten(s.trim()));
    if t.is_empty() || t.contains(['/', '\\', '?', '#', '@', ' ', '\t', '%']) {
        return Err(bad());
    }
    let parsed = if !t.starts_with('[') && t.contains(':') {
        // A bare IPv6 address; anything else with a colon (a port) is refused.
        let ip: Ipv6Addr = t.parse().map_err(|_| bad())?;
        url::Host::parse(&format!("[{ip}]"))
    } else {
        url::Host::parse(t)
    }
    .map_err(|_| bad())?;
    let out = parsed.to_string().trim_end_matches('.').to_ascii_lowercase();
    if out.is_empty() || out.split('.').any(str::is_empty) {
        return Err(bad());
    }
    Ok(out)
}

/// Normalizes an IP address (see the module table).
///
/// # Errors
/// [`NormalizeError::Ip`] when it is not one.
pub fn ip(s: &str) -> Result<String, NormalizeError> {
    let t = check_len(s)?;
    let bad = || NormalizeError::Ip(shorten(t));
    let bare = t.trim_start_matches('[').trim_end_matches(']');
    let parsed: std::net::IpAddr = bare.parse().map_err(|_| bad())?;
    let h = match parsed {
        std::net::IpAddr::V4(v4) => url::Host::parse(&v4.to_string()),
        std::net::IpAddr::V6(v6) => url::Host::parse(&format!("[{v6}]")),
    }
    .map_err(|_| bad())?;
    Ok(h.to_string())
}

/// The registrable domain (eTLD+1) of a host (normalized first).
///
/// # Errors
/// [`NormalizeError`] when it is not a host or has no registrable domain.
pub fn domain(psl: &SuffixList, s: &str) -> Result<String, NormalizeError> {
    let h = host(s)?;
    if h.starts_with('[') || h.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(NormalizeError::NoRegistrable(h));
    }
    match psl.registrable(&h) {
        Some(r) => Ok(r.to_string()),
        None => Err(NormalizeError::NoRegistrable(h)),
    }
}

/// Path endings of server-side scripts whose query string selects what is served; for these
/// (and for the site root) the query is kept, because without it the indicator would cover every
/// page the script or the site serves.
pub const QUERY_SCRIPTS: &[&str] = &[".php", ".asp", ".aspx", ".jsp", ".cgi", ".pl", ".cfm", ".do"];

/// True when a URL's query is part of its indicator: the query is not empty and the path is the
/// site root (`/`) or ends in one of [`QUERY_SCRIPTS`].
pub fn keeps_query(u: &url::Url) -> bool {
    let Some(q) = u.query() else { return false };
    if q.is_empty() {
        return false;
    }
    let path = u.path().to_ascii_lowercase();
    let trimmed = path.trim_end_matches('/');
    trimmed.is_empty() || QUERY_SCRIPTS.iter().any(|e| trimmed.ends_with(e))
}

/// `javascript:…`, `data:…`, `mailto:…`: a scheme followed by something that is not a port.
fn has_other_scheme(lower: &str) -> bool {
    let Some((scheme, rest)) = lower.split_once(':') else { return false };
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    is_scheme && !scheme.contains('.') && !rest.starts_with(|c: char| c.is_ascii_digit())
}

/// Normalizes a URL (see the module table).
///
/// # Errors
/// [`NormalizeError::Url`] when it is not an http(s) URL with a host.
pub fn url(s: &str) -> Result<String, NormalizeError> {
    let t = check_len(s)?;
    let bad = |why: &str| NormalizeError::Url(shorten(t), why.to_string());
    if t.contains(char::is_whitespace) {
        return Err(bad("contains white space"));
    }
    let lower = t.to_ascii_lowercase();
    let with_scheme = if lower.starts_with("http://") || lower.starts_with("https://") {
        t.to_string()
    } else if lower.contains("://") || has_other_scheme(&lower) {
        return Err(bad("scheme is not http or https"));
    } else {
        format!("http://{t}")
    };
    let u = url::Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
    if u.host_str().is_none_or(|h| h.trim_end_matches('.').is_empty()) {
        return Err(bad("no host"));
    }
    url_indicator(&u, keeps_query(&u)).ok_or_else(|| bad("no host"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for (name, input, want) in [
            ("lowercase", "ExAmple.COM", Some("example.com")),
            ("trailing dots", "example.com..", Some("example.com")),
            ("idn", "bücher.example", Some("xn--bcher-kva.example")),
            ("ipv4", "192.168.000.1", Some("192.168.0.1")),
            ("bare ipv6", "2001:DB8::1", Some("[2001:db8::1]")),
            ("port refused", "example.com:8080", None),
            ("path refused", "example.com/x", None),
            ("empty label", "a..b.com", None),
            ("empty", "  ", None),
        ] {
            assert_eq!(host(input).ok().as_deref(), want, "{name}");
        }
    }

    #[test]
    fn urls() {
        for (name, input, want) in [
            ("scheme and case", "HTTP://Evil.Example/Login", Some("evil.example/Login")),
            ("no scheme", "evil.example/a", Some("evil.example/a")),
            ("default port", "https://evil.example:443/a", Some("evil.example/a")),
            ("other port", "http://evil.example:8080/a", Some("evil.example:8080/a")),
            ("slashes", "http://evil.example//a///b", Some("evil.example/a/b")),
            ("query dropped", "http://evil.example/a/b.exe?x=1#f", Some("evil.example/a/b.exe")),
            ("query kept for scripts", "http://evil.example/dl.php?id=7#f", Some("evil.example/dl.php?id=7")),
            ("query kept at root", "http://evil.example/?id=7", Some("evil.example/?id=7")),
            ("trailing dot host", "http://evil.example./x", Some("evil.example/x")),
            ("idn host", "http://bücher.example/", Some("xn--bcher-kva.example/")),
            ("user info dropped", "http://user:pw@evil.example/x", Some("evil.example/x")),
            ("ftp refused", "ftp://evil.example/x", None),
            ("javascript refused", "javascript:alert(1)", None),
            ("bare host with port", "evil.example:8080/x", Some("evil.example:8080/x")),
            ("localhost-style host with port", "intranet:8080/x", Some("intranet:8080/x")),
            ("spaces refused", "http://evil.example/a b", None),
        ] {
            assert_eq!(url(input).ok().as_deref(), want, "{name}");
        }
    }

    #[test]
    fn ips_and_domains() {
        assert_eq!(ip("10.0.0.1").unwrap(), "10.0.0.1");
        assert_eq!(ip("[::FFFF:1.2.3.4]").unwrap(), "[::ffff:102:304]");
        assert!(ip("example.com").is_err());
        let psl = SuffixList::embedded();
        assert_eq!(domain(&psl, "a.b.example.co.uk").unwrap(), "example.co.uk");
        assert!(domain(&psl, "co.uk").is_err());
        assert!(domain(&psl, "1.2.3.4").is_err());
    }
}
