//! Parcel reading: any polygon layer GDAL reads, attribute encodings (GBK shapefiles),
//! the field map, reprojection to the DEM's CRS, and geometry repair.

mod encoding;

use std::path::{Path, PathBuf};

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{Geometry, LayerAccess, OGRFieldType};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo::{Area, BoundingRect, MultiPolygon, Polygon};

use crate::config::{FieldMap, Inputs};
use crate::error::{Error, Result};
use crate::raster;
pub use encoding::{decode_cpg, TextDecoder};

/// One attribute value, as read (text already decoded to UTF-8).
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl AttrValue {
    pub fn as_text(&self) -> String {
        match self {
            AttrValue::Null => String::new(),
            AttrValue::Int(v) => v.to_string(),
            AttrValue::Real(v) => v.to_string(),
            AttrValue::Text(s) => s.clone(),
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Int(v) => Some(*v as f64),
            AttrValue::Real(v) => Some(*v),
            AttrValue::Text(s) => s.trim().parse().ok(),
            AttrValue::Null => None,
        }
    }
}

/// The kind of an attribute column, kept so outputs can recreate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Int,
    Real,
    Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub name: String,
    pub kind: FieldKind,
    pub width: i32,
    pub precision: i32,
}

/// One survey parcel (图斑) in the DEM's CRS, with its mapped and original attributes.
#[derive(Debug, Clone)]
pub struct Parcel {
    /// Position in the input layer (0-based); outputs keep this order.
    pub index: usize,
    pub id: String,
    pub land_use: String,
    pub village_code: String,
    pub village_name: String,
    pub owner_code: String,
    pub terrace_type: String,
    /// The grade recorded in the survey (GDPDJB), when present and readable as 1–5.
    pub recorded_grade: Option<u8>,
    pub official_area: Option<f64>,
    pub geometry: MultiPolygon<f64>,
    /// All original attributes, in the order of [`ParcelLayer::fields`].
    pub attributes: Vec<AttrValue>,
}

impl Parcel {
    /// A parcel with only an id and a geometry (other attributes empty).
    pub fn new(index: usize, id: impl Into<String>, geometry: MultiPolygon<f64>) -> Parcel {
        Parcel {
            index,
            id: id.into(),
            land_use: String::new(),
            village_code: String::new(),
            village_name: String::new(),
            owner_code: String::new(),
            terrace_type: String::new(),
            recorded_grade: None,
            official_area: None,
            geometry,
            attributes: Vec::new(),
        }
    }
}

/// A repaired or unusable geometry, reported by parcel id.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GeometryIssue {
    pub id: String,
    pub problem: String,
    pub action: String,
}

/// A parcel layer as plain data.
#[derive(Debug, Clone)]
pub struct ParcelLayer {
    pub path: PathBuf,
    pub layer_name: String,
    /// Encoding the attributes were decoded from ("UTF-8", "GBK", ...).
    pub encoding: String,
    pub fields: Vec<FieldSpec>,
    pub parcels: Vec<Parcel>,
    pub issues: Vec<GeometryIssue>,
    /// Whether the parcels were reprojected into the DEM's CRS.
    pub reprojected: bool,
}

impl ParcelLayer {
    /// Bounding box of all parcels (min x, min y, max x, max y).
    pub fn extent(&self) -> Option<[f64; 4]> {
        let mut e: Option<[f64; 4]> = None;
        for p in &self.parcels {
            if let Some(r) = p.geometry.bounding_rect() {
                let b = [r.min().x, r.min().y, r.max().x, r.max().y];
                e = Some(match e {
                    None => b,
                    Some(a) => [
                        a[0].min(b[0]),
                        a[1].min(b[1]),
                        a[2].max(b[2]),
                        a[3].max(b[3]),
                    ],
                });
            }
        }
        e
    }
}

/// Where the parcels are and how to read them.
pub struct ReadOptions<'a> {
    pub inputs: &'a Inputs,
    pub fields: &'a FieldMap,
    /// CRS (WKT) to bring the parcels into; empty = keep the layer's.
    pub target_crs_wkt: &'a str,
}

