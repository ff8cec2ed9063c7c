//! The transition matrix: the pieces' areas summed by (from class, to class) per village
//! and in total, with the land one survey does not cover as the class `NONE`, so that
//! rows and columns add up to the surveys' class totals in integer cm².

use std::collections::BTreeMap;

use geo::Area;
use rayon::prelude::*;

use super::overlay::Piece;
use super::{class_of, cm2, NONE};
use crate::parcels::Parcels;

/// One cell of the matrix of a village (or of the total: village code "").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixRow {
    pub village_code: String,
    pub village_name: String,
    pub from: String,
    pub to: String,
    pub cm2: i64,
}

type Cells = BTreeMap<(String, String), i64>;
/// Per village code: its name and cells.
type Villages = BTreeMap<String, (String, Cells)>;

fn areas(p: &Parcels) -> Vec<i64> {
    (0..p.len()).into_par_iter().map(|i| cm2(p.geometry(i).unsigned_area())).collect()
}

fn totals(p: &Parcels, areas: &[i64]) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for (i, a) in areas.iter().enumerate() {
        *out.entry(class_of(p.land_use(i)).to_string()).or_insert(0) += a;
    }
    out
}

/// The matrix rows (villages in code order, then the total) and the class totals of
/// the earlier and the later survey.
pub fn aggregate(old: &Parcels, new: &Parcels, pieces: &[Piece]) -> (Vec<MatrixRow>, BTreeMap<String, i64>, BTreeMap<String, i64>) {
    let (old_areas, new_areas) = rayon::join(|| areas(old), || areas(new));
    let (mut old_left, mut new_left) = (old_areas.clone(), new_areas.clone());
    let mut villages = Villages::new();
    let mut add = |p: &Parcels, i: usize, from: &str, to: &str, a: i64| {
        let v = villages.entry(p.village_code(i).to_string()).or_insert_with(|| (p.village_name(i).to_string(), Cells::new()));
        *v.1.entry((from.to_string(), to.to_string())).or_insert(0) += a;
    };
    for piece in pieces {
        old_left[piece.old] -= piece.cm2;
        new_left[piece.new] -= piece.cm2;
        add(new, piece.new, class_of(old.land_use(piece.old)), class_of(new.land_use(piece.new)), piece.cm2);
    }
    for (i, &a) in old_left.iter().enumerate().filter(|(_, a)| **a != 0) {
        add(old, i, class_of(old.land_use(i)), NONE, a);
    }
    for (j, &a) in new_left.iter().enumerate().filter(|(_, a)| **a != 0) {
        add(new, j, NONE, class_of(new.land_use(j)), a);
    }
    (rows(villages), totals(old, &old_areas), totals(new, &new_areas))
}

/// The cells of every village, then the total's, zero cells left out.
fn rows(villages: Villages) -> Vec<MatrixRow> {
    let mut total = Cells::new();
    let mut out = Vec::new();
    for (code, (name, cells)) in villages {
        for ((from, to), a) in cells {
            *total.entry((from.clone(), to.clone())).or_insert(0) += a;
            if a != 0 {
                out.push(MatrixRow { village_code: code.clone(), village_name: name.clone(), from, to, cm2: a });
            }
        }
    }
    let total_row = |((from, to), a): ((String, String), i64)| MatrixRow { village_code: String::new(), village_name: "合计".into(), from, to, cm2: a };
    out.extend(total.into_iter().filter(|(_, a)| *a != 0).map(total_row));
    out
}
