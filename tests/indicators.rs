//! 规划指标分解表 and 增减挂钩 on the demo, against pandas and shapely
//! (scripts/indicators_reference.py): the current columns equal the pandas sums per
//! village and class; the planned columns equal the current ones moved by exactly the
//! plan's candidates; cluster rows and the total add up to the cm² and as printed; the
//! settlement clusters equal shapely's; the linkage ledger adds up; and every sheet of
//! indicators.xlsx, read back by openpyxl, holds what the CSVs hold.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use common::*;

const CLASSES: [&str; 8] = ["cropland", "basic_farmland", "garden", "forest", "grassland", "wetland", "construction", "other"];

fn num(v: &str) -> f64 {
    v.parse().unwrap_or_else(|_| panic!("not a number: {v:?}"))
}

fn fixture(name: &str) -> Vec<BTreeMap<String, String>> {
    let path = repo().join("tests/fixtures").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines.map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_string)).collect()).collect()
}

/// The indicator table as a map code → column → value.
fn table(gpkg: &Path) -> BTreeMap<String, BTreeMap<String, f64>> {
    let mut cols = Vec::new();
    for c in CLASSES {
        for s in ["current_m2", "planned_m2", "current_calc_m2", "planned_calc_m2", "current_ha", "planned_ha", "current_mu", "planned_mu"] {
            cols.push(format!("{c}_{s}"));
        }
    }
    let sql = format!("SELECT level || ':' || code, {} FROM indicators", cols.join(", "));
    query(gpkg, &sql)
        .into_iter()
        .map(|r| (r[0].clone(), cols.iter().cloned().zip(r[1..].iter().map(|v| num(v))).collect()))
        .collect()
}

/// What the plan does to each changed parcel: "forest" or "cropland".
fn plan_moves(gpkg: &Path) -> HashMap<String, &'static str> {
    let mut moves = HashMap::new();
    // 复耕 and 未利用地开发 (before the swap), 生态修复 (inside 增减挂钩, before 拆旧).
    for r in query(gpkg, "SELECT parcel_id FROM cropland_restore UNION SELECT parcel_id FROM cropland_develop") {
        moves.insert(r[0].clone(), "cropland");
    }
    for r in query(gpkg, "SELECT parcel_id, target_class FROM ecological_restoration") {
        moves.insert(r[0].clone(), match r[1].as_str() {
            "grassland" => "grassland",
            "wetland" => "wetland",
            _ => "forest",
        });
    }
    for r in query(gpkg, "SELECT parcel_id, direction FROM reclamation_candidates") {
        moves.insert(r[0].clone(), if r[1] == "宜耕" { "cropland" } else { "forest" });
    }
    for r in query(gpkg, "SELECT parcel_id FROM swap_in") {
        moves.insert(r[0].clone(), "cropland");
    }
    for r in query(gpkg, "SELECT parcel_id FROM reforestation_candidates UNION SELECT parcel_id FROM swap_out") {
        moves.insert(r[0].clone(), "forest");
    }
    moves
}

/// Merged plots (`parcels.merge_group`): 土地整理 recovers half of their 田坎.
fn merged(gpkg: &Path) -> std::collections::HashSet<String> {
    query(gpkg, "SELECT BSM FROM parcels WHERE merge_group > 0").into_iter().map(|r| r[0].clone()).collect()
}

/// Expected planned official and computed sums per village and class: each parcel's
/// current figures (pandas), moved to its planned class; cropland that stays keeps its
/// 田坎 deduction less the half 土地整理 recovers on merged plots (rounded to the cm²),
/// land coming in or leaving counts whole.
fn expected_planned(moves: &HashMap<String, &str>, merged: &std::collections::HashSet<String>) -> BTreeMap<(String, String), (f64, f64)> {
    let mut out: BTreeMap<(String, String), (f64, f64)> = BTreeMap::new();
    for p in fixture("indicators/demo_parcels.csv") {
        let class = p["class"].as_str();
        let planned = moves.get(&p["id"]).copied().unwrap_or(class);
        let deduction_cm2 = ((num(&p["official_m2"]) - num(&p["net_m2"])) * 100.0).round();
        let recovered = if class == "cropland" && planned == class && merged.contains(&p["id"]) { (deduction_cm2 * 0.5).round() / 100.0 } else { 0.0 };
        let official = if planned == class { num(&p["net_m2"]) + recovered } else { num(&p["official_m2"]) };
        for code in [p["village_code"].clone(), "total".to_string()] {
            let e = out.entry((code, planned.to_string())).or_default();
            e.0 += official;
            e.1 += num(&p["computed_m2"]);
        }
    }
    out
}

