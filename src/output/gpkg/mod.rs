//! GeoPackage writing straight into SQLite, instead of GDAL's per-feature insert (~12 µs
//! a row): one transaction per layer with its bulk-loaded spatial index, the file as
//! GDAL 3.6 writes it; and reading some features' geometries back with GDAL (the rows
//! the change report shows from the earlier results).

mod blob;
mod insert;
mod metadata;
pub use metadata::{read_item, read_items};
mod schema;
mod srs;
mod statement;

use std::path::{Path, PathBuf};

use gdal::vector::{Feature, LayerAccess};
use gdal::Dataset;
use geo::MultiPolygon;
use rusqlite::{params, Connection};

use super::rows::Rows;
use super::rtree;
use crate::error::{Error, Result};
use crate::table::FieldKind;
use crate::vector::polygons_of;
use schema::{Registration, TableDef};

/// The features `fids` of a layer, their geometries in that order.
pub fn read_geometries(path: &Path, name: &str, fids: &[i64]) -> Result<Vec<MultiPolygon<f64>>> {
    let ds = Dataset::open(path).map_err(|e| Error::input_from(path, "cannot open", e))?;
    let layer = ds.layer_by_name(name).map_err(|_| Error::input(path, format!("has no layer {name}")))?;
    fids.iter()
        .map(|&fid| match u64::try_from(fid).ok().and_then(|fid| layer.feature(fid)) {
            Some(f) => feature_polygons(path, name, &f),
            None => Err(Error::input(path, format!("layer {name} has no feature {fid} any more"))),
        })
        .collect()
}

fn feature_polygons(path: &Path, name: &str, f: &Feature) -> Result<MultiPolygon<f64>> {
    match crate::vector::feature_geometry(f) {
        Some(g) => Ok(polygons_of(&g.to_geo().map_err(|e| {
            Error::input_from(path, format!("layer {name}, feature {}", f.fid().unwrap_or(0)), e)
        })?)),
        None => Ok(MultiPolygon(Vec::new())),
    }
}

/// Where a write failed: the file and the table, named in every error.
struct At<'a> {
    path: &'a Path,
    layer: &'a str,
}

impl At<'_> {
    fn fail(&self, what: impl std::fmt::Display, cause: impl Into<crate::error::Cause>) -> Error {
        Error::output_from(self.path, format!("layer {}: {what}", self.layer), cause)
    }

    fn message(&self, what: impl std::fmt::Display) -> Error {
        Error::output(self.path, format!("layer {}: {what}", self.layer))
    }
}

/// GDAL's SQL type for each kind (GDAL writes 64-bit integer fields as INTEGER).
fn sql_type(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Int => "INTEGER",
        FieldKind::Real => "REAL",
        FieldKind::Text => "TEXT",
    }
}

/// Opens a new, empty GeoPackage at `path`, replacing any file there (as GDAL's Create
/// does).
fn create_file(path: &Path) -> Result<Connection> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(Error::output_from(path, "cannot replace the existing file", e));
        }
        _ => {}
    }
    let fail = |e: rusqlite::Error| Error::output_from(path, "cannot create the GeoPackage", e);
    let mut conn = Connection::open(path).map_err(fail)?;
    // The file is written once, by this process, into a result set that is synced and
    // switched in as a whole (output::commit) or thrown away, so SQLite's own durability
    // (a journal file and fsyncs at every commit) would only slow writing down; the file
    // is synced once at close. The rollback journal stays, in memory: a layer that fails
    // half-way is still rolled back.
    conn.pragma_update(None, "synchronous", "OFF").map_err(fail)?;
    conn.pragma_update(None, "journal_mode", "MEMORY").map_err(fail)?;
    let tx = conn.transaction().map_err(fail)?;
    schema::create_base(&tx).map_err(fail)?;
    tx.commit().map_err(fail)?;
    Ok(conn)
}

/// A GeoPackage being written, straight into SQLite: one transaction per layer, rows
/// through one prepared statement, a bulk-loaded spatial index per layer. The file is
/// what GDAL 3.6 writes for the same layers (same tables, statements, rows and blobs).
pub struct GpkgWriter {
    conn: Connection,
    path: PathBuf,
    /// Tables written, in order: their feature-count triggers are created at close.
    tables: Vec<String>,
    metadata: metadata::Items,
}

