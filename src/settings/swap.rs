//! `[swap]`: 林耕空间置换 (进出平衡) — cropland leaving steep land (the reforestation
//! candidates) balanced by flat garden and forest land next to staying cropland.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;
use crate::units::M2_PER_MU;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SwapScope {
    /// Each village balances on its own first (then its township, then the county).
    Village,
    /// Each township (the first `township_digits` of the village code) balances.
    Township,
    /// The county balances as a whole.
    County,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SwapSettings {
    pub enabled: bool,
    /// Land-use codes that may come into cropland (a `K` suffix matches too): garden and
    /// forest, not the wetland classes (0303, 0304, 0306).
    pub in_codes: Vec<String>,
    /// Steepest grade of land that may come in (4: ≤ 25°; 3 for flat-land programmes).
    pub max_grade: u8,
    /// Smallest parcel that may come in, m² (default one mu).
    pub min_area_m2: f64,
    /// Shortest boundary shared with staying cropland, metres.
    pub min_shared_m: f64,
    pub scope: SwapScope,
    /// Digits of the village code (ZLDWDM) that name the township.
    pub township_digits: usize,
    /// An earlier survey's cropland (polygons): parcels mostly inside it rank first.
    pub former_cropland: Option<PathBuf>,
    pub former_cropland_layer: String,
    pub former_cropland_crs: Option<String>,
    /// Share of a parcel inside the former cropland that makes it former cropland.
    pub former_share: f64,
    /// How each unit's supplement is chosen: "exact" (the least area that balances it, by
    /// the MILP solver) or "greedy" (best-ranked first, then pruned; the earlier rule).
    pub selection: SwapSelection,
    /// Longest the solver may search one unit's supplement (s).
    pub time_limit_s: f64,
}

/// How the swap chooses what comes in.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SwapSelection {
    Exact,
    Greedy,
}

impl Default for SwapSettings {
    fn default() -> Self {
        SwapSettings {
            enabled: true,
            in_codes: ["0201", "0202", "0203", "0204", "0301", "0302", "0305", "0307"].map(String::from).to_vec(),
            max_grade: 4,
            min_area_m2: M2_PER_MU,
            min_shared_m: 5.0,
            scope: SwapScope::Village,
            township_digits: 9,
            former_cropland: None,
            former_cropland_layer: String::new(),
            former_cropland_crs: None,
            former_share: 0.5,
            selection: SwapSelection::Exact,
            time_limit_s: 10.0,
        }
    }
}

impl SwapSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        if !(1..=5).contains(&self.max_grade) {
            return Err(at.fail("swap.max_grade", format!("must be a grade from 1 to 5, got {}", self.max_grade)));
        }
        if !(self.time_limit_s.is_finite() && self.time_limit_s > 0.0) {
            return Err(at.fail("swap.time_limit_s", format!("must be a number of seconds > 0, got {}", self.time_limit_s)));
        }
        for (key, v) in [("swap.min_area_m2", self.min_area_m2), ("swap.min_shared_m", self.min_shared_m)] {
            if !v.is_finite() || v < 0.0 {
                return Err(at.fail(key, format!("must be a number ≥ 0, got {v}")));
            }
        }
        if !(0.0..=1.0).contains(&self.former_share) {
            return Err(at.fail("swap.former_share", format!("must lie in [0, 1], got {}", self.former_share)));
        }
        if self.township_digits == 0 {
            return Err(at.fail("swap.township_digits", "must be at least 1"));
        }
        Ok(())
    }
}
