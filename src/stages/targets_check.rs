//! The plan against its 约束性指标: for every unit of the targets file, each indicator's
//! target, the plan's figure (ha, printed decimals), the gap and 达标/未达标 — a floor
//! (保有量) is met at or above the target, a ceiling (城乡建设用地) at or below it. A file
//! whose unit rows do not add up to its own 合计 row (when it lists every unit of a
//! level), or that gives one unit two different targets, is reported in warnings naming
//! the column and the difference.

use std::collections::BTreeMap;

use super::land_use::{township_of, StructureRow};
use super::targets::{Sense, TargetFile, TargetRow, K, TARGETS};
use crate::error::{Error, Result};
use crate::settings::class_index;

/// One indicator of one unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub target: f64,
    pub plan: f64,
    /// plan − target (ha).
    pub gap: f64,
    pub pass: bool,
}

/// One unit of the targets file, compared.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetCheck {
    pub line: usize,
    pub level: &'static str,
    pub code: String,
    pub name: String,
    /// The plan's layout: 乡镇级片区, 村级片区, the villages it holds, its 中心村.
    pub township: String,
    pub cluster: String,
    pub villages: String,
    pub centre: String,
    pub cells: [Option<Cell>; K],
}

/// What the comparison reads.
pub struct PlanFigures<'a> {
    /// The 用地结构调整表 rows (villages, clusters, townships, the total).
    pub structure: &'a [StructureRow],
    /// Planned 永久基本农田 per village code (cm²).
    pub basic_farmland: &'a BTreeMap<String, i64>,
    /// Village code → 村级片区; 村级片区 → 中心村.
    pub clusters: &'a BTreeMap<String, String>,
    pub centres: &'a BTreeMap<String, String>,
    pub decimals: u32,
    pub tolerance_ha: f64,
}

/// The comparison and the file's own inconsistencies.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetResult {
    pub rows: Vec<TargetCheck>,
    pub warnings: Vec<String>,
}

fn cluster_of<'a>(p: &'a PlanFigures, village: &str) -> &'a str {
    p.clusters.get(village).map_or("未分片区", String::as_str)
}

/// The villages of a unit.
fn villages_of<'a>(p: &'a PlanFigures, unit: &StructureRow) -> Vec<&'a StructureRow> {
    let of = |v: &StructureRow| match unit.level {
        "village" => v.code == unit.code,
        "cluster" => cluster_of(p, &v.code) == unit.code,
        "township" => township_of(&v.code) == unit.code,
        _ => true,
    };
    p.structure.iter().filter(|v| v.level == "village" && of(v)).collect()
}

/// The plan's figure of indicator `t` for a unit (cm²).
fn plan_cm2(p: &PlanFigures, unit: &StructureRow, t: usize) -> i64 {
    let planned = |key: &str| class_index(key).map_or(0, |c| unit.areas[c][1]);
    match TARGETS[t].0 {
        "basic_farmland" => villages_of(p, unit).iter().map(|v| p.basic_farmland.get(&v.code).copied().unwrap_or(0)).sum(),
        "construction" => planned("urban") + planned("village"),
        key => planned(key),
    }
}

fn round(v: f64, decimals: u32) -> f64 {
    crate::units::round(v, decimals as i32)
}

/// Compares every row of `file` with the plan.
pub fn check(file: &TargetFile, p: &PlanFigures) -> Result<TargetResult> {
    let mut rows = Vec::with_capacity(file.rows.len());
    for r in &file.rows {
        let unit = p
            .structure
            .iter()
            .find(|u| u.level == r.level && (r.level == "total" || u.code == r.unit || u.name == r.unit))
            .ok_or_else(|| Error::input(&file.path, format!("row {}, column 单元: no {} {:?} among the parcels' units", r.line, level_zh(r.level), r.unit)))?;
        let mut cells = [None; K];
        for (t, cell) in cells.iter_mut().enumerate() {
            let Some(target) = r.values[t] else { continue };
            let plan = round(plan_cm2(p, unit, t) as f64 / 1_000_000.0, p.decimals);
            let gap = round(plan - target, p.decimals + 2);
            let pass = match TARGETS[t].3 {
                Sense::Floor => gap >= -p.tolerance_ha,
                Sense::Ceiling => gap <= p.tolerance_ha,
            };
            *cell = Some(Cell { target, plan, gap, pass });
        }
        rows.push(layout(p, r, unit, cells));
    }
    Ok(TargetResult { rows, warnings: inconsistencies(file, p) })
}

