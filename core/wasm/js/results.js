// Result objects of the wasm engine's calls, built in JS from what the engine hands over in one
// call (core/wasm/src/lib.rs): one JS object or typed array made here costs less than building it
// from wasm piece by piece, or parsing it from JSON.

// The verdict object of `Engine.scan` / `scanJson` / `checkUrl` (`verdict_to_js`): one string holding the URL,
// host, registrable domain and pack version one after the other (then the findings as a JSON
// array, when there are any), the UTF-16 offsets where each part ends, and the numbers. The
// object has the keys, in the order, and the values that `JSON.parse` of the verdict's JSON
// (`ferretwatch scan --json` without `id`) gives — without parsing the whole document, which cost
// more than the URL check itself.
const LEVELS = ['green', 'yellow', 'red'];

export function fwVerdict(text, urlEnd, hostEnd, regEnd, packEnd, score, level, flags, elapsedUs) {
  return {
    url: text.slice(0, urlEnd),
    host: text.slice(urlEnd, hostEnd),
    registrable_domain: text.slice(hostEnd, regEnd),
    score,
    level: LEVELS[level],
    findings: packEnd === text.length ? [] : JSON.parse(text.slice(packEnd)),
    pack_version: text.slice(regEnd, packEnd),
    partial: (flags & 2) !== 0,
    trusted: (flags & 1) !== 0,
    elapsed_us: elapsedUs,
  };
}

// The `Uint32Array` of `Engine.checkUrlCompact` without findings: `[score, level, flags]` (one
// typed array, where returning a wasm vector makes a view of the wasm memory and a copy of it).
export function fwCompact(score, level, flags) {
  const out = new Uint32Array(3);
  out[0] = score;
  out[1] = level;
  out[2] = flags;
  return out;
}

// The same with findings: a copy of the wasm memory's view.
export function fwCompactOf(view) {
  return view.slice();
}
