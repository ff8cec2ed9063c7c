//! `[fields]`: which attribute of the parcel layer holds what. Defaults are the 三调
//! DLTB names; deliveries that differ are mapped here.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FieldMap {
    pub id: String,
    pub land_use: String,
    pub land_use_name: String,
    pub village_code: String,
    pub village_name: String,
    pub owner_code: String,
    pub terrace_type: String,
    pub recorded_grade: String,
    pub official_area: String,
    /// Cropland quality grade (耕地质量等别, e.g. GDDB; lower is better), optional: when set,
    /// the basic-farmland adjustment takes in no worse farmland than goes out.
    pub quality: String,
    /// Restoration attribute (恢复属性: 即可恢复 / 工程恢复), optional: parcels whose value is
    /// in `restore.immediate` or `restore.engineering` are restorable (复耕).
    pub restore: String,
}

impl Default for FieldMap {
    fn default() -> Self {
        FieldMap {
            id: "BSM".into(),
            land_use: "DLBM".into(),
            land_use_name: "DLMC".into(),
            village_code: "ZLDWDM".into(),
            village_name: "ZLDWMC".into(),
            owner_code: "QSDWDM".into(),
            terrace_type: "GDLX".into(),
            recorded_grade: "GDPDJB".into(),
            official_area: "TBMJ".into(),
            quality: String::new(),
            restore: String::new(),
        }
    }
}
