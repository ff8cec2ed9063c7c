//! Unions of polygons.
//!
//! Adding polygons one at a time to a growing union costs O(n²) in vertices, and geo's
//! float overlay snaps each operation to its own grid, so edges two parcels share can
//! miss each other between separately built pieces (false holes, lost slivers). Parcels
//! that meet edge to edge are dissolved exactly by cancelling the edges they share
//! (`mosaic`); anything else by GEOS's cascaded union (through GDAL), which unions in an
//! STR-tree, neighbours first, with robust snapping, so the result does not depend on
//! the thread count.

use gdal::vector::{Geometry, ToGdal};
use geo::MultiPolygon;

mod mosaic;
pub use mosaic::{is_valid, union as mosaic_union};

/// The union of `parts`: by edge cancellation where they form a mosaic, else by GEOS.
pub fn dissolve(parts: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>, String> {
    match mosaic_union(parts) {
        Some(union) => Ok(union),
        None => union_all(parts),
    }
}

/// The union of every polygon of `parts` (which may overlap and touch), by GEOS.
pub fn union_all(parts: &MultiPolygon<f64>) -> std::result::Result<MultiPolygon<f64>, String> {
    if parts.0.is_empty() {
        return Ok(MultiPolygon::new(vec![]));
    }
    let input = parts.to_gdal().map_err(|e| e.to_string())?;
    // SAFETY: `input` is a valid owned geometry for the call; GDAL returns a new
    // geometry (or null) that we own. It is read through a non-owning wrapper, which
    // is dropped before the geometry is destroyed, exactly once, here.
    unsafe {
        let union = gdal_sys::OGR_G_UnionCascaded(input.c_geometry());
        if union.is_null() {
            return Err("GEOS could not union the polygons".into());
        }
        let view = Geometry::lazy_feature_geometry();
        view.set_c_geometry(union);
        let converted = view.to_geo().map_err(|e| e.to_string());
        drop(view);
        gdal_sys::OGR_G_DestroyGeometry(union);
        Ok(super::polygons_of(&converted?))
    }
}

/// An axis-aligned rectangle (counter-clockwise), for tests.
#[cfg(test)]
pub(crate) fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> geo::Polygon<f64> {
    use geo::polygon;
    polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    #[test]
    fn touching_and_overlapping_parts_become_one() {
        let parts = MultiPolygon::new(vec![rect(0.0, 0.0, 10.0, 10.0), rect(10.0, 0.0, 20.0, 10.0), rect(5.0, 5.0, 15.0, 15.0)]);
        let union = union_all(&parts).unwrap();
        assert_eq!(union.0.len(), 1);
        assert!((union.unsigned_area() - 250.0).abs() < 1e-9, "{}", union.unsigned_area());
        assert!(union_all(&MultiPolygon::new(vec![])).unwrap().0.is_empty());
    }
}
