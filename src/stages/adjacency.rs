//! Adjacency graph of parcels: which parcels share a boundary, and how long it is.
//!
//! An R-tree over parcel bounding boxes gives candidate pairs; each pair's shared
//! boundary is measured segment by segment. A piece of A's boundary counts as shared
//! when it runs (nearly) parallel to B's boundary within the snapping tolerance ε, so
//! survey slivers and gaps narrower than ε still count, while corner-only contact
//! measures (almost) nothing and is dropped.

use geo::{Coord, MultiPolygon};
use rayon::prelude::*;

use super::spatial::BoxTree;
use crate::parcels::Shapes;
use crate::progress::Progress;

/// A shared boundary between two parcels (indices into the parcel list, a < b).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Edge {
    pub a: usize,
    pub b: usize,
    /// Length of the shared boundary, metres (measured along parcel `a`).
    pub shared_m: f64,
}

/// The graph as plain data: edges sorted by (a, b), plus per-parcel neighbour lists.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub edges: Vec<Edge>,
    /// For each parcel: (neighbour, index into `edges`), sorted by neighbour.
    pub neighbours: Vec<Vec<(usize, usize)>>,
}

impl Graph {
    pub fn shared(&self, i: usize, j: usize) -> f64 {
        self.neighbours[i]
            .binary_search_by_key(&j, |(n, _)| *n)
            .map(|k| self.edges[self.neighbours[i][k].1].shared_m)
            .unwrap_or(0.0)
    }
}

/// Segments may deviate from parallel by at most this sine (~5.7°) to count as shared.
const MAX_SIN: f64 = 0.1;

type Segment = (Coord<f64>, Coord<f64>);

/// The boundary segments of parcel `i` (exteriors and holes; repeated vertices skipped),
/// into `out` (cleared first).
fn segments_into(shapes: &Shapes, i: usize, out: &mut Vec<Segment>) {
    out.clear();
    for ring in shapes.rings(i) {
        for w in ring.windows(2) {
            if w[0] != w[1] {
                out.push((w[0], w[1]));
            }
        }
    }
}

fn seg_box(s: &Segment, pad: f64) -> [f64; 4] {
    [
        s.0.x.min(s.1.x) - pad,
        s.0.y.min(s.1.y) - pad,
        s.0.x.max(s.1.x) + pad,
        s.0.y.max(s.1.y) + pad,
    ]
}

