//! One run's rows of the compared layers, by identity key: read from a results
//! GeoPackage, or taken from the rows a run is about to write.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::layers::{registry, ChangeSpec};
use crate::output::gpkg::read_features;
use crate::output::rows::{Rows, TableRows};
use crate::table::FieldSpec;

/// One row of a compared layer, with what the report shows of it.
#[derive(Debug, Clone)]
pub struct Record {
    // Shared between the rows that hold the same text: a province's candidates repeat
    // a few hundred codes and names.
    pub land_use: Arc<str>,
    pub village_code: Arc<str>,
    pub village_name: Arc<str>,
    pub grade: i64,
    pub area_m2: f64,
    /// Group id (layers with a group column).
    pub group: Option<i64>,
    /// Where the row's geometry is: its feature id in the GeoPackage read, or its
    /// position in the rows a run is about to write. Geometries are fetched only for
    /// the rows that changed ([`super::Changes::locate`]), never held for all.
    pub at: i64,
}

/// The rows of every compared layer of one run, by layer label, then by key.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub layers: BTreeMap<&'static str, BTreeMap<String, Record>>,
    /// The GeoPackage it was read from (where its geometries are), if any.
    pub file: Option<PathBuf>,
}

impl Snapshot {
    /// Reads the compared layers of a results GeoPackage. A layer the file does not
    /// have (written by a version without it) is left out of the comparison.
    pub fn read(gpkg: &Path) -> Result<Snapshot> {
        let mut snapshot = Snapshot { file: Some(gpkg.to_path_buf()), ..Snapshot::default() };
        for layer in registry() {
            let Some(spec) = layer.changes() else { continue };
            let (table, fids, _) = match read_features(gpkg, layer.name(), false) {
                Ok(t) => t,
                Err(e) if has_layer(gpkg, layer.name()) => return Err(e),
                Err(_) => continue,
            };
            let rows = TableRows { table: &table, geometries: None };
            snapshot.layers.insert(spec.label, records(&spec, &rows, &|i| fids[i]));
        }
        Ok(snapshot)
    }

    /// From the rows a run is about to write, one (spec, rows) per compared layer.
    pub fn from_rows(layers: &[(ChangeSpec, &dyn Rows)]) -> Snapshot {
        let layers = layers.iter().map(|(spec, rows)| (spec.label, records(spec, *rows, &|i| i as i64))).collect();
        Snapshot { layers, file: None }
    }
}

fn has_layer(gpkg: &Path, name: &str) -> bool {
    gdal::Dataset::open(gpkg).is_ok_and(|ds| ds.layer_by_name(name).is_ok())
}

/// The records of one layer's rows; a layer without the spec's columns gives none.
/// `at` gives where row i's geometry is.
fn records(spec: &ChangeSpec, rows: &dyn Rows, at_of: &dyn Fn(usize) -> i64) -> BTreeMap<String, Record> {
    let columns = rows.columns();
    let Some(at) = Columns::find(spec, columns) else {
        tracing::warn!(key = spec.key, "a compared layer lacks the change report's columns; left out");
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    let mut values = Vec::new();
    let mut texts: HashSet<Arc<str>> = HashSet::new();
    let mut shared = |text: String| match texts.get(text.as_str()) {
        Some(t) => t.clone(),
        None => {
            let t: Arc<str> = text.into();
            texts.insert(t.clone());
            t
        }
    };
    for i in 0..rows.len() {
        values.clear();
        rows.fill(i, &mut values);
        let text = |k: usize| values[k].as_text();
        let record = Record {
            land_use: shared(text(at.land_use)),
            village_code: shared(text(at.village_code)),
            village_name: shared(text(at.village_name)),
            grade: values[at.grade].as_f64().unwrap_or(0.0) as i64,
            area_m2: values[at.area_m2].as_f64().unwrap_or(f64::NAN),
            group: at.group.and_then(|g| values[g].as_f64()).map(|g| g as i64),
            at: at_of(i),
        };
        out.insert(text(at.key), record);
    }
    out
}

/// Positions of the spec's columns.
struct Columns {
    key: usize,
    land_use: usize,
    village_code: usize,
    village_name: usize,
    grade: usize,
    area_m2: usize,
    group: Option<usize>,
}

impl Columns {
    fn find(spec: &ChangeSpec, columns: &[FieldSpec]) -> Option<Columns> {
        let at = |name: &str| columns.iter().position(|c| c.name == name);
        Some(Columns {
            key: at(spec.key)?,
            land_use: at(spec.land_use)?,
            village_code: at(spec.village_code)?,
            village_name: at(spec.village_name)?,
            grade: at(spec.grade)?,
            area_m2: at(spec.area_m2)?,
            group: match spec.group {
                Some((column, _)) => Some(at(column)?),
                None => None,
            },
        })
    }
}

