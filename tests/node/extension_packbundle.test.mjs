// The bundled pack's one-file container (extension/lib/packbundle.js): round trip, and every
// way a damaged file is refused with a message saying what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBundle, parseBundle } from '../../extension/lib/packbundle.js';

const enc = new TextEncoder();
const files = { 'pack.json': enc.encode('{"version":"1"}'), 'rules/a.yar': enc.encode('rule a { condition: true }'), 'empty.txt': new Uint8Array(0), 'bin.fwrep': new Uint8Array([0, 10, 255, 10]) };

test('round trip: the same files, names and bytes; the index keeps version and created', () => {
  const b = makeBundle({ version: '2026.12.07.1', created: '2026-12-07T00:00:00.000Z', signed: true }, files);
  const { index, files: out } = parseBundle(b);
  assert.deepEqual(index, { version: '2026.12.07.1', created: '2026-12-07T00:00:00.000Z', signed: true, files: ['bin.fwrep', 'empty.txt', 'pack.json', 'rules/a.yar'] });
  assert.deepEqual(Object.keys(out).sort(), Object.keys(files).sort());
  for (const [n, bytes] of Object.entries(files)) assert.deepEqual([...out[n]], [...bytes], n);
});

test('damaged containers are refused, saying what is wrong', () => {
  const good = makeBundle({ version: '1' }, files);
  const header = (h) => {
    const rest = good.subarray(good.indexOf(10, 9) + 1);
    const head = enc.encode(`FWPACK 1\n${JSON.stringify(h)}\n`);
    const out = new Uint8Array(head.length + rest.length);
    out.set(head);
    out.set(rest, head.length);
    return out;
  };
  const cases = [
    ['not bytes', 'just a string', /not bytes/],
    ['wrong magic', enc.encode('PK\x03\x04 zip file'), /not a FWPACK 1 file/],
    ['no header end', enc.encode('FWPACK 1\n{"files": []}'), /header line has no end/],
    ['header not JSON', enc.encode('FWPACK 1\n{files\n'), /header is not JSON/],
    ['no file list', enc.encode('FWPACK 1\n{"version":"1"}\n'), /lists no files/],
    ['truncated', good.subarray(0, good.length - 1), /rules\/a\.yar: \d+ bytes listed at offset \d+, but the file ends at/],
    ['padded', new Uint8Array([...good, 0]), /1 bytes after the last file/],
    ['listed twice', header({ files: [['a', 0], ['a', 0]] }), /a is listed twice/],
    ['path outside', header({ files: [['../keys.json', 0]] }), /bad file name/],
    ['absolute path', header({ files: [['/etc/x', 0]] }), /bad file name/],
    ['bad size', header({ files: [['a', -1]] }), /a: bad size -1/],
  ];
  for (const [name, bytes, msg] of cases) assert.throws(() => parseBundle(bytes), (e) => e instanceof Error && /^bundled pack: /.test(e.message) && msg.test(e.message), name);
});