const SHAPEFILE: &str = "ESRI Shapefile";

/// Reads the parcel layer named in `inputs`.
pub fn read_parcels(opts: &ReadOptions) -> Result<ParcelLayer> {
    let path = &opts.inputs.parcels;
    raster::check_readable_file(path)?;
    let probe = open_vector(path, &[])?;
    let is_shapefile = probe.driver().short_name() == SHAPEFILE;
    // Shapefiles are reopened without GDAL's recoding, so the DBF bytes reach us intact
    // and a missing or wrong .cpg cannot turn Chinese names into mojibake.
    let ds = if is_shapefile {
        drop(probe);
        open_vector(path, &["ENCODING="])?
    } else {
        probe
    };
    let layer_names: Vec<String> = ds.layers().map(|l| l.name()).collect();
    let wanted = opts.inputs.parcels_layer.trim();
    let mut layer = if wanted.is_empty() {
        ds.layer(0)
            .map_err(|_| Error::input(path, "has no layer"))?
    } else {
        ds.layer_by_name(wanted).map_err(|_| {
            Error::input(
                path,
                format!(
                    "has no layer {wanted:?}; layers: {}",
                    layer_names.join(", ")
                ),
            )
        })?
    };
    let layer_name = layer.name();
    // The count the file declares (shapefile header, GeoPackage table), to catch a
    // truncated file whose reading stops early without an error.
    let declared = layer.feature_count();
    if declared == 0 {
        return Err(Error::input(
            path,
            format!("layer {layer_name} has no features"),
        ));
    }

    let fields: Vec<FieldSpec> = layer
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
        .collect();
    let field_index = |key: &str, name: &str, required: bool| -> Result<Option<usize>> {
        if let Some(i) = fields
            .iter()
            .position(|f| f.name.eq_ignore_ascii_case(name))
        {
            return Ok(Some(i));
        }
        if !required || name.is_empty() {
            return Ok(None);
        }
        let hint = crate::config::suggest(name, fields.iter().map(|f| f.name.as_str()))
            .map(|s| format!("; did you mean {s:?}?"))
            .unwrap_or_default();
        let all: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        Err(Error::input(
            path,
            format!(
                "layer {layer_name}: field {name:?} (fields.{key}) not found{hint}; fields: {}",
                all.join(", ")
            ),
        ))
    };
    let fm = opts.fields;
    let i_id = field_index("id", &fm.id, true)?;
    let i_land_use = field_index("land_use", &fm.land_use, true)?;
    let i_village_code = field_index("village_code", &fm.village_code, false)?;
    let i_village_name = field_index("village_name", &fm.village_name, false)?;
    let i_owner = field_index("owner_code", &fm.owner_code, false)?;
    let i_terrace = field_index("terrace_type", &fm.terrace_type, false)?;
    let i_grade = field_index("recorded_grade", &fm.recorded_grade, false)?;
    let i_area = field_index("official_area", &fm.official_area, false)?;

    let decoder = if is_shapefile {
        Some(TextDecoder::for_shapefile(
            path,
            &opts.inputs.parcels_encoding,
        )?)
    } else {
        None
    };

    let skip_non_polygons = opts.inputs.non_polygons == crate::config::NonPolygons::Skip;
    let transform = coordinate_transform(
        &layer,
        path,
        opts.inputs.parcels_crs.as_deref(),
        "inputs.parcels_crs",
        opts.target_crs_wkt,
    )?;
    let reprojected = transform.is_some();

    let mut parcels = Vec::new();
    let mut issues = Vec::new();
    let mut seen_ids = std::collections::HashMap::new();
    let mut features_read = 0u64;
    for (index, feature) in layer.features().enumerate() {
        crate::pipeline::check_interrupted()?;
        features_read += 1;
        let mut attributes = Vec::with_capacity(fields.len());
        for (i, spec) in fields.iter().enumerate() {
            attributes.push(read_attr(&feature, i, spec, decoder.as_ref()).map_err(|m| {
                Error::Feature {
                    path: path.clone(),
                    layer: layer_name.clone(),
                    feature: format!("#{index}"),
                    message: format!("field {}: {m}", spec.name),
                }
            })?);
        }
        let text = |i: Option<usize>| {
            i.map(|i| attributes[i].as_text().trim().to_string())
                .unwrap_or_default()
        };
        let id = text(i_id);
        let feature_err = |message: String| Error::Feature {
            path: path.clone(),
            layer: layer_name.clone(),
            feature: if id.is_empty() {
                format!("#{index}")
            } else {
                format!("{} {id:?}", fm.id)
            },
            message,
        };
        if id.is_empty() {
            return Err(feature_err(format!("empty parcel id ({})", fm.id)));
        }
        if let Some(first) = seen_ids.insert(id.clone(), index) {
            return Err(feature_err(format!(
                "duplicate parcel id (also feature #{first})"
            )));
        }
        let geometry = match feature.geometry() {
            Some(g) if !is_polygonal(g) && skip_non_polygons => {
                issues.push(GeometryIssue {
                    id: id.clone(),
                    problem: format!(
                        "not a polygon ({})",
                        gdal::vector::geometry_type_to_name(g.geometry_type())
                    ),
                    action: "skipped (inputs.non_polygons = \"skip\")".into(),
                });
                continue;
            }
            Some(g) => {
                prepare_geometry(g, transform.as_ref(), &id, &mut issues).map_err(feature_err)?
            }
            None => {
                issues.push(GeometryIssue {
                    id: id.clone(),
                    problem: "no geometry".into(),
                    action: "kept with zero area".into(),
                });
                MultiPolygon::new(vec![])
            }
        };
        parcels.push(Parcel {
            index: parcels.len(),
            land_use: text(i_land_use),
            village_code: text(i_village_code),
            village_name: text(i_village_name),
            owner_code: text(i_owner),
            terrace_type: text(i_terrace),
            recorded_grade: i_grade
                .and_then(|i| attributes[i].as_f64())
                .filter(|g| (1.0..=5.0).contains(g))
                .map(|g| g as u8),
            official_area: i_area.and_then(|i| attributes[i].as_f64()),
            id,
            geometry,
            attributes,
        });
    }
    if features_read < declared {
        return Err(Error::input(
            path,
            format!(
                "layer {layer_name}: only {features_read} of the {declared} features it declares could be read; the file is truncated or corrupt{}",
                if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp")) {
                    " (check that the .shp, .shx and .dbf are complete and belong together)"
                } else {
                    ""
                }
            ),
        ));
    }
    if parcels.is_empty() {
        return Err(Error::input(
            path,
            format!("layer {layer_name} has no features"),
        ));
    }
    Ok(ParcelLayer {
        path: path.clone(),
        layer_name,
        encoding: decoder
            .map(|d| d.name().to_string())
            .unwrap_or_else(|| "UTF-8".into()),
        fields,
        parcels,
        issues,
        reprojected,
    })
}

