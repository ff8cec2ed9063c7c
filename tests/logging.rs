//! Logs for overnight runs (`--log-format json`): every line on stderr is a JSON event;
//! stages start and finish, the long ones report their progress in percent; errors are
//! events too; a run ends with `run_finished` (also with `-q`). And messages a scheduled
//! job's author meets first: `--set` errors and the one-DEM shorthand.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use common::*;
use serde_json::Value;

/// Every line of stderr as a JSON object; panics on a line that is not one.
fn events(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}"));
            assert!(v.is_object(), "not a JSON object: {line}");
            v
        })
        .collect()
}

fn named<'e>(events: &'e [Value], name: &str) -> Vec<&'e Value> {
    events.iter().filter(|e| e["event"] == name).collect()
}

/// `landcons run -q --log-format json` of the demo into `out`, checked to succeed.
fn json_run(out: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["--log-format", "json"];
    args.extend_from_slice(extra);
    let o = run_demo(out, &args);
    assert!(o.status.success(), "{}", text(&o));
    assert!(o.stdout.is_empty(), "-q prints nothing on stdout: {}", text(&o));
    events(&o)
}

/// Stages that can take seconds on a county (10⁵–10⁶ parcels): each must report progress.
const LONG_STAGES: [&str; 11] = ["parcels", "terrain", "topology", "constraints", "zonal", "adjacency", "swap", "merge", "merge_fields", "village_outlines", "output"];

/// Each stage starts once and finishes once, after it started; progress events belong to
/// a stage that is running, rise, and reach 100 % for every long stage.
fn check_stages(events: &[Value]) {
    let mut running: BTreeMap<String, bool> = BTreeMap::new();
    let mut percents: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for e in events {
        let stage = e["stage"].as_str().unwrap_or_default().to_string();
        match e["event"].as_str() {
            Some("stage_started") => assert!(running.insert(stage.clone(), true).is_none(), "{stage} started twice"),
            Some("stage_finished") => {
                assert_eq!(running.insert(stage.clone(), false), Some(true), "{stage} finished without running");
                assert!(e["seconds"].as_f64().is_some_and(|s| s >= 0.0), "{e}");
            }
            Some("progress") => {
                assert_eq!(running.get(&stage), Some(&true), "progress of {stage}, which is not running: {e}");
                percents.entry(stage).or_default().push(e["percent"].as_u64().unwrap());
            }
            _ => {}
        }
    }
    let unfinished: Vec<&String> = running.iter().filter(|(_, r)| **r).map(|(s, _)| s).collect();
    assert!(unfinished.is_empty(), "stages never finished: {unfinished:?}");
    for stage in LONG_STAGES {
        let p = percents.get(stage).unwrap_or_else(|| panic!("no progress events for {stage}: {percents:?}"));
        assert!(p.windows(2).all(|w| w[0] <= w[1]), "{stage}: progress goes back: {p:?}");
        assert_eq!(p.last(), Some(&100), "{stage}: progress never reaches 100 %: {p:?}");
    }
}

#[test]
fn json_logs_have_stage_events_progress_and_a_final_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let first = json_run(&out, &["--set", "terrain.grade_breaks=[2.0,6.0,15.0,20.0]"]);
    check_stages(&first);
    assert!(named(&first, "run_finished")[0]["changes"].is_null(), "a first run has nothing to compare");

    // --no-cache: the slope rasters are computed again, so terrain reports progress too.
    let events = json_run(&out, &["--no-cache"]);
    check_stages(&events);
    let finished = named(&events, "run_finished");
    assert_eq!(finished.len(), 1, "one run_finished event");
    let f = events.last().unwrap();
    assert_eq!(f["event"], "run_finished", "run_finished comes last");
    assert_eq!(f["status"], "success");
    let m = manifest(&out);
    assert_eq!(f["counts"], m["counts"], "the counts are the manifest's");
    assert!(f["counts"]["parcels"].as_u64().unwrap() > 1000);
    assert_eq!(f["warnings"], m["warnings"]);
    let files: Vec<&str> = f["outputs"]["files"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    for name in ["landcons.gpkg", "manifest.json", "report.html", "village_summary.csv"] {
        let path = out.join(name);
        assert!(files.contains(&path.to_str().unwrap()), "{name} not among the outputs {files:?}");
    }
    assert_eq!(f["outputs"]["gpkg"], out.join("landcons.gpkg").to_str().unwrap());
    let changes = &f["changes"];
    assert!(changes["summary"].as_str().is_some_and(|s| s.contains("reforestation")), "{changes}");
    assert!(changes["reforestation"]["removed"].as_u64().unwrap() > 0, "other breaks, other candidates: {changes}");
}

