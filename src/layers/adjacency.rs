//! `adjacency`: pairs of parcels sharing a boundary, and its length.

use super::{Field, Layer, RunData, Title};
use crate::table::{AttrValue, FieldKind::*};

pub struct Adjacency;

const FIELDS: &[Field] = &[
    Field::new("id_a", Text, "图斑甲", ""),
    Field::new("id_b", Text, "图斑乙", ""),
    Field::new("shared_m", Real, "共用边长", "m"),
];

impl Layer for Adjacency {
    fn name(&self) -> &'static str {
        "adjacency"
    }

    fn title(&self) -> Title {
        Title {
            zh: "图斑邻接关系",
            en: "adjacency",
            description: "pairs of parcels sharing a boundary",
        }
    }

    fn spatial(&self) -> bool {
        false
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        FIELDS.to_vec()
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.graph.edges.len()).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let e = &d.graph.edges[k];
        out.push(AttrValue::text(d.parcels.id(e.a)));
        out.push(AttrValue::text(d.parcels.id(e.b)));
        out.push(AttrValue::Real(e.shared_m));
    }
}