/// Polygons of any layer (zones such as an ecological red line), in the target CRS.
/// Non-polygon features are an error naming the feature.
pub fn read_polygons(
    path: &Path,
    layer_name: &str,
    crs_override: Option<&str>,
    crs_setting: &str,
    target_crs_wkt: &str,
) -> Result<Vec<MultiPolygon<f64>>> {
    raster::check_readable_file(path)?;
    let ds = open_vector(path, &[])?;
    let mut layer = if layer_name.is_empty() {
        ds.layer(0)
            .map_err(|_| Error::input(path, "has no layer"))?
    } else {
        let names: Vec<String> = ds.layers().map(|l| l.name()).collect();
        ds.layer_by_name(layer_name).map_err(|_| {
            Error::input(
                path,
                format!("has no layer {layer_name:?}; layers: {}", names.join(", ")),
            )
        })?
    };
    let name = layer.name();
    let transform = coordinate_transform(&layer, path, crs_override, crs_setting, target_crs_wkt)?;
    let mut out = Vec::new();
    let mut issues = Vec::new();
    for (i, f) in layer.features().enumerate() {
        let Some(g) = f.geometry() else { continue };
        let mp = prepare_geometry(g, transform.as_ref(), &format!("#{i}"), &mut issues).map_err(
            |message| Error::Feature {
                path: path.to_path_buf(),
                layer: name.clone(),
                feature: format!("#{i}"),
                message,
            },
        )?;
        out.push(mp);
    }
    Ok(out)
}

