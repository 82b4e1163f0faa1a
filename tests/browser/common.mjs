// Helpers shared by the browser tests.
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, corpus, demo } from './server.mjs';
import { pathToFileURL } from 'node:url';
import { comparable, importGlue } from '../node/helpers.mjs';
import { parseBundle } from '../../extension/lib/packbundle.js';
import { BADGE } from '../../extension/lib/words.js';

export { ROOT, BADGE, comparable };
export const SHOTS = join(ROOT, 'artifacts', 'screenshots');
mkdirSync(SHOTS, { recursive: true });

/** Corpus pages plus the demo pages that are not copies of corpus pages (same URL). */
export function allPages() {
  const c = corpus();
  const urls = new Set(c.map((p) => p.url));
  return [...c, ...demo().filter((p) => !urls.has(p.url))];
}

/**
 * The content script's extractor (extension/content/extract.js + phash.js) as a classic
 * script for the page's main world: defines `window.__fwExtract()` → the same features the
 * content script computes. Lets a test hand exactly those features to the node engine.
 */
export function extractorScript() {
  const strip = (f) =>
    readFileSync(join(ROOT, 'extension', 'content', f), 'utf8')
      .replace(/^import\s+\{[\w\s,]*\}\s+from\s+'\.[^']+';\s*$/gm, '')
      .replace(/^export\s+(?=(async\s+)?(function|const|let|class)\b)/gm, '');
  return `(() => {${strip('phash.js')}\n${strip('extract.js')}
    window.__fwExtract = async () => {
      const { features, candidates } = extractFromDocument(document, location.href);
      features.html = serializeDocument(document);
      features.image_phashes = await hashCandidates(candidates, location.href, performance.now() + 1000);
      return features;
    };
  })();`;
}

let hostPromise = null;
/**
 * The wasm engine in node, built from the very files the extension ships (dist/chromium:
 * engine/ and packs/default.fwpack), so a rebuild of core/wasm/pkg meanwhile cannot skew it.
 */
export function nodeEngine() {
  hostPromise ??= (async () => {
    const dist = join(ROOT, 'dist', 'chromium');
    const { EngineHost } = await import(pathToFileURL(join(dist, 'engine', 'host.js')).href);
    const host = new EngineHost({
      loadGlue: importGlue(pathToFileURL(join(dist, 'engine', 'ferretwatch_wasm.js')).href),
      wasm: readFileSync(join(dist, 'engine', 'ferretwatch_wasm_bg.wasm')),
    });
    const { files } = parseBundle(new Uint8Array(readFileSync(join(dist, 'packs', 'default.fwpack'))));
    await host.load(files);
    return host;
  })();
  return hostPromise;
}

/** Registrable domain of each URL, as the engine computes it. */
export async function registrableDomains(urls) {
  const host = await nodeEngine();
  const out = {};
  for (const u of urls) out[u] = (await host.checkUrl(u)).registrable_domain;
  return out;
}

/** Polls `check()` (may be async) every `step` ms until it is truthy: true, or false after `ms`. */
export async function waitFor(check, ms, step = 50) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, step));
  }
  return true;
}

/** `#rrggbb` → [r, g, b, 255] as chrome.action.getBadgeBackgroundColor returns it. */
export function rgba(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).concat(255);
}

/**
 * Whether a page navigates away by script while loading (`location = …`, `.replace(…)`…):
 * such a page is replaced before a verdict can be read, so tests load it with page scripts off.
 */
export function redirectsByScript(page) {
  return /location\s*(=[^=]|\.replace|\.assign|\.href\s*=)/.test(readFileSync(page.file, 'utf8'));
}

/** The red warning's headline and advice in the other languages of _locales, and their direction. */
export const WARNING_TRANSLATIONS = [
  ['fr', 'Cette page se fait passer pour PayPal.', "N'y saisissez pas votre mot de passe.", 'ltr'],
  ['ar', 'هذه الصفحة تنتحل صفة PayPal.', 'لا تُدخل كلمة مرورك.', 'rtl'],
];
