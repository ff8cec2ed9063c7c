//! Terrain stage: slope (Horn or Zevenbergen–Thorne) and the national slope grades,
//! streamed through the DEM in row strips with a one-row halo, rows in parallel.

pub mod kernel;

use std::ffi::CString;
use std::path::Path;

use rayon::prelude::*;

use crate::config::{SlopeAlgorithm, TerrainSettings};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::raster::{self, Dem, Grid};
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
}

impl SlopeOptions {
    pub fn from_settings(t: &TerrainSettings, memory_limit_mb: usize) -> SlopeOptions {
        let mut breaks = [2.0, 6.0, 15.0, 25.0];
        for (b, v) in breaks.iter_mut().zip(&t.grade_breaks) {
            *b = *v;
        }
        SlopeOptions {
            algorithm: t.algorithm,
            z_factor: t.z_factor,
            breaks,
            memory_limit_bytes: memory_limit_mb.saturating_mul(1 << 20),
            creation_options: Vec::new(),
        }
    }
}

/// What the terrain stage found, for the manifest and the summary.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct TerrainSummary {
    pub cols: usize,
    pub rows: usize,
    pub strip_rows: usize,
    pub cells_with_slope: u64,
    /// Cells per grade, index 1..=5 (index 0 = nodata).
    pub cells_per_grade: [u64; 6],
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
        let p = KernelParams {
            algorithm,
            ew,
            ns,
            z_factor,
            nodata,
        };
        slope_row(above, row, below, &p, dst);
    });
}

/// Streams the DEM into `slope.tif` (Float32 degrees) and, if asked, `slope_grade.tif`
/// (Byte, 0 = nodata, with colour table and category names).
pub fn write_slope_rasters(
    dem: &Dem,
    opts: &SlopeOptions,
    slope_path: &Path,
    grade_path: Option<&Path>,
    progress: &Progress,
) -> Result<TerrainSummary> {
    let grid = &dem.grid;
    if !grid.is_north_up() {
        return Err(Error::input(
            &dem.files[0],
            "rotated or south-up rasters are not supported; warp the DEM to a north-up grid first",
        ));
    }
    let mut slope_options = vec!["PREDICTOR=3"];
    slope_options.extend(opts.creation_options.iter().map(String::as_str));
    let slope_ds =
        raster::create_geotiff::<f32>(slope_path, grid, Some(SLOPE_NODATA as f64), &slope_options)?;
    let grade_ds = match grade_path {
        Some(p) => {
            let ds = raster::create_geotiff::<u8>(p, grid, Some(0.0), &[])?;
            style_grade_band(&ds, p, &opts.breaks)?;
            Some((ds, p))
        }
        None => None,
    };

    let (cols, rows) = (grid.cols, grid.rows);
    let strip = strip_rows(cols, rows, opts.memory_limit_bytes);
    let mut summary = TerrainSummary {
        cols,
        rows,
        strip_rows: strip,
        ..Default::default()
    };
    progress.set_length(rows as u64);

    // Three stages overlap: a reader thread decodes the next strip while rayon computes
    // this one and a writer thread compresses the previous one. Bounded channels keep
    // at most a few strips in memory.
    let (to_compute, from_reader) =
        std::sync::mpsc::sync_channel::<Result<(usize, usize, Vec<f32>)>>(1);
    let (to_writer, from_compute) = std::sync::mpsc::sync_channel::<(usize, Vec<f32>, Vec<u8>)>(1);
    let dem_path = dem.open_path.clone();
    let dem_file = dem.files[0].clone();
    std::thread::scope(|scope| -> Result<()> {
        scope.spawn(move || {
            let ds = match raster::open_raster_for_reading(&dem_path) {
                Ok(ds) => ds,
                Err(e) => {
                    let _ = to_compute.send(Err(Error::input(&dem_file, e)));
                    return;
                }
            };
            let mut row0 = 0;
            while row0 < rows {
                let n = strip.min(rows - row0);
                let win0 = row0.saturating_sub(1);
                let win1 = (row0 + n + 1).min(rows);
                let mut window = Vec::new();
                let item = raster::read_rows(&ds, cols, win0, win1 - win0, &mut window)
                    .map(|_| (row0, win0, window))
                    .map_err(|e| {
                        Error::input(&dem_file, format!("reading rows {win0}..{win1}: {e}"))
                    });
                let failed = item.is_err();
                if to_compute.send(item).is_err() || failed {
                    return;
                }
                row0 += n;
            }
        });
        let writer = scope.spawn(move || -> Result<()> {
            for (row0, slope, grades) in from_compute {
                if let Some((ds, p)) = &grade_ds {
                    raster::write_rows(ds, p, cols, row0, grades)?;
                }
                raster::write_rows(&slope_ds, slope_path, cols, row0, slope)?;
            }
            close(slope_ds, slope_path)?;
            if let Some((ds, p)) = grade_ds {
                close(ds, p)?;
            }
            Ok(())
        });
        let computed = (|| -> Result<()> {
            for item in from_reader {
                crate::pipeline::check_interrupted()?;
                let (row0, win0, window) = item?;
                let n = (window.len() / cols).min(strip).min(rows - row0);
                let mut slope = vec![0f32; cols * n];
                slope_strip(
                    grid,
                    &window,
                    win0,
                    row0,
                    &mut slope,
                    opts.algorithm,
                    opts.z_factor,
                );
                let grades: Vec<u8> = slope
                    .par_iter()
                    .map(|s| grade_of(*s, &opts.breaks))
                    .collect();
                for g in &grades {
                    summary.cells_per_grade[*g as usize] += 1;
                }
                if to_writer.send((row0, slope, grades)).is_err() {
                    break; // the writer failed: its error is reported below
                }
                progress.inc(n as u64);
            }
            Ok(())
        })();
        drop(to_writer);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(Error::output(slope_path, "writer thread panicked")));
        computed.and(written)
    })?;
    summary.cells_with_slope = summary.cells_per_grade[1..].iter().sum();
    Ok(summary)
}

