//! Hosts and registrable domains: URL parsing, IDNA (punycode) in both directions and the
//! eTLD+1 from the Public Suffix List.
//!
//! The list is an input like any other (it may travel in a rule pack); an embedded copy of
//! Mozilla's list (`core/data/public_suffix_list.dat`, MPL-2.0) is the default, pre-built into a
//! static table at compile time (`core/build.rs`, [`psl_build`]).

use std::borrow::Cow;
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
///
/// The strings borrow from the host given to [`HostInfo::new`] whenever they can — always for
/// a lowercase ASCII host without punycode labels, the usual case of a parsed URL — so that
/// analysing a host allocates nothing; only Unicode forms of punycode labels and a host that
/// needed lowercasing are owned. [`HostInfo::into_owned`] detaches one from its host.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostInfo<'a> {
    /// Host in ASCII form (punycode labels), lowercase, without trailing dot.
    pub ascii: Cow<'a, str>,
    /// Host with punycode labels decoded to Unicode.
    pub unicode: Cow<'a, str>,
    /// Registrable domain (eTLD+1) in ASCII; equals `ascii` when there is none.
    pub registrable: Cow<'a, str>,
    /// Registrable domain in Unicode.
    pub registrable_unicode: Cow<'a, str>,
    /// The public suffix (ASCII), empty for IP addresses.
    pub suffix: Cow<'a, str>,
    /// The registrable label without the suffix, in Unicode (`paypal` for `www.paypal.co.uk`).
    pub label: Cow<'a, str>,
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

/// What the URL signals of a URL-only check read of a parsed URL: the host (as the parser gives
/// it: lowercase ASCII), the port when it is not the scheme's default, the path and the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// The host (`url::Url::host_str`).
    pub host: &'a str,
    /// The port, when not the scheme's default (`url::Url::port`).
    pub port: Option<u16>,
    /// The path (`url::Url::path`).
    pub path: &'a str,
    /// The query without its `?` (`url::Url::query`).
    pub query: Option<&'a str>,
    /// `host[:port]path[?query]`, as written in the URL's serialization.
    pub(crate) joined: &'a str,
}

impl<'a> UrlParts<'a> {
    /// The parts of a parsed URL.
    pub fn of(url: &'a url::Url) -> Self {
        Self {
            host: url.host_str().unwrap_or_default(),
            port: url.port(),
            path: url.path(),
            query: url.query(),
            joined: &url[url::Position::BeforeHost..url::Position::AfterQuery],
        }
    }
}

/// A URL parsed for a URL-only check ([`parse_url_parts`]).
#[derive(Debug, Clone)]
pub enum ParsedUrl<'a> {
    /// A plain `http(s)://host/path?query` URL, read in place.
    Plain(UrlParts<'a>),
    /// Any other URL, through the WHATWG parser.
    Parsed(url::Url),
}

impl ParsedUrl<'_> {
    /// The parts the URL signals read.
    pub fn parts(&self) -> UrlParts<'_> {
        match self {
            ParsedUrl::Plain(p) => *p,
            ParsedUrl::Parsed(u) => UrlParts::of(u),
        }
    }
}

/// [`parse_url`] for callers that only need the [`UrlParts`]: the same answers (the same parts,
/// the same errors), but a plain URL — `http://` or `https://`, a host of lowercase letters,
/// digits and hyphens in non-empty labels (none a punycode label, none with hyphens in the third
/// and fourth place, the last not starting with a digit), no port or user, and a path and query
/// of characters the WHATWG parser leaves as they are, without dot segments — is read in place,
/// without the parser's allocation and character-by-character work. Everything else goes
/// through [`parse_url`].
///
/// # Errors
/// [`UrlError`] when the text is not a URL with a host.
pub fn parse_url_parts(text: &str) -> Result<ParsedUrl<'_>, UrlError> {
    match plain_url(text.trim()) {
        Some(p) => Ok(ParsedUrl::Plain(p)),
        None => parse_url(text).map(ParsedUrl::Parsed),
    }
}

