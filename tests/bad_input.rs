//! Broken inputs give a clear message naming what is at fault, the bad-input exit code,
//! no panic, and no output.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn square(id: &str, x: f64, y: f64) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"BSM":"{id}","DLBM":"0103"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}"#,
        x1 = x + 50.0,
        y1 = y + 50.0
    )
}

fn geojson(dir: &Path, features: &[String]) -> PathBuf {
    let p = dir.join("parcels.geojson");
    write_geojson_4544(&p, &features.iter().map(String::as_str).collect::<Vec<_>>());
    p
}

/// Runs a pipeline over `dem` and `parcels`; returns the output and the output folder.
fn run_with(
    dir: &Path,
    dem: &Path,
    parcels: &Path,
    extra: &str,
) -> (std::process::Output, PathBuf) {
    let pipeline = dir.join("p.toml");
    let out = dir.join("out");
    std::fs::write(&pipeline, self::pipeline(dem, parcels, extra, "")).unwrap();
    (run(&["run", "-q", pipeline.to_str().unwrap()]), out)
}

fn dem() -> PathBuf {
    repo().join("data/dem.tif")
}

#[test]
fn parcels_that_miss_the_dem_are_an_error_with_both_extents() {
    let dir = tempfile::tempdir().unwrap();
    let p = geojson(dir.path(), &[square("A1", 100000.0, 100000.0)]);
    let (o, out) = run_with(dir.path(), &dem(), &p, "");
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(
        t.contains("do not overlap the DEM")
            && t.contains("100000.000")
            && t.contains("482000.000"),
        "{t}"
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn an_empty_parcel_layer_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = geojson(dir.path(), &[]);
    let (o, _) = run_with(dir.path(), &dem(), &p, "");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("no features"), "{}", text(&o));
}

#[test]
fn points_are_an_error_naming_the_feature_or_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let point = r#"{"type":"Feature","properties":{"BSM":"P9","DLBM":"0103"},"geometry":{"type":"Point","coordinates":[483000,3288000]}}"#.to_string();
    let p = geojson(dir.path(), &[square("A1", 483000.0, 3288000.0), point]);
    let (o, _) = run_with(dir.path(), &dem(), &p, "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("P9") && text(&o).contains("not a polygon"),
        "{}",
        text(&o)
    );
    let (o, out) = run_with(dir.path(), &dem(), &p, "non_polygons = \"skip\"\n");
    assert!(o.status.success(), "{}", text(&o));
    let m = manifest(&out);
    assert_eq!(m["counts"]["parcels"], 1);
    assert!(
        m["geometry_issues"].to_string().contains("P9"),
        "the skipped feature is reported"
    );
    assert!(m["warnings"].to_string().contains("P9") && text(&o).contains("P9"), "and warned of: {}", text(&o));
}

/// A feature whose geometry is null (GDAL gives such a feature a geometry without a
/// handle, which crashed the run) is kept with zero area, reported and warned of.
#[test]
fn a_feature_without_geometry_is_kept_reported_and_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let empty = r#"{"type":"Feature","properties":{"BSM":"N1","DLBM":"0103"},"geometry":null}"#.to_string();
    let p = geojson(dir.path(), &[square("A1", 483000.0, 3288000.0), empty]);
    let (o, out) = run_with(dir.path(), &dem(), &p, "");
    assert!(o.status.success(), "{}", text(&o));
    let m = manifest(&out);
    assert_eq!(m["counts"]["parcels"], 2, "kept");
    assert_eq!(m["inputs"]["parcels_read_as"], "features", "a GeoJSON is read feature by feature");
    assert!(m["geometry_issues"].to_string().contains("no geometry"), "{}", m["geometry_issues"]);
    assert!(m["warnings"].to_string().contains("N1") && text(&o).contains("N1"), "{}", text(&o));
}

