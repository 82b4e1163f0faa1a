// FerretWatch background (a module service worker in Chromium, a module background page in
// Firefox). It owns the wasm engine (loaded once per worker life, shared by all tabs), the
// first-seen cache, the per-tab verdicts and badges, settings/policy and the report queue.
//
// Messages (from content scripts and extension pages; see handlers below):
//   scan {features, document, changed} → {verdict, text, timing} and the badge of the sender's tab
//   popupState {tabId}           → everything the popup shows
//   updateNow {}, updateStatus {} → rule updates now / their state (extension pages; updates.js)
//   left {document} (the content script's document is going away),
//   trust {tabId, domain, trusted}, leave {}, openReport {tabId}, reportDraft {tabId},
//   sendReport {tabId, reason, note}, settingsChanged {}, health {},
//   uploadTelemetry {} (extension pages: the opted-in upload now; tests)

// boot.js first: it starts compiling the engine's wasm before the other modules are evaluated.
import { bootAt, compiledWasm } from './boot.js';
import * as b from '../lib/browser.js';
import { EngineHost } from '../engine/host.js';
import { effective, engineSettings } from '../lib/settings.js';
import { FirstSeenStore } from '../lib/firstseen.js';
import { summarize, percentile } from '../lib/health.js';
import { BADGE, alertText, bulletinText, describe } from '../lib/words.js';
import { levelRank } from '../lib/levels.js';
import { advisoryText, bulletinFor, capAllows, recordShow, safeLinks } from '../lib/bulletins.js';
import { buildReport, ReportQueue } from './reports.js';
import { Updater } from './updates.js';
import { TelemetryUploader } from './telemetry_upload.js';
// The wasm-bindgen glue, statically imported: a service worker may not use import(), which
// EngineHost uses to get a fresh module instance after a crash. Three copies (distinct module
// records thanks to the query string) are handed to the host one at a time instead.
import * as glue0 from '../engine/ferretwatch_wasm.js';
import * as glue1 from '../engine/ferretwatch_wasm.js?instance=1';
import * as glue2 from '../engine/ferretwatch_wasm.js?instance=2';

const spareGlues = [glue0, glue1, glue2];

const startedAt = performance.now();
const workerStartedMs = Date.now();

// Start-up work that a verdict does not need (re-verifying the startup pack, the update
// schedule, the report queue, telemetry) waits for the first verdict of this worker life (its
// reply has gone out), or FIRST_VERDICT_WAIT_MS when no page asks for one.
const FIRST_VERDICT_WAIT_MS = 1000;
/** After the first verdict, the wait before the faster scan automaton is built. */
const FAST_SCAN_DELAY_MS = 2000;
/** Scans that have arrived and wait for the engine (a warm-up runs only when none does). */
let scansWaiting = 0;
let firstVerdictSent;
const firstVerdict = new Promise((resolve) => (firstVerdictSent = resolve));
function afterFirstVerdict(fn) {
  return Promise.race([firstVerdict, new Promise((r) => setTimeout(r, FIRST_VERDICT_WAIT_MS))]).then(fn);
}

const state = {
  host: null,
  hostPromise: null,
  pack: null, // {version, created, source}
  settings: null,
  locked: new Set(),
  level: { level: 1, source: 'default' },
  /** End-to-end latencies (content script: features extracted → verdict received), ms. */
  roundTrips: [],
  /** The parts of each round trip (content script → worker → content script), ms. */
  timings: { extract: [], message: [], worker: [], engine: [], reply: [], render: [] },
  coldStartMs: null,
  firstVerdictMs: null,
};

// --- engine ------------------------------------------------------------------------------------

/**
 * The pack the engine starts with: the last known good update (IndexedDB), else the signed
 * bundled pack (packs/default/). Both are re-verified in wasm once the engine runs (updates.js).
 */
function loadBundledPack() {
  return updater.startupPack();
}

/** Rule updates: CDN pulls, trust checks in wasm, stage then swap, last known good (updates.js). */
const updater = new Updater({
  fetchBytes: b.fetchBytes,
  host: () => engine(),
  settings: () => state.settings,
  level: () => state.level.level,
  onPack: (pack) => {
    state.pack = pack;
  },
});

