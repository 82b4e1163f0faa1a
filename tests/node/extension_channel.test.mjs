// The content script's port to the background (extension/lib/browser.js channel / onChannel),
// over a fake `chrome.runtime` whose ports deliver messages asynchronously, as the browser's do.
import { test } from 'node:test';
import assert from 'node:assert/strict';

/** A fake runtime: connect() gives the page's end, onConnect listeners get the background's. */
function fakeRuntime() {
  const connectListeners = [];
  const later = (fn) => setTimeout(fn, 0);
  const events = () => {
    const fns = [];
    return { addListener: (fn) => fns.push(fn), fire: (...a) => fns.forEach((fn) => fn(...a)) };
  };
  const rt = {
    connects: 0,
    /** The background ends of the ports opened so far. */
    workerPorts: [],
    lastError: undefined,
    onConnect: { addListener: (fn) => connectListeners.push(fn) },
    onMessage: events(),
    connect({ name }) {
      rt.connects += 1;
      let open = true;
      const page = { name, onMessage: events(), onDisconnect: events() };
      const worker = { name, sender: { tab: { id: 7 } }, onMessage: events(), onDisconnect: events() };
      const close = (other) => {
        if (!open) return;
        open = false;
        later(() => other.onDisconnect.fire(other));
      };
      page.postMessage = (m) => {
        if (!open) throw new Error('Attempting to use a disconnected port object');
        const copy = JSON.parse(JSON.stringify(m));
        later(() => open && worker.onMessage.fire(copy, worker));
      };
      worker.postMessage = (m) => {
        if (!open) throw new Error('Attempting to use a disconnected port object');
        const copy = JSON.parse(JSON.stringify(m));
        later(() => open && page.onMessage.fire(copy, page));
      };
      page.disconnect = () => close(worker);
      worker.disconnect = () => close(page);
      rt.workerPorts.push(worker);
      later(() => connectListeners.forEach((fn) => fn(worker)));
      return page;
    },
  };
  return rt;
}

const runtime = fakeRuntime();
globalThis.chrome = { runtime };
const { channel, onChannel } = await import('../../extension/lib/browser.js');

let opened = 0;
/** When set, the background drops the next request's port without answering (a worker stop). */
let dropNext = 0;
onChannel(
  'page',
  async (msg, sender) => {
    if (dropNext > 0) {
      dropNext -= 1;
      runtime.workerPorts.at(-1).disconnect();
      return new Promise(() => {});
    }
    if (msg.type === 'fail') throw new Error('bad request');
    return { echo: msg.n, tab: sender.tab.id };
  },
  () => (opened += 1),
);
onChannel('other', () => assert.fail('a port of another name reached this handler'));

test('requests are answered over one port, opened once; errors come back as rejections', async () => {
  const c = channel('page');
  c.open();
  const before = runtime.connects;
  assert.deepEqual(await c.request({ type: 'scan', n: 1 }), { echo: 1, tab: 7 });
  assert.deepEqual(await c.request({ type: 'scan', n: 2 }), { echo: 2, tab: 7 });
  assert.equal(runtime.connects, before, 'no new port per request');
  await assert.rejects(c.request({ type: 'fail' }), /bad request/);
  assert.ok(opened >= 1, 'the background heard the page connect');
  c.close();
});

test('answers reach the request that asked (several in flight)', async () => {
  const c = channel('page');
  const got = await Promise.all([1, 2, 3].map((n) => c.request({ type: 'scan', n })));
  assert.deepEqual(got.map((x) => x.echo), [1, 2, 3]);
  c.close();
});

test('a port closed by the background before the answer: the request is sent once more on a new port', async () => {
  const c = channel('page');
  c.open();
  const before = runtime.connects;
  dropNext = 1;
  assert.deepEqual(await c.request({ type: 'scan', n: 5 }), { echo: 5, tab: 7 });
  assert.equal(runtime.connects, before + 1, 'reconnected once');
  dropNext = 2;
  await assert.rejects(c.request({ type: 'scan', n: 6 }), /closed the channel/);
  dropNext = 0;
  c.close();
});

test('after close(), the next request connects again', async () => {
  const c = channel('page');
  assert.deepEqual(await c.request({ type: 'scan', n: 8 }), { echo: 8, tab: 7 });
  c.close();
  const before = runtime.connects;
  assert.deepEqual(await c.request({ type: 'scan', n: 9 }), { echo: 9, tab: 7 });
  assert.equal(runtime.connects, before + 1);
  c.close();
});
