// Page → PageFeatures in the content script. Mirrors the native extractor's contract
// (cli/src/extract.rs module doc): one iterative walk of the live DOM, the same fields, the
// same caps. Differences that cannot be avoided in a browser:
// - `html` is the serialized live DOM (doctype + documentElement.outerHTML), not the bytes
//   the server sent (re-fetching the page would be a network request);
// - favicons/logos are hashed from `data:` URLs and from same-origin images the page already
//   loaded (never fetched from another site).

import { gray32FromRGBA, phash32x32 } from './phash.js';

export const MAX_HTML_KEPT = 2 * 1024 * 1024;
export const MAX_TEXT = 1024 * 1024;
export const MAX_INLINE_SCRIPT = 1024 * 1024;
export const MAX_ENTRY = 8 * 1024;
export const MAX_LIST = 4096;
export const MAX_PHASHES = 16;
const MAX_PHASH_CANDIDATES = 64;
const MAX_TYPE = 64;
const MAX_IMAGE_SIDE = 8192;

export const BLOCK_ELEMENTS = new Set(['address', 'article', 'aside', 'blockquote', 'br', 'button', 'caption', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'label', 'legend', 'li', 'main', 'nav', 'ol', 'option', 'p', 'pre', 'section', 'summary', 'table', 'td', 'th', 'tr', 'ul']);
const INVISIBLE_ELEMENTS = new Set(['script', 'style', 'noscript', 'template', 'head', 'title']);
const HTML_NS = 'http://www.w3.org/1999/xhtml';

const encoder = new TextEncoder();

/** UTF-8 byte length of a string. */
export function utf8Len(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** `s` cut to at most `max` UTF-8 bytes at a character boundary. */
export function cutUtf8(s, max) {
  if (s.length * 3 <= max || utf8Len(s) <= max) return s;
  const buf = new Uint8Array(max);
  const { read } = encoder.encodeInto(s, buf);
  return s.slice(0, read);
}

const isAsciiWs = (c) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
/** Trims ASCII whitespace only (as Rust's `trim_matches(is_ascii_whitespace)`). */
export function trimAscii(s) {
  let a = 0;
  let z = s.length;
  while (a < z && isAsciiWs(s[a])) a++;
  while (z > a && isAsciiWs(s[z - 1])) z--;
  return s.slice(a, z);
}

// Rust's char::is_whitespace (White_Space property).
const WS = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** Whitespace-collapsing text accumulator with a UTF-8 byte cap (TextBuf in the native code). */
export class TextBuf {
  constructor(cap) {
    this.parts = [];
    this.bytes = 0;
    this.pending = false;
    this.full = false;
    this.cap = cap;
  }
  push(t) {
    if (this.full) return;
    // Fast path: split on whitespace runs.
    const words = t.split(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/);
    if (WS.test(t[0] ?? '')) this.pending = true;
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (i > 0) this.pending = true;
      if (!w) continue;
      const space = this.pending && this.bytes > 0 ? 1 : 0;
      const len = utf8Len(w);
      if (this.bytes + space + len > this.cap) {
        // Characters one at a time up to the cap, as the native code does.
        if (this.bytes + space + 1 > this.cap) {
          this.full = true;
          return;
        }
        if (space) this.parts.push(' ');
        this.bytes += space;
        const part = cutUtf8(w, this.cap - this.bytes);
        this.parts.push(part);
        this.bytes += utf8Len(part);
        this.full = true;
        return;
      }
      if (space) this.parts.push(' ');
      this.parts.push(w);
      this.bytes += space + len;
      this.pending = false;
    }
  }
  boundary() {
    this.pending = true;
  }
  toString() {
    return this.parts.join('');
  }
}

export function collapse(t, cap) {
  const b = new TextBuf(cap);
  b.push(t);
  return b.toString();
}

