// A local static rule-pack CDN for the update tests, on 127.0.0.1: serves a directory laid out
// by `ferretwatch pack deploy` (docs/rule-pack-format.md §6) the way a static CDN does —
// strong ETags, If-None-Match → 304, CORS for the extension (it fetches without host
// permissions: `Access-Control-Allow-Origin: *`, ETag exposed, If-None-Match allowed in the
// preflight). `down = true` drops every connection (an unreachable CDN). Also serves
// `/pages/NAME.html` (test pages under any host name mapped to 127.0.0.1). Every request is
// logged: {t, method, path, status, inm}.
//
// Packs are made with the real CLI (`fw(...)`, the debug build) and the dev signing keys that
// scripts/build-extension made (target/dev-signing-keys): the same root the built extension trusts.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { join, normalize, resolve } from 'node:path';
import { ROOT } from './server.mjs';
import { parseBundle } from '../../extension/lib/packbundle.js';

export const BIN = process.env.FW_BIN ?? join(ROOT, 'target', 'debug', 'ferretwatch');
export const DEV_KEYS = resolve(process.env.FW_DEV_KEYS ?? join(ROOT, 'target', 'dev-signing-keys'));

/** Runs the CLI with `--json`; returns the parsed output. Throws on a non-zero exit. */
export function fw(...args) {
  return JSON.parse(execFileSync(BIN, [...args, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}

/**
 * Starts the CDN over `dir` (served under /cdn/) with `pages` ({name: html}) under /pages/.
 * Returns {url (base URL of the CDN, ending in /), origin, log, down, close()}.
 */
export async function startCdn(dir, pages = {}) {
  const log = [];
  const sockets = new Set();
  const cdn = { log, down: false };
  const server = http.createServer((req, res) => {
    if (cdn.down) {
      req.socket.destroy();
      return;
    }
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const entry = { t: Date.now(), method: req.method, path, status: 0, inm: req.headers['if-none-match'] ?? null };
    log.push(entry);
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'ETag' };
    if (req.method === 'OPTIONS') {
      entry.status = 204;
      res.writeHead(204, { ...cors, 'Access-Control-Allow-Headers': 'If-None-Match', 'Access-Control-Allow-Methods': 'GET', 'Access-Control-Max-Age': '600' }).end();
      return;
    }
    if (path.startsWith('/pages/') && pages[path.slice(7)]) {
      entry.status = 200;
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(pages[path.slice(7)]);
      return;
    }
    const rel = path.startsWith('/cdn/') ? normalize(path.slice(5)) : null;
    const file = rel && !rel.startsWith('..') ? join(dir, rel) : null;
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      entry.status = 404;
      res.writeHead(404, cors).end();
      return;
    }
    const body = readFileSync(file);
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
    if (req.headers['if-none-match'] === etag) {
      entry.status = 304;
      res.writeHead(304, { ...cors, ETag: etag }).end();
      return;
    }
    entry.status = 200;
    res.writeHead(200, { ...cors, ETag: etag, 'Content-Type': 'application/octet-stream', 'Content-Length': body.length, 'Cache-Control': 'no-cache' }).end(body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  cdn.port = port;
  cdn.origin = `http://127.0.0.1:${port}`;
  cdn.url = `${cdn.origin}/cdn/`;
  cdn.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(() => r()));
  };
  return cdn;
}

/**
 * The scratch space of an update test: a temporary folder with `cdn/` (served by startCdn) and
 * the pack sources — the default pack plus a list naming `host`, so verdicts show which pack is
 * in force. `bundle` is the built extension's bundled pack (packs/default.fwpack: its keys.json
 * and version).
 * Returns {work, cdnDir, bundledVersion, key(name), buildPack, publishRaw, publishTampered,
 * publishBadSignature}.
 */
export function updateWorkspace({ prefix, host, bundle }) {
  const bundled = parseBundle(new Uint8Array(readFileSync(bundle))).files;
  const work = mkdtempSync(join(tmpdir(), prefix));
  const cdnDir = join(work, 'cdn');
  mkdirSync(cdnDir, { recursive: true });
  const key = (n) => join(DEV_KEYS, `${n}.key`);
  const src = join(work, 'src');
  cpSync(join(ROOT, 'packs', 'default'), src, { recursive: true });
  writeFileSync(join(src, 'reputation', 'update-test.txt'), `# source: update-test\n# kind: host\n${host}\n`);

  /** Builds and signs (alice + bob) a pack with the bundled keys.json. */
  function buildPack(version, extra = []) {
    const out = join(work, `pack-${version}`);
    fw('pack', 'build', '--source', src, '--out', out, '--version', version, '--force', ...extra);
    writeFileSync(join(out, 'keys.json'), bundled['keys.json']);
    for (const k of ['alice', 'bob']) fw('pack', 'sign', out, '--key', key(k));
    return out;
  }

  /** Writes a pack into the CDN layout by hand (what `pack deploy` would refuse to publish). */
  function publishRaw(packDir) {
    const m = fw('pack', 'inspect', packDir);
    mkdirSync(join(cdnDir, 'artifacts'), { recursive: true });
    for (const a of m.artifacts) cpSync(join(packDir, a.path), join(cdnDir, 'artifacts', a.sha256));
    cpSync(join(packDir, 'keys.json'), join(cdnDir, 'keys.json'));
    cpSync(join(packDir, 'manifest.json'), join(cdnDir, 'manifest.json'));
    return m;
  }

  /** Publishes `version` with one digit of its pack.json changed (same size, other bytes). */
  function publishTampered(version) {
    const m = publishRaw(buildPack(version));
    const a = m.artifacts.find((x) => x.path === 'pack.json');
    const f = join(cdnDir, 'artifacts', a.sha256);
    const bytes = readFileSync(f);
    const at = bytes.findIndex((x) => x >= 0x30 && x <= 0x39);
    bytes[at] = bytes[at] === 0x39 ? 0x38 : bytes[at] + 1;
    writeFileSync(f, bytes);
  }

  /** Publishes `version` with one bit of its first signature flipped. */
  function publishBadSignature(version) {
    publishRaw(buildPack(version));
    const env = JSON.parse(readFileSync(join(cdnDir, 'manifest.json'), 'utf8'));
    const sig = Buffer.from(env.signatures[0].sig, 'base64');
    sig[10] ^= 1;
    env.signatures[0].sig = sig.toString('base64');
    writeFileSync(join(cdnDir, 'manifest.json'), JSON.stringify(env));
  }

  const bundledVersion = JSON.parse(new TextDecoder().decode(bundled['pack.json'])).version;
  return { work, cdnDir, bundledVersion, key, buildPack, publishRaw, publishTampered, publishBadSignature };
}
