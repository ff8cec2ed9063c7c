//! GeoPackage writing: one dataset, one transaction per layer, bulk-loaded spatial
//! indexes at close; and reading a layer back (the change report's earlier side).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{Feature, FieldDefn, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal};
use gdal::{Dataset, DriverManager};
use geo::{BoundingRect, MultiPolygon};

use super::rows::Rows;
use super::rtree;
use crate::error::{Error, Result};
use crate::table::{AttrValue, FieldKind, FieldSpec, Table};
use crate::vector::polygons_of;

/// Reads a layer written by landcons back as a table and its geometries (empty
/// polygons for an attribute table or a feature without geometry).
pub fn read_layer(path: &Path, name: &str) -> Result<(Table, Vec<MultiPolygon<f64>>)> {
    let ds = Dataset::open(path).map_err(|e| Error::input_from(path, "cannot open", e))?;
    let mut layer = ds.layer_by_name(name).map_err(|_| {
        Error::input(path, format!("has no layer {name}: is it a landcons results GeoPackage?"))
    })?;
    let columns: Vec<FieldSpec> = crate::vector::field_specs(&layer);
    let mut rows = Vec::new();
    let mut geometries = Vec::new();
    for f in layer.features() {
        rows.push(columns.iter().enumerate().map(|(i, c)| value_of(&f, i, c.kind)).collect());
        let geometry = match f.geometry() {
            Some(g) => polygons_of(&g.to_geo().map_err(|e| {
                Error::input_from(path, format!("layer {name}, feature {}", f.fid().unwrap_or(0)), e)
            })?),
            None => MultiPolygon(Vec::new()),
        };
        geometries.push(geometry);
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

/// An OGR geometry built on the converter thread, owned until a feature takes it.
struct OgrGeometry(gdal_sys::OGRGeometryH);

// SAFETY: an OGR geometry is a heap object without thread affinity; it is used by one
// thread at a time (built by the converter, then handed to the writer).
unsafe impl Send for OgrGeometry {}

impl OgrGeometry {
    fn new(g: &MultiPolygon<f64>) -> std::result::Result<OgrGeometry, String> {
        let geometry = g.to_gdal().map_err(|e| e.to_string())?;
        // SAFETY: ownership of the handle moves into this wrapper.
        Ok(OgrGeometry(unsafe { geometry.into_c_geometry() }))
    }

    fn into_raw(mut self) -> gdal_sys::OGRGeometryH {
        std::mem::replace(&mut self.0, std::ptr::null_mut())
    }
}

impl Drop for OgrGeometry {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: this wrapper still owns the geometry.
            unsafe { gdal_sys::OGR_G_DestroyGeometry(self.0) };
        }
    }
}

/// Rows of one converted batch: the index entry and the geometry (or why it failed).
type GeometryBatch = Vec<(Option<rtree::Entry>, std::result::Result<OgrGeometry, String>)>;

const BATCH: usize = 1024;

/// Converter thread: geometries to OGR, a batch at a time, ahead of the writer.
fn convert_geometries(rows: &dyn Rows, tx: std::sync::mpsc::SyncSender<GeometryBatch>) {
    for start in (0..rows.len()).step_by(BATCH) {
        let batch = (start..(start + BATCH).min(rows.len()))
            .map(|i| {
                let fid = i as i64 + 1;
                let g = rows.geometry(i).unwrap_or_else(|| Cow::Owned(MultiPolygon::new(vec![])));
                let entry = g
                    .bounding_rect()
                    .map(|r| rtree::Entry::new(fid, r.min().x, r.max().x, r.min().y, r.max().y));
                (entry, OgrGeometry::new(&g))
            })
            .collect();
        // The writer stopped (an error): nothing more to do.
        if tx.send(batch).is_err() {
            return;
        }
    }
}

/// Sets every field of `f` from `row`.
fn set_fields(f: &mut Feature, row: &[AttrValue]) -> gdal::errors::Result<()> {
    for (j, v) in row.iter().enumerate() {
        match v {
            AttrValue::Null => f.set_field_null(j),
            AttrValue::Int(x) => f.set_field_integer64(j, *x),
            AttrValue::Real(x) if x.is_finite() => f.set_field_double(j, *x),
            AttrValue::Real(_) => f.set_field_null(j),
            AttrValue::Text(s) => f.set_field_string(j, s),
        }?;
    }
    Ok(())
}

