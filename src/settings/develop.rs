//! `[develop]`: 未利用地开发 (耕地后备资源) — unused land (其他草地, 盐碱地, 裸土地) that is flat,
//! large enough and beside cropland that stays, developed into cropland.

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;
use crate::units::M2_PER_MU;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DevelopSettings {
    pub enabled: bool,
    /// Land-use codes of the reserve resources (a `K` suffix matches too): 0404 其他草地,
    /// 1204 盐碱地, 1206 裸土地.
    pub codes: Vec<String>,
    /// Steepest computed slope grade developed (3: ≤ 15°).
    pub max_grade: u8,
    /// Smallest parcel developed (computed area, m²; one mu).
    pub min_area_m2: f64,
    /// Boundary (m) it must share with cropland that stays.
    pub min_shared_m: f64,
}

impl Default for DevelopSettings {
    fn default() -> Self {
        DevelopSettings { enabled: true, codes: ["0404", "1204", "1206"].map(String::from).to_vec(), max_grade: 3, min_area_m2: M2_PER_MU, min_shared_m: 5.0 }
    }
}

impl DevelopSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        if !(1..=5).contains(&self.max_grade) {
            return Err(at.fail("develop.max_grade", format!("must be a grade from 1 to 5, got {}", self.max_grade)));
        }
        for (key, v) in [("develop.min_area_m2", self.min_area_m2), ("develop.min_shared_m", self.min_shared_m)] {
            if !v.is_finite() || v < 0.0 {
                return Err(at.fail(key, format!("must be a number ≥ 0, got {v}")));
            }
        }
        Ok(())
    }
}