#[test]
fn duplicate_parcel_ids_are_an_error_naming_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let p = geojson(
        dir.path(),
        &[
            square("A1", 483000.0, 3288000.0),
            square("A1", 483100.0, 3288000.0),
        ],
    );
    let (o, _) = run_with(dir.path(), &dem(), &p, "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("duplicate parcel id (also feature #0)") && text(&o).contains("A1"),
        "{}",
        text(&o)
    );
    // Feature numbers count skipped features, whose ids count as taken too.
    let point = |id: &str| format!(r#"{{"type":"Feature","properties":{{"BSM":"{id}","DLBM":"0103"}},"geometry":{{"type":"Point","coordinates":[483000,3288000]}}}}"#);
    let skip = "non_polygons = \"skip\"\n";
    for (features, first) in [
        (vec![point("P1"), square("A1", 483000.0, 3288000.0), point("P2"), square("B1", 483100.0, 3288000.0), square("B1", 483200.0, 3288000.0)], 3),
        (vec![point("P1"), square("A1", 483000.0, 3288000.0), square("P1", 483100.0, 3288000.0)], 0),
    ] {
        let p = geojson(dir.path(), &features);
        let (o, _) = run_with(dir.path(), &dem(), &p, skip);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o).contains(&format!("duplicate parcel id (also feature #{first})")), "{}", text(&o));
    }
}

#[test]
fn a_directory_or_a_truncated_geotiff_instead_of_a_dem() {
    let dir = tempfile::tempdir().unwrap();
    let p = geojson(dir.path(), &[square("A1", 483000.0, 3288000.0)]);
    let folder = dir.path().join("dem_folder.tif");
    std::fs::create_dir(&folder).unwrap();
    let (o, _) = run_with(dir.path(), &folder, &p, "");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("is a directory"), "{}", text(&o));

    let truncated = dir.path().join("truncated.tif");
    let bytes = std::fs::read(dem()).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let (o, out) = run_with(dir.path(), &truncated, &p, "");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("truncated.tif") && text(&o).contains("file is truncated or corrupt") && text(&o).contains(&format!("found {}", bytes.len() / 3)),
        "the message names the file, says it is cut short and gives the sizes: {}",
        text(&o)
    );
    assert!(!text(&o).contains("panicked"));
    assert!(
        !out.join("landcons.gpkg").exists(),
        "no results from a broken DEM"
    );
}

#[test]
fn a_one_cell_dem_is_too_small_for_a_slope_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = dir.path().join("tiny.tif");
    {
        let driver = gdal::DriverManager::get_driver_by_name("GTiff").unwrap();
        let mut ds = driver
            .create_with_band_type::<f32, _>(&tiny, 1, 1, 1)
            .unwrap();
        ds.set_geo_transform(&[483000.0, 100.0, 0.0, 3288100.0, 0.0, -100.0])
            .unwrap();
        ds.set_spatial_ref(&gdal::spatial_ref::SpatialRef::from_epsg(4544).unwrap())
            .unwrap();
        let mut buf = gdal::raster::Buffer::new((1, 1), vec![350.0f32]);
        ds.rasterband(1)
            .unwrap()
            .write((0, 0), (1, 1), &mut buf)
            .unwrap();
    }
    let p = geojson(dir.path(), &[square("A1", 483010.0, 3288010.0)]);
    let (o, out) = run_with(dir.path(), &tiny, &p, "");
    // A 1×1 DEM has no slope anywhere (a cell needs a neighbour across and along): it is
    // refused when opened, and the run says why.
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("tiny.tif") && text(&o).contains("1×1 cells: too small for a slope, which needs at least 2×2"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains("panicked"));
    assert!(!out.join("landcons.gpkg").exists());
}