/// Writes `rows` as features with ids 1..n. Geometries are converted to OGR on a second
/// thread, ahead of the writer, which is GDAL's single-threaded insert.
fn write_rows(layer: &gdal::vector::Layer, rows: &dyn Rows, envelopes: &mut Vec<rtree::Entry>) -> std::result::Result<(), String> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<GeometryBatch>(8);
        if rows.spatial() {
            scope.spawn(move || convert_geometries(rows, tx));
        } else {
            drop(tx);
        }
        // One feature, refilled for every row (every field is set each time): saves
        // OGR allocating and freeing a feature per row.
        let mut f = Feature::new(layer.defn()).map_err(|e| e.to_string())?;
        let mut batch = Vec::new().into_iter();
        let mut values = Vec::new();
        for i in 0..rows.len() {
            let at = |e: &dyn std::fmt::Display| format!("row {i}: {e}");
            // Feature ids 1..n in row order, so the index entries can name them.
            // SAFETY: the feature is alive; OGR_F_SetFID only stores the id.
            unsafe { gdal_sys::OGR_F_SetFID(f.c_feature(), i as i64 + 1) };
            values.clear();
            rows.fill(i, &mut values);
            set_fields(&mut f, &values).map_err(|e| at(&e))?;
            if rows.spatial() {
                let (entry, geometry) = match batch.next() {
                    Some(next) => next,
                    None => {
                        batch = rx.recv().map_err(|e| at(&e))?.into_iter();
                        batch.next().ok_or_else(|| at(&"geometry missing"))?
                    }
                };
                envelopes.extend(entry);
                let raw = geometry.map_err(|e| at(&e))?.into_raw();
                // SAFETY: the feature takes ownership of the geometry (no copy).
                let rc = unsafe { gdal_sys::OGR_F_SetGeometryDirectly(f.c_feature(), raw) };
                if rc != gdal_sys::OGRErr::OGRERR_NONE {
                    return Err(at(&"cannot set the geometry"));
                }
            }
            f.create(layer).map_err(|e| at(&e))?;
        }
        Ok(())
    })
}

/// A GeoPackage being written.
pub struct GpkgWriter {
    ds: Dataset,
    path: PathBuf,
    /// Envelopes of each spatial layer written, indexed in bulk at close.
    pending_indexes: Vec<(String, Vec<rtree::Entry>)>,
}

impl GpkgWriter {
    pub fn create(path: &Path) -> Result<GpkgWriter> {
        let driver = DriverManager::get_driver_by_name("GPKG").map_err(|e| Error::output(path, e))?;
        let ds = driver.create_vector_only(path).map_err(|e| Error::output(path, e))?;
        Ok(GpkgWriter {
            ds,
            path: path.to_path_buf(),
            pending_indexes: Vec::new(),
        })
    }

    fn err(&self, layer: &str, e: impl std::fmt::Display) -> Error {
        Error::output(&self.path, format!("layer {layer}: {e}"))
    }

    /// Writes a layer in one transaction; a spatial one in the CRS `crs_wkt`.
    pub fn write_layer(&mut self, name: &str, crs_wkt: &str, rows: &dyn Rows) -> Result<()> {
        let started = std::time::Instant::now();
        let srs = match rows.spatial() && !crs_wkt.is_empty() {
            true => Some(SpatialRef::from_wkt(crs_wkt).map_err(|e| self.err(name, e))?),
            false => None,
        };
        let ty = match rows.spatial() {
            true => OGRwkbGeometryType::wkbMultiPolygon,
            false => OGRwkbGeometryType::wkbNone,
        };
        let path = self.path.clone();
        let mut envelopes = Vec::new();
        let mut txn = self.ds.start_transaction().map_err(|e| Error::output(&path, e))?;
        {
            let layer = txn
                .create_layer(LayerOptions {
                    name,
                    srs: srs.as_ref(),
                    ty,
                    // Indexed at close from the envelopes collected here (rtree.rs).
                    options: Some(&["SPATIAL_INDEX=NO", "FID=fid", "GEOMETRY_NAME=geom"]),
                })
                .map_err(|e| Error::output(&path, format!("layer {name}: {e}")))?;
            for c in rows.columns() {
                add_field(&layer, c).map_err(|e| Error::output(&path, format!("layer {name}, field {}: {e}", c.name)))?;
            }
            write_rows(&layer, rows, &mut envelopes).map_err(|e| Error::output(&path, format!("layer {name}, {e}")))?;
        }
        let out = txn
            .commit()
            .map_err(|e| Error::output(&path, format!("layer {name}: commit: {e}")));
        if rows.spatial() {
            self.pending_indexes.push((name.to_string(), envelopes));
        }
        tracing::info!(layer = name, rows = rows.len(), seconds = started.elapsed().as_secs_f64(), "wrote layer");
        out
    }

