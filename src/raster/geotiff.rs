//! GeoTIFF reading and writing: row strips, windows, tiled and compressed outputs,
//! and GDAL's block cache.

use std::path::Path;

use gdal::raster::{GdalDataType, RasterCreationOptions};
use gdal::{Dataset, DriverManager};

use super::{Grid, Window};
use crate::error::{Error, Result};

/// Opens a raster for a reading thread, with multi-threaded decoding of compressed
/// GeoTIFF tiles (an open option other drivers ignore).
pub fn open_raster_for_reading(path: &Path) -> gdal::errors::Result<Dataset> {
    let is_tiff = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tif") || e.eq_ignore_ascii_case("tiff"));
    let options = gdal::DatasetOptions {
        open_flags: gdal::GdalOpenFlags::GDAL_OF_RASTER | gdal::GdalOpenFlags::GDAL_OF_READONLY,
        open_options: if is_tiff {
            Some(&["NUM_THREADS=ALL_CPUS"])
        } else {
            None
        },
        ..Default::default()
    };
    Dataset::open_ex(path, options)
}

/// Sets GDAL's block cache from the run's memory budget (an eighth of it, 32–256 MiB),
/// so GDAL does not hold a large share of the machine's memory in cached tiles.
pub fn set_gdal_cache(memory_limit_bytes: usize) {
    let mb = (memory_limit_bytes >> 23).clamp(32, 256);
    let _ = gdal::config::set_config_option("GDAL_CACHEMAX", &mb.to_string());
}

/// Reads rows `[row0, row0 + n)` of band 1 as f32, row-major.
pub fn read_rows(
    ds: &Dataset,
    cols: usize,
    row0: usize,
    n: usize,
    out: &mut Vec<f32>,
) -> gdal::errors::Result<()> {
    out.resize(cols * n, 0.0);
    let band = ds.rasterband(1)?;
    band.read_into_slice::<f32>((0, row0 as isize), (cols, n), (cols, n), out, None)
}

/// Reads a window of band 1 as f32; cells outside the raster are `fill`.
pub fn read_window_f32(
    ds: &Dataset,
    grid: &Grid,
    window: Window,
    fill: f32,
    out: &mut Vec<f32>,
) -> gdal::errors::Result<()> {
    out.clear();
    out.resize(window.cols * window.rows, fill);
    let Some(inside) = window.within(grid) else { return Ok(()) };
    let mut buf = vec![0f32; inside.cols * inside.rows];
    let (at, size) = ((inside.col0 as isize, inside.row0 as isize), (inside.cols, inside.rows));
    ds.rasterband(1)?.read_into_slice::<f32>(at, size, size, &mut buf, None)?;
    window.paste(inside, &buf, out);
    Ok(())
}

/// Creation options shared by every GeoTIFF landcons writes: tiled, DEFLATE,
/// BigTIFF when needed, compression on all cores.
pub const GTIFF_OPTIONS: &[&str] = &[
    "TILED=YES",
    "BLOCKXSIZE=256",
    "BLOCKYSIZE=256",
    "COMPRESS=DEFLATE",
    "BIGTIFF=IF_SAFER",
    "NUM_THREADS=ALL_CPUS",
];

/// Added for the slope raster: DEFLATE's fastest level, no predictor. A slope's low
/// bits are noise: level 6 gains 2–7 % of size for half as much compression time
/// again, and the floating-point predictor (PREDICTOR=3, good for DEMs) makes a slope
/// raster larger as often as smaller while costing time to write and to read back.
/// Sizes at levels 1 / 6, no predictor against PREDICTOR=3: SRTM Big Tujunga 1.86 /
/// 1.82 MB against 2.48 / 2.45 MB; MDT25 0.58 / 0.57 against 0.78 / 0.77 MB; Oregon
/// lidar 0.25 / 0.24 against 0.20 / 0.20 MB; the synthetic county 86.7 / 85.0 MB
/// against 86.8 / 85.6 MB (gdaldem's slope; scripts/slope_compression.sh).
pub const SLOPE_OPTIONS: &[&str] = &["PREDICTOR=1", "ZLEVEL=1"];

/// Added for the grade raster (one byte a cell, five classes): DEFLATE's fastest level.
/// On the county, 3.1 MB against 2.2 MB at level 6, for 0.17 against 0.60 CPU seconds.
pub const GRADE_OPTIONS: &[&str] = &["ZLEVEL=1"];

/// Creation options `KEY=VALUE`: later entries replace earlier ones with the same key
/// (GDAL would silently use the first).
pub fn merge_creation_options(defaults: &[&str], extra: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in defaults.iter().chain(extra) {
        let key = item.split('=').next().unwrap_or(item).to_ascii_uppercase();
        out.retain(|o| o.split('=').next().unwrap_or(o).to_ascii_uppercase() != key);
        out.push(item.to_string());
    }
    out
}

