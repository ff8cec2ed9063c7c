//! The pipeline: stage order, progress, timings, and the run manifest.

mod cache;
mod results;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::adjacency;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::merge;
use crate::output::{self, Staging};
use crate::parcels::{self, ReadOptions};
use crate::progress::Progress;
use crate::raster;
use crate::rules;
use crate::terrain::{self, SlopeOptions};
use crate::zonal;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Marks the run as interrupted (called from the SIGINT/SIGTERM handler).
pub fn request_interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Long loops call this between blocks so Ctrl-C stops the run promptly.
pub fn check_interrupted() -> Result<()> {
    if INTERRUPTED.load(Ordering::Relaxed) {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// How to run, beyond the pipeline file.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub quiet: bool,
    /// Recompute every stage even when the previous run's results can be reused.
    pub no_cache: bool,
}

/// Seconds spent in one stage.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StageTiming {
    pub stage: String,
    pub seconds: f64,
}

/// What a run did: counts, timings and the files it wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunReport {
    pub dem_cells: u64,
    pub dem_cells_with_slope: u64,
    pub parcels: usize,
    pub cropland_parcels: usize,
    pub reforestation_candidates: usize,
    pub reforestation_m2: f64,
    pub grade_mismatches: u64,
    pub geometry_issues: usize,
    pub parcels_without_data: usize,
    pub adjacent_pairs: usize,
    pub fragmented_plots: usize,
    pub merge_groups: usize,
    pub merged_plots: usize,
    pub timings: Vec<StageTiming>,
    pub outputs: Vec<PathBuf>,
    /// What changed since the results this run replaced (None on a first run); in the
    /// manifest under "changes".
    #[serde(skip)]
    pub changes: Option<String>,
}

struct Stopwatch {
    timings: Vec<StageTiming>,
}

impl Stopwatch {
    fn time<T>(&mut self, stage: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let start = Instant::now();
        tracing::info!(stage, "started");
        let out = f()?;
        let seconds = start.elapsed().as_secs_f64();
        tracing::info!(stage, seconds, "finished");
        self.timings.push(StageTiming {
            stage: stage.to_string(),
            seconds,
        });
        Ok(out)
    }
}

