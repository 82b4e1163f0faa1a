//! Lookalike domains: IDN homographs, ASCII typosquats, brand embedding (PRODUCT.md,
//! "Detection" §1).
//!
//! [`BrandIndex`] is built once per pack from the protected brands. For every brand domain it
//! keeps the *brand label* (the registrable domain without its public suffix: `paypal` for
//! `paypal.com`, `hsbc` for `hsbc.co.uk`), its confusable skeleton and its deletion variants.
//! [`BrandIndex::check_host`] then looks a host up — a handful of hash probes, never a loop
//! over the brands — and reports at most one finding for the best-matching brand:
//!
//! | what | example | signal | confidence |
//! |---|---|---|---|
//! | same skeleton, non-ASCII (IDN homograph, whole-script confusable) | `pаypal.com`, `аррӏе.com` | `idn_homograph_high` | 1.0 |
//! | same skeleton, ASCII | `paypa1.com`, `rnicrosoft.com` | `idn_homograph_high` | 0.9 |
//! | edit distance ≤ 1 (labels ≤ 6 chars) or ≤ 2 (longer), look-alike edits only | `faceb00k.com` | `idn_homograph_high` | 0.85 |
//! | same, other edits, weighted by kind ([`distance`]) | `payapl.com`, `gooogle.com` | `idn_homograph_medium` | 0.35–0.8 |
//! | the brand's label on a suffix the brand does not own | `paypal.xyz` | `idn_homograph_medium` | 0.8 (0.4 for everyday words) |
//! | brand label as a token, glued to a phishing word, or brand domain inside the host ([`embedding`]) | `paypal-login.example`, `paypalsecure.com` | `idn_homograph_medium` | 0.6–0.9 |
//! | mixed scripts in one name, no brand ([`mixed_script`]) | `gοοdsite.com` | `idn_homograph_medium` | 0.6 |
//!
//! Hosts that a brand owns, IP addresses, bare public suffixes and hosts without a registrable
//! label are skipped. Edit distance is held to what typosquatters do (see `plausible_typo`):
//! brand labels of four characters or fewer only match through a skeleton or a single
//! look-alike substitution (so `bing` never matches `ing`); five or six characters allow one
//! typing-mistake edit (look-alike or neighbouring key, swap, doubled or dropped letter); seven
//! and more allow one edit of any kind or two cheap ones. Labels longer than 12 characters keep
//! the distance-2 limit: with 13+ letters two edits still leave the brand plainly recognisable
//! (`bankofamerica` → `bankofamerlca`) and random collisions are rarer than for short labels.
//! A label that *is* some brand's label is never reported as a typo of another brand.
//!
//! The test suite's false-positive gate runs every domain of `packs/default/brands.json`
//! through the matcher, against all brands and against all brands *but its owner*.

mod deletion_index;
pub mod distance;
pub mod embedding;
pub mod mixed_script;
mod names;
pub mod skeleton;

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::domain::{HostInfo, SuffixList, to_unicode};
use crate::pack::Brand;
use crate::verdict::Finding;

use deletion_index::{DeletionIndex, DeletionIndexBuilder};
pub(crate) use deletion_index::{FastMap, FastSet};
use distance::{Alignment, Edit, MAX_LEN, SubKind, align};
use names::NameMatcher;
use skeleton::{describe_char, ordinal, skeleton, skeleton_into};

const HIGH: &str = "idn_homograph_high";
const MEDIUM: &str = "idn_homograph_medium";

/// Shortest brand label compared by edit distance.
const MIN_FUZZY_CHARS: usize = 3;
/// Labels of at most this many characters only match through look-alike characters.
const SHORT_LABEL_CHARS: usize = 4;
/// Shortest brand label matched as a token of another host on its own (three letters need a
/// phishing word next to them, shorter ones a full domain).
const MIN_TOKEN_CHARS: usize = 4;

/// Edit-distance limit for a brand label of `n` characters.
fn max_distance(n: usize) -> usize {
    if n <= 6 { 1 } else { 2 }
}

/// One brand label (unique per brand).
#[derive(Debug)]
struct LabelEntry {
    brand: usize,
    /// The brand domain it comes from (ASCII).
    domain: String,
    /// The label in Unicode, lowercase.
    label: String,
    chars: Vec<char>,
    /// An everyday word (or a word phishing hosts use anyway, like `login`): weak evidence alone.
    common: bool,
    /// The brand's name is this label in capitals (`DHL` for `dhl`): a three-letter acronym
    /// that may count as a token next to a phishing word.
    acronym: bool,
}

/// Index over the protected brands, built once per pack.
#[derive(Debug)]
pub struct BrandIndex {
    brands: Vec<Brand>,
    owners: FastMap<String, usize>,
    labels: Vec<LabelEntry>,
    /// Exact label → label ids (ascending).
    by_label: FastMap<String, Vec<u32>>,
    /// Skeleton → label ids (ascending).
    by_skeleton: FastMap<String, Vec<u32>>,
    deletions: DeletionIndex,
    max_label_chars: usize,
    /// Built on first use: URL checks never need it, only pages with a title or site name.
    names: OnceLock<NameMatcher>,
}

fn embedded_psl() -> &'static SuffixList {
    static PSL: OnceLock<SuffixList> = OnceLock::new();
    PSL.get_or_init(SuffixList::embedded)
}

/// Registrable domain and label (Unicode) of a brand domain, per the suffix list.
#[inline(never)]
fn brand_label(psl: &SuffixList, domain: &str) -> Option<(String, String)> {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let (suffix, reg) = psl.suffix_and_registrable(&d);
    let (suffix, reg) = (suffix?, reg?);
    let label = reg.strip_suffix(suffix)?.strip_suffix('.')?;
    if label.is_empty() {
        return None;
    }
    Some((reg.to_string(), to_unicode(label)))
}

