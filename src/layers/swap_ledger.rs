//! `swap_ledger` (进出平衡台账): per scope unit and in total, the cropland out and in (count,
//! m², mu, official TBMJ, area-weighted grade), the balance, and how it was covered;
//! also `swap_ledger.csv`.

use crate::stages::swap::SwapPlan;
use crate::settings::Settings;
use super::{Field, Layer, RunData, Title, Values};
use crate::table::{AttrValue, FieldKind::*};

pub struct SwapLedger;

const FIELDS: &[Field] = &[
    Field::new("scope", Text, "平衡范围", ""),
    Field::new("code", Text, "单元代码", ""),
    Field::new("name", Text, "单元名称", ""),
    Field::new("out_count", Int, "流出图斑数", "个"),
    Field::new("out_m2", Real, "流出面积", "m²"),
    Field::new("out_mu", Real, "流出面积", "亩"),
    Field::new("out_tbmj_m2", Real, "流出图斑面积(TBMJ)", "m²"),
    Field::new("out_grade_mean", Real, "流出平均坡度级", ""),
    Field::new("in_count", Int, "补充图斑数", "个"),
    Field::new("in_m2", Real, "补充面积", "m²"),
    Field::new("in_mu", Real, "补充面积", "亩"),
    Field::new("in_tbmj_m2", Real, "补充图斑面积(TBMJ)", "m²"),
    Field::new("in_grade_mean", Real, "补充平均坡度级", ""),
    Field::new("balance_m2", Real, "平衡差额", "m²"),
    Field::new("balance_tbmj_m2", Real, "平衡差额(TBMJ)", "m²"),
    Field::coded("balanced", Text, "是否平衡", "", Values::YesNoText),
    Field::coded("covered_by", Text, "平衡方式", "", Values::CoveredBy),
];

impl Layer for SwapLedger {
    fn name(&self) -> &'static str {
        "swap_ledger"
    }

    fn title(&self) -> Title {
        Title { zh: "进出平衡台账", en: "swap ledger", description: "cropland out and in per scope unit, balanced or not" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.swap.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.get::<SwapPlan>().is_some()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        FIELDS.to_vec()
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.get::<SwapPlan>().map(|s| s.ledger.len()).unwrap_or(0)).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r = &d.need::<SwapPlan>().ledger[k];
        out.extend([r.scope.as_str(), r.code.as_str(), r.name.as_str()].map(AttrValue::text));
        out.push(AttrValue::Int(r.out_count as i64));
        out.extend([r.out_m2, r.out_mu, r.out_tbmj_m2, r.out_grade_mean].map(AttrValue::Real));
        out.push(AttrValue::Int(r.in_count as i64));
        out.extend([r.in_m2, r.in_mu, r.in_tbmj_m2, r.in_grade_mean, r.balance_m2, r.balance_tbmj_m2].map(AttrValue::Real));
        out.push(AttrValue::text(if r.balanced { "yes" } else { "no" }));
        out.push(AttrValue::text(r.covered_by.as_str()));
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("swap_ledger.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("进出平衡台账")
    }
}