/// The parts of a plain URL (see [`parse_url_parts`]), `None` for any other text.
fn plain_url(t: &str) -> Option<UrlParts<'_>> {
    let rest = t.strip_prefix("https://").or_else(|| t.strip_prefix("http://"))?;
    // The host, label by label in one pass over the bytes: lowercase letters, digits and
    // hyphens only. Empty labels, punycode (to be validated), `ab--` (reserved by IDNA), and a
    // last label that may be a number (an IPv4 address, or an error) are left to the parser.
    let b = rest.as_bytes();
    let (mut at, mut label_start) = (0, 0);
    let host_end = loop {
        let c = b.get(at).copied();
        if matches!(c, None | Some(b'.' | b'/' | b'?' | b'#')) {
            let label = &b[label_start..at];
            if label.is_empty() || label.get(2..4) == Some(b"--") {
                return None;
            }
            if c != Some(b'.') {
                if label[0].is_ascii_digit() {
                    return None;
                }
                break at;
            }
            label_start = at + 1;
        } else if !matches!(c, Some(b'a'..=b'z' | b'0'..=b'9' | b'-')) {
            return None;
        }
        at += 1;
    };
    let host = &rest[..host_end];
    let after_host = &rest[host_end..];
    let path_len = after_host.find(['?', '#']).unwrap_or(after_host.len());
    let path = &after_host[..path_len];
    // Characters of the path and query that the parser neither percent-encodes nor treats apart
    // (`\\` is a slash in http URLs, `.` and `%2e` segments are resolved).
    let kept = |c: u8| c.is_ascii_alphanumeric() || b"-._~!$&()*+,;=:@/%".contains(&c);
    if !path.bytes().all(|c| kept(c) || c == b'\'')
        || path.split('/').any(|seg| seg == "." || seg == "..")
        || path.as_bytes().windows(3).any(|w| w[0] == b'%' && w[1] == b'2' && (w[2] | 0x20) == b'e')
    {
        return None;
    }
    let after_path = &after_host[path_len..];
    let (query, query_len) = match after_path.strip_prefix('?') {
        Some(q) => {
            let q = &q[..q.find('#').unwrap_or(q.len())];
            if !q.bytes().all(|c| kept(c) || c == b'?') {
                return None;
            }
            (Some(q), q.len() + 1)
        }
        None => (None, 0),
    };
    // Without a path the parser writes `/`: then the serialization is not a slice of the text.
    if path.is_empty() {
        return None;
    }
    Some(UrlParts { host, port: None, path, query, joined: &rest[..host_end + path_len + query_len] })
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
    host.is_ascii()
        && !host.as_bytes().split(|&c| c == b'.').any(|l| l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"xn--")))
}

