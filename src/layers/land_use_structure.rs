//! `land_use_structure` (用地结构调整表): per village, 村级片区, 乡镇 and in total, each
//! planning class's current (现状) and planned (规划) area and its change (增减) — exact in
//! m² (to the cm²), printed in ha and mu (`land_use.decimals`, rows adding up to their
//! printed total) — and its share of the unit; one 合计 row per unit. Also
//! `land_use_structure.csv` and the workbook sheet 用地结构调整表.

use super::parcels::CLASS_CODES;
use super::{Field, Layer, RunData, Title, Values};
use crate::settings::Settings;
use crate::stages::land_use::{StructureRow, N};
use crate::table::{AttrValue, FieldKind::*};

pub struct LandUseStructure;

/// The classes and 合计 as a value map.
const CLASSES: [(&str, &str, &str); 13] = {
    let mut out = [("total", "合计", "total"); 13];
    let mut k = 0;
    while k < 12 {
        out[k] = CLASS_CODES[k];
        k += 1;
    }
    out
};

/// Levels as a value map.
pub const LEVELS: &[(&str, &str, &str)] = &[("village", "村", "village"), ("cluster", "村级片区", "village cluster"), ("township", "乡镇", "township"), ("total", "合计", "total")];

impl Layer for LandUseStructure {
    fn name(&self) -> &'static str {
        "land_use_structure"
    }

    fn title(&self) -> Title {
        Title { zh: "用地结构调整表", en: "land-use structure", description: "current and planned area of every land-use class per village, cluster, township and total" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn ready(&self, d: &RunData) -> bool {
        d.slice::<StructureRow>().is_some()
    }

    fn fields(&self, d: &RunData) -> Vec<Field> {
        let dec = d.settings.land_use.decimals.min(6) as u8;
        let mut f = vec![
            Field::coded("level", Text, "层级", "", Values::Codes(LEVELS)),
            Field::new("code", Text, "代码", ""),
            Field::new("name", Text, "名称", ""),
            Field::coded("class", Text, "用地分类", "", Values::Codes(&CLASSES)),
        ];
        for (when, zh) in [("current", "现状"), ("planned", "规划"), ("change", "增减")] {
            let field = |suffix: &str, what: &str, unit: &'static str| Field::owned(format!("{when}_{suffix}"), Real, format!("{zh}{what}"), unit).grouped(zh);
            f.push(field("m2", "面积", "m²"));
            f.push(field("ha", "面积", "公顷").with_decimals(dec));
            f.push(field("mu", "面积", "亩").with_decimals(dec));
            if when != "change" {
                f.push(field("share", "比例", "%").with_decimals(dec));
            }
        }
        f
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.slice::<StructureRow>().map_or(0, |t| t.len() * (N + 1))).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r = &d.need::<Vec<StructureRow>>()[k / (N + 1)];
        let c = k % (N + 1);
        let scale = 10f64.powi(d.settings.land_use.decimals as i32);
        out.extend([r.level, r.code.as_str(), r.name.as_str(), CLASSES[c].0].map(AttrValue::text));
        let m2 = match c {
            N => [r.area(), r.area()],
            _ => r.areas[c],
        };
        for j in 0..3 {
            let exact = if j == 2 { m2[1] - m2[0] } else { m2[j] };
            out.push(AttrValue::Real(exact as f64 / 100.0));
            out.push(AttrValue::Real(crate::units::unsigned_zero(r.ha[c][j] as f64 / scale)));
            out.push(AttrValue::Real(crate::units::unsigned_zero(r.mu[c][j] as f64 / scale)));
            if j < 2 {
                out.push(AttrValue::Real(r.share[c][j] as f64 / scale));
            }
        }
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("land_use_structure.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("用地结构调整表")
    }
}
