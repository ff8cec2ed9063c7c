//! The per-parcel facts every rule reads: the slope rasters, the parcels (checked for
//! overlaps, measured against the constraints), their zonal statistics and their
//! adjacency. One [`Source`] gives them: computed here, or gathered from the finished
//! shards of a cluster job (`landcons gather`), so both run the same job after them.

use std::collections::{BTreeMap, HashSet};
use std::thread::Scope;

use super::cache::{self, Previous, ZONAL_CACHE};
use super::gather::Gathered;
use super::inputs::{self, Opened};
use super::{checks, join, write, Job};
use crate::context::RunContext;
use crate::error::{Error, Result};
use crate::parcels::Parcels;
use crate::settings::OnOverlap;
use crate::stages::adjacency::{self, Graph};
use crate::stages::constraints::{self, Constraint};
use crate::stages::spatial::BoxTree;
use crate::stages::terrain::{self, SlopeOptions, TerrainSummary};
use crate::stages::topology::{self, Overlap};
use crate::stages::zonal::{self, cache::ZonalCache, ParcelSlope};

/// Where the per-parcel facts come from.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// Computed by this run.
    Computed,
    /// The finished shards' results of the current plan.
    Gathered(&'a Gathered),
}

pub use super::stamps::Hashes;

/// The per-parcel facts of a run.
pub struct Facts {
    pub parcels: Parcels,
    pub slope: Vec<ParcelSlope>,
    pub overlaps: Vec<Overlap>,
    /// Per constraint, each parcel's share inside it.
    pub shares: Vec<Vec<f64>>,
    pub graph: Graph,
    pub terrain: Terrain,
    pub hashes: Hashes,
    /// The inputs' stamps and which hashes were reused (for the manifest).
    pub stamps: BTreeMap<String, crate::output::manifest::InputStamp>,
    pub hash_reuse: serde_json::Value,
    /// What the zonal stage reused (for the manifest).
    pub zonal_cache: serde_json::Value,
}

/// The terrain stage's outcome.
pub struct Terrain {
    pub key: String,
    pub summary: TerrainSummary,
    /// "hit", "miss", "disabled" or "sharded".
    pub cache: &'static str,
    /// The slope cells, kept from computing them when they fit the memory budget,
    /// for the zonal stage (then dropped).
    cells: Option<Vec<f32>>,
}

/// The parcels as read and checked.
struct Checked {
    parcels: Parcels,
    /// Their bounding boxes, for the stages that look for neighbours.
    tree: BoxTree,
    overlaps: Vec<Overlap>,
    shares: Vec<Vec<f64>>,
}

/// Every per-parcel fact: the parcels are read, checked and measured while the terrain
/// stage runs (and the inputs are hashed beside both); then zonal statistics and adjacency.
pub fn facts<'s, 'a: 's>(job: &Job<'a>, scope: &'s Scope<'s, '_>) -> Result<Facts> {
    let (ctx, opened, source): (&'a RunContext, &'a Opened, Source<'a>) = (job.ctx, job.opened, job.source);
    let dem = &opened.dem;
    let previous = job.previous.filter(|_| !job.opts.no_cache).map(|p| &p.manifest);
    let hashing = scope.spawn(move || match source {
        // A gather trusts the plan's hashes (the inputs' sizes and times were checked).
        Source::Gathered(g) => super::stamps::Hashed { hashes: g.plan.input_hashes.clone(), stamps: BTreeMap::new(), report: serde_json::Value::Null },
        Source::Computed => super::stamps::hash_inputs(ctx, &dem.files, previous),
    });
    let constraints: &'a [Constraint] = &opened.constraints;
    let reading = scope.spawn(move || read_and_check(ctx, constraints, source));
    let mut stamped = None;
    let (mut terrain, hashes) = terrain_stage(job, || {
        let h = join(hashing);
        stamped = Some((h.stamps, h.report));
        h.hashes
    })?;
    let (stamps, hash_reuse) = stamped.unwrap_or_default();
    let Checked { parcels, tree, overlaps, shares } = join(reading)?;
    inputs::check_extents(dem, &parcels)?;
    let (slope, zonal_cache) = zonal_stage(job, &parcels, &terrain)?;
    inputs::warn_void_areas(ctx, dem, &terrain.summary, &parcels);
    terrain.cells = None; // the zonal stage was their only reader
    checks::dem_under_parcels(dem, &parcels, &slope)?;
    let graph = adjacency_stage(job, &parcels, tree, &overlaps)?;
    Ok(Facts { parcels, slope, overlaps, shares, graph, terrain, hashes, stamps, hash_reuse, zonal_cache })
}

