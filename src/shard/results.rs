//! A finished shard's results, in its own folder `<plan dir>/<index>/`: `results.json`
//! (pairs, shares, township figures, the tile's place), `zonal.bin` (per-parcel slope
//! statistics, the zonal cache's format) and the slope tiles. The folder is written
//! under a temporary name and renamed into place, so it exists complete or not at all:
//! its presence is the completion marker.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ShardPlan;
use crate::error::{Error, Result};
use crate::stages::terrain::TerrainSummary;

pub const RESULTS: &str = "results.json";
pub const ZONAL: &str = "zonal.bin";
pub const SLOPE_TILE: &str = "slope.tif";
pub const GRADE_TILE: &str = "slope_grade.tif";

/// Where a shard's slope tile lies in the DEM's grid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TileInfo {
    pub col0: usize,
    pub row0: usize,
    pub cols: usize,
    pub rows: usize,
}

/// What one shard computed for its own parcels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardResults {
    pub plan_id: String,
    pub index: usize,
    pub finished: String,
    /// Own parcels per township: (parcels read, Σ TBMJ in whole cm²).
    pub townships: BTreeMap<String, (u64, i64)>,
    pub parcels: u64,
    /// Neighbouring parcels of other shards loaded read-only.
    pub ghosts: u64,
    /// The terrain key the zonal statistics were computed under.
    pub terrain_key: String,
    /// The slope tile under the own parcels (none when the shard has no parcel on the DEM).
    pub tile: Option<TileInfo>,
    pub terrain: TerrainSummary,
    /// Adjacent pairs with at least one own parcel: (id, id, shared boundary in m), the
    /// first id before the second in the layer's order.
    pub edges: Vec<(String, String, f64)>,
    /// Per constraint (settings order): the own parcels with a share inside, (id, share).
    pub shares: Vec<Vec<(String, f64)>>,
    /// Seconds per step.
    pub timings: BTreeMap<String, f64>,
}

impl ShardResults {
    /// The folder of shard `index` of `plan`.
    pub fn dir(plan: &ShardPlan, out: &Path, index: usize) -> PathBuf {
        plan.dir(out).join(index.to_string())
    }

    /// The results of a finished shard, or None when it has not finished.
    pub fn read(dir: &Path) -> Result<Option<ShardResults>> {
        let path = dir.join(RESULTS);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::input_from(&path, "cannot read the shard results", e)),
        };
        serde_json::from_str(&text).map(Some).map_err(|e| Error::input_from(&path, "is not a shard's results", e))
    }

    /// Writes `results.json` into the (temporary) folder `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(RESULTS);
        let file = std::fs::File::create(&path).map_err(|e| Error::output_from(&path, "cannot write", e))?;
        let mut w = std::io::BufWriter::new(file);
        serde_json::to_writer(&mut w, self).map_err(|e| Error::output_from(&path, "cannot write", e))?;
        std::io::Write::flush(&mut w).map_err(|e| Error::output_from(&path, "cannot write", e))
    }
}
