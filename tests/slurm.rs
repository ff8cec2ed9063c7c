//! A sharded job on a real Slurm cluster (Debian's slurm-wlm + munge, one node, started
//! by scripts/slurm-local.sh): `landcons submit` puts three shards in a job array and
//! the gather behind them with afterok. One shard is cancelled before it starts: the
//! gather never runs and the earlier results stay as they were. `submit --resume
//! --wait` runs only that shard and the gather, and the results equal the
//! single-process run's. A request no node can run is refused at submit, and `--wait` on
//! a job Slurm can never start gives up with the reason.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

const KEY: [&str; 2] = ["--set", "shards.township_digits=12"];

/// One test at a time on the cluster: the test that started it stops it when it ends.
static CLUSTER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The cluster for this test: started (and stopped at the end) unless it was up.
struct Cluster {
    conf: String,
    started: bool,
}

impl Cluster {
    fn up() -> Option<Cluster> {
        let script = repo().join("scripts/slurm-local.sh");
        let status = Command::new("bash").arg(&script).arg("status").status().map(|s| s.success()).unwrap_or(false);
        let o = Command::new("bash").arg(&script).arg(if status { "env" } else { "start" }).output().expect("bash runs");
        if !o.status.success() {
            let message = format!("no Slurm cluster: scripts/slurm-local.sh start failed: {}", text(&o));
            assert!(std::env::var("CI").as_deref() != Ok("true"), "under CI=true: {message}");
            eprintln!("SKIPPED: {message}");
            return None;
        }
        let stdout = String::from_utf8_lossy(&o.stdout);
        let conf = stdout.lines().find_map(|l| l.trim().strip_prefix("export SLURM_CONF=")).expect("the export line").trim_matches(['\'', '"']).to_string();
        Some(Cluster { conf, started: !status })
    }

    fn cmd(&self, program: &str, args: &[&str]) -> std::process::Output {
        Command::new(program).args(args).env("SLURM_CONF", &self.conf).output().unwrap_or_else(|e| panic!("{program}: {e}"))
    }

    fn landcons(&self, args: &[&str]) -> std::process::Output {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(KEY);
        Command::new(bin()).args(&all).env("SLURM_CONF", &self.conf).output().expect("landcons runs")
    }

    /// `JobState` of a job or array task ("GONE" once forgotten).
    fn state(&self, id: &str) -> String {
        let o = self.cmd("scontrol", &["show", "job", "-o", id]);
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        out.split_whitespace().find_map(|kv| kv.strip_prefix("JobState=")).map(str::to_string).unwrap_or_else(|| "GONE".into())
    }

    /// Waits (at most `limit`) until `done` holds; false when it did not.
    fn wait(&self, limit: Duration, mut done: impl FnMut() -> bool) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if done() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        false
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.started {
            let _ = Command::new("bash").arg(repo().join("scripts/slurm-local.sh")).arg("stop").status();
        }
    }
}

/// "… as job array 12, gather as job 13": (12, 13).
fn job_ids(stdout: &str) -> (String, String) {
    let after = |marker: &str| stdout.split(marker).nth(1).map(|s| s.split(|c: char| !c.is_ascii_digit()).next().unwrap_or_default().to_string());
    (after("as job array ").expect("an array job"), after("gather as job ").expect("a gather job"))
}

