// Local servers for the browser tests, all on 127.0.0.1 (no internet):
// - a forward proxy both browsers are pointed at: plain-HTTP requests and HTTPS CONNECT
//   tunnels (terminated here with a throw-away self-signed certificate), so pages load under
//   their real-looking host names (https://www.xn--pypal-4ve.com/…) from tests/corpus/ and
//   demo/; anything not in the site map gets a 404. Every request is recorded (privacy test).
// - loopback services the tests start themselves (the real collector, tests/browser/collector.mjs,
//   and fault proxies in front of it) are reached through the same proxy: `s.forward(url)` makes
//   the proxy pass plain-HTTP requests for that host:port on (recorded in the log like the rest).
//
// Usage: `const s = await startServers(); … s.proxyUrl, s.forward(url), s.log; await s.close()`.
// Standalone: `node tests/browser/server.mjs` prints the addresses and serves until killed.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Pages of a corpus index ({id, url, html, expected, ...}), with absolute file paths. */
export function loadIndex(indexPath) {
  if (!existsSync(indexPath)) return [];
  const dir = dirname(indexPath);
  return JSON.parse(readFileSync(indexPath, 'utf8')).map((e) => ({ ...e, file: resolve(dir, e.html) }));
}

export const corpus = () => loadIndex(join(ROOT, 'tests', 'corpus', 'index.json'));
export const demo = () => loadIndex(join(ROOT, 'demo', 'index.json'));
/** The browser tests' own pages (not scanned as served, unlike the corpus: pages that change after their load). */
export const testSite = () => loadIndex(join(ROOT, 'tests', 'browser', 'site', 'index.json'));

function selfSignedCert() {
  const dir = mkdtempSync(join(tmpdir(), 'fw-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '2', '-subj', '/CN=ferretwatch-test'], { stdio: 'ignore' });
  const cert = { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
  rmSync(dir, { recursive: true, force: true });
  return cert;
}

const keyOf = (u) => `${u.protocol}//${u.host}${u.pathname}`;

export async function startServers({ pages = [...corpus(), ...demo(), ...testSite()] } = {}) {
  const site = new Map();
  for (const p of pages) {
    const u = new URL(p.url);
    site.set(keyOf(u) + u.search, p.file);
    if (!site.has(keyOf(u))) site.set(keyOf(u), p.file);
  }
  const log = [];
  const sockets = new Set();
  const track = (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  // Pages, for both the proxy's plain requests and the TLS-terminated tunnels.
  const upstreams = new Set();
  const serve = (scheme) => (req, res) => {
    let u;
    try {
      u = scheme === 'http' && /^http:\/\//.test(req.url) ? new URL(req.url) : new URL(`${scheme}://${req.headers.host}${req.url}`);
    } catch {
      res.writeHead(400).end();
      return;
    }
    // The browsers send loopback requests through the proxy too: pass those for the tests'
    // own loopback services on (the collector), recording each like any other request.
    if (scheme === 'http' && upstreams.has(u.host)) {
      const entry = { t: Date.now(), method: req.method, url: u.href, status: 0, ua: req.headers['user-agent'] ?? '' };
      log.push(entry);
      const headers = { ...req.headers };
      delete headers['proxy-connection'];
      const up = http.request(u, { method: req.method, headers: { ...headers, connection: 'close' }, agent: false }, (r) => {
        entry.status = r.statusCode;
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      // A refused or reset upstream connection reaches the browser as a network error, as it
      // would without the proxy.
      up.on('error', (e) => {
        entry.status = e.code ?? 'error';
        req.socket.destroy();
      });
      req.pipe(up);
      return;
    }
    const file = site.get(keyOf(u) + u.search) ?? site.get(keyOf(u));
    log.push({ t: Date.now(), method: req.method, url: u.href, status: file ? 200 : 404, ua: req.headers['user-agent'] ?? '' });
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not in the test site map');
      return;
    }
    // Every visit fetches the page again (no-store), except where the URL carries `fw-cacheable`:
    // Firefox keeps no no-store page in its back/forward cache, which a test needs.
    const cache = u.searchParams.has('fw-cacheable') ? 'no-cache' : 'no-store';
    const type = file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8';
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': cache }).end(readFileSync(file));
  };
  const { key, cert } = selfSignedCert();
  const tlsSite = http.createServer(serve('https'));
  const tlsServer = tls.createServer({ key, cert, ALPNProtocols: ['http/1.1'] }, (s) => tlsSite.emit('connection', s));
  const proxy = http.createServer(serve('http'));
  proxy.on('connect', (req, socket, head) => {
    track(socket);
    log.push({ t: Date.now(), method: 'CONNECT', url: `https://${req.url}/`, status: 200 });
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head?.length) socket.unshift(head);
    tlsServer.emit('connection', socket);
  });
  proxy.on('connection', track);

  const listen = (srv) => new Promise((r) => srv.listen(0, '127.0.0.1', () => r(srv.address().port)));
  const proxyPort = await listen(proxy);
  return {
    proxyPort,
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    log,
    site,
    /** Lets the proxy pass plain-HTTP requests for `url`'s loopback host:port on. */
    forward(url) {
      const u = new URL(url);
      if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) || u.protocol !== 'http:') throw new Error(`only loopback http: ${url}`);
      upstreams.add(u.host);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => proxy.close(() => r()));
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = await startServers();
  console.log(JSON.stringify({ proxy: s.proxyUrl, pages: s.site.size }));
}
