//! The pipeline: composes the stages in order, overlaps what can run side by side,
//! and turns their plain data into one committed result set.
//!
//! inputs (DEM, constraints; parcels read, checked for overlaps and measured against the
//! constraints alongside terrain) → terrain → zonal → rules →
//! adjacency → merge (alongside the first layers' writing) → outputs → commit.

mod cache;
mod folder;
mod gather;
mod inputs;
mod names;
mod project;
mod rules;
mod shard;
mod write;

pub use gather::Gathered;
pub use inputs::keyed_input_files;
pub use names::{check_inputs_apart, result_names};
pub use write::{REPORT, WORKBOOK};
pub use shard::{plan_shards, run_shard, ShardOutcome};

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::thread::ScopedJoinHandle;
use std::time::Instant;

use crate::changes::{Changes, Snapshot};
use crate::context::RunContext;
use crate::error::{Error, Result};
use crate::layers::{MergeData, MergePlan, RunData};
use crate::output::manifest::{CacheInfo, Counts, FileRecord, InputsInfo, Manifest};
use crate::output::{Lock, Staging};
use crate::parcels::Parcels;
use crate::progress::Progress;
use crate::raster::{self, Dem};
use crate::stages::terrain::{self, SlopeOptions, TerrainSummary};
use crate::stages::zonal::{self, cache::ZonalCache, ParcelSlope};
use crate::settings::OnOverlap;
use crate::stages::audit;
use crate::stages::constraints::{self, Constraint, Constraints};
use crate::stages::linkage::LinkageRow;
use crate::stages::reclamation::ReclamationPlan;
use crate::stages::swap::SwapPlan;
use crate::stages::topology::{self, Overlap};
use crate::stages::spatial::BoxTree;
use crate::stages::{adjacency, dissolve, reforestation, villages};
use cache::{Previous, ZONAL_CACHE};
use folder::CreatedDir;

/// How to run, beyond the settings.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Recompute every stage even when the previous run's results can be reused.
    pub no_cache: bool,
    /// Replace files landcons did not write where its results go (`--force`).
    pub force: bool,
}

/// What a run did: its manifest, the files it made visible, and what changed.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub manifest: Manifest,
    pub outputs: Vec<PathBuf>,
    pub changes: Option<String>,
}

/// Runs the whole job of `ctx.settings`.
pub fn run(ctx: &RunContext, opts: &RunOptions) -> Result<RunReport> {
    run_with(ctx, opts, None)
}

/// Runs the job over all parcels with the per-parcel results of the finished shards of
/// the current plan (`landcons gather`); the slope rasters become VRTs over their tiles.
pub fn gather(ctx: &RunContext, opts: &RunOptions) -> Result<RunReport> {
    let gathered = Gathered::load(&ctx.settings.output.dir)?;
    run_with(ctx, opts, Some(&gathered))
}

fn run_with(ctx: &RunContext, opts: &RunOptions, gathered: Option<&Gathered>) -> Result<RunReport> {
    let s = &ctx.settings;
    raster::set_gdal_cache(s.run.memory_limit_bytes());
    // Inputs open before anything is written: a bad input leaves the output folder alone.
    let opened = inputs::open(ctx)?;
    if let Some(g) = gathered {
        g.plan.check(s, &inputs::input_files(s, &opened.dem.files), &s.output.dir)?;
    }
    let names = names::result_names(s)?;
    names::check_inputs_apart(&s.output.dir, &names, &inputs::keyed_input_files(s, &opened.dem.files))?;
    crate::output::owned::check_private_folders(&s.output.dir)?;
    let created = CreatedDir::new(&s.output.dir);
    let _lock = Lock::acquire(&s.output.dir)?;
    let staging = Staging::begin(&s.output.dir, &names, opts.force)?;
    let previous = Previous::find(&s.output.dir, s);
    let report = std::thread::scope(|scope| {
        let job = Job { ctx, opts, dem: &opened.dem, work_crs: &opened.work_crs, constraints: &opened.constraints, staging: &staging, previous: previous.as_ref(), gathered };
        job.run(scope)
    })?;
    let outputs = staging.commit()?;
    created.keep();
    Ok(RunReport { outputs, ..report })
}

