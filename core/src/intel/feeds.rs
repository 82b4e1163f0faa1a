//! The line-oriented feeds (URLhaus, PhishTank, Feodo Tracker, hosts files).

use super::csv::split_line;
use super::normalize;
use super::{Collector, FileTally, Format, IntelError};
use crate::domain::SuffixList;
use crate::pack::IndicatorKind;

/// Longest line looked at; longer ones are skipped as malformed.
const MAX_LINE: usize = 64 * 1024;

fn not_format(file: &str, format: Format, reason: &str) -> IntelError {
    IntelError::NotFormat { file: file.to_string(), format: format.name(), reason: reason.to_string() }
}

fn looks_like_json(text: &str) -> bool {
    matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['))
}

/// Non-empty lines with their 1-based numbers; lines longer than [`MAX_LINE`] come back as
/// `Err`.
fn lines(text: &str) -> impl Iterator<Item = (usize, Result<&str, usize>)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let t = l.trim();
        if t.is_empty() {
            None
        } else if t.len() > MAX_LINE {
            Some((i + 1, Err(t.len())))
        } else {
            Some((i + 1, Ok(t)))
        }
    })
}

/// URLhaus CSV: `#` comment lines, then quoted records
/// `id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter`. Every URL
/// becomes a `url` indicator, whatever its `url_status`.
pub(crate) fn urlhaus(file: &str, text: &str, c: &mut Collector) -> Result<(), IntelError> {
    if looks_like_json(text) {
        return Err(not_format(file, Format::Urlhaus, "it is JSON, not CSV"));
    }
    let mut t = FileTally { data: 0, bad: 0 };
    for (n, line) in lines(text) {
        let line = match line {
            Ok(l) if l.starts_with('#') => continue,
            Ok(l) => l,
            Err(len) => {
                t.data += 1;
                t.bad += 1;
                c.warn(file, n, format!("line is {len} bytes long"));
                continue;
            }
        };
        let Some(fields) = split_line(line) else {
            t.data += 1;
            t.bad += 1;
            c.warn(file, n, "unbalanced quotes");
            continue;
        };
        if fields.first().is_some_and(|f| f == "id") {
            continue; // an uncommented header line
        }
        t.data += 1;
        if fields.len() != 9 {
            t.bad += 1;
            c.warn(file, n, format!("{} fields, expected 9", fields.len()));
            continue;
        }
        if fields[0].is_empty() || !fields[0].bytes().all(|b| b.is_ascii_digit()) {
            t.bad += 1;
            c.warn(file, n, format!("id `{}` is not a number", fields[0]));
            continue;
        }
        match normalize::url(&fields[2]) {
            Ok(u) => c.add(IndicatorKind::Url, u),
            Err(e) => {
                t.bad += 1;
                c.warn(file, n, e.to_string());
            }
        }
    }
    t.verdict(file, Format::Urlhaus)
}

fn verified_no(v: &str) -> bool {
    matches!(v.trim().to_ascii_lowercase().as_str(), "no" | "false" | "0")
}

/// PhishTank CSV: a header line naming the columns (`phish_id,url,phish_detail_url,
/// submission_time,verified,verification_time,online,target`), then records. Entries whose
/// `verified` is `no` are left out (counted as filtered).
pub(crate) fn phishtank_csv(file: &str, text: &str, c: &mut Collector) -> Result<(), IntelError> {
    if looks_like_json(text) {
        return Err(not_format(file, Format::PhishtankCsv, "it is JSON, not CSV (use phishtank-json)"));
    }
    let mut t = FileTally { data: 0, bad: 0 };
    let mut columns: Option<(usize, Option<usize>, usize)> = None;
    for (n, line) in lines(text) {
        let Some((url_col, verified_col, width)) = columns else {
            let header = line.ok().and_then(split_line).unwrap_or_default();
            let find = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
            match (find("phish_id"), find("url")) {
                (Some(_), Some(u)) => columns = Some((u, find("verified"), header.len())),
                _ => {
                    return Err(not_format(
                        file,
                        Format::PhishtankCsv,
                        &format!("line {n} is not the header `phish_id,url,...`"),
                    ));
                }
            }
            continue;
        };
        t.data += 1;
        let fields = match line {
            Ok(l) => split_line(l),
            Err(_) => None,
        };
        let Some(fields) = fields else {
            t.bad += 1;
            c.warn(file, n, "unbalanced quotes or overlong line");
            continue;
        };
        if fields.len() != width {
            t.bad += 1;
            c.warn(file, n, format!("{} fields, expected {width}", fields.len()));
            continue;
        }
        if verified_col.is_some_and(|v| verified_no(&fields[v])) {
            c.filtered += 1;
            continue;
        }
        match normalize::url(&fields[url_col]) {
            Ok(u) => c.add(IndicatorKind::Url, u),
            Err(e) => {
                t.bad += 1;
                c.warn(file, n, e.to_string());
            }
        }
    }
    if columns.is_none() {
        return Err(not_format(file, Format::PhishtankCsv, "the file is empty (no header line)"));
    }
    t.verdict(file, Format::PhishtankCsv)
}

