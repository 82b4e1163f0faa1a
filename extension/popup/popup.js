// Popup: the current tab's verdict in plain words, details on demand, the rule pack and its
// age, the service (degradation) level and where it comes from, and local health figures.
import { activeTab, local, openOptions, send, t, uiLanguage } from '../lib/browser.js';
import { localize, el } from '../lib/i18n.js';
import { describe } from '../lib/words.js';
import { advisoryText, bulletinFor, safeLinks } from '../lib/bulletins.js';

localize();
const $ = (id) => document.getElementById(id);

function fmtMs(ms) {
  if (ms === null || ms === undefined) return t('popupNoData');
  if (ms === Infinity) return '> 30 s';
  return ms < 1 ? `≤ ${ms.toFixed(2)} ms` : `≤ ${Math.round(ms)} ms`;
}

async function render() {
  // ?tab=ID lets the popup be opened as a page for a given tab (tests, keyboard users).
  const forced = Number(new URLSearchParams(location.search).get('tab'));
  const tab = forced ? { id: forced } : await activeTab();
  const state = await send({ type: 'popupState', tabId: tab?.id });
  const v = state.tab?.verdict;
  const box = $('verdict');
  if (!v) {
    box.className = 'status none';
    $('headline').textContent = t('popupNotChecked');
    $('advice').textContent = '';
    for (const id of ['toggle-details', 'report', 'trust']) $(id).hidden = true;
  } else {
    const words = describe(v, t);
    box.className = `status ${v.level}`;
    $('headline').textContent = words.headline;
    $('advice').textContent = words.advice;
    $('site').textContent = `${t('youAreOn')} ${v.host}`;
    $('findings').replaceChildren(...v.findings.map((f, i) => el('li', {}, words.reasons[i] ?? f.signal, el('span', { class: 'evidence' }, f.evidence), f.rule ? el('span', { class: 'evidence' }, t('detailRule', f.rule)) : null)));
    $('score').textContent = t('detailScore', [v.score, v.pack_version]);
    $('toggle-details').hidden = v.findings.length === 0;
    const trusted = state.settings.trustedSites.includes(v.registrable_domain);
    $('trust').textContent = trusted ? t('untrustSite') : t('trustSite');
    $('trust').onclick = async () => {
      await send({ type: 'trust', tabId: tab.id, domain: v.registrable_domain, trusted: !trusted });
      setTimeout(render, 300);
    };
    $('report').onclick = () => send({ type: 'openReport', tabId: tab.id }).then(() => window.close());
  }
  const age = state.pack.ageDays;
  $('pack').textContent = `${state.pack.version} · ${age === null ? '' : age < 1 ? t('popupAgeToday') : t('popupAgeDays', Math.floor(age))}`;
  renderUpdates(state);
  await renderBulletin(v);
  $('level').textContent = `${t(`levelName${state.level.level}`)} · ${t(`levelSource_${state.level.source}`)}`;
  $('latency').textContent = fmtMs(state.health.p95Ms);
  $('pages').textContent = String(state.health.pages);
  $('problems').textContent = `${state.health.crashes} · ${state.health.failures}`;
  document.body.dataset.ready = 'true';
}

/**
 * A signed bulletin (pulled with the rule updates, verified in wasm) about the site of this tab:
 * its scope names the site, or its brands the brand the page impersonates. Text only.
 */
async function renderBulletin(v) {
  const box = $('bulletin');
  const { bulletins = [] } = v ? await local.get('bulletins') : {};
  const b = bulletinFor(bulletins, v, Date.now() / 1000);
  box.hidden = !b;
  if (!b) return;
  $('bulletin-text').textContent = advisoryText(b, uiLanguage());
  $('bulletin-links').replaceChildren(...safeLinks(b).map((u) => el('li', {}, el('a', { href: u, target: '_blank', rel: 'noopener' }, u))));
  box.dataset.id = b.id;
}

/** Plain words for why an update was refused or failed (the stable `kind` of the verifier). */
function updateWhy(kind) {
  if (['bad_signature', 'missing_signature', 'unknown_key', 'below_threshold', 'expired_key', 'revoked_key', 'duplicate_signer'].includes(kind)) return t('updateWhy_signature');
  if (['hash_mismatch', 'size_mismatch', 'missing_artifact', 'extra_artifact', 'download_too_large', 'delta', 'version_mismatch'].includes(kind)) return t('updateWhy_integrity');
  if (kind === 'rollback') return t('updateWhy_rollback');
  if (kind === 'expired') return t('updateWhy_expired');
  if (kind === 'cdn_unreachable' || kind === 'cdn_http_error') return t('updateWhy_unreachable');
  return t('updateWhy_other');
}

const clock = (ms) => new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });

/** Rule updates: last check, failures, the last refused update, staleness. */
function renderUpdates(state) {
  const u = state.updates ?? {};
  const line = $('updates');
  line.dataset.failures = String(u.failures ?? 0);
  if (u.failures > 0 && u.lastError) line.textContent = t('updatesFailing', [clock(u.lastError.at), updateWhy(u.lastError.kind)]);
  else if (u.lastSuccessAt) line.textContent = t('updatesChecked', clock(u.lastSuccessAt));
  else line.textContent = t('updatesNever');
  const r = u.lastRejection;
  $('rejected').hidden = !r;
  $('rejected').dataset.kind = r?.kind ?? '';
  $('rejected').textContent = r ? t('updateRejected', [r.version ?? '?', updateWhy(r.kind)]) : '';
  const stale = $('stale');
  stale.hidden = !state.pack.stale;
  if (u.stale && state.pack.created) {
    stale.textContent = t('popupStaleUpdates', new Date(state.pack.created).toLocaleDateString());
  }
}

$('toggle-details').addEventListener('click', () => {
  const d = $('details');
  d.hidden = !d.hidden;
  $('toggle-details').setAttribute('aria-expanded', String(!d.hidden));
  $('toggle-details').textContent = d.hidden ? t('showDetails') : t('hideDetails');
});
$('options').addEventListener('click', () => openOptions());
render().catch((e) => {
  $('headline').textContent = t('popupError');
  $('advice').textContent = String(e.message ?? e);
});
