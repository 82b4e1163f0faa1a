// A small, deterministic rasterizer for single-path SVG icons (simple-icons, Material Design
// Icons): path data → flattened polygons → anti-aliased coverage (nonzero fill rule, as SVG's
// default) → opaque RGBA pixels. Used by scripts/brand-logo-hashes.mjs so that logo hashes
// can be recomputed in node, byte for byte the same on every machine, with no browser and no
// font or image library (a browser's rasterizer may differ in the last anti-aliasing bit from
// one version to the next; this one cannot). tests/browser/brand_logos.test.mjs compares its
// hashes with the ones of the same SVGs drawn by Chromium.
//
// Coverage is exact along x and sampled on SUB sub-scanlines per pixel row. Curves and arcs
// are flattened into segments at most ~1 output pixel long. Plain ES module, no dependencies.

const NUM = /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const SEP = /[\s,]/;
const PARAMS = { m: 2, l: 2, h: 1, v: 1, c: 6, s: 4, q: 4, t: 2, a: 7, z: 0 };

/**
 * Parses SVG path data into polygons (arrays of [x, y] in path units), curves flattened for
 * drawing at `pxPerUnit` output pixels per path unit. Every subpath is treated as closed
 * (filling closes open subpaths). Throws on malformed data.
 * @param {string} d
 * @param {number} pxPerUnit
 * @returns {number[][][]}
 */