#[test]
fn a_stray_huge_coordinate_is_an_error_naming_the_parcel() {
    let dir = tempfile::tempdir().unwrap();
    let stray = r#"{"type":"Feature","properties":{"BSM":"X7","DLBM":"0103"},"geometry":{"type":"Polygon","coordinates":[[[483000,3288000],[1e12,3288000],[483050,3288050],[483000,3288000]]]}}"#.to_string();
    let p = geojson(dir.path(), &[square("A1", 483000.0, 3288000.0), stray]);
    let (o, out) = run_with(dir.path(), &dem(), &p, "");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("X7") && text(&o).contains("check its coordinates"),
        "{}",
        text(&o)
    );
    assert!(!out.join("landcons.gpkg").exists());
}

// ---------------------------------------------------------------------------------------
// Every broken input against a folder that already holds good results: the run fails with
// the bad-input code and a message naming the fault, and the earlier results are untouched.

/// Good results from the sample data in `dir/out`, as a run last night left them.
fn earlier_results(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let (o, out) = run_with(dir, &dem(), &repo().join("data/dltb.gpkg"), "");
    assert!(o.status.success(), "{}", text(&o));
    let s = snapshot(&out);
    assert!(s.contains_key("landcons.gpkg"));
    s
}

/// Runs `pipeline` (written into `dir`, output `dir/out`) and checks it failed cleanly.
fn fails_cleanly(dir: &Path, pipeline: &str, code: i32, needles: &[&str]) {
    let before = snapshot(&dir.join("out"));
    let p = dir.join("bad.toml");
    std::fs::write(&p, pipeline).unwrap();
    let o = run(&["run", "-q", p.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(code), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    for n in needles {
        assert!(t.contains(n), "message lacks {n:?}: {t}");
    }
    assert!(
        snapshot(&dir.join("out")) == before,
        "earlier results changed: {t}"
    );
    let left = leftovers(&dir.join("out"));
    assert!(left.is_empty(), "{left:?}");
}

fn pipeline(dem: &Path, parcels: &Path, extra_inputs: &str, rest: &str) -> String {
    format!(
        "[inputs]\ndem = [\"{}\"]\nparcels = \"{}\"\n{extra_inputs}{rest}[output]\ndir = \"out\"\n",
        dem.display(),
        parcels.display()
    )
}

fn copy_shapefile(dir: &Path) -> PathBuf {
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        std::fs::copy(
            repo().join(format!("data/dltb.{ext}")),
            dir.join(format!("dltb.{ext}")),
        )
        .unwrap();
    }
    dir.join("dltb.shp")
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn missing_unreadable_or_wrong_kind_input_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    earlier_results(d);
    let parcels = repo().join("data/dltb.gpkg");
    // Missing parcel file, missing DEM.
    fails_cleanly(
        d,
        &pipeline(&dem(), &d.join("gone.gpkg"), "", ""),
        2,
        &["gone.gpkg"],
    );
    fails_cleanly(
        d,
        &pipeline(&d.join("gone.tif"), &parcels, "", ""),
        2,
        &["gone.tif"],
    );
    // A file that is not a raster / not a vector layer.
    let junk = d.join("junk.tif");
    std::fs::write(&junk, b"this is not a GeoTIFF\n").unwrap();
    fails_cleanly(d, &pipeline(&junk, &parcels, "", ""), 2, &["junk.tif"]);
    let junk_vec = d.join("junk.gpkg");
    std::fs::write(&junk_vec, b"neither a GeoPackage\n").unwrap();
    fails_cleanly(d, &pipeline(&dem(), &junk_vec, "", ""), 2, &["junk.gpkg"]);
    // A directory instead of the parcel file.
    std::fs::create_dir(d.join("folder.gpkg")).unwrap();
    fails_cleanly(
        d,
        &pipeline(&dem(), &d.join("folder.gpkg"), "", ""),
        2,
        &["folder.gpkg"],
    );
    // Unreadable: a symlink loop (the OS refuses to open it, even for root), and
    // permissions where they apply (root reads everything).
    std::os::unix::fs::symlink(d.join("loop.tif"), d.join("loop.tif")).unwrap();
    fails_cleanly(
        d,
        &pipeline(&d.join("loop.tif"), &parcels, "", ""),
        2,
        &["loop.tif"],
    );
    if !is_root() {
        use std::os::unix::fs::PermissionsExt;
        let locked = d.join("locked.tif");
        std::fs::copy(dem(), &locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        fails_cleanly(d, &pipeline(&locked, &parcels, "", ""), 2, &["locked.tif"]);
    } else {
        eprintln!("running as root: file permissions cannot make a file unreadable; the symlink loop stands in");
    }
}

#[test]
fn corrupt_shapefiles() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    earlier_results(d);
    let shp = copy_shapefile(d);
    // .shx missing.
    std::fs::rename(d.join("dltb.shx"), d.join("dltb.shx.bak")).unwrap();
    fails_cleanly(d, &pipeline(&dem(), &shp, "", ""), 2, &["dltb", ".shx"]);
    std::fs::rename(d.join("dltb.shx.bak"), d.join("dltb.shx")).unwrap();
    // .dbf truncated in the middle of the records: the sizes are said.
    let dbf = std::fs::read(d.join("dltb.dbf")).unwrap();
    std::fs::write(d.join("dltb.dbf"), &dbf[..dbf.len() / 2]).unwrap();
    let found = format!("found {}", dbf.len() / 2);
    fails_cleanly(d, &pipeline(&dem(), &shp, "", ""), 2, &["dltb.dbf", "truncated or corrupt", &found]);
    std::fs::write(d.join("dltb.dbf"), &dbf).unwrap();
    // .shp cut short.
    let shp_bytes = std::fs::read(d.join("dltb.shp")).unwrap();
    std::fs::write(d.join("dltb.shp"), &shp_bytes[..shp_bytes.len() - 1000]).unwrap();
    fails_cleanly(d, &pipeline(&dem(), &shp, "", ""), 2, &["dltb.shp", "truncated or corrupt"]);
    std::fs::write(d.join("dltb.shp"), &shp_bytes).unwrap();
    // A GeoPackage cut short in transfer.
    let gpkg = std::fs::read(repo().join("data/dltb.gpkg")).unwrap();
    std::fs::write(d.join("cut.gpkg"), &gpkg[..gpkg.len() * 2 / 3]).unwrap();
    let found = format!("found {}", gpkg.len() * 2 / 3);
    fails_cleanly(d, &pipeline(&dem(), &d.join("cut.gpkg"), "", ""), 2, &["cut.gpkg", "truncated or corrupt", &found]);
    // .dbf missing altogether.
    std::fs::remove_file(d.join("dltb.dbf")).unwrap();
    fails_cleanly(d, &pipeline(&dem(), &shp, "", ""), 2, &["dltb"]);
}

#[test]
fn crs_missing_from_dem_or_parcels() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    earlier_results(d);
    // DEM without CRS: the sample's grid and values, no CRS.
    let bare = d.join("bare.tif");
    let (_, _, values, nodata) = read_raster(&dem());
    write_dem_like(&bare, &dem(), values, nodata, false);
    let parcels = repo().join("data/dltb.gpkg");
    fails_cleanly(
        d,
        &pipeline(&bare, &parcels, "", ""),
        2,
        &["bare.tif", "dem_crs"],
    );
    let stated = d.join("stated");
    std::fs::create_dir(&stated).unwrap();
    let (o, _) = run_with(&stated, &bare, &parcels, "dem_crs = \"EPSG:4544\"\n");
    assert!(o.status.success(), "with dem_crs stated: {}", text(&o));
    // Parcels without .prj.
    let shp = copy_shapefile(d);
    std::fs::remove_file(d.join("dltb.prj")).unwrap();
    fails_cleanly(
        d,
        &pipeline(&dem(), &shp, "", ""),
        2,
        &["dltb.shp", "parcels_crs"],
    );
}

