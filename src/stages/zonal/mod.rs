//! Zonal stage: exact area-weighted slope statistics and the 三调 slope grade of
//! every parcel (the grade covering the largest share of its area).

pub mod cache;
pub mod coverage;

use std::path::Path;

use std::borrow::Cow;

use gdal::spatial_ref::CoordTransform;
use gdal::Dataset;
use geo::{Area, BoundingRect, MultiPolygon};
use rayon::prelude::*;

use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::parcels::Parcels;
use crate::progress::Progress;
use crate::raster::{self, Grid};
use crate::stages::terrain::{grade_of, SLOPE_NODATA};
use crate::vector::crs;
pub use coverage::{coverage, coverage_into, Coverage, GridFrame};

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

/// Statistics of one parcel of area `area_m2` (measured in the parcels' metric CRS) whose
/// geometry in the grid's CRS is `geometry`, from a slope window that covers its
/// coverage window.
pub fn parcel_slope(
    area_m2: f64,
    geometry: &MultiPolygon<f64>,
    grid: &Grid,
    breaks: &[f64; 4],
    scratch: &mut Scratch,
    read: &mut dyn FnMut(&Coverage, &mut Vec<f32>) -> Result<()>,
) -> Result<ParcelSlope> {
    let Scratch { coverage, cells, values } = scratch;
    if !coverage_into(geometry, &GridFrame::of(grid), cells, coverage) {
        return Ok(Accumulator::new().finish(area_m2));
    }
    read(coverage, values)?;
    Ok(accumulate(coverage, values, grid, breaks).finish(area_m2))
}

/// What [`parcel_slope`] reuses from parcel to parcel: the coverage window, its
/// working buffers and the slope values under it.
#[derive(Default)]
pub struct Scratch {
    coverage: Coverage,
    cells: coverage::Scratch,
    values: Vec<f32>,
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

/// The slope raster the parcels are measured against.
pub struct SlopeRaster<'a> {
    pub path: &'a Path,
    pub grid: &'a Grid,
    pub breaks: [f64; 4],
    /// The raster's cells, when the run still holds them (row major): read from
    /// memory instead of decoding the file's tiles again.
    pub cells: Option<&'a [f32]>,
}

/// Slope statistics of all parcels (held in their metric working CRS, mapped into the
/// raster's CRS for the coverage fractions), in parallel. Results are in parcel order
/// whatever the thread count.
pub fn zonal_slope(parcels: &Parcels, raster: &SlopeRaster, progress: &Progress, cancel: &CancelToken) -> Result<Vec<ParcelSlope>> {
    zonal_slope_reusing(parcels, vec![None; parcels.len()], raster, progress, cancel)
}

/// Parcels to compute, in spatial order (by row band, then x) so consecutive windows
/// hit the same compressed tiles in GDAL's block cache.
fn visiting_order(parcels: &Parcels, known: &[Option<ParcelSlope>], grid: &Grid, same_crs: bool) -> Vec<usize> {
    let band_height = (grid.row_spacing(grid.rows / 2).1 * 256.0).abs();
    let top = match same_crs {
        true => grid.transform[3],
        false => parcels.extent().map(|e| e[3]).unwrap_or(0.0),
    };
    let key = |i: usize| {
        parcels
            .bounding_rect(i)
            .map(|r| (((top - r.max().y) / band_height).floor() as i64, r.min().x))
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
    raster: &SlopeRaster,
    progress: &Progress,
    cancel: &CancelToken,
) -> Result<Vec<ParcelSlope>> {
    let to_grid = |e: String| Error::input(&parcels.source.path, format!("layer {}: {e}", parcels.source.layer_name));
    let same_crs = crs::transform_between(&parcels.source.work_crs.wkt, &raster.grid.crs_wkt).map_err(to_grid)?.is_none();
    let order = visiting_order(parcels, &known, raster.grid, same_crs);
    let reused = parcels.len() - order.len();
    progress.set_length(order.len() as u64);
    let results: Vec<Result<Vec<(usize, ParcelSlope)>>> = order
        .par_chunks(256)
        .map_init(
            || Measurer::open(parcels, raster),
            |measurer, ids| {
                cancel.check()?;
                let measurer = measurer.as_mut().map_err(|e| Error::input(raster.path, e.clone()))?;
                let out = ids.iter().map(|&i| Ok((i, measurer.measure(i)?))).collect::<Result<Vec<_>>>()?;
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
    tracing::info!(computed = parcels.len() - reused, reused, "zonal statistics");
    Ok(stats)
}

/// Where a worker reads slope windows from.
enum Cells<'a> {
    /// The whole grid, held by the run.
    Memory(&'a [f32]),
    /// The raster file, opened for this worker.
    File(Dataset),
}

/// One worker thread's handles: the slope cells and the transform into their CRS.
struct Measurer<'a> {
    parcels: &'a Parcels,
    raster: &'a SlopeRaster<'a>,
    cells: Cells<'a>,
    to_grid: Option<CoordTransform>,
    scratch: Scratch,
}

impl<'a> Measurer<'a> {
    fn open(parcels: &'a Parcels, raster: &'a SlopeRaster<'a>) -> std::result::Result<Measurer<'a>, String> {
        Ok(Measurer {
            parcels,
            raster,
            cells: match raster.cells {
                Some(cells) => Cells::Memory(cells),
                None => Cells::File(Dataset::open(raster.path).map_err(|e| e.to_string())?),
            },
            to_grid: crs::transform_between(&parcels.source.work_crs.wkt, &raster.grid.crs_wkt)?,
            scratch: Scratch::default(),
        })
    }

    /// The statistics of parcel `i`; a parcel whose coordinates are broken or far off
    /// the grid is an error naming it.
    fn measure(&mut self, i: usize) -> Result<ParcelSlope> {
        let (p, grid) = (self.parcels, self.raster.grid);
        let fail = |message: String| Error::feature(&p.source.path, &p.source.layer_name, p.id(i), message);
        let geometry = p.geometry(i);
        let area_m2 = geometry.unsigned_area();
        let in_grid = match &self.to_grid {
            Some(t) => Cow::Owned(crs::transform_polygons(&geometry, t).map_err(fail)?),
            None => Cow::Borrowed(&geometry),
        };
        if let Some(message) = window_too_large(&in_grid, grid) {
            return Err(fail(message));
        }
        let (cells, path) = (&self.cells, self.raster.path);
        let mut read = |cov: &Coverage, out: &mut Vec<f32>| {
            let window = raster::Window { col0: cov.col0, row0: cov.row0, cols: cov.cols, rows: cov.rows };
            match cells {
                Cells::Memory(cells) => {
                    window.read_from(grid, cells, SLOPE_NODATA, out);
                    Ok(())
                }
                Cells::File(ds) => raster::read_window_f32(ds, grid, window, SLOPE_NODATA, out)
                    .map_err(|e| Error::input_from(path, "cannot read the slope raster", e)),
            }
        };
        parcel_slope(area_m2, &in_grid, grid, &self.raster.breaks, &mut self.scratch, &mut read)
    }
}
