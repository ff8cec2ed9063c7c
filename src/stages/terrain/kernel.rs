//! The slope kernel: one output row from three input rows.
//!
//! It reproduces `gdaldem slope -compute_edges` cell for cell on projected DEMs:
//! - sums are taken in f32 in gdaldem's order, then widened to f64;
//! - a missing row above/below the raster is extrapolated as `2a − b` with columns
//!   clamped; a missing column on an interior row is extrapolated the same way;
//! - an extrapolation from a nodata cell is nodata;
//! - a nodata centre gives nodata; any other nodata neighbour takes the centre value.
//!
//! NaN elevations always count as nodata (gdaldem only does so when nodata is NaN).

use crate::settings::SlopeAlgorithm;

/// Output value for cells without slope.
pub const SLOPE_NODATA: f32 = -9999.0;

/// What the kernel needs to know about the grid, per row.
#[derive(Debug, Clone, Copy)]
pub struct KernelParams {
    pub algorithm: SlopeAlgorithm,
    /// Ground spacing of the row's cells in metres (east-west, north-south).
    pub ew: f64,
    pub ns: f64,
    pub z_factor: f64,
    pub nodata: Option<f32>,
}

#[inline]
fn is_nodata(v: f32, nodata: Option<f32>) -> bool {
    v.is_nan() || nodata.is_some_and(|nd| v == nd)
}

/// gdaldem's INTERPOL: linear extrapolation one cell beyond `a` away from `b`.
#[inline]
fn extrapolate(a: f32, b: f32, nodata: Option<f32>) -> f32 {
    if is_nodata(a, nodata) || is_nodata(b, nodata) {
        return nodata.unwrap_or(f32::NAN);
    }
    2.0 * a - b
}

#[inline]
fn slope_of_window(w: &mut [f32; 9], p: &KernelParams) -> f32 {
    if is_nodata(w[4], p.nodata) {
        return SLOPE_NODATA;
    }
    for k in 0..9 {
        if is_nodata(w[k], p.nodata) {
            w[k] = w[4];
        }
    }
    let (dx, dy, divisor) = match p.algorithm {
        SlopeAlgorithm::Horn => {
            let a: f32 = w[0] + w[3] + w[3] + w[6];
            let b: f32 = w[2] + w[5] + w[5] + w[8];
            let c: f32 = w[6] + w[7] + w[7] + w[8];
            let d: f32 = w[0] + w[1] + w[1] + w[2];
            ((a - b) as f64 / p.ew, (c - d) as f64 / p.ns, 8.0)
        }
        SlopeAlgorithm::ZevenbergenThorne => (
            (w[3] - w[5]) as f64 / p.ew,
            (w[7] - w[1]) as f64 / p.ns,
            2.0,
        ),
    };
    let key = dx * dx + dy * dy;
    (atan(key.sqrt() / (divisor / p.z_factor)) * (180.0 / std::f64::consts::PI)) as f32
}

/// Arctangent (Cephes' rational approximation, relative error about 1e-16): a plain
/// function the compiler can inline, unlike the libm call.
#[inline]
#[allow(clippy::excessive_precision)] // Cephes' constants, as published
pub fn atan(x: f64) -> f64 {
    const P: [f64; 5] = [
        -8.750608600031904122785e-1,
        -1.615753718733365076637e1,
        -7.500855792314704667340e1,
        -1.228866684490136173410e2,
        -6.485021904942025371773e1,
    ];
    const Q: [f64; 5] = [
        2.485846490142306297962e1,
        1.650270098316988542046e2,
        4.328810604912902668951e2,
        4.853903996359136964868e2,
        1.945506571482613964425e2,
    ];
    const MOREBITS: f64 = 6.123233995736765886130e-17;
    const T3P8: f64 = 2.414_213_562_373_095;
    let (sign, x) = if x < 0.0 { (-1.0, -x) } else { (1.0, x) };
    let (y0, x, more) = if x > T3P8 {
        (std::f64::consts::FRAC_PI_2, -1.0 / x, MOREBITS)
    } else if x <= 0.66 {
        (0.0, x, 0.0)
    } else {
        (
            std::f64::consts::FRAC_PI_4,
            (x - 1.0) / (x + 1.0),
            0.5 * MOREBITS,
        )
    };
    let z = x * x;
    let num = (((P[0] * z + P[1]) * z + P[2]) * z + P[3]) * z + P[4];
    let den = ((((z + Q[0]) * z + Q[1]) * z + Q[2]) * z + Q[3]) * z + Q[4];
    sign * (y0 + (x * z * num / den + x + more))
}

