//! `landcons compare OLD NEW`: the land-use transitions between two surveys (the
//! previous year's 地类图斑 and this year's), written as a result set of its own into an
//! output folder landcons owns (lock, staging folder, one atomic switch): `transitions.gpkg`
//! (layers `landuse_changes` and `transition_matrix`, styled with Chinese aliases) and
//! `transition_matrix.csv`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::context::CancelToken;
use crate::error::Result;
use crate::layers::present::forms;
use crate::layers::{by_name, Layer, RunData};
use crate::output::commit::Staging;
use crate::output::csv::write_csv;
use crate::output::gpkg::{GpkgWriter, StyleRow};
use crate::output::lock::Lock;
use crate::output::owned::ResultName;
use crate::output::qml::vector_qml;
use crate::output::rows::LayerRows;
use crate::parcels::{read_pair, Survey};
use crate::settings::Settings;
use crate::stages::adjacency::Graph;
use crate::stages::constraints::Constraints;
use crate::stages::rule::Outcomes;
use crate::stages::transitions::{self, Transitions};

/// The GeoPackage `landcons compare` writes.
pub const GPKG: &str = "transitions.gpkg";
/// The CSV of the matrix.
pub const CSV: &str = "transition_matrix.csv";
/// The metadata item that marks the GeoPackage as `landcons compare`'s.
const MARK: &str = "LANDCONS_TRANSITIONS";

#[derive(Debug, Clone)]
pub struct CompareCommand {
    pub old: PathBuf,
    pub old_layer: String,
    pub new: PathBuf,
    pub new_layer: String,
    pub out: PathBuf,
    /// Replace a file of the user's where a result goes.
    pub force: bool,
    pub threads: Option<usize>,
}

/// What `landcons compare` did.
#[derive(Debug)]
pub struct CompareReport {
    pub transitions: Transitions,
    pub old_parcels: usize,
    pub new_parcels: usize,
    pub outputs: Vec<PathBuf>,
    /// Seconds reading, overlaying, writing.
    pub seconds: [f64; 3],
}

pub fn compare(cmd: &CompareCommand, cancel: &CancelToken) -> Result<CompareReport> {
    if let Some(capped) = super::run::set_threads(cmd.threads.unwrap_or(0)) {
        tracing::warn!("{capped}");
    }
    let mut settings = Settings::default();
    settings.inputs.previous_parcels = Some(cmd.old.clone());
    let started = Instant::now();
    let old = Survey { path: &cmd.old, layer: &cmd.old_layer };
    let new = Survey { path: &cmd.new, layer: &cmd.new_layer };
    let (old_parcels, new_parcels) = read_pair(&settings.inputs, &settings.fields, old, new, cancel)?;
    let read = started.elapsed().as_secs_f64();
    let t = transitions::compare(&old_parcels, &new_parcels, cancel)?;
    let overlaid = started.elapsed().as_secs_f64() - read;
    let (graph, outcomes) = (Graph::default(), Outcomes::default());
    let data = RunData::new(&settings, &new_parcels, &[], &graph, &[], Constraints::none(), &outcomes);
    let t = data.put(t);
    let outputs = publish(cmd, &data, &new_parcels.source.work_crs.wkt)?;
    let written = started.elapsed().as_secs_f64() - read - overlaid;
    Ok(CompareReport {
        transitions: t.clone(),
        old_parcels: old_parcels.len(),
        new_parcels: new_parcels.len(),
        outputs,
        seconds: [read, overlaid, written],
    })
}

/// Writes the result set into `cmd.out` and makes it the current one.
fn publish(cmd: &CompareCommand, data: &RunData, crs_wkt: &str) -> Result<Vec<PathBuf>> {
    let names = [(GPKG, "the transitions GeoPackage"), (CSV, "the transition matrix's CSV")]
        .map(|(name, key)| ResultName { name: name.into(), key: key.into() });
    crate::output::owned::check_private_folders(&cmd.out)?;
    let _lock = Lock::acquire(&cmd.out)?;
    // A run's results folder is not compare's: its result set would be replaced.
    if let Some(current) = crate::output::owned::current_set(&cmd.out)? {
        if !current.join(GPKG).exists() {
            let message = "holds the results of a landcons run (its current result set is not one of landcons compare's); give compare a folder of its own";
            return Err(crate::error::Error::output(&cmd.out, message));
        }
    }
    let staging = Staging::begin(&cmd.out, &names, cmd.force)?;
    write_gpkg(&staging.path(GPKG), data, crs_wkt)?;
    write_csv(&staging.path(CSV), &LayerRows::new(layer("transition_matrix"), data))?;
    staging.commit()
}

fn layer(name: &str) -> &'static dyn Layer {
    by_name(name).unwrap_or_else(|| panic!("layer {name} is in the registry"))
}

fn write_gpkg(path: &Path, data: &RunData, crs_wkt: &str) -> Result<()> {
    let mut gpkg = GpkgWriter::create(path)?;
    let mut styles = Vec::new();
    for name in ["landuse_changes", "transition_matrix"] {
        let l = layer(name);
        gpkg.write_layer(name, crs_wkt, &LayerRows::new(l, data))?;
        let s = data.settings;
        let fields = forms(&l.fields(data), s.output.language, &s.terrain.grade_breaks);
        let qml = vector_qml(l.style(data).as_ref(), l.labels(data).as_ref(), &fields);
        styles.push(StyleRow { table: name.into(), spatial: l.spatial(), qml, description: l.title().description.into() });
    }
    gpkg.write_styles(&styles)?;
    gpkg.set_metadata(MARK, env!("CARGO_PKG_VERSION"))?;
    gpkg.close()
}

/// What `landcons compare` prints: parcels, the fast path, the class totals of both
/// surveys and the changed area, in ha.
pub fn summary(r: &CompareReport) -> String {
    use crate::units::ha;
    let t = &r.transitions;
    let changed: i64 = t.changes.iter().map(|p| p.cm2).sum();
    let mut text = format!(
        "compare: {} earlier parcels, {} later parcels ({} unchanged, {} overlaid); {} pieces changed class, {:.4} ha\n",
        r.old_parcels,
        r.new_parcels,
        t.unchanged_parcels,
        t.overlaid_parcels,
        t.changes.len(),
        ha(transitions::m2(changed))
    );
    let classes: std::collections::BTreeSet<&String> = t.old_totals.keys().chain(t.new_totals.keys()).collect();
    for c in classes {
        let (a, b) = (t.old_totals.get(c).copied().unwrap_or(0), t.new_totals.get(c).copied().unwrap_or(0));
        text.push_str(&format!("  class {c:<2} {:>14.4} ha → {:>14.4} ha\n", ha(transitions::m2(a)), ha(transitions::m2(b))));
    }
    let [read, overlay, write] = r.seconds;
    text.push_str(&format!("seconds: read {read:.2}, overlay {overlay:.2}, write {write:.2}\n"));
    for o in &r.outputs {
        text.push_str(&format!("wrote {}\n", o.display()));
    }
    text
}
