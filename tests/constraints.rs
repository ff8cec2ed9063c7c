//! The constraint engine against shapely and pandas (fixtures by
//! scripts/constraints_reference.py): the demo's classed roads and basic farmland over the
//! synthetic sample, and real Cambodian plots under a classed road network and a red line
//! (scripts/constraints_sample.sh). Every share to 1e-6, every candidate excluded or kept
//! as the rule says, the audit reconciled.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;

/// A fixture CSV as rows of strings (header skipped).
fn fixture(name: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(repo().join("tests/fixtures/constraints").join(name))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// (id, constraint) → share, from a fixture or from a run's `constraint_hits`.
fn shares(rows: Vec<Vec<String>>) -> BTreeMap<(String, String), f64> {
    rows.into_iter().map(|r| ((r[0].clone(), r[1].clone()), r[2].parse().unwrap())).collect()
}

fn compare_shares(gpkg: &Path, fixture_name: &str) {
    let ours = shares(query(gpkg, "SELECT id, \"constraint\", share FROM constraint_hits"));
    let reference = shares(fixture(fixture_name));
    assert_eq!(ours.len(), reference.len(), "{fixture_name}: hits");
    for (k, v) in &reference {
        let o = ours.get(k).unwrap_or_else(|| panic!("{fixture_name}: {k:?} missing"));
        assert!((o - v).abs() <= 1e-6, "{fixture_name} {k:?}: share {o} vs shapely {v}");
    }
}

/// The audit reconciles (area = cropland + non-cropland, total = Σ villages) and equals
/// the pandas sums to 1e-6 of the constraint's total area.
fn compare_audit(gpkg: &Path, fixture_name: &str) {
    let rows = query(gpkg, "SELECT village_code, area_m2, cropland_m2, non_cropland_m2 FROM audit");
    let ours: BTreeMap<String, [f64; 3]> = rows
        .iter()
        .map(|r| (r[0].clone(), [r[1].parse().unwrap(), r[2].parse().unwrap(), r[3].parse().unwrap()]))
        .collect();
    let total = ours["total"];
    let tol = 1e-6 * total[0];
    for (code, v) in &ours {
        assert!((v[0] - v[1] - v[2]).abs() <= tol, "{code}: {} ≠ {} + {}", v[0], v[1], v[2]);
    }
    for k in 0..3 {
        let sum: f64 = ours.iter().filter(|(c, _)| *c != "total").map(|(_, v)| v[k]).sum();
        assert!((sum - total[k]).abs() <= tol, "column {k}: villages {sum} vs total {}", total[k]);
    }
    for r in fixture(fixture_name) {
        let reference: Vec<f64> = r[1..4].iter().map(|v| v.parse().unwrap()).collect();
        let o = ours.get(&r[0]).unwrap_or_else(|| panic!("{fixture_name}: village {} missing", r[0]));
        for k in 0..3 {
            assert!((o[k] - reference[k]).abs() <= tol, "{} column {k}: {} vs pandas {}", r[0], o[k], reference[k]);
        }
    }
}

#[test]
fn demo_roads_and_basic_farmland_match_shapely_and_decide_the_candidates() {
    let out = tempfile::tempdir().unwrap();
    let o = run_demo(out.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let gpkg = out.path().join("landcons.gpkg");
    compare_shares(&gpkg, "demo.csv");
    compare_audit(&gpkg, "demo_audit.csv");

    // Every steep cropland parcel is a candidate exactly when no constraint excludes it.
    let share = shares(fixture("demo.csv"));
    let get = |id: &str, c: &str| share.get(&(id.to_string(), c.to_string())).copied().unwrap_or(0.0);
    let steep = query(&gpkg, "SELECT BSM, reforest FROM parcels WHERE is_cropland = 1 AND grade = 5");
    assert!(steep.len() > 100);
    let mut excluded_by_roads = 0;
    for r in &steep {
        let by_roads = get(&r[0], "roads") >= 0.3;
        let by_farmland = get(&r[0], "basic_farmland") >= 0.5;
        excluded_by_roads += usize::from(by_roads && !by_farmland);
        assert_eq!(r[1] == "1", !(by_roads || by_farmland), "parcel {}", r[0]);
    }
    assert!(excluded_by_roads > 0, "the demo shows candidates a road buffer excluded");
    let columns = query(&gpkg, "SELECT count(*) FROM pragma_table_info('reforestation_candidates') WHERE name IN ('c_roads_share', 'c_basic_farmland_share')");
    assert_eq!(columns[0][0], "2");
}

fn cambodia_case(dir: &Path) -> Option<PathBuf> {
    let src = shared("parcels-fiboa/4_cambodia_areas.gpkg")?;
    let dem = shared("dem25-spain/dem25.tif")?;
    tool("bash", &[repo().join("scripts/constraints_sample.sh").to_str().unwrap(), src.to_str().unwrap(), dir.to_str().unwrap()]);
    let p = dir.join("p.toml");
    std::fs::write(
        &p,
        format!(
            r#"[inputs]
dem = "{}"
parcels = "plots.gpkg"
[[constraints]]
name = "roads"
path = "roads.gpkg"
buffer_field = "GRADE"
buffer_classes = {{ "高速" = 30, "县道" = 10, "乡道" = 5 }}
buffer_default_m = 3
mode = "flag"
[[constraints]]
name = "red_line"
path = "red_line.gpkg"
mode = "exclude"
role = "red_line"
[output]
dir = "out"
"#,
            dem.display()
        ),
    )
    .unwrap();
    Some(p)
}

#[test]
fn real_plots_under_classed_roads_and_a_red_line_match_shapely() {
    let dir = tempfile::tempdir().unwrap();
    let Some(p) = cambodia_case(dir.path()) else { return };
    let o = run(&["run", "-q", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let gpkg = dir.path().join("out/landcons.gpkg");
    compare_shares(&gpkg, "cambodia.csv");
    compare_audit(&gpkg, "cambodia_audit.csv");
}

#[test]
fn a_class_without_a_width_and_an_unbuffered_line_are_errors_naming_the_feature() {
    let dir = tempfile::tempdir().unwrap();
    let Some(p) = cambodia_case(dir.path()) else { return };
    let text_of = |p: &Path| std::fs::read_to_string(p).unwrap();
    std::fs::write(&p, text_of(&p).replace("buffer_default_m = 3\n", "")).unwrap();
    let o = run(&["run", "-q", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("roads.gpkg") && text(&o).contains("村道") && text(&o).contains("buffer_classes"), "{}", text(&o));
    let without_buffer = text_of(&p).replace("buffer_field = \"GRADE\"\n", "").replace("buffer_classes = { \"高速\" = 30, \"县道\" = 10, \"乡道\" = 5 }\n", "");
    std::fs::write(&p, without_buffer).unwrap();
    let o = run(&["run", "-q", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("lines and points need a buffer"), "{}", text(&o));
    assert!(!dir.path().join("out/landcons.gpkg").exists());
}