/// Horn slope of an interior cell whose nine neighbours all have data: the fast path,
/// with no nodata checks and no window copy (same arithmetic as `slope_of_window`).
#[inline]
fn horn_interior(up: &[f32], row: &[f32], down: &[f32], j: usize, p: &KernelParams) -> f32 {
    let (w0, w1, w2) = (up[j - 1], up[j], up[j + 1]);
    let (w3, w5) = (row[j - 1], row[j + 1]);
    let (w6, w7, w8) = (down[j - 1], down[j], down[j + 1]);
    let a: f32 = w0 + w3 + w3 + w6;
    let b: f32 = w2 + w5 + w5 + w8;
    let c: f32 = w6 + w7 + w7 + w8;
    let d: f32 = w0 + w1 + w1 + w2;
    let dx = (a - b) as f64 / p.ew;
    let dy = (c - d) as f64 / p.ns;
    let key = dx * dx + dy * dy;
    (atan(key.sqrt() / (8.0 / p.z_factor)) * (180.0 / std::f64::consts::PI)) as f32
}

/// A Horn row with rows above and below: the fast path for every cell whose nine
/// neighbours all have data, gdaldem's rules (`slope_row_cell`) for the edges and the
/// cells next to a void. (A county's DEM has voids in many rows, a few cells each.)
#[allow(clippy::needless_range_loop)] // cell j reads columns j-1..=j+1 of three rows
fn horn_row(up: &[f32], row: &[f32], down: &[f32], p: &KernelParams, out: &mut [f32]) {
    let n = row.len();
    let void = |j: usize| is_nodata(up[j], p.nodata) || is_nodata(row[j], p.nodata) || is_nodata(down[j], p.nodata);
    // Whether the columns left of, at and right of cell j hold a void.
    let (mut left, mut here) = (void(0), void(1));
    for j in 1..n - 1 {
        let right = void(j + 1);
        out[j] = match left || here || right {
            false => horn_interior(up, row, down, j, p),
            true => slope_row_cell(up, row, down, j, p),
        };
        (left, here) = (here, right);
    }
    out[0] = slope_row_cell(up, row, down, 0, p);
    out[n - 1] = slope_row_cell(up, row, down, n - 1, p);
}

/// One cell of a row that has rows above and below, by gdaldem's rules.
fn slope_row_cell(up: &[f32], row: &[f32], down: &[f32], j: usize, p: &KernelParams) -> f32 {
    let n = row.len();
    let nd = p.nodata;
    #[rustfmt::skip]
    let mut w = if j == 0 {
        [
            extrapolate(up[0], up[1], nd), up[0], up[1],
            extrapolate(row[0], row[1], nd), row[0], row[1],
            extrapolate(down[0], down[1], nd), down[0], down[1],
        ]
    } else if j == n - 1 {
        [
            up[j - 1], up[j], extrapolate(up[j], up[j - 1], nd),
            row[j - 1], row[j], extrapolate(row[j], row[j - 1], nd),
            down[j - 1], down[j], extrapolate(down[j], down[j - 1], nd),
        ]
    } else {
        [up[j - 1], up[j], up[j + 1], row[j - 1], row[j], row[j + 1], down[j - 1], down[j], down[j + 1]]
    };
    slope_of_window(&mut w, p)
}

// Index loops: each output cell reads the same column of three rows, as gdaldem does.
#[allow(clippy::needless_range_loop)]
/// Computes one output row. `above`/`below` are `None` on the first/last raster row.
/// A raster with fewer than two rows or columns has no defined slope: all nodata.
pub fn slope_row(
    above: Option<&[f32]>,
    row: &[f32],
    below: Option<&[f32]>,
    p: &KernelParams,
    out: &mut [f32],
) {
    let n = row.len();
    if n < 2 || (above.is_none() && below.is_none()) {
        out.fill(SLOPE_NODATA);
        return;
    }
    let nd = p.nodata;
    match (above, below) {
        (Some(up), Some(down)) => {
            if p.algorithm == SlopeAlgorithm::Horn {
                horn_row(up, row, down, p, out);
            } else {
                for j in 0..n {
                    out[j] = slope_row_cell(up, row, down, j, p);
                }
            }
        }
        (None, Some(down)) => {
            for j in 0..n {
                let (l, r) = (j.saturating_sub(1), (j + 1).min(n - 1));
                #[rustfmt::skip]
                let mut w = [
                    extrapolate(row[l], down[l], nd), extrapolate(row[j], down[j], nd), extrapolate(row[r], down[r], nd),
                    row[l], row[j], row[r],
                    down[l], down[j], down[r],
                ];
                out[j] = slope_of_window(&mut w, p);
            }
        }
        (Some(up), None) => {
            for j in 0..n {
                let (l, r) = (j.saturating_sub(1), (j + 1).min(n - 1));
                #[rustfmt::skip]
                let mut w = [
                    up[l], up[j], up[r],
                    row[l], row[j], row[r],
                    extrapolate(row[l], up[l], nd), extrapolate(row[j], up[j], nd), extrapolate(row[r], up[r], nd),
                ];
                out[j] = slope_of_window(&mut w, p);
            }
        }
        (None, None) => unreachable!("handled above"),
    }
}

