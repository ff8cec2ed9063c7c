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
    std::fs::write(
        &path,
        r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4544"}},"features":[
{"type":"Feature","properties":{"BSM":"A1","DLBM":"0103"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[10,10],[10,0],[0,10],[0,0]]]}},
{"type":"Feature","properties":{"BSM":"A2","DLBM":"0101"},"geometry":{"type":"Polygon","coordinates":[[[20,0],[30,0],[30,10],[20,10],[20,0]]]}}]}"#,
    )
    .unwrap();
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
