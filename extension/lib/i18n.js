// Translates an extension page: every element with data-i18n="key" gets the message as text;
// data-i18n-label="key" sets aria-label, data-i18n-placeholder="key" the placeholder. Sets
// <html lang/dir> from the UI language (Arabic and Hebrew render right to left).
import { t, textDirection, uiLanguage } from './browser.js';

export function localize(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder));
  document.documentElement.lang = uiLanguage();
  document.documentElement.dir = textDirection();
}

/** Replaces an element's children with text (never HTML). */
export function setText(el, text) {
  el.textContent = text;
}

/** Creates an element with text children only. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  return e;
}