/// Byte offsets of the elements of a top-level JSON array (the text is known to parse).
fn array_element_offsets(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut depth, mut in_str, mut esc, mut want) = (0usize, false, false, false);
    for (i, &ch) in b.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if ch == b'\\' {
                esc = true;
            } else if ch == b'"' {
                in_str = false;
            }
            continue;
        }
        if want && !ch.is_ascii_whitespace() && ch != b']' {
            out.push(i);
            want = false;
        }
        match ch {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth == 1 && ch == b'[' {
                    want = true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => want = true,
            _ => {}
        }
    }
    out
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

pub(crate) fn json_error(file: &str, e: &serde_json::Error) -> IntelError {
    IntelError::Json { file: file.to_string(), line: e.line(), column: e.column(), message: e.to_string() }
}

/// PhishTank JSON: an array of objects with a string `url`; `verified` (`"yes"`/`"no"` or a
/// boolean) `no` leaves the entry out.
pub(crate) fn phishtank_json(file: &str, text: &str, c: &mut Collector) -> Result<(), IntelError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| json_error(file, &e))?;
    let serde_json::Value::Array(items) = v else {
        return Err(not_format(file, Format::PhishtankJson, "the top level is not an array"));
    };
    let offsets = array_element_offsets(text);
    let line = |i: usize| offsets.get(i).map_or(1, |&o| line_of(text, o));
    let mut t = FileTally { data: 0, bad: 0 };
    for (i, item) in items.iter().enumerate() {
        t.data += 1;
        let Some(obj) = item.as_object() else {
            t.bad += 1;
            c.warn(file, line(i), format!("entry #{i} is not an object"));
            continue;
        };
        let Some(url) = obj.get("url").and_then(|u| u.as_str()) else {
            t.bad += 1;
            c.warn(file, line(i), format!("entry #{i} has no string `url`"));
            continue;
        };
        let unverified = match obj.get("verified") {
            Some(serde_json::Value::Bool(b)) => !b,
            Some(serde_json::Value::String(s)) => verified_no(s),
            _ => false,
        };
        if unverified {
            c.filtered += 1;
            continue;
        }
        match normalize::url(url) {
            Ok(u) => c.add(IndicatorKind::Url, u),
            Err(e) => {
                t.bad += 1;
                c.warn(file, line(i), format!("entry #{i}: {e}"));
            }
        }
    }
    t.verdict(file, Format::PhishtankJson)
}

