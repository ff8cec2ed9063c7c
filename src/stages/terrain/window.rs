//! Slope over a window of the DEM that is, cell for cell, what the whole-DEM pass writes
//! there: each row is computed over the window's columns plus one halo column on each
//! side (where the DEM has one) with the grid's own row spacing and edge rules, and the
//! halo is dropped. A shard computes only the window under its parcels.

use std::path::Path;

use rayon::prelude::*;

use super::{grade_of, slope_row, strip_rows, voids, KernelParams, SlopeOptions, TerrainSummary, SLOPE_NODATA};
use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::raster::{self, Dem, Grid, Window};

/// A block of cells of the DEM's grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellWindow {
    pub col0: usize,
    pub row0: usize,
    pub cols: usize,
    pub rows: usize,
}

impl CellWindow {
    /// The cells under `extent` (min x, min y, max x, max y in the grid's CRS) with
    /// `margin` more on each side, clipped to the grid; None when they miss it.
    pub fn covering(grid: &Grid, extent: [f64; 4], margin: usize) -> Option<CellWindow> {
        let t = &grid.transform;
        let cols_at = |x: f64| (x - t[0]) / t[1];
        let rows_at = |y: f64| (y - t[3]) / t[5];
        let (c0, c1) = (cols_at(extent[0]).floor() - margin as f64, cols_at(extent[2]).ceil() + margin as f64);
        let (r0, r1) = (rows_at(extent[3]).floor() - margin as f64, rows_at(extent[1]).ceil() + margin as f64);
        let clip = |v: f64, max: usize| v.clamp(0.0, max as f64) as usize;
        let (c0, c1, r0, r1) = (clip(c0, grid.cols), clip(c1, grid.cols), clip(r0, grid.rows), clip(r1, grid.rows));
        (c1 > c0 && r1 > r0).then_some(CellWindow { col0: c0, row0: r0, cols: c1 - c0, rows: r1 - r0 })
    }

    /// The grid of the window's own raster file.
    pub fn grid(&self, full: &Grid) -> Grid {
        let (x0, y0) = full.corner(self.col0 as f64, self.row0 as f64);
        let mut g = full.clone();
        g.cols = self.cols;
        g.rows = self.rows;
        g.transform[0] = x0;
        g.transform[3] = y0;
        g
    }
}

/// Writes the slope and grade rasters of `win` (on the window's grid).
pub fn write_slope_window(dem: &Dem, opts: &SlopeOptions, win: CellWindow, slope_path: &Path, grade_path: &Path, cancel: &CancelToken) -> Result<TerrainSummary> {
    let grid = &dem.grid;
    if !grid.is_north_up() {
        return Err(Error::input(&dem.files[0], "rotated or south-up rasters are not supported; warp the DEM to a north-up grid first"));
    }
    let tile_grid = win.grid(grid);
    let mut slope_options = raster::SLOPE_OPTIONS.to_vec();
    slope_options.extend(opts.creation_options.iter().map(String::as_str));
    let slope_ds = raster::create_geotiff::<f32>(slope_path, &tile_grid, Some(SLOPE_NODATA as f64), &slope_options)?;
    let grade_ds = raster::create_geotiff::<u8>(grade_path, &tile_grid, Some(0.0), raster::GRADE_OPTIONS)?;
    let ds = raster::open_raster_for_reading(&dem.open_path).map_err(|e| Error::input_from(&dem.files[0], "cannot open as a raster", e))?;
    let halo = Halo::of(grid, win);
    let strip = strip_rows(halo.width(), win.rows, opts.memory_limit_bytes);
    let mut summary = TerrainSummary { cols: win.cols, rows: win.rows, strip_rows: strip, ..Default::default() };
    let mut scan = grid.nodata.is_none().then(voids::VoidScan::default);
    let mut buf = Vec::new();
    for first in (win.row0..win.row0 + win.rows).step_by(strip.max(1)) {
        cancel.check()?;
        let n = strip.min(win.row0 + win.rows - first);
        let read0 = first.saturating_sub(1);
        let read_rows = (first + n + 1).min(grid.rows) - read0;
        let w = Window { col0: halo.left as i64, row0: read0 as i64, cols: halo.width(), rows: read_rows };
        raster::read_window_f32(&ds, grid, w, SLOPE_NODATA, &mut buf).map_err(|e| raster::read_error(&dem.files, read0, read0 + read_rows, e))?;
        let slope = halo.slope_rows(grid, opts, &buf, read0, first, n);
        if let Some(scan) = scan.as_mut() {
            for r in first..first + n {
                let at = (r - read0) * halo.width() + (win.col0 - halo.left);
                scan.add(&buf[at..at + win.cols]);
            }
        }
        let grades: Vec<u8> = slope.par_iter().map(|s| grade_of(*s, &opts.breaks)).collect();
        grades.iter().for_each(|g| summary.cells_per_grade[*g as usize] += 1);
        raster::write_rows(&grade_ds, grade_path, win.cols, first - win.row0, grades)?;
        raster::write_rows(&slope_ds, slope_path, win.cols, first - win.row0, slope)?;
    }
    slope_ds.close().map_err(|e| Error::output(slope_path, e))?;
    grade_ds.close().map_err(|e| Error::output(grade_path, e))?;
    summary.cells_with_slope = summary.cells_per_grade[1..].iter().sum();
    summary.fill_values = scan.map(|s| s.fill_values()).unwrap_or_default();
    Ok(summary)
}

/// The window's columns with one halo column each side where the grid has one.
struct Halo {
    win: CellWindow,
    left: usize,
    right: usize,
}

impl Halo {
    fn of(grid: &Grid, win: CellWindow) -> Halo {
        Halo { win, left: win.col0.saturating_sub(1), right: (win.col0 + win.cols + 1).min(grid.cols) }
    }

    fn width(&self) -> usize {
        self.right - self.left
    }

    /// Slope of rows `[first, first + n)` (window columns only) from `buf`, which holds
    /// rows `[read0, ...)` over the halo's columns. Row r sees a row above when r > 0 and
    /// below when r + 1 < grid rows, exactly as the whole-DEM pass does.
    fn slope_rows(&self, grid: &Grid, opts: &SlopeOptions, buf: &[f32], read0: usize, first: usize, n: usize) -> Vec<f32> {
        let width = self.width();
        let buf_rows = buf.len() / width;
        let skip = self.win.col0 - self.left;
        let mut out = vec![0f32; self.win.cols * n];
        out.par_chunks_mut(self.win.cols).enumerate().for_each(|(i, dst)| {
            let r = first + i;
            let local = r - read0;
            let row = &buf[local * width..(local + 1) * width];
            let above = (r > 0).then(|| &buf[(local - 1) * width..local * width]);
            let below = (r + 1 < grid.rows && local + 1 < buf_rows).then(|| &buf[(local + 1) * width..(local + 2) * width]);
            let (ew, ns) = grid.row_spacing(r);
            let p = KernelParams { algorithm: opts.algorithm, ew, ns, z_factor: opts.z_factor, nodata: grid.nodata.map(|v| v as f32) };
            let mut full = vec![0f32; width];
            slope_row(above, row, below, &p, &mut full);
            dst.copy_from_slice(&full[skip..skip + self.win.cols]);
        });
        out
    }
}
