//! The page signals (PRODUCT.md "Detection" §2–§6): each function looks at one aspect of a page
//! and returns findings with plain-language evidence. Weights come from the pack; these functions
//! only decide whether a signal is present and how confident they are.

use std::collections::BTreeSet;

use crate::budget::Budget;
use crate::domain::{HostInfo, resolve};
use crate::engine::Engine;
use crate::features::PageFeatures;
use crate::phash;
use crate::verdict::Finding;
use crate::yara::MetaValue;

/// Most bytes of inline script examined by the obfuscation heuristic.
const MAX_SCRIPT_HEURISTIC_BYTES: usize = 256 * 1024;

/// Everything a signal may look at.
pub struct PageContext<'a> {
    /// The engine (pack data).
    pub engine: &'a Engine,
    /// The page features.
    pub features: &'a PageFeatures,
    /// The parsed page URL.
    pub url: &'a url::Url,
    /// The page host.
    pub host: &'a HostInfo<'a>,
}

impl PageContext<'_> {
    /// Registrable domain of a (possibly relative) reference on the page; `None` for non-network
    /// URLs (data:, javascript:, mailto:) and unparsable ones.
    fn registrable_of(&self, reference: &str) -> Option<String> {
        let u = resolve(self.url, reference)?;
        if !matches!(u.scheme(), "http" | "https" | "ws" | "wss" | "ftp") {
            return None;
        }
        let h = u.host_str()?.trim_end_matches('.').to_ascii_lowercase();
        Some(self.engine.psl.registrable(&h).unwrap_or(&h).to_string())
    }

    fn is_brand_site(&self) -> bool {
        self.engine.brands.owner_of(&self.host.registrable).is_some()
    }
}

/// What the content scan found.
#[derive(Debug, Default)]
pub struct ContentScan {
    /// YARA findings.
    pub rule_findings: Vec<Finding>,
    /// Indices of urgency keywords seen in the visible text.
    pub keywords: BTreeSet<u32>,
    /// Brands named in the visible text.
    pub brand_mentions: BTreeSet<usize>,
}

/// Runs the YARA rules and the keyword/brand literals over the visible text, the HTML source and
/// the inline scripts, one aho-corasick pass per target, under the budget.
pub fn content_scan(ctx: &PageContext<'_>, budget: &mut Budget<'_>) -> ContentScan {
    let f = ctx.features;
    let e = ctx.engine;
    let mut out = ContentScan::default();
    let mut seen_rules = BTreeSet::new();
    for (target, data) in [("text", &f.text), ("html", &f.html), ("inline script", &f.inline_script)] {
        if data.is_empty() {
            continue;
        }
        if !budget.check_time() {
            break;
        }
        let granted = budget.take_bytes(data.len());
        let mut end = granted;
        while end < data.len() && !data.is_char_boundary(end) {
            end -= 1;
        }
        let res = e.rules.scan(&data.as_bytes()[..end], budget);
        if res.partial {
            budget.mark_exhausted();
        }
        for hit in res.literal_hits {
            if target != "text" && !f.text.is_empty() {
                continue;
            }
            if hit < e.keyword_count {
                out.keywords.insert(hit);
            } else if let Some(&b) = e.brand_literal_owner.get((hit - e.keyword_count) as usize) {
                out.brand_mentions.insert(b);
            }
        }
        for m in res.matches {
            if !seen_rules.insert(m.rule.clone()) {
                continue;
            }
            out.rule_findings.push(rule_finding(&m, target));
        }
    }
    out
}

