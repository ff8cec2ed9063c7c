//! A run, `slope`, and `diff -o` never destroy or replace a file landcons did not make,
//! never follow a planted link, and refuse before writing with a message naming the path
//! or setting (exit 2 for a bad setting or argument, 3 for the output folder). Each case
//! checks that everything outside the result set is byte for byte as it was.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;

/// Everything below `dir`, links not followed: files by their bytes, links by their
/// target, folders by name. An empty lock file is left out: a refused run may have made
/// its own, landcons's only file there.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        let rel = path.strip_prefix(root).unwrap().display().to_string();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.file_type().is_symlink() {
            out.insert(rel, format!("link → {}", std::fs::read_link(&path).unwrap().display()));
        } else if meta.is_dir() {
            out.insert(rel.clone(), "folder".into());
            walk(root, &path, out);
        } else if !(e.file_name() == ".landcons.lock" && meta.len() == 0) {
            let bytes = std::fs::read(&path).unwrap();
            out.insert(rel, format!("{} bytes,", bytes.len()) + &hash(&bytes));
        }
    }
}

fn hash(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!(" sha256 {:x}", sha2::Sha256::digest(bytes))
}

/// A demo run into `out` that must succeed.
fn demo(out: &Path, extra: &[&str]) {
    let o = run_demo(out, extra);
    assert!(o.status.success(), "{}", text(&o));
}

/// A refused command: its exit code and that its message names `needle`.
fn refused(o: &std::process::Output, code: i32, needles: &[&str]) {
    let t = text(o);
    assert_eq!(o.status.code(), Some(code), "{t}");
    for n in needles {
        assert!(t.contains(n), "message should name {n:?}: {t}");
    }
}

/// A folder outside the output folder holding a file someone cares about.
fn keep(dir: &Path) -> PathBuf {
    let keep = dir.join("keep");
    std::fs::create_dir_all(keep.join("sub")).unwrap();
    std::fs::write(keep.join("sub/precious.txt"), "someone else's work").unwrap();
    keep
}

#[test]
fn a_current_link_planted_to_lead_out_of_the_folder_stops_the_run_and_removes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let keep = keep(dir.path());
    let out = dir.path().join("out");
    demo(&out, &[]);
    for target in [keep.display().to_string(), "../keep".into(), ".landcons/runs/../../keep".into(), "landcons.gpkg".into()] {
        let current = out.join("current");
        let was = std::fs::read_link(&current).unwrap();
        std::fs::remove_file(&current).unwrap();
        std::os::unix::fs::symlink(&target, &current).unwrap();
        let before = tree(dir.path());
        let o = run_demo(&out, &[]);
        refused(&o, 3, &[&current.display().to_string(), "nothing was removed"]);
        assert_eq!(tree(dir.path()), before, "planted current → {target}");
        std::fs::remove_file(&current).unwrap();
        std::os::unix::fs::symlink(was, &current).unwrap();
    }
    assert!(keep.join("sub/precious.txt").is_file());
    demo(&out, &[]);
}

