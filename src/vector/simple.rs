//! Exact tests on rings with robust orientation predicates (no tolerance): whether a
//! ring is simple, and whether two segments meet. They let the common case skip costly
//! general machinery (GEOS validity, polygon overlays) when the answer is certain; when
//! it is not, callers take the general path, so results never depend on them.

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::Coord;

fn orient(p: Coord<f64>, q: Coord<f64>, r: Coord<f64>) -> Orientation {
    RobustKernel::orient2d(p, q, r)
}

/// Whether `q`, collinear with `p` and `r`, lies on the segment `p`–`r` (ends included).
fn within(p: Coord<f64>, q: Coord<f64>, r: Coord<f64>) -> bool {
    q.x >= p.x.min(r.x) && q.x <= p.x.max(r.x) && q.y >= p.y.min(r.y) && q.y <= p.y.max(r.y)
}

/// Whether the closed segments `p1`–`p2` and `q1`–`q2` have any point in common
/// (exact: touching counts).
pub fn segments_meet(p1: Coord<f64>, p2: Coord<f64>, q1: Coord<f64>, q2: Coord<f64>) -> bool {
    let (o1, o2) = (orient(p1, p2, q1), orient(p1, p2, q2));
    let (o3, o4) = (orient(q1, q2, p1), orient(q1, q2, p2));
    if o1 != o2 && o3 != o4 {
        return true;
    }
    let c = Orientation::Collinear;
    (o1 == c && within(p1, q1, p2))
        || (o2 == c && within(p1, q2, p2))
        || (o3 == c && within(q1, p1, q2))
        || (o4 == c && within(q1, p2, q2))
}

/// Whether the segment after `b` (to `c`) folds back over the segment `a`–`b` before it:
/// collinear, with `c` on `a`'s side of `b`.
fn folds_back(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> bool {
    if orient(a, b, c) != Orientation::Collinear {
        return false;
    }
    match a.x != b.x {
        true => (a.x < b.x) == (c.x < b.x) && c.x != b.x,
        false => (a.y < b.y) == (c.y < b.y) && c.y != b.y,
    }
}

/// Whether `ring` is a simple closed ring as OGC validity (GEOS's IsValid) requires of
/// a polygon shell: finite, closed, at least four points, no repeated consecutive
/// points (conservatively: GEOS tolerates them, callers then take the general path),
/// and no two segments meeting except consecutive ones at their shared vertex.
pub fn is_simple_ring(ring: &[Coord<f64>]) -> bool {
    ring_well_formed(ring) && !non_adjacent_segments_meet(ring)
}

/// Whether two segments of the closed `ring` that are not consecutive meet: a sweep
/// over the segments sorted by their smallest x.
fn non_adjacent_segments_meet(ring: &[Coord<f64>]) -> bool {
    let m = ring.len() - 1;
    let span = |k: usize| (ring[k].x.min(ring[k + 1].x), ring[k].x.max(ring[k + 1].x));
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| span(a).0.total_cmp(&span(b).0));
    let adjacent = |a: usize, b: usize| a.abs_diff(b) == 1 || a.abs_diff(b) == m - 1;
    for (k, &a) in order.iter().enumerate() {
        let max_x = span(a).1;
        let (ay0, ay1) = (ring[a].y.min(ring[a + 1].y), ring[a].y.max(ring[a + 1].y));
        for &b in &order[k + 1..] {
            if span(b).0 > max_x {
                break;
            }
            if adjacent(a, b) || ring[b].y.max(ring[b + 1].y) < ay0 || ring[b].y.min(ring[b + 1].y) > ay1 {
                continue;
            }
            if segments_meet(ring[a], ring[a + 1], ring[b], ring[b + 1]) {
                return true;
            }
        }
    }
    false
}