/// A brand name as one lowercase ASCII word: letters and digits of the part before a `.`
/// (`Booking.com` → `booking`), at least four of them.
fn name_label(name: &str) -> Option<String> {
    let head = name.split('.').next().unwrap_or_default();
    if !head.is_ascii() {
        return None;
    }
    let word: String = head.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    (word.len() >= MIN_TOKEN_CHARS && word.len() <= MAX_LEN).then_some(word)
}

/// How a candidate matched. The strings are borrowed (from the host and the index): evidence
/// text is only written for the best candidate, and only when a full finding is asked for.
#[derive(Debug, Clone)]
enum Kind<'a> {
    /// Same skeleton, different label.
    Skeleton,
    /// Within the edit-distance limit.
    Typo { alignment: Alignment, folded: bool },
    /// Same label, another suffix.
    SameLabel { keyword: Option<&'a str> },
    /// Brand label (or its skeleton) as a token of the host.
    Embedded { token: &'a str, keyword: Option<&'a str>, full_domain: Option<&'a str> },
}

#[derive(Debug, Clone)]
struct Candidate<'a> {
    label: u32,
    high: bool,
    confidence: f64,
    kind: Kind<'a>,
}

/// The decision of a lookalike check without its evidence text ([`BrandIndex::check_host_decision`]):
/// exactly the `signal`, `confidence` and `target` of the finding [`BrandIndex::check_host`]
/// would give.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LookalikeDecision<'a> {
    /// `idn_homograph_high` or `idn_homograph_medium`.
    pub signal: &'static str,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// The impersonated brand's domain (none for a mixed-script name without a brand).
    pub target: Option<&'a str>,
}

impl Candidate<'_> {
    /// Better = high before medium, then more confident, then the lower brand/label id.
    fn beats(&self, other: &Candidate<'_>, labels: &[LabelEntry]) -> bool {
        let key = |c: &Candidate<'_>| {
            (
                !c.high,
                -(c.confidence * 1000.0).round() as i64,
                // Then the longer (more specific) brand label.
                usize::MAX - labels.get(c.label as usize).map_or(0, |l| l.chars.len()),
                labels.get(c.label as usize).map_or(usize::MAX, |l| l.brand),
                c.label,
            )
        };
        key(self) < key(other)
    }
}

impl BrandIndex {
    /// Builds the index with the embedded Public Suffix List.
    pub fn new(brands: &[Brand]) -> Self {
        Self::with_suffix_list(brands, embedded_psl())
    }

    /// Builds the index; brand labels are computed with `psl`.
    pub fn with_suffix_list(brands: &[Brand], psl: &SuffixList) -> Self {
        Self::from_brands(brands.to_vec(), psl)
    }

    /// [`BrandIndex::with_suffix_list`], keeping the given brands (no copy).
    pub fn from_brands(brands: Vec<Brand>, psl: &SuffixList) -> Self {
        let domains: usize = brands.iter().map(|b| b.domains.len()).sum();
        // Sized once for the usual case (a domain is its own registrable domain, one label per
        // domain) instead of rehashing as they grow.
        let mut owners = FastMap::with_capacity_and_hasher(domains, Default::default());
        let mut labels: Vec<LabelEntry> = Vec::new();
        let mut by_label: FastMap<String, Vec<u32>> = FastMap::with_capacity_and_hasher(domains, Default::default());
        let mut by_skeleton: FastMap<String, Vec<u32>> = FastMap::with_capacity_and_hasher(domains, Default::default());
        let mut builder = DeletionIndexBuilder::default();
        let mut max_label_chars = 0;
        // Labels of the current brand longer than `MAX_LEN` (not indexed, but still seen).
        let mut seen_long: Vec<String> = Vec::new();
        for (id, b) in brands.iter().enumerate() {
            let first_label = labels.len();
            seen_long.clear();
            let seen = |labels: &[LabelEntry], long: &[String], l: &str| {
                labels[first_label..].iter().any(|e| e.label == l) || long.iter().any(|x| x == l)
            };
            for d in &b.domains {
                let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
                let Some((reg, label)) = brand_label(psl, &d) else {
                    owners.entry(d).or_insert(id);
                    continue;
                };
                owners.entry(d).or_insert(id);
                owners.entry(reg.clone()).or_insert(id);
                // Plain ASCII labels are lowercase already (the domain was lowered).
                let label = if label.is_ascii() { label } else { label.to_lowercase() };
                if seen(&labels, &seen_long, &label) {
                    continue;
                }
                let chars: Vec<char> = label.chars().collect();
                if chars.len() > MAX_LEN {
                    seen_long.push(label);
                    continue;
                }
                let lid = u32::try_from(labels.len()).unwrap_or(u32::MAX);
                by_label.entry(label.clone()).or_default().push(lid);
                by_skeleton.entry(skeleton(&label)).or_default().push(lid);
                if chars.len() >= MIN_FUZZY_CHARS {
                    let depth = if max_distance(chars.len()) >= 2 { 2 } else { 1 };
                    builder.insert(lid, &chars, depth);
                    max_label_chars = max_label_chars.max(chars.len());
                }
                labels.push(LabelEntry {
                    brand: id,
                    domain: reg,
                    common: embedding::is_common_word(&label) || embedding::is_phishing_word(&label),
                    acronym: b.name.trim().chars().eq(label.chars().flat_map(char::to_uppercase)),
                    label,
                    chars,
                });
            }
            // The brand's name as one word (`steam` for Steam, `disney` for Disney+,
            // `americanexpress`): matched exactly, by skeleton and as a token, but not by edit
            // distance (names are not registered domains, typos of them are rarely used).
            if let Some(name) = name_label(&b.name).filter(|n| !seen(&labels, &seen_long, n)) {
                let main = b.domains.first().map(|d| d.trim().to_ascii_lowercase()).unwrap_or_default();
                let lid = u32::try_from(labels.len()).unwrap_or(u32::MAX);
                by_label.entry(name.clone()).or_default().push(lid);
                by_skeleton.entry(skeleton(&name)).or_default().push(lid);
                labels.push(LabelEntry {
                    brand: id,
                    domain: main,
                    common: embedding::is_common_word(&name) || embedding::is_phishing_word(&name),
                    acronym: false,
                    chars: name.chars().collect(),
                    label: name,
                });
            }
        }
        Self {
            brands,
            owners,
            labels,
            by_label,
            by_skeleton,
            deletions: builder.build(),
            max_label_chars,
            names: OnceLock::new(),
        }
    }