/** Fresh glue instances for EngineHost (see the imports above). */
async function loadGlue(generation) {
  const glue = spareGlues[generation];
  if (!glue) throw new Error('engine crashed too often in this worker life');
  return glue;
}

async function loadEngine() {
  const t0 = performance.now();
  const since = (t) => t - t0;
  // Settings (storage + policy), the wasm and the pack all start at once; none waits for another.
  const settingsDone = applySettings().then(() => performance.now());
  const wasmDone = compiledWasm().then((m) => [m, performance.now()]); // (started by boot.js)
  const host = new EngineHost({ wasm: wasmDone.then(([m]) => m), loadGlue });
  // The module is instantiated as soon as it is compiled, while the pack may still be read.
  const instantiated = host.instantiate().then(() => performance.now());
  instantiated.catch(() => {}); // (awaited below; a pack that cannot be read fails first)
  const pack = await loadBundledPack();
  const tPack = performance.now();
  const [, tWasm] = await wasmDone;
  const tInstance = await instantiated;
  const version = await host.load(pack.files);
  const tEngine = performance.now();
  const tSettings = await settingsDone;
  state.pack = { version, created: pack.created, source: pack.source };
  state.host = host;
  // Re-verifying the startup pack, the expiry alarm and the update schedule wait for the first
  // verdict (they would otherwise run in the worker's thread just as the first page asks).
  afterFirstVerdict(() => updater.ready()).catch(() => {});
  // The faster content-scan automaton (same verdicts) is built once the first page has its
  // answer and the worker has had a moment: tens of ms in a fresh instance.
  afterFirstVerdict(() => new Promise((r) => setTimeout(r, FAST_SCAN_DELAY_MS)))
    .then(() => guarded((h) => h.prepareFastScan()))
    .catch(() => {});
  host.setSettings(engineSettings(state.settings));
  host.setDegradationLevel(state.level.level);
  // No page waiting yet: run the scan's code once on a sample page (its first run in a fresh
  // instance compiles it), so the first real page's scan does not pay for that.
  let warmUpMs = null;
  if (scansWaiting === 0) {
    const w0 = performance.now();
    await host.warmUp().catch(() => {});
    warmUpMs = performance.now() - w0;
  }
  const tReady = performance.now();
  state.loadTimings = {
    bootMs: bootAt, // worker start → the bundle's first module runs (script read and compiled)
    scriptMs: startedAt, // worker start → this module evaluated (imports included)
    wasmReadyMs: tWasm, // worker start → the wasm compiled (started by boot.js)
    packFetchMs: since(tPack),
    packCacheMs: updater.startupTimings.cacheMs, // the last known good update (IndexedDB)
    packFilesMs: updater.startupTimings.filesMs, // the bundled pack's files
    wasmFetchCompileMs: since(tWasm),
    instantiateMs: tInstance - tWasm, // the compiled module instantiated (glue.initSync)
    engineMs: tEngine - Math.max(tPack, tInstance), // new Engine(pack): parsing and building the pack
    settingsMs: since(tSettings),
    warmUpMs, // the sample scan (null: a page was already waiting)
    readyMs: since(tReady),
    sinceWorkerStartMs: tReady,
  };
  state.coldStartMs = since(tReady);
  return host;
}

/** Runs `fn(host)`; after a crash (the host re-created the engine) the settings are applied again. */
async function guarded(fn) {
  const host = await engine();
  try {
    return await fn(host);
  } catch (e) {
    if (e.crashed) await applySettings();
    throw e;
  }
}

function engine() {
  state.hostPromise ??= loadEngine().catch((e) => {
    state.hostPromise = null;
    throw e;
  });
  return state.hostPromise;
}

// --- settings, policy, degradation level -------------------------------------------------------

/** Self-protection: recent crashes and budget overruns push the level down for an hour. */
const SELF_PROTECT = { window: 3600_000, crashesForMinimal: 3, partialsForCore: 5 };

