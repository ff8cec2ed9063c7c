//! Opening DEM tiles as one mosaic and describing their grid.

use std::path::{Path, PathBuf};

use gdal::Dataset;

use super::Grid;
use crate::error::{Error, Result};
use crate::gdal_util::{cannot_open, check_readable_file, parse_crs, Kind};

/// Expands the `inputs.dem` entries: plain paths are kept, entries with `*`, `?` or `[`
/// are globbed (sorted, so the mosaic order is stable).
pub fn expand_dem_paths(entries: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in entries {
        let text = entry.to_string_lossy();
        if text.contains(['*', '?', '[']) {
            let mut found: Vec<PathBuf> = glob::glob(&text)
                .map_err(|e| Error::setting("inputs.dem", None, format!("bad pattern {text:?}: {e}")))?
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

/// The DEM as one dataset: a single file, or an in-memory VRT (a mosaic of several
/// tiles, or the chosen band of a multi-band file, as band 1).
pub struct Dem {
    /// Path GDAL opens (a file, or a /vsimem/ VRT); each thread may open its own handle.
    pub open_path: PathBuf,
    /// The files behind it, for messages and the manifest.
    pub files: Vec<PathBuf>,
    pub grid: Grid,
    /// The nodata value the file declares (the grid's may be the user's instead).
    pub declared_nodata: Option<f64>,
    /// The band read (1-based) when `inputs.dem_band` chose one.
    pub band: Option<usize>,
}

/// Opens DEM tiles. `nodata` and `crs` override or fill what the files lack. Each file
/// must have exactly one band (see [`open_dem_band`] to choose one).
pub fn open_dem(entries: &[PathBuf], nodata: Option<f64>, crs: Option<&str>) -> Result<Dem> {
    open_dem_band(entries, nodata, crs, None)
}

/// As [`open_dem`], reading band `band` (1-based, `inputs.dem_band`) of every file.
pub fn open_dem_band(entries: &[PathBuf], nodata: Option<f64>, crs: Option<&str>, band: Option<usize>) -> Result<Dem> {
    let files = expand_dem_paths(entries)?;
    for f in &files {
        check_readable_file(f)?;
        if let Some((expected, found)) = super::geotiff::tiff_truncation(f) {
            return Err(Error::input(
                f,
                format!("file is truncated or corrupt (its blocks need {expected} bytes, found {found})"),
            ));
        }
    }
    let tiles = files.iter().map(|f| open_raster(f)).collect::<Result<Vec<_>>>()?;
    for (f, t) in files.iter().zip(&tiles) {
        check_band(f, t, band)?;
    }
    let open_path = match (files.len(), band) {
        (1, None) => files[0].clone(),
        _ => {
            check_tiles_compatible(&files, &tiles)?;
            vrt_of(&files, &tiles, band)?
        }
    };
    drop(tiles);
    let dataset = open_raster(&open_path)?;
    let grid = describe(&dataset, &files[0], nodata, crs)?;
    if grid.cols < 2 || grid.rows < 2 {
        // Slope needs a neighbour on each axis: a single row or column has none.
        return Err(Error::input(
            &files[0],
            format!("is {}×{} cells: too small for a slope, which needs at least 2×2 cells (a neighbour across and along)", grid.cols, grid.rows),
        ));
    }
    let declared_nodata = dataset.rasterband(1).ok().and_then(|b| b.no_data_value());
    Ok(Dem {
        open_path,
        files,
        grid,
        declared_nodata,
        band,
    })
}

/// Opens a raster, saying why when GDAL cannot (not a raster at all, or cut short).
fn open_raster(path: &Path) -> Result<Dataset> {
    crate::gdal_util::quiet(|| Dataset::open(path)).map_err(|e| cannot_open(path, Kind::Raster, &e))
}

/// A DEM holds heights in one band: a file of several bands (an RGB image, a stack)
/// needs `inputs.dem_band` to say which; a band of complex numbers holds no heights.
fn check_band(path: &Path, ds: &Dataset, band: Option<usize>) -> Result<()> {
    let count = ds.raster_count();
    let chosen = match band {
        None if count == 1 => 1,
        None => {
            return Err(Error::input(
                path,
                format!("has {count} bands; a DEM has one band of heights: set inputs.dem_band to the band to read (1–{count}), or extract it (gdal_translate -b N)"),
            ))
        }
        Some(b) if (1..=count).contains(&b) => b,
        Some(b) => return Err(Error::input(path, format!("has {count} band(s), so inputs.dem_band = {b} names none (1–{count})"))),
    };
    let b = ds.rasterband(chosen).map_err(|e| Error::input_from(path, format!("cannot read band {chosen}"), e))?;
    // The gdal crate has no complex band types (it calls them Unknown): GDAL's own.
    // SAFETY: the band handle is valid while `ds` lives; the type name is GDAL's static string.
    let (complex, name) = unsafe {
        let t = gdal_sys::GDALGetRasterDataType(b.c_rasterband());
        let name = gdal_sys::GDALGetDataTypeName(t);
        let name = if name.is_null() { "?".into() } else { std::ffi::CStr::from_ptr(name).to_string_lossy().into_owned() };
        (gdal_sys::GDALDataTypeIsComplex(t) != 0, name)
    };
    if complex {
        return Err(Error::input(
            path,
            format!("band {chosen} of {count} holds complex numbers ({name}), not heights: choose a real band with inputs.dem_band, or convert it (gdal_translate -ot Float32)"),
        ));
    }
    Ok(())
}

/// The tiles as one in-memory VRT (a mosaic), of band `band` only when one is chosen
/// (band 1 of the VRT, so every reader reads band 1).
fn vrt_of(files: &[PathBuf], tiles: &[Dataset], band: Option<usize>) -> Result<PathBuf> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let vrt = PathBuf::from(format!("/vsimem/landcons_dem_{}_{n}.vrt", std::process::id()));
    let options = match band {
        Some(b) => Some(gdal::programs::raster::BuildVRTOptions::new(vec!["-b".to_string(), b.to_string()]).map_err(|e| Error::input(&files[0], e))?),
        None => None,
    };
    let what = if files.len() > 1 { "mosaic the DEM tiles" } else { "read the chosen band" };
    let ds = gdal::programs::raster::build_vrt(Some(&vrt), tiles, options)
        .map_err(|e| Error::input(&files[0], format!("cannot {what}: {e}")))?;
    drop(ds); // flush the VRT so it can be reopened by path
    Ok(vrt)
}

/// The one height of a DEM whose every valid cell holds it (None when heights differ,
/// or there are none). A sampled range first (cheap), the whole DEM only when the
/// sample is flat.
pub fn constant_height(dem: &Dem) -> Option<f64> {
    let ds = crate::gdal_util::quiet(|| Dataset::open(&dem.open_path)).ok()?;
    let band = ds.rasterband(1).ok()?;
    let range = |approx: bool| {
        let mut min_max = [0f64; 2];
        // SAFETY: the band handle is valid while `ds` lives; GDAL writes two doubles.
        let err = crate::gdal_util::quiet(|| unsafe { gdal_sys::GDALComputeRasterMinMax(band.c_rasterband(), approx as i32, min_max.as_mut_ptr()) });
        (err == gdal_sys::CPLErr::CE_None).then_some(min_max)
    };
    let flat = |m: [f64; 2]| m[0] == m[1];
    range(true).filter(|m| flat(*m))?;
    range(false).filter(|m| flat(*m)).map(|m| m[0])
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
    // The user's value wins: it exists to correct a wrong or missing tag.
    let nodata = nodata.or(band.no_data_value());
    let srs = match crs {
        Some(def) => {
            Some(parse_crs(def).map_err(|m| Error::setting("inputs.dem_crs", None, m))?)
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
