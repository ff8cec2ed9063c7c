//! Terrain stage: slope (Horn or Zevenbergen–Thorne) and the national slope grades,
//! streamed through the DEM in row strips with a one-row halo, rows in parallel.
//!
//! Three steps overlap: a reader thread decodes the next strip while rayon computes
//! this one and a writer thread compresses the previous one. Bounded channels keep at
//! most a few strips in memory.

pub mod grades;
pub mod kernel;
pub mod plateaus;
pub mod voids;
pub mod window;

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender};

use gdal::Dataset;
use rayon::prelude::*;

use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::raster::{self, Dem, Grid};
use crate::settings::{Language, SlopeAlgorithm, TerrainSettings};
pub use grades::{grade_label, grade_labels, grade_ranges, GRADE_COLOURS};
pub use kernel::{grade_of, slope_row, KernelParams, SLOPE_NODATA};

/// Settings of one slope computation, resolved from the pipeline file or the CLI.
#[derive(Debug, Clone)]
pub struct SlopeOptions {
    pub algorithm: SlopeAlgorithm,
    pub z_factor: f64,
    pub breaks: [f64; 4],
    /// Budget for the strips held in memory at once.
    pub memory_limit_bytes: usize,
    /// Extra GeoTIFF creation options for the slope raster (`COMPRESS=NONE`, ...).
    pub creation_options: Vec<String>,
    /// The language of the grade raster's category names.
    pub language: Language,
}

impl SlopeOptions {
    pub fn from_settings(t: &TerrainSettings, memory_limit_bytes: usize) -> SlopeOptions {
        SlopeOptions {
            algorithm: t.algorithm,
            z_factor: t.z_factor,
            breaks: t.grade_breaks,
            memory_limit_bytes,
            creation_options: Vec::new(),
            language: Language::default(),
        }
    }
}

/// What the terrain stage found, for the manifest and the summary.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TerrainSummary {
    pub cols: usize,
    pub rows: usize,
    pub strip_rows: usize,
    pub cells_with_slope: u64,
    /// Cells per grade, index 1..=5 (index 0 = nodata).
    pub cells_per_grade: [u64; 6],
    /// In a DEM without nodata: values that are probably voids (read as heights), less
    /// those of `void_areas`.
    #[serde(default)]
    pub fill_values: Vec<voids::FillValue>,
    /// Areas of one constant value whose rim drops steeply into them: voids filled with
    /// that value (tagged nodata or not).
    #[serde(default)]
    pub void_areas: Vec<plateaus::VoidArea>,
}

/// Rows per strip: whole 256-row tile rows (no partial rewrite of compressed tiles)
/// of about 2 M cells, fewer when the budget is small. About four strips of input,
/// slope and grades (9 bytes a cell) are in flight at once.
pub fn strip_rows(cols: usize, rows: usize, budget_bytes: usize) -> usize {
    let per_row = cols.max(1) * (4 + 4 + 1) * 4;
    let mut n = (budget_bytes / per_row).max(1);
    if n >= 256 {
        let target = ((2usize << 20) / cols.max(1)).max(256);
        n = n.min(target);
        n -= n % 256;
    }
    n.min(rows.max(1))
}

/// Computes rows `[row0, row0 + out_rows)` of slope from `window`, which holds raster
/// rows `[win_row0, win_row0 + window.len()/cols)` (the strip plus its halo rows).
pub fn slope_strip(
    grid: &Grid,
    window: &[f32],
    win_row0: usize,
    row0: usize,
    out: &mut [f32],
    algorithm: SlopeAlgorithm,
    z_factor: f64,
) {
    let cols = grid.cols;
    let win_rows = window.len() / cols;
    let nodata = grid.nodata.map(|v| v as f32);
    out.par_chunks_mut(cols).enumerate().for_each(|(i, dst)| {
        let r = row0 + i;
        let local = r - win_row0;
        let row = &window[local * cols..(local + 1) * cols];
        let above = (r > 0).then(|| &window[(local - 1) * cols..local * cols]);
        let below = (r + 1 < grid.rows && local + 1 < win_rows)
            .then(|| &window[(local + 1) * cols..(local + 2) * cols]);
        let (ew, ns) = grid.row_spacing(r);
        let p = KernelParams { algorithm, ew, ns, z_factor, nodata };
        slope_row(above, row, below, &p, dst);
    });
}

/// A strip read from the DEM: first output row, first window row, the window.
type Strip = (usize, usize, Vec<f32>);
/// A computed strip: first row, slope, grades.
type Computed = (usize, Vec<f32>, Vec<u8>);