/// Feodo Tracker: the CSV (`first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware`,
/// header commented or not) or the plain blocklist (one IP a line, `#` comments). Every C2
/// address becomes an `ip` indicator.
pub(crate) fn feodo(file: &str, text: &str, c: &mut Collector) -> Result<(), IntelError> {
    if looks_like_json(text) {
        return Err(not_format(file, Format::Feodo, "it is JSON, not CSV or an IP list"));
    }
    let mut t = FileTally { data: 0, bad: 0 };
    let mut ip_col = 1;
    let header_ip_col = |l: &str| {
        let fields = split_line(l.trim_start_matches('#').trim())?;
        fields.iter().position(|f| f.trim() == "dst_ip")
    };
    for (n, line) in lines(text) {
        let line = match line {
            Ok(l) => l,
            Err(len) => {
                t.data += 1;
                t.bad += 1;
                c.warn(file, n, format!("line is {len} bytes long"));
                continue;
            }
        };
        if line.contains("first_seen_utc") {
            if let Some(col) = header_ip_col(line) {
                ip_col = col;
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        t.data += 1;
        let candidate = if line.contains(',') {
            match split_line(line) {
                Some(f) if f.len() > ip_col => f[ip_col].clone(),
                Some(f) => {
                    t.bad += 1;
                    c.warn(file, n, format!("{} fields, no dst_ip column", f.len()));
                    continue;
                }
                None => {
                    t.bad += 1;
                    c.warn(file, n, "unbalanced quotes");
                    continue;
                }
            }
        } else {
            line.split(['#', ' ', '\t']).next().unwrap_or_default().to_string()
        };
        match normalize::ip(&candidate) {
            Ok(ip) => c.add(IndicatorKind::Ip, ip),
            Err(e) => {
                t.bad += 1;
                c.warn(file, n, e.to_string());
            }
        }
    }
    t.verdict(file, Format::Feodo)
}

/// Host names a hosts file maps for the machine itself, never indicators.
pub const LOCAL_NAMES: &[&str] = &[
    "localhost",
    "localhost.localdomain",
    "local",
    "broadcasthost",
    "ip6-localhost",
    "ip6-loopback",
    "ip6-localnet",
    "ip6-mcastprefix",
    "ip6-allnodes",
    "ip6-allrouters",
    "ip6-allhosts",
    "0.0.0.0",
];

/// Hosts files: `ADDRESS HOST [HOST…]` lines with `#` comments (the address is usually
/// `0.0.0.0` or `127.0.0.1`; any IP is accepted), or bare `HOST` lines (plain domain lists).
/// Local names ([`LOCAL_NAMES`]) and loopback, unspecified or broadcast addresses in the host
/// position are left out (counted as filtered). Hosts become `host`
/// indicators (or `domain` with `psl`, the eTLD+1); IP literals become `ip` indicators.
pub(crate) fn hosts(file: &str, text: &str, psl: Option<&SuffixList>, c: &mut Collector) -> Result<(), IntelError> {
    if looks_like_json(text) {
        return Err(not_format(file, Format::Hosts, "it is JSON, not a hosts file"));
    }
    let mut t = FileTally { data: 0, bad: 0 };
    for (n, line) in lines(text) {
        let line = match line {
            Ok(l) => l.split('#').next().unwrap_or_default().trim(),
            Err(len) => {
                t.data += 1;
                t.bad += 1;
                c.warn(file, n, format!("line is {len} bytes long"));
                continue;
            }
        };
        if line.is_empty() {
            continue;
        }
        t.data += 1;
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let names: &[&str] = if normalize::ip(tokens[0]).is_ok() {
            &tokens[1..]
        } else if tokens.len() == 1 {
            &tokens[..]
        } else {
            t.bad += 1;
            c.warn(file, n, format!("`{}` is not an IP address", tokens[0]));
            continue;
        };
        if names.is_empty() {
            t.bad += 1;
            c.warn(file, n, "no host name after the address");
            continue;
        }
        let mut good = false;
        for name in names {
            if LOCAL_NAMES.iter().any(|l| l.eq_ignore_ascii_case(name)) {
                c.filtered += 1;
                good = true;
                continue;
            }
            if let Ok(ip) = normalize::ip(name) {
                // The machine's own addresses are never indicators.
                let addr: Option<std::net::IpAddr> = ip.trim_start_matches('[').trim_end_matches(']').parse().ok();
                if addr.is_some_and(|a| a.is_loopback() || a.is_unspecified() || a == std::net::Ipv4Addr::BROADCAST) {
                    c.filtered += 1;
                } else {
                    c.add(IndicatorKind::Ip, ip);
                }
                good = true;
                continue;
            }
            let r = match psl {
                Some(psl) => normalize::domain(psl, name).map(|d| (IndicatorKind::Domain, d)),
                None => normalize::host(name).map(|h| (IndicatorKind::Host, h)),
            };
            match r {
                Ok((kind, v)) => {
                    c.add(kind, v);
                    good = true;
                }
                Err(e) => c.warn(file, n, e.to_string()),
            }
        }
        if !good {
            t.bad += 1;
        }
    }
    t.verdict(file, Format::Hosts)
}

#[cfg(test)]
mod tests {
    use super::array_element_offsets;

    #[test]
    fn element_offsets() {
        let text = "[\n {\"a\": \"x,]\"},\n {\"b\": [1, 2]}\n]";
        let offs = array_element_offsets(text);
        assert_eq!(offs.len(), 2);
        assert_eq!(&text[offs[0]..offs[0] + 1], "{");
        assert_eq!(&text[offs[1]..offs[1] + 1], "{");
        assert!(array_element_offsets("[]").is_empty());
    }
}
