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
