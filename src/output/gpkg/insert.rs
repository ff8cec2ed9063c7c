//! A layer's rows into its table: one prepared INSERT, parameters bound in place row
//! after row, geometries encoded to GeoPackage blobs on a second thread a batch ahead.

use std::borrow::Cow;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use geo::MultiPolygon;
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, Statement};

use super::blob::{self, Envelope};
use super::schema::TableDef;
use super::At;
use crate::error::Result;
use crate::output::rows::Rows;
use crate::output::rtree;
use crate::table::{AttrValue, FieldKind, FieldSpec};

/// Rows per batch handed from the encoder to the writer.
const BATCH: usize = 1024;
/// Batches the encoder may run ahead (bounds the memory held in flight).
const BATCHES_AHEAD: usize = 8;

/// What writing a layer's rows leaves for its registration and its spatial index.
#[derive(Default)]
pub struct Written {
    /// One R-tree entry per row with a non-empty geometry, in feature-id order.
    pub entries: Vec<rtree::Entry>,
    /// Union of the geometries' envelopes (gpkg_contents' extent); None when all are empty.
    pub extent: Option<Envelope>,
}

/// Encoded geometries of consecutive rows.
#[derive(Default)]
struct EncodedBatch {
    /// The rows' blobs back to back; row k's ends at `ends[k]`.
    bytes: Vec<u8>,
    ends: Vec<usize>,
    entries: Vec<rtree::Entry>,
    extent: Option<Envelope>,
}

fn union(a: Option<Envelope>, b: Option<Envelope>) -> Option<Envelope> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.union(b)),
        (a, b) => a.or(b),
    }
}

/// Encoder thread: every row's geometry as a GeoPackage blob (a missing geometry as an
/// empty one, as the GDAL writer stored it), with its index entry, a batch at a time.
fn encode_geometries(rows: &dyn Rows, srs_id: i32, tx: SyncSender<EncodedBatch>) {
    for start in (0..rows.len()).step_by(BATCH) {
        let mut batch = EncodedBatch::default();
        for i in start..(start + BATCH).min(rows.len()) {
            let g = rows.geometry(i).unwrap_or_else(|| Cow::Owned(MultiPolygon::new(vec![])));
            let envelope = blob::append_multipolygon(&mut batch.bytes, srs_id, &g);
            batch.ends.push(batch.bytes.len());
            if let Some(e) = envelope {
                // The blob's envelope, which is also what the R-tree triggers index
                // (ST_MinX… read the blob header) when features are edited later.
                batch.entries.push(rtree::Entry::new(i as i64 + 1, e.min_x, e.max_x, e.min_y, e.max_y));
            }
            batch.extent = union(batch.extent, envelope);
        }
        // The writer stopped (an error): nothing more to do.
        if tx.send(batch).is_err() {
            return;
        }
    }
}

/// The writer's side of the encoder: blobs row by row, gathering entries and extent.
struct EncodedRows {
    rx: Receiver<EncodedBatch>,
    batch: EncodedBatch,
    next: usize,
    written: Written,
}

impl EncodedRows {
    fn new(rx: Receiver<EncodedBatch>) -> EncodedRows {
        EncodedRows { rx, batch: EncodedBatch::default(), next: 0, written: Written::default() }
    }

    /// The next row's blob; None if the encoder stopped early (it only stops when done).
    fn next_blob(&mut self) -> Option<&[u8]> {
        if self.next == self.batch.ends.len() {
            self.batch = self.rx.recv().ok()?;
            self.next = 0;
            self.written.entries.append(&mut self.batch.entries);
            self.written.extent = union(self.written.extent, self.batch.extent);
        }
        let start = match self.next {
            0 => 0,
            k => self.batch.ends[k - 1],
        };
        let end = *self.batch.ends.get(self.next)?;
        self.next += 1;
        self.batch.bytes.get(start..end)
    }
}

/// Most parameters one statement may have in any SQLite build (SQLITE_MAX_VARIABLE_NUMBER
/// is at least 999).
const MAX_PARAMS: usize = 999;
/// Rows inserted by one statement: SQLite's per-statement work (cursors, and the
/// AUTOINCREMENT counter GeoPackage tables keep, read and written back every time) is
/// paid once for these.
const ROWS_PER_INSERT: usize = 64;

