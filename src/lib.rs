//! landcons: land-consolidation planning from a DEM and a land-survey parcel layer.
//!
//! Stages talk through plain Rust data ([`raster::Grid`], [`parcels::Parcel`],
//! [`zonal::ParcelSlope`]); GDAL handles stay inside the stage that opened them.

pub mod adjacency;
pub mod changes;
pub mod config;
pub mod error;
pub mod merge;
pub mod output;
pub mod parcels;
pub mod pipeline;
pub mod progress;
pub mod raster;
pub mod rules;
pub mod synth;
pub mod terrain;
pub mod zonal;

pub use error::{Error, Result};
