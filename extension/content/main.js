// Content script entry: extract the page's features within a small budget, ask the
// background for a verdict, and show the warning (red) or notice (yellow).
// Bundled with extract.js, overlay.js, phash.js and words.js into content/content.js by
// scripts/build-extension (content scripts cannot be ES modules).

import { send, onMessage, t, textDirection } from '../lib/browser.js';
import { extractFromDocument, serializeDocument, hashCandidates } from './extract.js';
import { showWarning, showNotice, removeAlert } from './overlay.js';
import { describe } from '../lib/words.js';

/** Time allowed for hashing favicons/logos after the DOM walk (ms). */
const PHASH_BUDGET_MS = 25;
let dismissed = false;

async function run() {
  const t0 = performance.now();
  const { features, candidates } = extractFromDocument(document, location.href);
  features.html = serializeDocument(document);
  features.image_phashes = await hashCandidates(candidates, location.href, performance.now() + PHASH_BUDGET_MS);
  const t1 = performance.now();
  const { verdict } = await send({ type: 'scan', features });
  render(verdict);
  const t2 = performance.now();
  send({ type: 'timing', roundTripMs: t2 - t1, extractMs: t1 - t0 }).catch(() => {});
}

function render(verdict) {
  removeAlert();
  if (dismissed || verdict.trusted) return;
  const words = describe(verdict, t);
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
  const dir = textDirection();
  if (verdict.level === 'red') showWarning({ verdict, words, t, dir, on });
  else if (verdict.level === 'yellow') showNotice({ verdict, words, t, dir, on });
}

onMessage((msg) => {
  if (msg?.type === 'rescan') {
    dismissed = false;
    return run();
  }
  return undefined;
});

// Injected at document_start; scans at DOMContentLoaded, so pages that redirect with script
// during load are still checked, and the warning comes before the page finishes loading.
if (/^https?:$/.test(location.protocol)) {
  const go = () => run().catch(() => {});
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go, { once: true });
  else go();
}