    /// Stores QGIS styles in `layer_styles` (QGIS's own schema), each as the default
    /// style of its layer: (layer name, QML, description).
    pub fn write_styles(&mut self, styles: &[(String, String, String)]) -> Result<()> {
        let path = self.path.clone();
        let err = |e: gdal::errors::GdalError| Error::output(&path, format!("layer layer_styles: {e}"));
        let mut txn = self.ds.start_transaction().map_err(err)?;
        {
            let layer = txn
                .create_layer(LayerOptions {
                    name: "layer_styles",
                    srs: None,
                    ty: OGRwkbGeometryType::wkbNone,
                    options: Some(&["FID=id"]),
                })
                .map_err(err)?;
            create_style_fields(&layer).map_err(|e| Error::output(&path, format!("layer layer_styles: {e}")))?;
            let defn = layer.defn();
            for (table, qml, description) in styles {
                let mut f = Feature::new(defn).map_err(err)?;
                let text = ["", "", table, "geom", table, qml, ""];
                for (i, v) in text.iter().enumerate() {
                    f.set_field_string(i, v).map_err(err)?;
                }
                f.set_field_integer(7, 1).map_err(err)?;
                f.set_field_string(8, description).map_err(err)?;
                f.set_field_string(9, "landcons").map_err(err)?;
                f.create(&layer).map_err(err)?;
            }
        }
        txn.commit().map_err(err)
    }

    /// Sets dataset metadata items (run metadata for the GeoPackage).
    pub fn set_metadata(&mut self, key: &str, value: &str) -> Result<()> {
        use gdal::Metadata;
        self.ds
            .set_metadata_item(key, value, "")
            .map_err(|e| Error::output(&self.path, e))
    }

    /// Builds the spatial index of every spatial layer written, then closes the file.
    pub fn close(mut self) -> Result<()> {
        let path = self.path.clone();
        let started = std::time::Instant::now();
        let pending = std::mem::take(&mut self.pending_indexes);
        let txn = self.ds.start_transaction().map_err(|e| Error::output(&path, e))?;
        for (layer, entries) in pending {
            rtree::create_index(&txn, &layer, "geom", "fid", entries)
                .map_err(|e| Error::output(&path, format!("layer {layer}: spatial index: {e}")))?;
        }
        txn.commit()
            .map_err(|e| Error::output(&path, format!("spatial indexes: commit: {e}")))?;
        tracing::info!(seconds = started.elapsed().as_secs_f64(), "built the spatial indexes");
        self.ds.close().map_err(|e| Error::output(&path, e))
    }
}

fn add_field(layer: &gdal::vector::Layer, c: &FieldSpec) -> gdal::errors::Result<()> {
    let kind = match c.kind {
        FieldKind::Int => OGRFieldType::OFTInteger64,
        FieldKind::Real => OGRFieldType::OFTReal,
        FieldKind::Text => OGRFieldType::OFTString,
    };
    FieldDefn::new(&c.name, kind)?.add_to_layer(layer)
}

/// The columns of QGIS's `layer_styles` table, as QGIS creates them.
fn create_style_fields(layer: &gdal::vector::Layer) -> std::result::Result<(), String> {
    let text = |name: &str| {
        FieldDefn::new(name, OGRFieldType::OFTString)
            .and_then(|d| d.add_to_layer(layer))
            .map_err(|e| e.to_string())
    };
    for name in ["f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName", "styleQML", "styleSLD"] {
        text(name)?;
    }
    add_boolean_field(layer, "useAsDefault")?;
    for name in ["description", "owner", "ui"] {
        text(name)?;
    }
    // Left empty: timestamps live only in the run metadata, so outputs stay identical
    // between identical runs.
    FieldDefn::new("update_time", OGRFieldType::OFTDateTime)
        .and_then(|d| d.add_to_layer(layer))
        .map_err(|e| e.to_string())
}

/// A BOOLEAN column, as QGIS creates it (the gdal crate has no field subtypes).
fn add_boolean_field(layer: &gdal::vector::Layer, name: &str) -> std::result::Result<(), String> {
    let c_name = std::ffi::CString::new(name).map_err(|e| e.to_string())?;
    // SAFETY: the definition is created, used and destroyed here; the layer is alive.
    let rc = unsafe {
        let def = gdal_sys::OGR_Fld_Create(c_name.as_ptr(), OGRFieldType::OFTInteger);
        gdal_sys::OGR_Fld_SetSubType(def, gdal_sys::OGRFieldSubType::OFSTBoolean);
        let rc = gdal_sys::OGR_L_CreateField(layer.c_layer(), def, 1);
        gdal_sys::OGR_Fld_Destroy(def);
        rc
    };
    match rc == gdal_sys::OGRErr::OGRERR_NONE {
        true => Ok(()),
        false => Err(format!("cannot create field {name}")),
    }
}
