//! Geographic (lat/lon) DEMs: metric spacing per row from the ellipsoid, and tile
//! mosaics without seams.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use gdal::raster::RasterCreationOptions;
use gdal::spatial_ref::SpatialRef;
use gdal::DriverManager;

const A: f64 = 6_378_137.0;
const F: f64 = 1.0 / 298.257_223_563;

/// Meridian arc length (m) from latitude 0 to `lat` (radians), by Simpson's rule on
/// M(φ) = a(1−e²)/(1−e² sin²φ)^{3/2}: independent of the code under test.
fn meridian_arc(lat: f64) -> f64 {
    let e2 = F * (2.0 - F);
    let m = |p: f64| A * (1.0 - e2) / (1.0 - e2 * p.sin().powi(2)).powf(1.5);
    let n = 2000;
    let h = lat / n as f64;
    let mut s = m(0.0) + m(lat);
    for i in 1..n {
        s += m(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    s * h / 3.0
}

/// A tilted plane z = gx·east + gy·north (metres) sampled on a lat/lon grid centred at `lat0`.
fn write_plane(path: &Path, lat0: f64, gx: f64, gy: f64) {
    let (n, step) = (41usize, 0.0005f64);
    let (lon0, top) = (105.0, lat0 + step * n as f64 / 2.0);
    let e2 = F * (2.0 - F);
    let north0 = meridian_arc(lat0.to_radians());
    let mut z = vec![0f32; n * n];
    for r in 0..n {
        let lat = (top - (r as f64 + 0.5) * step).to_radians();
        let prime_vertical = A / (1.0 - e2 * lat.sin().powi(2)).sqrt();
        for c in 0..n {
            let dlon = ((c as f64 + 0.5) * step - step * n as f64 / 2.0).to_radians();
            let east = dlon * prime_vertical * lat.cos();
            let north = meridian_arc(lat) - north0;
            z[r * n + c] = (500.0 + gx * east + gy * north) as f32;
        }
    }
    let driver = DriverManager::get_driver_by_name("GTiff").unwrap();
    let mut ds = driver
        .create_with_band_type_with_options::<f32, _>(
            path,
            n,
            n,
            1,
            &RasterCreationOptions::default(),
        )
        .unwrap();
    ds.set_geo_transform(&[lon0 - step * n as f64 / 2.0, step, 0.0, top, 0.0, -step])
        .unwrap();
    ds.set_spatial_ref(&SpatialRef::from_epsg(4326).unwrap())
        .unwrap();
    let mut buf = gdal::raster::Buffer::new((n, n), z);
    ds.rasterband(1)
        .unwrap()
        .write((0, 0), (n, n), &mut buf)
        .unwrap();
}

fn max_interior_error(path: &Path, truth: f64) -> f64 {
    let (c, r, v, _) = read_raster(path);
    let mut max = 0f64;
    for row in 1..r - 1 {
        for col in 1..c - 1 {
            max = max.max((v[row * c + col] as f64 - truth).abs());
        }
    }
    max
}

#[test]
fn tilted_plane_in_lat_lon_recovers_the_true_slope_at_0_30_and_60_degrees() {
    let dir = tempfile::tempdir().unwrap();
    let (gx, gy): (f64, f64) = (0.30, -0.20);
    let truth = (gx * gx + gy * gy).sqrt().atan().to_degrees();
    for lat in [0.0, 30.0, 60.0] {
        let dem = dir.path().join(format!("plane_{lat}.tif"));
        write_plane(&dem, lat, gx, gy);
        let ours = dir.path().join(format!("slope_{lat}.tif"));
        let o = run(&[
            "slope",
            "-q",
            dem.to_str().unwrap(),
            "-o",
            ours.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let err = max_interior_error(&ours, truth);
        assert!(
            err <= 0.05,
            "latitude {lat}°: max error {err}° (true slope {truth}°)"
        );

        // gdaldem with one scale for the whole raster (the documented recipe) is off
        // away from the equator: that is why landcons computes spacing per row.
        if lat == 60.0 {
            let theirs = dir.path().join("gdaldem_60.tif");
            let ok = Command::new("gdaldem")
                .args(["slope", "-q", "-compute_edges", "-s", "111120"])
                .arg(&dem)
                .arg(&theirs)
                .status()
                .unwrap()
                .success();
            assert!(ok);
            let gd_err = max_interior_error(&theirs, truth);
            assert!(
                gd_err > 1.0,
                "gdaldem -s 111120 at 60° was expected to be off by more than 1°, got {gd_err}°"
            );
        }
    }
}

#[test]
fn two_oregon_tiles_mosaic_without_a_seam() {
    let (Some(t1), Some(t2)) = (
        shared("oregon-tiles/dem1.tif"),
        shared("oregon-tiles/dem2.tif"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Reference: the two tiles merged into one raster first.
    let vrt = dir.path().join("merged.vrt");
    let merged = dir.path().join("merged.tif");
    assert!(Command::new("gdalbuildvrt")
        .arg("-q")
        .arg(&vrt)
        .arg(&t1)
        .arg(&t2)
        .status()
        .unwrap()
        .success());
    assert!(Command::new("gdal_translate")
        .arg("-q")
        .arg(&vrt)
        .arg(&merged)
        .status()
        .unwrap()
        .success());
    let from_merged = dir.path().join("from_merged.tif");
    let from_tiles = dir.path().join("from_tiles.tif");
    let o = run(&[
        "slope",
        "-q",
        merged.to_str().unwrap(),
        "-o",
        from_merged.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&[
        "slope",
        "-q",
        t1.to_str().unwrap(),
        t2.to_str().unwrap(),
        "-o",
        from_tiles.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));

    let (c, r, a, _) = read_raster(&from_merged);
    let (c2, r2, b, _) = read_raster(&from_tiles);
    assert_eq!((c, r), (c2, r2));
    assert_eq!(
        (c, r),
        (721, 361),
        "two 361×361 tiles side by side, sharing one column"
    );
    assert_eq!(
        a, b,
        "slope from the tiles equals slope from the merged raster at every cell"
    );

    // Along the seam (last column of tile 1, first of tile 2) slope is computed from
    // both sides: it differs from a tile processed alone, whose edge is extrapolated.
    let alone = dir.path().join("alone.tif");
    let o = run(&[
        "slope",
        "-q",
        t1.to_str().unwrap(),
        "-o",
        alone.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let (ca, _, s1, _) = read_raster(&alone);
    let differs = (0..r)
        .filter(|row| (s1[row * ca + ca - 1] - b[row * c + ca - 1]).abs() > 1e-3)
        .count();
    assert!(
        differs > r / 2,
        "the seam column must use the neighbouring tile ({differs} of {r} rows differ)"
    );
}

/// Values of one column of a layer by parcel id.
fn by_id(gpkg: &Path, sql: &str) -> std::collections::BTreeMap<String, Vec<f64>> {
    query(gpkg, sql)
        .into_iter()
        .map(|r| (r[0].clone(), r[1..].iter().map(|v| v.parse().unwrap_or(f64::NAN)).collect()))
        .collect()
}

/// Projected parcels (NAD83 / UTM 10N) on a real lat/lon DEM (two 1° SRTM tiles of
/// southern Oregon, NAD83 geographic, mosaicked) give the same vector figures as on the
/// same DEM warped to the parcels' CRS: every area and perimeter, the same adjacency
/// pairs and lengths, every layer in the parcels' CRS; the slope figures stay close
/// (the two DEMs differ by the warp's resampling).
#[test]
fn projected_parcels_on_a_lat_lon_dem_keep_their_metric_figures() {
    let (Some(t1), Some(t2)) = (shared("oregon-tiles/dem1.tif"), shared("oregon-tiles/dem2.tif")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let region = d.join("region");
    let o = run(&["synth", "-q", "-o", region.to_str().unwrap(), "--cols", "400", "--rows", "300", "--cell-size", "50", "--parcels", "2000"]);
    assert!(o.status.success(), "{}", text(&o));
    // The synthetic mosaic's 20 × 15 km moved onto the tiles' seam at 123°W.
    let parcels = d.join("parcels_utm10.gpkg");
    place_parcels(&region.join("dltb.gpkg"), &parcels, "EPSG:4544", "EPSG:26910", 8000.0, 1_422_000.0, true);
    let utm = d.join("oregon_utm.tif");
    let (a, b) = (t1.to_str().unwrap(), t2.to_str().unwrap());
    tool("gdalwarp", &["-q", "-t_srs", "EPSG:26910", "-tr", "250", "250", "-r", "bilinear", "-te", "480000", "4690000", "520000", "4720000", a, b, utm.to_str().unwrap()]);
    let run_on = |dem: &str, out: &str| {
        let p = d.join(format!("{out}.toml"));
        std::fs::write(&p, format!("[inputs]\ndem = [{dem}]\nparcels = \"{}\"\n[output]\ndir = \"{out}\"\n", parcels.display())).unwrap();
        let o = run(&["run", "-q", p.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        d.join(out).join("landcons.gpkg")
    };
    let geographic = run_on(&format!("\"{a}\", \"{b}\""), "geo");
    let projected = run_on(&format!("\"{}\"", utm.display()), "utm");

    let sql = "SELECT BSM, area_m2, perimeter_m, slope_mean FROM parcels";
    let (g, p) = (by_id(&geographic, sql), by_id(&projected, sql));
    assert_eq!(g.len(), 2188);
    let mut slope_diffs = Vec::new();
    for (id, pv) in &p {
        let gv = &g[id];
        for k in 0..2 {
            assert!((gv[k] - pv[k]).abs() <= 1e-6 * pv[k], "{id}: {} vs {}", gv[k], pv[k]);
        }
        assert!(pv[0] > 1000.0 && pv[0] < 2e7, "{id}: area {} m² is a parcel's, not the Earth's", pv[0]);
        slope_diffs.push((gv[2] - pv[2]).abs());
    }
    slope_diffs.sort_by(f64::total_cmp);
    let median = slope_diffs[slope_diffs.len() / 2];
    assert!(median < 1.0, "median slope difference {median}° between the lat/lon and the warped DEM");

    let pairs = |gpkg: &Path| by_id(gpkg, "SELECT id_a || '/' || id_b, shared_m FROM adjacency");
    let (ga, pa) = (pairs(&geographic), pairs(&projected));
    assert!(pa.len() > 5000, "{} adjacency pairs", pa.len());
    assert_eq!(ga.keys().collect::<Vec<_>>(), pa.keys().collect::<Vec<_>>());
    assert!(ga.iter().all(|(k, v)| (v[0] - pa[k][0]).abs() <= 0.01));

    let crs = query(&geographic, "SELECT DISTINCT srs_id FROM gpkg_geometry_columns");
    assert_eq!(crs, [vec!["26910".to_string()]], "every layer in the parcels' CRS");
    let m = manifest(&d.join("geo"));
    assert_eq!(m["inputs"]["work_crs"]["name"], "EPSG:26910");
}
