//! The few GDAL helpers every stage shares: opening sources with clear errors, CRS
//! parsing and comparison, GDAL's messages routed into the log, and quiet checks.

use std::cell::RefCell;
use std::path::Path;

use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};

use crate::error::{Error, Result};

thread_local! {
    /// The last error GDAL reported on this thread (its own message, which the gdal
    /// crate's error value does not always carry).
    static LAST_FAILURE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Routes GDAL's messages into the log (warnings as warnings, errors at debug level:
/// landcons reports failures itself, with GDAL's last message as their cause).
pub fn route_messages_to_log() {
    gdal::config::set_error_handler(|class, number, message| match class {
        gdal::errors::CplErrType::Warning => tracing::warn!(gdal_error = number, "GDAL: {message}"),
        gdal::errors::CplErrType::Debug => tracing::debug!(gdal_error = number, "GDAL: {message}"),
        gdal::errors::CplErrType::None => {}
        _ => {
            LAST_FAILURE.with(|m| *m.borrow_mut() = message.to_string());
            tracing::debug!(gdal_error = number, "GDAL error: {message}")
        }
    });
}

/// GDAL's last error message on this thread (empty when none was recorded).
pub fn last_failure() -> String {
    LAST_FAILURE.with(|m| m.borrow().clone())
}

/// Forgets the last recorded error, before an operation whose failure is explained.
pub fn clear_last_failure() {
    LAST_FAILURE.with(|m| m.borrow_mut().clear());
}

/// Runs `f` with GDAL's messages silenced on this thread: validity checks explain each
/// problem as a warning, and landcons reports repairs itself.
pub fn quiet<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: push/pop are balanced on the same thread; the quiet handler is GDAL's own.
    unsafe { gdal_sys::CPLPushErrorHandler(Some(gdal_sys::CPLQuietErrorHandler)) };
    let out = f();
    // SAFETY: pops the handler pushed above, on the same thread.
    unsafe { gdal_sys::CPLPopErrorHandler() };
    out
}

/// A clear error for a path that is missing, a directory, or unreadable.
pub fn check_readable_file(path: &Path) -> Result<()> {
    if path.starts_with("/vsi") {
        return Ok(());
    }
    let meta = std::fs::metadata(path).map_err(|e| Error::input_from(path, "cannot read", e))?;
    let is_gdb = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gdb"));
    if meta.is_dir() && !is_gdb {
        return Err(Error::input(path, "is a directory, expected a file"));
    }
    std::fs::File::open(path).map_err(|e| Error::input_from(path, "cannot read", e))?;
    Ok(())
}

/// Opens a vector source read-only, with driver open options (e.g. `ENCODING=`).
pub fn open_vector(path: &Path, open_options: &[&str]) -> Result<Dataset> {
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
        open_options: (!open_options.is_empty()).then_some(open_options),
        ..Default::default()
    };
    Dataset::open_ex(path, options).map_err(|e| cannot_open(path, Kind::Vector, &e))
}

/// What a file is opened as, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Raster,
    Vector,
}

/// Why GDAL could not open `path` as `kind`: no driver recognises the file (it is not
/// such a file at all: a text file, the wrong file), or one does and fails (its header
/// cut short or corrupt), said with GDAL's own message from `error`.
pub fn cannot_open(path: &Path, kind: Kind, error: &gdal::errors::GdalError) -> Error {
    use std::os::unix::ffi::OsStrExt;
    let (flag, what) = match kind {
        Kind::Raster => (GdalOpenFlags::GDAL_OF_RASTER.bits(), "raster"),
        Kind::Vector => (GdalOpenFlags::GDAL_OF_VECTOR.bits(), "vector"),
    };
    let gdal_says = match error {
        gdal::errors::GdalError::NullPointer { msg, .. } => msg.trim().to_string(),
        other => other.to_string(),
    };
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return Error::input(path, format!("cannot open as a {what} file: {gdal_says}"));
    };
    // SAFETY: a valid C string; null lists mean any driver and no sibling-file list.
    let driver = quiet(|| unsafe { gdal_sys::GDALIdentifyDriverEx(c_path.as_ptr(), flag, std::ptr::null(), std::ptr::null()) });
    if driver.is_null() {
        return Error::input(path, format!("not a {what} file GDAL can read (no GDAL driver recognises its contents)"));
    }
    // SAFETY: the driver handle is GDAL's, valid for the process; the name is a C string it owns.
    let name = unsafe { std::ffi::CStr::from_ptr(gdal_sys::GDALGetDriverLongName(driver)) }.to_string_lossy().into_owned();
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let gdal_says = if gdal_says.is_empty() { String::new() } else { format!("; GDAL: {gdal_says}") };
    Error::input(path, format!("looks like a {name} file but GDAL cannot open it: it is cut short or corrupt ({size} bytes){gdal_says}"))
}