impl GpkgWriter {
    pub fn create(path: &Path) -> Result<GpkgWriter> {
        Ok(GpkgWriter {
            conn: create_file(path)?,
            path: path.to_path_buf(),
            tables: Vec::new(),
            metadata: metadata::Items::default(),
        })
    }

    /// Writes a layer in one transaction; a spatial one in the CRS `crs_wkt` (none when
    /// empty).
    pub fn write_layer(&mut self, name: &str, crs_wkt: &str, rows: &dyn Rows) -> Result<()> {
        let started = std::time::Instant::now();
        let at = At { path: &self.path, layer: name };
        let def = TableDef {
            name,
            fid: "fid",
            geometry: rows.spatial().then_some("geom"),
            columns: rows.columns().iter().map(|c| (c.name.as_str(), sql_type(c.kind))).collect(),
        };
        if let Some(column) = def.duplicate_column() {
            return Err(at.message(format!("two columns named {column}")));
        }
        let tx = self.conn.transaction().map_err(|e| at.fail("cannot start a transaction", e))?;
        let srs_id = match (rows.spatial(), crs_wkt.is_empty()) {
            (false, _) => None,
            // GDAL's srs_id for a layer without a CRS: "undefined geographic".
            (true, true) => Some(0),
            (true, false) => Some(srs::srs_id(&tx, crs_wkt).map_err(|e| at.fail("cannot register its CRS", e))?),
        };
        tx.execute_batch(&def.create_sql()).map_err(|e| at.fail("cannot create the table", e))?;
        let written = insert::insert_rows(&tx, &def, srs_id.unwrap_or(0), rows, &at)?;
        let extent = written.extent.map(|e| [e.min_x, e.min_y, e.max_x, e.max_y]);
        let registration = Registration { table: name, geometry: def.geometry.zip(srs_id), extent, rows: rows.len() };
        schema::register(&tx, &registration).map_err(|e| at.fail("cannot register the table", e))?;
        // The spatial index, packed from the envelopes gathered while inserting: built
        // now, by the thread writing the layer, not by whoever closes the file.
        if let Some(column) = def.geometry {
            rtree::create_index(&tx, name, column, def.fid, written.entries).map_err(|e| at.fail("spatial index", e))?;
        }
        tx.commit().map_err(|e| at.fail("commit", e))?;
        self.tables.push(name.to_string());
        tracing::info!(layer = name, rows = rows.len(), seconds = started.elapsed().as_secs_f64(), "wrote layer");
        Ok(())
    }

    /// Stores QGIS styles in `layer_styles` (QGIS's own schema), each as the default
    /// style of its layer.
    pub fn write_styles(&mut self, styles: &[StyleRow]) -> Result<()> {
        let at = At { path: &self.path, layer: "layer_styles" };
        let def = styles_table();
        let tx = self.conn.transaction().map_err(|e| at.fail("cannot start a transaction", e))?;
        tx.execute_batch(&def.create_sql()).map_err(|e| at.fail("cannot create the table", e))?;
        {
            let mut insert = tx.prepare(&def.insert_sql()).map_err(|e| at.fail("cannot prepare the insert", e))?;
            for (k, s) in styles.iter().enumerate() {
                // Catalog and schema empty, the style named after its layer, no SLD,
                // default style (QGIS loads it with the layer), no UI, no update time
                // (timestamps live only in the run metadata). QGIS finds a layer's style
                // by table and geometry column, which is "" for an attribute table.
                let geometry_column = if s.spatial { "geom" } else { "" };
                let values = params![k as i64 + 1, "", "", s.table, geometry_column, s.table, s.qml, "", true, s.description, "landcons", None::<&str>, None::<&str>];
                insert.execute(values).map_err(|e| at.fail(format!("style of {}", s.table), e))?;
            }
        }
        let registration = Registration { table: def.name, geometry: None, extent: None, rows: styles.len() };
        schema::register(&tx, &registration).map_err(|e| at.fail("cannot register the table", e))?;
        tx.commit().map_err(|e| at.fail("commit", e))?;
        self.tables.push(def.name.to_string());
        Ok(())
    }

    /// Sets dataset metadata items (run metadata for the GeoPackage), written at close.
    pub fn set_metadata(&mut self, key: &str, value: &str) -> Result<()> {
        self.metadata.set(key, value);
        Ok(())
    }

