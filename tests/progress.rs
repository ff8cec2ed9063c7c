//! Plan progress (规划实施进度, #32 item 2) against an independent geopandas computation:
//! the demo region is run (the baseline), scripts/next_survey.py makes its "next-year"
//! survey (a few percent reclassified, split, merged, reshaped, renumbered, dropped, and —
//! with --plan — part of the baseline's plan carried out, some of it the other way), the
//! region is run again on that survey with --baseline, and every planned parcel's status,
//! kind, area and shares, every piece changed outside the plan and every cell of the table
//! equal scripts/progress_reference.py's.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::*;
use serde_json::Value;

/// The test venv's python with geopandas (scripts/setup.sh --tests), or None outside CI.
fn geopandas() -> Option<PathBuf> {
    let python = test_python()?;
    let ok = Command::new(&python).args(["-c", "import geopandas, shapely, pandas"]).output().is_ok_and(|o| o.status.success());
    assert!(ok || std::env::var("CI").as_deref() != Ok("true"), "under CI=true: geopandas missing in {} (scripts/setup.sh --tests)", python.display());
    ok.then_some(python)
}

fn python(python: &Path, script: &str, args: &[&str]) -> String {
    let o = Command::new(python).arg(repo().join("scripts").join(script)).args(args).output().unwrap();
    assert!(o.status.success(), "{script}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `landcons run -q` of the demo pipeline on `parcels` into `out`, following `baseline`.
fn run_next(out: &Path, parcels: &Path, baseline: &Path) -> std::process::Output {
    let set = format!("inputs.parcels={:?}", parcels.to_str().unwrap());
    run_demo(out, &["--set", &set, "--baseline", baseline.to_str().unwrap()])
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

fn close(a: f64, b: f64, tolerance: f64, what: &str) {
    assert!((a - b).abs() <= tolerance, "{what}: landcons {a}, reference {b}");
}

const TALLIES: [&str; 5] = ["planned", "carried_out", "not_yet", "contrary", "outside"];

/// Every planned parcel of the layer against the reference's.
fn check_parcels(gpkg: &Path, reference: &Value) -> BTreeMap<String, usize> {
    let rows = query(gpkg, "SELECT baseline_id, status, plan_rule, area_m2, share_planned, share_old, share_other, share_uncovered FROM plan_progress_parcels WHERE status <> 'outside'");
    let theirs = reference["parcels"].as_object().unwrap();
    assert_eq!(rows.iter().map(|r| r[0].clone()).collect::<BTreeSet<_>>(), theirs.keys().cloned().collect::<BTreeSet<_>>(), "the planned parcels");
    let mut statuses = BTreeMap::new();
    for r in &rows {
        let p = &theirs[&r[0]];
        assert_eq!((r[1].as_str(), r[2].as_str()), (p["status"].as_str().unwrap(), p["kind"].as_str().unwrap()), "parcel {}", r[0]);
        close(num(&r[3]), p["area_m2"].as_f64().unwrap(), 0.01, &format!("parcel {} area", r[0]));
        for (k, share) in p["shares"].as_array().unwrap().iter().enumerate() {
            close(num(&r[4 + k]), share.as_f64().unwrap(), 2e-6, &format!("parcel {} share {k}", r[0]));
        }
        *statuses.entry(r[1].clone()).or_insert(0) += 1;
    }
    statuses
}

/// Every piece changed outside the plan against the reference's.
fn check_outside(gpkg: &Path, reference: &Value) -> usize {
    let key = |new: &str, old: &str| format!("{new}|{old}");
    let ours: BTreeMap<String, Vec<String>> = query(gpkg, "SELECT current_ids, baseline_id, class_planned, village_code, area_m2 FROM plan_progress_parcels WHERE status = 'outside'")
        .into_iter()
        .map(|r| (key(&r[0], &r[1]), r))
        .collect();
    let theirs: BTreeMap<String, &Vec<Value>> = reference["outside"].as_array().unwrap().iter().map(|p| p.as_array().unwrap()).map(|p| (key(p[0].as_str().unwrap(), p[1].as_str().unwrap()), p)).collect();
    assert_eq!(ours.keys().collect::<Vec<_>>(), theirs.keys().collect::<Vec<_>>(), "the pieces changed outside the plan");
    for (k, r) in &ours {
        let p = theirs[k];
        assert_eq!((r[2].as_str(), r[3].as_str()), (p[2].as_str().unwrap(), p[3].as_str().unwrap()), "piece {k}");
        close(num(&r[4]), p[4].as_f64().unwrap(), 0.01, &format!("piece {k} area"));
    }
    ours.len()
}

/// The table: every cell equals the reference's; each column adds up over the villages and
/// over the kinds to the total; planned = carried out + not yet + contrary on every row.
fn check_table(gpkg: &Path, reference: &Value) {
    let columns: Vec<String> = TALLIES.iter().flat_map(|t| [format!("{t}_count"), format!("{t}_m2")]).collect();
    let rows = query(gpkg, &format!("SELECT level, village_code, plan_rule, class_planned, {} FROM plan_progress", columns.join(", ")));
    let theirs = reference["rows"].as_object().unwrap();
    assert_eq!(rows.iter().map(|r| r[..4].join("|")).collect::<BTreeSet<_>>(), theirs.keys().cloned().collect::<BTreeSet<_>>(), "the table's rows");
    let hundredths = |s: &str| (num(s) * 100.0).round() as i64;
    let mut sums: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for r in &rows {
        let t = &theirs[&r[..4].join("|")];
        for (k, tally) in TALLIES.iter().enumerate() {
            let (count, m2) = (&r[4 + 2 * k], &r[5 + 2 * k]);
            assert_eq!(num(count), t[*tally][0].as_f64().unwrap(), "{} {tally} count", r[..4].join("|"));
            close(num(m2), t[*tally][1].as_f64().unwrap(), 0.01, &format!("{} {tally} m²", r[..4].join("|")));
        }
        let v: Vec<i64> = (4..14).map(|c| if c % 2 == 0 { num(&r[c]) as i64 } else { hundredths(&r[c]) }).collect();
        assert_eq!((v[0], v[1]), (v[2] + v[4] + v[6], v[3] + v[5] + v[7]), "row {}: planned = carried out + not yet + contrary", r[..4].join("|"));
        let level = sums.entry(if r[0] == "village" { "village" } else if r[0] == "rule" { "rule" } else { "total" }).or_insert_with(|| vec![0; 10]);
        level.iter_mut().zip(&v).for_each(|(a, b)| *a += b);
    }
    assert_eq!(sums["village"], sums["total"], "the village rows add up to the total");
    assert_eq!(sums["rule"], sums["total"], "the rows per kind add up to the total");
}

#[test]
fn plan_progress_equals_a_geopandas_computation_and_adds_up() {
    let Some(py) = geopandas() else { return };
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    let o = run_demo(&base, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let new = dir.path().join("new.gpkg");
    let made = python(&py, "next_survey.py", &[repo().join("data/dltb.gpkg").to_str().unwrap(), new.to_str().unwrap(), "7", "--plan", base.join("landcons.gpkg").to_str().unwrap()]);
    let next = dir.path().join("next");
    let started = Instant::now();
    let o = run_next(&next, &new, &base);
    let seconds = started.elapsed().as_secs_f64();
    assert!(o.status.success(), "{}", text(&o));
    let reference = dir.path().join("ref.json");
    python(&py, "progress_reference.py", &[base.join("landcons.gpkg").to_str().unwrap(), new.to_str().unwrap(), reference.to_str().unwrap()]);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&reference).unwrap()).unwrap();
    let gpkg = next.join("landcons.gpkg");
    let statuses = check_parcels(&gpkg, &r);
    let outside = check_outside(&gpkg, &r);
    check_table(&gpkg, &r);
    eprintln!("next survey: {}; run with --baseline {seconds:.2} s; statuses {statuses:?}, outside pieces {outside}", made.trim());
    for status in ["carried_out", "not_yet", "contrary"] {
        assert!(statuses.get(status).copied().unwrap_or(0) >= 5, "the test pair has {status} parcels: {statuses:?}");
    }
    assert!(outside >= 5, "the test pair has land changed outside the plan");
    // Every parcel whose class the baseline plans to change names its kind of plan.
    let kinds = query(&base.join("landcons.gpkg"), "SELECT COUNT(*), SUM(plan_rule IS NOT NULL), SUM(class_current <> class_planned) FROM parcels");
    assert_eq!(kinds[0][1], kinds[0][2], "{kinds:?}");
    // The manifest, the CSV, the workbook sheet and report.html carry it.
    let counts = &manifest(&next)["counts"];
    assert_eq!(counts["progress_carried_out"].as_u64().unwrap() as usize, statuses["carried_out"]);
    assert!(counts["progress_baseline"].as_str().unwrap().ends_with("landcons.gpkg"));
    let csv = std::fs::read_to_string(next.join("plan_progress.csv")).unwrap();
    let table_rows = query(&gpkg, "SELECT COUNT(*) FROM plan_progress")[0][0].parse::<usize>().unwrap();
    assert_eq!(csv.lines().count(), table_rows + 1);
    let sheet = "import openpyxl, sys; ws = openpyxl.load_workbook(sys.argv[1])['规划实施进度']; print(ws.max_row)";
    let o = Command::new(&py).args(["-c", sheet, next.join("indicators.xlsx").to_str().unwrap()]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let sheet_rows: usize = String::from_utf8_lossy(&o.stdout).trim().parse().unwrap();
    assert_eq!(sheet_rows, table_rows + 2, "sheet 规划实施进度: a two-row header, then the table's rows");
    let report = std::fs::read_to_string(next.join("report.html")).unwrap();
    assert!(report.contains("规划实施进度") && report.contains("data-table=\"plan_progress\""), "report.html has the section");
    let o = run(&["run", "-q", repo().join("pipelines/demo.toml").to_str().unwrap(), "--out", dir.path().join("en").to_str().unwrap(), "--set", &format!("inputs.parcels={:?}", new.to_str().unwrap()), "--set", "output.language=\"en\"", "--baseline", base.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let report = std::fs::read_to_string(dir.path().join("en/report.html")).unwrap();
    assert!(report.contains("plan progress") && report.contains("carried out"), "report.html in English");
}

#[test]
fn the_baseline_folder_is_found_or_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_demo(&out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let before = (std::fs::read_link(out.join("current")).unwrap(), snapshot(&out.join("current")));
    let parcels = repo().join("data/dltb.shp");
    for bad in [dir.path().join("missing"), repo().join("data")] {
        let o = run_next(&out, &parcels, &bad);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains(bad.to_str().unwrap()), "the message names {}: {}", bad.display(), text(&o));
        assert_eq!((std::fs::read_link(out.join("current")).unwrap(), snapshot(&out.join("current"))), before, "the earlier results stay");
        assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
    }
    // The output folder itself, its current/ and a run folder are baselines; the same
    // survey again: every planned parcel is not yet carried out, nothing changed outside.
    for form in ["OUT", "OUT/current", "run folder"] {
        // Each run replaces the result set: the run folder is the one current now.
        let given = match form {
            "OUT" => out.clone(),
            "OUT/current" => out.join("current"),
            _ => out.join("current").canonicalize().unwrap(),
        };
        let o = run_next(&out, &parcels, &given);
        assert!(o.status.success(), "{}: {}", given.display(), text(&o));
        let total = query(&out.join("landcons.gpkg"), "SELECT planned_count, not_yet_count, carried_out_count, contrary_count, outside_count FROM plan_progress WHERE level = 'total'");
        assert_eq!(total.len(), 1);
        let t: Vec<i64> = total[0].iter().map(|v| v.parse().unwrap()).collect();
        assert!(t[0] > 100 && t[0] == t[1] && t[2..] == [0, 0, 0], "{}: {t:?}", given.display());
    }
    let o = run_demo(&dir.path().join("other"), &["--set", "progress.min_share=0"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("progress.min_share"), "{}", text(&o));
}