async function selfProtectLevel() {
  const sp = (await b.session.get('selfProtect')) ?? { crashes: [], partials: [] };
  const since = Date.now() - SELF_PROTECT.window;
  const crashes = sp.crashes.filter((x) => x > since).length;
  const partials = sp.partials.filter((x) => x > since).length;
  if (crashes >= SELF_PROTECT.crashesForMinimal) return 4;
  if (partials >= SELF_PROTECT.partialsForCore) return 2;
  return 1;
}

async function noteSelfProtect(kind) {
  const sp = (await b.session.get('selfProtect')) ?? { crashes: [], partials: [] };
  sp[kind] = [...sp[kind].slice(-49), Date.now()];
  await b.session.set('selfProtect', sp);
}

// The policy (storage.managed) answers slowly the first time (~3 s in Chromium while its policy
// service starts), so it never blocks a verdict: the last known policy (kept in storage.local)
// is used until the fresh one arrives, and settings are re-applied then.
let policy = null;
const policyReady = b.managed().then(async (p) => {
  policy = p;
  await b.local.set({ lastPolicy: p });
  if (state.host) await applySettings();
  return p;
});

async function currentPolicy() {
  if (policy) return policy;
  const { lastPolicy } = await b.local.get('lastPolicy');
  // The last known policy answers at once (the fresh one re-applies settings when it comes).
  if (lastPolicy) return lastPolicy;
  return Promise.race([policyReady, new Promise((r) => setTimeout(() => r(lastPolicy ?? {}), 100))]);
}

async function applySettings() {
  const [{ settings: user = {}, control }, policy] = await Promise.all([b.local.get(['settings', 'control']), currentPolicy()]);
  const { settings, locked } = effective(user, policy);
  state.settings = settings;
  state.locked = locked;
  // Level sources, strongest first: enterprise policy, signed control document, self-protection.
  if (settings.degradationLevel && locked.has('degradationLevel')) {
    state.level = { level: settings.degradationLevel, source: 'policy' };
  } else if (control && Number.isInteger(control.level) && !(control.expires * 1000 <= Date.now())) {
    state.level = { level: control.level, source: 'control' };
  } else {
    const sp = await selfProtectLevel();
    state.level = sp > 1 ? { level: sp, source: 'self' } : { level: 1, source: 'default' };
  }
  if (state.host) {
    state.host.setSettings(engineSettings(settings));
    state.host.setDegradationLevel(state.level.level);
  }
  await telemetry.consent(settings.telemetryOptIn);
}

b.onStorageChanged((changes, area) => {
  if (area === 'local' && changes.firstSeen) firstSeen.external(changes.firstSeen.newValue);
  if (area === 'managed') {
    policy = null;
    b.managed().then((p) => (policy = p)).then(applySettings).catch(() => {});
  } else if (area === 'local' && (changes.settings || changes.control)) {
    applySettings().catch(() => {});
  }
});

// --- scanning ----------------------------------------------------------------------------------

/** Serializes read-modify-write of storage.local keys (the first-seen cache, the report queue). */
let storageChain = Promise.resolve();
function serialized(fn) {
  const next = storageChain.then(fn, fn);
  storageChain = next.catch(() => {});
  return next;
}

// Hot state lives in memory, so a scan awaits no storage: the first-seen cache (loaded once per
// worker life, written back after the reply) and the per-tab verdicts (storage.session keeps a
// copy for the popup and report pages after a worker restart).
const firstSeen = new FirstSeenStore(b.local);
firstSeen.ready().catch(() => {});
/** tabId → {verdict, features, at, document} (`document`: the content script's token for its page). */
const tabs = new Map();
/**
 * Tabs closed in this worker's life (ids are never reused in a browser session): a scan that
 * finishes after its tab closed records nothing. Bounded: the oldest ids are forgotten first.
 */
const closedTabs = new Set();
const CLOSED_TABS_KEPT = 1000;

async function tabRecord(tabId) {
  return tabs.get(tabId) ?? (await b.session.get(`tab:${tabId}`));
}