export function flattenPath(d, pxPerUnit) {
  const polys = [];
  let poly = null;
  let x = 0;
  let y = 0;
  let sx = 0;
  let sy = 0;
  let cx = 0; // last control point (for S/T reflection)
  let cy = 0;
  let prev = ''; // previous command, lowercase
  let i = 0;
  const n = d.length;
  const skip = () => {
    while (i < n && SEP.test(d[i])) i++;
  };
  const hasNumber = () => {
    skip();
    return i < n && /[0-9+\-.]/.test(d[i]);
  };
  const num = () => {
    skip();
    NUM.lastIndex = i;
    const m = NUM.exec(d);
    if (!m) throw new Error(`bad path data at ${i}: ${d.slice(i, i + 12)}`);
    i = NUM.lastIndex;
    return Number(m[0]);
  };
  const flag = () => {
    skip();
    const c = d[i++];
    if (c !== '0' && c !== '1') throw new Error(`bad arc flag at ${i - 1}`);
    return c === '1';
  };
  const point = (px, py) => {
    if (!poly) {
      poly = [[x, y]];
      polys.push(poly);
    }
    poly.push([px, py]);
  };
  const segments = (lengthUnits, max) => Math.min(max, Math.max(2, Math.ceil(lengthUnits * pxPerUnit)));
  const dist = (ax, ay, bx, by) => Math.hypot(bx - ax, by - ay);

  let cmd = '';
  while (true) {
    skip();
    if (i >= n) break;
    if (/[a-zA-Z]/.test(d[i])) {
      cmd = d[i++];
      if (!(cmd.toLowerCase() in PARAMS)) throw new Error(`unknown path command ${cmd}`);
    } else if (!cmd) {
      throw new Error('path data does not start with a command');
    } else if (cmd === 'z' || cmd === 'Z') {
      throw new Error(`numbers after z at ${i}`);
    }
    const lc = cmd.toLowerCase();
    const rel = cmd !== cmd.toUpperCase();
    if (lc === 'z') {
      x = sx;
      y = sy;
      poly = null;
      prev = 'z';
      continue;
    }
    // One group of parameters; repeats are handled by the outer loop (same `cmd`).
    if (!hasNumber()) throw new Error(`command ${cmd} without parameters at ${i}`);
    const ox = rel ? x : 0;
    const oy = rel ? y : 0;
    switch (lc) {
      case 'm': {
        x = ox + num();
        y = oy + num();
        sx = x;
        sy = y;
        poly = [[x, y]];
        polys.push(poly);
        cmd = rel ? 'l' : 'L'; // further pairs are line-tos
        break;
      }
      case 'l': {
        const nx = ox + num();
        const ny = oy + num();
        point(nx, ny);
        x = nx;
        y = ny;
        break;
      }
      case 'h': {
        const nx = ox + num();
        point(nx, y);
        x = nx;
        break;
      }
      case 'v': {
        const ny = oy + num();
        point(x, ny);
        y = ny;
        break;
      }
      case 'c':
      case 's': {
        let x1;
        let y1;
        if (lc === 'c') {
          x1 = ox + num();
          y1 = oy + num();
        } else if (prev === 'c' || prev === 's') {
          x1 = 2 * x - cx;
          y1 = 2 * y - cy;
        } else {
          x1 = x;
          y1 = y;
        }
        const x2 = ox + num();
        const y2 = oy + num();
        const x3 = ox + num();
        const y3 = oy + num();
        const k = segments(dist(x, y, x1, y1) + dist(x1, y1, x2, y2) + dist(x2, y2, x3, y3), 64);
        for (let j = 1; j <= k; j++) {
          const t = j / k;
          const u = 1 - t;
          point(
            u * u * u * x + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3,
            u * u * u * y + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3,
          );
        }
        cx = x2;
        cy = y2;
        x = x3;
        y = y3;
        break;
      }
      case 'q':
      case 't': {
        let x1;
        let y1;
        if (lc === 'q') {
          x1 = ox + num();
          y1 = oy + num();
        } else if (prev === 'q' || prev === 't') {
          x1 = 2 * x - cx;
          y1 = 2 * y - cy;
        } else {
          x1 = x;
          y1 = y;
        }
        const x2 = ox + num();
        const y2 = oy + num();
        const k = segments(dist(x, y, x1, y1) + dist(x1, y1, x2, y2), 64);
        for (let j = 1; j <= k; j++) {
          const t = j / k;
          const u = 1 - t;
          point(u * u * x + 2 * u * t * x1 + t * t * x2, u * u * y + 2 * u * t * y1 + t * t * y2);
        }
        cx = x1;
        cy = y1;
        x = x2;
        y = y2;
        break;
      }
      case 'a': {
        let rx = Math.abs(num());
        let ry = Math.abs(num());
        const phi = (num() * Math.PI) / 180;
        const large = flag();
        const sweep = flag();
        const x2 = ox + num();
        const y2 = oy + num();
        if (x2 === x && y2 === y) break; // an arc to the same point draws nothing
        if (rx === 0 || ry === 0) {
          point(x2, y2);
          x = x2;
          y = y2;
          break;
        }
        // Endpoint to centre parameterisation (SVG 1.1 implementation notes F.6.5, F.6.6).
        const cos = Math.cos(phi);
        const sin = Math.sin(phi);
        const dx = (x - x2) / 2;
        const dy = (y - y2) / 2;
        const x1p = cos * dx + sin * dy;
        const y1p = -sin * dx + cos * dy;
        const lambda = (x1p * x1p) / (rx * rx) + (y1p * y1p) / (ry * ry);
        if (lambda > 1) {
          const s = Math.sqrt(lambda);
          rx *= s;
          ry *= s;
        }
        const num2 = rx * rx * ry * ry - rx * rx * y1p * y1p - ry * ry * x1p * x1p;
        const den = rx * rx * y1p * y1p + ry * ry * x1p * x1p;
        let coef = Math.sqrt(Math.max(0, num2 / den));
        if (large === sweep) coef = -coef;
        const cxp = (coef * rx * y1p) / ry;
        const cyp = (-coef * ry * x1p) / rx;
        const ccx = cos * cxp - sin * cyp + (x + x2) / 2;
        const ccy = sin * cxp + cos * cyp + (y + y2) / 2;
        const angle = (ux, uy, vx, vy) => {
          const a = Math.atan2(ux * vy - uy * vx, ux * vx + uy * vy);
          return a;
        };
        const th1 = angle(1, 0, (x1p - cxp) / rx, (y1p - cyp) / ry);
        let dth = angle((x1p - cxp) / rx, (y1p - cyp) / ry, (-x1p - cxp) / rx, (-y1p - cyp) / ry);
        if (!sweep && dth > 0) dth -= 2 * Math.PI;
        else if (sweep && dth < 0) dth += 2 * Math.PI;
        const k = segments(Math.abs(dth) * Math.max(rx, ry), 128);
        for (let j = 1; j < k; j++) {
          const th = th1 + (dth * j) / k;
          const ex = rx * Math.cos(th);
          const ey = ry * Math.sin(th);
          point(cos * ex - sin * ey + ccx, sin * ex + cos * ey + ccy);
        }
        point(x2, y2); // the exact end point
        x = x2;
        y = y2;
        break;
      }
      default:
        throw new Error(`unhandled command ${cmd}`);
    }
    prev = lc;
  }
  return polys;
}

