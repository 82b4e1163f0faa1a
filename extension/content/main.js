// Content script entry: extract the page's features within a small budget, ask the
// background for a verdict, and show the warning (red) or notice (yellow).
// Bundled with extract.js, overlay.js, phash.js and words.js into content/content.js by
// scripts/build-extension (content scripts cannot be ES modules).

import { send, onMessage } from '../lib/browser.js';
import { extractFromDocument, serializeDocument, hashCandidates } from './extract.js';
import { showWarning, showNotice, removeAlert } from './overlay.js';
import { showBulletin } from './bulletin.js';
import { levelRank } from '../lib/levels.js';

/** Time allowed for hashing favicons/logos after the DOM walk (ms). */
const PHASH_BUDGET_MS = 25;
let dismissed = false;

/**
 * This document's token. The worker keeps it with the document's verdict. The document names it
 * when it goes away (pagehide), and the worker asks the tab for it when the tab navigates: a
 * same-document navigation (a fragment, pushState) answers with the same token, a new document
 * with another or none, and the verdict is then dropped (background.js `left`,
 * `forgetOtherDocument`). Not a secret: only the extension can ask.
 */
const DOCUMENT = Array.from(crypto.getRandomValues(new Uint32Array(2)), (n) => n.toString(36)).join('-');

/** levelRank of the verdict in force for this document (what its warning, or none, shows). */
let shownRank = 0;

/** Shared clock of the content script and the worker (ms since the epoch, sub-ms precision). */
const clock = () => performance.timeOrigin + performance.now();

/**
 * Runs `fn` in a task of its own. Not setTimeout: where the page's scripts are switched off
 * (site settings, DevTools emulation), Chromium does not run the content script's timers either,
 * while scheduled tasks and message-channel tasks still run.
 */
function nextTask(fn) {
  if (typeof globalThis.scheduler?.postTask === 'function') {
    globalThis.scheduler.postTask(fn).catch(() => {});
    return;
  }
  const c = new MessageChannel();
  c.port1.onmessage = () => {
    c.port1.close();
    fn();
  };
  c.port2.postMessage(null);
}

/** Lets the page run between the steps of a scan (each step is one short task). */
const yieldToPage = () => new Promise((r) => nextTask(r));

/**
 * Scans the page and shows the verdict. `changed`: a rescan of the page's own changes
 * (watchChanges), which may raise what the document shows but never lowers it or redraws a
 * warning already up; the worker keeps the stronger verdict for the tab likewise.
 */
async function run({ changed = false } = {}) {
  // extract: time spent in the three steps (not counting the page's tasks between them).
  let t0 = performance.now();
  const { features, candidates } = extractFromDocument(document, location.href);
  let extractMs = performance.now() - t0;
  await yieldToPage();
  t0 = performance.now();
  features.html = serializeDocument(document);
  extractMs += performance.now() - t0;
  await yieldToPage();
  t0 = performance.now();
  features.image_phashes = await hashCandidates(candidates, location.href, performance.now() + PHASH_BUDGET_MS);
  const t1 = performance.now();
  extractMs += t1 - t0;
  const sentAt = performance.timeOrigin + t1;
  // (A red or yellow verdict comes with its warning's words, translated by the worker: the
  // content script never looks a message up, see words.js `alertText`.)
  const { verdict, text, timing } = await send({ type: 'scan', features, document: DOCUMENT, changed });
  const gotAt = clock();
  if (!changed || levelRank(verdict) > shownRank) {
    // (A notice the person dismissed does not hide the red warning that follows it.)
    if (changed) dismissed = false;
    shownRank = levelRank(verdict);
    render(verdict, text);
  }
  const t2 = performance.now();
  // features extracted → verdict shown, and its parts: message (content script → worker),
  // worker (first-seen lookup + engine), reply (worker → content script), render.
  const parts = { extract: extractMs, render: t2 - (gotAt - performance.timeOrigin) };
  if (timing) {
    Object.assign(parts, { message: timing.recvAt - sentAt, worker: timing.replyAt - timing.recvAt, engine: timing.engineMs, reply: gotAt - timing.replyAt });
  }
  send({ type: 'timing', roundTripMs: t2 - t1, extractMs: parts.extract, parts }).catch(() => {});
}

function render(verdict, text) {
  removeAlert();
  // Green (or trusted): nothing to show, and the worker sent no words.
  if (dismissed || !text || verdict.trusted || (verdict.level !== 'red' && verdict.level !== 'yellow')) return;
  const on = {
    // Not history.back(): scam pages flood the history (pushState) so "back" stays on them.
    back: () => {
      removeAlert();
      send({ type: 'leave' });
    },
    report: () => send({ type: 'openReport' }),
    trust: () => {
      removeAlert();
      send({ type: 'trust', domain: verdict.registrable_domain, trusted: true });
    },
    dismiss: () => {
      dismissed = true;
      removeAlert();
    },
  };
  if (verdict.level === 'red') showWarning({ verdict, text, on });
  else showNotice({ verdict, text, on });
}

