//! `landcons submit`: a sharded job on Slurm as ordinary Slurm jobs — a job array of the
//! shards that have not finished, and the gather with `--dependency=afterok` on it
//! (cancelled by Slurm when a shard fails, so it never writes from an incomplete set).
//! The job scripts are deploy/slurm/*.sbatch with the paths filled in.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::shards::ShardJob;
use super::slurm::{self, Partition};
use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::output::Manifest;
use crate::pipeline;
use crate::progress::Reporter;
use crate::shard::{ShardPlan, ShardResults};

const SHARD_TEMPLATE: &str = include_str!("../../deploy/slurm/shard.sbatch");
const GATHER_TEMPLATE: &str = include_str!("../../deploy/slurm/gather.sbatch");

/// `landcons submit` as the command line states it.
#[derive(Debug, Clone, Default)]
pub struct SubmitCommand {
    pub job: ShardJob,
    /// Shards of a new plan (None with `resume`).
    pub shards: Option<usize>,
    pub resume: bool,
    pub wait: bool,
    pub sbatch_args: Vec<String>,
    /// CPUs per task (None: what every node of the partition has).
    pub cpus: Option<usize>,
    /// Memory per task in MB (None: what every node of the partition has).
    pub mem_mb: Option<u64>,
}

/// What was submitted (and, with --wait, how the gather ended).
#[derive(Debug, Clone)]
pub struct Submitted {
    pub plan_id: String,
    /// Shards submitted (those of the plan not yet finished).
    pub shards: Vec<usize>,
    pub array_job: Option<String>,
    pub gather_job: String,
    /// With --wait: the gather's final Slurm state.
    pub gather_state: Option<String>,
    /// The partition and what each task asked for.
    pub partition: String,
    pub cpus: usize,
    pub mem_mb: Option<u64>,
}

/// Plans (or, with --resume, takes the current plan), writes the job scripts, submits.
pub fn submit(cmd: &SubmitCommand, reporter: Reporter, cancel: CancelToken) -> Result<Submitted> {
    let settings = cmd.job.settings()?;
    let out = absolute(&settings.output.dir)?;
    let manifest = out.join(&settings.output.manifest);
    // What the nodes offer is known before anything is planned or written: a request no
    // node can satisfy stays pending for ever once submitted.
    let partition = slurm::partition(slurm::partition_named(&cmd.sbatch_args).as_deref())?;
    let (cpus, mem_mb) = partition.request(cmd.cpus, cmd.mem_mb)?;
    let ctx = cmd.job.context(settings, reporter, cancel.clone());
    let plan = match (cmd.resume, cmd.shards) {
        (false, Some(n)) => pipeline::plan_shards(&ctx, n)?,
        _ => ShardPlan::load(&out)?,
    };
    let pending: Vec<usize> = plan
        .shards
        .iter()
        .map(|s| s.index)
        .filter(|&i| ShardResults::read(&ShardResults::dir(&plan, &out, i)).ok().flatten().is_none_or(|r| r.plan_id != plan.id))
        .collect();
    let scripts = write_scripts(cmd, cpus, &plan, &out)?;
    let memory: Vec<String> = mem_mb.map(|m| format!("--mem={m}")).into_iter().collect();
    let array_job = match pending.is_empty() {
        true => None,
        false => Some(sbatch(&[&memory[..], &[format!("--array={}", list(&pending))]].concat(), &cmd.sbatch_args, &scripts.0)?),
    };
    let mut gather_options = memory.clone();
    gather_options.push("--kill-on-invalid-dep=yes".to_string());
    if let Some(id) = &array_job {
        gather_options.push(format!("--dependency=afterok:{id}"));
    }
    let gather_job = sbatch(&gather_options, &cmd.sbatch_args, &scripts.1)?;
    reporter.event("submitted", serde_json::json!({ "plan": plan.id, "shards": pending, "array_job": array_job, "gather_job": gather_job }));
    let gather_state = match cmd.wait {
        true => Some(wait_for(&gather_job, array_job.as_deref(), &partition, reporter, &cancel)?),
        false => None,
    };
    let name = partition.name.clone();
    let submitted = Submitted { plan_id: plan.id.clone(), shards: pending, array_job, gather_job, gather_state, partition: name, cpus, mem_mb };
    check_gathered(&submitted, &manifest, &out)?;
    Ok(submitted)
}

/// What `submit` prints.
pub fn summary(s: &Submitted) -> String {
    let mut text = format!("landcons: plan {}: ", s.plan_id);
    match &s.array_job {
        Some(id) => text.push_str(&format!("shards {} as job array {id}, ", list(&s.shards))),
        None => text.push_str("every shard had finished, "),
    }
    let memory = s.mem_mb.map(|m| format!(", {m} MB")).unwrap_or_default();
    text.push_str(&format!("gather as job {} (partition {}: {} CPUs{memory} a task)\n", s.gather_job, s.partition, s.cpus));
    if let Some(state) = &s.gather_state {
        text.push_str(&format!("gather: {state}\n"));
    }
    text
}

/// With --wait, a gather that did not complete is an error saying what to do.
fn check_gathered(s: &Submitted, manifest: &Path, out: &Path) -> Result<()> {
    let Some(state) = &s.gather_state else { return Ok(()) };
    let gathered = Manifest::read(manifest).and_then(|m| m.shard_plan).is_some_and(|p| p == s.plan_id);
    if state == "COMPLETED" && gathered {
        return Ok(());
    }
    Err(Error::shards(format!(
        "the gather (job {}) ended {state}: {}; the current results are left as they are. See the logs in {}, then run `landcons submit --resume`",
        s.gather_job,
        if state == "CANCELLED" { "a shard failed or was cancelled, so it never ran" } else { "it did not write the results" },
        logs_dir(out).display()
    )))
}

