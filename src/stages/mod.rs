//! The stages of a run, each a function of plain data taking only what it uses (a
//! `&Progress` and `&CancelToken` where it loops long, its settings section); none takes
//! the whole `RunContext` and none knows the pipeline.
//!
//! The per-parcel facts (terrain → zonal → topology → constraints → adjacency), the rules
//! of [`rule::registry`] (reforestation, merge, restore, develop, swap, reclamation,
//! consolidation, blocks, pbf), then the tables over them (villages, supply, audit,
//! indicators, village outlines); the plan progress of a previous run's plan against
//! this survey (`progress`).

pub mod adjacency;
pub mod audit;
pub mod blocks;
pub mod consolidation;
pub mod constraints;
pub mod develop;
pub mod dissolve;
pub mod eco_restoration;
pub mod indicators;
pub mod land_use;
pub mod linkage;
pub mod merge;
pub mod pbf;
pub mod progress;
pub mod projects;
pub mod reclamation;
pub mod reforestation;
pub mod restore;
pub mod rule;
pub mod select;
pub mod spatial;
pub mod subset_sum;
pub mod supply;
pub mod swap;
pub mod targets;
pub mod targets_check;
pub mod terrain;
pub mod transitions;
#[cfg(test)] pub(crate) mod testing;
pub mod topology;
pub mod villages;
pub mod zonal;