/// Runs the whole job described by `config`.
pub fn run(config: &Config, opts: &RunOptions) -> Result<RunReport> {
    let started = Instant::now();
    let mut clock = Stopwatch {
        timings: Vec::new(),
    };
    let breaks = SlopeOptions::from_settings(&config.terrain, config.run.memory_limit_mb).breaks;
    raster::set_gdal_cache(config.run.memory_limit_mb.saturating_mul(1 << 20));

    // Inputs open before anything is written: a bad input leaves the output folder alone.
    let dem = raster::open_dem(
        &config.inputs.dem,
        config.inputs.dem_nodata,
        config.inputs.dem_crs.as_deref(),
    )?;
    let zones = config
        .reforestation
        .zones
        .iter()
        .map(|z| {
            let setting = format!("reforestation.zones ({}).crs", z.name);
            parcels::read_polygons(
                &z.path,
                &z.layer,
                z.crs.as_deref(),
                &setting,
                &dem.grid.crs_wkt,
            )
            .map(|p| rules::Zone::new(z, p))
        })
        .collect::<Result<Vec<_>>>()?;

    // Meanwhile the other work starts: hashing the input files and reading the candidates
    // of the results this run will replace (second thread).
    let hashing = {
        let (config, dem_files) = (config.clone(), dem.files.clone());
        Helper::spawn(move || results::input_hashes(&config, &dem_files))
    };
    let reading_previous = {
        let out = config.output.clone();
        Helper::spawn(move || previous_results(&out))
    };
    // The parcels are read (single-threaded GDAL) while the terrain stage runs, so the
    // output folder is locked and staged first; if the parcels turn out to be bad the
    // staging folder and the lock are removed again, and the folder itself if this run
    // created it: the output folder is left as it was.
    let out_dir = CreatedDir::new(&config.output.dir);
    let _lock = output::Lock::acquire(&config.output.dir)?;
    let staging = Staging::new(&config.output.dir)?;
    let reading_parcels = {
        let (inputs, fields, crs) = (
            config.inputs.clone(),
            config.fields.clone(),
            dem.grid.crs_wkt.clone(),
        );
        Helper::spawn(move || {
            let started = Instant::now();
            let layer = parcels::read_parcels(&ReadOptions {
                inputs: &inputs,
                fields: &fields,
                target_crs_wkt: &crs,
            });
            (layer, started.elapsed().as_secs_f64())
        })
    };
    let slope_path = staging.path(&config.output.slope);
    let grade_path = staging.path(&config.output.slope_grade);
    // The slope rasters depend only on the DEM and the terrain settings: when both hash
    // the same as for the results already in the output folder, those rasters are reused.
    let input_hashes = hashing.join();
    let terrain_key = cache::terrain_key(config, &dem, &input_hashes);
    let reused = if opts.no_cache {
        None
    } else {
        cache::reuse_terrain(&config.output, &terrain_key, &slope_path, &grade_path)
    };
    let terrain_cache = match (&reused, opts.no_cache) {
        (_, true) => "disabled",
        (Some(_), _) => "hit",
        (None, _) => "miss",
    };
    let terrain_summary = clock.time("terrain", || {
        if let Some(summary) = reused {
            tracing::info!("terrain: DEM and settings unchanged, slope rasters reused");
            return Ok(summary);
        }
        let progress = Progress::new("slope", opts.quiet);
        let s = terrain::write_slope_rasters(
            &dem,
            &SlopeOptions::from_settings(&config.terrain, config.run.memory_limit_mb),
            &slope_path,
            Some(&grade_path),
            &progress,
        );
        progress.finish();
        s
    })?;

    let (layer, seconds) = reading_parcels.join();
    tracing::info!(stage = "parcels", seconds, "finished (alongside terrain)");
    clock.timings.insert(
        0,
        StageTiming {
            stage: "parcels".into(),
            seconds,
        },
    );
    let layer = layer?;
    check_extents(&dem, &layer)?;

    // Parcels whose id and geometry are unchanged since the previous run keep their
    // statistics when the slope raster is the same (same terrain key).
    let zonal_cache_path = config.output.dir.join(cache::ZONAL_CACHE);
    let geometry_hashes = zonal::cache::geometry_hashes(&layer.parcels);
    let known = if opts.no_cache {
        vec![None; layer.parcels.len()]
    } else {
        zonal::cache::ZonalCache::load(&zonal_cache_path, &terrain_key)
            .lookup(&layer.parcels, &geometry_hashes)
    };
    let zonal_reused = known.iter().filter(|k| k.is_some()).count();
    let stats = clock.time("zonal", || {
        let progress = Progress::new("zonal", opts.quiet);
        let s = zonal::zonal_slope_reusing(
            &layer.parcels,
            known,
            &slope_path,
            &dem.grid,
            &breaks,
            &progress,
        );
        progress.finish();
        s
    })?;
    zonal::cache::save(
        &staging.path(cache::ZONAL_CACHE),
        &terrain_key,
        &layer.parcels,
        &geometry_hashes,
        &stats,
    )?;

    let (flags, villages) = clock.time("rules", || {
        let flags = rules::reforestation(
            &layer.parcels,
            &stats,
            &config.reforestation,
            breaks[3],
            &zones,
        );
        let villages = rules::village::village_summary(&layer.parcels, &stats, &flags);
        Ok((flags, villages))
    })?;

    let geometries: Vec<&geo::MultiPolygon<f64>> =
        layer.parcels.iter().map(|p| &p.geometry).collect();
    let graph = clock.time("adjacency", || {
        Ok(adjacency::build(&geometries, config.merge.tolerance_m, 0.0))
    })?;
    drop(geometries);
    // The GeoPackage is begun on a second thread (candidates, adjacency table) while the
    // merge stage, partly sequential, runs here.
    let gpkg_path = staging.path(&config.output.gpkg);
    let (merged, early) = std::thread::scope(|scope| {
        let early = scope.spawn(|| {
            results::write_early_layers(
                &gpkg_path,
                &dem.grid.crs_wkt,
                &layer,
                &stats,
                &flags,
                &graph,
                config,
            )
        });
        let merged = clock.time("merge", || {
            use rayon::prelude::*;
            let shapes: Vec<merge::ShapeFigures> = layer
                .parcels
                .par_iter()
                .zip(&stats)
                .zip(&flags)
                .map(|((p, st), f)| {
                    merge::shape::shape_figures(
                        &p.geometry,
                        st.area_m2,
                        f.is_cropland,
                        &config.merge,
                    )
                })
                .collect();
            let groups = merge::merge_groups(
                &layer.parcels,
                &stats,
                &flags,
                &shapes,
                &graph,
                &config.merge,
            );
            let fragmentation = merge::fragmentation::village_fragmentation(
                &layer.parcels,
                &stats,
                &flags,
                &shapes,
                &graph,
                &groups,
                &config.merge,
            );
            Ok((shapes, groups, fragmentation))
        });
        let early = early
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (merged, early)
    });
    let (shapes, groups, fragmentation) = merged?;

    let mut report = RunReport {
        dem_cells: (dem.grid.cols * dem.grid.rows) as u64,
        dem_cells_with_slope: terrain_summary.cells_with_slope,
        parcels: layer.parcels.len(),
        cropland_parcels: flags.iter().filter(|f| f.is_cropland).count(),
        reforestation_candidates: flags.iter().filter(|f| f.reforest).count(),
        reforestation_m2: stats
            .iter()
            .zip(&flags)
            .filter(|(_, f)| f.reforest)
            .map(|(s, _)| s.area_m2)
            .sum(),
        grade_mismatches: villages.last().map(|t| t.grade_mismatch_count).unwrap_or(0),
        geometry_issues: layer.issues.len(),
        parcels_without_data: stats.iter().filter(|s| s.grade == 0).count(),
        adjacent_pairs: graph.edges.len(),
        fragmented_plots: shapes.iter().filter(|s| s.fragmented).count(),
        merge_groups: groups.len(),
        merged_plots: groups.iter().map(|g| g.members.len()).sum(),
        timings: Vec::new(),
        outputs: Vec::new(),
        changes: None,
    };

    // Run metadata for the GeoPackage (the manifest adds the output stage's timing).
    let cache_info = serde_json::json!({
        "terrain_key": terrain_key,
        "terrain": terrain_cache,
        "zonal": if opts.no_cache { serde_json::json!("disabled") } else {
            serde_json::json!({ "reused": zonal_reused, "computed": layer.parcels.len() - zonal_reused })
        },
    });
    // The GeoPackage lands only when the whole run succeeds, so its copy of the manifest
    // says success; the output stage's own timing is in manifest.json.
    let run_metadata = serde_json::json!({
        "landcons_version": env!("CARGO_PKG_VERSION"),
        "gdal_version": gdal::version::VersionInfo::version_summary(),
        "proj_version": crate::raster::proj_version(),
        "inputs": { "dem": dem.files, "parcels": layer.path, "parcels_layer": layer.layer_name },
        "input_hashes": input_hashes,
        "cache": cache_info,
        "counts": report,
        "stage_timings": clock.timings,
        "status": "success",
    })
    .to_string();
    // The results this run will replace, for the change report.
    let previous = reading_previous.join();
    let changes = clock.time("output", || {
        let village_table = output::table::village_table(&villages, &fragmentation);
        output::table::write_csv(&staging.path(&config.output.village_csv), &village_table)?;
        results::write_gpkg(
            early?,
            &dem.grid.crs_wkt,
            &results::Results {
                layer: &layer,
                stats: &stats,
                flags: &flags,
                shapes: &shapes,
                groups: &groups,
            },
            &village_table,
            config,
            &run_metadata,
            previous.as_ref(),
        )
    })?;
    report.changes = changes.as_ref().map(|c| c.summary());
    report.timings = clock.timings.clone();
    results::write_manifest(
        &staging.path(&config.output.manifest),
        config,
        &dem,
        &layer,
        &terrain_summary,
        &report,
        started,
        &cache_info,
        &input_hashes,
        &changes
            .as_ref()
            .map(|c| c.summary_json())
            .unwrap_or(serde_json::Value::Null),
    )?;
    check_interrupted()?;
    report.outputs = staging.commit()?;
    out_dir.keep();
    Ok(report)
}

