//! `[blocks]`: 集中连片 — cropland parcels joined into contiguous blocks (across the
//! narrow roads, ditches and 田坎 between them), and the 「百千万」 tiers a block reaches.

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BlockSettings {
    pub enabled: bool,
    /// Two cropland parcels sharing at least this much boundary (m) are one block.
    pub min_shared_m: f64,
    /// Land-use codes of the narrow linear parcels a block reaches across (农村道路, 沟渠,
    /// 田坎): such a parcel joins the cropland it touches and adds no area.
    pub bridge_codes: Vec<String>,
    /// Widest such parcel (m, as 2 × area / perimeter) that still joins the fields on
    /// its two sides.
    pub bridge_width_m: f64,
    /// The tiers in mu: 百亩方, 千亩方, 万亩方 (ascending).
    pub tiers_mu: [f64; 3],
}

impl Default for BlockSettings {
    fn default() -> Self {
        BlockSettings {
            enabled: true,
            min_shared_m: 5.0,
            bridge_codes: vec!["1006".into(), "1107".into(), "1203".into()],
            bridge_width_m: 8.0,
            tiers_mu: [100.0, 1000.0, 10000.0],
        }
    }
}

impl BlockSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        for (key, v) in [("blocks.min_shared_m", self.min_shared_m), ("blocks.bridge_width_m", self.bridge_width_m)] {
            if !v.is_finite() || v < 0.0 {
                return Err(at.fail(key, format!("must be a number ≥ 0, got {v}")));
            }
        }
        let t = self.tiers_mu;
        if !(t.iter().all(|v| v.is_finite() && *v > 0.0) && t[0] < t[1] && t[1] < t[2]) {
            return Err(at.fail("blocks.tiers_mu", format!("must be three ascending areas in mu > 0, got {t:?}")));
        }
        Ok(())
    }
}
