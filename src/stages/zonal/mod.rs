//! Zonal stage: exact area-weighted slope statistics and the 三调 slope grade of
//! every parcel (the grade covering the largest share of its area).

pub mod cache;
pub mod coverage;

use std::path::Path;

use gdal::Dataset;
use geo::{Area, BoundingRect, GeodesicArea};
use rayon::prelude::*;

use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::parcels::Parcels;
use crate::progress::Progress;
use crate::raster::{self, Grid};
use crate::stages::terrain::{grade_of, SLOPE_NODATA};
pub use coverage::{coverage, Coverage, GridFrame};

/// Smallest coverage fraction that counts (about 1 cm² of a 10 m cell).
pub const COVERAGE_EPSILON: f64 = 1e-9;

/// Slope figures of one parcel.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct ParcelSlope {
    /// Planar area in the DEM's CRS (geodesic on geographic CRSs), m².
    pub area_m2: f64,
    /// Area-weighted mean slope over the part with data, degrees (NaN when none).
    pub slope_mean: f64,
    pub slope_min: f64,
    pub slope_max: f64,
    /// Share of the part with data in grades 1..=5.
    pub share: [f64; 5],
    /// Dominant grade by area, 1..=5; 0 when the parcel has no data under it.
    pub grade: u8,
    /// Share of the parcel's area without slope data (nodata or outside the DEM).
    pub nodata_share: f64,
}

impl ParcelSlope {
    /// Share of the part with data that is steeper than the last break.
    pub fn steep_share(&self) -> f64 {
        self.share[4]
    }
}

/// Accumulates coverage-weighted values of one parcel.
#[derive(Default)]
struct Accumulator {
    weight_all: f64,
    weight_data: f64,
    weighted_sum: f64,
    min: f64,
    max: f64,
    per_grade: [f64; 5],
}

impl Accumulator {
    fn new() -> Self {
        Accumulator {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            ..Default::default()
        }
    }

    fn finish(self, area_m2: f64) -> ParcelSlope {
        let mut out = ParcelSlope {
            area_m2,
            slope_mean: f64::NAN,
            slope_min: f64::NAN,
            slope_max: f64::NAN,
            ..Default::default()
        };
        out.nodata_share = if self.weight_all > 0.0 {
            1.0 - self.weight_data / self.weight_all
        } else {
            1.0
        };
        if self.weight_data > 0.0 {
            out.slope_mean = self.weighted_sum / self.weight_data;
            out.slope_min = self.min;
            out.slope_max = self.max;
            for g in 0..5 {
                out.share[g] = self.per_grade[g] / self.weight_data;
            }
            out.grade = dominant_grade(&self.per_grade);
        }
        out.nodata_share = out.nodata_share.clamp(0.0, 1.0);
        out
    }
}

/// The grade (1..=5) with the largest area; ties (equal areas) go to the flatter grade.
pub fn dominant_grade(area_per_grade: &[f64; 5]) -> u8 {
    let mut best = 0;
    for g in 1..5 {
        if area_per_grade[g] > area_per_grade[best] {
            best = g;
        }
    }
    best as u8 + 1
}

/// A window far larger than the DEM means coordinates that went wrong (a stray vertex at
/// 1e12, a wrong CRS): such a parcel is refused by id instead of allocating its window.
/// Returns why, or None when the window is reasonable.
pub fn window_too_large(geometry: &geo::MultiPolygon<f64>, grid: &Grid) -> Option<String> {
    use geo::CoordsIter;
    if geometry
        .coords_iter()
        .any(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        return Some("it has a coordinate that is not a finite number (NaN or infinite)".into());
    }
    let r = geometry.bounding_rect()?;
    let (dx, dy) = (grid.transform[1], grid.transform[5]);
    let cells = ((r.width() / dx).abs() + 2.0) * ((r.height() / dy).abs() + 2.0);
    let limit = (4.0 * grid.cols as f64 * grid.rows as f64).max(4e6);
    if cells.is_finite() && cells <= limit {
        return None;
    }
    Some(format!(
        "its extent ({:.1}, {:.1}) – ({:.1}, {:.1}) spans {cells:.3e} DEM cells, far more than the DEM has; check its coordinates",
        r.min().x, r.min().y, r.max().x, r.max().y
    ))
}

/// Statistics of one parcel (`id` names it in errors) from a slope window that covers
/// its coverage window.
pub fn parcel_slope(
    id: &str,
    geometry: &geo::MultiPolygon<f64>,
    grid: &Grid,
    breaks: &[f64; 4],
    read: &mut dyn FnMut(&Coverage, &mut Vec<f32>) -> Result<()>,
) -> Result<ParcelSlope> {
    let area_m2 = if grid.geographic {
        geometry.geodesic_area_unsigned()
    } else {
        geometry.unsigned_area()
    };
    if let Some(message) = window_too_large(geometry, grid) {
        return Err(Error::feature("", "", id, message));
    }
    let Some(cov) = coverage(geometry, &GridFrame::of(grid)) else {
        return Ok(Accumulator::new().finish(area_m2));
    };
    let mut values = Vec::new();
    read(&cov, &mut values)?;
    Ok(accumulate(&cov, &values, grid, breaks).finish(area_m2))
}