    /// Finishes the file (`close_unsynced`), then syncs it.
    pub fn close(self) -> Result<()> {
        let path = self.path.clone();
        self.close_unsynced()?;
        // SQLite did not sync (see create_file): the whole file once, before anyone moves
        // it into place.
        std::fs::File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::output_from(&path, "cannot sync", e))
    }

    /// Writes the metadata and the feature-count triggers (as GDAL does at close), then
    /// closes the file. (Each spatial layer got its index when it was written.)
    fn close_unsynced(mut self) -> Result<()> {
        let path = self.path.clone();
        let started = std::time::Instant::now();
        let fail = |what: &str, e: rusqlite::Error| Error::output_from(&path, what, e);
        let tx = self.conn.transaction().map_err(|e| fail("cannot start a transaction", e))?;
        if !self.metadata.is_empty() {
            self.metadata.write(&tx).map_err(|e| fail("metadata", e))?;
        }
        for table in &self.tables {
            schema::create_feature_count_triggers(&tx, table).map_err(|e| fail(&format!("layer {table}: feature-count triggers"), e))?;
        }
        tx.commit().map_err(|e| fail("metadata and triggers: commit", e))?;
        tracing::info!(seconds = started.elapsed().as_secs_f64(), "finished the GeoPackage");
        self.conn.close().map_err(|(_, e)| fail("cannot close", e))
    }

    /// Starts writing what is in the file so far to disk, without waiting (a file in a
    /// result set, synced by its commit: the disk works while the run goes on).
    pub fn start_writeback(&self) -> Result<()> {
        crate::output::atomic::start_writeback(&self.path)
    }

    /// As `close`, for a file in a result set, whose commit syncs every file before it
    /// is switched in: the disk starts writing this one now, while the rest of the
    /// results are made, and nothing waits for it here.
    pub fn close_in_result_set(self) -> Result<()> {
        let path = self.path.clone();
        self.close_unsynced()?;
        crate::output::atomic::start_writeback(&path)
    }
}

/// One layer's QGIS style, for `layer_styles`.
#[derive(Debug, Clone)]
pub struct StyleRow {
    pub table: String,
    /// Whether the layer has geometries (else it is an attribute table).
    pub spatial: bool,
    /// The whole QML document.
    pub qml: String,
    pub description: String,
}