/** Bookkeeping after a scan's reply has gone out, one scan after the other (badge, storage). */
let afterChain = Promise.resolve();
function afterReply(fn) {
  setTimeout(() => {
    afterChain = afterChain.then(fn).catch(() => {});
  }, 0);
}

async function showBadge(tabId, level) {
  const badge = BADGE[level] ?? BADGE.error;
  await b.setBadge(tabId, { ...badge, title: `${b.t('extName')}: ${b.t(`level_${level}`)}` });
}

/** Waits for the engine on a page's behalf (counted: the warm-up runs only when no page waits). */
async function engineForPage() {
  if (state.host) return;
  scansWaiting += 1;
  try {
    await engine();
  } finally {
    scansWaiting -= 1;
  }
}

/**
 * Scans a page's features for tab `tabId`. `document`: the content script's token for its page;
 * `changed`: a rescan of the page's own changes, which never lowers the verdict its document
 * already has (the stronger one stands, and is returned).
 */
async function scan(features, { tabId, timing = {}, document = null, changed = false }) {
  const url = new URL(features.url);
  const now = Date.now();
  const ready = engineForPage();
  ready.catch(() => {}); // (awaited below)
  if (!firstSeen.loaded) await firstSeen.ready();
  const seen = firstSeen.lookup(url.hostname, now);
  const f = { ...features, first_seen_ms: seen.firstSeen, now_ms: now };
  let verdict;
  try {
    await ready;
    const e0 = performance.now();
    verdict = await guarded((h) => h.scan(f));
    timing.engineMs = performance.now() - e0;
  } catch (e) {
    if (e.crashed) await noteSelfProtect('crashes').then(applySettings);
    if (tabId !== undefined) await showBadge(tabId, 'error');
    throw e;
  }
  telemetry.soon();
  if (changed && tabId !== undefined && document) {
    const prior = await tabRecord(tabId);
    if (prior?.document === document && levelRank(prior.verdict) > levelRank(verdict)) return prior.verdict;
  }
  const isNew = !seen.known && firstSeen.record(verdict.registrable_domain, now);
  if (state.firstVerdictMs === null) {
    state.firstVerdictMs = performance.now(); // since the worker started (its time origin)
    setTimeout(firstVerdictSent, 0); // (after the reply)
  }
  const record = { verdict, features: summaryOf(f), at: now, document };
  if (tabId !== undefined && !closedTabs.has(tabId)) tabs.set(tabId, record);
  // The reply goes out first; then the cache, the badge and the session copy (in that order:
  // whoever sees the session copy also sees the badge and the cache). The tab may close at any
  // point: its removal drops the record, and the session copy is written only while the record
  // is still there (a copy written after the removal would outlive the tab).
  afterReply(async () => {
    if (verdict.partial) await noteSelfProtect('partials');
    if (isNew) await firstSeen.flush();
    if (tabId === undefined || tabs.get(tabId) !== record) return;
    await showBadge(tabId, verdict.level);
    if (tabs.get(tabId) === record) await b.session.set(`tab:${tabId}`, record);
  });
  return verdict;
}

/** What a report may include about the page: no text or HTML, only the URL and the verdict. */
function summaryOf(f) {
  return { url: f.url, title: (f.title ?? '').slice(0, 200) };
}

// --- reports -----------------------------------------------------------------------------------

const reports = new ReportQueue({
  storage: b.local,
  serialized,
  endpoint: () => state.settings?.reportEndpoint,
  fetch: (...a) => fetch(...a),
  onAttempt: (o) => telemetry.noteReport(o).catch(() => {}),
});

/** Sends due reports, then arms the 'reports' alarm for the next one still waiting. */
async function flushReports() {
  if (!state.settings) await applySettings();
  const r = await reports.flush();
  if (r.pending && r.nextAt !== null) b.createAlarm('reports', { when: Math.max(r.nextAt, Date.now() + 1000) });
  return r;
}

// --- opted-in telemetry upload (telemetry_upload.js) ---------------------------------------------

