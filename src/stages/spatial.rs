//! R-tree items over bounding boxes, shared by the stages that look for neighbours
//! (adjacency, zones, topology).

use geo::{BoundingRect, MultiPolygon, Rect};
use rstar::{RTreeObject, AABB};

/// An item of an R-tree over bounding boxes: its index and its (padded) box.
pub struct Indexed {
    pub index: usize,
    pub envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Indexed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// A rectangle grown by `pad` on every side, as an R-tree envelope.
pub fn padded(r: Rect<f64>, pad: f64) -> AABB<[f64; 2]> {
    AABB::from_corners(
        [r.min().x - pad, r.min().y - pad],
        [r.max().x + pad, r.max().y + pad],
    )
}

/// Bounding box of a geometry grown by `pad` on every side (None when it is empty).
pub fn envelope(g: &MultiPolygon<f64>, pad: f64) -> Option<AABB<[f64; 2]>> {
    g.bounding_rect().map(|r| padded(r, pad))
}
