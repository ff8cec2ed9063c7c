//! Each planned baseline parcel's status from the overlay's pieces, and the pieces changed
//! outside the plan.

use geo::Area;

use super::{hundredths, table, Baseline, Item, PlanProgress, Status, Survey, TARGET_CLASSES};
use crate::context::CancelToken;
use crate::error::Result;
use crate::settings::{class_index, ProgressSettings, LAND_USE_CLASSES};
use crate::stages::transitions::overlay::{overlay, Piece};

/// What the new survey shows on one planned parcel: cm² per class, and its parcels there.
#[derive(Default)]
struct Cover {
    by_class: [i64; LAND_USE_CLASSES.len()],
    current: Vec<usize>,
}

/// The plan progress of `baseline` against `survey`: a planned parcel is carried out (or
/// contrary) at `s.min_share` of its area; pieces under `s.min_piece_m2` are slivers.
pub fn assess(baseline: Baseline, survey: Survey, s: &ProgressSettings, cancel: &CancelToken) -> Result<PlanProgress> {
    let piece_cm2 = crate::stages::transitions::cm2(s.min_piece_m2);
    let targets: Vec<u8> = TARGET_CLASSES.iter().filter_map(|c| class_index(c)).map(|k| k as u8).collect();
    let outside = |k: usize, j: usize| {
        let to = survey.classes[j];
        baseline.kind[k].is_none() && baseline.current[k] != to && targets.contains(&to)
    };
    let pieces = overlay(&baseline.parcels, survey.parcels, &outside, cancel)?.pieces;
    let mut covers: Vec<Option<Cover>> = baseline.kind.iter().map(|k| k.map(|_| Cover::default())).collect();
    let mut changed = Vec::new();
    for piece in pieces {
        match covers[piece.old].as_mut() {
            Some(cover) => {
                cover.by_class[survey.classes[piece.new] as usize] += piece.cm2;
                if piece.cm2 >= piece_cm2 {
                    cover.current.push(piece.new);
                }
            }
            None if piece.geometry.is_some() && piece.cm2 >= piece_cm2 => changed.push(outside_item(&survey, piece)),
            None => {}
        }
    }
    let mut items: Vec<Item> = covers
        .into_iter()
        .enumerate()
        .filter_map(|(k, cover)| cover.map(|c| planned_item(&baseline, k, c, s.min_share)))
        .collect();
    items.extend(changed);
    let rows = table::rows(&items);
    Ok(PlanProgress { baseline, items, rows })
}

/// A planned parcel: its shares in the planned, its old and other classes, and its status.
fn planned_item(b: &Baseline, k: usize, cover: Cover, min_share: f64) -> Item {
    let m2 = b.parcels.geometry(k).unsigned_area();
    let total = crate::stages::transitions::cm2(m2);
    let (to, from) = (b.planned[k] as usize, b.current[k] as usize);
    let covered: i64 = cover.by_class.iter().sum();
    let [planned, old] = [to, from].map(|c| cover.by_class[c]);
    let share = |cm2: i64| if total > 0 { cm2 as f64 / total as f64 } else { 0.0 };
    let shares = [share(planned), share(old), share(covered - planned - old), share(total - covered).max(0.0)];
    let status = match shares {
        [p, ..] if p >= min_share => Status::CarriedOut,
        [_, _, other, _] if other >= min_share => Status::Contrary,
        _ => Status::NotYet,
    };
    // The class over most of it (ties: the first class).
    let now = (0..cover.by_class.len()).filter(|&c| cover.by_class[c] > 0).max_by_key(|&c| (cover.by_class[c], std::cmp::Reverse(c)));
    let mut current = cover.current;
    current.dedup();
    Item {
        status,
        kind: b.kind[k],
        baseline: k,
        current,
        village_code: b.parcels.village_code(k).to_string(),
        village_name: b.parcels.village_name(k).to_string(),
        class_to: to as u8,
        class_now: now.map(|c| c as u8),
        area: hundredths(m2),
        shares: Some(shares),
        geometry: None,
    }
}

/// A piece of unplanned land now in a class the rules plan.
fn outside_item(survey: &Survey, piece: Piece) -> Item {
    let geometry = piece.geometry.expect("kept for land changed outside the plan");
    let (p, j) = (survey.parcels, piece.new);
    Item {
        status: Status::Outside,
        kind: None,
        baseline: piece.old,
        current: vec![j],
        village_code: p.village_code(j).to_string(),
        village_name: p.village_name(j).to_string(),
        class_to: survey.classes[j],
        class_now: Some(survey.classes[j]),
        area: hundredths(geometry.unsigned_area()),
        shares: None,
        geometry: Some(geometry),
    }
}