/// Whether every ring of `rings` is simple (as `is_simple_ring` says) and segments of
/// different rings meet only where both end, at a vertex the two rings share, and not
/// along a common stretch: rings that touch at points and nothing more. One sweep over
/// all the rings' segments by x.
pub fn rings_simple_and_touching_at_points(rings: &[&[Coord<f64>]]) -> bool {
    if !rings.iter().all(|r| ring_well_formed(r)) {
        return false;
    }
    // (smallest x, ring, segment) of every segment, in sweep order.
    let mut order: Vec<(f64, u32, u32)> = Vec::with_capacity(rings.iter().map(|r| r.len()).sum());
    for (r, ring) in rings.iter().enumerate() {
        order.extend(ring.windows(2).enumerate().map(|(k, w)| (w[0].x.min(w[1].x), r as u32, k as u32)));
    }
    order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let segment = |r: u32, k: u32| (rings[r as usize][k as usize], rings[r as usize][k as usize + 1]);
    for (n, &(_, ra, ka)) in order.iter().enumerate() {
        let (p1, p2) = segment(ra, ka);
        let (max_x, ay0, ay1) = (p1.x.max(p2.x), p1.y.min(p2.y), p1.y.max(p2.y));
        for &(min_x, rb, kb) in &order[n + 1..] {
            if min_x > max_x {
                break;
            }
            let (q1, q2) = segment(rb, kb);
            if q1.y.max(q2.y) < ay0 || q1.y.min(q2.y) > ay1 {
                continue;
            }
            let apart = match ra == rb {
                true => consecutive(ka, kb, rings[ra as usize].len() - 1) || !segments_meet(p1, p2, q1, q2),
                false => touch_at_an_end_only(p1, p2, q1, q2),
            };
            if !apart {
                return false;
            }
        }
    }
    true
}

/// Whether segments `a` and `b` of a closed ring of `m` segments follow each other.
fn consecutive(a: u32, b: u32, m: usize) -> bool {
    let d = a.abs_diff(b) as usize;
    d == 1 || d == m - 1
}

/// What `is_simple_ring` asks of a ring before its sweep: finite, closed, four points
/// or more, no repeated consecutive point, no side folding back over the one before.
fn ring_well_formed(ring: &[Coord<f64>]) -> bool {
    let n = ring.len();
    if n < 4 || ring[0] != ring[n - 1] || ring.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
        return false;
    }
    if ring.windows(2).any(|w| w[0] == w[1]) {
        return false;
    }
    let m = n - 1;
    // Consecutive segments meet at their shared vertex only, unless one folds back.
    !(0..m).any(|k| folds_back(ring[k], ring[k + 1], ring[(k + 1) % m + 1]))
}

/// Whether the segments `p1`–`p2` and `q1`–`q2` are apart, or share exactly one end and
/// leave it in different directions.
fn touch_at_an_end_only(p1: Coord<f64>, p2: Coord<f64>, q1: Coord<f64>, q2: Coord<f64>) -> bool {
    let shared = [(p1, p2, q1, q2), (p1, p2, q2, q1), (p2, p1, q1, q2), (p2, p1, q2, q1)];
    let ends: Vec<_> = shared.iter().filter(|(v, _, w, _)| v == w).collect();
    match ends.as_slice() {
        [] => !segments_meet(p1, p2, q1, q2),
        [(v, p, _, q)] => orient(*v, *p, *q) != Orientation::Collinear || !same_way(*v, *p, *q),
        _ => false,
    }
}

/// Whether `p` and `q`, collinear with `v`, lie on the same side of it.
pub(crate) fn same_way(v: Coord<f64>, p: Coord<f64>, q: Coord<f64>) -> bool {
    match p.x != v.x {
        true => (p.x > v.x) == (q.x > v.x),
        false => (p.y > v.y) == (q.y > v.y),
    }
}

/// Whether the line through a segment of `a` or of `b` has one ring on each side (the
/// rings may lie on it): then their interiors do not overlap. Exact, and cheap for the
/// common case of convex neighbours (the line through their shared side separates them).
pub fn separated(a: &[Coord<f64>], b: &[Coord<f64>]) -> bool {
    separated_by_side_of(a, b) || separated_by_side_of(b, a)
}

