//! Reading the parcel layer of a survey delivery: any polygon layer GDAL reads, GBK
//! shapefiles, the field map, the CRS, and checks that nothing is lost silently
//! (truncated files, duplicate ids, non-polygons).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gdal::spatial_ref::CoordTransform;
use gdal::vector::{Feature, Geometry, LayerAccess};
use gdal::Dataset;
use geo::MultiPolygon;

use super::field_index::FieldIndex;
use super::{Mapped, ParcelSource, Parcels};
use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::gdal_util::{self, check_readable_file, Wanted};
use crate::progress::Progress;
use crate::settings::{FieldMap, Inputs, NonPolygons};
use crate::table::{AttrValue, FieldSpec};
use crate::vector::crs::{self, WorkCrs};
use crate::vector::arrow::{ArrowLayer, Batch, Cell};
use crate::vector::{self, geometry, GeometryIssue, TextDecoder, Value};

/// Where the parcels are and how to read them.
pub struct ReadOptions<'a> {
    pub inputs: &'a Inputs,
    pub fields: &'a FieldMap,
    pub cancel: &'a CancelToken,
}

/// The working CRS of a parcel layer (its own when metric; see [`crs::choose`]),
/// found by opening the layer only: a bad parcel layer fails here, before any work.
pub fn work_crs_of(inputs: &Inputs) -> Result<WorkCrs> {
    let path = &inputs.parcels;
    let (ds, _) = open_source(path)?;
    let layer = gdal_util::layer(&ds, path, &inputs.parcels_layer, Wanted::Polygons, PARCELS_LAYER)?;
    let source = vector::layer_crs(&layer, path, inputs.parcels_crs.as_deref(), "inputs.parcels_crs")?;
    crs::choose(&source, layer_extent(&layer), inputs.work_crs.as_deref())
}

fn layer_extent(layer: &gdal::vector::Layer) -> Option<[f64; 4]> {
    let e = layer.get_extent().ok()?;
    Some([e.MinX, e.MinY, e.MaxX, e.MaxY])
}

const SHAPEFILE: &str = "ESRI Shapefile";
/// The setting that names the parcel layer of a multi-layer source.
const PARCELS_LAYER: &str = "inputs.parcels_layer";
/// GDAL's GeoPackage driver: read through its Arrow stream.
const GEOPACKAGE: &str = "GPKG";

/// Reads the parcel layer named in `inputs`.
pub fn read_parcels(opts: &ReadOptions) -> Result<Parcels> {
    read_parcels_within(opts, None, &Progress::hidden())
}

/// A part of the layer: the features meeting `rect` (min x, min y, max x, max y in the
/// layer's CRS) that `keep` keeps, given each one's village code and envelope.
pub struct Selection<'a> {
    pub rect: [f64; 4],
    pub keep: &'a (dyn Fn(&[Candidate]) -> Vec<bool> + Sync),
}

/// What a selection decides on: a feature's village code and envelope (layer CRS).
pub struct Candidate {
    pub village_code: String,
    pub envelope: [f64; 4],
}

