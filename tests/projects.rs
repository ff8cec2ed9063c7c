//! 项目库 (#31) on real terrain: scripts/projects_region.sh puts the demo's parcels on the
//! Gredos 25 m DEM with every control line (so every rule, and every project type, has
//! candidates), a hazard area around a 拆旧 homestead and 村级片区; the project costs stay
//! at their placeholders. scripts/projects_reference.py recomputes the projects with
//! pandas/shapely from the input parcels, the run's settings and the rules' candidate
//! layers (other tests check those). Checked, against the reference and directly on the
//! GeoPackage: every candidate of every rule is in exactly one project of its type and
//! unit; quantities are the sums of the members; investment = unit cost × area; no phase
//! exceeds either cap; the order follows the stated priority (避险拆旧, 即可恢复, then 新增
//! 耕地 per 万元) and each project takes the earliest phase with room; the funding table
//! reconciles with the projects and the prices; a re-run keeps every id; a changed
//! village changes only its projects (the change report); the same with 村级片区 units.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

fn num(v: &str) -> f64 {
    v.parse().unwrap_or_else(|_| panic!("not a number: {v:?}"))
}

/// 1 mu in m².
const MU: f64 = 666.67;

/// The Python of the tests' virtualenv with geopandas (None outside CI when it is not
/// there; under CI=true its absence fails).
fn python() -> Option<PathBuf> {
    let python = test_python()?;
    let ok = Command::new(&python).args(["-c", "import shapely, geopandas, pandas"]).output().is_ok_and(|o| o.status.success());
    assert!(ok || std::env::var("CI").as_deref() != Ok("true"), "under CI=true: geopandas missing in {} (scripts/setup.sh --tests)", python.display());
    if !ok {
        eprintln!("SKIPPED: geopandas missing in {} (scripts/setup.sh --tests)", python.display());
    }
    ok.then_some(python)
}

struct Region {
    dir: PathBuf,
    pipeline: PathBuf,
    python: PathBuf,
}

/// The region in `dir` (None when the DEM or Python is absent outside CI).
fn region(dir: &Path) -> Option<Region> {
    let dem = shared("dem25-spain/dem25.tif")?;
    let python = python()?;
    let region = dir.join("region");
    tool("bash", &[repo().join("scripts/projects_region.sh").to_str().unwrap(), region.to_str().unwrap(), dem.to_str().unwrap()]);
    Some(Region { pipeline: region.join("pipeline.toml"), dir: region, python })
}

