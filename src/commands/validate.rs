//! `landcons validate`: checks a pipeline file and opens its inputs as a run opens them
//! (the same functions: DEM, working CRS, constraint layers, parcels, the targets file,
//! the plan progress's baseline);
//! writes nothing.

use std::path::Path;

use crate::context::{CancelToken, RunContext};
use crate::error::Result;
use crate::pipeline;
use crate::progress::Reporter;
use crate::settings::Settings;

/// What `validate` found, as text; the resolved settings too unless `quiet`. Warnings
/// (as a run would give them) go to stderr.
pub fn validate(pipeline: &Path, overrides: &[String], quiet: bool) -> Result<String> {
    let s = Settings::load(pipeline, overrides)?;
    let ctx = RunContext::new(s, CancelToken::new(), Reporter::Hidden);
    let (opened, parcels) = pipeline::check_inputs(&ctx)?;
    let (s, dem, g) = (&ctx.settings, &opened.dem, &opened.dem.grid);
    // The output names as a set, the inputs apart from them, and nothing in the output
    // folder a run would have to refuse: the run's own checks, before it writes.
    let names = crate::pipeline::result_names(s)?;
    crate::pipeline::check_inputs_apart(&s.output.dir, &names, &crate::pipeline::keyed_input_files(s, &dem.files))?;
    crate::output::owned::inspect(&s.output.dir, &names, false)?;
    let src = &parcels.source;
    let o = &s.output;
    let mut text = format!("pipeline {} is valid.\n", pipeline.display());
    text.push_str(&format!(
        "DEM: {} file(s), {}×{} cells, cell {}×{}, {}{}\n",
        dem.files.len(),
        g.cols,
        g.rows,
        g.transform[1],
        -g.transform[5],
        if g.geographic { "geographic (metric spacing per row)" } else { "projected" },
        dem.band.map(|b| format!(", band {b}")).unwrap_or_default()
    ));
    text.push_str(&format!(
        "parcels: {} features from {} (layer {}, encoding {})\nworking CRS: {} ({}){}\n",
        parcels.len(),
        src.path.display(),
        src.layer_name,
        src.encoding,
        src.work_crs.name,
        src.work_crs.reason,
        if src.reprojected { "; the parcels are reprojected into it" } else { "" }
    ));
    for c in &opened.constraints {
        text.push_str(&format!("constraint {}: {} ({} polygons)\n", c.settings.name, c.settings.path.display(), c.len()));
    }
    if let Some(path) = &s.targets.path {
        let targets = crate::stages::targets::read(path, &s.targets.sheet)?;
        text.push_str(&format!("targets: {} ({} units)\n", path.display(), targets.rows.len()));
    }
    if let Some(b) = &opened.baseline {
        text.push_str(&format!("plan progress against the baseline {}\n", b.gpkg.display()));
    }
    text.push_str(&format!(
        "a run would write into {}: {}, {}, {}, {}, {}, {}, {}, {} and a CSV per table\n",
        o.dir.display(),
        o.slope,
        o.slope_grade,
        o.gpkg,
        crate::pipeline::REPORT,
        crate::output::qgis::PROJECT_FILE,
        crate::pipeline::WORKBOOK,
        o.village_csv,
        o.manifest
    ));
    if !quiet {
        text.push_str(&format!("\nresolved settings:\n{}\n", s.to_toml()));
    }
    Ok(text)
}
