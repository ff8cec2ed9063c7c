//! `topology_issues` (拓扑问题): overlapping parcel pairs (geometry: the overlap) and
//! geometries repaired or skipped on reading (geometry: the parcel as used).

use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::{Field, Layer, RunData, Title, Values};
use crate::table::{AttrValue, FieldKind::*};

pub struct TopologyIssues;

const FIELDS: &[Field] = &[
    Field::new("id_a", Text, "图斑甲", ""),
    Field::new("id_b", Text, "图斑乙", ""),
    Field::coded("kind", Text, "问题类型", "", Values::TopologyKind),
    Field::new("area_m2", Real, "重叠面积", "m²"),
    Field::new("detail", Text, "说明", ""),
];

impl Layer for TopologyIssues {
    fn name(&self) -> &'static str {
        "topology_issues"
    }

    fn title(&self) -> Title {
        Title {
            zh: "拓扑问题",
            en: "topology issues",
            description: "overlapping parcels (not neighbours) and repaired geometries",
        }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn fields(&self, _d: &RunData) -> Vec<Field> {
        FIELDS.to_vec()
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        (0..d.overlaps.len() + d.parcels.issues.len()).collect()
    }

    fn row<'a>(&self, d: &RunData<'a>, k: usize, out: &mut Vec<AttrValue<'a>>) {
        let p = d.parcels;
        if let Some(o) = d.overlaps.get(k) {
            out.extend([AttrValue::text(p.id(o.a)), AttrValue::text(p.id(o.b)), AttrValue::text(o.kind.name())]);
            out.push(AttrValue::Real(o.area_m2));
            out.push(AttrValue::text(format!(
                "{:.1}% of {} and {:.1}% of {} overlap",
                o.shares.0 * 100.0,
                p.id(o.a),
                o.shares.1 * 100.0,
                p.id(o.b)
            )));
            return;
        }
        let issue = &p.issues[k - d.overlaps.len()];
        let kind = issue.action.split([' ', '(']).next().unwrap_or("repaired");
        out.extend([AttrValue::text(issue.id.as_str()), AttrValue::Null, AttrValue::text(kind.to_string())]);
        out.push(AttrValue::Null);
        out.push(AttrValue::text(format!("{} → {}", issue.problem, issue.action)));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, k: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        if let Some(o) = d.overlaps.get(k) {
            return Some(Cow::Borrowed(&o.geometry));
        }
        let issue = &d.parcels.issues[k - d.overlaps.len()];
        let geometry = issue.index.map(|i| d.parcels.geometry(i));
        Some(Cow::Owned(geometry.unwrap_or_else(|| MultiPolygon::new(vec![]))))
    }

    fn style(&self, d: &RunData) -> Option<Style> {
        let (lang, breaks) = (d.settings.output.language, &d.settings.terrain.grade_breaks);
        let cat = |v: &str, rgba: &str| {
            let label = super::present::name_of(Values::TopologyKind, v, lang, breaks);
            (v.to_string(), label, Fill::new(rgba, "60,0,0,255", 0.4))
        };
        let grey = "150,150,150,160";
        let kinds = [("duplicate", "215,25,28,200"), ("contains", "253,141,60,200"), ("overlap", "231,41,138,200")];
        let repairs = ["repaired", "closed", "kept", "skipped"].map(|k| (k, grey));
        Some(Style::categorized("kind", kinds.iter().chain(&repairs).map(|(v, rgba)| cat(v, rgba)).collect()))
    }
}
