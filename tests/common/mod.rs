//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_landcons"))
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `features` (GeoJSON Feature objects) as a FeatureCollection in EPSG:4544
/// (CGCS2000 / 3-degree Gauss-Kruger CM 105E, the sample data's CRS) at `path`.
pub fn write_geojson_4544(path: &Path, features: &[&str]) {
    let crs = r#"{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4544"}}"#;
    let text = format!(r#"{{"type":"FeatureCollection","crs":{crs},"features":[{}]}}"#, features.join(",\n"));
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// A file of the shared real data set, or None (with a message) when it is absent, as
/// in a user's own clone. Under `CI=true` a missing file fails the test: CI always has
/// the data, and a test must never pass by not running.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = repo().join("../shared/data").join(rel);
    if p.exists() {
        return Some(p);
    }
    let message = format!("{} not found (the shared test data sits beside the repository in CI)", p.display());
    assert!(std::env::var("CI").as_deref() != Ok("true"), "under CI=true: {message}");
    eprintln!("SKIPPED: {message}");
    None
}

/// Copies a parcel layer into `out` in another CRS, moved by (dx, dy) first: real or
/// synthetic parcels placed over a real DEM elsewhere. `s_srs` must list easting first
/// after the axis swap it gets (EPSG:4544 does not: its authority order is N, E).
pub fn place_parcels(src: &Path, out: &Path, s_srs: &str, t_srs: &str, dx: f64, dy: f64, swap_axes: bool) {
    let swap = if swap_axes { "+step +proj=axisswap +order=2,1 " } else { "" };
    let ct = format!("+proj=pipeline {swap}+step +proj=affine +xoff={dx} +yoff={dy}");
    let o = Command::new("ogr2ogr")
        .args(["-f", "GPKG"])
        .arg(out)
        .arg(src)
        .args(["-s_srs", s_srs, "-t_srs", t_srs, "-ct", &ct])
        .output()
        .expect("ogr2ogr runs");
    assert!(o.status.success(), "ogr2ogr: {}", text(&o));
}

/// Runs a command-line tool (gdalwarp, ogr2ogr, …) and checks that it succeeded.
pub fn tool(program: &str, args: &[&str]) {
    let o = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(o.status.success(), "{program} {args:?}: {}", text(&o));
}

pub fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .output()
        .expect("landcons runs")
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Band 1 of a raster as f32 with its nodata value.
pub fn read_raster(path: &Path) -> (usize, usize, Vec<f32>, Option<f64>) {
    let ds = gdal::Dataset::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let band = ds.rasterband(1).unwrap();
    let (c, r) = band.size();
    let buf = band.read_as::<f32>((0, 0), (c, r), (c, r), None).unwrap();
    (c, r, buf.data().to_vec(), band.no_data_value())
}

/// Runs gdaldem slope -compute_edges (the reference) into `out`.
pub fn gdaldem_slope(dem: &Path, out: &Path, alg: &str) {
    let status = Command::new("gdaldem")
        .args(["slope", "-compute_edges", "-q", "-alg", alg])
        .arg(dem)
        .arg(out)
        .status()
        .expect("gdaldem is installed (scripts/setup.sh installs gdal-bin)");
    assert!(status.success(), "gdaldem failed on {}", dem.display());
}

/// Max |a − b| over cells where both have data; panics if the nodata masks differ.
pub fn compare_slopes(reference: &Path, ours: &Path) -> (f64, usize) {
    let (c1, r1, a, nda) = read_raster(reference);
    let (c2, r2, b, ndb) = read_raster(ours);
    assert_eq!((c1, r1), (c2, r2), "grid sizes differ");
    let (nda, ndb) = (nda.unwrap_or(-9999.0) as f32, ndb.unwrap_or(-9999.0) as f32);
    let mut max = 0f64;
    let mut nodata = 0;
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        let (mx, my) = (*x == nda, *y == ndb);
        assert_eq!(
            mx,
            my,
            "nodata masks differ at cell {} (row {}, col {})",
            i,
            i / c1,
            i % c1
        );
        if mx {
            nodata += 1;
            continue;
        }
        max = max.max((*x as f64 - *y as f64).abs());
    }
    (max, nodata)
}

