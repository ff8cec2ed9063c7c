//! A sharded job (plan, shards, gather — run here one after another, as a cluster would
//! run them side by side) gives exactly the single-process results: every GeoPackage
//! table equal less the run metadata, the same CSVs and workbook, and slope rasters (a
//! VRT over the shards' tiles) equal cell for cell. A gather with a shard missing fails
//! and leaves the earlier results as they were; a finished shard is not run again; a
//! plan does not survive a changed input.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// Villages as "townships" (the demo has one township): six units for three shards.
const KEY: [&str; 2] = ["--set", "shards.township_digits=12"];

fn landcons(args: &[&str]) -> std::process::Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(KEY);
    run(&all)
}

fn ok(o: std::process::Output) -> String {
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn demo() -> String {
    repo().join("pipelines/demo.toml").display().to_string()
}

#[test]
fn three_shards_and_a_gather_equal_the_single_process_run() {
    let dir = tempfile::tempdir().unwrap();
    let (single, sharded) = (dir.path().join("single"), dir.path().join("sharded"));
    let (single_s, sharded_s) = (single.to_str().unwrap(), sharded.to_str().unwrap());
    ok(landcons(&["run", "-q", &demo(), "--out", single_s]));
    // Earlier results in the sharded folder: a run with other grade breaks.
    ok(landcons(&["run", "-q", &demo(), "--out", sharded_s, "--set", "terrain.grade_breaks=[2.0,6.0,15.0,20.0]"]));
    let earlier = snapshot(&sharded);

    let planned = ok(landcons(&["plan", &demo(), "--out", sharded_s, "--shards", "3"]));
    assert!(planned.contains("in 3 shards"), "{planned}");
    for i in ["0", "2"] {
        let said = ok(landcons(&["run", &demo(), "--out", sharded_s, "--shard", i]));
        assert!(said.contains("neighbours read-only"), "{said}");
    }
    let again = ok(landcons(&["run", &demo(), "--out", sharded_s, "--shard", "2"]));
    assert!(again.contains("nothing to do"), "a finished shard is not run again: {again}");

    let o = landcons(&["gather", "-q", &demo(), "--out", sharded_s]);
    assert_eq!(o.status.code(), Some(5), "a gather with shard 1 missing: {}", text(&o));
    assert!(text(&o).contains("shards 1 of the 3"), "{}", text(&o));
    assert_eq!(snapshot(&sharded), earlier, "the earlier results are as they were");

    let o = run(&["run", "-q", &demo(), "--out", sharded_s, "--shard", "1"]);
    assert_ne!(o.status.code(), Some(0), "other settings than the plan's are refused: {}", text(&o));
    ok(landcons(&["run", "-q", &demo(), "--out", sharded_s, "--shard", "1"]));
    ok(landcons(&["gather", "-q", &demo(), "--out", sharded_s]));
    assert_same_results(&single, &sharded);
    assert_eq!(manifest(&sharded)["shard_plan"].as_str().map(str::len), Some(16), "the manifest names the plan");
}

/// The demo's pipeline and data copied, so an input can be changed.
fn copied_demo(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::create_dir_all(dir.join("pipelines")).unwrap();
    for e in std::fs::read_dir(repo().join("data")).unwrap().flatten() {
        std::fs::copy(e.path(), dir.join("data").join(e.file_name())).unwrap();
    }
    let p = dir.join("pipelines/demo.toml");
    std::fs::copy(repo().join("pipelines/demo.toml"), &p).unwrap();
    p
}

#[test]
fn a_plan_refuses_changed_inputs_and_impossible_shard_counts() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = copied_demo(dir.path());
    let (p, out) = (pipeline.to_str().unwrap(), dir.path().join("out"));
    let out_s = out.to_str().unwrap();
    let o = landcons(&["plan", p, "--out", out_s, "--shards", "7"]);
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    assert!(text(&o).contains("at most 6 shards"), "{}", text(&o));

    ok(landcons(&["plan", p, "--out", out_s, "--shards", "2"]));
    let dbf = dir.path().join("data/dltb.dbf");
    let bytes = std::fs::read(&dbf).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&dbf, &bytes).unwrap(); // same content, new time: the plan cannot know
    let o = landcons(&["run", p, "--out", out_s, "--shard", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("changed since the shard plan"), "{}", text(&o));

    let o = landcons(&["run", p, "--out", out_s, "--shard", "9"]);
    assert_eq!(o.status.code(), Some(5), "{}", text(&o));
    assert!(text(&o).contains("shards 0 to 1"), "{}", text(&o));
    let o = run(&["gather", p, "--out", dir.path().join("elsewhere").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "no plan there: {}", text(&o));
    assert!(text(&o).contains("landcons plan"), "{}", text(&o));
}
