//! Exact zonal statistics on hand-made cases with known answers: a 10×10 slope raster
//! of 10 m cells whose value depends on the column (0.5°, 3.5°, 6.5°, … 27.5°) and whose
//! two bottom rows are nodata.

use geo::{polygon, MultiPolygon, Polygon};
use landcons::parcels::Parcels;
use landcons::progress::Progress;
use landcons::raster::{self, Grid};
use landcons::stages::zonal::{zonal_slope, ParcelSlope, SlopeRaster};

const BREAKS: [f64; 4] = [2.0, 6.0, 15.0, 25.0];

/// The raster written to `dir`, its grid and its cells.
fn slope_raster(dir: &std::path::Path) -> (std::path::PathBuf, Grid, Vec<f32>) {
    let grid = Grid {
        cols: 10,
        rows: 10,
        transform: [0.0, 10.0, 0.0, 100.0, 0.0, -10.0],
        crs_wkt: gdal::spatial_ref::SpatialRef::from_epsg(4544)
            .unwrap()
            .to_wkt()
            .unwrap(),
        geographic: false,
        ellipsoid: (6378137.0, 6356752.314140356),
        nodata: Some(-9999.0),
    };
    let path = dir.join("slope.tif");
    let ds = raster::create_geotiff::<f32>(&path, &grid, Some(-9999.0), &[]).unwrap();
    let data: Vec<f32> = (0..100)
        .map(|i| {
            if i / 10 >= 8 {
                -9999.0
            } else {
                (i % 10) as f32 * 3.0 + 0.5
            }
        })
        .collect();
    raster::write_rows(&ds, &path, 10, 0, data.clone()).unwrap();
    ds.close().unwrap();
    (path, grid, data)
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]
}

/// The statistics read from the raster file; the same cells held in memory (as a run
/// keeps them from the terrain stage) must give exactly the same.
fn stats(shapes: Vec<MultiPolygon<f64>>) -> Vec<ParcelSlope> {
    let dir = tempfile::tempdir().unwrap();
    let (path, grid, data) = slope_raster(dir.path());
    let parcels = Parcels::from_geometries(shapes.into_iter().enumerate().map(|(i, g)| (i.to_string(), g)));
    let measure = |cells| zonal_slope(&parcels, &SlopeRaster { path: &path, grid: &grid, breaks: BREAKS, cells }, &Progress::hidden(), &Default::default()).unwrap();
    let from_file = measure(None);
    let from_memory = measure(Some(&data));
    let bits = |s: &[ParcelSlope]| s.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>();
    assert_eq!(bits(&from_file), bits(&from_memory), "slope cells read from memory differ from the file's");
    from_file
}

fn one(p: Polygon<f64>) -> ParcelSlope {
    stats(vec![MultiPolygon::new(vec![p])])[0]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn parcel_smaller_than_one_cell() {
    let s = one(rect(12.0, 93.0, 14.0, 95.0));
    assert!(close(s.area_m2, 4.0));
    assert!(close(s.slope_mean, 3.5) && close(s.slope_min, 3.5) && close(s.slope_max, 3.5));
    assert_eq!(s.grade, 2);
    assert!(close(s.share[1], 1.0));
    assert!(close(s.nodata_share, 0.0));
}

#[test]
fn thin_strip_along_a_cell_edge_takes_only_the_cells_it_covers() {
    // 10 cm wide, just right of the border between columns 1 and 2.
    let s = one(rect(20.0, 50.0, 20.1, 90.0));
    assert!(
        close(s.slope_mean, 6.5) && close(s.slope_min, 6.5) && close(s.slope_max, 6.5),
        "{s:?}"
    );
    assert_eq!(s.grade, 3);
    // Straddling the border: half in each column.
    let s = one(rect(19.95, 50.0, 20.05, 90.0));
    assert!(close(s.slope_mean, 5.0), "{s:?}");
    assert!(close(s.share[1], 0.5) && close(s.share[2], 0.5));
    assert_eq!(s.grade, 2, "a tie between grades goes to the flatter one");
}

#[test]
fn parcel_with_a_hole_leaves_the_hole_out() {
    let p = Polygon::new(
        rect(10.0, 60.0, 40.0, 90.0).exterior().clone(),
        vec![rect(20.0, 70.0, 30.0, 80.0).exterior().clone()],
    );
    let s = one(p);
    assert!(close(s.area_m2, 800.0));
    assert!(close(s.slope_mean, 6.5), "{s:?}");
    assert!(close(s.share[1], 3.0 / 8.0) && close(s.share[2], 5.0 / 8.0));
    assert_eq!(s.grade, 3);
}

#[test]
fn multipolygon_parts_are_weighted_by_area() {
    let mp = MultiPolygon::new(vec![
        rect(0.0, 80.0, 10.0, 100.0),
        rect(80.0, 90.0, 100.0, 100.0),
    ]);
    let s = stats(vec![mp])[0];
    assert!(close(s.area_m2, 400.0));
    assert!(close(s.slope_mean, 13.25), "{s:?}");
    assert!(close(s.slope_min, 0.5) && close(s.slope_max, 27.5));
    assert_eq!(s.grade, 1);
    assert!(close(s.share[0], 0.5) && close(s.share[3], 0.25) && close(s.share[4], 0.25));
}

#[test]
fn parcel_half_outside_the_dem_counts_the_outside_as_no_data() {
    let s = one(rect(-10.0, 90.0, 10.0, 100.0));
    assert!(close(s.area_m2, 200.0));
    assert!(close(s.nodata_share, 0.5), "{s:?}");
    assert!(close(s.slope_mean, 0.5));
    assert_eq!(s.grade, 1);
    let outside = one(rect(200.0, 0.0, 210.0, 10.0));
    assert!(close(outside.nodata_share, 1.0) && outside.grade == 0 && outside.slope_mean.is_nan());
}

#[test]
fn parcel_over_nodata() {
    let s = one(rect(50.0, 0.0, 60.0, 20.0));
    assert_eq!(s.grade, 0);
    assert!(close(s.nodata_share, 1.0) && s.slope_mean.is_nan());
    let half = one(rect(50.0, 10.0, 60.0, 30.0));
    assert!(close(half.nodata_share, 0.5), "{half:?}");
    assert!(close(half.slope_mean, 15.5));
    assert_eq!(half.grade, 4);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let shapes: Vec<MultiPolygon<f64>> = (0..300)
        .map(|i| {
            let x = (i % 17) as f64 * 5.3;
            let y = (i % 13) as f64 * 6.1 + 5.0;
            MultiPolygon::new(vec![rect(x, y, x + 7.7, y + 3.9)])
        })
        .collect();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| stats(shapes.clone()))
    };
    let a = run(1);
    let b = run(2);
    assert!(a
        .iter()
        .zip(&b)
        .all(|(x, y)| x.slope_mean.to_bits() == y.slope_mean.to_bits()
            && x.share == y.share
            && x.grade == y.grade));
}
