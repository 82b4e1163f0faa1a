//! Hosts and registrable domains: URL parsing, IDNA (punycode) in both directions and the
//! eTLD+1 from the Public Suffix List.
//!
//! The list is an input like any other (it may travel in a rule pack); an embedded copy of
//! Mozilla's list (`core/data/public_suffix_list.dat`, MPL-2.0) is the default, pre-built into a
//! static table at compile time (`core/build.rs`, [`psl_build`]).

use std::net::IpAddr;
use std::sync::Arc;

mod psl_build;

/// The embedded list, pre-built by `core/build.rs` (see [`psl_build`]).
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/psl_table.rs"));
}

/// The Public Suffix List snapshot embedded in the engine (its text; the engine uses the table
/// `core/build.rs` builds from it).
pub const EMBEDDED_PSL: &str = include_str!("../data/public_suffix_list.dat");

/// A Public Suffix List (cheap to clone: the embedded one is static, a parsed one is shared).
///
/// Stored as the compact table of [`psl_build`]: a trie of labels behind one hash table. The
/// answers are exactly those of the publicsuffix crate's `List` (wildcards, exceptions, the
/// implicit `*` rule, ICANN and private sections alike), which the differential tests check.
#[derive(Clone)]
pub struct SuffixList(Repr);

#[derive(Clone)]
enum Repr {
    Embedded,
    Parsed(Arc<psl_build::Built>),
}

impl std::fmt::Debug for SuffixList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SuffixList")
    }
}

/// The Public Suffix List text could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("public suffix list is malformed: {0}")]
pub struct SuffixListError(String);

/// The table's arrays, borrowed (from the static embedded table or a parsed one).
#[derive(Clone, Copy)]
struct View<'a> {
    slots: &'a [u64],
    nodes: &'a [psl_build::Node],
    labels: &'a [u8],
}

impl View<'_> {
    /// The child of `parent` labelled `label`.
    #[inline]
    fn child(&self, parent: u32, label: &[u8]) -> Option<u32> {
        let h = psl_build::key_hash(parent, label);
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = h as usize & mask;
        // The table is at most half full: an empty slot ends every probe sequence.
        for _ in 0..self.slots.len() {
            let slot = *self.slots.get(i)?;
            if slot == 0 {
                return None;
            }
            if (slot >> 32) as u32 == h {
                let id = slot as u32;
                let n = self.nodes.get(id as usize)?;
                let same = if label.len() <= 4 {
                    n.label_len as usize == label.len() && n.head == psl_build::head(label)
                } else {
                    (n.label_len as usize == label.len() || n.label_len == psl_build::LONG_LABEL)
                        && psl_build::label(self.nodes, self.labels, id as usize) == label
                };
                if n.parent == parent && same {
                    return Some(id);
                }
            }
            i = (i + 1) & mask;
        }
        None
    }

    #[inline]
    fn flags(&self, node: u32) -> u8 {
        self.nodes.get(node as usize).map_or(0, |n| n.flags)
    }

    /// Length of the public suffix of the labels (right to left), as the publicsuffix crate's
    /// `List::find`: the longest matching rule (a `*` label matches any label), an exception
    /// rule giving its parent, and an unknown last label being a suffix by itself.
    fn find(&self, mut labels: impl Iterator<Item = impl AsRef<[u8]>>) -> usize {
        let Some(first) = labels.next() else {
            return 0;
        };
        let first = first.as_ref();
        let mut len = first.len();
        let Some(mut node) = self.child(0, first) else {
            return len;
        };
        let mut so_far = len;
        for label in labels {
            let label = label.as_ref();
            node = match self.child(node, label) {
                Some(n) => n,
                None if self.flags(node) & psl_build::WILD_CHILD != 0 => match self.child(node, b"*") {
                    Some(n) => n,
                    None => break,
                },
                None => break,
            };
            let f = self.flags(node);
            if f & psl_build::LEAF != 0 {
                if f & psl_build::EXCEPTION != 0 {
                    len = so_far;
                    break;
                }
                len = so_far + label.len() + 1;
            }
            so_far += label.len() + 1;
        }
        len
    }

    /// Length of the public suffix of `name` (a trailing dot counted in), `None` when it has
    /// none (as `psl_types::List::suffix`).
    fn suffix_len(&self, name: &[u8]) -> Option<usize> {
        let mut labels = name.rsplit(|&b| b == b'.');
        let fqdn = name.ends_with(b".");
        if fqdn {
            labels.next();
        }
        let len = self.find(labels) + usize::from(fqdn);
        (len != 0 && len <= name.len()).then_some(len)
    }
}