/** A trimmed list entry within MAX_ENTRY bytes, or null (data: URLs are cut, not dropped). */
export function boundedEntry(v) {
  v = trimAscii(v ?? '');
  if (!v) return null;
  if (v.length <= MAX_ENTRY / 3 || utf8Len(v) <= MAX_ENTRY) return v;
  return v.slice(0, 5).toLowerCase() === 'data:' ? cutUtf8(v, MAX_ENTRY) : null;
}

function pushEntry(list, v) {
  if (list.length >= MAX_LIST) return;
  const e = boundedEntry(v);
  if (e !== null) list.push(e);
}

export function styleHides(style) {
  const s = style.replace(/[ \t\n\r\f]/g, '').toLowerCase();
  return s.includes('display:none') || s.includes('visibility:hidden');
}

function elementHides(el) {
  if (el.hasAttribute('hidden')) return true;
  const s = el.getAttribute('style');
  return s !== null && styleHides(s);
}

export function firstSrcsetUrl(srcset) {
  const s = srcset.replace(/^[\s,]+/, '');
  const m = /^[^\t\n\f\r ]*/.exec(s)[0].replace(/,+$/, '');
  return m || null;
}

/** Meta refresh content → [delay, url] or null (the HTML declarative refresh steps). */
export function parseRefresh(content) {
  const s = content.replace(/^[ \t\n\r\f]+/, '');
  const m = /^(\d*)/.exec(s);
  const digits = m[1];
  if (!digits && !s.startsWith('.')) return null;
  let r = s.slice(digits.length).replace(/^[\d.]+/, '').replace(/^[ \t\n\r\f]+/, '');
  if (r[0] === ';' || r[0] === ',') r = r.slice(1).replace(/^[ \t\n\r\f]+/, '');
  if (r.length >= 3 && r.slice(0, 3).toLowerCase() === 'url') {
    const after = r.slice(3).replace(/^[ \t\n\r\f]+/, '');
    if (after[0] === '=') r = after.slice(1).replace(/^[ \t\n\r\f]+/, '');
  }
  let url = r;
  if (r[0] === '"' || r[0] === "'") {
    const body = r.slice(1);
    const end = body.indexOf(r[0]);
    url = end < 0 ? body : body.slice(0, end);
  }
  url = trimAscii(url);
  if (!url) return null;
  let delay = 0;
  for (const d of digits) delay = Math.min(delay * 10 + Number(d), Number.MAX_SAFE_INTEGER);
  return [delay, url];
}

const isIdent = (c) => /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) >= 0x80;
const skipWs = (code, i) => {
  while (i < code.length && isAsciiWs(code[i])) i++;
  return i;
};

function stringLiteral(code, i) {
  const q = code[i];
  if (q !== '"' && q !== "'" && q !== '`') return null;
  let out = '';
  for (let j = i + 1; j < code.length; j++) {
    if (utf8Len(out) > MAX_ENTRY) return null;
    const c = code[j];
    if (c === q) {
      const t = trimAscii(out);
      return t || null;
    }
    if (c === '\\') {
      if (j + 1 >= code.length) return null;
      // One character (a full code point) after the backslash.
      const cp = code.codePointAt(j + 1);
      out += String.fromCodePoint(cp);
      j += cp > 0xffff ? 2 : 1;
      continue;
    }
    if ((c === '\n' || c === '\r') && q !== '`') return null;
    if (c === '$' && q === '`' && code[j + 1] === '{') return null;
    out += c;
  }
  return null;
}

function assignment(code, i) {
  if (code[i + 1] === '=' || code[i + 1] === '>') return null;
  return stringLiteral(code, skipWs(code, i + 1));
}

/** The first script redirect (`location = "…"`, `.href =`, `.replace(`, `.assign(`) in code. */
export function scriptRedirect(code) {
  let from = 0;
  for (;;) {
    const start = code.indexOf('location', from);
    if (start < 0) return null;
    from = start + 8;
    if (start > 0 && isIdent(code[start - 1])) continue;
    let i = skipWs(code, from);
    let t = null;
    if (code[i] === '=') t = assignment(code, i);
    else if (code[i] === '.') {
      i = skipWs(code, i + 1);
      const s = i;
      while (i < code.length && isIdent(code[i])) i++;
      const ident = code.slice(s, i);
      i = skipWs(code, i);
      if (ident === 'href' && code[i] === '=') t = assignment(code, i);
      else if ((ident === 'replace' || ident === 'assign') && code[i] === '(') t = stringLiteral(code, skipWs(code, i + 1));
    }
    if (t !== null) return t;
  }
}

