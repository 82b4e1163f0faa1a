// The red warning and the yellow notice, drawn in a closed shadow root so the page can neither
// read nor restyle them. Every piece of page or rule text goes in with textContent (the `h`
// helper below never parses HTML). Neither blocks navigation: the page stays underneath and
// "Ignore this warning" removes the overlay.

const HOST_TAG = 'ferretwatch-alert';

/** Creates an element; string/number children become text nodes, never HTML. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return el;
}

// Few font sizes and weights: in a page's renderer each new (font, size, weight) costs a
// font lookup in the browser process during the warning's first layout (traced: 1-3 ms each,
// the largest part of drawing the warning), so the warning uses five and the notice two.
const CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
.backdrop { position: fixed; inset: 0; z-index: 2147483647; background: rgba(20, 0, 0, 0.72);
  display: flex; align-items: flex-start; justify-content: center; overflow: auto; padding: 6vh 16px;
  font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Arabic", sans-serif; }
.card { background: #fff; color: #1f1f1f; max-width: 620px; width: 100%; border-radius: 14px;
  box-shadow: 0 12px 48px rgba(0,0,0,.5); overflow: hidden; }
.band { background: #b3261e; color: #fff; padding: 14px 24px; display: flex; align-items: center; gap: 12px;
  font-weight: 700; letter-spacing: .02em; }
.band svg { flex: none; }
.body { padding: 22px 24px 20px; }
h1 { font-size: 26px; line-height: 1.25; margin: 0 0 10px; color: #8c1d18; font-weight: 700; }
.advice { font-size: 20px; font-weight: 700; margin: 0 0 12px; }
.where { margin: 0 0 18px; color: #3c3c3c; }
.where b { font-weight: 700; overflow-wrap: anywhere; }
.actions { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 6px; }
.where .real { display: block; margin-top: 2px; }
.primary-row { margin: 4px 0 12px; }
.primary-row button { padding: 12px 28px; min-height: 50px; }
.actions.secondary button { font-size: 14px; padding: 8px 14px; }
button { font: inherit; border-radius: 8px; padding: 10px 16px; cursor: pointer;
  border: 2px solid #5f6368; background: #fff; color: #1f1f1f; min-height: 44px; }
button:hover { background: #f1f3f4; }
button.primary { background: #0b57d0; border-color: #0b57d0; color: #fff; font-weight: 700; }
button.primary:hover { background: #0842a0; }
button.link { border: none; background: none; color: #3c3c3c; text-decoration: underline; padding: 6px 0; min-height: 0; font-size: 14px; }
button:focus-visible { outline: 3px solid #f2c200; outline-offset: 2px; box-shadow: 0 0 0 5px #1f1f1f; }
.details { margin-top: 18px; border-top: 1px solid #dadce0; padding-top: 14px; font-size: 14px; }
.details h2 { font-size: 17px; margin: 0 0 8px; }
.details ul { margin: 0 0 10px; padding-inline-start: 20px; }
.details li { margin-bottom: 8px; }
.details li > span { display: block; }
.evidence { display: block; color: #3c3c3c; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 14px;
  overflow-wrap: anywhere; margin-top: 2px; }
.meta { color: #5f6368; font-size: 14px; }
.confirm { margin-top: 14px; padding: 12px 14px; background: #fef7e0; border: 1px solid #f2c200; border-radius: 8px; }
.confirm p { margin: 0 0 10px; }
.footer { margin-top: 16px; display: flex; justify-content: space-between; align-items: center; gap: 12px; flex-wrap: wrap; }
.notice { position: fixed; top: 16px; inset-inline-end: 16px; z-index: 2147483647; max-width: 380px; width: calc(100% - 32px);
  background: #fffbea; color: #1f1f1f; border: 2px solid #b08800; border-inline-start: 8px solid #f2c200; border-radius: 10px;
  box-shadow: 0 6px 24px rgba(0,0,0,.25); padding: 14px 16px;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Arabic", sans-serif; }
.notice .title { font-weight: 700; margin: 0 0 4px; }
.notice p { margin: 0 0 8px; }
.notice button { padding: 6px 12px; min-height: 36px; }
.notice .actions { gap: 8px; }
@media (prefers-reduced-motion: no-preference) { .card, .notice { animation: in .18s ease-out; } }
@keyframes in { from { opacity: 0; transform: translateY(-8px); } to { opacity: 1; transform: none; } }
`;

function warningIcon() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', '26');
  svg.setAttribute('height', '26');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', 'M12 2 1 21h22L12 2zm0 5.5 7.5 12.5h-15L12 7.5zM11 10v5h2v-5h-2zm0 6v2h2v-2h-2z');
  p.setAttribute('fill', 'currentColor');
  svg.append(p);
  return svg;
}

let current = null; // {host, observer, restoreFocus}

/** Removes any FerretWatch overlay or notice from the page. */
export function removeAlert() {
  if (!current) return;
  current.observer.disconnect();
  current.host.remove();
  document.removeEventListener('keydown', current.onDocKey, true);
  const r = current.restoreFocus;
  current = null;
  if (r && r.isConnected && typeof r.focus === 'function') r.focus();
}