/// Streams the DEM into `slope_path` (Float32 degrees) and, if asked, `grade_path`
/// (Byte, 0 = nodata, with colour table and category names).
pub fn write_slope_rasters(
    dem: &Dem,
    opts: &SlopeOptions,
    slope_path: &Path,
    grade_path: Option<&Path>,
    progress: &Progress,
    cancel: &CancelToken,
) -> Result<TerrainSummary> {
    let paths = (slope_path, grade_path);
    write_slope_rasters_keeping(dem, opts, paths, false, progress, cancel).map(|(summary, _)| summary)
}

/// Whether the whole slope grid (Float32) fits in half the memory budget, so a run
/// may keep it for the zonal stage instead of decoding the written raster again. The
/// strips in flight beside it (about four of at most ~2 M cells, 9 bytes a cell) stay
/// within the other half.
pub fn slope_fits_in_memory(grid: &Grid, memory_limit_bytes: usize) -> bool {
    grid.cols.saturating_mul(grid.rows).saturating_mul(4) <= memory_limit_bytes / 2
}

/// As [`write_slope_rasters`]; with `keep`, also returns the whole slope grid (row
/// major, [`SLOPE_NODATA`] where none), the same cells as the written raster.
pub fn write_slope_rasters_keeping(
    dem: &Dem,
    opts: &SlopeOptions,
    (slope_path, grade_path): (&Path, Option<&Path>),
    keep: bool,
    progress: &Progress,
    cancel: &CancelToken,
) -> Result<(TerrainSummary, Option<Vec<f32>>)> {
    let grid = &dem.grid;
    if !grid.is_north_up() {
        return Err(Error::input(
            &dem.files[0],
            "rotated or south-up rasters are not supported; warp the DEM to a north-up grid first",
        ));
    }
    let outputs = Outputs::create(grid, opts, slope_path, grade_path)?;
    let strip = strip_rows(grid.cols, grid.rows, opts.memory_limit_bytes);
    let mut summary = TerrainSummary { cols: grid.cols, rows: grid.rows, strip_rows: strip, ..Default::default() };
    // Voids only hide in a DEM that declares no nodata (and got none from the user).
    let mut scan = grid.nodata.is_none().then(voids::VoidScan::default);
    let mut plateaus = plateaus::PlateauScan::new(grid.nodata);
    progress.set_length(grid.rows as u64);
    let (to_compute, from_reader) = std::sync::mpsc::sync_channel::<Result<Strip>>(1);
    let (to_writer, from_compute) = std::sync::mpsc::sync_channel::<Computed>(1);
    // Strips arrive in row order: appending fills the grid row by row.
    let mut kept = keep.then(|| Vec::with_capacity(grid.cols * grid.rows));
    std::thread::scope(|scope| -> Result<()> {
        scope.spawn(|| read_strips(dem, strip, to_compute));
        let writer = scope.spawn(|| outputs.write_all(from_compute));
        let found = Found { summary: &mut summary, scan: scan.as_mut(), plateaus: &mut plateaus, kept: kept.as_mut() };
        let computed = compute_strips(grid, opts, strip, from_reader, &to_writer, found, progress, cancel);
        drop(to_writer);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(Error::output(slope_path, "writer thread panicked")));
        computed.and(written)
    })?;
    summary.cells_with_slope = summary.cells_per_grade[1..].iter().sum();
    summary.void_areas = plateaus.finish();
    summary.fill_values = scan.map(|s| s.fill_values()).unwrap_or_default();
    // A value that fills void areas is said once, with its areas.
    summary.fill_values.retain(|f| !summary.void_areas.iter().any(|a| a.value == f.value));
    debug_assert!(kept.as_ref().is_none_or(|k| k.len() == grid.cols * grid.rows));
    Ok((summary, kept))
}

/// Reader thread: strips of `strip` rows with one halo row above and below.
fn read_strips(dem: &Dem, strip: usize, to_compute: SyncSender<Result<Strip>>) {
    let (cols, rows) = (dem.grid.cols, dem.grid.rows);
    let ds = match raster::open_raster_for_reading(&dem.open_path) {
        Ok(ds) => ds,
        Err(e) => {
            let _ = to_compute.send(Err(Error::input_from(&dem.files[0], "cannot open as a raster", e)));
            return;
        }
    };
    let mut row0 = 0;
    while row0 < rows {
        let n = strip.min(rows - row0);
        let (win0, win1) = (row0.saturating_sub(1), (row0 + n + 1).min(rows));
        let mut window = Vec::new();
        let item = raster::read_rows(&ds, cols, win0, win1 - win0, &mut window)
            .map(|_| (row0, win0, window))
            .map_err(|e| raster::read_error(&dem.files, win0, win1, e));
        let failed = item.is_err();
        if to_compute.send(item).is_err() || failed {
            return;
        }
        row0 += n;
    }
}

/// What the strips add up to besides the rasters.
struct Found<'f> {
    summary: &'f mut TerrainSummary,
    scan: Option<&'f mut voids::VoidScan>,
    plateaus: &'f mut plateaus::PlateauScan,
    kept: Option<&'f mut Vec<f32>>,
}

