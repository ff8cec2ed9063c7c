//! 项目库 on report.html: the projects by type (count, 规模, 新增耕地, 节余, investment,
//! revenue), the funding balance per phase, and the projects no phase had room for —
//! read from the `projects` and `funding_balance` rows the run writes.

use std::collections::BTreeMap;

use super::Sources;
use crate::output::report::{Cell, Column, ReportTable, Row};
use crate::settings::Language;
use crate::stages::projects::KINDS;

/// The `projects` columns the report reads.
pub const COLUMNS: &[&str] = &["project_id", "type_code", "name", "area_mu", "new_cropland_mu", "surplus_mu", "investment_wan", "revenue_wan", "rank", "phase"];

fn column(key: &str, label: &str, unit: &str) -> Column {
    Column { key: key.into(), label: label.into(), unit: unit.into() }
}

fn number(value: f64, decimals: usize) -> Cell {
    Cell::Number { value, decimals }
}

/// The name of a project type (by its code) in the report's language.
fn type_name(code: &str, lang: Language) -> String {
    KINDS.iter().find(|k| k.0 == code).map_or(code.to_string(), |k| lang.pick(k.1, k.2).to_string())
}

/// A phase as the report names it ("unscheduled": 未安排).
fn phase_name(phase: &str, lang: Language) -> String {
    match phase {
        "unscheduled" => lang.pick("未安排", "unscheduled").to_string(),
        "total" => lang.pick("合计", "total").to_string(),
        year => year.to_string(),
    }
}

/// The projects summed per type, in type order, with the total of the rows as shown.
pub fn by_type_table(s: &Sources) -> Option<ReportTable> {
    let t = s.layer("projects")?;
    let lang = s.lang;
    let (mu, wan) = (lang.pick("亩", "mu"), lang.pick("万元", "10k yuan"));
    let sums = ["area_mu", "new_cropland_mu", "surplus_mu", "investment_wan", "revenue_wan"];
    let mut columns = vec![column("type", lang.pick("项目类别", "project type"), ""), column("projects", lang.pick("项目数", "projects"), lang.pick("个", ""))];
    columns.extend([
        column("area_mu", lang.pick("规模", "area"), mu),
        column("new_cropland_mu", lang.pick("新增耕地", "new cropland"), mu),
        column("surplus_mu", lang.pick("节余指标", "surplus quota"), mu),
        column("investment_wan", lang.pick("投资估算", "investment"), wan),
        column("revenue_wan", lang.pick("指标收益", "quota revenue"), wan),
    ]);
    let mut by: BTreeMap<usize, (f64, [f64; 5])> = BTreeMap::new();
    for r in 0..t.table.rows.len() {
        let code = t.text(r, "type_code");
        let k = KINDS.iter().position(|k| k.0 == code).unwrap_or(KINDS.len());
        let e = by.entry(k).or_default();
        e.0 += 1.0;
        for (x, c) in e.1.iter_mut().zip(sums) {
            *x += t.num(r, c);
        }
    }
    let rows = by
        .into_iter()
        .map(|(k, (n, v))| {
            let code = KINDS.get(k).map_or("", |k| k.0);
            let mut cells = vec![Cell::Text(type_name(code, lang)), number(n, 0)];
            cells.extend(v.iter().zip([2, 2, 2, 2, 2]).map(|(&x, d)| number(x, d)));
            Row { key: code.to_string(), cells }
        })
        .collect();
    let mut table = ReportTable { key: "projects".into(), title: lang.pick("项目库（按类别汇总）", "projects by type").into(), columns, rows, total: None };
    table.total = Some(table.total_of_rows(lang.pick("合计", "total")));
    Some(table)
}

/// 资金平衡: a row per phase (and unscheduled), the total of the rows as shown.
pub fn funding_table(s: &Sources) -> Option<ReportTable> {
    let t = s.layer("funding_balance")?;
    let lang = s.lang;
    let wan = lang.pick("万元", "10k yuan");
    let money = [
        ("investment_wan", lang.pick("投资估算", "investment")),
        ("supplement_wan", lang.pick("补充耕地指标收益", "supplementary cropland quota")),
        ("linkage_wan", lang.pick("节余指标收益", "linkage surplus quota")),
        ("reward_wan", lang.pick("节余奖励收益", "surplus reward")),
        ("revenue_wan", lang.pick("收益合计", "revenue")),
        ("balance_wan", lang.pick("资金平衡", "balance")),
    ];
    let mut columns = vec![column("phase", lang.pick("实施年度", "phase"), ""), column("projects", lang.pick("项目数", "projects"), lang.pick("个", ""))];
    columns.extend(money.iter().map(|(key, label)| column(key, label, wan)));
    let rows = t
        .detail_rows()
        .map(|r| {
            let phase = t.text(r, "phase");
            let mut cells = vec![Cell::Text(phase_name(&phase, lang)), number(t.num(r, "projects"), 0)];
            cells.extend(money.iter().map(|(key, _)| number(t.num(r, key), 2)));
            Row { key: phase, cells }
        })
        .collect();
    let mut table = ReportTable { key: "funding_balance".into(), title: lang.pick("资金平衡（分期）", "funding balance by phase").into(), columns, rows, total: None };
    table.total = Some(table.total_of_rows(lang.pick("合计", "total")));
    Some(table)
}

/// The projects no phase had room for (under `projects.phase_cap_wan` / `phase_cap_mu`),
/// in priority order; None when every project is phased.
pub fn unscheduled_table(s: &Sources) -> Option<ReportTable> {
    let t = s.layer("projects")?;
    let lang = s.lang;
    let mut list: Vec<usize> = (0..t.table.rows.len()).filter(|&r| t.text(r, "phase") == "unscheduled").collect();
    if list.is_empty() {
        return None;
    }
    list.sort_by(|&a, &b| t.num(a, "rank").total_cmp(&t.num(b, "rank")));
    let columns = vec![
        column("rank", lang.pick("实施顺序", "rank"), ""),
        column("project_id", lang.pick("项目编号", "project"), ""),
        column("name", lang.pick("项目名称", "name"), ""),
        column("area_mu", lang.pick("规模", "area"), lang.pick("亩", "mu")),
        column("investment_wan", lang.pick("投资估算", "investment"), lang.pick("万元", "10k yuan")),
    ];
    let rows = list
        .into_iter()
        .map(|r| {
            let cells = vec![number(t.num(r, "rank"), 0), Cell::Text(t.text(r, "project_id")), Cell::Text(t.text(r, "name")), number(t.num(r, "area_mu"), 2), number(t.num(r, "investment_wan"), 2)];
            Row { key: t.text(r, "project_id"), cells }
        })
        .collect();
    let title = lang.pick("未安排项目（各期均无余量）", "unscheduled projects (no phase has room)");
    Some(ReportTable { key: "projects_unscheduled".into(), title: title.into(), columns, rows, total: None })
}
