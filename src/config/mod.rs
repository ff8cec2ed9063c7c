//! Pipeline files: the TOML schema of a whole job, its defaults and its validation.
//!
//! Loading is two-phase (as in ripgrep): the raw TOML document first gets the
//! `--set KEY=VALUE` overrides applied, then it is deserialised into typed
//! settings, unknown keys are rejected with the nearest valid key, and the
//! values are checked before any input is opened.

mod keys;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use keys::suggest;

/// A whole job, as read from a pipeline file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Config {
    pub inputs: Inputs,
    pub fields: FieldMap,
    pub terrain: TerrainSettings,
    pub reforestation: ReforestationSettings,
    pub merge: MergeSettings,
    pub output: OutputSettings,
    pub run: RunSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Inputs {
    /// DEM tiles: files, glob patterns (`tiles/*.tif`) or one VRT. Read as one mosaic.
    pub dem: Vec<PathBuf>,
    /// Value to treat as nodata when the DEM has none (e.g. SRTM voids stored as -32768).
    pub dem_nodata: Option<f64>,
    /// CRS to assume when the DEM carries none ("EPSG:4544", WKT or PROJ string).
    pub dem_crs: Option<String>,
    /// The parcel layer (Shapefile, GeoPackage, FlatGeobuf, GeoJSON, ...).
    pub parcels: PathBuf,
    /// Layer name inside a multi-layer source; empty = the first layer.
    pub parcels_layer: String,
    /// Attribute encoding: "auto" (.cpg, else UTF-8 if valid, else GBK), or a name such as "gbk", "utf-8".
    pub parcels_encoding: String,
    /// CRS to assume when the parcel layer carries none.
    pub parcels_crs: Option<String>,
    /// Features that are points or lines: "error" (default) stops with the feature named,
    /// "skip" leaves them out and reports them in the manifest.
    pub non_polygons: NonPolygons,
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
            parcels: PathBuf::new(),
            parcels_layer: String::new(),
            parcels_encoding: "auto".into(),
            parcels_crs: None,
            non_polygons: NonPolygons::Error,
        }
    }
}

/// Which attribute of the parcel layer holds what. Defaults are the 三调 DLTB names.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FieldMap {
    pub id: String,
    pub land_use: String,
    pub land_use_name: String,
    pub village_code: String,
    pub village_name: String,
    pub owner_code: String,
    pub terrace_type: String,
    pub recorded_grade: String,
    pub official_area: String,
}

