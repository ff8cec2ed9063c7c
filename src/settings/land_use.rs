//! `[land_use]` and `[targets]`: the planning land-use classes (用地结构调整表) — which
//! 三调 land-use codes (DLBM) and 城镇村属性码 (CZCSXM) make each class, how its figures
//! are printed — and the upper-level targets (约束性指标) the plan is checked against.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

/// The planning classes, in table order: (key, Chinese name, English name, colour).
pub const LAND_USE_CLASSES: [(&str, &str, &str, [u8; 3]); 12] = [
    ("cropland", "耕地", "cropland", [255, 255, 100]),
    ("garden", "园地", "garden land", [255, 190, 100]),
    ("forest", "林地", "forest land", [60, 160, 60]),
    ("grassland", "草地", "grassland", [170, 220, 120]),
    ("wetland", "湿地", "wetland", [120, 200, 200]),
    ("agri_facility", "农业设施建设用地", "agricultural facilities", [210, 170, 120]),
    ("urban", "城镇建设用地", "urban construction land", [230, 80, 80]),
    ("village", "村庄建设用地", "village construction land", [240, 150, 140]),
    ("infrastructure", "区域基础设施用地", "regional infrastructure", [150, 150, 150]),
    ("other_construction", "其他建设用地", "other construction land", [190, 120, 160]),
    ("water", "陆地水域", "inland water", [100, 160, 230]),
    ("other", "其他土地", "other land", [220, 220, 210]),
];

/// Classes 城镇村属性码 re-assigns (construction land of a town, a village or neither).
pub const SETTLEMENT_CLASSES: [&str; 3] = ["urban", "village", "other_construction"];

/// The default code table: a land-use code prefix (三调 工作分类) → class; a code takes
/// the class of its longest matching prefix, `other` (其他土地: 田坎, 盐碱地, 沙地, 裸地)
/// when none matches. Construction land outside towns and villages (no CZCSXM) is
/// 其他建设用地, except 城镇住宅 (城镇) and 农村宅基地 (村庄).
fn default_codes() -> BTreeMap<String, String> {
    let groups: [(&str, &[&str]); 11] = [
        ("cropland", &["0101", "0102", "0103"]),
        ("garden", &["02"]),
        ("forest", &["0301", "0302", "0305", "0307"]),
        ("grassland", &["0401", "0403", "0404"]),
        ("wetland", &["0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"]),
        ("agri_facility", &["1006", "1202"]),
        ("urban", &["0701"]),
        ("village", &["0702"]),
        ("infrastructure", &["1001", "1002", "1003", "1007", "1008", "1009", "1109"]),
        ("other_construction", &["05", "0601", "0602", "0604", "08", "09", "1004", "1005", "1201"]),
        ("water", &["1101", "1102", "1103", "1104", "1107", "1110"]),
    ];
    groups.iter().flat_map(|(g, codes)| codes.iter().map(move |c| (c.to_string(), g.to_string()))).collect()
}

/// 城镇村属性码 → class: 201 城市 and 202 建制镇 are 城镇, 203 村庄, 204 盐田及采矿 and 205
/// 特殊用地 其他建设用地.
fn default_settlement() -> BTreeMap<String, String> {
    [("201", "urban"), ("202", "urban"), ("203", "village"), ("204", "other_construction"), ("205", "other_construction")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LandUseSettings {
    /// Land-use code prefix → class, over the default table (a prefix given here
    /// replaces the default's class for it; `""` as a class removes the prefix).
    pub codes: BTreeMap<String, String>,
    /// 城镇村属性码 prefix → class, for the construction land the code table puts in
    /// 城镇, 村庄 or 其他建设用地 (the field is `indicators.urban_code_field`).
    pub settlement: BTreeMap<String, String>,
    /// Decimals of the printed ha and mu (and of the shares in %).
    pub decimals: u32,
}

impl Default for LandUseSettings {
    fn default() -> Self {
        LandUseSettings { codes: BTreeMap::new(), settlement: default_settlement(), decimals: 2 }
    }
}

/// The class index of a key.
pub fn class_index(key: &str) -> Option<usize> {
    LAND_USE_CLASSES.iter().position(|(k, ..)| *k == key)
}

impl LandUseSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        let keys: Vec<&str> = LAND_USE_CLASSES.iter().map(|(k, ..)| *k).collect();
        for (key, map) in [("land_use.codes", &self.codes), ("land_use.settlement", &self.settlement)] {
            for (code, class) in map {
                if !(class.is_empty() && key == "land_use.codes") && class_index(class).is_none() {
                    return Err(at.fail(key, format!("{code:?}: unknown class {class:?}; classes: {}", keys.join(", "))));
                }
            }
        }
        if self.decimals > 6 {
            return Err(at.fail("land_use.decimals", format!("must be 0 to 6, got {}", self.decimals)));
        }
        Ok(())
    }

    /// The code table in force: the defaults with this run's overrides.
    pub fn code_table(&self) -> Vec<(String, usize)> {
        let mut table = default_codes();
        for (code, class) in &self.codes {
            table.insert(code.clone(), class.clone());
        }
        table.into_iter().filter_map(|(code, class)| class_index(&class).map(|c| (code, c))).collect()
    }
}

/// `[targets]`: the 约束性指标 the plan must meet, per unit, from a CSV or XLSX file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TargetSettings {
    /// The targets file (CSV, UTF-8; or XLSX): a column 层级 (合计/乡镇/村级片区/村, or
    /// total/township/cluster/village), a column 单元 (the unit's code or name), and a
    /// column (ha) per indicator; empty: no targets.
    pub path: Option<PathBuf>,
    /// The XLSX sheet to read (empty: the first).
    pub sheet: String,
    /// Differences of at most this much (ha) are no difference (printed figures).
    pub tolerance_ha: f64,
}

impl TargetSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        if !self.tolerance_ha.is_finite() || self.tolerance_ha < 0.0 {
            return Err(at.fail("targets.tolerance_ha", format!("must be a number ≥ 0, got {}", self.tolerance_ha)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_or_remove_a_prefix() {
        let mut s = LandUseSettings::default();
        s.codes.insert("1006".into(), "infrastructure".into());
        s.codes.insert("1202".into(), String::new());
        let t = s.code_table();
        let of = |code: &str| t.iter().find(|(c, _)| c == code).map(|(_, k)| LAND_USE_CLASSES[*k].0);
        assert_eq!(of("1006"), Some("infrastructure"));
        assert_eq!(of("1202"), None);
        assert_eq!(of("0101"), Some("cropland"));
    }
}
