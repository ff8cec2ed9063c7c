//! `[topology]`: overlapping parcels, which a survey layer must not have and
//! deliveries do (duplicated 图斑, parent polygons over their parts, digitising overlaps).

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum OnOverlap {
    /// List the pairs in `topology_issues`, warn, and keep them out of adjacency.
    #[default]
    Report,
    /// Stop the run with an error naming the first pair.
    Error,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct TopologySettings {
    /// Two parcels whose interiors overlap by at least this area (m²) are an overlapping
    /// pair; smaller overlaps are survey slivers, tolerated as shared boundary.
    pub min_overlap_m2: f64,
    /// What an overlapping pair does to the run.
    pub overlaps: OnOverlap,
}

impl Default for TopologySettings {
    fn default() -> Self {
        TopologySettings {
            min_overlap_m2: 1.0,
            overlaps: OnOverlap::Report,
        }
    }
}

impl TopologySettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        let v = self.min_overlap_m2;
        if !(v.is_finite() && v > 0.0) {
            return Err(at.fail("topology.min_overlap_m2", format!("must be a number > 0, got {v}")));
        }
        Ok(())
    }
}
