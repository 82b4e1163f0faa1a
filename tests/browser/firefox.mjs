// Headless Firefox ESR with the built extension (dist/ferretwatch-firefox.zip) through
// geckodriver and selenium-webdriver, per the BROWSER-TESTING facts: background services
// pointed at nothing, every request through the local proxy, the moz-extension host pinned.
//
// Enterprise policy: Firefox reads policies.json from the `distribution` folder next to its
// executable (Debian: /usr/lib/firefox-esr/distribution -> /usr/share/firefox-esr/distribution,
// root-owned and shared by every Firefox on the machine). `launchFirefox({policies})` therefore
// starts a private copy of the installation instead: a temporary folder holding a copy of the
// small launcher binary, symlinks to everything else (libxul, omni.ja, ...) and its own
// distribution/policies.json. Firefox takes its application folder from the executable's real
// path, so that copy reads that file: no root needed, nothing system-wide changed. (The pref
// `browser.policies.alternatePath` is honoured only by Nightly builds or in Mozilla's own test
// automation, not by ESR under WebDriver.) A system-wide /etc/firefox/policies/policies.json,
// if the machine has one, would win over both.
import { Builder, By } from 'selenium-webdriver';
import firefox from 'selenium-webdriver/firefox.js';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { homedir, tmpdir } from 'node:os';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { ROOT } from './server.mjs';

export const GECKO_ID = 'ferretwatch@ferretwatch.example';
export const GECKO_UUID = '6f1e7a52-3c1d-4f0b-9a57-0e5ad2c4b7f1';
export const EXT_ORIGIN = `moz-extension://${GECKO_UUID}`;

function geckodriverPath() {
  const cargo = join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'bin', 'geckodriver');
  if (existsSync(cargo)) return cargo;
  return execFileSync('sh', ['-c', 'command -v geckodriver'], { encoding: 'utf8' }).trim();
}

/** Prefs that keep Firefox off the network (except through the test proxy). */
function quietPrefs(proxyPort) {
  const nowhere = 'http://127.0.0.1:9/';
  return {
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': proxyPort,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': proxyPort,
    'network.proxy.no_proxies_on': '',
    'network.proxy.allow_hijacking_localhost': true,
    'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: GECKO_UUID }),
    'app.update.enabled': false,
    'app.update.auto': false,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'browser.safebrowsing.downloads.enabled': false,
    'browser.safebrowsing.provider.google4.updateURL': '',
    'browser.safebrowsing.provider.mozilla.updateURL': '',
    'services.settings.server': nowhere,
    'extensions.update.enabled': false,
    'extensions.getAddons.cache.enabled': false,
    'extensions.systemAddon.update.enabled': false,
    'datareporting.healthreport.uploadEnabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.enabled': false,
    'toolkit.telemetry.server': nowhere,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'browser.newtabpage.activity-stream.feeds.section.topstories': false,
    'browser.newtabpage.activity-stream.feeds.system.topstories': false,
    'browser.newtabpage.activity-stream.default.sites': '',
    'browser.topsites.contile.enabled': false,
    'network.dns.disablePrefetch': true,
    'network.prefetch-next': false,
    'browser.region.network.url': '',
    'geo.provider.network.url': '',
    'dom.push.serverURL': nowhere,
    'identity.fxaccounts.enabled': false,
    'browser.ping-centre.telemetry': false,
    'media.gmp-manager.url': nowhere,
    'security.OCSP.enabled': 0,
    'security.remote_settings.crlite_filters.enabled': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'startup.homepage_welcome_url': 'about:blank',
    'browser.aboutwelcome.enabled': false,
    'intl.locale.requested': 'en-US',
    'dom.disable_beforeunload': true,
    'xpinstall.signatures.required': false,
  };
}

/**
 * A private copy of the Firefox installation whose distribution/policies.json holds `policies`
 * (the `policies` object of a policies.json). Returns the path of its executable and a cleanup.
 */
