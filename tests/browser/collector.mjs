// The real collector (`ferretwatch-collector`, collector/) for the browser tests, on loopback,
// with its own SQLite file, plus a small fault-injecting HTTP proxy to put in front of it.
//
//   const c = await startCollector();          // target/debug/ferretwatch-collector (FW_COLLECTOR)
//   c.url, c.reportUrl, await c.reports(), await c.metrics(), await c.stop(), await c.start()
//   const f = await faultProxy(c.url, [{ reset: true }, { status: 503 }, { status: 429, retryAfter: 2 }, { lose: true }]);
//   f.url (same paths as the collector), f.seen (every request: method, path, idempotency key, what it got)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './server.mjs';

export const COLLECTOR_BIN = process.env.FW_COLLECTOR ?? join(ROOT, 'target', 'debug', 'ferretwatch-collector');

/** GET/POST with node's http client; resolves {status, headers, body}. */
export function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Starts the collector on 127.0.0.1 (a free port, kept across `stop()`/`start()` so the
 * extension's configured endpoint stays valid) with a fresh SQLite database and an admin token.
 * `limits` are passed as `--ip-limit`/`--install-limit` (default: the collector's own).
 */
export async function startCollector({ ipLimit, installLimit } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fw-collector-'));
  const db = `sqlite:${join(dir, 'collector.db')}`;
  const adminToken = execFileSync(COLLECTOR_BIN, ['--db', db, 'token', '--name', 'browser-tests', '--role', 'admin'], { encoding: 'utf8' }).trim();
  let child = null;
  let listen = '127.0.0.1:0';
  const c = {
    dir,
    db,
    adminToken,
    stderr: '',
    get url() {
      return `http://${listen}`;
    },
    get reportUrl() {
      return `http://${listen}/v1/reports`;
    },
    get running() {
      return child !== null;
    },
    /** Starts (again) on the same address and database; resolves when it listens. */
    async start() {
      if (child) return;
      const args = ['--listen', listen, '--db', db];
      if (ipLimit) args.push('--ip-limit', ipLimit);
      if (installLimit) args.push('--install-limit', installLimit);
      const p = spawn(COLLECTOR_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child = p;
      // Never outlive the test process (a failed or killed test must not leave it running).
      const reap = () => p.kill('SIGKILL');
      process.once('exit', reap);
      p.once('exit', () => process.removeListener('exit', reap));
      await new Promise((resolve, reject) => {
        let buf = '';
        const timer = setTimeout(() => reject(new Error(`collector did not start: ${buf}`)), 20000);
        p.stderr.on('data', (d) => {
          buf += d;
          c.stderr += d;
          const m = /listening on http:\/\/(\S+)\n/.exec(buf);
          if (m) {
            clearTimeout(timer);
            listen = m[1];
            resolve();
          }
        });
        p.on('exit', (code) => {
          clearTimeout(timer);
          if (child === p) child = null;
          reject(new Error(`collector exited (${code}): ${buf}`));
        });
      });
    },
    /** Stops it gracefully (SIGTERM) and waits for the exit. */
    async stop() {
      const p = child;
      if (!p) return;
      child = null;
      await new Promise((r) => {
        p.once('exit', r);
        p.kill('SIGTERM');
      });
    },
    /** Every stored report (admin API), oldest first. */
    async reports(query = '') {
      const out = [];
      let after = 0;
      for (;;) {
        const r = await request(`${c.url}/admin/v1/reports?limit=1000&after=${after}${query}`, { headers: { Authorization: `Bearer ${adminToken}` } });
        if (r.status !== 200) throw new Error(`admin list: ${r.status} ${r.body}`);
        const { reports, next_after } = JSON.parse(r.body);
        out.push(...reports);
        if (reports.length < 1000) return out;
        after = next_after;
      }
    },
    /** The Prometheus exposition of /metrics. */
    async metrics() {
      const r = await request(`${c.url}/metrics`);
      if (r.status !== 200) throw new Error(`/metrics: ${r.status}`);
      return r.body;
    },
    async close() {
      await c.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await c.start();
  return c;
}

/** The value of one Prometheus sample (`name{labels}`), or undefined. */
export function metric(text, series) {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/**
 * A reverse proxy to `upstream` (http://host:port) on 127.0.0.1 that answers the first requests
 * from a script instead of forwarding them: `{reset: true}` destroys the connection, `{status,
 * retryAfter?}` answers with that status (and Retry-After), `{lose: true}` forwards the request
 * and then destroys the connection instead of passing the answer back. Requests after the
 * script are forwarded. `seen` records every request with the fault it got (or the upstream's status).
 * `paths` limits the faults to those paths (others are always forwarded).
 */
export async function faultProxy(upstream, script = [], { paths = ['/v1/reports'] } = {}) {
  const seen = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const entry = { t: Date.now(), method: req.method, path: req.url, idem: req.headers['idempotency-key'] ?? null, body: body.toString('utf8') };
      seen.push(entry);
      const fault = paths.includes(req.url.split('?')[0]) && req.method === 'POST' ? script.shift() : undefined;
      if (fault?.reset) {
        entry.got = 'reset';
        req.socket.resetAndDestroy();
        return;
      }
      if (fault?.status) {
        entry.got = fault.status;
        const headers = { 'Content-Type': 'application/json' };
        if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
        res.writeHead(fault.status, headers).end(JSON.stringify({ error: 'injected by the test', field: '' }));
        return;
      }
      try {
        const headers = { ...req.headers };
        delete headers.host;
        delete headers.connection;
        const r = await request(`${upstream}${req.url}`, { method: req.method, headers, body: body.length ? body : undefined });
        entry.got = r.status;
        if (fault?.lose) {
          // Delivered, but the acknowledgement is lost on the way back.
          entry.got = `${r.status}, answer lost`;
          req.socket.resetAndDestroy();
          return;
        }
        delete r.headers.connection;
        delete r.headers['transfer-encoding'];
        res.writeHead(r.status, r.headers).end(r.body);
      } catch (e) {
        entry.got = `upstream: ${e.code ?? e.message}`;
        res.writeHead(502, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'upstream down', field: '' }));
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));
  return {
    url: `http://127.0.0.1:${port}`,
    reportUrl: `http://127.0.0.1:${port}/v1/reports`,
    script,
    seen,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(() => r()));
    },
  };
}
