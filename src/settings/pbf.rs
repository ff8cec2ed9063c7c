//! `[pbf]`: 永久基本农田布局调整 — which permanent basic farmland goes out (调出: scattered,
//! steep, not cropland, or inside a `pbf_out` control line) and which good cropland comes
//! in (调入: 高标准农田, or flat cropland next to the farmland that stays), chosen so the new
//! farmland is the least area that still balances what leaves (plus `min_gain_share`) and
//! is not worse in quality. Runs only when a constraint has `role = "basic_farmland"`.

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

/// Where the balance is struck.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PbfScope {
    /// One balance for the whole county (the default: 县域内统筹).
    County,
    /// One balance per township.
    Township,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PbfSettings {
    /// Off switch (the rule also needs a `basic_farmland` constraint).
    pub enabled: bool,
    /// A parcel is in permanent basic farmland when at least this share of it lies inside.
    pub min_share: f64,
    /// Whether farmland inside the urban boundary (开天窗) may go out too.
    pub adjust_in_urban: bool,
    /// Farmland in a current cropland block smaller than this (m²; 10 mu) is scattered.
    pub scattered_block_m2: f64,
    /// Steepest grade that may come in (3: ≤ 15°).
    pub in_max_grade: u8,
    /// Smallest parcel that may come in (m²; 1 mu).
    pub min_area_m2: f64,
    /// Boundary (m) a parcel must share with farmland that stays to come in beside it.
    pub min_shared_m: f64,
    /// New farmland ≥ what leaves × (1 + this): 0.05, the national pilot rule; 0 allowed.
    pub min_gain_share: f64,
    pub scope: PbfScope,
    /// Longest the solver may search each scope unit (s); the ledger says when it stopped
    /// short of a proven optimum.
    pub time_limit_s: f64,
}

impl Default for PbfSettings {
    fn default() -> Self {
        PbfSettings {
            enabled: true,
            min_share: 0.5,
            adjust_in_urban: false,
            scattered_block_m2: 6666.7,
            in_max_grade: 3,
            min_area_m2: 666.67,
            min_shared_m: 5.0,
            min_gain_share: 0.05,
            scope: PbfScope::County,
            time_limit_s: 60.0,
        }
    }
}

impl PbfSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        if !(0.0..=1.0).contains(&self.min_share) || self.min_share == 0.0 {
            return Err(at.fail("pbf.min_share", format!("must lie in (0, 1], got {}", self.min_share)));
        }
        for (key, v) in [
            ("pbf.scattered_block_m2", self.scattered_block_m2),
            ("pbf.min_area_m2", self.min_area_m2),
            ("pbf.min_shared_m", self.min_shared_m),
            ("pbf.min_gain_share", self.min_gain_share),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(at.fail(key, format!("must be a number ≥ 0, got {v}")));
            }
        }
        if !(1..=5).contains(&self.in_max_grade) {
            return Err(at.fail("pbf.in_max_grade", format!("must be a grade from 1 to 5, got {}", self.in_max_grade)));
        }
        if !(self.time_limit_s.is_finite() && self.time_limit_s > 0.0) {
            return Err(at.fail("pbf.time_limit_s", format!("must be a number of seconds > 0, got {}", self.time_limit_s)));
        }
        Ok(())
    }
}