fn close(ds: gdal::Dataset, path: &Path) -> Result<()> {
    ds.close().map_err(|e| Error::output(path, e))
}

/// Grade colours, green (flat) to red (steep), and names QGIS shows in the legend.
pub const GRADE_COLOURS: [(u8, [i16; 3]); 5] = [
    (1, [26, 150, 65]),
    (2, [166, 217, 106]),
    (3, [255, 255, 191]),
    (4, [253, 174, 97]),
    (5, [215, 25, 28]),
];

pub fn grade_labels(breaks: &[f64; 4]) -> [String; 5] {
    [
        format!("1: ≤{}°", breaks[0]),
        format!("2: {}–{}°", breaks[0], breaks[1]),
        format!("3: {}–{}°", breaks[1], breaks[2]),
        format!("4: {}–{}°", breaks[2], breaks[3]),
        format!("5: >{}°", breaks[3]),
    ]
}

/// Colour table and category names on band 1, so QGIS shows the grades with no styling by hand.
fn style_grade_band(ds: &gdal::Dataset, path: &Path, breaks: &[f64; 4]) -> Result<()> {
    let band = ds.rasterband(1).map_err(|e| Error::output(path, e))?;
    let labels = grade_labels(breaks);
    let mut names: Vec<CString> = vec![CString::new("no data").unwrap_or_default()];
    names.extend(
        labels
            .iter()
            .map(|l| CString::new(l.as_str()).unwrap_or_default()),
    );
    let mut ptrs: Vec<*mut std::os::raw::c_char> =
        names.iter().map(|c| c.as_ptr() as *mut _).collect();
    ptrs.push(std::ptr::null_mut());
    // SAFETY: the band handle lives as long as `band`; GDAL copies the table and the names.
    unsafe {
        let h = band.c_rasterband();
        let table = gdal_sys::GDALCreateColorTable(gdal_sys::GDALPaletteInterp::GPI_RGB);
        let clear = gdal_sys::GDALColorEntry {
            c1: 0,
            c2: 0,
            c3: 0,
            c4: 0,
        };
        gdal_sys::GDALSetColorEntry(table, 0, &clear);
        for (code, [r, g, b]) in GRADE_COLOURS {
            let e = gdal_sys::GDALColorEntry {
                c1: r,
                c2: g,
                c3: b,
                c4: 255,
            };
            gdal_sys::GDALSetColorEntry(table, code as i32, &e);
        }
        let rc = gdal_sys::GDALSetRasterColorTable(h, table);
        gdal_sys::GDALDestroyColorTable(table);
        if rc != gdal_sys::CPLErr::CE_None {
            return Err(Error::output(path, "cannot set the colour table"));
        }
        gdal_sys::GDALSetRasterCategoryNames(h, ptrs.as_mut_ptr());
        gdal_sys::GDALSetRasterColorInterpretation(h, gdal_sys::GDALColorInterp::GCI_PaletteIndex);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_fit_the_budget_and_are_whole_tile_rows() {
        assert_eq!(strip_rows(1000, 10, 1 << 30), 10);
        assert_eq!(
            strip_rows(6000, 100_000, 1 << 30),
            256,
            "about 2 M cells, whole tile rows"
        );
        let n = strip_rows(10_000, 100_000, 64 << 20);
        assert!(
            (n < 256 || n % 256 == 0) && n * 10_000 * 36 <= 64 << 20,
            "{n}"
        );
        assert_eq!(strip_rows(10_000, 100_000, 1), 1);
    }
}
