//! The command line: the demo pipeline end to end, validate, help and errors.

mod common;

use common::*;
use gdal::vector::LayerAccess;

#[test]
fn demo_pipeline_runs_and_writes_readable_outputs() {
    let out = tempfile::tempdir().unwrap();
    let o = run(&[
        "run",
        repo().join("pipelines/demo.toml").to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        o.stdout.is_empty(),
        "--quiet prints nothing on success: {}",
        text(&o)
    );

    let gpkg = gdal::Dataset::open(out.path().join("landcons.gpkg")).unwrap();
    let names: Vec<String> = gpkg.layers().map(|l| l.name()).collect();
    for l in ["parcels", "reforestation_candidates", "village_summary"] {
        assert!(names.contains(&l.to_string()), "{l} missing from {names:?}");
    }
    let parcels = gpkg.layer_by_name("parcels").unwrap();
    let input = gdal::Dataset::open(repo().join("data/dltb.gpkg")).unwrap();
    assert_eq!(
        parcels.feature_count(),
        input.layer(0).unwrap().feature_count(),
        "every input parcel is in the output"
    );
    assert!(
        gpkg.layer_by_name("reforestation_candidates")
            .unwrap()
            .feature_count()
            > 0
    );

    let (c, r, slope, nd) = read_raster(&out.path().join("slope.tif"));
    assert_eq!((c, r), (600, 480));
    assert_eq!(nd, Some(-9999.0));
    assert!(slope.iter().any(|v| *v > 25.0));
    let (_, _, grades, _) = read_raster(&out.path().join("slope_grade.tif"));
    assert!(grades.iter().all(|g| *g <= 5.0));

    let csv = std::fs::read_to_string(out.path().join("village_summary.csv")).unwrap();
    assert!(
        csv.starts_with('\u{feff}'),
        "CSV starts with a BOM for Excel"
    );
    assert!(csv.contains("村"), "Chinese village names in the CSV");
    let manifest = manifest(out.path());
    assert_eq!(manifest["status"], "success");
    assert!(manifest["counts"]["parcels"].as_u64().unwrap() > 1000);
    // No other result set, temporary file or held lock is left behind; the result set
    // holds the zonal cache beside the results.
    assert_eq!(leftovers(out.path()), Vec::<String>::new());
    assert!(out.path().join("current/.landcons-zonal-cache").is_file());
}

#[test]
fn validate_reports_inputs_without_writing() {
    let o = run(&[
        "validate",
        repo().join("pipelines/demo.toml").to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("600×480 cells") && t.contains("features"), "{t}");
    assert!(t.contains("GBK"), "the sample's encoding is reported: {t}");
}

#[test]
fn unknown_key_fails_with_a_suggestion_and_the_bad_input_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(
        &p,
        "[inputs]\ndem = [\"d.tif\"]\nparcels = \"p.shp\"\n[terrain]\nalgoritm = \"horn\"\n",
    )
    .unwrap();
    let o = run(&["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(
        t.contains("terrain.algoritm")
            && t.contains("did you mean `algorithm`")
            && t.contains("line 5"),
        "{t}"
    );
}

#[test]
fn missing_dem_names_the_path_and_touches_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.toml");
    std::fs::write(
        &p,
        "[inputs]\ndem = [\"nowhere.tif\"]\nparcels = \"p.shp\"\n[output]\ndir = \"out\"\n",
    )
    .unwrap();
    let o = run(&["run", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("nowhere.tif"), "{}", text(&o));
    assert!(
        !dir.path().join("out").exists(),
        "no output folder for a run that could not start"
    );
}

#[test]
fn help_explains_every_subcommand() {
    for (cmd, words) in [
        ("run", &["--out", "--set", "--threads", "--quiet"][..]),
        ("validate", &["PIPELINE"][..]),
        (
            "synth",
            &["--seed", "--cols", "--parcels", "--cell-size"][..],
        ),
        ("slope", &["--grades", "--alg", "--z-factor"][..]),
    ] {
        let o = run(&[cmd, "--help"]);
        assert!(o.status.success());
        let t = text(&o);
        for w in words {
            assert!(t.contains(w), "`landcons {cmd} --help` lacks {w}: {t}");
        }
    }
}

/// Every command validates its options as `run` validates a pipeline file: no panic, no
/// all-zero raster, a message naming the option.
#[test]
fn bad_options_of_slope_and_synth_are_errors_naming_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let dem = repo().join("data/dem.tif");
    for z in ["0", "-2", "NaN"] {
        let out = dir.path().join(format!("slope_{z}.tif"));
        let o = run(&["slope", dem.to_str().unwrap(), "-o", out.to_str().unwrap(), &format!("--z-factor={z}")]);
        assert_eq!(o.status.code(), Some(2), "--z-factor={z}: {}", text(&o));
        assert!(text(&o).contains("--z-factor") && text(&o).contains("must be > 0"), "{}", text(&o));
        assert!(!out.exists(), "no raster from a rejected option");
    }
    for share in ["-1", "1.5"] {
        let o = run(&["synth", "-q", "-o", dir.path().join("s").to_str().unwrap(), &format!("--steep-share={share}")]);
        assert_eq!(o.status.code(), Some(2), "--steep-share={share}: {}", text(&o));
        assert!(text(&o).contains("--steep-share") && !text(&o).contains("panicked"), "{}", text(&o));
    }
}

/// What `landcons run` prints on success: a stage column as wide as the longest stage name
/// (village_outlines), the output folder without `x/..`, and a constraint named after its
/// role named once.
#[test]
fn the_run_summary_is_aligned_and_names_things_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("x")).unwrap();
    let out = dir.path().join("x/../out");
    let pipeline = repo().join("pipelines/demo.toml");
    let o = run(&["run", pipeline.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stages: Vec<&str> = stdout.lines().filter(|l| l.starts_with("  ") && l.ends_with(" s")).collect();
    assert!(stages.iter().any(|l| l.contains("village_outlines")) && stages.len() > 10, "{stdout}");
    // Every timing ends in the same column: the names are padded to the longest.
    let ends: std::collections::BTreeSet<usize> = stages.iter().map(|l| l.chars().count()).collect();
    assert_eq!(ends.len(), 1, "stage lines of different widths: {stdout}");
    let folder = dir.path().join("out");
    assert!(stdout.contains(&format!("outputs in {}:\n", folder.display())), "{stdout}");
    assert!(stdout.contains("audit basic_farmland: ") && !stdout.contains("(basic_farmland)"), "{stdout}");
}