fn boxes_touch(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// The parameter interval (in metres along `a`) of the part of `a` that lies within `eps`
/// of segment `b`, for nearly parallel segments; None when they do not run together.
fn shared_interval(a: &Segment, b: &Segment, eps: f64) -> Option<(f64, f64)> {
    let (ax, ay) = (a.1.x - a.0.x, a.1.y - a.0.y);
    let len = (ax * ax + ay * ay).sqrt();
    let (bx, by) = (b.1.x - b.0.x, b.1.y - b.0.y);
    let blen = (bx * bx + by * by).sqrt();
    if len == 0.0 || blen == 0.0 {
        return None;
    }
    let (ux, uy) = (ax / len, ay / len);
    // Positions of b's endpoints along a (t) and across it (d).
    let t = |p: Coord<f64>| (p.x - a.0.x) * ux + (p.y - a.0.y) * uy;
    let d = |p: Coord<f64>| (p.y - a.0.y) * ux - (p.x - a.0.x) * uy;
    let (t0, t1, d0, d1) = (t(b.0), t(b.1), d(b.0), d(b.1));
    let sin = ((bx * uy - by * ux) / blen).abs();
    if sin > MAX_SIN {
        return None;
    }
    // At ε = 0, shared means exactly collinear (robust predicate), as shapely decides.
    if eps == 0.0 {
        use geo::kernels::{Kernel, Orientation, RobustKernel};
        let on_line = |p: Coord<f64>| RobustKernel::orient2d(a.0, a.1, p) == Orientation::Collinear;
        if !(on_line(b.0) && on_line(b.1)) {
            return None;
        }
        let (lo, hi) = (t0.min(t1).max(0.0), t0.max(t1).min(len));
        return (hi > lo).then_some((lo, hi));
    }
    // Clip b to the band |d| ≤ eps (d is linear along b).
    let (mut s0, mut s1) = (0.0f64, 1.0f64);
    let dd = d1 - d0;
    let tol = eps;
    if dd.abs() < 1e-15 {
        if d0.abs() > tol {
            return None;
        }
    } else {
        let lo = (-tol - d0) / dd;
        let hi = (tol - d0) / dd;
        let (lo, hi) = if lo < hi { (lo, hi) } else { (hi, lo) };
        s0 = s0.max(lo);
        s1 = s1.min(hi);
        if s1 <= s0 {
            return None;
        }
    }
    let (p0, p1) = (t0 + (t1 - t0) * s0, t0 + (t1 - t0) * s1);
    let (lo, hi) = (p0.min(p1).max(0.0), p0.max(p1).min(len));
    (hi > lo).then_some((lo, hi))
}

/// Buffers a worker reuses from pair to pair: measuring a county's 800 000 candidate
/// pairs must not allocate for each (the threads share the allocator's arenas).
#[derive(Default)]
struct Scratch {
    seg_a: Vec<Segment>,
    seg_b: Vec<Segment>,
    b_boxes: Vec<[f64; 4]>,
    intervals: Vec<(f64, f64)>,
    after: Vec<usize>,
}

/// Length of A's boundary shared with B's boundary within `eps`.
pub fn shared_length(a: &[Segment], b: &[Segment], eps: f64) -> f64 {
    shared_length_with(a, b, eps, &mut Vec::new(), &mut Vec::new())
}

/// [`shared_length`] with buffers for B's segment boxes and A's intervals.
fn shared_length_with(a: &[Segment], b: &[Segment], eps: f64, b_boxes: &mut Vec<[f64; 4]>, intervals: &mut Vec<(f64, f64)>) -> f64 {
    b_boxes.clear();
    b_boxes.extend(b.iter().map(|s| seg_box(s, eps)));
    let mut total = 0.0;
    for sa in a {
        let abox = seg_box(sa, eps);
        intervals.clear();
        for (sb, bbox) in b.iter().zip(b_boxes.iter()) {
            if boxes_touch(&abox, bbox) {
                if let Some(iv) = shared_interval(sa, sb, eps) {
                    intervals.push(iv);
                }
            }
        }
        // Union of the intervals: pieces of B overlapping along A count once.
        intervals.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut end = f64::NEG_INFINITY;
        for &(lo, hi) in intervals.iter() {
            let lo = lo.max(end);
            if hi > lo {
                total += hi - lo;
                end = hi;
            }
        }
    }
    total
}

/// Builds the adjacency graph of the geometries in `shapes`, whose boxes `tree` holds.
/// Pairs sharing no more than `min_shared_m` (and never less than 2ε, which corner
/// contacts can reach) are not adjacent. `progress` counts parcels.
pub fn build(shapes: &Shapes, tree: &BoxTree, eps: f64, min_shared_m: f64, progress: &Progress) -> Graph {
    progress.set_length(shapes.len() as u64);
    let threshold = min_shared_m.max(2.0 * eps).max(1e-9);
    // Each parcel's edges to the parcels after it, sorted by neighbour: rayon keeps the
    // parcels' order, so the edges come out sorted by (a, b).
    let edges: Vec<Edge> = (0..shapes.len())
        .into_par_iter()
        .map_init(Scratch::default, |scratch, a| {
            let found = edges_of(shapes, tree, a, eps, threshold, scratch);
            progress.inc(1);
            found
        })
        .flat_map_iter(|found| found)
        .collect();
    debug_assert!(edges.windows(2).all(|w| (w[0].a, w[0].b) < (w[1].a, w[1].b)));
    Graph::from_edges(edges, shapes.len())
}

/// The edges of parcel `a` to the parcels after it sharing more than `threshold`,
/// sorted by neighbour. Candidates: boxes within 2ε of a's (each grown by ε, they meet;
/// a hair more, so rounding never drops one: a candidate too many is measured, and
/// shares nothing).
fn edges_of(shapes: &Shapes, tree: &BoxTree, a: usize, eps: f64, threshold: f64, s: &mut Scratch) -> Vec<Edge> {
    let Some(r) = shapes.bounding_rect(a) else { return Vec::new() };
    s.after.clear();
    s.after.extend(tree.meeting(r, 2.0 * eps + 1e-9).filter(|&b| b > a));
    s.after.sort_unstable();
    segments_into(shapes, a, &mut s.seg_a);
    let mut found = Vec::new();
    for &b in &s.after {
        segments_into(shapes, b, &mut s.seg_b);
        let shared = shared_length_with(&s.seg_a, &s.seg_b, eps, &mut s.b_boxes, &mut s.intervals);
        if shared > threshold {
            found.push(Edge { a, b, shared_m: shared });
        }
    }
    found
}

/// The graph of plain geometries (library callers, tests).
pub fn build_from(geometries: &[MultiPolygon<f64>], eps: f64, min_shared_m: f64) -> Graph {
    let mut shapes = Shapes::new();
    geometries.iter().for_each(|g| shapes.push(g));
    build(&shapes, &BoxTree::of(&shapes), eps, min_shared_m, &Progress::hidden())
}

impl Graph {
    /// The graph without the pairs in `excluded` (e.g. overlapping parcels, which are
    /// not neighbours whatever boundary they share).
    pub fn without(self, excluded: &std::collections::HashSet<(usize, usize)>) -> Graph {
        if !self.edges.iter().any(|e| excluded.contains(&(e.a, e.b))) {
            return self;
        }
        let n = self.neighbours.len();
        let edges = self.edges.into_iter().filter(|e| !excluded.contains(&(e.a, e.b))).collect();
        Graph::from_edges(edges, n)
    }

    /// The graph of sorted edges among `n` parcels.
    pub fn from_edges(edges: Vec<Edge>, n: usize) -> Graph {
        let mut neighbours = vec![Vec::new(); n];
        for (k, e) in edges.iter().enumerate() {
            neighbours[e.a].push((e.b, k));
            neighbours[e.b].push((e.a, k));
        }
        for list in &mut neighbours {
            list.sort_unstable();
        }
        Graph { edges, neighbours }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Polygon};

    fn mp(p: Polygon<f64>) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![p])
    }
    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        mp(polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)])
    }

    #[test]
    fn shared_edge_is_measured_exactly() {
        let g = build_from(
            &[rect(0.0, 0.0, 10.0, 10.0), rect(10.0, 2.0, 20.0, 7.0)],
            0.0,
            0.0,
        );
        assert_eq!(g.edges.len(), 1);
        assert!((g.edges[0].shared_m - 5.0).abs() < 1e-12);
    }

    #[test]
    fn small_gap_and_small_overlap_count_within_the_tolerance_only() {
        let gap = [rect(0.0, 0.0, 10.0, 10.0), rect(10.05, 0.0, 20.0, 10.0)];
        assert!(build_from(&gap, 0.0, 0.0).edges.is_empty());
        let g = build_from(&gap, 0.1, 0.0);
        assert!((g.edges[0].shared_m - 10.0).abs() < 1e-9, "{:?}", g.edges);
        // Overlapping by 5 cm: the 10 m side, plus the 5 cm where the top and bottom
        // sides run over each other.
        let overlap = [rect(0.0, 0.0, 10.0, 10.0), rect(9.95, 0.0, 20.0, 10.0)];
        let g = build_from(&overlap, 0.1, 0.0);
        assert!((g.edges[0].shared_m - 10.1).abs() < 1e-9, "{:?}", g.edges);
        assert!(build_from(
            &[rect(0.0, 0.0, 10.0, 10.0), rect(10.5, 0.0, 20.0, 10.0)],
            0.1,
            0.0
        )
        .edges
        .is_empty());
    }

    #[test]
    fn corner_only_contact_is_not_adjacency() {
        let g = build_from(
            &[rect(0.0, 0.0, 10.0, 10.0), rect(10.0, 10.0, 20.0, 20.0)],
            0.1,
            0.0,
        );
        assert!(g.edges.is_empty(), "{:?}", g.edges);
        let g = build_from(
            &[rect(0.0, 0.0, 10.0, 10.0), rect(10.0, 10.0, 20.0, 20.0)],
            0.0,
            0.0,
        );
        assert!(g.edges.is_empty());
    }

    #[test]
    fn a_parcel_in_a_hole_shares_the_hole_ring() {
        let outer = Polygon::new(
            rect(0.0, 0.0, 30.0, 30.0).0[0].exterior().clone(),
            vec![rect(10.0, 10.0, 20.0, 20.0).0[0].exterior().clone()],
        );
        let g = build_from(&[mp(outer), rect(10.0, 10.0, 20.0, 20.0)], 0.0, 0.0);
        assert!((g.edges[0].shared_m - 40.0).abs() < 1e-12);
    }

    #[test]
    fn multipolygon_parts_add_up() {
        let two = MultiPolygon::new(vec![
            rect(0.0, 0.0, 5.0, 5.0).0[0].clone(),
            rect(0.0, 10.0, 5.0, 15.0).0[0].clone(),
        ]);
        let g = build_from(&[two, rect(5.0, 0.0, 10.0, 15.0)], 0.0, 0.0);
        assert!((g.edges[0].shared_m - 10.0).abs() < 1e-12);
    }

    #[test]
    fn graph_lookup_is_symmetric() {
        let g = build_from(
            &[
                rect(0.0, 0.0, 1.0, 1.0),
                rect(1.0, 0.0, 2.0, 1.0),
                rect(2.0, 0.0, 3.0, 1.0),
            ],
            0.0,
            0.0,
        );
        assert_eq!(g.edges.len(), 2);
        assert_eq!(g.shared(1, 0), g.shared(0, 1));
        assert_eq!(g.shared(0, 2), 0.0);
    }
}
