//! `[progress]`: 规划实施进度 — the plan of a previous landcons run (the baseline) against
//! this run's survey: which planned changes the new survey shows carried out.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ProgressSettings {
    /// The previous results folder whose plan is followed up: an output folder (`OUT`),
    /// its `OUT/current`, or one run folder of it. `landcons run --baseline DIR` overrides
    /// it. Unset: no plan progress.
    pub baseline: Option<PathBuf>,
    /// Share of a planned parcel's area the new survey must show in the planned class for
    /// the change to count as carried out (and in a class other than the old and the
    /// planned one for it to count as contrary), in (0, 1].
    pub min_share: f64,
    /// Smallest piece (baseline parcel ∩ current parcel, m²) that counts as land changed
    /// outside the plan, or lists a current parcel over a planned one: smaller pieces are
    /// slivers of boundaries drawn again, not changes.
    pub min_piece_m2: f64,
}

impl Default for ProgressSettings {
    fn default() -> Self {
        ProgressSettings { baseline: None, min_share: 0.5, min_piece_m2: 1.0 }
    }
}

impl ProgressSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        if !(self.min_share > 0.0 && self.min_share <= 1.0) {
            return Err(at.fail("progress.min_share", format!("must be a share in (0, 1], got {}", self.min_share)));
        }
        if !(self.min_piece_m2.is_finite() && self.min_piece_m2 >= 0.0) {
            return Err(at.fail("progress.min_piece_m2", format!("must be an area ≥ 0 in m², got {}", self.min_piece_m2)));
        }
        if self.baseline.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
            return Err(at.fail("progress.baseline", "empty path: give a previous landcons results folder, or leave the setting out"));
        }
        Ok(())
    }

    pub(super) fn resolve_paths(&mut self, resolve: &dyn Fn(&PathBuf) -> PathBuf) {
        self.baseline = self.baseline.as_ref().map(resolve);
    }
}
