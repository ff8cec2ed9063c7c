//! The results package: candidates, village sums, layers and CRS, QGIS styles, Chinese
//! names, and nothing half-written when a run fails or is stopped. (QGIS itself opens
//! the results in tests/qgis.rs.)

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use common::*;
use gdal::vector::{FieldValue, LayerAccess};

type Row = HashMap<String, Option<FieldValue>>;

fn rows(gpkg: &Path, layer: &str) -> Vec<Row> {
    let ds = gdal::Dataset::open(gpkg).unwrap();
    let mut l = ds.layer_by_name(layer).unwrap();
    let names: Vec<String> = l.defn().fields().map(|f| f.name()).collect();
    l.features()
        .map(|f| {
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), f.field(i).unwrap()))
                .collect()
        })
        .collect()
}

fn text(r: &Row, k: &str) -> String {
    r.get(k)
        .cloned()
        .flatten()
        .and_then(|v| v.into_string())
        .unwrap_or_default()
}
fn real(r: &Row, k: &str) -> f64 {
    match r.get(k).cloned().flatten() {
        Some(FieldValue::RealValue(v)) => v,
        Some(FieldValue::IntegerValue(v)) => v as f64,
        Some(FieldValue::Integer64Value(v)) => v as f64,
        _ => f64::NAN,
    }
}

#[test]
fn candidates_and_village_sums_agree_with_the_parcels_layer() {
    let out = tempfile::tempdir().unwrap();
    let o = run_demo(out.path(), &[]);
    assert!(o.status.success(), "{}", common::text(&o));
    let gpkg = out.path().join("landcons.gpkg");
    let parcels = rows(&gpkg, "parcels");

    // Independent rule: cropland code, dominant grade recomputed from the shares, and not
    // excluded by the demo's control lines (roads at 30 %, basic farmland at 50 %; the
    // shares themselves are checked against shapely in tests/constraints.rs).
    let excluded: BTreeSet<String> = rows(&gpkg, "constraint_hits")
        .iter()
        .filter(|h| {
            let limit = if text(h, "constraint") == "roads" { 0.3 } else { 0.5 };
            real(h, "share") >= limit
        })
        .map(|h| text(h, "id"))
        .collect();
    let mut expected = BTreeSet::new();
    for p in &parcels {
        let cropland = ["0101", "0102", "0103"].contains(&text(p, "DLBM").as_str());
        let shares: Vec<f64> = (1..=5).map(|g| real(p, &format!("share_g{g}"))).collect();
        let dominant = shares
            .iter()
            .enumerate()
            .fold(
                (0, -1.0),
                |best, (i, s)| if *s > best.1 { (i + 1, *s) } else { best },
            )
            .0;
        assert_eq!(real(p, "is_cropland") == 1.0, cropland);
        if cropland && dominant == 5 && !excluded.contains(&text(p, "BSM")) {
            expected.insert(text(p, "BSM"));
        }
    }
    let got: BTreeSet<String> = rows(&gpkg, "reforestation_candidates")
        .iter()
        .map(|r| text(r, "parcel_id"))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(got, expected);

    // Village table: each village and the total row sum what the parcels say.
    let mut by_village: BTreeMap<String, (f64, f64, f64)> = BTreeMap::new();
    for p in &parcels {
        let e = by_village.entry(text(p, "ZLDWDM")).or_default();
        if real(p, "is_cropland") == 1.0 {
            e.0 += real(p, "area_m2");
        }
        if real(p, "reforest") == 1.0 {
            e.1 += 1.0;
            e.2 += real(p, "area_m2");
        }
    }
    let villages = rows(&gpkg, "village_summary");
    assert_eq!(
        villages.len(),
        by_village.len() + 1,
        "one row per village plus the total"
    );
    let (mut crop, mut count, mut area) = (0.0, 0.0, 0.0);
    for v in &villages {
        let code = text(v, "village_code");
        if code == "TOTAL" {
            assert!(
                (real(v, "cropland_m2") - by_village.values().map(|x| x.0).sum::<f64>()).abs()
                    < 0.05
            );
            continue;
        }
        let (c, n, a) = by_village[&code];
        assert!((real(v, "cropland_m2") - c).abs() < 0.01, "{code}");
        assert_eq!(real(v, "reforest_count"), n, "{code}");
        assert!((real(v, "reforest_m2") - a).abs() < 0.01, "{code}");
        let by_grade: f64 = (1..=5)
            .map(|g| real(v, &format!("cropland_g{g}_m2")))
            .sum::<f64>()
            + real(v, "cropland_nodata_m2");
        assert!(
            (by_grade - real(v, "cropland_m2")).abs() < 0.05,
            "{code}: grades sum to the cropland area"
        );
        assert!((real(v, "cropland_mu") - real(v, "cropland_m2") / 666.67).abs() < 0.01);
        crop += real(v, "cropland_m2");
        count += real(v, "reforest_count");
        area += real(v, "reforest_m2");
    }
    assert!(crop > 0.0 && count > 0.0 && area > 0.0);
}

