// Plain words for verdicts, reports, and the content script's pure extraction helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe as words, alertText, bulletinText, yaraFamily, BADGE } from '../../extension/lib/words.js';
import { buildReport, backoffMs, retryAfterMs, ReportQueue, MAX_REPORT_BYTES } from '../../extension/background/reports.js';
import { cutUtf8, utf8Len, collapse, parseRefresh, scriptRedirect, cssResourceUrls, firstSrcsetUrl, boundedEntry, MAX_ENTRY } from '../../extension/content/extract.js';

const locale = (l) => JSON.parse(readFileSync(new URL(`../../extension/_locales/${l}/messages.json`, import.meta.url), 'utf8'));
const en = locale('en');
/** chrome.i18n.getMessage over the English messages (named placeholders → $1…). */
function t(key, subs) {
  const m = en[key];
  if (!m) return '';
  const args = [].concat(subs ?? []);
  return m.message.replace(/\$([A-Z_]+)\$/g, (_, name) => {
    const p = m.placeholders[name.toLowerCase()].content;
    return args[Number(p.slice(1)) - 1] ?? '';
  });
}

const finding = (signal, extra = {}) => ({ signal, weight: 10, confidence: 1, evidence: 'x', ...extra });

test('red lookalike: "This page is pretending to be PayPal. Don\'t enter your password."', () => {
  const w = words({ level: 'red', findings: [finding('idn_homograph_high', { brand: 'PayPal', target: 'paypal.com' }), finding('phishing_form_cross_domain')] }, t);
  assert.equal(w.headline, 'This page is pretending to be PayPal.');
  assert.equal(w.advice, "Don't enter your password.");
  assert.deepEqual(w.reasons, ['The web address imitates PayPal with look-alike letters.', 'The password form sends what you type to a different website.']);
});

test('alertText: every string of the warning, translated, with the verdict\'s values', () => {
  const verdict = {
    level: 'red', host: 'www.xn--pypal-4ve.com', registrable_domain: 'xn--pypal-4ve.com', score: 85, pack_version: '2026.12.07.1',
    findings: [finding('idn_homograph_high', { brand: 'PayPal', target: 'paypal.com' }), finding('yara_phishing_high', { rule: 'PK_Generic', weight: 45, confidence: 0.5 }), finding('reputation_hit', { source: 'phishtank' })],
  };
  const tEn = (key, subs) => (key === '@@ui_locale' ? 'en_US' : t(key, subs));
  const a = alertText(verdict, tEn, 'ltr');
  assert.equal(a.headline, 'This page is on a list of known dangerous websites.');
  assert.deepEqual(a.reasons, words(verdict, tEn).reasons);
  assert.equal(a.dir, 'ltr');
  assert.equal(a.lang, 'en-US');
  assert.equal(a.realSite, tEn('realSiteIs', ['PayPal', 'paypal.com']));
  assert.match(a.realSite, /paypal\.com/);
  assert.equal(a.trustConfirm, tEn('trustConfirm', 'xn--pypal-4ve.com'));
  assert.equal(a.details.length, 3);
  assert.equal(a.details[1], `${tEn('detailRule', 'PK_Generic')} ${tEn('detailSignal', ['yara_phishing_high', 23])}`);
  assert.equal(a.details[2], `${tEn('detailSource', 'phishtank')} ${tEn('detailSignal', ['reputation_hit', 10])}`);
  assert.equal(a.score, tEn('detailScore', [85, '2026.12.07.1']));
  for (const [k, v] of Object.entries(a.ui)) assert.ok(v && v !== k && v === tEn(k), `ui.${k} translated`);
  assert.deepEqual(Object.keys(a.ui).sort(), ['cancel', 'detailsTitle', 'dismiss', 'extName', 'goBack', 'hideDetails', 'ignoreWarning', 'noticeTitle', 'report', 'showDetails', 'trustSite', 'trustYes', 'warningBand', 'youAreOn']);
  // No lookalike finding: no "the real site is" sentence.
  assert.equal(alertText({ ...verdict, findings: [finding('phishing_keywords_only')] }, tEn, 'ltr').realSite, null);
  const bt = bulletinText(tEn, 'rtl');
  assert.deepEqual(bt, { dir: 'rtl', lang: 'en-US', title: tEn('bulletin_title'), links: tEn('bulletin_links'), close: tEn('bulletin_close') });
  assert.ok(bt.title && bt.title !== 'bulletin_title');
});

test('headline by kind: reputation, crypto, malware, fake login, green, trusted', () => {
  assert.equal(words({ level: 'red', findings: [finding('reputation_hit')] }, t).headline, 'This page is on a list of known dangerous websites.');
  const crypto = finding('yara_phishing_high', { evidence: 'Content rule CS_X matched: "seed" [crypto-scam, high]' });
  assert.equal(yaraFamily(crypto), 'crypto-scam');
  assert.equal(words({ level: 'red', findings: [crypto] }, t).advice, "Never type your wallet's recovery phrase here.");
  assert.equal(words({ level: 'red', findings: [finding('yara_phishing_high', { evidence: '… [malware-dropper, high]' })] }, t).headline, 'This page may try to make you install harmful software.');
  assert.equal(words({ level: 'red', findings: [finding('phishing_form_cross_domain')] }, t).headline, 'This page looks like a fake sign-in page.');
  assert.equal(words({ level: 'green', findings: [] }, t).headline, 'FerretWatch found no warning signs on this page.');
  assert.equal(words({ level: 'green', trusted: true, findings: [] }, t).headline, 'You told FerretWatch to trust this site.');
  assert.equal(words({ level: 'yellow', findings: [finding('phishing_keywords_only')] }, t).headline, 'Some things on this page look suspicious.');
});

