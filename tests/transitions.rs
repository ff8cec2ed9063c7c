//! Land-use transitions between two surveys (`landcons compare`, #32) against an
//! independent GEOS overlay: scripts/next_survey.py makes a "next-year" copy of the
//! demo's parcels (a few percent reclassified, split, merged, reshaped, renumbered,
//! dropped), scripts/transitions_reference.py overlays the two with geopandas.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

/// The test venv's python with geopandas (scripts/setup.sh --tests), or None outside CI.
fn geopandas() -> Option<PathBuf> {
    let python = test_python()?;
    let ok = Command::new(&python).args(["-c", "import geopandas, shapely, pandas"]).output().is_ok_and(|o| o.status.success());
    assert!(ok || std::env::var("CI").as_deref() != Ok("true"), "under CI=true: geopandas missing in {} (scripts/setup.sh --tests)", python.display());
    ok.then_some(python)
}

fn python(python: &Path, script: &str, args: &[&Path]) -> String {
    let o = Command::new(python).arg(repo().join("scripts").join(script)).args(args).output().unwrap();
    assert!(o.status.success(), "{script}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The next-year survey of the demo's parcels, in `dir`.
fn next_survey(py: &Path, dir: &Path) -> PathBuf {
    let new = dir.join("new.gpkg");
    python(py, "next_survey.py", &[&repo().join("data/dltb.gpkg"), &new]);
    new
}

/// Cells "village|from|to" → m² of our transition_matrix (village "" = total), from
/// its whole cm².
fn our_cells(gpkg: &Path) -> BTreeMap<String, f64> {
    query(gpkg, "SELECT village_code, from_class, to_class, area_cm2, area_m2 FROM transition_matrix")
        .into_iter()
        .map(|r| {
            let cm2 = r[3].parse::<i64>().unwrap();
            assert!((r[4].parse::<f64>().unwrap() - cm2 as f64 / 1e4).abs() <= 0.005, "{r:?}");
            (format!("{}|{}|{}", r[0], r[1], r[2]), cm2 as f64 / 1e4)
        })
        .collect()
}

#[test]
fn the_matrix_equals_a_geopandas_overlay_and_reconciles() {
    let Some(py) = geopandas() else { return };
    let dir = tempfile::tempdir().unwrap();
    let new = next_survey(&py, dir.path());
    let old = repo().join("data/dltb.gpkg");
    let out = dir.path().join("out");
    let o = run(&["compare", old.to_str().unwrap(), new.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let reference = dir.path().join("ref.json");
    python(&py, "transitions_reference.py", &[&old, &new, &reference]);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&reference).unwrap()).unwrap();
    let ours = our_cells(&out.join("transitions.gpkg"));
    let theirs: BTreeMap<String, f64> = r["cells"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_f64().unwrap())).collect();
    let keys: BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
    let mut moved = 0.0;
    for k in keys {
        let (a, b) = (ours.get(k).copied().unwrap_or(0.0), theirs.get(k).copied().unwrap_or(0.0));
        assert!((a - b).abs() <= 0.01, "cell {k}: ours {a} m², geopandas {b} m²");
        let p: Vec<&str> = k.split('|').collect();
        if p[0].is_empty() && p[1] != p[2] && !p[1].is_empty() && !p[2].is_empty() {
            moved += a;
        }
    }
    assert!(moved > 10_000.0, "the test pair moves land between classes ({moved} m²)");
    // Every row adds up to the earlier survey's class total, every column to the later's.
    for (side, totals, at) in [(0, &r["old_totals"], 1), (1, &r["new_totals"], 2)] {
        for (class, total) in totals.as_object().unwrap() {
            let sum: f64 = ours.iter().filter(|(k, _)| {
                let p: Vec<&str> = k.split('|').collect();
                p[0].is_empty() && p[at] == class
            }).map(|(_, v)| v).sum();
            assert!((sum - total.as_f64().unwrap()).abs() <= 0.01, "side {side} class {class}: matrix {sum} vs survey {total}");
        }
    }
    // landuse_changes holds exactly the off-diagonal land both surveys cover.
    let changed = query(&out.join("transitions.gpkg"), "SELECT class_old, class_new, SUM(area_m2), COUNT(*) FROM landuse_changes GROUP BY 1, 2");
    assert!(!changed.is_empty());
    for row in changed {
        let cell = ours[&format!("|{}|{}", row[0], row[1])];
        assert_ne!(row[0], row[1]);
        // Each piece's area is stored to 0.01 m².
        let rounding = 0.005 * row[3].parse::<f64>().unwrap() + 0.01;
        assert!((row[2].parse::<f64>().unwrap() - cell).abs() <= rounding, "{row:?} vs {cell}");
    }
    // The fast path: parcels with the same BSM and coordinates are not overlaid (all of
    // them, bar the neighbours of redrawn parcels the exact touch test cannot clear).
    let said = text(&o);
    let unchanged: i64 = said.split(" unchanged").next().and_then(|s| s.rsplit('(').next()).unwrap().trim().parse().unwrap();
    let same = r["unchanged"].as_i64().unwrap();
    assert!(unchanged <= same && unchanged as f64 >= 0.95 * same as f64, "fast path {unchanged} of {same}");
}

/// A run with `inputs.previous_parcels` writes the same matrix and changes as
/// `landcons compare PREVIOUS PARCELS` (here the demo's parcels follow the made-up survey).
#[test]
fn a_run_with_previous_parcels_writes_what_compare_writes() {
    let Some(py) = geopandas() else { return };
    let dir = tempfile::tempdir().unwrap();
    let previous = next_survey(&py, dir.path());
    let (run_out, compare_out) = (dir.path().join("run"), dir.path().join("compare"));
    let set = format!("inputs.previous_parcels={:?}", previous.to_str().unwrap());
    let o = run_demo(&run_out, &["--set", &set]);
    assert!(o.status.success(), "{}", text(&o));
    let parcels = repo().join("data/dltb.shp");
    let o = run(&["compare", "-q", previous.to_str().unwrap(), parcels.to_str().unwrap(), "-o", compare_out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let sql = "SELECT village_code, from_class, to_class, area_cm2 FROM transition_matrix ORDER BY 1, 2, 3";
    let from_run = query(&run_out.join("landcons.gpkg"), sql);
    assert!(from_run.len() > 50);
    assert_eq!(from_run, query(&compare_out.join("transitions.gpkg"), sql));
    let sql = "SELECT old_id, new_id, area_m2, ST_AsText(geom) FROM landuse_changes ORDER BY 1, 2";
    assert_eq!(query(&run_out.join("landcons.gpkg"), sql), query(&compare_out.join("transitions.gpkg"), sql));
    // compare never replaces a run's results.
    let o = run(&["compare", "-q", previous.to_str().unwrap(), parcels.to_str().unwrap(), "-o", run_out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(run_out.join("landcons.gpkg").exists() && !run_out.join("transitions.gpkg").exists());
    let manifest = std::fs::read_to_string(run_out.join("manifest.json")).unwrap();
    assert!(manifest.contains(previous.to_str().unwrap()), "the previous survey is among the hashed inputs");
}

#[test]
fn bad_surveys_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let old = repo().join("data/dltb.gpkg");
    let compare = |new: &Path| {
        let o = run(&["compare", old.to_str().unwrap(), new.to_str().unwrap(), "-o", dir.path().join("out").to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        text(&o)
    };
    let missing = dir.path().join("missing.gpkg");
    assert!(compare(&missing).contains("missing.gpkg"));
    let moved = dir.path().join("moved.gpkg");
    tool("ogr2ogr", &["-f", "GPKG", "-t_srs", "EPSG:4545", moved.to_str().unwrap(), old.to_str().unwrap()]);
    let said = compare(&moved);
    assert!(said.contains("moved.gpkg") && said.contains("4545") && said.contains("same CRS"), "{said}");
    let no_dlbm = dir.path().join("no_dlbm.gpkg");
    tool("ogr2ogr", &["-f", "GPKG", no_dlbm.to_str().unwrap(), old.to_str().unwrap(), "-nln", "DLTB", "-sql", "SELECT BSM, ZLDWDM, ZLDWMC, geom FROM DLTB"]);
    let said = compare(&no_dlbm);
    assert!(said.contains("no_dlbm.gpkg") && said.contains("DLTB") && said.contains("DLBM"), "{said}");
    assert!(!dir.path().join("out/transitions.gpkg").exists());
}