impl Region {
    /// Runs the region's pipeline (with `extra` options) into `out`.
    fn run(&self, out: &Path, extra: &[&str]) {
        let mut args = vec!["run", "-q", self.pipeline.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend(extra);
        let o = run(&args);
        assert!(o.status.success(), "{}", text(&o));
    }

    /// The reference's answer for the results in `out`.
    fn reference(&self, out: &Path) -> Value {
        let json = out.with_extension("reference.json");
        let script = repo().join("scripts/projects_reference.py");
        let o = Command::new(&self.python).args([script.as_path(), self.dir.as_path(), out, json.as_path()]).output().unwrap();
        assert!(o.status.success(), "projects_reference.py: {}", text(&o));
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
    }
}

/// The projects layer's rows by id: every column by name, as text.
fn projects(gpkg: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let columns = [
        "project_id", "type_code", "unit_code", "parcels", "area_m2", "in_mu", "out_mu", "new_cropland_mu", "surplus_mu", "reward_mu", "unit_cost", "investment_wan", "revenue_wan",
        "priority", "rank", "phase",
    ];
    let rows = query(gpkg, &format!("SELECT {} FROM projects", columns.join(", ")));
    rows.into_iter().map(|r| (r[0].clone(), columns.iter().map(|c| c.to_string()).zip(r).collect())).collect()
}

/// Every project row equals the reference's: members, quantities, money, tier, rank, phase.
fn matches_the_reference(gpkg: &Path, r: &Value) {
    let got = projects(gpkg);
    let want = r["projects"].as_object().unwrap();
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "project ids: landcons vs reference");
    for (id, w) in want {
        let g = &got[id];
        let n = |c: &str| num(&g[c]);
        let i = |c: &str| w[c].as_i64().unwrap();
        let mu = |c: &str| i(c) as f64 / 100.0 / MU;
        assert_eq!((g["type_code"].as_str(), g["unit_code"].as_str()), (w["type_code"].as_str().unwrap(), w["unit_code"].as_str().unwrap()), "{id}");
        assert_eq!(n("parcels") as i64, i("parcels"), "{id}: parcels");
        assert!((n("area_m2") - i("area_cm2") as f64 / 100.0).abs() < 0.006, "{id}: area {} vs {}", n("area_m2"), i("area_cm2"));
        for (col, key) in [("in_mu", "in_cm2"), ("out_mu", "out_cm2"), ("new_cropland_mu", "new_cm2"), ("surplus_mu", "surplus_cm2"), ("reward_mu", "reward_cm2")] {
            assert!((n(col) - mu(key)).abs() <= 0.005 + 1e-9, "{id}: {col} {} vs reference {}", n(col), mu(key));
        }
        assert!((n("investment_wan") - i("invest_fen") as f64 / 1e6).abs() < 1e-7, "{id}: investment");
        let revenue = (i("supplement_fen") + i("linkage_fen") + i("reward_fen")) as f64 / 1e6;
        assert!((n("revenue_wan") - revenue).abs() < 1e-7, "{id}: revenue {} vs {revenue}", n("revenue_wan"));
        assert_eq!((n("priority") as i64, n("rank") as i64), (i("tier"), i("rank")), "{id}: tier and rank");
        assert_eq!(g["phase"], w["phase"].as_str().unwrap(), "{id}: phase");
    }
    // The members, one by one, with their side.
    let members: BTreeSet<(String, String, String)> = query(gpkg, "SELECT project_id, parcel_id, coalesce(side, '') FROM project_parcels").into_iter().map(|r| (r[0].clone(), r[1].clone(), r[2].clone())).collect();
    let want: BTreeSet<(String, String, String)> = r["members"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(id, list)| list.as_array().unwrap().iter().map(move |m| (id.clone(), m[0].as_str().unwrap().to_string(), m[1].as_str().unwrap_or("").to_string())))
        .collect();
    assert_eq!(members, want, "project members: landcons vs reference");
}

/// Each type's candidates, from its rule's layers (the supply's parcels of its source too).
const CANDIDATES: [(&str, &str); 9] = [
    ("NZ", "SELECT parcel_id FROM merge_candidates UNION SELECT parcel_id FROM cropland_supply WHERE source = 'consolidation'"),
    ("FG1", "SELECT parcel_id FROM cropland_restore WHERE phase_no = 1"),
    ("FG2", "SELECT parcel_id FROM cropland_restore WHERE phase_no = 2"),
    ("KF", "SELECT parcel_id FROM cropland_develop"),
    ("ZJ", "SELECT parcel_id FROM reclamation_candidates"),
    ("TG", "SELECT parcel_id FROM reforestation_candidates"),
    ("LG", "SELECT parcel_id FROM swap_out UNION SELECT parcel_id FROM swap_in"),
    ("JN", "SELECT parcel_id FROM pbf_out UNION SELECT parcel_id FROM pbf_in"),
    ("ST", "SELECT parcel_id FROM ecological_restoration"),
];

/// Every candidate of every rule is in exactly one project of its type, the one of its
/// unit (`unit_of` its village code); a project's members are its type's candidates.
fn every_candidate_in_one_project(gpkg: &Path, unit_of: &dyn Fn(&str) -> String) {
    let rows = query(gpkg, "SELECT type_code, parcel_id, project_id, village_code FROM project_parcels");
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in &rows {
        *seen.entry((r[0].clone(), r[1].clone())).or_insert(0) += 1;
        assert_eq!(r[2], format!("{}-{}", r[0], unit_of(&r[3])), "parcel {} in the {} project of another unit", r[1], r[0]);
    }
    assert!(seen.values().all(|&n| n == 1), "a parcel in two projects of one type");
    for (kind, sql) in CANDIDATES {
        let candidates: BTreeSet<String> = query(gpkg, sql).into_iter().map(|r| r[0].clone()).collect();
        let members: BTreeSet<String> = seen.keys().filter(|k| k.0 == kind).map(|k| k.1.clone()).collect();
        assert!(!candidates.is_empty(), "the region has no {kind} candidate");
        assert_eq!(members, candidates, "{kind}: project members vs the rule's candidates");
    }
}

