//! Reading vector sources: columns and attribute values (with the text encodings of
//! shapefiles), coordinate transforms, geometry preparation, and plain polygon layers.

pub mod arrow;
pub mod crs;
pub mod encoding;
pub mod geometry;
pub mod integrity;
pub mod simple;
pub mod union;

use std::borrow::Cow;
use std::path::Path;

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{Feature, LayerAccess, OGRFieldType};
use geo::MultiPolygon;

use crate::error::{Error, Result};
use crate::gdal_util::{self, check_readable_file, crs_from_wkt, parse_crs, same_crs};
use crate::table::{AttrValue, FieldKind, FieldSpec};
pub use encoding::TextDecoder;
pub use geometry::{polygons_of, GeometryIssue};

/// A feature's geometry; None when it has none. (The gdal crate's `Feature::geometry`
/// gives a geometry without a handle for a feature whose geometry is null, which
/// crashes GDAL as soon as it is used.)
pub fn feature_geometry<'f>(feature: &'f Feature) -> Option<&'f gdal::vector::Geometry> {
    // SAFETY: the handle is only compared with null.
    feature.geometry().filter(|g| !unsafe { g.c_geometry() }.is_null())
}

/// The columns of a layer, as it declares them.
pub fn field_specs(layer: &impl LayerAccess) -> Vec<FieldSpec> {
    layer
        .defn()
        .fields()
        .map(|f| FieldSpec {
            name: f.name(),
            kind: match f.field_type() {
                OGRFieldType::OFTInteger | OGRFieldType::OFTInteger64 => FieldKind::Int,
                OGRFieldType::OFTReal => FieldKind::Real,
                _ => FieldKind::Text,
            },
            width: f.width(),
            precision: f.precision(),
        })
        .collect()
}

/// Value `i` of a feature. Text comes as raw bytes decoded by `decoder` (shapefiles)
/// or as UTF-8 (other formats); trailing blanks (DBF padding) are trimmed.
pub fn read_attr(
    feature: &Feature,
    i: usize,
    kind: FieldKind,
    decoder: Option<&TextDecoder>,
) -> std::result::Result<AttrValue<'static>, String> {
    let mut text = String::new();
    Ok(match read_attr_into(feature, i, kind, decoder, &mut text)? {
        Value::Null => AttrValue::Null,
        Value::Int(v) => AttrValue::Int(v),
        Value::Real(v) => AttrValue::Real(v),
        Value::Text => AttrValue::Text(Cow::Owned(text)),
    })
}

/// A value read by [`read_attr_into`]; text is in the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text,
}

/// As [`read_attr`], text into `text` (cleared first): a reading loop reuses one buffer
/// per column instead of allocating every value.
pub fn read_attr_into(
    feature: &Feature,
    i: usize,
    kind: FieldKind,
    decoder: Option<&TextDecoder>,
    text: &mut String,
) -> std::result::Result<Value, String> {
    text.clear();
    // SAFETY: the handle stays owned by `feature` and is only used while it lives.
    let f = unsafe { feature.c_feature() };
    // SAFETY: the feature handle is valid while `feature` lives; i < field count.
    let is_set = unsafe { gdal_sys::OGR_F_IsFieldSetAndNotNull(f, i as i32) != 0 };
    if !is_set {
        return Ok(Value::Null);
    }
    Ok(match kind {
        // SAFETY: as above (OGR converts other field types as the gdal crate's accessors do).
        FieldKind::Int => Value::Int(unsafe { gdal_sys::OGR_F_GetFieldAsInteger64(f, i as i32) }),
        // SAFETY: as above.
        FieldKind::Real => Value::Real(unsafe { gdal_sys::OGR_F_GetFieldAsDouble(f, i as i32) }),
        FieldKind::Text => {
            // Raw bytes: the gdal crate's string accessor is lossy for non-UTF-8 text.
            // SAFETY: as above; GDAL returns a pointer it owns, valid until the next
            // call on this feature, and read at once.
            let bytes = unsafe {
                let p = gdal_sys::OGR_F_GetFieldAsString(f, i as i32);
                if p.is_null() {
                    return Ok(Value::Null);
                }
                std::ffi::CStr::from_ptr(p).to_bytes()
            };
            text_value(bytes, decoder, text)?
        }
    })
}

/// A text value from its bytes, into `text`: decoded by `decoder` (shapefiles) or read
/// as UTF-8 (other formats), trailing blanks (DBF padding) trimmed.
pub fn text_value(bytes: &[u8], decoder: Option<&TextDecoder>, text: &mut String) -> std::result::Result<Value, String> {
    match decoder {
        Some(d) => d.decode_into(bytes, text)?,
        None => text.push_str(std::str::from_utf8(bytes).map_err(|_| "text is not valid UTF-8".to_string())?),
    }
    text.truncate(text.trim_end().len());
    Ok(Value::Text)
}

