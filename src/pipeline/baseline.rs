//! The baseline of the plan progress (`progress.baseline`, `--baseline DIR`): a previous
//! landcons results folder — an output folder `OUT`, its `OUT/current`, or one run folder
//! — found and checked when the inputs open (a folder that is not a landcons result is an
//! input error naming it, exit 2, before anything is written), read after the rules into
//! `stages::progress::Baseline`.
//!
//! The baseline's `parcels` layer is its survey as that run read it, with the classes it
//! recorded (`class_current`, `class_planned`) and the kind of plan (`plan_rule`); its
//! manifest gives the field map the layer's survey columns follow. Results written before
//! `plan_rule` existed name the kind from the rules' own columns (`reforest`, `swap`,
//! `restore`, `develop`), else `other`.
//!
//! The baseline is not among the run's hashed inputs (`inputs::input_files`): it lies
//! inside a result set, which `check_inputs_apart` refuses for inputs, and its own manifest
//! records what it was made from; the manifest names the GeoPackage read
//! (`counts.progress_baseline`, the run folder itself, not `current`).

use std::path::{Path, PathBuf};

use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::gdal_util::{crs_from_wkt, same_crs};
use crate::parcels::{read_parcels, Parcels, ReadOptions};
use crate::settings::{class_index, FieldMap, Inputs};
use crate::stages::progress::Baseline;
use crate::stages::rule::PLAN_KINDS;
use crate::vector::crs::WorkCrs;

/// The layer of a result set read as the baseline, and the columns it must have.
const LAYER: &str = "parcels";
const CLASS_COLUMNS: [&str; 2] = ["class_current", "class_planned"];

/// A baseline found: its GeoPackage (in the run folder itself) and field map.
#[derive(Debug, Clone)]
pub struct Located {
    pub gpkg: PathBuf,
    pub fields: FieldMap,
}

/// What a folder that is not a landcons result is told.
fn not_a_result(given: &Path, why: impl std::fmt::Display) -> Error {
    Error::input(given, format!("not a landcons results folder ({why}): progress.baseline / --baseline takes a previous run's output folder, its current/ or a run folder"))
}

/// The run folder `given` names: `OUT` (its current result set), `OUT/current` or a run folder.
fn run_folder(given: &Path) -> Result<PathBuf> {
    if !given.is_dir() {
        return Err(not_a_result(given, "no such folder"));
    }
    let dir = match std::fs::symlink_metadata(given.join(crate::output::owned::CURRENT)) {
        Ok(_) => crate::output::owned::current_set(given).map_err(|e| not_a_result(given, e))?.ok_or_else(|| not_a_result(given, "its current/ leads to no result set"))?,
        Err(_) => given.to_path_buf(),
    };
    // The folder itself, not the link: a run into OUT switches OUT/current only at its end.
    std::fs::canonicalize(&dir).map_err(|e| not_a_result(given, e))
}

/// Finds the baseline's GeoPackage and field map through its run's manifest.
pub fn locate(given: &Path) -> Result<Located> {
    let run_dir = run_folder(given)?;
    let path = run_dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|_| not_a_result(given, format!("no manifest.json in {}", run_dir.display())))?;
    let manifest: serde_json::Value = serde_json::from_str(&text).map_err(|e| not_a_result(given, format!("{}: {e}", path.display())))?;
    if manifest["tool"] != "landcons" || manifest["status"] != "success" {
        return Err(not_a_result(given, format!("{} is not a successful landcons run's manifest", path.display())));
    }
    let settings = &manifest["settings"];
    let fields: FieldMap = serde_json::from_value(settings["fields"].clone()).map_err(|e| not_a_result(given, format!("{}: settings.fields: {e}", path.display())))?;
    let gpkg = run_dir.join(settings["output"]["gpkg"].as_str().unwrap_or("landcons.gpkg"));
    if !gpkg.is_file() {
        return Err(not_a_result(given, format!("no results GeoPackage {}", gpkg.display())));
    }
    Ok(Located { gpkg, fields })
}