/// Each project's quantities are the sums of its members (project_parcels), and its
/// investment its unit cost (the run's setting for its type) × its area in mu.
fn quantities_are_sums_of_members(gpkg: &Path, costs: &Value) {
    let sql = "SELECT p.project_id, p.type_code, p.parcels, p.area_m2, p.in_mu, p.out_mu, p.new_cropland_mu, p.unit_cost, p.investment_wan, \
               count(*), sum(m.area_m2), sum(CASE WHEN m.side = 'in' THEN m.area_m2 ELSE 0.0 END), sum(CASE WHEN m.side = 'out' THEN m.area_m2 ELSE 0.0 END), sum(m.new_cropland_m2) \
               FROM projects p JOIN project_parcels m ON m.project_id = p.project_id GROUP BY p.project_id";
    let keys = [("NZ", "consolidation"), ("FG1", "restore_immediate"), ("FG2", "restore_engineering"), ("KF", "develop"), ("ZJ", "linkage"), ("TG", "reforestation"), ("LG", "swap"), ("JN", "pbf"), ("ST", "eco_restoration")];
    let rows = query(gpkg, sql);
    assert_eq!(rows.len(), num(&query(gpkg, "SELECT count(*) FROM projects")[0][0]) as usize, "every project has members");
    for r in rows {
        let v = |k: usize| num(&r[k]);
        let id = &r[0];
        assert_eq!(v(2), v(9), "{id}: parcels");
        assert!((v(3) - v(10)).abs() < 0.005 * v(9), "{id}: area {} vs members {}", v(3), v(10));
        for (col, sum) in [(4, 11), (5, 12), (6, 13)] {
            assert!((v(col) - v(sum) / MU).abs() <= 0.005 + 1e-6, "{id}: column {col} {} vs members {}", v(col), v(sum) / MU);
        }
        let cost = costs[keys.iter().find(|k| k.0 == r[1]).unwrap().1].as_f64().unwrap();
        assert_eq!(v(7), cost, "{id}: unit cost");
        assert!((v(8) - cost * v(3) / MU / 1e4).abs() < 2e-6, "{id}: investment {} vs {} × {} mu", v(8), cost, v(3) / MU);
    }
}

/// Per phase (not unscheduled): Σ 规模 and Σ investment within the caps.
fn no_phase_exceeds_a_cap(gpkg: &Path, cap_mu: f64, cap_wan: f64) {
    let rows = query(gpkg, "SELECT phase, sum(area_m2), sum(investment_wan), count(*) FROM projects WHERE phase <> 'unscheduled' GROUP BY phase");
    assert!(!rows.is_empty());
    for r in rows {
        assert!(num(&r[1]) / MU <= cap_mu + 1e-6, "phase {}: {} mu over the cap {cap_mu}", r[0], num(&r[1]) / MU);
        assert!(num(&r[2]) <= cap_wan + 1e-6, "phase {}: {} 万元 over the cap {cap_wan}", r[0], num(&r[2]));
    }
}

/// One project as ordered and phased: (id, type code, tier, rank, new cropland cm², investment 分,
/// area cm², phase).
struct Ranked {
    id: String,
    kind: String,
    tier: i64,
    rank: i64,
    new_cm2: i128,
    fen: i128,
    cm2: i128,
    phase: String,
}

/// The projects in rank order, their new cropland summed from their members.
fn ranked(gpkg: &Path) -> Vec<Ranked> {
    let sql = "SELECT p.project_id, p.type_code, p.priority, p.rank, (SELECT sum(new_cropland_m2) FROM project_parcels m WHERE m.project_id = p.project_id), \
               p.investment_wan, p.area_m2, p.phase FROM projects p ORDER BY p.rank";
    let cents = |v: &str, scale: f64| (num(v) * scale).round() as i128;
    query(gpkg, sql)
        .into_iter()
        .map(|r| Ranked { id: r[0].clone(), kind: r[1].clone(), tier: num(&r[2]) as i64, rank: num(&r[3]) as i64, new_cm2: cents(&r[4], 100.0), fen: cents(&r[5], 1e6), cm2: cents(&r[6], 100.0), phase: r[7].clone() })
        .collect()
}