/// Rows of an SQLite-dialect query on a vector dataset, every field as text ("" for null).
pub fn query(path: &Path, sql: &str) -> Vec<Vec<String>> {
    use gdal::vector::LayerAccess;
    let ds = gdal::Dataset::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rs = ds
        .execute_sql(sql, None, gdal::vector::sql::Dialect::SQLITE)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let Some(mut layer) = rs else {
        return Vec::new();
    };
    let n = layer.defn().fields().count();
    layer
        .features()
        .map(|f| {
            (0..n)
                .map(|i| f.field_as_string(i).ok().flatten().unwrap_or_default())
                .collect()
        })
        .collect()
}

/// Runs an SQL statement that changes a vector dataset (ogrinfo, SQLite dialect).
pub fn execute(path: &Path, sql: &str) {
    let o = Command::new("ogrinfo")
        .arg("-q")
        .arg(path)
        .args(["-dialect", "SQLite", "-sql", sql])
        .output()
        .expect("ogrinfo runs");
    assert!(o.status.success(), "{sql}: {}", text(&o));
}

/// A pipeline file in `dir` over the sample DEM and `parcels`, writing into `dir/out`.
pub fn sample_pipeline(dir: &Path, parcels: &Path) -> PathBuf {
    let p = dir.join("pipeline.toml");
    std::fs::write(
        &p,
        format!(
            "[inputs]\ndem = [\"{}\"]\nparcels = \"{}\"\n[output]\ndir = \"out\"\n",
            repo().join("data/dem.tif").display(),
            parcels.display()
        ),
    )
    .unwrap();
    p
}

/// `landcons run -q` of the demo pipeline into `out`, with extra arguments.
pub fn run_demo(out: &Path, extra: &[&str]) -> Output {
    let pipeline = repo().join("pipelines/demo.toml");
    let mut args = vec![
        "run",
        "-q",
        pipeline.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// The files of a folder and their bytes (empty when the folder does not exist).
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_file())
                .map(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    (name, std::fs::read(e.path()).unwrap())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a run may have left behind in its output folder besides its results, whatever
/// its outcome: hidden entries other than the result-set store and the lock file, result
/// sets other than the current one, and a lock still held.
pub fn leftovers(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') && name != ".landcons" && name != ".landcons.lock" {
            out.push(name);
        }
    }
    let current = std::fs::read_link(dir.join("current")).ok().map(|t| dir.join(t));
    if let Ok(runs) = std::fs::read_dir(dir.join(".landcons/runs")) {
        for e in runs.flatten() {
            if Some(e.path()) != current {
                out.push(format!(".landcons/runs/{}", e.file_name().to_string_lossy()));
            }
        }
    }
    if let Ok(f) = std::fs::File::open(dir.join(".landcons.lock")) {
        if f.try_lock().is_err() {
            out.push(".landcons.lock (still held)".into());
        }
    }
    out
}

