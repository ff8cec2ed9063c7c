//! Re-runs: identical outputs whatever the thread count, input hashes in the manifest,
//! and a lock so two runs cannot write into the same folder at once.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn demo(out: &Path, threads: &str) {
    let o = run_demo(out, &["--threads", threads]);
    assert!(o.status.success(), "{}", text(&o));
}

fn csv_dump(gpkg: &Path, layer: &str, dir: &Path) -> Vec<u8> {
    std::fs::create_dir_all(dir).unwrap();
    let out = dir.join(format!("{layer}.csv"));
    let ok = Command::new("ogr2ogr")
        .args(["-f", "CSV", "-lco", "GEOMETRY=AS_WKT"])
        .arg(&out)
        .arg(gpkg)
        .arg(layer)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ogr2ogr {layer}");
    std::fs::read(&out).unwrap()
}

#[test]
fn one_and_two_threads_give_identical_results() {
    let (a, b, dumps) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    demo(a.path(), "1");
    demo(b.path(), "2");
    for layer in [
        "parcels",
        "reforestation_candidates",
        "merge_candidates",
        "merge_groups",
        "adjacency",
        "village_summary",
    ] {
        let x = csv_dump(
            &a.path().join("landcons.gpkg"),
            layer,
            &dumps.path().join("a"),
        );
        let y = csv_dump(
            &b.path().join("landcons.gpkg"),
            layer,
            &dumps.path().join("b"),
        );
        assert!(
            x.len() > 100 && x == y,
            "{layer} differs between 1 and 2 threads"
        );
    }
    for f in ["slope.tif", "slope_grade.tif", "village_summary.csv"] {
        assert!(
            std::fs::read(a.path().join(f)).unwrap() == std::fs::read(b.path().join(f)).unwrap(),
            "{f} differs"
        );
    }
}

#[test]
fn the_manifest_records_input_hashes() {
    use sha2::{Digest, Sha256};
    let out = tempfile::tempdir().unwrap();
    demo(out.path(), "2");
    let m = manifest(out.path());
    let hashes = m["input_hashes"].as_object().unwrap();
    let dem = hashes
        .iter()
        .find(|(k, _)| k.ends_with("dem.tif"))
        .unwrap()
        .1
        .as_str()
        .unwrap()
        .to_string();
    let expected = format!(
        "{:x}",
        Sha256::digest(std::fs::read(repo().join("data/dem.tif")).unwrap())
    );
    assert_eq!(dem, expected);
    assert!(
        hashes.keys().any(|k| k.ends_with("dltb.shp")),
        "the parcel layer is hashed"
    );
}