/// The order follows the stated priority: tier 1 避险拆旧 (增减挂钩 only), tier 2 the
/// 即可恢复 projects (all of them), then the rest; every 即可恢复 project before every 工程恢复
/// one; within a tier 新增耕地 per 万元 never increases, equal ratios by id.
fn order_follows_the_priority(p: &[Ranked]) {
    assert_eq!(p.iter().map(|p| p.rank).collect::<Vec<_>>(), (1..=p.len() as i64).collect::<Vec<_>>(), "ranks 1..n");
    assert!(p.windows(2).all(|w| w[0].tier <= w[1].tier), "tiers in rank order");
    assert!(p.iter().any(|p| p.tier == 1), "the hazard area flags a 增减挂钩 project");
    assert!(p.iter().filter(|p| p.tier == 1).all(|p| p.kind == "ZJ"));
    assert!(p.iter().all(|p| (p.tier == 2) == (p.kind == "FG1")), "tier 2 is 复耕（即可恢复）");
    let last_fg1 = p.iter().filter(|p| p.kind == "FG1").map(|p| p.rank).max().unwrap();
    let first_fg2 = p.iter().filter(|p| p.kind == "FG2").map(|p| p.rank).min().unwrap();
    assert!(last_fg1 < first_fg2, "即可恢复 (last rank {last_fg1}) before 工程恢复 (first rank {first_fg2})");
    for w in p.windows(2).filter(|w| w[0].tier == w[1].tier) {
        let (a, b) = (&w[0], &w[1]);
        let (x, y) = (a.new_cm2 * b.fen, b.new_cm2 * a.fen);
        assert!(x > y || (x == y && a.id < b.id), "{} before {}: new/investment {}/{} vs {}/{}", a.id, b.id, a.new_cm2, a.fen, b.new_cm2, b.fen);
    }
}

/// In rank order each project takes the earliest phase whose investment and area stay
/// within the caps with it, never split; unscheduled when there is none.
fn each_takes_the_earliest_phase_with_room(p: &[Ranked], phases: &[String], cap_fen: i128, cap_cm2: i128) {
    let mut used = vec![(0i128, 0i128); phases.len()];
    for q in p {
        let at = (0..phases.len()).find(|&f| used[f].0 + q.fen <= cap_fen && used[f].1 + q.cm2 <= cap_cm2);
        if let Some(f) = at {
            used[f] = (used[f].0 + q.fen, used[f].1 + q.cm2);
        }
        assert_eq!(q.phase, at.map_or("unscheduled".to_string(), |f| phases[f].clone()), "{} (rank {})", q.id, q.rank);
    }
    assert!(p.iter().any(|q| q.phase == "unscheduled"), "the caps leave a project unscheduled");
}

