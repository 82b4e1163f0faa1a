// web-ext lint of dist/firefox: fails on any error, and on any warning except the one the
// shared manifest cannot avoid (BACKGROUND_SERVICE_WORKER_IGNORED: Firefox uses `scripts`).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './server.mjs';

const ALLOWED = new Set(['BACKGROUND_SERVICE_WORKER_IGNORED']);
let out;
try {
  out = execFileSync(join(ROOT, 'node_modules', '.bin', 'web-ext'), ['lint', '--source-dir', join(ROOT, 'dist', 'firefox'), '--output', 'json', '--no-input'], { encoding: 'utf8' });
} catch (e) {
  out = e.stdout; // exits non-zero when there are errors
}
const r = JSON.parse(out);
const bad = [...r.errors, ...r.warnings.filter((w) => !ALLOWED.has(w.code) && !ALLOWED.has(`${w.code} ${w.file}`))];
for (const m of [...r.errors, ...r.warnings, ...r.notices]) console.error(`${m._type} ${m.code} ${m.file ?? ''}: ${m.message}`);
if (bad.length) {
  console.error(`web-ext lint: ${bad.length} problem(s)`);
  process.exit(1);
}
console.error(`web-ext lint: ok (${r.warnings.length} allowed warning(s), ${r.notices.length} notice(s))`);