#[test]
fn planted_private_folders_and_foreign_run_folders_are_never_removed() {
    let dir = tempfile::tempdir().unwrap();
    let keep = keep(dir.path());
    let out = dir.path().join("out");
    demo(&out, &[]);
    // A link in the result-set store is only a link: removed as debris, its target kept.
    let planted = out.join(".landcons/runs/planted");
    std::os::unix::fs::symlink(&keep, &planted).unwrap();
    demo(&out, &[]);
    assert!(std::fs::symlink_metadata(&planted).is_err(), "the planted link itself is removed");
    assert!(keep.join("sub/precious.txt").is_file(), "its target is not");
    // A real folder without landcons's marker in the store stops the run.
    let foreign = out.join(".landcons/runs/someone");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("data.txt"), "not landcons").unwrap();
    let before = tree(dir.path());
    refused(&run_demo(&out, &[]), 3, &[&foreign.display().to_string(), "marker"]);
    assert_eq!(tree(dir.path()), before);
    std::fs::remove_dir_all(&foreign).unwrap();
    // The store itself a link to elsewhere: refused.
    let fresh = dir.path().join("fresh");
    std::fs::create_dir_all(&fresh).unwrap();
    std::os::unix::fs::symlink(&keep, fresh.join(".landcons")).unwrap();
    let before = tree(dir.path());
    refused(&run_demo(&fresh, &[]), 3, &[".landcons"]);
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn a_lock_file_that_is_a_link_or_not_ours_is_refused_and_its_target_kept() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "must not be emptied").unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let lock = out.join(".landcons.lock");
    type Plant = fn(&Path, &Path);
    let cases: [(&str, Plant); 3] = [
        ("symbolic link", |victim, lock| std::os::unix::fs::symlink(victim, lock).unwrap()),
        ("hard link", |victim, lock| std::fs::hard_link(victim, lock).unwrap()),
        ("someone's file", |_, lock| std::fs::write(lock, "notes I keep here\nline two\n").unwrap()),
    ];
    for (what, plant) in cases {
        plant(&victim, &lock);
        let before = tree(dir.path());
        refused(&run_demo(&out, &[]), 3, &[".landcons.lock"]);
        assert_eq!(tree(dir.path()), before, "{what}");
        std::fs::remove_file(&lock).unwrap();
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "must not be emptied");
    demo(&out, &[]);
    assert_eq!(std::fs::read(&lock).unwrap(), b"", "the run's own lock file is left empty");
}

#[test]
fn output_names_that_collide_or_are_reserved_are_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    demo(&out, &[]);
    let cases = [
        ("output.manifest=\"current\"", "output.manifest"),
        ("output.gpkg=\"slope.tif\"", "output.gpkg"),
        ("output.village_csv=\"report.html\"", "output.village_csv"),
        ("output.slope=\"slope_grade.asc\"", "output.slope"),
        ("output.manifest=\"landcons.GPKG\"", "output.manifest"),
        ("output.gpkg=\".landcons\"", "output.gpkg"),
        ("output.gpkg=\"../x.gpkg\"", "output.gpkg"),
    ];
    for (set, key) in cases {
        let before = tree(dir.path());
        refused(&run_demo(&out, &["--set", set]), 2, &[key]);
        assert_eq!(tree(dir.path()), before, "{set}");
    }
}

#[test]
fn a_users_file_where_a_result_goes_is_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    demo(&out, &[]);
    let mine = out.join("report.html");
    std::fs::remove_file(&mine).unwrap();
    std::fs::write(&mine, "<p>my own report</p>").unwrap();
    let before = tree(dir.path());
    refused(&run_demo(&out, &[]), 3, &[&mine.display().to_string(), "--force"]);
    assert_eq!(tree(dir.path()), before);
    // A folder in the way is never replaced, even forced.
    std::fs::remove_file(&mine).unwrap();
    std::fs::create_dir(&mine).unwrap();
    refused(&run_demo(&out, &["--force"]), 3, &[&mine.display().to_string()]);
    std::fs::remove_dir(&mine).unwrap();
    std::fs::write(&mine, "<p>my own report</p>").unwrap();
    demo(&out, &["--force"]);
    assert_eq!(std::fs::read_link(&mine).unwrap(), Path::new("current/report.html"), "replaced by the result's link");
    // A folder of the user's with a file of a result's name and no landcons manifest
    // (not a copy of results): refused too.
    let theirs = dir.path().join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("indicators.xlsx"), "their workbook").unwrap();
    let before = tree(dir.path());
    refused(&run_demo(&theirs, &[]), 3, &["indicators.xlsx"]);
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn an_input_inside_the_output_folder_under_a_result_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // The DEM kept as out/slope.tif: the run would replace it.
    std::fs::copy(repo().join("data/dem.tif"), out.join("slope.tif")).unwrap();
    let pipeline = dir.path().join("p.toml");
    let parcels = repo().join("data/dltb.gpkg");
    std::fs::write(&pipeline, format!("[inputs]\ndem = [\"out/slope.tif\"]\nparcels = \"{}\"\n[output]\ndir = \"out\"\n", parcels.display())).unwrap();
    let before = tree(dir.path());
    refused(&run(&["run", "-q", pipeline.to_str().unwrap()]), 2, &["inputs.dem", "output.slope"]);
    assert_eq!(tree(dir.path()), before);
    // An earlier run's slope raster as the DEM (through the folder's link): refused too.
    std::fs::remove_file(out.join("slope.tif")).unwrap();
    let other = dir.path().join("other");
    demo(&other, &[]);
    std::fs::write(&pipeline, format!("[inputs]\ndem = [\"other/slope.tif\"]\nparcels = \"{}\"\n[output]\ndir = \"elsewhere\"\n", parcels.display())).unwrap();
    refused(&run(&["run", "-q", pipeline.to_str().unwrap()]), 2, &["inputs.dem", "result set"]);
}