/// One run's inputs and folders, shared by its steps.
struct Job<'a> {
    ctx: &'a RunContext,
    opts: &'a RunOptions,
    dem: &'a Dem,
    work_crs: &'a crate::vector::crs::WorkCrs,
    constraints: &'a [Constraint],
    staging: &'a Staging,
    previous: Option<&'a Previous>,
    /// The shards' per-parcel results, in a gather.
    gathered: Option<&'a Gathered>,
}

/// The per-parcel results of the analysis stages.
struct Analysis {
    slope: Vec<ParcelSlope>,
    zonal_cache: serde_json::Value,
    flags: Vec<crate::stages::reforestation::ParcelFlags>,
    village_rows: Vec<crate::stages::villages::VillageRow>,
    overlaps: Vec<Overlap>,
    graph: adjacency::Graph,
    swap: Option<SwapPlan>,
    reclamation: Option<(ReclamationPlan, Vec<LinkageRow>)>,
}

/// Each input file's content hash (None where it could not be read), by path.
type Hashes = BTreeMap<String, Option<String>>;

/// The results that follow the merge plan (`Job::after_merge`).
struct AfterMerge {
    merge: MergeData,
    outlines: Vec<dissolve::VillageShape>,
    audit: Vec<audit::AuditRow>,
    indicators: Vec<crate::stages::indicators::IndicatorRow>,
}

/// The terrain stage's outcome.
struct Terrain {
    key: String,
    summary: TerrainSummary,
    cache: &'static str,
    /// The slope cells, kept from computing them when they fit the memory budget,
    /// for the zonal stage (then dropped).
    cells: Option<Vec<f32>>,
}

