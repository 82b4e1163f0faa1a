// The background's in-memory first-seen cache (extension/lib/firstseen.js, FirstSeenStore):
// loads once, answers from memory, writes back the plain object others read, and follows
// changes made by someone else (a reset, a seeded cache).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FirstSeenStore, MAX_ENTRIES } from '../../extension/lib/firstseen.js';

/** storage.local stand-in counting reads and writes. */
function storage(initial = {}) {
  const s = { data: { ...initial }, reads: 0, writes: 0 };
  s.get = async (key) => {
    s.reads += 1;
    return key in s.data ? { [key]: structuredClone(s.data[key]) } : {};
  };
  s.set = async (items) => {
    s.writes += 1;
    Object.assign(s.data, structuredClone(items));
  };
  return s;
}

test('lookups come from memory after one read; parents of the host are tried', async () => {
  const st = storage({ firstSeen: { 'example.com': 5 } });
  const fs = new FirstSeenStore(st);
  assert.equal(fs.loaded, false);
  await Promise.all([fs.ready(), fs.ready()]);
  assert.equal(fs.loaded, true);
  assert.deepEqual(fs.lookup('login.example.com', 99), { firstSeen: 5, known: true });
  assert.deepEqual(fs.lookup('other.example', 99), { firstSeen: 99, known: false });
  assert.equal(st.reads, 1);
});

test('new domains are recorded once and written back as the plain object', async () => {
  const st = storage();
  const fs = new FirstSeenStore(st);
  await fs.ready();
  assert.equal(fs.record('new.example', 7), true);
  assert.equal(fs.record('new.example', 8), false);
  assert.equal(fs.record('', 8), false);
  await Promise.all([fs.flush(), fs.flush()]);
  assert.deepEqual(st.data.firstSeen, { 'new.example': 7 });
  assert.equal(st.writes, 1);
  await fs.flush();
  assert.equal(st.writes, 1, 'nothing changed, nothing written');
});

test('changes by others replace the cache; our own echoes and unsaved entries are kept', async () => {
  const st = storage({ firstSeen: { 'a.example': 1 } });
  const fs = new FirstSeenStore(st);
  await fs.ready();
  fs.record('b.example', 2);
  await fs.flush();
  fs.record('c.example', 3); // recorded after the write started: not in the echo
  fs.external({ 'a.example': 1, 'b.example': 2 }); // the echo of our write: ignored
  assert.equal(fs.lookup('c.example', 9).known, true);
  fs.external({ 'seeded.example': 4 }); // someone else's write
  assert.equal(fs.lookup('a.example', 9).known, false);
  assert.deepEqual(fs.lookup('seeded.example', 9), { firstSeen: 4, known: true });
  assert.equal(fs.lookup('c.example', 9).known, true, 'unsaved entry survives');
  fs.external(undefined); // storage cleared (hard reset)
  assert.equal(fs.lookup('seeded.example', 9).known, false);
  assert.equal(fs.lookup('c.example', 9).known, false);
});

test('size stays bounded: the oldest entries go first', async () => {
  const big = Object.fromEntries(Array.from({ length: MAX_ENTRIES }, (_, i) => [`d${i}.example`, i]));
  const fs = new FirstSeenStore(storage({ firstSeen: big }));
  await fs.ready();
  fs.record('newest.example', 1e12);
  assert.ok(fs.map.size <= MAX_ENTRIES);
  assert.equal(fs.lookup('d0.example', 0).known, false);
  assert.equal(fs.lookup(`d${MAX_ENTRIES - 1}.example`, 0).known, true);
  assert.equal(fs.lookup('newest.example', 0).known, true);
});

test('a failed write leaves the cache dirty for the next flush', async () => {
  const st = storage();
  let fail = true;
  const set = st.set;
  st.set = async (items) => {
    if (fail) throw new Error('quota');
    return set(items);
  };
  const fs = new FirstSeenStore(st);
  await fs.ready();
  fs.record('x.example', 1);
  await assert.rejects(fs.flush(), /quota/);
  fail = false;
  fs.record('y.example', 2);
  await fs.flush();
  assert.deepEqual(st.data.firstSeen, { 'x.example': 1, 'y.example': 2 });
  fs.external(structuredClone(st.data.firstSeen)); // the echo of the write that succeeded
  fs.external({ 'z.example': 3 }); // the failed write left no echo to wait for: this one counts
  assert.equal(fs.lookup('z.example', 0).known, true);
});
