//! 用地结构调整表 and 约束性指标 on report.html: the total's classes (现状, 规划, 增减 in ha
//! and the shares, as the table prints them: the rows add up to the printed 合计), and
//! every target with the plan's figure, the gap and 达标/未达标.

use super::Sources;
use crate::output::report::{Cell, Column, ReportTable, Row};
use crate::settings::{Language, LAND_USE_CLASSES};
use crate::stages::targets::TARGETS;

fn column(key: &str, label: &str, unit: &str) -> Column {
    Column { key: key.into(), label: label.into(), unit: unit.into() }
}

/// The class's name in the report's language.
fn class_name(key: &str, lang: Language) -> String {
    LAND_USE_CLASSES.iter().find(|c| c.0 == key).map_or(key.to_string(), |c| lang.pick(c.1, c.2).to_string())
}

/// 用地结构调整表 of the whole area, when the run wrote it.
pub fn structure_table(s: &Sources) -> Option<ReportTable> {
    let t = s.layer("land_use_structure")?;
    let lang = s.lang;
    let ha = lang.pick("公顷", "ha");
    let columns = vec![
        column("class", lang.pick("用地分类", "class"), ""),
        column("current_ha", lang.pick("现状面积", "now"), ha),
        column("current_share", lang.pick("现状比例", "share now"), "%"),
        column("planned_ha", lang.pick("规划面积", "planned"), ha),
        column("planned_share", lang.pick("规划比例", "planned share"), "%"),
        column("change_ha", lang.pick("增减", "change"), ha),
    ];
    let decimals = 2;
    let rows: Vec<Row> = (0..t.table.rows.len())
        .filter(|&r| t.text(r, "level") == "total" && t.text(r, "class") != "total")
        .map(|r| {
            let key = t.text(r, "class");
            let mut cells = vec![Cell::Text(class_name(&key, lang))];
            cells.extend(["current_ha", "current_share", "planned_ha", "planned_share", "change_ha"].map(|c| Cell::Number { value: t.num(r, c), decimals }));
            Row { key, cells }
        })
        .collect();
    let mut table = ReportTable { key: "land_use".into(), title: lang.pick("用地结构调整表（全域）", "land-use structure (whole area)").into(), columns, rows, total: None };
    table.total = Some(table.total_of_rows(lang.pick("合计", "total")));
    Some(table)
}

/// 约束性指标: one row per unit and indicator with a target.
pub fn targets_table(s: &Sources) -> Option<ReportTable> {
    let t = s.layer("targets")?;
    let lang = s.lang;
    let ha = lang.pick("公顷", "ha");
    let columns = vec![
        column("unit", lang.pick("单元", "unit"), ""),
        column("indicator", lang.pick("指标", "indicator"), ""),
        column("target", lang.pick("目标", "target"), ha),
        column("plan", lang.pick("规划", "plan"), ha),
        column("gap", lang.pick("差值", "gap"), ha),
        column("met", lang.pick("是否达标", "met"), ""),
    ];
    let mut rows = Vec::new();
    for r in 0..t.table.rows.len() {
        let unit = match t.text(r, "level").as_str() {
            "total" => lang.pick("合计", "total").to_string(),
            "village" => t.text(r, "villages"),
            _ => t.text(r, "code"),
        };
        for (key, zh, _, _) in TARGETS {
            let met = t.text(r, &format!("{key}_met"));
            if met.is_empty() {
                continue;
            }
            let mut cells = vec![Cell::Text(unit.clone()), Cell::Text(zh.to_string())];
            cells.extend(["target", "plan", "gap"].map(|c| Cell::Number { value: t.num(r, &format!("{key}_{c}")), decimals: 2 }));
            let shown = match (lang, met.as_str()) {
                (Language::En, "达标") => "met",
                (Language::En, _) => "not met",
                (_, m) => m,
            };
            cells.push(Cell::Text(shown.to_string()));
            rows.push(Row { key: format!("{}:{key}", t.text(r, "seq")), cells });
        }
    }
    Some(ReportTable { key: "targets".into(), title: lang.pick("约束性指标（目标与规划）", "binding targets and the plan").into(), columns, rows, total: None })
}
