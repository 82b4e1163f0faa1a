// FerretWatch: perceptual hash (pHash) of favicons and logos, computed in the content script.
//
// A port of core/src/phash.rs that must give bit-identical results; both are held to
// tests/node/fixtures/phash_vectors.json (tests/node/phash.test.mjs here, the Rust unit tests
// there). The algorithm, in short (core/src/phash.rs has the full description):
//
// - gray32FromRGBA: composite each RGBA pixel over white with integer math
//   (c' = floor((c*a + 255*(255-a) + 127) / 255)), BT.601 luma
//   (Y = floor((299R' + 587G' + 114B' + 500) / 1000)), then an exact area-average resize to
//   32x32 (integer weights, rounded half up). Every step is integer arithmetic well below 2^53.
// - phash32x32: 2-D DCT-II (orthonormal scale) of the 32x32 luma, only the 8x8 lowest
//   frequencies, rows first then columns, summing in ascending index order, using a fixed
//   table of cos(k*pi/64) (never Math.cos, whose last bit may differ between engines). Bit i
//   (value 1 << i, i = 8*v + u, DC = bit 0) is set when coefficient i > median(coefficients
//   1..63) + 1e-6. The result is 16 lowercase hex digits, most significant first.
//
// Plain ES module, no dependencies.

/** cos(k*pi/64) for k = 0..32, the correctly rounded doubles (same literals as the Rust table). */
const COS_QUADRANT = [
  1.0, 0.9987954562051724, 0.9951847266721969, 0.989176509964781, 0.9807852804032304,
  0.970031253194544, 0.9569403357322088, 0.9415440651830208, 0.9238795325112867,
  0.9039892931234433, 0.881921264348355, 0.8577286100002721, 0.8314696123025452,
  0.8032075314806449, 0.773010453362737, 0.7409511253549591, 0.7071067811865476,
  0.6715589548470184, 0.6343932841636455, 0.5956993044924334, 0.5555702330196022,
  0.5141027441932218, 0.47139673682599764, 0.4275550934302821, 0.3826834323650898,
  0.33688985339222005, 0.2902846772544624, 0.2429801799032639, 0.19509032201612828,
  0.14673047445536175, 0.0980171403295606, 0.049067674327418015, 0.0,
];

/** sqrt(1/32), correctly rounded: the DCT scale of frequency 0. */
const ALPHA0 = 0.1767766952966369;
/** sqrt(2/32): the DCT scale of the other frequencies (exact). */
const ALPHA = 0.25;
/** Margin over the median that a coefficient must exceed to set its bit. */
export const MEDIAN_MARGIN = 1e-6;
/** Largest source image (pixels) gray32FromRGBA accepts. */
export const MAX_SOURCE_PIXELS = 2 ** 26;

function cosK(k) {
  k %= 128;
  if (k > 64) k = 128 - k;
  return k <= 32 ? COS_QUADRANT[k] : -COS_QUADRANT[64 - k];
}

/** basis[u][x] = cos((2x+1)u*pi/64), u < 8, x < 32. */
const BASIS = Array.from({ length: 8 }, (_, u) =>
  Float64Array.from({ length: 32 }, (_, x) => cosK((2 * x + 1) * u)),
);

/**
 * The 64 low-frequency DCT-II coefficients of a 32x32 luma image, row-major ([v * 8 + u]).
 * @param {Uint8Array | number[]} gray 1024 bytes, row-major
 * @returns {Float64Array}
 */
export function dct8x8(gray) {
  const rows = new Float64Array(32 * 8);
  for (let y = 0; y < 32; y++) {
    for (let u = 0; u < 8; u++) {
      const b = BASIS[u];
      let s = 0.0;
      for (let x = 0; x < 32; x++) s += gray[y * 32 + x] * b[x];
      rows[y * 8 + u] = s;
    }
  }
  const c = new Float64Array(64);
  for (let v = 0; v < 8; v++) {
    const b = BASIS[v];
    for (let u = 0; u < 8; u++) {
      let s = 0.0;
      for (let y = 0; y < 32; y++) s += b[y] * rows[y * 8 + u];
      const av = v === 0 ? ALPHA0 : ALPHA;
      const au = u === 0 ? ALPHA0 : ALPHA;
      c[v * 8 + u] = s * av * au;
    }
  }
  return c;
}