/// QGIS's `layer_styles` table as QGIS (and the GDAL writer before) creates it.
fn styles_table() -> TableDef<'static> {
    let text = ["f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName", "styleQML", "styleSLD"];
    let mut columns: Vec<(&str, &str)> = text.iter().map(|n| (*n, "TEXT")).collect();
    columns.push(("useAsDefault", "BOOLEAN"));
    columns.extend(["description", "owner", "ui"].map(|n| (n, "TEXT")));
    columns.push(("update_time", "DATETIME"));
    TableDef { name: "layer_styles", fid: "id", geometry: None, columns }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::rows::TableRows;
    use crate::table::{AttrValue, FieldSpec, Table};
    use gdal::spatial_ref::SpatialRef;
    use geo::polygon;

    /// A layer written here, read back with GDAL (a reader independent of the writer):
    /// its rows and, when `with_geometry`, its geometries (empty polygons for an
    /// attribute table or a feature without geometry).
    fn read_features(path: &Path, name: &str, with_geometry: bool) -> Result<(Table, Vec<MultiPolygon<f64>>)> {
        let ds = Dataset::open(path).map_err(|e| Error::input_from(path, "cannot open", e))?;
        let mut layer = ds.layer_by_name(name).map_err(|_| {
            Error::input(path, format!("has no layer {name}: is it a landcons results GeoPackage?"))
        })?;
        let columns: Vec<FieldSpec> = crate::vector::field_specs(&layer);
        let (mut rows, mut geometries) = (Vec::new(), Vec::new());
        for f in layer.features() {
            rows.push(columns.iter().enumerate().map(|(i, c)| value_of(&f, i, c.kind)).collect());
            if with_geometry {
                geometries.push(feature_polygons(path, name, &f)?);
            }
        }
        Ok((Table { columns, rows }, geometries))
    }

    fn value_of(f: &Feature, i: usize, kind: FieldKind) -> AttrValue<'static> {
        let v = match kind {
            FieldKind::Int => f.field_as_integer64(i).ok().flatten().map(AttrValue::Int),
            FieldKind::Real => f.field_as_double(i).ok().flatten().map(AttrValue::Real),
            FieldKind::Text => f.field_as_string(i).ok().flatten().map(AttrValue::text),
        };
        v.unwrap_or(AttrValue::Null)
    }

    fn sample() -> (Table, Vec<MultiPolygon<f64>>) {
        let table = Table {
            columns: vec![FieldSpec::new("n", FieldKind::Int), FieldSpec::new("x", FieldKind::Real), FieldSpec::new("t", FieldKind::Text)],
            rows: vec![
                vec![AttrValue::Int(7), AttrValue::Real(0.5), AttrValue::text("七")],
                vec![AttrValue::Null, AttrValue::Real(f64::NAN), AttrValue::Null],
            ],
        };
        let square = polygon![(x: 500000.0, y: 3300000.0), (x: 500010.0, y: 3300000.0), (x: 500010.0, y: 3300010.0), (x: 500000.0, y: 3300000.0)];
        (table, vec![MultiPolygon::new(vec![square]), MultiPolygon::new(vec![])])
    }

    fn wkt(definition: &str) -> String {
        SpatialRef::from_definition(definition).and_then(|s| s.to_wkt()).unwrap()
    }

    #[test]
    fn crs_rows_as_gdal_registers_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.gpkg");
        let (table, geometries) = sample();
        let rows = TableRows { table: &table, geometries: Some(&geometries) };
        let mut w = GpkgWriter::create(&path).unwrap();
        let custom = "+proj=tmerc +lat_0=0 +lon_0=101.3 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs";
        for (name, crs) in [("epsg", wkt("EPSG:4544")), ("wgs84", wkt("EPSG:4326")), ("custom", wkt(custom)), ("esri", wkt("ESRI:102100")), ("none", String::new()), ("again", wkt("EPSG:4544"))] {
            w.write_layer(name, &crs, &rows).unwrap();
        }
        w.close().unwrap();
        let conn = Connection::open(&path).unwrap();
        let srs: Vec<(String, i32, String, i32)> = conn
            .prepare("SELECT srs_name, srs_id, organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id > 4326 ORDER BY srs_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        // What GDAL 3.6 registered for the same CRSs (written with ogr, dumped with sqlite3).
        let expected = [
            ("CGCS2000 / 3-degree Gauss-Kruger CM 105E", 4544, "EPSG", 4544),
            ("unknown", 100000, "NONE", 100000),
            ("WGS_1984_Web_Mercator_Auxiliary_Sphere", 102100, "ESRI", 102100),
        ];
        let expected: Vec<(String, i32, String, i32)> = expected.iter().map(|(n, i, o, c)| (n.to_string(), *i, o.to_string(), *c)).collect();
        assert_eq!(srs, expected);
        let ids: Vec<i32> = conn
            .prepare("SELECT srs_id FROM gpkg_geometry_columns ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(ids, [4544, 4326, 100000, 102100, 0, 4544]);
    }

    #[test]
    fn rows_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.gpkg");
        let (table, geometries) = sample();
        let mut w = GpkgWriter::create(&path).unwrap();
        w.write_layer("shapes", &wkt("EPSG:4544"), &TableRows { table: &table, geometries: Some(&geometries) }).unwrap();
        w.write_layer("plain", "", &TableRows { table: &table, geometries: None }).unwrap();
        w.set_metadata("LANDCONS_VERSION", "test").unwrap();
        w.close().unwrap();
        let (back, shapes) = read_features(&path, "shapes", true).unwrap();
        assert_eq!(shapes, geometries);
        assert_eq!(back.rows[0], table.rows[0]);
        // A NaN is stored as NULL, as GDAL's writer stored it.
        assert_eq!(back.rows[1], vec![AttrValue::Null; 3]);
        let (plain, _) = read_features(&path, "plain", true).unwrap();
        assert_eq!(plain.rows.len(), 2);
        assert_eq!(read_item(&path, "landcons_version").as_deref(), Some("test"));
    }

    #[test]
    fn a_failed_layer_names_file_layer_and_field_and_leaves_no_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.gpkg");
        let table = Table { columns: vec![FieldSpec::new("n", FieldKind::Int)], rows: vec![vec![AttrValue::Int(1)], vec![AttrValue::text("x")]] };
        let mut w = GpkgWriter::create(&path).unwrap();
        let e = w.write_layer("bad", "", &TableRows { table: &table, geometries: None }).unwrap_err().to_string();
        assert!(e.contains("t.gpkg") && e.contains("layer bad") && e.contains("row 1, field n"), "{e}");
        w.close().unwrap();
        let conn = Connection::open(&path).unwrap();
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master WHERE name = 'bad'", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 0, "the layer's transaction was rolled back");
    }
}