#[allow(clippy::too_many_arguments)]
fn compute_strips(
    grid: &Grid,
    opts: &SlopeOptions,
    strip: usize,
    from_reader: Receiver<Result<Strip>>,
    to_writer: &SyncSender<Computed>,
    found: Found,
    progress: &Progress,
    cancel: &CancelToken,
) -> Result<()> {
    let Found { summary, mut scan, plateaus, mut kept } = found;
    for item in from_reader {
        cancel.check()?;
        let (row0, win0, window) = item?;
        let n = (window.len() / grid.cols).min(strip).min(grid.rows - row0);
        if let Some(scan) = scan.as_deref_mut() {
            let own = (row0 - win0) * grid.cols;
            scan.add(&window[own..own + n * grid.cols]);
        }
        let mut slope = vec![0f32; grid.cols * n];
        // The void-area scan walks the strip's rows on one core while the others
        // compute its slope.
        rayon::join(
            || slope_strip(grid, &window, win0, row0, &mut slope, opts.algorithm, opts.z_factor),
            || scan_rows(plateaus, grid, &window, win0, row0..row0 + n),
        );
        let grades: Vec<u8> = slope.par_iter().map(|s| grade_of(*s, &opts.breaks)).collect();
        for g in &grades {
            summary.cells_per_grade[*g as usize] += 1;
        }
        if let Some(kept) = kept.as_deref_mut() {
            kept.extend_from_slice(&slope);
        }
        if to_writer.send((row0, slope, grades)).is_err() {
            break; // the writer failed: its error is reported by the caller
        }
        progress.inc(n as u64);
    }
    Ok(())
}

/// Adds raster rows `rows` to the void-area scan; `window` holds rows from `win0` on
/// (the strip with its halo rows).
fn scan_rows(scan: &mut plateaus::PlateauScan, grid: &Grid, window: &[f32], win0: usize, rows: std::ops::Range<usize>) {
    let cols = grid.cols;
    let held = win0 + window.len() / cols;
    let row = |r: usize| &window[(r - win0) * cols..(r - win0 + 1) * cols];
    for r in rows {
        let above = (r > win0).then(|| row(r - 1));
        let below = (r + 1 < held).then(|| row(r + 1));
        let (ew, ns) = grid.row_spacing(r);
        scan.add_row(r, above, row(r), below, ew.abs().max(ns.abs()));
    }
}

/// The slope raster and, optionally, the grade raster being written.
struct Outputs<'a> {
    cols: usize,
    slope: (Dataset, &'a Path),
    grades: Option<(Dataset, &'a Path)>,
    breaks: [f64; 4],
    language: Language,
}

impl<'a> Outputs<'a> {
    fn create(grid: &Grid, opts: &SlopeOptions, slope_path: &'a Path, grade_path: Option<&'a Path>) -> Result<Self> {
        let mut slope_options = raster::SLOPE_OPTIONS.to_vec();
        slope_options.extend(opts.creation_options.iter().map(String::as_str));
        let slope = raster::create_geotiff::<f32>(slope_path, grid, Some(SLOPE_NODATA as f64), &slope_options)?;
        let grades = match grade_path {
            Some(p) => Some((raster::create_geotiff::<u8>(p, grid, Some(0.0), raster::GRADE_OPTIONS)?, p)),
            None => None,
        };
        Ok(Outputs { cols: grid.cols, slope: (slope, slope_path), grades, breaks: opts.breaks, language: opts.language })
    }

    /// Writer thread: every computed strip, then the files closed (flushed).
    fn write_all(self, from_compute: Receiver<Computed>) -> Result<()> {
        for (row0, slope, grades) in from_compute {
            if let Some((ds, p)) = &self.grades {
                raster::write_rows(ds, p, self.cols, row0, grades)?;
            }
            raster::write_rows(&self.slope.0, self.slope.1, self.cols, row0, slope)?;
        }
        let (ds, p) = self.slope;
        ds.close().map_err(|e| Error::output(p, e))?;
        if let Some((ds, p)) = self.grades {
            ds.close().map_err(|e| Error::output(p, e))?;
            grades::style_grade_raster(p, &self.breaks, self.language)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_fit_the_budget_and_are_whole_tile_rows() {
        assert_eq!(strip_rows(1000, 10, 1 << 30), 10);
        assert_eq!(strip_rows(6000, 100_000, 1 << 30), 256, "about 2 M cells, whole tile rows");
        let n = strip_rows(10_000, 100_000, 64 << 20);
        assert!((n < 256 || n.is_multiple_of(256)) && n * 10_000 * 36 <= 64 << 20, "{n}");
        assert_eq!(strip_rows(10_000, 100_000, 1), 1);
    }
}
