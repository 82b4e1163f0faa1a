// The one module that touches the browser's extension APIs (`browser.*` in Firefox, `chrome.*`
// in Chromium). Everything else in the extension imports from here, so per-browser differences
// live in one place. All functions return promises (MV3 `chrome.*` and `browser.*` both do).
// Loading this module touches no API namespace: the first use of one (`chrome.runtime`...) sets
// up its bindings, which in a content script should happen only when the script needs them.

const api = globalThis.browser ?? globalThis.chrome;

/** True in Firefox (its `browser.runtime.getBrowserInfo` exists only there). */
export const isFirefox = () => typeof api?.runtime?.getBrowserInfo === 'function';

export const getURL = (path) => api.runtime.getURL(path);

/** The bytes of one of the extension's own files (e.g. `packs/trust.json`). */
export async function fetchBytes(path) {
  const r = await fetch(getURL(path));
  if (!r.ok) throw new Error(`cannot read ${path}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}
export const manifest = () => api.runtime.getManifest();
export const extensionVersion = () => api.runtime.getManifest().version;

/** Sends a message to the background; resolves with its answer (rejects on `{error}`). */
export async function send(message) {
  const answer = await api.runtime.sendMessage(message);
  if (answer && typeof answer === 'object' && 'error' in answer) throw new Error(answer.error);
  return answer;
}

/** Sends a message to one tab's content script. Resolves undefined when nobody listens. */
export async function sendToTab(tabId, message) {
  try {
    return await api.tabs.sendMessage(tabId, message);
  } catch {
    return undefined;
  }
}

/**
 * Listens for messages. `handler(message, sender)` returns a value or a promise; its result
 * (or `{error}`) goes back to the sender. Works the same in both browsers (sendResponse +
 * `return true` rather than returning a promise from the listener).
 */
export function onMessage(handler) {
  api.runtime.onMessage.addListener((message, sender, sendResponse) => {
    Promise.resolve()
      .then(() => handler(message, sender))
      .then(
        (value) => sendResponse(value ?? null),
        (e) => sendResponse({ error: String(e?.message ?? e) }),
      );
    return true;
  });
}

// --- storage -------------------------------------------------------------------------------
export const local = {
  get: (keys) => api.storage.local.get(keys),
  set: (items) => api.storage.local.set(items),
  remove: (keys) => api.storage.local.remove(keys),
  clear: () => api.storage.local.clear(),
};

/** Per-session storage (cleared when the browser closes); falls back to a memory map. */
const memorySession = new Map();
export const session = {
  async get(key) {
    if (api.storage.session) return (await api.storage.session.get(key))[key];
    return memorySession.get(key);
  },
  async set(key, value) {
    if (api.storage.session) return api.storage.session.set({ [key]: value });
    memorySession.set(key, value);
  },
  async remove(key) {
    if (api.storage.session) return api.storage.session.remove(key);
    memorySession.delete(key);
  },
};

/** Enterprise policy (storage.managed); `{}` when none is set or the browser has no policy. */
export async function managed() {
  try {
    return (await api.storage.managed?.get(null)) ?? {};
  } catch {
    return {};
  }
}

export function onStorageChanged(fn) {
  api.storage.onChanged.addListener((changes, area) => fn(changes, area));
}

// --- toolbar button --------------------------------------------------------------------------
const action = () => api.action ?? api.browserAction;

/** Sets the toolbar badge of one tab. */
export async function setBadge(tabId, { text, color, textColor, title }) {
  const calls = [action().setBadgeText({ tabId, text }), action().setBadgeBackgroundColor({ tabId, color })];
  if (textColor && action().setBadgeTextColor) calls.push(action().setBadgeTextColor({ tabId, color: textColor }));
  if (title) calls.push(action().setTitle({ tabId, title }));
  await Promise.all(calls.map((p) => Promise.resolve(p).catch(() => {})));
}

export const getBadgeText = (tabId) => action().getBadgeText({ tabId });
export const getBadgeColor = (tabId) => action().getBadgeBackgroundColor({ tabId });

// --- tabs ------------------------------------------------------------------------------------
export async function activeTab() {
  const [tab] = await api.tabs.query({ active: true, currentWindow: true });
  return tab;
}
export const getTab = (tabId) => api.tabs.get(tabId);
export const queryTabs = (query) => api.tabs.query(query);
export const updateTab = (tabId, props) => api.tabs.update(tabId, props);
export const createTab = (props) => api.tabs.create(props);
export const onTabRemoved = (fn) => api.tabs.onRemoved.addListener(fn);
export const onTabUpdated = (fn) => api.tabs.onUpdated.addListener(fn);
/** Runs an extension script file in a tab's top frame (its content-script world). */
export const injectScript = (tabId, file) => api.scripting.executeScript({ target: { tabId }, files: [file] });
export const openOptions = () => api.runtime.openOptionsPage();

// --- alarms ----------------------------------------------------------------------------------
export const createAlarm = (name, info) => api.alarms.create(name, info);
export const onAlarm = (fn) => api.alarms.onAlarm.addListener(fn);
export const onStartup = (fn) => api.runtime.onStartup.addListener(fn);
export const onInstalled = (fn) => api.runtime.onInstalled.addListener(fn);

// --- i18n ------------------------------------------------------------------------------------
/** A translated message (`_locales`); `subs` fills $1…$9. Falls back to the key itself. */
export function t(key, subs) {
  const s = api.i18n.getMessage(key, subs === undefined ? undefined : [].concat(subs).map(String));
  return s || key;
}
export const uiLanguage = () => api.i18n.getUILanguage();
/** `rtl` or `ltr` for the UI language (a message of each locale: @@bidi_dir is not reliable in content scripts). */
export const textDirection = () => (api.i18n.getMessage('textDirection') || api.i18n.getMessage('@@bidi_dir')) === 'rtl' ? 'rtl' : 'ltr';