/// Maps a rule's meta to a finding: `severity` high/critical → `yara_phishing_high`, anything
/// else → `yara_phishing_medium`; a numeric `weight` meta overrides the pack's weight.
fn rule_finding(m: &crate::yara::RuleMatch, target: &str) -> Finding {
    let meta_str = |k: &str| {
        m.meta.iter().find_map(|(key, v)| match v {
            MetaValue::Str(s) if key == k => Some(s.as_str()),
            _ => None,
        })
    };
    let severity = meta_str("severity").unwrap_or("medium").to_ascii_lowercase();
    let signal =
        if matches!(severity.as_str(), "high" | "critical") { "yara_phishing_high" } else { "yara_phishing_medium" };
    let family =
        meta_str("family").map(str::to_string).or_else(|| m.tags.first().cloned()).unwrap_or_else(|| "phishing".into());
    let description = meta_str("description").map(|d| format!(" ({d})")).unwrap_or_default();
    let mut finding = Finding::new(
        signal,
        1.0,
        if m.snippet.is_empty() {
            format!("Content rule {}{description} matched the page {target} [{family}, {severity}]", m.rule)
        } else {
            format!(
                "Content rule {}{description} matched the page {target}: \"{}\" [{family}, {severity}]",
                m.rule, m.snippet
            )
        },
    )
    .with_rule(m.rule.clone());
    if let Some(w) = m.meta.iter().find_map(|(k, v)| match v {
        MetaValue::Int(w) if k == "weight" => Some(*w),
        _ => None,
    }) {
        finding.weight = (w.clamp(0, 100)) as f64;
    }
    finding
}

/// `new_domain_local_first_seen`: the browser first saw this site less than the pack's
/// `fresh_domain_hours` ago.
pub fn fresh_domain(ctx: &PageContext<'_>) -> Option<Finding> {
    let (first, now) = (ctx.features.first_seen_ms?, ctx.features.now_ms?);
    let window = u64::from(ctx.engine.config.fresh_domain_hours) * 3_600_000;
    let age = now.saturating_sub(first);
    if age >= window || ctx.is_brand_site() {
        return None;
    }
    let minutes = age / 60_000;
    let when = if minutes < 60 { format!("{minutes} minutes ago") } else { format!("{} hours ago", minutes / 60) };
    Some(Finding::new(
        "new_domain_local_first_seen",
        1.0,
        format!("This browser first saw {} {when}: new sites are riskier.", ctx.host.registrable_unicode),
    ))
}

fn is_credential_name(name: &str) -> bool {
    ["email", "e-mail", "mail", "user", "login", "phone", "mobile", "tel", "account"].iter().any(|k| name.contains(k))
}

/// Form heuristics: `phishing_form_cross_domain` (a password form posting to another site),
/// `hidden_credential_fields` (hidden email/phone fields) and `login_form_unknown_host` (a
/// password form on a site the pack does not know, stronger when the page names a brand).
pub fn forms(ctx: &PageContext<'_>, content: &ContentScan) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut has_password = false;
    for form in &ctx.features.forms {
        let password = form.inputs.iter().any(|i| i.kind == "password");
        has_password |= password;
        let action = form.action.trim();
        if password && !action.is_empty() {
            match ctx.registrable_of(action) {
                Some(reg) if reg != ctx.host.registrable => out.push(Finding::new(
                    "phishing_form_cross_domain",
                    1.0,
                    format!(
                        "The password form sends what you type to {reg}, a different site from {}.",
                        ctx.host.registrable_unicode
                    ),
                )),
                None if action.to_ascii_lowercase().starts_with("mailto:")
                    || action.to_ascii_lowercase().starts_with("data:") =>
                {
                    out.push(Finding::new(
                        "phishing_form_cross_domain",
                        1.0,
                        "The password form sends what you type to an e-mail address or an inline data URL.",
                    ))
                }
                _ => {}
            }
        }
        let hidden: Vec<&str> = form
            .inputs
            .iter()
            .filter(|i| (i.hidden || i.kind == "hidden") && is_credential_name(&i.name))
            .map(|i| i.name.as_str())
            .collect();
        if !hidden.is_empty() {
            out.push(Finding::new(
                "hidden_credential_fields",
                1.0,
                format!(
                    "The form has hidden fields named {} that collect contact details without showing them.",
                    hidden.join(", ")
                ),
            ));
        }
    }
    if has_password && !ctx.is_brand_site() {
        let named: Vec<&str> =
            content.brand_mentions.iter().map(|&b| ctx.engine.brands.brand(b).name.as_str()).collect();
        if let Some(first) = named.first() {
            let b = ctx.engine.brands.brand(content.brand_mentions.iter().copied().next().unwrap_or_default());
            out.push(
                Finding::new(
                    "login_form_unknown_host",
                    1.0,
                    format!(
                        "A password form on {} mentions {first}, but {first} does not own this site.",
                        ctx.host.registrable_unicode
                    ),
                )
                .with_brand(b.name.clone())
                .with_target(b.domains[0].clone()),
            );
        } else {
            out.push(Finding::new(
                "login_form_unknown_host",
                0.4,
                format!(
                    "The page asks for a password on {}, a site FerretWatch does not know.",
                    ctx.host.registrable_unicode
                ),
            ));
        }
    }
    out
}

