//! Change reports: `landcons diff` and the comparison a run makes with the results it
//! replaces, against survey edits whose effect on the candidates is known.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;

fn run_ok(args: &[&str]) {
    let o = run(args);
    assert!(o.status.success(), "{}", text(&o));
}

/// (parcel id, change) pairs of a change layer.
fn change_set(gpkg: &Path, layer: &str) -> BTreeSet<(String, String)> {
    query(gpkg, &format!("SELECT parcel_id, change FROM {layer}"))
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect()
}

fn ids(gpkg: &Path, sql: &str) -> Vec<String> {
    query(gpkg, sql).into_iter().map(|r| r[0].clone()).collect()
}

/// Merge-candidate changes computed independently from the two layers: added, removed,
/// or changed (grade, area, or the set of the parcel's group partners).
fn expected_merge_changes(old: &Path, new: &Path) -> BTreeSet<(String, String)> {
    let read = |p: &Path| -> std::collections::BTreeMap<String, (String, String, String)> {
        let rows = query(
            p,
            "SELECT m.parcel_id, m.grade, m.area_m2, \
             (SELECT group_concat(parcel_id) FROM (SELECT o.parcel_id FROM merge_candidates o \
               WHERE o.group_id = m.group_id AND o.parcel_id <> m.parcel_id ORDER BY o.parcel_id)) \
             FROM merge_candidates m",
        );
        rows.into_iter()
            .map(|r| (r[0].clone(), (r[1].clone(), r[2].clone(), r[3].clone())))
            .collect()
    };
    let (a, b) = (read(old), read(new));
    let mut out = BTreeSet::new();
    for (id, va) in &a {
        match b.get(id) {
            None => {
                out.insert((id.clone(), "removed".to_string()));
            }
            Some(vb) if vb != va => {
                out.insert((id.clone(), "changed".to_string()));
            }
            _ => {}
        }
    }
    for id in b.keys().filter(|id| !a.contains_key(*id)) {
        out.insert((id.clone(), "added".to_string()));
    }
    out
}

