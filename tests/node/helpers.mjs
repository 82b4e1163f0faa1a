// Shared helpers for the node tests: paths, the native CLI, the wasm engine.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.FW_BIN ?? join(ROOT, 'target', 'debug', 'ferretwatch');
export const PKG = join(ROOT, 'core', 'wasm', 'pkg');

/**
 * Runs the native CLI and returns its stdout lines parsed as JSON. Exit code 1 ("some inputs could
 * not be scanned", with an error line for each) is part of the output contract, not a failure.
 */
export function cliJsonLines(args) {
  let out;
  try {
    out = execFileSync(BIN, args, { cwd: ROOT, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' });
  } catch (e) {
    if (e.status !== 1) throw e;
    out = e.stdout;
  }
  return out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

/** Reads every file under a pack directory into {relativePath: Uint8Array} (as the CLI does). */
export function readPackDir(dir) {
  const files = {};
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!name.endsWith('.md')) files[relative(dir, p).split('\\').join('/')] = new Uint8Array(readFileSync(p));
    }
  };
  walk(dir);
  return files;
}

/**
 * EngineHost's `loadGlue` for node: a fresh instance of the wasm-bindgen glue at `glueUrl` per
 * generation (a distinct module record through `?instance=N`).
 */
export function importGlue(glueUrl) {
  return (generation) => import(generation === 0 ? glueUrl : `${glueUrl}${glueUrl.includes('?') ? '&' : '?'}instance=${generation}`);
}

/** Creates an EngineHost over the built wasm with the given pack directory loaded. */
export async function makeHost(packDir = join(ROOT, 'packs', 'default')) {
  const { EngineHost } = await import(pathToFileURL(join(ROOT, 'extension', 'engine', 'host.js')).href);
  const host = new EngineHost({
    loadGlue: importGlue(pathToFileURL(join(PKG, 'ferretwatch_wasm.js')).href),
    wasm: readFileSync(join(PKG, 'ferretwatch_wasm_bg.wasm')),
  });
  await host.load(readPackDir(packDir));
  return host;
}

/** A verdict without the fields that legitimately differ between runs. */
export function comparable(v) {
  const { elapsed_us: _e, ...rest } = v;
  return rest;
}