impl SuffixList {
    /// Parses a list in the publicsuffix.org text format.
    ///
    /// # Errors
    /// [`SuffixListError`] when the text is not a suffix list.
    pub fn parse(text: &str) -> Result<Self, SuffixListError> {
        let built = psl_build::build(text).map_err(|e| SuffixListError(format!("{e:?}")))?;
        Ok(Self(Repr::Parsed(Arc::new(built))))
    }

    /// The embedded list: a static table built at compile time, so this costs nothing.
    pub fn embedded() -> Self {
        Self(Repr::Embedded)
    }

    #[inline]
    fn view(&self) -> View<'_> {
        match &self.0 {
            Repr::Embedded => View { slots: &embedded::SLOTS, nodes: &embedded::NODES, labels: embedded::LABELS },
            Repr::Parsed(b) => View { slots: &b.slots, nodes: &b.nodes, labels: &b.labels },
        }
    }

    /// Length in bytes of the public suffix of a host, `None` when it has none.
    fn suffix_len(&self, host: &str) -> Option<usize> {
        self.view().suffix_len(host.as_bytes())
    }

    /// Registrable domain (eTLD+1) of a lowercase ASCII host, or `None` when the host is itself
    /// a public suffix or not a domain name.
    pub fn registrable<'a>(&self, ascii_host: &'a str) -> Option<&'a str> {
        self.suffix_and_registrable(ascii_host).1
    }

    /// Public suffix and registrable domain of a lowercase ASCII host in one walk of the list
    /// (the same answers as [`SuffixList::suffix`] and [`SuffixList::registrable`]).
    pub fn suffix_and_registrable<'a>(&self, ascii_host: &'a str) -> (Option<&'a str>, Option<&'a str>) {
        let Some(suffix_len) = self.suffix_len(ascii_host) else {
            return (None, None);
        };
        let suffix = ascii_host.get(ascii_host.len() - suffix_len..);
        // The registrable domain is the suffix plus the label in front of it (none when the host
        // is the suffix itself or that label is empty).
        if ascii_host.len() < suffix_len + 2 {
            return (suffix, None);
        }
        let front = ascii_host.get(..ascii_host.len() - suffix_len - 1).unwrap_or_default();
        let root = front.rsplit('.').next().unwrap_or(front);
        let start = ascii_host.len() - (root.len() + 1 + suffix_len);
        (suffix, ascii_host.get(start..))
    }

    /// Public suffix of a lowercase ASCII host (the implicit `*` rule applies to unknown TLDs).
    pub fn suffix<'a>(&self, ascii_host: &'a str) -> Option<&'a str> {
        let len = self.suffix_len(ascii_host)?;
        ascii_host.get(ascii_host.len() - len..)
    }
}

/// Everything the signals need to know about a page's host.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostInfo {
    /// Host in ASCII form (punycode labels), lowercase, without trailing dot.
    pub ascii: String,
    /// Host with punycode labels decoded to Unicode.
    pub unicode: String,
    /// Registrable domain (eTLD+1) in ASCII; equals `ascii` when there is none.
    pub registrable: String,
    /// Registrable domain in Unicode.
    pub registrable_unicode: String,
    /// The public suffix (ASCII), empty for IP addresses.
    pub suffix: String,
    /// The registrable label without the suffix, in Unicode (`paypal` for `www.paypal.co.uk`).
    pub label: String,
    /// Labels in front of the registrable domain (Unicode), e.g. `["www"]`.
    pub subdomain_labels: Vec<String>,
    /// The host is an IP address literal.
    pub is_ip: bool,
}

/// A URL could not be understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UrlError {
    /// Not a URL at all.
    #[error("not a valid URL: {0}")]
    Invalid(String),
    /// A URL without a host (e.g. `data:` or `about:`).
    #[error("URL has no host")]
    NoHost,
}

/// Parses an absolute URL (WHATWG rules, as browsers do). Leading/trailing whitespace is
/// ignored; a missing scheme is taken as `http://`.
///
/// # Errors
/// [`UrlError`] when the text is not a URL with a host.
pub fn parse_url(text: &str) -> Result<url::Url, UrlError> {
    let t = text.trim();
    let parsed = match url::Url::parse(t) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            url::Url::parse(&format!("http://{t}")).map_err(|e| UrlError::Invalid(e.to_string()))?
        }
        Err(e) => return Err(UrlError::Invalid(e.to_string())),
    };
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(UrlError::NoHost);
    }
    Ok(parsed)
}

/// Resolves `reference` (possibly relative) against `base`; `None` when it is not a URL.
pub fn resolve(base: &url::Url, reference: &str) -> Option<url::Url> {
    base.join(reference.trim()).ok()
}

