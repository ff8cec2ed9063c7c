//! Parcel geometries in flat buffers: all coordinates in one vector, with offsets for
//! rings, polygons and parcels. Stages read rings as slices, or take a parcel as a
//! `geo::MultiPolygon` when they need geo's algorithms.

use geo::{Coord, LineString, MultiPolygon, Polygon, Rect};

#[derive(Debug, Default)]
pub struct Shapes {
    coords: Vec<Coord<f64>>,
    /// Ring r is coords[ring_start[r]..ring_start[r + 1]].
    ring_start: Vec<usize>,
    /// Polygon p is rings poly_start[p]..poly_start[p + 1]; its first ring is the exterior.
    poly_start: Vec<usize>,
    /// Parcel i is polygons parcel_start[i]..parcel_start[i + 1].
    parcel_start: Vec<usize>,
    /// Bounding box of each parcel (None without coordinates), made once: every
    /// pairwise stage asks for them again and again.
    bounds: Vec<Option<Rect<f64>>>,
}

impl Shapes {
    pub fn new() -> Shapes {
        Shapes {
            ring_start: vec![0],
            poly_start: vec![0],
            parcel_start: vec![0],
            ..Default::default()
        }
    }

    pub fn push(&mut self, g: &MultiPolygon<f64>) {
        let first = self.coords.len();
        for p in &g.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                self.coords.extend_from_slice(&ring.0);
                self.ring_start.push(self.coords.len());
            }
            self.poly_start.push(self.ring_start.len() - 1);
        }
        self.parcel_start.push(self.poly_start.len() - 1);
        self.bounds.push(bounds_of(&self.coords[first..]));
    }

    pub fn len(&self) -> usize {
        self.parcel_start.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn ring(&self, r: usize) -> &[Coord<f64>] {
        &self.coords[self.ring_start[r]..self.ring_start[r + 1]]
    }

    /// The polygons of parcel `i`, each as its rings (exterior first).
    pub fn polygons(&self, i: usize) -> impl Iterator<Item = impl Iterator<Item = &[Coord<f64>]>> {
        (self.parcel_start[i]..self.parcel_start[i + 1])
            .map(move |p| (self.poly_start[p]..self.poly_start[p + 1]).map(move |r| self.ring(r)))
    }

    /// Every ring of parcel `i` (exteriors and holes).
    pub fn rings(&self, i: usize) -> impl Iterator<Item = &[Coord<f64>]> {
        self.polygons(i).flatten()
    }

    /// Parcel `i` as a geo multipolygon (a copy).
    pub fn multipolygon(&self, i: usize) -> MultiPolygon<f64> {
        let polygons = self
            .polygons(i)
            .map(|mut rings| {
                let exterior = LineString(rings.next().map(<[_]>::to_vec).unwrap_or_default());
                Polygon::new(exterior, rings.map(|r| LineString(r.to_vec())).collect())
            })
            .collect();
        MultiPolygon::new(polygons)
    }

    /// Bounding box of parcel `i` (None when it has no coordinates).
    pub fn bounding_rect(&self, i: usize) -> Option<Rect<f64>> {
        self.bounds[i]
    }

    pub fn shrink_to_fit(&mut self) {
        self.bounds.shrink_to_fit();
        self.coords.shrink_to_fit();
        self.ring_start.shrink_to_fit();
        self.poly_start.shrink_to_fit();
        self.parcel_start.shrink_to_fit();
    }

    /// Bytes held by the coordinate and offset buffers.
    pub fn heap_bytes(&self) -> usize {
        self.coords.capacity() * std::mem::size_of::<Coord<f64>>()
            + (self.ring_start.capacity() + self.poly_start.capacity() + self.parcel_start.capacity())
                * std::mem::size_of::<usize>()
            + self.bounds.capacity() * std::mem::size_of::<Option<Rect<f64>>>()
    }
}

/// The box around `coords` (None when there are none).
fn bounds_of(coords: &[Coord<f64>]) -> Option<Rect<f64>> {
    let (first, rest) = coords.split_first()?;
    let (mut lo, mut hi) = (*first, *first);
    for c in rest {
        lo.x = lo.x.min(c.x);
        lo.y = lo.y.min(c.y);
        hi.x = hi.x.max(c.x);
        hi.y = hi.y.max(c.y);
    }
    Some(Rect::new(lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn multipolygons_round_trip_with_holes_and_parts() {
        let with_hole = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 0.0)]),
            vec![LineString::from(vec![(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 1.0)])],
        );
        let a = MultiPolygon::new(vec![with_hole, polygon![(x: 20.0, y: 0.0), (x: 21.0, y: 0.0), (x: 21.0, y: 1.0)]]);
        let b = MultiPolygon::new(vec![]);
        let mut s = Shapes::new();
        s.push(&a);
        s.push(&b);
        s.push(&a);
        assert_eq!(s.len(), 3);
        assert_eq!(s.multipolygon(0), a);
        assert_eq!(s.multipolygon(1), b);
        assert_eq!(s.multipolygon(2), a);
        assert_eq!(s.rings(0).count(), 3);
        assert!(s.bounding_rect(1).is_none());
        assert_eq!(s.bounding_rect(2).unwrap().max().x, 21.0);
    }
}
