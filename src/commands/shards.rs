//! A job in shards, for a cluster: `landcons plan` cuts it, `landcons run --shard I`
//! runs one shard, `landcons gather` writes the one result set.

use std::path::{Path, PathBuf};

use super::run::{finished_event, use_threads};
use crate::context::{CancelToken, RunContext};
use crate::error::{Error, Result};
use crate::pipeline::{self, RunOptions, RunReport, ShardOutcome};
use crate::progress::Reporter;
use crate::settings::Settings;
use crate::shard::{self, ShardPlan};

/// The pipeline and options every step of a sharded job is given.
#[derive(Debug, Clone, Default)]
pub struct ShardJob {
    pub pipeline: PathBuf,
    pub out: Option<PathBuf>,
    pub overrides: Vec<String>,
    pub threads: Option<usize>,
}

impl ShardJob {
    /// The settings (with --out).
    pub fn settings(&self) -> Result<Settings> {
        let mut settings = Settings::load(&self.pipeline, &self.overrides)?;
        if let Some(o) = &self.out {
            settings.output.dir = o.clone();
        }
        Ok(settings)
    }

    /// The context of a step over `settings`, the thread pool sized (a capped count is
    /// among its warnings).
    pub fn context(&self, settings: Settings, reporter: Reporter, cancel: CancelToken) -> RunContext {
        let threads = self.threads.unwrap_or(settings.run.threads);
        let ctx = RunContext::new(settings, cancel, reporter);
        use_threads(&ctx, threads);
        ctx
    }
}

/// `landcons plan PIPELINE --shards N`.
pub fn plan(job: &ShardJob, shards: usize, reporter: Reporter, cancel: CancelToken) -> Result<ShardPlan> {
    let ctx = job.context(job.settings()?, reporter, cancel);
    pipeline::plan_shards(&ctx, shards)
}

/// What `plan` prints.
pub fn plan_summary(plan: &ShardPlan, out: &Path) -> String {
    let mut text = format!("landcons: plan {} — {} townships in {} shards ({})\n", plan.id, plan.townships.len(), plan.shards.len(), ShardPlan::path(out).display());
    for s in &plan.shards {
        text.push_str(&format!("  shard {:>3}: {:>9} parcels, {:>4} townships\n", s.index, s.parcels, s.townships.len()));
    }
    text
}

/// `landcons run PIPELINE --shard [I]`: I from the option, else SLURM_ARRAY_TASK_ID,
/// else JOB_COMPLETION_INDEX.
pub fn run_shard(job: &ShardJob, index: Option<usize>, reporter: Reporter, cancel: CancelToken) -> Result<ShardOutcome> {
    let index = shard::index_from_env(index)?
        .ok_or_else(|| Error::shards("--shard needs an index: --shard I, or SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX in the environment"))?;
    let ctx = job.context(job.settings()?, reporter, cancel);
    let outcome = pipeline::run_shard(&ctx, index);
    let event = match &outcome {
        Ok(o) => serde_json::json!({ "status": "success", "shard": index, "already_done": o.already_done, "parcels": o.results.parcels, "ghosts": o.results.ghosts }),
        Err(e) => serde_json::json!({ "status": "failed", "shard": index, "code": e.exit_code(), "message": e.full_message() }),
    };
    reporter.event("shard_finished", event);
    outcome
}

/// What `run --shard` prints.
pub fn shard_summary(o: &ShardOutcome) -> String {
    let r = &o.results;
    match o.already_done {
        true => format!("landcons: shard {} of plan {} had finished ({}); nothing to do\n", r.index, r.plan_id, r.finished),
        false => format!(
            "landcons: shard {} of plan {}: {} parcels (+{} neighbours read-only), {} adjacent pairs\n",
            r.index,
            r.plan_id,
            r.parcels,
            r.ghosts,
            r.edges.len()
        ),
    }
}

/// `landcons gather PIPELINE`: the one result set from every shard of the current plan.
pub fn gather(job: &ShardJob, reporter: Reporter, cancel: CancelToken) -> Result<RunReport> {
    let mut settings = job.settings()?;
    // The slope rasters are VRTs over the shards' tiles.
    settings.output.slope = vrt_name(&settings.output.slope);
    settings.output.slope_grade = vrt_name(&settings.output.slope_grade);
    let ctx = job.context(settings, reporter, cancel);
    let report = pipeline::gather(&ctx, &RunOptions::default());
    reporter.event("run_finished", finished_event(&ctx, &report));
    report
}

fn vrt_name(name: &str) -> String {
    Path::new(name).with_extension("vrt").to_string_lossy().into_owned()
}