/// Parcels entirely off the DEM are a configuration mistake (wrong CRS, wrong file), and
/// a parcel far larger than the DEM has stray coordinates: both are refused before any
/// output is touched.
fn check_extents(dem: &raster::Dem, layer: &parcels::ParcelLayer) -> Result<()> {
    let too_large = layer
        .parcels
        .iter()
        .find_map(|p| zonal::window_too_large(&p.geometry, &dem.grid).map(|message| (p, message)));
    if let Some((p, message)) = too_large {
        return Err(Error::Feature {
            path: layer.path.clone(),
            layer: layer.layer_name.clone(),
            feature: p.id.clone(),
            message,
        });
    }
    let d = dem.grid.extent();
    let Some(p) = layer.extent() else {
        return Ok(());
    };
    let overlaps = p[0] < d[2] && p[2] > d[0] && p[1] < d[3] && p[3] > d[1];
    if overlaps {
        return Ok(());
    }
    Err(Error::input(
        &layer.path,
        format!(
            "the parcels do not overlap the DEM at all: parcels extent [{:.3}, {:.3}, {:.3}, {:.3}], DEM extent [{:.3}, {:.3}, {:.3}, {:.3}] (in the DEM's CRS); check the CRS of both",
            p[0], p[1], p[2], p[3], d[0], d[1], d[2], d[3]
        ),
    ))
}