/// funding_balance: each phase's row is the sum of its projects; revenue = 补充耕地 +
/// 节余 + 节余奖励, balance = revenue − investment; the total is the sum of the rows; the
/// revenues are the prices × the quotas (新增耕地 of the types that sell it, the 增减挂钩
/// ledger's 节余 and reward: the 5 % reward is counted).
fn funding_reconciles(gpkg: &Path, prices: &Value) {
    let cols = "phase, projects, investment_wan, supplement_wan, linkage_wan, reward_wan, revenue_wan, balance_wan, balanced";
    let rows: Vec<Vec<String>> = query(gpkg, &format!("SELECT {cols} FROM funding_balance"));
    let (total, phases) = rows.split_last().unwrap();
    assert_eq!(total[0], "total");
    for r in &rows {
        let v = |k: usize| num(&r[k]);
        assert!((v(3) + v(4) + v(5) - v(6)).abs() < 1e-6 && (v(6) - v(2) - v(7)).abs() < 1e-6, "{}: revenue, balance", r[0]);
        assert_eq!(v(8) == 1.0, v(7) >= 0.0, "{}: balanced", r[0]);
    }
    for k in 1..8 {
        let sum: f64 = phases.iter().map(|r| num(&r[k])).sum();
        assert!((sum - num(&total[k])).abs() < 1e-5, "column {k}: rows {sum} vs total {}", total[k]);
    }
    for r in phases {
        let sums = &query(gpkg, &format!("SELECT count(*), coalesce(sum(investment_wan), 0), coalesce(sum(revenue_wan), 0) FROM projects WHERE phase = '{}'", r[0]))[0];
        assert_eq!(num(&sums[0]), num(&r[1]), "{}: projects", r[0]);
        assert!((num(&sums[1]) - num(&r[2])).abs() < 1e-5 && (num(&sums[2]) - num(&r[6])).abs() < 1e-5, "{}: Σ projects {sums:?} vs {r:?}", r[0]);
    }
    let new_m2 = num(&query(gpkg, "SELECT sum(new_cropland_m2) FROM project_parcels WHERE type_code IN ('NZ', 'FG1', 'FG2', 'KF')")[0][0]);
    let supplement = new_m2 / MU * prices["supplement_yuan_per_mu"].as_f64().unwrap() / 1e4;
    let ledger = &query(gpkg, "SELECT surplus_m2, reward_m2 FROM linkage_ledger WHERE level = 'total'")[0];
    let per_mu_wan = prices["linkage_wan_per_mu"].as_f64().unwrap();
    let (linkage, reward) = (num(&ledger[0]) / MU * per_mu_wan, num(&ledger[1]) / MU * per_mu_wan);
    let n = phases.iter().map(|r| num(&r[1])).sum::<f64>();
    for (k, want, what) in [(3, supplement, "补充耕地指标"), (4, linkage, "节余指标"), (5, reward, "节余奖励")] {
        assert!((num(&total[k]) - want).abs() <= 1e-6 * n + 1e-6, "{what}: {} vs price × quota {want}", total[k]);
    }
    assert!(reward > 0.0, "the region's 节余 earns a reward");
}

/// The run's `[projects]` settings (from its manifest).
fn settings(out: &Path) -> Value {
    manifest(out)["settings"]["projects"].clone()
}

#[test]
fn projects_match_the_reference_under_both_caps() {
    let dir = tempfile::tempdir().unwrap();
    let Some(r) = region(dir.path()) else { return };
    // Caps a fifth of all projects' area and investment (four phases cannot hold them all).
    let uncapped = dir.path().join("uncapped");
    r.run(&uncapped, &[]);
    let sums = &query(&uncapped.join("landcons.gpkg"), "SELECT sum(area_m2), sum(investment_wan) FROM projects")[0];
    let (cap_mu, cap_wan) = ((num(&sums[0]) / MU / 5.0).round(), (num(&sums[1]) / 5.0).round());
    let out = dir.path().join("out");
    r.run(&out, &["--set", &format!("projects.phase_cap_mu={cap_mu}"), "--set", &format!("projects.phase_cap_wan={cap_wan}")]);
    let gpkg = out.join("landcons.gpkg");

    matches_the_reference(&gpkg, &r.reference(&out));
    every_candidate_in_one_project(&gpkg, &|village| village.to_string());
    let s = settings(&out);
    quantities_are_sums_of_members(&gpkg, &s["unit_costs"]);
    no_phase_exceeds_a_cap(&gpkg, cap_mu, cap_wan);
    let p = ranked(&gpkg);
    order_follows_the_priority(&p);
    let phases: Vec<String> = s["phases"].as_array().unwrap().iter().map(|y| y.to_string()).collect();
    each_takes_the_earliest_phase_with_room(&p, &phases, (cap_wan * 1e6).round() as i128, (cap_mu * 66_667.0).round() as i128);
    funding_reconciles(&gpkg, &s["prices"]);
    // Without the caps every project is in the first phase.
    let first = query(&uncapped.join("landcons.gpkg"), "SELECT DISTINCT phase FROM projects");
    assert_eq!(first, [[phases[0].clone()]]);
    // The region leaves the costs at their placeholders: the run says so.
    let warned = manifest(&out)["warnings"].as_array().unwrap().iter().any(|w| w["code"] == "projects_placeholder");
    assert!(warned, "placeholder costs warn");
}