/// `brand_name_mismatch`: the title or `og:site_name` names a brand that does not own the site.
pub fn brand_names(ctx: &PageContext<'_>) -> Vec<Finding> {
    let f = ctx.features;
    let owner = ctx.engine.brands.owner_of(&ctx.host.registrable);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (what, text) in [("title", &f.title), ("site name", &f.og_site_name)] {
        if text.is_empty() {
            continue;
        }
        for b in ctx.engine.brands.brands_named_in(text) {
            if Some(b) == owner || !seen.insert(b) {
                continue;
            }
            let brand = ctx.engine.brands.brand(b);
            let confidence = if what == "site name" { 1.0 } else { 0.8 };
            out.push(
                Finding::new(
                    "brand_name_mismatch",
                    confidence,
                    format!(
                        "The page {what} says \"{}\", but this site is {}, not {}.",
                        clip(text, 80),
                        ctx.host.registrable_unicode,
                        brand.domains[0]
                    ),
                )
                .with_brand(brand.name.clone())
                .with_target(brand.domains[0].clone()),
            );
        }
    }
    out
}

/// `redirect_unrelated_domain`: an immediate meta refresh or script redirect to another site.
pub fn redirect(ctx: &PageContext<'_>) -> Option<Finding> {
    let target = ctx.features.redirect.trim();
    if target.is_empty() {
        return None;
    }
    let reg = ctx.registrable_of(target)?;
    (reg != ctx.host.registrable).then(|| {
        Finding::new(
            "redirect_unrelated_domain",
            1.0,
            format!("The page immediately sends you on to {reg}, an unrelated site."),
        )
    })
}

/// `cross_domain_hotlink`: images, stylesheets and fonts loaded from unrelated sites outside the
/// CDN allowlist; certain when they come from a protected brand's own site.
pub fn hotlinking(ctx: &PageContext<'_>) -> Option<Finding> {
    let f = ctx.features;
    let mut total = 0usize;
    let mut foreign = BTreeSet::new();
    let mut foreign_count = 0usize;
    let mut brand_hit = None;
    for r in f.images.iter().chain(&f.styles) {
        let Some(reg) = ctx.registrable_of(r) else {
            continue;
        };
        total += 1;
        if reg == ctx.host.registrable || ctx.engine.is_allowlisted_cdn(&reg) {
            continue;
        }
        foreign_count += 1;
        if brand_hit.is_none() {
            brand_hit = ctx.engine.brands.owner_of(&reg).map(|b| (b, reg.clone()));
        }
        foreign.insert(reg);
    }
    if foreign.is_empty() || ctx.is_brand_site() {
        return None;
    }
    if let Some((b, reg)) = brand_hit {
        let brand = ctx.engine.brands.brand(b);
        return Some(
            Finding::new(
                "cross_domain_hotlink",
                1.0,
                format!(
                    "The page borrows images or styles straight from {reg} ({}), as copied login pages do.",
                    brand.name
                ),
            )
            .with_brand(brand.name.clone())
            .with_target(brand.domains[0].clone()),
        );
    }
    let share = foreign_count as f64 / total as f64;
    (share >= 0.5).then(|| {
        let list: Vec<&str> = foreign.iter().take(3).map(String::as_str).collect();
        Finding::new(
            "cross_domain_hotlink",
            0.5,
            format!(
                "Most of the page's images and styles ({foreign_count} of {total}) come from other sites: {}.",
                list.join(", ")
            ),
        )
    })
}