impl<'a> Job<'a> {
    fn run<'s>(&self, scope: &'s std::thread::Scope<'s, 'a>) -> Result<RunReport>
    where
        'a: 's,
    {
        let (ctx, started, started_at) = (self.ctx, Instant::now(), crate::time::now());
        let dem = self.dem;
        let gathered = self.gathered;
        // A gather trusts the plan's hashes (the inputs' sizes and times were checked).
        let hashing = scope.spawn(move || match gathered {
            Some(g) => g.plan.input_hashes.clone(),
            None => inputs::input_hashes(ctx, &dem.files),
        });
        let previous = self.previous;
        let reading_previous = scope.spawn(move || previous_snapshot(previous, ctx));
        // The parcels are read, and checked for overlaps, while the terrain stage runs.
        let constraints = self.constraints;
        let reading_parcels = scope.spawn(move || read_and_check(ctx, constraints, gathered));
        let (mut terrain, input_hashes) = self.terrain(move || join(hashing))?;
        let Checked { parcels, tree, overlaps, shares } = join(reading_parcels)?;
        inputs::check_extents(dem, &parcels)?;
        let constraints = Constraints { list: self.constraints, shares: &shares };
        let a = self.analyse(&parcels, tree, overlaps, constraints, &mut terrain)?;
        // The terrain rasters and the zonal cache are final: hashed while the merge runs,
        // not at the end, where the GeoPackage's last layers are the critical path.
        let staging = self.staging;
        let recording = scope.spawn(move || file_records(ctx, staging));
        let s = &ctx.settings;
        let mut data = RunData {
            settings: s,
            parcels: &parcels,
            slope: &a.slope,
            flags: &a.flags,
            graph: &a.graph,
            overlaps: &a.overlaps,
            constraints,
            swap: a.swap.as_ref(),
            reclamation: a.reclamation.as_ref().map(|r| &r.0),
            linkage: a.reclamation.as_ref().map(|r| r.1.as_slice()),
            indicators: None,
            merge_plan: None,
            merge: None,
            villages: None,
            audit: None,
            village_shapes: None,
        };
        data.villages = Some(&a.village_rows);
        let plan = std::sync::OnceLock::new();
        let (after, results) = self.merge_beside_writing(data, &plan);
        data.merge_plan = plan.get();
        let after = after?;
        crate::malloc::release_free_memory();
        data.merge = Some(&after.merge);
        data.village_shapes = Some(&after.outlines);
        data.audit = Some(&after.audit);
        data.indicators = Some(&after.indicators);
        let mut manifest = self.manifest(&data, &terrain, a.zonal_cache, input_hashes, started_at);
        let previous = move || join(reading_previous);
        let changes = ctx.stage_with_progress("output", |p| self.write_outputs(&data, results, previous, &mut manifest, started, p))?;
        manifest.stage_timings = ctx.timings();
        manifest.seconds_total = started.elapsed().as_secs_f64();
        manifest.files = join(recording)?;
        manifest.warnings = ctx.warnings();
        manifest.write(&self.staging.path(&s.output.manifest))?;
        ctx.cancel.check()?;
        Ok(RunReport { manifest, outputs: Vec::new(), changes: changes.map(|c| c.summary()) })
    }

    /// The merge stage, with the GeoPackage being written beside it: the layers ready
    /// now (adjacency, the rules') while the merge plan is made (which parcels merge is
    /// known quickly), then the parcels and merge candidates while the fields are
    /// dissolved and the rest of `after_merge` runs. The plan is left in `plan`.
    fn merge_beside_writing<'p>(&self, data: RunData<'p>, plan: &'p std::sync::OnceLock<MergePlan>) -> (Result<AfterMerge>, Result<write::Results>) {
        let s = &self.ctx.settings;
        std::thread::scope(|inner| {
            let (planned, plan_made) = std::sync::mpsc::channel::<()>();
            let early = inner.spawn(move || -> Result<write::Results> {
                let mut r = write::Results::create(&self.staging.path(&s.output.gpkg), &self.work_crs.wkt)?;
                r.write_ready(&data)?;
                if plan_made.recv().is_ok() {
                    r.write_ready(&RunData { merge_plan: plan.get(), ..data })?;
                }
                Ok(r)
            });
            let analysis = || {
                let made = self.ctx.stage_with_progress("merge", |p| Ok(rules::merge_plan_stage(&data, p)));
                made.and_then(|made| {
                    let plan = plan.get_or_init(|| made);
                    let _ = planned.send(());
                    self.after_merge(RunData { merge_plan: Some(plan), ..data }, plan)
                })
            };
            let after = beside_one_thread(analysis);
            // Without a plan (the stage failed) the writer must not wait for one.
            drop(planned);
            (after, join(early))
        })
    }

    /// What follows the merge plan, beside the GeoPackage's first layers: the fields
    /// dissolved, the village outlines, the audit and the indicators, and the tables
    /// (CSVs, workbook) that need nothing else.
    fn after_merge(&self, data: RunData, plan: &MergePlan) -> Result<AfterMerge> {
        let ctx = self.ctx;
        // A copy that may borrow what is made here (RunData is covariant).
        let mut data: RunData<'_> = data;
        let merge = ctx.stage_with_progress("merge_fields", |p| Ok(rules::merge_fields_stage(&data, plan, p)))?;
        data.merge = Some(&merge);
        let outlines = ctx.stage_with_progress("village_outlines", |p| dissolve::village_outlines(data.parcels, data.slope, p, &ctx.cancel))?;
        data.village_shapes = Some(&outlines);
        let audit = ctx.stage("audit", || Ok(rules::audit_stage(&data)))?;
        data.audit = Some(&audit);
        let indicators = ctx.stage("indicators", || rules::indicator_stage(&data))?;
        data.indicators = Some(&indicators);
        ctx.stage("tables", || {
            write::write_csvs(&data, &self.staging.dir)?;
            write::write_workbook(&data, &self.staging.dir)
        })?;
        Ok(AfterMerge { merge, outlines, audit, indicators })
    }

    /// The output stage, in five steps: the remaining layers, the change report (against
    /// `previous`, read alongside), report.html, styles, the QGIS project. (The CSVs and
    /// the workbook were written beside the merge, in `after_merge`.)
    fn write_outputs(
        &self,
        data: &RunData,
        results: Result<write::Results>,
        previous: impl FnOnce() -> Option<Snapshot>,
        manifest: &mut Manifest,
        started: Instant,
        progress: &Progress,
    ) -> Result<Option<Changes>> {
        let (ctx, dir) = (self.ctx, &self.staging.dir);
        progress.set_length(5);
        let step = |done: Result<()>| done.map(|()| progress.inc(1));
        let mut results = results?;
        step(results.write_ready(data))?;
        let changes = results.write_changes(data, previous().as_ref())?;
        progress.inc(1);
        manifest.layers = results.counts.clone();
        manifest.stage_timings = ctx.timings();
        manifest.changes = changes.as_ref().map(|c| c.summary_json());
        let metadata = serde_json::to_string(&*manifest).unwrap_or_default();
        let styles = results.styles(data, changes.as_ref());
        // Three files apart: the GeoPackage is finished while the report and the QGIS
        // project are written.
        std::thread::scope(|scope| {
            let closing = scope.spawn(|| results.finish(data, &styles, &metadata));
            let seconds = started.elapsed().as_secs_f64();
            step(write::write_report(data, manifest, changes.as_ref(), seconds, dir))?;
            step(project::write_project(data, &styles, dir, &self.work_crs.wkt))?;
            step(join(closing))
        })?;
        Ok(changes)
    }

    /// Zonal statistics, the rules, and the adjacency graph (overlapping pairs removed).
    fn analyse(&self, parcels: &Parcels, tree: BoxTree, overlaps: Vec<Overlap>, constraints: Constraints, terrain: &mut Terrain) -> Result<Analysis> {
        let (ctx, s) = (self.ctx, &self.ctx.settings);
        let (slope, zonal_cache) = self.zonal(parcels, terrain)?;
        inputs::warn_void_areas(ctx, self.dem, &terrain.summary, parcels);
        terrain.cells = None; // the zonal stage was their only reader
        check_dem_under_parcels(self.dem, parcels, &slope)?;
        let (flags, village_rows) = ctx.stage("rules", || {
            let text = reforestation::ReasonText { breaks: s.terrain.grade_breaks, language: s.output.language };
            let flags = reforestation::reforestation(parcels, &slope, &s.reforestation, text, constraints);
            let rows = villages::village_summary(parcels, &slope, &flags);
            Ok((flags, rows))
        })?;
        let excluded: HashSet<(usize, usize)> = overlaps.iter().map(|o| (o.a, o.b)).collect();
        let graph = ctx.stage_with_progress("adjacency", |p| {
            let graph = match self.gathered {
                Some(g) => g.graph(parcels)?,
                None => adjacency::build(parcels.shapes(), &tree, s.merge.tolerance_m, 0.0, p),
            };
            drop(tree); // adjacency was the last to look for neighbours
            Ok(graph.without(&excluded))
        })?;
        let swap = match s.swap.enabled {
            true => Some(ctx.stage_with_progress("swap", |p| Ok(rules::swap_stage(s, parcels, &slope, &flags, &graph, constraints, p)))?),
            false => None,
        };
        let reclamation = match s.reclamation.enabled {
            true => Some(ctx.stage("reclamation", || Ok(rules::reclamation_stage(s, parcels, &slope, &flags, &graph, constraints)))?),
            false => None,
        };
        let mut village_rows = village_rows;
        if let Some(plan) = &swap {
            villages::add_swap(&mut village_rows, parcels, &slope, &plan.roles);
        }
        Ok(Analysis { slope, zonal_cache, flags, village_rows, overlaps, graph, swap, reclamation })
    }

    /// The slope rasters: reused from the previous result set when the DEM and the
    /// terrain settings hash the same (and its files check out), else computed. Returns
    /// the inputs' hashes too: they are waited for first only when the rasters may be
    /// reused; otherwise the rasters are computed while the inputs are hashed.
    fn terrain(&self, wait_for_hashes: impl FnOnce() -> Hashes) -> Result<(Terrain, Hashes)> {
        let (ctx, s) = (self.ctx, &self.ctx.settings);
        let mut wait = Some(wait_for_hashes);
        let mut hashes = || wait.take().map(|w| w()).expect("the inputs' hashes are waited for once");
        if let Some(g) = self.gathered {
            let hashes = hashes();
            let key = cache::terrain_key(s, self.dem, &hashes);
            let summary = ctx.stage("terrain", || {
                let summary = g.write_rasters(&self.staging.dir, s, &self.dem.grid)?;
                write::write_raster_styles(s, &self.staging.dir)?;
                Ok(summary)
            })?;
            warn_fill_values(ctx, self.dem, &summary);
            return Ok((Terrain { key, summary, cache: "sharded", cells: None }, hashes));
        }
        let (cache, reused, known) = match (self.opts.no_cache, self.previous) {
            (false, Some(p)) => {
                let known = hashes();
                let key = cache::terrain_key(s, self.dem, &known);
                let reused = cache::reuse_terrain(p, &key, s, &self.staging.dir);
                (if reused.is_some() { "hit" } else { "miss" }, reused, Some((known, key)))
            }
            (no_cache, _) => (if no_cache { "disabled" } else { "miss" }, None, None),
        };
        let (summary, cells) = ctx.stage("terrain", || {
            if let Some((summary, _)) = reused {
                tracing::info!("terrain: DEM and settings unchanged, slope rasters reused");
                return Ok((summary, None));
            }
            let progress = ctx.progress("terrain");
            let opts = SlopeOptions { language: s.output.language, ..SlopeOptions::from_settings(&s.terrain, s.run.memory_limit_bytes()) };
            let slope = self.staging.path(&s.output.slope);
            let grades = self.staging.path(&s.output.slope_grade);
            let keep = terrain::slope_fits_in_memory(&self.dem.grid, opts.memory_limit_bytes);
            let paths = (slope.as_path(), Some(grades.as_path()));
            let (summary, cells) = terrain::write_slope_rasters_keeping(self.dem, &opts, paths, keep, &progress, &ctx.cancel)?;
            progress.finish();
            write::write_raster_styles(s, &self.staging.dir)?;
            // The commit syncs them; the disk may as well start now.
            crate::output::atomic::start_writeback(&slope)?;
            crate::output::atomic::start_writeback(&grades)?;
            Ok((summary, cells))
        })?;
        warn_fill_values(ctx, self.dem, &summary);
        let (hashes, key) = known.unwrap_or_else(|| {
            let hashes = hashes();
            let key = cache::terrain_key(s, self.dem, &hashes);
            (hashes, key)
        });
        Ok((Terrain { key, summary, cache, cells }, hashes))
    }

    /// Zonal statistics; parcels whose id and geometry are unchanged since the previous
    /// result set keep theirs when the slope raster is the same (same terrain key).
    fn zonal(&self, parcels: &Parcels, terrain: &Terrain) -> Result<(Vec<ParcelSlope>, serde_json::Value)> {
        let key = &terrain.key;
        let (ctx, s) = (self.ctx, &self.ctx.settings);
        let hashes = zonal::cache::geometry_hashes(parcels);
        if let Some(g) = self.gathered {
            let stats = ctx.stage("zonal", || g.zonal(parcels, key))?;
            zonal::cache::save(&self.staging.path(ZONAL_CACHE), key, parcels, &hashes, &stats)?;
            return Ok((stats, serde_json::json!("sharded")));
        }
        let known = match (self.opts.no_cache, self.previous) {
            (false, Some(p)) if cache::intact(p, ZONAL_CACHE) => {
                ZonalCache::load(&p.dir.join(ZONAL_CACHE), key).lookup(parcels, &hashes)
            }
            _ => vec![None; parcels.len()],
        };
        let reused = known.iter().filter(|k| k.is_some()).count();
        let stats = ctx.stage("zonal", || {
            let progress = ctx.progress("zonal");
            let path = self.staging.path(&s.output.slope);
            let cells = terrain.cells.as_deref();
            let raster = zonal::SlopeRaster { path: &path, grid: &self.dem.grid, breaks: s.terrain.grade_breaks, cells };
            let stats = zonal::zonal_slope_reusing(parcels, known, &raster, &progress, &ctx.cancel);
            progress.finish();
            stats
        })?;
        zonal::cache::save(&self.staging.path(ZONAL_CACHE), key, parcels, &hashes, &stats)?;
        let info = match self.opts.no_cache {
            true => serde_json::json!("disabled"),
            false => serde_json::json!({ "reused": reused, "computed": parcels.len() - reused }),
        };
        Ok((stats, info))
    }

    fn manifest(
        &self,
        data: &RunData,
        terrain: &Terrain,
        zonal_cache: serde_json::Value,
        input_hashes: BTreeMap<String, Option<String>>,
        started_at: String,
    ) -> Manifest {
        let p = data.parcels;
        Manifest {
            tool: "landcons".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            status: "success".into(),
            started: started_at,
            seconds_total: 0.0,
            gdal_version: crate::gdal_util::gdal_version(),
            proj_version: crate::gdal_util::proj_version(),
            settings: data.settings.clone(),
            inputs: InputsInfo {
                dem: self.dem.files.clone(),
                parcels: p.source.path.clone(),
                parcels_layer: p.source.layer_name.clone(),
                parcels_encoding: p.source.encoding.clone(),
                parcels_reprojected: p.source.reprojected,
                parcels_read_as: p.source.read_as.to_string(),
                work_crs: p.source.work_crs.clone(),
            },
            input_hashes,
            terrain: terrain.summary.clone(),
            counts: Counts {
                dem_cells_with_slope: terrain.summary.cells_with_slope,
                ..counts(data, self.dem)
            },
            layers: BTreeMap::new(),
            stage_timings: Vec::new(),
            cache: CacheInfo { terrain_key: terrain.key.clone(), terrain: terrain.cache.into(), zonal: zonal_cache },
            files: BTreeMap::new(),
            geometry_issues: p.issues.clone(),
            audit: data.audit.unwrap_or(&[]).iter().filter(|r| r.village_code == audit::TOTAL).cloned().collect(),
            warnings: self.ctx.warnings(),
            changes: None,
            shard_plan: self.gathered.map(|g| g.plan.id.clone()),
        }
    }
}

