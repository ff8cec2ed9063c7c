//! The command line: flags and their help texts (the binary's half of the CLI; the
//! library's `commands` module does the work).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "landcons",
    version,
    about = "Land-consolidation planning from a DEM and a land-survey parcel layer:\nslope grades, exact per-parcel slope statistics, reforestation candidates (退耕还林)."
)]
pub struct Cli {
    /// Print nothing but errors (no progress bars, no summary).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// More log output (-v info, -vv debug). RUST_LOG overrides it.
    #[arg(long, short, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Log format on stderr: human-readable text or one JSON object per line (for log collectors).
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
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
        /// Replace files landcons did not write that stand where a result goes (without
        /// it such a file stops the run, untouched). Inputs are never replaced.
        #[arg(long)]
        force: bool,
        /// A previous landcons results folder (OUT, OUT/current or a run folder) whose
        /// plan this run's survey is checked against: table plan_progress, layer
        /// plan_progress_parcels (overrides progress.baseline).
        #[arg(long, value_name = "DIR")]
        baseline: Option<PathBuf>,
        /// Run one shard of the plan made by `landcons plan` (its index; without one,
        /// SLURM_ARRAY_TASK_ID, then JOB_COMPLETION_INDEX). A finished shard is not run again.
        #[arg(long, value_name = "I", num_args = 0..=1)]
        shard: Option<Option<usize>>,
    },
    /// Cut a job into shards of whole townships for a cluster (see `submit`, `gather`).
    Plan {
        pipeline: PathBuf,
        /// Output folder (overrides output.dir); the plan is kept in it.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Override a setting, as for `run` (give the same ones to every shard and the gather).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Number of shards.
        #[arg(long)]
        shards: usize,
    },
    /// Write the one result set from every finished shard of the current plan.
    Gather {
        pipeline: PathBuf,
        #[arg(long, short)]
        out: Option<PathBuf>,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Worker threads (overrides run.threads; 0 = one per core).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Plan and submit a sharded job to Slurm: a job array of the shards, then the gather
    /// once they all succeeded (sbatch --dependency=afterok).
    Submit {
        pipeline: PathBuf,
        #[arg(long, short)]
        out: Option<PathBuf>,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Number of shards (makes a new plan; not with --resume).
        #[arg(long, required_unless_present = "resume", conflicts_with = "resume")]
        shards: Option<usize>,
        /// Submit only the shards of the current plan that have not finished, then the gather.
        #[arg(long)]
        resume: bool,
        /// Wait until the gather has finished (or cannot run) and exit accordingly.
        #[arg(long)]
        wait: bool,
        /// Extra sbatch option for both jobs, e.g. --sbatch-arg=--partition=long (repeatable).
        #[arg(long = "sbatch-arg", value_name = "OPTION", allow_hyphen_values = true)]
        sbatch_args: Vec<String>,
        /// CPUs per shard task and for the gather [default: what every node of the
        /// partition has, from sinfo].
        #[arg(long)]
        cpus: Option<usize>,
        /// Memory per shard task and for the gather, in MB [default: what every node of
        /// the partition has, from sinfo].
        #[arg(long = "mem", value_name = "MB")]
        mem_mb: Option<u64>,
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
        /// Replace an existing file at --out that `landcons diff` did not write (never
        /// OLD, NEW or a results GeoPackage).
        #[arg(long)]
        force: bool,
    },
    /// Land-use transitions between two surveys (地类转移矩阵): overlays the earlier and the
    /// later parcel layer (same CRS, same field names as a pipeline's defaults: BSM, DLBM,
    /// ZLDWDM…) and writes transitions.gpkg (layers landuse_changes, transition_matrix)
    /// and transition_matrix.csv into an output folder of their own.
    Compare {
        /// The earlier survey's parcel layer (last year's DLTB).
        old: PathBuf,
        /// The later survey's parcel layer.
        new: PathBuf,
        /// Output folder.
        #[arg(long, short, default_value = "transitions")]
        out: PathBuf,
        /// Layer of a multi-layer OLD (default: its only polygon layer).
        #[arg(long, default_value = "")]
        old_layer: String,
        /// Layer of a multi-layer NEW (default: its only polygon layer).
        #[arg(long, default_value = "")]
        new_layer: String,
        /// Worker threads (0 = one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Replace a file not written by landcons where a result goes.
        #[arg(long)]
        force: bool,
    },
    /// Print the village atlas of a results folder as one PDF, through QGIS (the pages of
    /// the atlas layout in landcons.qgz, one per village). Needs QGIS's Python bindings:
    /// sudo apt-get install qgis python3-qgis fonts-wqy-microhei.
    Maps {
        /// The results folder (or its landcons.qgz).
        results: PathBuf,
        /// The PDF to write (default: maps.pdf in the results folder).
        #[arg(long)]
        pdf: Option<PathBuf>,
        /// Resolution of the maps in the PDF (dots per inch).
        #[arg(long, default_value_t = 200)]
        dpi: u32,
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
        /// key (defaults: TILED=YES, COMPRESS=DEFLATE, ZLEVEL=1, BIGTIFF=IF_SAFER).
        /// Repeatable.
        #[arg(long = "co", value_name = "KEY=VALUE")]
        creation_options: Vec<String>,
        /// Replace existing output files that `landcons slope` did not write (never an
        /// input DEM or a file of a result set).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Alg {
    Horn,
    Zt,
}


impl Cli {
    /// How progress and events are shown.
    pub fn reporter(&self) -> landcons::progress::Reporter {
        use landcons::progress::Reporter;
        match (self.log_format, self.quiet) {
            (LogFormat::Json, _) => Reporter::Json,
            (LogFormat::Text, true) => Reporter::Hidden,
            (LogFormat::Text, false) => Reporter::Bars,
        }
    }
}

impl Alg {
    pub fn algorithm(self) -> landcons::settings::SlopeAlgorithm {
        match self {
            Alg::Horn => landcons::settings::SlopeAlgorithm::Horn,
            Alg::Zt => landcons::settings::SlopeAlgorithm::ZevenbergenThorne,
        }
    }
}
