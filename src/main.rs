//! The `landcons` command: a thin layer over the library. Flags are parsed here,
//! settings are validated by the library, and errors become exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use landcons::config::{Config, SlopeAlgorithm};
use landcons::pipeline::{self, RunOptions};
use landcons::progress::Progress;
use landcons::{raster, synth, terrain, Error};

#[derive(Parser)]
#[command(
    name = "landcons",
    version,
    about = "Land-consolidation planning from a DEM and a land-survey parcel layer:\nslope grades, exact per-parcel slope statistics, reforestation candidates (退耕还林)."
)]
struct Cli {
    /// Print nothing but errors (no progress bars, no summary).
    #[arg(long, short, global = true)]
    quiet: bool,
    /// More log output (-v info, -vv debug). RUST_LOG overrides it.
    #[arg(long, short, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Log format on stderr: human-readable text or one JSON object per line (for log collectors).
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run a pipeline file: slope rasters, per-parcel slope statistics, candidates, tables.
    Run {
        /// The pipeline file (TOML). Relative paths inside it resolve from its folder.
        pipeline: PathBuf,
        /// Output folder (overrides output.dir).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Override a setting, e.g. --set terrain.algorithm=zevenbergen-thorne (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Worker threads (overrides run.threads; 0 = one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Recompute everything, even the slope rasters of an unchanged DEM.
        #[arg(long)]
        no_cache: bool,
    },
    /// Compare two results (folders or GeoPackages): candidates added, removed and changed,
    /// per village. A run does this by itself against the results it replaces.
    Diff {
        /// The earlier results: an output folder or its GeoPackage.
        old: PathBuf,
        /// The later results.
        new: PathBuf,
        /// Write the layers changes_reforestation, changes_merge, changes_villages here.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a pipeline file and that its inputs open; print what a run would do.
    Validate {
        pipeline: PathBuf,
        /// Override a setting, as for `run`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Generate a deterministic 三调-like sample region (DEM + GBK Shapefile + GeoPackage).
    Synth {
        /// Output folder.
        #[arg(long, short, default_value = "data")]
        out: PathBuf,
        /// Random seed: the same seed and sizes give identical files.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// DEM columns.
        #[arg(long, default_value_t = 600)]
        cols: usize,
        /// DEM rows.
        #[arg(long, default_value_t = 480)]
        rows: usize,
        /// DEM cell size in metres.
        #[arg(long, default_value_t = 5.0)]
        cell_size: f64,
        /// Approximate number of parcels.
        #[arg(long, default_value_t = 3000)]
        parcels: usize,
        /// Share of the land steeper than 25° (0–1) the relief is scaled for.
        #[arg(long, default_value_t = 0.18)]
        steep_share: f64,
        /// Leave out the Shapefile's .cpg (GBK without a declaration, as often delivered).
        #[arg(long)]
        without_cpg: bool,
        /// Write only the DEM (raster benchmarks).
        #[arg(long)]
        dem_only: bool,
    },
    /// Compute slope (and optionally grades) for DEM tiles, outside a pipeline.
    Slope {
        /// DEM files (several tiles are mosaicked), globs or a VRT.
        #[arg(required = true)]
        dem: Vec<PathBuf>,
        /// Output slope GeoTIFF (Float32 degrees, nodata -9999).
        #[arg(long, short)]
        output: PathBuf,
        /// Also write the slope grade GeoTIFF (Byte 1–5, 0 = nodata) here.
        #[arg(long)]
        grades: Option<PathBuf>,
        /// Slope algorithm.
        #[arg(long, value_enum, default_value_t = Alg::Horn)]
        alg: Alg,
        /// Vertical-unit factor applied to elevations.
        #[arg(long, default_value_t = 1.0)]
        z_factor: f64,
        /// Nodata value for a DEM that declares none (e.g. --nodata -32768 for SRTM voids).
        #[arg(long, allow_negative_numbers = true)]
        nodata: Option<f64>,
        /// Memory budget in MiB for the streamed strips.
        #[arg(long, default_value_t = 512)]
        memory_mb: usize,
        /// Worker threads (0 = one per core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// GeoTIFF creation option for the slope raster, replacing the default of the same
        /// key (defaults: TILED=YES, COMPRESS=DEFLATE, PREDICTOR=3, BIGTIFF=IF_SAFER). Repeatable.
        #[arg(long = "co", value_name = "KEY=VALUE")]
        creation_options: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Alg {
    Horn,
    Zt,
}

fn init_logging(cli: &Cli) {
    use tracing_subscriber::EnvFilter;
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    // GDAL's own messages go to the log instead of straight to stderr.
    gdal::config::set_error_handler(|class, number, message| match class {
        gdal::errors::CplErrType::Warning => tracing::warn!(gdal_error = number, "GDAL: {message}"),
        gdal::errors::CplErrType::Debug => tracing::debug!(gdal_error = number, "GDAL: {message}"),
        gdal::errors::CplErrType::None => {}
        _ => tracing::debug!(gdal_error = number, "GDAL error: {message}"),
    });
}

fn set_threads(n: usize) {
    if n > 0 {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    let _ = ctrlc::set_handler(pipeline::request_interrupt);
    match run_command(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("landcons: error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn run_command(cli: &Cli) -> Result<(), Error> {
    match &cli.command {
        Command::Run {
            pipeline: file,
            out,
            set,
            threads,
            no_cache,
        } => {
            let mut config = Config::load(file, set)?;
            if let Some(o) = out {
                config.output.dir = o.clone();
            }
            set_threads(threads.unwrap_or(config.run.threads));
            let report = pipeline::run(
                &config,
                &RunOptions {
                    quiet: cli.quiet,
                    no_cache: *no_cache,
                },
            )?;
            if !cli.quiet {
                println!(
                    "landcons: {} parcels ({} cropland), {} reforestation candidates ({:.2} ha), {} recorded-grade mismatches, {} parcels without slope data",
                    report.parcels,
                    report.cropland_parcels,
                    report.reforestation_candidates,
                    report.reforestation_m2 / 10_000.0,
                    report.grade_mismatches,
                    report.parcels_without_data
                );
                for t in &report.timings {
                    println!("  {:<8} {:>8.2} s", t.stage, t.seconds);
                }
                println!("outputs in {}:", config.output.dir.display());
                for o in &report.outputs {
                    let name = o
                        .file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default();
                    // Hidden files are landcons's own working data (the zonal cache).
                    if !name.starts_with('.') {
                        println!("  {name}");
                    }
                }
                if let Some(changes) = &report.changes {
                    println!("changes since the previous results (layers changes_*):\n{changes}");
                }
            }
            Ok(())
        }
        Command::Diff {
            old,
            new,
            out,
            json,
        } => {
            let changes = landcons::changes::diff(old, new, out.as_deref())?;
            if *json {
                println!("{}", changes.summary_json());
            } else if !cli.quiet {
                println!("{}", changes.summary());
                for (name, list) in [
                    ("reforestation", &changes.reforestation),
                    ("merge", &changes.merge),
                ] {
                    for c in list.iter().take(20) {
                        println!(
                            "  {name:<13} {:<8} {} ({})",
                            c.kind.name(),
                            c.parcel_id,
                            c.detail
                        );
                    }
                    if list.len() > 20 {
                        println!("  {name:<13} … {} more", list.len() - 20);
                    }
                }
                if let Some(o) = out {
                    println!("change layers written to {}", o.display());
                }
            }
            Ok(())
        }
        Command::Validate {
            pipeline: file,
            set,
        } => {
            let config = Config::load(file, set)?;
            let dem = raster::open_dem(
                &config.inputs.dem,
                config.inputs.dem_nodata,
                config.inputs.dem_crs.as_deref(),
            )?;
            let g = &dem.grid;
            let layer = landcons::parcels::read_parcels(&landcons::parcels::ReadOptions {
                inputs: &config.inputs,
                fields: &config.fields,
                target_crs_wkt: &g.crs_wkt,
            })?;
            println!("pipeline {} is valid.", file.display());
            println!(
                "DEM: {} file(s), {}×{} cells, cell {}×{}, {}",
                dem.files.len(),
                g.cols,
                g.rows,
                g.transform[1],
                -g.transform[5],
                if g.geographic {
                    "geographic (metric spacing per row)"
                } else {
                    "projected"
                }
            );
            println!(
                "parcels: {} features from {} (layer {}, encoding {}){}",
                layer.parcels.len(),
                layer.path.display(),
                layer.layer_name,
                layer.encoding,
                if layer.reprojected {
                    ", reprojected to the DEM's CRS"
                } else {
                    ""
                }
            );
            println!(
                "a run would write into {}: {}, {}, {}, {}, {}",
                config.output.dir.display(),
                config.output.slope,
                config.output.slope_grade,
                config.output.gpkg,
                config.output.village_csv,
                config.output.manifest
            );
            if !cli.quiet {
                println!("\nresolved settings:\n{}", config.to_toml());
            }
            Ok(())
        }
        Command::Synth {
            out,
            seed,
            cols,
            rows,
            cell_size,
            parcels,
            steep_share,
            without_cpg,
            dem_only,
        } => {
            let report = synth::generate(&synth::SynthOptions {
                out_dir: out.clone(),
                seed: *seed,
                cols: *cols,
                rows: *rows,
                cell_size: *cell_size,
                parcels: *parcels,
                steep_share: *steep_share,
                without_cpg: *without_cpg,
                dem_only: *dem_only,
                quiet: cli.quiet,
            })?;
            if !cli.quiet {
                println!(
                    "synth: {}×{} DEM ({:.2} km²), {} parcels in {} villages\n  {}\n  {}\n  {}",
                    report.cols,
                    report.rows,
                    report.area_m2 / 1e6,
                    report.parcels,
                    report.villages,
                    report.dem.display(),
                    report.shapefile.display(),
                    report.geopackage.display()
                );
            }
            Ok(())
        }
        Command::Slope {
            dem,
            output,
            grades,
            alg,
            z_factor,
            nodata,
            memory_mb,
            threads,
            creation_options,
        } => {
            set_threads(*threads);
            raster::set_gdal_cache(memory_mb.saturating_mul(1 << 20));
            let dem = raster::open_dem(dem, *nodata, None)?;
            let opts = terrain::SlopeOptions {
                algorithm: match alg {
                    Alg::Horn => SlopeAlgorithm::Horn,
                    Alg::Zt => SlopeAlgorithm::ZevenbergenThorne,
                },
                z_factor: *z_factor,
                breaks: [2.0, 6.0, 15.0, 25.0],
                memory_limit_bytes: memory_mb.saturating_mul(1 << 20),
                creation_options: creation_options.clone(),
            };
            let progress = Progress::new("slope", cli.quiet);
            let s =
                terrain::write_slope_rasters(&dem, &opts, output, grades.as_deref(), &progress)?;
            progress.finish();
            if !cli.quiet {
                println!(
                    "slope: {}×{} cells, {} with slope, strips of {} rows",
                    s.cols, s.rows, s.cells_with_slope, s.strip_rows
                );
            }
            Ok(())
        }
    }
}
