//! `targets` (约束性指标分解表): the plan against the upper-level targets of `[targets]`,
//! laid out as plans print their 规划指标分解表 — 序号, 乡镇级片区名称, 村级片区名称,
//! 村级片区所含村名称, 中心村名称 — and per indicator its target, the plan's figure, the gap
//! (ha) and 达标/未达标. Also `targets.csv` and the workbook sheet 约束性指标分解表 (the
//! indicator table already holds the sheet named 规划指标分解表).

use super::land_use_structure::LEVELS;
use super::{Field, Layer, RunData, Title, Values};
use crate::settings::Settings;
use crate::stages::targets::TARGETS;
use crate::stages::targets_check::TargetResult;
use crate::table::{AttrValue, FieldKind::*};

pub struct Targets;

const PASS: &[(&str, &str, &str)] = &[("达标", "达标", "met"), ("未达标", "未达标", "not met")];

impl Layer for Targets {
    fn name(&self) -> &'static str {
        "targets"
    }

    fn title(&self) -> Title {
        Title { zh: "约束性指标分解表", en: "binding targets", description: "the plan's figures against the upper-level targets per unit, met or not" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.targets.path.is_some()
    }

    fn ready(&self, d: &RunData) -> bool {
        d.has::<TargetResult>()
    }

    fn fields(&self, d: &RunData) -> Vec<Field> {
        let dec = d.settings.land_use.decimals.min(6) as u8;
        let mut f = vec![
            Field::new("seq", Int, "序号", ""),
            Field::coded("level", Text, "层级", "", Values::Codes(LEVELS)),
            Field::new("code", Text, "单元代码", ""),
            Field::new("township", Text, "乡镇级片区名称", ""),
            Field::new("cluster", Text, "村级片区名称", ""),
            Field::new("villages", Text, "村级片区所含村名称", ""),
            Field::new("centre", Text, "中心村名称", ""),
        ];
        for (key, zh, _, _) in TARGETS {
            let real = |suffix: &str, what: &str| Field::owned(format!("{key}_{suffix}"), Real, format!("{zh}{what}"), "公顷").grouped(zh).with_decimals(dec);
            f.extend([real("target", "目标"), real("plan", "规划"), real("gap", "差值")]);
            f.push(Field::owned(format!("{key}_met"), Text, format!("{zh}是否达标"), "").grouped(zh).shown_as(Values::Codes(PASS)));
        }
        f
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.get::<TargetResult>().map_or(0, |t| t.rows.len())).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r = &d.need::<TargetResult>().rows[k];
        out.push(AttrValue::Int(k as i64 + 1));
        out.extend([r.level, r.code.as_str(), r.township.as_str(), r.cluster.as_str(), r.villages.as_str(), r.centre.as_str()].map(AttrValue::text));
        for cell in &r.cells {
            match cell {
                Some(c) => {
                    out.extend([c.target, c.plan, c.gap].map(|v| AttrValue::Real(crate::units::unsigned_zero(v))));
                    out.push(AttrValue::text(if c.pass { "达标" } else { "未达标" }));
                }
                None => out.extend([AttrValue::Null, AttrValue::Null, AttrValue::Null, AttrValue::Null]),
            }
        }
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("targets.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("约束性指标分解表")
    }
}