function cssUrlOrString(css, i) {
  const rest = css.slice(i);
  if (rest.slice(0, 4).toLowerCase() === 'url(') {
    const inner = rest.slice(4);
    const trimmed = inner.trimStart();
    const lead = inner.length - trimmed.length;
    const q = trimmed[0];
    if (q === '"' || q === "'") {
      const close = trimmed.indexOf(q, 1);
      if (close < 0) return null;
      return [trimmed.slice(1, close).trim(), i + 4 + lead + close + 1];
    }
    const close = inner.indexOf(')');
    if (close < 0) return null;
    const v = inner.slice(0, close).trim();
    return v ? [v, i + 4 + close + 1] : null;
  }
  const q = rest[0];
  if (q === '"' || q === "'") {
    const close = rest.indexOf(q, 1);
    if (close < 0) return null;
    return [rest.slice(1, close), i + close + 1];
  }
  return null;
}

/** URLs of @import targets and of url(…) inside @font-face blocks, in order. */
export function cssResourceUrls(css) {
  const lower = css.toLowerCase();
  const out = [];
  let i = 0;
  for (;;) {
    const start = lower.indexOf('@', i);
    if (start < 0) break;
    const rest = lower.slice(start + 1, start + 10);
    if (rest.startsWith('import')) {
      const p = start + 7;
      const q = p + (css.slice(p).length - css.slice(p).trimStart().length);
      const u = cssUrlOrString(css, q);
      if (u) out.push(u[0]);
      i = p;
    } else if (rest.startsWith('font-face')) {
      const p = start + 10;
      const e = lower.indexOf('}', p);
      const end = e < 0 ? css.length : e;
      let j = p;
      for (;;) {
        const k = lower.slice(j, end).indexOf('url(');
        if (k < 0) break;
        const at = j + k;
        const u = cssUrlOrString(css, at);
        if (u) {
          out.push(u[0]);
          j = Math.max(Math.min(u[1], end), at + 4);
        } else j = at + 4;
      }
      i = Math.max(end, p);
    } else i = start + 1;
    if (out.length >= MAX_LIST) break;
  }
  return out;
}

/**
 * Walks the document once and returns the PageFeatures (without `image_phashes`,
 * `first_seen_ms`, `now_ms`) plus the favicon/logo candidates to hash.
 */