/// Decodes a punycode ASCII host to Unicode; labels that fail to decode stay as they are.
pub fn to_unicode(ascii_host: &str) -> String {
    // Only punycode labels change: skip the IDNA pass (the bulk of host analysis) without one.
    if is_plain_ascii(ascii_host) {
        return ascii_host.to_string();
    }
    let (s, _res) = idna::domain_to_unicode(ascii_host);
    s
}

/// ASCII without a punycode (`xn--`) label: [`to_unicode`] gives it back unchanged, and so
/// for every run of its labels.
fn is_plain_ascii(host: &str) -> bool {
    host.is_ascii() && !host.split('.').any(|l| l.as_bytes().get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"xn--")))
}

impl HostInfo {
    /// Analyses a host as found in a parsed URL (already ASCII and lowercase).
    pub fn new(psl: &SuffixList, host: &str) -> Self {
        let ascii = host.trim_end_matches('.').to_ascii_lowercase();
        let bare = ascii.trim_start_matches('[').trim_end_matches(']');
        // Only hex digits, dots and colons can make an IP address: most hosts skip the parse.
        let ip_chars = bare.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':');
        if ip_chars && bare.parse::<IpAddr>().is_ok() {
            return Self {
                unicode: ascii.clone(),
                registrable: ascii.clone(),
                registrable_unicode: ascii.clone(),
                label: ascii.clone(),
                ascii,
                is_ip: true,
                ..Self::default()
            };
        }
        let (suffix, registrable) = psl.suffix_and_registrable(&ascii);
        let registrable = registrable.unwrap_or(&ascii).to_string();
        let suffix = suffix.unwrap_or("").to_string();
        // Label runs of a plain ASCII host are plain too: one check instead of one per part.
        let plain = is_plain_ascii(&ascii);
        let to_unicode = |s: &str| if plain { s.to_string() } else { to_unicode(s) };
        let unicode = to_unicode(&ascii);
        let registrable_unicode = to_unicode(&registrable);
        let label_ascii = registrable
            .strip_suffix(&suffix)
            .map(|l| l.trim_end_matches('.'))
            .filter(|l| !l.is_empty())
            .unwrap_or(&registrable);
        let label = to_unicode(label_ascii);
        let sub = ascii.strip_suffix(&registrable).unwrap_or("").trim_end_matches('.');
        let subdomain_labels = if sub.is_empty() { Vec::new() } else { sub.split('.').map(&to_unicode).collect() };
        Self { ascii, unicode, registrable, registrable_unicode, suffix, label, subdomain_labels, is_ip: false }
    }

    /// True when `other` (an ASCII host) has the same registrable domain.
    pub fn same_site(&self, psl: &SuffixList, other_host: &str) -> bool {
        let o = other_host.trim_end_matches('.').to_ascii_lowercase();
        let reg = psl.registrable(&o).unwrap_or(&o);
        reg == self.registrable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        let psl = SuffixList::embedded();
        for (host, reg, label) in [
            ("www.paypal.com", "paypal.com", "paypal"),
            ("login.paypal.co.uk", "paypal.co.uk", "paypal"),
            ("xn--pypal-4ve.com", "xn--pypal-4ve.com", "pаypal"),
            ("foo.github.io", "foo.github.io", "foo"),
            ("example.unknowntld", "example.unknowntld", "example"),
        ] {
            let h = HostInfo::new(&psl, host);
            assert_eq!(h.registrable, reg, "{host}");
            assert_eq!(h.label, label, "{host}");
        }
    }

    #[test]
    fn one_walk_gives_the_same_suffix_and_registrable_domain() {
        let psl = SuffixList::embedded();
        for host in [
            "www.paypal.com",
            "paypal.com",
            "com",
            "co.uk",
            "a.co.uk",
            "x.y.z.co.uk",
            "foo.github.io",
            "github.io",
            "example.unknowntld",
            "unknowntld",
            ".com",
            "a..com",
            "..",
            "",
            "www.ck",
            "a.b.ck",
            "xn--pypal-4ve.com",
            "a.b.c.kawasaki.jp",
            "city.kawasaki.jp",
        ] {
            assert_eq!(psl.suffix_and_registrable(host), (psl.suffix(host), psl.registrable(host)), "{host:?}");
        }
    }

    #[test]
    fn ip_hosts() {
        let psl = SuffixList::embedded();
        let h = HostInfo::new(&psl, "192.168.1.10");
        assert!(h.is_ip);
        assert_eq!(h.registrable, "192.168.1.10");
    }

    #[test]
    fn urls_without_scheme_are_http() {
        let u = parse_url("paypal.com/login").unwrap();
        assert_eq!(u.host_str(), Some("paypal.com"));
        assert!(parse_url("data:text/html,hi").is_err());
        assert!(parse_url("http://").is_err());
    }
}
