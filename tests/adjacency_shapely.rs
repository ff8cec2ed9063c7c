//! The adjacency graph at tolerance 0 against shapely (`touches` + length of the shared
//! boundary), on real parcels and the synthetic sample. Fixtures: tests/fixtures/adjacency,
//! made by scripts/adjacency_reference.py.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use gdal::vector::LayerAccess;
use geo::{Area, BooleanOps, MultiPolygon};
use landcons::stages::adjacency;
use landcons::vector::polygons_of;

fn geometries(path: &Path) -> Vec<MultiPolygon<f64>> {
    let ds = gdal::Dataset::open(path).unwrap();
    let mut layer = ds.layer(0).unwrap();
    layer
        .features()
        .map(|f| {
            let mut g = f.geometry().unwrap().clone();
            g.flatten_to_2d();
            polygons_of(&g.to_geo().unwrap())
        })
        .collect()
}

fn compare(name: &str, path: &Path) {
    let reference: BTreeMap<(usize, usize), f64> =
        std::fs::read_to_string(repo().join(format!("tests/fixtures/adjacency/{name}.csv")))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let v: Vec<&str> = l.split(',').collect();
                (
                    (v[0].parse().unwrap(), v[1].parse().unwrap()),
                    v[2].parse().unwrap(),
                )
            })
            .collect();
    let geoms = geometries(path);
    let graph = adjacency::build_from(&geoms, 0.0, 0.0);
    let ours: BTreeMap<(usize, usize), f64> = graph
        .edges
        .iter()
        .map(|e| ((e.a, e.b), e.shared_m))
        .collect();
    let missing: Vec<_> = reference.keys().filter(|k| !ours.contains_key(k)).collect();
    let extra: Vec<_> = ours.keys().filter(|k| !reference.contains_key(k)).collect();
    assert!(missing.is_empty(), "{name}: pairs missing {missing:?}");
    // shapely's `touches` is false when interiors overlap at all; survey slivers
    // (overlaps far below 1 m²) are exactly what landcons must still call adjacent.
    for (a, b) in extra {
        let overlap = geoms[*a].intersection(&geoms[*b]).unsigned_area();
        assert!(
            overlap > 0.0 && overlap < 1.0,
            "{name} ({a}, {b}): extra pair that is not a sliver overlap ({overlap} m²)"
        );
    }
    for (k, v) in &reference {
        assert!(
            (ours[k] - v).abs() <= 1e-6,
            "{name} {k:?}: shared {} vs shapely {v}",
            ours[k]
        );
    }
    assert!(!reference.is_empty());
}

#[test]
fn synthetic_sample_matches_shapely() {
    compare("synth_sample", &repo().join("data/dltb.gpkg"));
}

#[test]
fn fiboa_parcels_match_shapely() {
    for (name, file) in [
        ("vietnam", "1_vietnam_areas.gpkg"),
        ("cambodia", "4_cambodia_areas.gpkg"),
        ("netherlands", "brpgewaspercelen_definitief_2023.gpkg"),
        ("switzerland", "lwb_nutzungsflaechen_v2_0_lv95.gpkg"),
    ] {
        let Some(path) = shared(&format!("parcels-fiboa/{file}")) else {
            return;
        };
        compare(name, &path);
    }
}