/// Reads the parcels of `selection` (all when None), in the layer's order — so a
/// shard's parcels are in the same order as in the whole layer, and pairs among them are
/// measured the same way. `progress` counts the features read.
pub fn read_parcels_within(opts: &ReadOptions, selection: Option<&Selection>, progress: &Progress) -> Result<Parcels> {
    let path = &opts.inputs.parcels;
    let (ds, is_shapefile) = open_source(path)?;
    let mut layer = gdal_util::layer(&ds, path, &opts.inputs.parcels_layer, Wanted::Polygons, PARCELS_LAYER)?;
    let layer_name = layer.name();
    // The count the file declares (shapefile header, GeoPackage table), to catch a
    // truncated file whose reading stops early without an error.
    let declared = layer.feature_count();
    if declared == 0 {
        return Err(Error::input(path, format!("layer {layer_name} has no features")));
    }
    let fields = vector::field_specs(&layer);
    let map = FieldIndex::resolve(&fields, opts.fields, path, &layer_name)?;
    let decoder = match is_shapefile {
        true => Some(TextDecoder::for_shapefile(path, &opts.inputs.parcels_encoding, Some("inputs.parcels_encoding"))?),
        false => None,
    };
    let source_crs = vector::layer_crs(&layer, path, opts.inputs.parcels_crs.as_deref(), "inputs.parcels_crs")?;
    let work_crs = crs::choose(&source_crs, layer_extent(&layer), opts.inputs.work_crs.as_deref())?;
    let transform = vector::transform_into(&source_crs, &work_crs.wkt, path)?;
    let source = ParcelSource {
        path: path.clone(),
        layer_name: layer_name.clone(),
        encoding: decoder.as_ref().map(|d| d.name()).unwrap_or("UTF-8").to_string(),
        reprojected: transform.is_some(),
        work_crs,
        read_as: "features",
    };
    let mut reader = FeatureReader {
        path,
        layer_name: &layer_name,
        fields: &fields,
        map: &map,
        decoder: decoder.as_ref(),
        transform: transform.as_ref(),
        skip_non_polygons: opts.inputs.non_polygons == NonPolygons::Skip,
        texts: vec![String::new(); fields.len()],
        feature_of: Vec::new(),
        skipped_ids: HashMap::new(),
        parcels: Parcels::new(source, fields.clone()),
    };
    match selection {
        Some(sel) => read_selected(&mut layer, &mut reader, sel, opts, progress)?,
        None => read_all(&ds, &mut layer, &mut reader, declared, opts, progress)?,
    }
    let mut parcels = reader.parcels;
    if parcels.is_empty() {
        return Err(Error::input(path, format!("layer {layer_name} has no features")));
    }
    parcels.seal();
    Ok(parcels)
}

/// The features of `sel`, in file order.
fn read_selected(layer: &mut gdal::vector::Layer, reader: &mut FeatureReader, sel: &Selection, opts: &ReadOptions, progress: &Progress) -> Result<()> {
    let (path, layer_name) = (reader.path, reader.layer_name);
    let r = sel.rect;
    layer.set_spatial_filter_rect(r[0], r[1], r[2], r[3]);
    // First only each feature's id, village code and envelope: a shard's rectangle
    // can cover most of a layer, and whole OGR features of a province do not fit.
    let mut found: Vec<(u64, Candidate)> = layer.features().map(|f| (f.fid().unwrap_or(0), candidate(&f, reader.map.village_code))).collect();
    // A spatial filter may yield features out of file order (a GeoPackage's R-tree).
    found.sort_by_key(|(fid, _)| *fid);
    let (fids, found): (Vec<u64>, Vec<Candidate>) = found.into_iter().unzip();
    let keep = (sel.keep)(&found);
    drop(found);
    progress.set_length(keep.iter().filter(|k| **k).count() as u64);
    for (&fid, _) in fids.iter().zip(keep).filter(|(_, k)| *k) {
        opts.cancel.check()?;
        progress.inc(1);
        let feature = layer
            .feature(fid)
            .ok_or_else(|| Error::input(path, format!("layer {layer_name}: feature {fid} can no longer be read")))?;
        reader.add(fid as usize, &feature)?;
    }
    Ok(())
}

/// Every feature: a GeoPackage through its Arrow stream when its columns allow, else
/// (and every other format) one feature at a time; then checked against the count the
/// file declares.
fn read_all(ds: &Dataset, layer: &mut gdal::vector::Layer, reader: &mut FeatureReader, declared: u64, opts: &ReadOptions, progress: &Progress) -> Result<()> {
    let (path, layer_name) = (reader.path, reader.layer_name);
    progress.set_length(declared);
    let arrow_error = |e: String| Error::input(path, format!("layer {layer_name}: {e}"));
    let mut read_as_arrow = None;
    if ds.driver().short_name() == GEOPACKAGE {
        if let Some(mut stream) = ArrowLayer::open(layer, reader.fields).map_err(arrow_error)? {
            reader.parcels.source.read_as = "arrow";
            read_as_arrow = Some(reader.add_batches(&mut stream, opts, progress).map_err(|e| e.or_else(arrow_error))?);
        }
    }
    let read = match read_as_arrow {
        Some(read) => read,
        None => reader.add_features(layer, opts, progress)?,
    };
    check_complete(path, layer_name, read, declared)
}

