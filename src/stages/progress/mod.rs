//! 规划实施进度 (plan progress): the plan of a previous run (the baseline: its survey's
//! parcels, the class each was planned to take and the kind of plan) against this run's
//! survey. The two surveys are overlaid in the working CRS (`transitions::overlay`, the
//! overlay of the land-use transitions); then every parcel the baseline planned to change
//! is
//!
//! - `carried_out` when the new survey shows its planned class on at least
//!   `progress.min_share` of its area;
//! - else `contrary` when it shows classes that are neither its baseline class nor the
//!   planned one on at least `min_share` together (it moved the other way: cropland
//!   planned as forest now built on, a homestead to reclaim now a shop);
//! - else `not_yet` (still mostly its old class, or split with no side reaching the share).
//!
//! Land the baseline did not plan to change that the new survey shows in another class,
//! one of the classes the rules plan ([`TARGET_CLASSES`]: cropland, forest, grassland,
//! wetland), was changed `outside` the plan: each piece (baseline parcel ∩ current parcel)
//! is counted, in the current parcel's village.
//!
//! Classes are the planning classes of the 用地结构调整表: the baseline's as that run
//! recorded them, this survey's by this run's code table. Shares are of the baseline
//! parcel's computed area (land the new survey does not cover is in no class). Areas are
//! whole hundredths of m² per item (a parcel or a piece, as the layer prints it), so the
//! table's rows add up to its totals, and to the layer's rows, exactly.

mod assess;
mod table;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use geo::MultiPolygon;

use crate::parcels::Parcels;
pub use assess::assess;
pub use table::{counts, summary, ProgressRow, Tally, ROW_KINDS};

/// The statuses of a planned parcel, and of land changed outside the plan:
/// (key, 中文, English).
pub const STATUSES: [(&str, &str, &str); 4] = [
    ("carried_out", "已实施", "carried out"),
    ("not_yet", "未实施", "not yet"),
    ("contrary", "反向变化", "contrary"),
    ("outside", "规划外变化", "changed outside the plan"),
];

/// A row's status (in [`STATUSES`] order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    CarriedOut,
    NotYet,
    Contrary,
    Outside,
}

impl Status {
    pub fn key(self) -> &'static str {
        STATUSES[self as usize].0
    }
}

/// The classes land moving into counts as changed outside the plan: those the rules plan
/// (退耕还林 and 宜林 to forest; 复耕, 开发, 置换, 宜耕 and 田坎 to cropland; 生态修复 to
/// forest, grassland or wetland).
pub const TARGET_CLASSES: [&str; 4] = ["cropland", "forest", "grassland", "wetland"];

/// The baseline: a previous run's survey parcels, in this run's working CRS, and its plan.
pub struct Baseline {
    pub parcels: Parcels,
    /// Each parcel's planning class at the baseline and after its plan (indices into
    /// `settings::LAND_USE_CLASSES`).
    pub current: Vec<u8>,
    pub planned: Vec<u8>,
    /// The kind of plan (a `rule::PLAN_KINDS` key) that changes the parcel's class; None:
    /// the plan leaves it.
    pub kind: Vec<Option<&'static str>>,
    /// The GeoPackage it was read from.
    pub path: PathBuf,
}

/// This run's survey and each of its parcels' planning class.
#[derive(Clone, Copy)]
pub struct Survey<'a> {
    pub parcels: &'a Parcels,
    pub classes: &'a [u8],
}

/// One row of `plan_progress_parcels`: a planned baseline parcel, or a piece changed
/// outside the plan.
#[derive(Debug, Clone)]
pub struct Item {
    pub status: Status,
    /// The kind of plan; None outside the plan.
    pub kind: Option<&'static str>,
    /// The baseline parcel.
    pub baseline: usize,
    /// The current parcels over it (outside the plan: the one of the piece).
    pub current: Vec<usize>,
    /// The baseline parcel's village (planned), or the current parcel's (outside).
    pub village_code: String,
    pub village_name: String,
    /// The planned class, or the class the land moved into (outside).
    pub class_to: u8,
    /// The class covering most of it now (None: the new survey does not cover it).
    pub class_now: Option<u8>,
    /// Its area, whole hundredths of m².
    pub area: i64,
    /// Shares of a planned parcel's area the new survey shows in the planned class, in its
    /// baseline class, in other classes, and not at all.
    pub shares: Option<[f64; 4]>,
    /// The piece's outline (outside the plan; a planned parcel is drawn as the baseline's).
    pub geometry: Option<MultiPolygon<f64>>,
}

/// What the plan progress gives: every item, the table, and what it was made from.
pub struct PlanProgress {
    pub baseline: Baseline,
    /// The planned parcels in baseline order, then the pieces changed outside the plan
    /// (by current parcel, then baseline parcel).
    pub items: Vec<Item>,
    pub rows: Vec<ProgressRow>,
}

/// Whole hundredths of m² of an area in m² (as the layer prints it, to 0.01 m²).
pub fn hundredths(m2: f64) -> i64 {
    (m2 * 100.0).round() as i64
}