/// Coverage-weighted sums over a parcel's window of slope values.
fn accumulate(cov: &Coverage, values: &[f32], grid: &Grid, breaks: &[f64; 4]) -> Accumulator {
    let mut acc = Accumulator::new();
    for r in 0..cov.rows {
        let grid_row = cov.row0 + r as i64;
        // Geographic cells shrink towards the poles: weight by the row's cell area.
        let cell_weight = if grid.geographic && grid_row >= 0 {
            grid.cell_area(grid_row as usize)
        } else {
            1.0
        };
        for c in 0..cov.cols {
            let f = cov.fraction[r * cov.cols + c];
            // Coverage below this is rounding noise of an edge lying on a cell border,
            // not area: such a cell must not set the min or max.
            if f <= COVERAGE_EPSILON {
                continue;
            }
            let w = f * cell_weight;
            acc.weight_all += w;
            let v = values[r * cov.cols + c];
            if v == SLOPE_NODATA || v.is_nan() {
                continue;
            }
            let s = v as f64;
            acc.weight_data += w;
            acc.weighted_sum += w * s;
            acc.min = acc.min.min(s);
            acc.max = acc.max.max(s);
            let g = grade_of(v, breaks);
            acc.per_grade[g as usize - 1] += w;
        }
    }
    acc
}

/// Slope statistics of all parcels, read from `slope_path` (on `grid`), in parallel.
/// Results are in parcel order whatever the thread count.
pub fn zonal_slope(
    parcels: &Parcels,
    slope_path: &Path,
    grid: &Grid,
    breaks: &[f64; 4],
    progress: &Progress,
    cancel: &CancelToken,
) -> Result<Vec<ParcelSlope>> {
    let known = vec![None; parcels.len()];
    zonal_slope_reusing(parcels, known, slope_path, grid, breaks, progress, cancel)
}

/// Parcels to compute, in spatial order (by row band, then x) so consecutive windows
/// hit the same compressed tiles in GDAL's block cache.
fn visiting_order(parcels: &Parcels, known: &[Option<ParcelSlope>], grid: &Grid) -> Vec<usize> {
    let band_height = grid.transform[5].abs() * 256.0;
    let key = |i: usize| {
        parcels
            .bounding_rect(i)
            .map(|r| {
                (
                    ((grid.transform[3] - r.max().y) / band_height).floor() as i64,
                    r.min().x,
                )
            })
            .unwrap_or((i64::MAX, 0.0))
    };
    let mut order: Vec<usize> = (0..parcels.len()).filter(|&i| known[i].is_none()).collect();
    let keys: Vec<(i64, f64)> = (0..parcels.len()).map(key).collect();
    order.sort_by(|a, b| keys[*a].0.cmp(&keys[*b].0).then(keys[*a].1.total_cmp(&keys[*b].1)));
    order
}

/// As [`zonal_slope`], computing only the parcels whose statistics are not `known`
/// (from the previous run's cache).
pub fn zonal_slope_reusing(
    parcels: &Parcels,
    known: Vec<Option<ParcelSlope>>,
    slope_path: &Path,
    grid: &Grid,
    breaks: &[f64; 4],
    progress: &Progress,
    cancel: &CancelToken,
) -> Result<Vec<ParcelSlope>> {
    let order = visiting_order(parcels, &known, grid);
    let reused = parcels.len() - order.len();
    progress.set_length(order.len() as u64);

    let chunk = 256;
    let results: Vec<Result<Vec<(usize, ParcelSlope)>>> = order
        .par_chunks(chunk)
        .map_init(
            || Dataset::open(slope_path),
            |ds, ids| {
                cancel.check()?;
                let ds = ds
                    .as_ref()
                    .map_err(|e| Error::input(slope_path, e.to_string()))?;
                let mut read = |cov: &Coverage, out: &mut Vec<f32>| {
                    let window = raster::Window { col0: cov.col0, row0: cov.row0, cols: cov.cols, rows: cov.rows };
                    raster::read_window_f32(ds, grid, window, SLOPE_NODATA, out)
                        .map_err(|e| Error::input_from(slope_path, "cannot read the slope raster", e))
                };
                let mut out = Vec::with_capacity(ids.len());
                for &i in ids {
                    let geometry = parcels.geometry(i);
                    out.push((i, parcel_slope(parcels.id(i), &geometry, grid, breaks, &mut read)?));
                }
                progress.inc(ids.len() as u64);
                Ok(out)
            },
        )
        .collect();
    let mut stats: Vec<ParcelSlope> = known.into_iter().map(Option::unwrap_or_default).collect();
    for part in results {
        for (i, s) in part? {
            stats[i] = s;
        }
    }
    tracing::info!(
        computed = parcels.len() - reused,
        reused,
        "zonal statistics"
    );
    Ok(stats)
}
