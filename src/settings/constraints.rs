//! `[[constraints]]`: control lines every rule respects (三区三线, 永久基本农田, 生态保护红线,
//! road and river control lines): polygons, or lines and points with a buffer, fixed or by
//! class (the Jiange plan: 30/15/10/5 m each side of 高速/省道/县道/乡道).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Origin, ZoneLayer, ZoneMode};
use crate::error::Result;

/// The rules a constraint can apply to.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Reforestation,
    SwapIn,
    SwapOut,
    Merge,
    Reclamation,
    /// 复耕: restorable land back to cropland.
    Restore,
    /// 未利用地开发: unused land developed into cropland.
    Develop,
}

impl Rule {
    pub const ALL: [Rule; 7] = [Rule::Reforestation, Rule::SwapIn, Rule::SwapOut, Rule::Merge, Rule::Reclamation, Rule::Restore, Rule::Develop];

    pub fn name(self) -> &'static str {
        match self {
            Rule::Reforestation => "reforestation",
            Rule::SwapIn => "swap_in",
            Rule::SwapOut => "swap_out",
            Rule::Merge => "merge",
            Rule::Reclamation => "reclamation",
            Rule::Restore => "restore",
            Rule::Develop => "develop",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintMode {
    /// Candidates with at least `min_share` of their area inside are left out.
    Exclude,
    /// Only candidates with at least `min_share` of their area inside are kept.
    Include,
    /// Nothing is left out: the shares are recorded and audited.
    Flag,
}

/// What a constraint is, for the audit and the indicator tables.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 永久基本农田.
    BasicFarmland,
    /// 生态保护红线.
    RedLine,
    /// 城镇开发边界.
    UrbanBoundary,
    /// 高标准农田: cropland built to standard, first in line to become basic farmland.
    HighStandard,
    /// Where basic farmland must leave (e.g. a river or lake management range).
    PbfOut,
    /// A hazard or infrastructure area (地质灾害隐患区, 避让搬迁, a planned corridor): the
    /// 增减挂钩 projects with 拆旧 homesteads inside (at least `min_share`) are phased first.
    Hazard,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::BasicFarmland => "basic_farmland",
            Role::RedLine => "red_line",
            Role::UrbanBoundary => "urban_boundary",
            Role::HighStandard => "high_standard",
            Role::PbfOut => "pbf_out",
            Role::Hazard => "hazard",
        }
    }
}

/// Share of a parcel inside a constraint that triggers its mode, unless set.
pub const MIN_SHARE: f64 = 0.5;

fn min_share() -> f64 {
    MIN_SHARE
}

fn all_rules() -> Vec<Rule> {
    Rule::ALL.to_vec()
}

/// One `[[constraints]]` table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConstraintSettings {
    /// Short name (letters, digits, `_`): columns `c_<name>_share`.
    pub name: String,
    /// Polygon, line or point layer (relative to the pipeline file).
    pub path: PathBuf,
    #[serde(default)]
    pub layer: String,
    /// CRS to assume when the layer has none.
    #[serde(default)]
    pub crs: Option<String>,
    /// A fixed buffer, metres each side (lines and points need one).
    #[serde(default)]
    pub buffer_m: Option<f64>,
    /// Attribute holding a class whose buffer `buffer_classes` gives.
    #[serde(default)]
    pub buffer_field: Option<String>,
    /// Buffer (m) by class value, e.g. { "高速" = 30, "省道" = 15, "县道" = 10, "乡道" = 5 }.
    #[serde(default)]
    pub buffer_classes: BTreeMap<String, f64>,
    /// Buffer for class values not in `buffer_classes` (none: such features are an error).
    #[serde(default)]
    pub buffer_default_m: Option<f64>,
    pub mode: ConstraintMode,
    #[serde(default = "min_share")]
    pub min_share: f64,
    /// The rules it applies to (all by default).
    #[serde(default = "all_rules")]
    pub applies_to: Vec<Rule>,
    #[serde(default)]
    pub role: Option<Role>,
    /// Column prefix ("c_"; "zone_" for `[[reforestation.zones]]`, which become constraints).
    #[serde(skip)]
    pub column_prefix: &'static str,
}

impl ConstraintSettings {
    /// The column of its shares on candidate layers.
    pub fn column(&self) -> String {
        format!("{}{}_share", if self.column_prefix.is_empty() { "c_" } else { self.column_prefix }, self.name)
    }

    /// How messages name one of its keys (`layer`, `crs`): where it is set.
    pub fn key(&self, key: &str) -> String {
        match self.column_prefix {
            "zone_" => format!("reforestation.zones ({}).{key}", self.name),
            _ if self.name == super::FORMER_CROPLAND => format!("swap.former_cropland_{key}"),
            _ => format!("constraints ({}).{key}", self.name),
        }
    }

    /// Whether it has a buffer (needed for lines and points).
    pub fn buffered(&self) -> bool {
        self.buffer_m.is_some() || self.buffer_field.is_some()
    }

    /// A layer that only flags (recorded and audited, never decides) for `rule`.
    pub fn flag_for(rule: Rule) -> ConstraintSettings {
        ConstraintSettings {
            name: String::new(),
            path: PathBuf::new(),
            layer: String::new(),
            crs: None,
            buffer_m: None,
            buffer_field: None,
            buffer_classes: BTreeMap::new(),
            buffer_default_m: None,
            mode: ConstraintMode::Flag,
            min_share: MIN_SHARE,
            applies_to: vec![rule],
            role: None,
            column_prefix: "",
        }
    }

    /// A `[[reforestation.zones]]` table as the constraint it is shorthand for.
    pub fn from_zone(z: &ZoneLayer) -> ConstraintSettings {
        ConstraintSettings {
            name: z.name.clone(),
            path: z.path.clone(),
            layer: z.layer.clone(),
            crs: z.crs.clone(),
            buffer_m: None,
            buffer_field: None,
            buffer_classes: BTreeMap::new(),
            buffer_default_m: None,
            mode: match z.mode {
                ZoneMode::Exclude => ConstraintMode::Exclude,
                ZoneMode::Include => ConstraintMode::Include,
            },
            min_share: z.min_share,
            applies_to: vec![Rule::Reforestation],
            role: None,
            column_prefix: "zone_",
        }
    }

    pub(super) fn validate(&self, i: usize, at: &Origin) -> Result<()> {
        let key = format!("constraints[{i}]");
        if !super::is_column_name(&self.name) {
            return Err(at.fail(&key, format!("name {:?} must be letters, digits or _ (it names a column)", self.name)));
        }
        if !(0.0..=1.0).contains(&self.min_share) || self.min_share.is_nan() {
            return Err(at.fail(&key, format!("min_share must lie in [0, 1], got {}", self.min_share)));
        }
        let buffers = self.buffer_m.iter().chain(self.buffer_default_m.iter()).chain(self.buffer_classes.values());
        if let Some(b) = buffers.into_iter().find(|b| !b.is_finite() || **b < 0.0) {
            return Err(at.fail(&key, format!("buffers are metres ≥ 0, got {b}")));
        }
        if self.buffer_m.is_some() && self.buffer_field.is_some() {
            return Err(at.fail(&key, "give buffer_m or buffer_field, not both"));
        }
        if self.buffer_field.is_some() && self.buffer_classes.is_empty() && self.buffer_default_m.is_none() {
            return Err(at.fail(&key, "buffer_field needs buffer_classes (and/or buffer_default_m)"));
        }
        if self.applies_to.is_empty() {
            return Err(at.fail(&key, "applies_to is empty: list the rules it applies to"));
        }
        Ok(())
    }
}
