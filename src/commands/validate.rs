//! `landcons validate`: checks a pipeline file and opens its inputs; writes nothing.

use std::path::Path;

use crate::context::CancelToken;
use crate::error::Result;
use crate::parcels::{read_parcels, ReadOptions};
use crate::raster;
use crate::settings::Settings;

/// What `validate` found, as text; the resolved settings too unless `quiet`.
pub fn validate(pipeline: &Path, overrides: &[String], quiet: bool) -> Result<String> {
    let s = Settings::load(pipeline, overrides)?;
    let dem = raster::open_dem(&s.inputs.dem, s.inputs.dem_nodata, s.inputs.dem_crs.as_deref())?;
    let g = &dem.grid;
    // The output names as a set, the inputs apart from them, and nothing in the output
    // folder a run would have to refuse: the run's own checks, before it writes.
    let names = crate::pipeline::result_names(&s)?;
    let inputs = crate::pipeline::keyed_input_files(&s, &dem.files);
    crate::pipeline::check_inputs_apart(&s.output.dir, &names, &inputs)?;
    crate::output::owned::inspect(&s.output.dir, &names, false)?;
    let parcels = read_parcels(&ReadOptions {
        inputs: &s.inputs,
        fields: &s.fields,
        cancel: &CancelToken::new(),
    })?;
    let src = &parcels.source;
    let o = &s.output;
    let mut text = format!("pipeline {} is valid.\n", pipeline.display());
    text.push_str(&format!(
        "DEM: {} file(s), {}×{} cells, cell {}×{}, {}\n",
        dem.files.len(),
        g.cols,
        g.rows,
        g.transform[1],
        -g.transform[5],
        if g.geographic { "geographic (metric spacing per row)" } else { "projected" }
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
