//! HTML → page features: the contract in the module doc of `cli/src/extract.rs`, case by case.

#[path = "../src/extract.rs"]
mod extract;

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use extract::{MAX_DEPTH, MAX_ENTRY, MAX_HTML_KEPT, MAX_TEXT, extract, extract_with_assets, limit_nesting};
use ferretwatch_core::PageFeatures;
use ferretwatch_core::features::{FeatureLimits, Input};
use ferretwatch_core::phash;

const URL: &str = "https://shop.example/login";

fn feats(html: &str) -> PageFeatures {
    let f = extract(URL, html);
    // Whatever the page, the result is a valid features document.
    assert_eq!(f.validate(&FeatureLimits::default()), Ok(()), "{html:.80}");
    f
}

fn input(kind: &str, name: &str, hidden: bool) -> Input {
    Input { kind: kind.into(), name: name.into(), hidden }
}

// ---- forms ----

#[test]
fn forms() {
    struct Case {
        name: &'static str,
        html: &'static str,
        /// (action, inputs) per form.
        want: Vec<(&'static str, Vec<Input>)>,
    }
    let cases = vec![
        Case {
            name: "cross-domain action, types and names lowercased",
            html: r#"<form action=" https://evil.test/post.php " method=post>
                <input type=EMAIL name=Email><input type="password" name="PassWord"></form>"#,
            want: vec![(
                "https://evil.test/post.php",
                vec![input("email", "email", false), input("password", "password", false)],
            )],
        },
        Case {
            name: "default type, select and textarea, id when no name, no action",
            html: r#"<form><input id=User><select name=Country><option>x</select>
                <textarea name=Msg></textarea><input name="" id=Fallback></form>"#,
            want: vec![(
                "",
                vec![
                    input("text", "user", false),
                    input("select", "country", false),
                    input("textarea", "msg", false),
                    input("text", "fallback", false),
                ],
            )],
        },
        Case {
            name: "hidden by type, style, hidden attribute and ancestor",
            html: r#"<form action=/go>
                <input type=hidden name=a>
                <input name=b style="DISPLAY : none ;">
                <input name=c style="color:red; visibility:
                   hidden">
                <input name=d hidden>
                <div style="display:none"><span><input name=e type=email></span></div>
                <section hidden><input name=f></section>
                <input name=g style="display:block">
                </form>"#,
            want: vec![(
                "/go",
                vec![
                    input("hidden", "a", true),
                    input("text", "b", true),
                    input("text", "c", true),
                    input("text", "d", true),
                    input("email", "e", true),
                    input("text", "f", true),
                    input("text", "g", false),
                ],
            )],
        },
        Case {
            name: "password outside any form makes a form with empty action",
            html: r#"<div><input type=email id=Login><input type=password name=pw></div>
                <form action=/search><input name=q></form>"#,
            want: vec![
                ("/search", vec![input("text", "q", false)]),
                ("", vec![input("email", "login", false), input("password", "pw", false)]),
            ],
        },
        Case {
            name: "inputs outside forms without a password make no form",
            html: r#"<input name=q><textarea name=t></textarea>"#,
            want: vec![],
        },
        Case {
            name: "form= attribute associates an input placed elsewhere",
            html: r#"<form id=f1 action="https://evil.test/a"><input name=user></form>
                <div><input form=f1 type=password name=pw></div>
                <input form=nosuch type=text name=orphan>"#,
            want: vec![("https://evil.test/a", vec![input("text", "user", false), input("password", "pw", false)])],
        },
        Case {
            name: "two forms keep document order",
            html: r#"<form action=a><input name=x></form><form action=b><input type=password name=y></form>"#,
            want: vec![("a", vec![input("text", "x", false)]), ("b", vec![input("password", "y", false)])],
        },
    ];
    for c in cases {
        let f = feats(c.html);
        let got: Vec<(&str, Vec<Input>)> = f.forms.iter().map(|fm| (fm.action.as_str(), fm.inputs.clone())).collect();
        assert_eq!(got, c.want, "case `{}`", c.name);
    }
}

// ---- title and site name ----

#[test]
fn title_and_site_name() {
    let cases = [
        (
            "collapsed title and og:site_name",
            "<html><head><title>\n  PayPal:   Log\tin \n</title><meta property=og:site_name content=' PayPal '></head></html>",
            "PayPal: Log in",
            "PayPal",
        ),
        (
            "first title wins, name= form of og:site_name",
            "<title>One</title><title>Two</title><meta name=og:site_name content=Bank>",
            "One",
            "Bank",
        ),
        ("none", "<p>hello</p>", "", ""),
    ];
    for (name, html, title, site) in cases {
        let f = feats(html);
        assert_eq!(f.title, title, "case `{name}`");
        assert_eq!(f.og_site_name, site, "case `{name}`");
    }
}

// ---- resource lists ----

#[test]
fn resource_lists() {
    let html = r#"<!doctype html><html><head>
        <link rel="stylesheet" href="https://cdn.other.test/site.css">
        <link rel="Shortcut Icon" href="/favicon.ico">
        <link rel=apple-touch-icon href=/touch.png>
        <link rel=preload href=/ignored.js>
        <meta property="og:image" content="https://img.test/og.png">
        <script src=" https://js.test/app.js "></script>
        <style>
          @import url("https://fonts.test/a.css");
          @IMPORT 'b.css';
          body { background: url(/not-a-font.png) }
          @font-face { font-family: X; src: url(https://fonts.test/x.woff2) format("woff2"), url('/x.woff'); }
        </style>
        </head><body>
        <a href="https://paypal.com/">real</a><a>no href</a><a href="">empty</a>
        <img src="https://www.paypal.com/logo.png" srcset="/small.png 1x, /big.png 2x">
        <img srcset=" , /only.png 2x">
        </body></html>"#;
    let f = feats(html);
    assert_eq!(f.links, vec!["https://paypal.com/"]);
    assert_eq!(
        f.images,
        vec![
            "/favicon.ico",
            "/touch.png",
            "https://img.test/og.png",
            "https://www.paypal.com/logo.png",
            "/small.png",
            "/only.png",
        ]
    );
    assert_eq!(f.scripts, vec!["https://js.test/app.js"]);
    assert_eq!(
        f.styles,
        vec![
            "https://cdn.other.test/site.css",
            "https://fonts.test/a.css",
            "b.css",
            "https://fonts.test/x.woff2",
            "/x.woff",
        ]
    );
}

#[test]
fn long_entries_are_skipped_but_data_urls_kept_cut() {
    let long = format!("https://x.test/{}", "a".repeat(MAX_ENTRY));
    let data = format!("data:image/png;base64,{}", "A".repeat(MAX_ENTRY * 2));
    let html = format!(r#"<a href="{long}">x</a><a href=/ok>y</a><img src="{data}">"#);
    let f = feats(&html);
    assert_eq!(f.links, vec!["/ok"]);
    assert_eq!(f.images.len(), 1);
    assert_eq!(f.images[0].len(), MAX_ENTRY);
    assert!(f.images[0].starts_with("data:image/png;base64,AAAA"));
}

#[test]
fn lists_are_capped() {
    let html = "<a href=/x>x</a>".repeat(5000);
    let f = feats(&html);
    assert_eq!(f.links.len(), 4096);
}

// ---- redirects ----

#[test]
fn meta_refresh() {
    let cases = [
        ("immediate", r#"<meta http-equiv="refresh" content="0; url=https://evil.test/x">"#, "https://evil.test/x"),
        (
            "quoted, upper case",
            r#"<meta http-equiv=REFRESH content="3;URL='https://evil.test/q'">"#,
            "https://evil.test/q",
        ),
        ("five seconds is still immediate", r#"<meta http-equiv=refresh content="5, url = /next">"#, "/next"),
        ("no url keyword", r#"<meta http-equiv=refresh content="1; https://bare.test/">"#, "https://bare.test/"),
        ("delayed is ignored", r#"<meta http-equiv=refresh content="30; url=https://later.test/">"#, ""),
        ("huge delay", r#"<meta http-equiv=refresh content="99999999999999999999999; url=https://later.test/">"#, ""),
        ("reload without url", r#"<meta http-equiv=refresh content="0">"#, ""),
        ("malformed", r#"<meta http-equiv=refresh content="soon; url=https://x.test/">"#, ""),
        (
            "delayed refresh falls back to a script redirect",
            r#"<meta http-equiv=refresh content="60; url=https://later.test/"><script>location.href="https://js.test/"</script>"#,
            "https://js.test/",
        ),
        (
            "immediate refresh wins over script",
            r#"<script>location.href="https://js.test/"</script><meta http-equiv=refresh content="0;url=https://meta.test/">"#,
            "https://meta.test/",
        ),
    ];
    for (name, html, want) in cases {
        assert_eq!(feats(html).redirect, want, "case `{name}`");
    }
}

#[test]
fn script_redirects() {
    let cases = [
        ("location.href", r#"window.location.href = "https://a.test/";"#, "https://a.test/"),
        ("bare location", "if (x) { location='https://b.test/' }", "https://b.test/"),
        ("replace", r#"window.location.replace( "https://c.test/" )"#, "https://c.test/"),
        ("assign", "location.assign('https://d.test/')", "https://d.test/"),
        ("document.location.href", "document.location.href = `https://e.test/`;", "https://e.test/"),
        ("top.location", r#"top.location = "https:\/\/f.test\/""#, "https://f.test/"),
        ("comparison is not a redirect", r#"if (location.href == "https://x.test/") {}"#, ""),
        ("identifier containing location", r#"var mylocation = "https://x.test/";"#, ""),
        ("variable target", "location = target;", ""),
        ("template with substitution", "location.href = `https://${host}/`;", ""),
        ("other property", r##"location.hash = "#top";"##, ""),
        ("unterminated", r#"location.href = "https://x.test/"#, ""),
        (
            "first of several",
            r#"var a = 1; location.replace("https://one.test/"); location = "https://two.test/""#,
            "https://one.test/",
        ),
    ];
    for (name, js, want) in cases {
        let html = format!("<script>{js}</script>");
        assert_eq!(feats(&html).redirect, want, "case `{name}`");
    }
    // Scripts with src are not scanned (their text is not inline script).
    assert_eq!(feats(r#"<script src=x.js>location="https://n.test/"</script>"#).redirect, "");
}

// ---- visible text ----

#[test]
fn visible_text() {
    let cases = [
        (
            "script, style, noscript, template, hidden excluded; whitespace collapsed",
            r#"<html><head><title>Title</title><style>.a{color:red}</style></head><body>
               <p>Verify   your
               account</p><script>var secret = "x";</script>
               <div hidden>hidden text</div><span style="display: none">none</span>
               <div style="visibility:hidden"><b>invisible</b></div>
               <noscript>enable js</noscript><template><p>tpl</p></template>
               <p>&nbsp;now&amp;then</p></body></html>"#,
            "Verify your account now&then",
        ),
        ("inline elements do not split words", "<p>ve<b>ri</b><i>fy</i> it</p>", "verify it"),
        (
            "blocks and br separate words",
            "<div>one</div><div>two</div>three<br>four<li>five</li>",
            "one two three four five",
        ),
        ("empty page", "", ""),
    ];
    for (name, html, want) in cases {
        assert_eq!(feats(html).text, want, "case `{name}`");
    }
}

#[test]
fn text_is_capped() {
    let html = format!("<p>{}</p>", "word ".repeat(MAX_TEXT / 2));
    let f = feats(&html);
    assert!(f.text.len() <= MAX_TEXT);
    assert!(f.text.len() > MAX_TEXT - 10);
    assert!(f.text.ends_with("word") || f.text.ends_with("wor") || f.text.ends_with('w'));
}

// ---- inline script ----

#[test]
fn inline_script_concatenation() {
    let html = r#"<script>var a = 1;</script><script src="ext.js">ignored()</script>
        <script type="application/ld+json">{"@type":"Org"}</script><script></script>
        <body><script>eval(atob("YWxlcnQoMSk="))</script></body>"#;
    let f = feats(html);
    assert_eq!(f.inline_script, "var a = 1;\n{\"@type\":\"Org\"}\neval(atob(\"YWxlcnQoMSk=\"))");
    assert_eq!(f.scripts, vec!["ext.js"]);
}

#[test]
fn html_is_kept_and_cut_at_a_char_boundary() {
    let small = "<p>é</p>";
    assert_eq!(feats(small).html, small);
    let big = "é".repeat(MAX_HTML_KEPT); // 2 bytes each: twice the cap
    let f = extract(URL, &big);
    assert_eq!(f.html.len(), MAX_HTML_KEPT);
    assert!(f.html.chars().all(|c| c == 'é'));
    let odd = format!("a{big}");
    let f = extract(URL, &odd);
    assert_eq!(f.html.len(), MAX_HTML_KEPT - 1);
    assert_eq!(f.url, URL);
    assert_eq!(f.first_seen_ms, None);
    assert_eq!(f.now_ms, None);
}

// ---- image hashes ----

/// A 40×40 RGBA "logo": a dark ring on white with a coloured bar.
fn logo_image() -> image::RgbaImage {
    image::RgbaImage::from_fn(40, 40, |x, y| {
        let (dx, dy) = (x as i32 - 20, y as i32 - 18);
        let d = dx * dx + dy * dy;
        if (81..=225).contains(&d) {
            image::Rgba([10, 30, 120, 255])
        } else if y > 34 && x > 4 {
            image::Rgba([250, 180, 0, 255])
        } else {
            image::Rgba([255, 255, 255, 255])
        }
    })
}

fn png_bytes(img: &image::RgbaImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("encode png");
    out.into_inner()
}

/// The hash the core gives for these pixels, computed without the extractor.
fn expected_hash(img: &image::RgbaImage) -> String {
    let gray = phash::gray32_from_rgba(img.as_raw(), img.width(), img.height()).expect("shape");
    phash::to_hex(phash::phash_32x32(&gray))
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn local_logo_and_favicon_are_hashed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let logo = logo_image();
    let other = image::RgbaImage::from_fn(16, 16, |x, _| image::Rgba([(x * 16) as u8, 0, 0, 255]));
    write(&dir.path().join("img/brand-LOGO.png"), &png_bytes(&logo));
    write(&dir.path().join("favicon.png"), &png_bytes(&other));
    write(&dir.path().join("photo.png"), &png_bytes(&other));
    write(&dir.path().join("my logo.png"), &png_bytes(&logo));
    let html = r#"<link rel=icon href="favicon.png?v=2">
        <img src="./img/brand-LOGO.png" alt="Bank">
        <img src="photo.png" alt="a cat">
        <img src="my%20logo.png">
        <img src="missing-logo.png">"#;
    let f = extract_with_assets(URL, html, Some(dir.path()));
    // The favicon, then the logo; the second copy of the logo is the same hash (deduplicated);
    // photo.png is neither a favicon nor a logo; the missing file is skipped.
    assert_eq!(f.image_phashes, vec![expected_hash(&other), expected_hash(&logo)]);
    for h in &f.image_phashes {
        assert_eq!(h.len(), 16);
        assert!(h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
    // Without assets nothing is read.
    assert!(extract(URL, html).image_phashes.is_empty());
    // A logo is recognised by class or id too, and a JPEG-encoded copy hashes close by.
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(logo.clone())
        .to_rgb8()
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .expect("encode jpeg");
    write(&dir.path().join("a.jpg"), &jpeg.into_inner());
    let f = extract_with_assets(URL, r#"<img class="site-Logo" src="a.jpg">"#, Some(dir.path()));
    assert_eq!(f.image_phashes.len(), 1);
    let d = phash::hamming(
        phash::parse_hex(&f.image_phashes[0]).unwrap_or_default(),
        phash::parse_hex(&expected_hash(&logo)).unwrap_or_default(),
    );
    assert!(d <= 4, "JPEG copy of the logo is {d} bits away");
}

#[test]
fn paths_outside_the_base_dir_are_rejected() {
    let root = tempfile::tempdir().expect("tempdir");
    let site = root.path().join("site");
    let logo = png_bytes(&logo_image());
    write(&root.path().join("outside/logo.png"), &logo);
    write(&site.join("inside/logo.png"), &logo);
    let abs = root.path().join("outside/logo.png");
    let escapes = [
        "../outside/logo.png".to_string(),
        "inside/../../outside/logo.png".to_string(),
        "%2e%2e/outside/logo.png".to_string(),
        "..%2foutside/logo.png".to_string(),
        abs.display().to_string(),
        format!("file://{}", abs.display()),
        "..\\outside\\logo.png".to_string(),
        "https://cdn.test/logo.png".to_string(),
        "//cdn.test/logo.png".to_string(),
        "inside/logo.png%".to_string(),
    ];
    for src in &escapes {
        let html = format!(r#"<link rel=icon href="{src}">"#);
        let f = extract_with_assets(URL, &html, Some(&site));
        assert!(f.image_phashes.is_empty(), "`{src}` was read");
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&abs, site.join("link-logo.png")).expect("symlink");
        let f = extract_with_assets(URL, r#"<img src="link-logo.png">"#, Some(&site));
        assert!(f.image_phashes.is_empty(), "symlink out of the base dir was followed");
    }
    // The control: the same file inside the base dir is read.
    let f = extract_with_assets(URL, r#"<img src="inside/logo.png">"#, Some(&site));
    assert_eq!(f.image_phashes.len(), 1);
}

#[test]
fn data_url_favicon_is_hashed() {
    let logo = logo_image();
    let b64 = base64::engine::general_purpose::STANDARD.encode(png_bytes(&logo));
    let cases = [
        ("png favicon", format!(r#"<link rel="shortcut icon" href="data:image/png;base64,{b64}">"#), true),
        (
            "logo img, base64 with line breaks",
            format!("<img alt=Logo src=\"data:image/png;base64,{}\n{}\">", &b64[..20], &b64[20..]),
            true,
        ),
        (
            "an img is a logo by its name, not by its data: URL text",
            format!(r#"<img src="data:image/png;name=logo.png;base64,{b64}">"#),
            false,
        ),
        ("not base64", r#"<link rel=icon href="data:image/png,notbase64">"#.to_string(), false),
        ("svg is not decoded", r#"<link rel=icon href="data:image/svg+xml;base64,PHN2Zy8+">"#.to_string(), false),
        ("garbage bytes", r#"<link rel=icon href="data:image/png;base64,AAAAAAAA">"#.to_string(), false),
    ];
    for (name, html, hashed) in cases {
        let f = feats(&html);
        let want = if hashed { vec![expected_hash(&logo)] } else { vec![] };
        assert_eq!(f.image_phashes, want, "case `{name}`");
    }
}

// ---- hostile input ----

fn timed<T>(what: &str, limit: Duration, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    let took = t.elapsed();
    assert!(took < limit, "{what} took {took:?}");
    out
}

#[test]
fn deeply_nested_divs() {
    let n = 100_000;
    let html = format!("{}deep text{}", "<div>".repeat(n), "</div>".repeat(n));
    let f = timed("100,000 nested divs", Duration::from_secs(60), || feats(&html));
    assert_eq!(f.text, "deep text");
    // Unclosed nesting of other kinds, and nested forms (the parser drops inner form tags).
    let html = format!("{}<input type=password>", "<form><span><b><table><tr><td>".repeat(20_000));
    let f = timed("nested forms/tables", Duration::from_secs(60), || feats(&html));
    assert!(f.forms.iter().any(|fm| fm.inputs.iter().any(|i| i.kind == "password")));
}

#[test]
fn other_hostile_nesting_is_fast() {
    let n = 100_000;
    // (name, repeated opening, whether the trailing password input is an HTML input: inside
    // SVG it is an SVG-namespace element, as in a browser, and not a form field).
    for (name, open, html_input) in [
        ("formatting elements", "<b>", true),
        ("anchors", "<a href=x>", true),
        ("tables", "<table>", true),
        ("unclosed paragraphs", "<p>x", true),
        ("select options", "<select><option>", true),
        ("svg", "<svg><g>", false),
    ] {
        let html = format!("{}<input type=password name=pw>", open.repeat(n));
        let f = timed(name, Duration::from_secs(60), || feats(&html));
        let pw = f.forms.iter().flat_map(|fm| &fm.inputs).any(|i| i.name == "pw");
        assert_eq!(pw, html_input, "case `{name}`");
    }
}

#[test]
fn nesting_limit() {
    struct Case {
        name: &'static str,
        html: String,
        max: usize,
        want: Option<&'static str>,
    }
    let cases = [
        Case { name: "shallow document unchanged", html: "<div><p>a<div>b</div></div>".into(), max: 2, want: None },
        Case {
            name: "deeper start tags and their end tags dropped, text kept",
            html: "<div><div><div>x</div></div></div>y".into(),
            max: 2,
            want: Some("<div><div>x</div></div>y"),
        },
        Case {
            name: "void, implicitly closed and self-closed elements are not counted",
            html: "<div><br><img src=a><p>1<p>2<li>3<path/></div>".into(),
            max: 1,
            want: None,
        },
        Case {
            name: "comments, raw text and quoted > are skipped",
            html: "<div><!-- <div><div> --><script>'<div><div>'</script><a title='>'>t</a></div>".into(),
            max: 2,
            want: None,
        },
        Case {
            name: "unterminated tag stops the scan",
            html: "<div><div><div x='".into(),
            max: 1,
            want: Some("<div><div x='"),
        },
    ];
    for c in cases {
        let got = limit_nesting(&c.html, c.max);
        match c.want {
            None => assert!(matches!(got, std::borrow::Cow::Borrowed(_)), "case `{}`: changed to {got:?}", c.name),
            Some(w) => assert_eq!(got, w, "case `{}`", c.name),
        }
    }
    // Within the limit the parser sees every tag: a form at depth MAX_DEPTH - 1 keeps its action.
    let html = format!("{}<form action=https://evil.test/><input type=password></form>", "<div>".repeat(MAX_DEPTH - 1));
    assert_eq!(feats(&html).forms[0].action, "https://evil.test/");
}

#[test]
fn megabytes_of_angle_brackets() {
    let html = "<".repeat(5 * 1024 * 1024);
    let f = timed("5 MB of <", Duration::from_secs(60), || feats(&html));
    assert!(f.forms.is_empty());
    assert_eq!(f.html.len(), MAX_HTML_KEPT);
}

#[test]
fn invalid_utf8_is_decoded_lossily_by_the_caller() {
    let mut bytes = b"<title>Log\xff\xfein</title><p>ok \xc3(</p><a href=\"/\x80x\">".to_vec();
    bytes.extend_from_slice(&[0xf0, 0x9f]);
    let html = String::from_utf8_lossy(&bytes);
    let f = feats(&html);
    assert_eq!(f.title, "Log\u{fffd}\u{fffd}in");
    assert_eq!(f.links, vec!["/\u{fffd}x"]);
}

#[test]
fn odd_documents_do_not_panic() {
    let long_attr = format!("<a href=\"{}\">", "x".repeat(3 * 1024 * 1024));
    let unterminated_script = format!("<script>location = '{}", "y".repeat(100_000));
    let many_attrs = format!("<input {}>", "type=password ".repeat(10_000));
    let css = format!("<style>{}</style>", "@font-face{src:url(".repeat(50_000));
    let nul = "<title>\0</title><form action=\"\0\"><input name=\"\0\" type=password></form>";
    for html in [
        long_attr.as_str(),
        unterminated_script.as_str(),
        many_attrs.as_str(),
        css.as_str(),
        nul,
        "<svg><title>svg title</title><a href=/svg>x</a></svg>",
        "<math><mi><form><input type=password></form></mi></math>",
        "<frameset><frame src=x></frameset>",
        "\u{feff}<!-- <form> --><![CDATA[ x ]]>",
    ] {
        let f = timed("odd document", Duration::from_secs(30), || feats(html));
        let json = serde_json::to_vec(&f).expect("serialize");
        assert_eq!(PageFeatures::from_json(&json).as_ref(), Ok(&f));
    }
    assert!(feats(&many_attrs).forms.len() == 1);
}

#[test]
fn module_doc_example() {
    let f = extract(
        "https://example.com/",
        "<title> Sign  in </title><form action=//evil.test><input type=password name=pw></form>",
    );
    assert_eq!(f.title, "Sign in");
    assert_eq!(f.forms[0].action, "//evil.test");
    assert_eq!(f.forms[0].inputs[0].kind, "password");
}