/// `brand_asset_mismatch`: a favicon or logo whose pHash is within the pack's Hamming distance of
/// a brand's, on a site the brand does not own.
pub fn brand_assets(ctx: &PageContext<'_>) -> Option<Finding> {
    if ctx.is_brand_site() || ctx.features.image_phashes.is_empty() {
        return None;
    }
    let max = ctx.engine.config.phash_max_distance;
    let mut best: Option<(u32, usize)> = None;
    for h in ctx.features.image_phashes.iter().filter_map(|s| phash::parse_hex(s)) {
        for b in 0..ctx.engine.brands.len() {
            for bh in ctx.engine.brands.brand(b).phashes.iter().filter_map(|s| phash::parse_hex(s)) {
                let d = phash::hamming(h, bh);
                if d <= max && best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, b));
                }
            }
        }
    }
    let (d, b) = best?;
    let brand = ctx.engine.brands.brand(b);
    let confidence = if d * 2 <= max { 1.0 } else { 0.75 };
    Some(
        Finding::new(
            "brand_asset_mismatch",
            confidence,
            format!(
                "The page shows {}'s logo (image fingerprint {d} bits from the real one) but is not {}.",
                brand.name, brand.domains[0]
            ),
        )
        .with_brand(brand.name.clone())
        .with_target(brand.domains[0].clone()),
    )
}

/// `data_url_resources`: scripts or images embedded as `data:` URLs (kits use them to avoid
/// fetching from the real site).
pub fn data_urls(ctx: &PageContext<'_>) -> Option<Finding> {
    let is_data = |s: &&String| s.trim_start().get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data:"));
    let scripts = ctx.features.scripts.iter().filter(is_data).count();
    let images = ctx.features.images.iter().filter(is_data).count();
    if scripts == 0 && images < 3 {
        return None;
    }
    let confidence = if scripts > 0 { 1.0 } else { 0.5 };
    Some(Finding::new(
        "data_url_resources",
        confidence,
        format!("The page embeds {scripts} script(s) and {images} image(s) as data: URLs instead of loading them."),
    ))
}

/// `obfuscated_inline_js`: inline script that decodes and runs hidden code (eval/atob/unescape/
/// fromCharCode, long encoded strings).
pub fn obfuscated_script(ctx: &PageContext<'_>, budget: &mut Budget<'_>) -> Option<Finding> {
    let s = &ctx.features.inline_script;
    if s.is_empty() || !budget.check_time() {
        return None;
    }
    let mut end = s.len().min(MAX_SCRIPT_HEURISTIC_BYTES);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let s = &s[..end];
    let mut markers = Vec::new();
    for m in ["eval(", "atob(", "unescape(", "fromcharcode", "document.write(", "\\x", "%u"] {
        let n = count_ci(s, m);
        let enough = if m.starts_with('\\') || m.starts_with('%') { n >= 50 } else { n >= 1 };
        if enough {
            markers.push(m.trim_end_matches('('));
        }
    }
    let longest_run = longest_encoded_run(s);
    if longest_run >= 400 {
        markers.push("a long encoded string");
    }
    let strong = markers.iter().any(|m| matches!(*m, "eval" | "unescape" | "fromcharcode"));
    let confidence = match (markers.len(), strong) {
        (0, _) | (1, false) => return None,
        (1, true) => 0.5,
        (2, _) => 0.75,
        _ => 1.0,
    };
    Some(Finding::new(
        "obfuscated_inline_js",
        confidence,
        format!("The page's scripts hide what they do ({}).", markers.join(", ")),
    ))
}

fn count_ci(hay: &str, needle: &str) -> usize {
    let n = needle.as_bytes();
    hay.as_bytes().windows(n.len()).filter(|w| w.eq_ignore_ascii_case(n)).count()
}

fn longest_encoded_run(s: &str) -> usize {
    let mut best = 0;
    let mut cur = 0;
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=' {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// `phishing_keywords_only`: urgency phrases ("verify your account", "gift card") in the text.
pub fn keywords(ctx: &PageContext<'_>, content: &ContentScan) -> Option<Finding> {
    if content.keywords.is_empty() {
        return None;
    }
    let words: Vec<&str> = content
        .keywords
        .iter()
        .filter_map(|&i| ctx.engine.config.urgency_keywords.get(i as usize).map(String::as_str))
        .take(4)
        .collect();
    let confidence = if content.keywords.len() >= 2 { 1.0 } else { 0.5 };
    Some(Finding::new(
        "phishing_keywords_only",
        confidence,
        format!("The page uses pressure phrases: \"{}\".", words.join("\", \"")),
    ))
}

fn clip(s: &str, max_chars: usize) -> String {
    let t: String = s.chars().filter(|c| !c.is_control()).take(max_chars).collect();
    if s.chars().count() > max_chars { format!("{t}…") } else { t }
}
