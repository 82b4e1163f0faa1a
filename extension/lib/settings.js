// User settings and enterprise policy: defaults, validation, merging, export/import.
// Pure functions (no browser APIs), unit-tested in node (tests/node/extension_settings.test.mjs).

/** Settings a new install starts with. */
export const DEFAULTS = Object.freeze({
  /** Score from which the red warning shows (the pack's default is 70). */
  redThreshold: 70,
  /** Score from which the yellow notice shows (never above redThreshold). */
  yellowThreshold: 40,
  /** Registrable domains the user trusts ("Trust this site"). */
  trustedSites: Object.freeze([]),
  /** Upload aggregate telemetry (counts and histograms only). Off unless the user opts in. */
  telemetryOptIn: false,
  /** Where "Report" sends reports (https, or http on a loopback host for testing). */
  reportEndpoint: 'https://reports.ferretwatch.example/v1/reports',
  /** Rule-pack CDN base URLs, tried in order (failover). */
  updateUrls: Object.freeze(['https://cdn.ferretwatch.example/packs/stable/']),
});

/** Keys an enterprise policy may pin (storage.managed_schema; see policy/managed_schema.json). */
export const POLICY_KEYS = Object.freeze([
  'redThreshold',
  'yellowThreshold',
  'trustedSites',
  'telemetryOptIn',
  'reportEndpoint',
  'updateUrls',
  'trustedKeys',
  'degradationLevel',
]);

const MAX_TRUSTED = 1000;
const MAX_URLS = 8;

/** A registrable-domain-like host name, lowercased, or null. Accepts URLs and bare hosts. */
export function normalizeSite(input) {
  if (typeof input !== 'string') return null;
  let s = input.trim().toLowerCase();
  if (!s) return null;
  try {
    s = new URL(s.includes('://') ? s : `https://${s}`).hostname;
  } catch {
    return null;
  }
  s = s.replace(/^www\./, '').replace(/\.$/, '');
  if (!/^[a-z0-9.-]+$/.test(s) || !s.includes('.') || s.length > 253) return null;
  return s;
}

/** True for an endpoint URL the extension may send to (https, or http to a loopback host). */
export function isAllowedEndpoint(url) {
  try {
    const u = new URL(url);
    if (u.username || u.password) return false;
    if (u.protocol === 'https:') return true;
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

const clampInt = (v, lo, hi) => (Number.isInteger(v) && v >= lo && v <= hi ? v : undefined);

/**
 * Validates a settings object (from storage, an import file or a policy): keeps the known keys
 * with valid values and drops everything else. Returns `{settings, rejected}` where `rejected`
 * lists the keys that were present but invalid.
 */
export function sanitize(input) {
  const out = {};
  const rejected = [];
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { settings: out, rejected };
  const take = (key, value) => {
    if (value === undefined) rejected.push(key);
    else out[key] = value;
  };
  if ('redThreshold' in input) take('redThreshold', clampInt(input.redThreshold, 1, 100));
  if ('yellowThreshold' in input) take('yellowThreshold', clampInt(input.yellowThreshold, 1, 100));
  if ('trustedSites' in input) {
    const list = Array.isArray(input.trustedSites) ? input.trustedSites.map(normalizeSite) : null;
    take('trustedSites', list && !list.includes(null) && list.length <= MAX_TRUSTED ? [...new Set(list)] : undefined);
  }
  if ('telemetryOptIn' in input) take('telemetryOptIn', typeof input.telemetryOptIn === 'boolean' ? input.telemetryOptIn : undefined);
  if ('reportEndpoint' in input) take('reportEndpoint', isAllowedEndpoint(input.reportEndpoint) ? input.reportEndpoint : undefined);
  if ('updateUrls' in input) {
    const ok = Array.isArray(input.updateUrls) && input.updateUrls.length >= 1 && input.updateUrls.length <= MAX_URLS &&
      input.updateUrls.every(isAllowedEndpoint);
    take('updateUrls', ok ? input.updateUrls.map((u) => (u.endsWith('/') ? u : `${u}/`)) : undefined);
  }
  if ('trustedKeys' in input) {
    const ok = Array.isArray(input.trustedKeys) && input.trustedKeys.every((k) => typeof k === 'string' && /^[A-Za-z0-9+/=_-]{32,128}$/.test(k));
    take('trustedKeys', ok ? [...input.trustedKeys] : undefined);
  }
  if ('degradationLevel' in input) take('degradationLevel', clampInt(input.degradationLevel, 1, 4));
  return { settings: out, rejected };
}

/**
 * The settings in force: defaults, then the user's choices, then the policy (which wins).
 * Returns `{settings, locked}`: `locked` is the set of keys pinned by policy. The thresholds
 * are made consistent (yellow ≤ red).
 */
export function effective(user = {}, policy = {}) {
  const u = sanitize(user).settings;
  const p = sanitize(policy).settings;
  const settings = { ...DEFAULTS, ...u, ...p };
  // A policy's trusted sites are added to the user's, never replace them.
  if (p.trustedSites) settings.trustedSites = [...new Set([...(u.trustedSites ?? []), ...p.trustedSites])];
  if (settings.yellowThreshold > settings.redThreshold) settings.yellowThreshold = settings.redThreshold;
  const locked = new Set(Object.keys(p).filter((k) => k !== 'trustedSites'));
  return { settings, locked };
}

/** The object given to the engine's `setSettings`. */
export function engineSettings(settings) {
  return { yellow: settings.yellowThreshold, red: settings.redThreshold, trustedSites: [...settings.trustedSites] };
}

/** The export file's content (settings only: no history, no first-seen cache, no reports). */
export function exportSettings(user) {
  return JSON.stringify({ format: 'ferretwatch-settings', version: 1, settings: sanitize(user).settings }, null, 2);
}

/**
 * Parses an export file. Returns `{settings, rejected}`; throws an Error with a user-facing
 * message key (`importNotSettingsFile`) when it is not a FerretWatch settings file.
 */
export function importSettings(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('importNotSettingsFile');
  }
  if (!doc || doc.format !== 'ferretwatch-settings' || doc.version !== 1) throw new Error('importNotSettingsFile');
  return sanitize(doc.settings);
}
