//! The input side of "never read the wrong data in silence" (issue #34): a `.cpg` that
//! lies about the text, DEMs with several bands or complex values, sources with several
//! polygon layers, `validate` opening what `run` opens, and the smaller checks and
//! warnings. Each runs the real binary over real files written by GDAL's tools.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;

fn dem() -> PathBuf {
    repo().join("data/dem.tif")
}

/// A pipeline file `p.toml` in `dir` over `dem` and `parcels`, with more `[inputs]`
/// lines and more sections, writing into `dir/out`.
fn pipeline(dir: &Path, dem: &Path, parcels: &Path, inputs: &str, rest: &str) -> PathBuf {
    let p = dir.join("p.toml");
    let text = format!(
        "[inputs]\ndem = [\"{}\"]\nparcels = \"{}\"\n{inputs}{rest}[output]\ndir = \"out\"\n",
        dem.display(),
        parcels.display()
    );
    std::fs::write(&p, text).unwrap();
    p
}

fn run_quiet(pipeline: &Path) -> Output {
    run(&["run", "-q", pipeline.to_str().unwrap()])
}

/// Fails with the bad-input exit code, a message holding every one of `needles`, no
/// panic and no results written.
fn fails_with(o: &Output, out: &Path, needles: &[&str]) {
    let t = text(o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    for n in needles {
        assert!(t.contains(n), "message lacks {n:?}: {t}");
    }
    assert!(!out.join("landcons.gpkg").exists(), "no results: {t}");
}

// ---------------------------------------------------------------------------------------
// 1. Shapefile encodings: one for the whole file; a .cpg the text contradicts stops the run.

/// The demo parcels (data/dltb.gpkg) as a shapefile `name` written by ogr2ogr in
/// `encoding` ("UTF-8", "CP936"), the .cpg it wrote replaced by `cpg` (None: removed).
fn shapefile(dir: &Path, name: &str, encoding: &str, cpg: Option<&str>) -> PathBuf {
    let shp = dir.join(format!("{name}.shp"));
    let layer = format!("ENCODING={encoding}");
    let src = repo().join("data/dltb.gpkg");
    tool("ogr2ogr", &["-f", "ESRI Shapefile", "-lco", &layer, shp.to_str().unwrap(), src.to_str().unwrap()]);
    let cpg_path = shp.with_extension("cpg");
    match cpg {
        Some(text) => std::fs::write(&cpg_path, text).unwrap(),
        None => std::fs::remove_file(&cpg_path).unwrap(),
    }
    shp
}

/// The distinct Chinese names of the demo parcels (villages, land-use names).
fn demo_names() -> Vec<String> {
    let gpkg = repo().join("data/dltb.gpkg");
    let mut names: Vec<String> = query(&gpkg, "SELECT DISTINCT ZLDWMC FROM DLTB UNION SELECT DISTINCT DLMC FROM DLTB").into_iter().map(|r| r[0].clone()).collect();
    names.retain(|n| !n.is_ascii());
    assert!(names.len() > 5, "{names:?}");
    names
}

#[test]
fn a_cpg_that_lies_about_the_text_stops_the_run_with_both_readings() {
    let names = demo_names();
    for (encoding, cpg, declared, found) in [
        ("UTF-8", "GBK", "GBK", "UTF-8"),
        ("UTF-8", "936", "GBK", "UTF-8"),
        ("CP936", "ISO-8859-1", "windows-1252", "GBK"),
        ("CP936", "1252", "windows-1252", "GBK"),
        ("CP936", "UTF-8", "UTF-8", "GBK"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let shp = shapefile(dir.path(), "dltb", encoding, Some(cpg));
        let o = run_quiet(&pipeline(dir.path(), &dem(), &shp, "", ""));
        let setting = format!("inputs.parcels_encoding = {:?}", found.to_ascii_lowercase());
        let said = format!("declares the code page {declared} ({cpg:?}), but the text of");
        fails_with(&o, &dir.path().join("out"), &["dltb.cpg", "dltb.dbf", &said, &format!("is {found}"), &setting]);
        // An example value, read both ways: the true reading is a name of the data.
        let t = text(&o);
        assert!(t.contains(&format!(" as {declared}")) && t.contains(&format!(" as {found}")), "{t}");
        assert!(names.iter().any(|n| t.contains(&format!("{n:?} as {found}"))), "{t}");
    }
}

#[test]
fn a_true_cpg_or_none_reads_the_demo_names() {
    let names = demo_names();
    let dir = tempfile::tempdir().unwrap();
    // data/dltb.shp as the generator wrote it (GBK, .cpg "CP936"), and without its .cpg.
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        std::fs::copy(repo().join(format!("data/dltb.{ext}")), copy.join(format!("dltb.{ext}"))).unwrap();
    }
    let bare = dir.path().join("bare");
    std::fs::create_dir(&bare).unwrap();
    for ext in ["shp", "shx", "dbf", "prj"] {
        std::fs::copy(repo().join(format!("data/dltb.{ext}")), bare.join(format!("dltb.{ext}"))).unwrap();
    }
    let utf8 = dir.path().join("utf8");
    std::fs::create_dir(&utf8).unwrap();
    for (folder, shp, encoding) in [
        (&copy, copy.join("dltb.shp"), "GBK"),
        (&bare, bare.join("dltb.shp"), "GBK"),
        (&utf8, shapefile(&utf8, "dltb", "UTF-8", Some("UTF-8")), "UTF-8"),
    ] {
        let o = run_quiet(&pipeline(folder, &dem(), &shp, "", ""));
        assert!(o.status.success(), "{}: {}", shp.display(), text(&o));
        let out = folder.join("out");
        assert_eq!(manifest(&out)["inputs"]["parcels_encoding"], encoding);
        let read: Vec<String> = query(&out.join("landcons.gpkg"), "SELECT DISTINCT ZLDWMC FROM parcels").into_iter().map(|r| r[0].clone()).collect();
        assert!(!read.is_empty() && read.iter().all(|n| names.contains(n)), "{}: {read:?}", shp.display());
    }
}

/// Parcels `(id, name)` as a shapefile written by ogr2ogr in `encoding` (ogr2ogr's .cpg
/// replaced by `cpg`), one 50 m square each over the sample DEM.
fn named_parcels(dir: &Path, names: &[&str], encoding: &str, cpg: &str) -> PathBuf {
    let features: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (x, y) = (483000.0 + 60.0 * i as f64, 3288000.0);
            format!(
                r#"{{"type":"Feature","properties":{{"BSM":"P{i}","DLBM":"0103","ZLDWMC":"{n}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}"#,
                x1 = x + 50.0,
                y1 = y + 50.0
            )
        })
        .collect();
    let geojson = dir.join("named.geojson");
    write_geojson_4544(&geojson, &features.iter().map(String::as_str).collect::<Vec<_>>());
    let shp = dir.join("named.shp");
    tool("ogr2ogr", &["-f", "ESRI Shapefile", "-lco", &format!("ENCODING={encoding}"), shp.to_str().unwrap(), geojson.to_str().unwrap()]);
    std::fs::write(shp.with_extension("cpg"), cpg).unwrap();
    shp
}

