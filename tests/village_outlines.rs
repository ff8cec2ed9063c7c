//! Village outlines on the synthetic sample (a 三调-style mosaic, so the edge-cancelling
//! path is taken) equal GEOS's cascaded union of each village's parcels: no area in one
//! and not the other, the same parts and holes.

mod common;

use common::*;
use gdal::vector::ToGdal;
use geo::{Area, MultiPolygon};
use landcons::context::CancelToken;
use landcons::parcels::{read_parcels, ReadOptions};
use landcons::progress::Progress;
use landcons::settings::Settings;
use landcons::stages::dissolve::{outline, village_outlines};
use landcons::vector::union::{mosaic_union, union_all};

#[test]
fn outlines_equal_the_geos_union_of_each_villages_parcels() {
    let settings = Settings::default();
    let inputs = landcons::settings::Inputs { parcels: repo().join("data/dltb.shp"), ..Default::default() };
    let parcels = read_parcels(&ReadOptions { inputs: &inputs, fields: &settings.fields, cancel: &CancelToken::new() }).unwrap();
    let outlines = village_outlines(&parcels, &[], &Progress::hidden(), &CancelToken::new()).unwrap();
    assert!(outlines.len() >= 6, "{} villages", outlines.len());
    for village in &outlines {
        let members: Vec<_> = (0..parcels.len()).filter(|&i| parcels.village_code(i) == village.village_code).collect();
        let parts = MultiPolygon::new(members.iter().flat_map(|&i| parcels.geometry(i).0).collect());
        let parcel_area = parts.unsigned_area();
        assert!(mosaic_union(&parts).is_some(), "village {}: the sample is a mosaic, the fast path must take it", village.village_code);
        let general = union_all(&parts).unwrap();
        let (ours, geos) = (village.geometry.to_gdal().unwrap(), general.to_gdal().unwrap());
        let xor = ours.difference(&geos).unwrap().area() + geos.difference(&ours).unwrap().area();
        assert!(xor < 1e-6, "village {}: {xor} m² differ from GEOS", village.village_code);
        assert!(ours.is_valid(), "village {}: invalid outline", village.village_code);
        let shape = |g: &MultiPolygon<f64>| (g.0.len(), g.0.iter().map(|p| p.interiors().len()).sum::<usize>());
        assert_eq!(shape(&village.geometry), shape(&general), "village {}: parts and holes", village.village_code);
        // The sample is a clean mosaic: the outline covers exactly the parcels.
        assert!((village.geometry.unsigned_area() - parcel_area).abs() < 1e-6 * parcel_area, "village {}", village.village_code);
    }
}

/// Villages whose parcels lie scattered over the county (飞地): the sample with each
/// parcel's village code taken by feature id modulo 5. Their pieces meet at single
/// corners, which edge cancellation follows (pinch vertices), no parcel going to GEOS,
/// and the outline is still GEOS's union of the village's parcels: the same area,
/// parts and holes, valid.
#[test]
fn scattered_villages_are_dissolved_by_edge_cancellation_into_the_geos_union() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("scattered.gpkg");
    std::fs::copy(repo().join("data/dltb.gpkg"), &gpkg).unwrap();
    let layer = query(&gpkg, "SELECT table_name FROM gpkg_contents")[0][0].clone();
    execute(&gpkg, &format!("UPDATE \"{layer}\" SET ZLDWDM = '50023010020' || (fid % 5) || '0000000'"));
    let settings = Settings::default();
    let inputs = landcons::settings::Inputs { parcels: gpkg.clone(), ..Default::default() };
    let parcels = read_parcels(&ReadOptions { inputs: &inputs, fields: &settings.fields, cancel: &CancelToken::new() }).unwrap();
    let outlines = village_outlines(&parcels, &[], &Progress::hidden(), &CancelToken::new()).unwrap();
    assert_eq!(outlines.len(), 5);
    for village in &outlines {
        let members: Vec<_> = (0..parcels.len()).filter(|&i| parcels.village_code(i) == village.village_code).collect();
        let parts = MultiPolygon::new(members.iter().flat_map(|&i| parcels.geometry(i).0).collect());
        assert!(mosaic_union(&parts).is_some(), "village {}: scattered parcels meeting at corners are a mosaic", village.village_code);
        let pieces = outline(&parcels, &members).unwrap();
        assert_eq!(pieces.by_geos, 0, "village {}: no parcel unioned by GEOS", village.village_code);
        assert!(pieces.geometry.0.len() > 100, "village {}: {} parts", village.village_code, pieces.geometry.0.len());
        let general = union_all(&parts).unwrap();
        let (ours, geos) = (village.geometry.to_gdal().unwrap(), general.to_gdal().unwrap());
        let xor = ours.difference(&geos).unwrap().area() + geos.difference(&ours).unwrap().area();
        assert!(xor < 1e-6, "village {}: {xor} m² differ from GEOS", village.village_code);
        assert!(ours.is_valid(), "village {}: invalid outline", village.village_code);
        let shape = |g: &MultiPolygon<f64>| (g.0.len(), g.0.iter().map(|p| p.interiors().len()).sum::<usize>());
        assert_eq!(shape(&village.geometry), shape(&general), "village {}: parts and holes", village.village_code);
    }
}
