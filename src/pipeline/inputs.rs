//! The run's inputs: opened and checked before anything is written, so a bad input
//! leaves the output folder alone.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::context::RunContext;
use crate::error::{Error, Result};
use crate::output::hash::content_hash_unless;
use crate::parcels::{read_parcels_within, work_crs_of, Parcels, ReadOptions};
use crate::progress::Progress;
use crate::raster::{self, Dem};
use crate::settings::Settings;
use crate::stages::constraints::{self, Constraint};
use crate::vector::crs;

/// What is opened before anything is written.
pub struct Opened {
    pub dem: Dem,
    /// The metric CRS of all vector work and of every output layer.
    pub work_crs: crs::WorkCrs,
    /// `[[constraints]]` and `[[reforestation.zones]]`, read and buffered.
    pub constraints: Vec<Constraint>,
    /// The previous results whose plan is followed up (`progress.baseline`), found and
    /// checked (read after the rules).
    pub baseline: Option<super::baseline::Located>,
}

/// Opens the DEM (as one mosaic), finds the parcels' working CRS, reads the constraint
/// layers into it. (`landcons validate` runs this too: what it accepts, a run opens.)
pub fn open(ctx: &RunContext) -> Result<Opened> {
    let inputs = &ctx.settings.inputs;
    let dem = raster::open_dem_band(&inputs.dem, inputs.dem_nodata, inputs.dem_crs.as_deref(), inputs.dem_band)?;
    let files = || dem.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ");
    if let (Some(set), Some(declared)) = (inputs.dem_nodata, dem.declared_nodata) {
        if set != declared {
            let file = dem.files[0].display();
            ctx.warn("dem_nodata_override", format!("{file}: inputs.dem_nodata = {set} overrides the nodata value {declared} the file declares"));
        }
    }
    if let Some(height) = raster::dem::constant_height(&dem) {
        ctx.warn("dem_constant", format!("{}: every cell holds the same height ({height}): every slope is 0° and every parcel grade 1; check that it is the DEM meant (not a placeholder or a failed export)", files()));
    }
    let work_crs = work_crs_of(inputs)?;
    if let Some(previous) = previous_inputs(&ctx.settings) {
        crate::parcels::check_same_crs(&previous, inputs)?;
    }
    let baseline = ctx.settings.progress.baseline.as_deref().map(super::baseline::locate).transpose()?;
    if let Some(b) = &baseline {
        super::baseline::check(b, &work_crs)?;
    }
    tracing::info!(crs = %work_crs.name, reason = %work_crs.reason, "working CRS");
    let settings = ctx.settings.all_constraints();
    let constraints: Vec<Constraint> = match settings.is_empty() {
        true => Vec::new(),
        false => ctx.stage("controls", || settings.iter().map(|c| constraints::load(c, &work_crs.wkt)).collect())?,
    };
    for c in constraints.iter().filter(|c| c.is_empty()) {
        let s = &c.settings;
        ctx.warn("constraint_empty", format!("{}: the constraint layer {:?} ({}) has no features: it excludes, includes and flags nothing", s.path.display(), s.name, s.key("layer")));
    }
    Ok(Opened { dem, work_crs, constraints, baseline })
}

/// What is suspicious in the parcels as read: geometry problems (repaired or skipped)
/// and parcels without a land-use code.
pub fn warn_about_parcels(ctx: &RunContext, parcels: &Parcels) {
    if let Some(first) = parcels.issues.first() {
        let what = format!("{} features with geometry problems, e.g. {}: {} ({})", parcels.issues.len(), first.id, first.problem, first.action);
        ctx.warn("geometry_issues", format!("{}: {what}; all listed in the manifest's geometry_issues", parcels.source.path.display()));
    }
    warn_missing_land_use(ctx, parcels);
}

/// Parcels without a land-use code (null or empty) are never cropland, never a
/// candidate: said, with how many and the first ids, as their number may mean a wrong
/// `fields.land_use`.
fn warn_missing_land_use(ctx: &RunContext, parcels: &Parcels) {
    let missing: Vec<usize> = (0..parcels.len()).filter(|&i| parcels.land_use(i).trim().is_empty()).collect();
    if missing.is_empty() {
        return;
    }
    let first: Vec<String> = missing.iter().take(5).map(|&i| format!("{:?}", parcels.id(i))).collect();
    ctx.warn(
        "land_use_missing",
        format!(
            "{}: {} of {} parcels have no land-use code ({} is null or empty), e.g. {}{}: they are never cropland nor a candidate",
            parcels.source.path.display(),
            missing.len(),
            parcels.len(),
            ctx.settings.fields.land_use,
            first.join(", "),
            if missing.len() > first.len() { ", …" } else { "" }
        ),
    );
}

/// Reads the parcel layer (into its working CRS), counting features on `progress`.
pub fn parcels(ctx: &RunContext, progress: &Progress) -> Result<Parcels> {
    let options = ReadOptions {
        inputs: &ctx.settings.inputs,
        fields: &ctx.settings.fields,
        cancel: &ctx.cancel,
    };
    read_parcels_within(&options, None, progress)
}

