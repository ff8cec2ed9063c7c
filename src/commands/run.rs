//! `landcons run`: the whole job of a pipeline file.

use std::path::PathBuf;

use crate::context::{CancelToken, RunContext};
use crate::error::Result;
use crate::pipeline::{self, RunOptions, RunReport};
use crate::progress::Reporter;
use crate::settings::Settings;
use crate::units::fixed;

/// `landcons run` as the command line states it.
#[derive(Debug, Clone, Default)]
pub struct RunCommand {
    pub pipeline: PathBuf,
    pub out: Option<PathBuf>,
    pub overrides: Vec<String>,
    pub threads: Option<usize>,
    pub no_cache: bool,
    /// Replace files landcons did not write where its results go.
    pub force: bool,
    /// The previous results whose plan is followed up (`--baseline`, over
    /// `progress.baseline`).
    pub baseline: Option<PathBuf>,
}

/// Loads the settings, sizes the thread pool, runs the pipeline.
pub fn run(cmd: &RunCommand, reporter: Reporter, cancel: CancelToken) -> Result<RunReport> {
    let mut settings = Settings::load(&cmd.pipeline, &cmd.overrides)?;
    if let Some(o) = &cmd.out {
        settings.output.dir = o.clone();
    }
    if let Some(b) = &cmd.baseline {
        // Relative to the working folder, as the command line's other paths.
        settings.progress.baseline = Some(std::path::absolute(b).unwrap_or_else(|_| b.clone()));
    }
    let threads = cmd.threads.unwrap_or(settings.run.threads);
    let ctx = RunContext::new(settings, cancel, reporter);
    use_threads(&ctx, threads);
    let report = pipeline::run(&ctx, &RunOptions { no_cache: cmd.no_cache, force: cmd.force });
    reporter.event("run_finished", finished_event(&ctx, &report));
    report
}

/// The last JSON event of a run: status, counts, outputs, warnings, changes.
pub(crate) fn finished_event(ctx: &RunContext, report: &Result<RunReport>) -> serde_json::Value {
    match report {
        Ok(r) => serde_json::json!({
            "status": "success",
            "counts": r.manifest.counts,
            "outputs": {
                "folder": ctx.settings.output.dir,
                "gpkg": ctx.settings.output.dir.join(&ctx.settings.output.gpkg),
                "files": r.outputs,
            },
            "warnings": r.manifest.warnings,
            "changes": r.manifest.changes,
        }),
        Err(e) => serde_json::json!({
            "status": "failed",
            "code": e.exit_code(),
            "message": e.full_message(),
            "warnings": ctx.warnings(),
        }),
    }
}

/// Sizes rayon's global pool (0 = one thread per core). More threads than the machine
/// has cores only contend for them (and take memory): capped at the core count, with
/// the warning returned.
#[must_use]
pub fn set_threads(n: usize) -> Option<String> {
    let cores = std::thread::available_parallelism().map_or(n, |c| c.get());
    let capped = n.min(cores);
    if capped > 0 {
        let _ = rayon::ThreadPoolBuilder::new().num_threads(capped).build_global();
    }
    (n > capped).then(|| format!("{n} threads asked for (--threads or run.threads), but this machine has {cores} cores: {cores} threads are used"))
}

/// [`set_threads`] for a run, its warning (if any) in the run's warnings.
pub fn use_threads(ctx: &RunContext, n: usize) {
    if let Some(warning) = set_threads(n) {
        ctx.warn("threads_capped", warning);
    }
}

/// A constraint as the audit line names it: `pbf (basic_farmland)`, or the name alone when
/// the constraint is named after its role.
fn audited_name(constraint: &str, role: &str) -> String {
    match role.is_empty() || role == constraint {
        true => constraint.to_string(),
        false => format!("{constraint} ({role})"),
    }
}

/// `path` with `.` and `name/..` taken out as text: the folder as the user would write it
/// (`pipelines/../demo-out` is `demo-out`). Lexical on purpose: links in the path are not
/// followed, so the path shown is still the one the results were written under.
pub fn normalised(path: &std::path::Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `/..` is `/`; a relative path keeps the `..` it cannot take out.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            c => out.push(c),
        }
    }
    match out.is_empty() {
        true => PathBuf::from("."),
        false => out.iter().collect(),
    }
}

/// The lines `landcons run` prints on success: the core counts, a line per rule that
/// ran, stage timings, the audit, the outputs and what changed.
pub fn summary(report: &RunReport, out: &std::path::Path) -> String {
    let c = &report.manifest.counts;
    let mut text = format!(
        "landcons: {} parcels ({} cropland), {} recorded-grade mismatches, {} parcels without slope data\n",
        c.parcels, c.cropland_parcels, c.grade_mismatches, c.parcels_without_data
    );
    for line in crate::stages::rule::enabled(&report.manifest.settings).filter_map(|r| r.summary(&c.rules)) {
        text.push_str(&format!("  {line}\n"));
    }
    if let Some(line) = crate::stages::supply::summary(&c.rules, report.manifest.settings.supply.min_new_share) {
        text.push_str(&format!("  {line}\n"));
    }
    if let Some(line) = crate::stages::progress::summary(&c.rules) {
        text.push_str(&format!("  {line}\n"));
    }
    // Stage names run to 16 characters (village_outlines): the column is as wide as the longest.
    let width = report.manifest.stage_timings.iter().map(|t| t.stage.chars().count()).max().unwrap_or(0);
    for t in &report.manifest.stage_timings {
        text.push_str(&format!("  {:<width$} {:>8.2} s\n", t.stage, t.seconds));
    }
    for a in &report.manifest.audit {
        text.push_str(&format!(
            "audit {}: {} ha of parcels inside (cropland {} ha, other land {} ha); {} candidates in conflict ({} ha)\n",
            audited_name(&a.constraint, &a.role),
            fixed(a.area_m2 / 1e4, 2),
            fixed(a.cropland_m2 / 1e4, 2),
            fixed(a.non_cropland_m2 / 1e4, 2),
            a.conflicts,
            fixed(a.conflict_m2 / 1e4, 2)
        ));
    }
    text.push_str(&format!("outputs in {}:\n", normalised(out).display()));
    for o in &report.outputs {
        let name = o.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        text.push_str(&format!("  {name}\n"));
    }
    if let Some(changes) = &report.changes {
        text.push_str(&format!("changes since the previous results (layers changes_*):\n{changes}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn paths_are_normalised_as_text() {
        for (given, shown) in [
            ("/work/pipelines/../demo-out", "/work/demo-out"),
            ("/a/./b/../../c", "/c"),
            ("/..", "/"),
            ("pipelines/../out", "out"),
            ("../out", "../out"),
            ("a/../../out", "../out"),
            ("./a/..", "."),
        ] {
            assert_eq!(normalised(Path::new(given)), PathBuf::from(shown), "{given}");
        }
    }

    #[test]
    fn a_constraint_named_after_its_role_is_named_once() {
        assert_eq!(audited_name("basic_farmland", "basic_farmland"), "basic_farmland");
        assert_eq!(audited_name("pbf", "basic_farmland"), "pbf (basic_farmland)");
        assert_eq!(audited_name("roads", ""), "roads");
    }
}
