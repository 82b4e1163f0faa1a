//! HTML → [`PageFeatures`]: what the native CLI sees in a page, computed the way the browser's
//! content script will (this module doc is the contract both follow, and the corpus is written
//! against it).
//!
//! The document is parsed with a real HTML5 parser (html5ever, through `scraper`), scripting
//! disabled, and walked once, iteratively (an explicit stack, no recursion: 100,000 nested
//! elements are fine). [`extract`] takes `&str`: callers decode bytes first, replacing invalid
//! UTF-8 (`String::from_utf8_lossy`), and cap what they read; at most [`MAX_HTML_INPUT`] bytes
//! of the string are parsed (cut at a char boundary). Start tags nested deeper than
//! [`MAX_DEPTH`] open elements are dropped before parsing, text kept (see [`limit_nesting`]; Blink
//! stops nesting at the same depth), so hostile nesting costs linear time.
//!
//! # Fields
//! - `url`: as given. `html`: the source as given, cut to [`MAX_HTML_KEPT`] bytes at a char
//!   boundary. `first_seen_ms` / `now_ms`: left `None` (the caller sets them).
//! - `title`: text of the first HTML `<title>`, whitespace collapsed. `og_site_name`: `content` of
//!   the first `<meta property="og:site_name">` (or `name="og:site_name"`), trimmed.
//! - `forms`: one per `<form>`, in document order: `action` = the attribute as written, trimmed
//!   (empty when absent); `inputs` = its `<input>`, `<select>`, `<textarea>` in document order.
//!   An element with a `form="ID"` attribute belongs to the `<form id="ID">` instead (and to no
//!   form when there is none). Each input: `type` = the `type` attribute lowercased (default
//!   `text`; `select` / `textarea` for those); `name` = `name` lowercased, or `id` lowercased when
//!   there is no name; `hidden` = type `hidden`, or a `hidden` attribute, or an inline `style`
//!   containing `display:none` / `visibility:hidden` (case- and whitespace-insensitive), or the
//!   same on any ancestor. When any `<input type=password>` belongs to no form, one extra form
//!   with an empty action is appended holding every input that belongs to no form (pages that
//!   post with script still collect passwords). At most [`MAX_LIST`] forms, [`MAX_LIST`] inputs
//!   per form and 4 × [`MAX_LIST`] inputs per page are kept.
//! - `links`: `<a href>`. `images`: `<img src>`, the first URL of `<img srcset>`,
//!   `<link rel=icon|apple-touch-icon href>` (`rel` is a space-separated token list), `<meta
//!   property="og:image" content>`. `scripts`: `<script src>`. `styles`: `<link rel=stylesheet
//!   href>`, then the `url(…)`/string targets of `@import` and the `url(…)` values inside
//!   `@font-face { … }` blocks of inline `<style>` elements. All values as written, trimmed of
//!   ASCII whitespace, empty ones skipped; each list keeps at most [`MAX_LIST`] entries, and an
//!   entry longer than [`MAX_ENTRY`] bytes is skipped, except `data:` URLs, which are kept cut to
//!   [`MAX_ENTRY`] bytes (so embedded resources are still counted).
//! - `redirect`: the URL of the first `<meta http-equiv="refresh" content="N; url=…">` with
//!   `N ≤ 5` seconds (an immediate refresh). Otherwise the first script redirect in
//!   `inline_script`, found by one linear scan for `location`, not preceded by an identifier
//!   character, followed by `= "…"`, `.href = "…"`, `.replace("…")` or `.assign("…")` with a
//!   string literal (`'…'`, `"…"`, or `` `…` `` without `${`); so `window.location`,
//!   `document.location.href`, `top.location` are all covered. Comparisons (`==`) are not
//!   assignments. Empty when none.
//! - `text`: the visible text: text nodes that are not inside `<script>`, `<style>`,
//!   `<noscript>`, `<template>`, `<head>` or `<title>`, nor inside a hidden element (`hidden`
//!   attribute or the inline styles above). Runs of Unicode whitespace become one space, and the
//!   start and end of block elements ([`BLOCK_ELEMENTS`], and `<br>`) separate words, inline ones
//!   (`<b>`, `<span>`, …) do not. Cut at [`MAX_TEXT`] bytes.
//! - `inline_script`: the text of each `<script>` without `src` (any type), joined with `\n`,
//!   cut at [`MAX_INLINE_SCRIPT`] bytes.
//! - `image_phashes`: pHashes ([`ferretwatch_core::phash`], 16 lowercase hex digits, no
//!   duplicates, at most [`MAX_PHASHES`]) of the favicons (`<link rel=icon|apple-touch-icon>`)
//!   and logos (`<img>` whose `src` (unless a `data:` URL), `alt`, `class` or `id` contains
//!   `logo`, any case), in
//!   document order. An image is hashed when its URL is a `data:image/{png,jpeg,gif,x-icon,
//!   vnd.microsoft.icon};base64,` URL (always), or, with [`extract_with_assets`] and a base
//!   directory, a relative path (query and fragment dropped, `%XX` decoded) to a regular file
//!   inside that directory. Absolute paths, URLs with a scheme, `\`, and `..` segments are
//!   rejected, and the resolved path must stay inside the directory after symlinks are followed.
//!   The network is never used. Accepted formats: PNG, JPEG, GIF, ICO (by content), at most
//!   [`MAX_IMAGE_BYTES`] bytes and 8192×8192 pixels. The decoded image (first frame; the largest
//!   ICO entry) goes through [`phash::gray32_from_rgba`] (composited over white, BT.601 luma,
//!   exact area-average resize to 32×32) and [`phash::phash_32x32`].
//!
//! # Example
//! ```text
//! let f = extract("https://example.com/", "<title> Sign  in </title><form action=//evil.test><input type=password name=pw></form>");
//! assert_eq!(f.title, "Sign in");
//! assert_eq!(f.forms[0].inputs[0].kind, "password");
//! ```

