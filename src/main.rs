//! The `landcons` command: parses flags (args.rs), calls the library's commands, prints
//! what they return, and turns errors into exit codes.

mod args;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, LogFormat};
use landcons::commands::{self, compare::CompareCommand, maps::MapsCommand, run::RunCommand, shards::ShardJob, slope::SlopeCommand, submit::SubmitCommand};
use landcons::context::CancelToken;
use landcons::progress::Reporter;
use landcons::synth::SynthOptions;
use landcons::Error;

fn main() -> ExitCode {
    landcons::malloc::limit_arenas();
    landcons::malloc::sqlite_without_memory_statistics();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return argument_error(e),
    };
    init_logging(&cli);
    let reporter = cli.reporter();
    let cancel = CancelToken::new();
    if let Err(e) = cancel.stop_on_signals() {
        tracing::warn!("cannot handle SIGINT/SIGTERM: {e}");
    }
    match dispatch(cli.command, cli.quiet, reporter, &cancel) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let message = e.full_message();
            match reporter {
                Reporter::Json => reporter.event("error", serde_json::json!({ "code": e.exit_code(), "message": message })),
                _ => eprintln!("landcons: error: {message}"),
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// A bad command line: clap's own text, or, when `--log-format json` was asked for, one
/// JSON error event (a log collector reads every line of stderr as JSON). Help and
/// version print as usual.
fn argument_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind::{DisplayHelp, DisplayHelpOnMissingArgumentOrSubcommand, DisplayVersion};
    let asked = std::env::args().collect::<Vec<_>>();
    let json = asked.windows(2).any(|w| w[0] == "--log-format" && w[1] == "json") || asked.iter().any(|a| a == "--log-format=json");
    if !json || matches!(e.kind(), DisplayHelp | DisplayVersion | DisplayHelpOnMissingArgumentOrSubcommand) {
        e.exit()
    }
    let message = e.render().to_string();
    Reporter::Json.event("error", serde_json::json!({ "code": e.exit_code(), "message": message.trim() }));
    ExitCode::from(e.exit_code() as u8)
}

/// Runs one command; returns what to print on stdout.
fn dispatch(command: Command, quiet: bool, reporter: Reporter, cancel: &CancelToken) -> Result<String, Error> {
    let shown = |text: String| if quiet { String::new() } else { text };
    match command {
        Command::Run { pipeline, out, set, threads, shard: Some(index), .. } => {
            let job = ShardJob { pipeline, out, overrides: set, threads };
            Ok(shown(commands::shards::shard_summary(&commands::shards::run_shard(&job, index, reporter, cancel.clone())?)))
        }
        Command::Plan { pipeline, out, set, shards } => {
            let job = ShardJob { pipeline, out, overrides: set, threads: None };
            let plan = commands::shards::plan(&job, shards, reporter, cancel.clone())?;
            Ok(shown(commands::shards::plan_summary(&plan, &job.settings()?.output.dir)))
        }
        Command::Gather { pipeline, out, set, threads } => {
            let job = ShardJob { pipeline, out, overrides: set, threads };
            let report = commands::shards::gather(&job, reporter, cancel.clone())?;
            Ok(shown(commands::run::summary(&report, &report.manifest.settings.output.dir)))
        }
        Command::Submit { pipeline, out, set, shards, resume, wait, sbatch_args, cpus, mem_mb } => {
            let job = ShardJob { pipeline, out, overrides: set, threads: None };
            let cmd = SubmitCommand { job, shards, resume, wait, sbatch_args, cpus, mem_mb };
            Ok(shown(commands::submit::summary(&commands::submit::submit(&cmd, reporter, cancel.clone())?)))
        }
        Command::Run { pipeline, out, set, threads, no_cache, force, baseline, shard: None } => {
            let cmd = RunCommand { pipeline, out, overrides: set, threads, no_cache, force, baseline };
            let report = commands::run::run(&cmd, reporter, cancel.clone())?;
            Ok(shown(commands::run::summary(&report, &report.manifest.settings.output.dir)))
        }
        Command::Diff { old, new, out, json, force } => {
            let changes = commands::diff::diff(&old, &new, out.as_deref(), force)?;
            match json {
                true => Ok(format!("{}\n", changes.summary_json())),
                false => Ok(shown(commands::diff::summary(&changes, out.as_deref()))),
            }
        }
        Command::Compare { old, new, out, old_layer, new_layer, threads, force } => {
            let cmd = CompareCommand { old, old_layer, new, new_layer, out, force, threads };
            Ok(shown(commands::compare::summary(&commands::compare::compare(&cmd, cancel)?)))
        }
        Command::Maps { results, pdf, dpi } => Ok(shown(commands::maps::summary(&commands::maps::maps(&MapsCommand { results, pdf, dpi })?))),
        Command::Validate { pipeline, set } => commands::validate::validate(&pipeline, &set, quiet),
        Command::Synth { out, seed, cols, rows, cell_size, parcels, steep_share, without_cpg, dem_only } => {
            let opts = SynthOptions { out_dir: out, seed, cols, rows, cell_size, parcels, steep_share, without_cpg, dem_only, reporter };
            Ok(shown(commands::synth::summary(&commands::synth::synth(&opts)?)))
        }
        Command::Slope { dem, output, grades, alg, z_factor, nodata, memory_mb, threads, creation_options, force } => {
            let cmd = SlopeCommand { dem, output, grades, algorithm: alg.algorithm(), z_factor, nodata, memory_mb, threads, creation_options, force };
            Ok(shown(commands::slope::summary(&commands::slope::slope(&cmd, reporter, cancel)?)))
        }
    }
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
    landcons::gdal_util::route_messages_to_log();
}