function installationWithPolicies(binary, policies) {
  const real = realpathSync(binary);
  const src = dirname(real);
  const dir = mkdtempSync(join(tmpdir(), 'fw-firefox-install-'));
  for (const name of readdirSync(src)) {
    if (name === 'distribution') continue;
    // The launcher is copied (its real path decides the application folder); the rest linked.
    if (join(src, name) === real) copyFileSync(real, join(dir, name));
    else symlinkSync(join(src, name), join(dir, name));
  }
  mkdirSync(join(dir, 'distribution'));
  writeFileSync(join(dir, 'distribution', 'policies.json'), JSON.stringify({ policies }, null, 2));
  return { binary: join(dir, real.slice(src.length + 1)), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts Firefox with the extension installed. `policies`: an enterprise policies object (e.g.
 * `{"3rdparty": {"Extensions": {[GECKO_ID]: {...}}}}`) given to this Firefox only.
 * `prefs`: extra preferences. Returns {driver, close}.
 */
export async function launchFirefox({ proxyPort, locale = 'en-US', policies = null, prefs = {} }) {
  let binary = process.env.FIREFOX ?? '/usr/bin/firefox-esr';
  let cleanup = () => {};
  if (policies) ({ binary, cleanup } = installationWithPolicies(binary, policies));
  const options = new firefox.Options().setBinary(binary).addArguments('-headless');
  options.setAcceptInsecureCerts(true);
  // Scam pages open alert()/confirm() loops; a person would close them, so do the tests.
  options.setAlertBehavior('dismiss');
  for (const [k, v] of Object.entries({ ...quietPrefs(proxyPort), 'intl.locale.requested': locale, ...prefs })) options.setPreference(k, v);
  options.windowSize({ width: 1100, height: 800 });
  const service = new firefox.ServiceBuilder(geckodriverPath()).addArguments('--allow-system-access');
  let driver;
  try {
    driver = await new Builder().forBrowser('firefox').setFirefoxOptions(options).setFirefoxService(service).build();
    await driver.installAddon(join(ROOT, 'dist', 'ferretwatch-firefox.zip'), true);
  } catch (e) {
    await driver?.quit().catch(() => {});
    cleanup();
    throw e;
  }
  return {
    driver,
    async close() {
      try {
        await driver.quit();
      } finally {
        cleanup();
      }
    },
  };
}

/**
 * Runs an async script in the driver's current window (an extension page may use `browser.*`);
 * `body` sees the extra arguments as `args`. Returns its result; throws what it threw.
 */
export async function runAsync(driver, body, ...args) {
  const r = await driver.executeAsyncScript(
    `const done = arguments[arguments.length - 1];
     (async (...args) => { ${body} })(...Array.from(arguments).slice(0, -1)).then((v) => done({ ok: v }), (e) => done({ error: String(e) }));`,
    ...args,
  );
  if (r.error) throw new Error(r.error);
  return r.ok;
}

/** Sets a preference of the running Firefox (chrome context; geckodriver --allow-system-access). */
export async function setPref(driver, name, value) {
  await driver.setContext(firefox.Context.CHROME);
  try {
    await driver.executeScript(
      `const [n, v] = arguments;
       if (typeof v === 'boolean') Services.prefs.setBoolPref(n, v);
       else if (typeof v === 'number') Services.prefs.setIntPref(n, v);
       else Services.prefs.setStringPref(n, v);`,
      name,
      value,
    );
  } finally {
    await driver.setContext(firefox.Context.CONTENT);
  }
}

/**
 * What the FerretWatch overlay shows, read through WebDriver's Get Element Shadow Root (Firefox
 * returns closed shadow roots to WebDriver, never to the page): `null` without an overlay, else
 * {closedToPage, role, text (the visible text, as rendered; null with `rendered: false`), lines
 * (the warning's <h1> and advice, or the notice's paragraphs), buttons: [{action, text, element}]
 * (the ones shown), root (the shadow root, for findElement)}.
 */
export async function overlayContent(driver, { rendered = true } = {}) {
  const hosts = await driver.findElements(By.css('ferretwatch-alert'));
  if (!hosts.length) return null;
  const closedToPage = await driver.executeScript('return document.querySelector("ferretwatch-alert").shadowRoot === null');
  const root = await hosts[0].getShadowRoot();
  const boxes = await root.findElements(By.css('.card, .notice'));
  if (!boxes.length) return null;
  const box = boxes[0];
  const role = await box.getAttribute('role');
  // `text` is what is rendered (empty while the overlay is still transparent: it fades in over
  // 180 ms); `lines` and the buttons' text are the elements' text content (readable at once).
  const text = rendered ? await box.getText() : null;
  const lines = await root.findElements(By.css(role === 'status' ? '.notice > p' : 'h1, .advice'));
  const shown = [];
  for (const l of lines) shown.push(await l.getProperty('textContent'));
  const buttons = [];
  for (const b of await root.findElements(By.css('button'))) {
    const action = await b.getAttribute('data-action');
    // Only the confirmation's buttons are ever hidden (until "Trust this site" is pressed).
    if (action.startsWith('trust-') && !(await b.isDisplayed())) continue;
    buttons.push({ action, text: await b.getProperty('textContent'), element: b });
  }
  return { closedToPage, role, text, lines: shown, buttons, root };
}
