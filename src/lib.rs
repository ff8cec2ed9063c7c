//! landcons: land-consolidation planning from a DEM and a land-survey parcel layer.
//!
//! `settings` (typed pipeline files) → `stages` (plain functions over plain data, given
//! a `context::RunContext`) → `layers` (the registry of everything a run writes) →
//! `output` (GeoPackage, CSV, manifest, atomic commit); `changes` compares runs;
//! `run_report` builds report.html; `pipeline` composes them and
//! `commands` are what the binary calls. See ARCHITECTURE.md.

pub mod changes;
pub mod commands;
pub mod context;
pub mod error;
pub mod gdal_util;
pub mod layers;
pub mod malloc;
pub mod output;
pub mod parcels;
pub mod pipeline;
pub mod progress;
pub mod raster;
pub mod run_report;
pub mod settings;
pub mod shard;
pub mod stages;
pub mod synth;
pub mod table;
pub mod time;
pub mod units;
pub mod vector;

pub use error::{Error, Result};