#[test]
fn slope_never_writes_over_its_input_a_result_or_a_foreign_file() {
    let dir = tempfile::tempdir().unwrap();
    let dem = dir.path().join("dem.tif");
    std::fs::copy(repo().join("data/dem.tif"), &dem).unwrap();
    let d = dem.to_str().unwrap();
    let before = tree(dir.path());
    refused(&run(&["slope", d, "-o", d]), 2, &["--output", "is the input"]);
    refused(&run(&["slope", d, "-o", &format!("{}/./dem.tif", dir.path().display()), "--force"]), 2, &["is the input"]);
    refused(&run(&["slope", d, "-o", "s.tif", "--grades", d]), 2, &["--grades", "is the input"]);
    assert_eq!(tree(dir.path()), before);
    // A file it did not write: kept unless --force; its own output: replaced freely.
    let foreign = dir.path().join("notes.tif");
    std::fs::write(&foreign, "not a raster of ours").unwrap();
    refused(&run(&["slope", d, "-o", foreign.to_str().unwrap()]), 2, &["--force"]);
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "not a raster of ours");
    let own = dir.path().join("slope.tif");
    for _ in 0..2 {
        let o = run(&["slope", d, "-o", own.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let o = run(&["slope", d, "-o", foreign.to_str().unwrap(), "--force"]);
    assert!(o.status.success(), "{}", text(&o));
    // A published result: never, even forced.
    let out = dir.path().join("out");
    demo(&out, &[]);
    let published = tree(&out);
    refused(&run(&["slope", d, "-o", out.join("slope.tif").to_str().unwrap(), "--force"]), 2, &["result set"]);
    assert_eq!(tree(&out), published);
}

#[test]
fn diff_refuses_inputs_that_are_not_results_and_outputs_it_must_not_replace() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    demo(&a, &[]);
    demo(&b, &["--set", "terrain.grade_breaks=[2.0,6.0,15.0,20.0]"]);
    let (a_s, b_s) = (a.to_str().unwrap(), b.to_str().unwrap());
    // The parcel input is no results GeoPackage: refused, not "0 changes".
    let parcels = repo().join("data/dltb.gpkg");
    refused(&run(&["diff", a_s, parcels.to_str().unwrap()]), 2, &["dltb.gpkg", "not a landcons results GeoPackage"]);
    let before = tree(dir.path());
    for target in [b.join("landcons.gpkg"), b.join("current/landcons.gpkg"), a.join("manifest.json")] {
        refused(&run(&["diff", a_s, b_s, "-o", target.to_str().unwrap(), "--force"]), 2, &["--out"]);
    }
    // A copy of a results GeoPackage elsewhere is still results.
    let copy = dir.path().join("copy.gpkg");
    std::fs::copy(b.join("landcons.gpkg"), &copy).unwrap();
    refused(&run(&["diff", a_s, b_s, "-o", copy.to_str().unwrap(), "--force"]), 2, &["results GeoPackage"]);
    std::fs::remove_file(&copy).unwrap();
    let foreign = dir.path().join("mine.gpkg");
    std::fs::write(&foreign, "my notes").unwrap();
    let before_foreign = tree(dir.path());
    refused(&run(&["diff", a_s, b_s, "-o", foreign.to_str().unwrap()]), 2, &["--force"]);
    assert_eq!(tree(dir.path()), before_foreign);
    std::fs::remove_file(&foreign).unwrap();
    assert_eq!(tree(dir.path()), before);
    // Its own earlier output is replaced without --force.
    let changes = dir.path().join("changes.gpkg");
    for _ in 0..2 {
        let o = run(&["diff", a_s, b_s, "-o", changes.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
    }
}
