//! Incremental re-runs (#32 item 3): an input whose size and modification time are those
//! the previous manifest recorded is not hashed again (unless it was modified in the
//! second its hashing began, or later: git's racy rule), the manifest says which were
//! reused, and the results equal a full run's (scripts/compare_results.sh).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

/// (reused, hashed) input paths of a run's manifest.
fn hashing(out: &Path) -> (Vec<String>, Vec<String>) {
    let m: Value = serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let list = |k: &str| m["cache"]["inputs"][k].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    (list("reused"), list("hashed"))
}

fn run_ok(pipeline: &Path, extra: &[&str]) {
    let mut args = vec!["run", "-q", pipeline.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn unchanged_inputs_are_not_hashed_again_and_results_equal_a_full_run() {
    let dir = tempfile::tempdir().unwrap();
    let parcels = dir.path().join("parcels.gpkg");
    std::fs::copy(repo().join("data/dltb.gpkg"), &parcels).unwrap();
    tool("touch", &["-d", "1 hour ago", parcels.to_str().unwrap()]);
    let pipeline = sample_pipeline(dir.path(), &parcels);
    let out = dir.path().join("out");
    run_ok(&pipeline, &[]);
    let (reused, hashed) = hashing(&out);
    assert!(reused.is_empty() && hashed.len() == 2, "first run: {hashed:?}");
    run_ok(&pipeline, &[]);
    let (reused, hashed) = hashing(&out);
    assert!(hashed.is_empty() && reused.len() == 2, "nothing changed: {reused:?} {hashed:?}");
    // The same results as a run that hashes and computes everything (over a first run
    // too: a re-run's GeoPackage holds the comparison with the run it replaces).
    let full = dir.path().join("full");
    run_ok(&pipeline, &["--out", full.to_str().unwrap()]);
    run_ok(&pipeline, &["--no-cache", "--out", full.to_str().unwrap()]);
    assert_eq!(hashing(&full).1.len(), 2);
    let o = Command::new(repo().join("scripts/compare_results.sh")).arg(&out).arg(&full).output().unwrap();
    assert!(o.status.success(), "results differ from a full run: {}", text(&o));
    // A new modification time: hashed again (the DEM, untouched, is not).
    tool("touch", &["-d", "10 minutes ago", parcels.to_str().unwrap()]);
    run_ok(&pipeline, &[]);
    assert_eq!(hashing(&out).1, vec![parcels.display().to_string()]);
    // Modified after its hashing began (a clock step, or a write in the same second):
    // hashed on every run while that holds.
    tool("touch", &["-d", "1 hour", parcels.to_str().unwrap()]);
    for _ in 0..2 {
        run_ok(&pipeline, &[]);
        assert_eq!(hashing(&out).1, vec![parcels.display().to_string()]);
    }
}
