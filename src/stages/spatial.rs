//! R-tree items over bounding boxes, shared by the stages that look for neighbours
//! (adjacency, zones, topology), and the one tree over the parcels' boxes that topology
//! and adjacency both query.

use geo::{BoundingRect, MultiPolygon, Rect};
use rstar::{RTree, RTreeObject, AABB};

use crate::parcels::Shapes;

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

/// An R-tree over every parcel's bounding box as it is (unpadded), built once: topology
/// asks it for the boxes that meet a parcel's, adjacency for those within 2ε of it
/// (boxes each grown by ε meet exactly when one grown by 2ε meets the other).
pub struct BoxTree(RTree<Indexed>);

impl BoxTree {
    pub fn of(shapes: &Shapes) -> BoxTree {
        let items: Vec<Indexed> = (0..shapes.len())
            .filter_map(|index| shapes.bounding_rect(index).map(|r| Indexed { index, envelope: padded(r, 0.0) }))
            .collect();
        BoxTree(RTree::bulk_load(items))
    }

    /// The parcels whose boxes meet `r` grown by `pad` on every side, in no set order.
    pub fn meeting(&self, r: Rect<f64>, pad: f64) -> impl Iterator<Item = usize> + '_ {
        self.0.locate_in_envelope_intersecting(&padded(r, pad)).map(|item| item.index)
    }
}