#[test]
fn diff_reports_exactly_the_survey_edits() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let parcels = w.join("dltb.gpkg");
    std::fs::copy(repo().join("data/dltb.gpkg"), &parcels).unwrap();
    let pipeline = sample_pipeline(w, &parcels);
    let (before, after) = (w.join("before"), w.join("out"));
    run_ok(&[
        "run",
        "-q",
        pipeline.to_str().unwrap(),
        "--out",
        before.to_str().unwrap(),
    ]);
    assert!(
        manifest(&before)["changes"].is_null(),
        "a first run has nothing to compare"
    );
    // The scheduled re-run replaces these results: a copy of the visible files (as a
    // user copies a results folder), which the run takes as its earlier result set.
    std::fs::create_dir_all(&after).unwrap();
    for e in std::fs::read_dir(&before).unwrap() {
        let e = e.unwrap();
        if e.path().is_file() && !e.file_name().to_string_lossy().starts_with('.') {
            std::fs::copy(e.path(), after.join(e.file_name())).unwrap();
        }
    }
    let old_gpkg = before.join("landcons.gpkg");

    // Pick the parcels to edit from the first results.
    let pair = query(
        &old_gpkg,
        "SELECT a.id_a, a.id_b FROM adjacency a \
         JOIN reforestation_candidates c1 ON c1.parcel_id = a.id_a \
         JOIN reforestation_candidates c2 ON c2.parcel_id = a.id_b \
         ORDER BY a.shared_m DESC, a.id_a LIMIT 1",
    );
    let (keep, absorbed) = (pair[0][0].clone(), pair[0][1].clone());
    let others = ids(
        &old_gpkg,
        &format!(
            "SELECT parcel_id FROM reforestation_candidates WHERE parcel_id NOT IN ('{keep}', '{absorbed}') ORDER BY area_m2 DESC, parcel_id"
        ),
    );
    let (split, recoded, deleted) = (&others[0], &others[1..3], &others[3]);
    let forest = &ids(
        &old_gpkg,
        "SELECT BSM FROM parcels WHERE grade = 5 AND DLBM LIKE '03%' ORDER BY area_m2 DESC, BSM LIMIT 1",
    )[0];
    let new_half = "500230299999999999";
    // Two merge plots in different groups: one deleted, one re-coded as forest.
    let merge_plots = query(
        &old_gpkg,
        "SELECT parcel_id, group_id FROM merge_candidates ORDER BY group_id, parcel_id",
    );
    let merge_deleted = merge_plots[0][0].clone();
    let merge_recoded = merge_plots
        .iter()
        .find(|r| r[1] != merge_plots[0][1])
        .map(|r| r[0].clone())
        .unwrap();
    execute(
        &parcels,
        &format!("UPDATE DLTB SET DLBM = '0301', DLMC = '乔木林地' WHERE BSM = '{merge_recoded}'"),
    );
    execute(
        &parcels,
        &format!("DELETE FROM DLTB WHERE BSM = '{merge_deleted}'"),
    );

    // The survey update: re-coded, split, merged, deleted parcels.
    for id in recoded {
        execute(
            &parcels,
            &format!("UPDATE DLTB SET DLBM = '0301', DLMC = '乔木林地' WHERE BSM = '{id}'"),
        );
    }
    execute(
        &parcels,
        &format!("UPDATE DLTB SET DLBM = '0103', DLMC = '旱地' WHERE BSM = '{forest}'"),
    );
    let half = |left: bool| {
        let (x0, x1) = if left {
            ("ST_MinX(geom)", "(ST_MinX(geom) + ST_MaxX(geom)) / 2")
        } else {
            ("(ST_MinX(geom) + ST_MaxX(geom)) / 2", "ST_MaxX(geom)")
        };
        format!("ST_Intersection(geom, BuildMbr({x0}, ST_MinY(geom), {x1}, ST_MaxY(geom)))")
    };
    execute(
        &parcels,
        &format!(
            "INSERT INTO DLTB (geom, BSM, DLBM, DLMC, QSXZ, QSDWDM, QSDWMC, ZLDWDM, ZLDWMC, GDLX, GDPDJB) \
             SELECT {}, '{new_half}', DLBM, DLMC, QSXZ, QSDWDM, QSDWMC, ZLDWDM, ZLDWMC, GDLX, GDPDJB FROM DLTB WHERE BSM = '{split}'",
            half(false)
        ),
    );
    execute(
        &parcels,
        &format!(
            "UPDATE DLTB SET geom = {} WHERE BSM = '{split}'",
            half(true)
        ),
    );
    execute(
        &parcels,
        &format!(
            "UPDATE DLTB SET geom = (SELECT ST_Union(a.geom, b.geom) FROM DLTB a, DLTB b \
             WHERE a.BSM = '{keep}' AND b.BSM = '{absorbed}') WHERE BSM = '{keep}'"
        ),
    );
    execute(
        &parcels,
        &format!("DELETE FROM DLTB WHERE BSM IN ('{absorbed}', '{deleted}')"),
    );

    run_ok(&["run", "-q", pipeline.to_str().unwrap()]);
    let new_gpkg = after.join("landcons.gpkg");
    let changes_gpkg = w.join("changes.gpkg");
    let o = run(&[
        "diff",
        before.to_str().unwrap(),
        after.to_str().unwrap(),
        "-o",
        changes_gpkg.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();

    // Reforestation depends only on each parcel itself: the changes are exactly the edits.
    let now_candidate = |id: &str| {
        !ids(
            &new_gpkg,
            &format!("SELECT parcel_id FROM reforestation_candidates WHERE parcel_id = '{id}'"),
        )
        .is_empty()
    };
    assert!(
        now_candidate(forest),
        "steep forest re-coded as dry land becomes a candidate"
    );
    let mut expected = BTreeSet::new();
    let mut expect = |id: &str, kind: &str| {
        expected.insert((id.to_string(), kind.to_string()));
    };
    for id in recoded {
        expect(id, "removed");
    }
    expect(deleted, "removed");
    expect(&absorbed, "removed");
    expect(forest, "added");
    for id in [split.as_str(), keep.as_str()] {
        expect(
            id,
            if now_candidate(id) {
                "changed"
            } else {
                "removed"
            },
        );
    }
    if now_candidate(new_half) {
        expect(new_half, "added");
    }
    let reported = change_set(&changes_gpkg, "changes_reforestation");
    eprintln!("expected reforestation changes: {expected:?}");
    assert_eq!(reported, expected);
    assert_eq!(
        change_set(&new_gpkg, "changes_reforestation"),
        expected,
        "the run's own comparison agrees with landcons diff"
    );
    for id in [split.as_str(), keep.as_str()]
        .into_iter()
        .filter(|id| now_candidate(id))
    {
        let detail = query(
            &changes_gpkg,
            &format!("SELECT detail FROM changes_reforestation WHERE parcel_id = '{id}'"),
        );
        assert!(detail[0][0].contains("area"), "{id}: {}", detail[0][0]);
    }

    // Merge groups react to their neighbourhood: compare with an independent reading of
    // both merge_candidates layers, and the edited merge plots are among the changes.
    let merge = change_set(&changes_gpkg, "changes_merge");
    eprintln!("merge changes: {merge:?}");
    assert_eq!(merge, expected_merge_changes(&old_gpkg, &new_gpkg));
    assert_eq!(change_set(&new_gpkg, "changes_merge"), merge);
    let old_merge: BTreeSet<String> = ids(&old_gpkg, "SELECT parcel_id FROM merge_candidates")
        .into_iter()
        .collect();
    for id in [&merge_deleted, &merge_recoded] {
        assert!(old_merge.contains(id));
        assert!(
            merge.contains(&(id.to_string(), "removed".to_string())),
            "{id}"
        );
    }
    // Their former partners lost a member: their groups changed or dissolved.
    let partners = ids(
        &old_gpkg,
        &format!("SELECT parcel_id FROM merge_candidates WHERE group_id = {} AND parcel_id <> '{merge_deleted}'", merge_plots[0][1]),
    );
    assert!(!partners.is_empty());
    for p in &partners {
        assert!(
            merge.iter().any(|(id, _)| id == p),
            "partner {p} of a deleted plot not reported"
        );
    }

    // The summary counts agree with the layers, and with the run's manifest.
    let count = |set: &BTreeSet<(String, String)>, kind: &str| {
        set.iter().filter(|(_, k)| k == kind).count()
    };
    for kind in ["added", "removed", "changed"] {
        assert_eq!(
            summary["reforestation"][kind],
            count(&reported, kind),
            "{kind}"
        );
        assert_eq!(summary["merge"][kind], count(&merge, kind), "{kind}");
    }
    let m = manifest(&after);
    assert_eq!(m["changes"]["reforestation"], summary["reforestation"]);
    assert_eq!(m["changes"]["merge"], summary["merge"]);

    // Village deltas: the totals row's delta equals the change in candidate counts.
    let total = query(
        &changes_gpkg,
        "SELECT reforestation_delta, merge_plots_delta FROM changes_villages WHERE village_code = ''",
    );
    let n = |gpkg: &Path, layer: &str| {
        query(gpkg, &format!("SELECT count(*) FROM {layer}"))[0][0]
            .parse::<i64>()
            .unwrap()
    };
    assert_eq!(
        total[0][0].parse::<i64>().unwrap(),
        n(&new_gpkg, "reforestation_candidates") - n(&old_gpkg, "reforestation_candidates")
    );
    assert_eq!(
        total[0][1].parse::<i64>().unwrap(),
        n(&new_gpkg, "merge_candidates") - n(&old_gpkg, "merge_candidates")
    );
    let villages = query(
        &changes_gpkg,
        "SELECT count(*) FROM changes_villages WHERE village_code <> ''",
    );
    assert_eq!(summary["villages_changed"].to_string(), villages[0][0]);
}

#[test]
fn an_unchanged_rerun_reports_no_changes() {
    let work = tempfile::tempdir().unwrap();
    let pipeline = sample_pipeline(work.path(), &repo().join("data/dltb.gpkg"));
    run_ok(&["run", "-q", pipeline.to_str().unwrap()]);
    let out = work.path().join("out");
    let layers = query(
        &out.join("landcons.gpkg"),
        "SELECT table_name FROM gpkg_contents WHERE table_name LIKE 'changes%'",
    );
    assert!(
        layers.is_empty(),
        "no change layers on a first run: {layers:?}"
    );
    let o = run(&["run", pipeline.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("reforestation candidates: 0 added, 0 removed, 0 changed"),
        "{}",
        text(&o)
    );
    let m = manifest(&out);
    for part in ["reforestation", "merge"] {
        for kind in ["added", "removed", "changed"] {
            assert_eq!(m["changes"][part][kind], 0, "{part} {kind}");
        }
    }
    let gpkg = out.join("landcons.gpkg");
    for layer in ["changes_reforestation", "changes_merge"] {
        assert_eq!(
            query(&gpkg, &format!("SELECT count(*) FROM {layer}"))[0][0],
            "0"
        );
    }
    // A results folder compared with itself, and a bad argument.
    let o = run(&[
        "diff",
        out.to_str().unwrap(),
        gpkg.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&[
        "diff",
        out.to_str().unwrap(),
        work.path().join("nothing").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("nothing"), "{}", text(&o));
}
