// The one module that touches the browser's extension APIs (`browser.*` in Firefox, `chrome.*`
// in Chromium). Everything else in the extension imports from here, so per-browser differences
// live in one place. All functions return promises (MV3 `chrome.*` and `browser.*` both do).

const api = globalThis.browser ?? globalThis.chrome;

/** True in Firefox (its `browser.runtime.getBrowserInfo` exists only there). */
export const isFirefox = typeof api?.runtime?.getBrowserInfo === 'function';

export const getURL = (path) => api.runtime.getURL(path);
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

/**
 * A request/answer channel to the background over one port (runtime.connect), for the content
 * script. Opening it as the page starts loading wakes a stopped worker, and a request later goes
 * over the open port instead of opening a channel per message (as `send` does). Returns
 * `{open(), request(message), close()}`: `request` resolves with the handler's answer (rejects
 * on `{error}`); when the port closes before the answer (the worker was stopped), the request is
 * sent once more on a new port. After `close()` the next request connects again.
 */
export function channel(name) {
  let port = null;
  let nextId = 1;
  const pending = new Map(); // id → {port, resolve, reject, retried, message}
  const post = (id, w) => {
    try {
      w.port = open();
      w.port.postMessage({ id, message: w.message });
    } catch (e) {
      pending.delete(id);
      w.reject(e);
    }
  };
  function open() {
    if (port) return port;
    const p = api.runtime.connect({ name });
    p.onMessage.addListener((m) => {
      const w = pending.get(m?.id);
      if (!w) return;
      pending.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.value);
    });
    p.onDisconnect.addListener(() => {
      void api.runtime.lastError; // (read, so Chromium does not log it as unchecked)
      if (port === p) port = null;
      for (const [id, w] of pending) {
        if (w.port !== p) continue;
        if (w.retried) {
          pending.delete(id);
          w.reject(new Error('the background closed the channel'));
        } else {
          w.retried = true;
          post(id, w);
        }
      }
    });
    port = p;
    return p;
  }
  return {
    open() {
      open();
    },
    request(message) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        const w = { port: null, resolve, reject, retried: false, message };
        pending.set(id, w);
        post(id, w);
      });
    },
    close() {
      const p = port;
      port = null;
      p?.disconnect();
      for (const [id, w] of pending) {
        if (w.port !== p) continue;
        pending.delete(id);
        w.reject(new Error('channel closed'));
      }
    },
  };
}

/**
 * The background's side of `channel(name)`: `handler(message, sender)` answers each request (a
 * value, a promise, or a throw → `{error}`); `onOpen(sender)` runs when a page connects.
 */
export function onChannel(name, handler, onOpen) {
  api.runtime.onConnect.addListener((port) => {
    if (port.name !== name) return;
    const answer = (m) => {
      try {
        port.postMessage(m);
      } catch {
        // the page went away meanwhile
      }
    };
    port.onMessage.addListener((m) => {
      Promise.resolve()
        .then(() => handler(m.message, port.sender))
        .then(
          (value) => answer({ id: m.id, value: value ?? null }),
          (e) => answer({ id: m.id, error: String(e?.message ?? e) }),
        );
    });
    onOpen?.(port.sender);
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
const action = api.action ?? api.browserAction;

/** Sets the toolbar badge of one tab. */
export async function setBadge(tabId, { text, color, textColor, title }) {
  const calls = [action.setBadgeText({ tabId, text }), action.setBadgeBackgroundColor({ tabId, color })];
  if (textColor && action.setBadgeTextColor) calls.push(action.setBadgeTextColor({ tabId, color: textColor }));
  if (title) calls.push(action.setTitle({ tabId, title }));
  await Promise.all(calls.map((p) => Promise.resolve(p).catch(() => {})));
}

export const getBadgeText = (tabId) => action.getBadgeText({ tabId });
export const getBadgeColor = (tabId) => action.getBadgeBackgroundColor({ tabId });

// --- tabs ------------------------------------------------------------------------------------
export async function activeTab() {
  const [tab] = await api.tabs.query({ active: true, currentWindow: true });
  return tab;
}
export const getTab = (tabId) => api.tabs.get(tabId);
export const updateTab = (tabId, props) => api.tabs.update(tabId, props);
export const createTab = (props) => api.tabs.create(props);
export const onTabRemoved = (fn) => api.tabs.onRemoved.addListener(fn);
export const onTabUpdated = (fn) => api.tabs.onUpdated.addListener(fn);
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