// Shared with cli/tests/extract.rs (included there by path); the binary uses only part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Component, Path, PathBuf};

use base64::Engine as _;
use ferretwatch_core::PageFeatures;
use ferretwatch_core::features::{Form, Input};
use ferretwatch_core::phash;
use scraper::node::Element;
use scraper::{ElementRef, Html, Node};

/// Most bytes of the input string that are parsed.
pub const MAX_HTML_INPUT: usize = 8 * 1024 * 1024;
/// Most bytes of the source kept in `html`.
pub const MAX_HTML_KEPT: usize = 2 * 1024 * 1024;
/// Most bytes of visible text kept in `text`.
pub const MAX_TEXT: usize = 1024 * 1024;
/// Most bytes of inline script kept in `inline_script`.
pub const MAX_INLINE_SCRIPT: usize = 1024 * 1024;
/// Longest entry (URL, name, title...) kept, in bytes.
pub const MAX_ENTRY: usize = 8 * 1024;
/// Most entries in one list (forms, inputs of one form, links, images, scripts, styles).
pub const MAX_LIST: usize = 4096;
/// Most image hashes computed for one page.
pub const MAX_PHASHES: usize = 16;
/// Most favicon/logo candidates looked at for one page.
const MAX_PHASH_CANDIDATES: usize = 64;
/// Largest image file (or decoded `data:` payload) that is hashed, in bytes.
pub const MAX_IMAGE_BYTES: u64 = 4 * 1024 * 1024;
/// Longest `data:` URL that is decoded for hashing.
const MAX_DATA_URL: usize = 6 * 1024 * 1024;
/// Largest decoded image dimension.
const MAX_IMAGE_SIDE: u32 = 8192;
/// Deepest element nesting handed to the parser (Blink's HTML parser stops nesting at 512 too).
pub const MAX_DEPTH: usize = 512;
/// Longest input `type` kept (the engine's limit).
const MAX_TYPE: usize = 64;

/// Elements whose start and end separate words in `text`.
pub const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "button",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "label",
    "legend",
    "li",
    "main",
    "nav",
    "ol",
    "option",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// Elements whose text is never visible.
const INVISIBLE_ELEMENTS: &[&str] = &["script", "style", "noscript", "template", "head", "title"];

const HTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// Extracts features from an HTML document served at `url` (no local assets; `data:` favicons
/// and logos are still hashed). See the module doc for the exact rules.
pub fn extract(url: &str, html: &str) -> PageFeatures {
    extract_with_assets(url, html, None)
}