test('every signal of the default pack has a plain-language reason in every locale', () => {
  const pack = JSON.parse(readFileSync(new URL('../../packs/default/pack.json', import.meta.url), 'utf8'));
  for (const l of ['en', 'fr', 'ar']) {
    const m = locale(l);
    assert.deepEqual(Object.keys(m).sort(), Object.keys(en).sort(), `${l}: same keys as en`);
    for (const s of Object.keys(pack.weights)) assert.ok(m[`reason_${s}`]?.message, `${l}: reason_${s}`);
    for (const [k, v] of Object.entries(m)) assert.ok(!/<[a-z]/i.test(v.message), `${l}.${k}: no markup`);
  }
  assert.equal(locale('ar').goBack.message, 'العودة إلى الأمان');
});

test('badge colours: text contrast at least 4.5:1', () => {
  const lum = (hex) => {
    const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  for (const [level, b] of Object.entries(BADGE)) {
    const [a, c] = [lum(b.color), lum(b.textColor)].sort((x, y) => y - x);
    assert.ok((a + 0.05) / (c + 0.05) >= 4.5, `${level}: ${(a + 0.05) / (c + 0.05)}`);
  }
});

test('report payload: only URL, time, versions, score, findings, reason; at most 10 KB', () => {
  const v = { url: 'https://x.example/a', pack_version: 'p1', score: 80, level: 'red', findings: Array.from({ length: 50 }, (_, i) => finding(`s${i}`, { evidence: 'e'.repeat(5000) })) };
  const r = buildReport(v, { reason: 'phishing_login', version: '0.1.0', now: 0, note: 'ignored unless other' });
  assert.deepEqual(Object.keys(r).sort(), ['extension_version', 'findings', 'id', 'level', 'pack_version', 'reason', 'score', 'timestamp', 'url']);
  assert.ok(Buffer.byteLength(JSON.stringify(r)) <= MAX_REPORT_BYTES);
  assert.equal(buildReport(v, { reason: 'bogus', version: '1' }).reason, 'other');
  assert.equal(buildReport({ ...v, findings: [] }, { reason: 'other', note: 'n'.repeat(1000), version: '1' }).note.length, 280);
});

test('retry timing: backoff doubles to 1 h with jitter; Retry-After seconds and dates', () => {
  assert.equal(backoffMs(1, () => 0.5), 30_000);
  assert.equal(backoffMs(3, () => 0.5), 120_000);
  assert.equal(backoffMs(30, () => 0.5), 3600_000);
  assert.equal(retryAfterMs('7'), 7000);
  assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(retryAfterMs('soon'), null);
});

test('report queue: stored first, retried, removed only on 2xx, one idempotency key', async () => {
  let store = {};
  const storage = { get: async (k) => ({ [k]: store[k] }), set: async (o) => Object.assign(store, o) };
  let now = 1000;
  const replies = [503, 429, 201];
  const calls = [];
  const q = new ReportQueue({
    storage,
    serialized: (fn) => fn(),
    endpoint: () => 'https://r.example/',
    now: () => now,
    fetch: async (url, init) => {
      calls.push(init.headers['Idempotency-Key']);
      const status = replies.shift();
      return { ok: status < 300, status, headers: { get: () => (status === 429 ? '5' : null) } };
    },
  });
  const id = await q.enqueue({ url: 'u' });
  assert.equal((await q.pending()).length, 1);
  assert.equal((await q.flush()).pending, 1);
  assert.equal((await q.flush()).sent, 0, 'not due yet: nothing sent');
  now += 3600_000;
  await q.flush();
  assert.equal((await q.pending())[0].nextAt, now + 5000, '429 Retry-After honoured');
  now += 5000;
  assert.deepEqual(await q.flush(), { sent: 1, rejected: [], pending: 0, nextAt: null });
  assert.deepEqual(calls, [id, id, id]);
});

test('extraction helpers follow the native contract', () => {
  assert.equal(utf8Len('aé€😀'), 1 + 2 + 3 + 4);
  assert.equal(cutUtf8('aé€', 4), 'aé');
  assert.equal(cutUtf8('😀x', 3), '');
  assert.equal(collapse('  Sign \n in\u00a0 now ', 100), 'Sign in now');
  assert.deepEqual(parseRefresh('0; url=https://x.example/'), [0, 'https://x.example/']);
  assert.deepEqual(parseRefresh(" 3 , URL = 'b.html' "), [3, 'b.html']);
  assert.equal(parseRefresh('5'), null);
  assert.equal(scriptRedirect('if (location == "x") {} window.location.href = "https://a.example/"'), 'https://a.example/');
  assert.equal(scriptRedirect('document.location.replace(\'/b\')'), '/b');
  assert.equal(scriptRedirect('mylocation = "no"; top.location = `https://c.example/${x}`'), null);
  assert.deepEqual(cssResourceUrls('@import url("a.css"); @font-face { src: url(f.woff2) format("woff2"), url(\'g.woff\'); } .x{background:url(no.png)}'), ['a.css', 'f.woff2', 'g.woff']);
  assert.equal(firstSrcsetUrl(' , a.png 1x, b.png 2x'), 'a.png');
  assert.equal(boundedEntry(' x '), 'x');
  assert.equal(boundedEntry('h'.repeat(MAX_ENTRY + 1)), null);
  assert.equal(boundedEntry(`data:${'a'.repeat(MAX_ENTRY)}`).length, MAX_ENTRY);
});
