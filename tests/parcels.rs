//! Parcel reading: another CRS, repairs, field map and layer errors.

mod common;

use std::process::Command;

use common::*;
use geo::Area;
use landcons::settings::{FieldMap, Inputs};
use landcons::parcels::{read_parcels, Parcels, ReadOptions};

fn read(inputs: &Inputs, fields: &FieldMap) -> landcons::Result<Parcels> {
    read_parcels(&ReadOptions {
        inputs,
        fields,
        cancel: &Default::default(),
    })
}

#[test]
fn lat_lon_parcels_go_into_the_gauss_krueger_zone_of_their_central_longitude() {
    let dir = tempfile::tempdir().unwrap();
    let geographic = dir.path().join("dltb_4490.gpkg");
    // CGCS2000 geographic (lat/lon): the same parcels in another CRS.
    let ok = Command::new("ogr2ogr")
        .args(["-t_srs", "EPSG:4490"])
        .arg(&geographic)
        .arg(repo().join("data/dltb.gpkg"))
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let original = read(
        &Inputs {
            parcels: repo().join("data/dltb.gpkg"),
            ..Default::default()
        },
        &FieldMap::default()
    )
    .unwrap();
    let moved = read(
        &Inputs {
            parcels: geographic,
            ..Default::default()
        },
        &FieldMap::default()
    )
    .unwrap();
    assert!(moved.source.reprojected && !original.source.reprojected);
    assert_eq!(original.source.work_crs.name, "EPSG:4544", "projected parcels keep their CRS");
    assert_eq!(moved.source.work_crs.name, "EPSG:4544", "CGCS2000 / 3-degree GK CM 105E");
    assert!(moved.source.work_crs.reason.contains("lat/lon"), "{}", moved.source.work_crs.reason);
    assert_eq!(original.len(), moved.len());
    for i in 0..original.len() {
        assert_eq!(original.id(i), moved.id(i));
        let (x, y) = (original.geometry(i).unsigned_area(), moved.geometry(i).unsigned_area());
        assert!(
            (x - y).abs() <= 1e-6 * x.max(1.0),
            "{}: area {x} vs {y} after the round trip",
            original.id(i)
        );
    }
}

#[test]
fn a_bow_tie_is_repaired_and_reported_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.geojson");
    write_geojson_4544(
        &path,
        &[
            r#"{"type":"Feature","properties":{"BSM":"A1","DLBM":"0103"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[10,10],[10,0],[0,10],[0,0]]]}}"#,
            r#"{"type":"Feature","properties":{"BSM":"A2","DLBM":"0101"},"geometry":{"type":"Polygon","coordinates":[[[20,0],[30,0],[30,10],[20,10],[20,0]]]}}"#,
        ],
    );
    let layer = read(
        &Inputs {
            parcels: path,
            ..Default::default()
        },
        &FieldMap::default(),
    )
    .unwrap();
    assert_eq!(layer.len(), 2, "no parcel is dropped");
    assert_eq!(layer.issues.len(), 1);
    assert_eq!(layer.issues[0].id, "A1");
    assert!(layer.issues[0].action.contains("repaired"));
    // The bow-tie becomes its two triangles: 2 × 25 m².
    assert!((layer.geometry(0).unsigned_area() - 50.0).abs() < 1e-9);
}

#[test]
fn a_missing_mapped_field_suggests_the_nearest_names() {
    let fields = FieldMap {
        land_use: "DLBN".into(),
        ..Default::default()
    };
    let err = read(
        &Inputs {
            parcels: repo().join("data/dltb.gpkg"),
            ..Default::default()
        },
        &fields,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("\"DLBN\"")
            && err.contains("did you mean \"DLBM\"")
            && err.contains("fields.land_use"),
        "{err}"
    );
}

#[test]
fn a_wrong_layer_name_lists_the_layers() {
    let inputs = Inputs {
        parcels: repo().join("data/dltb.gpkg"),
        parcels_layer: "TDLYXZ".into(),
        ..Default::default()
    };
    let err = read(&inputs, &FieldMap::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("TDLYXZ") && err.contains("DLTB"), "{err}");
}

