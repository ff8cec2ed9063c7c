//! `[supply]`: 补充耕地 — the one ledger of new cropland over every source (复耕, 未利用地开发,
//! 土地整理, 增减挂钩 复垦, 林耕置换) and its target share of the existing cropland.

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SupplySettings {
    /// 新增耕地率 the plan must reach: net new cropland / current cropland (the national
    /// pilot rule: 5 %), per village, township and in total.
    pub min_new_share: f64,
}

impl Default for SupplySettings {
    fn default() -> Self {
        SupplySettings { min_new_share: 0.05 }
    }
}

impl SupplySettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        if !self.min_new_share.is_finite() || self.min_new_share < 0.0 {
            return Err(at.fail("supply.min_new_share", format!("must be a number ≥ 0, got {}", self.min_new_share)));
        }
        Ok(())
    }
}