/// Reads the parcels (timed), finds overlapping pairs (reported, or an error when
/// `topology.overlaps = "error"`), and measures every parcel against the constraints.
fn read_and_check(ctx: &RunContext, constraints: &[Constraint], source: Source) -> Result<Checked> {
    let parcels = ctx.stage_with_progress("parcels", |p| inputs::parcels(ctx, p))?;
    inputs::warn_about_parcels(ctx, &parcels);
    if let Source::Gathered(g) = source {
        g.check_townships(&parcels)?;
    }
    let topology = &ctx.settings.topology;
    let tree = BoxTree::of(parcels.shapes());
    let overlaps = ctx.stage_with_progress("topology", |p| topology::overlaps(&parcels, &tree, topology.min_overlap_m2, p, &ctx.cancel))?;
    if let Some(what) = checks::overlaps_found(&parcels, &overlaps, topology.min_overlap_m2) {
        let src = &parcels.source;
        if topology.overlaps == OnOverlap::Error {
            return Err(Error::input(&src.path, format!("layer {}: {what}; a survey layer must have none (topology.overlaps = \"error\")", src.layer_name)));
        }
        ctx.warn("overlapping_parcels", format!("{}: {what}; listed in layer topology_issues, never taken for neighbours", src.path.display()));
    }
    let shares = match (constraints.is_empty(), source) {
        (true, _) => Vec::new(),
        (false, Source::Gathered(g)) => ctx.stage("constraints", || g.shares(&parcels, constraints.len()))?,
        (false, Source::Computed) => ctx.stage_with_progress("constraints", |p| constraints::shares(constraints, &parcels, p, &ctx.cancel))?,
    };
    Ok(Checked { parcels, tree, overlaps, shares })
}

/// The slope rasters: gathered from the shards' tiles; reused from the previous result
/// set when the DEM and the terrain settings hash the same (and its files check out); else
/// computed. Returns the inputs' hashes too: they are waited for first only when the
/// rasters may be reused; otherwise the rasters are computed while the inputs are hashed.
fn terrain_stage(job: &Job, wait_for_hashes: impl FnOnce() -> Hashes) -> Result<(Terrain, Hashes)> {
    let (ctx, s, dem) = (job.ctx, &job.ctx.settings, &job.opened.dem);
    if let Source::Gathered(g) = job.source {
        let hashes = wait_for_hashes();
        let key = cache::terrain_key(s, dem, &hashes);
        let summary = ctx.stage("terrain", || {
            let summary = g.write_rasters(&job.staging.dir, s, &dem.grid)?;
            write::write_raster_styles(s, &job.staging.dir)?;
            Ok(summary)
        })?;
        checks::warn_fill_values(ctx, dem, &summary);
        return Ok((Terrain { key, summary, cache: "sharded", cells: None }, hashes));
    }
    let mut wait = Some(wait_for_hashes);
    let mut hashes = || wait.take().map(|w| w()).expect("the inputs' hashes are waited for once");
    let (cache, reused, known) = match (job.opts.no_cache, job.previous) {
        (false, Some(p)) => {
            let known = hashes();
            let key = cache::terrain_key(s, dem, &known);
            let reused = cache::reuse_terrain(p, &key, s, &job.staging.dir);
            (if reused.is_some() { "hit" } else { "miss" }, reused, Some((known, key)))
        }
        (no_cache, _) => (if no_cache { "disabled" } else { "miss" }, None, None),
    };
    let (summary, cells) = ctx.stage("terrain", || match reused {
        Some((summary, _)) => {
            tracing::info!("terrain: DEM and settings unchanged, slope rasters reused");
            Ok((summary, None))
        }
        None => compute_terrain(job),
    })?;
    checks::warn_fill_values(ctx, dem, &summary);
    let (hashes, key) = known.unwrap_or_else(|| {
        let hashes = hashes();
        let key = cache::terrain_key(s, dem, &hashes);
        (hashes, key)
    });
    Ok((Terrain { key, summary, cache, cells }, hashes))
}

