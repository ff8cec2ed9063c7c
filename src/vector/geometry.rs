//! Geometry as read from a vector source: flattened to 2D, reprojected, closed,
//! repaired (GEOS MakeValid) and reported, never dropped silently.

use gdal::spatial_ref::CoordTransform;
use gdal::vector::Geometry;
use geo::{Area, Coord, LineString, MultiPolygon, Polygon};

use super::simple;

use crate::gdal_util::quiet;

/// A repaired or unusable geometry, reported by feature id.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GeometryIssue {
    pub id: String,
    pub problem: String,
    pub action: String,
    /// The parcel's index when it was kept (not for skipped features).
    #[serde(skip)]
    pub index: Option<usize>,
}

impl GeometryIssue {
    pub fn new(id: &str, problem: impl Into<String>, action: impl Into<String>) -> Self {
        GeometryIssue {
            id: id.to_string(),
            problem: problem.into(),
            action: action.into(),
            index: None,
        }
    }
}

/// Flattens to 2D, reprojects, repairs invalid polygons (reported), and converts to geo.
pub fn prepare(
    g: &Geometry,
    transform: Option<&CoordTransform>,
    id: &str,
    issues: &mut Vec<GeometryIssue>,
) -> Result<MultiPolygon<f64>, String> {
    // The common case, a 2D polygon of one simple ring with nothing to reproject, is
    // valid for GEOS too: taken as it is, without GEOS's check or a copy.
    if transform.is_none() {
        if let Some(simple) = simple_polygon(g) {
            return Ok(simple);
        }
    }
    let mut g = g.clone();
    g.flatten_to_2d();
    if let Some(t) = transform {
        g.transform_inplace(t)
            .map_err(|e| format!("cannot reproject: {e}"))?;
    }
    if quiet(|| g.is_valid()) {
        return to_polygons(&g);
    }
    // An unclosed ring is closed first (GEOS cannot even build it); that may be all
    // that was wrong.
    // SAFETY: the geometry is owned here; OGR_G_CloseRings edits it in place.
    unsafe { gdal_sys::OGR_G_CloseRings(g.c_geometry()) };
    if quiet(|| g.is_valid()) {
        issues.push(GeometryIssue::new(id, "unclosed ring", "closed"));
        return to_polygons(&g);
    }
    let reason = invalid_reason(&g);
    let fixed = repaired_polygons(&g)
        .map_err(|e| format!("invalid geometry ({reason}) that cannot be repaired: {e}"))?;
    let before = polygons_of(&g.to_geo().map_err(|e| e.to_string())?).unsigned_area();
    issues.push(GeometryIssue::new(
        id,
        reason,
        format!("repaired (area {before:.2} → {:.2})", fixed.unsigned_area()),
    ));
    Ok(fixed)
}

/// `g` as polygons when it is a 2D polygon (or a multipolygon of one polygon) of a
/// single ring that is simple (see [`simple::is_simple_ring`]); None for anything else.
/// The coordinates are read from OGR's ISO WKB, exactly as OGR holds them.
fn simple_polygon(g: &Geometry) -> Option<MultiPolygon<f64>> {
    // SAFETY: the geometry handle is valid while `g` lives; the buffer has the size OGR
    // says the WKB takes.
    let wkb = unsafe {
        let size = usize::try_from(gdal_sys::OGR_G_WkbSize(g.c_geometry())).ok()?;
        let mut wkb = vec![0u8; size];
        let err = gdal_sys::OGR_G_ExportToIsoWkb(g.c_geometry(), gdal_sys::OGRwkbByteOrder::wkbNDR, wkb.as_mut_ptr());
        (err == gdal_sys::OGRErr::OGRERR_NONE).then_some(wkb)?
    };
    simple_polygon_from_wkb(&wkb)
}

/// As [`simple_polygon`], from (little-endian) WKB; None for anything else.
pub fn simple_polygon_from_wkb(wkb: &[u8]) -> Option<MultiPolygon<f64>> {
    let mut r = WkbReader { wkb, at: 0 };
    let ring = match (r.u8()?, r.u32()?) {
        (1, 3) => r.single_ring()?,
        (1, 6) if r.u32()? == 1 && r.u8()? == 1 && r.u32()? == 3 => r.single_ring()?,
        _ => return None,
    };
    (r.at == wkb.len() && simple::is_simple_ring(&ring)).then(|| MultiPolygon::new(vec![Polygon::new(LineString(ring), vec![])]))
}

/// Little-endian WKB, read forwards.
struct WkbReader<'a> {
    wkb: &'a [u8],
    at: usize,
}

impl WkbReader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let bytes = self.wkb.get(self.at..self.at + N)?.try_into().ok()?;
        self.at += N;
        Some(bytes)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take::<1>()?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take()?))
    }

    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.take()?))
    }

    /// A polygon's body when it has exactly one ring: that ring's points.
    fn single_ring(&mut self) -> Option<Vec<Coord<f64>>> {
        if self.u32()? != 1 {
            return None;
        }
        let n = self.u32()? as usize;
        if self.wkb.len().saturating_sub(self.at) < n.checked_mul(16)? {
            return None;
        }
        (0..n).map(|_| Some(Coord { x: self.f64()?, y: self.f64()? })).collect()
    }
}

fn to_polygons(g: &Geometry) -> Result<MultiPolygon<f64>, String> {
    let geo = g.to_geo().map_err(|e| format!("unreadable geometry: {e}"))?;
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
    if g.area() == 0.0 {
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

/// A geo polygon made valid by GEOS when it is not (e.g. a union touching itself at a
/// vertex); returned unchanged when valid or when the repair fails.
pub fn make_valid(g: MultiPolygon<f64>) -> MultiPolygon<f64> {
    use gdal::vector::ToGdal;
    // One polygon of one simple ring is valid: no need to ask GEOS.
    if let [p] = g.0.as_slice() {
        if p.interiors().is_empty() && simple::is_simple_ring(&p.exterior().0) {
            return g;
        }
    }
    let Ok(gg) = g.to_gdal() else { return g };
    if quiet(|| gg.is_valid()) {
        return g;
    }
    repaired_polygons(&gg).unwrap_or(g)
}

/// Polygon, MultiPolygon (2D or not), or a collection holding polygons.
pub fn is_polygonal(g: &Geometry) -> bool {
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

/// The polygons of a geometry (polygon parts of collections are kept, others dropped).
pub fn polygons_of(g: &geo::Geometry<f64>) -> MultiPolygon<f64> {
    fn walk(g: &geo::Geometry<f64>, out: &mut Vec<Polygon<f64>>) {
        match g {
            geo::Geometry::Polygon(p) => out.push(p.clone()),
            geo::Geometry::MultiPolygon(mp) => out.extend(mp.0.iter().cloned()),
            geo::Geometry::GeometryCollection(gc) => gc.0.iter().for_each(|g| walk(g, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(g, &mut out);
    MultiPolygon::new(out)
}
