//! What `landcons submit` asks Slurm besides sbatch: what the nodes of the partition offer
//! (sinfo), so a job is never submitted for resources no node has, and why a submitted
//! job is pending (squeue), so `--wait` says it and gives up on a reason that cannot clear.

use std::process::Command;

use crate::error::{Error, Result};

/// One node of a partition as sinfo describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub cpus: usize,
    /// RealMemory in MB; 1 (Slurm's default) when the cluster does not configure it.
    pub mem_mb: u64,
    /// Not down, drained or failed.
    pub up: bool,
}

/// The partition a job goes to and its nodes.
#[derive(Debug, Clone)]
pub struct Partition {
    pub name: String,
    pub nodes: Vec<Node>,
}

/// The partition named by `--partition=P`, `--partition P`, `-p P` or `-pP` among the
/// sbatch options, if any (the last one wins, as with sbatch).
pub fn partition_named(sbatch_args: &[String]) -> Option<String> {
    let mut found = None;
    let mut args = sbatch_args.iter().flat_map(|a| a.split_whitespace()).peekable();
    while let Some(a) = args.next() {
        if let Some(p) = a.strip_prefix("--partition=").or_else(|| a.strip_prefix("-p").filter(|p| !p.is_empty())) {
            found = Some(p.to_string());
        } else if a == "--partition" || a == "-p" {
            found = args.next().map(str::to_string);
        }
    }
    found
}

/// The nodes of partition `name`, or of the cluster's default partition (sinfo marks it
/// with `*`).
pub fn partition(name: Option<&str>) -> Result<Partition> {
    let o = Command::new("sinfo")
        .args(["-h", "-N", "-o", "%P|%c|%m|%t"])
        .output()
        .map_err(|e| Error::input_from("sinfo", "cannot run sinfo (is this a Slurm login node? is SLURM_CONF set?)", e))?;
    if !o.status.success() {
        return Err(Error::input("sinfo", format!("failed: {}", String::from_utf8_lossy(&o.stderr).trim())));
    }
    let text = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<(&str, Node)> = text.lines().filter_map(parse_node).collect();
    let chosen = match name {
        Some(n) => n.to_string(),
        None => match lines.iter().find(|(p, _)| p.ends_with('*')) {
            Some((p, _)) => p.trim_end_matches('*').to_string(),
            None => return Err(Error::setting("--sbatch-arg", None, "the cluster has no default partition: name one with --sbatch-arg=--partition=NAME")),
        },
    };
    let nodes: Vec<Node> = lines.into_iter().filter(|(p, _)| p.trim_end_matches('*') == chosen).map(|(_, n)| n).collect();
    if nodes.is_empty() {
        return Err(Error::setting("--sbatch-arg", None, format!("partition {chosen:?} has no nodes (sinfo lists none)")));
    }
    Ok(Partition { name: chosen, nodes })
}

/// "debug*|2|21694|idle" → ("debug*", node).
fn parse_node(line: &str) -> Option<(&str, Node)> {
    let mut f = line.trim().split('|');
    let (p, cpus, mem, state) = (f.next()?, f.next()?, f.next()?, f.next()?);
    let down = ["down", "drain", "drng", "fail", "inval", "maint"].iter().any(|s| state.starts_with(s));
    Some((p, Node { cpus: cpus.trim_end_matches('+').parse().ok()?, mem_mb: mem.trim_end_matches('+').parse().ok()?, up: !down }))
}

impl Partition {
    /// CPUs and memory (MB; None when the cluster does not say) per task: what was asked
    /// for, else what every node of the partition has. A request no node can satisfy is
    /// refused here: Slurm would accept it and keep the job pending for ever.
    pub fn request(&self, cpus: Option<usize>, mem_mb: Option<u64>) -> Result<(usize, Option<u64>)> {
        let live: Vec<&Node> = match self.nodes.iter().any(|n| n.up) {
            true => self.nodes.iter().filter(|n| n.up).collect(),
            false => self.nodes.iter().collect(),
        };
        let cpus = cpus.unwrap_or_else(|| live.iter().map(|n| n.cpus).min().unwrap_or(1)).max(1);
        let known_mem = live.iter().map(|n| n.mem_mb).filter(|m| *m > 1).min();
        let mem_mb = mem_mb.or(known_mem);
        let fits = |n: &&Node| n.cpus >= cpus && mem_mb.is_none_or(|m| n.mem_mb <= 1 || n.mem_mb >= m);
        if self.nodes.iter().any(|n| fits(&n)) {
            return Ok((cpus, mem_mb));
        }
        let (most_cpus, most_mem) = (self.nodes.iter().map(|n| n.cpus).max().unwrap_or(0), self.nodes.iter().map(|n| n.mem_mb).max().unwrap_or(0));
        let option = match (cpus > most_cpus, mem_mb.is_some_and(|m| m > most_mem)) {
            (true, false) => "--cpus",
            (false, true) => "--mem",
            _ => "--cpus/--mem",
        };
        Err(Error::setting(
            option,
            None,
            format!(
                "a task of {cpus} CPUs{}: no node of partition {} can run it ({}); Slurm would keep it pending for ever. Ask for at most {most_cpus} CPUs{}",
                mem_mb.map(|m| format!(" and {m} MB")).unwrap_or_default(),
                self.name,
                self.offers(),
                if most_mem > 1 { format!(" and {most_mem} MB") } else { String::new() },
            ),
        ))
    }