/// The previous survey's parcel layer as inputs (`inputs.previous_parcels`), if set.
fn previous_inputs(s: &crate::settings::Settings) -> Option<crate::settings::Inputs> {
    let path = s.inputs.previous_parcels.as_deref()?;
    Some(crate::parcels::inputs_of(&s.inputs, crate::parcels::Survey { path, layer: &s.inputs.previous_parcels_layer }))
}

/// The land-use transitions from the previous survey (`inputs.previous_parcels`) to the
/// run's parcels, stored in `data` (nothing when the setting is not given).
pub fn transitions(ctx: &RunContext, data: &crate::layers::RunData) -> Result<()> {
    let Some(previous) = previous_inputs(&ctx.settings) else { return Ok(()) };
    ctx.stage("transitions", || {
        let work = &data.parcels.source.work_crs.wkt;
        let old = crate::parcels::read_into(&previous, work, &ctx.settings.fields, &ctx.cancel)?;
        data.put(crate::stages::transitions::compare(&old, data.parcels, &ctx.cancel)?);
        Ok(())
    })
}

/// Void areas filled with a constant (`stages::terrain::plateaus`), each value named with
/// the parcels that touch its areas, once the zonal stage has measured them. Said again on
/// every run that uses these slope rasters.
pub fn warn_void_areas(ctx: &RunContext, dem: &Dem, summary: &crate::stages::terrain::TerrainSummary, parcels: &Parcels) {
    use crate::stages::terrain::plateaus;
    let files = dem.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ");
    let cells = (dem.grid.cols * dem.grid.rows) as u64;
    for v in &summary.void_areas {
        let touching = plateaus::parcels_touching(v, parcels, &dem.grid);
        ctx.warn("dem_fill_value", plateaus::warning(&files, v, cells, dem.declared_nodata, Some(touching), "inputs.dem_nodata = "));
    }
}

/// Parcels entirely off the DEM are a configuration mistake (wrong CRS, wrong file):
/// refused before any output is touched. (Parcels with broken coordinates are named by
/// the zonal stage, which maps each into the DEM's grid.)
pub fn check_extents(dem: &Dem, parcels: &Parcels) -> Result<()> {
    let source = &parcels.source;
    let Some(extent) = parcels.extent() else { return Ok(()) };
    let p = match crs::transform_between(&source.work_crs.wkt, &dem.grid.crs_wkt) {
        Ok(Some(t)) => t.transform_bounds(&extent, 21).unwrap_or(extent),
        _ => extent,
    };
    let d = dem.grid.extent();
    if p[0] < d[2] && p[2] > d[0] && p[1] < d[3] && p[3] > d[1] {
        return Ok(());
    }
    Err(Error::input(
        &source.path,
        format!(
            "the parcels do not overlap the DEM at all: parcels extent [{:.3}, {:.3}, {:.3}, {:.3}], DEM extent [{:.3}, {:.3}, {:.3}, {:.3}] (in the DEM's CRS); check the CRS of both",
            p[0], p[1], p[2], p[3], d[0], d[1], d[2], d[3]
        ),
    ))
}

/// Every input file: the DEM tiles, the parcels, the zones and constraint layers.
pub fn input_files(s: &Settings, dem_files: &[PathBuf]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = dem_files.to_vec();
    files.push(s.inputs.parcels.clone());
    files.extend(s.inputs.previous_parcels.iter().cloned());
    files.extend(s.reforestation.zones.iter().map(|z| z.path.clone()));
    files.extend(s.constraints.iter().map(|c| c.path.clone()));
    files
}

/// Every input file with the setting that names it, for messages.
pub fn keyed_input_files(s: &Settings, dem_files: &[PathBuf]) -> Vec<(String, PathBuf)> {
    let mut files: Vec<(String, PathBuf)> = dem_files.iter().map(|f| ("inputs.dem".to_string(), f.clone())).collect();
    files.push(("inputs.parcels".into(), s.inputs.parcels.clone()));
    files.extend(s.inputs.previous_parcels.iter().map(|p| ("inputs.previous_parcels".to_string(), p.clone())));
    files.extend(s.reforestation.zones.iter().map(|z| ("reforestation.zones".to_string(), z.path.clone())));
    files.extend(s.constraints.iter().map(|c| (format!("constraints ({})", c.name), c.path.clone())));
    files
}

/// SHA-256 of every input file (shapefiles with their sidecars), keyed by path; None for
/// a file that cannot be read, or all that are left when a stop is requested (the run
/// then stops without using them).
pub fn input_hashes(ctx: &RunContext, dem_files: &[PathBuf]) -> BTreeMap<String, Option<String>> {
    let stop = || ctx.cancel.signal().is_some();
    input_files(&ctx.settings, dem_files)
        .into_iter()
        .map(|f| (f.display().to_string(), content_hash_unless(&f, &stop).ok()))
        .collect()
}