fn separated_by_side_of(x: &[Coord<f64>], y: &[Coord<f64>]) -> bool {
    let c = Orientation::Collinear;
    x.windows(2).any(|e| {
        let side = |p: &Coord<f64>| orient(e[0], e[1], *p);
        let Some(outer) = y.iter().map(side).find(|o| *o != c) else { return false };
        y.iter().all(|p| side(p) != opposite(outer)) && x.iter().all(|p| side(p) != outer)
    })
}

fn opposite(o: Orientation) -> Orientation {
    match o {
        Orientation::Clockwise => Orientation::CounterClockwise,
        Orientation::CounterClockwise => Orientation::Clockwise,
        Orientation::Collinear => Orientation::Collinear,
    }
}

/// Whether the interiors of the simple rings `a` and `b` certainly do not overlap: they
/// may share boundary (edges, vertices, a vertex on the other's edge), nothing more.
/// False when they overlap, and when that cannot be told for certain (a crossing, or a
/// point of one boundary too near the other to place it on a side).
///
/// Why it holds: each boundary is cut wherever the other touches it, so every piece
/// either lies on the other boundary or meets it nowhere and is wholly inside or
/// outside the other ring (its midpoint says which). With no piece of either boundary
/// inside the other, and the rings not equal (one piece not shared), one interior
/// could only hold the other's boundary-free, connected interior whole: it does not.
pub fn interiors_disjoint(a: &[Coord<f64>], b: &[Coord<f64>]) -> bool {
    let (box_a, box_b) = (Bounds::of(a), Bounds::of(b));
    let far = box_a.magnitude().max(box_b.magnitude());
    let tol = 1e-6_f64.max(far * 1e-12);
    let mut cuts = Vec::new();
    match (boundary_outside(a, b, &box_b, tol, &mut cuts), boundary_outside(b, a, &box_a, tol, &mut cuts)) {
        (Some(all_shared_a), Some(_)) => !all_shared_a,
        _ => false,
    }
}

/// A box around points.
#[derive(Clone, Copy)]
struct Bounds {
    lo: Coord<f64>,
    hi: Coord<f64>,
}

impl Bounds {
    fn of(points: &[Coord<f64>]) -> Bounds {
        let mut b = Bounds { lo: points[0], hi: points[0] };
        for c in points {
            (b.lo.x, b.lo.y, b.hi.x, b.hi.y) = (b.lo.x.min(c.x), b.lo.y.min(c.y), b.hi.x.max(c.x), b.hi.y.max(c.y));
        }
        b
    }

    fn segment(p: Coord<f64>, q: Coord<f64>) -> Bounds {
        Bounds { lo: Coord { x: p.x.min(q.x), y: p.y.min(q.y) }, hi: Coord { x: p.x.max(q.x), y: p.y.max(q.y) } }
    }

    /// Whether the boxes come within `gap` of each other.
    fn near(&self, o: &Bounds, gap: f64) -> bool {
        self.lo.x <= o.hi.x + gap && o.lo.x <= self.hi.x + gap && self.lo.y <= o.hi.y + gap && o.lo.y <= self.hi.y + gap
    }

    fn magnitude(&self) -> f64 {
        self.lo.x.abs().max(self.lo.y.abs()).max(self.hi.x.abs()).max(self.hi.y.abs())
    }
}

/// Some(whether every piece lies on `y`) when every piece of `x`'s boundary, cut where
/// `y` touches it, lies on `y`'s boundary or certainly outside `y` (farther than `tol`
/// from it); None otherwise. `cuts` is scratch space.
fn boundary_outside(x: &[Coord<f64>], y: &[Coord<f64>], box_y: &Bounds, tol: f64, cuts: &mut Vec<Coord<f64>>) -> Option<bool> {
    let mut all_shared = true;
    for e in x.windows(2) {
        let (p, q) = (e[0], e[1]);
        let box_e = Bounds::segment(p, q);
        if !box_e.near(box_y, tol) {
            all_shared = false; // away from `y` altogether
            continue;
        }
        cut_where_touched(p, q, &box_e, y, cuts)?;
        for piece in cuts.windows(2) {
            if on_boundary(piece[0], piece[1], y) {
                continue;
            }
            all_shared = false;
            let m = Coord { x: piece[0].x + (piece[1].x - piece[0].x) * 0.5, y: piece[0].y + (piece[1].y - piece[0].y) * 0.5 };
            if !certainly_outside(m, y, tol) {
                return None;
            }
        }
    }
    Some(all_shared)
}