impl<'a> HostInfo<'a> {
    /// Analyses a host as found in a parsed URL (already ASCII and lowercase; a host with
    /// capitals is lowercased, into owned strings).
    pub fn new(psl: &SuffixList, host: &'a str) -> Self {
        let trimmed = host.trim_end_matches('.');
        if trimmed.bytes().any(|b| b.is_ascii_uppercase()) {
            return HostInfo::new(psl, &trimmed.to_ascii_lowercase()).into_owned();
        }
        let ascii = trimmed;
        let bare = ascii.trim_start_matches('[').trim_end_matches(']');
        // Only hex digits, dots and colons can make an IP address: most hosts skip the parse.
        let ip_chars = bare.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':');
        if ip_chars && bare.parse::<IpAddr>().is_ok() {
            let a = Cow::Borrowed(ascii);
            return Self {
                unicode: a.clone(),
                registrable: a.clone(),
                registrable_unicode: a.clone(),
                label: a.clone(),
                ascii: a,
                suffix: Cow::Borrowed(""),
                is_ip: true,
            };
        }
        let (suffix, registrable) = psl.suffix_and_registrable(ascii);
        let registrable = registrable.unwrap_or(ascii);
        let suffix = suffix.unwrap_or("");
        // Label runs of a plain ASCII host are plain too: one check instead of one per part.
        let plain = is_plain_ascii(ascii);
        let unicode_of = |s: &'a str| if plain { Cow::Borrowed(s) } else { Cow::Owned(to_unicode(s)) };
        let label_ascii = registrable
            .strip_suffix(suffix)
            .map(|l| l.trim_end_matches('.'))
            .filter(|l| !l.is_empty())
            .unwrap_or(registrable);
        Self {
            unicode: unicode_of(ascii),
            registrable_unicode: unicode_of(registrable),
            label: unicode_of(label_ascii),
            ascii: Cow::Borrowed(ascii),
            registrable: Cow::Borrowed(registrable),
            suffix: Cow::Borrowed(suffix),
            is_ip: false,
        }
    }

    /// The same analysis, owning its strings.
    pub fn into_owned(self) -> HostInfo<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        HostInfo {
            ascii: own(self.ascii),
            unicode: own(self.unicode),
            registrable: own(self.registrable),
            registrable_unicode: own(self.registrable_unicode),
            suffix: own(self.suffix),
            label: own(self.label),
            is_ip: self.is_ip,
        }
    }

    /// Labels in front of the registrable domain, in Unicode (`["www"]` for `www.paypal.com`).
    pub fn subdomain_labels(&self) -> Vec<String> {
        if self.is_ip {
            return Vec::new();
        }
        let sub = self.ascii.strip_suffix(&*self.registrable).unwrap_or("").trim_end_matches('.');
        if sub.is_empty() { Vec::new() } else { sub.split('.').map(to_unicode).collect() }
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

    /// The byte scan gives the answer of the plain definition (ASCII, no label starting with
    /// `xn--` in any case).
    #[test]
    fn plain_ascii_hosts() {
        let plain = |h: &str| {
            h.is_ascii()
                && !h.split('.').any(|l| l.as_bytes().get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"xn--")))
        };
        for h in [
            "",
            ".",
            "xn--",
            "xn-",
            "Xn--a",
            "a.XN--b",
            "axn--b.com",
            "www.xn--pypal-4ve.com",
            "pаypal.com",
            "x",
            "a.x",
            "a.xn",
            "a.xn-",
            "a.xn-.",
            "a..xn--",
            "paypal.com",
            "xnn--a",
            "nx--a.b",
        ] {
            assert_eq!(is_plain_ascii(h), plain(h), "{h:?}");
        }
    }

    /// Hosts with capitals or trailing dots are analysed as the lowercase host without them;
    /// a lowercase ASCII host's analysis borrows every string from it.
    #[test]
    fn borrowed_and_owned_analyses_agree() {
        let psl = SuffixList::embedded();
        for (given, lower) in [
            ("WWW.PayPal.COM", "www.paypal.com"),
            ("Login.PAYPAL.co.uk.", "login.paypal.co.uk"),
            ("XN--PYPAL-4VE.COM", "xn--pypal-4ve.com"),
            ("192.168.1.10.", "192.168.1.10"),
            ("[::1]", "[::1]"),
        ] {
            let a = HostInfo::new(&psl, given);
            let b = HostInfo::new(&psl, lower);
            assert_eq!(a, b, "{given}");
            assert_eq!(a.clone().into_owned(), b, "{given}");
        }
        let h = HostInfo::new(&psl, "www.shop.example.co.uk");
        for s in [&h.ascii, &h.unicode, &h.registrable, &h.registrable_unicode, &h.suffix, &h.label] {
            assert!(matches!(s, Cow::Borrowed(_)), "{s}");
        }
        assert_eq!(h.subdomain_labels(), ["www", "shop"]);
        assert_eq!(
            (h.registrable.as_ref(), h.label.as_ref(), h.suffix.as_ref()),
            ("example.co.uk", "example", "co.uk")
        );
        let idn = HostInfo::new(&psl, "mail.xn--mnchen-3ya.de");
        assert_eq!(idn.subdomain_labels(), ["mail"]);
        assert_eq!((idn.unicode.as_ref(), idn.label.as_ref()), ("mail.münchen.de", "münchen"));
        assert!(HostInfo::new(&psl, "10.0.0.1").subdomain_labels().is_empty());
    }

    #[test]
    fn ip_hosts() {
        let psl = SuffixList::embedded();
        let h = HostInfo::new(&psl, "192.168.1.10");
        assert!(h.is_ip);
        assert_eq!(h.registrable, "192.168.1.10");
    }

    /// Host, port, path, query and `joined` of a [`UrlParts`], owned.
    type OwnedParts = (String, Option<u16>, String, Option<String>, String);

    /// What the WHATWG parser makes of `text`.
    fn parser_parts(text: &str) -> Result<OwnedParts, UrlError> {
        let u = parse_url(text)?;
        let p = UrlParts::of(&u);
        Ok((p.host.into(), p.port, p.path.into(), p.query.map(Into::into), p.joined.into()))
    }

    /// What [`parse_url_parts`] makes of `text`.
    fn quick_parts(text: &str) -> Result<OwnedParts, UrlError> {
        let u = parse_url_parts(text)?;
        let p = u.parts();
        Ok((p.host.into(), p.port, p.path.into(), p.query.map(Into::into), p.joined.into()))
    }

    /// Plain URLs are read in place, other text goes through the parser; the parts (and errors)
    /// are the parser's either way.
    #[test]
    fn plain_urls_read_in_place_give_the_parsers_parts() {
        let plain = [
            "https://www.paypal.com/",
            "http://contactaccess70368.com/",
            "https://a-b.example.co.uk/login?next=%2Faccount&x=1#top",
            "https://x.com/a/b/c.php?q=1?2",
            "  https://paypal.com/signin  ",
            "https://-a-.com/p",
            "https://x.com/it's",
            "https://x.com/?",
            "https://x.com/#frag with spaces and \\ and ü",
            "https://x.com/.well-known/x",
            "https://x.com/a//b",
        ];
        for u in plain {
            assert!(matches!(parse_url_parts(u), Ok(ParsedUrl::Plain(_))), "{u}");
            assert_eq!(quick_parts(u), parser_parts(u), "{u}");
        }
        let other = [
            "https://paypal.com",
            "HTTPS://paypal.com/",
            "https://PayPal.com/",
            "https://xn--pypal-4ve.com/",
            "https://ab--cd.com/",
            "https://a..com/",
            "https://paypal.com./",
            "https://1.2.3.4/",
            "https://example.0x7f/",
            "https://x.com:8080/",
            "https://user@x.com/",
            "https://x.com/a/../b",
            "https://x.com/a/%2E/b",
            "https://x.com/a b",
            "https://x.com/a\\b",
            "https://x.com/?q='x'",
            "https://x.com/ä",
            "https://pаypal.com/",
            "paypal.com/login",
            "ftp://x.com/",
            "https:///x.com/",
            "https://x.com/\ta",
            "https://",
            "data:text/html,hi",
            "",
        ];
        for u in other {
            assert!(!matches!(parse_url_parts(u), Ok(ParsedUrl::Plain(_))), "{u}");
            assert_eq!(quick_parts(u), parser_parts(u), "{u}");
        }
    }

    /// Every combination of hosts and paths at the edges of the plain form.
    #[test]
    fn combined_pieces_agree_with_the_parser() {
        let schemes = ["https://", "http://", "Http://", "https:/", ""];
        let hosts = [
            "a.com",
            "www.paypal.co.uk",
            "a-.b",
            "-a.b",
            "ab--c.d",
            "abc--d.e",
            "xn--p.com",
            "xn-p.com",
            "a.b.c.d.e.f.g",
            "a.1",
            "a.1a",
            "a.b1",
            "1.2.3.4",
            "0x1.com",
            "a..b",
            ".a.b",
            "a.b.",
            "A.com",
            "a_b.com",
            "a%41.com",
            "[::1]",
            "a",
            "é.com",
        ];
        let ports = ["", ":", ":80", ":443", ":8080"];
        let paths = [
            "", "/", "/a", "/a/", "//a", "/a//b/", "/./a", "/a/.", "/a/..", "/.a", "/a.", "/%2e/", "/%2E%2E", "/%41",
            "/%", "/a?", "/a?b=c&d", "/a?b'c", "/a?b c", "/a#b", "?q", "#f", "/a?b#c?d", "/a\\b", "/a b", "/ä",
            "/a\tb", "/a|b", "/a^b", "/a{b}", "/a`b", "/'", "/a?\"",
        ];
        let mut plain = 0;
        for scheme in schemes {
            for host in hosts {
                for port in ports {
                    for path in paths {
                        let u = format!("{scheme}{host}{port}{path}");
                        plain += usize::from(matches!(parse_url_parts(&u), Ok(ParsedUrl::Plain(_))));
                        assert_eq!(quick_parts(&u), parser_parts(&u), "{u:?}");
                    }
                }
            }
        }
        assert!(plain > 200, "{plain} plain URLs");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// Generated URLs (hosts and paths with the characters at the edges of the plain form):
        /// the parts are the parser's, and the errors too.
        #[test]
        fn parts_agree_with_the_parser(
            scheme in "(https?://|HTTP://|http:/|)",
            host in "[a-zA-Z0-9\\-\\.]{0,6}(xn--|--|\\.\\.|\\.0x|\\.[0-9])?[a-z0-9\\-]{0,6}(\\.[a-z0-9]{1,4}){0,2}\\.?",
            port in "(:[0-9]{0,5})?",
            path in "(/[a-zA-Z0-9\\-._~!$&'()*+,;=:@%/?#\\\\ \t\"<>`{}|^äе]{0,8}){0,3}",
        ) {
            let u = format!("{scheme}{host}{port}{path}");
            proptest::prop_assert_eq!(quick_parts(&u), parser_parts(&u), "{}", u);
        }
    }

    #[test]
    fn urls_without_scheme_are_http() {
        let u = parse_url("paypal.com/login").unwrap();
        assert_eq!(u.host_str(), Some("paypal.com"));
        assert!(parse_url("data:text/html,hi").is_err());
        assert!(parse_url("http://").is_err());
    }
}
