//! The pipeline: a run's steps, in the order they happen.
//!
//! 1. The inputs open and every output name is checked: a bad input or a clash stops the
//!    run before anything is written.
//! 2. The output folder is locked and a result set begun (`output::commit`).
//! 3. The per-parcel facts ([`facts`]): slope rasters, parcels, overlaps, constraint
//!    shares, zonal statistics, adjacency — computed, or gathered from a cluster's shards.
//! 4. The rules, in the order of their registry (`stages::rule`), then the tables made
//!    from them ([`tables`]), all beside the GeoPackage writer ([`beside`]), which writes
//!    each layer as soon as its data is there.
//!    The plan progress against a previous run's plan (`--baseline`) is one of those tables.
//! 5. The remaining layers, the change report, styles, report.html and the QGIS project;
//!    the manifest; the commit, one atomic switch.

mod baseline;
mod beside;
mod cache;
mod checks;
mod facts;
mod folder;
mod gather;
mod inputs;
mod manifest;
mod names;
mod project;
mod shard;
mod stamps;
mod tables;
mod write;

pub use gather::Gathered;
pub use inputs::{keyed_input_files, Opened};
pub use names::{check_inputs_apart, result_names};
pub use shard::{plan_shards, run_shard, ShardOutcome};
pub use write::{REPORT, WORKBOOK};

use std::path::PathBuf;
use std::thread::ScopedJoinHandle;
use std::time::Instant;

use crate::changes::{Changes, Snapshot};
use crate::context::RunContext;
use crate::error::Result;
use crate::layers::RunData;
use crate::output::manifest::Manifest;
use crate::output::{Lock, Staging};
use crate::progress::Progress;
use crate::stages::constraints::Constraints;
use crate::stages::rule::{self, Outcomes};
use cache::Previous;
use facts::{Facts, Source};
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

/// What `landcons validate` opens and checks: everything a run opens and checks before
/// it writes anything (the DEM, the working CRS, the constraint layers, the parcels and
/// their overlap with the DEM), by the same functions; warnings go to `ctx`.
pub fn check_inputs(ctx: &RunContext) -> Result<(Opened, crate::parcels::Parcels)> {
    let opened = inputs::open(ctx)?;
    let parcels = inputs::parcels(ctx, &Progress::hidden())?;
    inputs::warn_about_parcels(ctx, &parcels);
    inputs::check_extents(&opened.dem, &parcels)?;
    Ok((opened, parcels))
}

/// Runs the whole job of `ctx.settings`.
pub fn run(ctx: &RunContext, opts: &RunOptions) -> Result<RunReport> {
    run_with(ctx, opts, Source::Computed)
}

/// Runs the job over all parcels with the per-parcel results of the finished shards of
/// the current plan (`landcons gather`); the slope rasters become VRTs over their tiles.
pub fn gather(ctx: &RunContext, opts: &RunOptions) -> Result<RunReport> {
    let gathered = Gathered::load(&ctx.settings.output.dir)?;
    run_with(ctx, opts, Source::Gathered(&gathered))
}

fn run_with(ctx: &RunContext, opts: &RunOptions, source: Source) -> Result<RunReport> {
    let (s, out) = (&ctx.settings, &ctx.settings.output.dir);
    crate::raster::set_gdal_cache(s.run.memory_limit_bytes());
    let opened = inputs::open(ctx)?;
    source.check(ctx, &opened)?;
    let names = names::result_names(s)?;
    names::check_inputs_apart(out, &names, &inputs::keyed_input_files(s, &opened.dem.files))?;
    crate::output::owned::check_private_folders(out)?;
    let created = CreatedDir::new(out);
    let _lock = Lock::acquire(out)?;
    let staging = Staging::begin(out, &names, opts.force)?;
    let previous = Previous::find(out, s);
    let job = Job { ctx, opts, opened: &opened, staging: &staging, previous: previous.as_ref(), source };
    let report = std::thread::scope(|scope| job.run(scope))?;
    let outputs = staging.commit()?;
    created.keep();
    Ok(RunReport { outputs, ..report })
}

/// One run's inputs and folders, shared by its steps.
struct Job<'a> {
    ctx: &'a RunContext,
    opts: &'a RunOptions,
    opened: &'a Opened,
    staging: &'a Staging,
    previous: Option<&'a Previous>,
    source: Source<'a>,
}

impl<'a> Job<'a> {
    /// Steps 3 to 5; the manifest written into the result set.
    fn run<'s>(&self, scope: &'s std::thread::Scope<'s, '_>) -> Result<RunReport>
    where
        'a: 's,
    {
        let (ctx, staging, started, started_at) = (self.ctx, self.staging, Instant::now(), crate::time::now());
        let previous = self.previous;
        // The targets file is checked before anything else is made: a bad one stops the run.
        let targets = match &ctx.settings.targets.path {
            Some(path) => Some(crate::stages::targets::read(path, &ctx.settings.targets.sheet)?),
            None => None,
        };
        let reading_previous = scope.spawn(move || facts::previous_snapshot(previous, ctx));
        let facts = facts::facts(self, scope)?;
        // The terrain rasters and the zonal cache are final: hashed while the rules run.
        let recording = scope.spawn(move || manifest::file_records(ctx, staging));
        let outcomes = Outcomes::default();
        let data = self.data(&facts, &outcomes);
        if let Some(t) = targets {
            data.put(t);
        }
        if let Some(b) = &self.opened.baseline {
            data.put(b.clone());
        }
        let (decided, results) = beside::with_writer(&staging.path(&ctx.settings.output.gpkg), &self.opened.work_crs.wkt, |writer| {
            for r in rule::enabled(&ctx.settings) {
                r.warnings(&ctx.settings).into_iter().for_each(|(code, message)| ctx.warn(code, message));
                ctx.stage_with_progress(r.name(), |p| r.decide(&data, p, &ctx.cancel))?;
                writer.write_ready(&data);
            }
            inputs::transitions(ctx, &data)?;
            writer.write_ready(&data);
            tables::after_rules(ctx, &data, writer, &staging.dir)
        });
        decided?;
        let mut manifest = manifest::build(self, &data, &facts, started_at);
        let previous = move || join(reading_previous);
        let changes = ctx.stage_with_progress("output", |p| self.write_outputs(&data, results, previous, &mut manifest, started, p))?;
        manifest.stage_timings = ctx.timings();
        manifest.seconds_total = started.elapsed().as_secs_f64();
        manifest.files = join(recording)?;
        manifest.warnings = ctx.warnings();
        manifest.write(&staging.path(&ctx.settings.output.manifest))?;
        ctx.cancel.check()?;
        Ok(RunReport { manifest, outputs: Vec::new(), changes: changes.map(|c| c.summary()) })
    }

    /// The run's data over its facts, with no outcome yet.
    fn data<'d>(&self, facts: &'d Facts, outcomes: &'d Outcomes) -> RunData<'d>
    where
        'a: 'd,
    {
        let constraints = Constraints { list: &self.opened.constraints, shares: &facts.shares };
        RunData::new(&self.ctx.settings, &facts.parcels, &facts.slope, &facts.graph, &facts.overlaps, constraints, outcomes)
    }

    /// The output stage, in five steps: the remaining layers, the change report (against
    /// `previous`, read alongside), report.html, styles, the QGIS project. (The CSVs and
    /// the workbook were written beside the writer, in [`tables::after_rules`].)
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
            step(project::write_project(data, &styles, dir, &self.opened.work_crs.wkt))?;
            step(join(closing))
        })?;
        Ok(changes)
    }
}

/// Waits for a helper thread; its panic is raised again here.
fn join<T>(h: ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
