//! 规划实施进度 on report.html: per kind of plan and planned class (the table's `rule`
//! rows), the planned area and how much of it this survey shows carried out, not yet and
//! contrary, the share carried out, and the land changed outside the plan; the total row
//! is the table's own.

use super::Sources;
use crate::output::report::{Cell, Column, ReportTable, Row};
use crate::settings::{Language, LAND_USE_CLASSES};
use crate::stages::progress::ROW_KINDS;

fn column(key: &str, label: &str, unit: &str) -> Column {
    Column { key: key.into(), label: label.into(), unit: unit.into() }
}

/// "退耕还林 → 林地": the kind of plan and its class in the report's language.
fn kind_name(kind: &str, class: &str, lang: Language) -> String {
    let kind = ROW_KINDS.iter().find(|k| k.0 == kind).map_or(kind.to_string(), |k| lang.pick(k.1, k.2).to_string());
    match LAND_USE_CLASSES.iter().find(|c| c.0 == class) {
        Some(c) => format!("{kind} → {}", lang.pick(c.1, c.2)),
        None => kind,
    }
}

/// The cells of row `r` of `plan_progress` after its label.
fn cells(t: &super::held::Held, r: usize) -> Vec<Cell> {
    let n = |c: &str, decimals| Cell::Number { value: t.num(r, c), decimals };
    let pct = t.num(r, "done_pct");
    let pct = if pct.is_nan() { Cell::Text(String::new()) } else { Cell::Number { value: pct, decimals: 2 } };
    vec![n("planned_count", 0), n("planned_mu", 2), n("carried_out_mu", 2), n("not_yet_mu", 2), n("contrary_mu", 2), pct, n("outside_mu", 2)]
}

/// The section, when the run followed up a baseline's plan.
pub fn progress_table(s: &Sources) -> Option<ReportTable> {
    let t = s.layer("plan_progress")?;
    let lang = s.lang;
    let mu = lang.pick("亩", "mu");
    let columns = vec![
        column("plan_rule", lang.pick("规划措施", "plan"), ""),
        column("planned_count", lang.pick("规划图斑", "planned parcels"), lang.pick("个", "")),
        column("planned_mu", lang.pick("规划面积", "planned"), mu),
        column("carried_out_mu", lang.pick("已实施", "carried out"), mu),
        column("not_yet_mu", lang.pick("未实施", "not yet"), mu),
        column("contrary_mu", lang.pick("反向变化", "contrary"), mu),
        column("done_pct", lang.pick("实施率", "done"), "%"),
        column("outside_mu", lang.pick("规划外变化", "outside the plan"), mu),
    ];
    let (mut rows, mut total) = (Vec::new(), None);
    for r in 0..t.table.rows.len() {
        let label = kind_name(&t.text(r, "plan_rule"), &t.text(r, "class_planned"), lang);
        match t.text(r, "level").as_str() {
            "rule" => rows.push(Row { key: format!("{}:{}", t.text(r, "plan_rule"), t.text(r, "class_planned")), cells: [vec![Cell::Text(label)], cells(t, r)].concat() }),
            "total" => total = Some([vec![Cell::Text(lang.pick("合计", "total").into())], cells(t, r)].concat()),
            _ => {}
        }
    }
    Some(ReportTable { key: "plan_progress".into(), title: lang.pick("规划实施进度", "plan progress").into(), columns, rows, total })
}
