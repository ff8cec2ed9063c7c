//! `[indicators]` and `[villages]`: the official indicator table (规划指标分解表) — which
//! land-use codes make each indicator class, and which villages form each 村级片区.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

/// The indicator classes, in table order: (key, Chinese name).
pub const INDICATORS: [(&str, &str); 8] = [
    ("cropland", "耕地保有量"),
    ("basic_farmland", "永久基本农田"),
    ("garden", "园地"),
    ("forest", "林地"),
    ("grassland", "草地"),
    ("wetland", "湿地"),
    ("construction", "城乡建设用地"),
    ("other", "其他"),
];

/// Land-use code prefixes of each class (GB/T 21010 / 三调 工作分类); a code takes the
/// class of its longest matching prefix, `other` when none matches. `basic_farmland` is
/// not a land-use class: it comes from the constraint with that role.
fn default_classes() -> BTreeMap<String, Vec<String>> {
    let class = |codes: &[&str]| codes.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    BTreeMap::from([
        ("cropland".into(), class(&["0101", "0102", "0103"])),
        ("garden".into(), class(&["0201", "0202", "0203", "0204"])),
        ("forest".into(), class(&["0301", "0302", "0305", "0307"])),
        ("grassland".into(), class(&["0401", "0403", "0404"])),
        ("wetland".into(), class(&["0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"])),
        ("construction".into(), class(&["05", "0601", "0602", "07", "08", "09", "1004", "1005", "1201"])),
    ])
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IndicatorSettings {
    /// Class → land-use code prefixes (the default table is the 三调 classification).
    pub classes: BTreeMap<String, Vec<String>>,
    /// 城镇村属性码 field: parcels with a code from 201 to 205 that no class above claims
    /// count as 城乡建设用地 (empty: not used).
    pub urban_code_field: String,
    /// 田坎 deduction: the KCMJ field (area) or, when absent, KCXS (coefficient): cropland
    /// is counted net of it.
    pub deduction_area_field: String,
    pub deduction_coefficient_field: String,
}

impl Default for IndicatorSettings {
    fn default() -> Self {
        IndicatorSettings {
            classes: default_classes(),
            urban_code_field: "CZCSXM".into(),
            deduction_area_field: "KCMJ".into(),
            deduction_coefficient_field: "KCXS".into(),
        }
    }
}

impl IndicatorSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        let keys: Vec<&str> = INDICATORS.iter().map(|(k, _)| *k).filter(|k| *k != "basic_farmland" && *k != "other").collect();
        for key in self.classes.keys() {
            if !keys.contains(&key.as_str()) {
                return Err(at.fail("indicators.classes", format!("unknown class {key:?}; classes: {}", keys.join(", "))));
            }
        }
        Ok(())
    }

    /// The class of a land-use code (a `K` suffix is ignored): the longest prefix wins.
    pub fn class_of(&self, code: &str) -> &str {
        let code = code.trim_end_matches(['K', 'k']);
        let mut best: (&str, usize) = ("other", 0);
        for (class, prefixes) in &self.classes {
            for p in prefixes {
                if code.starts_with(p.as_str()) && p.len() > best.1 {
                    best = (class.as_str(), p.len());
                }
            }
        }
        best.0
    }
}

/// `[villages]`: village clusters (村级片区) for the indicator table.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct VillageSettings {
    /// Village code → cluster name; villages not listed form the cluster "未分片区".
    pub clusters: BTreeMap<String, String>,
    /// Cluster name → its 中心村 (the 规划指标分解表's 中心村名称 column).
    pub centres: BTreeMap<String, String>,
}
