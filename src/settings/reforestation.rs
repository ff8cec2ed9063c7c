//! `[reforestation]`: cropland above the steepest grade break back to forest (退耕还林),
//! its filters and its zones.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ReforestationRule {
    /// The official rule: the parcel's dominant grade is the steepest grade.
    DominantGrade,
    /// The share of the parcel above the last break reaches `steep_share_threshold`.
    SteepShare,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ReforestationSettings {
    /// Land-use codes (GB/T 21010) that count as cropland.
    pub cropland_codes: Vec<String>,
    pub rule: ReforestationRule,
    /// With rule = "steep-share": minimum share (0–1) of the parcel above the last break.
    pub steep_share_threshold: f64,
    /// Leave terraces (terrace_type = "TT") out of the candidates.
    pub exclude_terraces: bool,
    /// Keep only slope land (terrace_type = "PD", 坡地) as candidates.
    pub only_slope_land: bool,
    /// Polygon layers that exclude candidates (e.g. permanent basic farmland) or that
    /// candidates must lie in (e.g. a project area); the overlap share is recorded.
    pub zones: Vec<ZoneLayer>,
}

impl Default for ReforestationSettings {
    fn default() -> Self {
        ReforestationSettings {
            cropland_codes: vec!["0101".into(), "0102".into(), "0103".into()],
            rule: ReforestationRule::DominantGrade,
            steep_share_threshold: 0.5,
            exclude_terraces: false,
            only_slope_land: false,
            zones: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneMode {
    /// Candidates overlapping the zone by at least `min_share` are left out.
    Exclude,
    /// Only candidates overlapping the zone by at least `min_share` are kept.
    Include,
}

/// Share of a parcel inside a zone that triggers its mode, unless set.
pub const ZONE_MIN_SHARE: f64 = 0.5;

fn default_min_share() -> f64 {
    ZONE_MIN_SHARE
}

/// An exclusion or inclusion polygon layer for the reforestation rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ZoneLayer {
    /// Short name: the output column is `zone_<name>_share`.
    pub name: String,
    /// Polygon layer file (relative to the pipeline file).
    pub path: PathBuf,
    /// Layer inside the file; empty = the first.
    #[serde(default)]
    pub layer: String,
    pub mode: ZoneMode,
    /// Share (0–1) of the parcel's area inside the zone that triggers the mode.
    #[serde(default = "default_min_share")]
    pub min_share: f64,
    /// CRS to assume when the layer has none.
    #[serde(default)]
    pub crs: Option<String>,
}

impl ReforestationSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        let t = self.steep_share_threshold;
        if !(0.0..=1.0).contains(&t) || t.is_nan() {
            return Err(at.fail(
                "reforestation.steep_share_threshold",
                format!("must lie in [0, 1], got {t}"),
            ));
        }
        if self.exclude_terraces && self.only_slope_land {
            return Err(at.fail(
                "reforestation.only_slope_land",
                "cannot be combined with exclude_terraces (slope land has no terraces)",
            ));
        }
        let mut names = std::collections::HashSet::new();
        for (i, z) in self.zones.iter().enumerate() {
            let key = format!("reforestation.zones[{i}]");
            if !super::is_column_name(&z.name) {
                return Err(at.fail(
                    &key,
                    format!("name {:?} must be letters, digits or _ (it names a column)", z.name),
                ));
            }
            if !names.insert(z.name.clone()) {
                return Err(at.fail(&key, format!("zone name {:?} is used twice", z.name)));
            }
            if !(0.0..=1.0).contains(&z.min_share) || z.min_share.is_nan() {
                return Err(at.fail(
                    &key,
                    format!("min_share must lie in [0, 1], got {}", z.min_share),
                ));
            }
        }
        Ok(())
    }

    pub(super) fn resolve_paths(&mut self, resolve: &dyn Fn(&PathBuf) -> PathBuf) {
        for z in &mut self.zones {
            z.path = resolve(&z.path);
        }
    }
}
