//! The union of a mosaic by edge cancellation.
//!
//! Survey parcels meet edge to edge: two neighbours share every vertex of their common
//! boundary, which each walks in the other direction (exteriors counter-clockwise, holes
//! clockwise). Cancelling every edge whose reverse is also there leaves exactly the
//! outline of the union, which is then followed ring by ring (`walk`, also through
//! vertices where the outline touches itself) — linear in the vertices, where a general
//! overlay intersects every edge. Anything that is not such a mosaic (an edge twice,
//! overlapping parts, a T-junction, a sliver ring, an island in a hole, a result that
//! is not valid) gives None, and the caller takes the general union.

use hashbrown::HashSet;

mod nest;
mod walk;

use geo::{Coord, MultiPolygon};
use gdal::vector::ToGdal;

use crate::vector::simple;

/// A vertex by its coordinates' bits: shared vertices are the same numbers.
type Vertex = (u64, u64);


/// The union of `parts` if they form a mosaic, else None.
pub fn union(parts: &MultiPolygon<f64>) -> Option<MultiPolygon<f64>> {
    let edges = directed_edges(parts)?;
    let rings = walk::rings(outline_edges(&edges))?;
    let union = MultiPolygon::new(nest::polygons(rings)?);
    valid_as_built(&union).then_some(union)
}

/// One polygon with one simple ring is valid as it stands (most merged fields); other
/// shapes are checked by GEOS.
pub fn is_valid(union: &MultiPolygon<f64>) -> bool {
    match union.0.as_slice() {
        [p] if p.interiors().is_empty() => simple::is_simple_ring(&p.exterior().0),
        _ => union.to_gdal().is_ok_and(|g| g.is_valid()),
    }
}

/// Whether the rings `nest` placed make a valid multipolygon: each ring simple, and two
/// rings meeting only at vertices both have. With each hole in an outline and each
/// outline in no other outline's interior (`nest`), and every ring the boundary of one sector-connected
/// face (`walk`), that is OGC validity, without GEOS's general check.
fn valid_as_built(union: &MultiPolygon<f64>) -> bool {
    let rings: Vec<&[Coord<f64>]> = union.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())).map(|r| r.0.as_slice()).collect();
    match rings.as_slice() {
        [one] => simple::is_simple_ring(one),
        _ => simple::rings_simple_and_touching_at_points(&rings),
    }
}

fn vertex(c: Coord<f64>) -> Vertex {
    (c.x.to_bits(), c.y.to_bits())
}

fn coord(v: Vertex) -> Coord<f64> {
    Coord { x: f64::from_bits(v.0), y: f64::from_bits(v.1) }
}

/// Every edge of every ring, oriented (exteriors counter-clockwise, holes clockwise);
/// None when an edge comes twice (overlapping or duplicated parts).
fn directed_edges(parts: &MultiPolygon<f64>) -> Option<HashSet<(Vertex, Vertex)>> {
    let mut edges = HashSet::with_capacity(parts.0.iter().map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()).sum());
    for polygon in &parts.0 {
        let rings = std::iter::once((polygon.exterior(), true)).chain(polygon.interiors().iter().map(|r| (r, false)));
        for (ring, exterior) in rings {
            let forward = (twice_signed_area(&ring.0) > 0.0) == exterior;
            for w in ring.0.windows(2).filter(|w| w[0] != w[1]) {
                let (a, b) = if forward { (w[0], w[1]) } else { (w[1], w[0]) };
                if !edges.insert((vertex(a), vertex(b))) {
                    return None;
                }
            }
        }
    }
    Some(edges)
}

/// Twice the signed area of a closed ring (> 0 counter-clockwise), by the shoelace sum
/// taken from its first vertex (projected coordinates are large; their differences not).
fn twice_signed_area(ring: &[Coord<f64>]) -> f64 {
    let Some(&o) = ring.first() else { return 0.0 };
    ring.windows(2).map(|w| (w[0].x - o.x) * (w[1].y - o.y) - (w[1].x - o.x) * (w[0].y - o.y)).sum()
}