function mount(build, { modal }) {
  removeAlert();
  const host = document.createElement(HOST_TAG);
  const root = host.attachShadow({ mode: 'closed' });
  root.append(h('style', {}, CSS));
  const content = build(root);
  root.append(content);
  const restoreFocus = document.activeElement;
  document.documentElement.append(host);
  // A page that removes the warning gets it back (until the person dismisses it).
  const observer = new MutationObserver(() => {
    if (!host.isConnected) document.documentElement.append(host);
  });
  observer.observe(document.documentElement, { childList: true });
  // While the modal warning shows, keyboard focus stays inside it (Tab / Shift+Tab cycle).
  const onDocKey = (e) => {
    if (!modal || e.key !== 'Tab') return;
    const items = [...root.querySelectorAll('button:not([hidden])')].filter((b) => b.offsetParent !== null);
    if (!items.length) return;
    const i = items.indexOf(root.activeElement);
    e.preventDefault();
    e.stopPropagation();
    const next = e.shiftKey ? (i <= 0 ? items.length - 1 : i - 1) : (i + 1) % items.length;
    items[next].focus();
  };
  document.addEventListener('keydown', onDocKey, true);
  current = { host, observer, restoreFocus, onDocKey, root };
  return root;
}

function detailsBlock(verdict, text) {
  const items = verdict.findings.map((f, i) =>
    h('li', {},
      h('span', {}, text.reasons[i] ?? f.signal),
      h('span', { class: 'evidence' }, f.evidence),
      h('span', { class: 'meta' }, text.details[i] ?? ''),
    ),
  );
  return [
    h('h2', { id: 'fw-details-title' }, text.ui.detailsTitle),
    h('ul', { 'aria-labelledby': 'fw-details-title' }, items),
    h('p', { class: 'meta' }, text.score),
  ];
}

/**
 * The hidden details block and the button that shows and hides it. The block's contents are
 * built the first time it is opened (most people never open it; the warning shows sooner).
 */
function detailsToggle(verdict, text) {
  const details = h('div', { class: 'details', id: 'fw-details', hidden: true });
  const toggle = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'fw-details', 'data-action': 'details',
    onclick: () => {
      const open = details.hidden;
      if (open && !details.firstChild) details.append(...detailsBlock(verdict, text));
      details.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
      toggle.textContent = open ? text.ui.hideDetails : text.ui.showDetails;
    } }, text.ui.showDetails);
  return [toggle, details];
}

/**
 * Shows the red warning. `text` is words.js `alertText(verdict)` (every string, translated by
 * the worker); `on` has handlers `back()`, `report()`, `trust()`, `dismiss()`.
 */
export function showWarning({ verdict, text, on }) {
  const ui = text.ui;
  const root = mount(() => {
    const [toggle, details] = detailsToggle(verdict, text);
    const confirmBox = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-labelledby': 'fw-confirm-text' },
      h('p', { id: 'fw-confirm-text' }, text.trustConfirm),
      h('div', { class: 'actions' },
        h('button', { type: 'button', 'data-action': 'trust-yes', onclick: () => on.trust() }, ui.trustYes),
        h('button', { type: 'button', 'data-action': 'trust-no', onclick: () => { confirmBox.hidden = true; trustBtn.focus(); } }, ui.cancel),
      ),
    );
    const trustBtn = h('button', { type: 'button', 'data-action': 'trust', onclick: () => { confirmBox.hidden = false; confirmBox.querySelector('button').focus(); } }, ui.trustSite);
    const primary = h('button', { type: 'button', class: 'primary', 'data-action': 'back', onclick: () => on.back() }, ui.goBack);
    const card = h('div', { class: 'card', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'fw-title', 'aria-describedby': 'fw-advice fw-where', dir: text.dir, lang: text.lang },
      h('div', { class: 'band' }, warningIcon(), h('span', {}, ui.warningBand)),
      h('div', { class: 'body' },
        h('h1', { id: 'fw-title' }, text.headline),
        h('p', { class: 'advice', id: 'fw-advice' }, text.advice),
        h('p', { class: 'where', id: 'fw-where' }, ui.youAreOn, ' ', h('b', { dir: 'ltr' }, verdict.host),
          text.realSite ? h('span', { class: 'real' }, text.realSite) : null),
        h('div', { class: 'primary-row' }, primary),
        h('div', { class: 'actions secondary' }, toggle, h('button', { type: 'button', 'data-action': 'report', onclick: () => on.report() }, ui.report), trustBtn),
        confirmBox,
        details,
        h('div', { class: 'footer' },
          h('button', { type: 'button', class: 'link', 'data-action': 'dismiss', onclick: () => on.dismiss() }, ui.ignoreWarning),
          h('span', { class: 'meta' }, ui.extName),
        ),
      ),
    );
    return h('div', { class: 'backdrop' }, card);
  }, { modal: true });
  // (The warning is fixed over the viewport: nothing to scroll into view.)
  root.querySelector('button.primary').focus({ preventScroll: true });
}

/** Shows the quieter yellow notice (not modal; focus stays where it was). `text` as for showWarning. */
export function showNotice({ verdict, text, on }) {
  const ui = text.ui;
  mount(() => {
    const [toggle, details] = detailsToggle(verdict, text);
    return h('div', { class: 'notice', role: 'status', 'aria-live': 'polite', dir: text.dir, lang: text.lang },
      h('p', { class: 'title' }, ui.noticeTitle),
      h('p', {}, text.headline),
      text.advice ? h('p', {}, text.advice) : null,
      h('div', { class: 'actions' }, toggle,
        h('button', { type: 'button', 'data-action': 'report', onclick: () => on.report() }, ui.report),
        h('button', { type: 'button', 'data-action': 'dismiss', onclick: () => on.dismiss() }, ui.dismiss)),
      details,
    );
  }, { modal: false });
}