#[test]
fn a_run_holding_the_folder_blocks_a_second_one_and_a_stale_lock_does_not() {
    let out = tempfile::tempdir().unwrap();
    demo(out.path(), "2");
    let before = std::fs::read(out.path().join("landcons.gpkg")).unwrap();
    let lock_path = out.path().join(".landcons.lock");
    // A live owner: this test process holds the folder's lock, as a run does.
    let holder = std::fs::OpenOptions::new().write(true).open(&lock_path).unwrap();
    holder.lock().unwrap();
    std::fs::write(&lock_path, "process 4242 on host nodeA, started 2026-12-01T01:30:00Z").unwrap();
    let second = run(&[
        "run",
        "-q",
        repo().join("pipelines/demo.toml").to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(second.status.code(), Some(4), "{}", text(&second));
    let message = text(&second);
    assert!(
        message.contains("another landcons run") && message.contains("process 4242 on host nodeA"),
        "the message names the other run: {message}"
    );
    assert_eq!(
        std::fs::read(out.path().join("landcons.gpkg")).unwrap(),
        before,
        "the blocked run touched nothing"
    );
    // A lock file left by a killed run holds text but no lock: it is taken over.
    drop(holder);
    std::fs::write(&lock_path, "process 999999999 on host gone, started 2026-01-01T00:00:00Z").unwrap();
    demo(out.path(), "2");
    assert_eq!(leftovers(out.path()), Vec::<String>::new(), "the lock is released after the run");
}

/// After a parcel-only update the slope rasters are reused (the manifest says so), and
/// `--no-cache` recomputes them; the results are the same either way.
#[test]
fn a_parcel_only_update_reuses_the_slope_rasters() {
    let work = tempfile::tempdir().unwrap();
    let parcels = work.path().join("dltb.gpkg");
    std::fs::copy(repo().join("data/dltb.gpkg"), &parcels).unwrap();
    let pipeline = work.path().join("p.toml");
    std::fs::write(
        &pipeline,
        format!(
            "[inputs]\ndem = [\"{}\"]\nparcels = \"dltb.gpkg\"\n[output]\ndir = \"out\"\n",
            repo().join("data/dem.tif").display()
        ),
    )
    .unwrap();
    let latest = || manifest(&work.path().join("out"));
    let run_it = |extra: &[&str]| {
        let mut args = vec!["run", "-q", pipeline.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = run(&args);
        assert!(o.status.success(), "{}", text(&o));
    };
    run_it(&[]);
    assert_eq!(latest()["cache"]["terrain"], "miss");
    let slope_before = std::fs::read(work.path().join("out/slope.tif")).unwrap();

    let parcel_count = m_count(&latest());
    assert_eq!(latest()["cache"]["zonal"]["computed"], parcel_count);

    // The yearly update: one parcel re-coded, one redrawn (moved by half a metre).
    for sql in [
        "UPDATE DLTB SET DLBM = '0301', DLMC = '乔木林地' WHERE fid = 10",
        "UPDATE DLTB SET geom = ST_Translate(geom, 0.5, 0, 0) WHERE fid = 20",
    ] {
        let o = Command::new("ogrinfo")
            .arg(&parcels)
            .args(["-dialect", "SQLite", "-sql", sql])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
    }
    run_it(&[]);
    let m = latest();
    assert_eq!(
        m["cache"]["terrain"], "hit",
        "slope was recomputed although the DEM did not change"
    );
    assert_eq!(
        (
            m["cache"]["zonal"]["computed"].as_u64(),
            m["cache"]["zonal"]["reused"].as_u64()
        ),
        (Some(1), Some(parcel_count - 1)),
        "only the redrawn parcel's statistics are recomputed"
    );
    let dumps = work.path().join("dumps");
    let cached_parcels = csv_dump(
        &work.path().join("out/landcons.gpkg"),
        "parcels",
        &dumps.join("a"),
    );
    assert_eq!(
        std::fs::read(work.path().join("out/slope.tif")).unwrap(),
        slope_before
    );
    assert!(
        work.path().join("out/slope_grade.tif.aux.xml").exists()
            || work.path().join("out/slope_grade.tif").exists()
    );

    run_it(&["--no-cache"]);
    assert_eq!(latest()["cache"]["terrain"], "disabled");
    assert_eq!(latest()["cache"]["zonal"], "disabled");
    assert!(
        cached_parcels
            == csv_dump(
                &work.path().join("out/landcons.gpkg"),
                "parcels",
                &dumps.join("b")
            ),
        "reused statistics equal recomputed ones"
    );
    assert_eq!(
        std::fs::read(work.path().join("out/slope.tif")).unwrap(),
        slope_before,
        "recomputed slope is identical"
    );

    // Other terrain settings: no reuse.
    run_it(&["--set", "terrain.algorithm=zevenbergen-thorne"]);
    assert_eq!(latest()["cache"]["terrain"], "miss");
}

fn m_count(manifest: &serde_json::Value) -> u64 {
    manifest["counts"]["parcels"]
        .as_u64()
        .expect("parcel count")
}

/// Two real runs into the same folder at once: the second fails with the lock's message
/// and exit 4, the first completes and its results are whole.
#[test]
fn a_second_concurrent_run_fails_cleanly_and_the_first_completes() {
    let work = tempfile::tempdir().unwrap();
    let region = work.path().join("region");
    // Big enough that the first run holds the folder for a few seconds on one thread.
    let o = run(&[
        "synth",
        "-q",
        "-o",
        region.to_str().unwrap(),
        "--cols",
        "2000",
        "--rows",
        "2000",
        "--parcels",
        "30000",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let pipeline = sample_pipeline(work.path(), &region.join("dltb.gpkg"));
    let toml = std::fs::read_to_string(&pipeline).unwrap().replace(
        &repo().join("data/dem.tif").display().to_string(),
        &region.join("dem.tif").display().to_string(),
    );
    std::fs::write(&pipeline, toml).unwrap();
    let out = work.path().join("out");
    let lock = out.join(".landcons.lock");

    let first = Command::new(bin())
        .args(["run", "-q", pipeline.to_str().unwrap(), "--threads", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !lock.exists() {
        assert!(
            started.elapsed().as_secs() < 120,
            "the first run never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let second = run(&["run", "-q", pipeline.to_str().unwrap()]);
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "first run: {}", text(&first));
    assert_eq!(
        second.status.code(),
        Some(4),
        "second run: {}",
        text(&second)
    );
    let message = text(&second);
    assert!(
        message.contains("another landcons run") && message.contains(out.to_str().unwrap()),
        "{message}"
    );
    // The first run's results are complete and nothing of the second is left.
    let m = manifest(&out);
    assert_eq!(m["status"], "success");
    let parcels = query(&out.join("landcons.gpkg"), "SELECT count(*) FROM parcels");
    assert_eq!(parcels[0][0], m["counts"]["parcels"].to_string());
    let left = leftovers(&out);
    assert!(left.is_empty(), "{left:?}");
}

/// A cache never trusts a claim it can check: a slope raster or zonal cache that differs
/// from what its run recorded (a stale file left by a crash, an edit by hand) is a miss,
/// and the results are those of a run from scratch.
#[test]
fn tampered_caches_are_misses_not_results() {
    let dir = tempfile::tempdir().unwrap();
    let (out, other) = (dir.path().join("out"), dir.path().join("other"));
    demo(&out, "2");
    let horn_slope = std::fs::read(out.join("slope.tif")).unwrap();
    let o = run_demo(&other, &["--set", "terrain.algorithm=zevenbergen-thorne"]);
    assert!(o.status.success(), "{}", text(&o));
    // The current result set's slope raster replaced by one made with other settings.
    let current = out.join("current");
    std::fs::remove_file(current.join("slope.tif")).unwrap();
    std::fs::copy(other.join("slope.tif"), current.join("slope.tif")).unwrap();
    demo(&out, "2");
    assert_eq!(manifest(&out)["cache"]["terrain"], "miss", "the stale raster is not reused");
    assert!(std::fs::read(out.join("slope.tif")).unwrap() == horn_slope, "the slope raster is recomputed");

    // A zonal cache with one flipped byte: every parcel is recomputed.
    let cache = out.join("current/.landcons-zonal-cache");
    let mut bytes = std::fs::read(&cache).unwrap();
    let k = bytes.len() / 2;
    bytes[k] ^= 0x40;
    std::fs::write(&cache, bytes).unwrap();
    demo(&out, "2");
    let m = manifest(&out);
    assert_eq!(m["cache"]["terrain"], "hit");
    assert_eq!(m["cache"]["zonal"]["reused"], 0, "a damaged zonal cache is not used");
}