/// Expected planned 永久基本农田 per village and in total: each parcel's current share
/// (pandas), but none for 调出 and all its official area for 调入 (`parcels.pbf`).
fn expected_planned_basic_farmland(gpkg: &Path) -> BTreeMap<String, f64> {
    let status: HashMap<String, String> = query(gpkg, "SELECT BSM, pbf FROM parcels WHERE pbf IN ('in', 'out')").into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    for p in fixture("indicators/demo_parcels.csv") {
        let m2 = match status.get(&p["id"]).map(String::as_str) {
            Some("out") => 0.0,
            Some(_) => num(&p["official_m2"]),
            None => num(&p["basic_farmland_m2"]),
        };
        for code in [p["village_code"].clone(), "total".to_string()] {
            *out.entry(code).or_default() += m2;
        }
    }
    out
}

fn village_key(code: &str) -> String {
    if code == "total" { "total:total".into() } else { format!("village:{code}") }
}

#[test]
fn indicator_table_matches_pandas_and_moves_by_exactly_the_plan() {
    let out = tempfile::tempdir().unwrap();
    let o = run_demo(out.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let gpkg = out.path().join("landcons.gpkg");
    let ours = table(&gpkg);
    let current = fixture("indicators/demo_current.csv");
    assert_eq!(ours.keys().filter(|k| k.starts_with("village:")).count() + 1, current.len());
    for r in &current {
        let row = &ours[&village_key(&r["code"])];
        for c in CLASSES {
            let (official, calc) = (num(&r[&format!("{c}_m2")]), num(&r[&format!("{c}_calc_m2")]));
            let tol = if c == "basic_farmland" { 0.1 } else { 0.005 };
            assert!((row[&format!("{c}_current_m2")] - official).abs() <= tol, "{} {c}: {} vs pandas {official}", r["code"], row[&format!("{c}_current_m2")]);
            assert!((row[&format!("{c}_current_calc_m2")] - calc).abs() <= 0.05 + 1e-7 * calc, "{} {c} computed: {} vs shapely {calc}", r["code"], row[&format!("{c}_current_calc_m2")]);
        }
    }
    let moves = plan_moves(&gpkg);
    assert!(moves.values().any(|m| *m == "cropland") && moves.values().any(|m| *m == "forest"), "the demo plan moves land both ways");
    let planned = expected_planned(&moves, &merged(&gpkg));
    let planned_bf = expected_planned_basic_farmland(&gpkg);
    for (key, row) in ours.iter().filter(|(k, _)| !k.starts_with("cluster:")) {
        let code = key.split(':').nth(1).unwrap();
        for c in CLASSES.iter().filter(|c| **c != "basic_farmland") {
            let (official, calc) = planned.get(&(code.to_string(), c.to_string())).copied().unwrap_or_default();
            assert!((row[&format!("{c}_planned_m2")] - official).abs() <= 0.005, "{code} {c} planned: {} vs {official:.2}", row[&format!("{c}_planned_m2")]);
            assert!((row[&format!("{c}_planned_calc_m2")] - calc).abs() <= 0.05 + 1e-7 * calc, "{code} {c} planned computed");
        }
        let bf = planned_bf.get(code).copied().unwrap_or_default();
        assert!((row["basic_farmland_planned_m2"] - bf).abs() <= 0.1, "{code}: 永久基本农田 planned {} vs current − 调出 + 调入 {bf:.2}", row["basic_farmland_planned_m2"]);
    }
    assert!(planned_bf["total"] != ours["total:total"]["basic_farmland_current_m2"], "the demo's adjustment moves 永久基本农田");
    check_sums(&ours);
}

/// Each cluster row (demo.toml: 东片区 = villages …00–…02, 西片区 = …03–…05) and the total
/// equal the sums of their villages — to the cm² in m², and as printed in ha and mu.
fn check_sums(ours: &BTreeMap<String, BTreeMap<String, f64>>) {
    let cluster_of = |code: &str| if code[10..12] <= *"02" { "东片区" } else { "西片区" };
    let mut sums: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for (key, row) in ours.iter().filter(|(k, _)| k.starts_with("village:")) {
        let code = &key["village:".len()..];
        for target in [format!("cluster:{}", cluster_of(code)), "total:total".to_string()] {
            for (col, v) in row {
                *sums.entry(target.clone()).or_default().entry(col.clone()).or_default() += v;
            }
        }
    }
    assert_eq!(sums.len(), 3, "two clusters and the total");
    for (key, expected) in &sums {
        for (col, v) in expected {
            let tol = if col.ends_with("_ha") { 5e-5 } else { 5e-3 };
            assert!((ours[key][col] - v).abs() <= tol, "{key} {col}: {} ≠ Σ villages {v}", ours[key][col]);
        }
    }
}

#[test]
fn settlement_clusters_match_shapely_and_the_linkage_ledger_adds_up() {
    let out = tempfile::tempdir().unwrap();
    let o = run_demo(out.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let gpkg = out.path().join("landcons.gpkg");
    let ours: BTreeMap<String, (f64, bool, i64, String)> = query(&gpkg, "SELECT member_ids, area_m2, scattered, grade, direction FROM settlement_clusters")
        .into_iter()
        .map(|r| {
            let mut ids: Vec<&str> = r[0].split(',').collect();
            ids.sort();
            (ids.join(";"), (num(&r[1]), r[2] == "yes", num(&r[3]) as i64, r[4].clone()))
        })
        .collect();
    let reference = fixture("reclamation/demo_clusters.csv");
    assert_eq!(ours.len(), reference.len(), "cluster count");
    let mut scattered_members = BTreeSet::new();
    for r in &reference {
        let (area, scattered, _, _) = ours.get(&r["members"]).unwrap_or_else(|| panic!("shapely cluster {} missing", r["members"]));
        assert!((area - num(&r["area_m2"])).abs() <= 0.01 + 1e-7 * area, "{}: area {area} vs {}", r["members"], r["area_m2"]);
        assert_eq!(*scattered, r["scattered"] == "1", "{}", r["members"]);
        if *scattered {
            scattered_members.extend(r["members"].split(';').map(str::to_string));
        }
    }
    assert!(scattered_members.len() > 10 && ours.values().any(|c| !c.1), "the demo has scattered and large clusters");
    check_candidates(&gpkg, &scattered_members);
    check_directions(&gpkg, &ours);
    check_ledger(&gpkg);
}

/// 拆旧 candidates are the members of scattered clusters less those the road control
/// lines retain (≥ 30 % inside).
fn check_candidates(gpkg: &Path, scattered: &BTreeSet<String>) {
    let on_roads: BTreeSet<String> = query(gpkg, "SELECT id FROM constraint_hits WHERE \"constraint\" = 'roads' AND share >= 0.3").into_iter().map(|r| r[0].clone()).collect();
    let expected: BTreeSet<&String> = scattered.iter().filter(|id| !on_roads.contains(*id)).collect();
    let ours: BTreeSet<String> = query(gpkg, "SELECT parcel_id FROM reclamation_candidates").into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(ours.iter().collect::<BTreeSet<_>>(), expected);
}

/// 宜耕 exactly when the cluster's grade is 1–4 and a member borders cropland.
fn check_directions(gpkg: &Path, clusters: &BTreeMap<String, (f64, bool, i64, String)>) {
    let cropland: BTreeSet<String> = query(gpkg, "SELECT BSM FROM parcels WHERE is_cropland = 1").into_iter().map(|r| r[0].clone()).collect();
    let mut borders = BTreeSet::new();
    for r in query(gpkg, "SELECT id_a, id_b FROM adjacency") {
        if cropland.contains(&r[1]) {
            borders.insert(r[0].clone());
        }
        if cropland.contains(&r[0]) {
            borders.insert(r[1].clone());
        }
    }
    let mut seen = BTreeSet::new();
    for (members, (_, _, grade, direction)) in clusters {
        let next_to_cropland = members.split(';').any(|m| borders.contains(m));
        let to_cropland = (1..=4).contains(grade) && next_to_cropland;
        assert_eq!(direction == "宜耕", to_cropland, "{members}: grade {grade}, next to cropland {next_to_cropland}, {direction}");
        seen.insert(direction.clone());
    }
    assert_eq!(seen.len(), 2, "the demo has both directions");
}

/// Per village: 建新 = round(拆旧 × 0.38) and 拆旧 = its candidates' TBMJ; per row: 节余 =
/// 拆旧 − 建新, 宜耕 + 宜林 = 拆旧; townships and the total are the sums of their villages.
fn check_ledger(gpkg: &Path) {
    let rows = query(gpkg, "SELECT level, code, parcels, demolish_m2, rebuild_m2, surplus_m2, new_cropland_m2, new_forest_m2, demolish_ha, demolish_mu FROM linkage_ledger");
    let tbmj: BTreeMap<String, (f64, usize)> = query(gpkg, "SELECT village_code, sum(tbmj_m2), count(*) FROM reclamation_candidates GROUP BY village_code")
        .into_iter()
        .map(|r| (r[0].clone(), (num(&r[1]), num(&r[2]) as usize)))
        .collect();
    let mut sums: BTreeMap<String, [f64; 8]> = BTreeMap::new();
    for r in &rows {
        let v: Vec<f64> = r[2..].iter().map(|x| num(x)).collect();
        let village = r[0] == "village";
        assert!(!village || (v[2] - (v[1] * 0.38 * 100.0).round() / 100.0).abs() <= 0.005, "{}: 建新 {}", r[1], v[2]);
        assert!((v[3] - (v[1] - v[2])).abs() <= 0.005 && (v[4] + v[5] - v[1]).abs() <= 0.005, "{}: {v:?}", r[1]);
        if village {
            let (area, n) = tbmj[&r[1]];
            assert!((v[1] - area).abs() <= 0.005 && v[0] as usize == n, "{}: 拆旧 {} vs Σ TBMJ {area}", r[1], v[1]);
            for key in [format!("township:{}", &r[1][..9]), "total:total".into()] {
                let s = sums.entry(key).or_default();
                s.iter_mut().zip(&v).for_each(|(a, b)| *a += b);
            }
        }
    }
    for r in rows.iter().filter(|r| r[0] != "village") {
        let s = sums[&format!("{}:{}", r[0], r[1])];
        for (k, x) in r[2..].iter().enumerate() {
            let tol = if k == 6 { 5e-5 } else { 5e-3 };
            assert!((num(x) - s[k]).abs() <= tol, "{} {} column {k}: {x} ≠ Σ villages {}", r[0], r[1], s[k]);
        }
    }
}

/// Each sheet of indicators.xlsx read back by openpyxl (the library Excel-bound Python
/// uses): the data rows equal the layer's CSV, and the headers are Chinese with units.
#[test]
fn workbook_sheets_hold_what_the_csvs_hold() {
    let out = tempfile::tempdir().unwrap();
    let o = run_demo(out.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let sheets = read_workbook(&out.path().join("indicators.xlsx"));
    let expected = [
        ("规划指标分解表", "indicators.csv", 2),
        ("用地结构调整表", "land_use_structure.csv", 2),
        ("进出平衡台账", "swap_ledger.csv", 2),
        ("增减挂钩台账", "linkage_ledger.csv", 2),
        ("新增耕地台账", "new_cropland_ledger.csv", 2),
        ("补充耕地储备库", "cropland_reserve.csv", 2),
        ("永久基本农田调整台账", "pbf_ledger.csv", 2),
        ("村级汇总", "village_summary.csv", 2),
        ("集中连片统计", "block_summary.csv", 2),
        ("控制线审查", "audit.csv", 1),
        ("项目库", "projects.csv", 1),
        ("资金平衡", "funding_balance.csv", 1),
    ];
    let names: Vec<&str> = sheets.keys().map(String::as_str).collect();
    let mut wanted: Vec<&str> = expected.iter().map(|e| e.0).collect();
    wanted.sort();
    assert_eq!(names, wanted);
    for (sheet, csv, header_rows) in expected {
        let cells = &sheets[sheet];
        let csv_text = std::fs::read_to_string(out.path().join(csv)).unwrap();
        let csv_rows: Vec<Vec<String>> = csv_text.trim_start_matches('\u{feff}').lines().skip(1).map(parse_csv_line).collect();
        let data = &cells[header_rows..];
        assert_eq!(data.len(), csv_rows.len(), "{sheet}: rows");
        for (k, (x, c)) in data.iter().zip(&csv_rows).enumerate() {
            assert_eq!(x.len(), c.len(), "{sheet} row {k}: columns");
            for (a, b) in x.iter().zip(c) {
                let same = a == b || matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(p), Ok(q)) if (p - q).abs() <= 1e-9 * q.abs().max(1.0)) || (a == "None" && b.is_empty());
                assert!(same, "{sheet} row {k}: xlsx {a:?} vs csv {b:?}");
            }
        }
    }
    let top = &sheets["规划指标分解表"][0];
    let below = &sheets["规划指标分解表"][1];
    assert_eq!(top[3], "耕地保有量");
    assert_eq!(below[5], "现状（公顷）");
}

fn parse_csv_line(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            _ => out.last_mut().unwrap().push(ch),
        }
    }
    out
}

/// Every sheet's cells as text (openpyxl's values; merged header cells repeat nothing).
fn read_workbook(path: &Path) -> BTreeMap<String, Vec<Vec<String>>> {
    let script = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in wb.worksheets:
    out[ws.title] = [["None" if v is None else (repr(v) if isinstance(v, float) else str(v)) for v in row] for row in ws.iter_rows(values_only=True)]
print(json.dumps(out, ensure_ascii=False))
"#;
    // The system Python: scripts/setup.sh --tests installs python3-openpyxl for it.
    let o = Command::new("/usr/bin/python3").args(["-c", script]).arg(path).output().expect("/usr/bin/python3");
    assert!(o.status.success(), "openpyxl cannot read the workbook: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("openpyxl's JSON")
}