/** Sub-scanlines per pixel row. */
export const SUB = 16;

/**
 * Anti-aliased coverage (0..1 per pixel, row-major) of polygons under the nonzero rule.
 * `transform(x, y)` maps path units to output pixels.
 * @param {number[][][]} polys
 * @param {number} width
 * @param {number} height
 * @param {(x: number, y: number) => [number, number]} transform
 * @returns {Float64Array}
 */
export function coverage(polys, width, height, transform) {
  const edges = [];
  for (const poly of polys) {
    const pts = poly.map(([x, y]) => transform(x, y));
    for (let j = 0; j < pts.length; j++) {
      const [x0, y0] = pts[j];
      const [x1, y1] = pts[(j + 1) % pts.length];
      if (y0 === y1) continue;
      edges.push(y0 < y1 ? { x0, y0, x1, y1, dir: 1 } : { x0: x1, y0: y1, x1: x0, y1: y0, dir: -1 });
    }
  }
  edges.sort((a, b) => a.y0 - b.y0 || a.x0 - b.x0);
  const out = new Float64Array(width * height);
  const w = 1 / SUB;
  let next = 0;
  let active = [];
  const xs = [];
  for (let py = 0; py < height; py++) {
    const row = py * width;
    for (let k = 0; k < SUB; k++) {
      const ys = py + (k + 0.5) / SUB;
      while (next < edges.length && edges[next].y0 <= ys) active.push(edges[next++]);
      active = active.filter((e) => e.y1 > ys);
      xs.length = 0;
      for (const e of active) {
        if (e.y0 > ys) continue;
        xs.push([e.x0 + ((ys - e.y0) * (e.x1 - e.x0)) / (e.y1 - e.y0), e.dir]);
      }
      xs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let wind = 0;
      let start = 0;
      for (const [xc, dir] of xs) {
        const before = wind;
        wind += dir;
        if (before === 0 && wind !== 0) start = xc;
        else if (before !== 0 && wind === 0) addSpan(out, row, width, start, xc, w);
      }
    }
  }
  return out;
}

function addSpan(out, row, width, a, b, w) {
  const xa = Math.max(0, a);
  const xb = Math.min(width, b);
  if (xb <= xa) return;
  const ia = Math.floor(xa);
  const ib = Math.floor(xb);
  if (ia === ib) {
    out[row + ia] += (xb - xa) * w;
    return;
  }
  out[row + ia] += (ia + 1 - xa) * w;
  for (let i = ia + 1; i < ib; i++) out[row + i] += w;
  if (ib < width) out[row + ib] += (xb - ib) * w;
}

/** [r, g, b] of a hex colour ("1a2b3c" or "#1a2b3c"). */
export function rgbOf(hex) {
  const h = hex.replace(/^#/, '');
  if (!/^[0-9a-fA-F]{6}$/.test(h)) throw new Error(`bad colour ${hex}`);
  return [0, 2, 4].map((k) => parseInt(h.slice(k, k + 2), 16));
}

/**
 * Draws one path-data icon (viewBox `[x, y, w, h]`, default 24x24) into an opaque
 * `width`×`height` RGBA image: `fg` paint on a `bg` background, the icon scaled to fit the image
 * less `pad` (a fraction of the shorter side, on each edge) and centred; then, to test how
 * stable a hash is, optionally scaled by `zoom` about the centre and moved by `shift` pixels.
 * @returns {Uint8Array} width*height*4 bytes
 */
export function renderIcon(pathData, { width, height, fg, bg, pad = 0, viewBox = [0, 0, 24, 24], zoom = 1, shift = [0, 0] }) {
  const [vx, vy, vw, vh] = viewBox;
  const margin = Math.min(width, height) * pad;
  const s = Math.min((width - 2 * margin) / vw, (height - 2 * margin) / vh) * zoom;
  const ox = (width - vw * s) / 2 - vx * s + shift[0];
  const oy = (height - vh * s) / 2 - vy * s + shift[1];
  const cov = coverage(flattenPath(pathData, s), width, height, (x, y) => [ox + x * s, oy + y * s]);
  const f = rgbOf(fg);
  const b = rgbOf(bg);
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < cov.length; p++) {
    const a = Math.min(1, Math.max(0, cov[p]));
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = Math.round(b[c] + (f[c] - b[c]) * a);
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}
