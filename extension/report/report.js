// Report flow: the person picks a reason, sees the exact payload, and only then sends it.
import { send, t } from '../lib/browser.js';
import { localize, el } from '../lib/i18n.js';

const REASONS = ['phishing_login', 'payment_fraud', 'malware_download', 'brand_impersonation', 'data_exfiltration', 'other'];
localize();
const $ = (id) => document.getElementById(id);
const tabId = Number(new URLSearchParams(location.search).get('tab'));

$('reasons').replaceChildren(...REASONS.map((r, i) => el('div', {}, el('input', { type: 'radio', name: 'reason', id: `r-${r}`, value: r, checked: i === 0 }), el('label', { for: `r-${r}` }, t(`reason_${r}_label`)))));
const reason = () => document.querySelector('input[name=reason]:checked')?.value ?? 'other';

async function preview() {
  const { payload, endpoint } = await send({ type: 'reportDraft', tabId, reason: reason(), note: $('note').value });
  $('payload').textContent = JSON.stringify({ ...payload, id: t('reportIdLater') }, null, 2);
  $('payload-label').textContent = t('reportEndpointIs', endpoint);
  document.body.dataset.ready = 'true';
}
document.addEventListener('change', preview);
$('note').addEventListener('input', preview);
$('send').addEventListener('click', async () => {
  $('send').disabled = true;
  try {
    const r = await send({ type: 'sendReport', tabId, reason: reason(), note: $('note').value });
    if (r.rejected?.includes(r.id)) {
      $('result').textContent = t('reportRefused');
      $('send').disabled = false;
    } else $('result').textContent = r.pending === 0 || r.sent ? t('reportSent') : t('reportQueued');
  } catch (e) {
    $('result').textContent = t('reportFailed');
    $('send').disabled = false;
  }
});
preview().catch(() => ($('payload').textContent = t('reportNoVerdict')));