/// Which layers of a source may be read when no layer is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// Polygons (or a geometry type the layer does not fix): parcels, polygon zones.
    Polygons,
    /// Any geometry: control lines and points are buffered.
    Spatial,
}

/// A layer by name (a wrong name lists the layers). Without a name: the source's only
/// layer, or its only layer of `wanted` geometries (attribute tables and, for polygons,
/// point and line layers do not count). Several candidates are an error listing them and
/// naming `setting`: taking the first in silence read 5 of 2 872 parcels.
pub fn layer<'d>(ds: &'d Dataset, path: &Path, name: &str, wanted: Wanted, setting: &str) -> Result<gdal::vector::Layer<'d>> {
    use gdal::vector::LayerAccess;
    let name = name.trim();
    if !name.is_empty() {
        return ds.layer_by_name(name).map_err(|_| {
            let names: Vec<String> = ds.layers().map(|l| l.name()).collect();
            Error::input(path, format!("has no layer {name:?}; layers: {}", names.join(", ")))
        });
    }
    if ds.layer_count() <= 1 {
        return ds.layer(0).map_err(|_| Error::input(path, "has no layer"));
    }
    let candidates: Vec<usize> = (0..ds.layer_count()).filter(|&i| ds.layer(i).is_ok_and(|l| holds(&l, wanted))).collect();
    match candidates.as_slice() {
        [only] => ds.layer(*only).map_err(|e| Error::input_from(path, "cannot open its layer", e)),
        found => {
            let what = if wanted == Wanted::Polygons { "polygon layers" } else { "layers with geometries" };
            let listed: Vec<String> = ds.layers().map(|mut l| describe_layer(&mut l)).collect();
            let which = match found.len() {
                0 => format!("has no {what}"),
                n => format!("has {n} {what} and {setting} names none: set it to the layer to read"),
            };
            Err(Error::input(path, format!("{which}; layers: {}", listed.join(", "))))
        }
    }
}

/// Whether a layer's declared geometry is of the `wanted` kind.
fn holds(layer: &gdal::vector::Layer, wanted: Wanted) -> bool {
    use gdal::vector::{LayerAccess, OGRwkbGeometryType as T};
    let declared = layer.defn().geometry_type();
    // SAFETY: a pure function of the type code.
    let flat = unsafe { gdal_sys::OGR_GT_Flatten(declared) };
    match (flat, wanted) {
        (T::wkbNone, _) => false,
        (_, Wanted::Spatial) => true,
        (T::wkbUnknown | T::wkbGeometryCollection, Wanted::Polygons) => true,
        // SAFETY: as above.
        (t, Wanted::Polygons) => unsafe { gdal_sys::OGR_GT_IsSubClassOf(t, T::wkbSurface) != 0 || gdal_sys::OGR_GT_IsSubClassOf(t, T::wkbMultiSurface) != 0 },
    }
}

/// "NAME (geometry type, N features)", for lists of layers.
fn describe_layer(layer: &mut gdal::vector::Layer) -> String {
    use gdal::vector::LayerAccess;
    let kind = match layer.defn().geometry_type() {
        gdal::vector::OGRwkbGeometryType::wkbNone => "no geometry".to_string(),
        t => gdal::vector::geometry_type_to_name(t),
    };
    format!("{} ({kind}, {} features)", layer.name(), layer.feature_count())
}

/// Parses a CRS given as "EPSG:n", WKT or a PROJ string, with GIS (x=east, y=north)
/// axis order.
pub fn parse_crs(definition: &str) -> std::result::Result<SpatialRef, String> {
    let mut srs = SpatialRef::from_definition(definition)
        .map_err(|e| format!("cannot read CRS {definition:?}: {e}"))?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// A CRS from WKT with GIS axis order.
pub fn crs_from_wkt(wkt: &str) -> std::result::Result<SpatialRef, String> {
    let mut srs = SpatialRef::from_wkt(wkt).map_err(|e| format!("cannot read CRS: {e}"))?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// Whether two CRSs are the same (same WKT, or the same by OSR's comparison).
pub fn same_crs(a: &SpatialRef, b: &SpatialRef) -> bool {
    if a.to_wkt().ok() == b.to_wkt().ok() {
        return true;
    }
    // SAFETY: both handles are valid for the duration of the call.
    unsafe { gdal_sys::OSRIsSame(a.to_c_hsrs(), b.to_c_hsrs()) != 0 }
}

/// The PROJ library's version, as GDAL sees it (for the run manifest).
pub fn proj_version() -> String {
    let (mut major, mut minor, mut patch) = (0, 0, 0);
    // SAFETY: OSRGetPROJVersion only writes the three integers.
    unsafe { gdal_sys::OSRGetPROJVersion(&mut major, &mut minor, &mut patch) };
    format!("{major}.{minor}.{patch}")
}

/// GDAL's version, as the manifest records it.
pub fn gdal_version() -> String {
    gdal::version::VersionInfo::version_summary()
}