/**
 * The 64-bit DCT perceptual hash of a 32x32 luma image, as 16 lowercase hex digits.
 * @param {Uint8Array | number[]} gray 1024 bytes, row-major
 * @returns {string}
 */
export function phash32x32(gray) {
  if (!gray || gray.length !== 1024) throw new RangeError('phash32x32 needs 1024 luma bytes');
  const c = dct8x8(gray);
  const ac = Float64Array.from(c.subarray(1)).sort(); // typed-array sort is numeric
  const threshold = ac[31] + MEDIAN_MARGIN;
  let hi = 0; // bits 32..63
  let lo = 0; // bits 0..31
  for (let i = 0; i < 64; i++) {
    if (c[i] > threshold) {
      if (i < 32) lo = (lo | (1 << i)) >>> 0;
      else hi = (hi | (1 << (i - 32))) >>> 0;
    }
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/**
 * Number of differing bits between two 16-hex-digit hashes, or -1 when either is malformed.
 * @param {string} a
 * @param {string} b
 */
export function hamming(a, b) {
  const re = /^[0-9a-fA-F]{16}$/;
  if (!re.test(a) || !re.test(b)) return -1;
  const x = BigInt('0x' + a) ^ BigInt('0x' + b);
  let n = 0;
  for (const ch of x.toString(2)) if (ch === '1') n++;
  return n;
}

/** Luma of one RGBA pixel composited over white. */
export function lumaOverWhite(r, g, b, a) {
  const over = (c) => Math.floor((c * a + 255 * (255 - a) + 127) / 255);
  return Math.floor((299 * over(r) + 587 * over(g) + 114 * over(b) + 500) / 1000);
}

/** Overlap weights of one axis: per output cell, a flat list [source, weight, source, weight…]. */
function axisWeights(n) {
  const out = [];
  for (let t = 0; t < 32; t++) {
    const lo = t * n;
    const hi = lo + n;
    const cell = [];
    for (let s = Math.floor(lo / 32); s <= Math.floor((hi - 1) / 32); s++) {
      cell.push(s, Math.min(hi, s * 32 + 32) - Math.max(lo, s * 32));
    }
    out.push(cell);
  }
  return out;
}

/**
 * Box-resizes a width x height luma image to 32x32 (exact area average, rounded half up).
 * @returns {Uint8Array | null} null for a bad shape
 */
export function gray32FromLuma(luma, width, height) {
  const w = width;
  const h = height;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) return null;
  if (w * h > MAX_SOURCE_PIXELS || luma.length !== w * h) return null;
  const wx = axisWeights(w);
  const wy = axisWeights(h);
  const rows = new Float64Array(h * 32); // integers < 2^53
  for (let sy = 0; sy < h; sy++) {
    const base = sy * w;
    for (let tx = 0; tx < 32; tx++) {
      const cell = wx[tx];
      let s = 0;
      for (let k = 0; k < cell.length; k += 2) s += cell[k + 1] * luma[base + cell[k]];
      rows[sy * 32 + tx] = s;
    }
  }
  const area = w * h;
  const half = Math.floor(area / 2);
  const out = new Uint8Array(1024);
  for (let ty = 0; ty < 32; ty++) {
    const cell = wy[ty];
    for (let tx = 0; tx < 32; tx++) {
      let total = 0;
      for (let k = 0; k < cell.length; k += 2) total += cell[k + 1] * rows[cell[k] * 32 + tx];
      const t = total + half;
      out[ty * 32 + tx] = (t - (t % area)) / area; // exact integer division
    }
  }
  return out;
}

/**
 * Reduces RGBA8 pixels (e.g. canvas getImageData().data) to the 32x32 luma phash32x32 takes.
 * @param {Uint8Array | Uint8ClampedArray} rgba 4 * width * height bytes, not premultiplied
 * @returns {Uint8Array | null} null for a bad shape
 */
export function gray32FromRGBA(rgba, width, height) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    return null;
  }
  if (width * height > MAX_SOURCE_PIXELS || rgba.length !== width * height * 4) return null;
  const luma = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < luma.length; i++, p += 4) {
    luma[i] = lumaOverWhite(rgba[p], rgba[p + 1], rgba[p + 2], rgba[p + 3]);
  }
  return gray32FromLuma(luma, width, height);
}
