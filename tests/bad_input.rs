//! Broken inputs give a clear message naming what is at fault, the bad-input exit code,
//! no panic, and no output.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn square(id: &str, x: f64, y: f64) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"BSM":"{id}","DLBM":"0103"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}"#,
        x1 = x + 50.0,
        y1 = y + 50.0
    )
}

fn geojson(dir: &Path, features: &[String]) -> PathBuf {
    let p = dir.join("parcels.geojson");
    std::fs::write(
        &p,
        format!(r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::4544"}}}},"features":[{}]}}"#, features.join(",")),
    )
    .unwrap();
    p
}

/// Runs a pipeline over `dem` and `parcels`; returns the output and the output folder.
fn run_with(
    dir: &Path,
    dem: &Path,
    parcels: &Path,
    extra: &str,
) -> (std::process::Output, PathBuf) {
    let pipeline = dir.join("p.toml");
    let out = dir.join("out");
    std::fs::write(
        &pipeline,
        format!(
            "[inputs]\ndem = [\"{}\"]\nparcels = \"{}\"\n{extra}[output]\ndir = \"{}\"\n",
            dem.display(),
            parcels.display(),
            out.display()
        ),
    )
    .unwrap();
    (run(&["run", "-q", pipeline.to_str().unwrap()]), out)
}

fn dem() -> PathBuf {
    repo().join("data/dem.tif")
}

#[test]
fn parcels_that_miss_the_dem_are_an_error_with_both_extents() {
    let dir = tempfile::tempdir().unwrap();
    let p = geojson(dir.path(), &[square("A1", 100000.0, 100000.0)]);
    let (o, out) = run_with(dir.path(), &dem(), &p, "");
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(
        t.contains("do not overlap the DEM")
            && t.contains("100000.000")
            && t.contains("482000.000"),
        "{t}"
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn an_empty_parcel_layer_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = geojson(dir.path(), &[]);
    let (o, _) = run_with(dir.path(), &dem(), &p, "");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("no features"), "{}", text(&o));
}

#[test]
fn points_are_an_error_naming_the_feature_or_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let point = r#"{"type":"Feature","properties":{"BSM":"P9","DLBM":"0103"},"geometry":{"type":"Point","coordinates":[483000,3288000]}}"#.to_string();
    let p = geojson(dir.path(), &[square("A1", 483000.0, 3288000.0), point]);
    let (o, _) = run_with(dir.path(), &dem(), &p, "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("P9") && text(&o).contains("not a polygon"),
        "{}",
        text(&o)
    );
    let (o, out) = run_with(dir.path(), &dem(), &p, "non_polygons = \"skip\"\n");
    assert!(o.status.success(), "{}", text(&o));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["counts"]["parcels"], 1);
    assert!(
        m["geometry_issues"].to_string().contains("P9"),
        "the skipped feature is reported"
    );
}

#[test]
fn duplicate_parcel_ids_are_an_error_naming_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let p = geojson(
        dir.path(),
        &[
            square("A1", 483000.0, 3288000.0),
            square("A1", 483100.0, 3288000.0),
        ],
    );
    let (o, _) = run_with(dir.path(), &dem(), &p, "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("duplicate parcel id") && text(&o).contains("A1"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_directory_or_a_truncated_geotiff_instead_of_a_dem() {
    let dir = tempfile::tempdir().unwrap();
    let p = geojson(dir.path(), &[square("A1", 483000.0, 3288000.0)]);
    let folder = dir.path().join("dem_folder.tif");
    std::fs::create_dir(&folder).unwrap();
    let (o, _) = run_with(dir.path(), &folder, &p, "");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("is a directory"), "{}", text(&o));

    let truncated = dir.path().join("truncated.tif");
    let bytes = std::fs::read(dem()).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let (o, out) = run_with(dir.path(), &truncated, &p, "");
    assert!(matches!(o.status.code(), Some(2) | Some(3)), "{}", text(&o));
    assert!(
        text(&o).contains("truncated.tif"),
        "the message names the file: {}",
        text(&o)
    );
    assert!(!text(&o).contains("panicked"));
    assert!(
        !out.join("landcons.gpkg").exists(),
        "no results from a broken DEM"
    );
}

#[test]
fn a_one_cell_dem_and_a_one_parcel_layer_run_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = dir.path().join("tiny.tif");
    {
        let driver = gdal::DriverManager::get_driver_by_name("GTiff").unwrap();
        let mut ds = driver
            .create_with_band_type::<f32, _>(&tiny, 1, 1, 1)
            .unwrap();
        ds.set_geo_transform(&[483000.0, 100.0, 0.0, 3288100.0, 0.0, -100.0])
            .unwrap();
        ds.set_spatial_ref(&gdal::spatial_ref::SpatialRef::from_epsg(4544).unwrap())
            .unwrap();
        let mut buf = gdal::raster::Buffer::new((1, 1), vec![350.0f32]);
        ds.rasterband(1)
            .unwrap()
            .write((0, 0), (1, 1), &mut buf)
            .unwrap();
    }
    let p = geojson(dir.path(), &[square("A1", 483010.0, 3288010.0)]);
    let (o, out) = run_with(dir.path(), &tiny, &p, "");
    assert!(o.status.success(), "{}", text(&o));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        m["counts"]["parcels_without_data"], 1,
        "a 1×1 DEM has no slope"
    );
}

#[test]
fn a_stray_huge_coordinate_is_an_error_naming_the_parcel() {
    let dir = tempfile::tempdir().unwrap();
    let stray = r#"{"type":"Feature","properties":{"BSM":"X7","DLBM":"0103"},"geometry":{"type":"Polygon","coordinates":[[[483000,3288000],[1e12,3288000],[483050,3288050],[483000,3288000]]]}}"#.to_string();
    let p = geojson(dir.path(), &[square("A1", 483000.0, 3288000.0), stray]);
    let (o, out) = run_with(dir.path(), &dem(), &p, "");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("X7") && text(&o).contains("check its coordinates"),
        "{}",
        text(&o)
    );
    assert!(!out.join("landcons.gpkg").exists());
}