#[test]
fn layers_have_the_dem_crs_field_types_and_default_qgis_styles() {
    let out = tempfile::tempdir().unwrap();
    assert!(run_demo(out.path(), &[]).status.success());
    let gpkg = out.path().join("landcons.gpkg");
    for layer in ["parcels", "reforestation_candidates"] {
        let o = Command::new("ogrinfo")
            .arg("-so")
            .arg(&gpkg)
            .arg(layer)
            .output()
            .unwrap();
        let info = String::from_utf8_lossy(&o.stdout);
        assert!(info.contains("Geometry: Multi Polygon"), "{layer}: {info}");
        assert!(
            info.contains("CGCS2000 / 3-degree Gauss-Kruger CM 105E"),
            "{layer} CRS: {info}"
        );
        assert!(info.contains("area_m2: Real"), "{layer}: {info}");
        assert!(info.contains("grade: Integer64"), "{layer}: {info}");
    }
    let o = Command::new("ogrinfo")
        .arg("-so")
        .arg(&gpkg)
        .arg("parcels")
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&o.stdout);
    for f in [
        "BSM: String",
        "TBMJ: Real",
        "slope_mean: Real",
        "share_g5: Real",
        "nodata_share: Real",
        "grade_mismatch: Integer64",
        "reforest: Integer64",
    ] {
        assert!(info.contains(f), "parcels lacks {f}: {info}");
    }
    // Run metadata in the GeoPackage itself.
    {
        use landcons::output::gpkg::read_item;
        let run: serde_json::Value = serde_json::from_str(&read_item(&gpkg, "LANDCONS_RUN").unwrap()).unwrap();
        assert!(run["gdal_version"].as_str().unwrap().contains("GDAL"));
        let proj = run["proj_version"].as_str().unwrap();
        assert!(
            proj.split('.').next().unwrap().parse::<u32>().unwrap() >= 6,
            "{proj}"
        );
        assert!(run["counts"]["parcels"].as_u64().unwrap() > 1000);
        assert_eq!(run["status"], "success");
        assert!(run["input_hashes"]
            .as_object()
            .unwrap()
            .values()
            .all(|h| h.as_str().is_some_and(|h| h.len() == 64)));
        assert!(run["stage_timings"].as_array().unwrap().len() >= 5);
        assert!(read_item(&gpkg, "LANDCONS_SETTINGS").unwrap().contains("[terrain]"));
    }
    let styles = rows(&gpkg, "layer_styles");
    for layer in ["parcels", "reforestation_candidates"] {
        let s = styles
            .iter()
            .find(|r| text(r, "f_table_name") == layer)
            .unwrap_or_else(|| panic!("no style for {layer}"));
        assert_eq!(real(s, "useAsDefault"), 1.0);
        assert!(text(s, "styleQML").contains("<renderer-v2"), "{layer}");
    }
}

