//! `merge_candidates` (小田并大田): the plots of each proposed merged field.

use crate::stages::merge::MergePlan;
use std::borrow::Cow;

use geo::MultiPolygon;

use super::style::{Fill, Style};
use super::{ChangeSpec, Field, Layer, RunData, Title, Values};
use crate::settings::Rule;
use crate::table::{AttrValue, FieldKind::*};
use crate::units::{mu, round};

pub struct MergeCandidates;

const FIELDS: &[Field] = &[
    Field::new("parcel_id", Text, "图斑标识码", ""),
    Field::new("group_id", Int, "归并组号", ""),
    Field::coded("land_use", Text, "地类编码", "", Values::LandUse),
    Field::new("land_use_name", Text, "地类名称", ""),
    Field::new("village_code", Text, "坐落单位代码", ""),
    Field::new("village_name", Text, "坐落单位名称", ""),
    Field::new("owner_code", Text, "权属单位代码", ""),
    Field::new("area_m2", Real, "面积", "m²"),
    Field::new("area_mu", Real, "面积", "亩"),
    Field::coded("grade", Int, "坡度分级", "", Values::Grade),
    Field::new("shape_index", Real, "形状指数", ""),
    Field::coded("fragmented", Int, "破碎耕地", "", Values::YesNo),
];

impl Layer for MergeCandidates {
    fn name(&self) -> &'static str {
        "merge_candidates"
    }

    fn title(&self) -> Title {
        Title {
            zh: "小田并大田候选地块",
            en: "merge candidates",
            description: "plots proposed for merging",
        }
    }

    fn spatial(&self) -> bool {
        true
    }

    fn ready(&self, d: &RunData) -> bool {
        d.get::<MergePlan>().is_some()
    }

    fn fields(&self, d: &RunData) -> Vec<Field> {
        let mut fields = FIELDS.to_vec();
        fields.extend(super::constraint_fields(d, Rule::Merge));
        fields
    }

    fn items(&self, d: &RunData) -> Vec<usize> {
        d.get::<MergePlan>()
            .map(|m| m.members.iter().flatten().copied().collect())
            .unwrap_or_default()
    }

    fn row<'a>(&self, d: &RunData<'a>, i: usize, out: &mut Vec<AttrValue<'a>>) {
        let (p, s) = (d.parcels, &d.slope[i]);
        let merge = d.get::<MergePlan>().expect("merge candidates are ready only after the merge plan");
        out.push(AttrValue::text(p.id(i)));
        out.push(AttrValue::Int(merge.group_of[i] as i64));
        out.extend([AttrValue::text(p.land_use(i)), super::land_use_name(d, i)]);
        out.extend([p.village_code(i), p.village_name(i), p.owner_code(i)].map(AttrValue::text));
        out.push(AttrValue::Real(round(s.area_m2, 2)));
        out.push(AttrValue::Real(round(mu(s.area_m2), 2)));
        out.push(AttrValue::Int(s.grade as i64));
        out.push(AttrValue::Real(merge.shapes[i].shape_index));
        out.push(AttrValue::Int(merge.shapes[i].fragmented as i64));
        out.extend(super::constraint_values(d, Rule::Merge, i));
    }

    fn geometry<'a>(&self, d: &RunData<'a>, i: usize) -> Option<Cow<'a, MultiPolygon<f64>>> {
        Some(Cow::Owned(d.parcels.geometry(i)))
    }

    fn style(&self, _d: &RunData) -> Option<Style> {
        Some(Style::Single(Fill::new("116,173,209,200", "40,80,140,255", 0.15)))
    }

    fn changes(&self) -> Option<ChangeSpec> {
        Some(ChangeSpec { count_label: "merge_plots", village_mu: false, group: Some(("group_id", "merge_groups")), ..ChangeSpec::parcels("merge", "merge candidates", "plots") })
    }
}
