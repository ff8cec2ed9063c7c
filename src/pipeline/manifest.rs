//! The run manifest assembled from the run's data: inputs and their hashes, the terrain
//! figures, the counts (the core ones, then each rule's own), cache use, and the size and
//! hash of the files later runs may reuse.

use std::collections::BTreeMap;

use super::cache::{self, ZONAL_CACHE};
use super::facts::Facts;
use super::Job;
use crate::context::RunContext;
use crate::error::{Error, Result};
use crate::layers::RunData;
use crate::output::manifest::{CacheInfo, Counts, FileRecord, InputsInfo, Manifest};
use crate::output::Staging;
use crate::raster::Dem;
use crate::stages::progress::{self, PlanProgress};
use crate::stages::{audit, rule, villages::VillageRow};

/// The manifest of a run that is about to write its outputs (timings, layers, files and
/// warnings are filled in as they become final).
pub fn build(job: &Job, d: &RunData, facts: &Facts, started: String) -> Manifest {
    let p = d.parcels;
    Manifest {
        tool: "landcons".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        status: "success".into(),
        started,
        seconds_total: 0.0,
        gdal_version: crate::gdal_util::gdal_version(),
        proj_version: crate::gdal_util::proj_version(),
        settings: d.settings.clone(),
        inputs: InputsInfo {
            dem: job.opened.dem.files.clone(),
            parcels: p.source.path.clone(),
            parcels_layer: p.source.layer_name.clone(),
            parcels_encoding: p.source.encoding.clone(),
            parcels_reprojected: p.source.reprojected,
            parcels_read_as: p.source.read_as.to_string(),
            work_crs: p.source.work_crs.clone(),
        },
        input_hashes: facts.hashes.clone(),
        input_stamps: facts.stamps.clone(),
        terrain: facts.terrain.summary.clone(),
        counts: counts(d, &job.opened.dem, facts.terrain.summary.cells_with_slope),
        layers: BTreeMap::new(),
        stage_timings: Vec::new(),
        cache: CacheInfo { terrain_key: facts.terrain.key.clone(), terrain: facts.terrain.cache.into(), zonal: facts.zonal_cache.clone(), inputs: facts.hash_reuse.clone() },
        files: BTreeMap::new(),
        geometry_issues: p.issues.clone(),
        audit: d.slice::<audit::AuditRow>().unwrap_or(&[]).iter().filter(|r| r.village_code == audit::TOTAL).cloned().collect(),
        warnings: job.ctx.warnings(),
        changes: None,
        shard_plan: job.source.plan_id(),
    }
}

/// The core counts, then each enabled rule's, the new cropland ledger's and the plan
/// progress's.
fn counts(d: &RunData, dem: &Dem, cells_with_slope: u64) -> Counts {
    let progress = d.get::<PlanProgress>().map(progress::counts).unwrap_or_default();
    let rules = rule::enabled(d.settings).flat_map(|r| r.counts(d)).chain(crate::stages::supply::counts(d)).chain(progress).map(|(k, v)| (k.to_string(), v)).collect();
    Counts {
        dem_cells: (dem.grid.cols * dem.grid.rows) as u64,
        dem_cells_with_slope: cells_with_slope,
        parcels: d.parcels.len(),
        cropland_parcels: d.flags().iter().filter(|f| f.is_cropland).count(),
        grade_mismatches: d.slice::<VillageRow>().and_then(|v| v.last()).map(|t| t.grade_mismatch_count).unwrap_or(0),
        geometry_issues: d.parcels.issues.len(),
        parcels_without_data: d.slope.iter().filter(|s| s.grade == 0).count(),
        overlapping_pairs: d.overlaps.len(),
        adjacent_pairs: d.graph.edges.len(),
        rules,
    }
}

/// Size and content hash of the files later runs may reuse: each terrain raster and the
/// zonal cache in `staging`. A stop request ends it (hashing a province's slope raster
/// takes minutes).
pub fn file_records(ctx: &RunContext, staging: &Staging) -> Result<BTreeMap<String, FileRecord>> {
    let mut names = cache::terrain_files(&ctx.settings);
    names.push(ZONAL_CACHE.to_string());
    let stop = || ctx.cancel.signal().is_some();
    let mut out = BTreeMap::new();
    for name in names {
        let path = staging.path(&name);
        if path.exists() {
            let failed = |e| ctx.cancel.check().err().unwrap_or_else(|| Error::output_from(&path, "cannot read back", e));
            out.insert(name, FileRecord::of_unless(&path, &stop).map_err(failed)?);
        }
    }
    Ok(out)
}
