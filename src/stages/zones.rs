//! Zone layers for the reforestation rule (exclusion or inclusion polygons) and the
//! share of a parcel's area inside them.

use geo::{Area, BooleanOps, MultiPolygon};
use rstar::RTree;

use super::spatial::{envelope, Indexed};
use crate::settings::{ZoneLayer, ZoneMode};

/// A zone layer's polygons, indexed for overlap queries.
pub struct Zone {
    pub name: String,
    pub mode: ZoneMode,
    pub min_share: f64,
    polygons: Vec<MultiPolygon<f64>>,
    tree: RTree<Indexed>,
}

impl Zone {
    pub fn new(layer: &ZoneLayer, polygons: Vec<MultiPolygon<f64>>) -> Zone {
        let items = polygons
            .iter()
            .enumerate()
            .filter_map(|(index, g)| envelope(g, 0.0).map(|envelope| Indexed { index, envelope }))
            .collect();
        Zone {
            name: layer.name.clone(),
            mode: layer.mode,
            min_share: layer.min_share,
            polygons,
            tree: RTree::bulk_load(items),
        }
    }

    /// Share (0–1) of `parcel`'s area inside the zone. Overlapping zone polygons are
    /// counted once each, so the share is clamped to 1.
    pub fn overlap_share(&self, parcel: &MultiPolygon<f64>) -> f64 {
        let area = parcel.unsigned_area();
        let Some(env) = envelope(parcel, 0.0) else {
            return 0.0;
        };
        if area <= 0.0 {
            return 0.0;
        }
        let inside: f64 = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .map(|item| {
                parcel
                    .intersection(&self.polygons[item.index])
                    .unsigned_area()
            })
            .sum();
        (inside / area).clamp(0.0, 1.0)
    }
}
