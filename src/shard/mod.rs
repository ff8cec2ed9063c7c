//! Sharded runs for a cluster: a plan cuts the job into shards of whole townships
//! (`plan`, `pack`), each shard computes the per-parcel work of its parcels and saves it
//! with a completion marker (`results`), and the gather runs the pipeline once over all
//! parcels with those results in place of the per-parcel stages.
//!
//! Everything lives under `OUT/.landcons/shards/`: `plan.json` (the current plan) and
//! one folder per plan id holding a folder per finished shard.

pub mod fingerprint;
pub mod pack;
pub mod plan;
pub mod results;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub use plan::{ShardPlan, ShardSpec};
pub use results::{ShardResults, TileInfo};

/// Where the shard files live inside the output folder.
pub fn shards_dir(out: &Path) -> PathBuf {
    out.join(".landcons").join("shards")
}

/// The township key of a village code: its first `digits` characters.
pub fn township_of(village_code: &str, digits: usize) -> &str {
    let end = village_code.char_indices().nth(digits).map(|(i, _)| i).unwrap_or(village_code.len());
    &village_code[..end]
}

/// The shard index this process runs: the option, else Slurm's array index, else
/// Kubernetes' (indexed jobs).
/// A variable that is set but holds no index is an error (a job script's mistake must
/// not run another shard, or none, in silence).
pub fn index_from_env(option: Option<usize>) -> Result<Option<usize>> {
    if option.is_some() {
        return Ok(option);
    }
    for key in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
        if let Some(value) = std::env::var_os(key) {
            let value = value.to_string_lossy();
            return value.trim().parse().map(Some).map_err(|_| Error::setting("the environment", None, format!("{key} must be a shard index, got {value:?}")));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn township_is_the_code_prefix() {
        assert_eq!(township_of("5002301002000000000", 9), "500230100");
        assert_eq!(township_of("5002", 9), "5002");
        assert_eq!(township_of("", 9), "");
    }
}