const telemetry = new TelemetryUploader({
  storage: b.local,
  serialized,
  settings: () => state.settings,
  counters: async () => (state.host ? { engine: await state.host.telemetry(), pack_updates: updater.telemetry() } : null),
  meta: () => ({ extension_version: b.extensionVersion(), pack_version: String(state.pack?.version ?? ''), browser: b.isFirefox() ? 'firefox' : 'chrome' }),
  fetch: (...a) => fetch(...a),
});

/** Arms the 'telemetry' alarm at the stored next upload time (when opted in). */
async function scheduleTelemetry() {
  if (!state.settings) await applySettings();
  const at = await telemetry.schedule();
  if (at !== null) b.createAlarm('telemetry', { when: Math.max(at, Date.now() + 1000) });
}

async function uploadTelemetry(opts) {
  if (!state.settings) await applySettings();
  const r = await telemetry.upload(opts);
  if (r.nextAt !== null) b.createAlarm('telemetry', { when: Math.max(r.nextAt, Date.now() + 1000) });
  return r;
}

b.onAlarm((alarm) => {
  if (alarm.name === 'reports') flushReports().catch(() => {});
  if (alarm.name === 'telemetry') uploadTelemetry().catch(() => {});
});

// --- messages ----------------------------------------------------------------------------------

async function popupState(tabId) {
  const tab = tabId === undefined ? undefined : await tabRecord(tabId);
  const telemetry = await guarded((h) => h.telemetry());
  const updates = await updater.status();
  const created = state.pack.created ? Date.parse(state.pack.created) : NaN;
  const ageDays = Number.isFinite(created) ? Math.max(0, (Date.now() - created) / 86400_000) : null;
  return {
    tab: tab ?? null,
    pack: { ...state.pack, ageDays, stale: (ageDays !== null && ageDays > 7) || updates.stale },
    updates,
    level: state.level,
    health: {
      ...summarize(telemetry),
      roundTripP95Ms: percentile(state.roundTrips, 0.95),
      roundTripP50Ms: percentile(state.roundTrips, 0.5),
      parts: Object.fromEntries(Object.entries(state.timings).map(([k, v]) => [k, { p50: percentile(v, 0.5), p95: percentile(v, 0.95) }])),
      coldStartMs: state.coldStartMs,
      loadTimings: state.loadTimings,
      firstVerdictMs: state.firstVerdictMs,
      wasmMemoryBytes: state.host?.memoryBytes() ?? null,
    },
    settings: state.settings,
    locked: [...state.locked],
    reportsPending: (await reports.pending()).length,
    version: b.extensionVersion(),
  };
}

async function setTrusted(domain, trusted) {
  return serialized(async () => {
    const { settings = {} } = await b.local.get('settings');
    const list = new Set(settings.trustedSites ?? []);
    if (trusted) list.add(domain);
    else list.delete(domain);
    await b.local.set({ settings: { ...settings, trustedSites: [...list] } });
    await applySettings();
  });
}

/**
 * Shows a signed bulletin (verified by the updater, kept in storage) on the tab whose verdict
 * this is, when it concerns that page (scope or impersonated brand) and its frequency cap allows;
 * at level 4 only critical ones ("emergency bulletins only"). After the verdict's reply, so it
 * never delays a verdict.
 */
async function offerBulletin(tabId, verdict) {
  if (tabId === undefined || !verdict) return;
  const { bulletins = [] } = await b.local.get('bulletins');
  const now = Date.now() / 1000;
  const bulletin = bulletinFor(bulletins, verdict, now);
  if (!bulletin || (state.level?.level === 4 && bulletin.severity !== 'critical')) return;
  // The show history is read only for a page a bulletin concerns.
  const { bulletinShows = {} } = await b.local.get('bulletinShows');
  if (!capAllows(bulletin, bulletinShows[bulletin.id], now)) return;
  await b.local.set({ bulletinShows: recordShow(bulletinShows, bulletin.id, now, bulletins.map((x) => x.id)) });
  await b.sendToTab(tabId, {
    type: 'bulletin',
    bulletin: { id: bulletin.id, severity: bulletin.severity, text: advisoryText(bulletin, b.uiLanguage()), links: safeLinks(bulletin) },
    text: bulletinText(b.t, b.textDirection()),
  });
}

