//! Geometries as a GeoPackage stores them (GeoPackage 1.2, clause 2.1.3): a header —
//! magic "GP", version 0, flags, srs_id, an XY envelope — then the geometry as
//! little-endian WKB. Byte for byte what GDAL 3.6 writes for a MultiPolygon (checked
//! against OGR's own WKB in the tests below).

use geo::MultiPolygon;

/// Flags byte: bit 0 = little-endian, bits 1–3 = envelope kind (1: XY), bit 4 = empty.
const LITTLE_ENDIAN: u8 = 0x01;
const ENVELOPE_XY: u8 = 1 << 1;
const EMPTY: u8 = 1 << 4;

/// WKB type codes (ISO 13249, 2-D).
const WKB_POLYGON: u32 = 3;
const WKB_MULTIPOLYGON: u32 = 6;
/// WKB byte-order marker for little-endian.
const WKB_NDR: u8 = 1;

/// A geometry's bounds over every ring's every vertex, as OGR computes an envelope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Envelope {
    pub min_x: f64,
    pub max_x: f64,
    pub min_y: f64,
    pub max_y: f64,
}

impl Envelope {
    fn of_point(x: f64, y: f64) -> Envelope {
        Envelope { min_x: x, max_x: x, min_y: y, max_y: y }
    }

    // Comparisons written as OGR's (`if x < min`), so a NaN coordinate never widens it.
    fn include(&mut self, x: f64, y: f64) {
        if x < self.min_x {
            self.min_x = x;
        }
        if x > self.max_x {
            self.max_x = x;
        }
        if y < self.min_y {
            self.min_y = y;
        }
        if y > self.max_y {
            self.max_y = y;
        }
    }

    /// The smallest envelope holding both.
    pub fn union(self, other: Envelope) -> Envelope {
        let mut out = self;
        out.include(other.min_x, other.min_y);
        out.include(other.max_x, other.max_y);
        out
    }
}

/// The envelope of every vertex of `g`; None when it has none (an empty geometry).
fn envelope_of(g: &MultiPolygon<f64>) -> Option<Envelope> {
    let mut vertices = g.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())).flat_map(|r| r.0.iter());
    let first = vertices.next()?;
    let mut e = Envelope::of_point(first.x, first.y);
    for c in vertices {
        e.include(c.x, c.y);
    }
    Some(e)
}

/// Appends the GeoPackage blob of `g` (in CRS `srs_id`) to `out` and returns its envelope.
/// An empty geometry is written as GDAL writes it: the empty flag, no envelope, and the
/// WKB of an empty MultiPolygon.
pub fn append_multipolygon(out: &mut Vec<u8>, srs_id: i32, g: &MultiPolygon<f64>) -> Option<Envelope> {
    let envelope = envelope_of(g);
    out.extend_from_slice(b"GP");
    out.push(0); // version 1 of the blob format is stored as 0
    out.push(LITTLE_ENDIAN | if envelope.is_some() { ENVELOPE_XY } else { EMPTY });
    out.extend_from_slice(&srs_id.to_le_bytes());
    if let Some(e) = envelope {
        // The header's envelope order is minx, maxx, miny, maxy.
        for v in [e.min_x, e.max_x, e.min_y, e.max_y] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    append_wkb(out, g);
    envelope
}

/// Little-endian 2-D WKB of a MultiPolygon: every polygon with every ring as given
/// (no ring is closed, dropped or reoriented, as OGR exports them).
fn append_wkb(out: &mut Vec<u8>, g: &MultiPolygon<f64>) {
    // Counts are u32 in WKB; a ring of 2^32 vertices would not fit in memory first.
    let count = |n: usize| (n as u32).to_le_bytes();
    out.push(WKB_NDR);
    out.extend_from_slice(&WKB_MULTIPOLYGON.to_le_bytes());
    out.extend_from_slice(&count(g.0.len()));
    for polygon in g {
        out.push(WKB_NDR);
        out.extend_from_slice(&WKB_POLYGON.to_le_bytes());
        out.extend_from_slice(&count(1 + polygon.interiors().len()));
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            out.extend_from_slice(&count(ring.0.len()));
            for c in &ring.0 {
                out.extend_from_slice(&c.x.to_le_bytes());
                out.extend_from_slice(&c.y.to_le_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gdal::vector::ToGdal;
    use geo::{polygon, LineString, Polygon};

    fn shapes() -> Vec<MultiPolygon<f64>> {
        let square = polygon![(x: 500000.5, y: 3300000.25), (x: 500010.0, y: 3300000.25), (x: 500010.0, y: 3300009.0), (x: 500000.5, y: 3300000.25)];
        let holed = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]),
            vec![LineString::from(vec![(2.0, 2.0), (3.0, 2.0), (3.0, 3.0), (2.0, 2.0)])],
        );
        // A hole outside its shell (invalid, but written as given): the envelope covers it.
        let stray_hole = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]),
            vec![LineString::from(vec![(-5.0, 7.0), (-4.0, 7.0), (-4.0, 8.0), (-5.0, 7.0)])],
        );
        vec![
            MultiPolygon::new(vec![]),
            MultiPolygon::new(vec![square.clone()]),
            MultiPolygon::new(vec![square, holed.clone()]),
            MultiPolygon::new(vec![stray_hole]),
            MultiPolygon::new(vec![Polygon::new(LineString::new(vec![]), vec![])]),
            MultiPolygon::new(vec![holed, Polygon::new(LineString::from(vec![(-0.0, 1e-300)]), vec![])]),
        ]
    }

    #[test]
    fn wkb_is_ogrs() {
        for g in shapes() {
            let mut blob = Vec::new();
            let envelope = append_multipolygon(&mut blob, 4544, &g);
            let header = if envelope.is_some() { 40 } else { 8 };
            let ogr = g.to_gdal().unwrap();
            assert_eq!(&blob[header..], ogr.wkb().unwrap().as_slice(), "{g:?}");
            match envelope {
                Some(e) => {
                    let o = ogr.envelope();
                    assert_eq!((e.min_x, e.max_x, e.min_y, e.max_y), (o.MinX, o.MaxX, o.MinY, o.MaxY));
                }
                None => assert!(ogr.is_empty()),
            }
        }
    }

    #[test]
    fn header_as_gdal_writes_it() {
        // Both blobs as GDAL 3.6 wrote them (fid 1 and 2 of a layer in srs_id 100000).
        let empty = "47500011A0860100010600000000000000";
        let triangle = "47500003A08601000000000000000000000000000000F03F0000000000000000000000000000F03F\
                        0106000000010000000103000000010000000400000000000000000000000000000000000000\
                        000000000000F03F0000000000000000000000000000F03F000000000000F03F000000000000\
                        00000000000000000000";
        let hex = |g: &MultiPolygon<f64>| {
            let mut blob = Vec::new();
            append_multipolygon(&mut blob, 100000, g);
            blob.iter().map(|b| format!("{b:02X}")).collect::<String>()
        };
        assert_eq!(hex(&MultiPolygon::new(vec![])), empty);
        let t = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)];
        assert_eq!(hex(&MultiPolygon::new(vec![t])), triangle);
    }
}