impl Default for FieldMap {
    fn default() -> Self {
        FieldMap {
            id: "BSM".into(),
            land_use: "DLBM".into(),
            land_use_name: "DLMC".into(),
            village_code: "ZLDWDM".into(),
            village_name: "ZLDWMC".into(),
            owner_code: "QSDWDM".into(),
            terrace_type: "GDLX".into(),
            recorded_grade: "GDPDJB".into(),
            official_area: "TBMJ".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SlopeAlgorithm {
    /// Horn (1981), 3×3 weighted: gdaldem's and ArcGIS's default.
    Horn,
    /// Zevenbergen & Thorne (1987), 4-neighbour central differences.
    ZevenbergenThorne,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct TerrainSettings {
    pub algorithm: SlopeAlgorithm,
    /// Vertical-unit factor: elevations are multiplied by it (e.g. 0.3048 for feet over metres).
    pub z_factor: f64,
    /// Upper limits (degrees, inclusive) of grades 1..4; above the last is grade 5.
    pub grade_breaks: Vec<f64>,
}

impl Default for TerrainSettings {
    fn default() -> Self {
        TerrainSettings {
            algorithm: SlopeAlgorithm::Horn,
            z_factor: 1.0,
            grade_breaks: vec![2.0, 6.0, 15.0, 25.0],
        }
    }
}

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

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneMode {
    /// Candidates overlapping the zone by at least `min_share` are left out.
    Exclude,
    /// Only candidates overlapping the zone by at least `min_share` are kept.
    Include,
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

fn default_min_share() -> f64 {
    0.5
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

/// Adjacency graph, fragmented plots and merge groups (小田并大田).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct MergeSettings {
    /// Snapping tolerance, metres: gaps and overlaps narrower than this still make a shared edge.
    pub tolerance_m: f64,
    /// Shortest shared boundary, metres, for two plots to be merged (and to be contiguous).
    pub min_shared_m: f64,
    /// Cropland smaller than this (m²) is fragmented. Default 5 mu.
    pub fragment_max_m2: f64,
    /// Cropland with a shape index perimeter / (2·√(π·area)) above this is fragmented.
    pub fragment_shape_index: f64,
    /// Cropland whose mean width 2·area / perimeter is below this (m) is a thin strip, fragmented.
    pub strip_width_m: f64,
    /// Largest merged field, m². Default 50 mu.
    pub max_group_m2: f64,
    /// Largest difference of slope grades inside a merged field.
    pub max_grade_diff: u8,
    /// Allow merging plots of different owning collectives (QSDWDM).
    pub allow_cross_owner: bool,
    /// Size (m²) above which a field or a contiguous block counts as large (集中连片). Default 100 mu.
    pub large_block_m2: f64,
}

impl Default for MergeSettings {
    fn default() -> Self {
        MergeSettings {
            tolerance_m: 0.1,
            min_shared_m: 5.0,
            fragment_max_m2: 5.0 * 666.67,
            fragment_shape_index: 1.6,
            strip_width_m: 8.0,
            max_group_m2: 50.0 * 666.67,
            max_grade_diff: 1,
            allow_cross_owner: false,
            large_block_m2: 100.0 * 666.67,
        }
    }
}

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
        }
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

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            threads: 0,
            memory_limit_mb: 512,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            inputs: Inputs {
                parcels_encoding: "auto".into(),
                ..Inputs::default()
            },
            fields: FieldMap::default(),
            terrain: TerrainSettings::default(),
            reforestation: ReforestationSettings::default(),
            merge: MergeSettings::default(),
            output: OutputSettings::default(),
            run: RunSettings::default(),
        }
    }
}

impl Config {
    /// Reads a pipeline file, applies `KEY=VALUE` overrides, validates, and resolves
    /// relative paths against the pipeline file's folder.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Config(format!(
                "{}: cannot read pipeline file: {e}",
                path.display()
            ))
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = if base.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            base
        };
        // Absolute, so messages and the manifest show real locations.
        let base = std::fs::canonicalize(&base).unwrap_or(base);
        Config::from_toml(&text, &path.display().to_string(), &base, overrides)
    }

    /// Parses pipeline text. `source` names it in messages; `base` resolves relative paths.
    pub fn from_toml(
        text: &str,
        source: &str,
        base: &Path,
        overrides: &[String],
    ) -> Result<Config> {
        let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
            Error::Config(format!("{source}: {}", one_line(&e.to_string())))
        })?;
        for item in overrides {
            keys::apply_override(&mut doc, item)?;
        }
        let mut unknown = Vec::new();
        // Re-parse the (overridden) text so errors keep their spans (line numbers).
        let merged = doc.to_string();
        let de = toml_edit::de::Deserializer::parse(merged.as_str())
            .map_err(|e| Error::Config(format!("{source}: {}", one_line(e.message()))))?;
        let mut config: Config =
            serde_ignored::deserialize(de, |path| unknown.push(path.to_string())).map_err(|e| {
                let line = e.span().map(|s| line_of(&merged, s.start));
                let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
                let key = line
                    .and_then(|l| key_on_line(&merged, l))
                    .map(|k| format!("setting `{k}`: "))
                    .unwrap_or_default();
                Error::Config(format!("{source}{at}: {key}{}", one_line(e.message())))
            })?;
        if let Some(key) = unknown.first() {
            return Err(Error::Config(keys::unknown_key_message(source, text, key)));
        }
        config.validate(source, text)?;
        config.resolve_paths(base);
        Ok(config)
    }

    fn validate(&self, source: &str, text: &str) -> Result<()> {
        let fail = |key: &str, msg: String| {
            let at = keys::line_of_key(text, key)
                .map(|l| format!(" (line {l})"))
                .unwrap_or_default();
            Err(Error::Config(format!(
                "{source}{at}: setting `{key}`: {msg}"
            )))
        };
        if self.inputs.dem.is_empty() {
            return fail(
                "inputs.dem",
                "no DEM given: set inputs.dem to a file, a glob or a list".into(),
            );
        }
        if self.inputs.parcels.as_os_str().is_empty() {
            return fail("inputs.parcels", "no parcel layer given".into());
        }
        let b = &self.terrain.grade_breaks;
        if b.len() != 4 {
            return fail(
                "terrain.grade_breaks",
                format!("needs 4 breaks (grades 1–5), got {}", b.len()),
            );
        }
        if b.iter().any(|v| !v.is_finite() || *v <= 0.0 || *v >= 90.0) {
            return fail(
                "terrain.grade_breaks",
                format!("breaks must lie in (0°, 90°), got {b:?}"),
            );
        }
        if b.windows(2).any(|w| w[1] <= w[0]) {
            return fail(
                "terrain.grade_breaks",
                format!("breaks must increase, got {b:?}"),
            );
        }
        if !(self.terrain.z_factor.is_finite() && self.terrain.z_factor > 0.0) {
            return fail(
                "terrain.z_factor",
                format!("must be > 0, got {}", self.terrain.z_factor),
            );
        }
        let t = self.reforestation.steep_share_threshold;
        if !(0.0..=1.0).contains(&t) || t.is_nan() {
            return fail(
                "reforestation.steep_share_threshold",
                format!("must lie in [0, 1], got {t}"),
            );
        }
        if self.reforestation.exclude_terraces && self.reforestation.only_slope_land {
            return fail(
                "reforestation.only_slope_land",
                "cannot be combined with exclude_terraces (slope land has no terraces)".into(),
            );
        }
        let mut names = std::collections::HashSet::new();
        for (i, z) in self.reforestation.zones.iter().enumerate() {
            let key = format!("reforestation.zones[{i}]");
            if z.name.is_empty()
                || !z
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return fail(
                    &key,
                    format!(
                        "name {:?} must be letters, digits or _ (it names a column)",
                        z.name
                    ),
                );
            }
            if !names.insert(z.name.clone()) {
                return fail(&key, format!("zone name {:?} is used twice", z.name));
            }
            if !(0.0..=1.0).contains(&z.min_share) || z.min_share.is_nan() {
                return fail(
                    &key,
                    format!("min_share must lie in [0, 1], got {}", z.min_share),
                );
            }
        }
        let m = &self.merge;
        for (key, v) in [
            ("merge.tolerance_m", m.tolerance_m),
            ("merge.min_shared_m", m.min_shared_m),
            ("merge.fragment_max_m2", m.fragment_max_m2),
            ("merge.fragment_shape_index", m.fragment_shape_index),
            ("merge.strip_width_m", m.strip_width_m),
            ("merge.max_group_m2", m.max_group_m2),
            ("merge.large_block_m2", m.large_block_m2),
        ] {
            if !v.is_finite() || v < 0.0 {
                return fail(key, format!("must be a number ≥ 0, got {v}"));
            }
        }
        if m.tolerance_m > 10.0 {
            return fail(
                "merge.tolerance_m",
                format!(
                    "{} m is not a snapping tolerance (at most 10 m)",
                    m.tolerance_m
                ),
            );
        }
        if self.run.memory_limit_mb < 16 {
            return fail(
                "run.memory_limit_mb",
                format!("must be at least 16, got {}", self.run.memory_limit_mb),
            );
        }
        let enc = self.inputs.parcels_encoding.trim();
        if !enc.eq_ignore_ascii_case("auto")
            && encoding_rs::Encoding::for_label(enc.as_bytes()).is_none()
        {
            return fail(
                "inputs.parcels_encoding",
                format!("unknown encoding {enc:?} (try \"auto\", \"gbk\", \"utf-8\")"),
            );
        }
        for (key, name) in [
            ("output.gpkg", &self.output.gpkg),
            ("output.slope", &self.output.slope),
            ("output.slope_grade", &self.output.slope_grade),
            ("output.village_csv", &self.output.village_csv),
            ("output.manifest", &self.output.manifest),
        ] {
            if name.is_empty() || name.contains('/') || name.contains('\\') {
                return fail(
                    key,
                    format!("must be a plain file name inside output.dir, got {name:?}"),
                );
            }
        }
        Ok(())
    }

    fn resolve_paths(&mut self, base: &Path) {
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        self.inputs.dem = self.inputs.dem.iter().map(|p| resolve(p)).collect();
        self.inputs.parcels = resolve(&self.inputs.parcels);
        for z in &mut self.reforestation.zones {
            z.path = resolve(&z.path);
        }
        self.output.dir = resolve(&self.output.dir);
    }

    /// The settings as TOML, for `validate` and the run manifest.
    pub fn to_toml(&self) -> String {
        toml_edit::ser::to_string_pretty(self).unwrap_or_default()
    }
}