const handlers = {
  async scan(msg, sender) {
    // Times on the shared clock (performance.timeOrigin + now), so the content script can split
    // its round trip into message, worker and reply.
    const recvAt = performance.timeOrigin + performance.now();
    const timing = { recvAt };
    const verdict = await scan(msg.features, { tabId: sender.tab?.id, timing, document: msg.document ?? null, changed: Boolean(msg.changed) });
    // A warning's words travel with the verdict (the worker's translations are loaded; the
    // content script's first lookup would block the page): only for what the page will show.
    const warn = !verdict.trusted && (verdict.level === 'red' || verdict.level === 'yellow');
    const text = warn ? alertText(verdict, b.t, b.textDirection()) : null;
    timing.replyAt = performance.timeOrigin + performance.now();
    offerBulletin(sender.tab?.id, verdict).catch(() => {});
    return { verdict, text, level: state.level, timing };
  },
  /** The content script reports how long the whole round trip took (for local health only). */
  async timing(msg) {
    if (Number.isFinite(msg.roundTripMs)) state.roundTrips = [...state.roundTrips.slice(-499), msg.roundTripMs];
    for (const [k, list] of Object.entries(state.timings)) {
      const v = msg.parts?.[k];
      if (Number.isFinite(v)) {
        if (list.length >= 500) list.shift();
        list.push(v);
      }
    }
  },
  popupState: (msg) => popupState(msg.tabId),
  async trust(msg, sender) {
    const tabId = msg.tabId ?? sender.tab?.id;
    await setTrusted(msg.domain, msg.trusted);
    if (tabId !== undefined) await b.sendToTab(tabId, { type: 'rescan' });
    return { ok: true };
  },
  /** A content script's document is going away (pagehide): its verdict goes with it. */
  async left(msg, sender) {
    const tabId = sender.tab?.id;
    if (tabId === undefined || !msg.document) return;
    const record = await tabRecord(tabId);
    if (record?.document === msg.document) await forgetRecord(tabId, record);
  },
  async leave(msg, sender) {
    await b.updateTab(sender.tab.id, { url: b.getURL('pages/safe.html') });
  },
  async openReport(msg, sender) {
    const tabId = msg.tabId ?? sender.tab?.id;
    await b.createTab({ url: b.getURL(`report/report.html?tab=${tabId}`) });
  },
  async reportDraft(msg) {
    const tab = await tabRecord(msg.tabId);
    if (!tab) throw new Error('noVerdictForTab');
    return { payload: buildReport(tab.verdict, { reason: msg.reason, note: msg.note, version: b.extensionVersion() }), endpoint: state.settings?.reportEndpoint };
  },
  async sendReport(msg) {
    const tab = await tabRecord(msg.tabId);
    if (!tab) throw new Error('noVerdictForTab');
    await engine();
    const payload = buildReport(tab.verdict, { reason: msg.reason, note: msg.note, version: b.extensionVersion() });
    const id = await reports.enqueue(payload);
    telemetry.noteReport({ queued: true }).catch(() => {});
    const result = await flushReports();
    return { id, ...result };
  },
  async settingsChanged() {
    await engine();
    await applySettings();
    if (state.settings.telemetryOptIn) await scheduleTelemetry();
    else await telemetry.forget();
    return { settings: state.settings, locked: [...state.locked] };
  },
  async resetAll(msg) {
    // Soft reset: settings only. Hard reset: every stored item (first-seen cache, reports…).
    if (msg.hard) await b.local.clear();
    else await b.local.remove('settings');
    await applySettings();
  },
  describe: (msg) => describe(msg.verdict, b.t),
  /** The verdict of every open tab (extension pages only: tests, diagnostics). */
  async tabsState(msg, sender) {
    if (!sender.url?.startsWith(b.getURL(''))) throw new Error('only from extension pages');
    const out = [];
    for (const tabId of msg.tabIds ?? []) {
      const s = await b.session.get(`tab:${tabId}`);
      if (s) out.push({ tabId, verdict: s.verdict, badge: { text: await b.getBadgeText(tabId), color: await b.getBadgeColor(tabId) } });
    }
    return out;
  },
  /** Sends due reports now (extension pages only: the report page's retry button, tests). */
  async flushReports(msg, sender) {
    if (!sender.url?.startsWith(b.getURL(''))) throw new Error('only from extension pages');
    await engine();
    return { ...(await flushReports()), queue: await reports.pending() };
  },
  /** Uploads the opted-in telemetry now (extension pages only: tests); nothing when opted out. */
  async uploadTelemetry(msg, sender) {
    if (!sender.url?.startsWith(b.getURL(''))) throw new Error('only from extension pages');
    await engine();
    return { ...(await uploadTelemetry({ force: true })), state: await telemetry.state() };
  },
  /**
   * This worker life's aggregate telemetry as a schema-v1 batch (docs/telemetry.md): counts and
   * histograms only, no URL, no content. Extension pages only (tests; the opt-in upload).
   */
  async telemetryBatch(msg, sender) {
    if (!sender.url?.startsWith(b.getURL(''))) throw new Error('only from extension pages');
    const counters = await guarded((h) => h.telemetry());
    const now = Math.floor(Date.now() / 1000);
    return {
      schema: 'ferretwatch.telemetry.v1',
      period_start: Math.min(Math.floor(workerStartedMs / 1000), now),
      period_end: now,
      extension_version: b.extensionVersion(),
      pack_version: String(state.pack?.version ?? ''),
      browser: b.isFirefox() ? 'firefox' : 'chrome',
      sessions: 1,
      page_loads: counters.pages_scanned + Object.values(counters.failures).reduce((a, n) => a + n, 0),
      engine: counters,
      pack_updates: updater.telemetry(),
    };
  },
  /** Checks for rule updates now instead of at the next alarm (extension pages only: tests, diagnostics). */
  async updateNow(msg, sender) {
    if (!sender.url?.startsWith(b.getURL(''))) throw new Error('only from extension pages');
    return updater.check();
  },
  /** Where rule updates stand (extension pages only). */
  async updateStatus(msg, sender) {
    if (!sender.url?.startsWith(b.getURL(''))) throw new Error('only from extension pages');
    await engine();
    return { ...(await updater.status()), pack: state.pack, level: state.level };
  },
  /** Crash-recovery check, from extension pages only (tests). */
  async debugCrash(msg, sender) {
    if (!sender.url?.startsWith(b.getURL(''))) throw new Error('only from extension pages');
    try {
      await guarded((h) => h.debugCrash());
    } catch (e) {
      return { crashed: Boolean(e.crashed), message: String(e.message) };
    }
    return { crashed: false };
  },
};