#[test]
fn a_sharded_slurm_job_survives_a_killed_shard_and_resumes_to_the_single_process_results() {
    let _one = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(cluster) = Cluster::up() else { return };
    let dir = tempfile::tempdir().unwrap();
    let demo = repo().join("pipelines/demo.toml").display().to_string();
    let (single, out) = (dir.path().join("single"), dir.path().join("out"));
    let ok = |o: std::process::Output| {
        assert!(o.status.success(), "{}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    ok(cluster.landcons(&["run", "-q", &demo, "--out", single.to_str().unwrap()]));
    ok(cluster.landcons(&["run", "-q", &demo, "--out", out.to_str().unwrap(), "--set", "terrain.grade_breaks=[2.0,6.0,15.0,20.0]"]));
    let earlier = snapshot(&out);

    // Submitted held, so shard 1 can be cancelled before it runs.
    let said = ok(cluster.landcons(&["submit", &demo, "--out", out.to_str().unwrap(), "--shards", "3", "--cpus", "1", "--sbatch-arg=--hold"]));
    let (array, gather) = job_ids(&said);
    ok(cluster.cmd("scancel", &[&format!("{array}_1")]));
    for id in [format!("{array}_0"), format!("{array}_2"), gather.clone()] {
        ok(cluster.cmd("scontrol", &["release", &id]));
    }
    let finished = |i: usize| shard_done(&out, i);
    assert!(cluster.wait(Duration::from_secs(300), || finished(0) && finished(2)), "shards 0 and 2 did not finish: {}", logs(&out));
    assert!(cluster.wait(Duration::from_secs(120), || matches!(cluster.state(&gather).as_str(), "CANCELLED" | "GONE")), "the gather should be cancelled, is {}", cluster.state(&gather));
    assert!(!finished(1), "shard 1 was cancelled");
    assert_eq!(snapshot(&out), earlier, "the earlier results are as they were");

    let said = ok(cluster.landcons(&["submit", &demo, "--out", out.to_str().unwrap(), "--resume", "--wait", "--cpus", "1"]));
    assert!(said.contains("shards 1 as job array") && said.contains("gather: COMPLETED"), "{said}");
    assert_same_results(&single, &out);
}

/// The node's CPUs and memory as sinfo gives them: the defaults of `--cpus` and `--mem`.
/// A request above them is refused before anything is planned or submitted (exit 2). A
/// request the check cannot see (an sbatch option of the user's) that leaves the shards
/// pending with PartitionConfig ends `submit --wait` within a minute with the reason
/// (exit 5), after saying on stderr why the jobs wait.
#[test]
fn submit_refuses_what_no_node_can_run_and_stops_waiting_for_what_never_starts() {
    let _one = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(cluster) = Cluster::up() else { return };
    let dir = tempfile::tempdir().unwrap();
    let demo = repo().join("pipelines/demo.toml").display().to_string();
    let out = dir.path().join("out");
    let node = String::from_utf8_lossy(&cluster.cmd("sinfo", &["-h", "-N", "-o", "%c %m"]).stdout).trim().to_string();
    let (cpus, mem) = node.split_once(' ').expect("sinfo: CPUs and memory");

    let o = cluster.landcons(&["submit", &demo, "--out", out.to_str().unwrap(), "--shards", "2", "--cpus", "64"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let said = text(&o);
    assert!(said.contains("--cpus") && said.contains("64 CPUs") && said.contains(&format!("{cpus} CPUs and {mem} MB")), "{said}");
    assert!(!out.join(".landcons/shards/plan.json").exists(), "nothing planned or submitted");
    let o = cluster.landcons(&["submit", &demo, "--out", out.to_str().unwrap(), "--shards", "2", "--mem", "99999999"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--mem") && text(&o).contains("99999999 MB"), "{}", text(&o));

    let started = Instant::now();
    let mut child = Command::new(bin())
        .args(["submit", &demo, "--out", out.to_str().unwrap(), "--shards", "2", "--wait", "--sbatch-arg=--cpus-per-task=64"])
        .args(KEY)
        .env("SLURM_CONF", &cluster.conf)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let ended = cluster.wait(Duration::from_secs(60), || child.try_wait().unwrap().is_some());
    if !ended {
        let _ = child.kill();
    }
    let o = child.wait_with_output().unwrap();
    let said = text(&o);
    let jobs: Vec<String> = said.split("`scancel ").nth(1).and_then(|s| s.split('`').next()).unwrap_or_default().split(' ').map(str::to_string).collect();
    for job in &jobs {
        cluster.cmd("scancel", &[job]);
    }
    assert!(ended, "submit --wait still waiting after {:?}: {said}", started.elapsed());
    assert_eq!(o.status.code(), Some(5), "{said}");
    assert!(said.contains("pending: PartitionConfig") && said.contains("can never start") && jobs.len() == 2, "{said}");
    // Without --cpus the job scripts ask for what the node has.
    let plan: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join(".landcons/shards/plan.json")).unwrap()).unwrap();
    let script = std::fs::read_to_string(out.join(".landcons/shards").join(plan["id"].as_str().unwrap()).join("shard.sbatch")).unwrap();
    assert!(script.contains(&format!("--cpus-per-task={cpus}\n")), "{script}");
}

/// Whether shard `i` of the current plan has published its results.
fn shard_done(out: &Path, i: usize) -> bool {
    let shards = out.join(".landcons/shards");
    let Ok(text) = std::fs::read_to_string(shards.join("plan.json")) else { return false };
    let plan: serde_json::Value = serde_json::from_str(&text).unwrap();
    shards.join(plan["id"].as_str().unwrap()).join(i.to_string()).join("results.json").exists()
}

fn logs(out: &Path) -> String {
    let dir = out.join(".landcons/shards/logs");
    std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| format!("--- {}\n{}", e.path().display(), std::fs::read_to_string(e.path()).unwrap_or_default()))
        .collect()
}
