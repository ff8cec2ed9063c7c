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

/// A file of the shared real data set, or None (with a message) when it is absent,
/// as in a user's own clone; CI always has it.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = repo().join("../shared/data").join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} not found (the shared test data sits beside the repository in CI)",
            p.display()
        );
        None
    }
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
