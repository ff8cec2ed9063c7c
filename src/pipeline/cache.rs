//! Reusing the previous result set's work when its inputs did not change (the usual
//! re-run after a parcel-only survey update): the slope rasters when the DEM and the
//! terrain settings are the same, and the zonal statistics of unchanged parcels.
//! Nothing is trusted that can be checked: a reused raster must have the content hash
//! the previous manifest recorded for it when it was written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::output::manifest::{FileRecord, Manifest};
use crate::raster::Dem;
use crate::settings::Settings;
use crate::stages::terrain::TerrainSummary;

/// The per-parcel zonal statistics of a result set (hidden: working data, not a result).
pub const ZONAL_CACHE: &str = ".landcons-zonal-cache";

/// The result set a run replaces: its folder and manifest.
pub struct Previous {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl Previous {
    /// The current result set of `out`, if a run completed there.
    pub fn find(out: &Path, settings: &Settings) -> Option<Previous> {
        let dir = crate::output::commit::current_run(out)?;
        let manifest = Manifest::read(&dir.join(&settings.output.manifest))?;
        Some(Previous { dir, manifest })
    }
}

/// Hash of everything the slope rasters depend on: the DEM files' content, the grid,
/// the terrain settings and the output language. Tool version included, so a new
/// version recomputes.
pub fn terrain_key(settings: &Settings, dem: &Dem, input_hashes: &BTreeMap<String, Option<String>>) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION"));
    for f in &dem.files {
        h.update(input_hashes.get(&f.display().to_string()).cloned().flatten().unwrap_or_default());
    }
    h.update(format!("{:?}{:?}{:?}", dem.grid.transform, dem.grid.nodata, dem.grid.crs_wkt));
    // Another band of the same files is another DEM (unset: the key as before).
    if let Some(band) = dem.band {
        h.update(format!("band {band}"));
    }
    h.update(toml_edit::ser::to_string(&settings.terrain).unwrap_or_default());
    // The rasters' category names and style side-cars are written in this language.
    h.update(format!("{:?}", settings.output.language));
    format!("{:x}", h.finalize())
}

/// The slope raster files of a result set: the rasters, the grade raster's GDAL
/// side-car (colour table and names) and both rasters' QGIS style side-cars.
pub fn terrain_files(settings: &Settings) -> Vec<String> {
    let o = &settings.output;
    let mut files = vec![o.slope.clone(), o.slope_grade.clone(), format!("{}.aux.xml", o.slope_grade)];
    files.extend(crate::layers::rasters::raster_layers(settings).iter().map(|r| r.qml_file()));
    files
}

/// Whether a file of the previous result set is as its run recorded it (size and
/// SHA-256); a file that is not is logged and not reused.
pub fn intact(previous: &Previous, name: &str) -> bool {
    let path = previous.dir.join(name);
    let ok = match previous.manifest.files.get(name) {
        Some(recorded) => FileRecord::of(&path).is_ok_and(|actual| actual == *recorded),
        None => false,
    };
    if !ok && path.exists() {
        tracing::warn!(file = %path.display(), "not reused: the file differs from what its run recorded");
    }
    ok
}

/// When the previous result set was made with the same terrain key and its rasters are
/// intact (content hashes as recorded), links them into `staging` and returns their
/// summary and records; otherwise None (a miss, logged).
pub fn reuse_terrain(
    previous: &Previous,
    key: &str,
    settings: &Settings,
    staging: &Path,
) -> Option<(TerrainSummary, BTreeMap<String, FileRecord>)> {
    let m = &previous.manifest;
    if m.cache.terrain_key != key {
        return None;
    }
    let mut records = BTreeMap::new();
    for name in terrain_files(settings) {
        if !intact(previous, &name) {
            return None;
        }
        let (src, recorded) = (previous.dir.join(&name), m.files.get(&name)?);
        let dst = staging.join(&name);
        if std::fs::hard_link(&src, &dst).is_err() && std::fs::copy(&src, &dst).is_err() {
            return None;
        }
        records.insert(name, recorded.clone());
    }
    Some((m.terrain.clone(), records))
}
