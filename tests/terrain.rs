//! Slope against gdaldem on real DEMs, and streaming in strips.

mod common;

use common::*;
use landcons::settings::SlopeAlgorithm;
use landcons::progress::Progress;
use landcons::raster;
use landcons::stages::terrain::{write_slope_rasters_keeping, SlopeOptions};

fn check_against_gdaldem(rel: &str) {
    let Some(dem) = shared(rel) else { return };
    let dir = tempfile::tempdir().unwrap();
    for (gd_alg, ours) in [("Horn", "horn"), ("ZevenbergenThorne", "zt")] {
        let reference = dir.path().join(format!("ref_{ours}.tif"));
        let mine = dir.path().join(format!("mine_{ours}.tif"));
        gdaldem_slope(&dem, &reference, gd_alg);
        let o = run(&[
            "slope",
            dem.to_str().unwrap(),
            "-o",
            mine.to_str().unwrap(),
            "--alg",
            ours,
            "-q",
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let (max, _) = compare_slopes(&reference, &mine);
        assert!(max <= 1e-4, "{rel} {gd_alg}: max |Δslope| = {max}°");
    }
}

#[test]
fn slope_matches_gdaldem_on_the_spanish_dem() {
    check_against_gdaldem("dem25-spain/dem25.tif");
}

#[test]
fn slope_matches_gdaldem_on_srtm_int16_with_nodata() {
    check_against_gdaldem("bigtujunga/bigtujunga.tif");
}

#[test]
fn slope_matches_gdaldem_on_the_synthetic_sample_with_voids() {
    let dem = repo().join("data/dem.tif");
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("ref.tif");
    let mine = dir.path().join("mine.tif");
    gdaldem_slope(&dem, &reference, "Horn");
    let o = run(&[
        "slope",
        dem.to_str().unwrap(),
        "-o",
        mine.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let (max, nodata) = compare_slopes(&reference, &mine);
    assert!(max <= 1e-4, "max |Δslope| = {max}°");
    assert!(
        nodata > 0,
        "the sample has voids, so some cells must be nodata"
    );
}

#[test]
fn strips_smaller_than_the_dem_give_the_same_result_as_one_block() {
    let dem_path = repo().join("data/dem.tif");
    let dem = raster::open_dem(&[dem_path], None, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for (name, budget) in [
        ("whole.tif", 1usize << 30),
        ("strips.tif", dem.grid.cols * 18 * 7),
    ] {
        let opts = SlopeOptions {
            algorithm: SlopeAlgorithm::Horn,
            z_factor: 1.0,
            breaks: [2.0, 6.0, 15.0, 25.0],
            memory_limit_bytes: budget,
            creation_options: Vec::new(),
            language: Default::default(),
        };
        let out = dir.path().join(name);
        let grades = dir.path().join(format!("grade_{name}"));
        let (s, kept) = write_slope_rasters_keeping(&dem, &opts, (&out, Some(&grades)), true, &Progress::hidden(), &Default::default()).unwrap();
        // The cells kept for the zonal stage are the written raster's, strip by strip.
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&kept.expect("asked to keep the cells")), bits(&read_raster(&out).2), "{name}");
        outputs.push((out, grades, s.strip_rows));
    }
    assert_eq!(
        outputs[0].2, dem.grid.rows,
        "the large budget reads the DEM in one strip"
    );
    assert!(
        outputs[1].2 < 10,
        "the small budget must cut the DEM into strips, got {}",
        outputs[1].2
    );
    assert_eq!(read_raster(&outputs[0].0).2, read_raster(&outputs[1].0).2);
    assert_eq!(read_raster(&outputs[0].1).2, read_raster(&outputs[1].1).2);
}

/// A DEM without a nodata value whose voids hold a fill value (SRTM's −32768) gets its
/// nodata from the setting: the voids and only they come out as nodata.
#[test]
fn a_fill_value_can_be_declared_nodata() {
    let dir = tempfile::tempdir().unwrap();
    let dem = dir.path().join("filled.tif");
    let (c, r) = (40usize, 30usize);
    let data: Vec<f32> = (0..c * r)
        .map(|i| {
            if (10..14).contains(&(i % c)) && (5..9).contains(&(i / c)) {
                -32768.0
            } else {
                (i % c) as f32 * 2.0
            }
        })
        .collect();
    {
        let driver = gdal::DriverManager::get_driver_by_name("GTiff").unwrap();
        let mut ds = driver
            .create_with_band_type::<f32, _>(&dem, c, r, 1)
            .unwrap();
        ds.set_geo_transform(&[500000.0, 10.0, 0.0, 3300000.0, 0.0, -10.0])
            .unwrap();
        ds.set_spatial_ref(&gdal::spatial_ref::SpatialRef::from_epsg(4544).unwrap())
            .unwrap();
        let mut buf = gdal::raster::Buffer::new((c, r), data);
        ds.rasterband(1)
            .unwrap()
            .write((0, 0), (c, r), &mut buf)
            .unwrap();
    }
    let plain = dir.path().join("plain.tif");
    let declared = dir.path().join("declared.tif");
    assert!(run(&[
        "slope",
        "-q",
        dem.to_str().unwrap(),
        "-o",
        plain.to_str().unwrap()
    ])
    .status
    .success());
    assert!(run(&[
        "slope",
        "-q",
        dem.to_str().unwrap(),
        "-o",
        declared.to_str().unwrap(),
        "--nodata",
        "-32768"
    ])
    .status
    .success());
    let (_, _, a, _) = read_raster(&plain);
    let (_, _, b, _) = read_raster(&declared);
    let void = |i: usize| (10..14).contains(&(i % c)) && (5..9).contains(&(i / c));
    assert!(
        (0..c * r).filter(|i| void(*i)).all(|i| b[i] == -9999.0),
        "voids are nodata"
    );
    assert!(
        (0..c * r).filter(|i| !void(*i)).all(|i| b[i] != -9999.0),
        "only voids are nodata"
    );
    assert!(
        a.iter().any(|v| *v > 80.0),
        "without the setting the fill value makes cliffs"
    );
    assert!(
        b.iter().filter(|v| **v != -9999.0).all(|v| *v < 12.0),
        "with it, the 0.2 gradient plane stays about 11.3°"
    );
}
