//! Outputs: the results GeoPackage (layers, QGIS styles, spatial indexes), CSV
//! exports, the manifest, and the folder discipline that makes a run all-or-nothing
//! (a lock, a result set per run, one atomic switch).

pub mod atomic;
pub mod commit;
pub mod csv;
pub mod gpkg;
pub mod guard;
pub mod hash;
pub mod lock;
pub mod manifest;
pub mod owned;
pub mod qgis;
pub mod qml;
pub mod report;
pub mod rows;
pub mod rtree;
pub mod xlsx;

pub use commit::Staging;
pub use lock::Lock;
pub use manifest::Manifest;
