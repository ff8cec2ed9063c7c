//! One run's rows of the compared layers, by identity key: read from a results
//! GeoPackage, or taken from the rows a run is about to write.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use crate::layers::{registry, ChangeSpec};
use crate::output::rows::Rows;
use crate::table::AttrValue;

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
    /// The values of the spec's `figures`, in order (empty for most layers).
    pub figures: Box<[f64]>,
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
    /// Reads the compared layers of a results GeoPackage: only the columns the
    /// comparison uses, straight from SQLite (a GeoPackage is an SQLite file; the
    /// geometries are left in the file). A layer the file does not have (written by a
    /// version without it) is left out of the comparison.
    pub fn read(gpkg: &Path) -> Result<Snapshot> {
        let fail = |e: rusqlite::Error| Error::input_from(gpkg, "cannot read as a results GeoPackage", e);
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(gpkg, flags).map_err(fail)?;
        let mut snapshot = Snapshot { file: Some(gpkg.to_path_buf()), ..Snapshot::default() };
        for layer in registry() {
            let Some(spec) = layer.changes() else { continue };
            let columns = table_columns(&conn, layer.name()).map_err(fail)?;
            if columns.is_empty() {
                continue;
            }
            let records = read_records(&conn, layer.name(), &spec, &columns).map_err(fail)?;
            snapshot.layers.insert(spec.label, records);
        }
        Ok(snapshot)
    }

    /// From the rows a run is about to write, one (spec, rows) per compared layer.
    pub fn from_rows(layers: &[(ChangeSpec, &dyn Rows)]) -> Snapshot {
        // Layer by layer, beside each other: the parcels and the merge candidates are
        // the long ones, and a re-run's last steps leave cores free.
        let layers = layers.par_iter().map(|(spec, rows)| (spec.label, records(spec, *rows))).collect();
        Snapshot { layers, file: None }
    }
}

/// The column names of a table; none when there is no such table.
fn table_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let names = stmt.query_map([table], |r| r.get::<_, String>(0))?;
    names.collect()
}

/// The records of one layer of a results GeoPackage (`at` = the feature id).
fn read_records(conn: &Connection, table: &str, spec: &ChangeSpec, columns: &[String]) -> rusqlite::Result<Records> {
    if Columns::find(spec, columns.iter().map(String::as_str)).is_none() {
        return Ok(lacks_columns(spec));
    }
    // Only the compared columns are selected: their positions are those in `names`.
    let names = compared_columns(spec);
    let at = Columns::find(spec, names.iter().copied()).expect("the spec's own columns");
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{}\"", n.replace('"', "\"\""))).collect();
    let sql = format!("SELECT {}, rowid FROM \"{}\"", quoted.join(", "), table.replace('"', "\"\""));
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    let fid = names.len();
    let (mut out, mut texts) = (Records::new(), Texts::default());
    while let Some(row) = rows.next()? {
        let values = (0..names.len()).map(|k| row.get_ref(k).map(attr_value)).collect::<rusqlite::Result<Vec<_>>>()?;
        let (key, record) = texts.record(&values, &at, row.get(fid)?);
        out.insert(key, record);
    }
    Ok(out)
}

fn attr_value(v: ValueRef<'_>) -> AttrValue<'_> {
    match v {
        ValueRef::Integer(i) => AttrValue::Int(i),
        ValueRef::Real(r) => AttrValue::Real(r),
        ValueRef::Text(t) => AttrValue::Text(String::from_utf8_lossy(t)),
        ValueRef::Null | ValueRef::Blob(_) => AttrValue::Null,
    }
}

type Records = BTreeMap<String, Record>;

fn lacks_columns(spec: &ChangeSpec) -> Records {
    tracing::warn!(key = spec.key, "a compared layer lacks the change report's columns; left out");
    Records::new()
}

/// The records of one layer's rows (`at` = the row's position); a layer without the
/// spec's columns gives none.
fn records(spec: &ChangeSpec, rows: &dyn Rows) -> Records {
    let Some(at) = Columns::find(spec, rows.columns().iter().map(|c| c.name.as_str())) else { return lacks_columns(spec) };
    // Blocks of rows in parallel, each with its own shared texts; then one map, built
    // from the rows in order (of equal keys the last row's record stays, as inserting
    // them one by one would leave it).
    let blocks: Vec<Vec<(String, Record)>> = (0..rows.len().div_ceil(RECORDS_PER_BLOCK))
        .into_par_iter()
        .map(|b| {
            let (mut texts, mut values) = (Texts::default(), Vec::new());
            let end = ((b + 1) * RECORDS_PER_BLOCK).min(rows.len());
            (b * RECORDS_PER_BLOCK..end)
                .map(|i| {
                    values.clear();
                    rows.fill(i, &mut values);
                    texts.record(&values, &at, i as i64)
                })
                .collect()
        })
        .collect();
    blocks.into_iter().flatten().collect()
}

/// Rows per block of [`records`].
const RECORDS_PER_BLOCK: usize = 16_384;

/// The texts of one layer's records, each held once: a province's candidates repeat
/// a few hundred codes and names.
#[derive(Default)]
struct Texts(hashbrown::HashSet<Arc<str>>);

impl Texts {
    fn shared(&mut self, value: &AttrValue) -> Arc<str> {
        let text = text_of(value);
        if let Some(t) = self.0.get(text.as_ref()) {
            return t.clone();
        }
        let t: Arc<str> = text.into();
        self.0.insert(t.clone());
        t
    }

    /// A row's key and record from its values (the columns at `at`).
    fn record(&mut self, values: &[AttrValue], at: &Columns, fid_or_row: i64) -> (String, Record) {
        let record = Record {
            land_use: self.shared(at.land_use.map_or(&AttrValue::Null, |c| &values[c])),
            village_code: self.shared(&values[at.village_code]),
            village_name: self.shared(&values[at.village_name]),
            grade: at.grade.and_then(|c| values[c].as_f64()).unwrap_or(0.0) as i64,
            area_m2: values[at.area_m2].as_f64().unwrap_or(f64::NAN),
            group: at.group.and_then(|g| values[g].as_f64()).map(|g| g as i64),
            figures: at.figures.iter().map(|&c| values[c].as_f64().unwrap_or(f64::NAN)).collect(),
            at: fid_or_row,
        };
        (text_of(&values[at.key]).into_owned(), record)
    }
}

/// A value as text, borrowed when it is text.
fn text_of<'v>(value: &'v AttrValue) -> Cow<'v, str> {
    match value {
        AttrValue::Text(s) => Cow::Borrowed(s.as_ref()),
        other => Cow::Owned(other.as_text()),
    }
}

