//! Raster I/O: opening DEM tiles as one mosaic, describing the grid as plain data,
//! reading row strips, and creating tiled, compressed GeoTIFF outputs.

use std::path::{Path, PathBuf};

use gdal::raster::{GdalDataType, RasterCreationOptions};
use gdal::spatial_ref::SpatialRef;
use gdal::{Dataset, DriverManager};

use crate::error::{Error, Result};

/// A raster grid as plain data: size, geotransform, CRS and nodata.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub cols: usize,
    pub rows: usize,
    /// GDAL geotransform: x0, dx, rx, y0, ry, dy (dy < 0 for north-up).
    pub transform: [f64; 6],
    /// CRS as WKT ("" when unknown).
    pub crs_wkt: String,
    /// Lat/lon CRS: cell spacing must be converted to metres per row.
    pub geographic: bool,
    /// Ellipsoid semi-major axis and semi-minor axis (metres), for geographic grids.
    pub ellipsoid: (f64, f64),
    pub nodata: Option<f64>,
}

impl Grid {
    /// x, y of the upper-left corner of cell (col, row).
    pub fn corner(&self, col: f64, row: f64) -> (f64, f64) {
        let t = &self.transform;
        (
            t[0] + col * t[1] + row * t[2],
            t[3] + col * t[4] + row * t[5],
        )
    }

    /// (min x, min y, max x, max y) of the whole grid.
    pub fn extent(&self) -> [f64; 4] {
        let (x0, y0) = self.corner(0.0, 0.0);
        let (x1, y1) = self.corner(self.cols as f64, self.rows as f64);
        [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)]
    }

    pub fn is_north_up(&self) -> bool {
        self.transform[2] == 0.0
            && self.transform[4] == 0.0
            && self.transform[1] > 0.0
            && self.transform[5] < 0.0
    }

    /// Ground spacing in metres (east-west, north-south) for a row: the CRS units
    /// for projected grids, the ellipsoid's arc lengths at the row's latitude for
    /// geographic ones (east-west spacing shrinks with cos(latitude)).
    pub fn row_spacing(&self, row: usize) -> (f64, f64) {
        let t = &self.transform;
        if !self.geographic {
            return (t[1], t[5]);
        }
        let (a, b) = self.ellipsoid;
        let e2 = 1.0 - (b * b) / (a * a);
        let lat = (t[3] + (row as f64 + 0.5) * t[5]).to_radians();
        let s = lat.sin();
        let w = (1.0 - e2 * s * s).sqrt();
        let prime_vertical = a / w; // N: radius of curvature in the prime vertical
        let meridional = a * (1.0 - e2) / (w * w * w); // M: radius of curvature in the meridian
        (
            t[1].to_radians() * prime_vertical * lat.cos(),
            t[5].to_radians() * meridional,
        )
    }

    /// Area of one cell of a row, in square metres.
    pub fn cell_area(&self, row: usize) -> f64 {
        let (dx, dy) = self.row_spacing(row);
        (dx * dy).abs()
    }
}

