// Options: alert threshold, trusted sites, telemetry opt-in (off by default), report endpoint,
// update URLs, export/import, soft/hard reset. Keys pinned by enterprise policy are disabled.
import { local, managed, send, t } from '../lib/browser.js';
import { localize, el } from '../lib/i18n.js';
import { effective, exportSettings, importSettings, normalizeSite, sanitize } from '../lib/settings.js';
import { telemetryEndpoint } from '../background/telemetry_upload.js';

localize();
const $ = (id) => document.getElementById(id);

async function load() {
  const [{ settings: user = {} }, policy] = await Promise.all([local.get('settings'), managed()]);
  return { user, ...effective(user, policy) };
}

async function save(patch) {
  const { settings: user = {} } = await local.get('settings');
  const next = { ...user, ...patch };
  const { rejected } = sanitize(next);
  if (rejected.length) throw new Error(t('optionsInvalid'));
  await local.set({ settings: next });
  await send({ type: 'settingsChanged' });
  $('saved').textContent = t('optionsSaved');
  await render();
}

function say(text) {
  $('saved').textContent = text;
}

async function render() {
  const { settings, locked, user } = await load();
  $('policy-note').hidden = locked.size === 0;
  $('threshold').value = String(settings.redThreshold);
  $('threshold-value').textContent = String(settings.redThreshold);
  $('threshold').disabled = locked.has('redThreshold');
  $('telemetry').checked = settings.telemetryOptIn;
  $('telemetry').disabled = locked.has('telemetryOptIn');
  $('telemetry-where').textContent = t('optionsTelemetryWhere', telemetryEndpoint(settings.reportEndpoint) ?? '');
  $('endpoint').value = settings.reportEndpoint;
  $('endpoint').disabled = locked.has('reportEndpoint');
  $('update-urls').value = settings.updateUrls.join('\n');
  $('update-urls').disabled = locked.has('updateUrls');
  $('trusted-list').replaceChildren(
    ...settings.trustedSites.map((site) => {
      // A site trusted by policy cannot be removed here (the policy would add it back): say so.
      const mine = (user.trustedSites ?? []).map(normalizeSite).includes(site);
      if (!mine) return el('li', {}, el('span', { dir: 'ltr' }, site), el('span', { class: 'muted' }, t('levelSource_policy')));
      const b = el('button', { type: 'button', 'aria-label': t('optionsRemoveSite', site) }, t('optionsRemove'));
      b.addEventListener('click', () => save({ trustedSites: user.trustedSites.filter((s) => normalizeSite(s) !== site) }));
      return el('li', {}, el('span', { dir: 'ltr' }, site), b);
    }),
  );
  if (!settings.trustedSites.length) $('trusted-list').replaceChildren(el('li', { class: 'muted' }, t('optionsNoTrusted')));
  document.body.dataset.ready = 'true';
}

$('threshold').addEventListener('input', () => ($('threshold-value').textContent = $('threshold').value));
$('threshold').addEventListener('change', () => {
  const red = Number($('threshold').value);
  save({ redThreshold: red, yellowThreshold: Math.min(40, red) }).catch((e) => say(e.message));
});
$('telemetry').addEventListener('change', () => save({ telemetryOptIn: $('telemetry').checked }).catch((e) => say(e.message)));
$('trusted-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const site = normalizeSite($('trusted-input').value);
  if (!site) {
    $('trusted-error').textContent = t('optionsBadSite');
    return;
  }
  $('trusted-error').textContent = '';
  const { user } = await load();
  await save({ trustedSites: [...new Set([...(user.trustedSites ?? []), site])] });
  $('trusted-input').value = '';
});
$('save-advanced').addEventListener('click', () => {
  const urls = $('update-urls').value.split('\n').map((s) => s.trim()).filter(Boolean);
  save({ reportEndpoint: $('endpoint').value.trim(), updateUrls: urls }).catch((e) => say(e.message));
});
$('export').addEventListener('click', async () => {
  const { user } = await load();
  const blob = new Blob([exportSettings(user)], { type: 'application/json' });
  const a = el('a', { href: URL.createObjectURL(blob), download: 'ferretwatch-settings.json' });
  document.body.append(a);
  a.click();
  a.remove();
  say(t('optionsExported'));
});
$('import-file').addEventListener('change', async () => {
  const file = $('import-file').files[0];
  if (!file) return;
  try {
    const { settings, rejected } = importSettings(await file.text());
    await local.set({ settings });
    await send({ type: 'settingsChanged' });
    await render();
    say(rejected.length ? t('optionsImportedSome', rejected.join(', ')) : t('optionsImported'));
  } catch (e) {
    say(t(e.message));
  }
});
$('reset-soft').addEventListener('click', async () => {
  await send({ type: 'resetAll', hard: false });
  await render();
  say(t('optionsResetDone'));
});
$('reset-hard').addEventListener('click', async () => {
  if (!confirm(t('optionsResetHardConfirm'))) return;
  await send({ type: 'resetAll', hard: true });
  await render();
  say(t('optionsResetDone'));
});
render();
