//! Placing the outline's rings into polygons: counter-clockwise rings are outlines,
//! clockwise ones holes. Each ring lies in the ring that most tightly contains it: a
//! hole's must be an outline (the polygon it belongs to), an outline's must be none or a
//! hole (an island in a courtyard: a polygon of its own). Anything else — an outline in
//! another outline's interior, a hole in a hole or in nothing — is no union of a mosaic.
//!
//! Rings may touch at pinch vertices, and a point on a boundary is inside nothing, so
//! each ring is placed by the middle of an edge; rings do not cross (checked after,
//! `valid_as_built`), so where that point lies, the whole ring lies.

use hashbrown::HashMap;

use geo::{Area, BoundingRect, Contains, Coord, LineString, Point, Polygon};
use rstar::{RTree, RTreeObject, AABB};

use super::{coord, Vertex};

/// Rings smaller than this (m²) are left to the general union: slivers where parts
/// do not quite meet.
const MIN_RING_M2: f64 = 1.0;

/// A ring with what places it.
struct Ring {
    shape: Polygon<f64>,
    /// Signed area: > 0 for an outline, < 0 for a hole.
    area: f64,
    probe: Coord<f64>,
}

/// A ring's box in the search tree.
struct Boxed {
    index: usize,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Boxed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// The polygons the closed `rings` (vertex lists, last = first) make, outlines in the
/// order of the rings; None for a sliver ring or rings that do not nest as a union's do.
pub fn polygons(rings: Vec<Vec<Vertex>>) -> Option<Vec<Polygon<f64>>> {
    let rings = placed(rings)?;
    let parent = containers(&rings);
    let mut holes: HashMap<usize, Vec<LineString<f64>>> = HashMap::new();
    for (k, ring) in rings.iter().enumerate() {
        let outline = ring.area > 0.0;
        match parent[k] {
            Some(p) if outline == (rings[p].area > 0.0) => return None,
            Some(p) if !outline => holes.entry(p).or_default().push(ring.shape.exterior().clone()),
            None if !outline => return None,
            _ => {}
        }
    }
    let polygons = rings.into_iter().enumerate().filter(|(_, r)| r.area > 0.0);
    Some(polygons.map(|(k, r)| Polygon::new(r.shape.into_inner().0, holes.remove(&k).unwrap_or_default())).collect())
}

/// The rings as polygons with their area and where to place them: the middle of their
/// longest edge, which no other ring passes through (rings share no edge, and meet only
/// at vertices).
fn placed(rings: Vec<Vec<Vertex>>) -> Option<Vec<Ring>> {
    rings
        .into_iter()
        .map(|ring| {
            let shape = Polygon::new(LineString::new(ring.into_iter().map(coord).collect()), vec![]);
            let area = shape.signed_area();
            let longest = shape.exterior().lines().max_by(|a, b| length2(a).total_cmp(&length2(b)))?;
            let probe = Coord { x: longest.start.x + (longest.end.x - longest.start.x) * 0.5, y: longest.start.y + (longest.end.y - longest.start.y) * 0.5 };
            (area.abs() >= MIN_RING_M2).then_some(Ring { shape, area, probe })
        })
        .collect()
}

fn length2(l: &geo::Line<f64>) -> f64 {
    l.dx() * l.dx() + l.dy() * l.dy()
}

/// For each ring, the smallest ring containing it, if any.
fn containers(rings: &[Ring]) -> Vec<Option<usize>> {
    let boxes = rings.iter().enumerate().filter_map(|(index, r)| {
        let rect = r.shape.bounding_rect()?;
        Some(Boxed { index, envelope: AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]) })
    });
    let tree = RTree::bulk_load(boxes.collect());
    rings
        .iter()
        .enumerate()
        .map(|(k, ring)| {
            let at = [ring.probe.x, ring.probe.y];
            tree.locate_in_envelope_intersecting(&AABB::from_point(at))
                .map(|b| b.index)
                .filter(|&j| j != k && rings[j].area.abs() > ring.area.abs() && rings[j].shape.contains(&Point::from(ring.probe)))
                .min_by(|&a, &b| rings[a].area.abs().total_cmp(&rings[b].area.abs()).then(a.cmp(&b)))
        })
        .collect()
}