/// The segment `p`–`q` cut at every vertex of the ring `y` lying on it, in order from
/// `p` to `q` (into `cuts`); None when a segment of `y` crosses it.
fn cut_where_touched(p: Coord<f64>, q: Coord<f64>, box_e: &Bounds, y: &[Coord<f64>], cuts: &mut Vec<Coord<f64>>) -> Option<()> {
    cuts.clear();
    cuts.push(p);
    let c = Orientation::Collinear;
    for f in y.windows(2) {
        if !box_e.near(&Bounds::segment(f[0], f[1]), 0.0) {
            continue;
        }
        let (o1, o2) = (orient(p, q, f[0]), orient(p, q, f[1]));
        if o1 == o2 && o1 != c {
            continue; // wholly on one side
        }
        let (o3, o4) = (orient(f[0], f[1], p), orient(f[0], f[1], q));
        if o1 != o2 && o3 != o4 && [o1, o2, o3, o4].iter().all(|o| *o != c) {
            return None;
        }
        // Each vertex of `y` starts one of its segments: cut there when on `e`.
        if o1 == c && within(p, f[0], q) && f[0] != p && f[0] != q {
            cuts.push(f[0]);
        }
    }
    cuts.push(q);
    if cuts.len() > 3 {
        // Along `e` (the cuts are collinear with it, so one coordinate orders them).
        let key = |c: &Coord<f64>| if p.x != q.x { (c.x - p.x) * (q.x - p.x).signum() } else { (c.y - p.y) * (q.y - p.y).signum() };
        cuts.sort_by(|u, v| key(u).total_cmp(&key(v)));
        cuts.dedup();
    }
    Some(())
}

/// Whether the segment `s`–`t` lies on one segment of the ring `y`.
fn on_boundary(s: Coord<f64>, t: Coord<f64>, y: &[Coord<f64>]) -> bool {
    let c = Orientation::Collinear;
    let box_st = Bounds::segment(s, t);
    y.windows(2).any(|f| {
        let box_f = Bounds::segment(f[0], f[1]);
        box_f.lo.x <= box_st.lo.x
            && box_f.lo.y <= box_st.lo.y
            && box_f.hi.x >= box_st.hi.x
            && box_f.hi.y >= box_st.hi.y
            && orient(f[0], f[1], s) == c
            && orient(f[0], f[1], t) == c
    })
}

/// Whether `m` is outside the ring `y` and farther than `tol` from it, far beyond
/// rounding (then the even-odd ray count below is exact in effect).
fn certainly_outside(m: Coord<f64>, y: &[Coord<f64>], tol: f64) -> bool {
    let box_m = Bounds { lo: m, hi: m };
    let mut inside = false;
    for f in y.windows(2) {
        let (a, b) = (f[0], f[1]);
        if Bounds::segment(a, b).near(&box_m, tol) && distance_to_segment(m, a, b) < tol {
            return false;
        }
        if (a.y > m.y) != (b.y > m.y) && m.x < a.x + (m.y - a.y) * (b.x - a.x) / (b.y - a.y) {
            inside = !inside;
        }
    }
    !inside
}

