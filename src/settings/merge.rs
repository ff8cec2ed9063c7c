//! `[merge]`: the adjacency graph, fragmented plots and merge groups (小田并大田).

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;
use crate::units::M2_PER_MU;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct MergeSettings {
    /// Snapping tolerance, metres: gaps and overlaps narrower than this still make a shared edge.
    pub tolerance_m: f64,
    /// Shortest shared boundary, metres, for two plots to be merged (and to be contiguous).
    pub min_shared_m: f64,
    /// Cropland smaller than this (m²) is fragmented. Default 5 mu.
    pub fragment_max_m2: f64,
    /// Cropland with a shape index perimeter / (2·√(π·area)) above this is fragmented.
    pub fragment_shape_index: f64,
    /// Cropland whose mean width 2·area / perimeter is below this (m) is a thin strip, fragmented.
    pub strip_width_m: f64,
    /// Largest merged field, m². Default 50 mu.
    pub max_group_m2: f64,
    /// Largest difference of slope grades inside a merged field.
    pub max_grade_diff: u8,
    /// Allow merging plots of different owning collectives (QSDWDM).
    pub allow_cross_owner: bool,
    /// Size (m²) above which a field or a contiguous block counts as large (集中连片). Default 100 mu.
    pub large_block_m2: f64,
}

/// The largest snapping tolerance that is still a tolerance (metres).
const MAX_TOLERANCE_M: f64 = 10.0;

impl Default for MergeSettings {
    fn default() -> Self {
        MergeSettings {
            tolerance_m: 0.1,
            min_shared_m: 5.0,
            fragment_max_m2: 5.0 * M2_PER_MU,
            fragment_shape_index: 1.6,
            strip_width_m: 8.0,
            max_group_m2: 50.0 * M2_PER_MU,
            max_grade_diff: 1,
            allow_cross_owner: false,
            large_block_m2: 100.0 * M2_PER_MU,
        }
    }
}

impl MergeSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        for (key, v) in [
            ("merge.tolerance_m", self.tolerance_m),
            ("merge.min_shared_m", self.min_shared_m),
            ("merge.fragment_max_m2", self.fragment_max_m2),
            ("merge.fragment_shape_index", self.fragment_shape_index),
            ("merge.strip_width_m", self.strip_width_m),
            ("merge.max_group_m2", self.max_group_m2),
            ("merge.large_block_m2", self.large_block_m2),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(at.fail(key, format!("must be a number ≥ 0, got {v}")));
            }
        }
        if self.tolerance_m > MAX_TOLERANCE_M {
            return Err(at.fail(
                "merge.tolerance_m",
                format!(
                    "{} m is not a snapping tolerance (at most {MAX_TOLERANCE_M} m)",
                    self.tolerance_m
                ),
            ));
        }
        Ok(())
    }
}
