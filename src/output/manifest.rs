//! The run manifest (`manifest.json`): what was run, on what, with which settings, what
//! came out, and how long it took. Built once, as a struct; the GeoPackage's
//! `LANDCONS_RUN` metadata is the same document.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::context::{StageTiming, Warning};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::stages::terrain::TerrainSummary;
use crate::vector::GeometryIssue;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    /// "success" (a manifest is only ever written by a run that succeeded).
    pub status: String,
    pub started: String,
    pub seconds_total: f64,
    pub gdal_version: String,
    pub proj_version: String,
    pub settings: Settings,
    pub inputs: InputsInfo,
    /// SHA-256 of every input file (shapefiles with their sidecars), by path.
    pub input_hashes: BTreeMap<String, Option<String>>,
    /// Each input's size and modification time when it was hashed (a re-run reuses the
    /// hash of an input whose stamp still holds: pipeline::stamps).
    #[serde(default)]
    pub input_stamps: BTreeMap<String, InputStamp>,
    pub terrain: TerrainSummary,
    pub counts: Counts,
    /// Rows of every layer written, by layer name.
    pub layers: BTreeMap<String, usize>,
    pub stage_timings: Vec<StageTiming>,
    pub cache: CacheInfo,
    /// The files of the result set, with their size and SHA-256 (reuse checks them).
    pub files: BTreeMap<String, FileRecord>,
    pub geometry_issues: Vec<GeometryIssue>,
    /// The control-line audit's total row of each role constraint.
    #[serde(default)]
    pub audit: Vec<crate::stages::audit::AuditRow>,
    pub warnings: Vec<Warning>,
    /// What changed since the results this run replaced (null on a first run).
    pub changes: Option<serde_json::Value>,
    /// The shard plan a gather assembled these results from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_plan: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputsInfo {
    pub dem: Vec<PathBuf>,
    pub parcels: PathBuf,
    pub parcels_layer: String,
    pub parcels_encoding: String,
    pub parcels_reprojected: bool,
    /// How the parcels were read: "arrow" (a GeoPackage's Arrow stream) or "features".
    #[serde(default)]
    pub parcels_read_as: String,
    /// The metric CRS of all vector work and every output layer, and why.
    pub work_crs: crate::vector::crs::WorkCrs,
}

/// The headline figures of a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Counts {
    pub dem_cells: u64,
    pub dem_cells_with_slope: u64,
    pub parcels: usize,
    pub cropland_parcels: usize,
    pub grade_mismatches: u64,
    pub geometry_issues: usize,
    pub parcels_without_data: usize,
    /// Pairs of parcels whose interiors overlap (layer topology_issues).
    pub overlapping_pairs: usize,
    pub adjacent_pairs: usize,
    /// Each rule's own figures (`reforestation_candidates`, `merge_groups`, …), by key.
    #[serde(flatten)]
    pub rules: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CacheInfo {
    /// Hash of everything the slope rasters depend on.
    pub terrain_key: String,
    /// "hit", "miss" or "disabled".
    pub terrain: String,
    /// {"reused": n, "computed": m}, or "disabled".
    pub zonal: serde_json::Value,
    /// Inputs whose hash was taken from the previous manifest (size and modification
    /// time unchanged) and inputs hashed: {"reused": [paths], "hashed": [paths]}.
    #[serde(default)]
    pub inputs: serde_json::Value,
}

/// An input's size and modification time (with its side-cars) and when its hashing began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputStamp {
    /// "bytes:mtime_ns" of the file and each side-car (shard::fingerprint).
    pub fingerprint: String,
    /// The newest modification time among them, ns since 1970.
    pub newest_ns: u64,
    /// When its hashing began, ns since 1970.
    pub hashed_at_ns: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    pub bytes: u64,
    pub sha256: String,
}

impl FileRecord {
    pub fn of(path: &Path) -> std::io::Result<FileRecord> {
        FileRecord::of_unless(path, &|| false)
    }

    /// As [`FileRecord::of`], interrupted when `stop` says so (see `hash::content_hash_unless`).
    pub fn of_unless(path: &Path, stop: &dyn Fn() -> bool) -> std::io::Result<FileRecord> {
        Ok(FileRecord {
            bytes: std::fs::metadata(path)?.len(),
            sha256: super::hash::content_hash_unless(path, stop)?,
        })
    }
}

impl Manifest {
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::output_from(path, "cannot encode", e))?;
        std::fs::write(path, text).map_err(|e| Error::output_from(path, "cannot write", e))
    }

    /// The manifest of a result set, if it is one a run completed.
    pub fn read(path: &Path) -> Option<Manifest> {
        let m: Manifest = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
        (m.status == "success").then_some(m)
    }
}
