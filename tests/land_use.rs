//! 用地结构调整表 on the demo against pandas (scripts/land_use_reference.py, written
//! independently): every parcel's class now and after the plan, every unit's class sums
//! (village, 村级片区, 乡镇, total) to the cm²; the cropland change equals the indicator
//! table's; the printed ha, mu and shares add up (classes to each unit's 合计, villages to
//! their township, townships and clusters to the total; 现状 + 增减 = 规划); openpyxl reads
//! the sheet back with its merged headers and the CSV's figures.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::*;

const CLASSES: [&str; 13] = [
    "cropland", "garden", "forest", "grassland", "wetland", "agri_facility", "urban", "village", "infrastructure", "other_construction", "water", "other", "total",
];

fn num(v: &str) -> f64 {
    v.parse().unwrap_or_else(|_| panic!("not a number: {v:?}"))
}

/// Runs the reference script; its JSON.
fn reference(python: &Path, gpkg: &Path) -> serde_json::Value {
    let clusters = tempfile::NamedTempFile::new().unwrap();
    let mut map = serde_json::Map::new();
    for (k, name) in ["00", "01", "02", "03", "04", "05"].iter().enumerate() {
        map.insert(format!("5002301002{name}0000000"), serde_json::json!(if k < 3 { "东片区" } else { "西片区" }));
    }
    std::fs::write(clusters.path(), serde_json::Value::Object(map).to_string()).unwrap();
    let o = Command::new(python)
        .arg(repo().join("scripts/land_use_reference.py"))
        .arg(repo().join("data/dltb.shp"))
        .arg(gpkg)
        .arg(clusters.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "land_use_reference.py: {}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// (level, code, class) → the row's columns, from the GeoPackage.
type Table = BTreeMap<(String, String, String), BTreeMap<&'static str, f64>>;

const COLUMNS: [&str; 11] = ["current_m2", "current_ha", "current_mu", "current_share", "planned_m2", "planned_ha", "planned_mu", "planned_share", "change_m2", "change_ha", "change_mu"];

fn structure(gpkg: &Path) -> Table {
    let sql = format!("SELECT level, code, class, {} FROM land_use_structure", COLUMNS.join(", "));
    query(gpkg, &sql).into_iter().map(|r| ((r[0].clone(), r[1].clone(), r[2].clone()), COLUMNS.iter().copied().zip(r[3..].iter().map(|v| num(v))).collect())).collect()
}

#[test]
fn structure_matches_pandas_and_printed_figures_add_up() {
    let Some(python) = test_python() else { return };
    let out = tempfile::tempdir().unwrap();
    let o = run_demo(out.path(), &[]);
    assert!(o.status.success(), "{}", text(&o));
    let gpkg = out.path().join("landcons.gpkg");
    let reference = reference(&python, &gpkg);
    // Every parcel's class, now and planned.
    let ours: BTreeMap<String, (String, String)> = query(&gpkg, "SELECT BSM, class_current, class_planned FROM parcels").into_iter().map(|r| (r[0].clone(), (r[1].clone(), r[2].clone()))).collect();
    let theirs = reference["parcels"].as_object().unwrap();
    assert_eq!(ours.len(), theirs.len());
    for (bsm, pair) in theirs {
        let want = (pair[0].as_str().unwrap().to_string(), pair[1].as_str().unwrap().to_string());
        assert_eq!(ours[bsm], want, "parcel {bsm}");
    }
    let moved = ours.values().filter(|(a, b)| a != b).count();
    assert!(moved > 100, "the demo plan moves {moved} parcels");
    // Every unit's class sums, to the cm².
    let table = structure(&gpkg);
    let mut expected: BTreeMap<(String, String, String), (f64, f64)> = BTreeMap::new();
    for r in reference["rows"].as_array().unwrap() {
        let key = (r[0].as_str().unwrap().to_string(), r[1].as_str().unwrap().to_string(), r[2].as_str().unwrap().to_string());
        expected.insert(key, (r[3].as_f64().unwrap(), r[4].as_f64().unwrap()));
    }
    let units: Vec<(String, String)> = table.keys().filter(|k| k.2 == "total").map(|k| (k.0.clone(), k.1.clone())).collect();
    assert_eq!(units.iter().map(|u| u.0.as_str()).collect::<Vec<_>>(), ["cluster", "cluster", "total", "township", "village", "village", "village", "village", "village", "village"]);
    for (level, code) in &units {
        for class in &CLASSES[..12] {
            let key = (level.clone(), code.clone(), class.to_string());
            let (now, then) = expected.get(&key).copied().unwrap_or_default();
            let row = &table[&key];
            assert!((row["current_m2"] - now).abs() < 0.006 && (row["planned_m2"] - then).abs() < 0.006, "{key:?}: {row:?} vs pandas {now} → {then}");
        }
    }
    // Cropland changes as the indicator table's.
    let indicators = query(&gpkg, "SELECT cropland_planned_m2 - cropland_current_m2 FROM indicators WHERE level = 'total'");
    let total = &table[&("total".into(), "total".into(), "cropland".into())];
    assert!((num(&indicators[0][0]) - total["change_m2"]).abs() < 0.006, "cropland change {} vs indicators {}", total["change_m2"], indicators[0][0]);
    assert!(total["change_m2"] > 0.0, "the demo plan adds cropland");
    // 村庄建设用地 shrinks by exactly the 增减挂钩 ledger's 拆旧, in every village and in total.
    for r in query(&gpkg, "SELECT level, code, demolish_m2 FROM linkage_ledger WHERE level IN ('village', 'total')") {
        let key = (r[0].clone(), r[1].clone(), "village".to_string());
        let change = table.get(&key).map_or(0.0, |row| row["change_m2"]);
        assert!((change + num(&r[2])).abs() < 0.006, "{key:?}: 村庄 change {change} vs 拆旧 {}", r[2]);
    }
    check_printed(&table, &units);
    check_workbook(&python, out.path());
}

/// Printed figures in units of the last decimal.
fn units_of(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

fn check_printed(table: &Table, units: &[(String, String)]) {
    let get = |level: &str, code: &str, class: &str, col: &str| units_of(table[&(level.to_string(), code.to_string(), class.to_string())][col]);
    let printed = ["current_ha", "planned_ha", "change_ha", "current_mu", "planned_mu", "change_mu", "current_share", "planned_share"];
    for (level, code) in units {
        for col in printed {
            let sum: i64 = CLASSES[..12].iter().map(|c| get(level, code, c, col)).sum();
            assert_eq!(sum, get(level, code, "total", col), "{level} {code} {col}: the classes add up to the 合计 as printed");
        }
        for class in &CLASSES[..12] {
            let key = (level.clone(), code.clone(), class.to_string());
            let row = &table[&key];
            for unit in ["ha", "mu"] {
                let (now, then, change) = (units_of(row[&*format!("current_{unit}")]), units_of(row[&*format!("planned_{unit}")]), units_of(row[&*format!("change_{unit}")]));
                assert_eq!(now + change, then, "{key:?} {unit}: 现状 + 增减 = 规划");
                if row["change_m2"] == 0.0 {
                    assert_eq!(change, 0, "{key:?}: unchanged, prints no change");
                }
                let m2 = if unit == "ha" { 10_000.0 } else { 666.67 };
                assert!((now as f64 - row["current_m2"] / m2 * 100.0).abs() < 1.0, "{key:?} {unit}: printed current is a rounding of the exact");
            }
        }
    }
    for col in ["current_ha", "current_mu"] {
        let total = get("total", "total", "total", col);
        for level in ["township", "cluster", "village"] {
            let sum: i64 = units.iter().filter(|u| u.0 == level).map(|u| get(level, &u.1, "total", col)).sum();
            assert_eq!(sum, total, "{level} rows add up to the printed total ({col})");
        }
    }
}

/// openpyxl reads the sheet back: 现状/规划/增减 merged over their columns, the CSV's figures.
fn check_workbook(python: &Path, dir: &Path) {
    let script = r#"
import csv, json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1] + "/indicators.xlsx")
ws = wb["用地结构调整表"]
merged = sorted(str(r) for r in ws.merged_cells.ranges)
heads = [ws.cell(1, c).value for c in range(1, ws.max_column + 1)]
rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
with open(sys.argv[1] + "/land_use_structure.csv", encoding="utf-8-sig") as f:
    csv_rows = list(csv.reader(f))[1:]
same = all(abs(float(a) - float(b)) < 1e-9 for r, c in zip(rows, csv_rows) for a, b in zip(r[4:], c[4:]))
print(json.dumps({"merged": merged, "heads": heads, "rows": len(rows), "csv": len(csv_rows), "same": same}, ensure_ascii=False))
"#;
    let o = Command::new(python).args(["-c", script]).arg(dir).output().unwrap();
    assert!(o.status.success(), "openpyxl: {}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let heads: Vec<&str> = v["heads"].as_array().unwrap().iter().filter_map(|h| h.as_str()).collect();
    assert_eq!(heads, ["层级", "代码", "名称", "用地分类", "现状", "规划", "增减"], "{v}");
    let merged: Vec<&str> = v["merged"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    for range in ["E1:H1", "I1:L1", "M1:O1", "A1:A2"] {
        assert!(merged.contains(&range), "{range} merged: {merged:?}");
    }
    assert_eq!(v["rows"], v["csv"]);
    assert_eq!(v["rows"], 10 * 13, "10 units × (12 classes + 合计)");
    assert_eq!(v["same"], true, "the sheet holds the CSV's figures");
}

/// The demo's plan figures per unit (level:code → indicator → ha, exact), read from the
/// structure and indicator tables: the independent side of the pass/fail check.
fn plan_figures(gpkg: &Path) -> BTreeMap<String, BTreeMap<&'static str, f64>> {
    let mut out: BTreeMap<String, BTreeMap<&'static str, f64>> = BTreeMap::new();
    let sql = "SELECT level, code, class, planned_m2 FROM land_use_structure WHERE class IN ('cropland', 'forest', 'wetland', 'urban', 'village')";
    for r in query(gpkg, sql) {
        let key = match r[2].as_str() {
            "urban" | "village" => "construction",
            "cropland" => "cropland",
            "forest" => "forest",
            _ => "wetland",
        };
        *out.entry(format!("{}:{}", r[0], r[1])).or_default().entry(key).or_default() += num(&r[3]) / 10_000.0;
    }
    for r in query(gpkg, "SELECT level, code, basic_farmland_planned_m2 FROM indicators") {
        out.entry(format!("{}:{}", r[0], r[1])).or_default().insert("basic_farmland", num(&r[2]) / 10_000.0);
    }
    out
}

const TARGET_KEYS: [&str; 5] = ["basic_farmland", "cropland", "construction", "forest", "wetland"];

/// A targets file where the demo passes some cells and fails others; `landcons` says 达标
/// exactly where the plan's printed figure reaches a floor or stays under a ceiling.
#[test]
fn targets_pass_and_fail_as_an_independent_comparison_says() {
    let out = tempfile::tempdir().unwrap();
    let targets = out.path().join("targets.csv");
    // 合计 passes everything but 林地 (278.20 ha planned); 小湖村 fails cropland (93.28)
    // and passes the rest; 东片区 passes cropland.
    std::fs::write(
        &targets,
        "层级,单元,永久基本农田面积（公顷）,耕地保有量（公顷）,城乡建设用地面积（公顷）,林地保有量（公顷）,湿地面积（公顷）\n\
         合计,,100,290,10,280,0\n村级片区,东片区,,150,,,\n村,小湖村,,95,5,100,\n",
    )
    .unwrap();
    let results = out.path().join("results");
    let o = run_demo(&results, &["--set", &format!("targets.path={}", targets.display())]);
    assert!(o.status.success(), "{}", text(&o));
    let gpkg = results.join("landcons.gpkg");
    let plan = plan_figures(&gpkg);
    let cols: Vec<String> = TARGET_KEYS.iter().flat_map(|k| [format!("{k}_target"), format!("{k}_plan"), format!("{k}_met")]).collect();
    let rows = query(&gpkg, &format!("SELECT level, code, {} FROM targets ORDER BY seq", cols.join(", ")));
    assert_eq!(rows.len(), 3);
    let mut verdicts = Vec::new();
    for r in &rows {
        let unit = &plan[&format!("{}:{}", r[0], r[1])];
        for (t, key) in TARGET_KEYS.iter().enumerate() {
            let (target, shown, met) = (&r[2 + 3 * t], &r[3 + 3 * t], &r[4 + 3 * t]);
            if target.is_empty() {
                assert!(met.is_empty(), "{} {key}: no target, no verdict", r[1]);
                continue;
            }
            let exact = unit[key];
            let printed = (exact * 100.0).round() / 100.0;
            assert!((num(shown) - printed).abs() < 1e-9, "{} {key}: plan {shown} vs {printed}", r[1]);
            let pass = if *key == "construction" { printed <= num(target) } else { printed >= num(target) };
            assert_eq!(met, if pass { "达标" } else { "未达标" }, "{} {key}: plan {printed} vs target {target}", r[1]);
            verdicts.push(pass);
        }
    }
    assert!(verdicts.contains(&true) && verdicts.contains(&false), "both verdicts: {verdicts:?}");
    assert_eq!(rows[0][4 + 3 * 3], "未达标", "合计 林地 278.20 < 280");
    // report.html lists every target with its verdict (9 cells with a target).
    let html = std::fs::read_to_string(results.join("report.html")).unwrap();
    let cells = html.matches("data-table=\"targets\" data-row=").count();
    assert!(html.contains("约束性指标（目标与规划）") && html.contains("未达标"), "the targets section");
    assert_eq!(verdicts.len(), 9);
    assert!(cells >= 9 * 3, "targets' numbers on the page: {cells}");
    // openpyxl reads the sheet back in the plan's layout, headers merged per indicator.
    let Some(python) = test_python() else { return };
    let script = r#"
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["约束性指标分解表"]
print(json.dumps({"merged": sorted(str(r) for r in ws.merged_cells.ranges), "top": [c.value for c in ws[1]], "below": [c.value for c in ws[2]], "first": [c.value for c in ws[3]]}, ensure_ascii=False))
"#;
    let o = Command::new(python).args(["-c", script]).arg(results.join("indicators.xlsx")).output().unwrap();
    assert!(o.status.success(), "openpyxl: {}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let top: Vec<&str> = v["top"].as_array().unwrap().iter().filter_map(|h| h.as_str()).collect();
    assert_eq!(top, ["序号", "层级", "单元代码", "乡镇级片区名称", "村级片区名称", "村级片区所含村名称", "中心村名称", "永久基本农田面积", "耕地保有量", "城乡建设用地面积", "林地保有量", "湿地面积"]);
    let merged: Vec<&str> = v["merged"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    for range in ["A1:A2", "D1:D2", "H1:K1", "L1:O1", "X1:AA1"] {
        assert!(merged.contains(&range), "{range}: {merged:?}");
    }
    assert_eq!(v["below"][8], "规划（公顷）");
    assert_eq!(v["first"][12].as_f64().unwrap(), num(&rows[0][3 + 3]), "the sheet's 耕地保有量 规划 of 合计");
}

/// The 剑阁鹤龄 fault — village rows that do not add up to the stated total — and a unit
/// given two targets are warned, naming the column and the difference; an XLSX file is
/// read like the CSV.
#[test]
fn inconsistent_targets_are_warned_and_xlsx_reads_like_csv() {
    let Some(python) = test_python() else { return };
    let out = tempfile::tempdir().unwrap();
    let names: Vec<String> = query(&repo().join("data/dltb.gpkg"), "SELECT DISTINCT ZLDWMC FROM dltb ORDER BY ZLDWDM").into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(names.len(), 6, "{names:?}");
    // Villages' 耕地保有量 add up to 600.00; the 合计 says 601.20.
    let mut csv = String::from("层级,单元,耕地保有量\n合计,,601.20\n");
    for n in &names {
        csv.push_str(&format!("村,{n},100\n"));
    }
    csv.push_str(&format!("村,{},99\n", names[0]));
    let path = out.path().join("t.csv");
    std::fs::write(&path, &csv).unwrap();
    let o = run_demo(&out.path().join("a"), &["--set", &format!("targets.path={}", path.display())]);
    assert!(o.status.success(), "{}", text(&o));
    let stderr = text(&o);
    assert!(stderr.contains("column 耕地保有量: the 村 rows add up to 600.00 ha, the 合计 row (row 2) says 601.20 ha (difference -1.20 ha)"), "{stderr}");
    assert!(stderr.contains(&format!("rows 3 and 9 give 村 {} different targets (100.00 and 99.00 ha)", names[0])), "{stderr}");
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.path().join("a/manifest.json")).unwrap()).unwrap();
    let codes: Vec<&str> = manifest["warnings"].as_array().unwrap().iter().filter_map(|w| w["code"].as_str()).filter(|c| *c == "targets_inconsistent").collect();
    assert_eq!(codes.len(), 2, "{}", manifest["warnings"]);
    // The same table as XLSX (written by openpyxl, numbers as numbers): the same targets table.
    let xlsx = out.path().join("t.xlsx");
    let script = "import csv, sys, openpyxl\nwb = openpyxl.Workbook()\nws = wb.active\nfor r in csv.reader(open(sys.argv[1], encoding='utf-8')):\n    ws.append([float(c) if c.replace('.', '').isdigit() else c for c in r])\nwb.save(sys.argv[2])\n";
    let o = Command::new(python).args(["-c", script]).arg(&path).arg(&xlsx).output().unwrap();
    assert!(o.status.success(), "openpyxl: {}", text(&o));
    let o = run_demo(&out.path().join("b"), &["--set", &format!("targets.path={}", xlsx.display())]);
    assert!(o.status.success(), "{}", text(&o));
    let read = |dir: &str| std::fs::read_to_string(out.path().join(dir).join("targets.csv")).unwrap();
    assert_eq!(read("a"), read("b"), "the XLSX targets give the CSV's table");
}

/// A malformed targets file stops the run with exit 2, naming the file, row and column,
/// before anything is written: the previous results stay as they were.
#[test]
fn a_malformed_targets_file_stops_the_run_and_names_the_cell() {
    let out = tempfile::tempdir().unwrap();
    let results = out.path().join("results");
    let o = run_demo(&results, &[]);
    assert!(o.status.success(), "{}", text(&o));
    let before = snapshot(&results);
    let cases = [
        ("层级,单元,耕地保有量\n合计,,很多\n", "row 2, column 耕地保有量: \"很多\" is not a number (ha)"),
        ("层级,单元,耕地\n合计,,1\n", "row 1, column 耕地: unknown column"),
        ("层级,单元,林地保有量\n合计,,1\n乡,x,2\n", "row 3, column 层级: \"乡\" is no level"),
        ("层级,单元,林地保有量\n村,无此村,2\n", "row 2, column 单元: no 村 \"无此村\" among the parcels' units"),
    ];
    for (k, (content, message)) in cases.iter().enumerate() {
        let path = out.path().join(format!("bad{k}.csv"));
        std::fs::write(&path, content).unwrap();
        let o = run_demo(&results, &["--set", &format!("targets.path={}", path.display())]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let said = text(&o);
        assert!(said.contains(&path.display().to_string()) && said.contains(message), "{said}");
        assert!(snapshot(&results) == before, "case {k}: the previous results changed");
    }
}