/// A feature's village code (ASCII digits, so no decoding is needed) and envelope.
fn candidate(f: &Feature, village_code: Option<usize>) -> Candidate {
    let code = village_code.and_then(|i| f.field_as_string(i).ok().flatten()).unwrap_or_default();
    let e = vector::feature_geometry(f).map(|g| g.envelope());
    Candidate {
        village_code: code.trim().to_string(),
        envelope: e.map(|e| [e.MinX, e.MinY, e.MaxX, e.MaxY]).unwrap_or([f64::NAN; 4]),
    }
}

/// Opens the source. Shapefiles are reopened without GDAL's recoding, so the DBF bytes
/// reach us intact and a missing or wrong .cpg cannot turn Chinese names into mojibake.
fn open_source(path: &Path) -> Result<(Dataset, bool)> {
    check_readable_file(path)?;
    vector::integrity::check_complete(path)?;
    let probe = gdal_util::open_vector(path, &[])?;
    if probe.driver().short_name() != SHAPEFILE {
        return Ok((probe, false));
    }
    drop(probe);
    Ok((gdal_util::open_vector(path, &["ENCODING="])?, true))
}

fn check_complete(path: &Path, layer_name: &str, read: u64, declared: u64) -> Result<()> {
    if read >= declared {
        return Ok(());
    }
    let shp = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    Err(Error::input(
        path,
        format!(
            "layer {layer_name}: only {read} of the {declared} features it declares could be read; the file is truncated or corrupt{}",
            if shp { " (check that the .shp, .shx and .dbf are complete and belong together)" } else { "" }
        ),
    ))
}

/// Turns features into parcels, one at a time.
struct FeatureReader<'a> {
    path: &'a PathBuf,
    layer_name: &'a str,
    fields: &'a [FieldSpec],
    map: &'a FieldIndex,
    decoder: Option<&'a TextDecoder>,
    transform: Option<&'a CoordTransform>,
    skip_non_polygons: bool,
    /// One text buffer per column, reused feature after feature.
    texts: Vec<String>,
    /// The feature number of each parcel read so far (for messages).
    feature_of: Vec<usize>,
    /// The ids of features skipped so far, with their numbers: still taken.
    skipped_ids: HashMap<String, usize>,
    parcels: Parcels,
}

/// What stops an Arrow stream being read: the stream's own error (its message), or
/// one of ours about a feature (or a cancelled run).
enum StreamError {
    Stream(String),
    Run(Error),
}

impl StreamError {
    /// The error, the stream's message made one by `stream`.
    fn or_else(self, stream: impl FnOnce(String) -> Error) -> Error {
        match self {
            StreamError::Stream(message) => stream(message),
            StreamError::Run(e) => e,
        }
    }
}