/// Like [`extract`], and also hashes favicon/logo images that are local files under `base_dir`
/// (normally the directory of the HTML file). Never reads outside `base_dir`, never fetches.
pub fn extract_with_assets(url: &str, html: &str, base_dir: Option<&Path>) -> PageFeatures {
    let input = limit_nesting(cut(html, MAX_HTML_INPUT), MAX_DEPTH);
    let doc = Html::parse_document(&input);
    let mut w = Walker::default();
    w.walk(&doc);

    let mut f = PageFeatures::from_url(url);
    f.html = cut(html, MAX_HTML_KEPT).to_string();
    f.title = w.title.unwrap_or_default();
    f.og_site_name = w.og_site_name.unwrap_or_default();
    f.forms = assign_inputs(w.forms, w.form_ids, w.inputs);
    f.links = w.links;
    f.images = w.images;
    f.scripts = w.scripts;
    f.styles = w.styles;
    f.redirect = match w.meta_redirect {
        Some(r) => r,
        None => script_redirect(&w.inline_script).unwrap_or_default(),
    };
    f.text = w.text.s;
    f.inline_script = w.inline_script;
    f.image_phashes = hash_candidates(&w.phash_candidates, base_dir);
    f
}

/// `s` cut to at most `max` bytes at a char boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Elements that never have content (their start tag does not open anything).
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track",
    "wbr",
];
/// Elements the parser closes implicitly (a new `<p>` closes the previous one...): not counted.
const AUTO_CLOSED: &[&str] = &[
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot", "colgroup", "caption",
    "rb", "rt", "rtc", "rp",
];
/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"];

/// Drops start tags that would nest deeper than `max_depth` open elements, and as many of the
/// end tags that follow, keeping all text. html5ever is correct on any input but some of its
/// tree-construction steps scan the stack of open elements, so 100,000 nested `<div>`s would
/// take quadratic time; real pages nest a few dozen levels. This is a linear, approximate
/// tokenizer (comments, raw-text elements and quoted attribute values are skipped properly;
/// void and implicitly closed elements are not counted) and returns the input unchanged when
/// nothing is that deep.
pub fn limit_nesting(html: &str, max_depth: usize) -> std::borrow::Cow<'_, str> {
    let b = html.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut depth = 0usize;
    let mut excess = 0usize;
    let mut i = 0;
    while let Some(p) = html[i..].find('<') {
        let lt = i + p;
        let rest = &b[lt..];
        if rest.starts_with(b"<!--") {
            match html[lt + 4..].find("-->") {
                Some(e) => {
                    i = lt + 4 + e + 3;
                    continue;
                }
                None => break,
            }
        }
        let closing = rest.get(1) == Some(&b'/');
        let name_start = lt + 1 + usize::from(closing);
        if matches!(rest.get(1), Some(b'!' | b'?')) {
            match html[lt..].find('>') {
                Some(e) => {
                    i = lt + e + 1;
                    continue;
                }
                None => break,
            }
        }
        if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            i = lt + 1;
            continue;
        }
        let mut name_end = name_start;
        while name_end < b.len() && !b[name_end].is_ascii_whitespace() && !matches!(b[name_end], b'>' | b'/') {
            name_end += 1;
        }
        let Some(tag_end) = tag_end(b, name_end) else {
            break;
        };
        let name = html[name_start..name_end].to_ascii_lowercase();
        let self_closing = tag_end >= 2 && b[tag_end - 2] == b'/';
        let uncounted =
            VOID_ELEMENTS.contains(&name.as_str()) || AUTO_CLOSED.contains(&name.as_str()) || name.contains(':');
        if !closing && RAW_TEXT.contains(&name.as_str()) {
            // Skip the content and the end tag; the element itself is not counted.
            match find_end_tag(html, tag_end, &name) {
                Some(after) => i = after,
                None => break,
            }
            continue;
        }
        if !closing && name == "plaintext" {
            break;
        }
        let mut drop = false;
        if !uncounted && !self_closing {
            if closing {
                if excess > 0 {
                    excess -= 1;
                    drop = true;
                } else {
                    depth = depth.saturating_sub(1);
                }
            } else if depth >= max_depth {
                excess += 1;
                drop = true;
            } else {
                depth += 1;
            }
        }
        if drop {
            out.push_str(&html[copied..lt]);
            copied = tag_end;
        }
        i = tag_end;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(html);
    }
    out.push_str(&html[copied..]);
    std::borrow::Cow::Owned(out)
}

