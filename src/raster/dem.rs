//! Opening DEM tiles as one mosaic and describing their grid.

use std::path::{Path, PathBuf};

use gdal::Dataset;

use super::Grid;
use crate::error::{Error, Result};
use crate::gdal_util::{check_readable_file, parse_crs};

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

/// The DEM as one dataset: a single file, or an in-memory VRT mosaic of several tiles.
pub struct Dem {
    /// Path GDAL opens (a file, or a /vsimem/ VRT); each thread may open its own handle.
    pub open_path: PathBuf,
    /// The files behind it, for messages and the manifest.
    pub files: Vec<PathBuf>,
    pub grid: Grid,
    /// The nodata value the file declares (the grid's may be the user's instead).
    pub declared_nodata: Option<f64>,
}

/// Opens DEM tiles. `nodata` and `crs` override or fill what the files lack.
pub fn open_dem(entries: &[PathBuf], nodata: Option<f64>, crs: Option<&str>) -> Result<Dem> {
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
    let open_path = if files.len() == 1 {
        files[0].clone()
    } else {
        let mut tiles = Vec::new();
        for f in &files {
            tiles.push(
                Dataset::open(f)
                    .map_err(|e| Error::input_from(f, "cannot open as a raster", e))?,
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
    let declared_nodata = dataset.rasterband(1).ok().and_then(|b| b.no_data_value());
    Ok(Dem {
        open_path,
        files,
        grid,
        declared_nodata,
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