/// Size and content hash of the files later runs may reuse: each terrain raster and the
/// zonal cache in `staging`. A stop request ends it (hashing a province's slope raster
/// takes minutes).
fn file_records(ctx: &RunContext, staging: &Staging) -> Result<BTreeMap<String, FileRecord>> {
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

/// Runs `work` with every core but one, leaving that one to a thread beside it (the
/// GeoPackage writer, the run's critical path once the analysis ends: SQLite writes on
/// one thread, so every moment it waits for a core lengthens the run). With one core,
/// `work` keeps it.
fn beside_one_thread<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    let threads = rayon::current_num_threads().saturating_sub(1).max(1);
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(work),
        // No thread for a pool of its own: the global pool does it, as before.
        Err(_) => work(),
    }
}

/// The parcels as read and checked.
struct Checked {
    parcels: Parcels,
    /// Their bounding boxes, for the stages that look for neighbours.
    tree: BoxTree,
    overlaps: Vec<Overlap>,
    /// Per constraint, each parcel's share inside it.
    shares: Vec<Vec<f64>>,
}

/// Reads the parcels (timed), finds overlapping pairs (reported, or an error when
/// `topology.overlaps = "error"`), and measures every parcel against the constraints.
fn read_and_check(ctx: &RunContext, constraints: &[Constraint], gathered: Option<&Gathered>) -> Result<Checked> {
    let parcels = ctx.stage_with_progress("parcels", |p| inputs::parcels(ctx, p))?;
    if let Some(first) = parcels.issues.first() {
        let what = format!("{} features with geometry problems, e.g. {}: {} ({})", parcels.issues.len(), first.id, first.problem, first.action);
        ctx.warn("geometry_issues", format!("{}: {what}; all listed in the manifest's geometry_issues", parcels.source.path.display()));
    }
    if let Some(g) = gathered {
        g.check_townships(&parcels)?;
    }
    let topology = &ctx.settings.topology;
    let tree = BoxTree::of(parcels.shapes());
    let overlaps = ctx.stage_with_progress("topology", |p| topology::overlaps(&parcels, &tree, topology.min_overlap_m2, p, &ctx.cancel))?;
    if let Some(o) = overlaps.first() {
        let src = &parcels.source;
        let what = format!(
            "{} overlapping parcel pairs (≥ {} m²), e.g. {} and {} ({}, {:.2} m²)",
            overlaps.len(),
            topology.min_overlap_m2,
            parcels.id(o.a),
            parcels.id(o.b),
            o.kind.name(),
            o.area_m2
        );
        if topology.overlaps == OnOverlap::Error {
            return Err(Error::input(&src.path, format!("layer {}: {what}; a survey layer must have none (topology.overlaps = \"error\")", src.layer_name)));
        }
        ctx.warn("overlapping_parcels", format!("{}: {what}; listed in layer topology_issues, never taken for neighbours", src.path.display()));
    }
    let shares = match (constraints.is_empty(), gathered) {
        (true, _) => Vec::new(),
        (false, Some(g)) => ctx.stage("constraints", || g.shares(&parcels, constraints.len()))?,
        (false, None) => ctx.stage_with_progress("constraints", |p| constraints::shares(constraints, &parcels, p, &ctx.cancel))?,
    };
    Ok(Checked { parcels, tree, overlaps, shares })
}