b.onMessage(async (msg, sender) => {
  const h = handlers[msg?.type];
  if (!h) throw new Error(`unknown message ${msg?.type}`);
  return h(msg, sender);
});

// Tab events start a stopped worker (the browser starts it to deliver them): a new tab's events
// come before its page has arrived, a navigation's `loading` update when the response commits —
// both before the page could ask. A page starting to load is what loads the engine, so the scan
// after the page's load finds it ready. Other updates (a title, a favicon) wake the worker too,
// so the engine is not loaded at every start of the worker, only when something needs it (this,
// a scan, the popup, an update). An engine that failed to load is tried again here.
//
// The content script is injected when the tab has finished loading (`complete`), not declared
// in the manifest: a declared one is injected before the page is parsed, and setting up its
// world and running it cost the page's load a few milliseconds (docs/BENCHMARKS.md, "The content
// script injected after the load"). A page whose loading never finishes (a request left
// hanging) gets it LATE_INJECT_MS after its `loading` update; the script then waits for the
// load event at most 1.5 s after DOMContentLoaded. It scans once per document (a second
// injection, e.g. after a same-document navigation, does nothing).
const LATE_INJECT_MS = 2000;
const CONTENT_SCRIPT = 'content/content.js';
/** tabId → the timer that injects the content script if the tab's loading does not finish. */
const lateInjections = new Map();

