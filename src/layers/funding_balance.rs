//! `funding_balance` (资金平衡): per phase, unscheduled projects, and in total, the
//! investment against the revenue of the quotas (补充耕地指标, 增减挂钩节余指标 and the reward
//! on it, 节余奖励, at the 节余指标 price), the balance and whether it holds; counted in
//! whole 分, so the total is the rows' sum exactly.
//! Also `funding_balance.csv` and the workbook sheet 资金平衡.

use super::projects::wan;
use super::{Field, Layer, RunData, Title};
use crate::settings::Settings;
use crate::stages::projects::Projects;
use crate::table::{AttrValue, FieldKind::*};

pub struct FundingBalance;

impl Layer for FundingBalance {
    fn name(&self) -> &'static str {
        "funding_balance"
    }

    fn title(&self) -> Title {
        Title { zh: "资金平衡", en: "funding balance", description: "investment against quota revenue per phase and in total" }
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
            Field::new("phase", Text, "实施年度", ""),
            Field::new("projects", Int, "项目数", "个"),
            Field::new("investment_wan", Real, "投资估算（万元）", "万元"),
            Field::new("supplement_wan", Real, "补充耕地指标收益（万元）", "万元"),
            Field::new("linkage_wan", Real, "增减挂钩节余指标收益（万元）", "万元"),
            Field::new("reward_wan", Real, "节余奖励收益（万元）", "万元"),
            Field::new("revenue_wan", Real, "收益合计（万元）", "万元"),
            Field::new("balance_wan", Real, "资金平衡（万元）", "万元"),
            Field::new("balanced", Int, "是否平衡", ""),
        ]
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.get::<Projects>().map_or(0, |p| p.funding.len())).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r = &d.need::<Projects>().funding[k];
        out.extend([
            AttrValue::text(r.phase.clone()),
            AttrValue::Int(r.projects as i64),
            AttrValue::Real(wan(r.invest_fen)),
            AttrValue::Real(wan(r.supplement_fen)),
            AttrValue::Real(wan(r.linkage_fen)),
            AttrValue::Real(wan(r.reward_fen)),
            AttrValue::Real(wan(r.revenue_fen())),
            AttrValue::Real(wan(r.balance_fen())),
            AttrValue::Int((r.balance_fen() >= 0) as i64),
        ]);
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("funding_balance.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("资金平衡")
    }
}
