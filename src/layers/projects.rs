//! `projects` (项目库): one row per project (type × village) with its quantities, its
//! investment estimate, the revenue of the quotas it yields and its phase; also
//! `projects.csv` and the workbook sheet 项目库.

use super::{Field, Layer, RunData, Title};
use crate::settings::Settings;
use crate::stages::projects::{Project, Projects};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::{ha, mu, round};

pub struct ProjectList;

/// 分 as 万元.
pub(super) fn wan(fen: i64) -> f64 {
    round(fen as f64 / 1e6, 6)
}

fn m2(cm2: i64) -> f64 {
    cm2 as f64 / 100.0
}

impl Layer for ProjectList {
    fn name(&self) -> &'static str {
        "projects"
    }

    fn title(&self) -> Title {
        Title { zh: "项目库", en: "projects", description: "the rules' candidates as projects per type and village: quantities, investment, phase" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.projects.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<Projects>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        vec![
            Field::new("project_id", Text, "项目编号", ""),
            Field::new("type", Text, "项目类别", ""),
            Field::new("name", Text, "项目名称", ""),
            Field::new("village_code", Text, "所在村代码", ""),
            Field::new("village_name", Text, "所在村", ""),
            Field::new("parcels", Int, "数量（图斑）", "个"),
            Field::new("area_m2", Real, "规模（平方米）", "m²"),
            Field::new("area_mu", Real, "规模（亩）", "亩"),
            Field::new("area_ha", Real, "规模（公顷）", "ha"),
            Field::new("new_cropland_mu", Real, "新增耕地（亩）", "亩"),
            Field::new("new_cropland_share", Real, "新增耕地率", "%"),
            Field::new("surplus_mu", Real, "节余指标（亩）", "亩"),
            Field::new("unit_cost", Real, "单位投资（元/亩）", "元/亩"),
            Field::new("investment_wan", Real, "投资估算（万元）", "万元"),
            Field::new("revenue_wan", Real, "指标收益（万元）", "万元"),
            Field::new("phase", Text, "实施年度", ""),
        ]
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.get::<Projects>().map_or(0, |p| p.projects.len())).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let p: &Project = &d.need::<Projects>().projects[k];
        let s = &d.settings.projects;
        let area = m2(p.area_cm2);
        let share = if p.area_cm2 > 0 { p.new_cm2 as f64 * 100.0 / p.area_cm2 as f64 } else { 0.0 };
        out.extend([
            AttrValue::text(p.id.clone()),
            AttrValue::text(p.kind().zh()),
            AttrValue::text(p.name()),
            AttrValue::text(p.village_code.clone()),
            AttrValue::text(p.village_name.clone()),
            AttrValue::Int(p.parcels.len() as i64),
            AttrValue::Real(round(area, 2)),
            AttrValue::Real(round(mu(area), 2)),
            AttrValue::Real(round(ha(area), 4)),
            AttrValue::Real(round(mu(m2(p.new_cm2)), 2)),
            AttrValue::Real(round(share, 2)),
            AttrValue::Real(round(mu(m2(p.surplus_cm2)), 2)),
            AttrValue::Real(s.unit_costs.all()[p.kind().index()].1),
            AttrValue::Real(wan(p.invest_fen)),
            AttrValue::Real(wan(p.revenue_fen())),
            AttrValue::text(p.phase.map_or_else(|| "unscheduled".to_string(), |f| s.phases[f].to_string())),
        ]);
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("projects.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("项目库")
    }
}
