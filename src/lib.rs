//! landcons: land-consolidation planning from a DEM and a land-survey parcel layer.
//!
//! `settings` (typed pipeline files) → `stages` (plain functions over plain data, given
//! a `context::RunContext`) → `layers` (the registry of everything a run writes) →
//! `output` (GeoPackage, CSV, manifest, atomic commit); `changes` compares runs;
//! `run_report` builds report.html; `pipeline` composes them and
//! `commands` are what the binary calls. See ARCHITECTURE.md.

pub(crate) mod changes;
pub mod commands;
pub mod context;
pub mod error;
pub mod gdal_util;
pub mod layers;
pub mod malloc;
pub mod output;
pub mod parcels;
pub(crate) mod pipeline;
pub mod progress;
pub mod raster;
pub(crate) mod run_report;
pub mod settings;
pub(crate) mod shard;
pub mod stages;
pub mod synth;
pub(crate) mod table;
pub(crate) mod time;
pub(crate) mod units;
pub mod vector;

pub use error::{Error, Result};
