//! `[output]` and `[run]`: where results go and how the run uses the machine.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::error::Result;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct OutputSettings {
    /// Output folder (created if missing). `--out` overrides it.
    pub dir: PathBuf,
    pub gpkg: String,
    pub slope: String,
    pub slope_grade: String,
    pub village_csv: String,
    pub manifest: String,
    /// Language of what users read in QGIS and the maps: field aliases, legend labels,
    /// value-map names and the reasons given for candidates ("zh" or "en").
    pub language: Language,
}

/// The language of the presentation (never of the figures, which do not change).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Chinese, for county planning teams (the default).
    #[default]
    Zh,
    En,
}

impl Language {
    /// The Chinese text when Chinese, else the English one.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::Zh => zh,
            Language::En => en,
        }
    }
}

impl Default for OutputSettings {
    fn default() -> Self {
        OutputSettings {
            dir: PathBuf::from("out"),
            gpkg: "landcons.gpkg".into(),
            slope: "slope.tif".into(),
            slope_grade: "slope_grade.tif".into(),
            village_csv: "village_summary.csv".into(),
            manifest: "manifest.json".into(),
            language: Language::Zh,
        }
    }
}

impl OutputSettings {
    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        for (key, name) in [
            ("output.gpkg", &self.gpkg),
            ("output.slope", &self.slope),
            ("output.slope_grade", &self.slope_grade),
            ("output.village_csv", &self.village_csv),
            ("output.manifest", &self.manifest),
        ] {
            if name.is_empty() || name.contains('/') || name.contains('\\') || name.starts_with('.') {
                return Err(at.fail(
                    key,
                    format!("must be a plain file name inside output.dir, got {name:?}"),
                ));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct RunSettings {
    /// Worker threads; 0 = one per core. `--threads` overrides it.
    pub threads: usize,
    /// Memory budget (MiB) for raster blocks; the DEM is streamed in strips that fit in it.
    pub memory_limit_mb: usize,
}

/// The smallest memory budget a run accepts (MiB).
const MIN_MEMORY_MB: usize = 16;

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            threads: 0,
            memory_limit_mb: 512,
        }
    }
}

impl RunSettings {
    pub fn memory_limit_bytes(&self) -> usize {
        self.memory_limit_mb.saturating_mul(1 << 20)
    }

    pub(super) fn validate(&self, at: &Origin) -> Result<()> {
        self.validate_as(at)
    }

    /// The same checks for settings given as command-line options.
    pub fn validate_as(&self, at: &Origin) -> Result<()> {
        if self.memory_limit_mb < MIN_MEMORY_MB {
            return Err(at.fail(
                "run.memory_limit_mb",
                format!("must be at least {MIN_MEMORY_MB}, got {}", self.memory_limit_mb),
            ));
        }
        Ok(())
    }
}
