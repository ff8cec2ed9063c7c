//! `indicators` (规划指标分解表): per village, village cluster (村级片区) and in total, each
//! indicator's current (现状) and planned (规划) figure — official TBMJ in m², ha and mu,
//! and the computed area beside; also `indicators.csv` and the `indicators.xlsx` sheet.

use crate::stages::indicators::IndicatorRow;
use super::{Field, Layer, RunData, Title};
use crate::settings::{Settings, INDICATORS};
use crate::table::{AttrValue, FieldKind::*};

pub struct Indicators;

/// The value columns of one indicator: (suffix, index into the row's [current, planned,
/// calc current, calc planned], unit, Chinese).
const COLUMNS: [(&str, usize, &str, &str); 8] = [
    ("current_m2", 0, "m²", "现状"),
    ("planned_m2", 1, "m²", "规划"),
    ("current_ha", 0, "公顷", "现状"),
    ("planned_ha", 1, "公顷", "规划"),
    ("current_mu", 0, "亩", "现状"),
    ("planned_mu", 1, "亩", "规划"),
    ("current_calc_m2", 2, "m²", "现状(计算面积)"),
    ("planned_calc_m2", 3, "m²", "规划(计算面积)"),
];

impl Layer for Indicators {
    fn name(&self) -> &'static str {
        "indicators"
    }

    fn title(&self) -> Title {
        Title { zh: "规划指标分解表", en: "planning indicators", description: "current and planned indicators per village, cluster and total" }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn ready(&self, d: &RunData) -> bool {
        d.slice::<IndicatorRow>().is_some()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        let mut f = vec![Field::new("level", Text, "层级", ""), Field::new("code", Text, "代码", ""), Field::new("name", Text, "名称", "")];
        for (key, zh) in INDICATORS {
            for (suffix, _, unit, when) in COLUMNS {
                f.push(Field::owned(format!("{key}_{suffix}"), Real, format!("{zh}{when}"), unit).grouped(zh));
            }
        }
        f
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.slice::<IndicatorRow>().map(|t| t.len()).unwrap_or(0)).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let r = &d.need::<Vec<IndicatorRow>>()[k];
        out.extend([r.level, r.code.as_str(), r.name.as_str()].map(AttrValue::text));
        for key in 0..INDICATORS.len() {
            for (suffix, j, _, _) in COLUMNS {
                let v = match suffix {
                    s if s.ends_with("_ha") => r.shown_ha[key][j],
                    s if s.ends_with("_mu") => r.shown_mu[key][j],
                    _ => r.values[key][j] as f64 / 100.0,
                };
                out.push(AttrValue::Real(v));
            }
        }
    }

    fn csv_name(&self, _s: &Settings) -> Option<String> {
        Some("indicators.csv".into())
    }

    fn sheet_name(&self) -> Option<&'static str> {
        Some("规划指标分解表")
    }
}
