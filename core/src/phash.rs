//! Perceptual hashes (pHash) of favicons and logos, and the image reduction that feeds them.
//!
//! The same algorithm runs in three places and must give bit-identical results: here (native and
//! `wasm32`), and in the extension's content script (`extension/content/phash.js`). Both sides
//! are held to the shared vectors in `tests/node/fixtures/phash_vectors.json`.
//!
//! # Reduction: [`gray32_from_rgba`]
//! 1. Each RGBA pixel is composited over white with integer math:
//!    `c' = (c·a + 255·(255 − a) + 127) / 255` (integer division) for c in R, G, B.
//! 2. Luma (ITU-R BT.601 weights, rounded): `Y = (299·R' + 587·G' + 114·B' + 500) / 1000`.
//! 3. Area-average (box) resize of the `W×H` luma image to 32×32: each output pixel is the mean of
//!    the source area it covers, every source pixel weighted by the exact fraction of it inside
//!    the output pixel (computed in integers: source pixel `s` spans `[32·s, 32·s + 32)` and output
//!    pixel `t` spans `[W·t, W·t + W)` on a common axis), rounded half up:
//!    `out = (Σ wₓ·w_y·Y + W·H/2) / (W·H)`. Works for up- and downscaling; all integer, so exact.
//!
//! # Hash: [`phash_32x32`]
//! 1. 2-D DCT-II of the 32×32 luma with orthonormal scaling (`α(0) = √(1/32)`, `α(k) = √(2/32)`),
//!    only the 8×8 lowest frequencies: first along rows
//!    (`r[y][u] = Σₓ g[y][x]·cos((2x+1)uπ/64)`, x ascending), then along columns
//!    (`c[v][u] = (Σ_y cos((2y+1)vπ/64)·r[y][u]) · α(v) · α(u)`, y ascending, multiplied in that
//!    order). All in `f64`; the cosines come from a fixed table of the 33 correctly rounded values
//!    `cos(kπ/64)`, k = 0..=32, extended by exact symmetries (no `cos()` call, so no libm
//!    differences between platforms or with JavaScript's `Math.cos`).
//! 2. Coefficient `i` (0..64) is `c[i / 8][i % 8]`: row-major from (0,0), so coefficient 0 is the
//!    DC term, 1..8 the horizontal frequencies of row 0, and so on.
//! 3. The median is the 32nd smallest (index 31 after sorting) of the 63 coefficients 1..63; the DC
//!    term is excluded from the median but still gets a bit.
//! 4. Bit `i` of the result (value `1 << i`) is 1 when coefficient `i` is greater than
//!    `median + 1e-6`. So the DC bit is the least significant bit. The tiny margin makes
//!    coefficients that are zero up to rounding noise (most of them, for images with structure in
//!    one direction only) compare as "not greater" than a zero median, so such images hash
//!    stably instead of by the sign of rounding noise.
//!
//! The text form ([`to_hex`]) is the `u64` as 16 lowercase hex digits, most significant first.
//!
//! ```
//! use ferretwatch_core::phash::{gray32_from_rgba, hamming, phash_32x32, to_hex, parse_hex};
//!
//! // A 2×2 RGBA image: white, black / black, white (a checker), scaled up to 32×32.
//! let rgba = [255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 255];
//! let gray = gray32_from_rgba(&rgba, 2, 2).unwrap();
//! let h = phash_32x32(&gray);
//! assert_eq!(parse_hex(&to_hex(h)), Some(h));
//! assert_eq!(hamming(h, h), 0);
//! ```

