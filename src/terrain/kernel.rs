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

use crate::config::SlopeAlgorithm;

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
    ((key.sqrt() / (divisor / p.z_factor)).atan().to_degrees()) as f32
}

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
            for j in 0..n {
                let mut w = if j == 0 {
                    [
                        extrapolate(up[0], up[1], nd),
                        up[0],
                        up[1],
                        extrapolate(row[0], row[1], nd),
                        row[0],
                        row[1],
                        extrapolate(down[0], down[1], nd),
                        down[0],
                        down[1],
                    ]
                } else if j == n - 1 {
                    [
                        up[j - 1],
                        up[j],
                        extrapolate(up[j], up[j - 1], nd),
                        row[j - 1],
                        row[j],
                        extrapolate(row[j], row[j - 1], nd),
                        down[j - 1],
                        down[j],
                        extrapolate(down[j], down[j - 1], nd),
                    ]
                } else {
                    [
                        up[j - 1],
                        up[j],
                        up[j + 1],
                        row[j - 1],
                        row[j],
                        row[j + 1],
                        down[j - 1],
                        down[j],
                        down[j + 1],
                    ]
                };
                out[j] = slope_of_window(&mut w, p);
            }
        }
        (None, Some(down)) => {
            for j in 0..n {
                let (l, r) = (j.saturating_sub(1), (j + 1).min(n - 1));
                let mut w = [
                    extrapolate(row[l], down[l], nd),
                    extrapolate(row[j], down[j], nd),
                    extrapolate(row[r], down[r], nd),
                    row[l],
                    row[j],
                    row[r],
                    down[l],
                    down[j],
                    down[r],
                ];
                out[j] = slope_of_window(&mut w, p);
            }
        }
        (Some(up), None) => {
            for j in 0..n {
                let (l, r) = (j.saturating_sub(1), (j + 1).min(n - 1));
                let mut w = [
                    up[l],
                    up[j],
                    up[r],
                    row[l],
                    row[j],
                    row[r],
                    extrapolate(row[l], up[l], nd),
                    extrapolate(row[j], up[j], nd),
                    extrapolate(row[r], up[r], nd),
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