#[test]
fn layer_and_field_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    earlier_results(d);
    let parcels = repo().join("data/dltb.gpkg");
    fails_cleanly(
        d,
        &pipeline(&dem(), &parcels, "parcels_layer = \"TDLYXZ\"\n", ""),
        2,
        &["TDLYXZ", "DLTB"],
    );
    fails_cleanly(
        d,
        &pipeline(&dem(), &parcels, "", "[fields]\nland_use = \"DLBN\"\n"),
        2,
        &["DLBN", "DLBM", "fields.land_use"],
    );
}

#[test]
fn pipeline_file_mistakes_name_the_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    earlier_results(d);
    let p = repo().join("data/dltb.gpkg");
    for (rest, needles) in [
        (
            "[terrain]\nalgoritm = \"horn\"\n",
            &["algoritm", "algorithm", "line 5"][..],
        ),
        (
            "[terrain]\nz_factor = \"one\"\n",
            &["terrain.z_factor", "line 5", "one"][..],
        ),
        (
            "[reforestation]\nsteep_share_threshold = 1.5\n",
            &["steep_share_threshold", "1.5"][..],
        ),
        (
            "[terrain]\ngrade_breaks = [2.0, 15.0, 6.0, 25.0]\n",
            &["terrain.grade_breaks", "line 5", "must increase"][..],
        ),
        ("[merge]\ntolerance_m = -1.0\n", &["tolerance_m"][..]),
    ] {
        fails_cleanly(d, &pipeline(&dem(), &p, "", rest), 2, needles);
    }
}