fn logs_dir(out: &Path) -> PathBuf {
    crate::shard::shards_dir(out).join("logs")
}

/// Renders both job scripts into the shard folder; returns their paths.
fn write_scripts(cmd: &SubmitCommand, cpus: usize, plan: &ShardPlan, out: &Path) -> Result<(PathBuf, PathBuf)> {
    let logs = logs_dir(out);
    std::fs::create_dir_all(&logs).map_err(|e| Error::output_from(&logs, "cannot create", e))?;
    let exe = std::env::current_exe().map_err(|e| Error::output_from(out, "cannot find the landcons executable", e))?;
    let sets: String = cmd.job.overrides.iter().map(|s| format!(" --set {}", quote(s))).collect();
    let fill = |template: &str| {
        template
            .replace("{{LANDCONS}}", &quote(&exe.to_string_lossy()))
            .replace("{{PIPELINE}}", &quote(&absolute(&cmd.job.pipeline).unwrap_or_default().to_string_lossy()))
            .replace("{{OUT}}", &quote(&out.to_string_lossy()))
            .replace("{{LOGS}}", &logs.to_string_lossy())
            .replace("{{CPUS}}", &cpus.max(1).to_string())
            .replace("{{SETS}}", &sets)
    };
    let dir = plan.dir(out);
    let paths = (dir.join("shard.sbatch"), dir.join("gather.sbatch"));
    for (path, template) in [(&paths.0, SHARD_TEMPLATE), (&paths.1, GATHER_TEMPLATE)] {
        std::fs::write(path, fill(template)).map_err(|e| Error::output_from(path, "cannot write the job script", e))?;
    }
    Ok(paths)
}

/// `sbatch --parsable OPTIONS EXTRA SCRIPT`; the job id.
fn sbatch(options: &[String], extra: &[String], script: &Path) -> Result<String> {
    let o = Command::new("sbatch")
        .arg("--parsable")
        .args(options)
        .args(extra)
        .arg(script)
        .output()
        .map_err(|e| Error::input_from("sbatch", "cannot run sbatch (is this a Slurm login node? is SLURM_CONF set?)", e))?;
    if !o.status.success() {
        return Err(Error::input("sbatch", format!("refused {}: {}", script.display(), String::from_utf8_lossy(&o.stderr).trim())));
    }
    let text = String::from_utf8_lossy(&o.stdout);
    Ok(text.trim().split(';').next().unwrap_or_default().to_string())
}

/// Polls Slurm until the gather has ended; its final state. Meanwhile says on stderr why
/// the shards or the gather are pending whenever that changes, and gives up (exit 5) on a
/// reason that cannot clear: the job would wait for ever.
fn wait_for(gather: &str, array: Option<&str>, partition: &Partition, reporter: Reporter, cancel: &CancelToken) -> Result<String> {
    let jobs: Vec<&str> = array.into_iter().chain([gather]).collect();
    let mut said: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    loop {
        cancel.check()?;
        if let Some(state) = job_state(gather).filter(|s| !matches!(s.as_str(), "PENDING" | "RUNNING" | "CONFIGURING" | "COMPLETING" | "SUSPENDED" | "REQUEUED")) {
            return Ok(state);
        }
        for (job, reason) in slurm::pending_reasons(&jobs) {
            if said.get(&job) != Some(&reason) {
                match reporter {
                    Reporter::Json => reporter.event("pending", serde_json::json!({ "job": job, "reason": reason })),
                    _ => eprintln!("landcons: job {job} pending: {reason}"),
                }
                said.insert(job.clone(), reason.clone());
            }
            if slurm::never_clears(&reason, partition) {
                return Err(never_runs(&job, &reason, &jobs, partition));
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The error when a job of ours is pending for a reason that cannot clear.
fn never_runs(job: &str, reason: &str, jobs: &[&str], partition: &Partition) -> Error {
    Error::shards(format!(
        "job {job} can never start: Slurm keeps it pending with reason {reason} (partition {}: {}). Cancel the jobs with `scancel {}`, then submit again with what the nodes can run (--cpus, --mem, --sbatch-arg)",
        partition.name,
        partition.offers(),
        jobs.join(" ")
    ))
}

/// `JobState` of a job from `scontrol show job` ("GONE" once Slurm has forgotten it).
fn job_state(id: &str) -> Option<String> {
    let o = Command::new("scontrol").args(["show", "job", "-o", id]).output().ok()?;
    if !o.status.success() {
        return Some("GONE".into());
    }
    let text = String::from_utf8_lossy(&o.stdout);
    text.split_whitespace().find_map(|kv| kv.strip_prefix("JobState=")).map(str::to_string)
}

/// "0-3,5": the indices as Slurm's --array list.
fn list(indices: &[usize]) -> String {
    indices.iter().map(usize::to_string).collect::<Vec<_>>().join(",")
}

/// A path for a job that runs in another folder.
fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::input_from(path, "cannot resolve the path", e))
}

/// A word for bash, single-quoted.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_lists() {
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(list(&[0, 2, 3]), "0,2,3");
    }

    #[test]
    fn templates_have_every_field_the_renderer_fills() {
        for t in [SHARD_TEMPLATE, GATHER_TEMPLATE] {
            for field in ["{{LANDCONS}}", "{{PIPELINE}}", "{{OUT}}", "{{LOGS}}", "{{CPUS}}", "{{SETS}}"] {
                assert!(t.contains(field), "{field}");
            }
        }
    }
}