/// The run manifest in an output folder.
pub fn manifest(dir: &Path) -> serde_json::Value {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// A single-band Float32 GeoTIFF on `reference`'s grid (and CRS, if `with_crs`) holding
/// `values`, with `nodata`.
pub fn write_dem_like(
    path: &Path,
    reference: &Path,
    values: Vec<f32>,
    nodata: Option<f64>,
    with_crs: bool,
) {
    let src = gdal::Dataset::open(reference).unwrap();
    let (c, r) = src.raster_size();
    let driver = gdal::DriverManager::get_driver_by_name("GTiff").unwrap();
    let mut ds = driver
        .create_with_band_type::<f32, _>(path, c, r, 1)
        .unwrap();
    ds.set_geo_transform(&src.geo_transform().unwrap()).unwrap();
    if with_crs {
        ds.set_spatial_ref(&src.spatial_ref().unwrap()).unwrap();
    }
    let mut band = ds.rasterband(1).unwrap();
    band.set_no_data_value(nodata).unwrap();
    band.write(
        (0, 0),
        (c, r),
        &mut gdal::raster::Buffer::new((c, r), values),
    )
    .unwrap();
}

/// Every table of a results GeoPackage as `sqlite3 .dump` text, less the run metadata
/// (gpkg_metadata*, gpkg_contents.last_change): two result sets with equal dumps hold
/// the same rows, geometries, styles and indexes.
pub fn result_tables(gpkg: &Path) -> std::collections::BTreeMap<String, String> {
    let sqlite = |args: &[&str]| {
        let o = Command::new("sqlite3").arg(gpkg).args(args).output().expect("sqlite3 runs (scripts/setup.sh --tests installs it)");
        assert!(o.status.success(), "sqlite3 {args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let names = sqlite(&["SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'gpkg_metadata%' AND name NOT LIKE 'sqlite_%' AND name <> 'gpkg_contents' ORDER BY name"]);
    let mut out: std::collections::BTreeMap<String, String> = names.lines().map(|t| (t.to_string(), sqlite(&[&format!(".dump '{t}'")]))).collect();
    out.insert(
        "gpkg_contents".into(),
        sqlite(&["SELECT table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents ORDER BY table_name"]),
    );
    out
}

/// Band 1 of a raster as f64 values, with its size.
pub fn raster_values(path: &Path) -> (usize, usize, Vec<f64>) {
    let ds = gdal::Dataset::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (c, r) = ds.raster_size();
    let band = ds.rasterband(1).unwrap();
    let data = band.read_as::<f64>((0, 0), (c, r), (c, r), None).unwrap();
    (c, r, data.data().to_vec())
}

/// A sharded job's results equal a single-process run's: every table but the change
/// report (the sharded folder may have had earlier results), every CSV and the workbook
/// byte for byte, and the slope rasters (TIFF vs the gather's VRT) cell for cell.
pub fn assert_same_results(single: &Path, sharded: &Path) {
    let (a, b) = (result_tables(&single.join("landcons.gpkg")), result_tables(&sharded.join("landcons.gpkg")));
    let unchanged = |t: &&String| !t.contains("changes_") && !["gpkg_contents", "gpkg_extensions", "gpkg_geometry_columns", "gpkg_ogr_contents", "layer_styles"].contains(&t.as_str());
    let tables: Vec<&String> = a.keys().filter(unchanged).collect();
    assert!(tables.len() > 15, "{tables:?}");
    for t in tables {
        assert!(a[t] == b[t], "table {t} differs between the single-process and the sharded run");
    }
    for f in ["village_summary.csv", "indicators.csv", "swap_ledger.csv", "linkage_ledger.csv", "audit.csv", "indicators.xlsx"] {
        assert!(std::fs::read(single.join(f)).unwrap() == std::fs::read(sharded.join(f)).unwrap(), "{f} differs");
    }
    for (tif, vrt) in [("slope.tif", "slope.vrt"), ("slope_grade.tif", "slope_grade.vrt")] {
        let (c, r, whole) = raster_values(&single.join(tif));
        let (c2, r2, tiled) = raster_values(&sharded.join(vrt));
        assert_eq!((c, r), (c2, r2), "{vrt}: grid size");
        let nodata = if tif == "slope.tif" { -9999.0 } else { 0.0 };
        let covered = tiled.iter().filter(|v| **v != nodata).count();
        assert!(covered * 10 >= whole.len() * 9, "{vrt}: the tiles cover {covered} of {} cells", whole.len());
        let differ = whole.iter().zip(&tiled).filter(|(w, t)| **t != nodata && w.to_bits() != t.to_bits()).count();
        assert_eq!(differ, 0, "{vrt}: cells differing from {tif}");
    }
}

/// The Python of the tests' virtualenv (`scripts/setup.sh --tests` makes it, with pyogrio
/// and its own recent GDAL), or None (with a message) when it is not there; under
/// `CI=true` its absence fails the test.
pub fn test_python() -> Option<PathBuf> {
    let python = repo().join("target/test-venv/bin/python");
    let ok = Command::new(&python).args(["-c", "import pyogrio"]).output().is_ok_and(|o| o.status.success());
    let message = format!("{} with pyogrio not found (run scripts/setup.sh --tests)", python.display());
    assert!(ok || std::env::var("CI").as_deref() != Ok("true"), "under CI=true: {message}");
    if !ok {
        eprintln!("SKIPPED: {message}");
    }
    ok.then_some(python)
}