export function extractFromDocument(doc, url) {
  const f = { url, title: '', og_site_name: '', image_phashes: [], forms: [], links: [], images: [], scripts: [], styles: [], redirect: '', text: '', html: '', inline_script: '' };
  const text = new TextBuf(MAX_TEXT);
  let title = null;
  let ogSite = null;
  let metaRedirect = null;
  const forms = [];
  const formEls = new Map(); // form element → index
  const formIds = new Map();
  const inputs = []; // [owner, input]; owner: index | null | 'dropped' | {id}
  let inline = '';
  let inlineFull = false;
  const candidates = [];
  const candidate = (src, el) => {
    if (candidates.length < MAX_PHASH_CANDIDATES) candidates.push({ src, el });
  };

  // Explicit stack: [node, hidden, invisible, formIndex, formDropped] or a close marker.
  const stack = [[doc, false, false, null, false]];
  while (stack.length) {
    const step = stack.pop();
    if (step === 'close-block') {
      text.boundary();
      continue;
    }
    const [node, hidden, invisible, formIdx, formDropped] = step;
    let ch = hidden;
    let ci = invisible;
    let cf = formIdx;
    let cd = formDropped;
    if (node.nodeType === 3) {
      if (!hidden && !invisible) text.push(node.data);
      continue;
    }
    if (node.nodeType === 1) {
      const el = node;
      const html = el.namespaceURI === HTML_NS;
      const name = el.localName;
      if (html && name === 'template') continue;
      ch = ch || elementHides(el);
      ci = ci || (html && INVISIBLE_ELEMENTS.has(name));
      if (html) {
        switch (name) {
          case 'title':
            if (title === null) title = collapse(el.textContent, MAX_ENTRY);
            break;
          case 'meta': {
            const content = trimAscii(el.getAttribute('content') ?? '');
            const key = (el.getAttribute('property') ?? el.getAttribute('name') ?? '').trim().toLowerCase();
            if (key === 'og:site_name' && ogSite === null) ogSite = cutUtf8(content, MAX_ENTRY);
            else if (key === 'og:image') pushEntry(f.images, content);
            const he = el.getAttribute('http-equiv');
            if (he !== null && he.trim().toLowerCase() === 'refresh' && metaRedirect === null) {
              const r = parseRefresh(content);
              metaRedirect = r && r[0] <= 5 ? boundedEntry(r[1]) : null;
            }
            break;
          }
          case 'form':
            if (forms.length < MAX_LIST) {
              const idx = forms.length;
              forms.push({ action: cutUtf8(trimAscii(el.getAttribute('action') ?? ''), MAX_ENTRY), inputs: [] });
              formEls.set(el, idx);
              const id = el.getAttribute('id');
              if (id !== null && !formIds.has(id)) formIds.set(id, idx);
              cf = idx;
              cd = false;
            } else {
              cf = null;
              cd = true;
            }
            break;
          case 'input':
          case 'select':
          case 'textarea': {
            let kind = name;
            if (name === 'input') kind = (el.getAttribute('type') ?? '').trim().toLowerCase() || 'text';
            let field = el.getAttribute('name');
            if (field === null || !field.trim()) field = el.getAttribute('id') ?? '';
            field = field.trim().toLowerCase();
            const isHidden = hidden || elementHides(el) || kind === 'hidden';
            const fa = el.getAttribute('form');
            const owner = fa !== null ? { id: fa } : formIdx !== null ? formIdx : formDropped ? 'dropped' : null;
            if (inputs.length < MAX_LIST * 4) inputs.push([owner, { type: cutUtf8(kind, MAX_TYPE), name: cutUtf8(field, MAX_ENTRY), hidden: isHidden }]);
            break;
          }
          case 'a':
            pushEntry(f.links, el.getAttribute('href') ?? '');
            break;
          case 'img': {
            const src = trimAscii(el.getAttribute('src') ?? '');
            pushEntry(f.images, src);
            const ss = el.getAttribute('srcset');
            const first = ss === null ? null : firstSrcsetUrl(ss);
            if (first) pushEntry(f.images, first);
            const logo = ['src', 'alt', 'class', 'id'].some((a) => (el.getAttribute(a) ?? '').toLowerCase().includes('logo'));
            if (logo && src) candidate(src, el);
            break;
          }
          case 'link': {
            const rel = (el.getAttribute('rel') ?? '').toLowerCase().split(/[ \t\n\r\f]+/);
            const href = trimAscii(el.getAttribute('href') ?? '');
            if (rel.includes('icon') || rel.includes('apple-touch-icon')) {
              pushEntry(f.images, href);
              if (href) candidate(href, null);
            }
            if (rel.includes('stylesheet')) pushEntry(f.styles, href);
            break;
          }
          case 'script': {
            const src = el.getAttribute('src');
            if (src !== null) pushEntry(f.scripts, src);
            else if (!inlineFull) {
              const code = el.textContent;
              if (code) {
                const sep = inline ? 1 : 0;
                const room = MAX_INLINE_SCRIPT - (utf8Len(inline) + sep);
                if (room <= 0) inlineFull = true;
                else {
                  if (sep) inline += '\n';
                  const part = cutUtf8(code, room);
                  inline += part;
                  if (part.length < code.length) inlineFull = true;
                }
              }
            }
            break;
          }
          case 'style':
            for (const u of cssResourceUrls(el.textContent)) pushEntry(f.styles, u);
            break;
          default:
        }
      }
      const block = html && BLOCK_ELEMENTS.has(name);
      if (block) {
        text.boundary();
        stack.push('close-block');
      }
    } else if (node.nodeType !== 9) continue;
    for (let c = node.lastChild; c; c = c.previousSibling) stack.push([c, ch, ci, cf, cd]);
  }

  // Inputs → forms; the synthetic form for password inputs outside any form.
  const loose = [];
  for (const [owner, input] of inputs) {
    if (owner === 'dropped') continue;
    const target = owner === null ? null : typeof owner === 'number' ? owner : formIds.get(owner.id) ?? null;
    if (target !== null && forms[target]) {
      if (forms[target].inputs.length < MAX_LIST) forms[target].inputs.push(input);
    } else if (loose.length < MAX_LIST) loose.push(input);
  }
  if (loose.some((i) => i.type === 'password') && forms.length < MAX_LIST) forms.push({ action: '', inputs: loose });

  f.title = title ?? '';
  f.og_site_name = ogSite ?? '';
  f.forms = forms;
  f.redirect = metaRedirect ?? scriptRedirect(inline) ?? '';
  f.text = text.toString();
  f.inline_script = inline;
  return { features: f, candidates };
}