/// The candidates of the results in the output folder, when a previous run completed
/// there; unreadable ones (another tool version) only cost the change report.
fn previous_results(out: &crate::config::OutputSettings) -> Option<crate::changes::Snapshot> {
    cache::previous_manifest(out)?;
    let gpkg = out.dir.join(&out.gpkg);
    match crate::changes::Snapshot::read(&gpkg) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!("no change report: the previous results cannot be read ({e})");
            None
        }
    }
}

/// Removes the output folder on drop if this run created it and left it empty (a run that
/// failed before writing anything), unless kept.
struct CreatedDir {
    path: PathBuf,
    created: bool,
}

impl CreatedDir {
    fn new(path: &std::path::Path) -> CreatedDir {
        CreatedDir {
            path: path.to_path_buf(),
            created: !path.exists(),
        }
    }

    fn keep(mut self) {
        self.created = false;
    }
}

impl Drop for CreatedDir {
    fn drop(&mut self) {
        if self.created {
            let _ = std::fs::remove_dir(&self.path); // only succeeds when empty
        }
    }
}

/// A helper thread that is always waited for, also when the run returns early with an
/// error: the process must not exit while a thread is still inside GDAL (it can crash
/// in GDAL's teardown). A panic in the thread is raised again in the caller.
struct Helper<T>(Option<std::thread::JoinHandle<T>>);

impl<T: Send + 'static> Helper<T> {
    fn spawn(f: impl FnOnce() -> T + Send + 'static) -> Helper<T> {
        Helper(Some(std::thread::spawn(f)))
    }

    fn join(mut self) -> T {
        match self.0.take().map(|h| h.join()) {
            Some(Ok(value)) => value,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => unreachable!("a helper is joined once"),
        }
    }
}

impl<T> Drop for Helper<T> {
    fn drop(&mut self) {
        if let Some(h) = self.0.take() {
            let _ = h.join();
        }
    }
}
