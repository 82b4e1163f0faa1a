//! Normalization table: every indicator kind, every rule of `intel::normalize`.

use ferretwatch_core::domain::SuffixList;
use ferretwatch_core::intel::normalize;

#[test]
fn host_table() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("lowercase", "PayPal.COM", Some("paypal.com")),
        ("surrounding space", "  example.com\t", Some("example.com")),
        ("one trailing dot", "example.com.", Some("example.com")),
        ("several trailing dots", "example.com...", Some("example.com")),
        ("unicode to punycode", "münchen.example", Some("xn--mnchen-3ya.example")),
        ("cyrillic lookalike (node: same)", "раураl.com", Some("xn--l-7sba6dbr.com")),
        ("punycode stays", "xn--pypal-4ve.com", Some("xn--pypal-4ve.com")),
        ("full-width dot and letters", "ｅxample．com", Some("example.com")),
        ("ipv4", "10.1.2.3", Some("10.1.2.3")),
        ("ipv4 in hex, as browsers read it", "0x7f.1", Some("127.0.0.1")),
        ("ipv6 bracketed", "[2001:DB8:0:0::1]", Some("[2001:db8::1]")),
        ("ipv6 bare", "::1", Some("[::1]")),
        ("underscore allowed", "a_b.example", Some("a_b.example")),
        ("port", "example.com:80", None),
        ("path", "example.com/a", None),
        ("user info", "u@example.com", None),
        ("space inside", "exa mple.com", None),
        ("empty label", "a..example", None),
        ("only dots", "...", None),
        ("empty", "", None),
        ("too long", &"a".repeat(5000), None),
    ];
    for (name, input, want) in cases {
        assert_eq!(normalize::host(input).ok().as_deref(), *want, "{name}: {input}");
    }
}

#[test]
fn url_table() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("scheme and host case", "HTTPS://Example.COM/Path", Some("example.com/Path")),
        ("path case kept", "http://example.com/A/b", Some("example.com/A/b")),
        ("missing scheme", "example.com/login", Some("example.com/login")),
        ("http default port", "http://example.com:80/x", Some("example.com/x")),
        ("https default port", "https://example.com:443/x", Some("example.com/x")),
        ("https on port 80 is not default", "https://example.com:80/x", Some("example.com:80/x")),
        ("other port", "http://example.com:8080/x", Some("example.com:8080/x")),
        ("repeated slashes", "http://example.com///a//b/", Some("example.com/a/b/")),
        ("no path", "http://example.com", Some("example.com/")),
        ("trailing dot", "http://example.com./a", Some("example.com/a")),
        ("idn", "http://пример.рф/a", Some("xn--e1afmkfd.xn--p1ai/a")),
        ("dot segments", "http://example.com/a/../b/./c", Some("example.com/b/c")),
        (
            "percent-encoding as the parser writes it",
            "http://example.com/a b".replace(' ', "%20").leak(),
            Some("example.com/a%20b"),
        ),
        ("fragment dropped", "http://example.com/a#x", Some("example.com/a")),
        ("query dropped on a file", "http://example.com/a.zip?x=1", Some("example.com/a.zip")),
        ("query dropped on a directory", "http://example.com/a/?x=1", Some("example.com/a/")),
        ("query kept on .php", "http://example.com/a.php?x=1", Some("example.com/a.php?x=1")),
        ("query kept on .aspx", "http://example.com/A.ASPX?x=1", Some("example.com/A.ASPX?x=1")),
        ("query kept at the root", "http://example.com/?x=1", Some("example.com/?x=1")),
        ("empty query dropped", "http://example.com/a.php?", Some("example.com/a.php")),
        ("user info dropped", "http://u:p@example.com/a", Some("example.com/a")),
        ("ipv6 host with port", "http://[2001:db8::1]:8080/a", Some("[2001:db8::1]:8080/a")),
        ("ftp", "ftp://example.com/a", None),
        ("javascript", "javascript:alert(1)", None),
        ("data", "data:text/html,hi", None),
        ("white space", "http://example.com/a b", None),
        ("no host", "http:///", None),
    ];
    for (name, input, want) in cases {
        assert_eq!(normalize::url(input).ok().as_deref(), *want, "{name}: {input}");
    }
}

#[test]
fn ip_and_domain_table() {
    for (input, want) in [
        ("1.2.3.4", Some("1.2.3.4")),
        (" 1.2.3.4 ", Some("1.2.3.4")),
        ("[::1]", Some("[::1]")),
        ("2001:0db8::0001", Some("[2001:db8::1]")),
        ("1.2.3", None),
        ("256.1.1.1", None),
        ("host.example", None),
    ] {
        assert_eq!(normalize::ip(input).ok().as_deref(), want, "{input}");
    }
    let psl = SuffixList::embedded();
    for (input, want) in [
        ("www.example.com", Some("example.com")),
        ("a.b.example.co.uk", Some("example.co.uk")),
        ("user.github.io", Some("user.github.io")), // a private suffix of the PSL
        ("Bücher.Example.COM.", Some("example.com")),
        ("com", None),
        ("1.2.3.4", None),
        ("[::1]", None),
    ] {
        assert_eq!(normalize::domain(&psl, input).ok().as_deref(), want, "{input}");
    }
}