/// `cos(kπ/64)` for k = 0..=32, each the correctly rounded `f64` (k = 16 is `1/√2`).
const COS_QUADRANT: [f64; 33] = [
    1.0,
    0.998_795_456_205_172_4,
    0.995_184_726_672_196_9,
    0.989_176_509_964_781,
    0.980_785_280_403_230_4,
    0.970_031_253_194_544,
    0.956_940_335_732_208_8,
    0.941_544_065_183_020_8,
    0.923_879_532_511_286_7,
    0.903_989_293_123_443_3,
    0.881_921_264_348_355,
    0.857_728_610_000_272_1,
    0.831_469_612_302_545_2,
    0.803_207_531_480_644_9,
    0.773_010_453_362_737,
    0.740_951_125_354_959_1,
    std::f64::consts::FRAC_1_SQRT_2,
    0.671_558_954_847_018_4,
    0.634_393_284_163_645_5,
    0.595_699_304_492_433_4,
    0.555_570_233_019_602_2,
    0.514_102_744_193_221_8,
    0.471_396_736_825_997_64,
    0.427_555_093_430_282_1,
    0.382_683_432_365_089_8,
    0.336_889_853_392_220_05,
    0.290_284_677_254_462_4,
    0.242_980_179_903_263_9,
    0.195_090_322_016_128_28,
    0.146_730_474_455_361_75,
    0.098_017_140_329_560_6,
    0.049_067_674_327_418_015,
    0.0,
];

/// `√(1/32)`, correctly rounded: the DCT scale of frequency 0.
const ALPHA0: f64 = 0.176_776_695_296_636_9;
/// `√(2/32)`: the DCT scale of the other frequencies (exact).
const ALPHA: f64 = 0.25;

/// Margin over the median a coefficient must exceed to set its bit (see the module doc).
pub const MEDIAN_MARGIN: f64 = 1e-6;

/// Largest source image (pixels) [`gray32_from_rgba`] accepts: 2²⁶ (e.g. 8192×8192).
pub const MAX_SOURCE_PIXELS: u64 = 1 << 26;

/// `cos(kπ/64)` for any k, from the quadrant table by exact symmetries.
fn cos_k(k: u32) -> f64 {
    let k = k % 128;
    let k = if k > 64 { 128 - k } else { k };
    if k <= 32 { COS_QUADRANT[k as usize] } else { -COS_QUADRANT[(64 - k) as usize] }
}

/// The 8 lowest DCT-II basis rows of length 32: `basis[u][x] = cos((2x+1)uπ/64)`.
fn basis() -> [[f64; 32]; 8] {
    let mut b = [[0.0; 32]; 8];
    for (u, row) in (0u32..).zip(b.iter_mut()) {
        for (x, cell) in (0u32..).zip(row.iter_mut()) {
            *cell = cos_k((2 * x + 1) * u);
        }
    }
    b
}

/// The 64 low-frequency DCT-II coefficients of a 32×32 luma image, row-major (`[v * 8 + u]`,
/// v vertical and u horizontal frequency). See the module doc for the exact order of operations.
pub fn dct_8x8(gray: &[u8; 1024]) -> [f64; 64] {
    let b = basis();
    let mut rows = [[0.0f64; 8]; 32];
    for (y, r) in rows.iter_mut().enumerate() {
        let line = &gray[y * 32..y * 32 + 32];
        for (u, out) in r.iter_mut().enumerate() {
            let mut s = 0.0f64;
            for (x, &g) in line.iter().enumerate() {
                s += f64::from(g) * b[u][x];
            }
            *out = s;
        }
    }
    let mut c = [0.0f64; 64];
    for v in 0..8 {
        for u in 0..8 {
            let mut s = 0.0f64;
            for (y, r) in rows.iter().enumerate() {
                s += b[v][y] * r[u];
            }
            let av = if v == 0 { ALPHA0 } else { ALPHA };
            let au = if u == 0 { ALPHA0 } else { ALPHA };
            c[v * 8 + u] = s * av * au;
        }
    }
    c
}

