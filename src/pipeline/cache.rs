//! Reusing the previous run's slope rasters when the DEM and the terrain settings did not
//! change (the usual re-run after a parcel-only survey update).

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::config::{Config, OutputSettings};
use crate::raster::Dem;
use crate::terrain::TerrainSummary;

/// The per-parcel zonal statistics of the last run, in the output folder (hidden: it is
/// landcons's working data, not a result).
pub(super) const ZONAL_CACHE: &str = ".landcons-zonal-cache";

/// Hash of everything the slope rasters depend on: the DEM files' content (from
/// `input_hashes`, so each file is read once a run), the grid, and the terrain settings.
/// Tool version included, so a new version recomputes.
pub(super) fn terrain_key(config: &Config, dem: &Dem, input_hashes: &serde_json::Value) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION"));
    for f in &dem.files {
        h.update(
            input_hashes[f.display().to_string()]
                .as_str()
                .unwrap_or_default(),
        );
    }
    h.update(format!(
        "{:?}{:?}{:?}",
        dem.grid.transform, dem.grid.nodata, dem.grid.crs_wkt
    ));
    h.update(toml_edit::ser::to_string(&config.terrain).unwrap_or_default());
    format!("{:x}", h.finalize())
}

/// The manifest of the results already in the output folder, if that run succeeded.
pub(super) fn previous_manifest(out: &OutputSettings) -> Option<serde_json::Value> {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.dir.join(&out.manifest)).ok()?).ok()?;
    (manifest["status"] == "success").then_some(manifest)
}

/// When the manifest in the output folder was made with the same key, links (or copies)
/// its slope rasters into the staging folder and returns their summary.
pub(super) fn reuse_terrain(
    out: &OutputSettings,
    key: &str,
    slope: &Path,
    grade: &Path,
) -> Option<TerrainSummary> {
    let manifest = previous_manifest(out)?;
    if manifest["cache"]["terrain_key"].as_str()? != key {
        return None;
    }
    let summary: TerrainSummary = serde_json::from_value(manifest["terrain"].clone()).ok()?;
    for (name, dst) in [(&out.slope, slope), (&out.slope_grade, grade)] {
        let src = out.dir.join(name);
        if std::fs::hard_link(&src, dst).is_err() && std::fs::copy(&src, dst).is_err() {
            return None;
        }
        // The grade raster's category names live in its .aux.xml sidecar.
        let aux = src.with_file_name(format!("{name}.aux.xml"));
        if aux.exists() {
            let _ = std::fs::copy(&aux, dst.with_file_name(format!("{name}.aux.xml")));
        }
    }
    Some(summary)
}
