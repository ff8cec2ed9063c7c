//! `[consolidation]`: 土地整理 — the new cropland a merge of small fields (小田并大田) makes:
//! part of the merged plots' 田坎 deduction recovered, and the 田坎 parcels inside a merged
//! field's outline.

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ConsolidationSettings {
    pub enabled: bool,
    /// Share of the merged plots' 田坎 deduction (KCMJ, or TBMJ × KCXS) that becomes
    /// cropland: a planning assumption the user sets, printed in the ledgers.
    pub tiankan_recovery: f64,
    /// Land-use codes of mapped 田坎 parcels (1203).
    pub tiankan_codes: Vec<String>,
    /// A 田坎 parcel with at least this share of its area inside a merged field's outline
    /// (its holes filled) becomes cropland.
    pub tiankan_min_share: f64,
}

impl Default for ConsolidationSettings {
    fn default() -> Self {
        ConsolidationSettings { enabled: true, tiankan_recovery: 0.5, tiankan_codes: vec!["1203".into()], tiankan_min_share: 0.5 }
    }
}

impl ConsolidationSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        for (key, v) in [("consolidation.tiankan_recovery", self.tiankan_recovery), ("consolidation.tiankan_min_share", self.tiankan_min_share)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(at.fail(key, format!("must lie in [0, 1], got {v}")));
            }
        }
        if self.tiankan_min_share == 0.0 {
            return Err(at.fail("consolidation.tiankan_min_share", "must be above 0 (0 would take 田坎 that only touch a field)"));
        }
        Ok(())
    }
}
