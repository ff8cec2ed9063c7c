//! What users read beside the figures: field aliases with their units and value maps
//! (code → name), in the run's language (`output.language`). `output::qml` writes them
//! into each layer's QGIS style, so QGIS shows `面积（亩）` over `area_mu` and 旱地 for
//! 0103 while the fields keep their names and values.

use super::{landuse, Field};
use crate::settings::Language;
use crate::stages::terrain::grade_label;

pub use crate::table::Values;

/// One field as QGIS shows it: its alias and value map.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldForm {
    pub name: String,
    pub alias: String,
    /// (stored value, shown name), in the order QGIS lists them.
    pub value_map: Vec<(String, String)>,
}

/// The forms of a layer's fields, after the GeoPackage's own key column `fid` (which
/// QGIS lists first).
pub fn forms(fields: &[Field], lang: Language, breaks: &[f64; 4]) -> Vec<FieldForm> {
    let fid = FieldForm { name: "fid".into(), alias: lang.pick("要素号", "feature id").into(), value_map: Vec::new() };
    std::iter::once(fid)
        .chain(fields.iter().map(|f| FieldForm {
            name: f.name.to_string(),
            alias: alias(f, lang),
            value_map: f.values.map(|v| value_map(v, lang, breaks)).unwrap_or_default(),
        }))
        .collect()
}

/// `面积（亩）` (Chinese name and unit), or in English `area (mu)` from the field name.
pub fn alias(f: &Field, lang: Language) -> String {
    match (lang, unit(f, lang)) {
        (_, "") => label(f, lang),
        (Language::Zh, u) => format!("{}（{u}）", label(f, lang)),
        (Language::En, u) => format!("{} ({u})", label(f, lang)),
    }
}

/// The field's name without its unit: `面积`, or in English the field name in words
/// without its unit suffix (`area_mu` → `area`, `slope_mean` → `slope mean`; survey
/// columns such as DLBM stay as they are).
pub fn label(f: &Field, lang: Language) -> String {
    if lang == Language::Zh {
        return f.alias.to_string();
    }
    let mut words: &str = &f.name;
    if !unit(f, lang).is_empty() {
        for suffix in ["_m2", "_ha", "_mu", "_m"] {
            if let Some(stem) = words.strip_suffix(suffix) {
                words = stem;
                break;
            }
        }
    }
    words.replace('_', " ")
}

/// The field's unit as written in `lang` (counts have none in English).
pub fn unit(f: &Field, lang: Language) -> &'static str {
    match (lang, f.unit) {
        (Language::Zh, u) => u,
        (Language::En, "公顷") => "ha",
        (Language::En, "亩") => "mu",
        (Language::En, "米") => "m",
        (Language::En, "个") => "",
        (Language::En, u) => u,
    }
}

/// The (value, name) pairs of a value map.
pub fn value_map(v: Values, lang: Language, breaks: &[f64; 4]) -> Vec<(String, String)> {
    let pairs = |list: &[(&str, &str, &str)]| -> Vec<(String, String)> {
        list.iter().map(|(value, zh, en)| (value.to_string(), lang.pick(zh, en).to_string())).collect()
    };
    match v {
        Values::LandUse => landuse::value_map(lang),
        Values::Grade => [1u8, 2, 3, 4, 5, 0].iter().map(|&g| (g.to_string(), grade_label(g, breaks, lang))).collect(),
        Values::YesNo => pairs(&[("1", "是", "yes"), ("0", "否", "no")]),
        Values::YesNoText => pairs(&[("yes", "是", "yes"), ("no", "否", "no")]),
        Values::SwapRole => pairs(&[("out", "流出", "out"), ("in", "补充", "in"), ("reserve", "储备", "reserve")]),
        Values::CoveredBy => pairs(&[
            ("own", "本单元平衡", "own unit"),
            ("township", "乡镇内调剂", "within the township"),
            ("county", "县域内调剂", "within the county"),
            ("deficit", "缺口", "deficit"),
        ]),
        Values::TopologyKind => pairs(&[
            ("duplicate", "重复", "duplicate"),
            ("contains", "包含", "contains"),
            ("overlap", "重叠", "overlap"),
            ("repaired", "几何修复", "geometry repaired"),
            ("closed", "闭合", "ring closed"),
            ("kept", "无几何", "no geometry"),
            ("skipped", "已跳过", "skipped"),
        ]),
        Values::Change => pairs(&[("added", "新增", "added"), ("removed", "移除", "removed"), ("changed", "变化", "changed")]),
        Values::TerraceType => pairs(&[("TT", "梯田", "terraced"), ("PD", "坡地", "sloping")]),
        Values::Codes(list) => pairs(list),
    }
}

/// The name of `value` in a value map (the value itself when the map lacks it).
pub fn name_of(v: Values, value: &str, lang: Language, breaks: &[f64; 4]) -> String {
    value_map(v, lang, breaks)
        .into_iter()
        .find(|(k, _)| k == value)
        .map(|(_, name)| name)
        .unwrap_or_else(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::FieldKind::*;

    const BREAKS: [f64; 4] = [2.0, 6.0, 15.0, 25.0];

    #[test]
    fn aliases_carry_the_unit() {
        let mu = Field::new("area_mu", Real, "面积", "亩");
        assert_eq!(alias(&mu, Language::Zh), "面积（亩）");
        assert_eq!(alias(&mu, Language::En), "area (mu)");
        let slope = Field::new("slope_mean", Real, "平均坡度", "°");
        assert_eq!(alias(&slope, Language::Zh), "平均坡度（°）");
        assert_eq!(alias(&slope, Language::En), "slope mean (°)");
        let m2 = Field::new("area_m2", Real, "面积", "m²");
        assert_eq!(alias(&m2, Language::En), "area (m²)");
        let grade = Field::new("grade", Int, "坡度分级", "");
        assert_eq!(alias(&grade, Language::Zh), "坡度分级");
        assert_eq!(alias(&grade, Language::En), "grade");
    }

    #[test]
    fn value_maps() {
        let grades = value_map(Values::Grade, Language::Zh, &BREAKS);
        assert_eq!(grades[0], ("1".to_string(), "一级（≤2°）".to_string()));
        assert_eq!(grades[5], ("0".to_string(), "无坡度数据".to_string()));
        assert_eq!(name_of(Values::SwapRole, "reserve", Language::Zh, &BREAKS), "储备");
        assert_eq!(name_of(Values::YesNo, "1", Language::Zh, &BREAKS), "是");
        assert_eq!(name_of(Values::TopologyKind, "contains", Language::Zh, &BREAKS), "包含");
        assert_eq!(name_of(Values::Change, "x", Language::Zh, &BREAKS), "x");
        const TIERS: &[(&str, &str, &str)] = &[("100", "百亩方", "100 mu"), ("1000", "千亩方", "1 000 mu")];
        assert_eq!(name_of(Values::Codes(TIERS), "1000", Language::Zh, &BREAKS), "千亩方");
        assert_eq!(name_of(Values::Codes(TIERS), "100", Language::En, &BREAKS), "100 mu");
    }
}
