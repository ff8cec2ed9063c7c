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
    let n = ring.len();
    if n < 4 || ring[0] != ring[n - 1] || ring.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
        return false;
    }
    if ring.windows(2).any(|w| w[0] == w[1]) {
        return false;
    }
    let m = n - 1;
    // Consecutive segments meet at their shared vertex only, unless one folds back.
    if (0..m).any(|k| folds_back(ring[k], ring[k + 1], ring[(k + 1) % m + 1])) {
        return false;
    }
    !non_adjacent_segments_meet(ring)
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
    fn segments_meeting() {
        let c = |x, y| Coord { x, y };
        assert!(segments_meet(c(0.0, 0.0), c(2.0, 2.0), c(0.0, 2.0), c(2.0, 0.0)));
        assert!(segments_meet(c(0.0, 0.0), c(2.0, 0.0), c(1.0, 0.0), c(1.0, 5.0)));
        assert!(segments_meet(c(0.0, 0.0), c(2.0, 0.0), c(1.0, 0.0), c(3.0, 0.0)));
        assert!(!segments_meet(c(0.0, 0.0), c(2.0, 0.0), c(2.5, 0.0), c(3.0, 0.0)));
        assert!(!segments_meet(c(0.0, 0.0), c(2.0, 0.0), c(0.0, 1e-300), c(2.0, 1e-300)));
    }
}
