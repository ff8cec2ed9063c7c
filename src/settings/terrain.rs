//! `[terrain]`: the slope algorithm, the vertical factor and the national slope grades.

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SlopeAlgorithm {
    /// Horn (1981), 3×3 weighted: gdaldem's and ArcGIS's default.
    Horn,
    /// Zevenbergen & Thorne (1987), 4-neighbour central differences.
    ZevenbergenThorne,
}

/// Upper limits (degrees, inclusive) of grades 1..4 (GDPDJB); above the last is grade 5.
pub const GRADE_BREAKS: [f64; 4] = [2.0, 6.0, 15.0, 25.0];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct TerrainSettings {
    pub algorithm: SlopeAlgorithm,
    /// Vertical-unit factor: elevations are multiplied by it (e.g. 0.3048 for feet over metres).
    pub z_factor: f64,
    /// Upper limits (degrees, inclusive) of grades 1..4; above the last is grade 5.
    #[serde(deserialize_with = "four_breaks")]
    pub grade_breaks: [f64; 4],
}

impl Default for TerrainSettings {
    fn default() -> Self {
        TerrainSettings {
            algorithm: SlopeAlgorithm::Horn,
            z_factor: 1.0,
            grade_breaks: GRADE_BREAKS,
        }
    }
}

impl TerrainSettings {
    /// The slope above which land is grade 5 (25° by default): the reforestation limit.
    pub fn steep_limit(&self) -> f64 {
        self.grade_breaks[3]
    }

    pub fn validate(&self, at: &Origin) -> Result<()> {
        let b = &self.grade_breaks;
        if b.iter().any(|v| !v.is_finite() || *v <= 0.0 || *v >= 90.0) {
            return Err(at.fail(
                "terrain.grade_breaks",
                format!("breaks must lie in (0°, 90°), got {b:?}"),
            ));
        }
        if b.windows(2).any(|w| w[1] <= w[0]) {
            return Err(at.fail(
                "terrain.grade_breaks",
                format!("breaks must increase, got {b:?}"),
            ));
        }
        if !(self.z_factor.is_finite() && self.z_factor > 0.0) {
            return Err(at.fail(
                "terrain.z_factor",
                format!("must be > 0, got {}", self.z_factor),
            ));
        }
        Ok(())
    }
}

/// Exactly four breaks, with a message that says why when there are not.
fn four_breaks<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<[f64; 4], D::Error> {
    let v = Vec::<f64>::deserialize(d)?;
    v.as_slice().try_into().map_err(|_| {
        serde::de::Error::custom(format!(
            "needs 4 breaks (grades 1–5), got {}",
            v.len()
        ))
    })
}