/// The 64-bit DCT perceptual hash of a 32×32 luma image (row-major, one byte per pixel).
///
/// Bit `i` (value `1 << i`) is set when low-frequency coefficient `i` (row-major over the top-left
/// 8×8, DC first) is greater than the median of coefficients 1..63 (plus [`MEDIAN_MARGIN`]). See
/// the module doc.
pub fn phash_32x32(gray: &[u8; 1024]) -> u64 {
    let c = dct_8x8(gray);
    let mut ac = [0.0f64; 63];
    ac.copy_from_slice(&c[1..]);
    ac.sort_by(f64::total_cmp);
    let threshold = ac[31] + MEDIAN_MARGIN;
    let mut h = 0u64;
    for (i, &v) in c.iter().enumerate() {
        if v > threshold {
            h |= 1u64 << i;
        }
    }
    h
}

/// Number of differing bits between two hashes (0..=64).
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Parses the text form of a hash: exactly 16 hex digits (either case), surrounding whitespace
/// ignored. `None` for anything else.
pub fn parse_hex(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(s, 16).ok()
}

/// The text form of a hash: 16 lowercase hex digits, most significant first.
pub fn to_hex(h: u64) -> String {
    format!("{h:016x}")
}

/// Overlap weights of one axis: for each of the 32 output cells, the `(source index, weight)`
/// pairs, weights in units of 1/32 source pixel; the weights of one cell add up to `n`.
fn axis_weights(n: u64) -> Vec<Vec<(u64, u64)>> {
    (0..32u64)
        .map(|t| {
            let lo = t * n;
            let hi = lo + n;
            (lo / 32..=(hi - 1) / 32)
                .map(|s| {
                    let w = hi.min(s * 32 + 32) - lo.max(s * 32);
                    (s, w)
                })
                .collect()
        })
        .collect()
}

/// Box-resizes a `width×height` luma image (row-major) to 32×32, as in the module doc.
///
/// Returns `None` when a dimension is 0, the image has more than [`MAX_SOURCE_PIXELS`] pixels, or
/// `luma.len()` is not `width × height`.
pub fn gray32_from_luma(luma: &[u8], width: u32, height: u32) -> Option<[u8; 1024]> {
    let (w, h) = (u64::from(width), u64::from(height));
    if w == 0 || h == 0 || w * h > MAX_SOURCE_PIXELS || luma.len() as u64 != w * h {
        return None;
    }
    let wx = axis_weights(w);
    let wy = axis_weights(h);
    // Horizontal pass: row sums per output column, for every source row.
    let mut rows = vec![[0u64; 32]; h as usize];
    for (sy, out) in rows.iter_mut().enumerate() {
        let line = &luma[sy * w as usize..(sy + 1) * w as usize];
        for (tx, cell) in out.iter_mut().enumerate() {
            *cell = wx[tx].iter().map(|&(sx, wt)| wt * u64::from(line[sx as usize])).sum();
        }
    }
    let area = w * h;
    let mut out = [0u8; 1024];
    for (ty, weights) in wy.iter().enumerate() {
        for tx in 0..32 {
            let total: u64 = weights.iter().map(|&(sy, wt)| wt * rows[sy as usize][tx]).sum();
            // At most 255 (the mean of bytes), so the conversion cannot fail.
            out[ty * 32 + tx] = u8::try_from((total + area / 2) / area).unwrap_or(u8::MAX);
        }
    }
    Some(out)
}

/// Luma of one RGBA pixel composited over white (module doc, steps 1–2).
pub fn luma_over_white(r: u8, g: u8, b: u8, a: u8) -> u8 {
    let a = u32::from(a);
    let over = |c: u8| (u32::from(c) * a + 255 * (255 - a) + 127) / 255;
    let y = (299 * over(r) + 587 * over(g) + 114 * over(b) + 500) / 1000;
    u8::try_from(y).unwrap_or(u8::MAX)
}

