//! `projects` (项目库): one row per project (type × unit: village or 村级片区), its
//! footprint, its quantities, its investment estimate, the revenue of the quotas it yields and its phase; also
//! `projects.csv` and the workbook sheet 项目库.

use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Labels, Rule, Style};
use super::villages::{bounds, page_extent_values, PAGE_EXTENT};
use super::{ChangeSpec, Field, Layer, RunData, Title, Values};
use crate::settings::{ProjectUnit, Settings};
use crate::stages::projects::{Kind, Project, Projects, KINDS, TIERS};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::{ha, mu, round};

pub struct ProjectList;

/// The projects' labels: name over id.
pub fn labels() -> Labels {
    Labels { field: "\"name\" || '\\n' || \"project_id\"".into(), size: 8.0 }
}

/// The value map of the priority tiers ([`Project::tier`]).
const PRIORITIES: [(&str, &str, &str); 3] = [("1", TIERS[0].0, TIERS[0].1), ("2", TIERS[1].0, TIERS[1].1), ("3", TIERS[2].0, TIERS[2].1)];

/// The fill of each project type, in [`Kind`] order.
pub(super) const COLOURS: [&str; 9] = [
    "255,255,153,190", // 农用地整理
    "254,196,79,200",  // 复耕（即可恢复）
    "236,112,20,200",  // 复耕（工程恢复）
    "217,240,163,200", // 未利用地开发
    "166,97,26,200",   // 增减挂钩
    "49,163,84,200",   // 退耕还林
    "116,196,118,200", // 林耕置换
    "230,85,13,160",   // 永久基本农田调整
    "65,182,196,200",  // 生态修复
];

/// 分 as 万元.
pub(super) fn wan(fen: i64) -> f64 {
    round(fen as f64 / 1e6, 6)
}

fn m2(cm2: i64) -> f64 {
    cm2 as f64 / 100.0
}

/// The style of a project atlas page's own project: its footprint in its type's colour
/// with a red outline, and no other project (rules on `@atlas_featureid`, so the page
/// shows the project among the villages and parcels, not under the others).
pub fn page_style(lang: crate::settings::Language) -> Style {
    let rules = Kind::ALL
        .iter()
        .zip(COLOURS)
        .map(|(k, rgba)| {
            let (code, zh, en) = KINDS[k.index()];
            Rule { filter: format!("@atlas_layerid LIKE 'projects%' AND $id = @atlas_featureid AND \"type_code\" = '{code}'"), label: lang.pick(zh, &format!("{en} ({zh})")).to_string(), fill: Fill::new(rgba, "200,0,0,255", 1.0) }
        })
        .collect();
    Style::Rules(rules)
}

