// A signed bulletin (an active-campaign notice from the FerretWatch team, verified in wasm by the
// worker) shown on a page it concerns: a small banner at the bottom of the window, in a closed
// shadow root of its own, above the red warning's backdrop (mounted after it) and beside the yellow
// notice; it never replaces either.
// The advisory and the links go in as text; links are https only (the worker filters them too).
// The worker decides when (scope or impersonated brand, frequency cap, degradation level).
import { h } from './overlay.js';

const BULLETIN_TAG = 'ferretwatch-bulletin';
const BULLETIN_CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
.bulletin { position: fixed; bottom: 16px; inset-inline-start: 16px; z-index: 2147483647; max-width: 440px;
  width: calc(100% - 32px); background: #fff; color: #1f1f1f; border: 2px solid #0b57d0; border-inline-start: 8px solid #0b57d0;
  border-radius: 10px; box-shadow: 0 6px 24px rgba(0,0,0,.25); padding: 14px 16px;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Arabic", sans-serif; }
.bulletin.high, .bulletin.critical { border-color: #b3261e; }
.title { font-weight: 700; margin: 0 0 4px; }
p { margin: 0 0 8px; overflow-wrap: anywhere; }
ul { margin: 0 0 8px; padding-inline-start: 20px; }
a { color: #0b57d0; overflow-wrap: anywhere; }
a:focus-visible, button:focus-visible { outline: 3px solid #f2c200; outline-offset: 2px; }
button { font: inherit; border-radius: 8px; padding: 6px 12px; min-height: 36px; cursor: pointer;
  border: 2px solid #5f6368; background: #fff; color: #1f1f1f; }
button:hover { background: #f1f3f4; }
`;

let shown = null;

/** Removes the bulletin banner, if any. */
export function removeBulletin() {
  shown?.remove();
  shown = null;
}

/**
 * Shows `{id, severity, text, links}` with the banner's UI strings `ui` (words.js
 * `bulletinText`, translated by the worker). Returns the host element.
 */
export function showBulletin(b, ui) {
  removeBulletin();
  const host = document.createElement(BULLETIN_TAG);
  const root = host.attachShadow({ mode: 'closed' });
  const links = (b.links ?? []).filter((u) => typeof u === 'string' && u.startsWith('https://'));
  const box = h(
    'div',
    { class: `bulletin ${b.severity}`, role: 'status', 'aria-live': 'polite', 'aria-labelledby': 'fw-b-title', 'data-id': b.id, dir: ui.dir, lang: ui.lang },
    h('p', { class: 'title', id: 'fw-b-title' }, ui.title),
    h('p', { class: 'advisory' }, String(b.text ?? '')),
    links.length ? h('p', {}, ui.links) : null,
    links.length ? h('ul', {}, links.map((u) => h('li', {}, h('a', { href: u, target: '_blank', rel: 'noopener noreferrer' }, u)))) : null,
    h('button', { type: 'button', 'data-action': 'close', onclick: removeBulletin }, ui.close),
  );
  root.append(h('style', {}, BULLETIN_CSS), box);
  document.documentElement.append(host);
  shown = host;
  return host;
}