/// Values that look like voids in a DEM without nodata: read as heights, they make
/// false cliffs. Said again on every run that uses these slope rasters.
fn warn_fill_values(ctx: &RunContext, dem: &Dem, summary: &TerrainSummary) {
    for f in &summary.fill_values {
        ctx.warn(
            "dem_fill_value",
            format!(
                "{}: {} cells ({:.3}% of the DEM) hold {}, a typical void fill, and the DEM declares no nodata: they are read as heights (false cliffs and slopes). If they are voids, set inputs.dem_nodata = {}",
                dem.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "),
                f.cells,
                f.share * 100.0,
                f.value,
                f.value
            ),
        );
    }
}

/// A DEM with no heights under any parcel (all voids, a wrong nodata value, the wrong
/// tile) would give no figure at all: that is an error, not a result.
fn check_dem_under_parcels(dem: &Dem, parcels: &Parcels, slope: &[ParcelSlope]) -> Result<()> {
    if slope.is_empty() || slope.iter().any(|s| s.grade != 0) {
        return Ok(());
    }
    Err(Error::input(
        &dem.files[0],
        format!(
            "has no elevation under any of the {} parcels (every cell under them is nodata); check inputs.dem_nodata and that the DEM covers {}",
            parcels.len(),
            parcels.source.path.display()
        ),
    ))
}

