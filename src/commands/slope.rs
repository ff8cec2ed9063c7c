//! `landcons slope`: slope (and grades) of DEM tiles, outside a pipeline. Its options
//! are checked by the same validation as a pipeline file's `[terrain]` and `[run]`.

use std::path::{Path, PathBuf};

use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::output::guard::{self, Target};
use crate::progress::Reporter;
use crate::raster;
use crate::settings::{Origin, RunSettings, SlopeAlgorithm, TerrainSettings};
use crate::stages::terrain::{self, plateaus, SlopeOptions, TerrainSummary};

#[derive(Debug, Clone)]
pub struct SlopeCommand {
    pub dem: Vec<PathBuf>,
    pub output: PathBuf,
    pub grades: Option<PathBuf>,
    pub algorithm: SlopeAlgorithm,
    pub z_factor: f64,
    pub nodata: Option<f64>,
    pub memory_mb: usize,
    pub threads: usize,
    pub creation_options: Vec<String>,
    /// Replace existing outputs this command did not write.
    pub force: bool,
}

/// Which option sets which setting, for messages.
const FLAGS: &[(&str, &str)] = &[
    ("terrain.z_factor", "--z-factor"),
    ("run.memory_limit_mb", "--memory-mb"),
];

pub fn slope(cmd: &SlopeCommand, reporter: Reporter, cancel: &CancelToken) -> Result<TerrainSummary> {
    let terrain_settings = TerrainSettings {
        algorithm: cmd.algorithm,
        z_factor: cmd.z_factor,
        ..TerrainSettings::default()
    };
    let run = RunSettings { threads: cmd.threads, memory_limit_mb: cmd.memory_mb };
    let origin = Origin::options("slope", FLAGS);
    terrain_settings.validate(&origin)?;
    run.validate_as(&origin)?;
    if let Some(capped) = super::run::set_threads(cmd.threads) {
        tracing::warn!("{capped}");
    }
    raster::set_gdal_cache(run.memory_limit_bytes());
    let dem = raster::open_dem(&cmd.dem, cmd.nodata, None)?;
    check_targets(cmd, &dem.files)?;
    let opts = SlopeOptions {
        creation_options: cmd.creation_options.clone(),
        ..SlopeOptions::from_settings(&terrain_settings, run.memory_limit_bytes())
    };
    let progress = crate::progress::Progress::new("slope", reporter);
    let summary = terrain::write_slope_rasters(&dem, &opts, &cmd.output, cmd.grades.as_deref(), &progress, cancel);
    progress.finish();
    if let Ok(s) = &summary {
        warn_voids(&dem, s, reporter);
    }
    summary
}

/// Voids read as heights, as a run warns of them (without parcels here), on stderr (also
/// with -q: the slope is wrong there) or as JSON warning events.
fn warn_voids(dem: &raster::Dem, s: &TerrainSummary, reporter: Reporter) {
    let files = dem.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ");
    let cells = (dem.grid.cols * dem.grid.rows) as u64;
    let fills = s.fill_values.iter().map(|f| {
        format!(
            "{files}: {} cells ({:.3}% of the DEM) hold {}, a typical void fill, and the DEM declares no nodata: they are read as heights (false cliffs and slopes). If they are voids, set --nodata {}",
            f.cells,
            f.share * 100.0,
            f.value,
            f.value
        )
    });
    let areas = s.void_areas.iter().map(|v| plateaus::warning(&files, v, cells, dem.declared_nodata, None, "--nodata "));
    for message in fills.chain(areas) {
        match reporter {
            Reporter::Json => reporter.event("warning", serde_json::json!({ "code": "dem_fill_value", "message": message })),
            _ => eprintln!("landcons: warning: {message}"),
        }
    }
}

/// The slope and grade rasters may replace neither an input DEM, nor each other, nor a
/// result set's file, nor a file `landcons slope` did not write (unless `--force`).
fn check_targets(cmd: &SlopeCommand, dem_files: &[PathBuf]) -> Result<()> {
    let inputs: Vec<&Path> = dem_files.iter().map(PathBuf::as_path).collect();
    let made_here = |p: &Path| raster::written_by_landcons(p);
    guard::check_target(&Target { path: &cmd.output, option: "--output", made_here: &made_here }, &inputs, cmd.force)?;
    let Some(grades) = &cmd.grades else { return Ok(()) };
    if guard::real_path(grades) == guard::real_path(&cmd.output) {
        return Err(Error::setting("--grades", None, format!("{} is also --output; the two rasters need two files", grades.display())));
    }
    guard::check_target(&Target { path: grades, option: "--grades", made_here: &made_here }, &inputs, cmd.force)
}

/// What `landcons slope` prints.
pub fn summary(s: &TerrainSummary) -> String {
    format!(
        "slope: {}×{} cells, {} with slope, strips of {} rows\n",
        s.cols, s.rows, s.cells_with_slope, s.strip_rows
    )
}
