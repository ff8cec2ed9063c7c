//! Overlapping parcels on a real layer with delivery defects (scripts/topology_sample.sh:
//! Cambodian plots with duplicates, a parent polygon and redrawn outlines) against
//! shapely (fixtures by scripts/topology_reference.py): every overlapping pair is
//! reported with its kind and area, none extra, and none of them is a neighbour.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::*;

/// Rows of a fixture CSV keyed by the sorted id pair.
fn fixture(name: &str) -> BTreeMap<(String, String), Vec<String>> {
    std::fs::read_to_string(repo().join("tests/fixtures/topology").join(name))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let v: Vec<String> = l.split(',').map(str::to_string).collect();
            ((v[0].clone(), v[1].clone()), v[2..].to_vec())
        })
        .collect()
}

fn sorted_pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

/// The defective layer, or None when the shared data is absent.
fn defective_layer(dir: &Path) -> Option<PathBuf> {
    let src = shared("parcels-fiboa/4_cambodia_areas.gpkg")?;
    let out = dir.join("defects.gpkg");
    tool("bash", &[repo().join("scripts/topology_sample.sh").to_str().unwrap(), src.to_str().unwrap(), out.to_str().unwrap()]);
    Some(out)
}

fn run_on(dir: &Path, layer: &Path, extra: &[&str]) -> (std::process::Output, PathBuf) {
    let dem = shared("dem25-spain/dem25.tif").unwrap();
    let p = dir.join("p.toml");
    std::fs::write(&p, format!("[inputs]\ndem = [\"{}\"]\nparcels = \"{}\"\n[output]\ndir = \"out\"\n", dem.display(), layer.display())).unwrap();
    let mut args = vec!["run", "-q", p.to_str().unwrap()];
    args.extend_from_slice(extra);
    (run(&args), dir.join("out"))
}

#[test]
fn overlapping_pairs_match_shapely_and_are_never_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    let Some(layer) = defective_layer(dir.path()) else { return };
    let (o, out) = run_on(dir.path(), &layer, &["--set", "merge.tolerance_m=0"]);
    assert!(o.status.success(), "{}", text(&o));
    let expected = fixture("overlaps.csv");
    assert_eq!(expected.len(), 61);
    assert!(text(&o).contains("61 overlapping parcel pairs"), "said on stderr: {}", text(&o));
    let gpkg = out.join("landcons.gpkg");
    let found: BTreeMap<(String, String), (String, f64)> = query(
        &gpkg,
        "SELECT id_a, id_b, kind, area_m2 FROM topology_issues WHERE kind IN ('duplicate', 'contains', 'overlap')",
    )
    .into_iter()
    .map(|r| (sorted_pair(&r[0], &r[1]), (r[2].clone(), r[3].parse().unwrap())))
    .collect();
    assert_eq!(found.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "the same pairs as shapely");
    for (pair, (kind, area)) in &found {
        let e = &expected[pair];
        assert_eq!(kind, &e[0], "{pair:?}");
        let reference: f64 = e[1].parse().unwrap();
        assert!((area - reference).abs() <= 1e-3 * reference, "{pair:?}: {area} m² vs shapely {reference} m²");
    }
    assert_eq!(manifest(&out)["counts"]["overlapping_pairs"], 61);

    // Adjacency: shapely's touching pairs, with their lengths; never an overlapping pair.
    let touches = fixture("touches.csv");
    let adjacency: BTreeMap<(String, String), f64> = query(&gpkg, "SELECT id_a, id_b, shared_m FROM adjacency")
        .into_iter()
        .map(|r| (sorted_pair(&r[0], &r[1]), r[2].parse().unwrap()))
        .collect();
    for (pair, v) in &touches {
        let length: f64 = v[1].parse().unwrap();
        if v[0] == "touches" {
            let ours = adjacency.get(pair).unwrap_or_else(|| panic!("{pair:?} touches in shapely but is not adjacent"));
            assert!((ours - length).abs() <= 1e-6 * length.max(1.0), "{pair:?}: {ours} vs {length}");
        }
    }
    let allowed: BTreeSet<&(String, String)> = touches.keys().collect();
    for pair in adjacency.keys() {
        assert!(!expected.contains_key(pair), "{pair:?} overlaps and must not be a neighbour");
        assert!(allowed.contains(pair), "{pair:?} is adjacent but neither touches nor is a sliver in shapely");
    }
}

#[test]
fn overlaps_can_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let Some(layer) = defective_layer(dir.path()) else { return };
    let (o, out) = run_on(dir.path(), &layer, &["--set", "topology.overlaps=error"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("61 overlapping parcel pairs") && text(&o).contains("defects.gpkg"), "{}", text(&o));
    assert!(!out.join("landcons.gpkg").exists());
}