/// Slope grade codes 1..=5 from the four upper limits (each grade includes its upper
/// limit, as in the national standard); 0 for nodata.
#[inline]
pub fn grade_of(slope: f32, breaks: &[f64; 4]) -> u8 {
    if slope == SLOPE_NODATA || slope.is_nan() {
        return 0;
    }
    let s = slope as f64;
    match breaks.iter().position(|b| s <= *b) {
        Some(i) => i as u8 + 1,
        None => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(alg: SlopeAlgorithm) -> KernelParams {
        KernelParams {
            algorithm: alg,
            ew: 10.0,
            ns: -10.0,
            z_factor: 1.0,
            nodata: Some(-1.0),
        }
    }

    /// A plane z = gx·x + gy·y has the same slope everywhere, edges included
    /// (gdaldem's edge extrapolation is exact on planes).
    #[test]
    fn plane_has_constant_slope_including_edges() {
        for alg in [SlopeAlgorithm::Horn, SlopeAlgorithm::ZevenbergenThorne] {
            let (gx, gy) = (0.3f32, -0.4f32); // |grad| = 0.5 → atan(0.5)
            let rows: Vec<Vec<f32>> = (0..4)
                .map(|r| {
                    (0..5)
                        .map(|c| 100.0 + gx * 10.0 * c as f32 + gy * 10.0 * r as f32)
                        .collect()
                })
                .collect();
            let want = 0.5f64.atan().to_degrees() as f32;
            let mut out = vec![0f32; 5];
            for r in 0..4 {
                let up = if r > 0 {
                    Some(rows[r - 1].as_slice())
                } else {
                    None
                };
                let down = if r < 3 {
                    Some(rows[r + 1].as_slice())
                } else {
                    None
                };
                slope_row(up, &rows[r], down, &params(alg), &mut out);
                for (j, v) in out.iter().enumerate() {
                    // gdaldem clamps columns on the first and last rows, so its corner
                    // cells use one-sided differences: not exact on a plane.
                    if (r == 0 || r == 3) && (j == 0 || j == 4) {
                        continue;
                    }
                    assert!((v - want).abs() < 1e-4, "{alg:?} row {r}: {v} vs {want}");
                }
            }
        }
    }

    #[test]
    fn nodata_centre_is_nodata_and_neighbours_take_the_centre() {
        let up = [1.0f32, 1.0, 1.0];
        let row = [1.0f32, -1.0, 1.0];
        let down = [1.0f32, 1.0, 1.0];
        let mut out = [0f32; 3];
        slope_row(
            Some(&up),
            &row,
            Some(&down),
            &params(SlopeAlgorithm::Horn),
            &mut out,
        );
        assert_eq!(out[1], SLOPE_NODATA);
        // Flat apart from the hole: the hole takes the centre value, so slope is 0.
        assert_eq!(out[0], 0.0);
        assert_eq!(out[2], 0.0);
    }

    #[test]
    fn fast_atan_matches_libm() {
        let mut max = 0f64;
        for i in 0..200_000 {
            let x = (i as f64 * 0.000_37).powf(1.7) - 3.0;
            let rel = ((atan(x) - x.atan()) / x.atan().abs().max(1e-300)).abs();
            max = max.max(rel);
        }
        assert!(max < 1e-15, "relative error {max}");
        assert_eq!(atan(0.0), 0.0);
        assert!((atan(1e300) - std::f64::consts::FRAC_PI_2).abs() < 1e-15);
    }

    #[test]
    fn fast_interior_path_equals_the_general_path() {
        let rows: Vec<Vec<f32>> = (0..3)
            .map(|r| {
                (0..50)
                    .map(|c| ((c * 37 + r * 11) % 17) as f32 * 1.7 + c as f32)
                    .collect()
            })
            .collect();
        let p = params(SlopeAlgorithm::Horn);
        let mut fast = vec![0f32; 50];
        slope_row(Some(&rows[0]), &rows[1], Some(&rows[2]), &p, &mut fast);
        for (j, f) in fast.iter().enumerate() {
            assert_eq!(
                *f,
                slope_row_cell(&rows[0], &rows[1], &rows[2], j, &p),
                "column {j}"
            );
        }
    }

    #[test]
    fn grades_include_their_upper_limit() {
        let b = [2.0, 6.0, 15.0, 25.0];
        assert_eq!(grade_of(0.0, &b), 1);
        assert_eq!(grade_of(2.0, &b), 1);
        assert_eq!(grade_of(2.0001, &b), 2);
        assert_eq!(grade_of(6.0, &b), 2);
        assert_eq!(grade_of(15.0, &b), 3);
        assert_eq!(grade_of(25.0, &b), 4);
        assert_eq!(grade_of(25.01, &b), 5);
        assert_eq!(grade_of(SLOPE_NODATA, &b), 0);
    }
}
