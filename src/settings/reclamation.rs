//! `[reclamation]`: 增减挂钩 拆旧 — scattered rural homesteads reclaimed, 宜耕则耕、宜林则林,
//! the share of their area reserved for the new concentrated settlement (建新) by land use,
//! the reward on the 节余 quota, and scattered construction inside the ecological red line
//! restored to forest, grassland or wetland (生态修复).

use std::collections::BTreeMap;

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
    /// 建新 ratio by land-use code prefix, overriding `rebuild_ratio` (the longest prefix
    /// wins; a `K` suffix is ignored): 废弃工矿 (0601 工业, 0602 采矿) keep all their 拆旧 as
    /// 节余 (ratio 0).
    pub rebuild_ratio_by_code: BTreeMap<String, f64>,
    /// Reward on the 节余 quota (Chongqing: 5 %), reported in the ledger …
    pub reward_share: f64,
    /// … at most this much in total (m²; 5 ha).
    pub reward_max_m2: f64,
    /// Whether the reward is taken off the 节余 the ledger reports (not by default).
    pub reward_deduct: bool,
    /// Construction land-use code prefixes restored to nature inside the red line (05, 06
    /// but 0603 盐田, a wetland, 07, 08, 09, 10).
    pub restoration_codes: Vec<String>,
    /// Share of such a parcel inside the red line (`role = "red_line"`) that restores it.
    pub restoration_min_share: f64,
    /// The class a restored parcel takes when no natural neighbour says otherwise.
    pub restoration_default_class: String,
}

/// The classes ecological restoration gives back, in the order ties go.
pub const NATURAL_CLASSES: [&str; 3] = ["forest", "grassland", "wetland"];

impl Default for ReclamationSettings {
    fn default() -> Self {
        ReclamationSettings {
            enabled: true,
            codes: vec!["0702".into()],
            cluster_distance_m: 50.0,
            scattered_max_m2: 3000.0,
            rebuild_ratio: 0.38,
            max_cropland_grade: 4,
            rebuild_ratio_by_code: BTreeMap::from([("0601".into(), 0.0), ("0602".into(), 0.0)]),
            reward_share: 0.05,
            reward_max_m2: 50_000.0,
            reward_deduct: false,
            restoration_codes: ["05", "0601", "0602", "07", "08", "09", "10"].map(String::from).to_vec(),
            restoration_min_share: 0.5,
            restoration_default_class: "forest".into(),
        }
    }
}

impl ReclamationSettings {
    /// The 建新 ratio of a land-use code: the longest prefix of `rebuild_ratio_by_code`,
    /// else `rebuild_ratio`.
    pub fn rebuild_ratio_of(&self, code: &str) -> f64 {
        let code = code.trim_end_matches(['K', 'k']);
        self.rebuild_ratio_by_code.iter().filter(|(p, _)| code.starts_with(p.as_str())).max_by_key(|(p, _)| p.len()).map_or(self.rebuild_ratio, |(_, r)| *r)
    }

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
        for (code, ratio) in &self.rebuild_ratio_by_code {
            if !(0.0..=1.0).contains(ratio) {
                return Err(at.fail("reclamation.rebuild_ratio_by_code", format!("{code}: must lie in [0, 1], got {ratio}")));
            }
        }
        for (key, v) in [("reclamation.reward_share", self.reward_share), ("reclamation.restoration_min_share", self.restoration_min_share)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(at.fail(key, format!("must lie in [0, 1], got {v}")));
            }
        }
        if !self.reward_max_m2.is_finite() || self.reward_max_m2 < 0.0 {
            return Err(at.fail("reclamation.reward_max_m2", format!("must be a number ≥ 0, got {}", self.reward_max_m2)));
        }
        if self.restoration_min_share == 0.0 {
            return Err(at.fail("reclamation.restoration_min_share", "must be above 0"));
        }
        if !NATURAL_CLASSES.contains(&self.restoration_default_class.as_str()) {
            return Err(at.fail("reclamation.restoration_default_class", format!("must be one of {}, got {:?}", NATURAL_CLASSES.join(", "), self.restoration_default_class)));
        }
        if !(1..=5).contains(&self.max_cropland_grade) {
            return Err(at.fail("reclamation.max_cropland_grade", format!("must be a grade from 1 to 5, got {}", self.max_cropland_grade)));
        }
        Ok(())
    }
}