/// The layer's CRS, or the one the user states for it (`setting` names that setting).
pub fn layer_crs(
    layer: &impl LayerAccess,
    path: &Path,
    crs_override: Option<&str>,
    setting: &str,
) -> Result<SpatialRef> {
    let mut srs = match crs_override {
        Some(def) => parse_crs(def).map_err(|m| Error::setting(setting, None, m))?,
        None => layer.spatial_ref().ok_or_else(|| {
            Error::input(
                path,
                format!("has no CRS (missing .prj?); set {setting} in the pipeline file (e.g. \"EPSG:4544\")"),
            )
        })?,
    };
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// The transform from `source` into the CRS `target_wkt` (None when they are the same
/// or no target is given).
pub fn transform_into(
    source: &SpatialRef,
    target_wkt: &str,
    path: &Path,
) -> Result<Option<CoordTransform>> {
    if target_wkt.is_empty() {
        return Ok(None);
    }
    let target = crs_from_wkt(target_wkt).map_err(|m| Error::input(path, format!("target CRS: {m}")))?;
    if same_crs(source, &target) {
        return Ok(None);
    }
    CoordTransform::new(source, &target)
        .map(Some)
        .map_err(|e| Error::input_from(path, "cannot transform its CRS into the working CRS", e))
}

/// One feature of a control-line layer: its geometry (any type, 2D, in the target CRS)
/// and the text of its class field, if one was asked for.
pub struct Feature2D {
    pub index: usize,
    pub geometry: gdal::vector::Geometry,
    pub class: Option<String>,
}

/// A layer of a source as a setting names it: `name` (empty: the one layer of `wanted`
/// geometries, see [`gdal_util::layer`]), `setting` naming that setting for messages.
pub struct LayerRef<'a> {
    pub path: &'a Path,
    pub name: &'a str,
    pub setting: &'a str,
    pub wanted: gdal_util::Wanted,
}

/// Every feature of a layer, transformed into `target_wkt`, with the text of
/// `class_field` (decoded as the parcels' text is: GBK shapefiles are common).
pub fn read_features(
    source: &LayerRef,
    crs_override: Option<&str>,
    crs_setting: &str,
    target_wkt: &str,
    class_field: Option<&str>,
) -> Result<Vec<Feature2D>> {
    let path = source.path;
    check_readable_file(path)?;
    integrity::check_complete(path)?;
    let is_shapefile = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    let ds = gdal_util::open_vector(path, if is_shapefile { &["ENCODING="] } else { &[] })?;
    let mut layer = gdal_util::layer(&ds, path, source.name, source.wanted, source.setting)?;
    let name = layer.name();
    let fields = field_specs(&layer);
    let class_index = match class_field {
        Some(f) => Some(fields.iter().position(|s| s.name.eq_ignore_ascii_case(f)).ok_or_else(|| {
            let all: Vec<&str> = fields.iter().map(|s| s.name.as_str()).collect();
            Error::input(path, format!("layer {name}: field {f:?} not found; fields: {}", all.join(", ")))
        })?),
        None => None,
    };
    let decoder = match is_shapefile {
        true => Some(TextDecoder::for_shapefile(path, "auto", None)?),
        false => None,
    };
    let source = layer_crs(&layer, path, crs_override, crs_setting)?;
    let transform = transform_into(&source, target_wkt, path)?;
    let mut out = Vec::new();
    for (index, f) in layer.features().enumerate() {
        let Some(g) = feature_geometry(&f) else { continue };
        let fail = |m: String| Error::feature(path, &name, format!("#{index}"), m);
        let mut g = g.clone();
        g.flatten_to_2d();
        if let Some(t) = &transform {
            g.transform_inplace(t).map_err(|e| fail(format!("cannot reproject: {e}")))?;
        }
        let class = match class_index {
            Some(i) => Some(read_attr(&f, i, fields[i].kind, decoder.as_ref()).map_err(fail)?.as_text()),
            None => None,
        };
        out.push(Feature2D { index, geometry: g, class });
    }
    Ok(out)
}

/// Polygons of any layer (zones such as an ecological red line), in the CRS
/// `target_wkt`. Non-polygon features are an error naming the feature.
pub fn read_polygons(
    source: &LayerRef,
    crs_override: Option<&str>,
    crs_setting: &str,
    target_wkt: &str,
) -> Result<Vec<MultiPolygon<f64>>> {
    let path = source.path;
    check_readable_file(path)?;
    integrity::check_complete(path)?;
    let ds = gdal_util::open_vector(path, &[])?;
    let mut layer = gdal_util::layer(&ds, path, source.name, gdal_util::Wanted::Polygons, source.setting)?;
    let name = layer.name();
    let source = layer_crs(&layer, path, crs_override, crs_setting)?;
    let transform = transform_into(&source, target_wkt, path)?;
    let mut out = Vec::new();
    let mut issues = Vec::new();
    for (i, f) in layer.features().enumerate() {
        let Some(g) = feature_geometry(&f) else { continue };
        let id = format!("#{i}");
        let mp = geometry::prepare(g, transform.as_ref(), &id, &mut issues)
            .map_err(|message| Error::feature(path, &name, id, message))?;
        out.push(mp);
    }
    Ok(out)
}
