//! Following the outline edges into rings, also through pinch vertices.
//!
//! Where the outline touches itself — two fields meeting at one corner, a field closing
//! round a courtyard at one point — a vertex starts and ends several outline edges, and
//! which way to go on is a choice. Arriving along an edge, the walk takes the outgoing
//! edge first met turning clockwise from the way back: the interior lies to the left of
//! every edge, so that edge closes the narrowest sector of interior at the vertex, and
//! each sector of the union at a pinch is one corner of one ring. A walk that meets a
//! vertex twice (a field touching itself) is then cut there into its loops: a
//! counter-clockwise outline and a clockwise hole touching it, which is how OGC (and
//! GEOS) write such a polygon. The exact orientation predicate orders the turns, so no
//! rounding picks a wrong one.

use hashbrown::HashMap;

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::Coord;

use super::{coord, Vertex};

/// The outline's closed rings, each a list of vertices whose last is its first. The
/// edges are walked in sorted order, so each ring starts at its smallest vertex and the
/// result does not depend on hashing. None when the turns do not pair every arriving
/// edge with a distinct leaving one (not the outline of a mosaic).
pub fn rings(mut edges: Vec<(Vertex, Vertex)>) -> Option<Vec<Vec<Vertex>>> {
    edges.sort_unstable();
    let (next, pinched) = turns(&edges)?;
    let mut seen = vec![false; edges.len()];
    let mut rings = Vec::new();
    for start in 0..edges.len() {
        if seen[start] {
            continue;
        }
        let mut walk = vec![edges[start].0];
        let (mut at, mut through_pinch) = (start, false);
        loop {
            seen[at] = true;
            walk.push(edges[at].1);
            through_pinch |= pinched[at];
            at = next[at];
            if at == start {
                break;
            }
        }
        // Only a walk through a pinch vertex can meet a vertex twice.
        match through_pinch {
            true => split_at_repeats(walk, &mut rings),
            false => rings.push(walk),
        }
    }
    Some(rings)
}

/// For every edge (by index into the sorted `edges`), the edge the walk takes after it,
/// and whether it ends at a pinch vertex (where several edges leave).
fn turns(edges: &[(Vertex, Vertex)]) -> Option<(Vec<usize>, Vec<bool>)> {
    // Sorted, the edges leaving one vertex are neighbours.
    let leaving = |v: Vertex| {
        let first = edges.partition_point(|e| e.0 < v);
        first..first + edges[first..].iter().take_while(|e| e.0 == v).count()
    };
    let mut next = Vec::with_capacity(edges.len());
    let mut pinched = Vec::with_capacity(edges.len());
    let mut taken = vec![false; edges.len()];
    for &(a, b) in edges {
        let out = leaving(b);
        let choice = match out.len() {
            0 => return None,
            1 => out.start,
            _ => first_clockwise(coord(b), coord(a), out.clone().map(|k| (k, coord(edges[k].1))))?,
        };
        if std::mem::replace(&mut taken[choice], true) {
            return None;
        }
        next.push(choice);
        pinched.push(out.len() > 1);
    }
    Some((next, pinched))
}

/// Of the edges leaving `at` (index, far end), the first met turning clockwise from the
/// direction back to `from`. None when two leave in the same direction.
fn first_clockwise(at: Coord<f64>, from: Coord<f64>, leaving: impl Iterator<Item = (usize, Coord<f64>)>) -> Option<usize> {
    let mut best: Option<(usize, Coord<f64>, u8)> = None;
    for (k, to) in leaving {
        let half = half_turn(at, from, to);
        best = match best {
            None => Some((k, to, half)),
            Some((_, b, h)) if half < h || (half == h && turns_before(at, to, b)?) => Some((k, to, half)),
            keep => keep,
        };
    }
    best.map(|(k, _, _)| k)
}

/// Where `to` lies turning clockwise from the way back to `from`: 0 within the first
/// half turn, 1 straight on, 2 within the second half turn, 3 straight back.
fn half_turn(at: Coord<f64>, from: Coord<f64>, to: Coord<f64>) -> u8 {
    match RobustKernel::orient2d(at, from, to) {
        Orientation::Clockwise => 0,
        Orientation::CounterClockwise => 2,
        Orientation::Collinear if crate::vector::simple::same_way(at, from, to) => 3,
        Orientation::Collinear => 1,
    }
}

/// Whether `p` comes before `q` turning clockwise round `at`, both in one half turn;
/// None when they leave in the same direction.
fn turns_before(at: Coord<f64>, p: Coord<f64>, q: Coord<f64>) -> Option<bool> {
    match RobustKernel::orient2d(at, p, q) {
        Orientation::Clockwise => Some(true),
        Orientation::CounterClockwise => Some(false),
        Orientation::Collinear => None,
    }
}

/// The closed `walk` (last vertex = first) cut into loops that meet no vertex twice,
/// appended to `rings` (inner loops first, each closed).
fn split_at_repeats(walk: Vec<Vertex>, rings: &mut Vec<Vec<Vertex>>) {
    let mut stack: Vec<Vertex> = Vec::with_capacity(walk.len());
    let mut at: HashMap<Vertex, usize> = HashMap::new();
    for v in walk {
        match at.get(&v) {
            Some(&p) => {
                let mut ring: Vec<Vertex> = stack.drain(p..).collect();
                for u in &ring[1..] {
                    at.remove(u);
                }
                ring.push(v);
                rings.push(ring);
                stack.push(v);
            }
            None => {
                at.insert(v, stack.len());
                stack.push(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: f64, y: f64) -> Vertex {
        (x.to_bits(), y.to_bits())
    }

    #[test]
    fn two_squares_meeting_at_a_corner_are_two_rings() {
        let a = [v(0.0, 0.0), v(1.0, 0.0), v(1.0, 1.0), v(0.0, 1.0)];
        let b = [v(1.0, 1.0), v(2.0, 1.0), v(2.0, 2.0), v(1.0, 2.0)];
        let edges: Vec<_> = [a, b].iter().flat_map(|r| (0..4).map(move |k| (r[k], r[(k + 1) % 4]))).collect();
        let rings = rings(edges).unwrap();
        assert_eq!(rings.len(), 2);
        assert!(rings.iter().all(|r| r.len() == 5 && r[0] == r[4]));
    }

    #[test]
    fn a_walk_through_a_vertex_twice_is_cut_into_its_loops() {
        let (p, q, r, s, t) = (v(0.0, 0.0), v(1.0, 0.0), v(2.0, 0.0), v(3.0, 0.0), v(4.0, 0.0));
        let mut rings = Vec::new();
        split_at_repeats(vec![p, q, r, s, q, t, p], &mut rings);
        assert_eq!(rings, vec![vec![q, r, s, q], vec![p, q, t, p]]);
    }

    #[test]
    fn the_turn_taken_is_the_first_clockwise_from_the_way_back() {
        let c = |x, y| Coord { x, y };
        // Arriving at the origin from the south: west comes before north, north before east.
        let leaving = [(0, c(1.0, 0.0)), (1, c(0.0, 1.0)), (2, c(-1.0, 0.0))];
        assert_eq!(first_clockwise(c(0.0, 0.0), c(0.0, -1.0), leaving.into_iter()), Some(2));
        assert_eq!(first_clockwise(c(0.0, 0.0), c(0.0, -1.0), leaving[..2].iter().copied()), Some(1));
        // Two edges leaving the same way: no choice can be made.
        assert_eq!(first_clockwise(c(0.0, 0.0), c(0.0, -1.0), [(0, c(1.0, 1.0)), (1, c(2.0, 2.0))].into_iter()), None);
    }
}