    /// Number of brands.
    pub fn len(&self) -> usize {
        self.brands.len()
    }

    /// True when there are no brands.
    pub fn is_empty(&self) -> bool {
        self.brands.is_empty()
    }

    /// The brand with this id.
    ///
    /// # Panics
    /// When `id` is not below [`BrandIndex::len`] (ids come from this index).
    pub fn brand(&self, id: usize) -> &Brand {
        &self.brands[id]
    }

    /// The brand owning this registrable domain (ASCII), if any.
    pub fn owner_of(&self, registrable: &str) -> Option<usize> {
        self.owners.get(registrable).copied()
    }

    /// Lookalike findings for a host (`idn_homograph_high` / `idn_homograph_medium`, each with
    /// `target` and `brand`; a mixed-script finding has neither). Empty when the host belongs
    /// to a brand. At most one finding.
    pub fn check_host(&self, host: &HostInfo) -> Vec<Finding> {
        if host.is_ip
            || host.label.is_empty()
            || host.registrable == host.suffix
            || self.owner_of(&host.registrable).is_some()
        {
            return Vec::new();
        }
        self.findings(host, None)
    }

    /// What [`BrandIndex::check_host`] decides (signal, confidence, target of its finding, or
    /// `None` when it finds nothing), without writing the evidence text: for callers that only
    /// need the decision (a URL-only check that blocks or allows).
    pub fn check_host_decision(&self, host: &HostInfo) -> Option<LookalikeDecision<'_>> {
        self.decision_for(host, self.owner_of(&host.registrable).is_some())
    }

    /// [`BrandIndex::check_host_decision`] when the caller already knows whether a brand owns
    /// the host's registrable domain (`owned`).
    pub(crate) fn decision_for(&self, host: &HostInfo, owned: bool) -> Option<LookalikeDecision<'_>> {
        if host.is_ip || host.label.is_empty() || host.registrable == host.suffix || owned {
            return None;
        }
        let label = lower_label(&host.label);
        match self.best_candidate(host, &label, None) {
            Some(c) => {
                let e = &self.labels[c.label as usize];
                let brand = &self.brands[e.brand];
                Some(LookalikeDecision {
                    signal: if c.high { HIGH } else { MEDIUM },
                    // As `Finding::new` does.
                    confidence: c.confidence.clamp(0.0, 1.0),
                    target: Some(brand.domains.first().map_or(e.domain.as_str(), String::as_str)),
                })
            }
            None => mixed_script::mixed_scripts(&label).map(|_| LookalikeDecision {
                signal: MEDIUM,
                confidence: 0.6,
                target: None,
            }),
        }
    }

    /// The findings for `host`, ignoring matches against brand `skip` (used by the
    /// false-positive gate to check a brand's own domains against all *other* brands).
    fn findings(&self, host: &HostInfo, skip: Option<usize>) -> Vec<Finding> {
        let label = lower_label(&host.label);
        let best = self.best_candidate(host, &label, skip);
        match best {
            Some(c) => vec![self.finding(host, &label, &c)],
            None => mixed_script::mixed_scripts(&label)
                .map(|(scripts, part)| {
                    Finding::new(
                        MEDIUM,
                        0.6,
                        format!(
                            "The address {} mixes {} letters in one name (\"{part}\"), a trick used to imitate other sites.",
                            host.registrable_unicode,
                            join_and(&scripts)
                        ),
                    )
                })
                .into_iter()
                .collect(),
        }
    }

    fn best_candidate<'a>(&'a self, host: &'a HostInfo, label: &'a str, skip: Option<usize>) -> Option<Candidate<'a>> {
        let mut best: Option<Candidate<'a>> = None;
        let mut offer = |c: Candidate<'a>| {
            let brand = self.labels.get(c.label as usize).map(|l| l.brand);
            if brand.is_none() || brand == skip {
                return;
            }
            if best.as_ref().is_none_or(|b| c.beats(b, &self.labels)) {
                best = Some(c);
            }
        };
        let non_ascii = !label.is_ascii();
        let n_chars = label.chars().count();

        // 1. Same skeleton (homographs, ASCII look-alikes) and the same label on another suffix.
        //    A label that *is* a brand's label is that brand's name, never a typo of another
        //    (`bring` is Posten's Bring, not a typo of Bing); two brands sharing one name are
        //    both legitimate users of it.
        let exact_ids: &[u32] = self.by_label.get(label).map_or(&[], Vec::as_slice);
        let is_brand_label = !exact_ids.is_empty();
        let shares_owner_label =
            skip.is_some() && exact_ids.iter().any(|&id| self.labels.get(id as usize).map(|e| e.brand) == skip);
        // One buffer for every skeleton of this lookup (the label's, then each token's).
        let mut buf = String::with_capacity(label.len() + 8);
        skeleton_into(label, &mut buf);
        if let Some(ids) = self.by_skeleton.get(&buf) {
            for &id in ids {
                let Some(e) = self.labels.get(id as usize) else {
                    continue;
                };
                if e.label == label {
                    if n_chars >= MIN_TOKEN_CHARS && !shares_owner_label {
                        let keyword = keyword_in(
                            &host.unicode,
                            host.unicode.len().saturating_sub(suffix_len(&host.suffix)),
                            None,
                        );
                        let confidence = match (e.common, &keyword) {
                            (false, _) => 0.8,
                            (true, Some(_)) => 0.7,
                            (true, None) => 0.4,
                        };
                        offer(Candidate { label: id, high: false, confidence, kind: Kind::SameLabel { keyword } });
                    }
                } else if non_ascii || e.chars.len() >= 2 {
                    offer(Candidate {
                        label: id,
                        high: true,
                        confidence: if non_ascii { 1.0 } else { 0.9 },
                        kind: Kind::Skeleton,
                    });
                }
            }
        }

        // 2. Edit distance through the deletion index. Non-ASCII characters that look like one
        //    ASCII letter are folded to it first (`pаypai` → `paypai`).
        if !is_brand_label && (MIN_FUZZY_CHARS - 1..=self.max_label_chars + 2).contains(&n_chars) {
            // `n_chars` is at most `max_label_chars + 2` ≤ `MAX_LEN + 2` here: no allocation.
            let mut folded = ['\0'; MAX_LEN + 2];
            for (slot, c) in folded.iter_mut().zip(label.chars()) {
                *slot = fold_char(c);
            }
            let folded = &folded[..n_chars];
            let depth = if n_chars >= 5 { 2 } else { 1 };
            let mut cands = Vec::new();
            self.deletions.candidates(folded, depth, &mut cands);
            for id in cands {
                let Some(e) = self.labels.get(id as usize) else {
                    continue;
                };
                if e.label == label || Some(e.brand) == skip {
                    continue;
                }
                let Some(a) = align(folded, &e.chars, max_distance(e.chars.len())) else {
                    continue;
                };
                if a.distance == 0 && !non_ascii {
                    continue;
                }
                let look_alike_only =
                    a.edits.iter().all(|ed| matches!(ed, Edit::Substitute { kind: SubKind::LookAlike, .. }));
                if !plausible_typo(e.chars.len(), &a, look_alike_only) {
                    continue;
                }
                let (high, mut confidence) = if look_alike_only && a.cost <= 0.61 {
                    (true, if non_ascii { 0.95 } else { 0.85 })
                } else {
                    (false, (0.85 - 0.25 * f64::from(a.cost)).clamp(0.35, 0.8))
                };
                if e.common && !high {
                    confidence *= 0.6;
                }
                offer(Candidate { label: id, high, confidence, kind: Kind::Typo { alignment: a, folded: non_ascii } });
            }
        }

        // 3. Brand label as a token of the host, or a brand domain written inside it.
        //    Tokens of the public suffix (`github` in `foo.github.io`) do not count.
        let host_text: &str = &host.unicode;
        let reg_start = host_text.len().saturating_sub(host.registrable_unicode.len());
        let suffix_start = host_text.len().saturating_sub(suffix_len(&host.suffix));
        for (at, token) in embedding::tokens(host_text) {
            if at >= suffix_start {
                break;
            }
            // A brand glued to a phishing word without a hyphen (`paypalsecure`, `loginmicrosoft`).
            if let Some((id, word)) = self.glued_brand(token) {
                offer(Candidate {
                    label: id,
                    high: false,
                    confidence: 0.8,
                    kind: Kind::Embedded {
                        token: self.labels[id as usize].label.as_str(),
                        keyword: Some(word),
                        full_domain: None,
                    },
                });
            }
            if token.is_empty() || (at >= reg_start && token == label) {
                continue;
            }
            let mut ids: &[u32] = self.by_label.get(token).map_or(&[], Vec::as_slice);
            if ids.is_empty() {
                skeleton_into(token, &mut buf);
                ids = self.by_skeleton.get(&buf).map_or(&[], Vec::as_slice);
            }
            for &id in ids {
                let Some(e) = self.labels.get(id as usize) else {
                    continue;
                };
                let brand = &self.brands[e.brand];
                let full_domain = brand
                    .domains
                    .iter()
                    .find(|d| d.starts_with(token) && embedding::full_domain_at(host_text, at, d))
                    .map(String::as_str);
                let keyword = keyword_in(host_text, suffix_start, Some(at));
                let look_alike = e.label != token;
                if full_domain.is_none() {
                    // Three-letter acronyms (DHL, UPS, IRS) only next to a phishing word;
                    // other short labels (`box`, `sky`) and phishing words used as brand
                    // labels (`login` of login.gov) only as a full domain. Everyday words need a phishing word too,
                    // unless written with look-alike characters (`amaz0n-orders`).
                    let short = e.chars.len() < MIN_TOKEN_CHARS;
                    if e.chars.len() < 3 || (short && (keyword.is_none() || !e.acronym)) {
                        continue;
                    }
                    if embedding::is_phishing_word(&e.label) {
                        continue;
                    }
                    if e.common && keyword.is_none() && !look_alike {
                        continue;
                    }
                }
                let mut confidence: f64 = 0.7;
                if keyword.is_some() {
                    confidence += 0.1;
                }
                if full_domain.is_some() {
                    confidence += 0.15;
                }
                if look_alike {
                    confidence += 0.05;
                }
                if full_domain.is_none() && (e.common || e.chars.len() < MIN_TOKEN_CHARS) {
                    confidence -= 0.1;
                }
                offer(Candidate {
                    label: id,
                    high: false,
                    confidence: confidence.min(0.9),
                    kind: Kind::Embedded { token, keyword, full_domain },
                });
            }
        }
        best
    }

    /// When `token` is a brand label (four letters or more, not an everyday word) glued to an
    /// unambiguous phishing word ([`embedding::GLUE_WORDS`]), in either order, the label id and
    /// the word.
    fn glued_brand(&self, token: &str) -> Option<(u32, &'static str)> {
        if token.len() < 7 || !token.is_ascii() {
            return None;
        }
        let brand = |name: &str| {
            if name.len() < MIN_TOKEN_CHARS {
                return None;
            }
            self.by_label
                .get(name)
                .and_then(|ids| ids.iter().copied().find(|&id| self.labels.get(id as usize).is_some_and(|e| !e.common)))
        };
        let (first, last) = (token.as_bytes()[0], token.as_bytes()[token.len() - 1]);
        for &word in embedding::GLUE_WORDS {
            // A one-byte check first: most tokens neither start nor end like a glue word.
            let w = word.as_bytes();
            let as_suffix = || (w.last() == Some(&last)).then(|| token.strip_suffix(word)).flatten().and_then(brand);
            let as_prefix = || (w.first() == Some(&first)).then(|| token.strip_prefix(word)).flatten().and_then(brand);
            let hit = as_suffix().or_else(as_prefix);
            if let Some(id) = hit {
                return Some((id, word));
            }
        }
        None
    }

    fn finding(&self, host: &HostInfo, label: &str, c: &Candidate<'_>) -> Finding {
        let e = &self.labels[c.label as usize];
        let brand = &self.brands[e.brand];
        // A homograph's Unicode form can look exactly like the brand's domain: also show the
        // ASCII (punycode) form the browser really goes to.
        let addr = if host.registrable_unicode == host.registrable {
            host.registrable.to_string()
        } else {
            format!("{} ({})", host.registrable_unicode, host.registrable)
        };
        let like = format!("{} ({})", e.domain, brand.name);
        let evidence = match &c.kind {
            Kind::Skeleton => {
                format!("The address {addr} looks like {like}, but {}.", describe_homograph(label, &e.label))
            }
            Kind::Typo { alignment, folded } => {
                let edits: Vec<String> = alignment.edits.iter().map(Edit::describe).collect();
                let mut s = format!("The address {addr} looks like {like}");
                if *folded {
                    s.push_str(&format!(": it uses {}", describe_foreign(label)));
                    if !edits.is_empty() {
                        s.push_str(&format!(" and has {}", join_and(&edits)));
                    }
                } else {
                    s.push_str(&format!(
                        " with {} {}: {}",
                        alignment.distance,
                        if alignment.distance == 1 { "change" } else { "changes" },
                        join_and(&edits)
                    ));
                }
                s.push('.');
                s
            }
            Kind::SameLabel { keyword } => {
                let mut s =
                    format!("The address {addr} uses the name of {like} on a domain {} does not own", brand.name);
                if let Some(k) = keyword {
                    s.push_str(&format!(", next to the word \"{k}\""));
                }
                s.push('.');
                s
            }
            Kind::Embedded { token, keyword, full_domain } => {
                let mut s = match full_domain {
                    Some(d) => format!(
                        "The address {} starts with {d} ({}), but the site really is {addr}, which {} does not own",
                        host.unicode, brand.name, brand.name
                    ),
                    None if *token != e.label.as_str() => format!(
                        "The address {} contains \"{token}\", a look-alike of the name {like}, on {addr}, which {} does not own",
                        host.unicode, brand.name
                    ),
                    None => format!(
                        "The address {} puts the name {like} inside {addr}, which {} does not own",
                        host.unicode, brand.name
                    ),
                };
                if let Some(k) = keyword {
                    s.push_str(&format!(", next to the word \"{k}\""));
                }
                s.push('.');
                s
            }
        };
        Finding::new(if c.high { HIGH } else { MEDIUM }, c.confidence, evidence)
            .with_target(brand.domains.first().cloned().unwrap_or_else(|| e.domain.clone()))
            .with_brand(brand.name.clone())
    }

    /// Brands whose name or alias appears as a word in `text` (titles, site names), ascending.
    /// Names shorter than four characters only match as a whole title segment or, when
    /// written in capitals, as the same capitals (see the `names` module).
    pub fn brands_named_in(&self, text: &str) -> Vec<usize> {
        self.names.get_or_init(|| NameMatcher::new(&self.brands)).find(text)
    }
}

