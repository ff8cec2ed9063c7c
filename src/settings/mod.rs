//! Pipeline files: the typed settings of a whole job, one struct per section with its
//! defaults and validation beside it (`inputs.rs`, `terrain.rs`, ...).
//!
//! Loading is two-phase (as in ripgrep): the raw TOML document first gets the
//! `--set KEY=VALUE` overrides applied, then it is deserialised into typed settings,
//! unknown keys are rejected with the nearest valid key, and the values are checked
//! before any input is opened.

mod blocks;
mod consolidation;
mod constraints;
mod develop;
mod fields;
mod indicators;
mod inputs;
mod keys;
mod land_use;
mod load;
mod merge;
mod output;
mod pbf;
mod progress;
mod projects;
mod reclamation;
mod reforestation;
mod restore;
mod shards;
mod supply;
mod swap;
mod terrain;
mod topology;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use blocks::BlockSettings;
pub use consolidation::ConsolidationSettings;
pub use constraints::{ConstraintMode, ConstraintSettings, Role, Rule};
pub use develop::DevelopSettings;
pub use fields::FieldMap;
pub use indicators::{IndicatorSettings, VillageSettings, INDICATORS};
pub use reclamation::{ReclamationSettings, NATURAL_CLASSES};
pub use shards::ShardSettings;
pub use inputs::{Inputs, NonPolygons};
pub use keys::suggest;
pub use land_use::{class_index, LandUseSettings, TargetSettings, LAND_USE_CLASSES, SETTLEMENT_CLASSES};
pub use merge::MergeSettings;
pub use output::{Language, OutputSettings, RunSettings};
pub use pbf::{PbfScope, PbfSettings};
pub use progress::ProgressSettings;
pub use projects::{PerType, Prices, ProjectSettings, ProjectUnit};
pub use reforestation::{ReforestationRule, ReforestationSettings, ZoneLayer, ZoneMode, ZONE_MIN_SHARE};
pub use restore::RestoreSettings;
pub use supply::SupplySettings;
pub use swap::{SwapScope, SwapSelection, SwapSettings};
pub use terrain::{SlopeAlgorithm, TerrainSettings, GRADE_BREAKS};
pub use topology::{OnOverlap, TopologySettings};

/// A whole job, as read from a pipeline file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default)]
pub struct Settings {
    pub inputs: Inputs,
    pub fields: FieldMap,
    pub terrain: TerrainSettings,
    pub topology: TopologySettings,
    pub reforestation: ReforestationSettings,
    pub swap: SwapSettings,
    pub reclamation: ReclamationSettings,
    pub merge: MergeSettings,
    pub restore: RestoreSettings,
    pub develop: DevelopSettings,
    pub consolidation: ConsolidationSettings,
    pub blocks: BlockSettings,
    pub pbf: PbfSettings,
    pub supply: SupplySettings,
    pub projects: ProjectSettings,
    /// The plan of a previous run followed up against this survey (`[progress]`).
    pub progress: ProgressSettings,
    /// Control lines every rule respects (`[[constraints]]`).
    pub constraints: Vec<ConstraintSettings>,
    pub indicators: IndicatorSettings,
    pub villages: VillageSettings,
    /// The planning land-use classes of the 用地结构调整表 (`[land_use]`).
    pub land_use: LandUseSettings,
    /// The upper-level targets (约束性指标) the plan is checked against (`[targets]`).
    pub targets: TargetSettings,
    /// How `landcons plan` cuts the job into shards (`[shards]`).
    pub shards: ShardSettings,
    pub output: OutputSettings,
    pub run: RunSettings,
}

/// Where settings came from, so a message can point at the mistake: the pipeline file
/// (with its text, for line numbers), `--set` overrides, or command-line options.
pub struct Origin<'a> {
    /// The file's name as the user gave it (or the command).
    pub source: &'a str,
    /// The file's text, to find the line of a key ("" for options).
    pub text: &'a str,
    /// Keys set by `--set` (key, the argument as given).
    pub overrides: Vec<(String, String)>,
    /// Keys set by command-line options (key, flag), e.g. ("terrain.z_factor", "--z-factor").
    pub flags: &'a [(&'a str, &'a str)],
}

