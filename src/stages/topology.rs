//! Parcel topology: pairs of parcels whose interiors overlap. A 三调 DLTB layer must have
//! none; deliveries do (duplicated 图斑, a parent polygon over its parts, digitising
//! overlaps). Such pairs are reported, and never taken for neighbours.

use geo::{Area, BooleanOps, Coord, MultiPolygon};
use rayon::prelude::*;

use super::spatial::BoxTree;
use crate::context::CancelToken;
use crate::error::Result;
use crate::parcels::{Parcels, Shapes};
use crate::progress::Progress;
use crate::vector::simple;

/// Coverage of a parcel by the overlap above which it counts as inside the other.
const INSIDE: f64 = 0.999;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OverlapKind {
    /// The same geometry twice.
    Duplicate,
    /// One parcel lies inside the other.
    Contains,
    /// The interiors overlap in part.
    Overlap,
}

impl OverlapKind {
    pub fn name(self) -> &'static str {
        match self {
            OverlapKind::Duplicate => "duplicate",
            OverlapKind::Contains => "contains",
            OverlapKind::Overlap => "overlap",
        }
    }
}

/// Two parcels (indices, a < b) whose interiors overlap.
#[derive(Debug, Clone)]
pub struct Overlap {
    pub a: usize,
    pub b: usize,
    pub kind: OverlapKind,
    pub area_m2: f64,
    /// Shares of a's and b's area inside the overlap.
    pub shares: (f64, f64),
    pub geometry: MultiPolygon<f64>,
}

/// Every pair of parcels whose interiors overlap by at least `min_area_m2`, sorted by
/// (a, b). Pairs whose bounding boxes overlap by less cannot, and are not measured.
/// `tree` holds the parcels' boxes. `progress` counts parcels.
pub fn overlaps(parcels: &Parcels, tree: &BoxTree, min_area_m2: f64, progress: &Progress, cancel: &CancelToken) -> Result<Vec<Overlap>> {
    progress.set_length(parcels.len() as u64);
    let found: Vec<Result<Vec<Overlap>>> = (0..parcels.len())
        .into_par_iter()
        .with_min_len(64)
        .map(|a| {
            cancel.check()?;
            let found = overlaps_of(parcels, tree, a, min_area_m2);
            progress.inc(1);
            Ok(found)
        })
        .collect();
    let mut out = Vec::new();
    for part in found {
        out.extend(part?);
    }
    out.sort_by_key(|o| (o.a, o.b));
    Ok(out)
}

/// The overlaps of parcel `a` with the parcels after it.
fn overlaps_of(parcels: &Parcels, tree: &BoxTree, a: usize, min_area_m2: f64) -> Vec<Overlap> {
    let Some(ra) = parcels.bounding_rect(a) else { return Vec::new() };
    let mut geometry_a: Option<MultiPolygon<f64>> = None;
    let mut out = Vec::new();
    for b in tree.meeting(ra, 0.0) {
        let Some(rb) = parcels.bounding_rect(b).filter(|_| b > a) else { continue };
        let w = ra.max().x.min(rb.max().x) - ra.min().x.max(rb.min().x);
        let h = ra.max().y.min(rb.max().y) - ra.min().y.max(rb.min().y);
        if w * h < min_area_m2 {
            continue;
        }
        if only_touch(parcels.shapes(), a, b, min_area_m2) {
            continue;
        }
        let ga = geometry_a.get_or_insert_with(|| parcels.geometry(a));
        let gb = parcels.geometry(b);
        let geometry = ga.intersection(&gb);
        let area_m2 = geometry.unsigned_area();
        if area_m2 >= min_area_m2 {
            let shares = (area_m2 / ga.unsigned_area(), area_m2 / gb.unsigned_area());
            out.push(Overlap { a, b, kind: kind_of(shares), area_m2, shares, geometry });
        }
    }
    out
}

/// Whether parcels `a` and `b` certainly overlap by less than `min_area_m2` in the
/// overlay below, without running it: both single rings whose interiors do not overlap
/// (neighbours sharing boundary, or apart: [`simple::separated`] for the common convex
/// case, else [`simple::interiors_disjoint`]). The
/// overlay rounds coordinates to a grid of at most 2⁻²⁸ of the pair's extent, so where
/// the rings only touch it can find slivers no larger than their perimeters times that:
/// the test is only trusted when that bound is below `min_area_m2`.
fn only_touch(shapes: &Shapes, a: usize, b: usize, min_area_m2: f64) -> bool {
    let (Some(ra), Some(rb)) = (single_ring(shapes, a), single_ring(shapes, b)) else { return false };
    let (mut lo, mut hi) = (ra[0], ra[0]);
    for c in ra.iter().chain(rb) {
        (lo.x, lo.y, hi.x, hi.y) = (lo.x.min(c.x), lo.y.min(c.y), hi.x.max(c.x), hi.y.max(c.y));
    }
    let grid = (hi.x - lo.x).max(hi.y - lo.y) * 2f64.powi(-28);
    let perimeter = |r: &[Coord<f64>]| r.windows(2).map(|w| ((w[1].x - w[0].x).powi(2) + (w[1].y - w[0].y).powi(2)).sqrt()).sum::<f64>();
    (perimeter(ra) + perimeter(rb)) * grid < min_area_m2 && (simple::separated(ra, rb) || simple::interiors_disjoint(ra, rb))
}

/// The ring of parcel `i` when it is one polygon without holes.
fn single_ring(shapes: &Shapes, i: usize) -> Option<&[Coord<f64>]> {
    let mut polygons = shapes.polygons(i);
    let mut rings = polygons.next()?;
    let ring = rings.next()?;
    (rings.next().is_none() && polygons.next().is_none()).then_some(ring)
}

fn kind_of((share_a, share_b): (f64, f64)) -> OverlapKind {
    match (share_a >= INSIDE, share_b >= INSIDE) {
        (true, true) => OverlapKind::Duplicate,
        (true, false) | (false, true) => OverlapKind::Contains,
        (false, false) => OverlapKind::Overlap,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn square(x: f64, y: f64, s: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![polygon![(x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s)]])
    }

    #[test]
    fn duplicates_containment_overlaps_and_touching_neighbours() {
        let parcels = Parcels::from_geometries(
            [
                square(0.0, 0.0, 10.0),   // 0
                square(0.0, 0.0, 10.0),   // 1: duplicate of 0
                square(2.0, 2.0, 3.0),    // 2: inside 0 and 1
                square(10.0, 0.0, 10.0),  // 3: touches 0 and 1
                square(19.0, 0.0, 10.0),  // 4: overlaps 3 by 1 × 10
                square(28.95, 0.0, 10.0), // 5: overlaps 4 by a 0.5 m² sliver
            ]
            .into_iter()
            .enumerate()
            .map(|(i, g)| (i.to_string(), g)),
        );
        let tree = BoxTree::of(parcels.shapes());
        let found = overlaps(&parcels, &tree, 1.0, &Progress::hidden(), &CancelToken::new()).unwrap();
        let pairs: Vec<(usize, usize, OverlapKind)> = found.iter().map(|o| (o.a, o.b, o.kind)).collect();
        use OverlapKind::*;
        assert_eq!(pairs, [(0, 1, Duplicate), (0, 2, Contains), (1, 2, Contains), (3, 4, Overlap)]);
        assert!((found[3].area_m2 - 10.0).abs() < 1e-9);
        assert!((found[1].area_m2 - 9.0).abs() < 1e-9);
    }
}