/// A feature's geometry as a source gives it.
enum Shape<'g> {
    Missing,
    Ogr(&'g Geometry),
    Wkb(&'g [u8]),
}

/// Progress is shown in steps: a bar update per feature costs more than reading some.
const PROGRESS_STEP: u64 = 1024;

impl FeatureReader<'_> {
    /// Every feature of the layer, one OGR feature at a time. Returns the count read.
    fn add_features(&mut self, layer: &mut gdal::vector::Layer, opts: &ReadOptions, progress: &Progress) -> Result<u64> {
        let mut read = 0u64;
        for (index, feature) in layer.features().enumerate() {
            opts.cancel.check()?;
            read += 1;
            if read.is_multiple_of(PROGRESS_STEP) {
                progress.inc(PROGRESS_STEP);
            }
            self.add(index, &feature)?;
        }
        progress.inc(read % PROGRESS_STEP);
        Ok(read)
    }

    /// Every feature of the layer's Arrow stream, batch by batch. Returns the count
    /// read; an error of the stream itself comes back as its message
    /// ([`StreamError::Stream`]), to be named by the caller.
    fn add_batches(&mut self, stream: &mut ArrowLayer, opts: &ReadOptions, progress: &Progress) -> std::result::Result<u64, StreamError> {
        let mut index = 0usize;
        while let Some(batch) = stream.next_batch().map_err(StreamError::Stream)? {
            opts.cancel.check().map_err(StreamError::Run)?;
            let geometry = batch.columns() - 1;
            for row in 0..batch.len() {
                let mut texts = std::mem::take(&mut self.texts);
                let values = self.cell_values(index, &batch, row, &mut texts);
                let shape = match batch.cell(geometry, row) {
                    Cell::Bytes(wkb) => Shape::Wkb(wkb),
                    _ => Shape::Missing,
                };
                let added = values.and_then(|values| self.add_with(index, &values, &texts, shape));
                self.texts = texts;
                added.map_err(StreamError::Run)?;
                index += 1;
            }
            progress.inc(batch.len() as u64);
        }
        Ok(index as u64)
    }

    fn add(&mut self, index: usize, feature: &Feature) -> Result<()> {
        let mut texts = std::mem::take(&mut self.texts);
        let added = self.read_values(index, feature, &mut texts).and_then(|values| {
            let shape = vector::feature_geometry(feature).map_or(Shape::Missing, Shape::Ogr);
            self.add_with(index, &values, &texts, shape)
        });
        self.texts = texts;
        added
    }

    fn add_with(&mut self, index: usize, values: &[Value], texts: &[String], shape: Shape) -> Result<()> {
        let attributes: Vec<AttrValue> = values
            .iter()
            .zip(texts.iter())
            .map(|(v, text)| match v {
                Value::Null => AttrValue::Null,
                Value::Int(x) => AttrValue::Int(*x),
                Value::Real(x) => AttrValue::Real(*x),
                Value::Text => AttrValue::Text(Cow::Borrowed(text.as_str())),
            })
            .collect();
        let text = |i: Option<usize>| -> Cow<str> {
            match i.map(|i| &attributes[i]) {
                Some(AttrValue::Text(s)) => Cow::Borrowed(s.trim()),
                Some(v) => Cow::Owned(v.as_text().trim().to_string()),
                None => Cow::Borrowed(""),
            }
        };
        let id = text(Some(self.map.id));
        let fail = |message: String| self.fail(index, &id, message);
        if id.is_empty() {
            return Err(fail(format!("empty parcel id ({})", self.fields[self.map.id].name)));
        }
        if let Some(first) = self.first_with_id(&id) {
            return Err(fail(format!("duplicate parcel id (also feature #{first})")));
        }
        let issues_before = self.parcels.issues.len();
        let geometry = match self.geometry(&id, shape) {
            Ok(Some(g)) => g,
            Ok(None) => {
                self.skipped_ids.insert(id.into_owned(), index);
                return Ok(());
            }
            Err(message) => return Err(self.fail(index, &id, message)),
        };
        let parcel = self.parcels.len();
        for issue in &mut self.parcels.issues[issues_before..] {
            issue.index = Some(parcel);
        }
        let number = |i: Option<usize>| i.and_then(|i| attributes[i].as_f64());
        let mapped = Mapped {
            id: &id,
            land_use: &text(Some(self.map.land_use)),
            land_use_name: &text(self.map.land_use_name),
            village_code: &text(self.map.village_code),
            village_name: &text(self.map.village_name),
            owner_code: &text(self.map.owner_code),
            terrace_type: &text(self.map.terrace_type),
            recorded_grade: number(self.map.recorded_grade)
                .filter(|g| (1.0..=5.0).contains(g))
                .map(|g| g as u8),
            official_area: number(self.map.official_area),
        };
        self.parcels.push(&attributes, &mapped, &geometry);
        self.feature_of.push(index);
        Ok(())
    }

    /// An error about feature `index`, named by its id when it has one.
    fn fail(&self, index: usize, id: &str, message: String) -> Error {
        let feature = match id.is_empty() {
            true => format!("#{index}"),
            false => format!("{} {id:?}", self.fields[self.map.id].name),
        };
        Error::feature(self.path, self.layer_name, feature, message)
    }

    /// The input position of an earlier feature with the id `id`, if there is one.
    fn first_with_id(&self, id: &str) -> Option<usize> {
        if let Some(&index) = self.skipped_ids.get(id) {
            return Some(index);
        }
        // Ids are unique so far: the parcel with this id is the one its code numbers.
        self.parcels.parcel_with_id(id).map(|p| self.feature_of[p])
    }

    /// Every column's value, text into `self.texts`.
    fn read_values(&self, index: usize, feature: &Feature, texts: &mut [String]) -> Result<Vec<Value>> {
        let (path, layer_name, decoder) = (self.path, self.layer_name, self.decoder);
        self.fields
            .iter()
            .zip(texts)
            .enumerate()
            .map(|(i, (spec, text))| {
                vector::read_attr_into(feature, i, spec.kind, decoder, text).map_err(|m| {
                    Error::feature(path, layer_name, format!("#{index}"), format!("field {}: {m}", spec.name))
                })
            })
            .collect()
    }

    /// Every column's value in row `row` of an Arrow batch, text into `texts`: the
    /// values [`Self::read_values`] reads from the same feature.
    fn cell_values(&self, index: usize, batch: &Batch, row: usize, texts: &mut [String]) -> Result<Vec<Value>> {
        let (path, layer_name) = (self.path, self.layer_name);
        self.fields
            .iter()
            .zip(texts)
            .enumerate()
            .map(|(i, (spec, text))| {
                text.clear();
                Ok(match batch.cell(i, row) {
                    Cell::Null => Value::Null,
                    Cell::Int(v) => Value::Int(v),
                    Cell::Real(v) => Value::Real(v),
                    Cell::Bytes(bytes) => vector::text_value(bytes, None, text).map_err(|m| {
                        Error::feature(path, layer_name, format!("#{index}"), format!("field {}: {m}", spec.name))
                    })?,
                })
            })
            .collect()
    }

    /// The parcel's polygons; None when a non-polygon is skipped (and reported).
    fn geometry(&mut self, id: &str, shape: Shape) -> std::result::Result<Option<MultiPolygon<f64>>, String> {
        let g = match shape {
            Shape::Wkb(wkb) => {
                // The common case, a simple polygon with nothing to reproject, straight
                // from the WKB (as prepare takes it from OGR's).
                if let Some(simple) = self.transform.is_none().then(|| geometry::simple_polygon_from_wkb(wkb)).flatten() {
                    return Ok(Some(simple));
                }
                let g = Geometry::from_wkb(wkb).map_err(|e| format!("cannot read its geometry: {e}"))?;
                return self.geometry(id, Shape::Ogr(&g));
            }
            Shape::Ogr(g) => Some(g),
            Shape::Missing => None,
        };
        let issues = &mut self.parcels.issues;
        match g {
            Some(g) if !geometry::is_polygonal(g) && self.skip_non_polygons => {
                let kind = gdal::vector::geometry_type_to_name(g.geometry_type());
                issues.push(GeometryIssue::new(
                    id,
                    format!("not a polygon ({kind})"),
                    "skipped (inputs.non_polygons = \"skip\")",
                ));
                Ok(None)
            }
            Some(g) => geometry::prepare(g, self.transform, id, issues).map(Some),
            None => {
                issues.push(GeometryIssue::new(id, "no geometry", "kept with zero area"));
                Ok(Some(MultiPolygon::new(vec![])))
            }
        }
    }
}
