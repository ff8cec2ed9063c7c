//! `new_cropland_ledger` (新增耕地台账): per village, township and in total — current
//! cropland, new cropland by source, the losses (退耕还林, 其他流出), the net, and 新增耕地率
//! = net / current against `supply.min_new_share` (达标 or not); also
//! `new_cropland_ledger.csv`.

use super::{Field, Layer, RunData, Title, Values};
use crate::settings::Settings;
use crate::stages::supply::{LedgerRow, AMOUNTS};
use crate::table::{AttrValue, FieldKind::*};
use crate::units::round;

pub struct NewCroplandLedger;

impl Layer for NewCroplandLedger {
    fn name(&self) -> &'static str {
        "new_cropland_ledger"
    }

    fn title(&self) -> Title {
        Title { zh: "新增耕地台账", en: "new cropland ledger", description: "new cropland by source, losses, net and 新增耕地率 per village, township and total" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn ready(&self, d: &RunData) -> bool {
        d.slice::<LedgerRow>().is_some()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        let mut f = vec![
            Field::new("level", Text, "层级", ""),
            Field::new("code", Text, "代码", ""),
            Field::new("name", Text, "名称", ""),
            Field::new("parcels", Int, "新增耕地图斑数", ""),
        ];
        for (key, zh) in AMOUNTS {
            f.push(Field::owned(format!("{key}_m2"), Real, zh.to_string(), "m²"));
            f.push(Field::owned(format!("{key}_ha"), Real, zh.to_string(), "公顷"));
            f.push(Field::owned(format!("{key}_mu"), Real, zh.to_string(), "亩"));
        }
        f.extend([
            Field::new("new_share_pct", Real, "新增耕地率", "%"),
            Field::new("target_pct", Real, "新增耕地率目标", "%"),
            Field::coded("pass", Int, "是否达标", "", Values::YesNo),
        ]);
        f
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.slice::<LedgerRow>().map_or(0, <[LedgerRow]>::len)).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r = &d.need::<Vec<LedgerRow>>()[k];
        out.extend([r.level, r.code.as_str(), r.name.as_str()].map(AttrValue::text));
        out.push(AttrValue::Int(r.parcels as i64));
        for (cm2, (ha, mu)) in r.amounts.iter().zip(r.shown) {
            out.extend([*cm2 as f64 / 100.0, ha, mu].map(AttrValue::Real));
        }
        out.extend([round(r.rate * 100.0, 2), round(d.settings.supply.min_new_share * 100.0, 2)].map(AttrValue::Real));
        out.push(AttrValue::Int(r.pass as i64));
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("new_cropland_ledger.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("新增耕地台账")
    }
}