/// The edges whose reverse is not there: the outline of the union.
fn outline_edges(edges: &HashSet<(Vertex, Vertex)>) -> Vec<(Vertex, Vertex)> {
    edges.iter().filter(|&&(a, b)| !edges.contains(&(b, a))).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::union::rect;
    use geo::{Area, Polygon};

    fn union_of(parts: Vec<Polygon<f64>>) -> Option<MultiPolygon<f64>> {
        union(&MultiPolygon::new(parts))
    }

    #[test]
    fn a_grid_with_a_missing_cell_gives_the_general_unions_outline_and_hole() {
        let cells: Vec<_> = (0..25)
            .filter(|&k| k != 12)
            .map(|k| rect((k % 5) as f64 * 10.0, (k / 5) as f64 * 10.0, (k % 5) as f64 * 10.0 + 10.0, (k / 5) as f64 * 10.0 + 10.0))
            .collect();
        let general = crate::vector::union::union_all(&MultiPolygon::new(cells.clone())).unwrap();
        let mosaic = union_of(cells).expect("a clean mosaic");
        assert_eq!((mosaic.0.len(), mosaic.0[0].interiors().len()), (1, 1));
        assert!((mosaic.unsigned_area() - 2400.0).abs() < 1e-9);
        let (m, g) = (mosaic.to_gdal().unwrap(), general.to_gdal().unwrap());
        let xor = m.difference(&g).unwrap().area() + g.difference(&m).unwrap().area();
        assert!(xor < 1e-9, "differs from GEOS by {xor} m²");
    }

    #[test]
    fn parts_apart_stay_apart_and_any_orientation_is_accepted() {
        let mut left = rect(0.0, 0.0, 10.0, 10.0);
        left.exterior_mut(|r| r.0.reverse());
        let union = union_of(vec![left, rect(20.0, 0.0, 30.0, 10.0)]).expect("two outlines");
        assert_eq!(union.0.len(), 2);
        assert!((union.unsigned_area() - 200.0).abs() < 1e-9);
    }

    /// |a xor b| by GEOS, and whether GEOS finds `a` valid.
    fn xor_and_valid(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> (f64, bool) {
        let (m, g) = (a.to_gdal().unwrap(), b.to_gdal().unwrap());
        (m.difference(&g).unwrap().area() + g.difference(&m).unwrap().area(), m.is_valid())
    }

    #[test]
    fn parts_meeting_at_corners_become_polygons_touching_there() {
        let union = union_of(vec![rect(0.0, 0.0, 10.0, 10.0), rect(10.0, 10.0, 20.0, 20.0)]).expect("two squares at a corner");
        assert_eq!(union.0.len(), 2);
        // A C of cells closing round a courtyard at one corner: one outline, a hole touching it.
        let c = [(0, 0), (1, 0), (2, 0), (0, 1), (0, 2), (1, 2), (2, 1)];
        let cells: Vec<_> = c.iter().map(|&(i, j)| rect(i as f64 * 10.0, j as f64 * 10.0, i as f64 * 10.0 + 10.0, j as f64 * 10.0 + 10.0)).collect();
        let union = union_of(cells.clone()).expect("a C closed at a corner");
        assert_eq!((union.0.len(), union.0[0].interiors().len()), (1, 1));
        let general = crate::vector::union::union_all(&MultiPolygon::new(cells)).unwrap();
        assert_eq!(xor_and_valid(&union, &general), (0.0, true));
    }

    #[test]
    fn random_cells_of_a_grid_equal_the_general_union() {
        // Cells kept at random make corners met by two, three and four outlines.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut by_mosaic = 0;
        for round in 0..200 {
            let n = 3 + round % 9;
            let cells: Vec<_> = (0..n * n)
                .filter(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed % 100 < 55
                })
                .map(|k| rect((k % n) as f64 * 10.0, (k / n) as f64 * 10.0, (k % n) as f64 * 10.0 + 10.0, (k / n) as f64 * 10.0 + 10.0))
                .collect();
            let general = crate::vector::union::union_all(&MultiPolygon::new(cells.clone())).unwrap();
            if let Some(mosaic) = union_of(cells) {
                let (xor, valid) = xor_and_valid(&mosaic, &general);
                assert!(xor < 1e-9 && valid, "round {round}: xor {xor}, valid {valid}");
                assert_eq!(mosaic.0.len(), general.0.len(), "round {round}");
                by_mosaic += 1;
            }
        }
        // Every grid is a mosaic, islands in courtyards included.
        assert_eq!(by_mosaic, 200);
    }

    #[test]
    fn an_island_in_a_courtyard_is_a_polygon_of_its_own() {
        let ring = Polygon::new(rect(0.0, 0.0, 30.0, 30.0).into_inner().0, vec![rect(10.0, 10.0, 20.0, 20.0).into_inner().0]);
        let parts = vec![ring, rect(12.0, 12.0, 18.0, 18.0)];
        let union = union_of(parts.clone()).expect("a ring and an island");
        assert_eq!(union.0.iter().map(|p| p.interiors().len()).collect::<Vec<_>>(), vec![1, 0]);
        let general = crate::vector::union::union_all(&MultiPolygon::new(parts)).unwrap();
        assert_eq!(xor_and_valid(&union, &general), (0.0, true));
        // Overlapping the ring instead: an outline inside another's interior.
        let ring = Polygon::new(rect(0.0, 0.0, 30.0, 30.0).into_inner().0, vec![rect(10.0, 10.0, 20.0, 20.0).into_inner().0]);
        assert!(union_of(vec![ring, rect(2.0, 2.0, 8.0, 8.0)]).is_none());
    }

    #[test]
    fn what_is_not_a_mosaic_is_left_to_the_general_union() {
        // A T-junction: the wide parcel's edge runs past the corner two others share.
        let t_junction = vec![rect(0.0, 0.0, 20.0, 10.0), rect(0.0, 10.0, 10.0, 20.0), rect(10.0, 10.0, 20.0, 20.0)];
        assert!(union_of(t_junction).is_none());
        // Overlapping parts, a duplicated part, a sliver ring.
        assert!(union_of(vec![rect(0.0, 0.0, 10.0, 10.0), rect(5.0, 5.0, 15.0, 15.0)]).is_none());
        assert!(union_of(vec![rect(0.0, 0.0, 10.0, 10.0), rect(0.0, 0.0, 10.0, 10.0)]).is_none());
        assert!(union_of(vec![rect(0.0, 0.0, 10.0, 0.05)]).is_none());
    }
}