/// Reduces an RGBA8 image (row-major, 4 bytes per pixel, not premultiplied) to the 32×32 luma
/// that [`phash_32x32`] takes: composite over white, BT.601 luma, area-average resize.
///
/// Returns `None` when a dimension is 0, the image is larger than [`MAX_SOURCE_PIXELS`], or
/// `rgba.len()` is not `4 × width × height`.
pub fn gray32_from_rgba(rgba: &[u8], width: u32, height: u32) -> Option<[u8; 1024]> {
    let (w, h) = (u64::from(width), u64::from(height));
    if w == 0 || h == 0 || w * h > MAX_SOURCE_PIXELS || rgba.len() as u64 != w * h * 4 {
        return None;
    }
    let luma: Vec<u8> = rgba.chunks_exact(4).map(|p| luma_over_white(p[0], p[1], p[2], p[3])).collect();
    gray32_from_luma(&luma, width, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random byte stream (LCG), for noise.
    struct Lcg(u32);
    impl Lcg {
        fn next_byte(&mut self) -> u8 {
            self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (self.0 >> 24) as u8
        }
    }

    fn image(mut f: impl FnMut(usize, usize) -> u8) -> [u8; 1024] {
        let mut g = [0u8; 1024];
        for y in 0..32 {
            for x in 0..32 {
                g[y * 32 + x] = f(x, y);
            }
        }
        g
    }

    fn clamp(v: i32) -> u8 {
        v.clamp(0, 255) as u8
    }

    /// The named images shared with the JavaScript implementation.
    fn gray_fixtures() -> Vec<(&'static str, [u8; 1024])> {
        let mut noise = Lcg(12345);
        let random = image(|_, _| noise.next_byte());
        vec![
            ("horizontal_gradient", image(|x, _| (x * 8) as u8)),
            ("vertical_gradient", image(|_, y| (255 - y * 8) as u8)),
            ("diagonal_gradient", image(|x, y| (x * 4 + y * 4) as u8)),
            ("checker_4px", image(|x, y| if (x / 4 + y / 4) % 2 == 0 { 230 } else { 20 })),
            ("disc", image(disc)),
            ("blocks", image(blocks)),
            ("ring_logo", image(ring_logo)),
            ("letter_f", image(letter_f)),
            ("random", random),
            ("flat_grey", image(|_, _| 128)),
            ("black", image(|_, _| 0)),
        ]
    }

    fn disc(x: usize, y: usize) -> u8 {
        let (dx, dy) = (x as i32 - 15, y as i32 - 13);
        if dx * dx + dy * dy <= 100 { 30 } else { 240 }
    }

    fn blocks(x: usize, y: usize) -> u8 {
        if (18..30).contains(&x) && (3..20).contains(&y) {
            40
        } else if (2..14).contains(&x) && (22..29).contains(&y) {
            180
        } else if x + y > 54 {
            120
        } else {
            250
        }
    }

    fn ring_logo(x: usize, y: usize) -> u8 {
        let (dx, dy) = (x as i32 - 16, y as i32 - 16);
        let d = dx * dx + dy * dy;
        if (64..=196).contains(&d) {
            200
        } else if x < 6 {
            90
        } else {
            10
        }
    }

    fn letter_f(x: usize, y: usize) -> u8 {
        let stem = (6..12).contains(&x) && (4..28).contains(&y);
        let top = (6..26).contains(&x) && (4..9).contains(&y);
        let mid = (6..20).contains(&x) && (14..18).contains(&y);
        if stem || top || mid { 0 } else { 255 }
    }

    #[test]
    fn cosine_table_matches_cos() {
        for k in 0..256u32 {
            let exact = (f64::from(k) * std::f64::consts::PI / 64.0).cos();
            assert!((cos_k(k) - exact).abs() < 1e-14, "k={k}: {} vs {exact}", cos_k(k));
        }
        assert!((ALPHA0 - (1.0f64 / 32.0).sqrt()).abs() < 1e-17);
    }

    #[test]
    fn dct_matches_the_textbook_formula() {
        let g = image(letter_f);
        let c = dct_8x8(&g);
        let pi = std::f64::consts::PI;
        for v in 0..8 {
            for u in 0..8 {
                let mut s = 0.0;
                for y in 0..32 {
                    for x in 0..32 {
                        s += f64::from(g[y * 32 + x])
                            * ((2 * x + 1) as f64 * u as f64 * pi / 64.0).cos()
                            * ((2 * y + 1) as f64 * v as f64 * pi / 64.0).cos();
                    }
                }
                let a = |k: usize| if k == 0 { (1.0f64 / 32.0).sqrt() } else { 0.25 };
                let want = s * a(u) * a(v);
                assert!((c[v * 8 + u] - want).abs() < 1e-9, "({v},{u})");
            }
        }
        // The DC term of an orthonormal DCT is 32 × the mean.
        let mean = g.iter().map(|&p| f64::from(p)).sum::<f64>() / 1024.0;
        assert!((c[0] - 32.0 * mean).abs() < 1e-9);
    }

    #[test]
    fn identical_images_hash_identically() {
        for (name, g) in gray_fixtures() {
            let copy = g;
            assert_eq!(phash_32x32(&g), phash_32x32(&copy), "{name}");
            assert_eq!(hamming(phash_32x32(&g), phash_32x32(&copy)), 0, "{name}");
        }
    }

    /// Images with two-dimensional structure (logos): the ones a small change must not move far.
    /// Gradients and flat images are excluded: nearly all of their low-frequency coefficients are
    /// zero, so any noise decides those bits (a known limit of median-threshold pHashes); so is the
    /// 4-pixel checker, whose energy lies above the 8 lowest frequencies.
    const STRUCTURED: [&str; 4] = ["disc", "ring_logo", "letter_f", "blocks"];

    fn fixture(name: &str) -> [u8; 1024] {
        gray_fixtures().into_iter().find(|(n, _)| *n == name).map(|(_, g)| g).unwrap_or([0; 1024])
    }

    #[test]
    fn small_changes_give_small_distances() {
        for name in STRUCTURED {
            let g = fixture(name);
            let h = phash_32x32(&g);
            for shift in [-20i32, -5, 3, 12] {
                let moved = g.map(|p| clamp(i32::from(p) + shift));
                let d = hamming(h, phash_32x32(&moved));
                assert!(d <= 4, "{name}: brightness {shift:+} moved {d} bits");
            }
            for seed in [1u32, 99, 4242] {
                let mut lcg = Lcg(seed);
                let noisy = g.map(|p| clamp(i32::from(p) + i32::from(lcg.next_byte() % 9) - 4));
                let d = hamming(h, phash_32x32(&noisy));
                assert!(d <= 4, "{name}: ±4 noise (seed {seed}) moved {d} bits");
            }
            // Re-rendered at 48×48 (nearest neighbour) and box-resized back: still close.
            let mut big = vec![0u8; 48 * 48];
            for y in 0..48 {
                for x in 0..48 {
                    big[y * 48 + x] = g[(y * 32 / 48) * 32 + x * 32 / 48];
                }
            }
            let back = gray32_from_luma(&big, 48, 48).unwrap_or([0; 1024]);
            let d = hamming(h, phash_32x32(&back));
            assert!(d <= 4, "{name}: 48×48 round trip moved {d} bits");
        }
    }

    #[test]
    fn different_images_give_large_distances() {
        for (i, a) in STRUCTURED.iter().enumerate() {
            for b in &STRUCTURED[i + 1..] {
                let d = hamming(phash_32x32(&fixture(a)), phash_32x32(&fixture(b)));
                assert!(d > 20, "{a} vs {b}: only {d} bits apart");
            }
        }
        let d = hamming(phash_32x32(&fixture("random")), phash_32x32(&fixture("letter_f")));
        assert!(d > 20, "random vs letter_f: only {d} bits apart");
    }

    #[test]
    fn known_values_for_gradients() {
        // Brightness rising to the right: only the horizontal frequencies of row 0 are non-zero,
        // and the odd ones are negative (the ramp correlates negatively with cos), so the median
        // of the AC terms is 0 and only the DC bit (bit 0) is set.
        assert_eq!(to_hex(phash_32x32(&fixture("horizontal_gradient"))), "0000000000000001");
        // Brightness falling downwards: the odd vertical frequencies of column 0 (coefficients 8,
        // 24, 40 and 56) are positive and the rest of AC is 0: those bits plus DC.
        assert_eq!(phash_32x32(&fixture("vertical_gradient")), 1 | 1 << 8 | 1 << 24 | 1 << 40 | 1 << 56);
        // A 2-D image pins the whole pipeline (value from this implementation; the committed
        // vectors, and so the JavaScript port, hold the same).
        assert_eq!(to_hex(phash_32x32(&fixture("letter_f"))), KNOWN_LETTER_F);
    }
    const KNOWN_LETTER_F: &str = "391939c339c3c63d";

    #[test]
    fn hex_round_trip_and_rejects() {
        for h in [0, 1, u64::MAX, 0x0123_4567_89ab_cdef] {
            assert_eq!(parse_hex(&to_hex(h)), Some(h));
        }
        assert_eq!(to_hex(0xab), "00000000000000ab");
        assert_eq!(parse_hex(" 0123456789ABCDEF\n"), Some(0x0123_4567_89ab_cdef));
        for bad in ["", "123", "+123456789abcdef", "0123456789abcdeg", "0123456789abcdef0"] {
            assert_eq!(parse_hex(bad), None, "{bad:?}");
        }
        assert_eq!(hamming(0, u64::MAX), 64);
        assert_eq!(hamming(0b1010, 0b0110), 2);
    }

    #[test]
    fn resize_identity_and_averages() {
        let g = image(letter_f);
        assert_eq!(gray32_from_luma(&g, 32, 32), Some(g));
        // 64×64 made of 2×2 blocks of one value → that value.
        let mut big = vec![0u8; 64 * 64];
        for y in 0..64 {
            for x in 0..64 {
                big[y * 64 + x] = g[(y / 2) * 32 + x / 2];
            }
        }
        assert_eq!(gray32_from_luma(&big, 64, 64), Some(g));
        // 1×1 → flat; 2×1 black|white → left half 0, right half 255.
        assert_eq!(gray32_from_luma(&[77], 1, 1), Some([77; 1024]));
        let two = gray32_from_luma(&[0, 255], 2, 1).unwrap_or([1; 1024]);
        assert!(two.chunks(32).all(|r| r[..16] == [0; 16] && r[16..] == [255; 16]));
        // 3 columns onto 32: cell 10 covers [30, 33) ⇒ 2/3 of pixel 0 and 1/3 of pixel 1.
        let three = gray32_from_luma(&[0, 90, 0], 3, 1).unwrap_or([1; 1024]);
        assert_eq!(three[10], 30);
        assert_eq!(three[0], 0);
        assert_eq!(three[16], 90);
    }

    #[test]
    fn resize_rejects_bad_shapes() {
        assert_eq!(gray32_from_luma(&[], 0, 0), None);
        assert_eq!(gray32_from_luma(&[1, 2, 3], 2, 2), None);
        assert_eq!(gray32_from_rgba(&[1, 2, 3, 4], 1, 2), None);
        assert_eq!(gray32_from_rgba(&[], 1 << 14, 1 << 14), None);
    }

    #[test]
    fn luma_composites_over_white() {
        assert_eq!(luma_over_white(0, 0, 0, 0), 255);
        assert_eq!(luma_over_white(0, 0, 0, 255), 0);
        assert_eq!(luma_over_white(255, 255, 255, 255), 255);
        assert_eq!(luma_over_white(255, 0, 0, 255), 76);
        assert_eq!(luma_over_white(0, 0, 0, 128), 127);
    }

    // ---- vectors shared with extension/content/phash.js ----

    fn rgba_fixtures() -> Vec<(&'static str, u32, u32, Vec<u8>)> {
        let mut lcg = Lcg(7);
        let mut make = |w: u32, h: u32| -> Vec<u8> {
            let mut v = Vec::new();
            for y in 0..h {
                for x in 0..w {
                    let a = if (x + y) % 5 == 0 { lcg.next_byte() } else { 255 };
                    v.extend_from_slice(&[(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, lcg.next_byte(), a]);
                }
            }
            v
        };
        vec![
            ("rgba_1x1", 1, 1, make(1, 1)),
            ("rgba_7x5", 7, 5, make(7, 5)),
            ("rgba_33x40", 33, 40, make(33, 40)),
            ("rgba_64x64", 64, 64, make(64, 64)),
            ("rgba_100x3", 100, 3, make(100, 3)),
        ]
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn vectors_json() -> serde_json::Value {
        let gray: Vec<serde_json::Value> = gray_fixtures()
            .iter()
            .map(|(name, g)| {
                serde_json::json!({
                    "name": name,
                    "gray_hex": hex(g),
                    "phash": to_hex(phash_32x32(g)),
                })
            })
            .collect();
        let rgba: Vec<serde_json::Value> = rgba_fixtures()
            .iter()
            .map(|(name, w, h, px)| {
                let g = gray32_from_rgba(px, *w, *h).unwrap_or([0; 1024]);
                serde_json::json!({
                    "name": name,
                    "width": w,
                    "height": h,
                    "rgba_hex": hex(px),
                    "gray_hex": hex(&g),
                    "phash": to_hex(phash_32x32(&g)),
                })
            })
            .collect();
        serde_json::json!({
            "about": "pHash vectors shared by core/src/phash.rs and extension/content/phash.js. Regenerate with FW_WRITE_VECTORS=1 cargo test -p ferretwatch-core phash.",
            "gray": gray,
            "rgba": rgba,
        })
    }

    fn vectors_path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/node/fixtures/phash_vectors.json")
    }

    /// The committed vectors still match this implementation (the JS side checks the same file).
    /// With `FW_WRITE_VECTORS=1` the file is (re)written first.
    #[test]
    fn committed_vectors_match() {
        if std::env::var("FW_WRITE_VECTORS").as_deref() == Ok("1") {
            let path = vectors_path();
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).expect("create fixtures dir");
            }
            let text = serde_json::to_string_pretty(&vectors_json()).expect("serialize") + "\n";
            std::fs::write(&path, text).expect("write vectors");
        }
        let text = std::fs::read_to_string(vectors_path()).expect(
            "tests/node/fixtures/phash_vectors.json is missing: run FW_WRITE_VECTORS=1 cargo test -p ferretwatch-core phash",
        );
        let committed: serde_json::Value = serde_json::from_str(&text).expect("vectors JSON");
        assert!(
            committed == vectors_json(),
            "tests/node/fixtures/phash_vectors.json differs from the vectors this code makes: \
             regenerate with FW_WRITE_VECTORS=1 and review the diff"
        );
        // And re-hash from the committed bytes, not only from the in-memory fixtures.
        let unhex = |s: &str| -> Vec<u8> {
            (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or(0)).collect()
        };
        for v in committed["gray"].as_array().into_iter().flatten() {
            let g: [u8; 1024] = unhex(v["gray_hex"].as_str().unwrap_or("")).try_into().expect("1024 bytes");
            assert_eq!(Some(to_hex(phash_32x32(&g)).as_str()), v["phash"].as_str());
        }
        for v in committed["rgba"].as_array().into_iter().flatten() {
            let px = unhex(v["rgba_hex"].as_str().unwrap_or(""));
            let w = v["width"].as_u64().unwrap_or(0) as u32;
            let h = v["height"].as_u64().unwrap_or(0) as u32;
            let g = gray32_from_rgba(&px, w, h).expect("valid rgba vector");
            assert_eq!(Some(hex(&g).as_str()), v["gray_hex"].as_str());
            assert_eq!(Some(to_hex(phash_32x32(&g)).as_str()), v["phash"].as_str());
        }
    }
}