/// Which edits count as a lookalike of a brand label of `brand_chars` characters:
///
/// - ≤ 4 characters: one look-alike substitution only (`bing` is not `ing`);
/// - 5–6: one edit of the kinds typing mistakes make ([`Edit::is_typo_like`]);
/// - 7 and more: one edit of any kind, or two whose weighted cost is at most 1.3 (a
///   look-alike plus anything, a swap plus a doubled letter, …), not two arbitrary ones.
fn plausible_typo(brand_chars: usize, a: &Alignment, look_alike_only: bool) -> bool {
    match brand_chars {
        0..=SHORT_LABEL_CHARS => look_alike_only && a.distance <= 1,
        5 | 6 => a.distance <= 1 && a.edits.iter().all(Edit::is_typo_like),
        _ => a.distance <= 1 || (a.cost <= 1.3 + 1e-4 && a.edits.iter().any(Edit::is_typo_like)),
    }
}

/// A non-ASCII character whose skeleton is one ASCII character becomes that character.
fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    let mut buf = [0u8; 4];
    let s = skeleton(c.encode_utf8(&mut buf));
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (Some(f), None) if f.is_ascii_alphanumeric() => f,
        _ => c,
    }
}

/// The first phishing word among the host's tokens before byte `end` (the public suffix),
/// other than the one at `except`.
fn keyword_in(host: &str, end: usize, except: Option<usize>) -> Option<&str> {
    embedding::tokens(host)
        .take_while(|&(at, _)| at < end)
        .find(|&(at, t)| Some(at) != except && embedding::is_phishing_word(t))
        .map(|(_, t)| t)
}