#[test]
fn chinese_names_from_the_gbk_shapefile_reach_the_geopackage_and_the_csv() {
    let out = tempfile::tempdir().unwrap();
    assert!(run_demo(out.path(), &[]).status.success());
    let original: HashMap<String, String> = rows(&repo().join("data/dltb.gpkg"), "DLTB")
        .iter()
        .map(|r| (text(r, "BSM"), text(r, "ZLDWMC")))
        .collect();
    let parcels = rows(&out.path().join("landcons.gpkg"), "parcels");
    for p in &parcels {
        assert_eq!(text(p, "ZLDWMC"), original[&text(p, "BSM")]);
    }
    let csv = std::fs::read_to_string(out.path().join("village_summary.csv")).unwrap();
    let names: BTreeSet<&String> = original.values().collect();
    for n in names {
        assert!(csv.contains(n.as_str()), "{n} missing from the CSV");
    }
}

#[test]
fn a_failure_in_the_last_step_leaves_the_earlier_results_intact() {
    let out = tempfile::tempdir().unwrap();
    assert!(run_demo(out.path(), &[]).status.success());
    let before = snapshot(out.path());
    // A folder where the new CSV should go makes moving the results into place fail.
    std::fs::remove_file(out.path().join("village_summary.csv")).unwrap();
    std::fs::create_dir(out.path().join("village_summary.csv")).unwrap();
    std::fs::write(out.path().join("village_summary.csv/keep"), "x").unwrap();
    let o = run_demo(
        out.path(),
        &["--set", "terrain.grade_breaks=[3.0, 8.0, 15.0, 25.0]"],
    );
    assert_eq!(o.status.code(), Some(3), "{}", common::text(&o));
    assert!(common::text(&o).contains("village_summary.csv"));
    let mut after = snapshot(out.path());
    after.remove("village_summary.csv");
    let mut expected = before.clone();
    expected.remove("village_summary.csv");
    assert!(
        after == expected,
        "earlier results changed after a failed run"
    );
    assert!(
        leftovers(out.path()).is_empty(),
        "temporary files left: {:?}",
        leftovers(out.path())
    );
}

