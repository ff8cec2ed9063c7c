//! The stages of a run, each a function of plain data (and a [`crate::context::RunContext`]
//! where it needs cancellation, progress or warnings). No stage knows the pipeline.
//!
//! terrain → zonal → topology → adjacency → rules (reforestation, merge) → village figures.

pub mod adjacency;
pub mod audit;
pub mod blocks;
pub mod constraints;
pub mod dissolve;
pub mod indicators;
pub mod land_use;
pub mod land_use_print;
pub mod linkage;
pub mod merge;
pub mod pbf;
pub mod reclamation;
pub mod reforestation;
pub mod rule;
pub mod select;
pub mod spatial;
pub mod subset_sum;
pub mod swap;
pub mod targets;
pub mod targets_check;
pub mod terrain;
#[cfg(test)] pub(crate) mod testing;
pub mod topology;
pub mod villages;
pub mod zonal;