#[test]
fn parcels_without_crs_need_one_in_the_pipeline_file() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["shp", "shx", "dbf", "cpg"] {
        std::fs::copy(
            repo().join(format!("data/dltb.{ext}")),
            dir.path().join(format!("dltb.{ext}")),
        )
        .unwrap();
    }
    let inputs = Inputs {
        parcels: dir.path().join("dltb.shp"),
        ..Default::default()
    };
    let err = read(&inputs, &FieldMap::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no CRS") && err.contains("parcels_crs"),
        "{err}"
    );
    let stated = Inputs {
        parcels_crs: Some("EPSG:4544".into()),
        ..inputs
    };
    let layer = read(&stated, &FieldMap::default()).unwrap();
    assert!(!layer.source.reprojected);
    assert!((0..layer.len()).any(|i| layer.village_name(i).contains('村')));
}

/// Writes `geojson` as `out` in `format`, features in their order.
fn convert(geojson: &std::path::Path, out: &std::path::Path, format: &str) {
    let ok = Command::new("ogr2ogr")
        .args(["-f", format, "-nln", "DLTB"])
        .args(if format == "SQLite" { &["-lco", "LAUNDER=NO"][..] } else { &[] })
        .arg(out)
        .arg(geojson)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ogr2ogr -f {format}");
}

/// Everything a reader gives of a layer: each parcel's id, every attribute, its
/// geometry; and the geometry issues reported.
fn everything(p: &Parcels) -> (Vec<String>, Vec<String>) {
    let parcels = (0..p.len())
        .map(|i| {
            let attributes: Vec<String> = (0..p.fields.len()).map(|c| format!("{:?}", p.attribute(i, c))).collect();
            format!("{} {} {} {:?} {:?}", p.id(i), p.village_name(i), attributes.join("|"), p.official_area(i), p.geometry(i))
        })
        .collect();
    let issues = p.issues.iter().map(|g| format!("{} {} {} {:?}", g.id, g.problem, g.action, g.index)).collect();
    (parcels, issues)
}

/// A GeoPackage is read through GDAL's Arrow stream, other formats feature by feature:
/// the same layer must give the same parcels either way, also where values are null,
/// empty or padded, text is Chinese, rings have holes, parts are many, a ring crosses
/// itself, coordinates have a Z, or a feature has no geometry.
#[test]
fn a_geopackage_read_as_arrow_gives_what_feature_by_feature_reading_gives() {
    let dir = tempfile::tempdir().unwrap();
    let geojson = dir.path().join("cases.geojson");
    write_geojson_4544(
        &geojson,
        &[
            r#"{"type":"Feature","properties":{"BSM":"P1","DLBM":"0103","ZLDWDM":"510101001001","ZLDWMC":"新村 ","TBMJ":1200.5,"GDPDJB":"3"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[40,0],[40,30],[0,30],[0,0]],[[10,10],[20,10],[20,20],[10,20],[10,10]]]}}"#,
            r#"{"type":"Feature","properties":{"BSM":"P2","DLBM":"0301","ZLDWDM":null,"ZLDWMC":"","TBMJ":null,"GDPDJB":null},"geometry":{"type":"MultiPolygon","coordinates":[[[[50,0],[60,0],[60,10],[50,10],[50,0]]],[[[70,0],[80,0],[80,10],[70,10],[70,0]]]]}}"#,
            r#"{"type":"Feature","properties":{"BSM":"P3","DLBM":"0101","ZLDWDM":"510101001002","ZLDWMC":"老村","TBMJ":99.25,"GDPDJB":"6"},"geometry":{"type":"Polygon","coordinates":[[[100,0],[110,10],[110,0],[100,10],[100,0]]]}}"#,
            r#"{"type":"Feature","properties":{"BSM":"P4","DLBM":"0103","ZLDWDM":"510101001002","ZLDWMC":"老村","TBMJ":10.0,"GDPDJB":"2"},"geometry":{"type":"Polygon","coordinates":[[[120,0,5],[130,0,6],[130,10,7],[120,10,8],[120,0,5]]]}}"#,
            r#"{"type":"Feature","properties":{"BSM":"P5","DLBM":"0201","ZLDWDM":"510101001003","ZLDWMC":"河村","TBMJ":0.1,"GDPDJB":"1"},"geometry":null}"#,
            r#"{"type":"Feature","properties":{"BSM":"P6","DLBM":"0103","ZLDWDM":"510101001003","ZLDWMC":"河村","TBMJ":3.14159265358979,"GDPDJB":"4"},"geometry":{"type":"Polygon","coordinates":[[[140.123456789012,0.987654321098],[150.5,0.25],[150.75,10.125],[140.0625,10.03125],[140.123456789012,0.987654321098]]]}}"#,
        ],
    );
    let (gpkg, sqlite) = (dir.path().join("cases.gpkg"), dir.path().join("cases.sqlite"));
    convert(&geojson, &gpkg, "GPKG");
    // OGR's SQLite format keeps coordinates as doubles (WKB), bit for bit, and null
    // geometries, and is read feature by feature.
    convert(&geojson, &sqlite, "SQLite");
    let read_file = |path: &std::path::Path| read(&Inputs { parcels: path.to_path_buf(), ..Default::default() }, &FieldMap::default()).unwrap();
    let (columnar, one_by_one) = (read_file(&gpkg), read_file(&sqlite));
    assert_eq!((columnar.source.read_as, one_by_one.source.read_as), ("arrow", "features"));
    assert_eq!(columnar.len(), 6, "no parcel is dropped");
    assert_eq!(columnar.fields, one_by_one.fields);
    assert_eq!(everything(&columnar), everything(&one_by_one));
    assert!(columnar.issues.iter().any(|g| g.id == "P3" && g.action.contains("repaired")), "{:?}", columnar.issues);
    assert_eq!(columnar.village_name(0), "新村", "padding trimmed");
}