#[test]
fn sigterm_during_a_run_stops_it_and_keeps_the_earlier_results() {
    let region = tempfile::tempdir().unwrap();
    let o = run(&[
        "synth",
        "-q",
        "-o",
        region.path().to_str().unwrap(),
        "--cols",
        "2400",
        "--rows",
        "2400",
        "--parcels",
        "40000",
    ]);
    assert!(o.status.success());
    let pipeline = region.path().join("p.toml");
    std::fs::write(
        &pipeline,
        "[inputs]\ndem = [\"dem.tif\"]\nparcels = \"dltb.gpkg\"\n[output]\ndir = \"out\"\n",
    )
    .unwrap();
    let out = region.path().join("out");
    let o = run(&["run", "-q", pipeline.to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::text(&o));
    let before = snapshot(&out);

    let child = Command::new(bin())
        .args([
            "run",
            "-q",
            pipeline.to_str().unwrap(),
            "--set",
            "terrain.algorithm=zevenbergen-thorne",
        ])
        .spawn()
        .unwrap();
    // Signal once the run has started writing (its result set exists beside the current one).
    let started = std::time::Instant::now();
    while !leftovers(&out).iter().any(|n| n.starts_with(".landcons/runs/")) {
        assert!(
            started.elapsed().as_secs() < 120,
            "the run never started writing"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait_with_output().unwrap().status;
    if status.success() {
        eprintln!("the run finished before the signal arrived; nothing to check");
        return;
    }
    assert_eq!(status.code(), Some(143), "a run stopped by SIGTERM exits with 128 + 15");
    assert!(
        snapshot(&out) == before,
        "earlier results changed after SIGTERM"
    );
    assert!(
        leftovers(&out).is_empty(),
        "temporary files left: {:?}",
        leftovers(&out)
    );
}

/// The spatial indexes landcons packs itself are valid SQLite R-trees that GDAL uses:
/// rtreecheck() passes, a spatial filter finds exactly the features whose envelopes
/// intersect, and a feature added afterwards (as QGIS would) is indexed by the triggers.
#[test]
fn spatial_indexes_are_valid_and_used() {
    use gdal::vector::Geometry;
    let out = tempfile::tempdir().unwrap();
    assert!(run_demo(out.path(), &[]).status.success());
    let gpkg = out.path().join("landcons.gpkg");
    for layer in [
        "parcels",
        "reforestation_candidates",
        "merge_candidates",
        "merge_groups",
    ] {
        let r = query(
            &gpkg,
            &format!(
                "SELECT rtreecheck('rtree_{layer}_geom'), (SELECT count(*) FROM rtree_{layer}_geom), \
                 (SELECT count(*) FROM {layer}), HasSpatialIndex('{layer}', 'geom')"
            ),
        );
        assert_eq!(r[0][0], "ok", "{layer}: {}", r[0][0]);
        assert_eq!(r[0][1], r[0][2], "{layer}: every feature indexed");
        assert_eq!(r[0][3], "1", "{layer}: GDAL sees the index");
    }

    // A window query through the index equals a brute-force envelope test.
    let ds = gdal::Dataset::open(&gpkg).unwrap();
    let mut layer = ds.layer_by_name("parcels").unwrap();
    let e = layer.get_extent().unwrap();
    let (cx, cy) = ((e.MinX + e.MaxX) / 2.0, (e.MinY + e.MaxY) / 2.0);
    let window = (cx - 300.0, cy - 200.0, cx + 300.0, cy + 200.0);
    let brute: BTreeSet<u64> = layer
        .features()
        .filter(|f| {
            let g = f.geometry().unwrap().envelope();
            g.MinX <= window.2 && g.MaxX >= window.0 && g.MinY <= window.3 && g.MaxY >= window.1
        })
        .map(|f| f.fid().unwrap())
        .collect();
    let indexed: BTreeSet<u64> = query(
        &gpkg,
        &format!(
            "SELECT id FROM rtree_parcels_geom WHERE minx <= {} AND maxx >= {} AND miny <= {} AND maxy >= {}",
            window.2, window.0, window.3, window.1
        ),
    )
    .into_iter()
    .map(|r| r[0].parse().unwrap())
    .collect();
    assert!(brute.len() > 10);
    assert_eq!(indexed, brute);
    layer.set_spatial_filter_rect(window.0, window.1, window.2, window.3);
    assert!(layer.features().count() <= brute.len());
    drop(ds);

    // An edit after the run goes through the specification's triggers.
    let ds = gdal::Dataset::open_ex(
        &gpkg,
        gdal::DatasetOptions {
            open_flags: gdal::GdalOpenFlags::GDAL_OF_UPDATE | gdal::GdalOpenFlags::GDAL_OF_VECTOR,
            ..Default::default()
        },
    )
    .unwrap();
    let layer = ds.layer_by_name("merge_groups").unwrap();
    let square = Geometry::from_wkt(&format!(
        "MULTIPOLYGON((({x} {y},{x2} {y},{x2} {y2},{x} {y2},{x} {y})))",
        x = e.MaxX + 1000.0,
        y = e.MaxY + 1000.0,
        x2 = e.MaxX + 1010.0,
        y2 = e.MaxY + 1010.0
    ))
    .unwrap();
    {
        let mut f = gdal::vector::Feature::new(layer.defn()).unwrap();
        f.set_geometry(square).unwrap();
        f.create(&layer).unwrap();
    }
    ds.close().unwrap();
    let r = query(
        &gpkg,
        &format!(
            "SELECT rtreecheck('rtree_merge_groups_geom'), (SELECT count(*) FROM rtree_merge_groups_geom WHERE minx > {})",
            e.MaxX + 999.0
        ),
    );
    assert_eq!(r[0], ["ok", "1"]);
}

/// Each atlas page's map extent is the village framed in the page's map shape, inside the
/// region where it fits (no empty band under a village at the region's edge: issue #33);
/// the project's atlas map reads it from the villages layer.
#[test]
fn atlas_pages_frame_their_village_inside_the_region() {
    let out = tempfile::tempdir().unwrap();
    assert!(run_demo(out.path(), &[]).status.success());
    let gpkg = out.path().join("landcons.gpkg");
    let region = &query(&gpkg, "SELECT min(minx), min(miny), max(maxx), max(maxy) FROM rtree_villages_geom")[0];
    let region: Vec<f64> = region.iter().map(|v| v.parse().unwrap()).collect();
    let villages = query(&gpkg, "SELECT v.village_name, map_xmin, map_ymin, map_xmax, map_ymax, r.minx, r.miny, r.maxx, r.maxy FROM villages v JOIN rtree_villages_geom r ON r.id = v.fid");
    assert!(villages.len() > 3);
    for v in &villages {
        let n: Vec<f64> = v[1..].iter().map(|x| x.parse().unwrap()).collect();
        let (e, own) = (&n[0..4], &n[4..8]);
        assert!(((e[2] - e[0]) / (e[3] - e[1]) - 195.0 / 182.0).abs() < 1e-3, "{}: the frame's shape", v[0]);
        assert!(e[0] <= own[0] && e[1] <= own[1] && e[2] >= own[2] && e[3] >= own[3], "{}: the whole village shows", v[0]);
        for (lo, hi) in [(0, 2), (1, 3)] {
            if e[hi] - e[lo] <= region[hi] - region[lo] {
                assert!(e[lo] >= region[lo] - 0.01 && e[hi] <= region[hi] + 0.01, "{}: {lo}–{hi} inside the region", v[0]);
            }
        }
    }
    let project = std::fs::File::open(out.path().join("landcons.qgz")).unwrap();
    let mut qgs = String::new();
    std::io::Read::read_to_string(&mut zip::ZipArchive::new(project).unwrap().by_index(0).unwrap(), &mut qgs).unwrap();
    for key in ["dataDefinedMapXMin", "dataDefinedMapYMin", "dataDefinedMapXMax", "dataDefinedMapYMax"] {
        assert!(qgs.contains(key), "{key}");
    }
}

/// Reading the results through GDAL — pyogrio's GDAL 3.12 as QGIS and geopandas users
/// have it, and the system's ogrinfo — writes no `.aux.xml` beside the
/// GeoPackage (issue #33: GDAL 3.12 wrote the run's metadata to `landcons.gpkg.aux.xml`,
/// outside the result set), while the run metadata is still in the GeoPackage.
#[test]
fn reading_the_results_with_gdal_leaves_no_side_car() {
    let Some(python) = test_python() else { return };
    let out = tempfile::tempdir().unwrap();
    assert!(run_demo(out.path(), &[]).status.success());
    let side_cars = || -> Vec<String> {
        let o = Command::new("find").arg(out.path()).args(["-name", "*.aux.xml"]).output().unwrap();
        let all = String::from_utf8_lossy(&o.stdout).lines().map(str::to_string).collect::<Vec<_>>();
        all.into_iter().filter(|p| !p.ends_with("slope_grade.tif.aux.xml")).collect()
    };
    for gpkg in [out.path().join("landcons.gpkg"), out.path().join("current/landcons.gpkg")] {
        let g = gpkg.to_str().unwrap();
        let script = "import sys, pyogrio\nfor p in sys.argv[1:]:\n    pyogrio.list_layers(p)\n    pyogrio.read_info(p, layer='parcels')\n";
        let o = Command::new(&python).args(["-c", script, g]).output().unwrap();
        assert!(o.status.success(), "pyogrio: {}", common::text(&o));
        tool("ogrinfo", &["-so", "-al", "-q", g]);
    }
    assert_eq!(side_cars(), Vec::<String>::new(), "GDAL wrote side-cars");
    assert!(landcons::output::gpkg::read_item(&out.path().join("landcons.gpkg"), "LANDCONS_RUN").is_some());
}
