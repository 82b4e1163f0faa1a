// The content script's pHash (extension/content/phash.js) against the vectors the Rust engine
// wrote (tests/node/fixtures/phash_vectors.json, checked on the Rust side by
// core/src/phash.rs `committed_vectors_match`). Agreement must be exact.
// Run: node --test tests/node/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

import {
  phash32x32,
  gray32FromRGBA,
  gray32FromLuma,
  hamming,
  lumaOverWhite,
} from '../../extension/content/phash.js';

const here = dirname(fileURLToPath(import.meta.url));
const vectors = JSON.parse(readFileSync(join(here, 'fixtures', 'phash_vectors.json'), 'utf8'));

const unhex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

test('the vector file has both kinds of vectors', () => {
  assert.ok(vectors.gray.length >= 8, 'gray vectors');
  assert.ok(vectors.rgba.length >= 4, 'rgba vectors');
});

for (const v of vectors.gray) {
  test(`gray vector ${v.name}: same hash as Rust`, () => {
    const gray = unhex(v.gray_hex);
    assert.equal(gray.length, 1024);
    assert.equal(phash32x32(gray), v.phash);
  });
}

for (const v of vectors.rgba) {
  test(`rgba vector ${v.name} (${v.width}x${v.height}): same reduction and hash as Rust`, () => {
    const rgba = unhex(v.rgba_hex);
    const gray = gray32FromRGBA(rgba, v.width, v.height);
    assert.ok(gray, 'valid shape');
    assert.equal(hex(gray), v.gray_hex);
    assert.equal(phash32x32(gray), v.phash);
    // The same pixels as a Uint8ClampedArray (what canvas getImageData returns).
    const clamped = gray32FromRGBA(Uint8ClampedArray.from(rgba), v.width, v.height);
    assert.equal(hex(clamped), v.gray_hex);
  });
}

test('bad shapes are rejected, not thrown on', () => {
  assert.equal(gray32FromRGBA(new Uint8Array(3), 1, 1), null);
  assert.equal(gray32FromRGBA(new Uint8Array(0), 0, 0), null);
  assert.equal(gray32FromLuma(new Uint8Array(4), 2, 3), null);
  assert.equal(gray32FromLuma(new Uint8Array(4), 2.5, 2), null);
  assert.throws(() => phash32x32(new Uint8Array(10)), RangeError);
});

test('luma composites over white', () => {
  assert.equal(lumaOverWhite(0, 0, 0, 0), 255);
  assert.equal(lumaOverWhite(0, 0, 0, 255), 0);
  assert.equal(lumaOverWhite(255, 0, 0, 255), 76);
  assert.equal(lumaOverWhite(0, 0, 0, 128), 127);
});

test('hamming counts differing bits and flags malformed input', () => {
  assert.equal(hamming('0000000000000000', 'ffffffffffffffff'), 64);
  assert.equal(hamming('000000000000000a', '0000000000000006'), 2);
  assert.equal(hamming('391939c339c3c63d', '391939C339C3C63D'), 0);
  assert.equal(hamming('xyz', '0000000000000000'), -1);
});
