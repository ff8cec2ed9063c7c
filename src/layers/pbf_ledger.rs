//! `pbf_ledger` (永久基本农田调整台账): per scope unit and in total, the farmland out and in
//! (count, m², mu, TBMJ, mean quality and grade), what had to be reached, the gain, whether
//! it balances in area and quality, and what the solver said; also `pbf_ledger.csv`.

use super::{Field, Layer, RunData, Title, Values};
use crate::settings::Settings;
use crate::stages::pbf::{LedgerRow, PbfPlan, Side};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::{mu, round};

pub struct PbfLedger;

/// The solver statuses.
const STATUS: &[(&str, &str, &str)] = &[
    ("optimal", "最优", "optimal"),
    ("time_limit", "限时内较优", "time limit"),
    ("deficit", "缺口", "deficit"),
    ("quality_infeasible", "质量不达标", "quality not reachable"),
    ("nothing_needed", "无需调入", "nothing needed"),
    ("solver_failed", "求解失败", "solver failed"),
];

fn side_fields(prefix: &'static str, zh: &'static str) -> Vec<Field> {
    let f = |name: &str, kind, alias: &str, unit| Field::owned(format!("{prefix}_{name}"), kind, format!("{zh}{alias}"), unit).grouped(zh);
    vec![
        f("count", Int, "图斑数", "个"),
        f("m2", Real, "面积", "m²"),
        f("mu", Real, "面积", "亩"),
        f("tbmj_m2", Real, "图斑面积(TBMJ)", "m²"),
        f("quality_mean", Real, "平均质量等别", ""),
        f("grade_mean", Real, "平均坡度级", ""),
    ]
}

fn side_values<'a>(s: &Side, out: &mut Vec<AttrValue<'a>>) {
    out.extend([AttrValue::Int(s.count as i64), AttrValue::Real(round(s.area_m2, 2)), AttrValue::Real(round(mu(s.area_m2), 2))]);
    out.push(AttrValue::Real(round(s.tbmj_m2, 2)));
    out.push(s.quality_mean.map_or(AttrValue::Null, |q| AttrValue::Real(round(q, 4))));
    out.push(AttrValue::Real(round(s.grade_mean, 4)));
}

impl Layer for PbfLedger {
    fn name(&self) -> &'static str {
        "pbf_ledger"
    }

    fn title(&self) -> Title {
        Title { zh: "永久基本农田调整台账", en: "basic farmland ledger", description: "basic farmland out and in per scope unit, balanced or not" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn enabled(&self, d: &RunData) -> bool {
        crate::stages::rule::enabled(d.settings).any(|r| r.name() == "pbf")
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<PbfPlan>()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        let mut f = vec![Field::new("scope", Text, "平衡范围", ""), Field::new("code", Text, "单元代码", ""), Field::new("name", Text, "单元名称", "")];
        f.extend(side_fields("out", "调出"));
        f.extend(side_fields("in", "调入"));
        f.extend([
            Field::new("required_m2", Real, "应调入面积", "m²"),
            Field::new("gain_m2", Real, "净增面积", "m²"),
            Field::new("gain_mu", Real, "净增面积", "亩"),
            Field::new("gain_share", Real, "净增比例", ""),
            Field::coded("balanced", Text, "面积平衡", "", Values::YesNoText),
            Field::coded("quality_ok", Text, "质量不降", "", Values::YesNoText),
            Field::coded("solver_status", Text, "求解状态", "", Values::Codes(STATUS)),
            Field::new("solver_gap", Real, "求解间隙", ""),
        ]);
        f
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.get::<PbfPlan>().map_or(0, |p| p.ledger.len())).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r: &LedgerRow = &d.need::<PbfPlan>().ledger[k];
        out.extend([AttrValue::text(r.scope), AttrValue::text(r.code.as_str()), AttrValue::text(r.name.as_str())]);
        side_values(&r.out, out);
        side_values(&r.inn, out);
        let gain = r.inn.area_m2 - r.out.area_m2;
        out.push(AttrValue::Real(round(r.required_m2, 2)));
        out.extend([AttrValue::Real(round(gain, 2)), AttrValue::Real(round(mu(gain), 2))]);
        out.push(AttrValue::Real(if r.out.area_m2 > 0.0 { round(gain / r.out.area_m2, 6) } else { 0.0 }));
        let yes = |b: bool| AttrValue::text(if b { "yes" } else { "no" });
        out.push(yes(r.balanced));
        out.push(r.quality_ok.map_or(AttrValue::Null, yes));
        out.extend([AttrValue::text(r.status), AttrValue::Real(r.gap)]);
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("pbf_ledger.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("永久基本农田调整台账")
    }
}