impl<'a> Origin<'a> {
    /// Settings given as command-line options of `command` (no file).
    pub fn options(command: &'a str, flags: &'a [(&'a str, &'a str)]) -> Origin<'a> {
        Origin {
            source: command,
            text: "",
            overrides: Vec::new(),
            flags,
        }
    }

    /// The error for a wrong value of `key`, pointing at where it was set.
    pub fn fail(&self, key: &str, message: impl Into<String>) -> Error {
        let base = key.split('[').next().unwrap_or(key);
        if let Some((_, flag)) = self.flags.iter().find(|(k, _)| *k == base) {
            return Error::setting(format!("{} {flag}", self.source), None, message);
        }
        if let Some((_, arg)) = self.overrides.iter().rev().find(|(k, _)| k == base) {
            return Error::setting(format!("--set {arg}"), Some(key), message);
        }
        let at = keys::line_of_key(self.text, base)
            .map(|l| format!("{} (line {l})", self.source))
            .unwrap_or_else(|| self.source.to_string());
        Error::setting(at, Some(key), message)
    }
}

impl Settings {
    /// Reads a pipeline file, applies `KEY=VALUE` overrides, validates, and resolves
    /// relative paths against the pipeline file's folder.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Settings> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::setting(
                path.display().to_string(),
                None,
                format!("cannot read pipeline file: {e}"),
            )
        })?;
        let base = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // Absolute, so messages and the manifest show real locations.
        let base = std::fs::canonicalize(&base).unwrap_or(base);
        Settings::from_toml(&text, &path.display().to_string(), &base, overrides)
    }

    /// Parses pipeline text. `source` names it in messages; `base` resolves relative paths.
    pub fn from_toml(text: &str, source: &str, base: &Path, overrides: &[String]) -> Result<Settings> {
        let (settings, origin) = load::parse(text, source, overrides)?;
        let mut settings: Settings = settings;
        settings.validate(&origin)?;
        settings.resolve_paths(base);
        Ok(settings)
    }

    /// Checks every section; the first mistake is the error.
    pub fn validate(&self, at: &Origin) -> Result<()> {
        self.inputs.validate(at)?;
        self.terrain.validate(at)?;
        self.topology.validate(at)?;
        self.reforestation.validate(at)?;
        self.swap.validate(at)?;
        self.reclamation.validate(at)?;
        self.shards.validate(at)?;
        self.indicators.validate(at)?;
        self.merge.validate(at)?;
        self.restore.validate(at)?;
        self.develop.validate(at)?;
        self.consolidation.validate(at)?;
        self.blocks.validate(at)?;
        self.pbf.validate(at)?;
        self.supply.validate(at)?;
        self.land_use.validate(at)?;
        self.targets.validate(at)?;
        self.projects.validate(at)?;
        self.progress.validate(at)?;
        self.validate_constraints(at)?;
        self.output.validate(at)?;
        self.run.validate(at)
    }

    /// Every constraint: the `[[constraints]]` tables and the `[[reforestation.zones]]`
    /// shorthand, in that order.
    pub fn all_constraints(&self) -> Vec<ConstraintSettings> {
        let zones = self.reforestation.zones.iter().map(ConstraintSettings::from_zone);
        let former = self.swap.former_cropland.as_ref().filter(|_| self.swap.enabled).map(|path| ConstraintSettings {
            name: FORMER_CROPLAND.into(),
            path: path.clone(),
            layer: self.swap.former_cropland_layer.clone(),
            crs: self.swap.former_cropland_crs.clone(),
            ..ConstraintSettings::flag_for(Rule::SwapIn)
        });
        self.constraints.iter().cloned().chain(zones).chain(former).collect()
    }

    fn validate_constraints(&self, at: &Origin) -> Result<()> {
        let mut names = std::collections::HashSet::new();
        for (i, c) in self.constraints.iter().enumerate() {
            c.validate(i, at)?;
            if !names.insert(c.name.clone()) {
                return Err(at.fail(&format!("constraints[{i}]"), format!("constraint name {:?} is used twice", c.name)));
            }
        }
        Ok(())
    }

    fn resolve_paths(&mut self, base: &Path) {
        let resolve = |p: &PathBuf| {
            if p.is_absolute() {
                p.clone()
            } else {
                base.join(p)
            }
        };
        self.inputs.resolve_paths(&resolve);
        self.reforestation.resolve_paths(&resolve);
        for c in &mut self.constraints {
            c.path = resolve(&c.path);
        }
        self.swap.former_cropland = self.swap.former_cropland.as_ref().map(resolve);
        self.targets.path = self.targets.path.as_ref().map(resolve);
        self.progress.resolve_paths(&resolve);
        self.output.dir = resolve(&self.output.dir);
    }

    /// The settings as TOML, for `validate` and the run manifest.
    pub fn to_toml(&self) -> String {
        toml_edit::ser::to_string_pretty(self).unwrap_or_default()
    }
}

/// The constraint name of `swap.former_cropland` (an earlier survey's cropland).
pub const FORMER_CROPLAND: &str = "former_cropland";

/// Names that become column names: ASCII letters, digits and `_`.
pub(crate) fn is_column_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests;