/// Euclidean distance from `m` to the segment `a`–`b`.
pub fn distance_to_segment(m: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = match len2 > 0.0 {
        true => (((m.x - a.x) * dx + (m.y - a.y) * dy) / len2).clamp(0.0, 1.0),
        false => 0.0,
    };
    ((a.x + t * dx - m.x).powi(2) + (a.y + t * dy - m.y).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(f64, f64)]) -> Vec<Coord<f64>> {
        points.iter().map(|&(x, y)| Coord { x, y }).collect()
    }

    #[test]
    fn simple_and_not_simple_rings() {
        assert!(is_simple_ring(&ring(&[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)])));
        assert!(is_simple_ring(&ring(&[(0.0, 0.0), (4.0, 0.0), (0.0, 4.0), (0.0, 0.0)])));
        // Collinear vertex on a straight side: simple.
        assert!(is_simple_ring(&ring(&[(0.0, 0.0), (2.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 0.0)])));
        // Bow tie: the sides cross.
        assert!(!is_simple_ring(&ring(&[(0.0, 0.0), (4.0, 4.0), (4.0, 0.0), (0.0, 4.0), (0.0, 0.0)])));
        // Touching itself at a vertex (an inverted hole).
        assert!(!is_simple_ring(&ring(&[
            (0.0, 0.0), (6.0, 0.0), (6.0, 6.0), (3.0, 0.0), (0.0, 6.0), (0.0, 0.0)
        ])));
        // A vertex on another side.
        assert!(!is_simple_ring(&ring(&[
            (0.0, 0.0), (6.0, 0.0), (6.0, 6.0), (3.0, 6.0), (3.0, 0.0), (2.0, 3.0), (0.0, 0.0)
        ])));
        // A spike folding back along its side, a collapsed ring, unclosed, repeated point, too short.
        assert!(!is_simple_ring(&ring(&[(0.0, 0.0), (4.0, 0.0), (2.0, 0.0), (2.0, 3.0), (0.0, 0.0)])));
        assert!(!is_simple_ring(&ring(&[(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (0.0, 0.0)])));
        assert!(!is_simple_ring(&ring(&[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)])));
        assert!(!is_simple_ring(&ring(&[(0.0, 0.0), (4.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 0.0)])));
        assert!(!is_simple_ring(&ring(&[(0.0, 0.0), (4.0, 0.0), (0.0, 0.0)])));
        assert!(!is_simple_ring(&ring(&[(0.0, 0.0), (4.0, f64::NAN), (4.0, 4.0), (0.0, 0.0)])));
    }

    #[test]
    fn disjoint_interiors_of_neighbours_and_overlaps() {
        let square = |x: f64, y: f64, s: f64| ring(&[(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]);
        let a = square(0.0, 0.0, 10.0);
        // Sharing a whole side, a part of a side (T-junctions), a corner, nothing.
        assert!(interiors_disjoint(&a, &square(10.0, 0.0, 10.0)));
        assert!(interiors_disjoint(&a, &square(10.0, 5.0, 10.0)));
        assert!(interiors_disjoint(&a, &ring(&[(10.0, 2.0), (20.0, 2.0), (20.0, 4.0), (10.0, 4.0), (10.0, 2.0)])));
        assert!(interiors_disjoint(&a, &square(10.0, 10.0, 10.0)));
        assert!(interiors_disjoint(&a, &square(30.0, 0.0, 1.0)));
        // Same ring (either direction), inside, containing, overlapping, crossing at vertices.
        assert!(!interiors_disjoint(&a, &a));
        assert!(!interiors_disjoint(&a, &ring(&[(0.0, 0.0), (0.0, 10.0), (10.0, 10.0), (10.0, 0.0), (0.0, 0.0)])));
        assert!(!interiors_disjoint(&a, &square(2.0, 2.0, 3.0)));
        assert!(!interiors_disjoint(&square(2.0, 2.0, 3.0), &a));
        assert!(!interiors_disjoint(&a, &square(0.0, 0.0, 5.0)));
        assert!(!interiors_disjoint(&a, &square(9.0, 0.0, 10.0)));
        assert!(!interiors_disjoint(&a, &ring(&[(5.0, 0.0), (10.0, 5.0), (5.0, 10.0), (0.0, 5.0), (5.0, 0.0)])));
        // A chord: both ends on the square's boundary, the middle inside it.
        assert!(!interiors_disjoint(&a, &ring(&[(0.0, 5.0), (10.0, 5.0), (10.0, 20.0), (0.0, 20.0), (0.0, 5.0)])));
        // Too near to tell: not claimed.
        assert!(!interiors_disjoint(&a, &square(10.0 + 1e-9, 0.0, 10.0)));
    }

    #[test]
    fn separating_sides() {
        let square = |x: f64, y: f64, s: f64| ring(&[(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]);
        let a = square(0.0, 0.0, 10.0);
        assert!(separated(&a, &square(10.0, 3.0, 10.0)));
        assert!(separated(&a, &square(11.0, 3.0, 10.0)));
        assert!(separated(&a, &square(10.0, 10.0, 1.0)));
        assert!(!separated(&a, &a));
        assert!(!separated(&a, &square(9.0, 3.0, 10.0)));
        assert!(!separated(&a, &square(2.0, 2.0, 1.0)));
        // Interlocking L shapes: disjoint, but no side separates them.
        let l1 = ring(&[(0.0, 0.0), (4.0, 0.0), (4.0, 1.0), (1.0, 1.0), (1.0, 4.0), (0.0, 4.0), (0.0, 0.0)]);
        let l2 = ring(&[(2.0, 2.0), (5.0, 2.0), (5.0, 5.0), (2.0, 5.0), (2.0, 2.0)]);
        let l3 = ring(&[(1.0, 1.0), (4.0, 1.0), (4.0, 4.0), (1.0, 4.0), (1.0, 1.0)]);
        assert!(!separated(&l1, &l2));
        assert!(interiors_disjoint(&l1, &l2));
        assert!(!separated(&l1, &l3));
        assert!(interiors_disjoint(&l1, &l3));
    }

    #[test]
    fn rings_touching_at_points_and_more() {
        let square = |x: f64, y: f64, s: f64| ring(&[(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]);
        let (a, corner, apart) = (square(0.0, 0.0, 10.0), square(10.0, 10.0, 5.0), square(20.0, 0.0, 5.0));
        assert!(rings_simple_and_touching_at_points(&[&a, &corner, &apart]));
        // Along a stretch of side, a vertex on the other's side (T), crossing.
        assert!(!rings_simple_and_touching_at_points(&[&a, &square(10.0, 0.0, 10.0)]));
        assert!(!rings_simple_and_touching_at_points(&[&a, &square(10.0, 5.0, 10.0)]));
        assert!(!rings_simple_and_touching_at_points(&[&a, &square(5.0, 5.0, 10.0)]));
        // A hole touching its outline at a shared vertex; and at a point mid-side.
        let hole = ring(&[(0.0, 0.0), (5.0, 2.0), (2.0, 5.0), (0.0, 0.0)]);
        assert!(rings_simple_and_touching_at_points(&[&a, &hole]));
        let mid = ring(&[(5.0, 0.0), (6.0, 2.0), (4.0, 2.0), (5.0, 0.0)]);
        assert!(!rings_simple_and_touching_at_points(&[&a, &mid]));
        // A ring that is not simple among others apart: a bow tie, a ring touching itself.
        let bow_tie = ring(&[(30.0, 0.0), (34.0, 4.0), (34.0, 0.0), (30.0, 4.0), (30.0, 0.0)]);
        assert!(!rings_simple_and_touching_at_points(&[&a, &bow_tie]));
        let pinched = ring(&[(40.0, 0.0), (46.0, 0.0), (46.0, 6.0), (43.0, 0.0), (40.0, 6.0), (40.0, 0.0)]);
        assert!(!rings_simple_and_touching_at_points(&[&a, &pinched]));
    }

    #[test]
    fn segments_meeting() {
        let c = |x, y| Coord { x, y };
        assert!(segments_meet(c(0.0, 0.0), c(2.0, 2.0), c(0.0, 2.0), c(2.0, 0.0)));
        assert!(segments_meet(c(0.0, 0.0), c(2.0, 0.0), c(1.0, 0.0), c(1.0, 5.0)));
        assert!(segments_meet(c(0.0, 0.0), c(2.0, 0.0), c(1.0, 0.0), c(3.0, 0.0)));
        assert!(!segments_meet(c(0.0, 0.0), c(2.0, 0.0), c(2.5, 0.0), c(3.0, 0.0)));
        assert!(!segments_meet(c(0.0, 0.0), c(2.0, 0.0), c(0.0, 1e-300), c(2.0, 1e-300)));
    }
}
