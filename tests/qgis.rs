//! The results as a Chinese planning team opens them in QGIS: real QGIS 3.22 (Debian's
//! python3-qgis, headless) reads the demo's output — every layer styled, Chinese aliases
//! and value maps, the grade raster's five named classes, the QGIS project with its
//! groups and layouts, the village atlas as one PDF with a page per village, and
//! `landcons maps`. Without QGIS these print SKIPPED; under `CI=true` they fail, since
//! CI installs QGIS (`scripts/setup.sh --tests`) and a test must never pass by not
//! running. The checks that need no QGIS (styles in both languages, the raster
//! side-cars and their reuse) always run.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;

/// Whether QGIS's Python bindings import under Debian's Python.
fn qgis_available() -> bool {
    let ok = Command::new("/usr/bin/python3")
        .args(["-c", "import qgis.core"])
        .env("QT_QPA_PLATFORM", "offscreen")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var("CI").as_deref() != Ok("true"),
        "under CI=true: python3-qgis is not installed (scripts/setup.sh --tests installs it)"
    );
    if !ok {
        eprintln!("SKIPPED: QGIS is not installed (sudo apt-get install qgis python3-qgis fonts-wqy-microhei)");
    }
    ok
}

/// Runs a QGIS Python script headless; returns its output and its JSON summary.
fn qgis_script(script: &str, args: &[&std::ffi::OsStr]) -> (Output, serde_json::Value) {
    let o = Command::new("/usr/bin/python3")
        .arg(repo().join(script))
        .args(args)
        .env("QT_QPA_PLATFORM", "offscreen")
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{script}: no JSON summary ({e}): {}", text(&o)));
    (o, json)
}

fn pdf_pages(pdf: &Path) -> usize {
    let o = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo is installed (poppler-utils)");
    assert!(o.status.success(), "pdfinfo {}: {}", pdf.display(), text(&o));
    let info = String::from_utf8_lossy(&o.stdout).to_string();
    let line = info.lines().find(|l| l.starts_with("Pages:")).unwrap_or_else(|| panic!("{info}"));
    line["Pages:".len()..].trim().parse().unwrap()
}

fn village_rows(out: &Path) -> usize {
    query(&out.join("landcons.gpkg"), "SELECT count(*) FROM villages")[0][0].parse().unwrap()
}

/// Every layer of a re-run's results (change layers included) opens in QGIS styled
/// from the GeoPackage: Chinese aliases with units on every field of every candidate
/// layer, value maps that name land-use codes, grades and flags, Chinese legends, the
/// rasters styled by their side-cars with the five named grades, the villages labelled.
#[test]
fn qgis_opens_every_layer_styled_in_chinese() {
    if !qgis_available() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    assert!(run_demo(out.path(), &[]).status.success());
    // A second run with another rule replaces those results: change layers appear.
    let o = run_demo(out.path(), &["--set", "reforestation.rule=steep-share"]);
    assert!(o.status.success(), "{}", text(&o));
    let png = out.path().join("map.png");
    let (o, summary) = qgis_script("scripts/qgis_check.py", &[out.path().as_os_str(), png.as_os_str()]);
    assert!(o.status.success(), "{}", serde_json::to_string_pretty(&summary["errors"]).unwrap());
    let layers = &summary["layers"];
    for name in ["reforestation_candidates", "swap_out", "swap_in", "merge_candidates", "changes_reforestation", "villages"] {
        assert_eq!(layers[name]["styled"], true, "{name}");
    }
    assert_eq!(layers["reforestation_candidates"]["value_maps"], serde_json::json!(["grade", "grade_recorded", "land_use"]));
    assert_eq!(summary["rasters"]["legend"].as_array().unwrap().len(), 5);
    assert_eq!(layers["villages"]["features"].as_u64().unwrap() as usize, village_rows(out.path()));
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000, "the map rendered");
}

/// `output.language = "en"`: the same checks with English aliases, value-map names and
/// legends.
#[test]
fn qgis_shows_english_when_asked() {
    if !qgis_available() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    assert!(run_demo(out.path(), &["--set", "output.language=en"]).status.success());
    let (o, summary) = qgis_script("scripts/qgis_check.py", &[out.path().as_os_str(), "--language".as_ref(), "en".as_ref()]);
    assert!(o.status.success(), "{}", serde_json::to_string_pretty(&summary["errors"]).unwrap());
}