#[test]
fn lines_and_mixed_geometry_types_are_an_error_or_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    earlier_results(d);
    let line = r#"{"type":"Feature","properties":{"BSM":"L5","DLBM":"1006"},"geometry":{"type":"LineString","coordinates":[[483000,3288000],[483100,3288050]]}}"#.to_string();
    let multi_line = r#"{"type":"Feature","properties":{"BSM":"L6","DLBM":"1006"},"geometry":{"type":"MultiLineString","coordinates":[[[483000,3288000],[483100,3288050]]]}}"#.to_string();
    // Only lines: nothing to process.
    let lines_only = geojson(d, std::slice::from_ref(&line));
    let lines_path = d.join("lines.geojson");
    std::fs::rename(&lines_only, &lines_path).unwrap();
    fails_cleanly(
        d,
        &pipeline(&dem(), &lines_path, "", ""),
        2,
        &["L5", "not a polygon"],
    );
    // Mixed polygons and lines.
    let mixed = geojson(
        d,
        &[
            square("A1", 483000.0, 3288000.0),
            line,
            multi_line,
            square("A2", 483100.0, 3288000.0),
        ],
    );
    fails_cleanly(
        d,
        &pipeline(&dem(), &mixed, "", ""),
        2,
        &["L5", "not a polygon"],
    );
    let (o, out) = run_with(d, &dem(), &mixed, "non_polygons = \"skip\"\n");
    assert!(o.status.success(), "{}", text(&o));
    let m = manifest(&out);
    assert_eq!(m["counts"]["parcels"], 2, "the two polygons are processed");
    let issues = m["geometry_issues"].to_string();
    assert!(issues.contains("L5") && issues.contains("L6"), "{issues}");
}