/// Expands the `inputs.dem` entries: plain paths are kept, entries with `*`, `?` or `[`
/// are globbed (sorted, so the mosaic order is stable).
pub fn expand_dem_paths(entries: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in entries {
        let text = entry.to_string_lossy();
        if text.contains(['*', '?', '[']) {
            let mut found: Vec<PathBuf> = glob::glob(&text)
                .map_err(|e| Error::Config(format!("inputs.dem: bad pattern {text:?}: {e}")))?
                .filter_map(|p| p.ok())
                .collect();
            if found.is_empty() {
                return Err(Error::input(entry, "the pattern matches no file"));
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(entry.clone());
        }
    }
    Ok(out)
}

/// The DEM as one dataset: a single file, or an in-memory VRT mosaic of several tiles.
pub struct Dem {
    /// Path GDAL opens (a file, or a /vsimem/ VRT); each thread may open its own handle.
    pub open_path: PathBuf,
    /// The files behind it, for messages and the manifest.
    pub files: Vec<PathBuf>,
    pub grid: Grid,
    pub dataset: Dataset,
}

/// Opens DEM tiles. `nodata` and `crs` override or fill what the files lack.
pub fn open_dem(entries: &[PathBuf], nodata: Option<f64>, crs: Option<&str>) -> Result<Dem> {
    let files = expand_dem_paths(entries)?;
    for f in &files {
        check_readable_file(f)?;
    }
    let open_path = if files.len() == 1 {
        files[0].clone()
    } else {
        let mut tiles = Vec::new();
        for f in &files {
            tiles.push(
                Dataset::open(f)
                    .map_err(|e| Error::input(f, format!("cannot open as a raster: {e}")))?,
            );
        }
        check_tiles_compatible(&files, &tiles)?;
        let vrt = PathBuf::from(format!("/vsimem/landcons_dem_{}.vrt", std::process::id()));
        let ds = gdal::programs::raster::build_vrt(Some(&vrt), &tiles, None)
            .map_err(|e| Error::input(&files[0], format!("cannot mosaic the DEM tiles: {e}")))?;
        drop(ds); // flush the VRT so it can be reopened by path
        vrt
    };
    let dataset = Dataset::open(&open_path)
        .map_err(|e| Error::input(&files[0], format!("cannot open as a raster: {e}")))?;
    let grid = describe(&dataset, &files[0], nodata, crs)?;
    Ok(Dem {
        open_path,
        files,
        grid,
        dataset,
    })
}

fn check_tiles_compatible(files: &[PathBuf], tiles: &[Dataset]) -> Result<()> {
    let first = tiles[0].geo_transform().ok();
    for (f, t) in files.iter().zip(tiles).skip(1) {
        let gt = t.geo_transform().ok();
        if let (Some(a), Some(b)) = (first, gt) {
            let same = (a[1] - b[1]).abs() <= 1e-9 * a[1].abs()
                && (a[5] - b[5]).abs() <= 1e-9 * a[5].abs();
            if !same {
                return Err(Error::input(
                    f,
                    format!("cell size {}×{} differs from {} ({}×{}); resample the tiles to one grid first", b[1], b[5], files[0].display(), a[1], a[5]),
                ));
            }
        }
        if t.projection() != tiles[0].projection() {
            return Err(Error::input(
                f,
                format!("CRS differs from {}", files[0].display()),
            ));
        }
    }
    Ok(())
}

/// A clear error for a path that is missing, a directory, or unreadable.
pub fn check_readable_file(path: &Path) -> Result<()> {
    if path.starts_with("/vsi") {
        return Ok(());
    }
    let meta =
        std::fs::metadata(path).map_err(|e| Error::input(path, format!("cannot read: {e}")))?;
    if meta.is_dir()
        && path
            .extension()
            .is_some_and(|e| !e.eq_ignore_ascii_case("gdb"))
    {
        return Err(Error::input(path, "is a directory, expected a file"));
    }
    std::fs::File::open(path).map_err(|e| Error::input(path, format!("cannot read: {e}")))?;
    Ok(())
}

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

/// Reads the grid description of band 1.
pub fn describe(ds: &Dataset, path: &Path, nodata: Option<f64>, crs: Option<&str>) -> Result<Grid> {
    let (cols, rows) = ds.raster_size();
    if ds.raster_count() < 1 {
        return Err(Error::input(path, "has no raster band"));
    }
    let transform = ds
        .geo_transform()
        .map_err(|_| Error::input(path, "has no georeferencing (geotransform)"))?;
    let band = ds.rasterband(1).map_err(|e| Error::input(path, e))?;
    let nodata = band.no_data_value().or(nodata);
    let srs = match crs {
        Some(def) => {
            Some(parse_crs(def).map_err(|m| Error::Config(format!("inputs.dem_crs: {m}")))?)
        }
        None => ds.spatial_ref().ok(),
    };
    let Some(srs) = srs else {
        return Err(Error::input(
            path,
            "has no CRS; set inputs.dem_crs in the pipeline file (e.g. \"EPSG:4544\")",
        ));
    };
    let geographic = srs.is_geographic();
    let ellipsoid = (
        srs.semi_major().unwrap_or(6378137.0),
        srs.semi_minor().unwrap_or(6356752.314245),
    );
    Ok(Grid {
        cols,
        rows,
        transform,
        crs_wkt: srs.to_wkt().unwrap_or_default(),
        geographic,
        ellipsoid,
        nodata,
    })
}

/// Parses a CRS given as "EPSG:n", WKT or a PROJ string, with GIS (x=east, y=north) axis order.
pub fn parse_crs(definition: &str) -> std::result::Result<SpatialRef, String> {
    let mut srs = SpatialRef::from_definition(definition)
        .map_err(|e| format!("cannot read CRS {definition:?}: {e}"))?;
    srs.set_axis_mapping_strategy(gdal::spatial_ref::AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
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

/// Reads a window of band 1 as f64; cells outside the raster are `fill`.
pub fn read_window_f32(
    ds: &Dataset,
    grid: &Grid,
    col0: i64,
    row0: i64,
    cols: usize,
    rows: usize,
    fill: f32,
    out: &mut Vec<f32>,
) -> gdal::errors::Result<()> {
    out.clear();
    out.resize(cols * rows, fill);
    let c0 = col0.max(0);
    let r0 = row0.max(0);
    let c1 = (col0 + cols as i64).min(grid.cols as i64);
    let r1 = (row0 + rows as i64).min(grid.rows as i64);
    if c1 <= c0 || r1 <= r0 {
        return Ok(());
    }
    let (w, h) = ((c1 - c0) as usize, (r1 - r0) as usize);
    let mut buf = vec![0f32; w * h];
    ds.rasterband(1)?.read_into_slice::<f32>(
        (c0 as isize, r0 as isize),
        (w, h),
        (w, h),
        &mut buf,
        None,
    )?;
    for r in 0..h {
        let dst = ((r0 - row0) as usize + r) * cols + (c0 - col0) as usize;
        out[dst..dst + w].copy_from_slice(&buf[r * w..(r + 1) * w]);
    }
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

/// The PROJ library's version, as GDAL sees it (for the run manifest).
pub fn proj_version() -> String {
    let (mut major, mut minor, mut patch) = (0, 0, 0);
    // SAFETY: OSRGetPROJVersion only writes the three integers.
    unsafe { gdal_sys::OSRGetPROJVersion(&mut major, &mut minor, &mut patch) };
    format!("{major}.{minor}.{patch}")
}
