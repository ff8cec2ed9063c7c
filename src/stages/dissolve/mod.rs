//! Dissolving parcels into one outline per village (the atlas pages and the village
//! map layer), villages side by side; the union itself is `vector::union`'s.
//!
//! A village is dissolved by edge cancellation in one go, also when its parcels lie
//! scattered over the county (飞地) and its pieces meet at single corners. When that
//! fails, piece by piece: its parcels connected through shared edges form one piece
//! each, and only a piece that is not a mosaic goes to GEOS — the cost stays
//! proportional to the village's edges.

use std::collections::{BTreeMap, HashMap};

use geo::{BoundingRect, Coord, MultiPolygon, Polygon};
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
            let Outline { geometry, by_geos } = outline(parcels, &members)
                .map_err(|e| Error::input(&parcels.source.path, format!("village {code:?}: cannot dissolve its parcels: {e}")))?;
            if by_geos > 0 {
                // The slow path: worth knowing when a village takes long.
                tracing::debug!(village = code, parcels = members.len(), by_geos, "village outline partly unioned by GEOS");
            }
            progress.inc(members.len() as u64);
            Ok(VillageShape {
                village_code: code.to_string(),
                geometry: without_slivers(geometry),
                land_m2: members.iter().map(|&i| slope.get(i).map_or(0.0, |s| s.area_m2)).sum(),
            })
        })
        .collect()
}

/// One village's parcels dissolved, and how many of them GEOS had to union.
#[derive(Debug, Clone)]
pub struct Outline {
    pub geometry: MultiPolygon<f64>,
    /// Parcels of pieces that were not a mosaic (unioned by GEOS), all of them when
    /// the pieces themselves overlap or touch along an edge.
    pub by_geos: usize,
}

/// The union of parcels `members`: by edge cancellation of them all, else each piece
/// (parcels connected through shared edges) by `union::dissolve`, the pieces side by side when together they form a valid
/// multipolygon — they then meet at most at points, so that is their union — else the
/// pieces' outlines unioned by GEOS. Polygons come in the order of their exterior's
/// first vertex, as the edge cancellation of the whole village gives them.
pub fn outline(parcels: &Parcels, members: &[usize]) -> std::result::Result<Outline, String> {
    let parts = parcels.gathered(members);
    if let Some(geometry) = union::mosaic_union(&parts) {
        // The whole village a mosaic, its pieces meeting at most at corners.
        return Ok(Outline { geometry, by_geos: 0 });
    }
    let pieces = pieces(parcels, members);
    if pieces.len() == 1 {
        // One piece, not a mosaic (edge cancellation just said so): GEOS.
        return union::union_all(&parts).map(|geometry| Outline { geometry, by_geos: members.len() });
    }
    let mut polygons = Vec::new();
    let mut by_geos = 0;
    for piece in &pieces {
        let union = piece_union(parcels, piece)?;
        by_geos += union.by_geos;
        polygons.extend(union.geometry.0);
    }
    polygons.sort_by_key(|p| p.exterior().0.first().map(|c| (c.x.to_bits(), c.y.to_bits())));
    let side_by_side = MultiPolygon::new(polygons);
    if union::is_valid(&side_by_side) {
        return Ok(Outline { geometry: side_by_side, by_geos });
    }
    // Pieces that overlap or share part of an edge (a T-junction): GEOS unions them.
    union::union_all(&side_by_side).map(|geometry| Outline { geometry, by_geos: members.len() })
}

/// The union of one piece: by edge cancellation, else by GEOS.
fn piece_union(parcels: &Parcels, piece: &[usize]) -> std::result::Result<Outline, String> {
    let parts = parcels.gathered(piece);
    match union::mosaic_union(&parts) {
        Some(geometry) => Ok(Outline { geometry, by_geos: 0 }),
        None => union::union_all(&parts).map(|geometry| Outline { geometry, by_geos: piece.len() }),
    }
}

/// `members` grouped into pieces: parcels sharing an edge (the same two vertices, in
/// either direction) are in one piece. Pieces come in the order of their first member.
fn pieces(parcels: &Parcels, members: &[usize]) -> Vec<Vec<usize>> {
    let shapes = parcels.shapes();
    let mut parent: Vec<usize> = (0..members.len()).collect();
    let mut owner: HashMap<(Vertex, Vertex), usize> = HashMap::new();
    for (k, &i) in members.iter().enumerate() {
        for ring in shapes.rings(i) {
            for w in ring.windows(2) {
                let (a, b) = (vertex(w[0]), vertex(w[1]));
                if a == b {
                    continue;
                }
                let edge = if a < b { (a, b) } else { (b, a) };
                match owner.get(&edge) {
                    Some(&j) => join(&mut parent, j, k),
                    None => {
                        owner.insert(edge, k);
                    }
                }
            }
        }
    }
    let mut index: HashMap<usize, usize> = HashMap::new();
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (k, &i) in members.iter().enumerate() {
        let root = find(&mut parent, k);
        let n = *index.entry(root).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        out[n].push(i);
    }
    out
}

/// A vertex by its coordinates' bits: a shared vertex is the same numbers.
type Vertex = (u64, u64);

fn vertex(c: Coord<f64>) -> Vertex {
    (c.x.to_bits(), c.y.to_bits())
}

fn find(parent: &mut [usize], mut k: usize) -> usize {
    while parent[k] != k {
        parent[k] = parent[parent[k]];
        k = parent[k];
    }
    k
}

fn join(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        parent[ra.max(rb)] = ra.min(rb);
    }
}

/// The outline without the sliver holes between survey polygons.
pub(crate) fn without_slivers(g: MultiPolygon<f64>) -> MultiPolygon<f64> {
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
