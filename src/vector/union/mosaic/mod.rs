//! The union of a mosaic by edge cancellation.
//!
//! Survey parcels meet edge to edge: two neighbours share every vertex of their common
//! boundary, which each walks in the other direction (exteriors counter-clockwise, holes
//! clockwise). Cancelling every edge whose reverse is also there leaves exactly the
//! outline of the union, which is then followed ring by ring — linear in the vertices,
//! where a general overlay intersects every edge. Anything that is not such a mosaic
//! (an edge twice, overlapping parts, a T-junction, a vertex where the outline touches
//! itself, a sliver ring, a result GEOS finds invalid) gives None, and the caller takes
//! the general union.

use std::collections::{HashMap, HashSet};

use geo::orient::{Direction, Orient};
use geo::{Area, BoundingRect, Contains, Coord, LineString, MultiPolygon, Point, Polygon, Rect};
use gdal::vector::ToGdal;

/// A vertex by its coordinates' bits: shared vertices are the same numbers.
type Vertex = (u64, u64);

/// Rings smaller than this (m²) are left to the general union: slivers where parts
/// do not quite meet.
const MIN_RING_M2: f64 = 1.0;

/// The union of `parts` if they form a mosaic, else None.
pub fn union(parts: &MultiPolygon<f64>) -> Option<MultiPolygon<f64>> {
    let edges = directed_edges(parts)?;
    let next = outline_edges(&edges)?;
    let rings = follow(next)?;
    let union = MultiPolygon::new(nest(rings)?);
    is_valid(&union).then_some(union)
}

/// One polygon with one simple ring is valid as it stands (most merged fields); other
/// shapes are checked by GEOS.
pub fn is_valid(union: &MultiPolygon<f64>) -> bool {
    match union.0.as_slice() {
        [p] if p.interiors().is_empty() => crate::vector::simple::is_simple_ring(&p.exterior().0),
        _ => union.to_gdal().is_ok_and(|g| g.is_valid()),
    }
}

fn vertex(c: Coord<f64>) -> Vertex {
    (c.x.to_bits(), c.y.to_bits())
}

fn coord(v: Vertex) -> Coord<f64> {
    Coord { x: f64::from_bits(v.0), y: f64::from_bits(v.1) }
}

/// Every edge of every ring, oriented; None when an edge comes twice (overlapping or
/// duplicated parts).
fn directed_edges(parts: &MultiPolygon<f64>) -> Option<HashSet<(Vertex, Vertex)>> {
    let mut edges = HashSet::new();
    for polygon in &parts.0 {
        let polygon = polygon.orient(Direction::Default);
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for line in ring.lines().filter(|l| l.start != l.end) {
                if !edges.insert((vertex(line.start), vertex(line.end))) {
                    return None;
                }
            }
        }
    }
    Some(edges)
}

/// The edges whose reverse is not there, as vertex → next vertex; None when a vertex
/// would start or end two of them (the outline touches itself there).
fn outline_edges(edges: &HashSet<(Vertex, Vertex)>) -> Option<HashMap<Vertex, Vertex>> {
    let mut next = HashMap::new();
    let mut ends = HashSet::new();
    for &(a, b) in edges {
        if edges.contains(&(b, a)) {
            continue;
        }
        if next.insert(a, b).is_some() || !ends.insert(b) {
            return None;
        }
    }
    Some(next)
}

/// The closed rings the outline edges form, each started at its smallest vertex (so the
/// result does not depend on hashing); None when a chain does not close.
fn follow(mut next: HashMap<Vertex, Vertex>) -> Option<Vec<LineString<f64>>> {
    let mut starts: Vec<Vertex> = next.keys().copied().collect();
    starts.sort_unstable();
    let mut rings = Vec::new();
    for start in starts {
        if !next.contains_key(&start) {
            continue;
        }
        let mut coords = vec![coord(start)];
        let mut at = start;
        loop {
            at = next.remove(&at)?;
            coords.push(coord(at));
            if at == start {
                break;
            }
        }
        rings.push(LineString::new(coords));
    }
    Some(rings)
}

/// Counter-clockwise rings are outlines, clockwise ones holes, each hole in the one
/// outline that contains it; None for a sliver ring, an outline inside another, or a
/// hole inside no or several outlines.
fn nest(rings: Vec<LineString<f64>>) -> Option<Vec<Polygon<f64>>> {
    let mut outlines: Vec<(Polygon<f64>, Rect<f64>)> = Vec::new();
    let mut holes = Vec::new();
    for ring in rings {
        let area = Polygon::new(ring.clone(), vec![]).signed_area();
        if area.abs() < MIN_RING_M2 {
            return None;
        }
        let rect = ring.bounding_rect()?;
        match area > 0.0 {
            true => outlines.push((Polygon::new(ring, vec![]), rect)),
            false => holes.push((ring, rect)),
        }
    }
    let inside = |rect: &Rect<f64>, first: Coord<f64>, skip: Option<usize>| -> Vec<usize> {
        (0..outlines.len())
            .filter(|&k| Some(k) != skip)
            .filter(|&k| covers(&outlines[k].1, rect) && outlines[k].0.contains(&Point::from(first)))
            .collect()
    };
    let nested_outline = outlines.iter().enumerate().any(|(k, (p, rect))| !inside(rect, p.exterior().0[0], Some(k)).is_empty());
    if nested_outline {
        return None;
    }
    let mut nested: Vec<Vec<LineString<f64>>> = vec![Vec::new(); outlines.len()];
    for (hole, rect) in holes {
        match inside(&rect, hole.0[0], None)[..] {
            [k] => nested[k].push(hole),
            _ => return None,
        }
    }
    Some(outlines.into_iter().zip(nested).map(|((p, _), holes)| Polygon::new(p.into_inner().0, holes)).collect())
}

fn covers(outer: &Rect<f64>, inner: &Rect<f64>) -> bool {
    outer.min().x <= inner.min().x && outer.min().y <= inner.min().y && outer.max().x >= inner.max().x && outer.max().y >= inner.max().y
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::union::rect;

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

    #[test]
    fn what_is_not_a_mosaic_is_left_to_the_general_union() {
        // A T-junction: the wide parcel's edge runs past the corner two others share.
        let t_junction = vec![rect(0.0, 0.0, 20.0, 10.0), rect(0.0, 10.0, 10.0, 20.0), rect(10.0, 10.0, 20.0, 20.0)];
        assert!(union_of(t_junction).is_none());
        // Overlapping parts, a duplicated part, a sliver ring.
        assert!(union_of(vec![rect(0.0, 0.0, 10.0, 10.0), rect(5.0, 5.0, 15.0, 15.0)]).is_none());
        assert!(union_of(vec![rect(0.0, 0.0, 10.0, 10.0), rect(0.0, 0.0, 10.0, 10.0)]).is_none());
        assert!(union_of(vec![rect(0.0, 0.0, 10.0, 0.05)]).is_none());
        // Two parcels touching at one corner: the outline touches itself there.
        assert!(union_of(vec![rect(0.0, 0.0, 10.0, 10.0), rect(10.0, 10.0, 20.0, 20.0)]).is_none());
        // A part inside another's hole (an island): nesting left to GEOS.
        let ring = Polygon::new(rect(0.0, 0.0, 30.0, 30.0).into_inner().0, vec![rect(10.0, 10.0, 20.0, 20.0).into_inner().0]);
        assert!(union_of(vec![ring, rect(12.0, 12.0, 18.0, 18.0)]).is_none());
    }
}