/// A row in the plan's layout.
fn layout(p: &PlanFigures, r: &TargetRow, unit: &StructureRow, cells: [Option<Cell>; K]) -> TargetCheck {
    let villages = villages_of(p, unit);
    let join = |mut names: Vec<String>| {
        names.dedup();
        names.join("、")
    };
    let (township, cluster) = match unit.level {
        "total" => ("合计".to_string(), String::new()),
        "township" => (unit.code.clone(), String::new()),
        _ => {
            let mut t: Vec<String> = villages.iter().map(|v| township_of(&v.code).to_string()).collect();
            t.sort();
            (join(t), cluster_of(p, &villages.first().map_or(String::new(), |v| v.code.clone())).to_string())
        }
    };
    let cluster = if unit.level == "cluster" { unit.code.clone() } else { cluster };
    let names = if matches!(unit.level, "cluster" | "village") { join(villages.iter().map(|v| v.name.clone()).collect()) } else { String::new() };
    TargetCheck {
        line: r.line,
        level: r.level,
        code: unit.code.clone(),
        name: unit.name.clone(),
        centre: p.centres.get(&cluster).cloned().unwrap_or_default(),
        township,
        cluster,
        villages: names,
        cells,
    }
}

fn level_zh(level: &str) -> &'static str {
    match level {
        "total" => "合计",
        "township" => "乡镇",
        "cluster" => "村级片区",
        _ => "村",
    }
}