/// Text the declared code page reads plausibly is not second-guessed: Western names
/// declared windows-1252 are not called GBK, and a GBK name whose bytes also read as
/// Chinese in UTF-8 ("洹颁啊" is "䡰䰡") is what its GBK .cpg says.
#[test]
fn western_text_and_ambiguous_chinese_keep_their_declaration() {
    for (names, encoding, cpg) in [
        (&["café", "Zürich", "été", "Hôtel-Dieu"][..], "CP1252", "1252"),
        (&["café", "Zürich", "été", "Hôtel-Dieu"][..], "ISO-8859-1", "ISO-8859-1"),
        (&["洹颁啊", "石门村"][..], "CP936", "GBK"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let shp = named_parcels(dir.path(), names, encoding, cpg);
        let o = run_quiet(&pipeline(dir.path(), &dem(), &shp, "", ""));
        assert!(o.status.success(), "{names:?} in {encoding}: {}", text(&o));
        let read: Vec<String> = query(&dir.path().join("out/landcons.gpkg"), "SELECT ZLDWMC FROM parcels ORDER BY BSM").into_iter().map(|r| r[0].clone()).collect();
        assert_eq!(read, names, "{encoding}");
    }
}

// ---------------------------------------------------------------------------------------
// 2. DEM bands: one band of real heights, or the band inputs.dem_band names.

/// Twenty 100 m parcels (EPSG:23030) inside the Gredos DEM (dem25).
fn parcels_on_dem25(dir: &Path) -> PathBuf {
    let crs = r#"{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::23030"}}"#;
    let features: Vec<String> = (0..20)
        .map(|i| {
            let (x, y) = (266000.0 + 400.0 * (i % 5) as f64, 4457000.0 + 400.0 * (i / 5) as f64);
            format!(
                r#"{{"type":"Feature","properties":{{"BSM":"S{i}","DLBM":"0103","ZLDWDM":"1","ZLDWMC":"v"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}"#,
                x1 = x + 100.0,
                y1 = y + 100.0
            )
        })
        .collect();
    let p = dir.join("gredos.geojson");
    std::fs::write(&p, format!(r#"{{"type":"FeatureCollection","crs":{crs},"features":[{}]}}"#, features.join(","))).unwrap();
    p
}

/// dem25 as a 3-band GeoTIFF: the heights, the heights doubled, the heights again.
fn three_band_dem(dir: &Path, dem25: &Path) -> (PathBuf, PathBuf) {
    let d = |name: &str| dir.join(name);
    let s = |p: &Path| p.to_str().unwrap().to_string();
    // Doubled heights: the scale maps 0..1 onto 0..2 (nodata stays nodata).
    tool("gdal_translate", &["-q", "-ot", "Float32", "-scale", "0", "1", "0", "2", &s(dem25), &s(&d("doubled.tif"))]);
    tool("gdalbuildvrt", &["-q", "-separate", &s(&d("stack.vrt")), &s(dem25), &s(&d("doubled.tif")), &s(dem25)]);
    tool("gdal_translate", &["-q", &s(&d("stack.vrt")), &s(&d("stack.tif"))]);
    (d("stack.tif"), d("doubled.tif"))
}

#[test]
fn a_dem_with_several_bands_needs_dem_band_and_reads_the_band_it_names() {
    let Some(dem25) = shared("dem25-spain/dem25.tif") else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (stack, doubled) = three_band_dem(d, &dem25);
    let parcels = parcels_on_dem25(d);
    let out = d.join("out");
    let o = run_quiet(&pipeline(d, &stack, &parcels, "", ""));
    fails_with(&o, &out, &["stack.tif", "has 3 bands", "inputs.dem_band", "1–3"]);
    let o = run_quiet(&pipeline(d, &stack, &parcels, "dem_band = 4\n", ""));
    fails_with(&o, &out, &["stack.tif", "inputs.dem_band = 4"]);
    // landcons slope makes the same check.
    let o = run(&["slope", "-q", stack.to_str().unwrap(), "-o", d.join("s.tif").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("stack.tif") && text(&o).contains("has 3 bands"), "{}", text(&o));
    assert!(!d.join("s.tif").exists());
    // Band 2 is the doubled heights: the run's slope is that band's slope, cell for cell.
    let o = run_quiet(&pipeline(d, &stack, &parcels, "dem_band = 2\n", ""));
    assert!(o.status.success(), "{}", text(&o));
    let alone = d.join("alone.tif");
    let o = run(&["slope", "-q", doubled.to_str().unwrap(), "-o", alone.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let (c, r, ours, _) = read_raster(&out.join("slope.tif"));
    let (c2, r2, expected, _) = read_raster(&alone);
    assert_eq!((c, r), (c2, r2));
    assert!(ours.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits()), "the slope of band 2");
    let first = d.join("first.tif");
    assert!(run(&["slope", "-q", dem25.to_str().unwrap(), "-o", first.to_str().unwrap()]).status.success());
    let (_, _, band1, _) = read_raster(&first);
    assert!(ours.iter().zip(&band1).filter(|(a, b)| a != b).count() > c * r / 2, "band 2 is not band 1");
    assert_eq!(manifest(&out)["settings"]["inputs"]["dem_band"], 2);
}

#[test]
fn a_dem_of_complex_numbers_is_refused() {
    let Some(dem25) = shared("dem25-spain/dem25.tif") else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let complex = d.join("complex.tif");
    tool("gdal_translate", &["-q", "-ot", "CFloat32", dem25.to_str().unwrap(), complex.to_str().unwrap()]);
    let parcels = parcels_on_dem25(d);
    let o = run_quiet(&pipeline(d, &complex, &parcels, "", ""));
    fails_with(&o, &d.join("out"), &["complex.tif", "complex numbers (CFloat32)", "inputs.dem_band"]);
    let o = run(&["slope", "-q", complex.to_str().unwrap(), "-o", d.join("s.tif").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("complex numbers (CFloat32)"), "{}", text(&o));
}

// ---------------------------------------------------------------------------------------
// 3. A source of several polygon layers needs the one to read named.

/// Adds layer `name` to the GeoPackage `gpkg` from the demo parcels (`args`: more
/// ogr2ogr options: -where, -sql, -nlt).
fn add_layer(gpkg: &Path, name: &str, args: &[&str]) {
    let src = repo().join("data/dltb.gpkg");
    let mut all = vec!["-f", "GPKG", "-nln", name];
    if gpkg.exists() {
        all.push("-update");
    }
    all.extend_from_slice(args);
    all.extend([gpkg.to_str().unwrap(), src.to_str().unwrap()]);
    tool("ogr2ogr", &all);
}

#[test]
fn several_polygon_layers_and_no_layer_named_is_an_error_listing_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let total = query(&repo().join("data/dltb.gpkg"), "SELECT count(*) FROM DLTB")[0][0].clone();
    // A layer of five parcels first (an old extract), the whole layer second.
    let two = d.join("two.gpkg");
    add_layer(&two, "DLTB_OLD", &["-where", "fid <= 5"]);
    add_layer(&two, "DLTB", &[]);
    let out = d.join("out");
    let o = run_quiet(&pipeline(d, &dem(), &two, "", ""));
    let listed = format!("DLTB ({}, {total} features)", "Polygon");
    fails_with(&o, &out, &["two.gpkg", "has 2 polygon layers and inputs.parcels_layer names none", "DLTB_OLD (Polygon, 5 features)", &listed]);
    let o = run_quiet(&pipeline(d, &dem(), &two, "parcels_layer = \"DLTB\"\n", ""));
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(manifest(&out)["counts"]["parcels"].to_string(), total);
    // One polygon layer among a point layer and an attribute table: it is the one.
    let mixed = d.join("mixed.gpkg");
    add_layer(&mixed, "centres", &["-dialect", "SQLite", "-sql", "SELECT BSM, ST_Centroid(geom) AS geom FROM DLTB", "-nlt", "POINT"]);
    add_layer(&mixed, "codes", &["-sql", "SELECT DISTINCT DLBM, DLMC FROM DLTB", "-nlt", "NONE"]);
    add_layer(&mixed, "DLTB", &[]);
    let o = run_quiet(&pipeline(d, &dem(), &mixed, "", ""));
    assert!(o.status.success(), "{}", text(&o));
    let m = manifest(&out);
    assert_eq!((m["inputs"]["parcels_layer"].as_str(), m["counts"]["parcels"].to_string()), (Some("DLTB"), total));
}

#[test]
fn a_constraint_source_of_several_layers_needs_its_layer_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let controls = repo().join("data/controls.gpkg");
    let constraint = "[[constraints]]\nname = \"zones\"\npath = \"{}\"\nmode = \"flag\"\n";
    // controls.gpkg holds a line layer (roads) and a polygon layer (basic_farmland): an
    // unbuffered constraint can only mean the polygons; a buffered one either.
    let o = run_quiet(&pipeline(d, &dem(), &repo().join("data/dltb.gpkg"), "", &constraint.replace("{}", controls.to_str().unwrap())));
    assert!(o.status.success(), "the one polygon layer is taken: {}", text(&o));
    let buffered = constraint.replace("{}", controls.to_str().unwrap()) + "buffer_m = 5\n";
    let o = run_quiet(&pipeline(d, &dem(), &repo().join("data/dltb.gpkg"), "", &buffered));
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("controls.gpkg: has 2 layers with geometries and constraints (zones).layer names none") && t.contains("roads (") && t.contains("basic_farmland ("), "{t}");
}

// ---------------------------------------------------------------------------------------
// 4. validate opens and checks what run opens.

/// Bytes no format starts with (a fixed pseudo-random sequence).
fn garbage(path: &Path) {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn validate_opens_the_constraint_files_a_run_opens() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    garbage(&d.join("garbage.gpkg"));
    for (file, said) in [("missing.gpkg", "cannot read"), ("garbage.gpkg", "not a vector file GDAL can read")] {
        let constraint = format!("[[constraints]]\nname = \"c\"\npath = \"{}\"\nmode = \"flag\"\n", d.join(file).display());
        let p = pipeline(d, &dem(), &repo().join("data/dltb.gpkg"), "", &constraint);
        let o = run(&["validate", "-q", p.to_str().unwrap()]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{file}: {t}");
        assert!(t.contains(&format!("{file}: {said}")), "{t}");
        assert!(!d.join("out").exists(), "validate writes nothing");
    }
    // The parcels off the DEM: refused by validate as by run, before anything is written.
    let far = d.join("far.geojson");
    write_geojson_4544(&far, &[r#"{"type":"Feature","properties":{"BSM":"A1","DLBM":"0103"},"geometry":{"type":"Polygon","coordinates":[[[100000,100000],[100050,100000],[100050,100050],[100000,100000]]]}}"#]);
    let o = run(&["validate", "-q", pipeline(d, &dem(), &far, "", "").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("do not overlap the DEM"), "{}", text(&o));
    // The demo validates, its constraint layers opened.
    let o = run(&["validate", "-q", repo().join("pipelines/demo.toml").to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("constraint roads: ") && t.contains("constraint basic_farmland: "), "the demo's constraints are opened: {t}");
}

// ---------------------------------------------------------------------------------------
// 5. Smaller ones: files GDAL cannot read say why.

#[test]
fn a_file_that_is_no_geodata_or_cut_in_its_header_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let parcels = repo().join("data/dltb.gpkg");
    let out = d.join("out");
    let text_file = |name: &str| {
        let p = d.join(name);
        std::fs::write(&p, "BSM,DLBM\nA1,0103\n").unwrap();
        p
    };
    // A text file as the DEM, and as the parcels (whatever its name says it is).
    let o = run_quiet(&pipeline(d, &text_file("notes.tif"), &parcels, "", ""));
    fails_with(&o, &out, &["notes.tif: not a raster file GDAL can read"]);
    for name in ["notes.gpkg", "notes.shp", "notes.geojson"] {
        let o = run_quiet(&pipeline(d, &dem(), &text_file(name), "", ""));
        fails_with(&o, &out, &[&format!("{name}: not a vector file GDAL can read")]);
    }
    // A DEM whose header is cut short: the first 100 bytes of a GeoTIFF.
    let head = d.join("head.tif");
    std::fs::write(&head, &std::fs::read(dem()).unwrap()[..100]).unwrap();
    let o = run_quiet(&pipeline(d, &head, &parcels, "", ""));
    fails_with(&o, &out, &["head.tif: looks like a GeoTIFF file but GDAL cannot open it: it is cut short or corrupt (100 bytes)"]);
    let o = run(&["slope", "-q", head.to_str().unwrap(), "-o", d.join("s.tif").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("cut short or corrupt (100 bytes)"), "{}", text(&o));
}

/// A DEM of one row or one column has no slope anywhere (a cell needs neighbours across
/// and along): `landcons slope` wrote an all-nodata raster and said nothing.
#[test]
fn a_dem_smaller_than_two_by_two_cells_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (cols, rows) in [(1, 1), (5, 1), (1, 5)] {
        let asc = dir.path().join("g.asc");
        let row = vec!["350"; cols].join(" ");
        std::fs::write(&asc, format!("ncols {cols}\nnrows {rows}\nxllcorner 483000\nyllcorner 3288000\ncellsize 5\n{}\n", vec![row; rows].join("\n"))).unwrap();
        let tif = dir.path().join(format!("g{cols}x{rows}.tif"));
        tool("gdal_translate", &["-q", "-ot", "Float32", "-a_srs", "EPSG:4544", asc.to_str().unwrap(), tif.to_str().unwrap()]);
        let slope = dir.path().join("s.tif");
        let o = run(&["slope", "-q", tif.to_str().unwrap(), "-o", slope.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{cols}×{rows}: {}", text(&o));
        let said = format!("is {cols}×{rows} cells: too small for a slope, which needs at least 2×2 cells");
        assert!(text(&o).contains(&said) && text(&o).contains(tif.file_name().unwrap().to_str().unwrap()), "{}", text(&o));
        assert!(!slope.exists());
    }
}

// ---------------------------------------------------------------------------------------
// 5. Smaller ones: suspicious inputs are warned of (stderr and the manifest's warnings).

#[test]
fn a_constant_dem_an_empty_constraint_and_parcels_without_land_use_are_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Every cell 350 m: every slope 0.
    let flat = d.join("flat.tif");
    let (c, r, _, _) = read_raster(&dem());
    write_dem_like(&flat, &dem(), vec![350.0; c * r], Some(-9999.0), true);
    // The farmland layer without a single feature.
    let empty = d.join("empty.gpkg");
    let controls = repo().join("data/controls.gpkg");
    tool("ogr2ogr", &["-f", "GPKG", "-where", "1 = 0", empty.to_str().unwrap(), controls.to_str().unwrap(), "basic_farmland"]);
    // Two parcels of four without a land-use code (null, empty).
    let square = |id: &str, dlbm: &str, x: f64| {
        format!(r#"{{"type":"Feature","properties":{{"BSM":"{id}","DLBM":{dlbm}}},"geometry":{{"type":"Polygon","coordinates":[[[{x},3288000],[{x1},3288000],[{x1},3288050],[{x},3288050],[{x},3288000]]]}}}}"#, x1 = x + 50.0)
    };
    let features = [square("A1", "\"0103\"", 483000.0), square("N1", "null", 483100.0), square("E1", "\"\"", 483200.0), square("A2", "\"0101\"", 483300.0)];
    let parcels = d.join("parcels.geojson");
    write_geojson_4544(&parcels, &features.iter().map(String::as_str).collect::<Vec<_>>());
    let constraint = format!("[[constraints]]\nname = \"farmland\"\npath = \"{}\"\nmode = \"exclude\"\n", empty.display());
    let p = pipeline(d, &flat, &parcels, "", &constraint);
    let expected = [
        ("dem_constant", "flat.tif: every cell holds the same height (350): every slope is 0°"),
        ("constraint_empty", "the constraint layer \"farmland\" (constraints (farmland).layer) has no features"),
        ("land_use_missing", "2 of 4 parcels have no land-use code (DLBM is null or empty), e.g. \"N1\", \"E1\""),
    ];
    let o = run_quiet(&p);
    assert!(o.status.success(), "{}", text(&o));
    let warnings = manifest(&d.join("out"))["warnings"].as_array().unwrap().clone();
    for (code, message) in expected {
        assert!(text(&o).contains("landcons: warning: ") && text(&o).contains(message), "stderr lacks {message:?}: {}", text(&o));
        assert!(warnings.iter().any(|w| w["code"] == code && w["message"].as_str().unwrap().contains(message)), "manifest lacks {code}: {warnings:?}");
    }
    // validate says the same.
    let o = run(&["validate", "-q", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    for (_, message) in expected {
        assert!(text(&o).contains(message), "validate lacks {message:?}: {}", text(&o));
    }
}

// ---------------------------------------------------------------------------------------
// 5. Smaller ones: bad arguments are bad-input errors (2), said before any work.

#[test]
fn bad_arguments_of_plan_and_run_shard_say_so_with_the_bad_input_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let demo = repo().join("pipelines/demo.toml");
    let o = run(&["plan", "-q", demo.to_str().unwrap(), "--out", out.to_str().unwrap(), "--shards", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--shards: must be at least 1, got 0"), "{}", text(&o));
    assert!(!out.exists(), "nothing opened, nothing written");
    let o = std::process::Command::new(bin())
        .args(["run", "-q", demo.to_str().unwrap(), "--out", out.to_str().unwrap(), "--shard"])
        .env("SLURM_ARRAY_TASK_ID", "abc")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("SLURM_ARRAY_TASK_ID must be a shard index, got \"abc\""), "{}", text(&o));
}

/// More threads than cores only contend: capped at the core count, and said.
#[test]
fn threads_above_the_core_count_are_capped_with_a_warning() {
    let cores = std::thread::available_parallelism().unwrap().get();
    let asked = (cores * 8).to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_demo(&out, &["--threads", &asked]);
    assert!(o.status.success(), "{}", text(&o));
    let said = format!("{asked} threads asked for (--threads or run.threads), but this machine has {cores} cores: {cores} threads are used");
    assert!(text(&o).contains(&said), "{}", text(&o));
    let warnings = manifest(&out)["warnings"].to_string();
    assert!(warnings.contains("threads_capped") && warnings.contains(&said), "{warnings}");
    // As many as there are cores: nothing to say.
    let o = run_demo(&dir.path().join("out2"), &["--threads", &cores.to_string()]);
    assert!(o.status.success() && !text(&o).contains("threads asked for"), "{}", text(&o));
}

/// Whether QGIS's Python bindings import (under CI=true they must).
fn qgis_available() -> bool {
    let ok = std::process::Command::new("/usr/bin/python3")
        .args(["-c", "import qgis.core"])
        .env("QT_QPA_PLATFORM", "offscreen")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok || std::env::var("CI").as_deref() != Ok("true"), "under CI=true: python3-qgis is not installed");
    if !ok {
        eprintln!("SKIPPED: QGIS is not installed");
    }
    ok
}

/// `landcons maps`: a bad option is a bad-input error said before QGIS runs, and QGIS's
/// temporary files (qt_temp-*) are not left in the temporary folder.
#[test]
fn maps_checks_its_options_first_and_leaves_no_qt_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_demo(&out, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let maps = |args: &[&str], tmp: &Path| std::process::Command::new(bin()).arg("maps").args(args).env("TMPDIR", tmp).output().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let results = out.to_str().unwrap();
    for (args, said) in [
        (vec![results, "--dpi", "0"], "--dpi: must be at least 1"),
        (vec![dir.path().join("nowhere").to_str().unwrap(), "--dpi", "96"], "no such results folder"),
        (vec![results, "--pdf", dir.path().join("no/such/folder/maps.pdf").to_str().unwrap()], "--pdf: the folder"),
    ] {
        let o = maps(&args.iter().map(|a| &**a).collect::<Vec<&str>>(), &tmp);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(said), "{args:?}: {}", text(&o));
    }
    if !qgis_available() {
        return;
    }
    let pdf = dir.path().join("atlas.pdf");
    let o = maps(&[results, "--pdf", pdf.to_str().unwrap(), "--dpi", "48"], &tmp);
    assert!(o.status.success(), "{}", text(&o));
    assert!(pdf.is_file());
    let left: Vec<String> = std::fs::read_dir(&tmp).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(left.is_empty(), "left in the temporary folder: {left:?}");
}
