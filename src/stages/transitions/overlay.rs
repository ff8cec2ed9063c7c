//! The overlay of two surveys: for every parcel of the later survey, its pieces with the
//! parcels of the earlier one (an R-tree over the earlier parcels' boxes finds them; a
//! cheap exact test drops neighbours that only touch; geo's boolean intersection measures
//! the rest), in parallel over the later parcels. Shared by the transitions and the plan
//! progress (`stages::progress`), each keeping the geometries of the pieces it draws.

use std::collections::HashMap;

use geo::{Area, BooleanOps, MultiPolygon};
use rayon::prelude::*;

use super::{class_of, cm2, ChangedPiece};
use crate::context::CancelToken;
use crate::error::Result;
use crate::parcels::Parcels;
use crate::stages::spatial::BoxTree;
use crate::vector::simple::interiors_disjoint;

/// One piece `old ∩ new`: the two parcels, its area, and its geometry when the caller
/// keeps it (only those are drawn).
pub struct Piece {
    pub old: usize,
    pub new: usize,
    pub cm2: i64,
    pub geometry: Option<MultiPolygon<f64>>,
}

pub struct Overlay {
    /// Ordered by new parcel, then old parcel.
    pub pieces: Vec<Piece>,
    /// Later parcels taken whole (same BSM and geometry, nothing else of the earlier
    /// survey inside them).
    pub unchanged: usize,
}

/// Which pieces keep their geometry: `keep(old parcel, new parcel)`.
pub type Keep<'a> = &'a (dyn Fn(usize, usize) -> bool + Sync);

/// The pieces of every later parcel with the earlier ones.
pub fn overlay(old: &Parcels, new: &Parcels, keep: Keep, cancel: &CancelToken) -> Result<Overlay> {
    let tree = BoxTree::of(old.shapes());
    let by_id: HashMap<&str, usize> = (0..old.len()).map(|i| (old.id(i), i)).collect();
    let per_parcel: Vec<(Vec<Piece>, bool)> = (0..new.len())
        .into_par_iter()
        .with_min_len(64)
        .map(|j| {
            if j % 1024 == 0 {
                cancel.check()?;
            }
            Ok(pieces_of(old, new, j, &tree, &by_id, keep))
        })
        .collect::<Result<_>>()?;
    let unchanged = per_parcel.iter().filter(|(_, fast)| *fast).count();
    Ok(Overlay { pieces: per_parcel.into_iter().flat_map(|(p, _)| p).collect(), unchanged })
}

/// The pieces of later parcel `j`, and whether it took the fast path.
fn pieces_of(old: &Parcels, new: &Parcels, j: usize, tree: &BoxTree, by_id: &HashMap<&str, usize>, keep: Keep) -> (Vec<Piece>, bool) {
    let Some(rect) = new.bounding_rect(j) else { return (Vec::new(), false) };
    let mut near: Vec<usize> = tree.meeting(rect, 0.0).filter(|&k| !only_touch(old, k, new, j)).collect();
    near.sort_unstable();
    let same = by_id.get(new.id(j)).copied().filter(|&i| same_geometry(old, i, new, j));
    if let (Some(i), [only]) = (same, near.as_slice()) {
        if *only == i {
            let g = new.geometry(j);
            let piece = Piece { old: i, new: j, cm2: cm2(g.unsigned_area()), geometry: keep(i, j).then_some(g) };
            return (vec![piece], true);
        }
    }
    let g = new.geometry(j);
    let pieces = near
        .into_iter()
        .filter_map(|k| {
            let inter = g.intersection(&old.geometry(k));
            let area = cm2(inter.unsigned_area());
            (area != 0).then(|| Piece { old: k, new: j, cm2: area, geometry: keep(k, j).then_some(inter) })
        })
        .collect();
    (pieces, false)
}

/// Whether every polygon of old parcel `k` and of new parcel `j` certainly meet at most
/// on their boundaries (exteriors compared: a parcel inside another's hole is measured).
fn only_touch(old: &Parcels, k: usize, new: &Parcels, j: usize) -> bool {
    let exteriors = |p: &'_ Parcels, i: usize| -> Vec<Vec<geo::Coord<f64>>> {
        p.shapes().polygons(i).filter_map(|mut rings| rings.next().map(<[_]>::to_vec)).collect()
    };
    let (a, b) = (exteriors(old, k), exteriors(new, j));
    a.iter().all(|ra| b.iter().all(|rb| interiors_disjoint(ra, rb)))
}

/// Whether parcels `i` (earlier) and `j` (later) have the very same rings.
fn same_geometry(old: &Parcels, i: usize, new: &Parcels, j: usize) -> bool {
    old.shapes().rings(i).eq(new.shapes().rings(j))
}

/// Whether the 一级类 changed from earlier parcel `k` to later parcel `j` (the pieces
/// `landuse_changes` draws).
pub fn class_changed(old: &Parcels, new: &Parcels, k: usize, j: usize) -> bool {
    class_of(old.land_use(k)) != class_of(new.land_use(j))
}

/// The pieces whose class changed, with what the layer shows of them.
pub fn changed_pieces(old: &Parcels, new: &Parcels, pieces: Vec<Piece>) -> Vec<ChangedPiece> {
    pieces
        .into_iter()
        .filter_map(|p| {
            let geometry = p.geometry?;
            Some(ChangedPiece {
                old_id: old.id(p.old).to_string(),
                new_id: new.id(p.new).to_string(),
                old_code: old.land_use(p.old).to_string(),
                new_code: new.land_use(p.new).to_string(),
                village_code: new.village_code(p.new).to_string(),
                village_name: new.village_name(p.new).to_string(),
                cm2: p.cm2,
                geometry,
            })
        })
        .collect()
}
