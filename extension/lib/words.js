// Verdict → plain words. The engine's findings are technical; people get a sentence first
// ("This page is pretending to be PayPal. Don't enter your password.") and the evidence only
// on demand. Pure: `t(key, subs)` is the translation function (browser.js `t`, or a stub of
// the English messages in the node tests).

/** The kinds of headline, strongest first when several findings apply. */
const BRAND_SIGNALS = new Set(['idn_homograph_high', 'idn_homograph_medium', 'brand_name_mismatch', 'brand_asset_mismatch']);

/** Family of a YARA finding, from the `[family, severity]` suffix of its evidence. */
export function yaraFamily(finding) {
  const m = /\[([a-z-]+), [a-z]+\]\s*$/.exec(finding?.evidence ?? '');
  return m ? m[1] : null;
}

/** Display name of a brand domain (`paypal.com` → `PayPal` is not derivable: we use `paypal.com`). */
function brandOf(findings) {
  for (const f of findings) {
    if (BRAND_SIGNALS.has(f.signal) && (f.brand || f.target)) return f.brand || f.target;
  }
  return null;
}

/**
 * What to tell the person about a verdict: `{level, headline, advice, reasons[]}`, where
 * `reasons` is one short plain sentence per distinct kind of finding (for the details list).
 */
export function describe(verdict, t) {
  const findings = verdict?.findings ?? [];
  const level = verdict?.level ?? 'green';
  const brand = brandOf(findings);
  const top = findings[0]?.signal;
  const families = new Set(findings.map(yaraFamily).filter(Boolean));
  let headline;
  if (level === 'green') headline = verdict?.trusted ? t('headlineTrusted') : t('headlineGreen');
  else if (findings.some((f) => f.signal === 'reputation_hit')) headline = t('headlineKnownBad');
  else if (brand) headline = t('headlineImpersonation', brand);
  else if (families.has('crypto-scam')) headline = t('headlineCryptoScam');
  else if (families.has('malware-dropper')) headline = t('headlineMalware');
  else if (families.has('tech-support-scam')) headline = t('headlineTechSupport');
  else if (top === 'phishing_form_cross_domain' || families.has('credential-harvest') || families.has('phishing-kit')) {
    headline = t('headlineFakeLogin');
  } else headline = level === 'red' ? t('headlineSuspicious') : t('headlineCareful');

  let advice;
  if (level === 'green') advice = '';
  else if (families.has('malware-dropper')) advice = t('adviceNoDownload');
  else if (families.has('crypto-scam')) advice = t('adviceNoSeedPhrase');
  else if (families.has('tech-support-scam')) advice = t('adviceNoCall');
  else advice = level === 'red' ? t('adviceNoPassword') : t('adviceCareful');

  const seen = new Set();
  const reasons = [];
  for (const f of findings) {
    const key = `reason_${f.signal}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const text = t(key, f.brand || f.target || '');
    reasons.push(text === key ? t('reason_other') : text);
  }
  return { level, headline, advice, reasons, brand };
}

/** UI strings of the in-page warning and notice that take no arguments. */
const ALERT_UI = ['warningBand', 'youAreOn', 'goBack', 'showDetails', 'hideDetails', 'report', 'trustSite', 'trustYes', 'cancel', 'ignoreWarning', 'extName', 'noticeTitle', 'dismiss', 'detailsTitle'];

/** The language tag of the UI (`@@ui_locale` is `fr` or `en_US`; `lang` wants `en-US`). */
const uiLang = (t) => t('@@ui_locale').replace('_', '-');

/**
 * Every string the in-page red warning or yellow notice can show for `verdict`, already
 * translated: `describe`'s words, the sentences with the verdict's values in them, each
 * finding's detail line, and the fixed button and heading texts (`ui`). The worker builds it
 * and sends it with red and yellow verdicts, so the content script never looks a message up
 * itself: a content script's first `i18n.getMessage` blocks the page's thread for 2–10 ms while
 * the browser hands the translations over, and that was the largest part of drawing a warning.
 * `dir` is the UI's text direction (`ltr` / `rtl`).
 */
export function alertText(verdict, t, dir) {
  const words = describe(verdict, t);
  // The impersonated brand's real address, when a lookalike finding names it.
  const realSite = (verdict?.findings ?? []).find((f) => f.target && (f.brand || f.target) === words.brand)?.target ?? null;
  return {
    ...words,
    dir,
    lang: uiLang(t),
    realSite: realSite ? t('realSiteIs', [words.brand, realSite]) : null,
    trustConfirm: t('trustConfirm', verdict.registrable_domain),
    details: (verdict.findings ?? []).map((f) =>
      [f.rule ? t('detailRule', f.rule) : null, f.source ? t('detailSource', f.source) : null, t('detailSignal', [f.signal, Math.round(f.weight * f.confidence)])].filter(Boolean).join(' '),
    ),
    score: t('detailScore', [verdict.score, verdict.pack_version]),
    ui: Object.fromEntries(ALERT_UI.map((k) => [k, t(k)])),
  };
}

/** The strings of a campaign bulletin's banner (sent with the bulletin, as `alertText` is). */
export function bulletinText(t, dir) {
  return { dir, lang: uiLang(t), title: t('bulletin_title'), links: t('bulletin_links'), close: t('bulletin_close') };
}

/** Badge per level: short text + colours with enough contrast (WCAG AA for the text). */
export const BADGE = Object.freeze({
  green: { text: 'OK', color: '#1e7b34', textColor: '#ffffff' },
  yellow: { text: '!', color: '#f2c200', textColor: '#000000' },
  red: { text: '!!', color: '#c5221f', textColor: '#ffffff' },
  error: { text: '?', color: '#5f6368', textColor: '#ffffff' },
});