/// The host's registrable label in lowercase (borrowed when it already is: every ASCII label
/// from a parsed URL).
fn lower_label(label: &str) -> Cow<'_, str> {
    if label.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(label)
    } else {
        Cow::Owned(label.to_lowercase())
    }
}

/// Length in bytes of the Unicode form of an ASCII public suffix.
fn suffix_len(ascii_suffix: &str) -> usize {
    if ascii_suffix.contains("xn--") { to_unicode(ascii_suffix).len() } else { ascii_suffix.len() }
}

/// "a", "a and b", "a, b and c".
fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            format!("{} and {}", init.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", "), last.as_ref())
        }
    }
}

/// Lists the non-ASCII characters of a label: "the Cyrillic 'а' and the Cyrillic 'і'".
fn describe_foreign(label: &str) -> String {
    let mut seen: Vec<char> = Vec::new();
    for c in label.chars().filter(|c| !c.is_ascii()) {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    let described: Vec<String> = seen.iter().take(4).map(|&c| describe_char(c)).collect();
    join_and(&described)
}

/// Explains how `label` imitates `brand` (same skeleton).
fn describe_homograph(label: &str, brand: &str) -> String {
    let l: Vec<char> = label.chars().collect();
    let b: Vec<char> = brand.chars().collect();
    if !label.is_ascii() {
        let scripts: Vec<&str> = l.iter().filter(|c| c.is_alphabetic()).map(|&c| skeleton::script_name(c)).collect();
        if let Some(first) = scripts.first() {
            if *first != "Latin" && scripts.iter().all(|s| s == first) {
                return format!("it is written entirely in {first} letters that imitate the Latin ones");
            }
        }
    }
    if l.len() == b.len() {
        let diffs: Vec<String> = l
            .iter()
            .zip(&b)
            .enumerate()
            .filter(|(_, (x, y))| x != y)
            .take(3)
            .map(|(i, (&x, &y))| {
                let what = if x.is_alphabetic() { "letter" } else { "character" };
                format!("its {} {what} is {}, not {}", ordinal(i + 1), describe_char(x), describe_char(y))
            })
            .collect();
        if !diffs.is_empty() {
            return join_and(&diffs);
        }
    }
    // Different lengths (`rn` for `m`): show the part that differs.
    let prefix = l.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = l[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let got: String = l[prefix..l.len() - suffix].iter().collect();
    let want: String = b[prefix..b.len() - suffix].iter().collect();
    format!("it writes \"{got}\" where the real name has \"{want}\"")
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::OnceLock;

    use super::*;
    use crate::domain::parse_url;

    const BRANDS_JSON: &str = include_str!("../../../packs/default/brands.json");

    /// Categories a brand may have (BRANDS.md explains them).
    const CATEGORIES: &[&str] = &[
        "bank",
        "cloud",
        "crypto",
        "delivery",
        "education",
        "email",
        "gaming",
        "government",
        "news",
        "payment",
        "reference",
        "search",
        "shopping",
        "social",
        "streaming",
        "tax",
        "tech",
        "telecom",
        "travel",
    ];

    fn brands() -> &'static [Brand] {
        static B: OnceLock<Vec<Brand>> = OnceLock::new();
        B.get_or_init(|| serde_json::from_str(BRANDS_JSON).unwrap_or_else(|e| panic!("brands.json: {e}")))
    }

    fn index() -> &'static BrandIndex {
        static I: OnceLock<BrandIndex> = OnceLock::new();
        I.get_or_init(|| BrandIndex::new(brands()))
    }

    /// A host as the engine sees it: through the URL parser (IDNA to punycode) and the PSL.
    fn host(h: &str) -> HostInfo<'static> {
        let url = parse_url(&format!("http://{h}/")).unwrap_or_else(|e| panic!("{h}: {e}"));
        HostInfo::new(embedded_psl(), url.host_str().unwrap_or_default()).into_owned()
    }

    fn check(h: &str) -> Vec<Finding> {
        index().check_host(&host(h))
    }

    #[test]
    fn lookalike_table() {
        // (case, host, signal, min confidence, target, evidence must contain)
        let cases: &[(&str, &str, &str, f64, &str, &str)] = &[
            (
                "cyrillic a in paypal",
                "pаypal.com",
                HIGH,
                1.0,
                "paypal.com",
                "2nd letter is the Cyrillic 'а', not the Latin 'a'",
            ),
            ("greek omicron in google", "gοogle.com", HIGH, 1.0, "google.com", "Greek"),
            ("whole-script cyrillic apple", "аррӏе.com", HIGH, 1.0, "apple.com", "entirely in Cyrillic"),
            ("punycode input", "xn--pypal-4ve.com", HIGH, 1.0, "paypal.com", "Cyrillic"),
            ("homograph under www", "www.xn--pypal-4ve.com", HIGH, 1.0, "paypal.com", "pаypal.com"),
            // The Unicode form alone reads like the brand's domain: the real (punycode) one is shown.
            (
                "homograph evidence names the punycode",
                "pаypal.com",
                HIGH,
                1.0,
                "paypal.com",
                "pаypal.com (xn--pypal-4ve.com) looks like",
            ),
            ("homograph plus typo", "pаypai.com", HIGH, 0.9, "paypal.com", "Cyrillic"),
            ("cyrillic x for X", "х.com", HIGH, 1.0, "x.com", "Cyrillic"),
            ("digit one for l", "paypa1.com", HIGH, 0.9, "paypal.com", "6th character is the digit '1'"),
            ("rn for m", "rnicrosoft.com", HIGH, 0.9, "microsoft.com", "\"rn\" where the real name has \"m\""),
            ("zeros for o", "faceb00k.com", HIGH, 0.9, "facebook.com", "digit '0'"),
            ("vv for w", "vvalmart.com", HIGH, 0.9, "walmart.com", "walmart.com"),
            ("doubled letter", "gooogle.com", MEDIUM, 0.7, "google.com", "doubled 'o'"),
            ("keyboard or look-alike neighbour", "amazom.com", HIGH, 0.85, "amazon.com", "'m' in place"),
            ("transposition", "payapl.com", MEDIUM, 0.65, "paypal.com", "swapped"),
            ("two edits on a long label", "mircosotf.com", MEDIUM, 0.35, "microsoft.com", "2 changes"),
            ("missing letter", "netflx.com", MEDIUM, 0.6, "netflix.com", "missing 'i'"),
            ("keyboard typo", "paypak.com", MEDIUM, 0.65, "paypal.com", "keyboard"),
            ("long label, two edits", "bankofamerlca.com", HIGH, 0.85, "bankofamerica.com", "look-alike"),
            ("brand on another suffix", "paypal.xyz", MEDIUM, 0.8, "paypal.com", "paypal.xyz uses the name"),
            ("brand on a github.io page", "paypal.github.io", MEDIUM, 0.8, "paypal.com", "does not own"),
            ("common word with keyword", "login.apple.xyz", MEDIUM, 0.7, "apple.com", "\"login\""),
            ("combosquat suffix word", "paypal-login.example", MEDIUM, 0.8, "paypal.com", "\"login\""),
            (
                "combosquat prefix word",
                "secure-paypal.example.net",
                MEDIUM,
                0.8,
                "paypal.com",
                "secure-paypal.example.net",
            ),
            (
                "full domain then hyphen",
                "paypal.com-secure.example",
                MEDIUM,
                0.85,
                "paypal.com",
                "starts with paypal.com",
            ),
            (
                "full domain as subdomain",
                "www.paypal.com.account-verify.info",
                MEDIUM,
                0.85,
                "paypal.com",
                "account-verify.info",
            ),
            ("common word needs a keyword", "secure-chase-verify.com", MEDIUM, 0.7, "chase.com", "Chase"),
            ("apple id", "apple-id-verify.com", MEDIUM, 0.7, "apple.com", "Apple"),
            ("short brand as full domain", "dhl.com-tracking.info", MEDIUM, 0.85, "dhl.com", "starts with dhl.com"),
            ("look-alike token", "paypa1-login.com", MEDIUM, 0.85, "paypal.com", "look-alike"),
            ("brand glued to a phishing word", "paypalsecure.com", MEDIUM, 0.8, "paypal.com", "\"secure\""),
            ("phishing word glued to a brand", "www.loginmicrosoft.com", MEDIUM, 0.8, "microsoft.com", "\"login\""),
            ("brand name, not a domain label", "steam-gift-card-free.xyz", MEDIUM, 0.7, "steampowered.com", "\"gift\""),
            ("brand name with a plus", "disney-plus-billing.com", MEDIUM, 0.8, "disneyplus.com", "Disney+"),
            ("look-alike everyday word", "amaz0n-orders.com", MEDIUM, 0.6, "amazon.com", "\"amaz0n\""),
            ("three letters with a phishing word", "dhl-parcel-tracking.info", MEDIUM, 0.6, "dhl.com", "DHL"),
            ("longer brand wins a tie", "ledger-live-update.com", MEDIUM, 0.7, "ledger.com", "Ledger"),
            ("tax agency", "irs.gov.refund-status.com", MEDIUM, 0.85, "irs.gov", "IRS"),
            ("bank on uk suffix", "hsbc.co.uk.secure-login.com", MEDIUM, 0.85, "hsbc.com", "hsbc.co.uk"),
            ("wallet typo", "metamsk.io", MEDIUM, 0.6, "metamask.io", "MetaMask"),
            ("steam community typo", "steamcommunlty.com", HIGH, 0.85, "steampowered.com", "steamcommunity.com"),
        ];
        for &(name, h, signal, min_conf, target, evidence) in cases {
            let f = check(h);
            assert_eq!(f.len(), 1, "{name} ({h}): {f:#?}");
            let f = &f[0];
            assert_eq!(f.signal, signal, "{name} ({h}): {}", f.evidence);
            assert!(
                f.confidence >= min_conf - 1e-9,
                "{name} ({h}): confidence {} < {min_conf}: {}",
                f.confidence,
                f.evidence
            );
            assert_eq!(f.target.as_deref(), Some(target), "{name} ({h}): {}", f.evidence);
            assert!(f.brand.is_some(), "{name}");
            assert!(f.evidence.contains(evidence), "{name} ({h}): evidence {:?} lacks {evidence:?}", f.evidence);
        }
    }

    #[test]
    fn mixed_script_without_brand() {
        for (name, h, scripts) in [
            ("latin + cyrillic", "sh\u{43e}pfast.com", "mixes Latin and Cyrillic letters"),
            ("latin + greek", "g\u{3bf}odsite.com", "mixes Latin and Greek letters"),
            (
                "cyrillic word with a latin letter",
                "\u{44f}\u{43d}\u{434}\u{435}x.\u{440}\u{444}",
                "mixes Cyrillic and Latin letters",
            ),
        ] {
            let f = check(h);
            assert_eq!(f.len(), 1, "{name} ({h}): {f:#?}");
            assert_eq!(f[0].signal, MEDIUM, "{name}");
            assert!((f[0].confidence - 0.6).abs() < 1e-9, "{name}");
            assert_eq!(f[0].target, None, "{name}");
            assert_eq!(f[0].brand, None, "{name}");
            assert!(f[0].evidence.contains(scripts), "{name}: {}", f[0].evidence);
        }
    }

    #[test]
    fn negatives_table() {
        for (name, h) in [
            ("brand itself", "paypal.com"),
            ("brand subdomain", "www.paypal.com"),
            ("brand on a uk suffix it owns", "www.paypal.co.uk"),
            ("short-link domain", "paypal.me"),
            ("bing is not ing", "bing.com"),
            ("ing is not bing", "ing.com"),
            ("apple", "apple.com"),
            ("appleton is not apple", "appleton.org"),
            ("amazon's own cloud", "s3.amazonaws.com"),
            ("amazon's own cloud bucket", "my-bucket.s3.amazonaws.com"),
            ("github pages", "myproject.github.io"),
            ("github pages user", "foo.github.io"),
            ("public suffix itself", "github.io"),
            ("german IDN", "münchen.de"),
            ("japanese IDN", "例え.jp"),
            ("russian IDN", "яндекс.рф"),
            ("greek IDN", "ελλάδα.gr"),
            ("example", "example.com"),
            ("ip address", "192.168.1.10"),
            ("ipv6", "[::1]"),
            ("everyday word alone", "orange-juice-recipes.com"),
            ("everyday word on a suffix", "target-practice.org"),
            ("unrelated words", "currency-exchange-rates.org"),
            ("longer word", "paypalish.com"),
            ("unrelated short", "ups-and-downs.net"),
            ("everyday brand word glued to a word", "targetcenter.com"),
            ("brand glued to an ordinary word", "paypalish.com"),
            ("short everyday word next to a phishing word", "sky-login-secure.com"),
            ("brand label that is a phishing word", "secure-login.example"),
            ("brand word inside a longer token", "chasers.com"),
            ("bare suffix", "co.uk"),
        ] {
            let f = check(h);
            assert!(f.is_empty(), "{name} ({h}): {f:#?}");
        }
    }

    #[test]
    fn every_brand_domain_is_clean() {
        // The false-positive gate: a brand's own domains never produce a finding, neither as
        // themselves nor with a www. in front.
        let idx = index();
        for b in brands() {
            for d in &b.domains {
                for h in [d.clone(), format!("www.{d}")] {
                    let f = check(&h);
                    assert!(f.is_empty(), "{} ({h}): {f:#?}", b.name);
                }
            }
        }
        assert_eq!(idx.len(), brands().len());
    }

    #[test]
    fn no_brand_domain_looks_like_another_brand() {
        // Stronger gate: ignoring the owner, a brand's domains must not look like any *other*
        // brand (so `bing.com` never matches ING, `paypal.me` never matches anything else).
        let idx = index();
        let psl = embedded_psl();
        let mut problems = Vec::new();
        for (id, b) in brands().iter().enumerate() {
            for d in &b.domains {
                let h = HostInfo::new(psl, d);
                for f in idx.findings(&h, Some(id)) {
                    problems.push(format!("{d} ({}) -> {:?}: {}", b.name, f.brand, f.evidence));
                }
            }
        }
        assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    }

    #[test]
    fn brands_json_hygiene() {
        let brands = brands();
        assert!(brands.len() >= 500, "only {} brands", brands.len());
        let psl = SuffixList::embedded();
        let mut seen = HashSet::new();
        let mut names = HashSet::new();
        for b in brands {
            assert!(!b.name.trim().is_empty());
            assert!(names.insert(b.name.clone()), "duplicate brand name {}", b.name);
            assert!(CATEGORIES.contains(&b.category.as_str()), "{}: category {}", b.name, b.category);
            assert!(!b.domains.is_empty(), "{}", b.name);
            for d in &b.domains {
                assert!(
                    d.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-'),
                    "{}: {d} is not lowercase ASCII",
                    b.name
                );
                assert_eq!(psl.registrable(d), Some(d.as_str()), "{}: {d} is not a registrable domain", b.name);
                assert!(seen.insert(d.clone()), "{d} listed twice");
            }
            for a in &b.aliases {
                assert_eq!(a, &a.to_lowercase(), "{}: alias {a}", b.name);
                assert!(!a.trim().is_empty());
            }
            assert!(b.phashes.iter().all(|p| p.len() == 16 && p.bytes().all(|c| c.is_ascii_hexdigit())));
        }
    }

    #[test]
    fn owner_lookup() {
        let idx = index();
        let paypal = idx.owner_of("paypal.com").unwrap_or_else(|| panic!("paypal.com"));
        assert_eq!(idx.brand(paypal).name, "PayPal");
        assert_eq!(idx.owner_of("paypal.me"), Some(paypal));
        assert_eq!(idx.owner_of("example.com"), None);
        assert!(!idx.is_empty());
    }

    #[test]
    fn brand_names_in_titles() {
        let idx = index();
        let name_of = |ids: Vec<usize>| -> Vec<String> { ids.into_iter().map(|i| idx.brand(i).name.clone()).collect() };
        for (name, text, want) in [
            ("paypal", "Log in to your PayPal account", vec!["PayPal"]),
            ("alias", "Sign in to your Microsoft 365 account", vec!["Microsoft"]),
            ("short as segment", "Track your parcel | DHL", vec!["DHL"]),
            ("nothing", "My holiday photos", vec![]),
            ("not inside words", "Appleton weather today", vec![]),
        ] {
            assert_eq!(name_of(idx.brands_named_in(text)), want, "{name}");
        }
    }

    #[test]
    fn deterministic_and_robust() {
        let idx = index();
        for h in ["pаypal.com", "paypal-login.example", "gooogle.com", "xn--bnk-8cd.com"] {
            assert_eq!(check(h), check(h), "{h}");
        }
        // Same brands, another order of building: same findings.
        let mut rev: Vec<Brand> = brands().to_vec();
        rev.reverse();
        let other = BrandIndex::new(&rev);
        for h in ["pаypal.com", "gooogle.com", "paypal.com-secure.example"] {
            let a = idx.check_host(&host(h));
            let b = other.check_host(&host(h));
            assert_eq!(a.len(), b.len(), "{h}");
            assert_eq!(a[0].evidence, b[0].evidence, "{h}");
        }
        // Odd hosts never panic.
        let long = "a".repeat(300);
        let many = "a.".repeat(120) + "com";
        for h in ["", ".", "-", "--.com", long.as_str(), many.as_str(), "xn--.com", "xn--zz.com", "1.2.3", "_.com"] {
            let info = HostInfo::new(embedded_psl(), h);
            let _ = idx.check_host(&info);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Any host text (as the URL parser would hand it over, or garbage) and any title: no
        /// panic, at most one brand finding, confidences in range.
        #[test]
        fn never_panics(h in "[a-z0-9.\\-]{0,40}|\\PC{0,24}", title in "\\PC{0,60}") {
            let idx = index();
            let host = match parse_url(&format!("http://{h}/")) {
                Ok(u) => HostInfo::new(embedded_psl(), u.host_str().unwrap_or_default()).into_owned(),
                Err(_) => HostInfo::new(embedded_psl(), &h),
            };
            let f = idx.check_host(&host);
            proptest::prop_assert!(f.len() <= 1);
            for x in &f {
                proptest::prop_assert!((0.0..=1.0).contains(&x.confidence));
                proptest::prop_assert!(x.signal == HIGH || x.signal == MEDIUM);
            }
            let named = idx.brands_named_in(&title);
            proptest::prop_assert!(named.iter().all(|&b| b < idx.len()));
        }
    }

    #[test]
    fn empty_index() {
        let idx = BrandIndex::new(&[]);
        assert!(idx.is_empty());
        assert!(idx.check_host(&host("pаypal.com")).iter().all(|f| f.target.is_none()));
        assert!(idx.brands_named_in("PayPal").is_empty());
    }
}