fn open_vector(path: &Path, open_options: &[&str]) -> Result<Dataset> {
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
        open_options: if open_options.is_empty() {
            None
        } else {
            Some(open_options)
        },
        ..Default::default()
    };
    Dataset::open_ex(path, options)
        .map_err(|e| Error::input(path, format!("cannot open as a vector layer: {e}")))
}

fn coordinate_transform<L: LayerAccess>(
    layer: &L,
    path: &Path,
    crs_override: Option<&str>,
    crs_setting: &str,
    target_crs_wkt: &str,
) -> Result<Option<CoordTransform>> {
    if target_crs_wkt.is_empty() {
        return Ok(None);
    }
    let mut source = match crs_override {
        Some(def) => raster::parse_crs(def).map_err(|m| Error::Config(format!("{crs_setting}: {m}")))?,
        None => layer.spatial_ref().ok_or_else(|| {
            Error::input(path, format!("has no CRS (missing .prj?); set {crs_setting} in the pipeline file (e.g. \"EPSG:4544\")"))
        })?,
    };
    source.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let mut target = SpatialRef::from_wkt(target_crs_wkt)
        .map_err(|e| Error::input(path, format!("DEM CRS: {e}")))?;
    target.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    if source.to_wkt().ok() == target.to_wkt().ok() || is_same_crs(&source, &target) {
        return Ok(None);
    }
    CoordTransform::new(&source, &target)
        .map(Some)
        .map_err(|e| {
            Error::input(
                path,
                format!("cannot transform its CRS into the DEM's: {e}"),
            )
        })
}

fn is_same_crs(a: &SpatialRef, b: &SpatialRef) -> bool {
    // SAFETY: both handles are valid for the call.
    unsafe { gdal_sys::OSRIsSame(a.to_c_hsrs(), b.to_c_hsrs()) != 0 }
}

fn read_attr(
    feature: &gdal::vector::Feature,
    i: usize,
    spec: &FieldSpec,
    decoder: Option<&TextDecoder>,
) -> std::result::Result<AttrValue, String> {
    // SAFETY: the feature handle is valid while `feature` lives; i < field count.
    let is_set =
        unsafe { gdal_sys::OGR_F_IsFieldSetAndNotNull(feature.c_feature(), i as i32) != 0 };
    if !is_set {
        return Ok(AttrValue::Null);
    }
    Ok(match spec.kind {
        FieldKind::Int => AttrValue::Int(
            feature
                .field_as_integer64(i)
                .ok()
                .flatten()
                .unwrap_or_default(),
        ),
        FieldKind::Real => AttrValue::Real(
            feature
                .field_as_double(i)
                .ok()
                .flatten()
                .unwrap_or_default(),
        ),
        FieldKind::Text => {
            // Raw bytes: the gdal crate's string accessor is lossy for non-UTF-8 text.
            let bytes = unsafe {
                let p = gdal_sys::OGR_F_GetFieldAsString(feature.c_feature(), i as i32);
                if p.is_null() {
                    return Ok(AttrValue::Null);
                }
                std::ffi::CStr::from_ptr(p).to_bytes().to_vec()
            };
            let text = match decoder {
                Some(d) => d.decode(&bytes)?,
                None => {
                    String::from_utf8(bytes).map_err(|_| "text is not valid UTF-8".to_string())?
                }
            };
            AttrValue::Text(text.trim_end().to_string())
        }
    })
}