fn counts(d: &RunData, dem: &Dem) -> Counts {
    let merge = d.merge;
    Counts {
        dem_cells: (dem.grid.cols * dem.grid.rows) as u64,
        dem_cells_with_slope: 0,
        parcels: d.parcels.len(),
        cropland_parcels: d.flags.iter().filter(|f| f.is_cropland).count(),
        reforestation_candidates: d.flags.iter().filter(|f| f.reforest).count(),
        reforestation_m2: d.slope.iter().zip(d.flags).filter(|(_, f)| f.reforest).map(|(s, _)| s.area_m2).sum(),
        grade_mismatches: d.villages.and_then(|v| v.last()).map(|t| t.grade_mismatch_count).unwrap_or(0),
        geometry_issues: d.parcels.issues.len(),
        parcels_without_data: d.slope.iter().filter(|s| s.grade == 0).count(),
        overlapping_pairs: d.overlaps.len(),
        adjacent_pairs: d.graph.edges.len(),
        fragmented_plots: d.merge_plan.map(|m| m.shapes.iter().filter(|s| s.fragmented).count()).unwrap_or(0),
        merge_groups: merge.map(|m| m.groups.len()).unwrap_or(0),
        merged_plots: merge.map(|m| m.groups.iter().map(|g| g.members.len()).sum()).unwrap_or(0),
    }
}

/// The rows of the result set this run replaces, for the change report; unreadable ones
/// (another tool version) only cost the change report.
fn previous_snapshot(previous: Option<&Previous>, ctx: &RunContext) -> Option<Snapshot> {
    let gpkg = previous?.dir.join(&ctx.settings.output.gpkg);
    match Snapshot::read(&gpkg) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!("no change report: the previous results cannot be read ({})", e.full_message());
            None
        }
    }
}

/// Waits for a helper thread; its panic is raised again here.
fn join<T>(h: ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
