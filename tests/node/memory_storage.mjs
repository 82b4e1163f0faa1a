// storage.local as the browser has it (a JSON round trip per write: no shared objects), and the
// background's serializer, for the node tests of the extension's background modules.

export function memoryStorage() {
  const m = new Map();
  return {
    async get(k) {
      return m.has(k) ? { [k]: JSON.parse(m.get(k)) } : {};
    },
    async set(o) {
      for (const [k, v] of Object.entries(o)) m.set(k, JSON.stringify(v));
    },
    async remove(k) {
      m.delete(k);
    },
  };
}

/** Runs read-modify-write steps one at a time (as background.js `serialized`). */
export function serializer() {
  let chain = Promise.resolve();
  return (fn) => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => {});
    return next;
  };
}