/// Flattens to 2D, reprojects, repairs invalid polygons (reported), and converts to geo.
fn prepare_geometry(
    g: &Geometry,
    transform: Option<&CoordTransform>,
    id: &str,
    issues: &mut Vec<GeometryIssue>,
) -> std::result::Result<MultiPolygon<f64>, String> {
    let mut g = g.clone();
    g.flatten_to_2d();
    if let Some(t) = transform {
        g.transform_inplace(t)
            .map_err(|e| format!("cannot reproject: {e}"))?;
    }
    if !quiet_gdal(|| g.is_valid()) {
        // An unclosed ring is closed first (GEOS cannot even build it); that may be all
        // that was wrong.
        // SAFETY: the geometry is owned here; OGR_G_CloseRings edits it in place.
        unsafe { gdal_sys::OGR_G_CloseRings(g.c_geometry()) };
        if quiet_gdal(|| g.is_valid()) {
            issues.push(GeometryIssue {
                id: id.to_string(),
                problem: "unclosed ring".into(),
                action: "closed".into(),
            });
            return geometry_to_polygons(&g);
        }
        let reason = invalid_reason(&g);
        let fixed_mp = repaired_polygons(&g)
            .map_err(|e| format!("invalid geometry ({reason}) that cannot be repaired: {e}"))?;
        issues.push(GeometryIssue {
            id: id.to_string(),
            problem: reason,
            action: format!(
                "repaired (area {:.2} → {:.2})",
                polygons_of(&g.to_geo().map_err(|e| e.to_string())?).unsigned_area(),
                fixed_mp.unsigned_area()
            ),
        });
        return Ok(fixed_mp);
    }
    geometry_to_polygons(&g)
}

fn geometry_to_polygons(g: &Geometry) -> std::result::Result<MultiPolygon<f64>, String> {
    let geo = g
        .to_geo()
        .map_err(|e| format!("unreadable geometry: {e}"))?;
    let mp = polygons_of(&geo);
    if mp.0.is_empty() {
        return Err(format!(
            "geometry is not a polygon ({})",
            gdal::vector::geometry_type_to_name(g.geometry_type())
        ));
    }
    Ok(mp)
}

fn invalid_reason(g: &Geometry) -> String {
    // GEOS explains why through the error handler; keep the message short and stable.
    let area = g.area();
    if area == 0.0 {
        "zero area".into()
    } else {
        "self-intersection or bad ring".into()
    }
}

/// The polygons of GEOS's MakeValid repair of `g` (lines and points it leaves are dropped).
pub fn repaired_polygons(g: &Geometry) -> gdal::errors::Result<MultiPolygon<f64>> {
    let fixed = g.make_valid(&gdal::cpl::CslStringList::new())?;
    Ok(polygons_of(&fixed.to_geo()?))
}

/// Polygon, MultiPolygon (2D or not), or a collection holding polygons.
fn is_polygonal(g: &Geometry) -> bool {
    use gdal::vector::OGRwkbGeometryType as T;
    let t = gdal::vector::geometry_type_flatten(g.geometry_type());
    if t == T::wkbPolygon || t == T::wkbMultiPolygon {
        true
    } else if t == T::wkbGeometryCollection {
        (0..g.geometry_count()).any(|i| is_polygonal(&g.get_geometry(i)))
    } else {
        false
    }
}

/// Runs `f` with GDAL's messages silenced on this thread: validity checks explain each
/// problem as a warning, and landcons reports repairs itself.
pub fn quiet_gdal<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: push/pop are balanced on the same thread; the quiet handler is GDAL's own.
    unsafe { gdal_sys::CPLPushErrorHandler(Some(gdal_sys::CPLQuietErrorHandler)) };
    let out = f();
    unsafe { gdal_sys::CPLPopErrorHandler() };
    out
}

/// The polygons of a geometry (polygon parts of collections are kept, others dropped).
pub fn polygons_of(g: &geo::Geometry<f64>) -> MultiPolygon<f64> {
    let mut out: Vec<Polygon<f64>> = Vec::new();
    fn walk(g: &geo::Geometry<f64>, out: &mut Vec<Polygon<f64>>) {
        match g {
            geo::Geometry::Polygon(p) => out.push(p.clone()),
            geo::Geometry::MultiPolygon(mp) => out.extend(mp.0.iter().cloned()),
            geo::Geometry::GeometryCollection(gc) => gc.0.iter().for_each(|g| walk(g, out)),
            _ => {}
        }
    }
    walk(g, &mut out);
    MultiPolygon::new(out)
}