/// Opens the baseline's parcels layer: it must hold the planned classes and the survey's
/// id, and be in the run's working CRS (the two surveys are overlaid there).
pub fn check(loc: &Located, work: &WorkCrs) -> Result<()> {
    use gdal::vector::LayerAccess;
    let ds = crate::gdal_util::open_vector(&loc.gpkg, &[])?;
    let layer = ds.layer_by_name(LAYER).map_err(|_| Error::input(&loc.gpkg, format!("has no layer {LAYER:?}: not a landcons results GeoPackage")))?;
    let names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let has = |c: &str| names.iter().any(|n| n.eq_ignore_ascii_case(c));
    for c in CLASS_COLUMNS.iter().copied().chain([loc.fields.id.as_str(), loc.fields.land_use.as_str()]) {
        if !has(c) {
            return Err(Error::input(&loc.gpkg, format!("layer {LAYER}: no column {c:?}; results of landcons before the land-use classes (#30) cannot be a baseline: run the baseline's pipeline again")));
        }
    }
    let crs = crate::vector::layer_crs(&layer, &loc.gpkg, None, "progress.baseline")?;
    match crs_from_wkt(&work.wkt) {
        Ok(w) if same_crs(&crs, &w) => Ok(()),
        _ => Err(Error::input(&loc.gpkg, format!("layer {LAYER} is in {} and this run works in {}: the baseline and the survey must share the working CRS to be overlaid", crs.name().unwrap_or_default(), work.name))),
    }
}

/// Reads the baseline's parcels with their classes and kinds of plan.
pub fn read(loc: &Located, work_wkt: &str, cancel: &CancelToken) -> Result<Baseline> {
    let inputs = Inputs { parcels: loc.gpkg.clone(), parcels_layer: LAYER.into(), work_crs: Some(work_wkt.to_string()), ..Inputs::default() };
    let parcels = read_parcels(&ReadOptions { inputs: &inputs, fields: &loc.fields, cancel })?;
    let [current, planned] = CLASS_COLUMNS.map(|c| classes(&parcels, c, &loc.gpkg));
    let (current, planned) = (current?, planned?);
    let kind = (0..parcels.len()).map(|i| (current[i] != planned[i]).then(|| kind_of(&parcels, i))).collect();
    Ok(Baseline { parcels, current, planned, kind, path: loc.gpkg.clone() })
}

/// The column of `p` named `name` (any case).
fn column(p: &Parcels, name: &str) -> Option<usize> {
    p.fields.iter().position(|f| f.name.eq_ignore_ascii_case(name))
}

/// The planning class of every parcel in column `name`, as class indices.
fn classes(p: &Parcels, name: &str, path: &Path) -> Result<Vec<u8>> {
    let c = column(p, name).ok_or_else(|| Error::input(path, format!("layer {LAYER}: no column {name:?}")))?;
    (0..p.len())
        .map(|i| {
            let key = p.attribute(i, c).as_text();
            class_index(&key).map(|k| k as u8).ok_or_else(|| Error::input(path, format!("layer {LAYER}, parcel {:?}: {name} = {key:?} is no land-use class", p.id(i))))
        })
        .collect()
}

/// The kind of plan of parcel `i`: its `plan_rule`, else what the rules' columns say.
fn kind_of(p: &Parcels, i: usize) -> &'static str {
    let value = |name: &str| column(p, name).map(|c| p.attribute(i, c).as_text()).unwrap_or_default();
    let known = |key: &str| PLAN_KINDS.iter().map(|k| k.0).find(|k| *k == key);
    if let Some(k) = known(&value("plan_rule")) {
        return k;
    }
    match (value("reforest").as_str(), value("swap").as_str(), value("restore").is_empty(), value("develop").as_str()) {
        ("1", ..) => "reforestation",
        (_, "out", ..) => "swap_out",
        (_, "in", ..) => "swap_in",
        (_, _, false, _) => "restore",
        (.., "1") => "develop",
        _ => "other",
    }
}