/// Warnings: a level whose rows (every unit of it listed) do not add up to the file's
/// 合计, and a unit given two different targets.
fn inconsistencies(file: &TargetFile, p: &PlanFigures) -> Vec<String> {
    let mut out = Vec::new();
    let name = file.path.display();
    let total = file.rows.iter().find(|r| r.level == "total");
    for level in ["township", "cluster", "village"] {
        // Each unit once (a unit listed twice is the other warning).
        let mut listed: Vec<&TargetRow> = Vec::new();
        for r in file.rows.iter().filter(|r| r.level == level) {
            if !listed.iter().any(|s| s.unit == r.unit) {
                listed.push(r);
            }
        }
        let units = p.structure.iter().filter(|u| u.level == level);
        let complete = units.clone().count() > 0 && units.clone().all(|u| listed.iter().any(|r| r.unit == u.code || r.unit == u.name));
        for (t, (_, zh, _, _)) in TARGETS.iter().enumerate() {
            let Some(stated) = total.and_then(|r| r.values[t]) else { continue };
            let values: Vec<f64> = listed.iter().filter_map(|r| r.values[t]).collect();
            let sum: f64 = values.iter().sum();
            if complete && values.len() == listed.len() && (sum - stated).abs() > 0.005 + p.tolerance_ha {
                out.push(format!("{name}: column {zh}: the {} rows add up to {sum:.2} ha, the 合计 row (row {}) says {stated:.2} ha (difference {:+.2} ha)", level_zh(level), total.map_or(0, |r| r.line), sum - stated));
            }
        }
    }
    for (a, r) in file.rows.iter().enumerate() {
        for s in file.rows[a + 1..].iter().filter(|s| s.level == r.level && s.unit == r.unit) {
            for (t, (_, zh, _, _)) in TARGETS.iter().enumerate() {
                if let (Some(x), Some(y)) = (r.values[t], s.values[t]) {
                    if (x - y).abs() > 0.005 {
                        out.push(format!("{name}: column {zh}: rows {} and {} give {} {} different targets ({x:.2} and {y:.2} ha)", r.line, s.line, level_zh(r.level), r.unit));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::land_use::N;
    use crate::stages::targets::csv_cells;

    const T: &str = "510000001";

    fn unit(level: &'static str, code: &str, name: &str, cropland_ha: f64, urban_ha: f64) -> StructureRow {
        let mut areas = [[0i64; 2]; N];
        areas[0][1] = (cropland_ha * 1e6) as i64;
        areas[6][1] = (urban_ha * 1e6) as i64;
        StructureRow { level, code: code.into(), name: name.into(), areas, ha: [[0; 3]; N + 1], mu: [[0; 3]; N + 1], share: [[0; 2]; N + 1] }
    }

    fn figures() -> Vec<StructureRow> {
        vec![
            unit("village", "510000001001", "甲村", 10.0, 1.0),
            unit("village", "510000001002", "乙村", 20.0, 2.0),
            unit("cluster", "片区一", "片区一", 30.0, 3.0),
            unit("township", T, T, 30.0, 3.0),
            unit("total", "total", "合计", 30.0, 3.0),
        ]
    }

    fn run(text: &str) -> Result<TargetResult> {
        let structure = figures();
        let bf = BTreeMap::from([("510000001001".to_string(), 8_000_000i64), ("510000001002".to_string(), 15_000_000)]);
        let clusters = BTreeMap::from([("510000001001".to_string(), "片区一".to_string()), ("510000001002".to_string(), "片区一".to_string())]);
        let centres = BTreeMap::from([("片区一".to_string(), "甲村".to_string())]);
        let p = PlanFigures { structure: &structure, basic_farmland: &bf, clusters: &clusters, centres: &centres, decimals: 2, tolerance_ha: 0.0 };
        let file = super::super::targets::TargetFile { path: "t.csv".into(), rows: parse(text) };
        check(&file, &p)
    }

    fn parse(text: &str) -> Vec<TargetRow> {
        let path = std::path::Path::new("t.csv");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join(path);
        std::fs::write(&f, text).unwrap();
        assert!(!csv_cells(text).is_empty());
        super::super::targets::read(&f, "").unwrap().rows
    }

    #[test]
    fn floors_and_ceilings_pass_or_fail() {
        let r = run("层级,单元,永久基本农田面积,耕地保有量,城乡建设用地面积\n合计,,23,30.01,3\n村,甲村,8,10,0.99\n村级片区,片区一,23.5,,\n").unwrap();
        let cell = |row: usize, t: usize| r.rows[row].cells[t].unwrap();
        assert_eq!((cell(0, 0).plan, cell(0, 0).pass), (23.0, true), "永久基本农田 23 ≥ 23");
        assert_eq!((cell(0, 1).gap, cell(0, 1).pass), (-0.01, false), "耕地 30 < 30.01");
        assert!(cell(0, 2).pass, "城乡建设用地 3 ≤ 3");
        assert!(!cell(1, 2).pass, "甲村 1 > 0.99 (a ceiling)");
        assert!(!cell(2, 0).pass && r.rows[2].cells[1].is_none());
        assert_eq!((r.rows[1].township.as_str(), r.rows[1].cluster.as_str(), r.rows[1].villages.as_str()), (T, "片区一", "甲村"));
        assert_eq!((r.rows[2].villages.as_str(), r.rows[2].centre.as_str()), ("甲村、乙村", "甲村"));
        // The one 村级片区 lists every cluster, so its target must add up to the 合计's.
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert!(r.warnings[0].contains("the 村级片区 rows add up to 23.50 ha, the 合计 row (row 2) says 23.00 ha (difference +0.50 ha)"));
    }

    #[test]
    fn rows_that_do_not_add_up_are_warned_with_the_column_and_difference() {
        // The 剑阁鹤龄 table's fault: its villages' 永久基本农田 add up to less than its 合计.
        let r = run("层级,单元,永久基本农田面积,耕地保有量\n合计,,11258.09,30\n村,甲村,5000.00,10\n村,乙村,6256.89,20\n村,甲村,5000.00,11\n").unwrap();
        assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
        assert_eq!(r.warnings[0], "t.csv: column 永久基本农田面积: the 村 rows add up to 11256.89 ha, the 合计 row (row 2) says 11258.09 ha (difference -1.20 ha)");
        assert!(r.warnings[1].contains("column 耕地保有量: rows 3 and 5 give 村 甲村 different targets (10.00 and 11.00 ha)"), "{}", r.warnings[1]);
    }

    #[test]
    fn an_unknown_unit_names_its_row() {
        let e = run("层级,单元,耕地保有量\n村,丙村,1\n").unwrap_err().to_string();
        assert!(e.contains("row 2, column 单元: no 村 \"丙村\""), "{e}");
    }
}
