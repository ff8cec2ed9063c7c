//! Land-use transitions between two surveys (地类转移矩阵): the overlay of the earlier and
//! the later parcel layers in the working CRS, the pieces whose class changed, and the
//! matrix from class × to class per village and in total, reconciled in integer cm² with
//! each survey's class totals.
//!
//! A piece is `old ∩ new` for every pair of parcels whose interiors meet. Land of one
//! survey that the other does not cover goes to (or comes from) the class [`NONE`], so
//! every row adds up to the earlier survey's class total and every column to the later
//! one's, to the cm². Parcels whose BSM and geometry are unchanged skip the boolean
//! operation (the fast path): the whole parcel is its own piece.

mod matrix;
pub mod overlay;

use std::collections::BTreeMap;

use geo::MultiPolygon;

use crate::context::CancelToken;
use crate::error::Result;
use crate::parcels::Parcels;
pub use matrix::MatrixRow;

/// The class of land a survey does not cover (the other survey's land outside it).
pub const NONE: &str = "";

/// The class a land-use code (DLBM) is counted under in the matrix: the 三调 一级类, the
/// code's first two digits ("0103" → "01", "0201K" → "02"). The one place that decides
/// it (a class table from the settings can replace it).
pub fn class_of(code: &str) -> &str {
    let code = code.trim();
    match code.char_indices().nth(2) {
        Some((end, _)) => &code[..end],
        None => code,
    }
}

/// One piece of the overlay whose class changed.
#[derive(Debug, Clone)]
pub struct ChangedPiece {
    pub old_id: String,
    pub new_id: String,
    pub old_code: String,
    pub new_code: String,
    pub village_code: String,
    pub village_name: String,
    /// Area in cm².
    pub cm2: i64,
    pub geometry: MultiPolygon<f64>,
}

/// What the comparison of two surveys gives.
#[derive(Debug, Clone, Default)]
pub struct Transitions {
    /// The pieces whose class changed, ordered by new parcel, then old parcel.
    pub changes: Vec<ChangedPiece>,
    /// The matrix per village (by the later survey's 坐落; the earlier one's for land
    /// the later survey does not cover), then the total (village code "").
    pub matrix: Vec<MatrixRow>,
    /// Each survey's area per class, cm².
    pub old_totals: BTreeMap<String, i64>,
    pub new_totals: BTreeMap<String, i64>,
    /// Parcels of the later survey on the fast path (same BSM, same geometry), and
    /// parcels overlaid.
    pub unchanged_parcels: usize,
    pub overlaid_parcels: usize,
}

/// Compares the earlier survey `old` with the later survey `new` (both in the same
/// working CRS).
pub fn compare(old: &Parcels, new: &Parcels, cancel: &CancelToken) -> Result<Transitions> {
    let overlay = overlay::overlay(old, new, &|k, j| overlay::class_changed(old, new, k, j), cancel)?;
    let (matrix, old_totals, new_totals) = matrix::aggregate(old, new, &overlay.pieces);
    let changes = overlay::changed_pieces(old, new, overlay.pieces);
    Ok(Transitions {
        changes,
        matrix,
        old_totals,
        new_totals,
        unchanged_parcels: overlay.unchanged,
        overlaid_parcels: new.len() - overlay.unchanged,
    })
}

/// Whole cm² (1 m² = 10 000 cm²) of an area in m², as the matrix counts areas: each
/// piece rounded by at most 0.5 cm², so that a county's sums stay within 0.01 m².
pub fn cm2(m2: f64) -> i64 {
    (m2 * 10_000.0).round() as i64
}

/// m² of whole cm².
pub fn m2(cm2: i64) -> f64 {
    cm2 as f64 / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::testing::{parcels, rect, square, Plot};

    #[test]
    fn classes_are_the_first_two_digits() {
        assert_eq!(class_of("0103"), "01");
        assert_eq!(class_of(" 0201K"), "02");
        assert_eq!(class_of("1"), "1");
        assert_eq!(class_of(""), "");
    }

    fn survey(items: &[(&str, &'static str, MultiPolygon<f64>)]) -> Parcels {
        let plots: Vec<Plot> = items.iter().map(|(id, code, g)| Plot { id: id.to_string(), ..Plot::new(code).at(g.clone()) }).collect();
        parcels(&[], &plots)
    }

    #[test]
    fn a_split_and_a_reclassified_parcel_reconcile() {
        // Old: A (0103) 10×10 and B (0301) 10×10 side by side; new: A unchanged, B split
        // into B1 (0301) and B2 (0103), and C (0702) beyond the old survey.
        let old = survey(&[("A", "0103", square(0.0, 0.0, 10.0)), ("B", "0301", square(10.0, 0.0, 10.0))]);
        let half = |x: f64| rect(x, 0.0, x + 5.0, 10.0);
        let new = survey(&[
            ("A", "0103", square(0.0, 0.0, 10.0)),
            ("B1", "0301", half(10.0)),
            ("B2", "0103", half(15.0)),
            ("C", "0702", square(30.0, 0.0, 10.0)),
        ]);
        let t = compare(&old, &new, &CancelToken::new()).unwrap();
        assert_eq!(t.unchanged_parcels, 1);
        assert_eq!(t.changes.len(), 1);
        assert_eq!((t.changes[0].old_id.as_str(), t.changes[0].new_id.as_str(), t.changes[0].cm2), ("B", "B2", 500_000));
        let total: BTreeMap<(&str, &str), i64> =
            t.matrix.iter().filter(|r| r.village_code.is_empty()).map(|r| ((r.from.as_str(), r.to.as_str()), r.cm2)).collect();
        assert_eq!(total[&("01", "01")], 1_000_000);
        assert_eq!(total[&("03", "03")], 500_000);
        assert_eq!(total[&("03", "01")], 500_000);
        assert_eq!(total[&(NONE, "07")], 1_000_000);
        assert_eq!(t.old_totals["01"], 1_000_000);
        assert_eq!(t.new_totals["01"], 1_500_000);
        // Rows add up to the earlier survey's class totals, columns to the later's.
        for (totals, side) in [(&t.old_totals, 0), (&t.new_totals, 1)] {
            for (class, cm2) in totals {
                let sum: i64 = total.iter().filter(|((f, to), _)| [f, to][side] == class).map(|(_, a)| a).sum();
                assert_eq!(sum, *cm2, "class {class}");
            }
        }
    }
}