function cancelLateInjection(tabId) {
  clearTimeout(lateInjections.get(tabId));
  lateInjections.delete(tabId);
}

function injectContentScript(tabId) {
  cancelLateInjection(tabId);
  // (Fails on pages the extension may not script — not http(s), the web store —: nothing to scan.)
  b.injectScript(tabId, CONTENT_SCRIPT).catch(() => {});
}

/**
 * Drops a tab's verdict once the tab shows another document than the one it was made for (a new
 * page, a reload, a page the extension cannot scan): the popup and a report would otherwise speak
 * of the page before, and say "safe" on the page after. The tab's content script answers with
 * its document's token; a same-document navigation (a fragment, pushState) keeps the verdict.
 * The browser clears the tab's badge itself when the tab navigates.
 */
async function forgetOtherDocument(tabId) {
  const record = await tabRecord(tabId);
  if (!record) return;
  const current = await b.sendToTab(tabId, { type: 'document' });
  if (current && current === record.document) return;
  await forgetRecord(tabId, record);
}

/** Drops `record`, the tab's verdict, unless a newer one has come meanwhile. */
async function forgetRecord(tabId, record) {
  const now = tabs.get(tabId);
  if (now !== undefined && now !== record) return;
  tabs.delete(tabId);
  await b.session.remove(`tab:${tabId}`);
}

/** tabId → whether another check is due after the one running (a pushState flood: one at a time). */
const documentChecks = new Map();

function checkDocument(tabId) {
  if (documentChecks.has(tabId)) {
    documentChecks.set(tabId, true);
    return;
  }
  documentChecks.set(tabId, false);
  forgetOtherDocument(tabId)
    .catch(() => {})
    .finally(() => {
      const again = documentChecks.get(tabId);
      documentChecks.delete(tabId);
      if (again) checkDocument(tabId);
    });
}

b.onTabUpdated((tabId, change, tab) => {
  if (change.status) checkDocument(tabId);
  if (change.status === 'loading') {
    engine().catch(() => {});
    cancelLateInjection(tabId);
    lateInjections.set(tabId, setTimeout(() => injectContentScript(tabId), LATE_INJECT_MS));
  } else if (change.status === 'complete') {
    // Only a web page's own `complete`: the injection goes to the tab's current document, and a
    // worker woken by a new tab gets that tab's `about:blank` update late, when the tab is
    // already loading its page — injecting then would put the script into the page mid-load.
    if (/^https?:/.test(tab?.url ?? '')) injectContentScript(tabId);
    else cancelLateInjection(tabId);
  }
});

// Tabs already open when the extension is installed or updated get their content script now,
// whether or not they have finished loading (the script waits for the load event itself). A
// tab still loading cannot be left to its `complete` update: on the worker's first run Chromium
// drops tab updates that race with the registration of its listeners (a tab that was `loading`
// in this query sent no update at all — seen in the locale tests).
b.onInstalled(() => {
  b.queryTabs({ url: ['http://*/*', 'https://*/*'] })
    .then((open) => open.forEach((tab) => injectContentScript(tab.id)))
    .catch(() => {});
});

b.onTabRemoved((tabId) => {
  cancelLateInjection(tabId);
  closedTabs.add(tabId);
  if (closedTabs.size > CLOSED_TABS_KEPT) closedTabs.delete(closedTabs.values().next().value);
  tabs.delete(tabId);
  b.session.remove(`tab:${tabId}`).catch(() => {});
});

// A new browser session (session storage starts empty): reports that failed for want of a
// network or server are due again at once, and opted-in telemetry counts a session. Then the
// queue is flushed and the telemetry alarm re-armed.
afterFirstVerdict(async () => {
  await applySettings();
  if (!(await b.session.get('browserSession'))) {
    await b.session.set('browserSession', Date.now());
    await reports.resume();
    await telemetry.noteSession();
  }
  await scheduleTelemetry();
  await flushReports();
}).catch(() => {});