/// The project reads back in QGIS from a copy of the folder elsewhere (relative
/// paths): its groups 结果/候选/底图, every layer valid and styled as its source says,
/// the overview and atlas layouts; the atlas exports one PDF with a page per village,
/// the project atlas one with a page per project.
#[test]
fn the_project_reads_back_and_its_atlas_has_a_page_per_village() {
    if !qgis_available() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    assert!(run_demo(out.path(), &[]).status.success());
    let exports = tempfile::tempdir().unwrap();
    let project = out.path().join("landcons.qgz");
    let args = [project.as_os_str(), "--relocate".as_ref(), "--out".as_ref(), exports.path().as_os_str(), "--expect-groups".as_ref(), "结果,候选,底图".as_ref()];
    let (o, summary) = qgis_script("qgis/check_project.py", &args);
    assert!(o.status.success(), "{}", serde_json::to_string_pretty(&summary["errors"]).unwrap());
    let villages = village_rows(out.path());
    assert!(villages > 1);
    assert_eq!(summary["atlas"]["count"].as_u64().unwrap() as usize, villages);
    assert_eq!(pdf_pages(&exports.path().join("atlas.pdf")), villages, "one page per village");
    let layouts: Vec<&str> = summary["layouts"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(layouts.len(), 4, "{layouts:?}");
    assert!(layouts.contains(&"overview") && layouts.contains(&"atlas") && layouts.contains(&"project_atlas") && layouts.contains(&"project_type_atlas"));
    // 项目库: a page per project, in the layer's order (by type, then unit), named by type
    // and name, its map showing the page's project (本页项目) over villages and parcels.
    let projects = query(&out.path().join("landcons.gpkg"), "SELECT type || ' · ' || name, project_id FROM projects ORDER BY fid");
    let atlas = &summary["project_atlas"];
    assert!(projects.len() > 1);
    assert_eq!(atlas["count"].as_u64().unwrap() as usize, projects.len());
    assert_eq!(pdf_pages(&exports.path().join("project_atlas.pdf")), projects.len(), "one page per project");
    let pages: Vec<&str> = atlas["pages"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(pages, projects.iter().map(|p| p[0].as_str()).collect::<Vec<_>>());
    for (page, p) in atlas["pages"].as_array().unwrap().iter().zip(&projects) {
        assert!(page["texts"].as_array().unwrap().iter().any(|t| t.as_str().unwrap().contains(&p[1])), "page {} lacks its id {}", page["name"], p[1]);
    }
    assert_eq!(atlas["locked_layers"], serde_json::json!(["villages_landcons", "project_page", "parcels_landcons"]));
    // 项目分类图: a page per project type that has projects, in type order, its figures the
    // sums of that type's projects.
    let gpkg = out.path().join("landcons.gpkg");
    let types = query(&gpkg, "SELECT type, type_code, projects, area_mu FROM project_types ORDER BY fid");
    let sums = query(&gpkg, "SELECT type_code, count(*), sum(area_mu) FROM projects GROUP BY type_code");
    assert_eq!(types.len(), sums.len(), "one type row per type with projects");
    for t in &types {
        let s = sums.iter().find(|s| s[0] == t[1]).unwrap_or_else(|| panic!("type {} has no projects", t[1]));
        assert_eq!(t[2], s[1], "type {}: projects", t[1]);
        let (a, b): (f64, f64) = (t[3].parse().unwrap(), s[2].parse().unwrap());
        assert!((a - b).abs() <= 0.01 * s[1].parse::<f64>().unwrap(), "type {}: {a} mu vs the projects' {b}", t[1]);
    }
    let by_type = &summary["project_type_atlas"];
    assert_eq!(pdf_pages(&exports.path().join("project_type_atlas.pdf")), types.len(), "one page per project type");
    let pages: Vec<&str> = by_type["pages"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(pages, types.iter().map(|t| t[0].as_str()).collect::<Vec<_>>());
    assert_eq!(by_type["locked_layers"], serde_json::json!(["villages_landcons", "project_types", "parcels_landcons"]));
    let tree: Vec<String> = summary["layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_string()).collect();
    for id in ["villages_landcons", "reforestation_candidates", "parcels_landcons", "slope_grade", "slope_degrees"] {
        assert!(tree.iter().any(|t| t == id), "{id} not in the project: {tree:?}");
    }
    // 现状用地 and 规划用地: the parcels again, categorised by their planning class.
    for id in ["land_use_current", "land_use_planned"] {
        let layer = summary["layers"].as_array().unwrap().iter().find(|l| l["id"].as_str().unwrap().starts_with(id));
        let layer = layer.unwrap_or_else(|| panic!("{id} not in the project: {tree:?}"));
        assert_eq!(layer["renderer"], "categorizedSymbol", "{layer}");
        assert!(layer["valid"].as_bool().unwrap(), "{layer}");
    }
}

/// `landcons maps OUT --pdf FILE` prints the atlas through QGIS: one page per village.
#[test]
fn landcons_maps_prints_the_atlas_as_one_pdf() {
    if !qgis_available() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    assert!(run_demo(out.path(), &[]).status.success());
    let pdf = out.path().join("atlas-print.pdf");
    let o = run(&["maps", out.path().to_str().unwrap(), "--pdf", pdf.to_str().unwrap(), "--dpi", "96"]);
    assert!(o.status.success(), "{}", text(&o));
    let villages = village_rows(out.path());
    assert!(text(&o).contains(&format!("{villages} pages")), "{}", text(&o));
    assert_eq!(pdf_pages(&pdf), villages);
    let partial: Vec<_> = std::fs::read_dir(out.path()).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().starts_with(".partial")).collect();
    assert!(partial.is_empty(), "a partial PDF was left behind");
}

/// Without QGIS `landcons maps` says how to install it and exits 2; a folder without a
/// project says so.
#[test]
fn maps_without_qgis_says_how_to_install_it() {
    let out = tempfile::tempdir().unwrap();
    assert!(run_demo(out.path(), &[]).status.success());
    let o = Command::new(bin())
        .args(["maps", out.path().to_str().unwrap()])
        .env("LANDCONS_PYTHON", "/nonexistent/python3")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("apt-get install qgis python3-qgis fonts-wqy-microhei"), "{}", text(&o));
    assert!(!out.path().join("maps.pdf").exists());
    let empty = tempfile::tempdir().unwrap();
    let o = run(&["maps", empty.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("landcons.qgz"), "{}", text(&o));
}

/// The styles in the GeoPackage follow `output.language` (what QGIS then shows is
/// checked above), and so do the reforestation reasons; the figures do not change.
#[test]
fn styles_and_reasons_follow_the_output_language() {
    let (zh, en) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert!(run_demo(zh.path(), &[]).status.success());
    assert!(run_demo(en.path(), &["--set", "output.language=en"]).status.success());
    let style = |dir: &Path, layer: &str| {
        query(&dir.join("landcons.gpkg"), &format!("SELECT styleQML FROM layer_styles WHERE f_table_name = '{layer}'"))[0][0].clone()
    };
    let q = style(zh.path(), "reforestation_candidates");
    assert!(q.contains(r#"name="面积（亩）""#) && q.contains(r#"name="旱地" value="0103""#), "{q}");
    assert!(q.contains(r#"name="五级（&gt;25°）" value="5""#), "{q}");
    assert!(style(zh.path(), "parcels").contains(r#"label="一级（≤2°）""#));
    let q = style(en.path(), "reforestation_candidates");
    assert!(q.contains(r#"name="area (mu)""#) && q.contains(r#"name="dry land" value="0103""#), "{q}");
    let reasons = |dir: &Path| query(&dir.join("landcons.gpkg"), "SELECT reason FROM reforestation_candidates ORDER BY fid");
    let (rz, re) = (reasons(zh.path()), reasons(en.path()));
    assert!(rz[0][0].starts_with("耕地01") && rz[0][0].contains("坡度以五级（>25°）为主，占面积"), "{:?}", rz[0]);
    assert!(re[0][0].starts_with("cropland 01"), "{:?}", re[0]);
    let figures = |dir: &Path| query(&dir.join("landcons.gpkg"), "SELECT parcel_id, area_m2, grade, land_use, land_use_name FROM reforestation_candidates ORDER BY fid");
    assert_eq!(figures(zh.path()), figures(en.path()), "the language changes words, not figures");
    // Every village has its outline, labelled by name.
    let villages = query(&zh.path().join("landcons.gpkg"), "SELECT count(*), sum(village_name <> '') FROM villages");
    let summary = query(&zh.path().join("landcons.gpkg"), "SELECT count(*) - 1 FROM village_summary");
    assert_eq!(villages[0][0], summary[0][0]);
    assert!(style(zh.path(), "villages").contains(r#"fieldName="village_name""#));
}

/// The grade raster has the six-entry colour table (nodata and five grades) and both
/// rasters their `.qml` side-cars; a re-run reuses the side-cars with the rasters and
/// checks them: a side-car changed by hand is a cache miss and is written again.
#[test]
fn raster_side_cars_are_written_reused_and_checked() {
    let out = tempfile::tempdir().unwrap();
    assert!(run_demo(out.path(), &[]).status.success());
    let ds = gdal::Dataset::open(out.path().join("slope_grade.tif")).unwrap();
    assert_eq!(ds.rasterband(1).unwrap().color_table().unwrap().entry_count(), 6);
    let grades = std::fs::read_to_string(out.path().join("slope_grade.qml")).unwrap();
    assert_eq!(grades.matches("<paletteEntry").count(), 5);
    assert!(grades.contains(r#"label="一级（≤2°）""#));
    assert!(std::fs::read_to_string(out.path().join("slope.qml")).unwrap().contains("singlebandpseudocolor"));
    for name in ["slope.qml", "slope_grade.qml"] {
        assert!(manifest(out.path())["files"].get(name).is_some(), "{name}: size and hash not recorded");
    }
    assert!(run_demo(out.path(), &[]).status.success());
    assert_eq!(manifest(out.path())["cache"]["terrain"], "hit");
    assert_eq!(std::fs::read_to_string(out.path().join("slope_grade.qml")).unwrap(), grades);
    // Edit the side-car in the current result set: the next run must not trust it.
    let current = std::fs::canonicalize(out.path().join("slope_grade.qml")).unwrap();
    std::fs::write(&current, grades.replace("一级", "1级")).unwrap();
    assert!(run_demo(out.path(), &[]).status.success());
    assert_eq!(manifest(out.path())["cache"]["terrain"], "miss");
    assert_eq!(std::fs::read_to_string(out.path().join("slope_grade.qml")).unwrap(), grades);
}