/// The columns the comparison reads: key, land use, village code and name, grade,
/// area (those the spec has), then the group if any, then the figures.
fn compared_columns(spec: &ChangeSpec) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = [spec.key, spec.land_use, spec.village_code, spec.village_name, spec.grade, spec.area_m2].into_iter().filter(|c| !c.is_empty()).collect();
    names.extend(spec.group.map(|(g, _)| g));
    names.extend(spec.figures.iter().map(|f| f.0));
    names
}

/// Positions of the spec's columns.
struct Columns {
    key: usize,
    /// None: the spec has no such column ("").
    land_use: Option<usize>,
    village_code: usize,
    village_name: usize,
    grade: Option<usize>,
    area_m2: usize,
    group: Option<usize>,
    figures: Vec<usize>,
}

impl Columns {
    /// The spec's columns among `names`; None when one is missing.
    fn find<'n>(spec: &ChangeSpec, names: impl Iterator<Item = &'n str> + Clone) -> Option<Columns> {
        let at = |name: &str| names.clone().position(|n| n == name);
        // A column the spec has must be there; one it has not ("") is None.
        let optional = |name: &str| if name.is_empty() { Some(None) } else { at(name).map(Some) };
        Some(Columns {
            key: at(spec.key)?,
            land_use: optional(spec.land_use)?,
            village_code: at(spec.village_code)?,
            village_name: at(spec.village_name)?,
            grade: optional(spec.grade)?,
            area_m2: at(spec.area_m2)?,
            group: match spec.group {
                Some((column, _)) => Some(at(column)?),
                None => None,
            },
            figures: spec.figures.iter().map(|f| at(f.0)).collect::<Option<Vec<usize>>>()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::rows::TableRows;
    use crate::table::{FieldKind, FieldSpec, Table};

    /// Rows keyed `id`, over three blocks, where row `i` has grade `i` and the ids of the
    /// rows at `repeats` come back as the last rows (a later row of an id wins).
    fn table(n: usize, repeats: &[usize]) -> Table {
        let text = |s: String| AttrValue::Text(Cow::Owned(s));
        let row = |i: usize, id: usize| {
            vec![text(format!("p{id:06}")), text("0101".into()), text(format!("v{}", i % 7)), text("村".into()), AttrValue::Int(i as i64), AttrValue::Real(i as f64)]
        };
        let names = ["parcel_id", "land_use", "village_code", "village_name", "grade", "area_m2"];
        let kinds = [FieldKind::Text, FieldKind::Text, FieldKind::Text, FieldKind::Text, FieldKind::Int, FieldKind::Real];
        let mut rows: Vec<_> = (0..n).map(|i| row(i, i)).collect();
        rows.extend(repeats.iter().enumerate().map(|(k, &id)| row(n + k, id)));
        Table { columns: names.iter().zip(kinds).map(|(n, k)| FieldSpec::new(n, k)).collect(), rows }
    }

    #[test]
    fn records_in_blocks_are_every_row_in_key_order_and_a_repeated_key_keeps_its_last_row() {
        let n = 2 * RECORDS_PER_BLOCK + 100;
        let repeats = [3, RECORDS_PER_BLOCK + 1, n - 1];
        let t = table(n, &repeats);
        let spec = ChangeSpec::parcels("test", "test rows", "rows");
        let got = records(&spec, &TableRows { table: &t, geometries: None });
        assert_eq!(got.len(), n);
        let mut one_by_one = Records::new();
        let mut texts = Texts::default();
        let at = Columns::find(&spec, t.columns.iter().map(|c| c.name.as_str())).unwrap();
        for (i, values) in t.rows.iter().enumerate() {
            let (key, record) = texts.record(values, &at, i as i64);
            one_by_one.insert(key, record);
        }
        for ((k1, r1), (k2, r2)) in got.iter().zip(&one_by_one) {
            assert_eq!((k1, r1.grade, r1.at, &r1.village_code), (k2, r2.grade, r2.at, &r2.village_code));
        }
        for (k, &id) in repeats.iter().enumerate() {
            assert_eq!(got[&format!("p{id:06}")].grade, (n + k) as i64, "id {id}: the later row");
        }
    }
}