#[test]
fn errors_are_json_events_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.toml");
    std::fs::write(&p, "[inputs]\ndem = [\"nowhere.tif\"]\nparcels = \"p.shp\"\n[output]\ndir = \"out\"\n").unwrap();
    for quiet in [false, true] {
        let mut args = vec!["run", p.to_str().unwrap(), "--log-format", "json"];
        if quiet {
            args.push("-q");
        }
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(o.stdout.is_empty(), "{}", text(&o));
        let events = events(&o);
        let errors = named(&events, "error");
        assert_eq!(errors.len(), 1, "{events:?}");
        assert_eq!(errors[0]["code"], 2);
        assert!(errors[0]["message"].as_str().unwrap().contains("nowhere.tif"), "{}", errors[0]);
        let finished = named(&events, "run_finished");
        assert_eq!(finished.len(), 1, "{events:?}");
        assert_eq!(finished[0]["status"], "failed");
    }
    // A settings error is an event too.
    let demo = repo().join("pipelines/demo.toml");
    let o = run(&["run", demo.to_str().unwrap(), "--log-format", "json", "--set", "run.threads=two"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let events = events(&o);
    let errors = named(&events, "error");
    assert!(errors.len() == 1 && errors[0]["message"].as_str().unwrap().contains("--set run.threads=two"), "{events:?}");
}

#[test]
fn set_errors_name_the_argument_and_say_types_in_words() {
    let demo = repo().join("pipelines/demo.toml");
    for (set, words) in [
        ("run.threads=two", "expected a whole number"),
        ("run.threads=-1", "expected a whole number ≥ 0"),
        ("terrain.z_factor=abc", "expected a number"),
        ("output.gpkg=5", "expected text"),
        ("swap.enabled=maybe", "expected true or false"),
        ("terrain.grade_breaks=x", "expected a list"),
        ("inputs.dem=5", "a list of them"),
    ] {
        let o = run(&["validate", demo.to_str().unwrap(), "-q", "--set", set]);
        assert_eq!(o.status.code(), Some(2), "--set {set}: {}", text(&o));
        let t = text(&o);
        assert!(t.contains(&format!("--set {set}")), "the message names the argument: {t}");
        assert!(t.contains(words), "--set {set}: {words:?} not in {t}");
        assert!(!t.contains("line "), "a --set value has no line in the pipeline file: {t}");
        for jargon in ["usize", "f64", "string", "boolean", "sequence", "untagged"] {
            assert!(!t.contains(jargon), "--set {set}: {jargon:?} in {t}");
        }
    }
}

#[test]
fn a_bad_command_line_is_a_json_event_when_json_was_asked_for() {
    let demo = repo().join("pipelines/demo.toml");
    for format in [&["--log-format", "json"][..], &["--log-format=json"][..]] {
        let mut args = vec!["run", demo.to_str().unwrap(), "--no-such-flag"];
        args.extend_from_slice(format);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let events = events(&o);
        let errors = named(&events, "error");
        assert_eq!(errors.len(), 1, "{events:?}");
        assert_eq!(errors[0]["code"], 2);
        assert!(errors[0]["message"].as_str().unwrap().contains("--no-such-flag"), "{}", errors[0]);
    }
    // Without JSON asked for, clap's own text; help is help either way.
    let o = run(&["run", demo.to_str().unwrap(), "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--no-such-flag") && !String::from_utf8_lossy(&o.stderr).starts_with('{'));
    let o = run(&["run", "--help", "--log-format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Usage"));
}

#[test]
fn one_dem_may_be_given_as_a_path_instead_of_a_list() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.toml");
    let dem = repo().join("data/dem.tif");
    let parcels = repo().join("data/dltb.gpkg");
    std::fs::write(&p, format!("[inputs]\ndem = \"{}\"\nparcels = \"{}\"\n[output]\ndir = \"out\"\n", dem.display(), parcels.display())).unwrap();
    let o = run(&["run", "-q", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let m = manifest(&dir.path().join("out"));
    assert_eq!(m["inputs"]["dem"], serde_json::json!([dem.to_str().unwrap()]), "read as a one-element list");
}
