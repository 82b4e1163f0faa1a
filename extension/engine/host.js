// EngineHost: owns the wasm engine for the extension (and the node tests).
//
// - Loads the wasm module once and creates the Engine from the pack files.
// - A trap inside wasm (a Rust panic aborts as `RuntimeError: unreachable`) leaves that module
//   instance unusable: the host counts a crash, gets a fresh instance of the wasm-bindgen glue
//   (`loadGlue(generation)`), re-creates the engine with the same pack and settings, and carries
//   the counters over from the last telemetry snapshot plus the crash. Counters collected on the
//   dead instance after that snapshot are lost; the crash is not.
// - Errors that are the caller's fault (bad features) are thrown as ordinary errors and do not
//   re-create anything.
//
// `loadGlue(generation)` must return a glue module instance not used before (its module-level
// state is what a trap poisons). A Chromium service worker may not call import(): the extension
// passes statically imported copies (the worker's bundle gives each `?instance=N` import a fresh
// copy); the node tests import the glue URL with `?instance=N` (tests/node/helpers.mjs).

/**
 * The page `warmUp` scans: a made-up sign-in page on a reserved name (`.invalid`) with what most
 * scans go through — a password form posting elsewhere, a brand in the title, urgency words,
 * resource URLs, an inline script.
 */
const WARM_UP_PAGE = Object.freeze({
  url: 'https://login.warm-up.invalid/signin?next=%2Faccount',
  title: 'PayPal: Sign in to your account',
  og_site_name: 'PayPal',
  forms: [{ action: 'https://collect.warm-up.invalid/post.php', inputs: [{ type: 'email', name: 'email', hidden: false }, { type: 'password', name: 'pass', hidden: false }, { type: 'hidden', name: 'phone', hidden: true }] }],
  links: ['https://www.paypal.com/help'],
  images: ['https://img.warm-up.invalid/logo.png'],
  scripts: ['https://cdn.warm-up.invalid/app.js'],
  styles: ['https://cdn.warm-up.invalid/app.css'],
  redirect: '',
  text: 'Verify your account. Your account has been limited: confirm your identity within 24 hours to avoid suspension.',
  html: '<!doctype html><html><head><title>PayPal: Sign in to your account</title></head><body><h1>Verify your account</h1><form action="https://collect.warm-up.invalid/post.php" method="post"><input type="email" name="email"><input type="password" name="pass"><input type="hidden" name="phone"></form><script>var k = atob("dmVyaWZ5"); document.title += "";</script></body></html>',
  inline_script: 'var k = atob("dmVyaWZ5"); document.title += "";',
  image_phashes: [],
  first_seen_ms: 1767225600000,
  now_ms: 1767229200000,
});

export class EngineHost {
  /**
   * @param {object} opts
   * @param {BufferSource|WebAssembly.Module|Promise<WebAssembly.Module>} opts.wasm  the .wasm bytes,
   *   a compiled module, or a promise of one (e.g. WebAssembly.compileStreaming started early)
   * @param {(generation: number) => Promise<object>} opts.loadGlue  fresh glue instances
   */
  constructor({ wasm, loadGlue }) {
    if (typeof loadGlue !== 'function') throw new TypeError('EngineHost needs loadGlue(generation)');
    this.loadGlue = loadGlue;
    this.wasmSource = wasm;
    this.generation = 0;
    this.crashes = 0;
    this.glue = null;
    this.engine = null;
    this.packFiles = null;
    this.settings = null;
    this.level = 1;
    this.lastTelemetry = null;
    this.exports = null;
    this.instantiating = null;
    this.fastScan = false;
  }

  /** Size of the engine's wasm linear memory in bytes (it never shrinks), or null before loading. */
  memoryBytes() {
    return this.exports?.memory?.buffer.byteLength ?? null;
  }

  async #instantiate() {
    const glue = await this.loadGlue(this.generation);
    if (typeof this.wasmSource?.then === 'function') this.wasmSource = await this.wasmSource;
    if (!(this.wasmSource instanceof WebAssembly.Module)) {
      this.wasmSource = await WebAssembly.compile(this.wasmSource);
    }
    this.exports = glue.initSync({ module: this.wasmSource });
    this.glue = glue;
  }

  /**
   * Instantiates the wasm module (once; `load` does it when nobody did), so a caller can have it
   * done while the pack is still being read.
   */
  instantiate() {
    this.instantiating ??= this.#instantiate().catch((e) => {
      this.instantiating = null;
      throw e;
    });
    return this.instantiating;
  }

  /**
   * Loads (or replaces) the pack: an object of relative path → Uint8Array. Once
   * `prepareFastScan` has been asked for, every new engine (an update, a recovery) gets it too.
   */
  async load(packFiles) {
    if (!this.glue) await this.instantiate();
    const engine = new this.glue.Engine(packFiles);
    this.#configure(engine);
    if (this.fastScan) engine.prepareFastScan();
    this.engine?.free();
    this.engine = engine;
    this.packFiles = packFiles;
    return engine.packVersion();
  }

  #configure(engine) {
    if (this.settings) engine.setSettings(this.settings);
    engine.setDegradationLevel(this.level);
  }

  setSettings(settings) {
    this.engine.setSettings(settings);
    this.settings = settings;
  }

  setDegradationLevel(level) {
    this.engine.setDegradationLevel(level);
    this.level = level;
  }

  async #recover() {
    this.crashes += 1;
    this.generation += 1;
    this.engine = null;
    this.glue = null;
    this.instantiating = null;
    await this.instantiate();
    await this.load(this.packFiles);
    if (this.lastTelemetry) this.engine.mergeTelemetry(this.lastTelemetry);
    for (let n = this.engine.telemetry().crashes; n < this.crashes; n++) this.engine.recordCrash();
  }

  /** Runs `fn(engine)`; on a wasm trap, recovers and rethrows a marked error. */
  async #guard(fn) {
    try {
      return fn(this.engine);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        await this.#recover();
        const err = new Error(`engine crashed and was restarted: ${e.message}`);
        err.crashed = true;
        throw err;
      }
      throw e;
    }
  }

  scan(features) {
    return this.#guard((e) => e.scan(features));
  }

  /**
   * Scans a small built-in sample page and throws the verdict away, counting nothing: a fresh
   * wasm instance compiles each function on its first call, so the first real page's scan is
   * faster when the scan's code has run once (call it when there is time before that page).
   */
  warmUp() {
    return this.#guard((e) => e.warmUp(WARM_UP_PAGE));
  }

  /**
   * Builds what makes content scans fastest (the YARA automaton's DFA; same verdicts, about
   * twice as fast on large pages). Tens of milliseconds in a fresh instance, on the caller's
   * thread: call it after the first verdict, when nothing waits.
   */
  prepareFastScan() {
    this.fastScan = true;
    return this.#guard((e) => e.prepareFastScan());
  }

  checkUrl(url) {
    return this.#guard((e) => e.checkUrl(url));
  }

  async telemetry() {
    const t = await this.#guard((e) => e.telemetry());
    this.lastTelemetry = t;
    return t;
  }

  /** For tests: makes the engine panic. */
  debugCrash() {
    return this.#guard((e) => e.debugCrash());
  }
}
