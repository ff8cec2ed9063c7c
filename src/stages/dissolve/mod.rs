//! Dissolving parcels into one outline per village (the atlas pages and the village
//! map layer), villages side by side; the union itself is `vector::union`'s.

use std::collections::BTreeMap;

use geo::{BoundingRect, MultiPolygon, Polygon};
use rayon::prelude::*;

use super::zonal::ParcelSlope;

use crate::context::CancelToken;
use crate::error::{Error, Result};
use crate::parcels::Parcels;
use crate::progress::Progress;
use crate::vector::union;

/// Holes smaller than this (m²) are slivers between survey polygons that do not
/// quite meet, not holes in a village; they are dropped from its outline.
const SLIVER_HOLE_M2: f64 = 1.0;

/// One village's territory: the union of its parcels.
#[derive(Debug, Clone)]
pub struct VillageShape {
    pub village_code: String,
    pub geometry: MultiPolygon<f64>,
    /// The village's parcel area (sum of the parcels' areas, as every table counts it).
    pub land_m2: f64,
}

/// The outline of every village (by village code, in code order). `progress` counts the
/// parcels of the villages dissolved.
pub fn village_outlines(parcels: &Parcels, slope: &[ParcelSlope], progress: &Progress, cancel: &CancelToken) -> Result<Vec<VillageShape>> {
    progress.set_length(parcels.len() as u64);
    let mut by_code: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for i in 0..parcels.len() {
        by_code.entry(parcels.village_code(i)).or_default().push(i);
    }
    by_code
        .into_par_iter()
        .map(|(code, members)| {
            cancel.check()?;
            let geometry = union::dissolve(&parcels.gathered(&members))
                .map_err(|e| Error::input(&parcels.source.path, format!("village {code:?}: cannot dissolve its parcels: {e}")))?;
            progress.inc(members.len() as u64);
            Ok(VillageShape {
                village_code: code.to_string(),
                geometry: without_slivers(geometry),
                land_m2: members.iter().map(|&i| slope.get(i).map_or(0.0, |s| s.area_m2)).sum(),
            })
        })
        .collect()
}

/// The outline without the sliver holes between survey polygons.
fn without_slivers(g: MultiPolygon<f64>) -> MultiPolygon<f64> {
    use geo::Area;
    let polygons = g
        .into_iter()
        .map(|p| {
            let (exterior, holes) = p.into_inner();
            let holes = holes.into_iter().filter(|h| Polygon::new(h.clone(), vec![]).unsigned_area() >= SLIVER_HOLE_M2).collect();
            Polygon::new(exterior, holes)
        })
        .collect();
    MultiPolygon::new(polygons)
}

/// The bounding box of a set of outlines (xmin, ymin, xmax, ymax).
pub fn extent(shapes: &[VillageShape]) -> Option<[f64; 4]> {
    shapes
        .iter()
        .filter_map(|s| s.geometry.bounding_rect())
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
        .reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::union::rect;
    use geo::Area;

    fn square(x: f64, y: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![rect(x, y, x + 10.0, y + 10.0)])
    }

    #[test]
    fn a_grid_of_parcels_dissolves_into_one_square_with_its_hole() {
        // 5 × 5 parcels of 10 m, the middle one missing: one polygon of 2400 m² with a hole.
        let items = (0..25)
            .filter(|&k| k != 12)
            .map(|k| (format!("p{k}"), square((k % 5) as f64 * 10.0, (k / 5) as f64 * 10.0)));
        let parcels = Parcels::from_geometries(items);
        let outlines = village_outlines(&parcels, &[], &Progress::hidden(), &CancelToken::new()).unwrap();
        assert_eq!(outlines.len(), 1);
        let g = &outlines[0].geometry;
        assert_eq!(g.0.len(), 1, "one polygon");
        assert_eq!(g.0[0].interiors().len(), 1, "the missing parcel is a hole");
        assert!((g.unsigned_area() - 2400.0).abs() < 1e-6, "{}", g.unsigned_area());
    }
}