/**
 * Messages from the worker about this page: a rescan (the site was trusted or untrusted, the
 * settings changed), a signed campaign bulletin (the worker applies its scope and frequency
 * cap) and the question which document this is. All follow a scan, so the listener is added with
 * the first one.
 */
function listen() {
  onMessage((msg) => {
    if (msg?.type === 'rescan') {
      dismissed = false;
      return run();
    }
    if (msg?.type === 'document') return DOCUMENT;
    if (msg?.type === 'bulletin') {
      showBulletin(msg.bulletin, msg.text);
      return null;
    }
    return undefined;
  });
}

/** A page's changes are looked at this long after the first one (and then again after the next). */
const CHANGE_CHECK_MS = 1000;
/** Rescans of a page's own changes, per document at most. */
const MAX_CHANGE_SCANS = 5;

/**
 * What a change of the page must alter to be scanned again: the address (a single-page app's
 * next view), the title, forms and fields (a login form drawn after a "captcha"), frames, and the
 * page's size in powers of two (content drawn by script). Cheap enough to compute once a second.
 */
function shape() {
  const own = document.querySelectorAll('ferretwatch-alert, ferretwatch-bulletin').length;
  return [
    location.href.split('#')[0],
    document.title,
    document.forms.length,
    document.getElementsByTagName('input').length,
    document.querySelectorAll('input[type=password]').length,
    document.getElementsByTagName('iframe').length,
    Math.round(Math.log2(1 + document.getElementsByTagName('*').length - own)),
  ].join('\n');
}

/**
 * After the first scan: a page that changes what it shows is scanned again, at most
 * MAX_CHANGE_SCANS times. Phishing kits draw their login form after a "checking your browser"
 * page or a captcha, when the scan at the load event has seen only the gate. Mutations only start
 * a timer; the page's shape is compared once per CHANGE_CHECK_MS while it keeps changing.
 */
function watchChanges() {
  let last = shape();
  let left = MAX_CHANGE_SCANS;
  let timer = null;
  const check = () => {
    timer = null;
    const now = shape();
    if (now === last) return;
    last = now;
    left -= 1;
    if (left === 0) observer.disconnect();
    run({ changed: true }).catch(() => {});
  };
  const observer = new MutationObserver(() => {
    timer ??= setTimeout(check, CHANGE_CHECK_MS);
  });
  observer.observe(document, { childList: true, subtree: true });
}

/** A page whose load event never comes (a request left hanging) is scanned this long after parsing. */
const MAX_WAIT_AFTER_DOM_MS = 1500;

/**
 * Calls `fn` once, in a task of its own after the load event, or MAX_WAIT_AFTER_DOM_MS after
 * DOMContentLoaded if the load event is late.
 */
function afterLoad(fn) {
  let started = false;
  const go = () => {
    if (started) return;
    started = true;
    nextTask(fn);
  };
  if (document.readyState === 'complete') return go();
  window.addEventListener('load', go, { once: true });
  // (best effort: see nextTask)
  const late = () => {
    const parsed = performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd || performance.now();
    setTimeout(go, Math.max(0, parsed + MAX_WAIT_AFTER_DOM_MS - performance.now()));
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', late, { once: true });
  else late();
}

// The worker injects this script when the tab has finished loading (or, for a page whose
// loading never finishes, 2 s after it began: background.js), so it costs the page's load
// nothing. Once per document: a second injection (a same-document navigation completes too)
// finds the flag in this script's own world, which the page cannot see.
if (/^https?:$/.test(location.protocol) && !globalThis.__ferretwatchScanned) {
  globalThis.__ferretwatchScanned = true;
  afterLoad(() => {
    listen();
    // A page restored from the back/forward cache is this same document, but when the tab left
    // it the browser cleared the tab's badge and the worker dropped its verdict: scan it again
    // (a warning the person dismissed stays dismissed; one they left by "Go back to safety"
    // shows again).
    window.addEventListener('pageshow', (e) => {
      if (e.persisted) run().catch(() => {});
    });
    // The tab is leaving this document: its verdict goes with it (the worker also asks each
    // navigating tab which document it shows, but a navigation's first update may come while
    // this document is still there).
    window.addEventListener('pagehide', () => {
      send({ type: 'left', document: DOCUMENT }).catch(() => {});
    });
    return run()
      .catch(() => {})
      .then(watchChanges);
  });
}