    /// "its 3 nodes offer 2 CPUs and 21694 MB (2 nodes), 4 CPUs and 8000 MB (1 node)".
    pub fn offers(&self) -> String {
        let mut kinds: Vec<(usize, u64, usize)> = Vec::new();
        for n in &self.nodes {
            match kinds.iter_mut().find(|k| k.0 == n.cpus && k.1 == n.mem_mb) {
                Some(k) => k.2 += 1,
                None => kinds.push((n.cpus, n.mem_mb, 1)),
            }
        }
        let kind = |k: &(usize, u64, usize)| {
            let nodes = if k.2 == 1 { "1 node".to_string() } else { format!("{} nodes", k.2) };
            format!("{} CPUs and {} MB ({nodes})", k.0, k.1)
        };
        format!("its nodes offer {}", kinds.iter().map(kind).collect::<Vec<_>>().join(", "))
    }
}

/// Why a pending job waits, by job id ("12_[0-2]", "13"), from squeue.
pub fn pending_reasons(jobs: &[&str]) -> Vec<(String, String)> {
    let Ok(o) = Command::new("squeue").args(["-h", "-t", "PENDING", "-o", "%i|%r", "-j", &jobs.join(",")]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_once('|'))
        .map(|(id, reason)| (id.trim().to_string(), reason.trim().to_string()))
        .collect()
}

/// Whether a job pending for `reason` can never start as it stands: the partition cannot
/// run what it asks for, its limits forbid it, its dependency failed, or every node it
/// may use is down.
pub fn never_clears(reason: &str, partition: &Partition) -> bool {
    const NEVER: [&str; 8] = [
        "PartitionConfig",
        "PartitionNodeLimit",
        "PartitionTimeLimit",
        "BadConstraints",
        "InvalidAccount",
        "InvalidQOS",
        "DependencyNeverSatisfied",
        "PartitionDown",
    ];
    let word = reason.split([',', ' ', '(']).next().unwrap_or_default();
    NEVER.contains(&word) || (word == "ReqNodeNotAvail" && !partition.nodes.iter().any(|n| n.up))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(nodes: &[(usize, u64, bool)]) -> Partition {
        Partition { name: "debug".into(), nodes: nodes.iter().map(|&(cpus, mem_mb, up)| Node { cpus, mem_mb, up }).collect() }
    }

    #[test]
    fn the_partition_is_read_from_the_sbatch_options() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(partition_named(&args(&["--hold", "--partition=long"])), Some("long".into()));
        assert_eq!(partition_named(&args(&["-p", "short"])), Some("short".into()));
        assert_eq!(partition_named(&args(&["-pgpu", "--partition long"])), Some("long".into()));
        assert_eq!(partition_named(&args(&["--hold"])), None);
        assert_eq!(parse_node("debug*|2|21694|idle").map(|(p, n)| (p, n.cpus, n.mem_mb, n.up)), Some(("debug*", 2, 21694, true)));
        assert!(!parse_node("long|8|1000|down*").unwrap().1.up);
    }

    #[test]
    fn requests_default_to_every_nodes_offer_and_impossible_ones_are_refused() {
        let p = partition(&[(2, 21694, true), (4, 8000, true)]);
        assert_eq!(p.request(None, None).unwrap(), (2, Some(8000)));
        assert_eq!(p.request(Some(4), None).unwrap(), (4, Some(8000)));
        assert_eq!(p.request(Some(4), Some(20000)).unwrap_err().exit_code(), 2, "no node has 4 CPUs and 20000 MB");
        let e = p.request(Some(64), None).unwrap_err().full_message();
        assert!(e.contains("--cpus") && e.contains("64 CPUs") && e.contains("2 CPUs and 21694 MB (1 node)") && e.contains("at most 4 CPUs"), "{e}");
        let e = p.request(None, Some(99999)).unwrap_err().full_message();
        assert!(e.starts_with("setting `--mem`") || e.contains("--mem"), "{e}");
        // A cluster that does not configure memory (RealMemory=1) gets no --mem.
        assert_eq!(partition(&[(8, 1, true)]).request(None, None).unwrap(), (8, None));
    }

    #[test]
    fn reasons_that_cannot_clear() {
        let up = partition(&[(2, 1000, true)]);
        let down = partition(&[(2, 1000, false)]);
        assert!(never_clears("PartitionConfig", &up));
        assert!(!never_clears("Resources", &up) && !never_clears("Priority", &up) && !never_clears("Dependency", &up));
        assert!(!never_clears("ReqNodeNotAvail, UnavailableNodes:n1", &up));
        assert!(never_clears("ReqNodeNotAvail, UnavailableNodes:n1", &down));
    }
}