/// 1-based line number of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The dotted key set on 1-based `line` (`section.key`), for messages about its value.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let (key, _) = lines.get(line.checked_sub(1)?)?.split_once('=')?;
    let key = key.trim().trim_matches('"');
    let section = lines[..line - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    Some(match section {
        Some(s) if !s.is_empty() => format!("{s}.{key}"),
        _ => key.to_string(),
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::from_toml(text, "test.toml", Path::new("/base"), &[])
    }

    const MINIMAL: &str = "[inputs]\ndem = [\"dem.tif\"]\nparcels = \"parcels.shp\"\n";

    #[test]
    fn defaults_are_the_sandiao_names_and_national_breaks() {
        let c = parse(MINIMAL).unwrap();
        assert_eq!(c.fields.id, "BSM");
        assert_eq!(c.fields.land_use, "DLBM");
        assert_eq!(c.fields.recorded_grade, "GDPDJB");
        assert_eq!(c.terrain.grade_breaks, vec![2.0, 6.0, 15.0, 25.0]);
        assert_eq!(c.terrain.algorithm, SlopeAlgorithm::Horn);
        assert_eq!(c.inputs.parcels_encoding, "auto");
    }

    #[test]
    fn relative_paths_resolve_from_the_pipeline_folder() {
        let c = parse(MINIMAL).unwrap();
        assert_eq!(c.inputs.dem, vec![PathBuf::from("/base/dem.tif")]);
        assert_eq!(c.inputs.parcels, PathBuf::from("/base/parcels.shp"));
        assert_eq!(c.output.dir, PathBuf::from("/base/out"));
        let abs = parse("[inputs]\ndem = [\"/abs/d.tif\"]\nparcels = \"p.gpkg\"\n").unwrap();
        assert_eq!(abs.inputs.dem, vec![PathBuf::from("/abs/d.tif")]);
    }

    #[test]
    fn unknown_key_names_the_key_the_line_and_the_nearest_valid_key() {
        let text = format!("{MINIMAL}\n[terrain]\nalgoritm = \"horn\"\n");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("terrain.algoritm"), "{err}");
        assert!(err.contains("did you mean `algorithm`"), "{err}");
        assert!(err.contains("line 6"), "{err}");
    }

    #[test]
    fn unknown_section_suggests_the_nearest_section() {
        let err = parse(&format!("{MINIMAL}[terain]\nz_factor = 1.0\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `terrain`"), "{err}");
    }

    #[test]
    fn wrong_type_names_the_line() {
        let err = parse(&format!("{MINIMAL}[terrain]\nz_factor = \"one\"\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 5"), "{err}");
    }

    #[test]
    fn breaks_must_increase() {
        let err = parse(&format!(
            "{MINIMAL}[terrain]\ngrade_breaks = [2, 15, 6, 25]\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("terrain.grade_breaks") && err.contains("increase"),
            "{err}"
        );
    }

    #[test]
    fn overrides_apply_before_validation() {
        let c = Config::from_toml(
            MINIMAL,
            "t",
            Path::new("/b"),
            &[
                "terrain.algorithm=zevenbergen-thorne".into(),
                "terrain.z_factor=2".into(),
                "fields.id=TBBH".into(),
            ],
        )
        .unwrap();
        assert_eq!(c.terrain.algorithm, SlopeAlgorithm::ZevenbergenThorne);
        assert_eq!(c.terrain.z_factor, 2.0);
        assert_eq!(c.fields.id, "TBBH");
        let err = Config::from_toml(MINIMAL, "t", Path::new("/b"), &["terrain.zfactor=2".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `z_factor`"), "{err}");
    }

    #[test]
    fn missing_dem_is_an_error_naming_the_setting() {
        let err = parse("[inputs]\nparcels = \"p.shp\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("inputs.dem"), "{err}");
    }

    #[test]
    fn settings_round_trip_through_toml() {
        let c = parse(MINIMAL).unwrap();
        let again = Config::from_toml(&c.to_toml(), "again", Path::new("/"), &[]).unwrap();
        assert_eq!(c, again);
    }
}