/// The slope and grade rasters written into the result set (and their styles), the
/// slope cells kept when they fit the memory budget.
fn compute_terrain(job: &Job) -> Result<(TerrainSummary, Option<Vec<f32>>)> {
    let (ctx, s, dem) = (job.ctx, &job.ctx.settings, &job.opened.dem);
    let progress = ctx.progress("terrain");
    let opts = SlopeOptions { language: s.output.language, ..SlopeOptions::from_settings(&s.terrain, s.run.memory_limit_bytes()) };
    let slope = job.staging.path(&s.output.slope);
    let grades = job.staging.path(&s.output.slope_grade);
    let keep = terrain::slope_fits_in_memory(&dem.grid, opts.memory_limit_bytes);
    let paths = (slope.as_path(), Some(grades.as_path()));
    let (summary, cells) = terrain::write_slope_rasters_keeping(dem, &opts, paths, keep, &progress, &ctx.cancel)?;
    progress.finish();
    write::write_raster_styles(s, &job.staging.dir)?;
    // The commit syncs them; the disk may as well start now.
    crate::output::atomic::start_writeback(&slope)?;
    crate::output::atomic::start_writeback(&grades)?;
    Ok((summary, cells))
}

/// Zonal statistics; parcels whose id and geometry are unchanged since the previous
/// result set keep theirs when the slope raster is the same (same terrain key).
fn zonal_stage(job: &Job, parcels: &Parcels, terrain: &Terrain) -> Result<(Vec<ParcelSlope>, serde_json::Value)> {
    let (ctx, s, key) = (job.ctx, &job.ctx.settings, &terrain.key);
    let hashes = zonal::cache::geometry_hashes(parcels);
    if let Source::Gathered(g) = job.source {
        let stats = ctx.stage("zonal", || g.zonal(parcels, key))?;
        zonal::cache::save(&job.staging.path(ZONAL_CACHE), key, parcels, &hashes, &stats)?;
        return Ok((stats, serde_json::json!("sharded")));
    }
    let known = match (job.opts.no_cache, job.previous) {
        (false, Some(p)) if cache::intact(p, ZONAL_CACHE) => ZonalCache::load(&p.dir.join(ZONAL_CACHE), key).lookup(parcels, &hashes),
        _ => vec![None; parcels.len()],
    };
    let reused = known.iter().filter(|k| k.is_some()).count();
    let stats = ctx.stage("zonal", || {
        let progress = ctx.progress("zonal");
        let path = job.staging.path(&s.output.slope);
        let raster = zonal::SlopeRaster { path: &path, grid: &job.opened.dem.grid, breaks: s.terrain.grade_breaks, cells: terrain.cells.as_deref() };
        let stats = zonal::zonal_slope_reusing(parcels, known, &raster, &progress, &ctx.cancel);
        progress.finish();
        stats
    })?;
    zonal::cache::save(&job.staging.path(ZONAL_CACHE), key, parcels, &hashes, &stats)?;
    let info = match job.opts.no_cache {
        true => serde_json::json!("disabled"),
        false => serde_json::json!({ "reused": reused, "computed": parcels.len() - reused }),
    };
    Ok((stats, info))
}

/// The adjacency graph, overlapping pairs removed (they are never neighbours).
fn adjacency_stage(job: &Job, parcels: &Parcels, tree: BoxTree, overlaps: &[Overlap]) -> Result<Graph> {
    let excluded: HashSet<(usize, usize)> = overlaps.iter().map(|o| (o.a, o.b)).collect();
    job.ctx.stage_with_progress("adjacency", |p| {
        let graph = match job.source {
            Source::Gathered(g) => g.graph(parcels)?,
            Source::Computed => adjacency::build(parcels.shapes(), &tree, job.ctx.settings.merge.tolerance_m, 0.0, p),
        };
        drop(tree); // adjacency was the last to look for neighbours
        Ok(graph.without(&excluded))
    })
}

/// The previous result set's rows, for the change report (read beside the run).
pub fn previous_snapshot(previous: Option<&Previous>, ctx: &RunContext) -> Option<crate::changes::Snapshot> {
    let gpkg = previous?.dir.join(&ctx.settings.output.gpkg);
    match crate::changes::Snapshot::read(&gpkg) {
        Ok(s) => Some(s),
        Err(e) => {
            // Unreadable ones (another tool version) only cost the change report.
            tracing::warn!("no change report: the previous results cannot be read ({})", e.full_message());
            None
        }
    }
}

impl Source<'_> {
    /// A gather's plan must match the inputs and settings of this run.
    pub fn check(&self, ctx: &RunContext, opened: &Opened) -> Result<()> {
        match self {
            Source::Gathered(g) => g.plan.check(&ctx.settings, &inputs::input_files(&ctx.settings, &opened.dem.files), &ctx.settings.output.dir),
            Source::Computed => Ok(()),
        }
    }

    /// The shard plan the facts came from, for the manifest.
    pub fn plan_id(&self) -> Option<String> {
        match self {
            Source::Gathered(g) => Some(g.plan.id.clone()),
            Source::Computed => None,
        }
    }
}