impl Layer for ProjectList {
    fn name(&self) -> &'static str {
        "projects"
    }

    fn title(&self) -> Title {
        Title { zh: "项目库", en: "projects", description: "the rules' candidates as projects per type and village: footprints, quantities, investment, phase" }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.projects.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<Projects>()
    }

    fn fields(&self, d: &RunData) -> Vec<Field> {
        let (code, name) = match d.settings.projects.unit {
            ProjectUnit::Village => ("所在村代码", "所在村"),
            ProjectUnit::Cluster => ("村级片区代码", "村级片区"),
        };
        vec![
            Field::new("project_id", Text, "项目编号", ""),
            Field::coded("type_code", Text, "类别代码", "", Values::Codes(&KINDS)),
            Field::new("type", Text, "项目类别", ""),
            Field::new("name", Text, "项目名称", ""),
            Field::new("unit_code", Text, code, ""),
            Field::new("unit_name", Text, name, ""),
            Field::new("villages", Text, "所含村", ""),
            Field::new("parcels", Int, "数量（图斑）", "个"),
            Field::new("area_m2", Real, "规模（平方米）", "m²"),
            Field::new("area_mu", Real, "规模（亩）", "亩"),
            Field::new("area_ha", Real, "规模（公顷）", "ha"),
            Field::new("new_cropland_mu", Real, "新增耕地（亩）", "亩"),
            Field::new("new_cropland_share", Real, "新增耕地率", "%"),
            Field::new("in_mu", Real, "调入（亩）", "亩"),
            Field::new("out_mu", Real, "调出（亩）", "亩"),
            Field::new("surplus_mu", Real, "节余指标（亩）", "亩"),
            Field::new("reward_mu", Real, "节余奖励（亩）", "亩"),
            Field::new("unit_cost", Real, "单位投资（元/亩）", "元/亩"),
            Field::new("investment_wan", Real, "投资估算（万元）", "万元"),
            Field::new("revenue_wan", Real, "指标收益（万元）", "万元"),
            Field::coded("priority", Int, "优先级", "", Values::Codes(&PRIORITIES)),
            Field::new("rank", Int, "实施顺序", ""),
            Field::new("phase", Text, "实施年度", ""),
        ]
        .into_iter()
        .chain(PAGE_EXTENT)
        .collect()
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
            AttrValue::text(p.kind().code()),
            AttrValue::text(p.kind().zh()),
            AttrValue::text(p.name()),
            AttrValue::text(p.unit_code.clone()),
            AttrValue::text(p.unit_name.clone()),
            AttrValue::text(p.villages.join("、")),
            AttrValue::Int(p.parcels.len() as i64),
            AttrValue::Real(round(area, 2)),
            AttrValue::Real(round(mu(area), 2)),
            AttrValue::Real(round(ha(area), 4)),
            AttrValue::Real(round(mu(m2(p.new_cm2)), 2)),
            AttrValue::Real(round(share, 2)),
            AttrValue::Real(round(mu(m2(p.in_cm2)), 2)),
            AttrValue::Real(round(mu(m2(p.out_cm2)), 2)),
            AttrValue::Real(round(mu(m2(p.surplus_cm2)), 2)),
            AttrValue::Real(round(mu(m2(p.reward_cm2)), 2)),
            AttrValue::Real(s.unit_costs.all()[p.kind().index()].1),
            AttrValue::Real(wan(p.invest_fen)),
            AttrValue::Real(wan(p.revenue_fen())),
            AttrValue::Int(i64::from(p.tier())),
            AttrValue::Int(p.rank as i64),
            AttrValue::text(p.phase.map_or_else(|| "unscheduled".to_string(), |f| s.phases[f].to_string())),
        ]);
        // The project atlas page's map: the footprint framed as a village's page is.
        page_extent_values(p.footprint.as_ref().and_then(bounds), d.parcels.extent(), out);
    }

    fn geometry<'a>(&self, d: &RunData<'a>, k: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        let p: &'a Project = &d.need::<Projects>().projects[k];
        Some(p.footprint.as_ref().map_or_else(|| Cow::Owned(MultiPolygon::new(vec![])), Cow::Borrowed))
    }

    /// A colour per project type (the type code's value), the legend in the run's
    /// language (English with the Chinese name beside).
    fn style(&self, d: &RunData) -> Option<Style> {
        let lang = d.settings.output.language;
        let classes = Kind::ALL
            .iter()
            .zip(COLOURS)
            .map(|(k, rgba)| {
                let (code, zh, en) = KINDS[k.index()];
                (code.to_string(), lang.pick(zh, &format!("{en} ({zh})")).to_string(), Fill::new(rgba, "60,60,60,255", 0.5))
            })
            .collect();
        Some(Style::categorized("type_code", classes))
    }

    /// Each footprint labelled with the project's name over its id.
    fn labels(&self, _d: &RunData) -> Option<Labels> {
        Some(labels())
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("projects.csv".into())
    }

    /// Runs are compared project by project (the id: type and unit): its area, parcels,
    /// quantities and investment.
    fn changes(&self) -> Option<ChangeSpec> {
        Some(ChangeSpec {
            label: "projects",
            title: "projects",
            noun: "projects",
            key: "project_id",
            key_alias: "项目编号",
            noun_zh: "项目",
            village_code: "unit_code",
            village_name: "unit_name",
            land_use: "",
            grade: "",
            area_m2: "area_m2",
            figures: &[
                ("parcels", "数量（图斑）"),
                ("new_cropland_mu", "新增耕地（亩）"),
                ("in_mu", "调入（亩）"),
                ("out_mu", "调出（亩）"),
                ("surplus_mu", "节余指标（亩）"),
                ("investment_wan", "投资估算（万元）"),
            ],
            count_label: "projects",
            village_mu: true,
            group: None,
        })
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("项目库")
    }
}
