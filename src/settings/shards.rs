//! `[shards]`: how `landcons plan` cuts a job into shards for a cluster.

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ShardSettings {
    /// Whole townships go to one shard: the first `township_digits` of the village code
    /// (ZLDWDM) name the township.
    pub township_digits: usize,
    /// Neighbours within this distance (m) of a shard's parcels are loaded with them,
    /// read-only, so pairs across the border are found; at least the adjacency
    /// tolerance (`merge.tolerance_m`) is always added.
    pub halo_m: f64,
}

impl Default for ShardSettings {
    fn default() -> Self {
        ShardSettings { township_digits: 9, halo_m: 1.0 }
    }
}

impl ShardSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        if self.township_digits == 0 {
            return Err(at.fail("shards.township_digits", "must be at least 1"));
        }
        if !self.halo_m.is_finite() || self.halo_m < 0.0 {
            return Err(at.fail("shards.halo_m", format!("must be a number ≥ 0, got {}", self.halo_m)));
        }
        Ok(())
    }
}
