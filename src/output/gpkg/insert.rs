//! A layer's rows into its table: multi-row prepared INSERTs, parameters bound in place.
//! A second thread prepares the rows a batch ahead (each row's values converted for
//! its columns, its geometry encoded as a GeoPackage blob), so the writing thread only
//! binds and steps.

use std::borrow::Cow;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use geo::MultiPolygon;
use rusqlite::Connection;

use super::blob::{self, Envelope};
use super::schema::TableDef;
use super::statement::{Insert, SqlValue};
use super::At;
use crate::error::Result;
use crate::output::rows::Rows;
use crate::output::rtree;
use crate::table::{AttrValue, FieldKind};

/// Rows per batch handed from the preparing thread to the writer. A statement's rows
/// (at most ROWS_PER_INSERT) then span at most two batches, both kept until it ran.
const BATCH: usize = 1024;
/// Batches the preparing thread may run ahead (bounds the memory held in flight).
const BATCHES_AHEAD: usize = 8;

/// What writing a layer's rows leaves for its registration and its spatial index.
#[derive(Default)]
pub struct Written {
    /// One R-tree entry per row with a non-empty geometry, in feature-id order.
    pub entries: Vec<rtree::Entry>,
    /// Union of the geometries' envelopes (gpkg_contents' extent); None when all are empty.
    pub extent: Option<Envelope>,
}

/// Consecutive rows, prepared: their values and encoded geometries.
#[derive(Default)]
struct Batch<'r> {
    /// Rows in the batch.
    rows: usize,
    /// The rows' values back to back, `columns` per row.
    values: Vec<SqlValue<'r>>,
    /// The rows' blobs back to back (spatial layers); row k's ends at `ends[k]`.
    bytes: Vec<u8>,
    ends: Vec<usize>,
    entries: Vec<rtree::Entry>,
    extent: Option<Envelope>,
    /// A row that cannot be written (a value its column cannot hold): the last batch.
    error: Option<String>,
}

fn union(a: Option<Envelope>, b: Option<Envelope>) -> Option<Envelope> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.union(b)),
        (a, b) => a.or(b),
    }
}

/// Preparing thread: every row's values (converted for their columns) and geometry
/// (a GeoPackage blob; a missing one as an empty one, as the GDAL writer stored it, with
/// its index entry), a batch at a time.
fn prepare_rows<'r>(rows: &'r dyn Rows, srs_id: i32, tx: SyncSender<Batch<'r>>) {
    let mut values = Vec::new();
    for start in (0..rows.len()).step_by(BATCH) {
        let mut batch = Batch::default();
        for i in start..(start + BATCH).min(rows.len()) {
            values.clear();
            rows.fill(i, &mut values);
            if let Err(e) = convert_row(i, &mut values, rows, &mut batch.values) {
                batch.error = Some(e);
                let _ = tx.send(batch);
                return;
            }
            if rows.spatial() {
                encode_geometry(rows, i, srs_id, &mut batch);
            }
            batch.rows += 1;
        }
        // The writer stopped (an error): nothing more to do.
        if tx.send(batch).is_err() {
            return;
        }
    }
}

fn encode_geometry(rows: &dyn Rows, i: usize, srs_id: i32, batch: &mut Batch) {
    let g = rows.geometry(i).unwrap_or_else(|| Cow::Owned(MultiPolygon::new(vec![])));
    let envelope = blob::append_multipolygon(&mut batch.bytes, srs_id, &g);
    batch.ends.push(batch.bytes.len());
    if let Some(e) = envelope {
        // The blob's envelope, which is also what the R-tree triggers index (ST_MinX…
        // read the blob header) when features are edited later.
        batch.entries.push(rtree::Entry::new(i as i64 + 1, e.min_x, e.max_x, e.min_y, e.max_y));
    }
    batch.extent = union(batch.extent, envelope);
}

/// Row `i`'s values, each converted for its column, appended to `out`.
fn convert_row<'r>(i: usize, values: &mut Vec<AttrValue<'r>>, rows: &dyn Rows, out: &mut Vec<SqlValue<'r>>) -> std::result::Result<(), String> {
    let columns = rows.columns();
    if values.len() != columns.len() {
        return Err(format!("row {i} has {} values for {} columns", values.len(), columns.len()));
    }
    for (value, column) in values.drain(..).zip(columns) {
        out.push(column_value(value, column.kind).map_err(|why| format!("row {i}, field {}: {why}", column.name))?);
    }
    Ok(())
}

/// The writer's side: prepared rows one after the other, the batch before the current
/// one kept (a statement's rows may begin in it), entries and extent gathered.
struct Prepared<'r> {
    rx: Receiver<Batch<'r>>,
    batch: Batch<'r>,
    previous: Batch<'r>,
    next: usize,
    columns: usize,
    written: Written,
}