/// A re-run with unchanged inputs keeps every id (and the change report has no project
/// change); a changed village — its 工程恢复 parcels now 即可恢复, as a survey update would
/// say — changes only its own projects.
#[test]
fn a_rerun_keeps_every_id_and_a_changed_village_changes_only_its_projects() {
    let dir = tempfile::tempdir().unwrap();
    let Some(r) = region(dir.path()) else { return };
    let out = dir.path().join("out");
    let gpkg = out.join("landcons.gpkg");
    r.run(&out, &[]);
    let before = projects(&gpkg);
    r.run(&out, &[]);
    assert_eq!(projects(&gpkg), before, "a re-run keeps every project, id and figure");
    let changes = &manifest(&out)["changes"]["projects"];
    assert_eq!((changes["added"].as_u64(), changes["removed"].as_u64(), changes["changed"].as_u64()), (Some(0), Some(0), Some(0)), "{changes}");

    let village = "5002301002020000000";
    let parcels = r.dir.join("parcels.gpkg");
    let n = num(&query(&parcels, &format!("SELECT count(*) FROM DLTB WHERE ZLDWDM = '{village}' AND HFSX = '工程恢复'"))[0][0]);
    assert!(n > 0.0, "the village has 工程恢复 parcels");
    execute(&parcels, &format!("UPDATE DLTB SET HFSX = '即可恢复' WHERE ZLDWDM = '{village}' AND HFSX = '工程恢复'"));
    r.run(&out, &[]);
    let after = projects(&gpkg);
    let listed = query(&gpkg, "SELECT project_id, change FROM changes_projects");
    assert!(!listed.is_empty(), "the change report lists the village's projects");
    for c in &listed {
        assert!(c[0].ends_with(&format!("-{village}")), "{} {} outside the changed village", c[0], c[1]);
    }
    // Every other project is as it was, figure for figure (its rank aside: a rank follows
    // the others'); the change report names exactly the village's projects that changed.
    let (before, after) = (figures(&before), figures(&after));
    let differ: BTreeSet<&String> = before.keys().chain(after.keys()).filter(|id| before.get(*id) != after.get(*id)).collect();
    assert!(differ.iter().all(|id| id.ends_with(village)), "projects outside the village changed: {differ:?}");
    let reported: BTreeSet<&String> = listed.iter().map(|c| &c[0]).collect();
    assert_eq!(reported, differ, "the change report names the village's changed projects");
}

/// The projects' rows without their rank.
fn figures(rows: &BTreeMap<String, BTreeMap<String, String>>) -> BTreeMap<String, BTreeMap<String, String>> {
    rows.iter().map(|(id, r)| (id.clone(), r.iter().filter(|(c, _)| *c != "rank").map(|(c, v)| (c.clone(), v.clone())).collect())).collect()
}

/// `projects.unit = "cluster"`: one project per type and 村级片区 (villages not listed in
/// 未分片区), ids from the cluster, matching the reference.
#[test]
fn village_clusters_are_units_too() {
    let dir = tempfile::tempdir().unwrap();
    let Some(r) = region(dir.path()) else { return };
    let out = dir.path().join("out");
    r.run(&out, &["--set", "projects.unit=cluster"]);
    let gpkg = out.join("landcons.gpkg");
    matches_the_reference(&gpkg, &r.reference(&out));
    let clusters = manifest(&out)["settings"]["villages"]["clusters"].clone();
    let unit_of = |village: &str| clusters.get(village).and_then(Value::as_str).unwrap_or("未分片区").to_string();
    every_candidate_in_one_project(&gpkg, &unit_of);
    let units: BTreeSet<String> = query(&gpkg, "SELECT DISTINCT unit_code FROM projects").into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(units, ["东片区", "西片区", "未分片区"].map(String::from).into_iter().collect());
    quantities_are_sums_of_members(&gpkg, &settings(&out)["unit_costs"]);
    funding_reconciles(&gpkg, &settings(&out)["prices"]);
}

/// The demo ships example costs and prices: its runs do not warn about placeholders.
#[test]
fn the_demo_runs_with_example_costs_and_no_placeholder_warning() {
    let out = tempfile::tempdir().unwrap();
    let o = run_demo(out.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("placeholder"), "{}", text(&o));
    let m = manifest(out.path());
    assert!(m["warnings"].as_array().unwrap().iter().all(|w| w["code"] != "projects_placeholder"));
    assert_ne!(m["settings"]["projects"]["unit_costs"]["consolidation"], serde_json::json!(3000.0), "the demo sets its own costs");
    assert!(m["counts"]["projects"].as_u64().unwrap() > 0);
}