/** The serialized live DOM, cut to MAX_HTML_KEPT bytes. */
export function serializeDocument(doc) {
  const dt = doc.doctype ? `<!DOCTYPE ${doc.doctype.name}>` : '';
  return cutUtf8(dt + (doc.documentElement?.outerHTML ?? ''), MAX_HTML_KEPT);
}

/** Draws an image to a 32×32-ready RGBA buffer and hashes it; null when not possible. */
function hashImage(img) {
  const w = img.naturalWidth;
  const h = img.naturalHeight;
  if (!w || !h || w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE) return null;
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(img, 0, 0);
  const { data } = ctx.getImageData(0, 0, w, h); // throws on a tainted (cross-origin) canvas
  return phash32x32(gray32FromRGBA(data, w, h));
}

/** Loads an image, giving up at `deadline` (performance.now() ms): a scan never waits longer. */
function loadImage(src, deadline) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    const timer = setTimeout(() => reject(new Error('image budget')), Math.max(0, deadline - performance.now()));
    img.onload = () => {
      clearTimeout(timer);
      resolve(img);
    };
    img.onerror = (e) => {
      clearTimeout(timer);
      reject(e);
    };
    img.src = src;
  });
}

/**
 * pHashes of favicon/logo candidates: `data:image/…;base64` URLs always; other URLs only when
 * they resolve to the page's own origin and the page has already loaded them (an `<img>`).
 * Nothing is ever fetched (the extension makes no request of its own while browsing), so a
 * `<link rel=icon>` pointing at a file is not hashed.
 */
export async function hashCandidates(candidates, baseUrl, deadline) {
  const out = [];
  const origin = new URL(baseUrl).origin;
  for (const { src, el } of candidates) {
    if (out.length >= MAX_PHASHES || performance.now() > deadline) break;
    try {
      const isData = /^data:image\/(png|jpeg|gif|x-icon|vnd\.microsoft\.icon);base64,/i.test(src);
      let img;
      if (isData) img = el?.complete ? el : await loadImage(src, deadline);
      else {
        const abs = new URL(src, baseUrl);
        if (abs.origin !== origin || !/^https?:$/.test(abs.protocol)) continue;
        if (el && el.complete && el.naturalWidth) img = el;
        else continue;
      }
      const hash = hashImage(img);
      if (hash && !out.includes(hash)) out.push(hash);
    } catch {
      // Undecodable or tainted: skipped, as the native extractor skips unreadable images.
    }
  }
  return out;
}
