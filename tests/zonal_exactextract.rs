//! Per-parcel slope statistics against exactextract (reference numbers committed in
//! tests/fixtures/zonal, made by scripts/zonal_reference.py).

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;
use gdal::vector::LayerAccess;
use geo::MapCoords;
use landcons::parcels::Parcels;
use landcons::vector::polygons_of;
use landcons::progress::Progress;
use landcons::stages::terrain::{write_slope_rasters, SlopeOptions};
use landcons::stages::zonal::{zonal_slope, ParcelSlope, SlopeRaster};

const BREAKS: [f64; 4] = [2.0, 6.0, 15.0, 25.0];

struct Reference {
    mean: f64,
    min: f64,
    max: f64,
    frac: [f64; 5],
    mode: u8,
}

fn reference(name: &str) -> HashMap<String, Reference> {
    let text =
        std::fs::read_to_string(repo().join(format!("tests/fixtures/zonal/{name}.csv"))).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            let f = |i: usize| v[i].parse::<f64>().unwrap_or(f64::NAN);
            (
                v[0].to_string(),
                Reference {
                    mean: f(1),
                    min: f(2),
                    max: f(3),
                    frac: [f(4), f(5), f(6), f(7), f(8)],
                    mode: f(9) as u8,
                },
            )
        })
        .collect()
}

fn slope_stats(dem: &Path, parcels: &Parcels) -> Vec<ParcelSlope> {
    let dir = tempfile::tempdir().unwrap();
    let dem = landcons::raster::open_dem(&[dem.to_path_buf()], None, None).unwrap();
    let slope = dir.path().join("slope.tif");
    let opts = SlopeOptions {
        algorithm: landcons::settings::SlopeAlgorithm::Horn,
        z_factor: 1.0,
        breaks: BREAKS,
        memory_limit_bytes: 64 << 20,
        creation_options: Vec::new(),
        language: Default::default(),
    };
    let cancel = Default::default();
    write_slope_rasters(&dem, &opts, &slope, None, &Progress::hidden(), &cancel).unwrap();
    zonal_slope(parcels, &SlopeRaster { path: &slope, grid: &dem.grid, breaks: BREAKS, cells: None }, &Progress::hidden(), &cancel).unwrap()
}

fn compare(name: &str, parcels: &Parcels, stats: &[ParcelSlope]) {
    let refs = reference(name);
    assert_eq!(
        refs.len(),
        parcels.len(),
        "{name}: fixture and parcels differ in count; regenerate the fixture"
    );
    let mut grades_checked = 0;
    for (i, s) in stats.iter().enumerate() {
        let id = parcels.id(i);
        let r = refs
            .get(id)
            .unwrap_or_else(|| panic!("{name}: parcel {id} missing from the fixture"));
        if r.mean.is_nan() {
            assert_eq!(s.grade, 0, "{name} {}: exactextract found no data", id);
            continue;
        }
        let rel = ((s.slope_mean - r.mean) / r.mean.abs().max(1e-12)).abs();
        assert!(
            rel <= 1e-6,
            "{name} {}: mean {} vs exactextract {} (rel {rel:e})",
            id,
            s.slope_mean,
            r.mean
        );
        assert!(
            (s.slope_min - r.min).abs() <= 1e-4 && (s.slope_max - r.max).abs() <= 1e-4,
            "{name} {}: min/max {} {} vs exactextract {} {}",
            id,
            s.slope_min,
            s.slope_max,
            r.min,
            r.max
        );
        for g in 0..5 {
            let d = (s.share[g] - r.frac[g]).abs();
            assert!(
                d <= 1e-6,
                "{name} {}: share_g{} {} vs exactextract {} (Δ {d:e})",
                id,
                g + 1,
                s.share[g],
                r.frac[g]
            );
        }
        assert_eq!(
            s.grade, r.mode,
            "{name} {}: grade {} vs exactextract mode {} (shares {:?})",
            id, s.grade, r.mode, s.share
        );
        grades_checked += 1;
    }
    assert!(
        grades_checked as f64 >= 0.9 * parcels.len() as f64,
        "{name}: too few parcels with data"
    );
}

/// Real parcels from a fiboa file, moved by (dx, dy) onto the DEM; ids are positions.
fn shifted_parcels(path: &Path, dx: f64, dy: f64) -> Parcels {
    let ds = gdal::Dataset::open(path).unwrap();
    let mut layer = ds.layer(0).unwrap();
    let shapes: Vec<_> = layer
        .features()
        .enumerate()
        .map(|(i, f)| {
            let mut g = f.geometry().unwrap().clone();
            g.flatten_to_2d();
            let mp = polygons_of(&g.to_geo().unwrap())
                .map_coords(|c| geo::coord! { x: c.x + dx, y: c.y + dy });
            (i.to_string(), mp)
        })
        .collect();
    Parcels::from_geometries(shapes)
}

#[test]
fn synthetic_sample_matches_exactextract() {
    let inputs = landcons::settings::Inputs {
        parcels: repo().join("data/dltb.gpkg"),
        ..Default::default()
    };
    let layer = landcons::parcels::read_parcels(&landcons::parcels::ReadOptions {
        inputs: &inputs,
        fields: &Default::default(),
        cancel: &Default::default(),
    })
    .unwrap();
    let stats = slope_stats(&repo().join("data/dem.tif"), &layer);
    compare("synth_sample", &layer, &stats);
}

#[test]
fn vietnamese_smallholder_plots_on_a_real_dem_match_exactextract() {
    let (Some(parcels), Some(dem)) = (
        shared("parcels-fiboa/1_vietnam_areas.gpkg"),
        shared("dem25-spain/dem25.tif"),
    ) else {
        return;
    };
    let parcels = shifted_parcels(&parcels, -359000.0, 2153000.0);
    compare("vietnam_on_dem25", &parcels, &slope_stats(&dem, &parcels));
}

#[test]
fn cambodian_plots_on_a_real_dem_match_exactextract() {
    let (Some(parcels), Some(dem)) = (
        shared("parcels-fiboa/4_cambodia_areas.gpkg"),
        shared("dem25-spain/dem25.tif"),
    ) else {
        return;
    };
    let parcels = shifted_parcels(&parcels, -7000.0, 3000000.0);
    compare("cambodia_on_dem25", &parcels, &slope_stats(&dem, &parcels));
}
