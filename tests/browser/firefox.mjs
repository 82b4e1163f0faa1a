// Headless Firefox ESR with the built extension (dist/ferretwatch-firefox.zip) through
// geckodriver and selenium-webdriver, per the BROWSER-TESTING facts: background services
// pointed at nothing, every request through the local proxy, the moz-extension host pinned.
import { Builder } from 'selenium-webdriver';
import firefox from 'selenium-webdriver/firefox.js';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { existsSync } from 'node:fs';
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

/** Starts Firefox with the extension installed. Returns {driver, close}. */
export async function launchFirefox({ proxyPort, locale = 'en-US' }) {
  const options = new firefox.Options().setBinary(process.env.FIREFOX ?? '/usr/bin/firefox-esr').addArguments('-headless');
  options.setAcceptInsecureCerts(true);
  for (const [k, v] of Object.entries({ ...quietPrefs(proxyPort), 'intl.locale.requested': locale })) options.setPreference(k, v);
  options.windowSize({ width: 1100, height: 800 });
  const service = new firefox.ServiceBuilder(geckodriverPath()).addArguments('--allow-system-access');
  const driver = await new Builder().forBrowser('firefox').setFirefoxOptions(options).setFirefoxService(service).build();
  await driver.installAddon(join(ROOT, 'dist', 'ferretwatch-firefox.zip'), true);
  return { driver, close: () => driver.quit() };
}
