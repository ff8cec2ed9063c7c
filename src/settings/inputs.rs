//! `[inputs]`: the DEM, the parcel layer, and what to assume where they say nothing.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Inputs {
    /// DEM tiles: files, glob patterns (`tiles/*.tif`) or one VRT. Read as one mosaic.
    /// One path may be given as a plain string.
    #[serde(deserialize_with = "one_or_many")]
    pub dem: Vec<PathBuf>,
    /// The DEM's nodata value, as you know it: overrides what the file declares (a wrong
    /// or missing tag, e.g. SRTM voids stored as -32768 without one).
    pub dem_nodata: Option<f64>,
    /// CRS to assume when the DEM carries none ("EPSG:4544", WKT or PROJ string).
    pub dem_crs: Option<String>,
    /// The band of a multi-band DEM that holds the heights (1-based). Unset: the DEM
    /// must have exactly one band.
    pub dem_band: Option<usize>,
    /// The parcel layer (Shapefile, GeoPackage, FlatGeobuf, GeoJSON, ...).
    pub parcels: PathBuf,
    /// Layer name inside a multi-layer source; empty = its only (polygon) layer, several
    /// being an error that lists them.
    pub parcels_layer: String,
    /// Attribute encoding: "auto" (one for the whole file from its text; a .cpg the text
    /// contradicts is an error), or a name such as "gbk", "utf-8" used for every value.
    pub parcels_encoding: String,
    /// CRS to assume when the parcel layer carries none.
    pub parcels_crs: Option<String>,
    /// The metric CRS of all vector work (areas, lengths, adjacency, zones, outputs).
    /// Unset: the parcels' own CRS when it is projected; for lat/lon parcels the
    /// CGCS2000 3-degree Gauss-Krüger zone of their central longitude (EPSG:4534–4554),
    /// or UTM outside China.
    pub work_crs: Option<String>,
    /// Features that are points or lines: "error" (default) stops with the feature named,
    /// "skip" leaves them out and reports them in the manifest.
    pub non_polygons: NonPolygons,
    /// The previous survey's parcel layer (last year's 地类图斑), in the same CRS as
    /// `parcels`: when set, the run also writes the land-use transitions between the two
    /// (layers `landuse_changes` and `transition_matrix`). Read with the same field map.
    pub previous_parcels: Option<PathBuf>,
    /// Layer name inside a multi-layer `previous_parcels`; empty = its only polygon layer.
    pub previous_parcels_layer: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum NonPolygons {
    #[default]
    Error,
    Skip,
}

impl Default for Inputs {
    fn default() -> Self {
        Inputs {
            dem: Vec::new(),
            dem_nodata: None,
            dem_crs: None,
            dem_band: None,
            parcels: PathBuf::new(),
            parcels_layer: String::new(),
            parcels_encoding: "auto".into(),
            parcels_crs: None,
            work_crs: None,
            non_polygons: NonPolygons::Error,
            previous_parcels: None,
            previous_parcels_layer: String::new(),
        }
    }
}

impl Inputs {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        if self.dem.is_empty() {
            return Err(at.fail(
                "inputs.dem",
                "no DEM given: set inputs.dem to a file, a glob or a list",
            ));
        }
        if self.parcels.as_os_str().is_empty() {
            return Err(at.fail("inputs.parcels", "no parcel layer given"));
        }
        if let Some(v) = self.dem_nodata.filter(|v| v.is_nan()) {
            return Err(at.fail("inputs.dem_nodata", format!("must be a number, got {v}")));
        }
        if self.dem_band == Some(0) {
            return Err(at.fail("inputs.dem_band", "bands count from 1"));
        }
        if self.previous_parcels.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
            return Err(at.fail("inputs.previous_parcels", "empty path: give the previous survey's parcel layer, or leave the setting out"));
        }
        let enc = self.parcels_encoding.trim();
        if !enc.eq_ignore_ascii_case("auto") && crate::vector::encoding::decode_cpg(enc).is_none() {
            return Err(at.fail(
                "inputs.parcels_encoding",
                format!("unknown encoding {enc:?} (try \"auto\", \"gbk\", \"utf-8\")"),
            ));
        }
        Ok(())
    }

    pub(super) fn resolve_paths(&mut self, resolve: &dyn Fn(&PathBuf) -> PathBuf) {
        self.dem = self.dem.iter().map(resolve).collect();
        self.parcels = resolve(&self.parcels);
        self.previous_parcels = self.previous_parcels.as_ref().map(resolve);
    }
}

/// A list of paths, or one path as a plain string.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<PathBuf>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(PathBuf),
        Many(Vec<PathBuf>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(p) => vec![p],
        OneOrMany::Many(v) => v,
    })
}
