// How strongly a verdict warns, shared by the content script and the worker: a rescan of a page's
// own changes may raise what its document shows, never lower it (content/main.js, background.js).

/** 0 for green or a trusted site, 1 for yellow, 2 for red. */
export const levelRank = (verdict) => (verdict.trusted ? 0 : ({ yellow: 1, red: 2 }[verdict.level] ?? 0));
