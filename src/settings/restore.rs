//! `[restore]`: 复耕 — land the survey marks as restorable to cropland: the 三调 可调整地类
//! (a `K` suffix: cropland in the previous survey, plough layer intact) and parcels whose
//! restoration attribute (`fields.restore`) says 即可恢复 or 工程恢复.

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RestoreSettings {
    pub enabled: bool,
    /// The 可调整地类 codes (with their `K`): restorable whatever their attribute says,
    /// 即可恢复 unless the attribute says 工程恢复.
    pub k_codes: Vec<String>,
    /// Values of `fields.restore` meaning 即可恢复 (restorable as it is).
    pub immediate: Vec<String>,
    /// Values of `fields.restore` meaning 工程恢复 (restorable with works).
    pub engineering: Vec<String>,
    /// Steepest computed slope grade that is restored (4: ≤ 25°).
    pub max_grade: u8,
}

impl Default for RestoreSettings {
    fn default() -> Self {
        RestoreSettings {
            enabled: true,
            k_codes: ["0201K", "0202K", "0203K", "0204K", "0301K", "0302K", "0307K", "0404K", "1104K"].map(String::from).to_vec(),
            immediate: vec!["即可恢复".into()],
            engineering: vec!["工程恢复".into()],
            max_grade: 4,
        }
    }
}

impl RestoreSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        if !(1..=5).contains(&self.max_grade) {
            return Err(at.fail("restore.max_grade", format!("must be a grade from 1 to 5, got {}", self.max_grade)));
        }
        if let Some(v) = self.immediate.iter().find(|v| self.engineering.contains(v)) {
            return Err(at.fail("restore.engineering", format!("{v:?} is in restore.immediate too: a value means one phase")));
        }
        if let Some(c) = self.k_codes.iter().find(|c| !c.ends_with(['K', 'k'])) {
            return Err(at.fail("restore.k_codes", format!("{c:?} has no K suffix (可调整地类 codes end in K, e.g. \"0201K\")")));
        }
        Ok(())
    }
}