/// The byte after the `>` that ends a tag whose name ends at `i` (quoted attribute values may
/// contain `>`), or `None` when the tag never ends.
fn tag_end(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'>' => return Some(i + 1),
            b'=' => {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if let Some(&q @ (b'"' | b'\'')) = b.get(i) {
                    let close = b[i + 1..].iter().position(|&c| c == q)?;
                    i += 1 + close + 1;
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The byte after the end tag `</name …>` at or after `from` (any case), or `None`.
fn find_end_tag(html: &str, from: usize, name: &str) -> Option<usize> {
    let b = html.as_bytes();
    let mut i = from;
    while let Some(p) = html[i..].find("</") {
        let at = i + p + 2;
        let end = at + name.len();
        if b.len() >= end
            && b[at..end].eq_ignore_ascii_case(name.as_bytes())
            && b.get(end).is_none_or(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/'))
        {
            return Some(html[end..].find('>').map_or(b.len(), |e| end + e + 1));
        }
        i = at;
    }
    None
}

/// Whitespace-collapsing text accumulator with a byte cap.
#[derive(Default)]
struct TextBuf {
    s: String,
    pending_space: bool,
    full: bool,
}

impl TextBuf {
    fn with_cap_push(&mut self, t: &str, cap: usize) {
        for ch in t.chars() {
            if self.full {
                return;
            }
            if ch.is_whitespace() {
                self.pending_space = true;
                continue;
            }
            let space = self.pending_space && !self.s.is_empty();
            let need = ch.len_utf8() + usize::from(space);
            if self.s.len() + need > cap {
                self.full = true;
                return;
            }
            if space {
                self.s.push(' ');
            }
            self.pending_space = false;
            self.s.push(ch);
        }
    }

    fn boundary(&mut self) {
        self.pending_space = true;
    }
}

/// Whitespace collapsed and trimmed, cut at `cap` bytes.
fn collapse(t: &str, cap: usize) -> String {
    let mut b = TextBuf::default();
    b.with_cap_push(t, cap);
    b.s
}

/// Which form an input belongs to, as seen during the walk.
#[derive(Clone, Debug)]
enum Owner {
    /// No form.
    None,
    /// The form at this index.
    Form(usize),
    /// A form that was dropped (over [`MAX_LIST`] forms): the input is dropped too.
    Dropped,
    /// `form="ID"`: resolved after the walk.
    ById(String),
}

/// Inherited state of a node during the walk.
#[derive(Clone, Copy)]
struct Ctx {
    hidden: bool,
    invisible: bool,
    form: Option<usize>,
    form_dropped: bool,
}

/// A step of the iterative walk: visit a node, or leave an element.
enum Step<N> {
    Open(N, Ctx),
    Close { block: bool },
}

#[derive(Default)]
struct Walker {
    title: Option<String>,
    og_site_name: Option<String>,
    forms: Vec<Form>,
    form_ids: HashMap<String, usize>,
    inputs: Vec<(Owner, Input)>,
    links: Vec<String>,
    images: Vec<String>,
    scripts: Vec<String>,
    styles: Vec<String>,
    meta_redirect: Option<String>,
    text: TextBuf,
    inline_script: String,
    inline_script_full: bool,
    phash_candidates: Vec<String>,
}

impl Walker {
    fn walk(&mut self, doc: &Html) {
        let root = Ctx { hidden: false, invisible: false, form: None, form_dropped: false };
        let mut stack = vec![Step::Open(doc.tree.root(), root)];
        while let Some(step) = stack.pop() {
            let (node, ctx) = match step {
                Step::Close { block } => {
                    if block {
                        self.text.boundary();
                    }
                    continue;
                }
                Step::Open(node, ctx) => (node, ctx),
            };
            let child_ctx = match node.value() {
                Node::Text(t) => {
                    if !ctx.hidden && !ctx.invisible {
                        self.text.with_cap_push(t, MAX_TEXT);
                    }
                    continue;
                }
                Node::Document => ctx,
                Node::Element(el) => {
                    let name = el.name();
                    let html = &*el.name.ns == HTML_NS;
                    if html && name == "template" {
                        continue; // inert content
                    }
                    let mut c = ctx;
                    c.hidden |= element_hides(el);
                    c.invisible |= html && INVISIBLE_ELEMENTS.contains(&name);
                    if html {
                        let text = || ElementRef::wrap(node).map(|e| e.text().collect::<String>()).unwrap_or_default();
                        self.element(text, el, &ctx, &mut c);
                    }
                    let block = html && BLOCK_ELEMENTS.contains(&name);
                    if block {
                        self.text.boundary();
                    }
                    stack.push(Step::Close { block });
                    c
                }
                _ => continue,
            };
            let mut child = node.last_child();
            while let Some(n) = child {
                stack.push(Step::Open(n, child_ctx));
                child = n.prev_sibling();
            }
        }
    }

    /// Handles one HTML element. `text` lazily gives its text content; `ctx` is the
    /// element's own context and `child` the one its children get (updated here for forms).
    fn element(&mut self, text: impl FnOnce() -> String, el: &Element, ctx: &Ctx, child: &mut Ctx) {
        match el.name() {
            "title" if self.title.is_none() => {
                self.title = Some(collapse(&text(), MAX_ENTRY));
            }
            "meta" => self.meta(el),
            "form" => {
                if self.forms.len() < MAX_LIST {
                    let idx = self.forms.len();
                    self.forms
                        .push(Form { action: cut(attr_trim(el, "action"), MAX_ENTRY).to_string(), inputs: Vec::new() });
                    if let Some(id) = el.attr("id") {
                        self.form_ids.entry(id.to_string()).or_insert(idx);
                    }
                    child.form = Some(idx);
                    child.form_dropped = false;
                } else {
                    child.form = None;
                    child.form_dropped = true;
                }
            }
            "input" | "select" | "textarea" => self.input(el, ctx),
            "a" => push_entry(&mut self.links, attr_trim(el, "href")),
            "img" => {
                let src = attr_trim(el, "src");
                push_entry(&mut self.images, src);
                if let Some(first) = el.attr("srcset").and_then(first_srcset_url) {
                    push_entry(&mut self.images, first);
                }
                // A data: URL's payload is not a name: "logo" in base64 would be chance.
                let is_logo = ["src", "alt", "class", "id"].iter().any(|a| {
                    el.attr(a)
                        .is_some_and(|v| !(*a == "src" && is_data_url(v)) && v.to_ascii_lowercase().contains("logo"))
                });
                if is_logo && !src.is_empty() {
                    self.candidate(src);
                }
            }
            "link" => {
                let rel = el.attr("rel").unwrap_or("").to_ascii_lowercase();
                let href = attr_trim(el, "href");
                let mut tokens = rel.split_ascii_whitespace();
                if tokens.clone().any(|t| t == "icon" || t == "apple-touch-icon") {
                    push_entry(&mut self.images, href);
                    if !href.is_empty() {
                        self.candidate(href);
                    }
                }
                if tokens.any(|t| t == "stylesheet") {
                    push_entry(&mut self.styles, href);
                }
            }
            "script" => match el.attr("src") {
                Some(src) => push_entry(&mut self.scripts, src.trim_matches(is_ascii_ws)),
                None => self.inline_script(&text()),
            },
            "style" => {
                for u in css_resource_urls(&text()) {
                    push_entry(&mut self.styles, &u);
                }
            }
            _ => {}
        }
    }

    fn meta(&mut self, el: &Element) {
        let content = attr_trim(el, "content");
        let key = el.attr("property").or_else(|| el.attr("name")).unwrap_or("").trim().to_ascii_lowercase();
        match key.as_str() {
            "og:site_name" if self.og_site_name.is_none() => {
                self.og_site_name = Some(cut(content, MAX_ENTRY).to_string());
            }
            "og:image" => push_entry(&mut self.images, content),
            _ => {}
        }
        let refresh = el.attr("http-equiv").is_some_and(|h| h.trim().eq_ignore_ascii_case("refresh"));
        if refresh && self.meta_redirect.is_none() {
            self.meta_redirect =
                parse_refresh(content).filter(|(delay, _)| *delay <= 5).and_then(|(_, target)| bounded_entry(&target));
        }
    }

    fn input(&mut self, el: &Element, ctx: &Ctx) {
        let name = el.name();
        let kind = match name {
            "input" => {
                let t = el.attr("type").unwrap_or("").trim().to_ascii_lowercase();
                if t.is_empty() { "text".to_string() } else { t }
            }
            other => other.to_string(),
        };
        let field = el
            .attr("name")
            .filter(|n| !n.trim().is_empty())
            .or_else(|| el.attr("id"))
            .unwrap_or("")
            .trim()
            .to_lowercase();
        let hidden = ctx.hidden || element_hides(el) || kind == "hidden";
        let owner = match el.attr("form") {
            Some(id) => Owner::ById(id.to_string()),
            None => match (ctx.form, ctx.form_dropped) {
                (Some(i), _) => Owner::Form(i),
                (None, true) => Owner::Dropped,
                (None, false) => Owner::None,
            },
        };
        // Bound the pending list: more inputs than all forms could hold are dropped.
        if self.inputs.len() < MAX_LIST * 4 {
            self.inputs.push((
                owner,
                Input { kind: cut(&kind, MAX_TYPE).to_string(), name: cut(&field, MAX_ENTRY).to_string(), hidden },
            ));
        }
    }

    fn inline_script(&mut self, code: &str) {
        if self.inline_script_full || code.is_empty() {
            return;
        }
        let sep = usize::from(!self.inline_script.is_empty());
        let room = MAX_INLINE_SCRIPT.saturating_sub(self.inline_script.len() + sep);
        if room == 0 {
            self.inline_script_full = true;
            return;
        }
        if sep == 1 {
            self.inline_script.push('\n');
        }
        let part = cut(code, room);
        self.inline_script.push_str(part);
        if part.len() < code.len() {
            self.inline_script_full = true;
        }
    }

    fn candidate(&mut self, src: &str) {
        if self.phash_candidates.len() < MAX_PHASH_CANDIDATES && src.len() <= MAX_DATA_URL {
            self.phash_candidates.push(src.to_string());
        }
    }
}

/// Adds `v` to `list` when it is non-empty, the list has room and the entry fits (see the
/// module doc for `data:` URLs).
fn push_entry(list: &mut Vec<String>, v: &str) {
    if list.len() >= MAX_LIST {
        return;
    }
    if let Some(e) = bounded_entry(v) {
        list.push(e);
    }
}

/// A trimmed entry within [`MAX_ENTRY`] bytes: `None` when empty or too long (except `data:`
/// URLs, which are cut).
fn bounded_entry(v: &str) -> Option<String> {
    let v = v.trim_matches(is_ascii_ws);
    if v.is_empty() {
        return None;
    }
    if v.len() <= MAX_ENTRY {
        return Some(v.to_string());
    }
    is_data_url(v).then(|| cut(v, MAX_ENTRY).to_string())
}

fn is_data_url(v: &str) -> bool {
    v.trim_start_matches(is_ascii_ws).get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data:"))
}

fn is_ascii_ws(c: char) -> bool {
    c.is_ascii_whitespace()
}

fn attr_trim<'a>(el: &'a Element, name: &str) -> &'a str {
    el.attr(name).unwrap_or("").trim_matches(is_ascii_ws)
}

/// Whether the element itself hides its subtree: `hidden` attribute or an inline style with
/// `display:none` / `visibility:hidden`.
fn element_hides(el: &Element) -> bool {
    if el.attr("hidden").is_some() {
        return true;
    }
    el.attr("style").is_some_and(style_hides)
}

fn style_hides(style: &str) -> bool {
    let squeezed: String = style.chars().filter(|c| !c.is_ascii_whitespace()).map(|c| c.to_ascii_lowercase()).collect();
    squeezed.contains("display:none") || squeezed.contains("visibility:hidden")
}

/// The first URL of a `srcset` attribute.
fn first_srcset_url(srcset: &str) -> Option<&str> {
    let s = srcset.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
    let end = s.find(|c: char| c.is_ascii_whitespace()).unwrap_or(s.len());
    let url = s[..end].trim_end_matches(',');
    (!url.is_empty()).then_some(url)
}

/// Distributes the inputs to their forms, and adds the synthetic form for inputs outside any
/// form when one of them is a password.
fn assign_inputs(mut forms: Vec<Form>, ids: HashMap<String, usize>, inputs: Vec<(Owner, Input)>) -> Vec<Form> {
    let mut loose = Vec::new();
    for (owner, input) in inputs {
        let target = match owner {
            Owner::Form(i) => Some(i),
            Owner::ById(id) => ids.get(&id).copied(),
            Owner::None => None,
            Owner::Dropped => continue,
        };
        match target.and_then(|i| forms.get_mut(i)) {
            Some(form) => {
                if form.inputs.len() < MAX_LIST {
                    form.inputs.push(input);
                }
            }
            None => {
                if loose.len() < MAX_LIST {
                    loose.push(input);
                }
            }
        }
    }
    if loose.iter().any(|i| i.kind == "password") && forms.len() < MAX_LIST {
        forms.push(Form { action: String::new(), inputs: loose });
    }
    forms
}

/// Parses a meta refresh `content`: `(delay in seconds, target URL)`, `None` when it has no URL
/// or is malformed. Follows the shape of the HTML "shared declarative refresh steps".
fn parse_refresh(content: &str) -> Option<(u64, String)> {
    let s = content.trim_start_matches(is_ascii_ws);
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let rest_after_num = s[digits_end..].trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    if digits_end == 0 && !s.starts_with('.') {
        return None;
    }
    let delay = s[..digits_end].bytes().fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0')));
    let mut r = rest_after_num.trim_start_matches(is_ascii_ws);
    if let Some(x) = r.strip_prefix([';', ',']) {
        r = x.trim_start_matches(is_ascii_ws);
    }
    if r.len() >= 3 && r[..3].eq_ignore_ascii_case("url") {
        let after = r[3..].trim_start_matches(is_ascii_ws);
        if let Some(x) = after.strip_prefix('=') {
            r = x.trim_start_matches(is_ascii_ws);
        }
    }
    let url = match r.chars().next() {
        Some(q @ ('"' | '\'')) => {
            let body = &r[1..];
            &body[..body.find(q).unwrap_or(body.len())]
        }
        _ => r,
    };
    let url = url.trim_matches(is_ascii_ws);
    (!url.is_empty()).then(|| (delay, url.to_string()))
}

/// The first script redirect (`location = "…"` and friends, see the module doc) in `code`.
pub fn script_redirect(code: &str) -> Option<String> {
    let b = code.as_bytes();
    let mut from = 0;
    while let Some(pos) = code[from..].find("location") {
        let start = from + pos;
        from = start + "location".len();
        if start > 0 && is_ident_byte(b[start - 1]) {
            continue;
        }
        if let Some(t) = redirect_after(code, from) {
            return Some(t);
        }
    }
    None
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// After `location` at byte `i`: the literal target of an assignment or replace/assign call.
fn redirect_after(code: &str, i: usize) -> Option<String> {
    let b = code.as_bytes();
    let mut i = skip_ws(b, i);
    match b.get(i)? {
        b'=' => assignment(code, i),
        b'.' => {
            i = skip_ws(b, i + 1);
            let id_start = i;
            while i < b.len() && is_ident_byte(b[i]) {
                i += 1;
            }
            let ident = &code[id_start..i];
            i = skip_ws(b, i);
            match ident {
                "href" if b.get(i) == Some(&b'=') => assignment(code, i),
                "replace" | "assign" if b.get(i) == Some(&b'(') => string_literal(code, skip_ws(b, i + 1)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `=` at byte `i` (not `==`/`=>`): the string literal assigned.
fn assignment(code: &str, i: usize) -> Option<String> {
    let b = code.as_bytes();
    if matches!(b.get(i + 1), Some(b'=' | b'>')) {
        return None;
    }
    string_literal(code, skip_ws(b, i + 1))
}

/// A JavaScript string literal starting at byte `i`: its value with simple escapes removed.
/// `None` for anything else, an unterminated literal, one longer than [`MAX_ENTRY`] or a
/// template literal with a substitution.
fn string_literal(code: &str, i: usize) -> Option<String> {
    let b = code.as_bytes();
    let q = *b.get(i)?;
    if !matches!(q, b'"' | b'\'' | b'`') {
        return None;
    }
    let mut out = String::new();
    let mut chars = code.get(i + 1..)?.char_indices();
    while let Some((_, c)) = chars.next() {
        if out.len() > MAX_ENTRY {
            return None;
        }
        match c {
            c if c as u32 == u32::from(q) => {
                let t = out.trim_matches(is_ascii_ws).to_string();
                return (!t.is_empty()).then_some(t);
            }
            '\\' => match chars.next() {
                Some((_, e)) => out.push(e),
                None => return None,
            },
            '\n' | '\r' if q != b'`' => return None,
            '$' if q == b'`' && chars.clone().next().map(|(_, n)| n) == Some('{') => return None,
            c => out.push(c),
        }
    }
    None
}

/// URLs of `@import` targets and of `url(…)` values inside `@font-face` blocks, in order.
fn css_resource_urls(css: &str) -> Vec<String> {
    let lower = css.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = lower[i..].find('@') {
        let start = i + at;
        let rest = &lower[start + 1..];
        if rest.starts_with("import") {
            let p = start + 1 + "import".len();
            let q = p + css[p..].len() - css[p..].trim_start().len();
            if let Some((u, _)) = css_url_or_string(css, q) {
                out.push(u);
            }
            i = p;
        } else if rest.starts_with("font-face") {
            let p = start + 1 + "font-face".len();
            let end = lower[p..].find('}').map_or(css.len(), |e| p + e);
            let mut j = p;
            while let Some(u) = lower[j..end].find("url(") {
                let k = j + u;
                match css_url_or_string(css, k) {
                    Some((url, next)) => {
                        out.push(url);
                        j = next.min(end).max(k + 4);
                    }
                    None => j = k + 4,
                }
            }
            i = end.max(p);
        } else {
            i = start + 1;
        }
        if out.len() >= MAX_LIST {
            break;
        }
    }
    out
}

/// At byte `i`: `url(…)` (quoted or not) or a quoted string. Returns the value and the byte
/// after it.
fn css_url_or_string(css: &str, i: usize) -> Option<(String, usize)> {
    let rest = css.get(i..)?;
    if rest.len() >= 4 && rest[..4].eq_ignore_ascii_case("url(") {
        let inner_start = i + 4;
        let inner = &css[inner_start..];
        let trimmed = inner.trim_start();
        let lead = inner.len() - trimmed.len();
        if let Some(q @ ('"' | '\'')) = trimmed.chars().next() {
            let body = &trimmed[1..];
            let close = body.find(q)?;
            let after = inner_start + lead + 1 + close + 1;
            return Some((body[..close].trim().to_string(), after));
        }
        let close = inner.find(')')?;
        let v = inner[..close].trim();
        return (!v.is_empty()).then(|| (v.to_string(), inner_start + close + 1));
    }
    let q = rest.chars().next()?;
    if q == '"' || q == '\'' {
        let body = &rest[1..];
        let close = body.find(q)?;
        let v = body[..close].trim();
        return (!v.is_empty()).then(|| (v.to_string(), i + 1 + close + 1));
    }
    None
}

// ---- image hashes ----

/// Hashes the favicon/logo candidates (see the module doc).
fn hash_candidates(candidates: &[String], base_dir: Option<&Path>) -> Vec<String> {
    let base = base_dir.and_then(|d| d.canonicalize().ok());
    let mut out: Vec<String> = Vec::new();
    for src in candidates {
        if out.len() >= MAX_PHASHES {
            break;
        }
        let bytes = if is_data_url(src) {
            decode_data_image(src)
        } else {
            base.as_deref().and_then(|b| resolve_local(b, src)).and_then(|p| read_bounded(&p))
        };
        let Some(h) = bytes.as_deref().and_then(hash_image_bytes) else {
            continue;
        };
        let hex = phash::to_hex(h);
        if !out.contains(&hex) {
            out.push(hex);
        }
    }
    out
}

/// The decoded payload of a base64 `data:` URL of an accepted image type.
fn decode_data_image(url: &str) -> Option<Vec<u8>> {
    let rest = &url[5..];
    let comma = rest.find(',')?;
    let meta = rest[..comma].to_ascii_lowercase();
    let mut parts = meta.split(';').map(str::trim);
    let mime = parts.next()?;
    if !matches!(
        mime,
        "image/png" | "image/jpeg" | "image/jpg" | "image/gif" | "image/x-icon" | "image/vnd.microsoft.icon"
    ) {
        return None;
    }
    if !parts.any(|p| p == "base64") {
        return None;
    }
    let payload: Vec<u8> = rest[comma + 1..].bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    if payload.len() as u64 > MAX_IMAGE_BYTES * 4 / 3 + 4 {
        return None;
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine.decode(&payload).ok()
}

/// Resolves `src` to a file inside `base` (already canonical), or `None` if it is not a safe
/// relative path to an existing regular file there.
fn resolve_local(base: &Path, src: &str) -> Option<PathBuf> {
    let path = src.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    if decoded.is_empty() || decoded.starts_with('/') || decoded.contains(['\\', ':', '\0']) {
        return None;
    }
    let rel = Path::new(&decoded);
    let mut joined = base.to_path_buf();
    for comp in rel.components() {
        match comp {
            Component::Normal(c) => joined.push(c),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    let real = joined.canonicalize().ok()?;
    (real.starts_with(base) && real.is_file()).then_some(real)
}

/// `%XX` decoding; `None` for a malformed escape or a result that is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn read_bounded(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let mut buf = Vec::new();
    file.take(MAX_IMAGE_BYTES + 1).read_to_end(&mut buf).ok()?;
    (buf.len() as u64 <= MAX_IMAGE_BYTES).then_some(buf)
}

/// Decodes a PNG/JPEG/GIF/ICO image and returns its pHash; `None` for anything else.
pub fn hash_image_bytes(bytes: &[u8]) -> Option<u64> {
    use image::ImageFormat;
    if bytes.len() as u64 > MAX_IMAGE_BYTES {
        return None;
    }
    let mut reader = image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().ok()?;
    if !matches!(reader.format(), Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::Ico)) {
        return None;
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().ok()?.to_rgba8();
    let (w, h) = img.dimensions();
    let gray = phash::gray32_from_rgba(img.as_raw(), w, h)?;
    Some(phash::phash_32x32(&gray))
}