/// Creates a one-band tiled GeoTIFF on the grid of `grid`.
pub fn create_geotiff<T: gdal::raster::GdalType>(
    path: &Path,
    grid: &Grid,
    nodata: Option<f64>,
    extra: &[&str],
) -> Result<Dataset> {
    let driver = DriverManager::get_driver_by_name("GTiff").map_err(|e| Error::output(path, e))?;
    let opts = merge_creation_options(GTIFF_OPTIONS, extra);
    let options = RasterCreationOptions::from_iter(opts.iter().map(String::as_str));
    let mut ds = driver
        .create_with_band_type_with_options::<T, _>(path, grid.cols, grid.rows, 1, &options)
        .map_err(|e| Error::output(path, e))?;
    ds.set_geo_transform(&grid.transform)
        .map_err(|e| Error::output(path, e))?;
    // Says who wrote the file: `landcons slope` replaces only rasters it wrote.
    gdal::Metadata::set_metadata_item(&mut ds, SOFTWARE_TAG, &software(), "").map_err(|e| Error::output(path, e))?;
    if !grid.crs_wkt.is_empty() {
        ds.set_projection(&grid.crs_wkt)
            .map_err(|e| Error::output(path, e))?;
    }
    if let Some(nd) = nodata {
        ds.rasterband(1)
            .and_then(|mut b| b.set_no_data_value(Some(nd)))
            .map_err(|e| Error::output(path, e))?;
    }
    Ok(ds)
}

/// The TIFF tag naming the program that wrote a raster.
const SOFTWARE_TAG: &str = "TIFFTAG_SOFTWARE";

fn software() -> String {
    format!("landcons {}", env!("CARGO_PKG_VERSION"))
}

/// Whether `path` is a GeoTIFF landcons wrote (its software tag).
pub fn written_by_landcons(path: &Path) -> bool {
    use gdal::Metadata;
    let Ok(ds) = Dataset::open(path) else { return false };
    ds.metadata_item(SOFTWARE_TAG, "").is_some_and(|s| s.starts_with("landcons"))
}

/// Writes rows `[row0, row0 + n)` of band 1.
pub fn write_rows<T: gdal::raster::GdalType + Copy>(
    ds: &Dataset,
    path: &Path,
    cols: usize,
    row0: usize,
    data: Vec<T>,
) -> Result<()> {
    let n = data.len() / cols.max(1);
    let mut buffer = gdal::raster::Buffer::new((cols, n), data);
    ds.rasterband(1)
        .and_then(|mut b| b.write((0, row0 as isize), (cols, n), &mut buffer))
        .map_err(|e| Error::output(path, e))
}

/// Whether GDAL reads this band type exactly as f32 (true for everything a DEM uses
/// but 32-bit integers and doubles with more precision).
pub fn f32_is_exact(t: GdalDataType) -> bool {
    matches!(
        t,
        GdalDataType::UInt8 | GdalDataType::UInt16 | GdalDataType::Int16 | GdalDataType::Float32
    )
}

/// The error for a failed read of rows `row0..row1` of the DEM. A GeoTIFF that is cut
/// short (a transfer that stopped) is said to be so, with the sizes; otherwise GDAL's own
/// message is the cause.
pub fn read_error(
    files: &[std::path::PathBuf],
    row0: usize,
    row1: usize,
    e: gdal::errors::GdalError,
) -> Error {
    for f in files {
        if let Some((expected, found)) = tiff_truncation(f) {
            return Error::input(
                f,
                format!("file is truncated or corrupt (its blocks need {expected} bytes, found {found})"),
            );
        }
    }
    let detail = crate::gdal_util::last_failure();
    let message = match detail.is_empty() {
        true => format!("reading rows {row0}..{row1}"),
        false => format!("reading rows {row0}..{row1}: {detail}"),
    };
    Error::input_from(&files[0], message, e)
}

/// (bytes the file's blocks need, bytes it has) when a GeoTIFF's blocks reach past its
/// end: the TIFF directory lists every block's offset and size.
pub fn tiff_truncation(path: &Path) -> Option<(u64, u64)> {
    use gdal::Metadata;
    let found = std::fs::metadata(path).ok()?.len();
    let ds = crate::gdal_util::quiet(|| Dataset::open(path)).ok()?;
    if ds.driver().short_name() != "GTiff" {
        return None;
    }
    let band = ds.rasterband(1).ok()?;
    let (bw, bh) = band.block_size();
    let (cols, rows) = ds.raster_size();
    let mut expected = 0u64;
    for y in 0..rows.div_ceil(bh.max(1)) {
        for x in 0..cols.div_ceil(bw.max(1)) {
            let item = |name: &str| {
                band.metadata_item(&format!("{name}_{x}_{y}"), "TIFF")
                    .and_then(|v| v.parse::<u64>().ok())
            };
            if let (Some(offset), Some(size)) = (item("BLOCK_OFFSET"), item("BLOCK_SIZE")) {
                expected = expected.max(offset + size);
            }
        }
    }
    (expected > found).then_some((expected, found))
}
