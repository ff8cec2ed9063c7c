//! `constraint_hits` (管控线压占明细): every parcel with part of its area inside a
//! constraint, its share, the area inside and what the constraint does to it — nothing is
//! hidden behind a rule's verdict.

use super::{Field, Layer, RunData, Title};
use crate::settings::{ConstraintMode, ConstraintSettings};
use crate::table::{AttrValue, FieldKind::*};

pub struct ConstraintHits;

const FIELDS: &[Field] = &[
    Field::new("id", Text, "图斑标识码", ""),
    Field::new("constraint", Text, "管控图层", ""),
    Field::new("share", Real, "压占比例", ""),
    Field::new("area_m2", Real, "压占面积", "m²"),
    Field::new("action", Text, "处理", ""),
];

/// What a constraint does to a parcel with `share` of its area inside.
fn action(s: &ConstraintSettings, share: f64) -> String {
    let rules: Vec<&str> = s.applies_to.iter().map(|r| r.name()).collect();
    let rules = rules.join(", ");
    let triggered = share > 0.0 && share >= s.min_share;
    match (s.mode, triggered) {
        (ConstraintMode::Exclude, true) => format!("excluded from {rules}"),
        (ConstraintMode::Include, true) => format!("inside: may be a candidate of {rules}"),
        (ConstraintMode::Include, false) => format!("below min_share {}: not a candidate of {rules}", s.min_share),
        (ConstraintMode::Flag, _) => "flagged".into(),
        (ConstraintMode::Exclude, false) => format!("below min_share {}: not excluded", s.min_share),
    }
}

impl Layer for ConstraintHits {
    fn name(&self) -> &'static str {
        "constraint_hits"
    }

    fn title(&self) -> Title {
        Title {
            zh: "管控线压占明细",
            en: "constraint hits",
            description: "parcels inside control lines: share, area and effect",
        }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn enabled(&self, d: &RunData) -> bool {
        !d.constraints.list.is_empty()
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        FIELDS.to_vec()
    }

    /// Hits as `i * constraints + c`, by parcel then constraint.
    fn items(&self, d: &RunData) -> Vec<usize> {
        let m = d.constraints.list.len();
        (0..d.parcels.len())
            .flat_map(|i| (0..m).filter(move |&c| d.constraints.shares[c][i] > 0.0).map(move |c| i * m + c))
            .collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let m = d.constraints.list.len();
        let (i, c) = (k / m, k % m);
        let settings = &d.constraints.list[c].settings;
        let share = d.constraints.shares[c][i];
        out.push(AttrValue::text(d.parcels.id(i)));
        out.push(AttrValue::text(settings.name.as_str()));
        out.push(AttrValue::Real(share));
        out.push(AttrValue::Real(share * d.slope[i].area_m2));
        out.push(AttrValue::text(action(settings, share)));
    }
}
