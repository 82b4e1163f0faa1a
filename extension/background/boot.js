// The worker's first module: background.js imports it before anything else, so the engine's
// wasm starts downloading and compiling at the very start of a worker life, while the rest of
// the worker's code is still being evaluated (the compile is the longest step before the engine
// can be built).
import { fetchBytes, getURL } from '../lib/browser.js';

/** When this module started running, in ms since the worker started (health.loadTimings). */
export const bootAt = performance.now();

const PATH = 'engine/ferretwatch_wasm_bg.wasm';
let pending = null;

/** The compiled engine module (one compile per worker life; a failed one is tried again). */
export function compiledWasm() {
  pending ??= compile().catch((e) => {
    pending = null;
    throw e;
  });
  return pending;
}

/** Compiles while the bytes arrive where possible. */
async function compile() {
  if (typeof WebAssembly.compileStreaming === 'function') {
    try {
      return await WebAssembly.compileStreaming(fetch(getURL(PATH)));
    } catch {
      // e.g. a browser serving the file without the application/wasm type: compile the bytes.
    }
  }
  return WebAssembly.compile(await fetchBytes(PATH));
}

compiledWasm().catch(() => {}); // (loadEngine awaits it and sees a failure)