/// A column the Arrow reader does not take (a date) sends the GeoPackage through the
/// feature-by-feature reader, which reads it as before.
#[test]
fn a_geopackage_with_a_date_column_is_read_feature_by_feature() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("dated.gpkg");
    std::fs::copy(repo().join("data/dltb.gpkg"), &gpkg).unwrap();
    // A column declared DATE, which OGR reads as a date field.
    let db = rusqlite::Connection::open(&gpkg).unwrap();
    db.execute_batch("ALTER TABLE DLTB ADD COLUMN GXSJ DATE DEFAULT '2024-05-01'").unwrap();
    drop(db);
    let dated = read(&Inputs { parcels: gpkg, ..Default::default() }, &FieldMap::default()).unwrap();
    let plain = read(&Inputs { parcels: repo().join("data/dltb.gpkg"), ..Default::default() }, &FieldMap::default()).unwrap();
    assert_eq!((dated.source.read_as, plain.source.read_as), ("features", "arrow"));
    assert_eq!(dated.len(), plain.len());
    let date = dated.fields.iter().position(|c| c.name == "GXSJ").expect("the date column");
    assert_eq!(dated.attribute(0, date).as_text(), "2024/05/01");
    for i in 0..plain.len() {
        assert_eq!((dated.id(i), dated.geometry(i)), (plain.id(i), plain.geometry(i)));
    }
}

/// Text that is not UTF-8 in a GeoPackage (read through the Arrow stream) is an error
/// naming the feature and the field, as read feature by feature.
#[test]
fn invalid_utf8_in_a_geopackage_names_the_feature_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("bad_text.gpkg");
    std::fs::copy(repo().join("data/dltb.gpkg"), &gpkg).unwrap();
    let db = rusqlite::Connection::open(&gpkg).unwrap();
    // GDAL's R-tree triggers call SpatiaLite functions plain SQLite lacks; the update
    // does not touch geometries.
    let triggers: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for t in triggers {
        db.execute_batch(&format!("DROP TRIGGER \"{t}\"")).unwrap();
    }
    db.execute_batch("UPDATE DLTB SET DLMC = CAST(X'C3' AS TEXT) WHERE fid = 2").unwrap();
    drop(db);
    let e = read(&Inputs { parcels: gpkg, ..Default::default() }, &FieldMap::default()).unwrap_err().to_string();
    assert!(e.contains("feature #1") && e.contains("field DLMC") && e.contains("not valid UTF-8"), "{e}");
}
