// Which signed bulletin concerns a page, in which words, and its frequency cap
// (extension/lib/bulletins.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { active, advisoryText, bulletinFor, capAllows, recordShow, safeLinks } from '../../extension/lib/bulletins.js';

const NOW = 1_795_600_000;
const bulletin = (over) => ({
  id: 'B-1', version: 1, created_at: NOW - 3600, ttl: 86400, severity: 'high', locales: ['en', 'fr'], brands: [], scope: [],
  advisory: { en: 'Fake gift-card shops are active', fr: 'De fausses boutiques de cartes-cadeaux circulent' },
  safe_links: ['https://www.example.com/help', 'http://insecure.example/'], min_extension_version: '0.1.0',
  frequency_cap: { max_shows: 2, per_hours: 24 }, ...over,
});
const verdict = (site, findings = []) => ({ registrable_domain: site, findings });

test('a bulletin is in force from its creation until created_at + ttl', () => {
  assert.equal(active(bulletin(), NOW), true);
  assert.equal(active(bulletin({ created_at: NOW - 86400 }), NOW), false, 'expired at created_at + ttl');
  assert.equal(active(bulletin({ created_at: NOW + 3600 }), NOW), false, 'not yet (beyond 5 minutes of clock skew)');
});

test('scope names the site (without case); brands name the impersonated brand or its domain', () => {
  const byScope = bulletin({ id: 'S', scope: ['Fresh-Scam.example'] });
  const byBrand = bulletin({ id: 'P', brands: ['PayPal'] });
  assert.equal(bulletinFor([byScope, byBrand], verdict('fresh-scam.example'), NOW)?.id, 'S');
  assert.equal(bulletinFor([byScope, byBrand], verdict('other.example'), NOW), null);
  const homograph = { signal: 'idn_homograph_high', target: 'paypal.com', brand: 'PayPal' };
  assert.equal(bulletinFor([byScope, byBrand], verdict('xn--pypal-4ve.com', [homograph]), NOW)?.id, 'P');
  const byDomain = bulletin({ id: 'D', brands: ['paypal.com'] });
  assert.equal(bulletinFor([byDomain], verdict('xn--pypal-4ve.com', [{ signal: 'idn_homograph_high', target: 'paypal.com' }]), NOW)?.id, 'D');
  assert.equal(bulletinFor([bulletin({ scope: ['fresh-scam.example'], created_at: NOW - 90000 })], verdict('fresh-scam.example'), NOW), null, 'expired ones never match');
  assert.equal(bulletinFor(undefined, verdict('fresh-scam.example'), NOW), null);
  assert.equal(bulletinFor([byScope], null, NOW), null);
});

test('the most severe matching bulletin wins, then the newest', () => {
  const scope = ['shop.example'];
  const low = bulletin({ id: 'low', severity: 'low', scope, created_at: NOW - 10 });
  const critical = bulletin({ id: 'crit', severity: 'critical', scope, created_at: NOW - 5000 });
  const critical2 = bulletin({ id: 'crit2', severity: 'critical', scope, created_at: NOW - 100 });
  assert.equal(bulletinFor([low, critical, critical2], verdict('shop.example'), NOW).id, 'crit2');
  assert.equal(bulletinFor([low, critical], verdict('shop.example'), NOW).id, 'crit');
});

test('advisory in the person\'s language, else English, else the first given; https links only', () => {
  const b = bulletin();
  assert.equal(advisoryText(b, 'fr'), 'De fausses boutiques de cartes-cadeaux circulent');
  assert.equal(advisoryText(b, 'fr-CA'), 'De fausses boutiques de cartes-cadeaux circulent');
  assert.equal(advisoryText(b, 'ar'), 'Fake gift-card shops are active');
  assert.equal(advisoryText(bulletin({ advisory: { de: 'Gefälschte Shops' } }), 'ar'), 'Gefälschte Shops');
  assert.deepEqual(safeLinks(b), ['https://www.example.com/help']);
});

test('the frequency cap counts shows within its window', () => {
  const b = bulletin();
  let history = {};
  assert.equal(capAllows(b, history[b.id], NOW), true);
  history = recordShow(history, b.id, NOW - 20 * 3600, [b.id]);
  history = recordShow(history, b.id, NOW - 3600, [b.id]);
  assert.deepEqual(history[b.id], [NOW - 20 * 3600, NOW - 3600]);
  assert.equal(capAllows(b, history[b.id], NOW), false, 'two shows in 24 h: capped');
  assert.equal(capAllows(b, history[b.id], NOW + 5 * 3600), true, 'the older show left the window');
  // Bulletins no longer held are forgotten; shows older than 30 days too.
  history = recordShow({ gone: [NOW], [b.id]: [NOW - 40 * 86400, NOW - 10] }, b.id, NOW, [b.id]);
  assert.deepEqual(history, { [b.id]: [NOW - 10, NOW] });
});
