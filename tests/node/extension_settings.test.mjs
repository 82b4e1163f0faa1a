// Unit tests of the extension's pure modules: settings/policy, first-seen cache, health.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS, effective, engineSettings, exportSettings, importSettings, isAllowedEndpoint, normalizeSite, sanitize } from '../../extension/lib/settings.js';
import { candidates, lookup, record, MAX_ENTRIES } from '../../extension/lib/firstseen.js';
import { quantileUpperBound, summarize, percentile } from '../../extension/lib/health.js';

test('defaults: telemetry off, red at 70, https endpoints', () => {
  assert.equal(DEFAULTS.telemetryOptIn, false);
  assert.equal(DEFAULTS.redThreshold, 70);
  assert.ok(isAllowedEndpoint(DEFAULTS.reportEndpoint));
  assert.ok(DEFAULTS.updateUrls.every(isAllowedEndpoint));
});

test('normalizeSite', () => {
  for (const [input, want] of [
    ['Example.COM', 'example.com'],
    ['https://www.example.com/path?q', 'example.com'],
    ['  shop.example.co.uk ', 'shop.example.co.uk'],
    ['xn--pypal-4ve.com', 'xn--pypal-4ve.com'],
    ['localhost', null],
    ['', null],
    ['<script>', null],
    [42, null],
  ]) assert.equal(normalizeSite(input), want, String(input));
});

test('endpoints: https anywhere, http only to loopback, no credentials', () => {
  assert.ok(isAllowedEndpoint('https://r.example/x'));
  assert.ok(isAllowedEndpoint('http://127.0.0.1:8080/reports'));
  assert.ok(!isAllowedEndpoint('http://r.example/x'));
  assert.ok(!isAllowedEndpoint('https://user:pw@r.example/'));
  assert.ok(!isAllowedEndpoint('javascript:alert(1)'));
});

test('sanitize keeps valid keys, reports invalid ones, drops unknown ones', () => {
  const { settings, rejected } = sanitize({ redThreshold: 80, yellowThreshold: 0, trustedSites: ['a.example', 'A.example'], telemetryOptIn: 'yes', evil: 1, updateUrls: ['https://cdn.example/p'] });
  assert.deepEqual(settings, { redThreshold: 80, trustedSites: ['a.example'], updateUrls: ['https://cdn.example/p/'] });
  assert.deepEqual(rejected.sort(), ['telemetryOptIn', 'yellowThreshold']);
});

test('policy wins and locks its keys; policy trusted sites add to the user\'s', () => {
  const { settings, locked } = effective({ redThreshold: 90, trustedSites: ['u.example'] }, { redThreshold: 60, degradationLevel: 3, trustedSites: ['corp.example'] });
  assert.equal(settings.redThreshold, 60);
  assert.equal(settings.degradationLevel, 3);
  assert.deepEqual(settings.trustedSites, ['u.example', 'corp.example']);
  assert.deepEqual([...locked].sort(), ['degradationLevel', 'redThreshold']);
  assert.ok(!locked.has('trustedSites'));
});

test('thresholds stay consistent for the engine (yellow <= red)', () => {
  const { settings } = effective({ redThreshold: 30 });
  assert.deepEqual(engineSettings(settings), { yellow: 30, red: 30, trustedSites: [] });
});

test('export/import round-trip; foreign files rejected', () => {
  const user = { redThreshold: 85, trustedSites: ['a.example'], telemetryOptIn: true };
  assert.deepEqual(importSettings(exportSettings(user)), { settings: user, rejected: [] });
  assert.throws(() => importSettings('{"format":"other"}'), /importNotSettingsFile/);
  assert.throws(() => importSettings('not json'), /importNotSettingsFile/);
});

test('first-seen cache: parents are tried, new domains recorded once, size bounded', () => {
  assert.deepEqual(candidates('a.b.example.co.uk'), ['a.b.example.co.uk', 'b.example.co.uk', 'example.co.uk', 'co.uk', 'uk']);
  assert.deepEqual(lookup({ 'example.com': 5 }, 'login.example.com', 99), { firstSeen: 5, known: true });
  assert.deepEqual(lookup({}, 'login.example.com', 99), { firstSeen: 99, known: false });
  const c = record({}, 'example.com', 1);
  assert.equal(record(c, 'example.com', 2), c);
  let big = {};
  for (let i = 0; i < MAX_ENTRIES; i++) big[`d${i}.example`] = i + 10;
  big = record(big, 'new.example', 1e9);
  assert.equal(Object.keys(big).length, MAX_ENTRIES);
  assert.ok(!('d0.example' in big) && 'new.example' in big);
});

test('health: quantiles as core computes them', () => {
  const h = { bounds: [250, 500, 1000], counts: [95, 0, 4, 1], count: 100 };
  assert.equal(quantileUpperBound(h, 0.95), 250);
  assert.equal(quantileUpperBound(h, 0.99), 1000);
  assert.equal(quantileUpperBound(h, 1), Infinity);
  assert.equal(quantileUpperBound({ bounds: [1], counts: [0, 0], count: 0 }, 0.5), null);
  assert.deepEqual(summarize({ pages_scanned: 100, latency_us: h, crashes: 2, failures: { a: 1, b: 2 }, partial: 0 }), { pages: 100, p95Ms: 0.25, crashes: 2, failures: 3, partial: 0 });
  assert.equal(percentile([5, 1, 4, 2, 3], 0.95), 5);
  assert.equal(percentile([], 0.5), null);
});