impl<'r> Prepared<'r> {
    fn new(rx: Receiver<Batch<'r>>, columns: usize) -> Prepared<'r> {
        Prepared { rx, batch: Batch::default(), previous: Batch::default(), next: 0, columns, written: Written::default() }
    }

    /// The next row's values and blob (None for a layer without geometries); an error
    /// for a row that cannot be written or when the preparing thread stopped early.
    fn next_row(&mut self) -> std::result::Result<(&[SqlValue<'r>], Option<&[u8]>), String> {
        if self.next == self.batch.rows {
            let batch = self.rx.recv().map_err(|_| "rows missing".to_string())?;
            self.previous = std::mem::replace(&mut self.batch, batch);
            self.next = 0;
            if let Some(e) = self.batch.error.take() {
                return Err(e);
            }
            self.written.entries.append(&mut self.batch.entries);
            self.written.extent = union(self.written.extent, self.batch.extent);
        }
        let k = self.next;
        self.next += 1;
        let values = &self.batch.values[k * self.columns..(k + 1) * self.columns];
        let blob = match self.batch.ends.is_empty() {
            true => None,
            false => Some(&self.batch.bytes[if k == 0 { 0 } else { self.batch.ends[k - 1] }..self.batch.ends[k]]),
        };
        Ok((values, blob))
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
    let prepare = |n: usize| Insert::prepare(conn, &def.insert_rows_sql(n)).map_err(|e| at.fail("cannot prepare the insert", e));
    let (mut full, mut single) = (prepare(batch)?, prepare(1)?);
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Batch>(BATCHES_AHEAD);
        scope.spawn(move || prepare_rows(rows, srs_id, tx));
        let mut prepared = Prepared::new(rx, rows.columns().len());
        let mut start = 0;
        while start < rows.len() {
            let (insert, n) = match rows.len() - start >= batch {
                true => (&mut full, batch),
                false => (&mut single, 1),
            };
            for (k, i) in (start..start + n).enumerate() {
                bind_row(insert, k * per_row, i, &mut prepared, at)?;
            }
            insert.execute().map_err(|e| at.fail(format!("rows {}–{}", start, start + n - 1), e))?;
            start += n;
        }
        Ok(prepared.written)
    })
}

/// Binds row `i` (feature id, geometry blob, values) from parameter `offset + 1` on.
fn bind_row(insert: &mut Insert, offset: usize, i: usize, prepared: &mut Prepared, at: &At) -> Result<()> {
    let bind = |e| at.fail(format!("row {i}"), e);
    let (values, blob) = prepared.next_row().map_err(|e| at.message(e))?;
    // SAFETY: the values and blob live in the current or the previous batch, which
    // `prepared` keeps until the next batch after them arrives: after this statement
    // ran, since one statement's rows never span more than two batches.
    unsafe {
        insert.bind(offset + 1, &SqlValue::Int(i as i64 + 1)).map_err(bind)?;
        let mut next = offset + 2;
        if let Some(blob) = blob {
            insert.bind_blob(next, blob).map_err(bind)?;
            next += 1;
        }
        for (j, value) in values.iter().enumerate() {
            insert.bind(next + j, value).map_err(bind)?;
        }
    }
    Ok(())
}

/// A value as the GDAL writer stored it in a column of `kind`: non-finite reals as
/// NULL; integers in real columns as reals, reals in integer columns truncated and
/// integers in text columns as decimal text, as OGR converts them. Text in a numeric
/// column, or a real in a text column, has no conversion here and is refused.
fn column_value<'r>(value: AttrValue<'r>, kind: FieldKind) -> std::result::Result<SqlValue<'r>, &'static str> {
    use FieldKind as K;
    Ok(match (value, kind) {
        (AttrValue::Null, _) => SqlValue::Null,
        (AttrValue::Real(x), _) if !x.is_finite() => SqlValue::Null,
        (AttrValue::Int(x), K::Int) => SqlValue::Int(x),
        (AttrValue::Int(x), K::Real) => SqlValue::Real(x as f64),
        (AttrValue::Int(x), K::Text) => SqlValue::Text(Cow::Owned(x.to_string())),
        (AttrValue::Real(x), K::Real) => SqlValue::Real(x),
        (AttrValue::Real(x), K::Int) => SqlValue::Int(x.trunc() as i64),
        (AttrValue::Text(s), K::Text) => SqlValue::Text(s),
        (AttrValue::Real(_), K::Text) => return Err("a real number for a text column"),
        (AttrValue::Text(_), _) => return Err("text for a numeric column"),
    })
}
