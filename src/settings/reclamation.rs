//! `[reclamation]`: 增减挂钩 拆旧 — scattered rural homesteads reclaimed, 宜耕则耕、宜林则林,
//! and the share of their area reserved for the new concentrated settlement (建新).

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ReclamationSettings {
    pub enabled: bool,
    /// Land-use codes that may be reclaimed: rural homesteads (0702); add abandoned
    /// mining/industrial land (0602, 0601) when a plan reclaims it.
    pub codes: Vec<String>,
    /// Two parcels within this distance (m) belong to one settlement cluster.
    pub cluster_distance_m: f64,
    /// A cluster smaller than this (m², all its parcels) is a 零散聚居点: reclaimed.
    pub scattered_max_m2: f64,
    /// 建新 reserved area as a share of 拆旧 (the Jiange plan: 60.99 / 160.62 ≈ 0.38).
    pub rebuild_ratio: f64,
    /// Steepest dominant grade of a cluster that goes back to cropland (宜耕); steeper
    /// clusters, or ones without cropland next to them, go to forest (宜林).
    pub max_cropland_grade: u8,
}

impl Default for ReclamationSettings {
    fn default() -> Self {
        ReclamationSettings {
            enabled: true,
            codes: vec!["0702".into()],
            cluster_distance_m: 50.0,
            scattered_max_m2: 3000.0,
            rebuild_ratio: 0.38,
            max_cropland_grade: 4,
        }
    }
}

impl ReclamationSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        for (key, v) in [
            ("reclamation.cluster_distance_m", self.cluster_distance_m),
            ("reclamation.scattered_max_m2", self.scattered_max_m2),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(at.fail(key, format!("must be a number ≥ 0, got {v}")));
            }
        }
        if !(0.0..=1.0).contains(&self.rebuild_ratio) {
            return Err(at.fail("reclamation.rebuild_ratio", format!("must lie in [0, 1], got {}", self.rebuild_ratio)));
        }
        if !(1..=5).contains(&self.max_cropland_grade) {
            return Err(at.fail("reclamation.max_cropland_grade", format!("must be a grade from 1 to 5, got {}", self.max_cropland_grade)));
        }
        Ok(())
    }
}