/// Inserts `rows` into the table `def` (created, empty) with feature ids 1..n in row
/// order, so the index entries can name them.
pub fn insert_rows(conn: &Connection, def: &TableDef, srs_id: i32, rows: &dyn Rows, at: &At) -> Result<Written> {
    let per_row = def.params_per_row();
    let batch = (MAX_PARAMS / per_row).clamp(1, ROWS_PER_INSERT);
    let prepare = |n: usize| conn.prepare(&def.insert_rows_sql(n)).map_err(|e| at.fail("cannot prepare the insert", e));
    let mut full = prepare(batch)?;
    let mut single = prepare(1)?;
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<EncodedBatch>(BATCHES_AHEAD);
        if rows.spatial() {
            scope.spawn(move || encode_geometries(rows, srs_id, tx));
        } else {
            drop(tx);
        }
        let mut encoded = EncodedRows::new(rx);
        let mut values = Vec::new();
        let mut start = 0;
        while start < rows.len() {
            let (insert, n) = match rows.len() - start >= batch {
                true => (&mut full, batch),
                false => (&mut single, 1),
            };
            for (k, i) in (start..start + n).enumerate() {
                bind_row(insert, k * per_row, i, rows, &mut encoded, &mut values, at)?;
            }
            insert.raw_execute().map_err(|e| at.fail(format!("rows {}–{}", start, start + n - 1), e))?;
            start += n;
        }
        Ok(encoded.written)
    })
}

/// Binds row `i` (feature id, geometry blob, values) from parameter `offset + 1` on.
fn bind_row<'r>(
    insert: &mut Statement,
    offset: usize,
    i: usize,
    rows: &'r dyn Rows,
    encoded: &mut EncodedRows,
    values: &mut Vec<AttrValue<'r>>,
    at: &At,
) -> Result<()> {
    let bind = |e| at.fail(format!("row {i}"), e);
    insert.raw_bind_parameter(offset + 1, i as i64 + 1).map_err(bind)?;
    let mut next = offset + 2;
    if rows.spatial() {
        let blob = encoded.next_blob().ok_or_else(|| at.message(format!("row {i}: geometry missing")))?;
        insert.raw_bind_parameter(next, blob).map_err(bind)?;
        next += 1;
    }
    values.clear();
    rows.fill(i, values);
    bind_values(insert, next, values, rows.columns(), i, at)
}

/// Binds a row's values from parameter `first` on, each converted for its column.
fn bind_values(insert: &mut Statement, first: usize, values: &[AttrValue], columns: &[FieldSpec], row: usize, at: &At) -> Result<()> {
    if values.len() != columns.len() {
        return Err(at.message(format!("row {row} has {} values for {} columns", values.len(), columns.len())));
    }
    for (j, (value, column)) in values.iter().zip(columns).enumerate() {
        let sql = column_value(value, column.kind).map_err(|why| at.message(format!("row {row}, field {}: {why}", column.name)))?;
        insert.raw_bind_parameter(first + j, sql).map_err(|e| at.fail(format!("row {row}"), e))?;
    }
    Ok(())
}

/// A value as the GDAL writer stored it in a column of `kind`: non-finite reals as
/// NULL; integers in real columns as reals, reals in integer columns truncated and
/// integers in text columns as decimal text, as OGR converts them. Text in a numeric
/// column, or a real in a text column, has no conversion here and is refused.
fn column_value<'v>(value: &'v AttrValue, kind: FieldKind) -> std::result::Result<ToSqlOutput<'v>, &'static str> {
    use FieldKind as K;
    let v = match (value, kind) {
        (AttrValue::Null, _) => ValueRef::Null,
        (AttrValue::Real(x), _) if !x.is_finite() => ValueRef::Null,
        (AttrValue::Int(x), K::Int) => ValueRef::Integer(*x),
        (AttrValue::Int(x), K::Real) => ValueRef::Real(*x as f64),
        (AttrValue::Int(x), K::Text) => return Ok(ToSqlOutput::Owned(Value::Text(x.to_string()))),
        (AttrValue::Real(x), K::Real) => ValueRef::Real(*x),
        (AttrValue::Real(x), K::Int) => ValueRef::Integer(x.trunc() as i64),
        (AttrValue::Text(s), K::Text) => ValueRef::Text(s.as_bytes()),
        (AttrValue::Real(_), K::Text) => return Err("a real number for a text column"),
        (AttrValue::Text(_), _) => return Err("text for a numeric column"),
    };
    Ok(ToSqlOutput::Borrowed(v))
}