#[test]
fn nan_elevations_are_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (c, r, mut v, nd) = read_raster(&dem());
    let block = |row: usize, col: usize| (100..150).contains(&row) && (100..200).contains(&col);
    for row in 0..r {
        for col in 0..c {
            if block(row, col) {
                v[row * c + col] = f32::NAN;
            }
        }
    }
    let nan_dem = d.join("nan.tif");
    write_dem_like(&nan_dem, &dem(), v.clone(), nd, true);
    let (o, out) = run_with(d, &nan_dem, &repo().join("data/dltb.gpkg"), "");
    assert!(o.status.success(), "{}", text(&o));
    let (_, _, slope, slope_nd) = read_raster(&out.join("slope.tif"));
    assert!(
        slope.iter().all(|s| !s.is_nan()),
        "no NaN in the slope raster"
    );
    let slope_nd = slope_nd.unwrap() as f32;
    let voids = |i: usize| nd.is_some_and(|n| v[i] == n as f32);
    for (i, s) in slope.iter().enumerate() {
        let expected_nodata = v[i].is_nan() || voids(i);
        assert_eq!(*s == slope_nd, expected_nodata, "cell {i}");
    }
    // Parcels over the block report the missing data: more of them than without NaN.
    let with_nan = manifest(&out)["counts"]["parcels_without_data"]
        .as_u64()
        .unwrap();
    let partial = query(
        &out.join("landcons.gpkg"),
        "SELECT count(*) FROM parcels WHERE nodata_share > 0.99",
    )[0][0]
        .parse::<u64>()
        .unwrap();
    let plain = d.join("plain");
    std::fs::create_dir(&plain).unwrap();
    let (o, plain_out) = run_with(&plain, &dem(), &repo().join("data/dltb.gpkg"), "");
    assert!(o.status.success(), "{}", text(&o));
    let without_nan = manifest(&plain_out)["counts"]["parcels_without_data"]
        .as_u64()
        .unwrap();
    assert!(with_nan > without_nan, "{with_nan} vs {without_nan}");
    assert!(
        partial >= with_nan,
        "parcels without data have nodata_share 1"
    );
}

#[test]
fn broken_polygons_are_repaired_or_reported_never_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let poly = |id: &str, ring: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{"BSM":"{id}","DLBM":"0103"}},"geometry":{{"type":"Polygon","coordinates":[[{ring}]]}}}}"#
        )
    };
    let features = [
        square("OK1", 483000.0, 3288000.0),
        // Bow-tie (self-intersecting).
        poly("BOW", "[483100,3288000],[483150,3288050],[483150,3288000],[483100,3288050],[483100,3288000]"),
        // Zero area: all vertices on one line.
        poly("FLAT", "[483200,3288000],[483250,3288000],[483300,3288000],[483200,3288000]"),
        // Repeated vertices.
        poly("DUP", "[483300,3288100],[483300,3288100],[483350,3288100],[483350,3288150],[483350,3288150],[483300,3288150],[483300,3288100]"),
        // Unclosed ring (first ≠ last).
        poly("OPEN", "[483400,3288100],[483450,3288100],[483450,3288150],[483400,3288150]"),
    ];
    let p = geojson(d, &features);
    let (o, out) = run_with(d, &dem(), &p, "");
    assert!(o.status.success(), "{}", text(&o));
    let m = manifest(&out);
    assert_eq!(m["counts"]["parcels"], features.len(), "none dropped");
    let issues = m["geometry_issues"].to_string();
    for id in ["BOW", "FLAT"] {
        assert!(issues.contains(id), "{id} not reported: {issues}");
    }
    let ids: Vec<String> = query(
        &out.join("landcons.gpkg"),
        "SELECT BSM FROM parcels ORDER BY BSM",
    )
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    assert_eq!(ids, ["BOW", "DUP", "FLAT", "OK1", "OPEN"]);
    let area = |id: &str| {
        query(
            &out.join("landcons.gpkg"),
            &format!("SELECT area_m2 FROM parcels WHERE BSM = '{id}'"),
        )[0][0]
            .parse::<f64>()
            .unwrap()
    };
    assert!((area("DUP") - 2500.0).abs() < 1e-6);
    assert!((area("OPEN") - 2500.0).abs() < 1e-6);
    assert!(
        (area("BOW") - 1250.0).abs() < 1e-6,
        "both lobes kept: {}",
        area("BOW")
    );
    assert_eq!(area("FLAT"), 0.0);
}
