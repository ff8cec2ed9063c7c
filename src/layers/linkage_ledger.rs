//! `linkage_ledger` (增减挂钩台账): per village, township and in total — 拆旧, 建新 reserved,
//! 节余 quota, the land reclaimed to cropland (宜耕) and forest (宜林), and the reward on the
//! 节余 (reported; taken off 节余 only with `reclamation.reward_deduct`); also
//! `linkage_ledger.csv`.

use crate::stages::linkage::LinkageRow;
use crate::settings::Settings;
use super::{Field, Layer, RunData, Title};
use crate::table::{AttrValue, FieldKind::*};

pub struct LinkageLedger;

/// The amounts, in the order of `LinkageRow::shown`: (key, Chinese name).
const AMOUNTS: [(&str, &str); 6] = [
    ("demolish", "拆旧面积"),
    ("rebuild", "建新预留面积"),
    ("surplus", "节余指标"),
    ("new_cropland", "复垦为耕地"),
    ("new_forest", "复垦为林地"),
    ("reward", "节余奖励指标"),
];

impl Layer for LinkageLedger {
    fn name(&self) -> &'static str {
        "linkage_ledger"
    }

    fn title(&self) -> Title {
        Title { zh: "增减挂钩台账", en: "linkage ledger", description: "拆旧 − 建新 = 节余, per village, township and total" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn enabled(&self, d: &RunData) -> bool {
        d.settings.reclamation.enabled
    }

    fn ready(&self, d: &RunData) -> bool {
        d.slice::<LinkageRow>().is_some()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        let mut f = vec![
            Field::new("level", Text, "层级", ""),
            Field::new("code", Text, "代码", ""),
            Field::new("name", Text, "名称", ""),
            Field::new("parcels", Int, "拆旧图斑数", ""),
        ];
        for (key, zh) in AMOUNTS {
            f.push(Field::owned(format!("{key}_m2"), Real, zh.to_string(), "m²"));
            f.push(Field::owned(format!("{key}_ha"), Real, zh.to_string(), "公顷"));
            f.push(Field::owned(format!("{key}_mu"), Real, zh.to_string(), "亩"));
        }
        f.push(Field::new("demolish_computed_m2", Real, "拆旧面积(计算)", "m²"));
        f
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.slice::<LinkageRow>().map(|l| l.len()).unwrap_or(0)).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r = &d.need::<Vec<LinkageRow>>()[k];
        out.extend([r.level, r.code.as_str(), r.name.as_str()].map(AttrValue::text));
        out.push(AttrValue::Int(r.parcels as i64));
        let amounts = [r.demolish, r.rebuild, r.surplus, r.new_cropland, r.new_forest, r.reward];
        for (cm2, (ha, mu)) in amounts.iter().zip(r.shown) {
            out.extend([*cm2 as f64 / 100.0, ha, mu].map(AttrValue::Real));
        }
        out.push(AttrValue::Real(r.demolish_computed as f64 / 100.0));
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("linkage_ledger.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("增减挂钩台账")
    }
}
